/* SPDX-License-Identifier: GPL-2.0 */
/*
 * expect.h - known behaviour of kinds of hosts, kept as data.
 *
 * An expectation names the points it covers (a glob on "GUEST:TEST CHECK",
 * where CHECK "case" is the case's own point), the hosts it holds on (a
 * match over the host fingerprint) and a verdict with its reason:
 *
 *   todo  a known failure: the point still runs; a failure is reported
 *         "not ok ... # TODO reason", a pass "ok ... # TODO reason", which
 *         TAP consumers count as a TODO that passed: the expectation has
 *         gone stale on this host.
 *   skip  the host cannot do it: a failing check is "ok ... # SKIP reason";
 *         a case point that matches is not run at all.
 *
 * They come from the files of expectations/, which apply to every run, and from a
 * scenario's `expect:` list, which applies to that scenario's cases and is
 * looked at first.  Both are written the same way:
 *
 *	- id: pvm-htt-kept			# [a-z0-9-]; files only, required there
 *	  check: "smp:topology cpuid_htt"
 *	  when:					# every key must match; none: every host
 *	    paging: shadow-pvm			# fnmatch globs: paging, vendor, model,
 *	    kernel: "6.18.*"			#   kernel, hostname, hypervisor (true/false),
 *						#   hypervisor_vendor (CPUID 0x40000000)
 *	    kernel_from: 6.18.44-fc-v669	# release >= this (version order)
 *	    kernel_before: 6.18.44-fc-v1272	# release < this
 *	    cpuid: {pcid: true}			# the host CPU's flags (/proc/cpuinfo names)
 *	  todo: kvm_pvm leaves HTT set		# or skip: REASON
 *	  why: what happens and why		# files: required
 *	  seen: 6.18.44-fc-v669 and v1272	# files: required; where it was seen
 */
#ifndef EXPECT_H
#define EXPECT_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "host.h"
#include "ydoc.h"

#define EXPECT_MAX_WHEN		12
#define EXPECT_MAX_ENTRIES	256	/* in all the files of a set */
#define EXPECT_MAX_USES		64	/* distinct expectations one run reports on */

enum expect_verdict { EXPECT_TODO, EXPECT_SKIP };

/* One key of `when:`; a cpuid feature is key "cpuid", value "+flag" or "-flag". */
struct expect_when {
	char key[24];
	char value[96];
};

struct expect {
	char id[48];			/* "" in a scenario's expect: list */
	char check[128];		/* glob on "GUEST:TEST CHECK" */
	int nr_when;
	struct expect_when when[EXPECT_MAX_WHEN];
	enum expect_verdict verdict;
	char reason[256];		/* the TAP directive's reason */
	char why[640];
	char seen[256];
	char where[160];		/* "FILE:LINE" of the entry */
};

/* A set loaded from a file, or every *.yaml of a directory (by name). */
struct expect_set {
	char source[PATH_MAX];		/* "": none loaded */
	int n;
	struct expect *e;
};

/* What one expectation did in a run: the points it matched, by outcome. */
struct expect_use {
	const struct expect *e;
	int held, passed;		/* points that failed (as expected) / passed */
	char first_passed[200];		/* the first point that passed */
};

struct expect_uses {
	int n, lost;			/* lost: more distinct expectations than fit */
	struct expect_use u[EXPECT_MAX_USES];
};

/*
 * expect_parse - one entry at node @n of document @y; @in_file: an entry
 * of an expectations file (id, why and seen required).  0 or -EINVAL with
 * FILE:LINE:COL in the document's error buffer.
 */
int expect_parse(struct ydoc *y, const yaml_node_t *n, bool in_file, struct expect *e);

/* expect_set_load - @path, a file or a directory of *.yaml; 0 or -errno and @err. */
int expect_set_load(struct expect_set *s, const char *path, char *err, size_t len);
void expect_set_free(struct expect_set *s);

/*
 * expect_default_path - $KVMBENCH_EXPECTATIONS (empty: none), else the
 * expectations/ folder beside the kvmbench binary or above it (build/,
 * build/asan/, bin/ -> share/kvmbench/); NULL when there is none.
 */
const char *expect_default_path(void);

/* expect_host_matches - every key of @e's `when:` matches @h. */
bool expect_host_matches(const struct expect *e, const struct host_info *h);

/* expect_find - the first of @e[0..n) covering @check of @guest_test on @h, or NULL. */
const struct expect *expect_find(const struct expect *e, int n, const char *guest_test,
				 const char *check, const struct host_info *h);

/* expect_verdict_name - "TODO" or "SKIP", as TAP spells the directive. */
const char *expect_verdict_name(const struct expect *e);
/* expect_id - the entry's id, or "FILE:LINE" for an entry without one. */
const char *expect_id(const struct expect *e);
/* expect_name - "expectation ID", or "FILE:LINE" for an entry without an id. */
const char *expect_name(const struct expect *e, char *buf, size_t len);

/* expect_reason - "REASON [expectation ID]": what follows a TODO or SKIP directive. */
const char *expect_reason(const struct expect *e, char *buf, size_t len);

/* expect_when_text - "paging shadow-pvm, cpuid +pcid", or "every host". */
const char *expect_when_text(const struct expect *e, char *buf, size_t len);

/*
 * expect_write_yaml - "expectations:" with the set's source and the
 * entries that match @h, each with its keys (for `kvmbench host`).
 */
void expect_write_yaml(const struct expect_set *s, const struct host_info *h, FILE *out);

/* expect_use - count a point @e matched: @passed or not, @label names it. */
void expect_use(struct expect_uses *u, const struct expect *e, bool passed, const char *label);

#endif
