// SPDX-License-Identifier: GPL-2.0
/*
 * sstat.c - min, max, mean, median, p99 and spread of a set of samples.
 *
 * Benchmarks report these rather than a single mean because timing
 * samples on a shared host are skewed: the minimum is the best estimate
 * of the cost, the median of the typical cost, p99 and the stddev show
 * the noise.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sstat.h"

static int sstat_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double sstat_percentile(const double *sorted, size_t n, double p)
{
	double rank, frac, lo, hi;
	size_t i;

	if (!n || isnan(p))
		return NAN;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	rank = p / 100 * (double)(n - 1);
	i = (size_t)rank;
	if (i >= n - 1)
		return sorted[n - 1];
	frac = rank - (double)i;
	lo = sorted[i];
	hi = sorted[i + 1];
	/* numpy's _lerp: interpolate from the nearer end for accuracy. */
	if (frac >= 0.5)
		return hi - (hi - lo) * (1 - frac);
	return lo + (hi - lo) * frac;
}

/* sstat_stddev - sample standard deviation about @mean (two passes). */
static double sstat_stddev(const double *v, size_t n, double mean)
{
	double sum = 0;
	size_t i;

	if (n < 2)
		return 0;
	for (i = 0; i < n; i++)
		sum += (v[i] - mean) * (v[i] - mean);
	return sqrt(sum / (double)(n - 1));
}

int sstat_summarise(const double *v, size_t n, struct sample_stats *out)
{
	double *s, sum = 0;
	size_t i;

	if (!n)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (isnan(v[i]))
			return -EINVAL;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), sstat_cmp_double);

	for (i = 0; i < n; i++)
		sum += s[i];
	out->n = n;
	out->min = s[0];
	out->max = s[n - 1];
	out->mean = sum / (double)n;
	out->median = sstat_percentile(s, n, 50);
	out->p99 = sstat_percentile(s, n, 99);
	out->stddev = sstat_stddev(s, n, out->mean);
	free(s);
	return 0;
}

void sstat_per_op(const uint64_t *samples, size_t n, uint64_t iters,
		  double *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = iters ? (double)samples[i] / (double)iters : NAN;
}

double sstat_cycles_to_ns(double cycles, uint64_t tsc_khz)
{
	if (!tsc_khz)
		return NAN;
	return cycles * 1e6 / (double)tsc_khz;
}
