/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - a TAP version 13 writer (the format of run.tap and of the live
 * progress kvmbench prints).  The plan comes at the end, since the number
 * of cases is known only after the matrix has run.
 *
 *	struct tap t;
 *
 *	tap_init(&t, stdout);
 *	tap_result(&t, false, NULL, NULL, "ioexit %s", "pio");
 *	tap_yaml_begin(&t);
 *	tap_yaml_str(&t, "message", "guest #PF");
 *	tap_yaml_map_begin(&t, "regs");
 *	tap_yaml_u64(&t, "cr2", 0x1000);
 *	tap_yaml_map_end(&t);
 *	tap_yaml_end(&t);
 *	tap_plan_end(&t);
 */
#ifndef TAP_H
#define TAP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct tap {
	FILE *out;
	unsigned int n;		/* results written so far */
	unsigned int failed;	/* "not ok" results without TODO */
	int yaml_depth;		/* 0: outside a YAML block, 1: top level */
};

/* tap_init - start a TAP 13 stream on @out ("TAP version 13"). */
void tap_init(struct tap *t, FILE *out);

/*
 * tap_result - write one test line and flush.  @directive is NULL, "SKIP"
 * or "TODO" (any other value is ignored); @reason follows it.  A SKIP is
 * always written as "ok", as TAP consumers count "not ok # SKIP" as a
 * failure.  '#' in the description is escaped as "\#" and line breaks
 * become spaces.  Returns @ok (true for a SKIP).
 */
bool tap_result(struct tap *t, bool ok, const char *directive,
		const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * The YAML diagnostic block of the result just written: "  ---", one
 * "key: value" per call indented two spaces per level, "  ...".
 */
void tap_yaml_begin(struct tap *t);
void tap_yaml_str(struct tap *t, const char *key, const char *value);
void tap_yaml_int(struct tap *t, const char *key, int64_t value);
void tap_yaml_u64(struct tap *t, const char *key, uint64_t value);
void tap_yaml_double(struct tap *t, const char *key, double value);
void tap_yaml_bool(struct tap *t, const char *key, bool value);
void tap_yaml_map_begin(struct tap *t, const char *key);
void tap_yaml_map_end(struct tap *t);
void tap_yaml_end(struct tap *t);

/*
 * tap_format_double - @v as a YAML number: integral values (below 1e15)
 * without a fraction, others with 6 significant digits, .nan/.inf/-.inf.
 * Returns @buf.
 */
char *tap_format_double(char *buf, size_t len, double v);

/* tap_diag - "# " + text, on every line of a multi-line text. */
void tap_diag(struct tap *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* tap_bail - "Bail out! reason": the run cannot go on. */
void tap_bail(struct tap *t, const char *reason);

/* tap_plan_end - the trailing plan "1..N". */
void tap_plan_end(struct tap *t);

/* tap_failed - how many results failed (TODO failures excluded). */
unsigned int tap_failed(const struct tap *t);

#endif
