// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_counters.c - `kvmbench counters [NAME...]`: the counters this host
 * can count for a case, by source, and why the others cannot be.
 */
#include <stdio.h>
#include <string.h>

#include "counter.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: kvmbench counters [NAME...]\n"
"\n"
"Without NAME, list every counter source and what this host can count from\n"
"it: KVM VM and vCPU binary stats, perf software events, kvm/kvmmmu\n"
"tracepoints and PMU events (libpfm4), each tried with perf_event_open.\n"
"With NAMEs, resolve each as a scenario's `counters:` would:\n"
"  NAME: SOURCE, supported | NAME: SOURCE, unsupported: WHY | NAME: unknown: WHY\n"
"\n"
"A bare name is looked up as a KVM vCPU stat, a KVM VM stat, a software\n"
"event, a tracepoint (SUBSYS:EVENT, or a bare kvm/kvmmmu event), then a\n"
"libpfm4 event.  NAME@guest or NAME@host counts a PMU event in that mode only.\n"
"Exit status 1 if a NAME is unknown or invalid.\n");
}

int cmd_counters(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, "kvmbench counters: unknown option '%s'\n\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	return counter_list(stdout, argv + 1, argc - 1);
}
