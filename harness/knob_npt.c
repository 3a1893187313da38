// SPDX-License-Identifier: GPL-2.0
/*
 * knob_npt.c - AMD's nested page tables: kvm_amd's parameter npt, changed
 * by reloading the module (knob_module.c), so only where kvm_amd is
 * loadable and unused.
 */
#include "knob_internal.h"

static const char *const npt_values[] = { "on", "off", NULL };

static int npt_probe(const char *value, char *why, size_t len)
{
	return knob_module_probe("kvm_amd", "npt", value, why, len);
}

static int npt_read(char *buf, size_t len)
{
	return knob_module_read("kvm_amd", "npt", buf, len);
}

static int npt_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	return knob_module_apply("kvm_amd", "npt", value, why, len);
}

const struct knob knob_npt = {
	.name = "npt",
	.help = "AMD NPT (kvm_amd npt=): on, off",
	.values = npt_values,
	.host = true,
	.probe = npt_probe,
	.read = npt_read,
	.apply = npt_apply,
};
