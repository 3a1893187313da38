// SPDX-License-Identifier: GPL-2.0
/*
 * knob_backing.c - what backs guest RAM on the host: 4K pages, THP, or
 * hugetlb pages of 2M or 1G.  The VMM only asks (madvise, MAP_HUGETLB);
 * this knob makes sure the host can give (THP not "never", enough free
 * huge pages, reserved through the journal) and checks after the case
 * that it did, in /proc/self/smaps: a figure measured on 4K pages must
 * not be reported as a huge-page one.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "knob_internal.h"

#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define RAM_DEFAULT	(64ull << 20)

struct hugetlb {
	const char *dir;	/* below the root */
	const char *label;
	uint64_t size;
};

static const struct hugetlb hugetlb_2m = {
	"/sys/kernel/mm/hugepages/hugepages-2048kB", "2M", 2ull << 20,
};
static const struct hugetlb hugetlb_1g = {
	"/sys/kernel/mm/hugepages/hugepages-1048576kB", "1G", 1ull << 30,
};

static const char *const backing_values[] = { "4k", "thp", "hugetlb-2m", "hugetlb-1g", NULL };

static const struct hugetlb *backing_hugetlb(enum vmm_backing b)
{
	if (b == VMM_BACKING_HUGETLB_2M)
		return &hugetlb_2m;
	if (b == VMM_BACKING_HUGETLB_1G)
		return &hugetlb_1g;
	return NULL;
}

static int thp_usable(char *why, size_t len)
{
	char path[PATH_MAX], mode[32];

	if (journal_read_value(knob_path(path, sizeof(path), THP_ENABLED), mode, sizeof(mode))) {
		snprintf(why, len, "THP is not available here (no %s)", THP_ENABLED);
		return -ENOENT;
	}
	if (!strcmp(mode, "never")) {
		snprintf(why, len, "THP is disabled (never)");
		return -EPERM;
	}
	return 0;
}

static int backing_probe(const char *value, char *why, size_t len)
{
	const struct hugetlb *h;
	enum vmm_backing b;
	char path[PATH_MAX];

	if (vmm_backing_parse(value, &b)) {
		snprintf(why, len, "unknown backing '%s'", value);
		return -EINVAL;
	}
	if (b == VMM_BACKING_THP)
		return thp_usable(why, len);
	h = backing_hugetlb(b);
	if (h && !knob_exists(knob_path(path, sizeof(path), "%s", h->dir))) {
		snprintf(why, len, "the host has no %s huge pages (no %s)", h->label, h->dir);
		return -ENOENT;
	}
	return 0;
}

static int hp_read(const struct hugetlb *h, const char *file, long *v)
{
	char path[PATH_MAX];

	return knob_read_long(knob_path(path, sizeof(path), "%s/%s", h->dir, file), v);
}

static int hp_set(const struct hugetlb *h, long nr, char *why, size_t len)
{
	char path[PATH_MAX], val[24];

	snprintf(val, sizeof(val), "%ld", nr);
	knob_path(path, sizeof(path), "%s/nr_hugepages", h->dir);
	return journal_write_file(path, val, why, len);
}

/*
 * hugetlb_reserve - enough free huge pages for @ram bytes.  Guest RAM is
 * mapped MAP_NORESERVE, so a shortfall would only show as a SIGBUS in the
 * middle of the case: raise nr_hugepages now, and see the kernel found
 * the memory (it gives fewer when memory is fragmented).
 */
static int hugetlb_reserve(const struct hugetlb *h, uint64_t ram, char *why, size_t len)
{
	long need = (ram + h->size - 1) / h->size, nr, free, resv = 0, avail, got;
	int r;

	if (hp_read(h, "nr_hugepages", &nr) || hp_read(h, "free_hugepages", &free)) {
		snprintf(why, len, "cannot read %s/{nr,free}_hugepages", h->dir);
		return -EIO;
	}
	hp_read(h, "resv_hugepages", &resv);	/* promised to other mappings */
	avail = free > resv ? free - resv : 0;
	if (avail >= need)
		return 0;
	r = hp_set(h, nr + need - avail, why, len);
	if (r)
		return r;
	if (hp_read(h, "nr_hugepages", &got))
		got = -1;
	if (got < nr + need - avail) {
		char ignore[256];

		snprintf(why, len, "asked for %ld %s huge pages, the kernel gave %ld",
			 nr + need - avail, h->label, got);
		hp_set(h, nr, ignore, sizeof(ignore));	/* give back what it found */
		return -ENOMEM;
	}
	return 0;
}

static int backing_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	const struct hugetlb *h;
	enum vmm_backing b;
	int r;

	r = backing_probe(value, why, len);
	if (r)
		return r;
	vmm_backing_parse(value, &b);
	h = backing_hugetlb(b);
	if (h) {
		/* Every VM of the case at once (many-vms overcommit). */
		uint64_t ram = plan->vm.ram_size ? plan->vm.ram_size : RAM_DEFAULT;

		r = hugetlb_reserve(h, ram * plan->nr_vms, why, len);
		if (r)
			return r;
	}
	plan->vm.mem.backing = b;
	return 0;
}

/* smaps_field - "Name:   123 kB" gives 123 for @name. */
static bool smaps_field(const char *line, const char *name, unsigned long *kb)
{
	size_t n = strlen(name);

	return !strncmp(line, name, n) && line[n] == ':' &&
	       sscanf(line + n + 1, "%lu", kb) == 1;
}

/* smaps_header - a mapping's first line: "START-END perms ..." (no ':' in its first word). */
static bool smaps_header(const char *line, uintptr_t *start)
{
	size_t w = strcspn(line, " ");

	return memchr(line, ':', w) == NULL && sscanf(line, "%" SCNxPTR "-", start) == 1;
}

int knob_backing_check(const void *addr, enum vmm_backing backing, char *why, size_t len)
{
	unsigned long anon_huge = 0, page_kb = 0;
	const struct hugetlb *h = backing_hugetlb(backing);
	bool in = false, found = false;
	char line[512];
	uintptr_t start;
	FILE *f;

	if (backing == VMM_BACKING_4K)
		return 0;
	f = fopen("/proc/self/smaps", "re");	/* this process, whatever the root */
	if (!f) {
		snprintf(why, len, "cannot read /proc/self/smaps: %s", strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		if (smaps_header(line, &start)) {
			if (in)
				break;
			in = found = start == (uintptr_t)addr;
			continue;
		}
		if (in && !smaps_field(line, "AnonHugePages", &anon_huge))
			smaps_field(line, "KernelPageSize", &page_kb);
	}
	fclose(f);
	if (!found) {
		snprintf(why, len, "guest RAM at %p is not in /proc/self/smaps", addr);
		return -ENOENT;
	}
	if (!h && !anon_huge) {
		snprintf(why, len, "guest RAM at %p has no huge pages (AnonHugePages 0 kB)", addr);
		return -EIO;
	}
	if (h && page_kb != h->size >> 10) {
		snprintf(why, len, "guest RAM at %p has no huge pages (KernelPageSize %lu kB)",
			 addr, page_kb);
		return -EIO;
	}
	return 0;
}

static int backing_verify(const char *value, struct vm *vm, char *why, size_t len)
{
	enum vmm_backing b;
	uint64_t size;

	if (vmm_backing_parse(value, &b))
		return 0;
	return knob_backing_check(vm_ram(vm, &size), b, why, len);
}

static int backing_read(char *buf, size_t len)
{
	buf[0] = '\0';		/* a per-VM choice: the host has no value */
	return 0;
}

const struct knob knob_backing = {
	.name = "backing",
	.help = "guest RAM backing: 4k, thp, hugetlb-2m, hugetlb-1g (huge pages reserved)",
	.values = backing_values,
	.host = true,
	.probe = backing_probe,
	.read = backing_read,
	.apply = backing_apply,
	.verify = backing_verify,
};
