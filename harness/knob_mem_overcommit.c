// SPDX-License-Identifier: GPL-2.0
/*
 * knob_mem_overcommit.c - memory overcommit: the guest RAM of every VM of a
 * case over the memory available to them.  The VMs run in a child process
 * inside a memory cgroup (memcg.h) limited to
 *
 *	guest RAM / level + 32 MiB + guest RAM / 256
 *
 * (the allowance: the harness's own pages the child touches, KVM's shadow
 * page tables and rmaps, which are charged to the cgroup too), with swap on
 * zram when the host has none, so that what does not fit goes to swap
 * instead of the OOM killer.  Level 0.5 leaves room to spare, 1 just fits,
 * 2 pushes half of guest RAM out.  A new cgroup for every case (fresh
 * counters); zram is set up once and stays until the journal is restored,
 * so every level of a sweep sees the same swap.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "knob_internal.h"
#include "memcg.h"

#define RAM_DEFAULT	(64ull << 20)	/* the VMM's, when memory is not set */

static const char *const mo_values[] = { "0.5", "1", "1.5", "2", NULL };

int knob_mem_oc_parse(const char *value, double *level)
{
	char *end;

	errno = 0;
	*level = strtod(value, &end);
	if (errno || end == value || *end || !isfinite(*level) || *level < MEM_OC_MIN ||
	    *level > MEM_OC_MAX)
		return -EINVAL;
	return 0;
}

uint64_t knob_mem_oc_limit(uint64_t guest_ram, double level)
{
	uint64_t limit = (uint64_t)ceil(guest_ram / level);

	limit += MEM_OC_ALLOWANCE + guest_ram / MEM_OC_ALLOWANCE_DIV;
	return (limit + 4095) & ~4095ull;
}

static int mo_check(const char *value, char *why, size_t len)
{
	double level;

	if (!knob_mem_oc_parse(value, &level))
		return 0;
	snprintf(why, len, "mem_overcommit must be guest RAM per memory available, a number from %g to %g (like 0.5, 1, 1.5, 2), not '%s'",
		 MEM_OC_MIN, MEM_OC_MAX, value);
	return -EINVAL;
}

static int mo_probe(const char *value, char *why, size_t len)
{
	int r = mo_check(value, why, len);

	return r ? r : memcg_probe(why, len);
}

static int mo_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	uint64_t ram = plan->vm.ram_size ? plan->vm.ram_size : RAM_DEFAULT, total, limit, fits;
	double level;
	int r;

	r = mo_check(value, why, len);
	if (r)
		return r;
	knob_mem_oc_parse(value, &level);
	total = ram * (plan->nr_vms > 0 ? plan->nr_vms : 1);
	limit = knob_mem_oc_limit(total, level);
	fits = (uint64_t)ceil(total / level);
	r = memcg_probe(why, len);
	if (!r)
		r = zram_swap_ensure(total > fits ? total - fits : 0, why, len);
	if (!r)
		r = memcg_case_new(limit, plan->memcg, sizeof(plan->memcg), why, len);
	if (r)
		return r;
	plan->mem_oc_level = level;
	plan->memcg_limit = limit;
	return 0;
}

const struct knob knob_mem_overcommit = {
	.name = "mem_overcommit",
	.help = "guest RAM / memory available (0.5, 1, 1.5, 2; any 0.1-8): VMs run in a memory cgroup, swap on zram",
	.values = mo_values,
	.check = mo_check,
	.host = true,
	.probe = mo_probe,
	.read = knob_vm_read,
	.apply = mo_apply,
};
