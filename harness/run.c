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

#include "guests.h"
#include "run.h"
#include "sstat.h"

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

struct case_ctx {
	struct tap *tap;
	const char *guest, *test;
	uint64_t tsc_khz;
	struct run_totals *tot;
	int failed_checks;
	bool failed;			/* crash, timeout, bad call... */
	char why[320];
	struct kb_regs regs;
	bool have_regs;
};

void run_opts_init(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->nr_vcpus = 1;
	o->timeout_s = 30;
	o->ram_mb = 64;
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
			const struct sample_stats *ns, const struct vmm_event *ev)
{
	struct run_totals *tot = c->tot;
	struct run_figure *f;

	if (tot->nr_figures == (int)(sizeof(tot->figures) / sizeof(tot->figures[0])))
		return;
	f = &tot->figures[tot->nr_figures++];
	snprintf(f->name, sizeof(f->name), "%s:%s %s", c->guest, c->test, metric);
	f->ns_min = ns ? ns->min : NAN;
	f->ns_median = ns ? ns->median : NAN;
	f->ns_p99 = ns ? ns->p99 : NAN;
	f->cyc_median = cyc->median;
	f->samples = ev->count;
	f->iters = ev->iters;
}

static void on_metric(struct case_ctx *c, const struct vmm_event *ev)
{
	struct sample_stats cyc, ns;
	bool cycles = !strcmp(ev->unit, "cycles") && c->tsc_khz;
	double *v = malloc(ev->count * sizeof(*v));
	uint64_t i;

	if (v)
		sstat_per_op(ev->samples, ev->count, ev->iters, v);
	if (!v || sstat_summarise(v, ev->count, &cyc)) {
		tap_result(c->tap, false, NULL, NULL, "%s:%s %s: unusable samples",
			   c->guest, c->test, ev->name);
		free(v);
		return;
	}
	for (i = 0; cycles && i < ev->count; i++)
		v[i] = sstat_cycles_to_ns(v[i], c->tsc_khz);
	if (cycles) {
		sstat_summarise(v, ev->count, &ns);
		tap_result(c->tap, true, NULL, NULL, "%s:%s %s: %.1f ns/op (%.0f cycles)",
			   c->guest, c->test, ev->name, ns.median, cyc.median);
	} else {
		tap_result(c->tap, true, NULL, NULL, "%s:%s %s: %g %s", c->guest, c->test,
			   ev->name, cyc.median, ev->unit);
	}
	tap_yaml_begin(c->tap);
	tap_yaml_str(c->tap, "metric", ev->name);
	tap_yaml_int(c->tap, "vcpu", ev->vcpu);
	tap_yaml_str(c->tap, "unit", cycles ? "ns/op" : ev->unit);
	tap_yaml_u64(c->tap, "iterations_per_sample", ev->iters);
	tap_yaml_u64(c->tap, "samples", ev->count);
	if (cycles)
		yaml_stats(c->tap, "ns_per_op", &ns);
	yaml_stats(c->tap, cycles ? "cycles_per_op" : "per_op", &cyc);
	tap_yaml_end(c->tap);
	keep_figure(c, ev->name, &cyc, cycles ? &ns : NULL, ev);
	free(v);
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
		tap_diag(c->tap, "%s:%s vcpu%d: %s", c->guest, c->test, ev->vcpu, ev->text);
		break;
	case VMM_EV_METRIC:
		on_metric(c, ev);
		break;
	case VMM_EV_CHECK:
		if (!tap_result(c->tap, ev->arg, NULL, NULL, "%s:%s %s", c->guest, c->test, ev->name))
			c->failed_checks++;
		if (ev->text[0] || !ev->arg) {
			tap_yaml_begin(c->tap);
			tap_yaml_int(c->tap, "vcpu", ev->vcpu);
			tap_yaml_str(c->tap, "detail", ev->text);
			tap_yaml_end(c->tap);
		}
		break;
	case VMM_EV_SKIP:
		tap_result(c->tap, true, "SKIP", ev->text, "%s:%s %s", c->guest, c->test, ev->name);
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

static void case_report(struct case_ctx *c, struct vm *vm, const struct vm_run_result *res,
			struct stats_snap *snaps)
{
	bool ok = res->outcome == VM_DONE && !c->failed;
	char key[32];
	int i;

	if (ok)
		tap_result(c->tap, true, NULL, NULL, "%s:%s ran to completion", c->guest, c->test);
	else
		tap_result(c->tap, false, NULL, NULL, "%s:%s %s", c->guest, c->test,
			   c->failed ? c->why : res->why);
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

static int case_config(struct vm_config *cfg, const char *test, const struct run_opts *o,
		       char *err, size_t len)
{
	int i;

	vm_config_init(cfg);
	cfg->test = test;
	cfg->nr_vcpus = o->nr_vcpus;
	cfg->ram_size = o->ram_mb << 20;
	for (i = 0; i < o->nr_params; i++) {
		const char *v = o->params[i].value;
		char *end;
		long long iv = strtoll(v, &end, 0);
		bool is_str = !v[0] || *end;

		if (vm_config_set_param(cfg, o->params[i].name, v, is_str ? 0 : iv, is_str)) {
			snprintf(err, len, "parameter %s=%s does not fit the boot info",
				 o->params[i].name, v);
			return -EINVAL;
		}
	}
	return 0;
}

int run_case(struct tap *tap, const struct vmm_image *img, const char *guest,
	     const char *test, const struct run_opts *o, struct run_totals *tot)
{
	struct case_ctx c = { .tap = tap, .guest = guest, .test = test, .tot = tot };
	struct stats_snap snaps[KB_MAX_VCPUS + 1];
	struct vm_run_result res;
	struct vm_config cfg;
	char err[VMM_ERR_MAX];
	struct vm *vm;
	int i;

	tot->cases++;
	tap_diag(tap, "%s:%s (%d vCPU%s, %llu MiB)", guest, test, o->nr_vcpus,
		 o->nr_vcpus > 1 ? "s" : "", (unsigned long long)o->ram_mb);
	if (case_config(&cfg, test, o, err, sizeof(err)) ||
	    !(vm = vm_create(&cfg, img, err, sizeof(err)))) {
		tap_result(tap, false, NULL, NULL, "%s:%s could not create the VM: %s",
			   guest, test, err);
		tot->cases_failed++;
		return -1;
	}
	c.tsc_khz = vm_tsc_khz(vm);
	snap_take(&snaps[0], vm_stats(vm));
	for (i = 0; i < vm_nr_vcpus(vm); i++)
		snap_take(&snaps[i + 1], vm_vcpu_stats(vm, i));
	vm_run(vm, o->timeout_s, on_event, &c, &res);
	case_report(&c, vm, &res, snaps);
	vm_destroy(vm);
	if (res.outcome != VM_DONE || c.failed || c.failed_checks) {
		tot->cases_failed++;
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
