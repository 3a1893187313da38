/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scenario.h - YAML scenarios and their expansion into cases.
 *
 * A scenario file (libyaml) looks like:
 *
 *	name: io-exits				# [a-z0-9_-]+, default: file name
 *	description: I/O exits across backings	# free text
 *	tests: [ioexit:pio, ioexit:mmio]	# GUEST or GUEST:TEST, at least one
 *	vcpus: 1				# 1..64            (default 1)
 *	memory: 64				# MiB, 8..3072     (default 64)
 *	repeats: 1				# runs per case, results kept (1..1000, default 1)
 *	warmup: 0				# runs per case before them, results dropped (0..100)
 *	timeout: 30				# watchdog per run, seconds (0.1..86400)
 *	params: {samples: 11, sample_us: 500}	# guest parameters: integer or string
 *	knobs: {backing: thp}			# fixed knob values for every case
 *	counters: [exits, kvm:kvm_pio, cycles]	# counters (counter.h); default: the guest's
 *	matrix:					# cartesian product, in this order
 *	  backing: [4k, thp, hugetlb-2m]	# a knob...
 *	  params.samples: [5, 11]		# ...or a guest parameter
 *	exclude:				# points of the product to leave out
 *	  - {backing: 4k, params.samples: 5}
 *	  - {test: "ioexit:*", vcpus: 2}	# ...for some tests only (glob on GUEST:TEST)
 *	expect:					# known behaviour on a kind of host, this
 *	  - check: "ioexit:pio pio_*"		#   scenario only (expect.h has the keys;
 *	    when: {paging: shadow-pvm}		#   expectations/ holds those of every run)
 *	    todo: known kvm_pvm bug		# the TAP TODO reason (or skip: REASON)
 *
 * Everything is validated when loaded, before anything runs or any knob
 * moves; each error reads "FILE:LINE:COL: what is wrong".
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "expect.h"
#include "host.h"
#include "knob.h"

#define SC_NAME_MAX	48	/* knob names, "params.NAME", test names */
#define SC_MAX_TESTS	64
#define SC_MAX_AXES	16
#define SC_MAX_VALUES	32
#define SC_MAX_EXCLUDES	64
#define SC_MAX_EXPECT	32
#define SC_MAX_COUNTERS	64
#define SC_MAX_SETTINGS	32	/* knob settings of one case */
#define SC_MAX_CASES	4096

struct sc_pos {
	int line, col;		/* 1-based, where the item starts in the file */
};

/* One name = value pair: a knob ("backing") or a guest parameter ("params.samples"). */
struct sc_setting {
	char name[SC_NAME_MAX];
	char value[KNOB_VALUE_MAX];
	struct sc_pos pos;
};

struct sc_axis {
	char name[SC_NAME_MAX];
	bool is_param;			/* "params.NAME" */
	int nr_values;
	struct sc_setting values[SC_MAX_VALUES];	/* name = axis name */
	struct sc_pos pos;
};

struct sc_exclude {
	int nr;
	struct sc_setting set[SC_MAX_AXES];	/* all must match to exclude */
	char test[72];			/* glob on "GUEST:TEST"; "" = every test */
	struct sc_pos pos;
};

struct sc_test {
	char guest[32];
	char test[32];			/* expanded: never "" after scenario_load */
};

struct scenario {
	char path[PATH_MAX];
	char name[64];
	char description[256];
	int nr_tests;
	struct sc_test tests[SC_MAX_TESTS];	/* "ioexit" expands to each of its tests */
	int vcpus, memory_mb, repeats, warmup;
	double timeout_s;
	int nr_params;
	struct sc_setting params[KB_MAX_PARAMS];	/* name without "params." */
	int nr_knobs;
	struct sc_setting knobs[SC_MAX_SETTINGS];
	int nr_counters;
	char counters[SC_MAX_COUNTERS][SC_NAME_MAX];	/* [] = the guests' defaults */
	struct sc_pos counter_pos[SC_MAX_COUNTERS];
	int nr_axes;
	struct sc_axis axes[SC_MAX_AXES];
	int nr_excludes;
	struct sc_exclude excludes[SC_MAX_EXCLUDES];
	int nr_expect;
	struct expect expect[SC_MAX_EXPECT];
};

/* One expanded case: a test at one point of the matrix. */
struct sc_case {
	int index;			/* 0-based, in expansion order */
	const struct scenario *sc;
	const struct sc_test *test;
	int vcpus, memory_mb;		/* effective (the vcpus/memory knobs win) */
	int nr_knobs;
	struct sc_setting knobs[SC_MAX_SETTINGS];	/* every knob value in force, fixed and matrix */
	int nr_params;
	struct sc_setting params[KB_MAX_PARAMS];	/* effective guest parameters */
	int nr_point;
	struct sc_setting point[SC_MAX_AXES];	/* just the matrix values of this case */
};

/*
 * scenario_load - parse and validate @path.  Returns 0, or -EINVAL with
 * "PATH:LINE:COL: message" in @err (unknown keys name the closest valid key).
 */
int scenario_load(const char *path, struct scenario *sc, char *err, size_t len);
/*
 * scenario_expand - the cases of @sc: tests (outer) x matrix product (in
 * axis order, last axis fastest) minus exclusions.  *cases is malloc'ed.
 */
int scenario_expand(const struct scenario *sc, struct sc_case **cases, int *n,
		    char *err, size_t len);
/* scenario_write_cases - the expanded cases as YAML (results/.../scenario.yaml). */
void scenario_write_cases(const struct scenario *sc, const struct sc_case *cases, int n,
			  FILE *out);
/* scenario_print_cases - one line per case, for `kvmbench run --dry-run`. */
void scenario_print_cases(const struct scenario *sc, const struct sc_case *cases, int n,
			  FILE *out);
/*
 * sc_param_int - is guest parameter text @v an integer (strtoll base 0 over
 * all of it)?  Then the guest gets it as one (in *@iv), else as a string.
 */
bool sc_param_int(const char *v, long long *iv);
/* sc_case_label - "ioexit:pio backing=thp params.samples=5" (matrix values only). */
char *sc_case_label(const struct sc_case *c, char *buf, size_t len);
/*
 * scenario_expect - the scenario's own expectation for point "@guest_test
 * @check" on host @h, else NULL (expect.h).
 */
const struct expect *scenario_expect(const struct scenario *sc, const char *guest_test,
				     const char *check, const struct host_info *h);

#endif
