// SPDX-License-Identifier: GPL-2.0
/*
 * knob_vcpus.c - vCPUs per VM.  With more vCPUs than host CPUs this is
 * the CPU overcommit pattern of one big guest.
 */
#include <stdlib.h>

#include "knob_internal.h"

static int vcpus_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	plan->vm.nr_vcpus = atoi(value);
	return 0;
}

const struct knob knob_vcpus = {
	.name = "vcpus",
	.help = "vCPUs per VM (1-64)",
	.min = 1,
	.max = KB_MAX_VCPUS,
	.probe = knob_vm_probe,
	.read = knob_vm_read,
	.apply = vcpus_apply,
};
