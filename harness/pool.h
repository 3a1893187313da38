/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pool.h - what the VMs of one case said, pooled by name.
 *
 * A case of many VMs (CPU overcommit with many small guests) hears the
 * same metric and check from every VM.  Reported one by one they would
 * drown the TAP stream; pooled, a metric is one figure over every vCPU
 * that reported it (the spread across vCPUs is the point of such a case),
 * and a check passes when it passed everywhere.
 */
#ifndef POOL_H
#define POOL_H

#include <stdbool.h>
#include <stdint.h>

struct pool_metric {
	char name[64];
	char unit[16];
	uint64_t iters_min, iters_max;
	int n, cap;
	double *v;			/* per operation, in the guest's unit */
	int *vm, *vcpu;			/* where each value came from */
};

struct pool_check {
	char name[64];
	int pass, fail;
	int vm, vcpu;			/* of the first failure */
	char detail[256];		/* the first failure's, else the first pass's */
};

struct pool_skip {
	char name[64];
	int n;
	char reason[256];		/* the first one */
};

struct pool {
	int nr_metrics, nr_checks, nr_skips;
	struct pool_metric *metrics;
	struct pool_check *checks;
	struct pool_skip *skips;
	bool oom;			/* something could not be kept */
};

void pool_init(struct pool *p);
void pool_free(struct pool *p);
/* pool_metric - add @count per-op values of metric @name from vCPU @vcpu of VM @vm. */
void pool_metric(struct pool *p, int vm, int vcpu, const char *name, const char *unit,
		 uint64_t iters, const double *per_op, uint64_t count);
void pool_check(struct pool *p, int vm, int vcpu, const char *name, bool ok,
		const char *detail);
void pool_skip(struct pool *p, const char *name, const char *reason);

#endif
