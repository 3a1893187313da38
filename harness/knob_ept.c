// SPDX-License-Identifier: GPL-2.0
/*
 * knob_ept.c - Intel's extended page tables: kvm_intel's parameter ept,
 * changed by reloading the module (knob_module.c), so only where kvm_intel
 * is loadable and unused.
 */
#include "knob_internal.h"

static const char *const ept_values[] = { "on", "off", NULL };

static int ept_probe(const char *value, char *why, size_t len)
{
	return knob_module_probe("kvm_intel", "ept", value, why, len);
}

static int ept_read(char *buf, size_t len)
{
	return knob_module_read("kvm_intel", "ept", buf, len);
}

static int ept_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	return knob_module_apply("kvm_intel", "ept", value, why, len);
}

const struct knob knob_ept = {
	.name = "ept",
	.help = "Intel EPT (kvm_intel ept=): on, off",
	.values = ept_values,
	.host = true,
	.probe = ept_probe,
	.read = ept_read,
	.apply = ept_apply,
};
