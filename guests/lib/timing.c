// SPDX-License-Identifier: GPL-2.0
/*
 * timing.c - cycles per operation, the kvm-unit-tests way: double the
 * iteration count until one sample is long enough to be stable, then take
 * K samples.  Statistics are the host's job: the guest sends raw samples.
 */
#include "kb.h"

#define MAX_ITERS	(1ull << 32)

struct measure {
	kb_bench_fn fn;
	void *arg;
	uint64_t target;	/* cycles one sample must last */
	uint64_t nsamples;
	uint64_t iters;
	uint64_t *samples;
};

static uint64_t time_once(struct measure *m, uint64_t iters)
{
	uint64_t t0 = kb_rdtsc();

	m->fn(m->arg, iters);
	return kb_rdtsc() - t0;
}

/* Runs at the CPL being measured. */
static long measure_run(void *arg)
{
	struct measure *m = arg;
	uint64_t n = 1, i;

	time_once(m, 1);	/* warm caches, TLB and the host's shadow tables */
	while (n < MAX_ITERS && time_once(m, n) < m->target)
		n *= 2;
	for (i = 0; i < m->nsamples; i++)
		m->samples[i] = time_once(m, n);
	m->iters = n;
	return 0;
}

void kb_measure(const char *name, unsigned cpl, kb_bench_fn fn, void *arg)
{
	struct kb_percpu *pc = kb_this_cpu();
	int64_t us = kb_param_int("sample_us", 1000);
	int64_t k = kb_param_int("samples", 11);
	struct measure m = { .fn = fn, .arg = arg, .samples = pc->samples };

	if (k < 1)
		k = 1;
	if (k > KB_PERCPU_SAMPLES)
		k = KB_PERCPU_SAMPLES;
	m.nsamples = k;
	m.target = (us > 0 ? us : 1) * (kb_bi->tsc_khz ? kb_bi->tsc_khz : 1000000) / 1000;
	if (cpl == 0)
		kb_cpl0(measure_run, &m);
	else
		kb_cpl3(measure_run, &m);
	kb_metric(name, "cycles", m.iters, m.samples, m.nsamples);
}
