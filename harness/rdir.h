/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rdir.h - read back a results directory (what results.c wrote): results.csv
 * as a table of strings, host.yaml flattened to dotted keys, and the rows
 * grouped into metrics (samples) and checks (states) for plot and compare.
 *
 * A directory with an INCOMPLETE file, or without host.yaml or results.csv,
 * is refused with a message saying which.
 */
#ifndef RDIR_H
#define RDIR_H

#include <limits.h>
#include <stddef.h>

/* results.csv's fixed columns, in order; the config columns follow "detail". */
enum rdir_fixed {
	RC_SCENARIO, RC_CASE, RC_GUEST, RC_TEST, RC_REPEAT, RC_VM, RC_VCPU,
	RC_KIND, RC_NAME, RC_SAMPLE, RC_VALUE, RC_UNIT, RC_CYCLES, RC_DETAIL,
	RC_NR_FIXED
};

struct rdir_kv {
	char *key;		/* "kvm.paging", "memory.ksm.run", "kvm.modules.kvm.parameters.tdp_mmu" */
	char *val;
};

struct rdir {
	char path[PATH_MAX];
	char name[256];		/* the directory's base name */
	int nr_cols;
	char **cols;		/* header names */
	int nr_rows;
	char **cells;		/* nr_rows x nr_cols, row-major; never NULL ("" if empty) */
	char *buf;		/* results.csv's text: the cells point into it */
	int nr_host;
	struct rdir_kv *host;	/* host.yaml, flattened, in file order */
};

/* rdir_load - read @path; 0, or -1 with "PATH: what is wrong" in @err. */
int rdir_load(struct rdir *d, const char *path, char *err, size_t len);
void rdir_free(struct rdir *d);

/* rdir_col - the index of column @name, -1 if there is none. */
int rdir_col(const struct rdir *d, const char *name);
/* rdir_cell - row @row's cell in column @col ("" when @col < 0). */
const char *rdir_cell(const struct rdir *d, int row, int col);
/* rdir_get - row @row's cell in the column named @name ("" if none). */
const char *rdir_get(const struct rdir *d, int row, const char *name);
/* rdir_host - host.yaml's value at dotted @key, NULL if absent. */
const char *rdir_host(const struct rdir *d, const char *key);

/* Check states, worst last: a group of several rows takes the worst. */
enum rcheck_state { RCHK_PASS, RCHK_SKIP, RCHK_TODO, RCHK_FAIL, RCHK_NR };
extern const char *const rcheck_state_name[RCHK_NR];	/* "pass", "skip", "todo", "fail" */

/*
 * One metric (kind "metric": every sample of every repeat), one check
 * (kinds "check" and "skip", and the case's outcome as check "outcome"), or
 * one observation (kind "observation": what was seen, over the repeats).
 */
struct rgroup {
	int row;		/* its first row, for rdir_get() of any column */
	char key[768];		/* identity across runs: scenario, guest:test, config, vm, vcpu, name */
	char label[512];	/* for people: "guest:test k=v k=v [vm 1 vcpu 0]" (no metric name) */
	const char *name;	/* metric or check name */
	const char *unit;	/* metrics: the unit */
	int n;			/* metrics: samples */
	double *v;		/* metrics: the sample values, in file order */
	int *rep;		/* metrics: each sample's repeat (a fresh VM per repeat) */
	int nr_rep;		/* metrics: how many repeats hold samples */
	enum rcheck_state state;	/* checks */
	const char *detail;	/* checks: the worst row's detail; observations: the first's */
	char seen[64];		/* observations: each value seen, in order ("dropped,kept") */
};

enum rgroup_kind { RG_METRIC, RG_CHECK, RG_OBSERVATION };

/*
 * rdir_groups - the groups of @kind, in order of first appearance.  The
 * config part of a key is every non-empty column after "detail" except
 * those named in @ignore (NULL-terminated, may be NULL); "case", "repeat"
 * and "sample" never count.  Returns the count (*@out malloc'd, free with
 * rgroups_free), or -ENOMEM.
 */
int rdir_groups(const struct rdir *d, enum rgroup_kind kind, const char *const *ignore,
		struct rgroup **out);
void rgroups_free(struct rgroup *g, int n);

#endif
