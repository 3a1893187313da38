// SPDX-License-Identifier: GPL-2.0
/*
 * topology.c - sockets x cores x threads, and the APIC ID each vCPU takes.
 *
 * The rule is kb_abi.h's (the one CPUID leaf 0xB/0x1F describes): every
 * level gets ceil(log2(n)) bits of the APIC ID, socket above core above
 * thread, so IDs are sparse when a level is not a power of two (2x3x1 gives
 * 0,1,2,4,5,6).  vCPU i takes slot i in socket-major order.
 */
#include <errno.h>
#include <stdio.h>

#include "vmm_int.h"

/* The largest field we accept: more would not fit 8-bit APIC IDs anyway. */
#define TOPO_FIELD_MAX	255
#define APIC_ID_LIMIT	255	/* 0xff is the xAPIC broadcast ID */

/* topo_bits - ceil(log2(n)): the APIC ID bits a level of @n entries takes. */
unsigned topo_bits(unsigned n)
{
	unsigned b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

static bool topo_is_zero(const struct vm_topology *t)
{
	return !t->sockets && !t->cores && !t->threads;
}

void topo_resolve(const struct vm_topology *t, int nr_vcpus, struct vm_topology *out)
{
	if (topo_is_zero(t)) {
		out->sockets = 1;
		out->cores = nr_vcpus;
		out->threads = 1;
	} else {
		*out = *t;
	}
}

/* topo_slot_apic_id - the APIC ID of socket @s, core @c, thread @th under @t. */
static uint32_t topo_slot_apic_id(const struct vm_topology *t, uint32_t s,
				  uint32_t c, uint32_t th)
{
	unsigned tb = topo_bits(t->threads), cb = topo_bits(t->cores);

	return s << (cb + tb) | c << tb | th;
}

uint32_t vm_topology_apic_id(const struct vm_topology *t, int index)
{
	uint32_t i = index;

	/* All 0 is one socket of nr_vcpus single-thread cores: the ID is the index. */
	if (topo_is_zero(t) || t->cores < 1 || t->threads < 1)
		return i;
	return topo_slot_apic_id(t, i / (t->cores * t->threads), (i / t->threads) % t->cores,
				 i % t->threads);
}

int vm_topology_check(const struct vm_topology *t, int nr_vcpus, char *err, size_t len)
{
	int64_t slots;
	uint32_t last;

	if (topo_is_zero(t) && nr_vcpus > APIC_ID_LIMIT) {
		snprintf(err, len, "%d vCPUs in one socket: APIC IDs must stay below %d",
			 nr_vcpus, APIC_ID_LIMIT);
		return -EINVAL;
	}
	if (topo_is_zero(t))
		return 0;
	if (t->sockets < 1 || t->cores < 1 || t->threads < 1) {
		snprintf(err, len, "topology %dx%dx%d: sockets, cores and threads must each be at least 1",
			 t->sockets, t->cores, t->threads);
		return -EINVAL;
	}
	if (t->sockets > TOPO_FIELD_MAX || t->cores > TOPO_FIELD_MAX ||
	    t->threads > TOPO_FIELD_MAX) {
		snprintf(err, len, "topology %dx%dx%d: at most %d of each, APIC IDs are 8 bits",
			 t->sockets, t->cores, t->threads, TOPO_FIELD_MAX);
		return -EINVAL;
	}
	slots = (int64_t)t->sockets * t->cores * t->threads;
	if (slots < nr_vcpus) {
		snprintf(err, len, "%dx%dx%d has %lld CPU slots, fewer than %d vCPUs",
			 t->sockets, t->cores, t->threads, (long long)slots, nr_vcpus);
		return -EINVAL;
	}
	/*
	 * Every slot CPUID describes must have an ID, used by a vCPU or not:
	 * the last slot has the highest.
	 */
	last = topo_slot_apic_id(t, t->sockets - 1, t->cores - 1, t->threads - 1);
	if (last >= APIC_ID_LIMIT) {
		snprintf(err, len, "topology %dx%dx%d: its last CPU slot has APIC ID %u, IDs must stay below %d",
			 t->sockets, t->cores, t->threads, last, APIC_ID_LIMIT);
		return -EINVAL;
	}
	return 0;
}
