// SPDX-License-Identifier: GPL-2.0
/*
 * knob_topology.c - the CPU topology the guest's CPUID shows, as
 * SOCKETSxCORESxTHREADS ("2x2x1"), like -smp sockets=,cores=,threads=.
 * The slots may outnumber the vCPUs (as maxcpus does); vCPU i takes slot
 * i, socket-major.  Only the VM changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knob_internal.h"

#define TOPO_FIELD_MAX	255

/* topo_field - a decimal 1..255 at *@s, advancing it; -1 if there is none. */
static int topo_field(const char **s)
{
	char *end;
	long v;

	if (**s < '0' || **s > '9')
		return -1;
	v = strtol(*s, &end, 10);
	*s = end;
	return v >= 1 && v <= TOPO_FIELD_MAX ? v : -1;
}

int knob_topology_parse(const char *value, struct vm_topology *t)
{
	const char *s = value;

	t->sockets = topo_field(&s);
	if (t->sockets < 0 || *s++ != 'x')
		return -EINVAL;
	t->cores = topo_field(&s);
	if (t->cores < 0 || *s++ != 'x')
		return -EINVAL;
	t->threads = topo_field(&s);
	return t->threads < 0 || *s ? -EINVAL : 0;
}

static int topology_check(const char *value, char *why, size_t len)
{
	struct vm_topology t;

	if (!knob_topology_parse(value, &t))
		return 0;
	snprintf(why, len,
		 "topology must be SOCKETSxCORESxTHREADS, each 1-%d (like 2x2x1), not '%s'",
		 TOPO_FIELD_MAX, value);
	return -EINVAL;
}

static int topology_probe(const char *value, char *why, size_t len)
{
	return topology_check(value, why, len);
}

/* The vCPU count is known by now (vcpus and overcommit come first). */
static int topology_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	struct vm_topology t;
	int r;

	r = topology_check(value, why, len);
	if (r)
		return r;
	knob_topology_parse(value, &t);
	r = vm_topology_check(&t, plan->vm.nr_vcpus, why, len);
	if (r)
		return r;
	plan->vm.topo = t;
	return 0;
}

const struct knob knob_topology = {
	.name = "topology",
	.help = "CPUID topology SOCKETSxCORESxTHREADS (like 2x2x1); default 1xVCPUSx1",
	.check = topology_check,
	.probe = topology_probe,
	.read = knob_vm_read,
	.apply = topology_apply,
};
