// SPDX-License-Identifier: GPL-2.0
/*
 * knob_vpid.c - Intel's virtual processor IDs (tagged TLB entries):
 * kvm_intel's parameter vpid, changed by reloading the module
 * (knob_module.c), so only where kvm_intel is loadable and unused.
 */
#include "knob_internal.h"

static const char *const vpid_values[] = { "on", "off", NULL };

static int vpid_probe(const char *value, char *why, size_t len)
{
	return knob_module_probe("kvm_intel", "vpid", value, why, len);
}

static int vpid_read(char *buf, size_t len)
{
	return knob_module_read("kvm_intel", "vpid", buf, len);
}

static int vpid_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	return knob_module_apply("kvm_intel", "vpid", value, why, len);
}

const struct knob knob_vpid = {
	.name = "vpid",
	.help = "Intel VPID (kvm_intel vpid=): on, off",
	.values = vpid_values,
	.host = true,
	.probe = vpid_probe,
	.read = vpid_read,
	.apply = vpid_apply,
};
