/* SPDX-License-Identifier: GPL-2.0 */
/*
 * native.h - native twins of guest figures: the same kernel
 * (include/kb_kernels.h) run in kvmbench's own process, over memory of the
 * case's backing, with the case's parameters, grown and sampled the way
 * the guest's kb_measure() does it.  The virtual/native ratio of medians
 * is the figure the EPT/NPT papers report.
 *
 * A guest figure has a twin when the table in native.c names its
 * guest:test:metric; run.c runs the twin after the VM has ended (never
 * alongside the guest) and reports it next to the guest's own figure.
 */
#ifndef NATIVE_H
#define NATIVE_H

#include <stddef.h>
#include <stdint.h>

#include "vmm.h"

#define NATIVE_MAX_SAMPLES	1024	/* as the guest's KB_PERCPU_SAMPLES */

struct native_result {
	uint64_t iters;			/* operations per sample */
	uint64_t count;			/* samples */
	uint64_t samples[NATIVE_MAX_SAMPLES];	/* TSC cycles of each sample */
	char backing[160];		/* what backed the memory, as checked in smaps */
};

/*
 * A twin: @run measures with the parameters and RAM backing of @cfg and the
 * VM's TSC frequency @tsc_khz.  0, or -errno and why (a host that cannot
 * give the memory is a reason to skip, not a failure).
 */
typedef int (*native_fn)(const struct vm_config *cfg, uint64_t tsc_khz,
			 struct native_result *r, char *why, size_t len);

struct native_twin {
	const char *guest, *test, *metric;
	native_fn run;
};

/* native_find - the twin of metric @metric of @guest:@test, or NULL. */
const struct native_twin *native_find(const char *guest, const char *test, const char *metric);

#endif
