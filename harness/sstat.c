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

int sstat_cmp_double(const void *a, const void *b)
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
	out->q1 = sstat_percentile(s, n, 25);
	out->q3 = sstat_percentile(s, n, 75);
	out->p10 = sstat_percentile(s, n, 10);
	out->p90 = sstat_percentile(s, n, 90);
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

/* A value and where it came from, to sort values and still know their owners. */
struct vidx {
	double v;
	size_t i;
};

static int vidx_cmp(const void *x, const void *y)
{
	const struct vidx *a = x, *b = y;

	return (a->v > b->v) - (a->v < b->v);
}

/*
 * mwu_exact_cdf - P(U <= u) for samples of @m and @n values without ties:
 * the number of arrangements giving each U, by the recurrence
 * c(m, n, k) = c(m - 1, n, k - n) + c(m, n - 1, k), over n with m rolling.
 * Counts are kept as doubles (C(100, 50) overflows 64 bits), which is
 * exact enough for a p-value.
 */
static double mwu_exact_cdf(size_t m, size_t n, double u)
{
	size_t K = m * n, i, j, k;
	double *prev = calloc((n + 1) * (K + 1), sizeof(double));
	double *cur = calloc((n + 1) * (K + 1), sizeof(double));
	double total = 0, below = 0;

	if (!prev || !cur) {
		free(prev);
		free(cur);
		return NAN;
	}
	/* i = 0 values in the first sample: one arrangement, U = 0 */
	for (j = 0; j <= n; j++)
		prev[j * (K + 1)] = 1;
	for (i = 1; i <= m; i++) {
		double *t;

		memset(cur, 0, (n + 1) * (K + 1) * sizeof(double));
		cur[0] = 1;	/* j = 0: U = 0 */
		for (j = 1; j <= n; j++)
			for (k = 0; k <= i * j; k++)
				cur[j * (K + 1) + k] = (k >= j ? prev[j * (K + 1) + k - j] : 0) +
						       cur[(j - 1) * (K + 1) + k];
		t = prev;
		prev = cur;
		cur = t;
	}
	for (k = 0; k <= K; k++) {
		total += prev[n * (K + 1) + k];
		if ((double)k <= u + 1e-9)
			below += prev[n * (K + 1) + k];
	}
	free(prev);
	free(cur);
	return below / total;
}

int sstat_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
		       struct sstat_mwu *out)
{
	size_t N = na + nb, i, j;
	struct vidx *r;
	double ra = 0, ties = 0, mu, sigma, d;

	if (!na || !nb)
		return -EINVAL;
	r = malloc(N * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < N; i++) {
		r[i].v = i < na ? a[i] : b[i - na];
		r[i].i = i;	/* i < na: from @a */
		if (isnan(r[i].v)) {
			free(r);
			return -EINVAL;
		}
	}
	qsort(r, N, sizeof(*r), vidx_cmp);
	/* mid-ranks: a run of equal values all get the mean of their ranks */
	for (i = 0; i < N; i = j) {
		double t, rank;

		for (j = i + 1; j < N && r[j].v == r[i].v; j++)
			;
		t = j - i;
		rank = (i + 1 + j) / 2.0;
		ties += t * t * t - t;
		while (i < j)
			if (r[i++].i < na)
				ra += rank;
		i = j;
	}
	free(r);
	out->u = ra - na * (na + 1) / 2.0;
	mu = na * nb / 2.0;
	if (!ties && na <= SSTAT_MWU_EXACT && nb <= SSTAT_MWU_EXACT) {
		double lo = mwu_exact_cdf(na, nb, fmin(out->u, na * nb - out->u));

		out->exact = 1;
		out->z = 0;
		out->p = fmin(1, 2 * lo);
		return isnan(lo) ? -ENOMEM : 0;
	}
	out->exact = 0;
	sigma = sqrt(na * nb / 12.0 * ((N + 1) - ties / ((double)N * (N - 1))));
	d = fabs(out->u - mu);
	if (sigma == 0) {	/* every value equal */
		out->z = 0;
		out->p = 1;
		return 0;
	}
	out->z = fmax(0, d - 0.5) / sigma;
	out->p = fmin(1, erfc(out->z / sqrt(2)));
	return 0;
}

int sstat_bh_adjust(const double *p, size_t n, double *q)
{
	struct vidx *s = malloc((n + 1) * sizeof(*s));
	size_t m = 0, k;
	double run = 1;

	if (!s)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		q[k] = NAN;
		if (!isnan(p[k]))
			s[m++] = (struct vidx){ p[k], k };
	}
	qsort(s, m, sizeof(*s), vidx_cmp);
	/* q of rank k (1-based) is min over ranks j >= k of p_j * m / j */
	for (k = m; k > 0; k--) {
		run = fmin(run, s[k - 1].v * m / k);
		q[s[k - 1].i] = run;
	}
	free(s);
	return 0;
}
