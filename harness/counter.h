/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counter.h - counters for a case, from every source a host may offer.
 *
 * A counter is named in a scenario (`counters:`), on the command line, or
 * by a guest's defaults, and resolved to one source:
 *
 *	KVM stat	a name of KVM's binary stats, vCPU (exits, io_exits,
 *			pf_fixed...) or VM (remote_tlb_flush, pages_4k...)
 *	software	page-faults, minor-faults, major-faults,
 *			context-switches, cpu-migrations, task-clock, cpu-clock,
 *			alignment-faults, emulation-faults
 *	tracepoint	SUBSYS:NAME (kvm:kvm_pio, kvmmmu:kvm_mmu_get_page), or a
 *			bare kvm_* / kvm_mmu_* tracepoint name
 *	PMU		anything libpfm4 can encode (cycles, instructions,
 *			dTLB-load-misses, amd64_fam19h_zen4::RETIRED_UOPS...)
 *
 * in that order for bare names.  A suffix @guest or @host counts a PMU
 * event in that mode only (perf's exclude_host/exclude_guest); without one
 * a PMU event counts both (libpfm4's own default would exclude the guest).
 * SUBSYS:NAME may name any tracefs subsystem; one this kernel lacks in a
 * subsystem it has (or in kvm/kvmmmu) is unsupported, not unknown.
 *
 * A name no source knows is an error (counter_resolve < 0, with why).  A
 * known name this host cannot count resolves with supported = false and
 * the reason (no hardware PMU, tracefs has no such event...): it is
 * reported as unsupported, never as 0.
 *
 * Perf counters (software, tracepoint, PMU) are opened by the vCPU thread
 * itself (pid 0: that thread, any CPU) and read scaled by time enabled /
 * time running; KVM stats are read from the vCPU's or the VM's stats fd.
 * They count kernel mode too (a tracepoint fires there), so without root
 * or CAP_PERFMON and with perf_event_paranoid >= 2 they are unsupported.
 * Whether one can be opened is tried once per process per perf attr.
 * Closing the last perf event of a tracepoint unregisters its probe and
 * waits for RCU (~40 ms on kvm_pvm hosts): sets with tracepoints close
 * slowly.
 */
#ifndef COUNTER_H
#define COUNTER_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm.h"

#define COUNTER_NAME_MAX	64
#define COUNTER_WHY_MAX		160
#define COUNTER_MAX		64	/* counters of one case */

enum counter_src {
	COUNTER_KVM_VCPU,	/* a vCPU binary stat */
	COUNTER_KVM_VM,		/* a VM binary stat */
	COUNTER_SW,		/* PERF_TYPE_SOFTWARE */
	COUNTER_TP,		/* PERF_TYPE_TRACEPOINT */
	COUNTER_PMU,		/* libpfm4-encoded */
};

struct counter_spec {
	char name[COUNTER_NAME_MAX];	/* as written */
	enum counter_src src;
	bool supported;
	char why[COUNTER_WHY_MAX];	/* !supported: the reason */
	bool cumulative;		/* false only for instant KVM stats (pages_4k): levels */
	char stat[COUNTER_NAME_MAX];	/* KVM stats: the stat's name */
	struct perf_event_attr attr;	/* perf sources: ready for perf_event_open */
};

/* counter_src_name - "kvm-vcpu", "kvm-vm", "software", "tracepoint", "pmu". */
const char *counter_src_name(enum counter_src s);

/*
 * counter_resolve - find @name's source on this host.  0 with @out filled
 * (supported or not, with why), or -ENOENT/-EINVAL and why in @err when
 * no source knows the name.  Probes the host once per process (KVM stat
 * names from a scratch VM, tracepoint ids from tracefs, libpfm4's PMUs).
 */
int counter_resolve(const char *name, struct counter_spec *out, char *err, size_t len);

/* One reading of one counter. */
struct counter_val {
	bool ok;		/* read; false: unsupported or the read failed */
	uint64_t value;		/* scaled by enabled / running for perf counters */
	uint64_t enabled, running;	/* perf: ns; running < enabled: multiplexed */
};

struct counter_set;	/* the open counters of one vCPU thread */

/*
 * counter_set_open - open @n counters for the calling thread, which must be
 * the vCPU thread of @vcpu_stats (perf events: pid 0, cpu -1, enabled at
 * once).  A counter that fails to open is marked unsupported in the set
 * with the errno's reason.  NULL only when out of memory.
 */
struct counter_set *counter_set_open(const struct counter_spec *specs, int n,
				     struct kvm_stats *vcpu_stats, struct kvm_stats *vm_stats);
/* counter_set_read - every counter now, into @vals[n]; 0 or -errno. */
int counter_set_read(struct counter_set *cs, struct counter_val *vals);
/* counter_set_why - why counter @i of the set is not ok (open failure or unsupported), or NULL. */
const char *counter_set_why(const struct counter_set *cs, int i);
void counter_set_close(struct counter_set *cs);

/*
 * counter_list - `kvmbench counters`: every source, what this host can
 * count from it and, for what it cannot, why.  With @names, resolve just
 * those.  Returns 0, or 1 if a name was unknown.
 */
int counter_list(FILE *out, char **names, int nr_names);

/* cmd_counters - `kvmbench counters [NAME...]`: counter_list on stdout. */
int cmd_counters(int argc, char **argv);

#endif
