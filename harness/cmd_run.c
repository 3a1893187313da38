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
#include <dirent.h>
#include <unistd.h>

#include "counter.h"
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
	const char *expectations;	/* --expectations; NULL: the default place */
	struct expect_set ex;
	int nr_params;
	struct sc_setting params[KB_MAX_PARAMS];
};

#include "knob.h"

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
"  -r, --repeats N      passes over the GUEST[:TEST] cases, a fresh VM each time\n"
"                       (default 1; `kvmbench compare` tests the repeats'\n"
"                       medians from 5 on, see README)\n"
"  -p, --param K=V      guest parameter for GUEST[:TEST] (repeatable); every\n"
"                       guest knows sample_us (default 1000) and samples (11)\n"
"  -c, --counter NAME   counter for GUEST[:TEST] (repeatable; default: the\n"
"                       guest's own list); `kvmbench counters` lists them\n"
"  -k, --knob K=V       knob for GUEST[:TEST] (repeatable), e.g. -k pin=compact\n"
"                       -k topology=2x2x1 -k overcommit=2 (`kvmbench help knobs`)\n"
"      --default        the default tour (what `make run` runs): scenarios/%s,\n"
"                       then scenarios/default-*.yaml\n"
"      --dry-run        validate and print the expanded cases, run nothing\n"
"  -o, --results DIR    where results directories go (default results)\n"
"      --no-results     write no results directory\n"
"      --bench          also print the table of figures at the end\n"
"  -E, --expectations PATH\n"
"                       known host behaviour: a file, or a folder of *.yaml\n"
"                       (default: $KVMBENCH_EXPECTATIONS, else expectations/\n"
"                       beside kvmbench); 'none' for no entries\n"
"  -h, --help           this help\n"
"\n"
"A point an expectation covers on this host is a TODO (or a SKIP) naming the\n"
"entry; a TODO that passes says the entry is no longer needed here.\n"
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

/* parse_knob - NAME=VALUE into the command-line scenario's fixed knobs, checked. */
static int parse_knob(struct cli *cl, const char *arg)
{
	struct scenario *a = &cl->adhoc;
	const char *eq = strchr(arg, '=');
	size_t nl = eq ? (size_t)(eq - arg) : 0;
	char name[SC_NAME_MAX], why[256];
	const struct knob *k;
	int i;

	if (!eq || !nl || nl >= sizeof(name) || strlen(eq + 1) >= KNOB_VALUE_MAX)
		return bad("--knob '%s': expected NAME=VALUE", arg);
	memcpy(name, arg, nl);
	name[nl] = 0;
	k = knob_find(name);
	if (!k)
		return bad("--knob '%s': no such knob (`kvmbench help knobs` lists them)", arg);
	if (!strcmp(name, "vcpus") || !strcmp(name, "memory"))
		return bad("--knob '%s': use --vcpus or --memory", arg);
	if (knob_value_ok(k, eq + 1, why, sizeof(why)))
		return bad("--knob: %s", why);
	for (i = 0; i < a->nr_knobs; i++)
		if (!strcmp(a->knobs[i].name, name))
			break;
	if (i == SC_MAX_SETTINGS)
		return bad("--knob '%s': too many knobs", arg);
	snprintf(a->knobs[i].name, sizeof(a->knobs[i].name), "%s", name);
	snprintf(a->knobs[i].value, sizeof(a->knobs[i].value), "%s", eq + 1);
	if (i == a->nr_knobs)
		a->nr_knobs++;
	return 0;
}

/* parse_counter - one more counter for the command-line scenario (checked with the rest). */
static int parse_counter(struct cli *cl, const char *arg)
{
	struct scenario *a = &cl->adhoc;

	if (!arg[0] || strlen(arg) >= SC_NAME_MAX)
		return bad("--counter '%s': expected a counter name (`kvmbench counters`)", arg);
	if (a->nr_counters == SC_MAX_COUNTERS)
		return bad("--counter '%s': too many counters", arg);
	snprintf(a->counters[a->nr_counters++], SC_NAME_MAX, "%s", arg);
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
	case 'r':
		if (parse_number("--repeats", optarg, 1, 1000, &v))
			return 2;
		if (v != (int)v) {
			fprintf(stderr, "kvmbench run: --repeats '%s': expected a whole number\n", optarg);
			return 2;
		}
		a->repeats = v;
		return 0;
	case 'p':
		return parse_param(cl, optarg);
	case 'k':
		return parse_knob(cl, optarg);
	case 'c':
		return parse_counter(cl, optarg);
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
	case 'E':
		cl->expectations = optarg;
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
		{ "memory", required_argument, 0, 'm' }, { "repeats", required_argument, 0, 'r' },
		{ "param", required_argument, 0, 'p' },
		{ "knob", required_argument, 0, 'k' }, { "counter", required_argument, 0, 'c' },
		{ "results", required_argument, 0, 'o' }, { "no-results", no_argument, 0, 'N' },
		{ "default", no_argument, 0, 'D' }, { "dry-run", no_argument, 0, 'd' },
		{ "bench", no_argument, 0, 'B' }, { "help", no_argument, 0, 'h' },
		{ "expectations", required_argument, 0, 'E' }, { 0 },
	};
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:t:m:r:p:k:c:o:E:h", longopts, NULL)) != -1) {
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

/* scenarios_dir - scenarios/ here, else beside the build (build/ or build/asan/). */
static const char *scenarios_dir(void)
{
	static char p[PATH_MAX + 64];
	char exe[PATH_MAX], *dir;
	ssize_t n;

	if (!access("scenarios/" DEFAULT_SCENARIO, R_OK))
		return "scenarios";
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return "scenarios";
	exe[n] = 0;
	dir = dirname(exe);
	snprintf(p, sizeof(p), "%s/../scenarios", dir);
	if (access(p, R_OK))
		snprintf(p, sizeof(p), "%s/../../scenarios", dir);
	return p;
}

/* default_file - default.yaml and default-*.yaml. */
static int default_file(const struct dirent *d)
{
	size_t l = strlen(d->d_name);

	return !strcmp(d->d_name, DEFAULT_SCENARIO) ||
	       (!strncmp(d->d_name, "default-", 8) && l > 13 && !strcmp(d->d_name + l - 5, ".yaml"));
}

/* default_first - default.yaml, then the others by name. */
static int default_first(const struct dirent **a, const struct dirent **b)
{
	int da = !strcmp((*a)->d_name, DEFAULT_SCENARIO), db = !strcmp((*b)->d_name, DEFAULT_SCENARIO);

	return da != db ? db - da : strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * default_scenarios - the default tour: scenarios/default.yaml, then every
 * scenarios/default-*.yaml.  The paths go to @out (at most @max); their count.
 */
static int default_scenarios(char **out, int max)
{
	static char paths[MAX_SCENARIOS][PATH_MAX + 64 + 512];
	const char *dir = scenarios_dir();
	struct dirent **names;
	int n, i, k = 0;

	n = scandir(dir, &names, default_file, default_first);
	for (i = 0; i < n; i++) {
		if (k < max && k < MAX_SCENARIOS) {
			snprintf(paths[k], sizeof(paths[k]), "%s/%s", dir, names[i]->d_name);
			out[k] = paths[k];
			k++;
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	if (!k) {	/* let the loader say what is missing */
		snprintf(paths[0], sizeof(paths[0]), "%s/%s", dir, DEFAULT_SCENARIO);
		out[k++] = paths[0];
	}
	return k;
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

/*
 * counters_check - every counter a scenario names must be known to some
 * source here (known but not countable on this host is fine: it is
 * reported unsupported).  Checked before anything runs; needs /dev/kvm
 * for KVM stat names, so without it the run's own SKIP says why instead.
 */
static int counters_check(struct scenario **sc, int nr)
{
	struct counter_spec spec;
	char why[256];
	int i, j;

	if (kvm_probe(why, sizeof(why)))
		return 0;
	for (i = 0; i < nr; i++) {
		for (j = 0; j < sc[i]->nr_counters; j++) {
			if (!counter_resolve(sc[i]->counters[j], &spec, why, sizeof(why)))
				continue;
			if (sc[i]->counter_pos[j].line)
				fprintf(stderr, "%s:%d:%d: counters: %s\n", sc[i]->path,
					sc[i]->counter_pos[j].line, sc[i]->counter_pos[j].col, why);
			else
				fprintf(stderr, "kvmbench run: --counter: %s\n", why);
			return 2;
		}
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

/*
 * expectations_load - the run's known host behaviour: --expectations, else
 * the default place.  A bad file stops the run before anything moves.
 */
static int expectations_load(struct cli *cl)
{
	const char *path = cl->expectations ? cl->expectations : expect_default_path();
	char err[512];

	if (!path || !strcmp(path, "none"))
		return 0;
	if (expect_set_load(&cl->ex, path, err, sizeof(err))) {
		fprintf(stderr, "kvmbench run: expectations: %s\n", err);
		return 2;
	}
	cl->ro.ex = &cl->ex;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static struct cli cl;
	struct scenario *sc[MAX_SCENARIOS];
	char *def[MAX_SCENARIOS - 1];
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
		n = default_scenarios(def, MAX_SCENARIOS - 1);
		args = def;
	}
	if (!n) {
		fprintf(stderr, "kvmbench run: name SCENARIO.yaml files, GUEST[:TEST] targets, or --default\n");
		run_usage(stderr);
		return 2;
	}
	r = load_all(&cl, args, n, sc, &nr);
	if (!r)
		r = counters_check(sc, nr);
	if (!r)
		r = expectations_load(&cl);
	if (r)
		return r;
	if (cl.dry_run)
		r = dry_run(sc, nr);
	else
		r = runner_run(sc, nr, &cl.ro);
	expect_set_free(&cl.ex);
	return r;
}
