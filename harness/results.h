/* SPDX-License-Identifier: GPL-2.0 */
/*
 * results.h - results/<UTC time>-<host>/: host.yaml, scenario.yaml,
 * results.csv, run.tap and summary.md.
 *
 * Files are written under a temporary name and renamed when the run ends.
 * A run that did not finish keeps what it has, and its directory holds an
 * INCOMPLETE file saying why (tools such as compare refuse such a run).
 */
#ifndef RESULTS_H
#define RESULTS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "expect.h"
#include "host.h"
#include "scenario.h"

#define RES_MAX_COLS	64
#define RES_MAX_OBS	48	/* distinct observations summary.md lists */
#define RES_OBS_VALUES	4	/* distinct values each one counts */

/* One row of results.csv: a case x metric x sample, a check, a skip. */
struct res_row {
	const struct sc_case *c;
	int repeat;
	int vms, vcpus;		/* the case's VMs and vCPUs per VM, as run (0: the scenario's) */
	int vm;			/* -1: the case as a whole */
	int vcpu;		/* in its VM; -1: the VM or case as a whole */
	const char *kind;	/* metric, check, skip, case, observation */
	const char *name;
	int sample;		/* -1: not a sample */
	double value;		/* NAN: none */
	const char *unit;
	double cycles;		/* NAN: none */
	const char *detail;
};

struct res_line {		/* one line of summary.md's table */
	char label[200];
	char metric[64];
	double median, min, p99, cyc_median;
	unsigned long samples;
	char unit[16];
	char counters[160];	/* "exits 1, kvm:kvm_pio 1": counters per operation */
};

struct results {
	char dir[PATH_MAX];
	FILE *csv, *tap;
	int nr_cols;
	char cols[RES_MAX_COLS][SC_NAME_MAX];
	int nr_lines, cap_lines;
	struct res_line *lines;
	struct res_tally {	/* what results_tally counted, for summary.md */
		int pass, fail, todo, skip, cases, cases_failed, observed;
		char failures[4096];	/* the first failing points */
		int nr_obs, obs_lost;
		struct res_obs {	/* an observation: what was seen, over repeats and vCPUs */
			char what[180];	/* "tlb:cr3 vcpus=2 cr3_same_global" */
			struct {
				char seen[24];
				int n;
			} v[RES_OBS_VALUES + 1];	/* the last: any other value */
		} obs[RES_MAX_OBS];
	} t;
	const struct expect_uses *exp;	/* what the run's expectations did */
	bool flush_rows;	/* each CSV row written at once (a child that may be killed) */
	const struct host_info *host;
};

/* results_open - make the directory and start every file; writes host.yaml. */
int results_open(struct results *r, const char *base, const struct host_info *h,
		 char *err, size_t len);
/*
 * results_set_columns - add the knob and parameter columns of @cases (call
 * once per scenario: the columns are the union), then results_columns_done
 * writes the CSV header.
 */
void results_set_columns(struct results *r, const struct sc_case *cases, int n);
void results_columns_done(struct results *r);
/* results_file_begin/end - another file of the directory (e.g. scenario.yaml), atomically. */
FILE *results_file_begin(struct results *r, const char *name);
int results_file_end(struct results *r, FILE *f, const char *name);
/* results_tee - a stream that writes to @also and to run.tap. */
FILE *results_tee(struct results *r, FILE *also);
void results_row(struct results *r, const struct res_row *row);
/* results_csv_field - @s as one CSV field (quoted, quotes doubled, where it must be). */
void results_csv_field(FILE *f, const char *s);
void results_line(struct results *r, const struct res_line *l);
void results_tally(struct results *r, const char *kind, bool ok, bool todo, const char *what);
/* results_observe - count observation @what (case label and name) as @seen, for summary.md. */
void results_observe(struct results *r, const char *what, const char *seen);
/* results_expectations - what the expectations did, for summary.md (kept by reference). */
void results_expectations(struct results *r, const struct expect_uses *u);
/* results_close - rename the files into place, write summary.md; @why != NULL: incomplete. */
int results_close(struct results *r, const char *why);

#endif
