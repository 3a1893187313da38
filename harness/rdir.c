// SPDX-License-Identifier: GPL-2.0
/*
 * rdir.c - read back a results directory: results.csv, host.yaml, and the
 * metric and check groups that plot and compare work on.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "rdir.h"
#include "words.h"

const char *const rcheck_state_name[RCHK_NR] = { "pass", "skip", "todo", "fail" };

static int rdir_err(char *err, size_t len, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, len, "%s: ", path);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < len)
		vsnprintf(err + n, len - n, fmt, ap);
	va_end(ap);
	return -1;
}

static char *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 65536) {
			char *nb = realloc(buf, cap = cap * 2 + 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	fclose(f);
	buf[n] = 0;
	*size = n;
	return buf;
}

/*
 * csv_field - the field at *@p, NUL terminated in place (a quoted field is
 * un-quoted and un-doubled into the bytes it came from: the reader always
 * runs ahead of the writer); *@p moves past its separator and *@eol says
 * whether it ended the record.  NULL on an unterminated quote.
 */
static char *csv_field(char **p, bool *eol)
{
	char *s = *p, *start = s, *out = s;

	if (*s == '"') {
		for (s++;; s++) {
			if (!*s)
				return NULL;
			if (*s == '"') {
				if (s[1] != '"')
					break;
				s++;
			}
			*out++ = *s;
		}
		s++;	/* the closing quote */
	} else {
		while (*s && *s != ',' && *s != '\n' && *s != '\r')
			s++;
		out = s;
	}
	if (*s == '\r')
		s++;
	*eol = *s != ',';
	if (*s)
		s++;
	*out = 0;
	*p = s;
	return start;
}

static int csv_parse(struct rdir *d, char *buf, char *err, size_t len)
{
	char *p = buf, *f;
	int cap = 0, col;
	bool eol = false;

	for (d->nr_cols = 0; !eol; d->nr_cols++) {
		if (!*p || !(f = csv_field(&p, &eol)))
			return rdir_err(err, len, d->path, "results.csv: no header line");
		d->cols = realloc(d->cols, (d->nr_cols + 1) * sizeof(*d->cols));
		if (!d->cols)
			return rdir_err(err, len, d->path, "out of memory");
		d->cols[d->nr_cols] = f;
	}
	if (d->nr_cols < RC_NR_FIXED || strcmp(d->cols[0], "scenario") ||
	    strcmp(d->cols[RC_DETAIL], "detail"))
		return rdir_err(err, len, d->path, "results.csv: not a kvmbench results file (header '%s,...')",
				d->cols[0]);
	while (*p) {
		if (*p == '\n') {	/* a blank line */
			p++;
			continue;
		}
		if (d->nr_rows == cap) {
			char **nc = realloc(d->cells, (size_t)(cap = cap * 2 + 1024) * d->nr_cols * sizeof(char *));

			if (!nc)
				return rdir_err(err, len, d->path, "out of memory");
			d->cells = nc;
		}
		for (col = 0, eol = false; !eol; col++) {
			f = csv_field(&p, &eol);
			if (!f || col >= d->nr_cols)
				return rdir_err(err, len, d->path, "results.csv:%d: %s", d->nr_rows + 2,
						f ? "more fields than the header" : "unterminated quote");
			d->cells[(size_t)d->nr_rows * d->nr_cols + col] = f;
		}
		if (col != d->nr_cols)
			return rdir_err(err, len, d->path, "results.csv:%d: %d fields, the header has %d",
					d->nr_rows + 2, col, d->nr_cols);
		d->nr_rows++;
	}
	return 0;
}

static int host_add(struct rdir *d, const char *key, const char *val)
{
	struct rdir_kv *kv = realloc(d->host, (d->nr_host + 1) * sizeof(*kv));

	if (!kv)
		return -ENOMEM;
	d->host = kv;
	kv += d->nr_host;
	kv->key = strdup(key);
	kv->val = strdup(val);
	if (!kv->key || !kv->val) {
		free(kv->key);
		free(kv->val);
		return -ENOMEM;
	}
	d->nr_host++;
	return 0;
}

/*
 * host_parse - flatten host.yaml: every scalar under its dotted path of
 * mapping keys (sequence items by index).  @path grows and shrinks as the
 * walk goes down and up.
 */
#define HOST_DEPTH	16
struct host_walk {
	char path[512];
	size_t at[HOST_DEPTH];	/* length of path at each level */
	bool seq[HOST_DEPTH], want_key[HOST_DEPTH];
	int idx[HOST_DEPTH], depth;
};

static void walk_push_name(struct host_walk *w, const char *name)
{
	size_t l = w->at[w->depth];

	snprintf(w->path + l, sizeof(w->path) - l, "%s%s", l ? "." : "", name);
}

static int walk_scalar(struct rdir *d, struct host_walk *w, const char *v)
{
	char n[16];

	if (w->depth < 0)
		return 0;
	if (w->seq[w->depth]) {
		snprintf(n, sizeof(n), "%d", w->idx[w->depth]++);
		walk_push_name(w, n);
		return host_add(d, w->path, v);
	}
	if (w->want_key[w->depth]) {
		walk_push_name(w, v);
		w->want_key[w->depth] = false;
		return 0;
	}
	w->want_key[w->depth] = true;
	return host_add(d, w->path, v);
}

static int walk_open(struct host_walk *w, bool seq)
{
	char n[16];

	if (w->depth >= 0 && w->seq[w->depth]) {
		snprintf(n, sizeof(n), "%d", w->idx[w->depth]++);
		walk_push_name(w, n);
	}
	if (++w->depth >= HOST_DEPTH)
		return -E2BIG;
	w->at[w->depth] = strlen(w->path);
	w->seq[w->depth] = seq;
	w->want_key[w->depth] = true;
	w->idx[w->depth] = 0;
	return 0;
}

static void walk_close(struct host_walk *w)
{
	w->path[w->at[w->depth]] = 0;
	if (--w->depth >= 0)
		w->want_key[w->depth] = true;
}

static int host_parse(struct rdir *d, const char *buf, size_t size, char *err, size_t len)
{
	struct host_walk w = { .depth = -1 };
	yaml_parser_t yp;
	yaml_event_t ev;
	int r = 0;
	bool end = false;

	yaml_parser_initialize(&yp);
	yaml_parser_set_input_string(&yp, (const unsigned char *)buf, size);
	while (!end && !r) {
		if (!yaml_parser_parse(&yp, &ev)) {
			r = rdir_err(err, len, d->path, "host.yaml:%zu:%zu: %s",
				     yp.problem_mark.line + 1, yp.problem_mark.column + 1,
				     yp.problem ? yp.problem : "not YAML");
			break;
		}
		switch (ev.type) {
		case YAML_SCALAR_EVENT:
			r = walk_scalar(d, &w, (const char *)ev.data.scalar.value);
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			r = walk_open(&w, ev.type == YAML_SEQUENCE_START_EVENT);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			walk_close(&w);
			break;
		case YAML_STREAM_END_EVENT:
			end = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (r < 0 && !err[0])
			rdir_err(err, len, d->path, "host.yaml: %s", strerror(-r));
	}
	yaml_parser_delete(&yp);
	return r ? -1 : 0;
}

static int rdir_read_host(struct rdir *d, char *err, size_t len)
{
	char p[PATH_MAX + 16], *buf;
	size_t size;
	int r;

	snprintf(p, sizeof(p), "%s/host.yaml", d->path);
	buf = slurp(p, &size);
	if (!buf)
		return rdir_err(err, len, d->path, "no host.yaml (%s): not a kvmbench results directory",
				strerror(errno));
	r = host_parse(d, buf, size, err, len);
	free(buf);
	return r;
}

/* rdir_incomplete - the reason in INCOMPLETE, if the run did not finish. */
static bool rdir_incomplete(const struct rdir *d, char *why, size_t len)
{
	char p[PATH_MAX + 16], *buf, *nl;
	size_t size;

	snprintf(p, sizeof(p), "%s/INCOMPLETE", d->path);
	buf = slurp(p, &size);
	if (!buf)
		return errno != ENOENT;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	snprintf(why, len, "%s", buf[0] ? buf : "no reason given");
	free(buf);
	return true;
}

int rdir_load(struct rdir *d, const char *path, char *err, size_t len)
{
	char p[PATH_MAX + 16], why[256] = "unreadable INCOMPLETE marker";
	const char *base;
	struct stat st;
	size_t size;

	memset(d, 0, sizeof(*d));
	err[0] = 0;
	if (strlen(path) >= sizeof(d->path))
		return rdir_err(err, len, "results", "path too long");
	snprintf(d->path, sizeof(d->path), "%s", path);
	while (strlen(d->path) > 1 && d->path[strlen(d->path) - 1] == '/')
		d->path[strlen(d->path) - 1] = 0;
	base = strrchr(d->path, '/');
	snprintf(d->name, sizeof(d->name), "%.255s", base ? base + 1 : d->path);
	if (stat(d->path, &st))
		return rdir_err(err, len, d->path, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return rdir_err(err, len, d->path, "not a directory");
	if (rdir_incomplete(d, why, sizeof(why)))
		return rdir_err(err, len, d->path, "incomplete run (%s); its results cannot be used", why);
	if (rdir_read_host(d, err, len))
		goto fail;
	snprintf(p, sizeof(p), "%s/results.csv", d->path);
	d->buf = slurp(p, &size);
	if (!d->buf) {
		rdir_err(err, len, d->path, "no results.csv (%s)", strerror(errno));
		goto fail;
	}
	if (csv_parse(d, d->buf, err, len))
		goto fail;
	return 0;
fail:
	rdir_free(d);
	return -1;
}

void rdir_free(struct rdir *d)
{
	int i;

	for (i = 0; i < d->nr_host; i++) {
		free(d->host[i].key);
		free(d->host[i].val);
	}
	free(d->host);
	free(d->cols);
	free(d->cells);
	free(d->buf);
	d->host = NULL;
	d->cols = d->cells = NULL;
	d->buf = NULL;
	d->nr_host = d->nr_cols = d->nr_rows = 0;
}

int rdir_col(const struct rdir *d, const char *name)
{
	int i;

	for (i = 0; i < d->nr_cols; i++)
		if (!strcmp(d->cols[i], name))
			return i;
	return -1;
}

const char *rdir_cell(const struct rdir *d, int row, int col)
{
	if (col < 0 || col >= d->nr_cols || row < 0 || row >= d->nr_rows)
		return "";
	return d->cells[(size_t)row * d->nr_cols + col];
}

const char *rdir_get(const struct rdir *d, int row, const char *name)
{
	return rdir_cell(d, row, rdir_col(d, name));
}

const char *rdir_host(const struct rdir *d, const char *key)
{
	int i;

	for (i = 0; i < d->nr_host; i++)
		if (!strcmp(d->host[i].key, key))
			return d->host[i].val;
	return NULL;
}

/* Grouping: a hash of keys to group indexes, open addressing. */
struct gmap {
	int *slot;		/* group index + 1; 0: free */
	size_t mask;
};

static size_t key_hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool ignored(const char *col, const char *const *ignore)
{
	for (; ignore && *ignore; ignore++)
		if (!strcmp(col, *ignore))
			return true;
	return false;
}

static void cat(char *buf, size_t len, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l >= len - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
}

static void group_ident(const struct rdir *d, int row, const char *const *ignore, struct rgroup *g)
{
	int c;

	g->key[0] = 0;
	cat(g->key, sizeof(g->key), "%s|%s:%s|", rdir_cell(d, row, RC_SCENARIO),
	    rdir_cell(d, row, RC_GUEST), rdir_cell(d, row, RC_TEST));
	for (c = RC_NR_FIXED; c < d->nr_cols; c++) {
		const char *v = rdir_cell(d, row, c);

		if (v[0] && !ignored(d->cols[c], ignore))
			cat(g->key, sizeof(g->key), "%s=%s ", d->cols[c], v);
	}
	cat(g->key, sizeof(g->key), "|%s|%s|%s", rdir_cell(d, row, RC_VM),
	    rdir_cell(d, row, RC_VCPU), rdir_cell(d, row, RC_NAME));
}

/* The stem of a key: "scenario|guest:test|", the part a label always names. */
static size_t stem_len(const char *key)
{
	const char *bar = strchr(key, '|');

	return bar && (bar = strchr(bar + 1, '|')) ? (size_t)(bar - key) + 1 : strlen(key);
}

static int stem_cmp(const void *x, const void *y)
{
	const struct rgroup *const *a = x, *const *b = y;
	size_t la = stem_len((*a)->key), lb = stem_len((*b)->key);
	int r = strncmp((*a)->key, (*b)->key, la < lb ? la : lb);

	return r ? r : (int)la - (int)lb;
}

static void group_label(const struct rdir *d, struct rgroup *g, const bool *varies, bool scenarios)
{
	const char *vm = rdir_cell(d, g->row, RC_VM), *vcpu = rdir_cell(d, g->row, RC_VCPU);
	const char *vms = rdir_get(d, g->row, "vms"), *vcpus = rdir_get(d, g->row, "vcpus");
	int c;

	g->label[0] = 0;
	if (scenarios)
		cat(g->label, sizeof(g->label), "%s: ", rdir_cell(d, g->row, RC_SCENARIO));
	cat(g->label, sizeof(g->label), "%s:%s", rdir_cell(d, g->row, RC_GUEST),
	    rdir_cell(d, g->row, RC_TEST));
	for (c = RC_NR_FIXED; c < d->nr_cols; c++)
		if (varies[c])
			cat(g->label, sizeof(g->label), " %s=%s", d->cols[c], rdir_cell(d, g->row, c));
	if (strcmp(vm, "-1") && vms[0] && strcmp(vms, "1"))
		cat(g->label, sizeof(g->label), " vm %s", vm);
	if (strcmp(vcpu, "-1") && vcpus[0] && strcmp(vcpus, "1"))
		cat(g->label, sizeof(g->label), " vcpu %s", vcpu);
}

/*
 * groups_label - name each group for people by the config columns that
 * vary among the groups of its scenario and test (those tell its cases
 * apart), not by every knob and parameter the key holds.
 */
static int groups_label(const struct rdir *d, struct rgroup *g, int n, const char *const *ignore)
{
	struct rgroup **s = malloc((n + 1) * sizeof(*s));
	bool *varies = calloc(d->nr_cols + 1, sizeof(bool)), scenarios = false;
	int i, j, k, c;

	if (!s || !varies) {
		free(s);
		free(varies);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		s[i] = &g[i];
		scenarios |= strcmp(rdir_cell(d, g[i].row, RC_SCENARIO), rdir_cell(d, g[0].row, RC_SCENARIO)) != 0;
	}
	qsort(s, n, sizeof(*s), stem_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && !stem_cmp(&s[i], &s[j]); j++)
			;
		for (c = RC_NR_FIXED; c < d->nr_cols; c++) {
			varies[c] = false;
			for (k = i + 1; k < j && !varies[c] && !ignored(d->cols[c], ignore); k++)
				varies[c] = strcmp(rdir_cell(d, s[k]->row, c), rdir_cell(d, s[i]->row, c)) != 0;
		}
		for (k = i; k < j; k++)
			group_label(d, s[k], varies, scenarios);
	}
	free(s);
	free(varies);
	return 0;
}

/* row_state - a check row's state; -1 for rows that are not checks. */
static int row_state(const struct rdir *d, int row)
{
	const char *kind = rdir_cell(d, row, RC_KIND), *v = rdir_cell(d, row, RC_VALUE);

	if (!strcmp(kind, "skip"))
		return RCHK_SKIP;
	if (!strcmp(kind, "case") && strcmp(rdir_cell(d, row, RC_NAME), "outcome"))
		return -1;
	if (strcmp(kind, "check") && strcmp(kind, "case"))
		return -1;
	if (!strcmp(v, "1"))
		return RCHK_PASS;
	/* the unit says how a failure counts: an expectation made it a TODO or a SKIP */
	if (!strcmp(rdir_cell(d, row, RC_UNIT), "todo"))
		return RCHK_TODO;
	if (!strcmp(rdir_cell(d, row, RC_UNIT), "skip"))
		return RCHK_SKIP;
	return RCHK_FAIL;
}

/* obs_add_row - an observation row: its word (or number) joins the values seen. */
static void obs_add_row(const struct rdir *d, int row, struct rgroup *g)
{
	const char *w = rdir_cell(d, row, RC_UNIT);
	size_t l = strlen(g->seen);

	if (!w[0])
		w = rdir_cell(d, row, RC_VALUE);
	if (!g->n++)
		g->detail = rdir_cell(d, row, RC_DETAIL);
	if (words_contain(g->seen, ',', w, strlen(w)))
		return;
	snprintf(g->seen + l, sizeof(g->seen) - l, "%s%s", l ? "," : "", w);
}

static int group_add_row(const struct rdir *d, int row, enum rgroup_kind kind, struct rgroup *g)
{
	int st;

	if (kind == RG_OBSERVATION) {
		obs_add_row(d, row, g);
		return 0;
	}
	if (kind == RG_CHECK) {
		st = row_state(d, row);
		if (st > (int)g->state || g->n++ == 0) {
			g->state = st;
			g->detail = rdir_cell(d, row, RC_DETAIL);
		}
		return 0;
	}
	/* capacity: 4, then doubled each time n reaches a power of two */
	if (!g->n || (g->n >= 4 && !(g->n & (g->n - 1)))) {
		size_t cap = g->n ? 2 * g->n : 4;
		double *nv = realloc(g->v, cap * sizeof(double));
		int *nr;

		if (!nv)
			return -ENOMEM;
		g->v = nv;
		nr = realloc(g->rep, cap * sizeof(int));
		if (!nr)
			return -ENOMEM;
		g->rep = nr;
	}
	g->rep[g->n] = atoi(rdir_cell(d, row, RC_REPEAT));
	/* rows come in run order: a repeat's samples are together */
	if (!g->n || g->rep[g->n - 1] != g->rep[g->n])
		g->nr_rep++;
	g->v[g->n++] = strtod(rdir_cell(d, row, RC_VALUE), NULL);
	return 0;
}

static bool row_wanted(const struct rdir *d, int row, enum rgroup_kind kind)
{
	if (kind == RG_CHECK)
		return row_state(d, row) >= 0;
	if (kind == RG_OBSERVATION)
		return !strcmp(rdir_cell(d, row, RC_KIND), "observation");
	return !strcmp(rdir_cell(d, row, RC_KIND), "metric") && rdir_cell(d, row, RC_VALUE)[0];
}

static int gmap_find(struct gmap *m, struct rgroup *g, const char *key, size_t *slot)
{
	size_t i = key_hash(key) & m->mask;

	for (; m->slot[i]; i = (i + 1) & m->mask)
		if (!strcmp(g[m->slot[i] - 1].key, key))
			return m->slot[i] - 1;
	*slot = i;
	return -1;
}

int rdir_groups(const struct rdir *d, enum rgroup_kind kind, const char *const *ignore,
		struct rgroup **out)
{
	struct gmap m = { 0 };
	struct rgroup *g = NULL, probe;
	int n = 0, cap = 0, row, i;
	size_t slot = 0;

	*out = NULL;
	for (m.mask = 1023; m.mask < (size_t)d->nr_rows * 2; m.mask = m.mask * 2 + 1)
		;
	m.slot = calloc(m.mask + 1, sizeof(int));
	if (!m.slot)
		goto nomem;
	for (row = 0; row < d->nr_rows; row++) {
		if (!row_wanted(d, row, kind))
			continue;
		group_ident(d, row, ignore, &probe);
		i = gmap_find(&m, g, probe.key, &slot);
		if (i < 0) {
			if (n == cap) {
				struct rgroup *ng = realloc(g, (cap = cap * 2 + 64) * sizeof(*g));

				if (!ng)
					goto nomem;
				g = ng;
			}
			i = n++;
			g[i] = probe;
			g[i].row = row;
			g[i].name = rdir_cell(d, row, RC_NAME);
			g[i].unit = rdir_cell(d, row, RC_UNIT);
			g[i].n = 0;
			g[i].v = NULL;
			g[i].rep = NULL;
			g[i].nr_rep = 0;
			g[i].state = RCHK_PASS;
			g[i].detail = "";
			g[i].seen[0] = 0;
			m.slot[slot] = i + 1;
		}
		if (group_add_row(d, row, kind, &g[i]))
			goto nomem;
	}
	free(m.slot);
	m.slot = NULL;
	if (groups_label(d, g, n, ignore))
		goto nomem;
	*out = g;
	return n;
nomem:
	rgroups_free(g, n);
	free(m.slot);
	return -ENOMEM;
}

void rgroups_free(struct rgroup *g, int n)
{
	int i;

	for (i = 0; g && i < n; i++) {
		free(g[i].v);
		free(g[i].rep);
	}
	free(g);
}
