// SPDX-License-Identifier: GPL-2.0
/*
 * knob_memory.c - guest RAM per VM, in MiB.  The VMM rejects a size that
 * is not a multiple of the backing's page size (1G pages need 1024, 2048).
 */
#include <stdlib.h>

#include "knob_internal.h"

static int memory_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	plan->vm.ram_size = strtoull(value, NULL, 10) << 20;
	return 0;
}

const struct knob knob_memory = {
	.name = "memory",
	.help = "guest RAM in MiB (8-3072)",
	.min = 8,
	.max = 3072,
	.probe = knob_vm_probe,
	.read = knob_vm_read,
	.apply = memory_apply,
};
