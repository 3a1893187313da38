// SPDX-License-Identifier: GPL-2.0
/*
 * tlb - what TLB maintenance costs and whether it does what the
 * architecture promises.
 *
 * Costs: invlpg, mov to CR3 (same root, another root), a CR4.PGE toggle,
 * PCID switches without a flush and INVPCID where CPUID offers them.  They
 * are privileged, so they run at CPL0, where some hosts (kvm_pvm) emulate
 * every instruction: each is reported beside an empty CPL0 loop measured in
 * the same test, and every loop is written in asm so that an operation's
 * loop is the empty loop plus the operation.
 *
 * Checks: a page of test VAs is pointed at one of two physical pages with
 * different contents (page A, page B), the PTE is rewritten at CPL3 and the
 * VA is read back at CPL3 (natively: a CPL0 read may be emulated, and the
 * emulator walks the page tables instead of using the TLB) around each flush.
 * What a flush must make visible is a check (conformance).  What a CPU may
 * keep but need not (a global translation over a CR3 load, another PCID's
 * translations over a no-flush switch, a translation a remote vCPU was not
 * told to flush) is an observation: recorded with what was seen, never a
 * failure, since a TLB may drop any entry at any time and hosts that shadow
 * the page tables resync them on their own.
 *
 * Whether the vCPU has PCIDs and INVPCID is read with CPUID at CPL0: that is
 * the CPUID the VMM gave it (on kvm_pvm, CPUID at CPL3 may answer with the
 * host's own leaves; pagewalk:page_1g checks that they agree).
 *
 * Every vCPU runs every test; each uses its own VAs (one PDPTE per vCPU
 * above 4 GiB), except `shootdown`, where vCPU 0 changes a shared mapping
 * and IPIs the others to invlpg it.
 */
#include "kb.h"

#define PAGE			4096ul
#define CR4_PGE			(1ul << 7)
#define CR4_PCIDE		(1ul << 17)
#define CR3_NOFLUSH		(1ul << 63)
#define CR3_PCID_MASK		0xffful
#define CPUID1_ECX_PCID		(1u << 17)
#define CPUID7_EBX_INVPCID	(1u << 10)

#define TAG_A			0xaaaaaaaaaaaaaaaaul
#define TAG_B			0xbbbbbbbbbbbbbbbbul
/* Each vCPU's test VAs: above guest RAM and the MMIO hole, one PDPTE each. */
#define TEST_VA(cpu)		((8ul + (cpu)) << 30)
#define SHOOT_VA		(7ul << 30)
#define SHOOT_VEC		(KB_IRQ_FIRST + 1)
#define SHOOT_TAG(r)		(0x5d00000000000000ul | (r))
#define SHOOT_MAX_ROUNDS	KB_PERCPU_SAMPLES
#define WAIT_S			2	/* a vCPU that does not answer in 2 s has lost an IPI */

static const char *const vec_names[32] = {
	[6] = "#UD", [13] = "#GP", [14] = "#PF",
};

static const char *vec_name(unsigned long v)
{
	return v < 32 && vec_names[v] ? vec_names[v] : "an exception";
}

/* --- CPL0 helpers -------------------------------------------------------- */

static long cpl0_read_cr3(void *arg)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static long cpl0_read_cr4(void *arg)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static long cpl0_write_cr3(void *arg)
{
	asm volatile("mov %0, %%cr3" :: "r"(arg) : "memory");
	return 0;
}

static long cpl0_reload_cr3(void *arg)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(v) :: "memory");
	return 0;
}

static long cpl0_pge_toggle(void *arg)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	asm volatile("mov %0, %%cr4" :: "r"(v & ~CR4_PGE) : "memory");
	asm volatile("mov %0, %%cr4" :: "r"(v) : "memory");
	return 0;
}

static uint64_t read_cr3(void) { return kb_cpl0(cpl0_read_cr3, 0); }
static uint64_t read_cr4(void) { return kb_cpl0(cpl0_read_cr4, 0); }
static void write_cr3(uint64_t v) { kb_cpl0(cpl0_write_cr3, (void *)v); }

/* --- test pages ---------------------------------------------------------- */

/* A few VAs of this vCPU, each pointed at page A or page B. */
struct tpages {
	uint64_t base;
	uint64_t pa[2];
};

static void fill(uint64_t pa, uint64_t tag)
{
	uint64_t *p = (uint64_t *)pa;
	unsigned i;

	for (i = 0; i < PAGE / 8; i++)
		p[i] = tag;
}

static uint64_t va_of(const struct tpages *t, unsigned slot)
{
	return t->base + slot * PAGE;
}

/* point - slot's PTE to page @page (0 = A, 1 = B) with @extra bits; no flush. */
static void point(const struct tpages *t, unsigned slot, unsigned page, uint64_t extra)
{
	volatile uint64_t *pte = kb_pte(va_of(t, slot), 1);

	*pte = t->pa[page] | KB_PTE_DEFAULT | extra;
}

/* peek - read a slot at the current CPL (CPL3 in tests: through the TLB). */
static uint64_t peek(const struct tpages *t, unsigned slot)
{
	return *(volatile uint64_t *)va_of(t, slot);
}

static const char *which(uint64_t v)
{
	return v == TAG_A ? "A" : v == TAG_B ? "B" : "neither";
}

/* tpages_init - @nslots 4K VAs of this vCPU, all on page A (non-global), TLB flushed. */
static int tpages_init(struct tpages *t, unsigned nslots)
{
	unsigned i;

	t->base = TEST_VA(kb_cpu_id());
	t->pa[0] = kb_alloc(PAGE, PAGE);
	t->pa[1] = kb_alloc(PAGE, PAGE);
	if (!t->pa[0] || !t->pa[1]) {
		kb_check("setup", 0, "kb_alloc: guest RAM ran out");
		return -1;
	}
	fill(t->pa[0], TAG_A);
	fill(t->pa[1], TAG_B);
	/* Builds the PD and PT (the identity PTEs it writes are replaced at once). */
	if (kb_map(t->base, nslots * PAGE, 12, KB_PTE_DEFAULT)) {
		kb_check("setup", 0, "kb_map of %u pages at 0x%lx failed", nslots, t->base);
		return -1;
	}
	for (i = 0; i < nslots; i++)
		point(t, i, 0, 0);
	kb_flush_tlb();
	return 0;
}

/* second_root - a PML4 that maps the same as the current one: a copy of the top level. */
static uint64_t second_root(uint64_t cr3)
{
	uint64_t r = kb_alloc(PAGE, PAGE);

	if (r)
		memcpy((void *)r, (void *)(cr3 & KB_PTE_ADDR), PAGE);
	return r;
}

/* --- costs --------------------------------------------------------------- */

/*
 * Every loop is "op; dec; jnz": the empty loop without the op, so that
 * (figure - empty_loop.cpl0) is what the op adds where CPL0 is emulated.
 */
static void bench_empty(void *arg, uint64_t n)
{
	asm volatile("1: dec %0; jnz 1b" : "+r"(n) :: "memory");
}

static void bench_invlpg(void *arg, uint64_t n)
{
	asm volatile("1: invlpg (%1); dec %0; jnz 1b" : "+r"(n) : "r"(arg) : "memory");
}

static void bench_cr3_same(void *arg, uint64_t n)
{
	uint64_t cr3;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	asm volatile("1: mov %1, %%cr3; dec %0; jnz 1b" : "+r"(n) : "r"(cr3) : "memory");
}

/* Alternate between two roots (@arg: uint64_t[2], the current one first); end on the first. */
static void bench_cr3_other(void *arg, uint64_t n)
{
	const uint64_t *root = arg;

	asm volatile("1:	mov %2, %%cr3\n"
		     "	dec %0\n"
		     "	jz 2f\n"
		     "	mov %1, %%cr3\n"
		     "	dec %0\n"
		     "	jnz 1b\n"
		     "	jmp 3f\n"
		     "2:	mov %1, %%cr3\n"	/* odd count: back to the first root */
		     "3:\n"
		     : "+r"(n) : "r"(root[0]), "r"(root[1]) : "memory");
}

/* One op = clear PGE and set it again (two CR4 writes: the loop has one more insn). */
static void bench_pge_toggle(void *arg, uint64_t n)
{
	uint64_t cr4;

	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	asm volatile("1: mov %1, %%cr4; mov %2, %%cr4; dec %0; jnz 1b"
		     : "+r"(n) : "r"(cr4 & ~CR4_PGE), "r"(cr4) : "memory");
}

KB_TEST(costs, "invlpg, mov cr3 (same/other root), CR4.PGE toggle at CPL0, beside an empty loop")
{
	struct tpages t;
	uint64_t root[2];

	if (tpages_init(&t, 1))
		return;
	(void)peek(&t, 0);
	root[0] = read_cr3();
	root[1] = second_root(root[0]);
	if (!root[1]) {
		kb_check("setup", 0, "kb_alloc: no page for a second PML4");
		return;
	}
	kb_measure("empty_loop.cpl0", 0, bench_empty, 0);
	kb_measure("invlpg.cpl0", 0, bench_invlpg, (void *)t.base);
	kb_measure("mov_cr3_same.cpl0", 0, bench_cr3_same, 0);
	kb_measure("mov_cr3_other.cpl0", 0, bench_cr3_other, root);
	kb_measure("cr4_pge_toggle.cpl0", 0, bench_pge_toggle, 0);
	kb_check("cr3_restored", read_cr3() == root[0],
		 "CR3 is 0x%lx after the measurements, was 0x%lx", read_cr3(), root[0]);
}

/* --- invlpg -------------------------------------------------------------- */

static long cpl0_nothing(void *arg)
{
	return 0;
}

KB_TEST(invlpg, "after a PTE change, invlpg makes the new translation visible (read at CPL3)")
{
	uint64_t before, noflush, gate, after;
	struct tpages t;

	if (tpages_init(&t, 1))
		return;
	before = peek(&t, 0);		/* caches VA -> A */
	point(&t, 0, 1, 0);		/* VA -> B, no flush yet */
	noflush = peek(&t, 0);
	kb_cpl0(cpl0_nothing, 0);	/* does the trip to CPL0 alone flush? */
	gate = peek(&t, 0);
	kb_invlpg(t.base);
	after = peek(&t, 0);
	kb_check("invlpg_new_translation", before == TAG_A && after == TAG_B,
		 "read %s after invlpg (want B); %s before the PTE change, %s after it without a flush, %s after a trip to CPL0 without a flush",
		 which(after), which(before), which(noflush), which(gate));
}

/* --- CR3 reloads and global pages ---------------------------------------- */

KB_TEST(cr3, "mov cr3 drops non-global translations (global: observed); a PGE toggle drops all")
{
	uint64_t ng0, g0, ng_nf, g_nf, ng1, g1, g2, o0, o_nf, o1, cr4, root[2];
	struct tpages t;

	if (tpages_init(&t, 2))
		return;
	cr4 = read_cr4();
	root[0] = read_cr3();
	root[1] = second_root(root[0]);
	if (!root[1]) {
		kb_check("setup", 0, "kb_alloc: no page for a second PML4");
		return;
	}
	/* Slot 0 non-global, slot 1 global, both on A: cache both, then point both at B. */
	point(&t, 1, 0, KB_PTE_G);
	kb_cpl0(cpl0_pge_toggle, 0);
	ng0 = peek(&t, 0);
	g0 = peek(&t, 1);
	point(&t, 0, 1, 0);
	point(&t, 1, 1, KB_PTE_G);
	ng_nf = peek(&t, 0);
	g_nf = peek(&t, 1);
	kb_cpl0(cpl0_reload_cr3, 0);
	ng1 = peek(&t, 0);
	g1 = peek(&t, 1);
	kb_check("cr3_same_drops_nonglobal", ng0 == TAG_A && ng1 == TAG_B,
		 "non-global VA read %s after mov cr3 (same root; want B), %s before the PTE change, %s after it without a flush",
		 which(ng1), which(ng0), which(ng_nf));
	/* Keeping a global translation is allowed, not required: what was seen. */
	if (!(cr4 & CR4_PGE))
		kb_skip("cr3_same_global", "CR4.PGE is clear (CR4 0x%lx): no global pages", cr4);
	else
		kb_observe("cr3_same_global", g1 == TAG_A, g1 == TAG_A ? "kept" :
			   g1 == TAG_B ? "dropped" : "neither",
			   "global VA read %s after mov cr3 (same root; kept = A), %s before the PTE change, %s after it without a flush",
			   which(g1), which(g0), which(g_nf));

	/* The global VA on A again, cached, then pointed at B: only the PGE toggle in between. */
	point(&t, 1, 0, KB_PTE_G);
	kb_cpl0(cpl0_pge_toggle, 0);
	g0 = peek(&t, 1);
	point(&t, 1, 1, KB_PTE_G);
	g_nf = peek(&t, 1);
	kb_cpl0(cpl0_pge_toggle, 0);
	g2 = peek(&t, 1);
	kb_check("pge_toggle_drops_global", g0 == TAG_A && g2 == TAG_B,
		 "global VA read %s after clearing and setting CR4.PGE (want B), %s before the PTE change, %s after it without a flush",
		 which(g2), which(g0), which(g_nf));

	/* Another root that maps the same: switching to it drops non-global translations too. */
	point(&t, 0, 0, 0);
	kb_invlpg(t.base);
	o0 = peek(&t, 0);
	point(&t, 0, 1, 0);
	o_nf = peek(&t, 0);
	write_cr3(root[1]);
	o1 = peek(&t, 0);
	write_cr3(root[0]);
	kb_check("cr3_other_drops_nonglobal", o0 == TAG_A && o1 == TAG_B,
		 "non-global VA read %s after mov cr3 to another root (want B), %s before the PTE change, %s after it without a flush",
		 which(o1), which(o0), which(o_nf));
}

/* --- PCID ---------------------------------------------------------------- */

struct cr4_try {
	uint64_t cr3, cr4;
	int vector;
	struct kb_fault f;
};

static long set_cr4(void *arg)
{
	asm volatile("mov %0, %%cr4" :: "r"(arg) : "memory");
	return 0;
}

/* CPL0: CR3 with PCID 0 and no flags, then try to set CR4 (PCIDE needs CR3[11:0] = 0). */
static long cpl0_try_cr4(void *arg)
{
	struct cr4_try *c = arg;

	asm volatile("mov %0, %%cr3" :: "r"(c->cr3) : "memory");
	c->vector = kb_try(set_cr4, (void *)c->cr4, 0, &c->f);
	return 0;
}

static void bench_cr3_noflush(void *arg, uint64_t n)
{
	bench_cr3_other(arg, n);
}

static const char *const pcid_checks[] = {
	"pcid_other_walks_anew", "pcid_noflush_other", "pcid_flush_drops_own",
	"mov_cr3_noflush.cpl0",
};

static void pcid_skip_all(const char *why)
{
	unsigned i;

	for (i = 0; i < sizeof(pcid_checks) / sizeof(pcid_checks[0]); i++)
		kb_skip(pcid_checks[i], "%s", why);
}

KB_TEST(pcid, "PCIDs where CPUID has them: CR4.PCIDE, flushes per PCID, a no-flush switch's cost")
{
	uint64_t a1, b2, a1_nf, b1, cr3, cr4, root[2];
	struct cr4_try c = { 0 };
	struct tpages t;
	uint32_t r[4];

	kb_cpuid0(1, 0, r);
	if (!(r[2] & CPUID1_ECX_PCID)) {
		kb_skip("pcide_set", "CPUID.1:ECX.PCID (bit 17) is 0 at CPL0: no PCIDs on this vCPU");
		pcid_skip_all("CPUID.1:ECX.PCID (bit 17) is 0 at CPL0: no PCIDs on this vCPU");
		return;
	}
	if (tpages_init(&t, 1))
		return;
	cr3 = read_cr3();
	cr4 = read_cr4();
	c.cr3 = cr3 & ~CR3_PCID_MASK;
	c.cr4 = cr4 | CR4_PCIDE;
	kb_cpl0(cpl0_try_cr4, &c);
	/* CPUID offers PCIDs: in long mode with CR3[11:0] = 0, CR4.PCIDE must take. */
	if (!kb_check("pcide_set", !c.vector,
		      "CPUID.1:ECX.PCID is 1; setting CR4.PCIDE (CR4 0x%lx, CR3 0x%lx, long mode) %s%s (vector %lu, error code 0x%lx)",
		      c.cr4, c.cr3, c.vector ? "raised " : "worked", c.vector ? vec_name(c.f.vector) : "",
		      c.vector ? c.f.vector : 0, c.vector ? c.f.error_code : 0)) {
		pcid_skip_all("CR4.PCIDE could not be set (pcide_set)");
		return;
	}
	/* PCID 1 caches VA -> A; point VA at B; PCID 2 (no flush) must walk anew. */
	write_cr3(c.cr3 | 1);
	a1 = peek(&t, 0);
	point(&t, 0, 1, 0);
	write_cr3(c.cr3 | 2 | CR3_NOFLUSH);
	b2 = peek(&t, 0);
	write_cr3(c.cr3 | 1 | CR3_NOFLUSH);
	a1_nf = peek(&t, 0);
	write_cr3(c.cr3 | 1);
	b1 = peek(&t, 0);
	kb_check("pcid_other_walks_anew", b2 == TAG_B,
		 "PCID 2, never used before, read %s after the PTE change (want B)", which(b2));
	/* Keeping PCID 1's translation over the no-flush switches is allowed, not required. */
	kb_observe("pcid_noflush_other", a1_nf == TAG_A, a1_nf == TAG_A ? "kept" :
		   a1_nf == TAG_B ? "dropped" : "neither",
		   "back on PCID 1 with the no-flush bit the VA read %s (kept = A; %s before the PTE change)",
		   which(a1_nf), which(a1));
	kb_check("pcid_flush_drops_own", b1 == TAG_B,
		 "a mov cr3 to PCID 1 without the no-flush bit, then the VA read %s (want B)", which(b1));
	root[0] = c.cr3 | 1 | CR3_NOFLUSH;
	root[1] = c.cr3 | 2 | CR3_NOFLUSH;
	kb_measure("mov_cr3_noflush.cpl0", 0, bench_cr3_noflush, root);
	/* Back to PCID 0 with a flush, then PCIDE off, as the test found it. */
	write_cr3(c.cr3);
	c.cr4 = cr4;
	kb_cpl0(cpl0_try_cr4, &c);
	write_cr3(cr3);
}

/* --- INVPCID ------------------------------------------------------------- */

enum { INVPCID_ADDR, INVPCID_CONTEXT, INVPCID_ALL_GLOBAL, INVPCID_ALL };

struct invpcid_try {
	uint64_t type;
	struct { uint64_t pcid, addr; } desc;
	int vector;
	struct kb_fault f;
};

static long do_invpcid(void *arg)
{
	struct invpcid_try *p = arg;

	asm volatile("invpcid %0, %1" :: "m"(p->desc), "r"(p->type) : "memory");
	return 0;
}

static long cpl0_try_invpcid(void *arg)
{
	struct invpcid_try *p = arg;

	p->vector = kb_try(do_invpcid, p, 0, &p->f);
	return 0;
}

/* invpcid_check - point both slots at B, INVPCID @type, check what must be new. */
static void invpcid_check(const struct tpages *t, const char *name, uint64_t type, int global_too)
{
	struct invpcid_try p = { .type = type, .desc = { 0, va_of(t, 0) } };
	uint64_t ng, g;

	point(t, 0, 0, 0);
	point(t, 1, 0, KB_PTE_G);
	kb_cpl0(cpl0_pge_toggle, 0);
	(void)peek(t, 0);
	(void)peek(t, 1);
	point(t, 0, 1, 0);
	point(t, 1, 1, KB_PTE_G);
	kb_cpl0(cpl0_try_invpcid, &p);
	ng = peek(t, 0);
	g = peek(t, 1);
	if (p.vector)
		kb_check(name, 0, "INVPCID type %lu raised %s (vector %lu, error code 0x%lx) although CPUID.7.0:EBX.INVPCID is 1",
			 type, vec_name(p.f.vector), p.f.vector, p.f.error_code);
	else if (global_too)
		kb_check(name, ng == TAG_B && g == TAG_B,
			 "after INVPCID type %lu the non-global VA read %s, the global VA %s (want B, B)",
			 type, which(ng), which(g));
	else
		kb_check(name, ng == TAG_B, "after INVPCID type %lu the VA read %s (want B)", type, which(ng));
}

static void bench_invpcid(void *arg, uint64_t n)
{
	struct invpcid_try *p = arg;

	asm volatile("1: invpcid %1, %2; dec %0; jnz 1b"
		     : "+r"(n) : "m"(p->desc), "r"(p->type) : "memory");
}

KB_TEST(invpcid, "INVPCID types 0-3 flush what they must, and their cost, where CPUID offers it")
{
	struct invpcid_try p = { .type = INVPCID_ADDR };
	struct tpages t;
	uint32_t r[4];

	kb_cpuid0(7, 0, r);
	if (!(r[1] & CPUID7_EBX_INVPCID)) {
		kb_skip("invpcid", "CPUID.7.0:EBX.INVPCID (bit 10) is 0 at CPL0: no INVPCID on this vCPU");
		return;
	}
	if (tpages_init(&t, 2))
		return;
	kb_log("CPUID.7.0:EBX reports INVPCID: running it");
	invpcid_check(&t, "invpcid_addr", INVPCID_ADDR, 0);
	invpcid_check(&t, "invpcid_context", INVPCID_CONTEXT, 0);
	invpcid_check(&t, "invpcid_all_nonglobal", INVPCID_ALL, 0);
	invpcid_check(&t, "invpcid_all_global", INVPCID_ALL_GLOBAL, 1);
	p.desc.addr = t.base;
	kb_measure("invpcid_addr.cpl0", 0, bench_invpcid, &p);
	p.type = INVPCID_ALL_GLOBAL;
	kb_measure("invpcid_all.cpl0", 0, bench_invpcid, &p);
}

/* --- cross-vCPU shootdown ------------------------------------------------ */

struct shoot_cpu {
	uint64_t ready, ack, done;
} __attribute__((aligned(64)));

static struct {
	uint64_t pa[2];
	uint64_t *pte;
	uint64_t round;			/* the round being shot down */
	uint64_t no_invlpg;		/* control rounds: the handler only acknowledges */
	uint64_t abort;
	uint64_t barrier_count, barrier_gen;
	struct shoot_cpu cpu[KB_MAX_VCPUS];
} shoot;

static uint64_t shoot_samples[SHOOT_MAX_ROUNDS];

static uint64_t ld(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void st(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

static uint64_t deadline(void)
{
	return kb_rdtsc() + WAIT_S * 1000 * kb_bi->tsc_khz;
}

/* wait_eq - spin at CPL3 until *@p == @v or the deadline or an abort; 0 when it came. */
static int wait_eq(const uint64_t *p, uint64_t v, uint64_t until)
{
	while (ld(p) != v) {
		if (ld(&shoot.abort) || kb_rdtsc() > until)
			return -1;
		asm volatile("pause");
	}
	return 0;
}

static void barrier(void)
{
	uint64_t gen = ld(&shoot.barrier_gen);

	if (__atomic_add_fetch(&shoot.barrier_count, 1, __ATOMIC_ACQ_REL) == kb_bi->nr_vcpus) {
		st(&shoot.barrier_count, 0);
		st(&shoot.barrier_gen, gen + 1);
	} else {
		while (ld(&shoot.barrier_gen) == gen && !ld(&shoot.abort))
			asm volatile("pause");
	}
}

/* The IPI handler, at CPL0: flush the VA, then acknowledge the round. */
static void shoot_irq(unsigned vector)
{
	uint64_t r = ld(&shoot.round);

	if (!ld(&shoot.no_invlpg))
		asm volatile("invlpg (%0)" :: "r"(SHOOT_VA) : "memory");
	st(&shoot.cpu[kb_cpu_id()].ack, r);
}

/* CPL0, interrupts off (the gate): sti; hlt until the handler acknowledged round @arg. */
static long cpl0_wait_hlt(void *arg)
{
	uint64_t *ack = &shoot.cpu[kb_cpu_id()].ack;

	while (ld(ack) != (uint64_t)arg && !ld(&shoot.abort))
		asm volatile("sti; hlt; cli" ::: "memory");
	return 0;
}

static uint64_t shoot_peek(void)
{
	return *(volatile uint64_t *)SHOOT_VA;
}

/* shoot_setup - vCPU 0: SHOOT_VA -> page 0 holding SHOOT_TAG(0); 0 or -1. */
static int shoot_setup(void)
{
	shoot.pa[0] = kb_alloc(PAGE, PAGE);
	shoot.pa[1] = kb_alloc(PAGE, PAGE);
	if (!shoot.pa[0] || !shoot.pa[1] || kb_map(SHOOT_VA, PAGE, 12, KB_PTE_DEFAULT))
		return -1;
	shoot.pte = kb_pte(SHOOT_VA, 1);
	*(volatile uint64_t *)shoot.pa[0] = SHOOT_TAG(0);
	*(volatile uint64_t *)shoot.pte = shoot.pa[0] | KB_PTE_DEFAULT;
	kb_flush_tlb();
	kb_irq_set(SHOOT_VEC, shoot_irq);
	return 0;
}

struct shoot_mode {
	const char *metric, *check, *how;
	int hlt;
	int control;		/* no invlpg in the handler: observed, never checked */
};

static const struct shoot_mode shoot_modes[] = {
	{ "shootdown.recv_spin_cpl3", "shootdown_spin_no_stale", "spinning at CPL3", 0, 0 },
	{ "shootdown.recv_hlt_cpl0", "shootdown_hlt_no_stale", "in sti;hlt at CPL0", 1, 0 },
	{ 0, 0, "no invlpg in the handler", 0, 1 },
};

/* Round @r on vCPU 0: point the VA at the other page, IPI everyone, invlpg, wait for the acks. */
static int shoot_initiate(uint64_t r, uint64_t *cycles, uint64_t *seen, char *why, unsigned len)
{
	unsigned n = kb_bi->nr_vcpus, c;
	uint64_t pa = shoot.pa[r & 1], t0;

	*(volatile uint64_t *)pa = SHOOT_TAG(r);
	for (c = 1; c < n; c++)
		if (wait_eq(&shoot.cpu[c].ready, r, deadline())) {
			kb_snprintf(why, len, "vCPU %u was not ready for round %lu within %d s", c, r, WAIT_S);
			return -1;
		}
	t0 = kb_rdtsc();
	st(&shoot.round, r);
	*(volatile uint64_t *)shoot.pte = pa | KB_PTE_DEFAULT;
	for (c = 1; c < n; c++)
		kb_apic_ipi(kb_cpu_apic_id(c), SHOOT_VEC);
	kb_invlpg(SHOOT_VA);
	for (c = 1; c < n; c++)
		if (wait_eq(&shoot.cpu[c].ack, r, deadline())) {
			kb_snprintf(why, len, "vCPU %u did not acknowledge round %lu within %d s", c, r, WAIT_S);
			return -1;
		}
	*cycles = kb_rdtsc() - t0;
	*seen = shoot_peek();
	for (c = 1; c < n; c++)
		if (wait_eq(&shoot.cpu[c].done, r, deadline())) {
			kb_snprintf(why, len, "vCPU %u did not finish round %lu within %d s", c, r, WAIT_S);
			return -1;
		}
	return 0;
}

/* Round @r on the other vCPUs: cache the old translation, wait for the IPI, read anew. */
static int shoot_receive(uint64_t r, const struct shoot_mode *m, uint64_t *prime, uint64_t *seen)
{
	struct shoot_cpu *me = &shoot.cpu[kb_cpu_id()];

	*prime = shoot_peek();
	st(&me->ready, r);
	if (m->hlt)
		kb_cpl0(cpl0_wait_hlt, (void *)r);
	else if (wait_eq(&me->ack, r, deadline() + WAIT_S * 1000 * kb_bi->tsc_khz))
		return -1;
	if (ld(&shoot.abort))
		return -1;
	*seen = shoot_peek();
	st(&me->done, r);
	return 0;
}

static void shoot_run(const struct shoot_mode *m, uint64_t *round, uint64_t rounds)
{
	uint64_t i, r, prime, seen, last_bad = 0, bad = 0, bad_prime = 0, done = 0;
	unsigned cpu = kb_cpu_id(), c;
	char why[160] = "", wrong[48] = "";

	if (cpu == 0)
		st(&shoot.no_invlpg, m->control);
	barrier();

	for (i = 0; i < rounds; i++) {
		r = ++*round;
		if (cpu == 0) {
			if (shoot_initiate(r, &shoot_samples[i], &seen, why, sizeof(why))) {
				st(&shoot.abort, 1);
				for (c = 1; c < kb_bi->nr_vcpus; c++)	/* wake any hlt */
					kb_apic_ipi(kb_cpu_apic_id(c), SHOOT_VEC);
				break;
			}
		} else {
			if (shoot_receive(r, m, &prime, &seen)) {
				kb_snprintf(why, sizeof(why), "round %lu was abandoned", r);
				break;
			}
			if (prime != SHOOT_TAG(r - 1))
				bad_prime++;
		}
		if (seen != SHOOT_TAG(r)) {
			bad++;
			last_bad = seen;
		}
		done++;
	}
	if (bad)
		kb_snprintf(wrong, sizeof(wrong), " (last wrong value 0x%lx)", last_bad);
	if (m->control) {
		/* Without a remote invlpg a receiver may read either page: what it read. */
		if (cpu)
			kb_observe("shootdown_no_remote_invlpg", bad, bad ? "stale" : "fresh",
				   "vCPU %u, control rounds with %s: read the new page after its ack in %lu of %lu rounds%s: %s",
				   cpu, m->how, done - bad, done, wrong,
				   bad ? "without it stale translations stay" :
				   "the initiator's flush reached it anyway, so a missing remote invlpg goes unseen here");
		return;
	}
	if (cpu == 0 && done == rounds)
		kb_metric(m->metric, "cycles", 1, shoot_samples, rounds);
	if (cpu == 0)
		kb_check(m->check, !why[0] && !bad,
			 "initiator, receivers %s: after the acks of %lu of %lu rounds it read the new page in %lu%s%s%s",
			 m->how, done, rounds, done - bad, wrong, why[0] ? "; " : "", why);
	else
		kb_check(m->check, !why[0] && !bad && !bad_prime,
			 "vCPU %u %s: read the new page after its ack in %lu of %lu rounds%s, the old one before the IPI in %lu%s%s",
			 cpu, m->how, done - bad, rounds, wrong, done - bad_prime, why[0] ? "; " : "", why);
}

KB_TEST(shootdown, "IPI shootdown: latency from PTE change to last ack; no vCPU reads the old page")
{
	int64_t rounds = kb_param_int("rounds", 32);
	uint64_t round = 0;
	unsigned i;

	if (kb_bi->nr_vcpus < 2) {
		kb_skip("shootdown", "needs 2 or more vCPUs; this VM has %u", kb_bi->nr_vcpus);
		return;
	}
	if (rounds < 1 || rounds > SHOOT_MAX_ROUNDS) {
		kb_check("rounds", 0, "parameter rounds=%ld: must be 1..%d", rounds, SHOOT_MAX_ROUNDS);
		return;
	}
	if (kb_cpu_id() == 0) {
		if (shoot_setup()) {
			kb_check("setup", 0, "could not map the shared VA 0x%lx", SHOOT_VA);
			st(&shoot.abort, 1);
		}
	}
	kb_apic_enable();
	barrier();
	if (ld(&shoot.abort))
		return;
	kb_flush_tlb();
	barrier();
	for (i = 0; i < sizeof(shoot_modes) / sizeof(shoot_modes[0]); i++) {
		shoot_run(&shoot_modes[i], &round, rounds);
		if (ld(&shoot.abort))
			break;
		barrier();
	}
}
