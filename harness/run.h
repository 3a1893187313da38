/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run.h - running one case (a guest test in a fresh VM under one matrix
 * point) and the scenario runner around it.
 */
#ifndef RUN_H
#define RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "expect.h"
#include "host.h"
#include "knob.h"
#include "mem_report.h"
#include "oc_report.h"
#include "results.h"
#include "scenario.h"
#include "tap.h"
#include "vmm.h"

/* One metric's figures, kept for the table of --bench. */
struct run_figure {
	char name[280];
	double ns_min, ns_median, ns_p99;
	double cyc_median;
};

struct run_totals {
	int cases, cases_failed;
	int nr_figures;
	struct run_figure figures[1024];
	struct oc_table oc;		/* the cases run under the overcommit knob */
	struct mem_table mem;		/* the memory guest's cases */
	struct expect_uses exp;		/* what the expectations did */
};

/* What a case runs in: where its results go and what it is judged against. */
struct case_env {
	struct tap *tap;
	struct results *res;		/* NULL: no results directory */
	const struct sc_case *c;
	const struct host_info *host;
	const struct expect_set *ex;	/* the run's expectations (NULL: none) */
	struct run_totals *tot;
	int repeat;			/* 0-based */
	bool quiet;			/* warm-up: nothing reported */
};

/*
 * run_expect - the expectation covering point @check of @env's case on
 * this host: the scenario's own expect: list first, then the run's set.
 */
const struct expect *run_expect(const struct case_env *env, const char *check);

/*
 * run_case - boot the VMs of @plan (one, or many at once for CPU overcommit)
 * from @img, report everything; 0 when the case passed.
 */
int run_case(struct case_env *env, const struct vmm_image *img, const struct knob_plan *plan);
void run_print_figures(FILE *out, const struct run_totals *tot);
/*
 * run_case_child - @warmup quiet runs and then run_case, in a child process
 * inside @plan's memory cgroup (mem_overcommit): an OOM kill ends the
 * child, and the case says so (a SKIP: the level is more than this host
 * can hold).  The child's major faults and swap traffic go into its row
 * of the memory table.  0, or -1 when no child could be run.
 */
int run_case_child(struct case_env *env, const struct vmm_image *img,
		   const struct knob_plan *plan, int warmup);

struct runner_opts {
	const char *results_base;	/* NULL: no results directory */
	bool bench;
	bool progress;			/* progress line on stderr */
	const struct expect_set *ex;	/* known host behaviour (NULL: none) */
};

/* runner_run - every case of every scenario; exit status for kvmbench run. */
int runner_run(struct scenario **sc, int nr, const struct runner_opts *o);

int cmd_run(int argc, char **argv);

#endif
