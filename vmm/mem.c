// SPDX-License-Identifier: GPL-2.0
/*
 * mem.c - guest RAM: one anonymous or hugetlb mapping per VM, with the
 * backing the caller asked for.  The mapping is only advised here; whether
 * huge pages really back it is for the caller to verify (smaps, meminfo).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm.h"
#include "vmm_int.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB	(30 << MAP_HUGE_SHIFT)
#endif

static const char *const backing_names[] = {
	[VMM_BACKING_4K] = "4k",
	[VMM_BACKING_THP] = "thp",
	[VMM_BACKING_HUGETLB_2M] = "hugetlb-2m",
	[VMM_BACKING_HUGETLB_1G] = "hugetlb-1g",
};

const char *vmm_backing_name(enum vmm_backing b)
{
	return (unsigned)b < 4 ? backing_names[b] : "?";
}

int vmm_backing_parse(const char *s, enum vmm_backing *out)
{
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(s, backing_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

uint64_t mem_align(enum vmm_backing b)
{
	switch (b) {
	case VMM_BACKING_HUGETLB_1G:
		return 1ull << 30;
	case VMM_BACKING_HUGETLB_2M:
	case VMM_BACKING_THP:
		return 2ull << 20;
	default:
		return 4096;
	}
}

/*
 * map_aligned - an anonymous mapping of @size at an @align boundary.  THP
 * backs a guest's 2M page with a host huge page only when guest-physical
 * and host-virtual addresses agree modulo 2 MiB; kernels before 6.7 do not
 * align large anonymous mappings on their own (6.1 put guest RAM at
 * ...414000), so the head and tail of a larger mapping are cut off.
 */
static void *map_aligned(uint64_t size, uint64_t align, int flags)
{
	uint8_t *p = mmap(NULL, size + align, PROT_READ | PROT_WRITE, flags, -1, 0);
	uint64_t head;

	if (p == MAP_FAILED)
		return p;
	head = (align - (uintptr_t)p % align) % align;
	if (head)
		munmap(p, head);
	munmap(p + head + size, align - head);
	return p + head;
}

/* mem_map - the mapping with @o's backing; @flags has MAP_NORESERVE or not. */
static void *mem_map(uint64_t size, const struct vmm_mem_opts *o, int flags,
		     char *err, size_t len)
{
	void *p;

	flags |= MAP_PRIVATE | MAP_ANONYMOUS;
	if (o->backing == VMM_BACKING_HUGETLB_2M)
		flags |= MAP_HUGETLB | MAP_HUGE_2MB;
	else if (o->backing == VMM_BACKING_HUGETLB_1G)
		flags |= MAP_HUGETLB | MAP_HUGE_1GB;
	if (size % mem_align(o->backing)) {
		snprintf(err, len, "RAM size %#llx is not a multiple of the %s page size",
			 (unsigned long long)size, vmm_backing_name(o->backing));
		return NULL;
	}
	p = o->backing == VMM_BACKING_THP ? map_aligned(size, mem_align(o->backing), flags) :
	    mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, len, "mmap %llu MiB of %s guest RAM: %s",
			 (unsigned long long)(size >> 20), vmm_backing_name(o->backing),
			 strerror(errno));
		return NULL;
	}
	/* Advice failures are not fatal: the caller verifies what it got. */
	if (o->backing == VMM_BACKING_THP)
		madvise(p, size, MADV_HUGEPAGE);
	else if (o->backing == VMM_BACKING_4K)
		madvise(p, size, MADV_NOHUGEPAGE);
	if (o->mergeable && madvise(p, size, MADV_MERGEABLE)) {
		snprintf(err, len, "MADV_MERGEABLE: %s", strerror(errno));
		munmap(p, size);
		return NULL;
	}
	return p;
}

void *mem_alloc(uint64_t size, const struct vmm_mem_opts *o, char *err, size_t len)
{
	return mem_map(size, o, MAP_NORESERVE, err, len);
}

void mem_free(void *p, uint64_t size)
{
	if (p)
		munmap(p, size);
}

void *vmm_mem_map(uint64_t size, const struct vmm_mem_opts *o, char *err, size_t len)
{
	return mem_map(size, o, 0, err, len);
}

void vmm_mem_unmap(void *p, uint64_t size)
{
	mem_free(p, size);
}

uint64_t vmm_mem_align(enum vmm_backing b)
{
	return mem_align(b);
}

/*
 * mem_release - give [@p, @p + @len) of guest RAM back to the host; the
 * guest reads zeroes there afterwards.  0, or -errno.  *@how names the
 * advice used.
 *
 * Private mappings (anonymous 4K and THP, private hugetlb): MADV_DONTNEED
 * drops the pages and the next touch faults in zero-filled ones, as a
 * balloon wants.  KVM hears of it through its MMU notifier and zaps its
 * own (shadow or TDP) entries for the range.  On THP a range covering
 * whole huge pages frees them at once; one that cuts a huge page splits it.
 *
 * Shared mappings (shmem, memfd, hugetlbfs files): MADV_DONTNEED would
 * only unmap, the pages would stay in the file (still using memory) and
 * come back with their old content.  MADV_REMOVE punches a hole in the
 * backing instead: freed, and zero when read again.
 *
 * hugetlb: only whole huge pages can go.  The kernel rounds an unaligned
 * length (dropping more than asked) and refuses an unaligned start, so a
 * range not aligned to the huge page size is refused here, -EINVAL.
 */
int mem_release(void *p, uint64_t len, enum vmm_backing b, bool shared, const char **how)
{
	uint64_t huge = b == VMM_BACKING_HUGETLB_2M || b == VMM_BACKING_HUGETLB_1G ?
			mem_align(b) : 4096;
	int advice = shared ? MADV_REMOVE : MADV_DONTNEED;

	*how = shared ? "MADV_REMOVE" : "MADV_DONTNEED";
	if ((uintptr_t)p % huge || len % huge || !len)
		return -EINVAL;
	return madvise(p, len, advice) ? -errno : 0;
}

/*
 * mem_resident - bytes of [@p, @p + @len) in host memory, by mincore(),
 * which counts what is mapped (a never-touched anonymous page is not).
 * 0 when it cannot tell.
 */
uint64_t mem_resident(void *p, uint64_t len)
{
	uint64_t pages = len / 4096, n = 0, i;
	unsigned char *vec = malloc(pages ? pages : 1);

	if (!vec)
		return 0;
	if (!mincore(p, len, vec))
		for (i = 0; i < pages; i++)
			n += vec[i] & 1;
	free(vec);
	return n * 4096;
}

/* mem_rss - this process's VmRSS in bytes (/proc/self/statm), 0 when unknown. */
uint64_t mem_rss(void)
{
	unsigned long long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}
