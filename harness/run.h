/* SPDX-License-Identifier: GPL-2.0 */
/* run.h - `kvmbench run`: boot guests, one VM per test, and report TAP. */
#ifndef RUN_H
#define RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "tap.h"
#include "vmm.h"

#define RUN_MAX_PARAMS	KB_MAX_PARAMS

struct run_opts {
	int nr_vcpus;
	double timeout_s;
	uint64_t ram_mb;
	bool bench;			/* print the figures table at the end */
	int nr_params;
	struct {
		char name[32];
		char value[64];
	} params[RUN_MAX_PARAMS];
};

/* One metric's figures, kept for the table at the end. */
struct run_figure {
	char name[96];
	double ns_min, ns_median, ns_p99;
	double cyc_median;
	uint64_t samples, iters;
};

struct run_totals {
	int cases, cases_failed;
	int nr_figures;
	struct run_figure figures[512];
};

void run_opts_init(struct run_opts *o);
/* run_case - boot @img running @test; results go to @tap. Returns 0 when the case passed. */
int run_case(struct tap *tap, const struct vmm_image *img, const char *guest,
	     const char *test, const struct run_opts *o, struct run_totals *tot);
void run_print_figures(FILE *out, const struct run_totals *tot);
int cmd_run(int argc, char **argv);

#endif
