// SPDX-License-Identifier: GPL-2.0
/*
 * mem.c - guest RAM: one anonymous or hugetlb mapping per VM, with the
 * backing the caller asked for.  The mapping is only advised here; whether
 * huge pages really back it is for the caller to verify (smaps, meminfo).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

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
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
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
