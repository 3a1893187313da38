/* SPDX-License-Identifier: GPL-2.0 */
/*
 * case_counters.h - the counters of one case, on every vCPU thread.
 *
 * Each vCPU thread opens the case's counters for itself when it starts
 * (VMM_EV_VCPU_START), reads them at every window the guest marks
 * (VMM_EV_MARK: kb_measure marks each sample, outside its timed region) and
 * once more when it ends.  A metric whose samples were marked gets the
 * counters' deltas per sample (per operation: divided by the sample's
 * iterations); the case gets each thread's totals.
 */
#ifndef CASE_COUNTERS_H
#define CASE_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "counter.h"
#include "scenario.h"

struct cc_vcpu;

struct case_counters {
	int n;
	struct counter_spec spec[COUNTER_MAX];
	int nr_vcpus;			/* across the case's VMs */
	int vcpus_per_vm;
	struct cc_vcpu *v;
};

/* A metric's windows: @count samples x @n counters. */
struct cc_windows {
	int n;
	uint64_t count;
	uint64_t *delta;		/* [sample * n + counter] */
	bool *ok;			/* same layout */
	const char *why[COUNTER_MAX];	/* a counter not ok: why (the set's reason) */
	bool multiplexed[COUNTER_MAX];
};

/*
 * cc_names - the counters a case asks for: the scenario's list, else the
 * defaults of its guest.  Fills @names (at most COUNTER_MAX); returns how many.
 */
int cc_names(const struct sc_case *c, const char **names);
/* cc_defaults - the default counters of @guest, NULL-terminated. */
const char *const *cc_defaults(const char *guest);

/* cc_init - resolve @c's counters for @nr_vcpus vCPU threads (@per_vm per VM). */
int cc_init(struct case_counters *cc, const struct sc_case *c, int nr_vcpus, int per_vm);
void cc_free(struct case_counters *cc);

/* On vCPU @vcpu's own thread (counted across VMs). */
void cc_vcpu_start(struct case_counters *cc, int vcpu, struct kvm_stats *vcpu_stats,
		   struct kvm_stats *vm_stats);
void cc_mark(struct case_counters *cc, int vcpu, bool start);
void cc_vcpu_end(struct case_counters *cc, int vcpu);

/*
 * cc_take - the windows @vcpu marked since the last call, if there are
 * @count + 1 of them (kb_measure's empty window, then a metric's samples):
 * 0 and @w filled with each sample's counts less the empty window's (free
 * with cc_windows_free), else -ENOENT (they are dropped).
 */
int cc_take(struct case_counters *cc, int vcpu, uint64_t count, struct cc_windows *w);
void cc_windows_free(struct cc_windows *w);

/* cc_total - counter @i over vCPU @vcpu's whole run: true when known, with *@v. */
bool cc_total(const struct case_counters *cc, int vcpu, int i, uint64_t *v);
/* cc_why - why counter @i is not known on @vcpu (unsupported or failed), "" if it is. */
const char *cc_why(const struct case_counters *cc, int vcpu, int i);
/* cc_unit - "ns" for the clocks, "count" otherwise. */
const char *cc_unit(const struct counter_spec *s);

#endif
