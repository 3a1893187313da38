/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_watch.h - watch ksmd merge what the guests filled: its counters
 * (/sys/kernel/mm/ksm) sampled every few ms from the moment every VM has
 * filled its memory until the mergeable pages are merged, or the merged
 * count stood still over two full scans, or time ran out.
 *
 * "Merged" is pages_shared + pages_sharing over the case (pages backed by
 * a KSM page); "saved" is pages_sharing over the case: the page frames
 * given back.  Times are from the moment the last VM finished its fill.
 */
#ifndef KSM_WATCH_H
#define KSM_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ksm_counters {
	long shared, sharing, unshared, full_scans;
};

#define KSM_WATCH_MAX	4096	/* samples kept for the time series */

struct ksm_watch {
	struct ksm_counters base;	/* at the start of the case */
	long target;			/* mergeable pages expected; 0: none */
	double interval_ms, timeout_s;
	/* results */
	bool ran;
	double t_ms[3];			/* to 50, 90, 100 % of target; NaN: not reached */
	long merged;			/* at the end, over the case */
	long saved;			/* pages_sharing over the case, at the end */
	long scans;			/* full scans while watching */
	double watched_ms;
	bool complete;			/* target reached (or nothing to merge and it stood still) */
	int n;
	struct {
		double t_ms;
		struct ksm_counters k;
	} s[KSM_WATCH_MAX];
};

/* ksm_read - the counters now (below knob_root()): 0 or -errno. */
int ksm_read(struct ksm_counters *k);
/* ksm_watch_start - the case's baseline; @target mergeable pages expected. */
int ksm_watch_start(struct ksm_watch *w, long target, double timeout_s);
/* ksm_watch_run - sample until merged, still, or timed out (blocks). */
void ksm_watch_run(struct ksm_watch *w);
/* ksm_watch_csv - the time series as CSV (t_ms and the four counters, as read). */
void ksm_watch_csv(const struct ksm_watch *w, FILE *f);

#endif
