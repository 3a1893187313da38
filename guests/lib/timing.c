// SPDX-License-Identifier: GPL-2.0
/*
 * timing.c - cycles per operation, the kvm-unit-tests way: double the
 * iteration count until one sample is long enough to be stable, then take
 * K samples.  Statistics are the host's job: the guest sends raw samples.
 */
#include "kb.h"

struct measure {
	kb_bench_fn fn;
	void *arg;
	uint64_t target;	/* cycles one sample must last */
	uint64_t nsamples;
	uint64_t iters;
	uint64_t *samples;
};

/* Runs at the CPL being measured. */
static long measure_run(void *arg)
{
	struct measure *m = arg;

	m->iters = kbk_sample(m->fn, m->arg, m->target, m->samples, m->nsamples, kb_mark);
	return 0;
}

void kb_measure(const char *name, unsigned cpl, kb_bench_fn fn, void *arg)
{
	struct kb_percpu *pc = kb_this_cpu();
	struct measure m = { .fn = fn, .arg = arg, .samples = pc->samples };

	m.nsamples = kbk_sample_count(kb_param_int("samples", KBK_SAMPLES_DEFAULT),
				      KB_PERCPU_SAMPLES);
	m.target = kbk_sample_target(kb_param_int("sample_us", KBK_SAMPLE_US_DEFAULT),
				     kb_bi->tsc_khz);
	if (cpl == 0)
		kb_cpl0(measure_run, &m);
	else
		kb_cpl3(measure_run, &m);
	kb_metric(name, "cycles", m.iters, m.samples, m.nsamples);
}
