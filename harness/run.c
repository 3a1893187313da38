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
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knob.h"
#include "native.h"
#include "run.h"
#include "sstat.h"

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
	char label[200];		/* "ioexit:pio backing=thp [2/3]" */
	char gt[72];			/* "ioexit:pio", what expectations match */
	uint64_t tsc_khz;
	int failed_checks;
	bool failed;			/* crash, timeout, bad call... */
	char why[320];
	struct kb_regs regs;
	bool have_regs;
	int nr_twins;
	struct twin_due twins[MAX_TWINS];
};

static void row(struct case_ctx *c, int vcpu, const char *kind, const char *name, int sample,
		double value, const char *unit, double cycles, const char *detail)
{
	struct res_row r = { .c = c->env->c, .repeat = c->env->repeat, .vcpu = vcpu,
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
			const struct sample_stats *ns, uint64_t count, const char *unit)
{
	struct run_totals *tot = c->env->tot;
	const struct sample_stats *m = ns ? ns : cyc;
	struct res_line l = { .median = m->median, .min = m->min, .p99 = m->p99,
			      .cyc_median = ns ? cyc->median : NAN, .samples = count };
	struct run_figure *f;

	snprintf(l.label, sizeof(l.label), "%s", c->label);
	snprintf(l.metric, sizeof(l.metric), "%s", metric);
	snprintf(l.unit, sizeof(l.unit), "%s", unit);
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

static void metric_rows(struct case_ctx *c, int vcpu, const char *name, uint64_t count,
			const double *ns, const double *cyc, const char *unit)
{
	uint64_t i;

	for (i = 0; i < count; i++)
		row(c, vcpu, "metric", name, i, ns ? ns[i] : cyc[i], unit, ns ? cyc[i] : NAN, NULL);
}

/* twin_due - remember a guest figure whose native twin runs after the VM. */
static void twin_due(struct case_ctx *c, const struct vmm_event *ev, double ns_median)
{
	const struct sc_test *t = c->env->c->test;
	const struct native_twin *tw = native_find(t->guest, t->test, ev->name);
	int i;

	if (!tw || c->nr_twins == MAX_TWINS)
		return;
	for (i = 0; i < c->nr_twins; i++)	/* one twin per metric, whatever the vCPUs */
		if (c->twins[i].twin == tw)
			return;
	c->twins[c->nr_twins].twin = tw;
	c->twins[c->nr_twins++].ns_median = ns_median;
}

static void on_metric(struct case_ctx *c, const struct vmm_event *ev)
{
	struct sample_stats cyc, ns;
	bool cycles = !strcmp(ev->unit, "cycles") && c->tsc_khz;
	double *v = malloc(ev->count * sizeof(*v)), *n = NULL;
	const char *unit = cycles ? "ns/op" : ev->unit;
	uint64_t i;

	if (v)
		sstat_per_op(ev->samples, ev->count, ev->iters, v);
	if (!v || sstat_summarise(v, ev->count, &cyc)) {
		tap_result(c->tap, false, NULL, NULL, "%s %s: unusable samples", c->label, ev->name);
		tally(c, "metric", false, false, ev->name);
		free(v);
		return;
	}
	if (cycles && (n = malloc(ev->count * sizeof(*n)))) {
		for (i = 0; i < ev->count; i++)
			n[i] = sstat_cycles_to_ns(v[i], c->tsc_khz);
		sstat_summarise(n, ev->count, &ns);
		tap_result(c->tap, true, NULL, NULL, "%s %s: %.1f ns/op (%.0f cycles)",
			   c->label, ev->name, ns.median, cyc.median);
	} else {
		tap_result(c->tap, true, NULL, NULL, "%s %s: %g %s", c->label, ev->name,
			   cyc.median, ev->unit);
	}
	tap_yaml_begin(c->tap);
	tap_yaml_str(c->tap, "metric", ev->name);
	tap_yaml_int(c->tap, "vcpu", ev->vcpu);
	tap_yaml_str(c->tap, "unit", unit);
	tap_yaml_u64(c->tap, "iterations_per_sample", ev->iters);
	tap_yaml_u64(c->tap, "samples", ev->count);
	if (n)
		yaml_stats(c->tap, "ns_per_op", &ns);
	yaml_stats(c->tap, n ? "cycles_per_op" : "per_op", &cyc);
	tap_yaml_end(c->tap);
	keep_figure(c, ev->name, &cyc, n ? &ns : NULL, ev->count, unit);
	metric_rows(c, ev->vcpu, ev->name, ev->count, n, v, unit);
	tally(c, "metric", true, false, ev->name);
	if (n)
		twin_due(c, ev, ns.median);
	free(n);
	free(v);
}

static void on_check(struct case_ctx *c, const struct vmm_event *ev)
{
	const char *todo = NULL;

	if (!ev->arg)
		todo = scenario_expect(c->env->c->sc, c->gt, ev->name, c->env->host);
	tap_result(c->tap, ev->arg, todo ? "TODO" : NULL, todo, "%s %s", c->label, ev->name);
	if (!ev->arg && !todo)
		c->failed_checks++;
	if (ev->text[0] || !ev->arg) {
		tap_yaml_begin(c->tap);
		tap_yaml_int(c->tap, "vcpu", ev->vcpu);
		tap_yaml_str(c->tap, "detail", ev->text);
		tap_yaml_end(c->tap);
	}
	row(c, ev->vcpu, "check", ev->name, -1, ev->arg ? 1 : 0, "pass", NAN, ev->text);
	tally(c, "check", ev->arg, todo, ev->name);
}

static void on_failure(struct case_ctx *c, const struct vmm_event *ev)
{
	if (c->failed)	/* the first failure is the cause; the rest follow from it */
		return;
	c->failed = true;
	if (ev->type == VMM_EV_EXCEPTION) {
		unsigned v = ev->arg;

		snprintf(c->why, sizeof(c->why), "vcpu%d: unexpected exception %s (vector %u) at rip %#llx, error code %#llx, cr2 %#llx",
			 ev->vcpu, v < 32 && exc_names[v] ? exc_names[v] : "?", v,
			 (unsigned long long)ev->regs.rip, (unsigned long long)ev->regs.error_code,
			 (unsigned long long)ev->regs.cr2);
	} else {
		snprintf(c->why, sizeof(c->why), "vcpu%d: %s: %s", ev->vcpu,
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

static void on_event(void *ctx, const struct vmm_event *ev)
{
	struct case_ctx *c = ctx;

	switch (ev->type) {
	case VMM_EV_LOG:
		if (!c->env->quiet)
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
		tap_result(c->tap, true, "SKIP", ev->text, "%s %s", c->label, ev->name);
		row(c, ev->vcpu, "skip", ev->name, -1, NAN, NULL, NAN, ev->text);
		tally(c, "skip", true, false, ev->name);
		break;
	case VMM_EV_DONE:
		if (ev->arg && !c->failed) {
			c->failed = true;
			snprintf(c->why, sizeof(c->why), "vcpu%d: the guest ended with status %lld",
				 ev->vcpu, (long long)ev->arg);
		}
		break;
	default:
		on_failure(c, ev);
		break;
	}
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

/* verify_knobs - did every knob of the case that can tell really take? */
static bool verify_knobs(struct case_ctx *c, struct vm *vm)
{
	const struct sc_case *sc = c->env->c;
	char why[256];
	bool all = true;
	int i;

	for (i = 0; i < sc->nr_knobs; i++) {
		const struct knob *k = knob_find(sc->knobs[i].name);
		bool ok;

		if (!k || !k->verify)
			continue;
		ok = !k->verify(sc->knobs[i].value, vm, why, sizeof(why));
		tap_result(c->tap, ok, NULL, NULL, "%s knob %s took effect%s%s", c->label,
			   sc->knobs[i].name, ok ? "" : ": ", ok ? "" : why);
		row(c, -1, "check", sc->knobs[i].name, -1, ok, "pass", NAN, ok ? NULL : why);
		tally(c, "check", ok, false, sc->knobs[i].name);
		all &= ok;
	}
	return all;
}

/* case_report - the case's own point; true when its failure is a known TODO. */
static bool case_report(struct case_ctx *c, int nr_vcpus, const struct vm_run_result *res,
			struct stats_snap *snaps)
{
	bool ok = res->outcome == VM_DONE && !c->failed;
	const char *todo = ok ? NULL : scenario_expect(c->env->c->sc, c->gt, "case", c->env->host);
	char key[32];
	int i;

	if (ok)
		tap_result(c->tap, true, NULL, NULL, "%s ran to completion", c->label);
	else
		tap_result(c->tap, false, todo ? "TODO" : NULL, todo, "%s %s", c->label,
			   c->failed ? c->why : res->why);
	row(c, -1, "case", "outcome", -1, ok, "pass", NAN, ok ? NULL : c->failed ? c->why : res->why);
	tally(c, "case", ok || todo, false, c->failed ? c->why : res->why);
	tap_yaml_begin(c->tap);
	tap_yaml_str(c->tap, "outcome", c->failed && res->outcome == VM_DONE ? "failed" :
		     vm_outcome_name(res->outcome));
	tap_yaml_int(c->tap, "vcpus", nr_vcpus);
	tap_yaml_double(c->tap, "wall_s", res->wall_s);
	tap_yaml_double(c->tap, "first_result_us", res->first_call_us);
	tap_yaml_u64(c->tap, "exits_to_vmm", res->exits);
	tap_yaml_u64(c->tap, "tsc_khz", c->tsc_khz);
	if (c->have_regs)
		yaml_regs(c->tap, &c->regs);
	snap_report(c->tap, "kvm_vm_stats", &snaps[0]);
	for (i = 0; i < nr_vcpus; i++) {
		snprintf(key, sizeof(key), "kvm_vcpu%d_stats", i);
		snap_report(c->tap, key, &snaps[i + 1]);
	}
	tap_yaml_end(c->tap);
	return todo != NULL;
}

static void case_label(struct case_ctx *c)
{
	const struct sc_case *sc = c->env->c;
	size_t l;

	snprintf(c->gt, sizeof(c->gt), "%s:%s", sc->test->guest, sc->test->test);
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
	keep_figure(c, name, &cyc, &ns, r->count, "ns/op");
	metric_rows(c, -1, name, r->count, n, v, "ns/op");
	tally(c, "metric", true, false, name);
	twin_ratio(c, metric, d->ns_median, ns.median);
out:
	free(n);
	free(v);
	free(r);
}

int run_case(struct case_env *env, const struct vmm_image *img, const struct vm_config *cfg)
{
	struct case_ctx c = { .env = env, .tap = env->tap };
	struct stats_snap snaps[KB_MAX_VCPUS + 1];
	struct vm_run_result res;
	char err[VMM_ERR_MAX];
	int i, nr_vcpus;
	bool ok = true, todo;
	struct vm *vm;

	case_label(&c);
	if (!env->quiet)
		env->tot->cases++;
	vm = vm_create(cfg, img, err, sizeof(err));
	if (!vm) {
		tap_result(env->tap, false, NULL, NULL, "%s could not create the VM: %s", c.label, err);
		row(&c, -1, "case", "outcome", -1, 0, "pass", NAN, err);
		tally(&c, "case", false, false, err);
		env->tot->cases_failed++;
		return -1;
	}
	c.tsc_khz = vm_tsc_khz(vm);
	nr_vcpus = vm_nr_vcpus(vm);
	snap_take(&snaps[0], vm_stats(vm));
	for (i = 0; i < nr_vcpus; i++)
		snap_take(&snaps[i + 1], vm_vcpu_stats(vm, i));
	vm_run(vm, env->c->sc->timeout_s, on_event, &c, &res);
	if (env->quiet) {
		for (i = 0; i <= nr_vcpus; i++)
			snap_free(&snaps[i]);
		vm_destroy(vm);
		return res.outcome == VM_DONE ? 0 : -1;
	}
	ok = verify_knobs(&c, vm);
	for (i = 0; i <= nr_vcpus; i++)
		snap_finish(&snaps[i]);
	/* Native twins after the VM is gone: its memory (huge pages too) is free again. */
	vm_destroy(vm);
	for (i = 0; i < c.nr_twins && !vmm_aborted(); i++)
		twin_run(&c, &c.twins[i], cfg);
	todo = case_report(&c, nr_vcpus, &res, snaps);
	if (((res.outcome != VM_DONE || c.failed) && !todo) || c.failed_checks || !ok) {
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
