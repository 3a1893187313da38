/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sstat.h - summary statistics of benchmark samples.
 *
 * The prefix is sstat_ ("sample statistics") because stats_* belongs to
 * vmm/'s reader of KVM's binary stats.
 */
#ifndef SSTAT_H
#define SSTAT_H

#include <stddef.h>
#include <stdint.h>

struct sample_stats {
	size_t n;
	double min, max, mean, median, p99, stddev;
	double q1, q3;		/* 25th and 75th percentiles */
	double p10, p90;
};

/*
 * sstat_summarise - fill @out from the @n samples at @v (any order; @v is
 * not modified).  stddev is the sample standard deviation (n - 1), 0 for a
 * single sample.  Returns 0, -EINVAL for n == 0 or a NaN sample, -ENOMEM.
 */
int sstat_summarise(const double *v, size_t n, struct sample_stats *out);

/*
 * sstat_percentile - the @p-th percentile (0..100, clamped) of the @n
 * ascending values at @sorted, interpolating linearly between closest
 * ranks at rank p/100 * (n - 1): numpy's default 'linear' method.  NaN if
 * n == 0 or p is NaN.
 */
double sstat_percentile(const double *sorted, size_t n, double p);

/* sstat_cmp_double - qsort's comparison for doubles, ascending. */
int sstat_cmp_double(const void *a, const void *b);

/* sstat_per_op - out[i] = samples[i] / iters (NaN if iters == 0). */
void sstat_per_op(const uint64_t *samples, size_t n, uint64_t iters,
		  double *out);

/* sstat_cycles_to_ns - TSC cycles to nanoseconds (NaN if tsc_khz == 0). */
double sstat_cycles_to_ns(double cycles, uint64_t tsc_khz);

/* The result of a two-sided Mann-Whitney U (Wilcoxon rank-sum) test. */
struct sstat_mwu {
	double u;	/* U of the first sample: pairs (a, b) with a > b, ties counting 1/2 */
	double z;	/* the normal approximation's z (0 when exact) */
	double p;	/* two-sided p-value */
	int exact;	/* 1: p from the exact distribution of U (no ties, n, m <= 50) */
};

/*
 * sstat_mann_whitney - do @a and @b come from one distribution?  A rank
 * test: it assumes nothing of the shape, so the odd outlier of a
 * benchmark sample cannot make a difference significant on its own.
 * Without ties and with both samples of at most SSTAT_MWU_EXACT values
 * the p-value is exact (the distribution of U counted by recurrence);
 * otherwise the normal approximation with tie correction and continuity
 * correction (as scipy's method='asymptotic').  Returns 0, or -EINVAL for
 * an empty sample or a NaN.
 */
#define SSTAT_MWU_EXACT	50
int sstat_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		       struct sstat_mwu *out);

/*
 * sstat_bh_adjust - Benjamini-Hochberg adjusted p-values (q-values) of the
 * @n p-values at @p, into @q (any order; NaN p-values are left out and get
 * NaN).  Rejecting every q < alpha keeps the expected share of false
 * discoveries among all discoveries under alpha: what a comparison of a
 * hundred metrics at once needs so the noise in one of them is not called
 * a change.  Returns 0 or -ENOMEM.
 */
int sstat_bh_adjust(const double *p, size_t n, double *q);

#endif
