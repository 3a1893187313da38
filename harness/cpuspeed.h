/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuspeed.h - how fast each host CPU runs a fixed loop, right now.
 *
 * On a shared or nested host a CPU's speed moves with what else runs on
 * its core (a busy sibling thread halves it): a case records the speed of
 * the CPUs it used, before and after it ran, so that compare can tell a
 * slower kernel from a busier host.
 */
#ifndef CPUSPEED_H
#define CPUSPEED_H

#include <sched.h>

#define CPUSPEED_MAX	64	/* CPUs probed per case at most */

/*
 * cpu_pin_self - move the calling thread to @cpu alone, its affinity
 * before in @old; 0, or -1 (nothing changed).  cpu_unpin_self puts @old back.
 */
int cpu_pin_self(int cpu, cpu_set_t *old);
void cpu_unpin_self(const cpu_set_t *old);

/* cpuspeed_probe - ns per iteration of an empty loop on @cpu (median of 7), NAN if unusable. */
double cpuspeed_probe(int cpu);

/*
 * cpuspeed_worst - probe each CPU of @set (up to CPUSPEED_MAX), keeping in
 * ns[cpu] the slower of its old value and the new one (NAN: not probed).
 */
void cpuspeed_worst(const cpu_set_t *set, double *ns, int max);

#endif
