// SPDX-License-Identifier: GPL-2.0
/*
 * start.c - does every vCPU come up, once, with the APIC ID the topology
 * gave it: as the VMM starts them (bringup) and by INIT/SIPI (sipi).
 */
#include "smp.h"

#define INIT_WAIT_US		10000	/* INIT to SIPI, as the MP spec asks */
#define SIPI_GAP_US		200	/* first to second SIPI */
#define SIPI_SETTLE_MS		20	/* after the last arrival: time for a restart to show */

static struct {
	uint64_t total __attribute__((aligned(64)));
	uint64_t arrived[KB_MAX_VCPUS];
} up;

/* missing - " i:n" for every vCPU i whose count n is not 1; how many. */
static unsigned missing(char *buf, unsigned len, const uint64_t *count)
{
	unsigned c, bad = 0, pos = 0;

	buf[0] = 0;
	for (c = 0; c < nr_cpus(); c++) {
		uint64_t k = ld64(&count[c]);

		if (k == 1)
			continue;
		bad++;
		if (pos < len)
			pos += kb_snprintf(buf + pos, len - pos, " %u:%lu", c, k);
	}
	return bad;
}

KB_TEST(bringup, "every vCPU reaches the test once, with its LAPIC ID == boot info's APIC ID")
{
	unsigned me = kb_cpu_id(), id = kb_apic_id(), want = kb_cpu_apic_id(me);
	char list[160];
	int late;

	__atomic_add_fetch(&up.arrived[me], 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&up.total, 1, __ATOMIC_ACQ_REL);
	kb_log("vCPU %u: APIC ID %u", me, id);
	kb_check("bringup_apic_id", id == want, "vCPU %u: LAPIC ID register %u, boot info says %u",
		 me, id, want);
	if (me != 0)
		return;
	late = wait_ge(&up.total, nr_cpus(), deadline());
	kb_delay_us(SETTLE_MS * 1000);
	kb_check("bringup_all_arrived", !late && !missing(list, sizeof(list), up.arrived),
		 "%lu arrivals of %u vCPUs within %lu ms%s%s", ld64(&up.total), nr_cpus(), wait_ms(),
		 list[0] ? "; not exactly once (vCPU:arrivals):" : "", list);
}

/* --- INIT/SIPI ------------------------------------------------------------ */

static struct {
	uint64_t t_sipi[KB_MAX_VCPUS];
	uint64_t t_arrive[KB_MAX_VCPUS];
	uint64_t first_total;		/* APs in the test before any INIT (reinit=1) */
	uint64_t arrived;
	uint64_t gave_up;		/* the BSP sends no INIT: parked APs may leave */
} sipi_st;

struct park {
	uint64_t until;
};

/* CPL0 hlt until the deadline: only INIT (or the BSP giving up) ends this early. */
static long park_check(void *arg)
{
	if (ld64(&sipi_st.gave_up))
		return -1;
	return kb_rdtsc() > ((struct park *)arg)->until;
}

static long park_hlt(void *arg)
{
	return kb_hlt_wait(park_check, arg);
}

/*
 * An AP.  Came through the trampoline: note the arrival and return (it is
 * done).  Started by the VMM (reinit=1 on a VMM that runs the APs): wait
 * for the INIT that puts it back into wait-for-SIPI, parked in hlt at CPL0
 * as an OS parks an offline CPU.
 */
static void sipi_ap(unsigned me, int reinit)
{
	struct park p;

	if (__atomic_load_n(&kb_sipi_starts[me], __ATOMIC_ACQUIRE)) {
		st64(&sipi_st.t_arrive[me], kb_rdtsc());
		__atomic_add_fetch(&sipi_st.arrived, 1, __ATOMIC_ACQ_REL);
		return;
	}
	if (!reinit)
		return;
	kb_apic_enable();		/* for kb_hlt_wait's tick */
	__atomic_add_fetch(&sipi_st.first_total, 1, __ATOMIC_ACQ_REL);
	p.until = deadline();
	if (kb_cpl0(park_hlt, &p) < 0)
		return;
	kb_check("sipi_reinit", 0, "vCPU %u: no INIT came within %lu ms (parked in hlt at CPL0)",
		 me, wait_ms());
}

/* The MP-spec sequence: INIT, 10 ms, SIPI, 200 us, SIPI; the second must find every AP gone. */
static void sipi_start_all(uint64_t page)
{
	unsigned c, n = nr_cpus();

	for (c = 1; c < n; c++)
		kb_apic_init_ipi(kb_cpu_apic_id(c));
	kb_delay_us(INIT_WAIT_US);
	for (c = 1; c < n; c++) {
		/* The TSC is one clock for all vCPUs (KVM syncs it, INIT leaves it): arrival - SIPI. */
		sipi_st.t_sipi[c] = kb_rdtsc();
		kb_apic_sipi(kb_cpu_apic_id(c), page);
	}
	kb_delay_us(SIPI_GAP_US);
	for (c = 1; c < n; c++)
		kb_apic_sipi(kb_cpu_apic_id(c), page);
}

static void sipi_report(int late)
{
	unsigned c, n = nr_cpus(), pos = 0, got = 0, once = 1;
	uint64_t *lat = kb_this_cpu()->samples;
	char counts[KB_TEXT_MAX - 64];

	for (c = 1; c < n; c++) {
		uint32_t k = __atomic_load_n(&kb_sipi_starts[c], __ATOMIC_ACQUIRE);
		uint64_t t = ld64(&sipi_st.t_arrive[c]);

		once &= k == 1;
		if (t && got < KB_PERCPU_SAMPLES)
			lat[got++] = t - sipi_st.t_sipi[c];
		if (pos < sizeof(counts))
			pos += kb_snprintf(counts + pos, sizeof(counts) - pos, " %u:%u", c, k);
	}
	if (got)
		kb_metric("sipi.start_latency", "cycles", 1, lat, got);
	kb_check("sipi_all_started", !late && got == n - 1,
		 "%u of %u APs reached the test within %lu ms of their SIPI; %u unknown APIC IDs started",
		 got, n - 1, wait_ms(), kb_sipi_strays);
	kb_check("sipi_each_started_once", once && !kb_sipi_strays,
		 "trampoline starts per vCPU (vCPU:count):%s", counts);
}

KB_TEST_FLAGS(sipi, "APs started by INIT, SIPI, SIPI: each arrives once; SIPI-to-test latency",
	      KB_TEST_F_SIPI)
{
	int aps_wait = !!(kb_bi->host_flags & KB_HOST_APS_WAIT);
	int reinit = !aps_wait && kb_param_int("reinit", 0), late;
	unsigned me = kb_cpu_id();
	uint64_t page;

	if (me != 0) {
		sipi_ap(me, reinit);
		return;
	}
	if (nr_cpus() < 2) {
		kb_skip("sipi", "needs 2 or more vCPUs; this VM has %u", nr_cpus());
		return;
	}
	if (!aps_wait && !reinit) {
		kb_skip("sipi", "the VMM started the APs itself (no KB_HOST_APS_WAIT); reinit=1 restarts them");
		return;
	}
	/* reinit: every AP must be in the test before INIT, or it may still be booting. */
	if (reinit && wait_ge(&sipi_st.first_total, nr_cpus() - 1, deadline()))
		kb_log("reinit: only %lu of %u APs reached the test before INIT",
		       ld64(&sipi_st.first_total), nr_cpus() - 1);
	/*
	 * The SDM's BSP sequence enables the BSP's LAPIC first.  KVM needs it
	 * too: until some LAPIC changes, its APIC map can lack the vCPU
	 * created last, and an INIT to it is dropped.
	 */
	kb_apic_enable();
	page = kb_sipi_prepare();
	if (!page) {
		st64(&sipi_st.gave_up, 1);
		kb_check("sipi_all_started", 0,
			 "the GDT has no 32-bit code segment at selector 0x%x for the trampoline", KB_SEL_CS32);
		return;
	}
	sipi_start_all(page);
	late = wait_ge(&sipi_st.arrived, nr_cpus() - 1, deadline());
	kb_delay_us(SIPI_SETTLE_MS * 1000);
	sipi_report(late);
}
