// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_run.c - the command line of `kvmbench run`: scenario files, or
 * GUEST[:TEST] targets gathered into one scenario built from the options.
 * Everything is loaded and validated before anything runs.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guests.h"
#include "run.h"

#define MAX_SCENARIOS	32
#define DEFAULT_SCENARIO "default.yaml"

struct cli {
	struct runner_opts ro;
	bool dry_run;
	bool deflt;
	struct scenario adhoc;		/* GUEST[:TEST] targets and their options */
	bool vcpus_set, memory_set, timeout_set;
	int nr_params;
	struct sc_setting params[KB_MAX_PARAMS];
};

static void run_usage(FILE *f)
{
	fprintf(f,
"usage: kvmbench run [OPTIONS] SCENARIO.yaml... | GUEST[:TEST]... | --default\n"
"\n"
"Run scenarios (YAML files, see README) or guest tests (GUEST runs all of its\n"
"tests), each case in a fresh VM, and print TAP version 13 on stdout: one point\n"
"per check and per metric (figures in the YAML block) and one per case (fails\n"
"with the reason and a register dump if the guest crashed, hung or made a bad\n"
"ABI call).  Results go to RESULTS/<UTC time>-<host>/ unless --no-results.\n"
"Host settings that knobs change are journaled and put back at the end, on\n"
"SIGINT/SIGTERM, or by `kvmbench restore` after a crash.\n"
"\n"
"  -n, --vcpus N        vCPUs per VM, for GUEST[:TEST] targets (default 1)\n"
"  -t, --timeout S      watchdog per run in seconds, GUEST[:TEST] (default 30)\n"
"  -m, --memory MB      guest RAM in MiB, GUEST[:TEST] (default 64)\n"
"  -p, --param K=V      guest parameter for GUEST[:TEST] (repeatable); every\n"
"                       guest knows sample_us (default 1000) and samples (11)\n"
"      --default        run scenarios/%s (what `make run` runs)\n"
"      --dry-run        validate and print the expanded cases, run nothing\n"
"  -o, --results DIR    where results directories go (default results)\n"
"      --no-results     write no results directory\n"
"      --bench          also print the table of figures at the end\n"
"  -h, --help           this help\n"
"\n"
"Exit status: 0 when every point passed, was skipped or is a known TODO; 1 when\n"
"any failed; 2 on bad usage or an invalid scenario (nothing runs, no knob\n"
"moves).  Without a usable /dev/kvm the run is one TAP SKIP.\n",
		DEFAULT_SCENARIO);
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "kvmbench run: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
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

static int parse_param(struct cli *cl, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t nl = eq ? (size_t)(eq - arg) : 0;
	struct sc_setting *p;

	if (!eq || !nl || nl >= 32 || strlen(eq + 1) >= 64)
		return bad("--param '%s': expected NAME=VALUE (name < 32, value < 64 chars)", arg);
	if (cl->nr_params == KB_MAX_PARAMS)
		return bad("--param '%s': too many parameters", arg);
	p = &cl->params[cl->nr_params++];
	memcpy(p->name, arg, nl);
	p->name[nl] = 0;
	snprintf(p->value, sizeof(p->value), "%s", eq + 1);
	return 0;
}

static int parse_opt(struct cli *cl, int c)
{
	struct scenario *a = &cl->adhoc;
	double v;

	switch (c) {
	case 'n':
		if (parse_number("--vcpus", optarg, 1, KB_MAX_VCPUS, &v))
			return 2;
		a->vcpus = v;
		return 0;
	case 't':
		if (parse_number("--timeout", optarg, 0.1, 86400, &v))
			return 2;
		a->timeout_s = v;
		return 0;
	case 'm':
		if (parse_number("--memory", optarg, 8, KB_RAM_MAX >> 20, &v))
			return 2;
		a->memory_mb = v;
		return 0;
	case 'p':
		return parse_param(cl, optarg);
	case 'o':
		cl->ro.results_base = optarg;
		return 0;
	case 'N':
		cl->ro.results_base = NULL;
		return 0;
	case 'D':
		cl->deflt = true;
		return 0;
	case 'd':
		cl->dry_run = true;
		return 0;
	case 'B':
		cl->ro.bench = true;
		return 0;
	case 'h':
		run_usage(stdout);
		return -1;
	default:
		run_usage(stderr);
		return 2;
	}
}

static int parse_opts(int argc, char **argv, struct cli *cl)
{
	static const struct option longopts[] = {
		{ "vcpus", required_argument, 0, 'n' }, { "timeout", required_argument, 0, 't' },
		{ "memory", required_argument, 0, 'm' }, { "param", required_argument, 0, 'p' },
		{ "results", required_argument, 0, 'o' }, { "no-results", no_argument, 0, 'N' },
		{ "default", no_argument, 0, 'D' }, { "dry-run", no_argument, 0, 'd' },
		{ "bench", no_argument, 0, 'B' }, { "help", no_argument, 0, 'h' }, { 0 },
	};
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:t:m:p:o:h", longopts, NULL)) != -1) {
		r = parse_opt(cl, c);
		if (r)
			return r;
	}
	return 0;
}

static bool is_scenario(const char *arg)
{
	size_t l = strlen(arg);

	return (l > 5 && !strcmp(arg + l - 5, ".yaml")) || (l > 4 && !strcmp(arg + l - 4, ".yml"));
}

/* default_scenario - scenarios/default.yaml here, else beside the build. */
static const char *default_scenario(void)
{
	static char p[PATH_MAX + 64];
	char exe[PATH_MAX];
	ssize_t n;

	if (!access("scenarios/" DEFAULT_SCENARIO, R_OK))
		return "scenarios/" DEFAULT_SCENARIO;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		snprintf(p, sizeof(p), "%s/../scenarios/%s", dirname(exe), DEFAULT_SCENARIO);
		if (!access(p, R_OK))
			return p;
		snprintf(p, sizeof(p), "%s/../../scenarios/%s", dirname(exe), DEFAULT_SCENARIO);
	}
	return p;
}

/* adhoc_add - GUEST[:TEST] into the command-line scenario. */
static int adhoc_add(struct scenario *a, const char *spec)
{
	const char *colon = strchr(spec, ':');
	size_t gl = colon ? (size_t)(colon - spec) : strlen(spec);
	char guest[GUEST_NAME_MAX], err[VMM_ERR_MAX];
	struct vmm_image img;
	int i;

	if (!gl || gl >= sizeof(guest) || (colon && (!colon[1] || strlen(colon + 1) >= 32)))
		return bad("'%s': expected GUEST[:TEST] or a SCENARIO.yaml", spec);
	memcpy(guest, spec, gl);
	guest[gl] = 0;
	if (guest_load(guest, &img, err, sizeof(err)))
		return bad("%s", err);
	if (colon && !image_find_test(&img, colon + 1)) {
		fprintf(stderr, "kvmbench run: guest '%s' has no test '%s' (`kvmbench list %s`)\n",
			guest, colon + 1, guest);
		image_free(&img);
		return 2;
	}
	for (i = 0; i < img.nr_tests; i++) {
		if (colon && strcmp(img.tests[i].name, colon + 1))
			continue;
		if (a->nr_tests == SC_MAX_TESTS)
			break;
		snprintf(a->tests[a->nr_tests].guest, 32, "%s", guest);
		snprintf(a->tests[a->nr_tests].test, 32, "%s", img.tests[i].name);
		a->nr_tests++;
	}
	image_free(&img);
	return 0;
}

static void adhoc_init(struct scenario *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "command-line");
	snprintf(a->path, sizeof(a->path), "(command line)");
	a->vcpus = 1;
	a->memory_mb = 64;
	a->repeats = 1;
	a->timeout_s = 30;
}

static void adhoc_params(struct cli *cl)
{
	int i;

	for (i = 0; i < cl->nr_params; i++)
		cl->adhoc.params[cl->adhoc.nr_params++] = cl->params[i];
}

/* load_all - scenario files and targets, validated; the list in @sc. */
static int load_all(struct cli *cl, char **args, int n, struct scenario **sc, int *nr)
{
	static struct scenario loaded[MAX_SCENARIOS];
	char err[512];
	int i, r;

	*nr = 0;
	for (i = 0; i < n; i++) {
		if (!is_scenario(args[i])) {
			r = adhoc_add(&cl->adhoc, args[i]);
			if (r)
				return r;
			continue;
		}
		if (*nr == MAX_SCENARIOS - 1)
			return bad("more than %s scenarios", "31");
		if (scenario_load(args[i], &loaded[*nr], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
		sc[*nr] = &loaded[*nr];
		(*nr)++;
	}
	if (cl->adhoc.nr_tests) {
		adhoc_params(cl);
		sc[(*nr)++] = &cl->adhoc;
	}
	return 0;
}

static int dry_run(struct scenario **sc, int nr)
{
	struct sc_case *cases;
	char err[512];
	int i, n;

	for (i = 0; i < nr; i++) {
		if (scenario_expand(sc[i], &cases, &n, err, sizeof(err))) {
			fprintf(stderr, "kvmbench run: %s\n", err);
			return 2;
		}
		scenario_print_cases(sc[i], cases, n, stdout);
		free(cases);
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static struct cli cl;
	struct scenario *sc[MAX_SCENARIOS];
	char *def[1];
	char **args;
	int n, nr, r;

	memset(&cl, 0, sizeof(cl));
	adhoc_init(&cl.adhoc);
	cl.ro.results_base = "results";
	cl.ro.progress = isatty(2);
	r = parse_opts(argc, argv, &cl);
	if (r)
		return r < 0 ? 0 : r;
	n = argc - optind;
	args = argv + optind;
	if (cl.deflt && !n) {
		def[0] = (char *)default_scenario();
		args = def;
		n = 1;
	}
	if (!n) {
		fprintf(stderr, "kvmbench run: name SCENARIO.yaml files, GUEST[:TEST] targets, or --default\n");
		run_usage(stderr);
		return 2;
	}
	r = load_all(&cl, args, n, sc, &nr);
	if (r)
		return r;
	if (cl.dry_run)
		return dry_run(sc, nr);
	return runner_run(sc, nr, &cl.ro);
}
