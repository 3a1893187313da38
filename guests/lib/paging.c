// SPDX-License-Identifier: GPL-2.0
/*
 * paging.c - editing the guest's own page tables.
 *
 * The VMM builds an identity map of [0, 4 GiB) with 2M pages rooted at
 * KB_PT_BASE, mapped with U=1 like everything else, so a test at CPL3 can
 * read and write entries directly; only the flush needs CPL0.  Page-table
 * pages for finer mappings come from kb_alloc().
 */
#include "kb.h"

#define PAGE	4096ul

static uint64_t alloc_next;

uint64_t kb_ram_end(void)
{
	return kb_bi->ram_size;
}

uint64_t kb_alloc(uint64_t size, uint64_t align)
{
	uint64_t p, old;

	do {
		old = __atomic_load_n(&alloc_next, __ATOMIC_ACQUIRE);
		p = old ? old : kb_bi->free_base;
		p = (p + align - 1) & ~(align - 1);
		if (p + size > kb_bi->ram_size || p + size < p)
			return 0;
	} while (!__atomic_compare_exchange_n(&alloc_next, &old, p + size, 0,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	return p;
}

static uint64_t *table_new(void)
{
	uint64_t t = kb_alloc(PAGE, PAGE);

	if (t)
		memset((void *)t, 0, PAGE);
	return (uint64_t *)t;
}

static unsigned idx(uint64_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

uint64_t *kb_pte(uint64_t va, int level)
{
	uint64_t *t = (uint64_t *)KB_PT_BASE;
	int l;

	for (l = 4; l > level; l--) {
		uint64_t e = t[idx(va, l)];

		if (!(e & KB_PTE_P) || (l <= 3 && (e & KB_PTE_PS)))
			return 0;
		t = (uint64_t *)(e & KB_PTE_ADDR);
	}
	return &t[idx(va, level)];
}

uint64_t *kb_pte_leaf(uint64_t va, int *level)
{
	int l;

	for (l = 3; l >= 1; l--) {
		uint64_t *e = kb_pte(va, l);

		if (!e)
			return 0;
		if (l == 1 || (*e & KB_PTE_PS) || !(*e & KB_PTE_P)) {
			*level = l;
			return e;
		}
	}
	return 0;
}

/* table_of - the table an entry at @level points to, made (from a leaf) if needed. */
static uint64_t *table_of(uint64_t *e)
{
	uint64_t *t;

	if ((*e & KB_PTE_P) && !(*e & KB_PTE_PS))
		return (uint64_t *)(*e & KB_PTE_ADDR);
	t = table_new();
	if (t)
		*e = (uint64_t)t | KB_PTE_DEFAULT;
	return t;
}

static int map_one(uint64_t va, unsigned shift, uint64_t flags)
{
	uint64_t *pdpte = kb_pte(va, 3), *pd, *pt;

	if (!pdpte)
		return -1;
	if (shift == 30) {
		*pdpte = va | flags | KB_PTE_PS;
		return 0;
	}
	pd = table_of(pdpte);
	if (!pd)
		return -1;
	if (shift == 21) {
		pd[idx(va, 2)] = va | flags | KB_PTE_PS;
		return 0;
	}
	pt = table_of(&pd[idx(va, 2)]);
	if (!pt)
		return -1;
	pt[idx(va, 1)] = va | flags;
	return 0;
}

static long flush(void *arg)
{
	uint64_t cr3;

	asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) :: "memory");
	return 0;
}

void kb_flush_tlb(void)
{
	kb_cpl0(flush, 0);
}

static long invlpg(void *va)
{
	asm volatile("invlpg (%0)" :: "r"(va) : "memory");
	return 0;
}

void kb_invlpg(uint64_t va)
{
	kb_cpl0(invlpg, (void *)va);
}

int kb_map(uint64_t va, uint64_t len, unsigned shift, uint64_t flags)
{
	uint64_t size = 1ul << shift, a;

	if ((shift != 12 && shift != 21 && shift != 30) || (va | len) & (size - 1))
		return -1;
	for (a = va; a < va + len; a += size)
		if (map_one(a, shift, flags))
			return -1;
	kb_flush_tlb();
	return 0;
}
