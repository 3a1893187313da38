// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - `kvmbench run GUEST[:TEST]...`: one fresh VM per test, every guest
 * event turned into TAP as it happens, so progress is visible live.
 *
 * A check is one test point, a metric is one test point with its figures
 * in the YAML block, and each case ends with a point of its own that fails
 * with the reason (and a register dump) when the guest crashed, hung or
 * made a bad call.  A metric with a native twin (native.h) gets two more
 * points once the VM has ended: the twin's figure and the virtual/native
 * ratio of the medians.
 *
 * A case of many VMs (overcommit_pattern=many-vms) starts them all at once
 * and pools what they say by name (pool.h): one point per metric over
 * every vCPU, one per check.  Every case reports each vCPU thread's user,
 * system and guest time and the host's context switches over the run.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case_counters.h"
#include "cpuspeed.h"
#include "knob.h"
#include "ksm_watch.h"
#include "native.h"
#include "pool.h"
#include "run.h"
#include "sstat.h"
#include "vmsync.h"

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

#define MAX_TWINS	16

/* A guest metric whose native twin runs when the VM has ended. */
struct twin_due {
	const struct native_twin *twin;
	double ns_median;		/* the guest's */
};

struct case_ctx {
	struct case_env *env;
	struct tap *tap;
	int nr_vms, vcpus;		/* VMs run at once, vCPUs in each */
	struct oc_point *oc;		/* an overcommit case: its row of the table */
	struct case_counters cc;	/* on every vCPU thread (none in warm-up runs) */
	struct pool pool;		/* nr_vms > 1: what they said, by name */
	pthread_mutex_t lock;		/* several VMs report at once */
	char label[200];		/* "ioexit:pio backing=thp [2/3]" */
	uint64_t tsc_khz;
	int failed_checks;
	bool failed;			/* crash, timeout, bad call... */
	char why[320];
	struct kb_regs regs;
	bool have_regs;
	int nr_twins;
	struct twin_due twins[MAX_TWINS];
	struct vmsync sync;		/* the guests' sync calls: a barrier over the VMs */
	struct ksm_watch *ksm;		/* ksm=on: ksmd's merge, watched at "ksm_merge" */
	struct mem_point *mp;		/* a memory guest case: its row of the tables */
};

/* row - one CSV row; @vcpu counts across the case's VMs (-1: the case). */
static void row(struct case_ctx *c, int vcpu, const char *kind, const char *name, int sample,
		double value, const char *unit, double cycles, const char *detail)
{
	struct res_row r = { .c = c->env->c, .repeat = c->env->repeat,
			     .vms = c->nr_vms, .vcpus = c->vcpus,
			     .vm = vcpu < 0 ? -1 : vcpu / c->vcpus,
			     .vcpu = vcpu < 0 ? -1 : vcpu % c->vcpus,
			     .kind = kind, .name = name, .sample = sample, .value = value,
			     .unit = unit, .cycles = cycles, .detail = detail };

	if (c->env->res)
		results_row(c->env->res, &r);
}

static void tally(struct case_ctx *c, const char *kind, bool ok, bool todo, const char *what)
{
	char buf[400];

	snprintf(buf, sizeof(buf), "%s %s", c->label, what);
	if (c->env->res)
		results_tally(c->env->res, kind, ok, todo, buf);
}

static void yaml_hex(struct tap *t, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	tap_yaml_str(t, key, buf);
}

static void yaml_regs(struct tap *t, const struct kb_regs *r)
{
	static const char *const names[] = {
		"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11",
		"r12", "r13", "r14", "r15", "vector", "error_code", "rip", "cs", "rflags",
		"rsp", "ss", "cr0", "cr2", "cr3", "cr4",
	};
	const uint64_t *v = (const uint64_t *)r;
	size_t i;

	tap_yaml_map_begin(t, "registers");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		yaml_hex(t, names[i], v[i]);
	tap_yaml_map_end(t);
}

static void yaml_stats(struct tap *t, const char *key, const struct sample_stats *s)
{
	tap_yaml_map_begin(t, key);
	tap_yaml_double(t, "min", s->min);
	tap_yaml_double(t, "median", s->median);
	tap_yaml_double(t, "p99", s->p99);
	tap_yaml_double(t, "max", s->max);
	tap_yaml_double(t, "stddev", s->stddev);
	tap_yaml_map_end(t);
}

static void keep_figure(struct case_ctx *c, const char *metric, const struct sample_stats *cyc,
			const struct sample_stats *ns, uint64_t count, const char *unit,
			const char *counters)
{
	struct run_totals *tot = c->env->tot;
	const struct sample_stats *m = ns ? ns : cyc;
	struct res_line l = { .median = m->median, .min = m->min, .p99 = m->p99,
			      .cyc_median = ns ? cyc->median : NAN, .samples = count };
	struct run_figure *f;

	snprintf(l.label, sizeof(l.label), "%s", c->label);
	snprintf(l.metric, sizeof(l.metric), "%s", metric);
	snprintf(l.unit, sizeof(l.unit), "%s", unit);
	snprintf(l.counters, sizeof(l.counters), "%s", counters ? counters : "");
	if (c->env->res)
		results_line(c->env->res, &l);
	if (tot->nr_figures == (int)(sizeof(tot->figures) / sizeof(tot->figures[0])))
		return;
	f = &tot->figures[tot->nr_figures++];
	snprintf(f->name, sizeof(f->name), "%s %s", c->label, metric);
	f->ns_min = m->min;
	f->ns_median = m->median;
	f->ns_p99 = m->p99;
	f->cyc_median = cyc->median;
}

/*
 * A metric's values, per operation in the guest's unit, and where each
 * came from: one vCPU (live) or many (pooled over the VMs of a case).
 */
struct series {
	const char *name, *unit;	/* the guest's unit: "cycles" is shown in ns too */
	uint64_t iters_min, iters_max;
	uint64_t count;
	const double *v;
	const int *vcpu;		/* per value (counted across VMs), or NULL: @one_vcpu */
	int one_vcpu;
	int nr_vms;			/* VMs that reported it (pooled), 0: live */
	const struct cc_windows *w;	/* the counters of each sample, or NULL */
};

static int series_vcpu(const struct series *s, uint64_t i)
{
	return s->vcpu ? s->vcpu[i] : s->one_vcpu;
}

static void metric_rows(struct case_ctx *c, const struct series *s, const double *ns,
			const char *unit)
{
	uint64_t i;

	for (i = 0; i < s->count; i++)
		row(c, series_vcpu(s, i), "metric", s->name, i, ns ? ns[i] : s->v[i], unit,
		    ns ? s->v[i] : NAN, NULL);
}

/* twin_due - remember a guest figure whose native twin runs after the VM. */
static void twin_due(struct case_ctx *c, const char *metric, double ns_median)
{
	const struct sc_test *t = c->env->c->test;
	const struct native_twin *tw = native_find(t->guest, t->test, metric);
	int i;

	if (!tw || c->nr_twins == MAX_TWINS || c->nr_vms > 1)
		return;
	for (i = 0; i < c->nr_twins; i++)	/* one twin per metric, whatever the vCPUs */
		if (c->twins[i].twin == tw)
			return;
	c->twins[c->nr_twins].twin = tw;
	c->twins[c->nr_twins++].ns_median = ns_median;
}

/* series_yaml - where the values came from: the vCPU, or how many vCPUs and VMs. */
static void series_yaml(struct case_ctx *c, const struct series *s)
{
	int seen[KNOB_MAX_VMS] = { 0 }, nr = 0;
	uint64_t i;

	if (!s->vcpu) {
		tap_yaml_int(c->tap, "vcpu", s->one_vcpu);
		return;
	}
	for (i = 0; i < s->count; i++) {
		int v = s->vcpu[i];

		if (v >= 0 && v < KNOB_MAX_VMS && !seen[v]++)
			nr++;
	}
	tap_yaml_int(c->tap, "vcpus_reporting", nr);
	tap_yaml_int(c->tap, "vms_reporting", s->nr_vms);
}

/*
 * counters_per_op - each counter of the metric's windows: per operation
 * (median over the samples of delta / iterations) and in all, in the
 * point's YAML, the CSV (one row per sample) and the summary's line.
 */
static void counters_per_op(struct case_ctx *c, const struct series *s, char *line, size_t len)
{
	const struct cc_windows *w = s->w;
	double *per = malloc(w->count * sizeof(*per));
	char name[KB_NAME_MAX + COUNTER_NAME_MAX + 2], why[COUNTER_WHY_MAX + 16];
	struct sample_stats st;
	size_t off = 0;
	uint64_t j, total;
	int i, k;

	line[0] = 0;
	tap_yaml_map_begin(c->tap, "counters");
	for (i = 0; per && i < w->n; i++) {
		const struct counter_spec *sp = &c->cc.spec[i];

		snprintf(name, sizeof(name), "%s:%s", s->name, sp->name);
		for (j = 0, k = 0, total = 0; j < w->count; j++) {
			if (!w->ok[j * w->n + i])
				continue;
			total += w->delta[j * w->n + i];
			per[k++] = (double)w->delta[j * w->n + i] / (s->iters_min ? s->iters_min : 1);
			row(c, s->one_vcpu, "counter", name, j, w->delta[j * w->n + i], cc_unit(sp),
			    NAN, w->multiplexed[i] ? "multiplexed" : NULL);
		}
		if (!k || sstat_summarise(per, k, &st)) {
			snprintf(why, sizeof(why), "unsupported: %s",
				 sp->supported ? (w->why[i] ? w->why[i] : "not read") : sp->why);
			tap_yaml_str(c->tap, sp->name, why);
			row(c, s->one_vcpu, "counter", name, -1, NAN, NULL, NAN, why);
			continue;
		}
		tap_yaml_map_begin(c->tap, sp->name);
		tap_yaml_double(c->tap, "per_op", st.median);
		tap_yaml_u64(c->tap, "total", total);
		if (w->multiplexed[i])
			tap_yaml_bool(c->tap, "multiplexed", true);
		tap_yaml_map_end(c->tap);
		if (off < len && sp->src != COUNTER_PMU)
			off += snprintf(line + off, len - off, "%s%s %.3g", off ? ", " : "",
					sp->name, st.median);
	}
	tap_yaml_map_end(c->tap);
	free(per);
}

static void metric_report(struct case_ctx *c, const struct series *s)
{
	char per_op[160] = "";
	struct sample_stats cyc, ns;
	bool cycles = !strcmp(s->unit, "cycles") && c->tsc_khz;
	const char *unit = cycles ? "ns/op" : s->unit;
	double *n = NULL;
	uint64_t i;

	if (sstat_summarise(s->v, s->count, &cyc)) {
		tap_result(c->tap, false, NULL, NULL, "%s %s: unusable samples", c->label, s->name);
		tally(c, "metric", false, false, s->name);
		return;
	}
	if (cycles && (n = malloc(s->count * sizeof(*n)))) {
		for (i = 0; i < s->count; i++)
			n[i] = sstat_cycles_to_ns(s->v[i], c->tsc_khz);
		sstat_summarise(n, s->count, &ns);
		tap_result(c->tap, true, NULL, NULL, "%s %s: %.1f ns/op (%.0f cycles)",
			   c->label, s->name, ns.median, cyc.median);
	} else {
		tap_result(c->tap, true, NULL, NULL, "%s %s: %g %s", c->label, s->name,
			   cyc.median, s->unit);
	}
	tap_yaml_begin(c->tap);
	tap_yaml_str(c->tap, "metric", s->name);
	series_yaml(c, s);
	tap_yaml_str(c->tap, "unit", unit);
	tap_yaml_u64(c->tap, "iterations_per_sample", s->iters_min);
	if (s->iters_max != s->iters_min)
		tap_yaml_u64(c->tap, "iterations_per_sample_max", s->iters_max);
	tap_yaml_u64(c->tap, "samples", s->count);
	if (n)
		yaml_stats(c->tap, "ns_per_op", &ns);
	yaml_stats(c->tap, n ? "cycles_per_op" : "per_op", &cyc);
	if (s->w)
		counters_per_op(c, s, per_op, sizeof(per_op));
	tap_yaml_end(c->tap);
	keep_figure(c, s->name, &cyc, n ? &ns : NULL, s->count, unit, per_op);
	if (c->oc)
		oc_point_metric(c->oc, s->name, n ? ns.median : cyc.median, n ? ns.min : cyc.min);
	if (c->mp && n)
		mem_point_metric(c->mp, s->name, ns.median);
	metric_rows(c, s, n, unit);
	tally(c, "metric", true, false, s->name);
	if (n)
		twin_due(c, s->name, ns.median);
	free(n);
}

/* on_metric - a METRIC event: reported now, or pooled when the case has many VMs. */
static void on_metric(struct case_ctx *c, const struct vmm_event *ev)
{
	double *v = malloc((ev->count ? ev->count : 1) * sizeof(*v));
	struct cc_windows w = { 0 };
	struct series s = { .name = ev->name, .unit = ev->unit, .iters_min = ev->iters,
			    .iters_max = ev->iters, .count = ev->count, .v = v,
			    .one_vcpu = ev->vcpu };

	if (!v) {
		tap_result(c->tap, false, NULL, NULL, "%s %s: out of memory", c->label, ev->name);
		tally(c, "metric", false, false, ev->name);
		return;
	}
	sstat_per_op(ev->samples, ev->count, ev->iters, v);
	/* Pooled metrics keep no per-sample counters: the case's totals show them. */
	if (!cc_take(&c->cc, ev->vcpu, ev->count, &w) && c->nr_vms == 1)
		s.w = &w;
	if (c->nr_vms > 1)
		pool_metric(&c->pool, ev->vcpu / c->vcpus, ev->vcpu, ev->name, ev->unit,
			    ev->iters, v, ev->count);
	else
		metric_report(c, &s);
	cc_windows_free(&w);
	free(v);
}

const struct expect *run_expect(const struct case_env *env, const char *check)
{
	const struct sc_case *c = env->c;
	const struct expect *e;
	char gt[72];

	snprintf(gt, sizeof(gt), "%s:%s", c->test->guest, c->test->test);
	e = scenario_expect(c->sc, gt, check, env->host);
	if (!e && env->ex)
		e = expect_find(env->ex->e, env->ex->n, gt, check, env->host);
	return e;
}

/*
 * point_expect - the expectation covering point @check of this case, as
 * TAP shows it: a failure it covers is a TODO (not ok) or a SKIP (ok), a
 * pass under a TODO is "ok # TODO" (a TODO that passed: the entry is stale).
 * Counts what the entry did; NULL when none covers the point.
 */
static const struct expect *point_expect(struct case_ctx *c, const char *check, bool pass,
					 const char **directive, char *reason, size_t len)
{
	const struct expect *e = run_expect(c->env, check);
	char what[320];

	*directive = NULL;
	if (!e)
		return NULL;
	if (e->verdict == EXPECT_TODO)
		*directive = "TODO";
	else if (!pass)
		*directive = "SKIP";
	expect_reason(e, reason, len);
	snprintf(what, sizeof(what), "%s %s", c->label, check);
	if (!c->env->quiet)
		expect_use(&c->env->tot->exp, e, pass, what);
	return e;
}

/* check_unit - the unit column of a check row: how its outcome counts. */
static const char *check_unit(const struct expect *e, bool pass)
{
	if (!e)
		return "pass";
	if (e->verdict == EXPECT_SKIP)
		return pass ? "pass" : "skip";
	return pass ? "todo-passed" : "todo";
}

static void check_report(struct case_ctx *c, int vcpu, const char *name, bool pass,
			 const char *detail, const char *count)
{
	const char *directive;
	char reason[512];
	const struct expect *e = point_expect(c, name, pass, &directive, reason, sizeof(reason));

	tap_result(c->tap, pass, directive, reason, "%s %s", c->label, name);
	if (!pass && !e)
		c->failed_checks++;
	if (c->mp)
		pass ? c->mp->checks_pass++ : c->mp->checks_fail++;
	if (detail[0] || !pass || count) {
		tap_yaml_begin(c->tap);
		if (vcpu >= 0)
			tap_yaml_int(c->tap, "vcpu", vcpu);
		if (count)
			tap_yaml_str(c->tap, "passed", count);
		tap_yaml_str(c->tap, "detail", detail);
		tap_yaml_end(c->tap);
	}
	/* the unit says how the outcome counts: "todo" or "skip" if an expectation covers it */
	row(c, vcpu, "check", name, -1, pass ? 1 : 0, check_unit(e, pass), NAN, detail);
	if (e && !pass && e->verdict == EXPECT_SKIP)
		tally(c, "skip", true, false, name);
	else
		tally(c, "check", pass, e && !pass, name);
}

static void on_check(struct case_ctx *c, const struct vmm_event *ev)
{
	if (c->nr_vms > 1)
		pool_check(&c->pool, ev->vcpu / c->vcpus, ev->vcpu, ev->name, ev->arg, ev->text);
	else
		check_report(c, ev->vcpu, ev->name, ev->arg, ev->text, NULL);
}

/*
 * observe_report - what the guest saw where the architecture allows more
 * than one outcome: an ok point (never a failure) whose YAML block says
 * what was seen, a CSV row of kind "observation", a line of summary.md.
 */
static void observe_report(struct case_ctx *c, const struct vmm_event *ev)
{
	char seen[32], what[300];

	if (ev->unit && ev->unit[0])
		snprintf(seen, sizeof(seen), "%s", ev->unit);
	else
		snprintf(seen, sizeof(seen), "%lld", (long long)ev->arg);
	tap_result(c->tap, true, NULL, NULL, "%s %s (observation)", c->label, ev->name);
	tap_yaml_begin(c->tap);
	tap_yaml_str(c->tap, "class", "observation");
	tap_yaml_int(c->tap, "vcpu", ev->vcpu);
	tap_yaml_str(c->tap, "seen", seen);
	tap_yaml_int(c->tap, "value", ev->arg);
	tap_yaml_str(c->tap, "detail", ev->text);
	tap_yaml_end(c->tap);
	row(c, ev->vcpu, "observation", ev->name, -1, (double)ev->arg, ev->unit, NAN, ev->text);
	tally(c, "observation", true, false, ev->name);
	if (c->env->res) {
		sc_case_label(c->env->c, what, sizeof(what) - 64);
		snprintf(what + strlen(what), 64, " %s", ev->name);
		results_observe(c->env->res, what, seen);
	}
}

static void skip_report(struct case_ctx *c, int vcpu, const char *name, const char *reason)
{
	tap_result(c->tap, true, "SKIP", reason, "%s %s", c->label, name);
	row(c, vcpu, "skip", name, -1, NAN, NULL, NAN, reason);
	tally(c, "skip", true, false, name);
}

/* pool_report - the pooled metrics, checks and skips of a case of many VMs. */
static void pool_report(struct case_ctx *c)
{
	struct pool *p = &c->pool;
	char count[48];
	int i, j, vms;

	for (i = 0; i < p->nr_metrics; i++) {
		struct pool_metric *m = &p->metrics[i];
		struct series s = { .name = m->name, .unit = m->unit, .iters_min = m->iters_min,
				    .iters_max = m->iters_max, .count = m->n, .v = m->v,
				    .vcpu = m->vcpu };

		for (j = 0, vms = 0; j < m->n; j++)
			vms += !j || m->vm[j] != m->vm[j - 1];
		s.nr_vms = vms;
		metric_report(c, &s);
	}
	for (i = 0; i < p->nr_checks; i++) {
		struct pool_check *k = &p->checks[i];

		snprintf(count, sizeof(count), "%d of %d", k->pass, k->pass + k->fail);
		check_report(c, k->fail ? k->vcpu : -1, k->name, !k->fail, k->detail, count);
	}
	for (i = 0; i < p->nr_skips; i++)
		skip_report(c, -1, p->skips[i].name, p->skips[i].reason);
	if (p->oom)
		tap_result(c->tap, false, NULL, NULL,
			   "%s: some results could not be pooled (out of memory or mixed units)",
			   c->label);
	c->failed_checks += p->oom;
}

/* vcpu_name - "vcpu3", or "vm2 vcpu0" in a case of many VMs (@vcpu counts across them). */
static const char *vcpu_name(const struct case_ctx *c, int vcpu, char *buf, size_t len)
{
	if (c->nr_vms > 1)
		snprintf(buf, len, "vm%d vcpu%d", vcpu / c->vcpus, vcpu % c->vcpus);
	else
		snprintf(buf, len, "vcpu%d", vcpu);
	return buf;
}

static void on_failure(struct case_ctx *c, const struct vmm_event *ev)
{
	char who[32];

	if (c->failed)	/* the first failure is the cause; the rest follow from it */
		return;
	c->failed = true;
	vcpu_name(c, ev->vcpu, who, sizeof(who));
	if (ev->type == VMM_EV_EXCEPTION) {
		unsigned v = ev->arg;

		snprintf(c->why, sizeof(c->why), "%s: unexpected exception %s (vector %u) at rip %#llx, error code %#llx, cr2 %#llx",
			 who, v < 32 && exc_names[v] ? exc_names[v] : "?", v,
			 (unsigned long long)ev->regs.rip, (unsigned long long)ev->regs.error_code,
			 (unsigned long long)ev->regs.cr2);
	} else {
		snprintf(c->why, sizeof(c->why), "%s: %s: %s", who,
			 vmm_event_name(ev->type), ev->text ? ev->text : "");
		if (ev->have_regs) {
			size_t l = strlen(c->why);

			snprintf(c->why + l, sizeof(c->why) - l, " (rip %#llx)",
				 (unsigned long long)ev->regs.rip);
		}
	}
	c->regs = ev->regs;
	c->have_regs = ev->have_regs;
}

/* One VM of a case: what its events need to be placed among the others'. */
struct vm_slot {
	struct case_ctx *c;
	int k;				/* which VM of the case */
	struct vm *vm;
	struct vm_config cfg;
	struct vm_run_result res;
	int ended;			/* its vCPUs that stopped running */
};

/*
 * balloon_report - the guest gave RAM back: what the VMM's release did to
 * the host's memory, and a check that the VM's resident RAM dropped by
 * (nearly) what was given back.  The guest checks the zeroes itself.
 */
static void balloon_report(struct case_ctx *c, const struct vmm_event *ev)
{
	const struct vmm_balloon *b = &ev->balloon;
	double mib = 1 << 20, drop = (double)b->ram_resident_before - b->ram_resident_after;
	bool ok = !b->err && drop >= 0.9 * b->len;
	char detail[256];

	snprintf(detail, sizeof(detail), "%s of %.1f MiB at %#llx: guest RAM resident %.1f -> %.1f MiB, "
		 "VmRSS %.1f -> %.1f MiB%s%s", b->how ? b->how : "release", b->len / mib,
		 (unsigned long long)b->gpa, b->ram_resident_before / mib, b->ram_resident_after / mib,
		 b->rss_before / mib, b->rss_after / mib, b->err ? ": " : "", b->err ? strerror(b->err) : "");
	check_report(c, ev->vcpu, "balloon_rss_dropped", ok, detail, NULL);
	row(c, ev->vcpu, "metric", "balloon_release", 0, b->release_ns, "ns", NAN, detail);
	row(c, ev->vcpu, "metric", "balloon_resident_before", 0, b->ram_resident_before / mib, "MiB", NAN, NULL);
	row(c, ev->vcpu, "metric", "balloon_resident_after", 0, b->ram_resident_after / mib, "MiB", NAN, NULL);
	row(c, ev->vcpu, "metric", "balloon_rss_before", 0, b->rss_before / mib, "MiB", NAN, NULL);
	row(c, ev->vcpu, "metric", "balloon_rss_after", 0, b->rss_after / mib, "MiB", NAN, NULL);
	tap_diag(c->tap, "%s balloon: released in %.3f ms: %s", c->label, b->release_ns / 1e6, detail);
}

static void case_event(struct case_ctx *c, const struct vmm_event *ev, struct vm_slot *s)
{
	int k = s->k;

	switch (ev->type) {
	case VMM_EV_VCPU_START:
		cc_vcpu_start(&c->cc, ev->vcpu, vm_vcpu_stats(s->vm, ev->vcpu % c->vcpus),
			      vm_stats(s->vm));
		break;
	case VMM_EV_MARK:
		cc_mark(&c->cc, ev->vcpu, ev->arg);
		break;
	case VMM_EV_VCPU_END:
		cc_vcpu_end(&c->cc, ev->vcpu);
		break;
	case VMM_EV_LOG:
		if (c->env->quiet)
			break;
		if (c->nr_vms > 1)
			tap_diag(c->tap, "%s vm%d vcpu%d: %s", c->label, k,
				 ev->vcpu % c->vcpus, ev->text);
		else
			tap_diag(c->tap, "%s vcpu%d: %s", c->label, ev->vcpu, ev->text);
		break;
	case VMM_EV_METRIC:
		if (!c->env->quiet)
			on_metric(c, ev);
		break;
	case VMM_EV_CHECK:
		if (!c->env->quiet)
			on_check(c, ev);
		break;
	case VMM_EV_SKIP:
		if (c->env->quiet)
			break;
		if (c->nr_vms > 1)
			pool_skip(&c->pool, ev->name, ev->text);
		else
			skip_report(c, ev->vcpu, ev->name, ev->text);
		break;
	case VMM_EV_BALLOON:
		if (!c->env->quiet)
			balloon_report(c, ev);
		break;
	case VMM_EV_OBSERVE:
		if (!c->env->quiet)
			observe_report(c, ev);
		break;
	case VMM_EV_DONE:
		if (ev->arg && !c->failed) {
			char who[32];

			c->failed = true;
			snprintf(c->why, sizeof(c->why), "%s: the guest ended with status %lld",
				 vcpu_name(c, ev->vcpu, who, sizeof(who)), (long long)ev->arg);
		}
		break;
	default:
		on_failure(c, ev);
		break;
	}
}

/*
 * on_event - from the vCPU threads of one VM (one event at a time per VM,
 * but several VMs at once): vCPU numbers become case-wide (k * vcpus + i).
 */
static void on_event(void *ctx, const struct vmm_event *ev)
{
	struct vm_slot *s = ctx;
	struct case_ctx *c = s->c;
	struct vmm_event e = *ev;

	e.vcpu = s->k * c->vcpus + ev->vcpu;
	if (ev->type == VMM_EV_SYNC) {
		/* a barrier: waits without the case's lock, so the other VMs report on */
		*ev->reply = vmsync_arrive(&c->sync, s->vm, ev->name, ev->arg);
		return;
	}
	pthread_mutex_lock(&c->lock);
	case_event(c, &e, s);
	pthread_mutex_unlock(&c->lock);
	if (ev->type == VMM_EV_VCPU_END && ++s->ended == c->vcpus)
		vmsync_leave(&c->sync);
}

/* case_param - the case's guest parameter @name, @def when unset. */
static const char *case_param(const struct case_ctx *c, const char *name, const char *def)
{
	const struct sc_case *sc = c->env->c;
	int i;

	for (i = 0; i < sc->nr_params; i++)
		if (!strcmp(sc->params[i].name, name))
			return sc->params[i].value;
	return def;
}

/* case_fill - the memory guest's fill, with the guest's defaults (ksm: same, else unique). */
static const char *case_fill(const struct case_ctx *c)
{
	return case_param(c, "fill", strcmp(c->env->c->test->test, "ksm") ? "unique" : "same");
}

/*
 * case_sync - the host's part at a guest sync point, run by the last VM to
 * arrive while the others wait.  "ksm_merge" (arg: the pages of each VM
 * that KSM can merge): watch ksmd merge them when KSM is on.  "echo"
 * answers with the guest's value (memory:sync checks the reply).  Every
 * point is a barrier.
 */
static int64_t case_sync(void *ctx, const char *name, int64_t arg)
{
	struct case_ctx *c = ctx;

	if (!strcmp(name, "echo"))
		return arg;
	if (strcmp(name, "ksm_merge") || !c->ksm)
		return 0;
	c->ksm->target = (long)arg * c->nr_vms;
	ksm_watch_run(c->ksm);
	return c->ksm->merged;
}

/*
 * Cumulative KVM stats before and after the run: what the case moved.  The
 * deltas are taken before the VM (and its stats fds) goes away.
 */
struct stat_delta {
	char name[64];
	uint64_t delta;
};

struct stats_snap {
	struct kvm_stats *st;
	uint64_t *before;
	bool have;			/* the deltas below are valid */
	int nr_moved;
	struct stat_delta *moved;
};

static void snap_take(struct stats_snap *s, struct kvm_stats *st)
{
	memset(s, 0, sizeof(*s));
	s->st = st;
	if (!st)
		return;
	s->before = calloc(stats_count(st), sizeof(uint64_t));
	if (s->before && stats_read(st, s->before)) {
		free(s->before);
		s->before = NULL;
	}
}

/* snap_finish - read the stats again and keep what moved; the stats fd may go after. */
static void snap_finish(struct stats_snap *s)
{
	int i, n = s->before ? stats_count(s->st) : 0;
	uint64_t *after;

	if (!s->before)
		return;
	after = calloc(n, sizeof(*after));
	s->moved = calloc(n ? n : 1, sizeof(*s->moved));
	if (after && s->moved && !stats_read(s->st, after)) {
		s->have = true;
		for (i = 0; i < n; i++) {
			struct stat_delta *d = &s->moved[s->nr_moved];

			if (!stats_cumulative(s->st, i) || after[i] == s->before[i])
				continue;
			snprintf(d->name, sizeof(d->name), "%s", stats_name(s->st, i));
			d->delta = after[i] - s->before[i];
			s->nr_moved++;
		}
	}
	free(after);
	free(s->before);
	s->before = NULL;
	s->st = NULL;
}

static void snap_free(struct stats_snap *s)
{
	free(s->before);
	free(s->moved);
	s->before = NULL;
	s->moved = NULL;
}

static void snap_report(struct tap *t, const char *key, struct stats_snap *s)
{
	int i;

	if (s->have) {
		tap_yaml_map_begin(t, key);
		for (i = 0; i < s->nr_moved; i++)
			tap_yaml_u64(t, s->moved[i].name, s->moved[i].delta);
		tap_yaml_map_end(t);
	}
	snap_free(s);
}

/* verify_knobs - did every knob of the case that can tell really take, in every VM? */
static bool verify_knobs(struct case_ctx *c, struct vm_slot *slots)
{
	const struct sc_case *sc = c->env->c;
	char why[256];
	bool all = true, ok;
	int i, k;

	for (i = 0; i < sc->nr_knobs; i++) {
		const struct knob *k_ = knob_find(sc->knobs[i].name);

		if (!k_ || !k_->verify)
			continue;
		for (k = 0, ok = true; ok && k < c->nr_vms; k++)
			ok = !k_->verify(sc->knobs[i].value, slots[k].vm, why, sizeof(why));
		tap_result(c->tap, ok, NULL, NULL, "%s knob %s took effect%s%s", c->label,
			   sc->knobs[i].name, ok ? "" : ": ", ok ? "" : why);
		row(c, -1, "check", sc->knobs[i].name, -1, ok, "pass", NAN, ok ? NULL : why);
		tally(c, "check", ok, false, sc->knobs[i].name);
		all &= ok;
	}
	return all;
}

/* The run of a case as a whole: its VMs' results merged. */
struct case_run {
	struct vm_run_result res;	/* the first VM that did not finish, else VM 0's */
	double wall_s;			/* the longest VM */
	double first_call_us;		/* the quickest VM to its first ABI call */
	uint64_t exits;
	long long host_ctxsw;		/* /proc/stat ctxt over the run, -1 unknown */
	double cpu_ns[CPUSPEED_MAX];	/* the case's CPUs' speed, slower of before/after; NAN: unused */
};

static void case_run_merge(struct case_ctx *c, struct vm_slot *slots, struct case_run *cr)
{
	int k;

	cr->res = slots[0].res;
	cr->wall_s = 0;
	cr->first_call_us = -1;
	cr->exits = 0;
	for (k = 0; k < c->nr_vms; k++) {
		const struct vm_run_result *r = &slots[k].res;

		if (r->outcome != VM_DONE && cr->res.outcome == VM_DONE) {
			cr->res = *r;
			if (c->nr_vms > 1) {
				char why[sizeof(r->why)];

				snprintf(why, sizeof(why), "vm%d: %s", k, r->why);
				snprintf(cr->res.why, sizeof(cr->res.why), "%s", why);
			}
		}
		cr->wall_s = r->wall_s > cr->wall_s ? r->wall_s : cr->wall_s;
		if (r->first_call_us >= 0 &&
		    (cr->first_call_us < 0 || r->first_call_us < cr->first_call_us))
			cr->first_call_us = r->first_call_us;
		cr->exits += r->exits;
	}
}

/* host_ctxsw - the host's context switches since boot (/proc/stat ctxt), -1 unknown. */
static long long host_ctxsw(void)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "ctxt %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void thread_rows(struct case_ctx *c, int vcpu, const struct vmm_vcpu_info *ti)
{
	row(c, vcpu, "thread", "user_s", -1, ti->user_s, "s", NAN, NULL);
	row(c, vcpu, "thread", "system_s", -1, ti->system_s, "s", NAN, NULL);
	row(c, vcpu, "thread", "guest_s", -1, ti->guest_s, "s", NAN, NULL);
	row(c, vcpu, "thread", "vol_ctxsw", -1, ti->vol_ctxsw, "count", NAN, NULL);
	row(c, vcpu, "thread", "invol_ctxsw", -1, ti->invol_ctxsw, "count", NAN, NULL);
	row(c, vcpu, "thread", "affinity", -1, ti->pin_cpu, "cpu", NAN, ti->affinity);
}

/*
 * threads_report - each vCPU thread: where it was allowed to run (read back
 * after pinning), where it ran last, and its user, system and guest time
 * and context switches (the three vCPU execution modes); then the sums.
 */
static void threads_report(struct case_ctx *c, const struct vmm_vcpu_info *info)
{
	double user = 0, sys = 0, guest = 0;
	long vol = 0, invol = 0;
	struct vmm_vcpu_info ti;
	char key[32];
	int k, i;

	tap_yaml_map_begin(c->tap, "vcpu_threads");
	for (k = 0; k < c->nr_vms; k++) {
		for (i = 0; i < c->vcpus; i++) {
			ti = info[k * c->vcpus + i];
			if (!ti.tid)
				continue;
			vcpu_name(c, k * c->vcpus + i, key, sizeof(key));
			if (strchr(key, ' '))	/* "vm2 vcpu0" -> "vm2_vcpu0": a YAML key */
				*strchr(key, ' ') = '_';
			tap_yaml_map_begin(c->tap, key);
			tap_yaml_int(c->tap, "tid", ti.tid);
			tap_yaml_int(c->tap, "apic_id", ti.apic_id);
			tap_yaml_int(c->tap, "pinned_to", ti.pin_cpu);
			if (ti.pin_errno)
				tap_yaml_str(c->tap, "pin_error", strerror(ti.pin_errno));
			tap_yaml_str(c->tap, "affinity", ti.affinity);
			tap_yaml_int(c->tap, "last_cpu", ti.last_cpu);
			if (ti.have_times) {
				tap_yaml_double(c->tap, "user_s", ti.user_s);
				tap_yaml_double(c->tap, "system_s", ti.system_s);
				tap_yaml_double(c->tap, "guest_s", ti.guest_s);
				tap_yaml_int(c->tap, "vol_ctxsw", ti.vol_ctxsw);
				tap_yaml_int(c->tap, "invol_ctxsw", ti.invol_ctxsw);
				thread_rows(c, k * c->vcpus + i, &ti);
				user += ti.user_s;
				sys += ti.system_s;
				guest += ti.guest_s;
				vol += ti.vol_ctxsw;
				invol += ti.invol_ctxsw;
			}
			tap_yaml_map_end(c->tap);
		}
	}
	tap_yaml_map_end(c->tap);
	if (c->oc) {
		c->oc->user_s = user;
		c->oc->system_s = sys;
		c->oc->guest_s = guest;
		c->oc->invol_ctxsw = invol;
	}
	tap_yaml_map_begin(c->tap, "vcpu_threads_total");
	tap_yaml_double(c->tap, "user_s", user);
	tap_yaml_double(c->tap, "system_s", sys);
	tap_yaml_double(c->tap, "guest_s", guest);
	tap_yaml_int(c->tap, "vol_ctxsw", vol);
	tap_yaml_int(c->tap, "invol_ctxsw", invol);
	tap_yaml_map_end(c->tap);
}

static void stats_report(struct case_ctx *c, struct stats_snap *snaps)
{
	int k, i, per = c->vcpus + 1;
	char key[48];

	for (k = 0; k < c->nr_vms; k++) {
		if (c->nr_vms > 1)
			snprintf(key, sizeof(key), "kvm_vm%d_stats", k);
		else
			snprintf(key, sizeof(key), "kvm_vm_stats");
		snap_report(c->tap, key, &snaps[k * per]);
		for (i = 0; i < c->vcpus; i++) {
			if (c->nr_vms > 1)
				snprintf(key, sizeof(key), "kvm_vm%d_vcpu%d_stats", k, i);
			else
				snprintf(key, sizeof(key), "kvm_vcpu%d_stats", i);
			snap_report(c->tap, key, &snaps[k * per + 1 + i]);
		}
	}
}

/*
 * counters_report - each counter over the whole run, summed over the vCPU
 * threads (a VM stat once per VM); one CSV row per vCPU thread.
 */
static void counters_report(struct case_ctx *c)
{
	const struct case_counters *cc = &c->cc;
	char why[COUNTER_WHY_MAX + 16];
	uint64_t v, sum;
	int i, k, have;

	if (!cc->n)
		return;
	tap_yaml_map_begin(c->tap, "counters");
	for (i = 0; i < cc->n; i++) {
		const struct counter_spec *sp = &cc->spec[i];

		for (k = 0, sum = 0, have = 0; k < cc->nr_vcpus; k++) {
			if (!cc_total(cc, k, i, &v))
				continue;
			row(c, k, "counter", sp->name, -1, v, cc_unit(sp), NAN, NULL);
			if (sp->src != COUNTER_KVM_VM || k % c->vcpus == 0)
				sum += v;
			have++;
		}
		if (have) {
			tap_yaml_u64(c->tap, sp->name, sum);
			continue;
		}
		snprintf(why, sizeof(why), "unsupported: %s", cc_why(cc, 0, i));
		tap_yaml_str(c->tap, sp->name, why);
		row(c, -1, "counter", sp->name, -1, NAN, NULL, NAN, why);
	}
	tap_yaml_map_end(c->tap);
}

/* cpu_speed_report - each used CPU's probe: host_cpu_ns.N rows, one YAML line. */
static void cpu_speed_report(struct case_ctx *c, const struct case_run *cr)
{
	char name[32], list[CPUSPEED_MAX * 16] = "";
	size_t l = 0;
	int cpu;

	for (cpu = 0; cpu < CPUSPEED_MAX; cpu++) {
		if (isnan(cr->cpu_ns[cpu]))
			continue;
		snprintf(name, sizeof(name), "host_cpu_ns.%d", cpu);
		row(c, -1, "case", name, -1, cr->cpu_ns[cpu], "ns", NAN, NULL);
		if (l < sizeof(list))
			l += snprintf(list + l, sizeof(list) - l, "%s%d: %.3f", l ? ", " : "", cpu,
				      cr->cpu_ns[cpu]);
	}
	/* ns per step of an empty loop on each CPU used, the slower of before and after */
	if (l)
		tap_yaml_str(c->tap, "host_cpu_ns", list);
}

/* case_report - the case's own point; true when an expectation covers its failure. */
static bool case_report(struct case_ctx *c, const struct vmm_vcpu_info *info,
			const struct case_run *cr, const struct knob_plan *plan,
			struct stats_snap *snaps)
{
	const struct vm_run_result *res = &cr->res;
	bool ok = res->outcome == VM_DONE && !c->failed;
	const char *directive, *why = c->failed ? c->why : res->why;
	char reason[512];
	const struct expect *e = point_expect(c, "case", ok, &directive, reason, sizeof(reason));
	bool todo = e && !ok;		/* a failure the expectation covers */

	if (ok)
		tap_result(c->tap, true, directive, reason, "%s ran to completion", c->label);
	else
		tap_result(c->tap, false, directive, reason, "%s %s", c->label, why);
	row(c, -1, "case", "outcome", -1, ok, check_unit(e, ok), NAN, ok ? NULL : why);
	tally(c, "case", ok || todo, false, why);
	tap_yaml_begin(c->tap);
	tap_yaml_str(c->tap, "outcome", c->failed && res->outcome == VM_DONE ? "failed" :
		     vm_outcome_name(res->outcome));
	if (c->nr_vms > 1)
		tap_yaml_int(c->tap, "vms", c->nr_vms);
	tap_yaml_int(c->tap, "vcpus", c->vcpus);
	if (plan->host_cpus) {
		tap_yaml_int(c->tap, "host_cpus", plan->host_cpus);
		tap_yaml_double(c->tap, "vcpus_per_host_cpu",
				(double)c->nr_vms * c->vcpus / plan->host_cpus);
	}
	tap_yaml_double(c->tap, "wall_s", cr->wall_s);
	tap_yaml_double(c->tap, "first_result_us", cr->first_call_us);
	tap_yaml_u64(c->tap, "exits_to_vmm", cr->exits);
	tap_yaml_u64(c->tap, "tsc_khz", c->tsc_khz);
	counters_report(c);
	if (cr->host_ctxsw >= 0) {
		tap_yaml_int(c->tap, "host_context_switches", cr->host_ctxsw);
		row(c, -1, "case", "host_context_switches", -1, cr->host_ctxsw, "count", NAN, NULL);
	}
	row(c, -1, "case", "wall_s", -1, cr->wall_s, "s", NAN, NULL);
	cpu_speed_report(c, cr);
	if (c->have_regs)
		yaml_regs(c->tap, &c->regs);
	threads_report(c, info);
	stats_report(c, snaps);
	tap_yaml_end(c->tap);
	if (c->oc) {
		c->oc->host_ctxsw = cr->host_ctxsw;
		c->oc->ok = ok || todo;
	}
	if (c->mp)
		c->mp->ok = (ok || todo) && !c->failed_checks;
	return todo;
}

/* ksm_series - the counters over the merge, as ksm-CASE.csv in the results. */
static void ksm_series(struct case_ctx *c)
{
	char name[128];
	FILE *f;

	if (!c->env->res)
		return;
	snprintf(name, sizeof(name), "ksm-%s-%d-%d.csv", c->env->c->sc->name, c->env->c->index,
		 c->env->repeat);
	f = results_file_begin(c->env->res, name);
	if (!f)
		return;
	ksm_watch_csv(c->ksm, f);
	results_file_end(c->env->res, f, name);
}

/* ksm_report - how ksmd merged the guests' memory: a point, rows, the time series. */
static void ksm_report(struct case_ctx *c)
{
	static const char *const t_names[3] = { "ksm_merge_50", "ksm_merge_90", "ksm_merge_100" };
	struct ksm_watch *w = c->ksm;
	double saved = mem_pages_mib(w->saved);
	char detail[200];
	int i;

	snprintf(detail, sizeof(detail), "%ld of %ld mergeable pages merged in %.0f ms (%ld full scans); %.1f MiB saved",
		 w->merged, w->target, w->watched_ms, w->scans, saved);
	if (w->target > 0)
		check_report(c, -1, "ksm_merged", w->complete, detail, NULL);
	else
		tap_diag(c->tap, "%s ksm: nothing to merge: %s", c->label, detail);
	for (i = 0; i < 3; i++)
		if (!isnan(w->t_ms[i]))
			row(c, -1, "metric", t_names[i], 0, w->t_ms[i], "ms", NAN, NULL);
	row(c, -1, "metric", "ksm_saved", 0, saved, "MiB", NAN, NULL);
	row(c, -1, "metric", "ksm_merged_pages", 0, w->merged, "pages", NAN, NULL);
	row(c, -1, "metric", "ksm_full_scans", 0, w->scans, "scans", NAN, NULL);
	ksm_series(c);
	if (c->mp)
		mem_point_ksm(c->mp, w);
}

/*
 * ksm_after - a case with KSM on whose guest did not wait for a merge
 * (memory:fill): what ksmd had merged by the end, over the case.
 */
static void ksm_after(struct case_ctx *c)
{
	struct ksm_counters k;
	double saved;

	if (ksm_read(&k))
		return;
	saved = mem_pages_mib(k.sharing - c->ksm->base.sharing);
	row(c, -1, "metric", "ksm_saved", 0, saved, "MiB", NAN, "at the end of the case");
	if (c->mp)
		c->mp->saved_mb = saved;
}

/* case_mem - a memory guest case gets a row in the run's memory tables. */
static void case_mem(struct case_ctx *c, const struct knob_plan *plan)
{
	const struct sc_case *sc = c->env->c;
	struct mem_point *p;

	if (c->env->quiet || strcmp(sc->test->guest, "memory") ||
	    !(p = mem_point_new(&c->env->tot->mem)))
		return;
	p->sc = sc->sc;
	snprintf(p->test, sizeof(p->test), "%s", sc->test->test);
	snprintf(p->fill, sizeof(p->fill), "%s", case_fill(c));
	p->vms = c->nr_vms;
	p->mb = (double)(plan->vm.ram_size >> 20);
	p->fill_mb = atof(case_param(c, "mb", "64"));
	p->ksm = plan->vm.mem.mergeable;
	p->level = plan->mem_oc_level;
	p->limit_mb = plan->memcg_limit / (double)(1 << 20);
	c->mp = p;
}

static void case_label(struct case_ctx *c)
{
	const struct sc_case *sc = c->env->c;
	size_t l;

	sc_case_label(sc, c->label, sizeof(c->label));
	l = strlen(c->label);
	if (sc->sc->repeats > 1)
		snprintf(c->label + l, sizeof(c->label) - l, " [%d/%d]", c->env->repeat + 1,
			 sc->sc->repeats);
}

/* twin_ratio - the virtual/native point: the ratio of the two medians. */
static void twin_ratio(struct case_ctx *c, const char *metric, double virt, double native)
{
	double ratio = native > 0 ? virt / native : NAN;
	struct res_line l = { .median = ratio, .min = ratio, .p99 = ratio, .cyc_median = NAN,
			      .samples = 1, .unit = "ratio" };
	char name[KB_NAME_MAX + 8], detail[96];

	snprintf(name, sizeof(name), "%s.ratio", metric);
	snprintf(detail, sizeof(detail), "median %.4g ns/op virtual / %.4g ns/op native", virt,
		 native);
	tap_result(c->tap, !isnan(ratio), NULL, NULL, "%s %s virtual/native: %.2f", c->label,
		   metric, ratio);
	tap_yaml_begin(c->tap);
	tap_yaml_str(c->tap, "metric", name);
	tap_yaml_str(c->tap, "unit", "ratio");
	tap_yaml_double(c->tap, "ratio", ratio);
	tap_yaml_double(c->tap, "virtual_ns_median", virt);
	tap_yaml_double(c->tap, "native_ns_median", native);
	tap_yaml_end(c->tap);
	row(c, -1, "metric", name, 0, ratio, "ratio", NAN, detail);
	snprintf(l.label, sizeof(l.label), "%s", c->label);
	snprintf(l.metric, sizeof(l.metric), "%.*s", (int)sizeof(l.metric) - 1, name);
	if (c->env->res)
		results_line(c->env->res, &l);
	tally(c, "metric", !isnan(ratio), false, name);
	if (isnan(ratio))
		c->failed_checks++;
}

/*
 * twin_run - run the native twin of a guest figure (the VM has ended) and
 * report its figure and the ratio.  A host that cannot give the memory
 * makes the twin a SKIP.
 */
static void twin_run(struct case_ctx *c, const struct twin_due *d, const struct vm_config *cfg)
{
	const char *metric = d->twin->metric;
	struct sample_stats cyc, ns;
	struct native_result *r = calloc(1, sizeof(*r));
	double *v = NULL, *n = NULL;
	char name[KB_NAME_MAX + 8], why[256] = "out of memory";
	uint64_t i;

	snprintf(name, sizeof(name), "%s.native", metric);
	if (!r || d->twin->run(cfg, c->tsc_khz, r, why, sizeof(why))) {
		tap_result(c->tap, true, "SKIP", why, "%s %s native", c->label, metric);
		row(c, -1, "skip", name, -1, NAN, NULL, NAN, why);
		tally(c, "skip", true, false, name);
		free(r);
		return;
	}
	v = malloc(r->count * sizeof(*v));
	n = malloc(r->count * sizeof(*n));
	if (v && n) {
		sstat_per_op(r->samples, r->count, r->iters, v);
		for (i = 0; i < r->count; i++)
			n[i] = sstat_cycles_to_ns(v[i], c->tsc_khz);
	}
	if (!v || !n || sstat_summarise(v, r->count, &cyc) || sstat_summarise(n, r->count, &ns)) {
		tap_result(c->tap, false, NULL, NULL, "%s %s native: unusable samples", c->label,
			   metric);
		tally(c, "metric", false, false, name);
		c->failed_checks++;
		goto out;
	}
	tap_result(c->tap, true, NULL, NULL, "%s %s native: %.1f ns/op (%.0f cycles)", c->label,
		   metric, ns.median, cyc.median);
	tap_yaml_begin(c->tap);
	tap_yaml_str(c->tap, "metric", name);
	tap_yaml_str(c->tap, "unit", "ns/op");
	tap_yaml_str(c->tap, "backing", r->backing);
	tap_yaml_u64(c->tap, "iterations_per_sample", r->iters);
	tap_yaml_u64(c->tap, "samples", r->count);
	yaml_stats(c->tap, "ns_per_op", &ns);
	yaml_stats(c->tap, "cycles_per_op", &cyc);
	tap_yaml_end(c->tap);
	keep_figure(c, name, &cyc, &ns, r->count, "ns/op", NULL);
	metric_rows(c, &(struct series){ .name = name, .count = r->count, .v = v, .one_vcpu = -1 },
		    n, "ns/op");
	tally(c, "metric", true, false, name);
	twin_ratio(c, metric, d->ns_median, ns.median);
out:
	free(n);
	free(v);
	free(r);
}

/*
 * twins_run - the case's native twins, on the host CPU vCPU 0 was pinned
 * to if it was: a twin measured on another CPU than its guest figure
 * would compare two CPUs, not virtual against native.
 */
static void twins_run(struct case_ctx *c, const struct vm_config *cfg)
{
	bool pinned;
	cpu_set_t old;
	int i;

	pinned = c->nr_twins && cfg->pin && !cpu_pin_self(cfg->pin_cpu[0], &old);
	for (i = 0; i < c->nr_twins && !vmm_aborted(); i++)
		twin_run(c, &c->twins[i], cfg);
	if (pinned)
		cpu_unpin_self(&old);
}

/* case_oc - an overcommit case gets a row in the run's overcommit table. */
static void case_oc(struct case_ctx *c, const struct knob_plan *plan)
{
	struct oc_point *p;

	if (c->env->quiet || !plan->host_cpus || !(p = oc_point_new(&c->env->tot->oc)))
		return;
	p->sc = c->env->c->sc;
	p->ratio = plan->oc_ratio;
	p->many_vms = plan->oc_many_vms;
	p->vms = c->nr_vms;
	p->vcpus = c->vcpus;
	p->host_cpus = plan->host_cpus;
	c->oc = p;
}

/* case_vms_create - every VM of the case; -1 (reported) when one cannot be made. */
static int case_vms_create(struct case_ctx *c, const struct vmm_image *img,
			   const struct knob_plan *plan, struct vm_slot *slots)
{
	char err[VMM_ERR_MAX], who[48] = "";
	int k;

	for (k = 0; k < c->nr_vms; k++) {
		slots[k].c = c;
		slots[k].k = k;
		knob_plan_vm(plan, k, &slots[k].cfg);
		slots[k].cfg.vm_index = k;
		slots[k].cfg.nr_vms = c->nr_vms;
		slots[k].vm = vm_create(&slots[k].cfg, img, err, sizeof(err));
		if (!slots[k].vm)
			break;
	}
	if (k == c->nr_vms)
		return 0;
	if (c->nr_vms > 1)
		snprintf(who, sizeof(who), " (VM %d of %d)", k + 1, c->nr_vms);
	tap_result(c->tap, false, NULL, NULL, "%s could not create the VM%s: %s", c->label, who,
		   err);
	row(c, -1, "case", "outcome", -1, 0, "pass", NAN, err);
	tally(c, "case", false, false, err);
	return -1;
}

static void case_snaps_take(struct case_ctx *c, struct vm_slot *slots, struct stats_snap *snaps)
{
	int k, i, per = c->vcpus + 1;

	for (k = 0; k < c->nr_vms; k++) {
		snap_take(&snaps[k * per], vm_stats(slots[k].vm));
		for (i = 0; i < c->vcpus; i++)
			snap_take(&snaps[k * per + 1 + i], vm_vcpu_stats(slots[k].vm, i));
	}
}

/* case_cpus - the host CPUs the case's vCPUs may run on: the pinned ones, else the process's. */
static void case_cpus(struct case_ctx *c, const struct knob_plan *plan, cpu_set_t *set)
{
	int i;

	if (!plan->pin && !sched_getaffinity(0, sizeof(*set), set))
		return;
	CPU_ZERO(set);
	for (i = 0; i < c->nr_vms * c->vcpus && i < KNOB_MAX_VMS; i++)
		if (plan->pin_cpu[i] >= 0 && plan->pin_cpu[i] < CPU_SETSIZE)
			CPU_SET(plan->pin_cpu[i], set);
}

/* case_vms_run - start every VM, then wait for each: they run at the same time. */
static void case_vms_run(struct case_ctx *c, const struct knob_plan *plan, struct vm_slot *slots,
			 struct case_run *cr)
{
	long long ctx0, ctx1;
	cpu_set_t cpus;
	int k;

	for (k = 0; k < CPUSPEED_MAX; k++)
		cr->cpu_ns[k] = NAN;
	case_cpus(c, plan, &cpus);
	cpuspeed_worst(&cpus, cr->cpu_ns, CPUSPEED_MAX);
	ctx0 = host_ctxsw();

	/* A start that fails leaves its result VM_ERROR; vm_finish is due all the same. */
	for (k = 0; k < c->nr_vms; k++)
		vm_start(slots[k].vm, c->env->c->sc->timeout_s, on_event, &slots[k], &slots[k].res);
	for (k = 0; k < c->nr_vms; k++)
		vm_finish(slots[k].vm);
	ctx1 = host_ctxsw();
	cpuspeed_worst(&cpus, cr->cpu_ns, CPUSPEED_MAX);
	case_run_merge(c, slots, cr);
	cr->host_ctxsw = ctx0 >= 0 && ctx1 >= ctx0 ? ctx1 - ctx0 : -1;
}

static void case_vms_destroy(struct case_ctx *c, struct vm_slot *slots, struct stats_snap *snaps)
{
	int k, i, per = c->vcpus + 1;

	for (k = 0; k < c->nr_vms; k++) {
		for (i = 0; snaps && i < per; i++)
			snap_free(&snaps[k * per + i]);
		vm_destroy(slots[k].vm);
	}
	free(snaps);
	free(slots);
	pool_free(&c->pool);
	cc_free(&c->cc);
	pthread_mutex_destroy(&c->lock);
	vmsync_destroy(&c->sync);
	free(c->ksm);
}

/*
 * run_case - run the VMs of @plan at once (usually one), report what they
 * said and how the case went.  0 when the case passed.
 */
int run_case(struct case_env *env, const struct vmm_image *img, const struct knob_plan *plan)
{
	struct case_ctx c = { .env = env, .tap = env->tap, .nr_vms = plan->nr_vms,
			      .vcpus = plan->vm.nr_vcpus > 0 ? plan->vm.nr_vcpus : 1 };
	struct vm_slot *slots = calloc(c.nr_vms, sizeof(*slots));
	struct stats_snap *snaps = calloc(c.nr_vms * (c.vcpus + 1), sizeof(*snaps));
	struct vmm_vcpu_info *info = calloc(c.nr_vms * c.vcpus, sizeof(*info));
	struct case_run cr;
	bool ok = true, todo;
	int i, k, per = c.vcpus + 1;

	pool_init(&c.pool);
	pthread_mutex_init(&c.lock, NULL);
	case_label(&c);
	if (!env->quiet)
		env->tot->cases++;
	if (!slots || !snaps || !info || case_vms_create(&c, img, plan, slots)) {
		if (!slots || !snaps || !info)
			tap_result(env->tap, false, NULL, NULL, "%s: out of memory", c.label);
		env->tot->cases_failed++;
		if (slots)
			case_vms_destroy(&c, slots, snaps);
		free(info);
		return -1;
	}
	c.tsc_khz = vm_tsc_khz(slots[0].vm);
	case_oc(&c, plan);
	case_mem(&c, plan);
	vmsync_init(&c.sync, c.nr_vms, env->c->sc->timeout_s, case_sync, &c);
	if (plan->vm.mem.mergeable && (c.ksm = malloc(sizeof(*c.ksm))) &&
	    ksm_watch_start(c.ksm, 0, env->c->sc->timeout_s / 2)) {
		free(c.ksm);
		c.ksm = NULL;
	}
	if (!env->quiet)
		cc_init(&c.cc, env->c, c.nr_vms * c.vcpus, c.vcpus);
	case_snaps_take(&c, slots, snaps);
	case_vms_run(&c, plan, slots, &cr);
	if (env->quiet) {
		case_vms_destroy(&c, slots, snaps);
		free(info);
		return cr.res.outcome == VM_DONE ? 0 : -1;
	}
	pool_report(&c);
	if (c.ksm && c.ksm->ran)
		ksm_report(&c);
	else if (c.ksm)
		ksm_after(&c);
	ok = verify_knobs(&c, slots);
	for (k = 0; k < c.nr_vms; k++) {
		for (i = 0; i < per; i++)
			snap_finish(&snaps[k * per + i]);
		for (i = 0; i < c.vcpus; i++)
			vm_vcpu_info(slots[k].vm, i, &info[k * c.vcpus + i]);
		/* Native twins after the VMs are gone: their memory (huge pages too) is free. */
		vm_destroy(slots[k].vm);
		slots[k].vm = NULL;
	}
	twins_run(&c, &plan->vm);
	todo = case_report(&c, info, &cr, plan, snaps);
	case_vms_destroy(&c, slots, snaps);
	free(info);
	if (((cr.res.outcome != VM_DONE || c.failed) && !todo) || c.failed_checks || !ok) {
		env->tot->cases_failed++;
		return -1;
	}
	return 0;
}

void run_print_figures(FILE *out, const struct run_totals *tot)
{
	int i;

	if (!tot->nr_figures)
		return;
	fprintf(out, "# %-44s %12s %12s %12s %12s\n", "figure (per operation)",
		"min ns", "median ns", "p99 ns", "median cyc");
	for (i = 0; i < tot->nr_figures; i++) {
		const struct run_figure *f = &tot->figures[i];

		fprintf(out, "# %-44s %12.1f %12.1f %12.1f %12.0f\n", f->name,
			f->ns_min, f->ns_median, f->ns_p99, f->cyc_median);
	}
}
