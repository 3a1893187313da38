// SPDX-License-Identifier: GPL-2.0
/*
 * ydoc.c - a YAML file as a libyaml document whose nodes keep their marks,
 * and the checks every schema walk needs: types, limits, unknown and
 * duplicate keys (with the closest valid spelling), each error written as
 * "FILE:LINE:COL: what is wrong".
 *
 * Scenarios and expectation files are both read through it, so a typo
 * reads the same in either.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ydoc.h"

/* --- errors and spelling ---------------------------------------------------- */

static int yd_vfail(struct ydoc *y, int line, int col, const char *fmt, va_list ap)
{
	int n = snprintf(y->err, y->len, "%s:%d:%d: ", y->path, line, col);

	if (n >= 0 && (size_t)n < y->len)
		vsnprintf(y->err + n, y->len - n, fmt, ap);
	return -EINVAL;
}

/* yd_fail - "PATH:LINE:COL: message" at the start of node @n; returns -EINVAL. */
int yd_fail(struct ydoc *y, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = yd_vfail(y, (int)n->start_mark.line + 1, (int)n->start_mark.column + 1, fmt, ap);
	va_end(ap);
	return r;
}

static int min3(int a, int b, int c)
{
	return a < b ? (a < c ? a : c) : (b < c ? b : c);
}

/*
 * yd_distance - optimal string alignment distance, case-insensitive:
 * insertions, deletions, substitutions and swaps of two neighbours ('tset'
 * for 'tests' is two edits, not three).
 */
static int yd_distance(const char *a, const char *b)
{
	int la = strlen(a), lb = strlen(b), i, j;
	int d[YD_DIST_MAX + 1][YD_DIST_MAX + 1];

	if (la > YD_DIST_MAX || lb > YD_DIST_MAX)
		return INT_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			int cost = tolower((unsigned char)a[i - 1]) !=
				   tolower((unsigned char)b[j - 1]);

			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

/*
 * yd_closest - the candidate nearest to @word, if near enough to be a typo:
 * one edit, plus one per four letters of the longer word.
 */
const char *yd_closest(const char *word, const char *const *cand, int n)
{
	const char *best = NULL;
	int i, bd = INT_MAX, wl = strlen(word), limit;

	for (i = 0; i < n; i++) {
		int d = yd_distance(word, cand[i]);

		if (d < bd) {
			bd = d;
			best = cand[i];
		}
	}
	if (!best)
		return NULL;
	limit = 1 + ((int)strlen(best) > wl ? (int)strlen(best) : wl) / 4;
	return bd <= limit ? best : NULL;
}

/* yd_join - "a, b, c" into @buf. */
char *yd_join(const char *const *s, int n, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? ", " : "", s[i]);
	return buf;
}

/* yd_hint - " (did you mean 'x'?)" when a candidate is close, else @otherwise. */
const char *yd_hint(const char *word, const char *const *cand, int n,
		    const char *otherwise, char *buf, size_t len)
{
	const char *c = yd_closest(word, cand, n);

	if (!c)
		return otherwise;
	snprintf(buf, len, " (did you mean '%s'?)", c);
	return buf;
}

/* --- nodes ------------------------------------------------------------------ */

yaml_node_t *yd_node(struct ydoc *y, int index)
{
	return yaml_document_get_node(&y->doc, index);
}

const char *yd_value(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* yd_null - an empty plain scalar: the key was written with no value. */
bool yd_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && !n->data.scalar.length &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* yd_got - how node @n reads in "expected X, got Y". */
const char *yd_got(const yaml_node_t *n, char *buf, size_t len)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a map";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (yd_null(n))
		return "nothing";
	snprintf(buf, len, "'%.*s%s'", YD_GOT_MAX, yd_value(n),
		 n->data.scalar.length > YD_GOT_MAX ? "..." : "");
	return buf;
}

int yd_expected(struct ydoc *y, const yaml_node_t *n, const char *what,
		const char *expected)
{
	char got[YD_GOT_MAX + 8];

	return yd_fail(y, n, "%s: expected %s, got %s", what, expected,
		       yd_got(n, got, sizeof(got)));
}

int yd_count(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return n->data.mapping.pairs.top - n->data.mapping.pairs.start;
	return n->data.sequence.items.top - n->data.sequence.items.start;
}

yaml_node_t *yd_item(struct ydoc *y, const yaml_node_t *seq, int i)
{
	return yd_node(y, seq->data.sequence.items.start[i]);
}

yaml_node_pair_t *yd_pair(const yaml_node_t *map, int i)
{
	return &map->data.mapping.pairs.start[i];
}

/*
 * yd_list - @n must be a list of at most @max items ("WHAT: too many
 * NOUN"); @expected names the whole list in a type error.
 */
int yd_list(struct ydoc *y, const yaml_node_t *n, const char *what,
	    const char *expected, const char *noun, int max)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return yd_expected(y, n, what, expected);
	if (yd_count(n) > max)
		return yd_fail(y, n, "%s: too many %s (at most %d)", what, noun, max);
	return 0;
}

/* yd_str - copy scalar @n, shorter than @max, to @out. */
int yd_str(struct ydoc *y, const yaml_node_t *n, const char *what,
	   const char *expected, char *out, size_t max)
{
	if (n->type != YAML_SCALAR_NODE)
		return yd_expected(y, n, what, expected);
	if (strlen(yd_value(n)) != n->data.scalar.length)
		return yd_fail(y, n, "%s: NUL character in the value", what);
	if (n->data.scalar.length >= max)
		return yd_fail(y, n, "%s: too long (at most %zu chars)", what, max - 1);
	memcpy(out, yd_value(n), n->data.scalar.length + 1);
	return 0;
}

/* yd_key - the text of a map key, which must be a scalar. */
int yd_key(struct ydoc *y, const yaml_node_t *k, const char *what,
	   const char **key)
{
	char got[YD_GOT_MAX + 8];

	if (k->type != YAML_SCALAR_NODE || strlen(yd_value(k)) != k->data.scalar.length)
		return yd_fail(y, k, "%s%sexpected a plain key, got %s", what ? what : "",
			       what ? ": " : "", yd_got(k, got, sizeof(got)));
	*key = yd_value(k);
	return 0;
}

static int yd_dup(struct ydoc *y, const yaml_node_t *k, const yaml_node_t *first,
		  const char *what)
{
	return yd_fail(y, k, "%s%sduplicate key '%s' (first at line %d)", what ? what : "",
		       what ? ": " : "", yd_value(k), (int)first->start_mark.line + 1);
}

/*
 * yd_map_keys - @n is a map whose keys all come from @keys (unknown ones
 * are named with the closest valid key); @val[i] gets the value of key i,
 * @at[i] the key node itself (both NULL when absent).  @what prefixes the
 * messages of nested maps.
 */
int yd_map_keys(struct ydoc *y, const yaml_node_t *n, const char *what,
		const char *const *keys, int nkeys, yaml_node_t **val, yaml_node_t **at)
{
	char hint[YD_DIST_MAX + 32], list[224], all[256];
	const char *key = NULL;
	int i, k, r;

	for (k = 0; k < nkeys; k++)
		val[k] = at[k] = NULL;
	for (i = 0; i < yd_count(n); i++) {
		yaml_node_t *kn = yd_node(y, yd_pair(n, i)->key);

		r = yd_key(y, kn, what, &key);
		if (r)
			return r;
		for (k = 0; k < nkeys && strcmp(key, keys[k]); k++)
			;
		if (k == nkeys) {
			snprintf(all, sizeof(all), " (expected one of %s)",
				 yd_join(keys, nkeys, list, sizeof(list)));
			return yd_fail(y, kn, "%s%sunknown key '%s'%s", what ? what : "",
				       what ? ": " : "", key,
				       yd_hint(key, keys, nkeys, all, hint, sizeof(hint)));
		}
		if (at[k])
			return yd_dup(y, kn, at[k], what);
		at[k] = kn;
		val[k] = yd_node(y, yd_pair(n, i)->value);
	}
	return 0;
}

/*
 * yd_map - @n must be a map of at most @max entries with distinct plain
 * keys (the count is checked first: the duplicate scan is quadratic).
 */
int yd_map(struct ydoc *y, const yaml_node_t *n, const char *what,
	   const char *expected, const char *noun, int max)
{
	const char *key = NULL;
	int i, j, r;

	if (n->type != YAML_MAPPING_NODE)
		return yd_expected(y, n, what, expected);
	if (yd_count(n) > max)
		return yd_fail(y, n, "%s: too many %s (at most %d)", what, noun, max);
	for (i = 0; i < yd_count(n); i++) {
		yaml_node_t *kn = yd_node(y, yd_pair(n, i)->key);

		r = yd_key(y, kn, what, &key);
		if (r)
			return r;
		for (j = 0; j < i; j++) {
			yaml_node_t *prev = yd_node(y, yd_pair(n, j)->key);

			if (!strcmp(yd_value(prev), key))
				return yd_dup(y, kn, prev, what);
		}
	}
	return 0;
}

/* --- scalars ---------------------------------------------------------------- */

/* yd_parse_long - a whole base-10 integer, no blanks: 0 or -EINVAL. */
int yd_parse_long(const char *s, long *v)
{
	char *end;

	if (!isdigit((unsigned char)s[0]) && !(s[0] == '-' && isdigit((unsigned char)s[1])))
		return -EINVAL;
	errno = 0;
	*v = strtol(s, &end, 10);
	return *end || errno ? -EINVAL : 0;
}

int yd_int(struct ydoc *y, const yaml_node_t *n, const char *what,
	   const char *noun, long lo, long hi, int *out)
{
	char expected[64];
	long v;

	if (n->type == YAML_SCALAR_NODE && !yd_parse_long(yd_value(n), &v) &&
	    v >= lo && v <= hi) {
		*out = v;
		return 0;
	}
	snprintf(expected, sizeof(expected), "%s in %ld..%ld", noun, lo, hi);
	return yd_expected(y, n, what, expected);
}

/* yd_read - the whole file, NUL-terminated; -errno with the reason. */
static int yd_read(const char *path, size_t max, char **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int r = 0;

	if (!f) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return r;
	}
	*buf = malloc(max + 1);
	if (!*buf) {
		fclose(f);
		return -ENOMEM;
	}
	*len = fread(*buf, 1, max + 1, f);
	if (ferror(f)) {
		r = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	} else if (*len > max) {
		r = -EFBIG;
		snprintf(err, errlen, "%s: too large (at most %zu bytes)", path, max);
	}
	fclose(f);
	if (r)
		free(*buf);
	else
		(*buf)[*len] = 0;
	return r;
}

/* yd_offset_mark - line/col of byte @off (reader errors only give an offset). */
static void yd_offset_mark(const char *buf, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && buf[i]; i++) {
		if (buf[i] == '\n') {
			++*line;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			++*col;
		}
	}
}

static int yd_syntax_error(struct ydoc *y, const yaml_parser_t *yp, const char *buf)
{
	int line = yp->problem_mark.line + 1, col = yp->problem_mark.column + 1;

	if (yp->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (yp->error == YAML_READER_ERROR)
		yd_offset_mark(buf, yp->problem_offset, &line, &col);
	snprintf(y->err, y->len, "%s:%d:%d: %s", y->path, line, col,
		 yp->problem ? yp->problem : "syntax error");
	return -EINVAL;
}

/* yd_one_document - a second document in the file is an error, not ignored. */
static int yd_one_document(struct ydoc *y, yaml_parser_t *yp, const char *buf)
{
	yaml_document_t next;
	yaml_node_t *root;
	int r = 0;

	if (!yaml_parser_load(yp, &next))
		return yd_syntax_error(y, yp, buf);
	root = yaml_document_get_root_node(&next);
	if (root)
		r = yd_fail(y, root, "expected one document, found a second");
	yaml_document_delete(&next);
	return r;
}

static int yd_load_doc(struct ydoc *y, const char *buf, size_t len, const char *top)
{
	yaml_parser_t yp;
	int r;

	yaml_parser_initialize(&yp);
	yaml_parser_set_input_string(&yp, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&yp, &y->doc)) {
		r = yd_syntax_error(y, &yp, buf);
		yaml_parser_delete(&yp);
		return r;
	}
	y->root = yaml_document_get_root_node(&y->doc);
	if (!y->root) {
		snprintf(y->err, y->len, "%s:1:1: empty file (expected %s)",
			 y->path, top);
		r = -EINVAL;
	} else {
		r = yd_one_document(y, &yp, buf);
	}
	if (r)
		yaml_document_delete(&y->doc);
	yaml_parser_delete(&yp);
	return r;
}

int ydoc_load(struct ydoc *y, const char *path, size_t max, const char *top,
	      char *err, size_t len)
{
	size_t size = 0;
	char *buf = NULL;
	int r;

	memset(y, 0, sizeof(*y));
	y->path = path;
	y->err = err;
	y->len = len;
	r = yd_read(path, max, &buf, &size, err, len);
	if (r)
		return r;
	r = yd_load_doc(y, buf, size, top);
	free(buf);
	if (r == -ENOMEM)
		snprintf(err, len, "%s: out of memory", path);
	return r;
}

void ydoc_free(struct ydoc *y)
{
	if (y->root)
		yaml_document_delete(&y->doc);
	y->root = NULL;
}
