// SPDX-License-Identifier: GPL-2.0
/*
 * knob_cpu_model.c - where the vCPUs' CPUID features come from: host
 * (everything KVM supports, like -cpu host) or baseline (a fixed
 * conservative set, a qemu64 kin, written down in kb_abi.h).
 */
#include <string.h>

#include "knob_internal.h"

static const char *const cpu_model_values[] = { "host", "baseline", NULL };

static int cpu_model_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	plan->vm.cpu_model = strcmp(value, "baseline") ? VM_CPU_HOST : VM_CPU_BASELINE;
	return 0;
}

const struct knob knob_cpu_model = {
	.name = "cpu_model",
	.help = "CPUID features: host (all KVM supports) or baseline (fixed, qemu64-like)",
	.values = cpu_model_values,
	.probe = knob_vm_probe,
	.read = knob_vm_read,
	.apply = cpu_model_apply,
};
