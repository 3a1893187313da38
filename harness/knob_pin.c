// SPDX-License-Identifier: GPL-2.0
/*
 * knob_pin.c - where vCPU threads run: floating (none), packed onto the
 * process's allowed CPUs in order (compact), as far apart as they go
 * (spread: 2 vCPUs on 4 CPUs take 0 and 2), or on a CPU list ("0,2-3":
 * vCPU i on the i-th CPU listed, cycling).  Only the VM changes.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "knob_internal.h"

static const char *const pin_values[] = { "none", "compact", "spread", NULL };

int (*knob_pin_affinity_hook)(cpu_set_t *set);

int knob_allowed_cpus(cpu_set_t *set)
{
	CPU_ZERO(set);
	if (knob_pin_affinity_hook)
		return knob_pin_affinity_hook(set);
	return sched_getaffinity(0, sizeof(*set), set) ? -errno : 0;
}

/* cpu_num - a decimal CPU number at *@s, advancing it; -1 if none or too big. */
static long cpu_num(const char **s)
{
	char *end;
	long v;

	if (**s < '0' || **s > '9')
		return -1;
	v = strtol(*s, &end, 10);
	*s = end;
	return v < CPU_SETSIZE ? v : -2;
}

/*
 * cpulist_parse - "0,2-3" into @cpus (listed order, at most CPU_SETSIZE
 * entries) and @set.  The number of CPUs, or -EINVAL and why.
 */
static int cpulist_parse(const char *list, int *cpus, cpu_set_t *set, char *why, size_t len)
{
	const char *s = list;
	long a, b;
	int n = 0;

	CPU_ZERO(set);
	do {
		a = b = cpu_num(&s);
		if (a >= 0 && *s == '-') {
			s++;
			b = cpu_num(&s);
		}
		if (a == -2 || b == -2) {
			snprintf(why, len, "pin: CPU numbers go up to %d, not '%s'",
				 CPU_SETSIZE - 1, list);
			return -EINVAL;
		}
		if (a < 0 || b < 0 || (*s && *s != ',')) {
			snprintf(why, len,
				 "pin must be none, compact, spread or a CPU list like 0,2-3, not '%s'",
				 list);
			return -EINVAL;
		}
		if (a > b) {
			snprintf(why, len, "pin: %ld-%ld is backwards", a, b);
			return -EINVAL;
		}
		for (; a <= b; a++) {
			CPU_SET(a, set);
			if (n < CPU_SETSIZE)
				cpus[n++] = a;
		}
	} while (*s++ == ',');
	return n;
}

static int pin_check(const char *value, char *why, size_t len)
{
	int cpus[CPU_SETSIZE];
	cpu_set_t set;
	int r;

	r = cpulist_parse(value, cpus, &set, why, len);
	return r < 0 ? r : 0;
}

/* pin_list_ok - every CPU of the list online and allowed to this process. */
static int pin_list_ok(const int *cpus, int n, char *why, size_t len)
{
	char path[PATH_MAX], online_s[256], fmt[256];
	cpu_set_t allowed, online;
	bool have_online;
	int tmp[CPU_SETSIZE], i, r;

	knob_path(path, sizeof(path), "/sys/devices/system/cpu/online");
	have_online = !journal_read_value(path, online_s, sizeof(online_s)) &&
		      cpulist_parse(online_s, tmp, &online, fmt, sizeof(fmt)) > 0;
	r = knob_allowed_cpus(&allowed);
	if (r) {
		snprintf(why, len, "cannot read this process's CPU affinity: %s", strerror(-r));
		return r;
	}
	for (i = 0; i < n; i++) {
		if (have_online && !CPU_ISSET(cpus[i], &online)) {
			snprintf(why, len, "CPU %d is not online (online: %s)", cpus[i], online_s);
			return -EINVAL;
		}
		if (!CPU_ISSET(cpus[i], &allowed)) {
			cpulist_format(&allowed, fmt, sizeof(fmt));
			snprintf(why, len, "CPU %d is not among the CPUs this process may use (%s)",
				 cpus[i], fmt);
			return -EINVAL;
		}
	}
	return 0;
}

static int pin_probe(const char *value, char *why, size_t len)
{
	int cpus[CPU_SETSIZE], n;
	cpu_set_t set;

	if (!strcmp(value, "none") || !strcmp(value, "compact") || !strcmp(value, "spread"))
		return 0;
	n = cpulist_parse(value, cpus, &set, why, len);
	return n < 0 ? n : pin_list_ok(cpus, n, why, len);
}

/*
 * pin_place - vCPU i (counted across the case's VMs) on
 * @cpus[(i * @stride) % @n], for every vCPU the case may have.
 */
static void pin_place(struct knob_plan *plan, const int *cpus, int n, int stride)
{
	int i;

	plan->pin = true;
	for (i = 0; i < KNOB_MAX_VMS; i++)
		plan->pin_cpu[i] = cpus[(long)i * stride % n];
}

static int pin_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	int cpus[CPU_SETSIZE], n = 0, c, i, r;
	int vcpus = (plan->vm.nr_vcpus > 0 ? plan->vm.nr_vcpus : 1) * plan->nr_vms;
	cpu_set_t set;

	if (!strcmp(value, "none")) {
		plan->pin = false;
		for (i = 0; i < KNOB_MAX_VMS; i++)
			plan->pin_cpu[i] = -1;
		return 0;
	}
	r = pin_probe(value, why, len);
	if (r)
		return r;
	if (strcmp(value, "compact") && strcmp(value, "spread")) {
		n = cpulist_parse(value, cpus, &set, why, len);
		pin_place(plan, cpus, n, 1);
		return 0;
	}
	r = knob_allowed_cpus(&set);
	for (c = 0; !r && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	if (r || !n) {
		snprintf(why, len, "cannot read this process's CPU affinity: %s",
			 strerror(r ? -r : ENOENT));
		return r ? r : -ENOENT;
	}
	pin_place(plan, cpus, n, !strcmp(value, "spread") && vcpus < n ? n / vcpus : 1);
	return 0;
}

/* pin_verify - every pinned vCPU thread is allowed on exactly its CPU, read back. */
static int pin_verify(const char *value, struct vm *vm, char *why, size_t len)
{
	struct vmm_vcpu_info ti;
	char want[16];
	int i;

	for (i = 0; i < vm_nr_vcpus(vm); i++) {
		if (vm_vcpu_info(vm, i, &ti) || ti.pin_cpu < 0)
			continue;
		snprintf(want, sizeof(want), "%d", ti.pin_cpu);
		if (ti.pin_errno) {
			snprintf(why, len, "vcpu%d: pinning to CPU %d failed: %s", i, ti.pin_cpu,
				 strerror(ti.pin_errno));
			return -ti.pin_errno;
		}
		if (strcmp(ti.affinity, want)) {
			snprintf(why, len, "vcpu%d: pinned to CPU %d, but its affinity reads '%s'",
				 i, ti.pin_cpu, ti.affinity);
			return -EINVAL;
		}
	}
	return 0;
}

const struct knob knob_pin = {
	.name = "pin",
	.help = "vCPU threads: none (float), compact, spread, or a CPU list like 0,2-3",
	.values = pin_values,
	.check = pin_check,
	.probe = pin_probe,
	.read = knob_vm_read,
	.apply = pin_apply,
	.verify = pin_verify,
};
