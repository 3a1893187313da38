// SPDX-License-Identifier: GPL-2.0
/*
 * expect.c - expectations: known behaviour of kinds of hosts, as data.
 *
 * A host changes under a benchmark (a new kernel, a new hypervisor below
 * it), so what one host is known to do wrong must not live in a test or
 * in the code: it lives in expectation entries keyed by the fingerprint
 * host.c reads, each saying why and where it was seen.  When the host
 * stops doing it, the point passes and the run says the entry is stale.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "expect.h"
#include "yamlout.h"

#define EXPECT_FILE_MAX		(1 << 20)
#define EXPECT_MAX_FILES	64
#define EXPECT_MAX_CPUID	8
#define ARRAY_SIZE(a)		(int)(sizeof(a) / sizeof((a)[0]))

enum { X_ID, X_CHECK, X_WHEN, X_TODO, X_SKIP, X_WHY, X_SEEN, NR_X };
static const char *const x_keys[NR_X] = {
	"id", "check", "when", "todo", "skip", "why", "seen",
};

enum {
	W_PAGING, W_VENDOR, W_MODEL, W_KERNEL, W_KERNEL_FROM, W_KERNEL_BEFORE,
	W_HOSTNAME, W_HYPERVISOR, W_HYPERVISOR_VENDOR, W_CPUID, NR_W
};
static const char *const w_keys[NR_W] = {
	"paging", "vendor", "model", "kernel", "kernel_from", "kernel_before",
	"hostname", "hypervisor", "hypervisor_vendor", "cpuid",
};

/* What host_paging_mode() can return: a `paging:` glob must match one. */
static const char *const paging_modes[] = { "ept", "npt", "shadow-pvm", "shadow", "none" };

/* --- parsing ------------------------------------------------------------------ */

static bool charset_ok(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= '0' && *s <= '9') && !strchr(extra, *s))
			return false;
	return true;
}

static void when_add(struct expect *e, const char *key, const char *value)
{
	struct expect_when *w = &e->when[e->nr_when++];

	snprintf(w->key, sizeof(w->key), "%s", key);
	snprintf(w->value, sizeof(w->value), "%s", value);
}

/* when_value_ok - a glob on a closed set of values must match one of them. */
static int when_value_ok(struct ydoc *y, const yaml_node_t *v, int key, const char *val)
{
	char list[64];
	int i;

	if (key == W_PAGING) {
		for (i = 0; i < ARRAY_SIZE(paging_modes); i++)
			if (!fnmatch(val, paging_modes[i], 0))
				return 0;
		return yd_fail(y, v, "when.paging: '%s' matches no paging mode (%s)", val,
			       yd_join(paging_modes, ARRAY_SIZE(paging_modes), list, sizeof(list)));
	}
	if (key == W_HYPERVISOR && fnmatch(val, "true", 0) && fnmatch(val, "false", 0))
		return yd_fail(y, v, "when.hypervisor: expected true or false, got '%s'", val);
	if ((key == W_KERNEL_FROM || key == W_KERNEL_BEFORE) && strpbrk(val, "*?[ "))
		return yd_fail(y, v, "when.%s: expected a kernel release (no glob), got '%s'",
			       w_keys[key], val);
	return 0;
}

/* parse_cpuid - `cpuid: {FLAG: true|false, ...}`, the host CPU's flags. */
static int parse_cpuid(struct ydoc *y, const yaml_node_t *n, struct expect *e)
{
	char flag[64], val[8];
	int i, r;

	r = yd_map(y, n, "when.cpuid", "a map of CPU flag: true or false", "flags",
		   EXPECT_MAX_CPUID);
	for (i = 0; !r && i < yd_count(n); i++) {
		const yaml_node_t *k = yd_node(y, yd_pair(n, i)->key);
		const yaml_node_t *v = yd_node(y, yd_pair(n, i)->value);

		snprintf(flag, sizeof(flag), "%s", yd_value(k));
		if (!charset_ok(flag, "_") || strlen(flag) > 32)
			return yd_fail(y, k, "when.cpuid: '%.40s' is not a CPU flag as /proc/cpuinfo names them ([a-z0-9_])",
				       yd_value(k));
		r = yd_str(y, v, "when.cpuid", "true or false", val, sizeof(val));
		if (!r && strcmp(val, "true") && strcmp(val, "false"))
			r = yd_expected(y, v, "when.cpuid", "true or false");
		if (!r && e->nr_when == EXPECT_MAX_WHEN)
			r = yd_fail(y, k, "when: too many keys (at most %d)", EXPECT_MAX_WHEN);
		if (!r) {
			char v2[80];

			snprintf(v2, sizeof(v2), "%c%s", val[0] == 't' ? '+' : '-', flag);
			when_add(e, "cpuid", v2);
		}
	}
	return r;
}

static int parse_when(struct ydoc *y, const yaml_node_t *n, struct expect *e)
{
	yaml_node_t *val[NR_W], *at[NR_W];
	char what[32], buf[96];
	int k, r;

	if (n->type != YAML_MAPPING_NODE)
		return yd_expected(y, n, "when", "a map of host key: glob");
	r = yd_map_keys(y, n, "when", w_keys, NR_W, val, at);
	for (k = 0; !r && k < NR_W; k++) {
		if (!val[k])
			continue;
		if (k == W_CPUID) {
			r = parse_cpuid(y, val[k], e);
			continue;
		}
		snprintf(what, sizeof(what), "when.%s", w_keys[k]);
		r = yd_str(y, val[k], what, k == W_KERNEL_FROM || k == W_KERNEL_BEFORE ?
			   "a kernel release" : "a glob", buf, sizeof(buf));
		if (!r && !buf[0])
			r = yd_expected(y, val[k], what, "a glob");
		if (!r)
			r = when_value_ok(y, val[k], k, buf);
		if (!r)
			when_add(e, w_keys[k], buf);
	}
	return r;
}

/* check_ok - "GUEST:TEST CHECK": a colon in the first word, then a check. */
static bool check_ok(const char *s)
{
	const char *sp = strchr(s, ' '), *colon = strchr(s, ':');

	return colon && sp && colon < sp && sp > colon + 1 && sp[1] && !strchr(sp + 1, ' ');
}

static int parse_text(struct ydoc *y, yaml_node_t *const *val, int key, const char *noun,
		      char *out, size_t len)
{
	char what[16];
	int r;

	snprintf(what, sizeof(what), "%s", x_keys[key]);
	r = yd_str(y, val[key], what, noun, out, len);
	if (!r && !out[0])
		r = yd_expected(y, val[key], what, noun);
	return r;
}

/* parse_verdict - exactly one of todo: and skip:. */
static int parse_verdict(struct ydoc *y, const yaml_node_t *n, yaml_node_t *const *val,
			 yaml_node_t *const *at, const char *what, struct expect *e)
{
	if (val[X_TODO] && val[X_SKIP])
		return yd_fail(y, at[X_SKIP], "skip: an entry is todo or skip, not both (todo at line %d)",
			       (int)at[X_TODO]->start_mark.line + 1);
	if (!val[X_TODO] && !val[X_SKIP])
		return yd_fail(y, n, "%s: missing key 'todo' or 'skip' (the verdict, with its reason)",
			       what);
	e->verdict = val[X_TODO] ? EXPECT_TODO : EXPECT_SKIP;
	return parse_text(y, val, val[X_TODO] ? X_TODO : X_SKIP, "a reason", e->reason,
			  sizeof(e->reason));
}

/* "expect" in a scenario, "expectation" in a file: what messages start with */
static const char *entry_word(bool in_file)
{
	return in_file ? "expectation" : "expect";
}

static int require(struct ydoc *y, const yaml_node_t *n, yaml_node_t *const *val, int key,
		   const char *what)
{
	if (val[key])
		return 0;
	return yd_fail(y, n, "expectation: missing key '%s' (%s)", x_keys[key], what);
}

int expect_parse(struct ydoc *y, const yaml_node_t *n, bool in_file, struct expect *e)
{
	yaml_node_t *val[NR_X], *at[NR_X];
	int r;

	memset(e, 0, sizeof(*e));
	snprintf(e->where, sizeof(e->where), "%s:%d", y->path, (int)n->start_mark.line + 1);
	if (n->type != YAML_MAPPING_NODE)
		return yd_expected(y, n, entry_word(in_file), in_file ?
				   "a map with id, check, when, todo or skip, why and seen" :
				   "a map with check, todo (or skip) and when");
	r = yd_map_keys(y, n, entry_word(in_file), x_keys, NR_X, val, at);
	if (!r && in_file)
		r = require(y, n, val, X_ID, "a name for the entry, [a-z0-9-]");
	if (!r && !val[X_CHECK])
		r = yd_fail(y, n, "%s: missing key 'check' (a glob on \"GUEST:TEST CHECK\")",
			    entry_word(in_file));
	if (!r && val[X_ID]) {
		r = parse_text(y, val, X_ID, "a name", e->id, sizeof(e->id));
		if (!r && !charset_ok(e->id, "-"))
			r = yd_fail(y, val[X_ID], "id: '%s' is not [a-z0-9-]", e->id);
	}
	if (!r)
		r = parse_text(y, val, X_CHECK, "a glob", e->check, sizeof(e->check));
	if (!r && !check_ok(e->check))
		r = yd_fail(y, val[X_CHECK], "check: '%s' is not a glob on \"GUEST:TEST CHECK\" (CHECK 'case': the case itself)",
			    e->check);
	if (!r)
		r = parse_verdict(y, n, val, at, entry_word(in_file), e);
	if (!r && val[X_WHEN])
		r = parse_when(y, val[X_WHEN], e);
	if (!r && in_file)
		r = require(y, n, val, X_WHY, "what happens and why, in a sentence");
	if (!r && in_file)
		r = require(y, n, val, X_SEEN, "the hosts and kernels it was seen on");
	if (!r && val[X_WHY])
		r = parse_text(y, val, X_WHY, "a sentence", e->why, sizeof(e->why));
	if (!r && val[X_SEEN])
		r = parse_text(y, val, X_SEEN, "where it was seen", e->seen, sizeof(e->seen));
	return r;
}

/* --- sets ---------------------------------------------------------------------- */

/* set_add_file - every entry of one file; ids must be unique in the whole set. */
static int set_add_file(struct expect_set *s, const char *path, char *err, size_t len)
{
	struct ydoc y;
	int i, j, r;

	r = ydoc_load(&y, path, EXPECT_FILE_MAX, "a list of expectations", err, len);
	if (r)
		return r;
	r = yd_list(&y, y.root, "top level", "a list of expectations", "expectations",
		    EXPECT_MAX_ENTRIES - s->n);
	for (i = 0; !r && i < yd_count(y.root); i++) {
		const yaml_node_t *n = yd_item(&y, y.root, i);
		struct expect *e = &s->e[s->n];

		r = expect_parse(&y, n, true, e);
		for (j = 0; !r && j < s->n; j++)
			if (!strcmp(s->e[j].id, e->id))
				r = yd_fail(&y, n, "id: duplicate id '%s' (first at %s)", e->id,
					    s->e[j].where);
		if (!r)
			s->n++;
	}
	ydoc_free(&y);
	return r;
}

static int yaml_name(const struct dirent *d)
{
	size_t l = strlen(d->d_name);

	return d->d_name[0] != '.' && l > 5 && !strcmp(d->d_name + l - 5, ".yaml");
}

static int set_add_dir(struct expect_set *s, const char *dir, char *err, size_t len)
{
	struct dirent **names;
	char path[PATH_MAX];
	int n, i, r = 0;

	n = scandir(dir, &names, yaml_name, alphasort);
	if (n < 0) {
		r = -errno;
		snprintf(err, len, "%s: %s", dir, strerror(errno));
		return r;
	}
	if (n > EXPECT_MAX_FILES) {
		snprintf(err, len, "%s: %d files, at most %d", dir, n, EXPECT_MAX_FILES);
		r = -E2BIG;
	}
	for (i = 0; !r && i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >= (int)sizeof(path)) {
			snprintf(err, len, "%s/%s: path too long", dir, names[i]->d_name);
			r = -ENAMETOOLONG;
		} else {
			r = set_add_file(s, path, err, len);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int expect_set_load(struct expect_set *s, const char *path, char *err, size_t len)
{
	struct stat st;
	int r;

	memset(s, 0, sizeof(*s));
	if (strlen(path) >= sizeof(s->source)) {
		snprintf(err, len, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	if (stat(path, &st)) {
		r = -errno;
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return r;
	}
	s->e = calloc(EXPECT_MAX_ENTRIES, sizeof(*s->e));
	if (!s->e) {
		snprintf(err, len, "%s: out of memory", path);
		return -ENOMEM;
	}
	strcpy(s->source, path);
	r = S_ISDIR(st.st_mode) ? set_add_dir(s, path, err, len) : set_add_file(s, path, err, len);
	if (r)
		expect_set_free(s);
	return r;
}

void expect_set_free(struct expect_set *s)
{
	free(s->e);
	s->e = NULL;
	s->n = 0;
}

const char *expect_default_path(void)
{
	static const char *const up[] = {
		"expectations", "../expectations", "../../expectations",
		"../share/kvmbench/expectations",
	};
	static char p[PATH_MAX + 64], real[PATH_MAX];
	const char *env = getenv("KVMBENCH_EXPECTATIONS");
	char exe[PATH_MAX], *dir;
	struct stat st;
	ssize_t n;
	int i;

	if (env)
		return env[0] ? env : NULL;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	dir = dirname(exe);
	for (i = 0; i < ARRAY_SIZE(up); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, up[i]);
		if (!stat(p, &st) && S_ISDIR(st.st_mode))
			return realpath(p, real) ? real : p;
	}
	return NULL;
}

/* --- matching ------------------------------------------------------------------- */

static const char *host_value(const struct host_info *h, const char *key)
{
	if (!strcmp(key, "paging"))
		return host_paging_mode(h);
	if (!strcmp(key, "vendor"))
		return h->cpu_vendor;
	if (!strcmp(key, "model"))
		return h->cpu_model;
	if (!strcmp(key, "kernel") || !strncmp(key, "kernel_", 7))
		return h->kernel_release;
	if (!strcmp(key, "hostname"))
		return h->hostname;
	if (!strcmp(key, "hypervisor"))
		return h->flags.hypervisor ? "true" : "false";
	if (!strcmp(key, "hypervisor_vendor"))
		return h->hypervisor_vendor;
	return NULL;
}

static bool when_matches(const struct expect_when *w, const struct host_info *h)
{
	const char *v;

	if (!strcmp(w->key, "cpuid"))
		return host_has_feature(h, w->value + 1) == (w->value[0] == '+');
	v = host_value(h, w->key);
	if (!v || !v[0])
		return false;
	/* version order: "6.18.44-fc-v669" comes before "6.18.44-fc-v1272" */
	if (!strcmp(w->key, "kernel_from"))
		return strverscmp(v, w->value) >= 0;
	if (!strcmp(w->key, "kernel_before"))
		return strverscmp(v, w->value) < 0;
	return !fnmatch(w->value, v, 0);
}

bool expect_host_matches(const struct expect *e, const struct host_info *h)
{
	int i;

	for (i = 0; i < e->nr_when; i++)
		if (!h || !when_matches(&e->when[i], h))
			return false;
	return true;
}

const struct expect *expect_find(const struct expect *e, int n, const char *guest_test,
				 const char *check, const struct host_info *h)
{
	char subject[256];
	int i;

	snprintf(subject, sizeof(subject), "%s %s", guest_test, check);
	for (i = 0; i < n; i++)
		if (!fnmatch(e[i].check, subject, 0) && expect_host_matches(&e[i], h))
			return &e[i];
	return NULL;
}

/* --- words ---------------------------------------------------------------------- */

const char *expect_verdict_name(const struct expect *e)
{
	return e->verdict == EXPECT_TODO ? "TODO" : "SKIP";
}

const char *expect_id(const struct expect *e)
{
	return e->id[0] ? e->id : e->where;
}

const char *expect_name(const struct expect *e, char *buf, size_t len)
{
	if (e->id[0])
		snprintf(buf, len, "expectation %s", e->id);
	else
		snprintf(buf, len, "%s", e->where);
	return buf;
}

const char *expect_reason(const struct expect *e, char *buf, size_t len)
{
	char name[200];

	snprintf(buf, len, "%s [%s]", e->reason, expect_name(e, name, sizeof(name)));
	return buf;
}

const char *expect_when_text(const struct expect *e, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < e->nr_when && off < len; i++) {
		const struct expect_when *w = &e->when[i];

		off += snprintf(buf + off, len - off, "%s%s %s", i ? ", " : "", w->key, w->value);
	}
	if (!e->nr_when)
		snprintf(buf, len, "every host");
	return buf;
}

void expect_write_yaml(const struct expect_set *s, const struct host_info *h, FILE *out)
{
	char when[512];
	int i, n = 0;

	fprintf(out, "expectations:\n");
	yaml_write_str(out, 1, "source", s->source[0] ? s->source : NULL);
	fprintf(out, "  entries: %d\n", s->n);
	for (i = 0; i < s->n; i++)
		n += expect_host_matches(&s->e[i], h);
	if (!n) {
		fprintf(out, "  matching: []\n");
		return;
	}
	fprintf(out, "  matching:\n");
	for (i = 0; i < s->n; i++) {
		const struct expect *e = &s->e[i];

		if (!expect_host_matches(e, h))
			continue;
		fprintf(out, "    - id: ");
		yaml_write_scalar(out, e->id);
		fputc('\n', out);
		yaml_write_str(out, 3, "check", e->check);
		yaml_write_str(out, 3, "when", expect_when_text(e, when, sizeof(when)));
		yaml_write_str(out, 3, e->verdict == EXPECT_TODO ? "todo" : "skip", e->reason);
		yaml_write_str(out, 3, "seen", e->seen);
		yaml_write_str(out, 3, "where", e->where);
	}
}

void expect_use(struct expect_uses *u, const struct expect *e, bool passed, const char *label)
{
	struct expect_use *x = NULL;
	int i;

	for (i = 0; i < u->n && !x; i++)
		if (u->u[i].e == e)
			x = &u->u[i];
	if (!x && u->n == EXPECT_MAX_USES) {
		u->lost++;
		return;
	}
	if (!x) {
		x = &u->u[u->n++];
		memset(x, 0, sizeof(*x));
		x->e = e;
	}
	if (!passed) {
		x->held++;
		return;
	}
	if (!x->passed++)
		snprintf(x->first_passed, sizeof(x->first_passed), "%s", label);
}
