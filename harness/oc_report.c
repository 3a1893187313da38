// SPDX-License-Identifier: GPL-2.0
/*
 * oc_report.c - the CPU overcommit table and its verdict (oc_report.h).
 *
 * The verdict compares the two patterns at each level where both ran, on
 * the figure that separates them: per-vCPU progress of work that
 * synchronises (a barrier after every unit).  Free-running work is shown
 * too: the host shares its CPUs the same way in both patterns, so it
 * should not differ much; the barrier is what a descheduled vCPU of one
 * big guest holds up (lock-holder/waiter preemption), and 1-vCPU guests
 * have no such partner to wait for.
 */
#include <math.h>
#include <string.h>

#include "oc_report.h"

struct oc_point *oc_point_new(struct oc_table *t)
{
	struct oc_point *p;

	if (t->n == OC_MAX_POINTS)
		return NULL;
	p = &t->p[t->n++];
	memset(p, 0, sizeof(*p));
	p->barrier_ns = p->ipi_rtt_ns = NAN;
	p->free_med = p->free_min = p->sync_med = p->sync_min = NAN;
	p->host_ctxsw = -1;
	return p;
}

void oc_point_metric(struct oc_point *p, const char *name, double median, double min)
{
	if (!strcmp(name, "barrier.cpl3")) {
		p->barrier_ns = median;
	} else if (!strcmp(name, "ipi_rtt.xapic.hlt.cpl3")) {
		p->ipi_rtt_ns = median;
	} else if (!strcmp(name, "ipi_self_rtt.xapic.cpl3")) {
		p->ipi_rtt_ns = median;
		p->ipi_self = true;
	} else if (!strcmp(name, "progress.free")) {
		p->free_med = median;
		p->free_min = min;
	} else if (!strcmp(name, "progress.sync")) {
		p->sync_med = median;
		p->sync_min = min;
	}
}

/* fmt_ns - a time in the unit that suits it. */
static const char *fmt_ns(double ns, char *buf, size_t len)
{
	if (isnan(ns))
		snprintf(buf, len, "-");
	else if (ns >= 1e6)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.1f µs", ns / 1e3);
	else
		snprintf(buf, len, "%.0f ns", ns);
	return buf;
}

static const char *fmt_rate(double r, char *buf, size_t len)
{
	if (isnan(r))
		snprintf(buf, len, "-");
	else if (r >= 1e6)
		snprintf(buf, len, "%.2fM", r / 1e6);
	else if (r >= 1e3)
		snprintf(buf, len, "%.0fk", r / 1e3);
	else
		snprintf(buf, len, "%.0f", r);
	return buf;
}

static void oc_row(FILE *f, const char *prefix, const struct oc_point *p)
{
	char b[6][24], ctx[24];

	if (p->host_ctxsw >= 0)
		snprintf(ctx, sizeof(ctx), "%lld", p->host_ctxsw);
	else
		snprintf(ctx, sizeof(ctx), "-");
	fprintf(f, "%s| %g | %s | %d x %d | %s | %s%s | %s / %s | %s / %s | %.2f / %.2f / %.2f | %ld | %s |%s\n",
		prefix, p->ratio, p->many_vms ? "many-vms" : "one-vm", p->vms, p->vcpus,
		fmt_ns(p->barrier_ns, b[0], sizeof(b[0])), fmt_ns(p->ipi_rtt_ns, b[1], sizeof(b[1])),
		p->ipi_self ? " (self)" : "", fmt_rate(p->free_med, b[2], sizeof(b[2])),
		fmt_rate(p->free_min, b[3], sizeof(b[3])), fmt_rate(p->sync_med, b[4], sizeof(b[4])),
		fmt_rate(p->sync_min, b[5], sizeof(b[5])), p->user_s, p->system_s, p->guest_s,
		p->invol_ctxsw, ctx, p->ok ? "" : " (case failed)");
}

/* oc_partner - the other pattern's point at @p's level, in the same scenario. */
static const struct oc_point *oc_partner(const struct oc_table *t, const struct oc_point *p)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (t->p[i].sc == p->sc && t->p[i].ratio == p->ratio &&
		    t->p[i].many_vms != p->many_vms)
			return &t->p[i];
	return NULL;
}

/* oc_verdict - at each level with both patterns: many-vms' sync progress over one-vm's. */
static void oc_verdict(const struct oc_table *t, const void *sc, FILE *f, const char *prefix)
{
	int i, holds = 0, levels = 0;
	const struct oc_point *m, *o;

	fprintf(f, "%s\n", prefix);
	for (i = 0; i < t->n; i++) {
		m = &t->p[i];
		o = oc_partner(t, m);
		if (m->sc != sc || !m->many_vms || !o || m->vms * m->vcpus < 2 ||
		    isnan(m->sync_med) || isnan(o->sync_med) || o->sync_med <= 0)
			continue;
		levels++;
		holds += m->sync_med >= o->sync_med;
		fprintf(f, "%sat %g vCPUs per host CPU (%d vCPUs): many small VMs make %.*fx the synchronised progress per vCPU of one big VM (%.0f vs %.0f units/s), %.2fx the free progress\n",
			prefix, m->ratio, m->vms * m->vcpus, m->sync_med / o->sync_med >= 100 ? 0 : 2,
			m->sync_med / o->sync_med, m->sync_med,
			o->sync_med, o->free_med > 0 ? m->free_med / o->free_med : NAN);
	}
	if (!levels)
		fprintf(f, "%sno level ran in both patterns with 2 or more vCPUs: no verdict\n", prefix);
	else
		fprintf(f, "%sverdict: many small guests beat one oversized guest at %d of %d levels%s\n",
			prefix, holds, levels,
			holds == levels ? ": the advice holds on this host" :
			holds ? ": the advice holds only in part here" :
				": the advice does not hold on this host");
}

int oc_report(const struct oc_table *t, const void *sc, FILE *f, const char *prefix)
{
	int i, n = 0;

	for (i = 0; i < t->n; i++)
		n += t->p[i].sc == sc;
	if (!n)
		return 0;
	fprintf(f, "%sCPU overcommit (medians; progress in work units/s per vCPU, median / slowest vCPU; thread times summed over the vCPU threads):\n", prefix);
	fprintf(f, "%s\n", prefix);
	fprintf(f, "%s| vCPUs/CPU | pattern | VMs x vCPUs | barrier/episode | IPI round trip | free progress | synced progress | user / sys / guest s | invol. ctxsw | host ctxsw |\n", prefix);
	fprintf(f, "%s|---|---|---|---|---|---|---|---|---|---|\n", prefix);
	for (i = 0; i < t->n; i++)
		if (t->p[i].sc == sc)
			oc_row(f, prefix, &t->p[i]);
	oc_verdict(t, sc, f, prefix);
	return n;
}
