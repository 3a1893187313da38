// SPDX-License-Identifier: GPL-2.0
/*
 * cpuspeed.c - probe a host CPU's speed with a short dependent loop.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "cpuspeed.h"
#include "sstat.h"

#define PROBE_ITERS	200000	/* about 50 us on a 3 GHz core */
#define PROBE_RUNS	7

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * spin - an empty counted loop, bound by the front end and the branch
 * unit: what a busy sibling hardware thread takes away first (a latency
 * chain of multiplies leaves it idle ports and does not notice).  It is
 * the shape of the guests' own empty_loop.
 */
int cpu_pin_self(int cpu, cpu_set_t *old)
{
	cpu_set_t one;

	if (cpu < 0 || cpu >= CPU_SETSIZE || pthread_getaffinity_np(pthread_self(), sizeof(*old), old))
		return -1;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return pthread_setaffinity_np(pthread_self(), sizeof(one), &one) ? -1 : 0;
}

void cpu_unpin_self(const cpu_set_t *old)
{
	pthread_setaffinity_np(pthread_self(), sizeof(*old), old);
}

static uint64_t spin(uint64_t x, int n)
{
	int i;

	for (i = 0; i < n; i++)
		__asm__ volatile("" : "+r"(x));
	return x;
}

/*
 * cpuspeed_probe - the median of PROBE_RUNS: a sibling thread that is
 * busy in bursts slows some runs and not others, and the best run would
 * hide it.
 */
double cpuspeed_probe(int cpu)
{
	double t[PROBE_RUNS], t0;
	volatile uint64_t sink;
	cpu_set_t old;
	int i;

	if (cpu_pin_self(cpu, &old))
		return NAN;
	sched_yield();	/* be on @cpu before the clock starts */
	for (i = 0; i < PROBE_RUNS; i++) {
		t0 = now_ns();
		sink = spin(i + 1, PROBE_ITERS);
		t[i] = (now_ns() - t0) / PROBE_ITERS;
	}
	(void)sink;
	cpu_unpin_self(&old);
	qsort(t, PROBE_RUNS, sizeof(t[0]), sstat_cmp_double);
	return t[PROBE_RUNS / 2];
}

void cpuspeed_worst(const cpu_set_t *set, double *ns, int max)
{
	int cpu;

	for (cpu = 0; cpu < max && cpu < CPUSPEED_MAX; cpu++) {
		double t;

		if (!CPU_ISSET(cpu, set))
			continue;
		t = cpuspeed_probe(cpu);
		if (!isnan(t) && (isnan(ns[cpu]) || t > ns[cpu]))
			ns[cpu] = t;
	}
}
