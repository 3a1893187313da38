/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counter_int.h - what counter*.c share: each source as this host offers
 * it, probed once per process on first use (pthread_once), read-only after.
 */
#ifndef COUNTER_INT_H
#define COUNTER_INT_H

#include "counter.h"

/* --- KVM binary stats (counter.c) ------------------------------------------ */

#define CH_STATS_MAX	256	/* stats of one kind; 47 vCPU stats on 6.18 */

struct ch_kvm {
	int n;				/* < 0: none, why says */
	char names[CH_STATS_MAX][COUNTER_NAME_MAX];
	bool cumulative[CH_STATS_MAX];
	char why[COUNTER_WHY_MAX];
};

/* ch_kvm - the vCPU or VM stats of a scratch VM. */
const struct ch_kvm *ch_kvm(bool vcpu);

/* --- software events (counter.c) ------------------------------------------ */

int ch_nr_sw(void);
const char *ch_sw_name(int i);

/* --- tracepoints (counter_tp.c) -------------------------------------------- */

struct ch_tp {
	char name[COUNTER_NAME_MAX];	/* "subsys:event" */
	uint64_t id;			/* perf's config for PERF_TYPE_TRACEPOINT */
};

struct ch_tps {
	int n;				/* < 0: the ids could not be read, why says */
	struct ch_tp *tp;		/* sorted by name */
	char how[96];			/* where the ids came from */
	char why[COUNTER_WHY_MAX];
};

const struct ch_tps *ch_tps(void);
/* ch_tp_find - the tracepoint "subsys:event", or NULL. */
const struct ch_tp *ch_tp_find(const char *name);
/* ch_tp_subsys - does tracefs have subsystem @sys (@len chars)? */
bool ch_tp_subsys(const char *sys, size_t len);

/* --- PMU through libpfm4 (counter_pmu.c) ------------------------------------ */

/* pmu_ready - libpfm4 initialised (once): 0, or -EIO and why. */
int pmu_ready(char *why, size_t len);
/*
 * pmu_encode - libpfm4's perf_event_attr for @event (no @guest/@host),
 * default privilege levels user and kernel.  0, -ENOENT when no PMU table
 * of libpfm4 knows the event, -EINVAL for a known event written wrongly
 * (bad unit mask or modifier); why in @err.
 */
int pmu_encode(const char *event, struct perf_event_attr *attr, char *err, size_t len);

struct pmu_desc {
	const char *name, *desc;
	bool core;			/* the CPU's own PMU (not perf's generic one) */
};

/* pmu_active - the PMUs libpfm4 detects on this host, at most @max. */
int pmu_active(struct pmu_desc *out, int max);
/* pmu_core - the name of the CPU's PMU libpfm4 detects, or NULL. */
const char *pmu_core(void);
/* pmu_version - "4.13.0 (API 4.0)": the library's file version and API. */
void pmu_version(char *buf, size_t len);
/* perf_has_core_pmu - has the kernel registered a PMU of type PERF_TYPE_RAW? */
bool perf_has_core_pmu(void);
/* perf_pmus - the PMUs perf offers, "breakpoint msr software ..." (sysfs). */
void perf_pmus(char *buf, size_t len);

#endif
