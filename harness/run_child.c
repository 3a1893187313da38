// SPDX-License-Identifier: GPL-2.0
/*
 * run_child.c - a memory overcommit case runs its VMs in a child process
 * inside the case's memory cgroup, so that the OOM killer, if the level
 * is too much for the host, ends the child and not the run.
 *
 * The child reports as any case does, through the TAP stream and the
 * results files it shares with us (line-buffered there, so a kill leaves
 * whole lines).  What it counts goes to memory shared with us: the TAP
 * numbering and the run's totals (with the case's row of the memory
 * tables) as it goes, the results' tallies and summary lines when it ends.
 * We then add what only the parent sees: the child's major faults and
 * swap traffic, and how it ended.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "child.h"
#include "run.h"

#define CHILD_MAX_LINES	256

struct child_state {
	struct tap tap;			/* the child's TAP numbering, live */
	struct run_totals tot;		/* the run's totals, live */
	int done;			/* the child got to the end: what follows is valid */
	struct res_tally tally;
	int nr_lines;
	struct res_line lines[CHILD_MAX_LINES];
};

struct child_case {
	struct case_env env;
	const struct vmm_image *img;
	const struct knob_plan *plan;
	int warmup;
	struct child_state *st;
	int lines0;			/* the results' summary lines before the case */
};

static int child_case(void *arg)
{
	struct child_case *cc = arg;
	struct child_state *st = cc->st;
	struct results *res = cc->env.res;
	struct case_env env = cc->env;
	int i;

	env.tap = &st->tap;
	env.tot = &st->tot;
	if (res)
		res->flush_rows = true;	/* TAP lines are flushed one by one already */
	env.quiet = true;
	for (i = 0; i < cc->warmup && !vmm_aborted(); i++)
		run_case(&env, cc->img, cc->plan);
	env.quiet = false;
	run_case(&env, cc->img, cc->plan);
	if (res) {
		st->tally = res->t;
		for (i = cc->lines0; i < res->nr_lines && st->nr_lines < CHILD_MAX_LINES; i++)
			st->lines[st->nr_lines++] = res->lines[i];
		fflush(res->csv);
	}
	fflush(NULL);
	st->done = 1;
	return 0;
}

/* take_back - what the child counted becomes ours. */
static void take_back(struct case_env *env, const struct child_state *st)
{
	struct results *res = env->res;
	int i;

	env->tap->n = st->tap.n;
	env->tap->failed = st->tap.failed;
	*env->tot = st->tot;
	if (!res || !st->done)
		return;
	res->t = st->tally;
	for (i = 0; i < st->nr_lines; i++)
		results_line(res, &st->lines[i]);
}

static const char *ended(const struct child_result *cr, char *buf, size_t len)
{
	if (cr->oom_killed)
		snprintf(buf, len, "killed by the OOM killer");
	else if (cr->timed_out)
		snprintf(buf, len, "killed: the case's time ran out");
	else if (cr->interrupted)
		snprintf(buf, len, "stopped by %s", strsignal(cr->interrupted));
	else if (!cr->exited)
		snprintf(buf, len, "killed by %s", strsignal(cr->signo));
	else
		snprintf(buf, len, "exited with status %d before the end", cr->status);
	return buf;
}

/* unfinished - the child did not get to the end: the case says how it ended. */
static void unfinished(struct case_env *env, const struct knob_plan *plan,
		       const struct child_result *cr, struct mem_point *p)
{
	struct res_row r = { .c = env->c, .repeat = env->repeat, .vms = plan->nr_vms,
			     .vm = -1, .vcpu = -1, .kind = "case", .name = "outcome",
			     .sample = -1, .unit = "pass", .cycles = NAN };
	char how[96], why[320], label[200];

	ended(cr, how, sizeof(how));
	sc_case_label(env->c, label, sizeof(label));
	snprintf(why, sizeof(why), "mem_overcommit %g (cgroup limit %.0f MiB, %s): %s", plan->mem_oc_level,
		 plan->memcg_limit / 1048576.0, zram_swap_note(), how);
	/* Running out of memory at a level is what the level measures: a result, not a bug. */
	if (cr->oom_killed)
		tap_result(env->tap, true, "SKIP", why, "%s", label);
	else
		tap_result(env->tap, false, NULL, NULL, "%s %s", label, why);
	r.value = cr->oom_killed;
	r.detail = why;
	if (env->res) {
		results_row(env->res, &r);
		results_tally(env->res, "case", cr->oom_killed, false, why);
	}
	env->tot->cases_failed += !cr->oom_killed;
	if (p)
		p->ok = false;
}

/* child_figures - the child's faults and swap traffic, in its row of the memory table. */
static void child_figures(struct mem_point *p, const struct child_result *cr)
{
	p->child = true;
	p->oom = cr->oom_killed;
	p->majflt = cr->ru.ru_majflt;
	p->swap_out_mb = cr->cg.pswpout >= 0 ? mem_pages_mib(cr->cg.pswpout) : NAN;
	p->swap_in_mb = cr->cg.pswpin >= 0 ? mem_pages_mib(cr->cg.pswpin) : NAN;
}

int run_case_child(struct case_env *env, const struct vmm_image *img,
		   const struct knob_plan *plan, int warmup)
{
	struct child_case cc = { .env = *env, .img = img, .plan = plan, .warmup = warmup };
	struct child_opts o = { .cgroup = plan->memcg, .timeout_s = 2 * env->c->sc->timeout_s + 30 };
	struct child_result cr;
	struct mem_point *p = NULL;
	int mem0 = env->tot->mem.n;
	char why[256];

	cc.st = child_shared(sizeof(*cc.st));
	if (!cc.st) {
		tap_result(env->tap, false, NULL, NULL, "%s: no memory shared with the child", env->c->test->test);
		return -1;
	}
	cc.st->tap = *env->tap;
	cc.st->tot = *env->tot;
	cc.lines0 = env->res ? env->res->nr_lines : 0;
	fflush(NULL);
	if (child_run(&o, child_case, &cc, &cr, why, sizeof(why))) {
		tap_result(env->tap, false, NULL, NULL, "%s: could not run the case's child: %s",
			   env->c->test->test, why);
		child_shared_free(cc.st, sizeof(*cc.st));
		return -1;
	}
	take_back(env, cc.st);
	if (env->tot->mem.n > mem0)
		p = &env->tot->mem.p[env->tot->mem.n - 1];
	if (p)
		child_figures(p, &cr);
	if (!cc.st->done)
		unfinished(env, plan, &cr, p);
	child_shared_free(cc.st, sizeof(*cc.st));
	return 0;
}
