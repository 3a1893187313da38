/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compare.h - two results directories side by side: which cases match,
 * which checks changed state, which metrics changed significantly.
 *
 * A metric changed significantly when a Mann-Whitney U test on its samples
 * says the two runs differ (its p-value, adjusted for the number of
 * metrics compared at once by Benjamini-Hochberg, under alpha) and its
 * median moved by at least the threshold: the test alone would call a 0.1% shift "significant" on
 * a quiet host, the threshold alone would call one noisy sample a
 * regression.  Whether the change is a regression follows from the unit
 * (time per operation: lower is better; a rate: higher is better).
 *
 * Samples of one run share the host's state (a busy sibling thread, the
 * clock), so more guards, all off with opts.strict but the first:
 *  - the middle halves of the samples must not overlap;
 *  - the best tenth of the samples (p10 of a time, p90 of a rate) must
 *    have moved by the threshold too, the same way.  Interference on a
 *    shared host only ever adds time, to some samples: when the median
 *    moved and the best samples did not, the change is in the tail
 *    (verdict tail), which is how a noisy neighbour looks;
 *  - a change is put down to the host (verdict host-drift) when a speed
 *    probe moved by the threshold or more, the same way: the empty-loop probe of the
 *    case's host CPUs, or the guest's own empty loop at the same CPL in
 *    the same case (empty_loop.cpl0 for invlpg.cpl0: where CPL0 code is
 *    emulated, as under kvm_pvm, its speed is the emulator's and moves
 *    between runs by tens of percent).  The empty loops themselves are
 *    such probes: when they move, that is host-drift too.
 */
#ifndef COMPARE_H
#define COMPARE_H

#include <stdbool.h>

#include "rdir.h"
#include "sstat.h"

#define CMP_MAX_IGNORE	32

/*
 * From this many repeats on both sides, the test compares the repeats'
 * medians rather than the samples.  Each repeat boots a fresh VM, and on
 * a nested host part of a VM's speed is set at its boot (here an IPI
 * costs 51 or 62 us for the life of a VM): the samples of one VM then
 * agree closely with each other and not with the next VM, so a test on
 * samples finds "significant" changes between any two runs.  The repeat
 * is the unit that replicates; with 5 a side the rank test's smallest
 * p-value is 0.008, so fewer could never show a change.
 */
#define CMP_MIN_REPEATS	5

struct cmp_opts {
	double threshold;	/* minimum effect, percent of A's median (default 5) */
	double alpha;		/* false discovery rate over the metrics (default 0.05) */
	bool strict;		/* no tail or host-drift verdicts: every significant change counts */
	int nr_ignore;
	const char *ignore[CMP_MAX_IGNORE + 1];	/* config columns left out of matching */
};

enum cmp_verdict {
	CV_REGRESSED,		/* significant, and worse */
	CV_IMPROVED,		/* significant, and better */
	CV_CHANGED,		/* significant, unit says nothing of better or worse */
	CV_HOST,		/* significant, but a speed probe moved the same way as much */
	CV_TAIL,		/* significant, but the best tenth of the samples did not move */
	CV_SAME,		/* no significant change */
	CV_UNTESTED,		/* fewer than 2 values on a side, or lost repeats: no test */
	CV_NR
};
extern const char *const cmp_verdict_name[CV_NR];

struct cmp_metric {
	const struct rgroup *a, *b;
	struct sample_stats sa, sb;	/* all the samples, repeats pooled */
	struct sample_stats ta, tb;	/* what was tested: the repeats' medians, or the samples */
	bool per_repeat;	/* tested on the repeats' medians (both sides >= CMP_MIN_REPEATS) */
	bool lost;		/* untested: the cases ran CMP_MIN_REPEATS or more repeats,
				 * but fewer hold the metric (killed ones): survivors only */
	double change;		/* B's median against A's (of ta, tb), percent */
	struct sstat_mwu test;
	double q;		/* test.p adjusted for the number of metrics (Benjamini-Hochberg) */
	int better;		/* +1 higher is better, -1 lower, 0 unknown */
	double drift;		/* the case's host CPUs: B's speed probe against A's, percent (+: slower) */
	double loop;		/* the guest's empty loop at this CPL in the case, percent; NaN: none */
	double best;		/* the change of the best tenth (p10 of a time, p90 of a rate), percent */
	enum cmp_verdict verdict;
};

struct cmp_check {
	const struct rgroup *a, *b;	/* either NULL: only in the other run */
	bool failing;		/* newly failing: counts as a regression */
};

/* An observation whose values seen differ between the runs: never a regression. */
struct cmp_obs {
	const struct rgroup *a, *b;
};

struct cmp_result {
	struct rdir A, B;
	int *speed_a, *speed_b;	/* rows of host_cpu_ns.N, per directory */
	int nr_speed_a, nr_speed_b;
	struct rgroup *ma, *mb, *ca, *cb, *oa, *ob;
	int nr_ma, nr_mb, nr_ca, nr_cb, nr_oa, nr_ob;
	struct cmp_metric *m;	/* matched metrics, regressions first */
	int nr_m;
	struct cmp_check *chk;	/* checks whose state changed, newly failing first */
	int nr_chk, nr_chk_matched;
	struct cmp_obs *obs;	/* observations seen otherwise in B */
	int nr_obs, nr_obs_matched;
	int only_a, only_b;	/* metrics without a partner */
	int count[CV_NR];
	int nr_per_sample;	/* metrics tested on samples: a side had < CMP_MIN_REPEATS repeats */
	int nr_lost;		/* metrics untested: missing from repeats that did not finish */
	int newly_failing;
	int nr_auto;		/* the first nr_auto of opts.ignore were found, not given */
	struct cmp_opts opts;	/* as used: with the columns found to differ */
};

/*
 * compare_load - load @a and @b and compare them.  0, or -1 with the
 * reason in @err (a directory unusable, or no case in common).
 */
int compare_load(struct cmp_result *r, const char *a, const char *b,
		 const struct cmp_opts *o, char *err, size_t len);
void compare_free(struct cmp_result *r);

/* compare_better - +1 if a higher @unit figure is better, -1 lower, 0 unknown. */
int compare_better(const char *unit);

/* cmd_compare - `kvmbench compare`; returns the exit status. */
int cmd_compare(int argc, char **argv);

#endif
