// SPDX-License-Identifier: GPL-2.0
/*
 * memory - what guest RAM costs when the host shares it (KSM), takes it
 * back (balloon) or backs it in other ways, and that no byte of it is lost
 * on the way.
 *
 * Each test works on `mb` MiB of fresh guest RAM (never touched before;
 * less, said in a log, when the guest has less), on vCPU 0 and at CPL3,
 * where guest code runs natively even on hosts that emulate CPL0.  Figures
 * are cycles per 4 KiB page: the region is cut into `samples` chunks
 * (default 16, at least 5) and each chunk's pass is one sample.
 *
 * Pages check themselves: word 0 is the page's tag (what the page must
 * hold, from its index), words 1..510 follow from the tag, word 511 is a
 * checksum of words 0..510.  Verifying recomputes the checksum and the
 * tag, so a page lost (zeroed), torn or swapped for another is caught.
 * Content depends only on the page's index, `fill` and the VM's index, so
 * identical pages are byte-identical within and across VMs (KSM merges
 * them):
 *   fill=unique  every page differs, and differs per VM (default)
 *   fill=same    every page the same, in every VM
 *   fill=zero    all zero: a zero page's checksum is 0, so it stays zero
 *   fill=half    even pages as `same`, odd pages as `unique`: half mergeable
 *
 * Tests:
 *  - fill: write every page (metric fill: the first write, the host's
 *    first-touch faults included), `passes` - 1 more times (refill), read
 *    and verify (read); check checksums.
 *  - ksm: fill (default `same`), verify, wait at sync point ksm_merge (arg:
 *    the pages KSM can merge: all for same and zero, the even ones for
 *    half, none for unique) while the host lets KSM merge, read (read_after_merge), write
 *    one word per page with this VM's value (cow_write: copy-on-write of a
 *    merged page), again (write_steady), wait at sync point written (the
 *    host releases when every VM of the case wrote); checks
 *    checksums_before_merge, checksums_after_merge, checksums_after_write,
 *    no_cross_vm_write.
 *  - touch: a word in each 4 KiB page, the region mapped with `page` (4k,
 *    2m) guest pages: first_touch, second_touch (the next pass: under
 *    kvm_pvm it still costs 3-4 times a later one, falling as it goes),
 *    then steady over the `passes` - 2 passes left; check touched.
 *  - balloon: fill unique, verify, give `balloon_mb` MiB (default mb / 2,
 *    2 MiB aligned, 1 GiB aligned when it is whole GiBs) back to the host;
 *    checks balloon_call, balloon_zeroed, balloon_rest_intact; metric
 *    retouch (the first write to each given-back page).  With `bad`
 *    (unaligned, length, outside, below, wrap, zero) it makes that
 *    malformed call instead, which the host must refuse by stopping the
 *    test (a bad call), never by crashing: tests/t_vmm_memory.c.
 *  - sync: sync point echo (every vCPU): the host returns the guest's
 *    value; and this VM's index among the case's VMs.
 */
#include "kb.h"

#define KIB		1024ul
#define MIB		(1024 * KIB)
#define GIB		(1024 * MIB)
#define PAGE		(4 * KIB)
#define WORDS		(PAGE / 8)
#define CKS		(WORDS - 1)	/* the checksum's word */
#define VAL		1		/* the word ksm writes */

#define MIN_CHUNKS	5
#define MAX_CHUNKS	64
#define MAX_PASSES	16
#define MAX_SAMPLES	(MAX_CHUNKS * MAX_PASSES)

#define CK		0x9e3779b97f4a7c15ul	/* odd: every checksum weight is odd */
#define STEP		0x2545f4914f6cdd1dul	/* word j = tag + j * STEP */
#define SAME_TAG	0x73616d6570616765ul	/* "samepage" */
#define UNIQUE_SEED	0x756e697175657067ul
#define TOUCH		0x746f756368000000ul
#define WRITE		0x5752540000000000ul	/* ksm's value: "WRT" | VM << 32 | page */
#define WRITE_MASK	0xffffff0000000000ul

enum fill { FILL_UNIQUE, FILL_SAME, FILL_ZERO, FILL_HALF };

static const char *const fill_names[] = { "unique", "same", "zero", "half" };

struct region {
	uint64_t *base;
	uint64_t size, pages;
	enum fill fill;
	uint64_t seed;			/* unique: page tags come from it */
	uint64_t bad, first_bad;	/* what the last verification found */
	uint64_t zero_bad, zero_first;	/* pages that should be zero and are not */
};

/* One metric's samples, possibly over several passes. */
struct series {
	uint64_t iters;			/* pages per sample */
	uint64_t n;
	uint64_t v[MAX_SAMPLES];
};

static struct series series;

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static uint64_t *page(const struct region *r, uint64_t i)
{
	return r->base + i * WORDS;
}

/* --- page content ---------------------------------------------------------- */

static uint64_t page_tag(const struct region *r, uint64_t i)
{
	uint64_t s;

	switch (r->fill) {
	case FILL_ZERO:
		return 0;
	case FILL_SAME:
		return SAME_TAG;
	case FILL_HALF:
		if (!(i & 1))
			return SAME_TAG;
		/* fall through */
	default:
		s = r->seed + i;
		return kbk_rand(&s) | 1;	/* never 0: a zeroed page fails */
	}
}

/* The checksum's weight of word @j: odd, so a change in one word always shows. */
static uint64_t weight(unsigned j)
{
	return (2ul * j + 1) * CK;
}

/*
 * page_fill - the content of a page tagged @tag, checksum included, in one
 * pass: the checksum costs no second read.  Zero for tag 0.
 */
static void page_fill(uint64_t *p, uint64_t tag)
{
	uint64_t step = tag ? STEP : 0, w = tag, c = CK, sum = 0;
	unsigned j;

	for (j = 0; j < CKS; j++) {
		p[j] = w;
		sum += w * c;
		w += step;
		c += 2 * CK;
	}
	p[CKS] = sum;
}

static int page_ok(const uint64_t *p, uint64_t tag)
{
	uint64_t c = CK, sum = 0;
	unsigned j;

	for (j = 0; j < CKS; j++) {
		sum += p[j] * c;
		c += 2 * CK;
	}
	return p[0] == tag && p[CKS] == sum;
}

/* --- passes over pages [first, first + n) ------------------------------------ */

typedef void (*pass_fn)(struct region *r, uint64_t first, uint64_t n);

static void pass_fill(struct region *r, uint64_t first, uint64_t n)
{
	uint64_t i;

	for (i = first; i < first + n; i++)
		page_fill(page(r, i), page_tag(r, i));
}

static void pass_verify(struct region *r, uint64_t first, uint64_t n)
{
	uint64_t i;

	for (i = first; i < first + n; i++) {
		if (page_ok(page(r, i), page_tag(r, i)))
			continue;
		if (!r->bad++)
			r->first_bad = i;
	}
}

/* pass_touch - one word per page: what a page fault (or none) costs, alone. */
static void pass_touch(struct region *r, uint64_t first, uint64_t n)
{
	uint64_t i;

	for (i = first; i < first + n; i++)
		*(volatile uint64_t *)page(r, i) = TOUCH ^ i;
}

static uint64_t vm_value(unsigned vm, uint64_t i)
{
	return WRITE | (uint64_t)vm << 32 | (i & 0xffffffff);
}

/*
 * pass_write - this VM's value into word VAL of each page, the checksum
 * kept right: it changes by (new - old) times the word's weight.  The
 * read of the old value comes first, so on a merged page the write is
 * the first write: copy-on-write.
 */
static void pass_write(struct region *r, uint64_t first, uint64_t n)
{
	unsigned vm = kb_vm_index();
	uint64_t i, *p, old, v;

	for (i = first; i < first + n; i++) {
		p = page(r, i);
		v = vm_value(vm, i);
		old = p[VAL];
		p[VAL] = v;
		p[CKS] += (v - old) * weight(VAL);
	}
}

static void pass_zero(struct region *r, uint64_t first, uint64_t n)
{
	uint64_t i, or;
	unsigned j;

	for (i = first; i < first + n; i++) {
		const uint64_t *p = page(r, i);

		for (j = 0, or = 0; j < WORDS; j++)
			or |= p[j];
		if (or && !r->zero_bad++)
			r->zero_first = i;
	}
}

static uint64_t nr_chunks(uint64_t n)
{
	int64_t k = kb_param_int("samples", 16);

	if (k < MIN_CHUNKS)
		k = MIN_CHUNKS;
	if (k > MAX_CHUNKS)
		k = MAX_CHUNKS;
	return (uint64_t)k < n ? (uint64_t)k : n;
}

/*
 * timed_pass - @fn over @n pages from @first, in chunks: one sample of
 * cycles per chunk, added to the series.  A chunk of 2 MiB or more is
 * whole 2 MiB, so that every chunk meets the same host huge pages; the
 * pages past the last whole chunk go untimed.
 */
static void timed_pass(struct region *r, uint64_t first, uint64_t n, pass_fn fn)
{
	uint64_t k = nr_chunks(n), per, i, t0;

	if (!n)
		return;
	per = n / k;
	if (per >= 512)
		per = align_down(per, 512);
	series.iters = per;
	for (i = 0; i < k; i++) {
		t0 = kb_rdtsc();
		fn(r, first + i * per, per);
		t0 = kb_rdtsc() - t0;
		if (series.n < MAX_SAMPLES)
			series.v[series.n++] = t0;
	}
	if (k * per < n)
		fn(r, first + k * per, n - k * per);
}

static void series_report(const char *name)
{
	if (series.n)
		kb_metric(name, "cycles", series.iters, series.v, series.n);
	series.n = 0;
}

/* verify - every page of [first, first + n) against its tag and checksum: bad ones. */
static uint64_t verify(struct region *r, uint64_t first, uint64_t n)
{
	r->bad = 0;
	pass_verify(r, first, n);
	return r->bad;
}

/* check_pages - the verdict of the last verification, over @n pages. */
static int check_pages(const char *name, struct region *r, uint64_t n, const char *when)
{
	if (!r->bad)
		return kb_check(name, 1, "all %lu %s pages verify %s", n, fill_names[r->fill],
				when);
	return kb_check(name, 0, "%lu of %lu %s pages are bad %s; the first: page %lu at 0x%lx",
			r->bad, n, fill_names[r->fill], when, r->first_bad,
			(uint64_t)page(r, r->first_bad));
}

/* --- setup -------------------------------------------------------------------- */

/* only_vcpu0 - the figures are one vCPU's: the others say so and stop. */
static int only_vcpu0(const char *test)
{
	if (kb_cpu_id() == 0)
		return 1;
	kb_skip(test, "memory works on vCPU 0 only; vCPU %u idles", kb_cpu_id());
	return 0;
}

/*
 * region_get - `mb` MiB (@def if unset) of fresh RAM, 2 MiB aligned, with
 * room after it for 4K page tables if @tables.  A guest with less RAM gets
 * a smaller region, said in a log: the figures are per page.  0 or -1.
 */
static int region_get(struct region *r, const char *test, int64_t def, int tables)
{
	int64_t mb = kb_param_int("mb", def);
	uint64_t start = align_up(kb_alloc(0, 1), 2 * MIB), end = kb_ram_end(), room;

	memset(r, 0, sizeof(*r));
	if (mb < 1 || (uint64_t)mb > (uint64_t)(KB_RAM_MAX / MIB)) {
		kb_check("params", 0, "mb %ld: want 1..%lu", mb, (uint64_t)(KB_RAM_MAX / MIB));
		return -1;
	}
	room = start < end ? end - start : 0;
	if (tables)	/* a page-table page per 2 MiB, and one to spare */
		room = room > 2 * PAGE ? (room - 2 * PAGE) / 513 * 512 : 0;
	room = align_down(room, 2 * MIB);
	r->size = (uint64_t)mb * MIB;
	if (r->size > room) {
		if (!room) {
			kb_skip(test, "no guest RAM left for a region (guest RAM: %lu MiB)",
				end / MIB);
			return -1;
		}
		kb_log("%s: mb=%ld does not fit in this guest's %lu MiB of RAM: %lu MiB instead (memory: %lu would do)",
		       test, mb, end / MIB, room / MIB, end / MIB + (r->size - room) / MIB);
		r->size = room;
	}
	r->base = (uint64_t *)kb_alloc(r->size, 2 * MIB);
	r->pages = r->size / PAGE;
	r->seed = UNIQUE_SEED + kb_vm_index() * 0x100000001b3ul;
	return r->base ? 0 : -1;
}

static int fill_get(struct region *r, const char *def)
{
	const char *s = kb_param_str("fill", def);
	unsigned i;

	for (i = 0; i < sizeof(fill_names) / sizeof(fill_names[0]); i++) {
		if (!strcmp(s, fill_names[i])) {
			r->fill = i;
			return 0;
		}
	}
	kb_check("params", 0, "fill '%s': want unique, same, zero or half", s);
	return -1;
}

static int region_setup(struct region *r, const char *test, const char *fill)
{
	if (!only_vcpu0(test) || region_get(r, test, 64, 0) || fill_get(r, fill))
		return -1;
	kb_log("%s: %lu MiB at 0x%lx, %lu pages, fill %s, VM %u of %u", test, r->size / MIB,
	       (uint64_t)r->base, r->pages, fill_names[r->fill], kb_vm_index(), kb_nr_vms());
	return 0;
}

/* --- fill ----------------------------------------------------------------------- */

KB_TEST(fill, "write mb MiB of checksummed pages (fill, refill), read and verify them")
{
	int64_t passes = kb_param_int("passes", 3), p;
	struct region r;

	if (region_setup(&r, "fill", "unique"))
		return;
	if (passes < 1 || passes > MAX_PASSES) {
		kb_check("params", 0, "passes %ld: want 1..%d", passes, MAX_PASSES);
		return;
	}
	timed_pass(&r, 0, r.pages, pass_fill);
	series_report("fill");
	for (p = 1; p < passes; p++)
		timed_pass(&r, 0, r.pages, pass_fill);
	series_report("refill");
	r.bad = 0;
	timed_pass(&r, 0, r.pages, pass_verify);
	series_report("read");
	check_pages("checksums", &r, r.pages, "after the passes");
}

/* --- ksm ------------------------------------------------------------------------ */

/*
 * cross_vm_check - does word VAL of every page hold this VM's value?  A
 * value of another VM's would mean a page shared across VMs was written
 * through, the one thing copy-on-write must prevent.
 */
static void cross_vm_check(struct region *r)
{
	uint64_t i, v, own = 0, other = 0, first = 0, none = 0;
	unsigned vm = kb_vm_index(), who = 0;

	for (i = 0; i < r->pages; i++) {
		v = page(r, i)[VAL];
		if (v == vm_value(vm, i)) {
			own++;
		} else if ((v & WRITE_MASK) == WRITE) {
			if (!other++) {
				first = i;
				who = (v >> 32) & 0xff;
			}
		} else {
			none++;
		}
	}
	kb_check("no_cross_vm_write", own == r->pages,
		 "VM %u: %lu of %lu pages hold its value, %lu another VM's (first: page %lu, VM %u's), %lu neither",
		 vm, own, r->pages, other, first, who, none);
}

/* mergeable - the pages of @r whose content another page (here or in another VM) shares. */
static uint64_t mergeable(const struct region *r)
{
	switch (r->fill) {
	case FILL_SAME:
	case FILL_ZERO:
		return r->pages;
	case FILL_HALF:
		return (r->pages + 1) / 2;	/* the even pages */
	default:
		return 0;
	}
}

KB_TEST(ksm, "fill, let the host merge (KSM), read, write (copy-on-write), verify; across VMs")
{
	struct region r;
	int64_t reply;

	if (region_setup(&r, "ksm", "same"))
		return;
	timed_pass(&r, 0, r.pages, pass_fill);
	series_report("fill");
	verify(&r, 0, r.pages);
	check_pages("checksums_before_merge", &r, r.pages, "after the fill");
	reply = kb_sync("ksm_merge", mergeable(&r));
	kb_log("ksm: the host answered %ld at ksm_merge", reply);
	r.bad = 0;
	timed_pass(&r, 0, r.pages, pass_verify);
	series_report("read_after_merge");
	check_pages("checksums_after_merge", &r, r.pages, "after the merge");
	timed_pass(&r, 0, r.pages, pass_write);
	series_report("cow_write");
	timed_pass(&r, 0, r.pages, pass_write);
	series_report("write_steady");
	reply = kb_sync("written", 0);
	kb_log("ksm: the host answered %ld at written", reply);
	verify(&r, 0, r.pages);
	check_pages("checksums_after_write", &r, r.pages, "after the writes");
	cross_vm_check(&r);
}

/* --- touch ------------------------------------------------------------------------ */

static void touch_check(struct region *r)
{
	uint64_t i, bad = 0, first = 0;

	for (i = 0; i < r->pages; i++)
		if (*page(r, i) != (TOUCH ^ i) && !bad++)
			first = i;
	kb_check("touched", !bad, "%lu of %lu pages read back what was written%s%lu",
		 r->pages - bad, r->pages, bad ? "; first bad page: " : "; pages: ",
		 bad ? first : r->pages);
}

KB_TEST(touch, "first and later writes to each 4 KiB page of mb MiB mapped with `page` pages")
{
	const char *ps = kb_param_str("page", "4k");
	int64_t passes = kb_param_int("passes", 3), p;
	unsigned shift = !strcmp(ps, "4k") ? 12 : !strcmp(ps, "2m") ? 21 : 0;
	struct region r;

	if (!only_vcpu0("touch"))
		return;
	if (!shift || passes < 3 || passes > MAX_PASSES) {
		kb_check("params", 0, "page '%s' (want 4k or 2m), passes %ld (want 3..%d)", ps,
			 passes, MAX_PASSES);
		return;
	}
	if (region_get(&r, "touch", 64, shift == 12))
		return;
	if (kb_map((uint64_t)r.base, r.size, shift, KB_PTE_DEFAULT)) {
		kb_check("map", 0, "could not map %lu MiB at 0x%lx with %s pages", r.size / MIB,
			 (uint64_t)r.base, ps);
		return;
	}
	kb_log("touch: %lu MiB at 0x%lx mapped with %s guest pages, %lu 4 KiB pages",
	       r.size / MIB, (uint64_t)r.base, ps, r.pages);
	timed_pass(&r, 0, r.pages, pass_touch);
	series_report("first_touch");
	/*
	 * The second pass apart: pooled with the later ones, it made steady's
	 * median fall between two modes, a coin toss between 6 and 15 ns.
	 */
	timed_pass(&r, 0, r.pages, pass_touch);
	series_report("second_touch");
	for (p = 2; p < passes; p++)
		timed_pass(&r, 0, r.pages, pass_touch);
	series_report("steady");
	touch_check(&r);
}

/* --- balloon ------------------------------------------------------------------------- */

/*
 * balloon_place - where @len bytes of the region go back: in its middle,
 * 2 MiB aligned (whole huge pages of a hugetlb-2m host), 1 GiB aligned
 * when @len is whole GiBs and that fits (hugetlb-1g).
 */
static uint64_t balloon_place(const struct region *r, uint64_t len)
{
	uint64_t lo = (uint64_t)r->base, hi = lo + r->size, a, at;

	for (a = GIB; a >= 2 * MIB; a >>= 9) {
		if (len % a)
			continue;
		at = align_down(lo + (r->size - len) / 2, a);
		if (at < lo)
			at = align_up(lo, a);
		if (at + len <= hi)
			return at;
	}
	return align_down(lo + (r->size - len) / 2, 2 * MIB);
}

/*
 * balloon_bad - a malformed balloon call: the host must stop the test
 * with a bad call.  Coming back from it at all is the failure.
 */
static void balloon_bad(const char *how, uint64_t at)
{
	uint64_t gpa = at, len = PAGE;
	long ret;

	if (!strcmp(how, "unaligned"))
		gpa = at + 8;
	else if (!strcmp(how, "length"))
		len = PAGE + 8;
	else if (!strcmp(how, "outside"))	/* the last page of RAM and one past it */
		gpa = kb_ram_end() - PAGE, len = 2 * PAGE;
	else if (!strcmp(how, "below"))		/* the guest's own image */
		gpa = KB_IMAGE_BASE;
	else if (!strcmp(how, "wrap"))
		len = -at;
	else if (!strcmp(how, "zero"))
		len = 0;
	else {
		kb_check("params", 0, "bad '%s': want unaligned, length, outside, below, wrap or zero",
			 how);
		return;
	}
	ret = kb_balloon(gpa, len);
	kb_check("balloon_bad", 0, "the host took a malformed balloon (%s: 0x%lx bytes at 0x%lx): returned %ld",
		 how, len, gpa, ret);
}

static void balloon_after(struct region *r, uint64_t first, uint64_t n)
{
	pass_zero(r, first, n);
	kb_check("balloon_zeroed", !r->zero_bad,
		 "%lu of %lu given-back pages read as zeroes%s%lu", n - r->zero_bad, n,
		 r->zero_bad ? "; first that does not: page " : "; pages: ",
		 r->zero_bad ? r->zero_first : n);
	verify(r, 0, first);
	pass_verify(r, first + n, r->pages - first - n);
	check_pages("balloon_rest_intact", r, r->pages - n, "outside the balloon");
	timed_pass(r, first, n, pass_touch);
	series_report("retouch");
}

KB_TEST(balloon, "fill, give balloon_mb MiB back to the host, check zeroes there and the rest intact")
{
	const char *bad = kb_param_str("bad", "");
	uint64_t len, at, first;
	struct region r;
	int64_t bmb;
	long ret;

	if (region_setup(&r, "balloon", "unique"))
		return;
	r.fill = FILL_UNIQUE;
	/* Whole 2 MiB by default, so that hugetlb-2m backings can give it back. */
	bmb = kb_param_int("balloon_mb", r.size >= 4 * MIB ? align_down(r.size / 2, 2 * MIB) / MIB : 1);
	if (bmb < 1 || (uint64_t)bmb > r.size / MIB) {
		kb_check("params", 0, "balloon_mb %ld: want 1..%lu (mb)", bmb, r.size / MIB);
		return;
	}
	len = bmb * MIB;
	at = balloon_place(&r, len);
	timed_pass(&r, 0, r.pages, pass_fill);
	series_report("fill");
	verify(&r, 0, r.pages);
	check_pages("checksums_before_balloon", &r, r.pages, "after the fill");
	if (bad[0]) {
		balloon_bad(bad, at);
		return;
	}
	ret = kb_balloon(at, len);
	kb_check("balloon_call", !ret, "kb_balloon(0x%lx, %lu MiB) returned %ld", at, bmb, ret);
	first = (at - (uint64_t)r.base) / PAGE;
	if (!ret) {
		balloon_after(&r, first, len / PAGE);
		return;
	}
	kb_skip("balloon_zeroed", "the host kept the memory (%ld)", ret);
	verify(&r, 0, r.pages);
	check_pages("balloon_rest_intact", &r, r.pages, "(none given back)");
}

/* --- sync ------------------------------------------------------------------------------ */

KB_TEST(sync, "sync point echo returns the guest's value (every vCPU); the VM's index")
{
	int64_t arg = kb_param_int("arg", 1000 + 100 * kb_vm_index() + kb_cpu_id()), got;

	got = kb_sync("echo", arg);
	kb_check("sync_echo", got == arg, "kb_sync(\"echo\", %ld) returned %ld", arg, got);
	kb_check("vm_index", kb_vm_index() < kb_nr_vms(), "VM %u of %u", kb_vm_index(),
		 kb_nr_vms());
}
