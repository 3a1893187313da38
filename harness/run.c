// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - `kvmbench run GUEST[:TEST]...`: one fresh VM per test, every guest
 * event turned into TAP as it happens, so progress is visible live.
 *
 * A check is one test point, a metric is one test point with its figures
 * in the YAML block, and each case ends with a point of its own that fails
 * with the reason (and a register dump) when the guest crashed, hung or
 * made a bad call.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knob.h"
#include "run.h"
#include "sstat.h"

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
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
			const struct sample_stats *ns, const struct vmm_event *ev, const char *unit)
{
	struct run_totals *tot = c->env->tot;
	const struct sample_stats *m = ns ? ns : cyc;
	struct res_line l = { .median = m->median, .min = m->min, .p99 = m->p99,
			      .cyc_median = ns ? cyc->median : NAN, .samples = ev->count };
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

static void metric_rows(struct case_ctx *c, const struct vmm_event *ev, const double *ns,
			const double *cyc, const char *unit)
{
	uint64_t i;

	for (i = 0; i < ev->count; i++)
		row(c, ev->vcpu, "metric", ev->name, i, ns ? ns[i] : cyc[i], unit,
		    ns ? cyc[i] : NAN, NULL);
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
	keep_figure(c, ev->name, &cyc, n ? &ns : NULL, ev, unit);
	metric_rows(c, ev, n, v, unit);
	tally(c, "metric", true, false, ev->name);
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

/* Cumulative KVM stats before and after the run: what the case moved. */
struct stats_snap {
	struct kvm_stats *st;
	uint64_t *before;
};

static void snap_take(struct stats_snap *s, struct kvm_stats *st)
{
	s->st = st;
	s->before = NULL;
	if (!st)
		return;
	s->before = calloc(stats_count(st), sizeof(uint64_t));
	if (s->before && stats_read(st, s->before)) {
		free(s->before);
		s->before = NULL;
	}
}

static void snap_report(struct tap *t, const char *key, struct stats_snap *s)
{
	int i, n = stats_count(s->st);
	uint64_t *after;

	if (!s->before)
		return;
	after = calloc(n, sizeof(*after));
	if (after && !stats_read(s->st, after)) {
		tap_yaml_map_begin(t, key);
		for (i = 0; i < n; i++)
			if (stats_cumulative(s->st, i) && after[i] != s->before[i])
				tap_yaml_u64(t, stats_name(s->st, i), after[i] - s->before[i]);
		tap_yaml_map_end(t);
	}
	free(after);
	free(s->before);
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

static void case_report(struct case_ctx *c, struct vm *vm, const struct vm_run_result *res,
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
	tap_yaml_int(c->tap, "vcpus", vm_nr_vcpus(vm));
	tap_yaml_double(c->tap, "wall_s", res->wall_s);
	tap_yaml_double(c->tap, "first_result_us", res->first_call_us);
	tap_yaml_u64(c->tap, "exits_to_vmm", res->exits);
	tap_yaml_u64(c->tap, "tsc_khz", c->tsc_khz);
	if (c->have_regs)
		yaml_regs(c->tap, &c->regs);
	snap_report(c->tap, "kvm_vm_stats", &snaps[0]);
	for (i = 0; i < vm_nr_vcpus(vm); i++) {
		snprintf(key, sizeof(key), "kvm_vcpu%d_stats", i);
		snap_report(c->tap, key, &snaps[i + 1]);
	}
	tap_yaml_end(c->tap);
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

int run_case(struct case_env *env, const struct vmm_image *img, const struct vm_config *cfg)
{
	struct case_ctx c = { .env = env, .tap = env->tap };
	struct stats_snap snaps[KB_MAX_VCPUS + 1];
	struct vm_run_result res;
	char err[VMM_ERR_MAX];
	bool ok = true;
	struct vm *vm;
	int i;

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
	snap_take(&snaps[0], vm_stats(vm));
	for (i = 0; i < vm_nr_vcpus(vm); i++)
		snap_take(&snaps[i + 1], vm_vcpu_stats(vm, i));
	vm_run(vm, env->c->sc->timeout_s, on_event, &c, &res);
	if (env->quiet) {
		for (i = 0; i <= vm_nr_vcpus(vm); i++)
			free(snaps[i].before);
	} else {
		ok = verify_knobs(&c, vm);
		case_report(&c, vm, &res, snaps);
	}
	vm_destroy(vm);
	if (env->quiet)
		return res.outcome == VM_DONE ? 0 : -1;
	if (res.outcome != VM_DONE || c.failed || c.failed_checks || !ok) {
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
