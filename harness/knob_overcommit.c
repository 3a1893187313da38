// SPDX-License-Identifier: GPL-2.0
/*
 * knob_overcommit.c - CPU overcommit: vCPUs per host CPU, in one of the two
 * patterns people argue about.  many-vms runs N VMs of 1 vCPU at once (the
 * recommended way: many small guests), one-vm runs 1 VM of N vCPUs (the
 * discouraged way: one guest with more vCPUs than the host has CPUs).
 * N = the ratio times the CPUs this process may run on, rounded, at least
 * 1.  overcommit_pattern comes first in the registry; overcommit then sets
 * the vCPU or VM count, overriding vcpus.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knob_internal.h"

#define OC_RATIO_MAX	64.0

static const char *const pattern_values[] = { "many-vms", "one-vm", NULL };

static int pattern_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	plan->oc_many_vms = !strcmp(value, "many-vms");
	return 0;
}

const struct knob knob_overcommit_pattern = {
	.name = "overcommit_pattern",
	.help = "how overcommit adds vCPUs: many-vms (N VMs of 1 vCPU) or one-vm (1 VM of N)",
	.values = pattern_values,
	.probe = knob_vm_probe,
	.read = knob_vm_read,
	.apply = pattern_apply,
};

int knob_overcommit_parse(const char *value, double *ratio)
{
	char *end;

	errno = 0;
	*ratio = strtod(value, &end);
	if (errno || end == value || *end || !isfinite(*ratio) || *ratio <= 0 ||
	    *ratio > OC_RATIO_MAX)
		return -EINVAL;
	return 0;
}

static int ratio_check(const char *value, char *why, size_t len)
{
	double r;

	if (!knob_overcommit_parse(value, &r))
		return 0;
	snprintf(why, len, "overcommit must be vCPUs per host CPU, a number above 0 up to %g (like 0.5 or 4), not '%s'",
		 OC_RATIO_MAX, value);
	return -EINVAL;
}

/*
 * oc_vcpus - the ratio @value asks for (in *@ratio) times the allowed CPUs
 * (in *@host_cpus), rounded, at least 1; -errno and why on failure.
 */
static int oc_vcpus(const char *value, double *ratio, int *host_cpus, char *why, size_t len)
{
	cpu_set_t set;
	long n;
	int r;

	if (knob_overcommit_parse(value, ratio))
		return ratio_check(value, why, len);
	r = knob_allowed_cpus(&set);
	if (r) {
		snprintf(why, len, "cannot read this process's CPU affinity: %s", strerror(-r));
		return r;
	}
	*host_cpus = CPU_COUNT(&set);
	n = lround(*ratio * *host_cpus);
	return n < 1 ? 1 : n > 1 << 20 ? 1 << 20 : (int)n;
}

static int ratio_probe(const char *value, char *why, size_t len)
{
	double ratio;
	int cpus, n = oc_vcpus(value, &ratio, &cpus, why, len);

	return n < 0 ? n : 0;
}

static int ratio_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	double ratio;
	int cpus, n = oc_vcpus(value, &ratio, &cpus, why, len);

	if (n < 0)
		return n;
	if (plan->oc_many_vms && n > KNOB_MAX_VMS) {
		snprintf(why, len, "overcommit=%s on %d CPUs needs %d VMs at once; kvmbench runs at most %d",
			 value, cpus, n, KNOB_MAX_VMS);
		return -E2BIG;
	}
	if (!plan->oc_many_vms && n > KB_MAX_VCPUS) {
		snprintf(why, len, "overcommit=%s on %d CPUs needs a VM of %d vCPUs; kvmbench VMs have at most %d",
			 value, cpus, n, KB_MAX_VCPUS);
		return -E2BIG;
	}
	plan->oc_ratio = ratio;
	plan->host_cpus = cpus;
	plan->nr_vms = plan->oc_many_vms ? n : 1;
	plan->vm.nr_vcpus = plan->oc_many_vms ? 1 : n;
	return 0;
}

const struct knob knob_overcommit = {
	.name = "overcommit",
	.help = "vCPUs per host CPU (0.5, 1, 2, 4, 8...): N = ratio x allowed CPUs; overrides vcpus",
	.check = ratio_check,
	.probe = ratio_probe,
	.read = knob_vm_read,
	.apply = ratio_apply,
};
