// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid.c - each vCPU's CPUID: KVM_GET_SUPPORTED_CPUID, masked to the CPU
 * model asked for, with the topology (APIC ID, siblings, cache sharing)
 * of that vCPU's slot written into the leaves that describe it.
 *
 * What KVM_GET_SUPPORTED_CPUID gives on the development host (kvm_pvm on
 * AMD EPYC Zen 4, kernel 6.18), 85 entries:
 *  - vendor AuthenticAMD, max basic leaf 0x1c, max extended 0x80000021,
 *    KVM leaves 0x40000000-0x40000001;
 *  - basic 0x0-0x1c, one entry each, except 0x7 (subleaves 0, 1) and 0xd
 *    (0, 1, 2, 5, 6, 7).  0x4 and 0xb are there but all zero (0xb only
 *    subleaf 0, with EDX = the host CPU's x2APIC ID), no 0x1f;
 *  - leaf 1: EBX[23:16] = 2, HTT clear, SSE3 absent from ECX;
 *  - extended 0x80000000-0x80000021: 0x80000008 ECX = 0x7001 (NC = 1,
 *    ApicIdCoreIdSize = 7), 0x8000001d subleaves 0-4 (AMD's cache
 *    topology, L3 shared by 2), 0x8000001e all zero, 0x80000001 ECX has
 *    CmpLegacy set.
 * So on this host the VMM adds 0xb subleaves 1 and 2, leaves 0x4 alone (its
 * cache type is 0: no cache described) and fills the AMD leaves.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm_int.h"

#define CPUID_1_EDX_HTT		(1u << 28)
#define CPUID_81_ECX_CMPLEGACY	(1u << 1)
#define LEVEL_SMT		1
#define LEVEL_CORE		2

/*
 * supported_cpuid - KVM_GET_SUPPORTED_CPUID, asked once per process: it
 * does not change while the module is loaded, and asking costs ~0.3 ms on
 * nested hosts, a good part of a VM's whole start-up.
 */
const struct cpuid_table *supported_cpuid(int kvm_fd, char *err, size_t len)
{
	static struct cpuid_table t;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static bool have;
	int e = 0;

	pthread_mutex_lock(&lock);
	if (!have) {
		t.c.nent = CPUID_MAX_ENTRIES;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, &t))
			e = errno;
		have = !e;
	}
	pthread_mutex_unlock(&lock);
	if (e) {
		snprintf(err, len, "KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
		return NULL;
	}
	return &t;
}

struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, uint32_t fn, uint32_t index)
{
	unsigned i;

	for (i = 0; i < t->c.nent; i++)
		if (t->e[i].function == fn && t->e[i].index == index)
			return &t->e[i];
	return NULL;
}

/* cpuid_drop - remove leaf @fn's subleaves from @from_index up. */
static void cpuid_drop(struct cpuid_table *t, uint32_t fn, uint32_t from_index)
{
	unsigned i, n = 0;

	for (i = 0; i < t->c.nent; i++)
		if (t->e[i].function != fn || t->e[i].index < from_index)
			t->e[n++] = t->e[i];
	t->c.nent = n;
}

/* cpuid_add - a zeroed subleaf appended to @t (NULL if full). */
static struct kvm_cpuid_entry2 *cpuid_add(struct cpuid_table *t, uint32_t fn, uint32_t index)
{
	struct kvm_cpuid_entry2 *e;

	if (t->c.nent >= CPUID_MAX_ENTRIES)
		return NULL;
	e = &t->e[t->c.nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = index;
	e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	return e;
}

static bool cpuid_is_amd(struct cpuid_table *t)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 0, 0);

	/* "AuthenticAMD" in EBX, EDX, ECX */
	return e && e->ebx == 0x68747541 && e->edx == 0x69746e65 && e->ecx == 0x444d4163;
}

/* cpuid_baseline - the KB_CPU_MODEL_BASELINE feature set (kb_abi.h). */
static void cpuid_baseline(struct cpuid_table *t)
{
	struct kvm_cpuid_entry2 *e;

	e = cpuid_find(t, 1, 0);
	if (e) {
		e->ecx &= KB_BASELINE_1_ECX;
		e->edx &= KB_BASELINE_1_EDX;
	}
	cpuid_drop(t, 7, 1);
	e = cpuid_find(t, 7, 0);
	if (e) {
		e->eax = 0;	/* no subleaf beyond 0 */
		e->ebx &= KB_BASELINE_7_EBX;
		e->ecx &= KB_BASELINE_7_ECX;
		e->edx &= KB_BASELINE_7_EDX;
	}
	cpuid_drop(t, 0xd, 0);	/* no XSAVE (leaf 1 ECX.XSAVE is masked too) */
	e = cpuid_find(t, 0x80000001, 0);
	if (e) {
		e->ecx &= KB_BASELINE_81_ECX;
		e->edx &= KB_BASELINE_81_EDX;
	}
}

/* Where one vCPU sits, and the field widths of its topology. */
struct cpu_place {
	struct vm_topology t;		/* effective: no zero */
	uint32_t socket, core, thread;
	uint32_t apic_id;
	unsigned tb, cb;		/* thread and core bits of the APIC ID */
};

static void place_init(struct cpu_place *p, const struct vm_topology *t, int index)
{
	p->t = *t;
	p->socket = index / (t->cores * t->threads);
	p->core = (index / t->threads) % t->cores;
	p->thread = index % t->threads;
	p->apic_id = vm_topology_apic_id(t, index);
	p->tb = topo_bits(t->threads);
	p->cb = topo_bits(t->cores);
}

static void topo_leaf1(struct cpuid_table *t, const struct cpu_place *p)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 1, 0);
	uint32_t ids = 1u << (p->cb + p->tb);

	if (!e)
		return;
	/* 8 bits: a 129..255-thread package has 256 IDs, shown as 255. */
	e->ebx = (e->ebx & 0x0000ffff) | p->apic_id << 24 | (ids > 255 ? 255 : ids) << 16;
	e->edx &= ~CPUID_1_EDX_HTT;
	if (ids > 1)
		e->edx |= CPUID_1_EDX_HTT;
}

/* cache_sharing - logical CPUs sharing a cache of @level: a core's, or the package's. */
static uint32_t cache_sharing(const struct cpu_place *p, unsigned level)
{
	return level <= 2 ? p->t.threads : p->t.cores * p->t.threads;
}

/*
 * topo_caches - leaf 4 (Intel) and 0x8000001d (AMD): EAX[25:14] is the
 * number of logical CPUs sharing the cache - 1, leaf 4's EAX[31:26] the
 * core IDs per package - 1.  Subleaves of cache type 0 describe no cache
 * and stay as they are (AMD's all-zero leaf 4 among them).
 */
static void topo_caches(struct cpuid_table *t, const struct cpu_place *p)
{
	unsigned i;

	for (i = 0; i < t->c.nent; i++) {
		struct kvm_cpuid_entry2 *e = &t->e[i];
		uint32_t share;

		if ((e->function != 4 && e->function != 0x8000001d) || !(e->eax & 0x1f))
			continue;
		share = cache_sharing(p, (e->eax >> 5) & 7);
		e->eax = (e->eax & ~(0xfffu << 14)) | ((share - 1) & 0xfff) << 14;
		if (e->function == 4)
			e->eax = (e->eax & 0x03ffffff) | (((1u << p->cb) - 1) & 0x3f) << 26;
	}
}

/* topo_extended - leaf 0xb or 0x1f: SMT and core levels, then the end marker. */
static int topo_extended(struct cpuid_table *t, uint32_t fn, const struct cpu_place *p)
{
	struct kvm_cpuid_entry2 *smt, *core, *end;

	cpuid_drop(t, fn, 0);
	smt = cpuid_add(t, fn, 0);
	core = cpuid_add(t, fn, 1);
	end = cpuid_add(t, fn, 2);
	if (!end)
		return -ENOSPC;
	smt->eax = p->tb;
	smt->ebx = p->t.threads;
	smt->ecx = 0 | LEVEL_SMT << 8;
	core->eax = p->tb + p->cb;
	core->ebx = p->t.cores * p->t.threads;
	core->ecx = 1 | LEVEL_CORE << 8;
	end->ecx = 2;
	smt->edx = core->edx = end->edx = p->apic_id;
	return 0;
}

/* topo_amd - AMD's own topology leaves, as QEMU fills them. */
static void topo_amd(struct cpuid_table *t, const struct cpu_place *p)
{
	uint32_t logical = p->t.cores * p->t.threads;
	struct kvm_cpuid_entry2 *e;

	e = cpuid_find(t, 0x80000008, 0);
	if (e)	/* NC and ApicIdCoreIdSize */
		e->ecx = (e->ecx & ~0xf0ffu) | ((logical - 1) & 0xff) | ((p->tb + p->cb) & 0xf) << 12;
	e = cpuid_find(t, 0x8000001e, 0);
	if (e) {
		e->eax = p->apic_id;
		e->ebx = (e->ebx & ~0xffffu) | (p->core & 0xff) | ((p->t.threads - 1) & 0xff) << 8;
		e->ecx = (e->ecx & ~0x7ffu) | (p->socket & 0xff);	/* one node per socket */
	}
	e = cpuid_find(t, 0x80000001, 0);
	if (e) {
		e->ecx &= ~CPUID_81_ECX_CMPLEGACY;
		if (logical > 1)
			e->ecx |= CPUID_81_ECX_CMPLEGACY;
	}
}

static int cpuid_topology(struct cpuid_table *t, const struct cpu_place *p)
{
	struct kvm_cpuid_entry2 *e0 = cpuid_find(t, 0, 0);
	bool has_1f = cpuid_find(t, 0x1f, 0) != NULL;

	topo_leaf1(t, p);
	topo_caches(t, p);
	if (topo_extended(t, 0xb, p) || (has_1f && topo_extended(t, 0x1f, p)))
		return -ENOSPC;
	if (e0 && e0->eax < 0xb)
		e0->eax = 0xb;
	if (cpuid_is_amd(t))
		topo_amd(t, p);
	return 0;
}

int cpuid_build(const struct vm *vm, int index, struct cpuid_table *out, char *err, size_t len)
{
	const struct cpuid_table *sup = supported_cpuid(vm->kvm_fd, err, len);
	struct cpu_place p;

	if (!sup)
		return -EIO;
	memcpy(out, sup, sizeof(*out));
	if (vm->cfg.cpu_model == VM_CPU_BASELINE)
		cpuid_baseline(out);
	place_init(&p, &vm->topo, index);
	if (cpuid_topology(out, &p)) {
		snprintf(err, len, "vcpu%d: more than %d CPUID entries", index, CPUID_MAX_ENTRIES);
		return -ENOSPC;
	}
	return 0;
}

/* cpuid_set - this vCPU's own table: the APIC ID differs from vCPU to vCPU. */
int cpuid_set(struct vcpu *v, char *err, size_t len)
{
	struct cpuid_table cp;
	int r = cpuid_build(v->vm, v->id, &cp, err, len);

	if (r)
		return r;
	if (ioctl(v->fd, KVM_SET_CPUID2, &cp)) {
		r = -errno;
		snprintf(err, len, "vcpu%d: KVM_SET_CPUID2 (%s model): %s", v->id,
			 v->vm->cfg.cpu_model == VM_CPU_BASELINE ? "baseline" : "host",
			 strerror(-r));
		return r;
	}
	return 0;
}
