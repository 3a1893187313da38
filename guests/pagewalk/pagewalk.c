// SPDX-License-Identifier: GPL-2.0
/*
 * pagewalk - what a TLB miss costs in a guest, and whether the guest's page
 * walk follows the architecture.
 *
 * Figures (CPL3, where guest code runs natively even on hosts that emulate
 * CPL0; one operation = one memory access):
 *  - chase: a random cycle through a working set of ws_mb MiB, one dependent
 *    load per chase_stride bytes (default one per 4 KiB page);
 *  - stream: a sequential pass, one 8-byte load every `stride` bytes;
 *  - first_touch: writing one byte per 4 KiB page of memory never touched
 *    before (host page faults, and on shadow paging the building of the
 *    shadow tables).
 * The working set is fresh guest RAM mapped with `page` (4k, 2m, 1g) guest
 * pages.  The kernels are those of include/kb_kernels.h, which kvmbench also
 * runs natively for the virtual/native ratio.
 *
 * Checks: accessed and dirty bits at every level of the walk (ad_bits),
 * #PF error codes and CR0.WP (pf_codes), 1G pages against CPUID (page_1g).
 * They work in a window of the address space with page tables of their own
 * (PML4 slot 1), so that nothing else touches the entries they look at.
 */
#include "kb.h"
#include "kb_kernels.h"

#define KIB		1024ul
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)
#define PAGE		(4 * KIB)
#define RAM_LIMIT_MB	((uint64_t)(KB_RAM_MAX / MIB))

#define PF_VEC		14
#define PF_P		0x1ul
#define PF_W		0x2ul
#define PF_U		0x4ul
#define PF_RSVD		0x8ul
#define PF_I		0x10ul
#define CR0_WP		(1ul << 16)
#define MAGIC		0x6b76626d61676963ul

/* --- parameters and the working set -------------------------------------- */

struct ws {
	uint8_t *base;		/* the working set: ws_mb MiB... */
	uint64_t size;
	uint64_t mapped;	/* ...in this much memory mapped with pages of 1 << shift */
	unsigned shift;
	const char *page;
	void *scratch;		/* extra memory the test asked for */
};

static int page_shift(const char *s)
{
	if (!strcmp(s, "4k"))
		return 12;
	if (!strcmp(s, "2m"))
		return 21;
	if (!strcmp(s, "1g"))
		return 30;
	return -1;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

struct cpuid_query {
	uint32_t leaf;
	uint32_t r[4];
};

static long cpuid_query(void *arg)
{
	struct cpuid_query *q = arg;

	kb_cpuid(q->leaf, 0, q->r);
	return 0;
}

/*
 * vcpu_cpuid - CPUID @leaf at CPL3 if @cpl3, else at CPL0.  What the vCPU
 * has is asked at CPL0: at CPL3 the answer may not come from KVM on every
 * host (kvm_pvm runs CPL3 natively, and there the L0 hypervisor answers
 * with the L1 host's CPUID), and KVM's CPUID is the one its MMU follows.
 * pagewalk:page_1g checks that the two agree.
 */
static void vcpu_cpuid(uint32_t leaf, uint32_t r[4], int cpl3)
{
	struct cpuid_query q = { .leaf = leaf };

	if (cpl3)
		cpuid_query(&q);
	else
		kb_cpl0(cpuid_query, &q);
	memcpy(r, q.r, sizeof(q.r));
}

static int pdpe1gb(int cpl3)
{
	uint32_t r[4];

	vcpu_cpuid(0x80000000, r, cpl3);
	if (r[0] < 0x80000001)
		return 0;
	vcpu_cpuid(0x80000001, r, cpl3);
	return !!(r[3] & (1u << 26));
}

static int have_pdpe1gb(void)
{
	return pdpe1gb(0);
}

/* only_vcpu0 - the figures are one vCPU's: the others say so and stop. */
static int only_vcpu0(const char *name)
{
	if (kb_cpu_id() == 0)
		return 1;
	kb_skip(name, "pagewalk measures on vCPU 0 only; vCPU %u idles", kb_cpu_id());
	return 0;
}

/*
 * ws_setup - ws_mb MiB of fresh guest RAM (never touched), aligned to the
 * page size and mapped with the case's page size, plus @extra bytes of
 * scratch.  Returns 0, or -1 when the test was skipped or failed (said).
 */
static int ws_setup(struct ws *w, const char *name, uint64_t extra)
{
	int64_t mb = kb_param_int("ws_mb", KBK_WS_MB_DEFAULT);
	const char *page = kb_param_str("page", KBK_PAGE_DEFAULT);
	int shift = page_shift(page);
	uint64_t align, tables, cur, need, need_mb;

	if (shift < 0 || mb < 1 || (uint64_t)mb > RAM_LIMIT_MB) {
		kb_check("params", 0, "page '%s' (want 4k, 2m or 1g), ws_mb %ld (want 1..%lu)",
			 page, mb, RAM_LIMIT_MB);
		return -1;
	}
	if (shift == 30 && !have_pdpe1gb()) {
		kb_skip(name, "1G guest pages: this vCPU's CPUID has no pdpe1gb (not in KVM_GET_SUPPORTED_CPUID), so a 1G PDPTE is a reserved-bit #PF (pagewalk:page_1g checks it)");
		return -1;
	}
	w->size = mb * MIB;
	w->shift = shift;
	w->page = page;
	/* 2M at least: kb_map() splits a 2M identity page whole, never half of one. */
	align = 1ul << (shift > 21 ? shift : 21);
	w->mapped = align_up(w->size, align);
	/* Page tables: one PT page per 2 MiB for 4K pages; 2M and 1G ones use the VMM's. */
	tables = shift == 12 ? w->mapped / 512 : 0;
	cur = kb_alloc(0, 1);
	need = align_up(align_up(cur, PAGE) + align_up(extra, PAGE), align) + w->mapped + tables;
	need_mb = align_up(need, 2 * MIB) / MIB;
	if (!cur || need > kb_ram_end()) {
		if (need_mb > RAM_LIMIT_MB)
			kb_skip(name, "ws_mb=%ld with %s guest pages needs %lu MiB of guest RAM, more than the %lu MiB a guest can have",
				mb, page, need_mb, RAM_LIMIT_MB);
		else
			kb_skip(name, "ws_mb=%ld with %s guest pages needs at least %lu MiB of guest RAM (set memory: %lu); this guest has %lu MiB",
				mb, page, need_mb, need_mb, kb_ram_end() / MIB);
		return -1;
	}
	/* Scratch first: it fills the gap below W's alignment. */
	w->scratch = extra ? (void *)kb_alloc(extra, PAGE) : 0;
	w->base = (uint8_t *)kb_alloc(w->mapped, align);
	if (!w->base || (extra && !w->scratch) ||
	    kb_map((uint64_t)w->base, w->mapped, shift, KB_PTE_DEFAULT)) {
		kb_check("ws_setup", 0, "could not allocate and map %lu MiB with %s pages",
			 mb, page);
		return -1;
	}
	return 0;
}

/* --- figures ---------------------------------------------------------------- */

static void bench_chase(void *arg, uint64_t n)
{
	void **p = arg;

	*p = kbk_chase(*p, n);
}

KB_TEST(chase, "pointer chase over ws_mb MiB: a random cycle, one dependent load per 4 KiB")
{
	uint64_t stride = kb_param_int("chase_stride", KBK_CHASE_STRIDE_DEFAULT);
	uint64_t seed = kb_param_int("seed", KBK_SEED_DEFAULT);
	uint64_t mb = kb_param_int("ws_mb", KBK_WS_MB_DEFAULT), n;
	struct ws w;
	void *p;

	if (!only_vcpu0("chase"))
		return;
	if (stride < 8 || stride % 8 || stride > mb * MIB) {
		kb_check("params", 0, "chase_stride %lu: want a multiple of 8 from 8 to ws_mb MiB",
			 stride);
		return;
	}
	n = mb * MIB / stride;
	if (ws_setup(&w, "chase", n * sizeof(uint32_t)))
		return;
	p = kbk_chase_build(w.base, n, stride, seed, w.scratch);
	kb_log("chase: %lu MiB at 0x%lx, %s pages, %lu slots of %lu bytes", mb, (uint64_t)w.base,
	       w.page, n, stride);
	p = kbk_chase(p, kbk_warm_count(n));
	kb_measure("chase", 3, bench_chase, &p);
}

static void bench_stream(void *arg, uint64_t n)
{
	kbk_stream(arg, n);
}

KB_TEST(stream, "streaming read over ws_mb MiB: one 8-byte load every `stride` bytes")
{
	uint64_t stride = kb_param_int("stride", KBK_STRIDE_DEFAULT);
	uint64_t mb = kb_param_int("ws_mb", KBK_WS_MB_DEFAULT);
	struct kbk_stream s;
	struct ws w;

	if (!only_vcpu0("stream"))
		return;
	if (stride < 8 || stride % 8 || stride > mb * MIB) {
		kb_check("params", 0, "stride %lu: want a multiple of 8 from 8 to ws_mb MiB",
			 stride);
		return;
	}
	if (ws_setup(&w, "stream", 0))
		return;
	kbk_touch(w.base, w.size, PAGE);
	s = (struct kbk_stream){ .base = w.base, .size = w.size, .stride = stride };
	kb_log("stream: %lu MiB at 0x%lx, %s pages, stride %lu", mb, (uint64_t)w.base, w.page,
	       stride);
	kbk_stream(&s, kbk_warm_count(w.size / stride));
	kb_measure("stream", 3, bench_stream, &s);
}

static uint64_t touch_samples[KB_PERCPU_SAMPLES];

/*
 * first_touch - memory is fresh only once, so kb_measure()'s repetition
 * cannot apply: W is cut into K chunks (K = samples, fewer when W is
 * small; see kbk_touch_chunks()), and the first touch of each chunk is one
 * sample of chunk / 4 KiB operations.
 */
KB_TEST(first_touch, "first write to each 4 KiB page of ws_mb MiB of fresh memory, in chunks")
{
	uint64_t want = kbk_sample_count(kb_param_int("samples", KBK_SAMPLES_DEFAULT),
					 KB_PERCPU_SAMPLES);
	uint64_t k, chunk, i, t0;
	struct ws w;

	if (!only_vcpu0("first_touch") || ws_setup(&w, "first_touch", 0))
		return;
	kbk_touch_chunks(w.size, want, &k, &chunk);
	kb_log("first_touch: %lu chunks of %lu KiB at 0x%lx, %s pages", k, chunk / KIB,
	       (uint64_t)w.base, w.page);
	for (i = 0; i < k; i++) {
		t0 = kb_rdtsc();
		kbk_touch(w.base + i * chunk, chunk, PAGE);
		touch_samples[i] = kb_rdtsc() - t0;
	}
	kb_metric("first_touch", "cycles", chunk / PAGE, touch_samples, k);
}

/* --- a window of the address space with page tables of its own ------------ */

#define WIN_VA		0x8000000000ul		/* PML4 slot 1 */
#define WIN_SLOT(i)	(WIN_VA + (i) * PAGE)	/* 4K pages through win.pt[i] */
#define WIN_2M(j)	(WIN_VA + (j) * 2 * MIB)	/* 2M pages through win.pd[j], j >= 1 */
#define WIN_1G		(WIN_VA + GIB)		/* a 1G page through win.pdpt[1] */
#define WIN_PAGES	8

struct win {
	uint64_t *pdpt, *pd, *pt;
	uint8_t *data;		/* WIN_PAGES pages the 4K slots point at */
	uint8_t *big;		/* a 2 MiB page */
};

static uint64_t *zpage(void)
{
	uint64_t p = kb_alloc(PAGE, PAGE);

	if (p)
		memset((void *)p, 0, PAGE);
	return (uint64_t *)p;
}

static int win_setup(struct win *w)
{
	w->pdpt = zpage();
	w->pd = zpage();
	w->pt = zpage();
	w->data = (uint8_t *)kb_alloc(WIN_PAGES * PAGE, PAGE);
	w->big = (uint8_t *)kb_alloc(2 * MIB, 2 * MIB);
	if (!w->pdpt || !w->pd || !w->pt || !w->data || !w->big) {
		kb_check("window", 0, "out of guest RAM for the test window's tables");
		return -1;
	}
	memset(w->data, 0, WIN_PAGES * PAGE);
	w->pd[0] = (uint64_t)w->pt | KB_PTE_DEFAULT;
	w->pdpt[0] = (uint64_t)w->pd | KB_PTE_DEFAULT;
	*kb_pte(WIN_VA, 4) = (uint64_t)w->pdpt | KB_PTE_DEFAULT;
	kb_flush_tlb();
	return 0;
}

static const char *const level_name[] = { "", "PTE", "PDE", "PDPTE", "PML4E" };

static long do_read(void *p)
{
	return *(volatile uint64_t *)p;
}

static long do_write(void *p)
{
	*(volatile uint64_t *)p = MAGIC;
	return 0;
}

/* --- accessed and dirty bits ------------------------------------------------- */

/*
 * ad_one - access @va (@write or read) so that its translation is cached,
 * clear A and D at every level of the walk to it (the leaf is at @leaf),
 * invlpg, access it once more the same way, and check A at every level
 * and D at the leaf.  After the invlpg the access must walk the tables
 * again, and the walk must set the bits.  @alias is the identity address
 * of the same memory: the data shows that the access really went through
 * @va.
 */
static void ad_one(uint64_t va, int leaf, int write, uint8_t *alias, const char *kind)
{
	static const char *const lvl[] = { "", "pte", "pde", "pdpte", "pml4e" };
	const char *op = write ? "write" : "read";
	uint64_t *e[5] = { 0 }, before, got, v;
	char name[48];
	int l, ok_val;

	if (write)
		*(volatile uint64_t *)va = 0;
	else
		(void)*(volatile uint64_t *)va;
	for (l = 4; l >= leaf; l--) {
		e[l] = kb_pte(va, l);
		*e[l] &= ~(KB_PTE_A | KB_PTE_D);
	}
	before = MAGIC ^ va ^ write;
	*(volatile uint64_t *)alias = before;
	kb_invlpg(va);
	if (write) {
		*(volatile uint64_t *)va = MAGIC;
		got = *(volatile uint64_t *)alias;
		ok_val = got == MAGIC;
	} else {
		got = *(volatile uint64_t *)va;
		ok_val = got == before;
	}
	for (l = 4; l >= leaf; l--) {
		v = *e[l];
		kb_snprintf(name, sizeof(name), "ad_%s_%s_%s_a", op, kind, lvl[l]);
		kb_check(name, ok_val && (v & KB_PTE_A),
			 "%s of 0x%lx, A/D cleared at every level, invlpg, %s again (%s): %s 0x%lx, A=%lu",
			 op, va, op, ok_val ? "the data went through" : "WRONG DATA",
			 level_name[l], v, (v & KB_PTE_A) >> 5);
	}
	v = *e[leaf];
	kb_snprintf(name, sizeof(name), "ad_%s_%s_%s_d", op, kind, lvl[leaf]);
	kb_check(name, ok_val && !!(v & KB_PTE_D) == write,
		 "%s of 0x%lx: leaf %s 0x%lx, D=%lu (want %d)", op, va, level_name[leaf], v,
		 (v & KB_PTE_D) >> 6, write);
}

KB_TEST(ad_bits, "accessed/dirty bits set by the walk at each level after a read and a write")
{
	struct win w;

	if (!only_vcpu0("ad_bits") || win_setup(&w))
		return;
	/* A 4K leaf: PML4E, PDPTE, PDE, PTE. */
	w.pt[0] = (uint64_t)w.data | KB_PTE_DEFAULT;
	ad_one(WIN_SLOT(0), 1, 0, w.data, "4k");
	ad_one(WIN_SLOT(0), 1, 1, w.data, "4k");
	/* A 2M leaf: the PDE is the leaf. */
	w.pd[1] = (uint64_t)w.big | KB_PTE_DEFAULT | KB_PTE_PS;
	ad_one(WIN_2M(1), 2, 0, w.big, "2m");
	ad_one(WIN_2M(1), 2, 1, w.big, "2m");
}

/* --- #PF error codes and CR0.WP ---------------------------------------------- */

/* pf_bits - "I|RSVD|U|W|P", the bits of #PF error code @ec that are set. */
static const char *pf_bits(uint64_t ec, char *buf, unsigned long len)
{
	static const char *const names[] = { "P", "W", "U", "RSVD", "I" };
	unsigned long n = 0;
	int b;

	buf[0] = 0;
	for (b = 4; b >= 0; b--)
		if (ec & (1ul << b) && n < len)
			n += kb_snprintf(buf + n, len - n, "%s%s", n ? "|" : "", names[b]);
	if (!n)
		kb_snprintf(buf, len, "none");
	return buf;
}

/*
 * expect_pf - run @fn(@va) through kb_try at the current CPL: it must take
 * #PF with error code @ec and CR2 = @va.  The detail says what happened.
 */
static int expect_pf(const char *name, kb_fn fn, uint64_t va, uint64_t ec, const char *what)
{
	struct kb_fault f = { 0 };
	char want[32], got[32];
	long ret = 0;
	int vec;

	kb_invlpg(va);
	vec = kb_try(fn, (void *)va, &ret, &f);
	pf_bits(ec, want, sizeof(want));
	if (!vec)
		return kb_check(name, 0, "%s at 0x%lx: no fault (returned 0x%lx); want #PF, error code 0x%lx (%s)",
				what, va, ret, ec, want);
	pf_bits(f.error_code, got, sizeof(got));
	return kb_check(name, vec == PF_VEC && f.error_code == ec && f.cr2 == va,
			"%s at 0x%lx: vector %d, error code 0x%lx (%s), cr2 0x%lx, rip 0x%lx; want #PF 0x%lx (%s)",
			what, va, vec, f.error_code, got, f.cr2, f.rip, ec, want);
}

/* expect_ok - @fn(@va) must not fault (the control of a faulting check). */
static int expect_ok(const char *name, kb_fn fn, uint64_t va, const char *what)
{
	struct kb_fault f = { 0 };
	long ret = 0;
	int vec;

	kb_invlpg(va);
	vec = kb_try(fn, (void *)va, &ret, &f);
	return kb_check(name, !vec, vec ? "%s at 0x%lx: vector %d, error code 0x%lx, cr2 0x%lx" :
			"%s at 0x%lx: no fault, as it must", what, va, vec, f.error_code, f.cr2);
}

static unsigned maxphyaddr(void)
{
	uint32_t r[4];

	vcpu_cpuid(0x80000000, r, 0);
	if (r[0] < 0x80000008)
		return 36;
	vcpu_cpuid(0x80000008, r, 0);
	return r[0] & 0xff;
}

struct wp_case {
	uint64_t va;
	int wp;			/* CR0.WP during the write */
	int vec;
	struct kb_fault f;
	uint64_t cr0_before, cr0_after;
};

/* CPL0: a supervisor write to a read-only page with CR0.WP as asked, then WP put back. */
static long wp_write(void *arg)
{
	struct wp_case *c = arg;
	uint64_t cr0;

	asm volatile("mov %%cr0, %0" : "=r"(cr0));
	c->cr0_before = cr0;
	if (!c->wp)
		asm volatile("mov %0, %%cr0" :: "r"(cr0 & ~CR0_WP) : "memory");
	asm volatile("invlpg (%0)" :: "r"(c->va) : "memory");
	c->vec = kb_try(do_write, (void *)c->va, 0, &c->f);
	asm volatile("mov %0, %%cr0" :: "r"(cr0) : "memory");
	asm volatile("mov %%cr0, %0" : "=r"(c->cr0_after));
	return 0;
}

/* check_wp - one CR0.WP check; returns CR0 as it read after the write (it must be as before). */
static uint64_t check_wp(const char *name, struct win *w, int slot, uint64_t flags, int wp)
{
	struct wp_case c = { .va = WIN_SLOT(slot), .wp = wp };
	uint64_t *data = (uint64_t *)(w->data + PAGE);
	const char *page = flags & KB_PTE_US ? "user" : "supervisor";
	char got[32];

	*data = 0;
	w->pt[slot] = (uint64_t)data | flags;
	kb_cpl0(wp_write, &c);
	pf_bits(c.f.error_code, got, sizeof(got));
	if (wp)
		kb_check(name, c.vec == PF_VEC && c.f.error_code == (PF_P | PF_W) &&
			 c.f.cr2 == c.va,
			 "CPL0 write to a read-only %s page at 0x%lx with CR0.WP=1: %s%d, error code 0x%lx (%s), cr2 0x%lx; want #PF 0x3 (W|P)",
			 page, c.va, c.vec ? "vector " : "no fault, vector ", c.vec, c.f.error_code,
			 got, c.f.cr2);
	else
		kb_check(name, !c.vec && *data == MAGIC,
			 "CPL0 write to a read-only %s page at 0x%lx with CR0.WP=0: %s (vector %d, error code 0x%lx), memory %s",
			 page, c.va, c.vec ? "FAULTED" : "no fault", c.vec, c.f.error_code,
			 *data == MAGIC ? "written" : "NOT written");
	return c.cr0_after ^ c.cr0_before;
}

KB_TEST(pf_codes, "#PF error codes: not present, read-only, supervisor, NX, reserved bit; CR0.WP")
{
	uint64_t data, diff, maxpa = maxphyaddr();
	struct win w;
	int slot = 16;

	if (!only_vcpu0("pf_codes") || win_setup(&w))
		return;
	data = (uint64_t)w.data + PAGE;
	/* Each check has a page of its own, never accessed before: no stale translation. */
	w.pt[slot] = data | KB_PTE_RW | KB_PTE_US;
	expect_pf("pf_not_present_read", do_read, WIN_SLOT(slot++), PF_U,
		  "CPL3 read of a not-present page");
	w.pt[slot] = data | KB_PTE_RW | KB_PTE_US;
	expect_pf("pf_not_present_write", do_write, WIN_SLOT(slot++), PF_U | PF_W,
		  "CPL3 write to a not-present page");
	w.pt[slot] = data | KB_PTE_P | KB_PTE_US;
	expect_ok("pf_read_only_read", do_read, WIN_SLOT(slot), "CPL3 read of a read-only page");
	expect_pf("pf_read_only_write", do_write, WIN_SLOT(slot++), PF_U | PF_W | PF_P,
		  "CPL3 write to a read-only page");
	w.pt[slot] = data | KB_PTE_P | KB_PTE_RW;
	expect_pf("pf_supervisor_read", do_read, WIN_SLOT(slot++), PF_U | PF_P,
		  "CPL3 read of a supervisor page");
	w.pt[slot] = data | KB_PTE_P | KB_PTE_RW;
	expect_pf("pf_supervisor_write", do_write, WIN_SLOT(slot++), PF_U | PF_W | PF_P,
		  "CPL3 write to a supervisor page");

	/* Instruction fetch: a page holding `ret`, executable, then NX. */
	w.data[2 * PAGE] = 0xc3;
	w.pt[slot] = ((uint64_t)w.data + 2 * PAGE) | KB_PTE_DEFAULT;
	expect_ok("pf_exec", (kb_fn)WIN_SLOT(slot), WIN_SLOT(slot),
		  "CPL3 call into an executable page");
	slot++;
	w.pt[slot] = ((uint64_t)w.data + 2 * PAGE) | KB_PTE_DEFAULT | KB_PTE_NX;
	expect_pf("pf_nx_fetch", (kb_fn)WIN_SLOT(slot), WIN_SLOT(slot), PF_I | PF_U | PF_P,
		  "CPL3 call into an NX page");
	slot++;

	/* Reserved bits: an address bit above MAXPHYADDR in a PTE; bit 13 of a 2M PDE. */
	if (maxpa < 52) {
		w.pt[slot] = data | 1ul << maxpa | KB_PTE_DEFAULT;
		expect_pf("pf_rsvd_pte", do_read, WIN_SLOT(slot++), PF_RSVD | PF_U | PF_P,
			  "CPL3 read through a PTE with an address bit above MAXPHYADDR set");
	} else {
		kb_skip("pf_rsvd_pte", "MAXPHYADDR is 52: a PTE has no reserved address bit");
	}
	w.pd[2] = (uint64_t)w.big | KB_PTE_DEFAULT | KB_PTE_PS | 1ul << 13;
	expect_pf("pf_rsvd_pde_2m", do_read, WIN_2M(2), PF_RSVD | PF_U | PF_P,
		  "CPL3 read through a 2M PDE with reserved bit 13 set");

	/* CR0.WP at CPL0 on read-only pages, supervisor and user. */
	diff = check_wp("cr0_wp1_supervisor_page", &w, slot++, KB_PTE_P, 1);
	diff |= check_wp("cr0_wp0_supervisor_page", &w, slot++, KB_PTE_P, 0);
	diff |= check_wp("cr0_wp1_user_page", &w, slot++, KB_PTE_P | KB_PTE_US, 1);
	diff |= check_wp("cr0_wp0_user_page", &w, slot++, KB_PTE_P | KB_PTE_US, 0);
	kb_check("cr0_wp_restored", !diff,
		 "CR0 read back after each write, WP put back: bits that differed from before: 0x%lx", diff);
}

/* --- 1G pages ---------------------------------------------------------------- */

KB_TEST(page_1g, "a 1G page works where CPUID has pdpe1gb, else it is a reserved-bit #PF")
{
	uint64_t va = WIN_1G + KB_IMAGE_BASE, want = *(volatile uint64_t *)KB_IMAGE_BASE;
	struct kb_fault f = { 0 };
	int has = have_pdpe1gb(), user, vec;
	struct win w;
	long got = 0;

	if (!only_vcpu0("page_1g") || win_setup(&w))
		return;
	user = pdpe1gb(1);
	kb_check("pdpe1gb_cpuid_cpl3", user == has,
		 "CPUID 0x80000001 EDX bit 26 (pdpe1gb) is %d at CPL0 and %d at CPL3: CPUID must not depend on the CPL",
		 has, user);
	w.pdpt[1] = KB_PTE_DEFAULT | KB_PTE_PS;		/* guest-physical [0, 1G) */
	kb_invlpg(va);
	vec = kb_try(do_read, (void *)va, &got, &f);
	if (has)
		kb_check("page_1g", !vec && (uint64_t)got == want,
			 "pdpe1gb present: read through a 1G page at 0x%lx: %s%d (error code 0x%lx), read 0x%lx, want 0x%lx",
			 va, vec ? "FAULT, vector " : "no fault, vector ", vec, f.error_code,
			 (uint64_t)got, want);
	else
		kb_check("page_1g",
			 vec == PF_VEC && f.error_code == (PF_RSVD | PF_U | PF_P) && f.cr2 == va,
			 "pdpe1gb absent: read through a 1G PDPTE at 0x%lx: %s%d, error code 0x%lx, cr2 0x%lx; want #PF 0xd (RSVD|U|P)",
			 va, vec ? "vector " : "no fault, vector ", vec, f.error_code, f.cr2);
}
