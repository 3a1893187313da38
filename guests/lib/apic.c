// SPDX-License-Identifier: GPL-2.0
/*
 * apic.c - the local APIC in both of its modes.
 *
 * xAPIC (the boot state): registers in the MMIO page, which the identity
 * map covers with U=1, so CPL3 code can send IPIs without a privilege
 * switch.  x2APIC (after kb_x2apic_enable()): registers are MSRs 0x800 +
 * offset / 16, the ICR is one 64-bit MSR with the destination in bits
 * 63:32, and the MMIO page no longer decodes (an access there would leave
 * the in-kernel LAPIC and reach the VMM as an unexpected MMIO exit).
 */
#include "kb.h"

#define MSR_X2APIC_BASE	0x800
#define MSR_X2APIC_ICR	0x830
#define SVR_ENABLE	0x100
#define SPURIOUS_VEC	0xff
#define ICR_BUSY	(1u << 12)
#define LVT_MASKED	(1u << 16)
#define LVTT_PERIODIC	(1u << 17)
#define TDCR_DIV1	0xb
/* KVM's LAPIC timer counts at 1 GHz unless the VMM set another bus clock. */
#define TIMER_PER_MS	1000000u

static volatile uint32_t *apic_mmio(unsigned reg)
{
	return (volatile uint32_t *)(KB_APIC_BASE + reg);
}

uint32_t kb_apic_read(unsigned reg)
{
	if (kb_x2apic())
		return kb_rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return *apic_mmio(reg);
}

void kb_apic_write(unsigned reg, uint32_t v)
{
	if (kb_x2apic())
		kb_wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		*apic_mmio(reg) = v;
}

void kb_apic_enable(void)
{
	kb_apic_write(KB_APIC_SVR, SVR_ENABLE | SPURIOUS_VEC);
}

unsigned kb_apic_id(void)
{
	uint32_t id = kb_apic_read(KB_APIC_ID);

	return kb_x2apic() ? id : id >> 24;	/* xAPIC: ID in bits 31:24 */
}

/*
 * No wait for the delivery-status bit: KVM's in-kernel LAPIC never leaves
 * it set, and on kvm_pvm each read of it is an exit.  The xAPIC write is
 * two registers; an IRQ handler on this vCPU that sends IPIs between the
 * two would redirect this one (CPL3 cannot mask interrupts around it).
 */
void kb_apic_icr(unsigned apic_id, uint32_t icr_lo)
{
	if (kb_x2apic()) {
		kb_wrmsr(MSR_X2APIC_ICR, (uint64_t)apic_id << 32 | icr_lo);
		return;
	}
	*apic_mmio(KB_APIC_ICR_HI) = apic_id << 24;
	*apic_mmio(KB_APIC_ICR_LO) = icr_lo;
}

void kb_apic_ipi(unsigned apic_id, unsigned vector)
{
	if (!kb_x2apic())
		while (*apic_mmio(KB_APIC_ICR_LO) & ICR_BUSY)
			asm volatile("pause");
	kb_apic_icr(apic_id, vector);	/* fixed delivery, physical, edge */
}

void kb_apic_init_ipi(unsigned apic_id)
{
	kb_apic_icr(apic_id, KB_ICR_INIT | KB_ICR_LEVEL | KB_ICR_ASSERT);
}

void kb_apic_sipi(unsigned apic_id, uint64_t page)
{
	kb_apic_icr(apic_id, KB_ICR_STARTUP | (uint32_t)(page >> 12));
}

static long x2apic_on(void *arg)
{
	uint64_t base = kb_rdmsr(KB_MSR_APIC_BASE);

	kb_wrmsr(KB_MSR_APIC_BASE, base | KB_APIC_BASE_EN | KB_APIC_BASE_EXTD);
	return 0;
}

/* CPL0: the write #GPs where x2APIC is not offered, hence kb_try. */
static long x2apic_enable0(void *arg)
{
	struct kb_fault f;

	if (kb_try(x2apic_on, 0, 0, &f))
		return -1;
	kb_this_cpu()->x2apic = 1;
	return 0;
}

int kb_x2apic_enable(void)
{
	return kb_cpl0(x2apic_enable0, 0);
}

/* The tick: periodic, ~KB_TICK_MS, so that no hlt waits for ever. */
static uint8_t ticking[KB_MAX_VCPUS];

void kb_tick_start(void)
{
	kb_apic_write(KB_APIC_TDCR, TDCR_DIV1);
	kb_apic_write(KB_APIC_LVTT, KB_VEC_TICK | LVTT_PERIODIC);
	kb_apic_write(KB_APIC_TMICT, KB_TICK_MS * TIMER_PER_MS);
	ticking[kb_cpu_id()] = 1;
}

void kb_tick_stop(void)
{
	kb_apic_write(KB_APIC_LVTT, KB_VEC_TICK | LVT_MASKED);
	kb_apic_write(KB_APIC_TMICT, 0);
	ticking[kb_cpu_id()] = 0;
}

long kb_hlt_wait(long (*check)(void *arg), void *arg)
{
	int own = !ticking[kb_cpu_id()];
	long r;

	if (own)
		kb_tick_start();
	/* sti's one-instruction shadow: no interrupt slips in before the hlt. */
	while (!(r = check(arg)))
		asm volatile("sti; hlt; cli" ::: "memory");
	if (own)
		kb_tick_stop();
	return r;
}
