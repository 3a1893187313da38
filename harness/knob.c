// SPDX-License-Identifier: GPL-2.0
/*
 * knob.c - the registry of knobs, the syntax check of their values, and
 * the helpers every knob_*.c uses to reach /proc and /sys below the root.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knob.h"
#include "host.h"
#include "knob_internal.h"

/*
 * Host settings first, then the shape of the case (vCPUs, memory, how many
 * VMs), then what depends on that shape: the memory cgroup's limit
 * (mem_overcommit) and hugetlb reservations (backing) need every VM's RAM,
 * pinning needs every vCPU.
 */
static const struct knob *const knobs[] = {
	&knob_ept, &knob_vpid, &knob_npt, &knob_thp, &knob_vcpus, &knob_memory, &knob_vms,
	&knob_overcommit_pattern, &knob_overcommit, &knob_topology, &knob_cpu_model,
	&knob_mem_overcommit, &knob_backing, &knob_ksm, &knob_pin, NULL,
};

const struct knob *const *knob_all(void)
{
	return knobs;
}

const struct knob *knob_find(const char *name)
{
	int i;

	for (i = 0; knobs[i]; i++)
		if (!strcmp(knobs[i]->name, name))
			return knobs[i];
	return NULL;
}

void knob_plan_init(struct knob_plan *plan, const struct vm_config *cfg)
{
	int i;

	memset(plan, 0, sizeof(*plan));
	plan->vm = *cfg;
	plan->nr_vms = 1;
	plan->oc_many_vms = true;	/* the recommended pattern, unless asked otherwise */
	for (i = 0; i < KNOB_MAX_VMS; i++)
		plan->pin_cpu[i] = -1;
}

void knob_plan_vm(const struct knob_plan *plan, int k, struct vm_config *out)
{
	int n = plan->vm.nr_vcpus > 0 ? plan->vm.nr_vcpus : 1, i;

	*out = plan->vm;
	out->pin = plan->pin;
	for (i = 0; i < KB_MAX_VCPUS; i++)
		out->pin_cpu[i] = plan->pin ? plan->pin_cpu[(k * n + i) % KNOB_MAX_VMS] : -1;
}

/* values_list - "a, b, c" from a NULL-terminated list. */
static void values_list(const char *const *v, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; v[i] && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? ", " : "", v[i]);
}

static int int_ok(const struct knob *k, const char *value, char *why, size_t len)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || *end || end == value || v < k->min || v > k->max) {
		snprintf(why, len, "%s must be an integer from %ld to %ld, not '%s'",
			 k->name, k->min, k->max, value);
		return -EINVAL;
	}
	return 0;
}

int knob_value_ok(const struct knob *k, const char *value, char *why, size_t len)
{
	char list[256];
	int i;

	if (!value || !value[0]) {
		snprintf(why, len, "%s needs a value", k->name);
		return -EINVAL;
	}
	if (!k->values)
		return k->check ? k->check(value, why, len) : int_ok(k, value, why, len);
	for (i = 0; k->values[i]; i++)
		if (!strcmp(k->values[i], value))
			return 0;
	if (k->check)
		return k->check(value, why, len);
	values_list(k->values, list, sizeof(list));
	snprintf(why, len, "%s must be one of %s, not '%s'", k->name, list, value);
	return -EINVAL;
}

const char *knob_root(void)
{
	const char *r = getenv("KVMBENCH_SYSROOT");

	return r ? r : "";
}

char *knob_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	host_vpath(buf, len, knob_root(), fmt, ap);
	va_end(ap);
	return buf;
}

bool knob_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int knob_read_long(const char *path, long *v)
{
	char buf[64], *end;
	int r;

	r = journal_read_value(path, buf, sizeof(buf));
	if (r)
		return r;
	errno = 0;
	*v = strtol(buf, &end, 10);
	if (errno || *end || end == buf)
		return -EINVAL;
	return 0;
}

int knob_vm_probe(const char *value, char *why, size_t len)
{
	return 0;
}

int knob_vm_read(char *buf, size_t len)
{
	buf[0] = '\0';
	return 0;
}

bool knob_is_on(const char *raw)
{
	return !strcmp(raw, "Y") || !strcmp(raw, "y") || !strcmp(raw, "1");
}
