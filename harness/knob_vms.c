// SPDX-License-Identifier: GPL-2.0
/*
 * knob_vms.c - identical VMs a case runs at once (KSM across guests, the
 * memory overcommit of many guests).  Each VM's boot info says which one
 * it is (vm_index of nr_vms).  The overcommit knob, applied after this
 * one, sets its own number of VMs for overcommit_pattern=many-vms.
 */
#include <stdlib.h>

#include "knob_internal.h"

static int vms_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	plan->nr_vms = atoi(value);
	return 0;
}

const struct knob knob_vms = {
	.name = "vms",
	.help = "identical VMs run at once by the case (1-64)",
	.min = 1,
	.max = 64,
	.probe = knob_vm_probe,
	.read = knob_vm_read,
	.apply = vms_apply,
};
