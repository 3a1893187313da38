/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ydoc.h - one YAML file, loaded whole with libyaml's document API so that
 * every node keeps its start mark, and the checks a schema walk makes on
 * its nodes.  Every failing check writes "PATH:LINE:COL: what is wrong"
 * into the document's error buffer and returns -EINVAL.
 *
 *	struct ydoc y;
 *
 *	if (ydoc_load(&y, path, 1 << 20, "a list of entries", err, sizeof(err)))
 *		return ...;			(err says why)
 *	r = yd_list(&y, y.root, "top level", "a list", "entries", 64);
 *	...
 *	ydoc_free(&y);
 *
 * Walks are driven by the schema: a list or map is checked against its
 * limit (yd_list, yd_map) before it is looked at.
 */
#ifndef YDOC_H
#define YDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#define YD_GOT_MAX	40		/* chars of a bad value quoted back */
#define YD_DIST_MAX	64		/* longest word a spelling is suggested for */

struct ydoc {
	const char *path;		/* as the messages name it */
	yaml_document_t doc;
	yaml_node_t *root;		/* NULL: nothing loaded */
	char *err;			/* where messages go */
	size_t len;
};

/*
 * ydoc_load - read @path (at most @max bytes) and parse its one document;
 * @top names what an empty file should have held.  0, or -errno with the
 * reason in @err (a syntax error as PATH:LINE:COL).
 */
int ydoc_load(struct ydoc *y, const char *path, size_t max, const char *top,
	      char *err, size_t len);
void ydoc_free(struct ydoc *y);

/* yd_fail - "PATH:LINE:COL: message" at the start of node @n; returns -EINVAL. */
int yd_fail(struct ydoc *y, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* yd_expected - "WHAT: expected EXPECTED, got 'value'" at @n. */
int yd_expected(struct ydoc *y, const yaml_node_t *n, const char *what, const char *expected);

/* yd_closest - the candidate nearest to @word, if near enough to be a typo. */
const char *yd_closest(const char *word, const char *const *cand, int n);
/* yd_join - "a, b, c" into @buf. */
char *yd_join(const char *const *s, int n, char *buf, size_t len);
/* yd_hint - " (did you mean 'x'?)" when a candidate is close, else @otherwise. */
const char *yd_hint(const char *word, const char *const *cand, int n,
		    const char *otherwise, char *buf, size_t len);

yaml_node_t *yd_node(struct ydoc *y, int index);
const char *yd_value(const yaml_node_t *n);		/* a scalar's text */
bool yd_null(const yaml_node_t *n);			/* a key written with no value */
/* yd_got - how node @n reads in "expected X, got Y". */
const char *yd_got(const yaml_node_t *n, char *buf, size_t len);
int yd_count(const yaml_node_t *n);			/* items of a list, pairs of a map */
yaml_node_t *yd_item(struct ydoc *y, const yaml_node_t *seq, int i);
yaml_node_pair_t *yd_pair(const yaml_node_t *map, int i);

/* yd_list - @n must be a list of at most @max items ("WHAT: too many NOUN"). */
int yd_list(struct ydoc *y, const yaml_node_t *n, const char *what,
	    const char *expected, const char *noun, int max);
/* yd_str - copy scalar @n, shorter than @max, to @out. */
int yd_str(struct ydoc *y, const yaml_node_t *n, const char *what,
	   const char *expected, char *out, size_t max);
/* yd_key - the text of a map key, which must be a plain scalar. */
int yd_key(struct ydoc *y, const yaml_node_t *k, const char *what, const char **key);
/*
 * yd_map_keys - @n is a map whose keys all come from @keys (an unknown one
 * is named with the closest valid key); @val[i] gets the value of key i,
 * @at[i] the key node itself (both NULL when absent).  @what prefixes the
 * messages of nested maps.
 */
int yd_map_keys(struct ydoc *y, const yaml_node_t *n, const char *what,
		const char *const *keys, int nkeys, yaml_node_t **val, yaml_node_t **at);
/* yd_map - a map of at most @max entries with distinct plain keys. */
int yd_map(struct ydoc *y, const yaml_node_t *n, const char *what,
	   const char *expected, const char *noun, int max);

/* yd_parse_long - a whole base-10 integer, no blanks: 0 or -EINVAL. */
int yd_parse_long(const char *s, long *v);
/* yd_int - an integer scalar in @lo..@hi ("expected NOUN in LO..HI"). */
int yd_int(struct ydoc *y, const yaml_node_t *n, const char *what,
	   const char *noun, long lo, long hi, int *out);

#endif
