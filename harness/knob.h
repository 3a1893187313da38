/* SPDX-License-Identifier: GPL-2.0 */
/*
 * knob.h - host and VM settings a scenario can vary.
 *
 * Every knob can say whether a value can be applied here (probe, with the
 * reason when not: the case becomes a TAP SKIP), read the host's current
 * value, and apply a value: host settings through the journal (so they are
 * put back at exit, on a signal, and by `kvmbench restore`), VM settings by
 * editing the vm_config of the case.  One file per knob: harness/knob_*.c.
 *
 * Everything under /proc and /sys is read and written below knob_root()
 * ($KVMBENCH_SYSROOT, default ""), so tests can use fixture trees.
 */
#ifndef KNOB_H
#define KNOB_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm.h"

#define KNOB_VALUE_MAX	64
#define KNOB_MAX_VMS	256		/* VMs one case may run at once */

/*
 * What the knobs of a case build: the VM every one of its VMs is made
 * from, and how many run at once (CPU overcommit with many small guests).
 * pin_cpu places vCPU i of VM k, counted across the VMs (k * vcpus + i).
 */
struct knob_plan {
	struct vm_config vm;
	int nr_vms;			/* 1 unless overcommit_pattern=many-vms */
	bool oc_many_vms;		/* overcommit_pattern (applied before overcommit) */
	int host_cpus;			/* the CPUs overcommit counted, 0 if it did not */
	double oc_ratio;		/* the vCPUs per host CPU it was asked for */
	bool pin;
	int pin_cpu[KNOB_MAX_VMS];	/* -1: floats; beyond: cycles */
	/*
	 * mem_overcommit: the case's VMs run in a child process inside the
	 * memory cgroup at memcg (a directory the knob made, journaled),
	 * limited to memcg_limit bytes = every VM's RAM / mem_oc_level.
	 */
	double mem_oc_level;		/* 0: the knob is not set */
	uint64_t memcg_limit;
	char memcg[256];		/* "" : no cgroup */
};

/* knob_plan_init - one VM of @cfg, nothing pinned. */
void knob_plan_init(struct knob_plan *plan, const struct vm_config *cfg);
/* knob_plan_vm - the vm_config of VM @k of @plan (its vCPUs' pinning filled in). */
void knob_plan_vm(const struct knob_plan *plan, int k, struct vm_config *out);

struct knob {
	const char *name;
	const char *help;		/* one line, for --help and the README */
	const char *const *values;	/* NULL-terminated allowed values; NULL: integer */
	long min, max;			/* integer knobs */
	bool host;			/* changes the host (journaled) */
	/*
	 * check - syntax a value may have beyond @values (optional, no host
	 * access), e.g. pin's CPU lists: 0 or -EINVAL and why.
	 */
	int (*check)(const char *value, char *why, size_t len);
	/* probe - can @value be applied on this host?  0, or -errno and why. */
	int (*probe)(const char *value, char *why, size_t len);
	/* read - the host's current value ("" for VM-only knobs). */
	int (*read)(char *buf, size_t len);
	/*
	 * apply - put @value in force for the next case: host knobs journal the
	 * original first and write the host; every knob may edit @plan.  On
	 * failure -errno and why: the case is skipped with that reason.
	 */
	int (*apply)(const char *value, struct knob_plan *plan, char *why, size_t len);
	/*
	 * verify - after the case ran (optional): did the setting take?  E.g.
	 * backing=thp checks the guest RAM has AnonHugePages.  0 or -errno/why.
	 */
	int (*verify)(const char *value, struct vm *vm, char *why, size_t len);
};

/* knob_all - every knob, NULL-terminated, in a fixed order. */
const struct knob *const *knob_all(void);
const struct knob *knob_find(const char *name);
/* knob_value_ok - syntax check of @value for @k (no host access): 0 or -EINVAL, why. */
int knob_value_ok(const struct knob *k, const char *value, char *why, size_t len);
/*
 * knob_backing_check - does the mapping that starts at @addr (in this
 * process's /proc/self/smaps) have the huge pages @backing promises?  Used
 * by the backing knob and for the native baseline's memory.
 */
int knob_backing_check(const void *addr, enum vmm_backing backing, char *why, size_t len);

/* knob_topology_parse - "2x2x1" into @t: 0 or -EINVAL (each field 1..255). */
int knob_topology_parse(const char *value, struct vm_topology *t);

/* knob_overcommit_parse - vCPUs per host CPU: 0 < ratio <= 64, or -EINVAL. */
int knob_overcommit_parse(const char *value, double *ratio);

/* knob_root - the sysfs/procfs root prefix ($KVMBENCH_SYSROOT or ""). */
const char *knob_root(void);

#endif
