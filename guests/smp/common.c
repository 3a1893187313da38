// SPDX-License-Identifier: GPL-2.0
/*
 * common.c - the smp guest's bounded waits, all-vCPU barrier, collective
 * measurement and work unit.
 */
#include "smp.h"

#define SPINS_PER_CHECK		256
#define LCG_MUL			6364136223846793005ul
#define LCG_ADD			1442695040888963407ul
#define WORK_STEPS		640	/* ~4 cycles a step: ~1 us at 2.6 GHz */

static struct kb_barrier all;

static struct {
	uint64_t iters __attribute__((aligned(64)));
	uint32_t more;
} coll;

uint64_t wait_ms(void)
{
	int64_t ms = kb_param_int("wait_ms", WAIT_MS_DEFAULT);

	return ms > 0 ? ms : WAIT_MS_DEFAULT;
}

int wait_ge(const uint64_t *p, uint64_t v, uint64_t until)
{
	unsigned spins = 0;

	while (ld64(p) < v) {
		if (++spins % SPINS_PER_CHECK == 0 && kb_rdtsc() > until)
			return ld64(p) >= v ? 0 : -1;
		asm volatile("pause");
	}
	return 0;
}

int wait_eq(const uint64_t *p, uint64_t v, uint64_t until)
{
	unsigned spins = 0;

	while (ld64(p) != v) {
		if (++spins % SPINS_PER_CHECK == 0 && kb_rdtsc() > until)
			return ld64(p) == v ? 0 : -1;
		asm volatile("pause");
	}
	return 0;
}

int sync_all(void)
{
	return kb_barrier_wait(&all, nr_cpus(), deadline());
}

int sync_broken(void)
{
	return ld32(&all.broken);
}

void sync_break(void)
{
	kb_barrier_break(&all);
}

uint64_t per_second(uint64_t units, uint64_t cycles)
{
	uint64_t hz = (kb_bi->tsc_khz ? kb_bi->tsc_khz : 1000000) * 1000;

	if (!cycles)
		return 0;
	if (units < ~0ul / hz)		/* no 128-bit division in a freestanding guest */
		return units * hz / cycles;
	return units / (cycles / hz ? cycles / hz : 1);
}

uint64_t work_unit(uint64_t x)
{
	unsigned i;

	for (i = 0; i < WORK_STEPS; i++) {
		x = x * LCG_MUL + LCG_ADD;
		asm volatile("" : "+r"(x));	/* one step at a time: no closed form */
	}
	return x;
}

static uint64_t time_once(kb_bench_fn fn, void *arg, uint64_t n)
{
	uint64_t t0 = kb_rdtsc();

	fn(arg, n);
	return kb_rdtsc() - t0;
}

/*
 * coll_step - one collective run of @fn(@arg, @n) between a start and a
 * decision barrier; vCPU 0's @decide (with the sample) publishes whether
 * another step follows and its n, which everyone reads after the second
 * barrier.  Returns 1 for more, 0 for the end, -1 for a broken barrier.
 */
static int coll_step(kb_bench_fn fn, void *arg, uint64_t *n, uint64_t *t,
		     int (*decide)(uint64_t t, uint64_t *n, void *ctx), void *ctx)
{
	if (sync_all())
		return -1;
	*t = time_once(fn, arg, *n);
	if (kb_cpu_id() == 0) {
		uint64_t next = *n;
		int more = decide(*t, &next, ctx);

		st64(&coll.iters, next);
		st32(&coll.more, more);
	}
	if (sync_all())
		return -1;
	*n = ld64(&coll.iters);
	return ld32(&coll.more);
}

struct coll_ctx {
	uint64_t target, want, taken, budget_end;
	uint64_t *samples;
};

static int decide_iters(uint64_t t, uint64_t *n, void *arg)
{
	struct coll_ctx *c = arg;

	if (t >= c->target || *n >= KBK_MAX_ITERS)
		return 0;
	*n *= 2;
	return 1;
}

static int decide_sample(uint64_t t, uint64_t *n, void *arg)
{
	struct coll_ctx *c = arg;

	c->samples[c->taken++] = t;
	if (c->budget_end && kb_rdtsc() > c->budget_end)
		return 0;
	return c->taken < c->want;
}

int coll_measure(const char *name, kb_bench_fn fn, void *arg, uint64_t budget_ms)
{
	struct coll_ctx c = { .samples = kb_this_cpu()->samples };
	uint64_t n = 1, t;
	int r;

	c.want = kbk_sample_count(kb_param_int("samples", KBK_SAMPLES_DEFAULT), KB_PERCPU_SAMPLES);
	c.target = kbk_sample_target(kb_param_int("sample_us", KBK_SAMPLE_US_DEFAULT),
				     kb_bi->tsc_khz);
	if (budget_ms)
		c.budget_end = kb_deadline_ms(budget_ms);
	fn(arg, 1);			/* untimed: warm up, and a first meeting */
	while ((r = coll_step(fn, arg, &n, &t, decide_iters, &c)) > 0)
		;
	if (r < 0)
		return -1;
	while ((r = coll_step(fn, arg, &n, &t, decide_sample, &c)) > 0)
		;
	if (r < 0)
		return -1;
	if (kb_cpu_id() == 0)
		kb_metric(name, "cycles", n, c.samples, c.taken);
	return 0;
}
