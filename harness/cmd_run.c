// SPDX-License-Identifier: GPL-2.0
/* cmd_run.c - the command line of `kvmbench run`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guests.h"
#include "run.h"

#define MAX_TARGETS	64

/* What `make run` runs until scenarios exist: every ioexit test. */
static const char *const default_targets[] = { "ioexit" };

struct target {
	char guest[GUEST_NAME_MAX];
	char test[KB_TEST_NAME_MAX];	/* "" = every test of the guest */
	struct vmm_image img;
};

static void run_usage(FILE *f)
{
	fprintf(f,
"usage: kvmbench run [OPTIONS] GUEST[:TEST]...\n"
"       kvmbench run [OPTIONS] --default\n"
"\n"
"Boot each test of each GUEST (or only TEST) in a fresh VM on /dev/kvm and\n"
"print TAP version 13 on stdout: one point per check and per metric (figures\n"
"in the YAML block), and one per case that fails with the reason and a\n"
"register dump if the guest crashed, hung or made a bad ABI call.\n"
"\n"
"  -n, --vcpus N        vCPUs per VM (default 1)\n"
"  -t, --timeout S      watchdog per case in seconds (default 30)\n"
"  -m, --memory MB      guest RAM in MiB (default 64)\n"
"  -p, --param K=V      guest test parameter, integer or string (repeatable);\n"
"                       every guest knows sample_us (default 1000): how long\n"
"                       one timing sample lasts, and samples (default 11)\n"
"      --default        the default set (%s)\n"
"      --bench          also print the table of figures at the end\n"
"  -h, --help           this help\n"
"\n"
"Exit status: 0 when every point passed (or was skipped), 1 when any failed,\n"
"2 on bad usage.  Without a usable /dev/kvm the run is one TAP SKIP.\n",
		default_targets[0]);
}

static int parse_param(struct run_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t nl = eq ? (size_t)(eq - arg) : 0;

	if (!eq || !nl || nl >= sizeof(o->params[0].name) ||
	    strlen(eq + 1) >= sizeof(o->params[0].value)) {
		fprintf(stderr, "kvmbench run: --param '%s': expected NAME=VALUE (name < 32, value < 64 chars)\n", arg);
		return -EINVAL;
	}
	if (o->nr_params == RUN_MAX_PARAMS) {
		fprintf(stderr, "kvmbench run: at most %d parameters\n", RUN_MAX_PARAMS);
		return -E2BIG;
	}
	memcpy(o->params[o->nr_params].name, arg, nl);
	o->params[o->nr_params].name[nl] = 0;
	strcpy(o->params[o->nr_params].value, eq + 1);
	o->nr_params++;
	return 0;
}

static int parse_number(const char *opt, const char *arg, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (!arg[0] || *end || v < lo || v > hi) {
		fprintf(stderr, "kvmbench run: %s '%s': expected a number from %g to %g\n",
			opt, arg, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct run_opts *o, bool *deflt)
{
	static const struct option longopts[] = {
		{ "vcpus", required_argument, 0, 'n' }, { "timeout", required_argument, 0, 't' },
		{ "memory", required_argument, 0, 'm' }, { "param", required_argument, 0, 'p' },
		{ "default", no_argument, 0, 'D' }, { "bench", no_argument, 0, 'B' },
		{ "help", no_argument, 0, 'h' }, { 0 },
	};
	double v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:t:m:p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_number("--vcpus", optarg, 1, KB_MAX_VCPUS, &v))
				return 2;
			o->nr_vcpus = v;
			break;
		case 't':
			if (parse_number("--timeout", optarg, 0.1, 86400, &v))
				return 2;
			o->timeout_s = v;
			break;
		case 'm':
			if (parse_number("--memory", optarg, 8, KB_RAM_MAX >> 20, &v))
				return 2;
			o->ram_mb = v;
			break;
		case 'p':
			if (parse_param(o, optarg))
				return 2;
			break;
		case 'D':
			*deflt = true;
			break;
		case 'B':
			o->bench = true;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return 2;
		}
	}
	return -1;
}

/* target_add - parse GUEST[:TEST] and load the guest; errors before anything runs. */
static int target_add(struct target *t, const char *spec)
{
	const char *colon = strchr(spec, ':');
	size_t gl = colon ? (size_t)(colon - spec) : strlen(spec);
	char err[VMM_ERR_MAX];

	if (!gl || gl >= sizeof(t->guest) || (colon && strlen(colon + 1) >= sizeof(t->test))) {
		fprintf(stderr, "kvmbench run: '%s': expected GUEST[:TEST]\n", spec);
		return -EINVAL;
	}
	memcpy(t->guest, spec, gl);
	t->guest[gl] = 0;
	snprintf(t->test, sizeof(t->test), "%s", colon ? colon + 1 : "");
	if (guest_load(t->guest, &t->img, err, sizeof(err))) {
		fprintf(stderr, "kvmbench run: %s\n", err);
		return -ENOENT;
	}
	if (t->test[0] && !image_find_test(&t->img, t->test)) {
		fprintf(stderr, "kvmbench run: guest '%s' has no test '%s' (`kvmbench list %s`)\n",
			t->guest, t->test, t->guest);
		image_free(&t->img);
		return -ENOENT;
	}
	return 0;
}

static void run_targets(struct tap *tap, struct target *t, int n, const struct run_opts *o,
			struct run_totals *tot)
{
	int i, j;

	for (i = 0; i < n; i++) {
		if (t[i].test[0]) {
			run_case(tap, &t[i].img, t[i].guest, t[i].test, o, tot);
			continue;
		}
		for (j = 0; j < t[i].img.nr_tests; j++)
			run_case(tap, &t[i].img, t[i].guest, t[i].img.tests[j].name, o, tot);
	}
}

int cmd_run(int argc, char **argv)
{
	static struct target targets[MAX_TARGETS];
	static struct run_totals tot;
	const char *const *specs = (const char *const *)argv;
	struct run_opts o;
	bool deflt = false;
	char why[VMM_ERR_MAX];
	struct tap tap;
	int i, n, r;

	run_opts_init(&o);
	r = parse_opts(argc, argv, &o, &deflt);
	if (r >= 0)
		return r;
	n = argc - optind;
	specs += optind;
	if (deflt && !n) {
		specs = default_targets;
		n = sizeof(default_targets) / sizeof(default_targets[0]);
	}
	if (!n || n > MAX_TARGETS) {
		fprintf(stderr, "kvmbench run: name 1..%d GUEST[:TEST] targets, or --default\n", MAX_TARGETS);
		run_usage(stderr);
		return 2;
	}
	for (i = 0; i < n; i++) {
		if (target_add(&targets[i], specs[i])) {
			while (i--)
				image_free(&targets[i].img);
			return 2;
		}
	}
	tap_init(&tap, stdout);
	if (kvm_probe(why, sizeof(why))) {
		fprintf(stderr, "kvmbench run: no usable KVM here: %s\n", why);
		printf("1..0 # SKIP no usable /dev/kvm: %s\n", why);
		r = 0;
		goto out;
	}
	run_targets(&tap, targets, n, &o, &tot);
	if (o.bench)
		run_print_figures(stdout, &tot);
	tap_diag(&tap, "%d case%s, %d failed", tot.cases, tot.cases == 1 ? "" : "s", tot.cases_failed);
	tap_plan_end(&tap);
	r = tap_failed(&tap) ? 1 : 0;
out:
	for (i = 0; i < n; i++)
		image_free(&targets[i].img);
	return r;
}
