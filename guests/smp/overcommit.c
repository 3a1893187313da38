// SPDX-License-Identifier: GPL-2.0
/*
 * overcommit.c - the workload of the CPU-overcommit levels: N VMs of one
 * vCPU, or one VM of N vCPUs, on fewer host CPUs.  What each vCPU gets done
 * and what synchronisation costs when vCPUs wait for descheduled ones.
 *
 * Phases, each ended by vCPU 0 after phase_ms of its TSC time:
 *  (a) free work: work units, counted;
 *  (b) synchronised work: one unit, then the all-vCPU barrier, repeated;
 *  (c) the barrier's cost, measured collectively;
 *  (d) IPI round trips vCPU 0 -> vCPU 1 (xAPIC, CPL3 sender, receiver in
 *      hlt) while the others keep working; alone, a self-IPI round trip.
 * vCPU 0 reports every vCPU's rate of (a) and (b) in units per second of
 * that vCPU's TSC time.
 */
#include "smp.h"

#define PHASE_MS_DEFAULT	200
#define ROUNDS_DEFAULT		32

struct rate {
	uint64_t free, sync;
} __attribute__((aligned(64)));

static struct {
	uint64_t stop_at __attribute__((aligned(64)));	/* (b): the episode after which all stop */
	uint32_t stop;					/* (a): vCPU 0 says the phase is over */
	struct rate rate[KB_MAX_VCPUS];
} oc;

static uint64_t self_hits;
static uint64_t samples[KB_PERCPU_SAMPLES];

static uint64_t phase_cycles(void)
{
	int64_t ms = kb_param_int("phase_ms", PHASE_MS_DEFAULT);

	return kb_tsc_ms(ms > 0 ? ms : PHASE_MS_DEFAULT);
}

/* (a) Units until vCPU 0 has seen phase_ms go by; this vCPU's units per second. */
static uint64_t free_work(void)
{
	uint64_t t0 = kb_rdtsc(), end = t0 + phase_cycles(), units = 0, x = kb_cpu_id(), t;
	int boss = kb_cpu_id() == 0;

	for (;;) {
		x = work_unit(x);
		units++;
		t = kb_rdtsc();
		if (boss ? t >= end : ld32(&oc.stop))
			break;
	}
	if (boss)
		st32(&oc.stop, 1);
	asm volatile("" :: "r"(x));
	return per_second(units, t - t0);
}

/*
 * (b) A unit, then the barrier.  vCPU 0 names the last episode before it
 * arrives at one (stop_at), everyone reads it after leaving: so all run the
 * same number of episodes, however late each one reads.
 */
static int sync_work(uint64_t *rate)
{
	uint64_t t0 = kb_rdtsc(), end = t0 + phase_cycles(), x = kb_cpu_id(), e, last;
	int boss = kb_cpu_id() == 0;

	for (e = 1;; e++) {
		x = work_unit(x);
		if (boss && !ld64(&oc.stop_at) && kb_rdtsc() >= end)
			st64(&oc.stop_at, e);
		if (sync_all())
			return -1;
		last = ld64(&oc.stop_at);
		if (last && e >= last)
			break;
	}
	asm volatile("" :: "r"(x));
	*rate = per_second(e, kb_rdtsc() - t0);
	return 0;
}

static void bench_barrier(void *arg, uint64_t n)
{
	while (n--)
		if (sync_all())
			return;
}

/* --- (d) ------------------------------------------------------------------ */

static void self_irq(unsigned vector)
{
	st64(&self_hits, self_hits + 1);
}

/* One vCPU: IPIs to itself; the round trip ends when the handler has run. */
static int self_ipi(unsigned rounds, char *why, unsigned len)
{
	unsigned apic = kb_cpu_apic_id(0), i;
	uint64_t t0, h;

	kb_irq_set(SELF_VEC, self_irq);
	kb_apic_enable();
	for (i = 0; i < rounds; i++) {
		h = ld64(&self_hits);
		kb_apic_write(KB_APIC_ICR_HI, apic << 24);
		t0 = kb_rdtsc();
		kb_apic_write(KB_APIC_ICR_LO, SELF_VEC);
		if (wait_ge(&self_hits, h + 1, deadline())) {
			kb_snprintf(why, len, "self-IPI %u not handled within %lu ms", i, wait_ms());
			return -1;
		}
		samples[i] = kb_rdtsc() - t0;
	}
	kb_delay_us(SETTLE_MS * 1000);
	kb_metric("ipi_self_rtt.xapic.cpl3", "cycles", 1, samples, rounds);
	h = ld64(&self_hits);
	kb_snprintf(why, len, "self-IPIs handled %lu of %u", h, rounds);
	return h == rounds ? 0 : -1;
}

static struct ipi_cfg rtt_cfg = {
	.recv_hlt = 1, .cpl = 3, .receivers = 1,
	.oneway = "ipi_oneway.xapic.hlt.cpl3", .rtt = "ipi_rtt.xapic.hlt.cpl3",
};

static int ipi_phase(unsigned rounds, char *why, unsigned len)
{
	unsigned me = kb_cpu_id();
	int ret = 0;

	if (nr_cpus() == 1) {
		ret = self_ipi(rounds, why, len);
		kb_check("overcommit_ipi_delivered_once", !ret, "%s", why);
		return 0;
	}
	rtt_cfg.rounds = rounds;
	ipi_init();
	if (me == 0)
		ipi_begin(&rtt_cfg);
	if (sync_all())
		return -1;
	if (me == 0)
		ret = ipi_send(&rtt_cfg, why, len);
	else if (me == 1)
		ret = ipi_receive(&rtt_cfg);
	else
		ipi_idle();
	if (me == 0) {
		char detail[KB_TEXT_MAX - 32];
		int once = ipi_delivered(detail, sizeof(detail));

		kb_check("overcommit_ipi_delivered_once", !ret && once, "%s%s%s",
			 ret ? why : "", ret ? "; " : "", detail);
	}
	return sync_all();
}

/* --- the test ------------------------------------------------------------- */

static void report(void)
{
	unsigned c, n = nr_cpus();

	for (c = 0; c < n; c++)
		samples[c] = ld64(&oc.rate[c].free);
	kb_metric("progress.free", "units/s", 1, samples, n);
	for (c = 0; c < n; c++)
		samples[c] = ld64(&oc.rate[c].sync);
	kb_metric("progress.sync", "units/s", 1, samples, n);
}

static unsigned rounds(void)
{
	int64_t r = kb_param_int("rounds", ROUNDS_DEFAULT);

	return r < 1 ? 1 : r > KB_PERCPU_SAMPLES ? KB_PERCPU_SAMPLES : r;
}

KB_TEST(overcommit, "work rate free and barrier-synchronised, barrier cost, IPI round trip under load")
{
	struct rate *me = &oc.rate[kb_cpu_id()];
	char why[160] = "";
	uint64_t r;

	if (sync_all())
		goto lost;
	st64(&me->free, free_work());
	if (sync_all() || sync_work(&r))
		goto lost;
	st64(&me->sync, r);
	if (coll_measure("barrier.cpl3", bench_barrier, 0, kb_param_int("phase_ms", PHASE_MS_DEFAULT)))
		goto lost;
	if (ipi_phase(rounds(), why, sizeof(why)))
		goto lost;
	if (kb_cpu_id() == 0)
		report();
	return;
lost:
	if (kb_cpu_id() == 0)
		kb_check("overcommit_sync", 0, "a vCPU missed a barrier (%lu ms); rates so far not reported",
			 wait_ms());
}
