// SPDX-License-Identifier: GPL-2.0
/*
 * runner.c - every case of every scenario: knobs applied (host settings
 * journaled first), warm-up runs dropped, repeats kept, progress on a
 * terminal, and the host put back at the end of each scenario, on SIGINT
 * and SIGTERM.  The first signal ends the run cleanly (the current VM is
 * stopped, results are marked incomplete, knobs restored); a second one
 * takes the journal's own emergency path.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "guests.h"
#include "journal.h"
#include "knob.h"
#include "memcg.h"
#include "run.h"

#define MAX_IMAGES	32

struct runner {
	struct tap tap;
	FILE *out;
	struct results res;
	bool have_res;
	struct host_info *host;
	struct run_totals *tot;
	const struct runner_opts *o;
	int done, total;
	struct timespec t0;
	int nr_images;
	struct {
		char name[32];
		struct vmm_image img;
	} images[MAX_IMAGES];
};

static volatile sig_atomic_t interrupted;
static struct sigaction old_int, old_term;

static void on_signal(int sig)
{
	interrupted = sig;
	vmm_abort();
	/* A second signal: the journal's handler restores and dies. */
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}

static void signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
}

static const struct vmm_image *runner_image(struct runner *rn, const char *guest,
					    char *err, size_t len)
{
	int i;

	for (i = 0; i < rn->nr_images; i++)
		if (!strcmp(rn->images[i].name, guest))
			return &rn->images[i].img;
	if (rn->nr_images == MAX_IMAGES) {
		snprintf(err, len, "more than %d guests in one run", MAX_IMAGES);
		return NULL;
	}
	if (guest_load(guest, &rn->images[i].img, err, len))
		return NULL;
	snprintf(rn->images[i].name, sizeof(rn->images[i].name), "%s", guest);
	rn->nr_images++;
	return &rn->images[i].img;
}

static void progress(struct runner *rn, const struct sc_case *c)
{
	struct timespec now;
	char label[160];
	double el, left;

	if (!rn->o->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	el = now.tv_sec - rn->t0.tv_sec + (now.tv_nsec - rn->t0.tv_nsec) / 1e9;
	left = rn->done ? el / rn->done * (rn->total - rn->done) : NAN;
	sc_case_label(c, label, sizeof(label));
	if (isnan(left))
		fprintf(stderr, "\r\033[K[%d/%d] %s", rn->done + 1, rn->total, label);
	else
		fprintf(stderr, "\r\033[K[%d/%d] %s  (%d:%02d left)", rn->done + 1, rn->total,
			label, (int)left / 60, (int)left % 60);
	fflush(stderr);
}

static void case_skip(struct runner *rn, const struct sc_case *c, const char *why)
{
	struct res_row row = { .c = c, .vm = -1, .vcpu = -1, .kind = "skip", .name = "case",
			       .sample = -1, .value = NAN, .cycles = NAN, .detail = why };
	char label[160];

	sc_case_label(c, label, sizeof(label));
	tap_result(&rn->tap, true, "SKIP", why, "%s", label);
	if (rn->have_res) {
		results_row(&rn->res, &row);
		results_tally(&rn->res, "skip", true, false, label);
	}
}

static const char *case_knob(const struct sc_case *c, const char *name)
{
	int i;

	for (i = 0; i < c->nr_knobs; i++)
		if (!strcmp(c->knobs[i].name, name))
			return c->knobs[i].value;
	return NULL;
}

/* needs_host - does any case change the host (and so need the journal's lock)? */
static bool needs_host(struct sc_case **cases, const int *n, int nr)
{
	const struct knob *k;
	int i, j, m;

	for (i = 0; i < nr; i++)
		for (j = 0; j < n[i]; j++)
			for (m = 0; m < cases[i][j].nr_knobs; m++)
				if ((k = knob_find(cases[i][j].knobs[m].name)) && k->host)
					return true;
	return false;
}

/* case_config - the VMs of case @c, its knobs applied; non-zero and why if they cannot be. */
static int case_config(const struct sc_case *c, struct knob_plan *plan, char *why, size_t len)
{
	const struct knob *const *kp;
	const struct knob *k;
	struct vm_config vmc, *cfg = &vmc;
	int i, r;

	vm_config_init(cfg);
	cfg->test = c->test->test;
	cfg->nr_vcpus = c->vcpus;
	cfg->ram_size = (uint64_t)c->memory_mb << 20;
	for (i = 0; i < c->nr_params; i++) {
		const char *v = c->params[i].value;
		long long iv;
		bool str = !sc_param_int(v, &iv);

		vm_config_set_param(cfg, c->params[i].name, v, str ? 0 : iv, str);
	}
	knob_plan_init(plan, cfg);
	for (i = 0; i < c->nr_knobs; i++) {
		k = knob_find(c->knobs[i].name);
		r = k && k->probe ? k->probe(c->knobs[i].value, why, len) : 0;
		if (r)
			return r;
	}
	/* In the registry's order, not the scenario's: thp before backing. */
	for (kp = knob_all(); *kp; kp++) {
		const char *v = case_knob(c, (*kp)->name);

		r = v && (*kp)->apply ? (*kp)->apply(v, plan, why, len) : 0;
		if (r)
			return r;
	}
	return 0;
}

/*
 * case_run - pass @pass of case @c (its warm-up runs before pass 0).
 * Repeats are passes over the whole scenario, not runs back to back: the
 * samples of a case then come from moments apart, so a phase of the host
 * (a busy sibling thread, another tenant) shows as spread within the run
 * instead of as a difference between two runs.
 */
static void case_run(struct runner *rn, const struct sc_case *c, int pass)
{
	struct case_env env = { .tap = &rn->tap, .res = rn->have_res ? &rn->res : NULL,
				.c = c, .host = rn->host, .ex = rn->o->ex, .tot = rn->tot };
	const struct expect *e = run_expect(&env, "case");
	const struct vmm_image *img;
	static struct knob_plan plan;	/* a few KiB: not on the stack */
	char why[512];
	int i;

	progress(rn, c);
	/* What this host cannot run is not run: it may hang until the watchdog. */
	if (e && e->verdict == EXPECT_SKIP) {
		sc_case_label(c, why, sizeof(why));
		expect_use(&rn->tot->exp, e, false, why);
		case_skip(rn, c, expect_reason(e, why, sizeof(why)));
		return;
	}
	img = runner_image(rn, c->test->guest, why, sizeof(why));
	if (!img || case_config(c, &plan, why, sizeof(why))) {
		case_skip(rn, c, why);
		return;
	}
	if (plan.memcg[0]) {
		env.repeat = pass;
		run_case_child(&env, img, &plan, pass ? 0 : c->sc->warmup);
		memcg_release(why, sizeof(why));
		return;
	}
	env.quiet = true;
	for (i = 0; i < c->sc->warmup && !pass && !interrupted; i++)
		run_case(&env, img, &plan);
	env.quiet = false;
	env.repeat = pass;
	run_case(&env, img, &plan);
}

/* knobs_restore - put the host back; what could not be is a failure. */
static int knobs_restore(struct runner *rn)
{
	static char report[8192];
	char *line, *save;
	int bad;

	if (!journal_pending())
		return 0;
	bad = journal_restore(report, sizeof(report));
	for (line = strtok_r(report, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		tap_diag(&rn->tap, "%s", line);
	if (bad)
		tap_result(&rn->tap, false, NULL, NULL,
			   "host settings restored (%d could not be: run `kvmbench restore`)", bad);
	return bad;
}

/*
 * scenario_oc_report - a scenario with overcommit cases ends with their
 * table and verdict: as TAP comments, and as overcommit-NAME.md.
 */
static void scenario_oc_report(struct runner *rn, const struct scenario *sc)
{
	char name[96];
	FILE *f;

	if (!oc_report(&rn->tot->oc, sc, rn->out, "# ") || !rn->have_res)
		return;
	snprintf(name, sizeof(name), "overcommit-%s.md", sc->name);
	f = results_file_begin(&rn->res, name);
	if (!f)
		return;
	fprintf(f, "# %s: CPU overcommit\n\n", sc->name);
	oc_report(&rn->tot->oc, sc, f, "");
	results_file_end(&rn->res, f, name);
}

/*
 * scenario_mem_report - a scenario with memory guest cases ends with the
 * KSM and memory-overcommit tables: as TAP comments, and as memory-NAME.md.
 */
static void scenario_mem_report(struct runner *rn, const struct scenario *sc)
{
	const struct mem_table *t = &rn->tot->mem;
	char name[96];
	int n;
	FILE *f;

	n = mem_report_ksm(t, sc, rn->out, "# ") + mem_report_oc(t, sc, rn->out, "# ");
	if (!n || !rn->have_res)
		return;
	snprintf(name, sizeof(name), "memory-%s.md", sc->name);
	f = results_file_begin(&rn->res, name);
	if (!f)
		return;
	fprintf(f, "# %s: memory\n\n", sc->name);
	if (mem_report_ksm(t, sc, f, ""))
		fputc('\n', f);
	mem_report_oc(t, sc, f, "");
	results_file_end(&rn->res, f, name);
}

static void scenario_run(struct runner *rn, struct scenario *sc, struct sc_case *cases, int n)
{
	int i, pass;

	tap_diag(&rn->tap, "scenario %s (%s): %d case%s", sc->name, sc->path, n, n == 1 ? "" : "s");
	for (pass = 0; pass < sc->repeats && !interrupted; pass++)
		for (i = 0; i < n && !interrupted; i++, rn->done++)
			case_run(rn, &cases[i], pass);
	knobs_restore(rn);
	scenario_oc_report(rn, sc);
	scenario_mem_report(rn, sc);
}

static int runner_expand(struct scenario **sc, int nr, struct sc_case **cases, int *n)
{
	char err[512];
	int i;

	for (i = 0; i < nr; i++) {
		if (scenario_expand(sc[i], &cases[i], &n[i], err, sizeof(err))) {
			fprintf(stderr, "kvmbench run: %s\n", err);
			while (i--)
				free(cases[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static int runner_results(struct runner *rn, struct scenario **sc, struct sc_case **cases,
			  int *n, int nr)
{
	char err[512];
	FILE *f;
	int i;

	if (!rn->o->results_base)
		return 0;
	if (results_open(&rn->res, rn->o->results_base, rn->host, err, sizeof(err))) {
		fprintf(stderr, "kvmbench run: results: %s\n", err);
		return -EIO;
	}
	rn->have_res = true;
	for (i = 0; i < nr; i++)
		results_set_columns(&rn->res, cases[i], n[i]);
	results_columns_done(&rn->res);
	f = results_file_begin(&rn->res, "scenario.yaml");
	for (i = 0; f && i < nr; i++)
		scenario_write_cases(sc[i], cases[i], n[i], f);
	if (f)
		results_file_end(&rn->res, f, "scenario.yaml");
	return 0;
}

/*
 * expectations_report - what each expectation did, as TAP comments: one
 * whose points all passed is no longer needed on this host.
 */
static void expectations_report(struct runner *rn)
{
	const struct expect_uses *u = &rn->tot->exp;
	char name[200];
	int i;

	for (i = 0; i < u->n; i++) {
		const struct expect_use *x = &u->u[i];

		expect_name(x->e, name, sizeof(name));
		if (!x->held)
			tap_diag(&rn->tap, "expectation no longer needed on this host: %s (%s %s: passed in %d point%s, the first: %s)",
				 expect_id(x->e), expect_verdict_name(x->e), x->e->check,
				 x->passed, x->passed == 1 ? "" : "s", x->first_passed);
		else
			tap_diag(&rn->tap, "%s (%s %s): held in %d point%s, passed in %d", name,
				 expect_verdict_name(x->e), x->e->check, x->held,
				 x->held == 1 ? "" : "s", x->passed);
	}
	if (u->lost)
		tap_diag(&rn->tap, "%d more expectations applied (not listed)", u->lost);
	if (rn->have_res)
		results_expectations(&rn->res, u);
}

static int runner_finish(struct runner *rn)
{
	char why[64];

	if (rn->o->progress)
		fprintf(stderr, "\r\033[K");
	if (rn->o->bench)
		run_print_figures(rn->out, rn->tot);
	expectations_report(rn);
	tap_diag(&rn->tap, "%d case%s, %d failed%s", rn->tot->cases, rn->tot->cases == 1 ? "" : "s",
		 rn->tot->cases_failed, interrupted ? " (interrupted)" : "");
	tap_plan_end(&rn->tap);
	if (rn->have_res) {
		snprintf(why, sizeof(why), "interrupted by %s", strsignal(interrupted));
		results_close(&rn->res, interrupted ? why : NULL);
		fprintf(stderr, "kvmbench: results in %s%s\n", rn->res.dir,
			interrupted ? " (incomplete)" : "");
	}
	return tap_failed(&rn->tap) ? 1 : 0;
}

int runner_run(struct scenario **sc, int nr, const struct runner_opts *o)
{
	static struct host_info host;
	static struct run_totals tot;
	struct sc_case *cases[nr];
	struct runner rn = { .o = o, .host = &host, .tot = &tot, .out = stdout };
	char why[256];
	int n[nr], i, r;

	if (runner_expand(sc, nr, cases, n))
		return 2;
	for (i = 0; i < nr; i++)
		rn.total += n[i] * sc[i]->repeats;
	host_probe("", &host);
	if (needs_host(cases, n, nr) && journal_lock(why, sizeof(why))) {
		fprintf(stderr, "kvmbench run: %s\n", why);
		r = 2;
		goto out;
	}
	if (runner_results(&rn, sc, cases, n, nr)) {
		r = 2;
		goto out;
	}
	if (rn.have_res)
		rn.out = results_tee(&rn.res, stdout);
	tap_init(&rn.tap, rn.out);
	if (kvm_probe(why, sizeof(why))) {
		fprintf(stderr, "kvmbench run: no usable KVM here: %s\n", why);
		fprintf(rn.out, "1..0 # SKIP no usable /dev/kvm: %s\n", why);
		if (rn.have_res)
			results_close(&rn.res, NULL);
		r = 0;
		goto out;
	}
	journal_install_handlers();
	signals_install();
	clock_gettime(CLOCK_MONOTONIC, &rn.t0);
	for (i = 0; i < nr && !interrupted; i++)
		scenario_run(&rn, sc[i], cases[i], n[i]);
	r = runner_finish(&rn);
out:
	if (rn.out != stdout)
		fclose(rn.out);
	for (i = 0; i < nr; i++)
		free(cases[i]);
	for (i = 0; i < rn.nr_images; i++)
		image_free(&rn.images[i].img);
	if (interrupted) {
		signal(interrupted, SIG_DFL);
		raise(interrupted);
	}
	return r;
}
