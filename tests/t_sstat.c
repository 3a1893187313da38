// SPDX-License-Identifier: GPL-2.0
/*
 * t_sstat.c - sample statistics against answers worked out by hand (and
 * agreeing with numpy.percentile's default 'linear' method).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "sstat.h"
#include "tap_test.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* is_near - equal within a relative 1e-12 (exact for the small cases). */
#define is_near(got, want, ...) ({					\
	double __g = (got), __w = (want);				\
	int __r = ok(fabs(__g - __w) <= 1e-12 * fmax(1, fabs(__w)),	\
		     __VA_ARGS__);					\
	if (!__r)							\
		printf("#   got %.17g, want %.17g\n", __g, __w);	\
	__r; })

static void check_summary(const double *v, size_t n, const char *name,
			  double min, double max, double mean, double median,
			  double p99, double stddev)
{
	struct sample_stats s;

	is_int(sstat_summarise(v, n, &s), 0, "%s: summarised", name);
	is_int(s.n, n, "%s: n", name);
	is_near(s.min, min, "%s: min", name);
	is_near(s.max, max, "%s: max", name);
	is_near(s.mean, mean, "%s: mean", name);
	is_near(s.median, median, "%s: median", name);
	is_near(s.p99, p99, "%s: p99", name);
	is_near(s.stddev, stddev, "%s: stddev", name);
}

static void test_summaries(void)
{
	const double odd[] = { 5, 1, 4, 2, 3 };
	const double even[] = { 10, 40, 20, 30 };
	const double one[] = { 7 };
	const double dup[] = { 2, 2, 9, 2, 2 };
	const double odd_copy[] = { 5, 1, 4, 2, 3 };

	/* 1..5: p99 rank 3.96 -> 4 + 0.96; variance 10 / 4. */
	check_summary(odd, ARRAY_SIZE(odd), "odd n", 1, 5, 3, 3, 4.96, sqrt(2.5));
	ok(!memcmp(odd, odd_copy, sizeof(odd)), "input left unsorted");
	/* 10..40: median (20 + 30) / 2; p99 rank 2.97; variance 500 / 3. */
	check_summary(even, ARRAY_SIZE(even), "even n", 10, 40, 25, 25, 39.7,
		      sqrt(500.0 / 3));
	check_summary(one, 1, "n = 1", 7, 7, 7, 7, 7, 0);
	/* 2 2 2 2 9: mean 3.4, p99 2 + 7 * 0.96, variance 39.2 / 4. */
	check_summary(dup, ARRAY_SIZE(dup), "duplicates", 2, 9, 3.4, 2, 8.72,
		      sqrt(9.8));
}

static void test_errors(void)
{
	const double with_nan[] = { 1, NAN, 3 };
	struct sample_stats s;

	is_int(sstat_summarise(NULL, 0, &s), -EINVAL, "n == 0 is -EINVAL");
	is_int(sstat_summarise(with_nan, 3, &s), -EINVAL, "a NaN sample is -EINVAL");
	ok(isnan(sstat_percentile(NULL, 0, 50)), "percentile of nothing is NaN");
	ok(isnan(sstat_percentile(with_nan, 1, NAN)), "percentile NaN is NaN");
}

static void test_percentiles(void)
{
	const double four[] = { 10, 20, 30, 40 };
	double hundred[100];
	size_t i;

	is_near(sstat_percentile(four, 4, 0), 10, "p0 is the minimum");
	is_near(sstat_percentile(four, 4, 25), 17.5, "p25: rank 0.75");
	is_near(sstat_percentile(four, 4, 50), 25, "p50: rank 1.5");
	is_near(sstat_percentile(four, 4, 99), 39.7, "p99: rank 2.97");
	is_near(sstat_percentile(four, 4, 100), 40, "p100 is the maximum");
	is_near(sstat_percentile(four, 4, -5), 10, "below 0 clamps");
	is_near(sstat_percentile(four, 4, 250), 40, "above 100 clamps");
	{
		const double shuffled[] = { 40, 10, 30, 20 };
		struct sample_stats st;

		sstat_summarise(shuffled, 4, &st);
		is_near(st.q1, 17.5, "summary q1: p25 of the sorted samples");
		is_near(st.q3, 32.5, "summary q3: p75 (rank 2.25)");
		is_near(st.p10, 13, "summary p10: rank 0.3");
		is_near(st.p90, 37, "summary p90: rank 2.7");
	}

	for (i = 0; i < 100; i++)
		hundred[i] = i + 1;
	/* numpy.percentile(range(1, 101), [0, 50, 99, 100]) */
	is_near(sstat_percentile(hundred, 100, 0), 1, "1..100 p0");
	is_near(sstat_percentile(hundred, 100, 50), 50.5, "1..100 p50");
	is_near(sstat_percentile(hundred, 100, 99), 99.01, "1..100 p99");
	is_near(sstat_percentile(hundred, 100, 100), 100, "1..100 p100");
}

static void test_conversions(void)
{
	const uint64_t cycles[] = { 1000, 2500, 7, 0 };
	double per_op[ARRAY_SIZE(cycles)];

	sstat_per_op(cycles, ARRAY_SIZE(cycles), 10, per_op);
	is_near(per_op[0], 100, "per op 1000 / 10");
	is_near(per_op[1], 250, "per op 2500 / 10");
	is_near(per_op[2], 0.7, "per op 7 / 10");
	is_near(per_op[3], 0, "per op 0 / 10");
	sstat_per_op(cycles, 1, 0, per_op);
	ok(isnan(per_op[0]), "per op with 0 iterations is NaN");

	/* The development host's TSC: 2.596 GHz. */
	is_near(sstat_cycles_to_ns(2596, 2596000), 1000, "2596 cycles = 1 us");
	is_near(sstat_cycles_to_ns(25960000, 2596000), 1e7, "25.96M cycles = 10 ms");
	is_near(sstat_cycles_to_ns(1, 2596000), 1e6 / 2596000, "1 cycle = 0.3852 ns");
	is_near(sstat_cycles_to_ns(19993, 2596000), 7701.463790446841,
		"vmexit cpuid 19993 cycles");
	ok(isnan(sstat_cycles_to_ns(1, 0)), "tsc_khz 0 is NaN");
}

/* is_close - equal within a relative 1e-9 (p-values through erfc and doubles). */
#define is_close(got, want, ...) ({					\
	double __g = (got), __w = (want);				\
	int __r = ok(fabs(__g - __w) <= 1e-9 * fmax(1e-300, fabs(__w)), __VA_ARGS__); \
	if (!__r)							\
		printf("#   got %.17g, want %.17g\n", __g, __w);	\
	__r; })

static void test_mann_whitney(void)
{
	const double lo3[] = { 1, 2, 3 }, hi3[] = { 4, 5, 6 };
	const double odd[] = { 1, 3, 5 }, even[] = { 2, 4, 6 };
	const double tie_a[] = { 1, 2, 2, 3 }, tie_b[] = { 2, 3, 4, 5 };
	const double same[] = { 7, 7, 7 };
	double a[60], b[60], nan1[] = { 1, NAN };
	struct sstat_mwu m;
	int i;

	/* 1 of C(6,3) = 20 arrangements is as extreme, twice (two-sided) */
	is_int(sstat_mann_whitney(lo3, 3, hi3, 3, &m), 0, "mwu 3 v 3 disjoint");
	is_near(m.u, 0, "U = 0 when every a is below every b");
	ok(m.exact, "no ties, small: exact");
	is_close(m.p, 0.1, "p = 2/20");
	sstat_mann_whitney(hi3, 3, lo3, 3, &m);
	is_near(m.u, 9, "swapped: U = 9");
	is_close(m.p, 0.1, "swapped: same p");
	/* U = 3; counts of U = 0..3 are 1, 1, 2, 3: P(U <= 3) = 7/20 */
	sstat_mann_whitney(odd, 3, even, 3, &m);
	is_near(m.u, 3, "interleaved: U = 3");
	is_close(m.p, 0.7, "interleaved: p = 14/20");
	/* 7 v 7 disjoint: the smallest p seven samples can give */
	for (i = 0; i < 7; i++) {
		a[i] = 100 + i;
		b[i] = 110 + i;
	}
	sstat_mann_whitney(a, 7, b, 7, &m);
	is_close(m.p, 2.0 / 3432, "7 v 7 disjoint: p = 2/C(14,7)");
	/* ties: mid-ranks, tie-corrected normal approximation (scipy asymptotic) */
	is_int(sstat_mann_whitney(tie_a, 4, tie_b, 4, &m), 0, "mwu with ties");
	is_near(m.u, 2.5, "ties: U = 12.5 - 10");
	ok(!m.exact, "ties: normal approximation");
	is_close(m.z, 1.4883513944689681, "ties: z");
	is_close(m.p, 0.13665824773814753, "ties: p");
	/* large samples: normal approximation */
	for (i = 0; i < 60; i++) {
		a[i] = i;
		b[i] = 1000 + i;
	}
	sstat_mann_whitney(a, 60, b, 60, &m);
	ok(!m.exact, "60 v 60: normal approximation");
	is_close(m.p, 3.556570974984777e-21, "60 v 60 disjoint: p");
	sstat_mann_whitney(same, 3, same, 3, &m);
	is_close(m.p, 1, "all equal: p = 1");
	is_int(sstat_mann_whitney(lo3, 0, hi3, 3, &m), -EINVAL, "empty sample: -EINVAL");
	is_int(sstat_mann_whitney(nan1, 2, hi3, 3, &m), -EINVAL, "NaN: -EINVAL");
}

int main(void)
{
	test_summaries();
	test_errors();
	test_percentiles();
	test_conversions();
	test_mann_whitney();
	return done_testing();
}
