// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - the kvmbench command: benchmark and conformance harness for KVM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "counter.h"
#include "guests.h"
#include "knob.h"
#include "expect.h"
#include "host.h"
#include "journal.h"
#include "plot.h"
#include "run.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: kvmbench COMMAND [ARGS]\n"
"\n"
"Benchmark and conformance harness for KVM: boots microguests on /dev/kvm,\n"
"measures exit, paging and TLB costs and checks architectural behaviour.\n"
"\n"
"Commands:\n"
"  run SCENARIO.yaml... | GUEST[:TEST]...\n"
"                        run scenarios or guest tests, print TAP, keep results\n"
"  plot RESULTS_DIR      charts of a results directory (SVG, PNG; gnuplot)\n"
"  restore               put back host settings a crashed run left changed\n"
"  list [GUEST...]       the guests and their tests\n"
"  host                  this host's fingerprint as YAML\n"
"  counters [NAME...]    what this host can count (KVM stats, software events,\n"
"                        tracepoints, PMU) and why not; or how NAMEs resolve\n"
"  compare A B           compare two results directories: per metric the change\n"
"                        and whether it is significant; exit 1 on a regression\n"
"  help [COMMAND]        this help, or a command's\n"
"  help knobs            every knob a scenario or --knob can set, and its values\n"
"  version               kvmbench's version\n"
"\n"
"Guests are looked up in $KVMBENCH_GUESTS, else in guests/ beside the binary.\n");
}

static int cmd_list(int argc, char **argv)
{
	char names[GUESTS_MAX][GUEST_NAME_MAX], err[VMM_ERR_MAX];
	struct vmm_image img;
	int i, j, n, r = 0;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: kvmbench list [GUEST...]\n\nList the guests in %s and their tests.\n",
		       guests_dir());
		return 0;
	}
	n = argc > 1 ? argc - 1 : guests_list(names, GUESTS_MAX);
	if (!n) {
		fprintf(stderr, "kvmbench list: no guests in %s (run make first)\n", guests_dir());
		return 1;
	}
	for (i = 0; i < n; i++) {
		const char *name = argc > 1 ? argv[i + 1] : names[i];

		if (guest_load(name, &img, err, sizeof(err))) {
			fprintf(stderr, "kvmbench list: %s\n", err);
			r = 1;
			continue;
		}
		printf("%s\n", name);
		for (j = 0; j < img.nr_tests; j++)
			printf("  %-16s %s\n", img.tests[j].name, img.tests[j].desc);
		image_free(&img);
	}
	return r;
}

static int cmd_host(int argc, char **argv)
{
	static struct host_info h;
	static struct expect_set ex;
	const char *root = "", *xpath = expect_default_path();
	char err[512];
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: kvmbench host [--root DIR] [--expectations PATH]\n\n"
			       "Print the host fingerprint as YAML: kernel, CPU model, features and\n"
			       "topology, virtualization flags, KVM modules and every parameter, paging\n"
			       "mode (ept, npt, shadow-pvm, shadow), hugepage, THP and KSM state; then\n"
			       "the expectations (known host behaviour) that match this host.\n"
			       "--root reads /proc and /sys below DIR (for fixture trees).\n"
			       "--expectations reads them from PATH (a file or folder; 'none').\n");
			return 0;
		}
		if (i + 1 < argc && !strcmp(argv[i], "--root")) {
			root = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "--expectations")) {
			xpath = argv[++i];
		} else {
			fprintf(stderr, "kvmbench host: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (xpath && strcmp(xpath, "none") && expect_set_load(&ex, xpath, err, sizeof(err))) {
		fprintf(stderr, "kvmbench host: expectations: %s\n", err);
		return 2;
	}
	if (host_probe(root, &h)) {
		fprintf(stderr, "kvmbench host: could not read the host's /proc and /sys\n");
		expect_set_free(&ex);
		return 1;
	}
	host_write_yaml(&h, stdout);
	expect_write_yaml(&ex, &h, stdout);
	expect_set_free(&ex);
	return 0;
}

/* help_knobs - the knobs: name, what it does, the values it takes. */
static int help_knobs(void)
{
	const struct knob *const *k;
	int i;

	printf("Knobs (scenario `knobs:`/`matrix:` keys, or `kvmbench run -k NAME=VALUE`):\n\n");
	for (k = knob_all(); *k; k++) {
		printf("  %-19s %s%s\n", (*k)->name, (*k)->help, (*k)->host ? " [host]" : "");
		if ((*k)->values) {
			printf("  %-19s values:", "");
			for (i = 0; (*k)->values[i]; i++)
				printf(" %s", (*k)->values[i]);
			printf("\n");
		} else if (!(*k)->check) {
			printf("  %-19s values: %ld..%ld\n", "", (*k)->min, (*k)->max);
		}
	}
	printf("\n[host]: changes the host; journaled and put back (see `kvmbench restore`).\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	static char *hargv[3];

	if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (!strcmp(cmd, "help")) {
		if (argc > 2 && !strcmp(argv[2], "knobs"))
			return help_knobs();
		if (argc > 2) {
			hargv[0] = argv[2];
			hargv[1] = "--help";
			argv = hargv;
			argc = 2;
			cmd = argv[0];
		} else {
			usage(stdout);
			return 0;
		}
	} else {
		argv++;
		argc--;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv);
	if (!strcmp(cmd, "plot"))
		return cmd_plot(argc, argv);
	if (!strcmp(cmd, "restore"))
		return cmd_restore(argc, argv);
	if (!strcmp(cmd, "list"))
		return cmd_list(argc, argv);
	if (!strcmp(cmd, "host"))
		return cmd_host(argc, argv);
	if (!strcmp(cmd, "compare"))
		return cmd_compare(argc, argv);
	if (!strcmp(cmd, "counters"))
		return cmd_counters(argc, argv);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("kvmbench %s (guest ABI %d)\n", KVMBENCH_VERSION, KB_ABI_VERSION);
		return 0;
	}
	fprintf(stderr, "kvmbench: unknown command '%s'\n\n", cmd);
	usage(stderr);
	return 2;
}
