// SPDX-License-Identifier: GPL-2.0
/*
 * smp.c - a deadline-bounded barrier for CPL3, and the C side of INIT/SIPI
 * starts (the trampoline itself is in trampoline.S).
 */
#include "kb.h"

/* Spins between two looks at the TSC: rdtsc costs ~10 ns at CPL3, a pause ~30. */
#define SPINS_PER_CHECK	256

static uint32_t ld32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void st32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

void kb_barrier_break(struct kb_barrier *b)
{
	st32(&b->broken, 1);
}

/*
 * Sense reversal: each episode waits for the global sense to flip to this
 * vCPU's new local sense, so the count can be reset by the last arrival
 * before anyone leaves, and no episode can be confused with the next.
 */
int kb_barrier_wait(struct kb_barrier *b, unsigned n, uint64_t until)
{
	uint32_t *local = &b->local[kb_cpu_id()].sense;
	uint32_t s = !*local;
	unsigned spins = 0;

	*local = s;
	if (ld32(&b->broken))
		return -1;
	if (__atomic_fetch_add(&b->count, 1, __ATOMIC_ACQ_REL) == n - 1) {
		__atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
		st32(&b->sense, s);
		return 0;
	}
	while (ld32(&b->sense) != s) {
		if (ld32(&b->broken))
			return -1;
		if (++spins % SPINS_PER_CHECK == 0 && kb_rdtsc() > until) {
			kb_barrier_break(b);
			return -1;
		}
		asm volatile("pause");
	}
	return 0;
}

/* --- INIT/SIPI ------------------------------------------------------------ */

/* struct kb_boot_info offsets that trampoline.S uses. */
_Static_assert(__builtin_offsetof(struct kb_boot_info, nr_vcpus) == 12, "trampoline.S BI_NR_VCPUS");
_Static_assert(__builtin_offsetof(struct kb_boot_info, cpu) == 1928, "trampoline.S BI_CPU");
_Static_assert(sizeof(struct kb_cpu_info) == 32, "trampoline.S CPU_SIZE");
_Static_assert(__builtin_offsetof(struct kb_cpu_info, kstack_top) == 0, "trampoline.S CPU_KSTACK");
_Static_assert(__builtin_offsetof(struct kb_cpu_info, apic_id) == 24, "trampoline.S CPU_APIC_ID");

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

/* trampoline.S: the real-mode part that is copied, and what the rest reads. */
extern const char kb_tramp16[], kb_tramp16_end[], kb_tramp16_gdtr[];
extern uint64_t kb_sipi_bi, kb_sipi_cr3;
extern struct desc_ptr kb_sipi_idtr;

/* CPL0: the tables and the root this vCPU runs on, for the APs to take over. */
static long sipi_tables(void *gdtr)
{
	uint64_t cr3;

	asm volatile("sgdt %0" : "=m"(*(struct desc_ptr *)gdtr));
	asm volatile("sidt %0" : "=m"(kb_sipi_idtr));
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	kb_sipi_cr3 = cr3;
	return 0;
}

/* A present 32-bit code segment (P, S, code; D=1, L=0) at KB_SEL_CS32? */
static int has_cs32(const struct desc_ptr *gdtr)
{
	uint64_t d;

	if (gdtr->limit < KB_SEL_CS32 + 7)
		return 0;
	d = *(const uint64_t *)(gdtr->base + KB_SEL_CS32);
	return ((d >> 40) & 0x98) == 0x98 && (d >> 54 & 1) && !(d >> 53 & 1);
}

uint64_t kb_sipi_prepare(void)
{
	uint64_t size = kb_tramp16_end - kb_tramp16;
	struct desc_ptr gdtr;
	uint32_t base32;

	kb_cpl0(sipi_tables, &gdtr);
	if (!has_cs32(&gdtr))
		return 0;
	kb_sipi_bi = (uint64_t)kb_bi;
	memcpy((void *)KB_LOWMEM_BASE, kb_tramp16, size);
	/* Real mode's lgdtl takes a 16-bit limit and a 32-bit base: the GDT sits below 4 GiB. */
	base32 = gdtr.base;
	memcpy((char *)KB_LOWMEM_BASE + (kb_tramp16_gdtr - kb_tramp16), &gdtr.limit, 2);
	memcpy((char *)KB_LOWMEM_BASE + (kb_tramp16_gdtr - kb_tramp16) + 2, &base32, 4);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return KB_LOWMEM_BASE;
}
