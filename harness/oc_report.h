/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oc_report.h - the CPU overcommit table: for each level (vCPUs per host
 * CPU) and pattern (many small VMs, one big VM), the barrier and IPI costs,
 * per-vCPU progress, the vCPU threads' times and the host's context
 * switches, and whether many small guests beat one oversized guest here.
 */
#ifndef OC_REPORT_H
#define OC_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#define OC_MAX_POINTS	64

/* One case run under the overcommit knob. */
struct oc_point {
	const void *sc;			/* the scenario it belongs to */
	double ratio;			/* as asked */
	bool many_vms;
	int vms, vcpus, host_cpus;
	double barrier_ns;		/* medians; NaN: not reported */
	double ipi_rtt_ns;
	bool ipi_self;			/* a self-IPI (1-vCPU VMs) */
	double free_med, free_min;	/* units/s per vCPU: median and slowest vCPU */
	double sync_med, sync_min;
	double user_s, system_s, guest_s;	/* summed over the vCPU threads */
	long invol_ctxsw;
	long long host_ctxsw;		/* -1: unknown */
	bool ok;			/* the case passed */
};

struct oc_table {
	int n;
	struct oc_point p[OC_MAX_POINTS];
};

/* oc_point_new - a fresh point (NaN figures) in @t, NULL when full. */
struct oc_point *oc_point_new(struct oc_table *t);
/* oc_point_metric - keep metric @name's median/min if it is one of the table's. */
void oc_point_metric(struct oc_point *p, const char *name, double median, double min);
/*
 * oc_report - the table of @sc's points as Markdown to @f, each line
 * prefixed with @prefix ("# " for TAP), with the verdict.  Nothing if
 * @sc has no points.  Returns how many points it showed.
 */
int oc_report(const struct oc_table *t, const void *sc, FILE *f, const char *prefix);

#endif
