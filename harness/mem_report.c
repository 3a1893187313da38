// SPDX-License-Identifier: GPL-2.0
/*
 * mem_report.c - the KSM and memory-overcommit tables of a scenario.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "mem_report.h"

struct mem_point *mem_point_new(struct mem_table *t)
{
	struct mem_point *p;

	if (t->n == MEM_MAX_POINTS)
		return NULL;
	p = &t->p[t->n++];
	memset(p, 0, sizeof(*p));
	p->t_ms[0] = p->t_ms[1] = p->t_ms[2] = NAN;
	p->fill_ns = p->refill_ns = p->read_ns = NAN;
	p->merged_read_ns = p->cow_ns = p->steady_ns = NAN;
	p->saved_mb = p->swap_in_mb = p->swap_out_mb = NAN;
	p->majflt = -1;
	return p;
}

void mem_point_metric(struct mem_point *p, const char *name, double ns)
{
	static const struct {
		const char *name;
		size_t off;
	} m[] = {
		{ "fill", offsetof(struct mem_point, fill_ns) },
		{ "refill", offsetof(struct mem_point, refill_ns) },
		{ "read", offsetof(struct mem_point, read_ns) },
		{ "read_after_merge", offsetof(struct mem_point, merged_read_ns) },
		{ "cow_write", offsetof(struct mem_point, cow_ns) },
		{ "write_steady", offsetof(struct mem_point, steady_ns) },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(name, m[i].name))
			*(double *)((char *)p + m[i].off) = ns;
}

void mem_point_ksm(struct mem_point *p, const struct ksm_watch *w)
{
	p->ksm_ran = w->ran;
	p->ksm_complete = w->complete;
	p->target = w->target;
	p->merged = w->merged;
	memcpy(p->t_ms, w->t_ms, sizeof(p->t_ms));
	p->saved_mb = mem_pages_mib(w->saved);
}

/* cell - a figure or "-" */
static const char *cell(char *buf, size_t len, const char *fmt, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
	return buf;
}

/* mbps - MB/s from ns per 4 KiB page */
static double mbps(double ns)
{
	return isnan(ns) || ns <= 0 ? NAN : 4096.0 / ns * 1e9 / (1 << 20);
}

static const char *checks(char *buf, size_t len, const struct mem_point *p)
{
	if (!p->checks_pass && !p->checks_fail)
		snprintf(buf, len, "-");
	else if (!p->checks_fail)
		snprintf(buf, len, "all %d intact", p->checks_pass);
	else
		snprintf(buf, len, "%d of %d FAILED", p->checks_fail, p->checks_pass + p->checks_fail);
	return buf;
}

int mem_report_ksm(const struct mem_table *t, const void *sc, FILE *f, const char *pre)
{
	char a[7][32], ck[48];
	int i, n = 0;

	for (i = 0; i < t->n; i++) {
		const struct mem_point *p = &t->p[i];

		if (p->sc != sc || !p->ksm_ran)
			continue;
		if (!n++)
			fprintf(f, "%s| VMs | fill | MiB per VM | mergeable pages | merged | to 50 %% | to 90 %% | to 100 %% "
				"| saved MiB | read after merge ns/page | first write (COW) ns/page "
				"| later writes ns/page | checksums |\n"
				"%s|---|---|---|---|---|---|---|---|---|---|---|---|---|\n", pre, pre);
		fprintf(f, "%s| %d | %s | %.0f | %ld | %ld | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			pre, p->vms, p->fill, p->fill_mb, p->target, p->merged,
			cell(a[0], 32, "%.0f ms", p->t_ms[0]), cell(a[1], 32, "%.0f ms", p->t_ms[1]),
			cell(a[2], 32, "%.0f ms", p->t_ms[2]), cell(a[3], 32, "%.1f", p->saved_mb),
			cell(a[4], 32, "%.0f", p->merged_read_ns), cell(a[5], 32, "%.0f", p->cow_ns),
			cell(a[6], 32, "%.0f", p->steady_ns), checks(ck, sizeof(ck), p));
	}
	if (n)
		fprintf(f, "%s\n%s'to N %%': from the moment every VM had filled its memory until "
			"ksmd had merged N %% of the mergeable pages ('-': never, within the wait); "
			"saved: pages_sharing over the case.\n", pre, pre);
	return n;
}

int mem_report_oc(const struct mem_table *t, const void *sc, FILE *f, const char *pre)
{
	char a[7][32], ck[48];
	int i, n = 0;

	for (i = 0; i < t->n; i++) {
		const struct mem_point *p = &t->p[i];

		if (p->sc != sc || p->level <= 0)
			continue;
		if (!n++)
			fprintf(f, "%s| level | ksm | VMs x MiB | limit MiB | fill MB/s | re-read MB/s "
				"| major faults | swap out / in MiB | KSM saved MiB | checksums | outcome |\n"
				"%s|---|---|---|---|---|---|---|---|---|---|---|\n", pre, pre);
		fprintf(f, "%s| %g | %s | %d x %.0f | %.0f | %s | %s | %s | %s / %s | %s | %s | %s |\n",
			pre, p->level, p->ksm ? "on" : "off", p->vms, p->mb, p->limit_mb,
			cell(a[0], 32, "%.0f", mbps(p->fill_ns)), cell(a[1], 32, "%.0f", mbps(p->read_ns)),
			cell(a[2], 32, "%.0f", p->majflt < 0 ? NAN : (double)p->majflt),
			cell(a[3], 32, "%.1f", p->swap_out_mb), cell(a[4], 32, "%.1f", p->swap_in_mb),
			cell(a[5], 32, "%.1f", p->ksm ? p->saved_mb : NAN), checks(ck, sizeof(ck), p),
			p->oom ? "OOM-killed" : p->ok ? "ok" : "failed");
	}
	if (n)
		fprintf(f, "%s\n%slevel: the VMs' RAM over the memory cgroup's limit; throughput from "
			"the median ns per 4 KiB page.\n", pre, pre);
	return n;
}
