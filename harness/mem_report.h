/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem_report.h - the memory guest's tables: KSM (time to merge, memory
 * saved, the cost of reading and of copy-on-write after the merge) and
 * memory overcommit (fill and re-read throughput, major faults, swap
 * traffic, KSM savings and lost pages per level), one row per case.
 */
#ifndef MEM_REPORT_H
#define MEM_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "ksm_watch.h"

#define MEM_MAX_POINTS	64

/* mem_pages_mib - @pages of 4 KiB in MiB */
static inline double mem_pages_mib(double pages)
{
	return pages * 4096 / (1 << 20);
}

struct mem_point {
	const void *sc;			/* the scenario it belongs to */
	char test[32];			/* "ksm", "fill"... */
	char fill[16];
	int vms;
	double mb;			/* guest RAM per VM, MiB */
	double fill_mb;			/* the region the guest filled, MiB per VM */
	bool ksm;			/* the ksm knob was on */
	double level;			/* mem_overcommit; 0: none */
	double limit_mb;		/* the cgroup's limit */
	/* KSM */
	bool ksm_ran, ksm_complete;
	long target, merged;
	double t_ms[3];			/* to 50, 90, 100 % merged */
	double saved_mb;
	/* medians per 4 KiB page, ns; NaN: not reported */
	double fill_ns, refill_ns, read_ns, merged_read_ns, cow_ns, steady_ns;
	int checks_pass, checks_fail;
	/* the child process a memory-overcommit level runs in */
	bool child;
	bool oom;			/* ended by the OOM killer */
	long majflt;
	double swap_out_mb, swap_in_mb;
	bool ok;			/* the case passed */
};

struct mem_table {
	int n;
	struct mem_point p[MEM_MAX_POINTS];
};

/* mem_point_new - a fresh point (NaN figures) in @t, NULL when full. */
struct mem_point *mem_point_new(struct mem_table *t);
/* mem_point_metric - keep metric @name's median (ns per page) if the tables show it. */
void mem_point_metric(struct mem_point *p, const char *name, double ns_median);
void mem_point_ksm(struct mem_point *p, const struct ksm_watch *w);
/*
 * mem_report_ksm, mem_report_oc - @sc's table as Markdown to @f, lines
 * prefixed with @prefix ("# " for TAP).  They return the number of rows.
 */
int mem_report_ksm(const struct mem_table *t, const void *sc, FILE *f, const char *prefix);
int mem_report_oc(const struct mem_table *t, const void *sc, FILE *f, const char *prefix);

#endif
