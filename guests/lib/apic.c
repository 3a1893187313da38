// SPDX-License-Identifier: GPL-2.0
/*
 * apic.c - the local APIC through its xAPIC MMIO page, which the identity
 * map covers with U=1, so CPL3 code can send IPIs without a privilege switch.
 */
#include "kb.h"

#define APIC_ID		0x20
#define APIC_SVR	0xf0
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define ICR_BUSY	(1u << 12)

static volatile uint32_t *apic_reg(unsigned off)
{
	return (volatile uint32_t *)(KB_APIC_BASE + off);
}

void kb_apic_enable(void)
{
	*apic_reg(APIC_SVR) = 0x100 | 0xff;	/* software enable, spurious vector 0xff */
}

unsigned kb_apic_id(void)
{
	return *apic_reg(APIC_ID) >> 24;
}

void kb_apic_ipi(unsigned apic_id, unsigned vector)
{
	while (*apic_reg(APIC_ICR_LO) & ICR_BUSY)
		asm volatile("pause");
	*apic_reg(APIC_ICR_HI) = apic_id << 24;
	*apic_reg(APIC_ICR_LO) = vector;	/* fixed delivery, physical, edge */
}
