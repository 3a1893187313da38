// SPDX-License-Identifier: GPL-2.0
/*
 * case_counters.c - a case's counters on its vCPU threads (case_counters.h).
 *
 * Instant KVM stats (pages_4k...) are levels, not counts: a window or a
 * run reports the value at its end, not a difference.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "case_counters.h"

#define ARRAY_SIZE(a)	(int)(sizeof(a) / sizeof((a)[0]))

struct cc_vcpu {
	struct counter_set *cs;
	struct counter_val start[COUNTER_MAX], w0[COUNTER_MAX], end[COUNTER_MAX];
	bool started, ended, in_window;
	int nwin, cap;
	uint64_t *win;			/* nwin x n deltas */
	bool *win_ok;
	bool mux[COUNTER_MAX];		/* multiplexed in some window */
	char why[COUNTER_MAX][COUNTER_WHY_MAX];
};

/*
 * Per guest: what its figures are made of.  Every guest also gets the
 * exits, the thread's task-clock and the PMU's cycles and instructions
 * (unsupported where there is no PMU: they say so).
 */
static const struct {
	const char *guest;
	const char *const names[12];
} defaults[] = {
	{ "ioexit", { "exits", "io_exits", "mmio_exits", "insn_emulation",
		      "kvm:kvm_userspace_exit", "kvm:kvm_pio", "kvm:kvm_mmio",
		      "task-clock", "cycles", "instructions", NULL } },
	{ "pagewalk", { "exits", "pf_fixed", "pf_taken", "pf_guest", "pages_4k", "pages_2m",
			"page-faults", "task-clock", "dTLB-load-misses", "cycles", NULL } },
	{ "tlb", { "exits", "tlb_flush", "invlpg", "remote_tlb_flush", "insn_emulation",
		   "kvmmmu:kvm_mmu_get_page", "task-clock", "cycles", "instructions", NULL } },
	{ "smp", { "exits", "halt_exits", "irq_injections", "halt_wakeup", "insn_emulation",
		   "context-switches", "cpu-migrations", "task-clock", "cycles", NULL } },
};

static const char *const common[] = { "exits", "task-clock", "cycles", "instructions", NULL };

const char *const *cc_defaults(const char *guest)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(defaults); i++)
		if (!strcmp(defaults[i].guest, guest))
			return defaults[i].names;
	return common;
}

int cc_names(const struct sc_case *c, const char **names)
{
	const char *const *d;
	int i, n = 0;

	if (c->sc->nr_counters) {
		for (i = 0; i < c->sc->nr_counters && n < COUNTER_MAX; i++)
			names[n++] = c->sc->counters[i];
		return n;
	}
	for (d = cc_defaults(c->test->guest); *d && n < COUNTER_MAX; d++)
		names[n++] = *d;
	return n;
}

int cc_init(struct case_counters *cc, const struct sc_case *c, int nr_vcpus, int per_vm)
{
	const char *names[COUNTER_MAX];
	char err[COUNTER_WHY_MAX];
	int i, n = cc_names(c, names);

	memset(cc, 0, sizeof(*cc));
	for (i = 0; i < n; i++)	/* names were checked before the run: unknown ones drop */
		if (!counter_resolve(names[i], &cc->spec[cc->n], err, sizeof(err)))
			cc->n++;
	cc->nr_vcpus = nr_vcpus;
	cc->vcpus_per_vm = per_vm;
	cc->v = calloc(nr_vcpus, sizeof(*cc->v));
	return cc->v ? 0 : -ENOMEM;
}

void cc_free(struct case_counters *cc)
{
	int i;

	for (i = 0; cc->v && i < cc->nr_vcpus; i++) {
		counter_set_close(cc->v[i].cs);
		free(cc->v[i].win);
		free(cc->v[i].win_ok);
	}
	free(cc->v);
	cc->v = NULL;
}

static struct cc_vcpu *cc_vcpu(struct case_counters *cc, int vcpu)
{
	return cc->v && vcpu >= 0 && vcpu < cc->nr_vcpus ? &cc->v[vcpu] : NULL;
}

/* cc_read - read the set into @vals; a failed read leaves every value not ok. */
static void cc_read(struct case_counters *cc, struct cc_vcpu *v, struct counter_val *vals)
{
	memset(vals, 0, sizeof(*vals) * cc->n);
	if (v->cs)
		counter_set_read(v->cs, vals);
}

void cc_vcpu_start(struct case_counters *cc, int vcpu, struct kvm_stats *vcpu_stats,
		   struct kvm_stats *vm_stats)
{
	struct cc_vcpu *v = cc_vcpu(cc, vcpu);

	if (!v || !cc->n)
		return;
	v->cs = counter_set_open(cc->spec, cc->n, vcpu_stats, vm_stats);
	cc_read(cc, v, v->start);
	v->started = true;
}

/* cc_delta - @b - @a for counter @i (the level at @b for instant stats). */
static uint64_t cc_delta(const struct case_counters *cc, int i, const struct counter_val *a,
			 const struct counter_val *b)
{
	if (!cc->spec[i].cumulative)
		return b->value;
	return b->value >= a->value ? b->value - a->value : 0;
}

static bool cc_grow(struct case_counters *cc, struct cc_vcpu *v)
{
	int cap = v->cap ? v->cap * 2 : 16;
	uint64_t *w;
	bool *ok;

	if (v->nwin < v->cap)
		return true;
	w = realloc(v->win, (size_t)cap * cc->n * sizeof(*w));
	if (w)
		v->win = w;
	ok = realloc(v->win_ok, (size_t)cap * cc->n * sizeof(*ok));
	if (ok)
		v->win_ok = ok;
	if (!w || !ok)
		return false;
	v->cap = cap;
	return true;
}

void cc_mark(struct case_counters *cc, int vcpu, bool start)
{
	struct cc_vcpu *v = cc_vcpu(cc, vcpu);
	struct counter_val now[COUNTER_MAX];
	int i;

	if (!v || !v->started)
		return;
	if (start) {
		cc_read(cc, v, v->w0);
		v->in_window = true;
		return;
	}
	if (!v->in_window || !cc_grow(cc, v))
		return;
	cc_read(cc, v, now);
	for (i = 0; i < cc->n; i++) {
		bool ok = now[i].ok && v->w0[i].ok;

		v->win[v->nwin * cc->n + i] = ok ? cc_delta(cc, i, &v->w0[i], &now[i]) : 0;
		v->win_ok[v->nwin * cc->n + i] = ok;
		v->mux[i] |= ok && now[i].running < now[i].enabled;
	}
	v->nwin++;
	v->in_window = false;
}

void cc_vcpu_end(struct case_counters *cc, int vcpu)
{
	struct cc_vcpu *v = cc_vcpu(cc, vcpu);
	const char *why;
	int i;

	if (!v || !v->started)
		return;
	cc_read(cc, v, v->end);
	for (i = 0; i < cc->n; i++) {
		why = v->cs ? counter_set_why(v->cs, i) : "out of memory";
		snprintf(v->why[i], sizeof(v->why[i]), "%s", why ? why : "");
	}
	v->ended = true;
	counter_set_close(v->cs);	/* on its own thread, before it goes */
	v->cs = NULL;
}

/*
 * cc_net - window @j (1..) of @v less the empty window 0 (what the marks
 * themselves count); instant stats stay levels.
 */
static void cc_net(const struct case_counters *cc, const struct cc_vcpu *v, int j,
		   uint64_t *out, bool *ok)
{
	const uint64_t *w0 = v->win, *wj = v->win + (size_t)j * cc->n;
	int i;

	for (i = 0; i < cc->n; i++) {
		ok[i] = v->win_ok[(size_t)j * cc->n + i] && v->win_ok[i];
		if (!cc->spec[i].cumulative)
			out[i] = wj[i];
		else
			out[i] = wj[i] > w0[i] ? wj[i] - w0[i] : 0;
	}
}

int cc_take(struct case_counters *cc, int vcpu, uint64_t count, struct cc_windows *w)
{
	struct cc_vcpu *v = cc_vcpu(cc, vcpu);
	uint64_t j;
	size_t sz;
	int i;

	memset(w, 0, sizeof(*w));
	/* kb_measure's windows: the empty one, then one per sample. */
	if (!v || !cc->n || !v->nwin || (uint64_t)v->nwin != count + 1) {
		if (v)
			v->nwin = 0;
		return -ENOENT;
	}
	sz = (size_t)count * cc->n;
	w->n = cc->n;
	w->count = count;
	w->delta = malloc(sz * sizeof(*w->delta));
	w->ok = malloc(sz * sizeof(*w->ok));
	if (!w->delta || !w->ok) {
		cc_windows_free(w);
		v->nwin = 0;
		return -ENOMEM;
	}
	for (j = 0; j < count; j++)
		cc_net(cc, v, j + 1, w->delta + j * cc->n, w->ok + j * cc->n);
	for (i = 0; i < cc->n; i++) {
		w->multiplexed[i] = v->mux[i];
		w->why[i] = v->cs ? counter_set_why(v->cs, i) : NULL;
		v->mux[i] = false;
	}
	v->nwin = 0;
	return 0;
}

void cc_windows_free(struct cc_windows *w)
{
	free(w->delta);
	free(w->ok);
	w->delta = NULL;
	w->ok = NULL;
}

bool cc_total(const struct case_counters *cc, int vcpu, int i, uint64_t *val)
{
	const struct cc_vcpu *v = vcpu >= 0 && vcpu < cc->nr_vcpus ? &cc->v[vcpu] : NULL;

	if (!v || !v->ended || !v->start[i].ok || !v->end[i].ok)
		return false;
	*val = cc_delta(cc, i, &v->start[i], &v->end[i]);
	return true;
}

const char *cc_why(const struct case_counters *cc, int vcpu, int i)
{
	const struct cc_vcpu *v = vcpu >= 0 && vcpu < cc->nr_vcpus ? &cc->v[vcpu] : NULL;

	if (!cc->spec[i].supported)
		return cc->spec[i].why;
	if (!v || !v->started)
		return "the vCPU thread never started";
	return v->why[i][0] ? v->why[i] : "the counter could not be read";
}

const char *cc_unit(const struct counter_spec *s)
{
	return !strcmp(s->name, "task-clock") || !strcmp(s->name, "cpu-clock") ? "ns" : "count";
}
