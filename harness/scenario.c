// SPDX-License-Identifier: GPL-2.0
/*
 * scenario.c - YAML scenarios: load, validate, expand into cases.
 *
 * The file is read whole and loaded with libyaml's document API, so every
 * node keeps its start mark and each error can say FILE:LINE:COL.  Loading
 * validates everything a run would trip over later - keys, types, ranges,
 * guests and their tests, knob values, exclusions, the number of cases -
 * because a typo found after an hour of benchmarking (or after a knob has
 * moved the host) is an hour lost.
 *
 * The walk over the tree is driven by the schema, never by the tree: every
 * list and map is checked against its limit before it is looked at, so a
 * hostile file (aliases, huge maps) costs at most the limits' worth of work.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "guests.h"
#include "scenario.h"
#include "yamlout.h"
#include "ydoc.h"

#define SC_FILE_MAX	(1 << 20)	/* a scenario is a page or two of YAML */
#define SC_MAX_POINTS	(1 << 16)	/* raw matrix points we are willing to walk */
#define SC_PARAM_NAME	32		/* struct kb_param.name */

enum {
	K_NAME, K_DESCRIPTION, K_TESTS, K_VCPUS, K_MEMORY, K_REPEATS, K_WARMUP,
	K_TIMEOUT, K_PARAMS, K_KNOBS, K_COUNTERS, K_MATRIX, K_EXCLUDE, K_EXPECT,
	K_TOPOLOGY, K_CPU_MODEL, SC_NR_KEYS
};

static const char *const sc_keys[SC_NR_KEYS] = {
	"name", "description", "tests", "vcpus", "memory", "repeats", "warmup",
	"timeout", "params", "knobs", "counters", "matrix", "exclude", "expect",
	"topology", "cpu_model",
};

enum { T_SOCKETS, T_CORES, T_THREADS, SC_NR_TOPO_KEYS };
static const char *const sc_topo_keys[SC_NR_TOPO_KEYS] = { "sockets", "cores", "threads" };

#define ARRAY_SIZE(a)	(int)(sizeof(a) / sizeof((a)[0]))

struct sc_parser {
	struct ydoc y;
	struct scenario *sc;
	yaml_node_t *top[SC_NR_KEYS];	/* value of each top-level key, or NULL */
};

static int sc_seconds(struct sc_parser *p, const yaml_node_t *n, double *out)
{
	const char *s = n->type == YAML_SCALAR_NODE ? yd_value(n) : "";
	char *end;
	double v;

	v = strtod(s, &end);
	if (n->type != YAML_SCALAR_NODE || !isdigit((unsigned char)s[0]) || *end ||
	    !isfinite(v) || v < 0.1 || v > 86400)
		return yd_expected(&p->y, n, "timeout", "seconds in 0.1..86400");
	*out = v;
	return 0;
}

static bool sc_charset(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    !strchr(extra, *s))
			return false;
	return true;
}

/* sc_param_name_ok - a guest parameter name: 1..31 of [a-z0-9_]. */
static bool sc_param_name_ok(const char *s)
{
	return strlen(s) < SC_PARAM_NAME && sc_charset(s, "_");
}

/*
 * sc_param_value - a guest parameter value: an integer (strtoll base 0, as
 * the runner reads it) or a string that fits struct kb_param.
 */
static int sc_param_value(struct sc_parser *p, const yaml_node_t *n, const char *what,
			  char *out)
{
	char *end;
	int r;

	if (yd_null(n))
		return yd_expected(&p->y, n, what, "an integer or a string");
	r = yd_str(&p->y, n, what, "an integer or a string", out, KNOB_VALUE_MAX);
	if (r)
		return r;
	errno = 0;
	strtoll(out, &end, 0);
	if (out[0] && !*end && errno == ERANGE)
		return yd_fail(&p->y, n, "%s: '%s' is out of the 64-bit integer range", what, out);
	return 0;
}

/* sc_copy - strlcpy; the source may be the destination's neighbour. */
static void sc_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memmove(dst, src, n);
	dst[n] = 0;
}

static void sc_setting_init(struct sc_setting *s, const char *name, const char *value,
			    const yaml_node_t *at)
{
	sc_copy(s->name, sizeof(s->name), name);
	sc_copy(s->value, sizeof(s->value), value);
	s->pos.line = at->start_mark.line + 1;
	s->pos.col = at->start_mark.column + 1;
}

static struct sc_setting *sc_setting_find(struct sc_setting *s, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	return NULL;
}

/* --- tests ------------------------------------------------------------------ */

static bool sc_test_name_ok(const char *s, size_t max)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

	return n && !s[n] && n < max;
}

/* sc_split_test - "GUEST" or "GUEST:TEST" into its parts; test is "" for all. */
static bool sc_split_test(const char *spec, char *guest, char *test)
{
	const char *colon = strchr(spec, ':');
	size_t gl = colon ? (size_t)(colon - spec) : strlen(spec);

	if (gl >= GUEST_NAME_MAX)
		return false;
	memcpy(guest, spec, gl);
	guest[gl] = 0;
	test[0] = 0;
	if (!sc_test_name_ok(guest, GUEST_NAME_MAX))
		return false;
	if (!colon)
		return true;
	if (strlen(colon + 1) >= KB_TEST_NAME_MAX)
		return false;
	strcpy(test, colon + 1);
	return sc_test_name_ok(test, KB_TEST_NAME_MAX);
}

static int sc_add_test(struct sc_parser *p, const yaml_node_t *n, const char *guest,
		       const char *test)
{
	struct scenario *sc = p->sc;
	struct sc_test *t;
	int i;

	for (i = 0; i < sc->nr_tests; i++)
		if (!strcmp(sc->tests[i].guest, guest) && !strcmp(sc->tests[i].test, test))
			return yd_fail(&p->y, n, "tests: '%s:%s' is listed twice", guest, test);
	if (sc->nr_tests == SC_MAX_TESTS)
		return yd_fail(&p->y, n, "tests: too many tests (at most %d, counting each test of a guest)",
			       SC_MAX_TESTS);
	t = &sc->tests[sc->nr_tests++];
	snprintf(t->guest, sizeof(t->guest), "%s", guest);
	snprintf(t->test, sizeof(t->test), "%s", test);
	return 0;
}

static int sc_unknown_guest(struct sc_parser *p, const yaml_node_t *n, const char *guest)
{
	char names[GUESTS_MAX][GUEST_NAME_MAX];
	const char *cand[GUESTS_MAX];
	char hint[GUEST_NAME_MAX + 32];
	int i, nr = guests_list(names, GUESTS_MAX);

	for (i = 0; i < nr; i++)
		cand[i] = names[i];
	return yd_fail(&p->y, n, "tests: unknown guest '%s'%s", guest,
		       yd_hint(guest, cand, nr, " (`kvmbench list` shows the guests)",
			       hint, sizeof(hint)));
}

static int sc_unknown_test(struct sc_parser *p, const yaml_node_t *n,
			   const struct vmm_image *img, const char *guest, const char *test)
{
	const char *cand[VMM_MAX_TESTS];
	char hint[KB_TEST_NAME_MAX + 32], other[GUEST_NAME_MAX + 48];
	int i;

	for (i = 0; i < img->nr_tests; i++)
		cand[i] = img->tests[i].name;
	snprintf(other, sizeof(other), " (`kvmbench list %s` shows its tests)", guest);
	return yd_fail(&p->y, n, "tests: guest '%s' has no test '%s'%s", guest, test,
		       yd_hint(test, cand, img->nr_tests, other, hint, sizeof(hint)));
}

/* sc_add_tests_of - GUEST:TEST once, or GUEST as each of its tests in image order. */
static int sc_add_tests_of(struct sc_parser *p, const yaml_node_t *n, struct vmm_image *img,
			   const char *guest, const char *test)
{
	int i, r = 0;

	if (test[0]) {
		if (!image_find_test(img, test))
			return sc_unknown_test(p, n, img, guest, test);
		return sc_add_test(p, n, guest, test);
	}
	if (!img->nr_tests)
		return yd_fail(&p->y, n, "tests: guest '%s' has no tests", guest);
	for (i = 0; i < img->nr_tests && !r; i++)
		r = sc_add_test(p, n, guest, img->tests[i].name);
	return r;
}

static int sc_parse_test(struct sc_parser *p, const yaml_node_t *n, struct vmm_image *img)
{
	char spec[128], guest[GUEST_NAME_MAX], test[KB_TEST_NAME_MAX], why[VMM_ERR_MAX];
	int r;

	r = yd_str(&p->y, n, "tests", "GUEST or GUEST:TEST", spec, sizeof(spec));
	if (r)
		return r;
	if (!sc_split_test(spec, guest, test))
		return yd_fail(&p->y, n, "tests: bad test '%s' (expected GUEST or GUEST:TEST)", spec);
	r = guest_load(guest, img, why, sizeof(why));
	if (r == -ENOENT)
		return sc_unknown_guest(p, n, guest);
	if (r)
		return yd_fail(&p->y, n, "tests: guest '%s': %s", guest, why);
	r = sc_add_tests_of(p, n, img, guest, test);
	image_free(img);
	return r;
}

static int sc_parse_tests(struct sc_parser *p, const yaml_node_t *n)
{
	struct vmm_image *img;
	int i, r;

	if (!n)
		return yd_fail(&p->y, p->y.root, "missing key 'tests' (a list of GUEST or GUEST:TEST)");
	r = yd_list(&p->y, n, "tests", "a list of GUEST or GUEST:TEST", "tests", SC_MAX_TESTS);
	if (r)
		return r;
	if (!yd_count(n))
		return yd_fail(&p->y, n, "tests: expected at least one GUEST or GUEST:TEST");
	img = calloc(1, sizeof(*img));	/* 20 KiB: keep it off the stack */
	if (!img)
		return -ENOMEM;
	for (i = 0, r = 0; i < yd_count(n) && !r; i++)
		r = sc_parse_test(p, yd_item(&p->y, n, i), img);
	free(img);
	return r;
}

/* --- name, description, numbers, counters ------------------------------------ */

static bool sc_name_ok(const char *s)
{
	return sc_charset(s, "_-");
}

/* sc_default_name - the file's basename without .yaml / .yml. */
static void sc_default_name(struct scenario *sc)
{
	const char *base = strrchr(sc->path, '/');
	size_t n;

	base = base ? base + 1 : sc->path;
	n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".yaml"))
		n -= 5;
	else if (n > 4 && !strcmp(base + n - 4, ".yml"))
		n -= 4;
	snprintf(sc->name, sizeof(sc->name), "%.*s", (int)n, base);
}

static int sc_parse_name(struct sc_parser *p, const yaml_node_t *n)
{
	struct scenario *sc = p->sc;
	char expected[64];

	snprintf(expected, sizeof(expected), "[a-z0-9_-]+ (at most %zu chars)",
		 sizeof(sc->name) - 1);
	if (!n) {
		sc_default_name(sc);
		if (!sc_name_ok(sc->name))
			return yd_fail(&p->y, p->y.root,
				       "name: the file name gives '%s', not %s; set 'name:'",
				       sc->name, expected);
		return 0;
	}
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.length >= sizeof(sc->name) ||
	    !sc_name_ok(yd_value(n)))
		return yd_expected(&p->y, n, "name", expected);
	strcpy(sc->name, yd_value(n));
	return 0;
}

static int sc_parse_numbers(struct sc_parser *p)
{
	struct scenario *sc = p->sc;
	yaml_node_t **top = p->top;
	int r = 0;

	if (top[K_VCPUS])
		r = yd_int(&p->y, top[K_VCPUS], "vcpus", "an integer", 1, KB_MAX_VCPUS, &sc->vcpus);
	if (!r && top[K_MEMORY])
		r = yd_int(&p->y, top[K_MEMORY], "memory", "MiB", 8, KB_RAM_MAX >> 20,
			   &sc->memory_mb);
	if (!r && top[K_REPEATS])
		r = yd_int(&p->y, top[K_REPEATS], "repeats", "an integer", 1, 1000, &sc->repeats);
	if (!r && top[K_WARMUP])
		r = yd_int(&p->y, top[K_WARMUP], "warmup", "an integer", 0, 100, &sc->warmup);
	if (!r && top[K_TIMEOUT])
		r = sc_seconds(p, top[K_TIMEOUT], &sc->timeout_s);
	return r;
}

/* sc_counter_name_ok - PMU event names have capitals, colons, = and @guest. */
static bool sc_counter_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.:=@-", *s))
			return false;
	return true;
}

static int sc_parse_counters(struct sc_parser *p, const yaml_node_t *n)
{
	struct scenario *sc = p->sc;
	char expected[64], *c;
	int i, j, r;

	snprintf(expected, sizeof(expected), "a counter name ([A-Za-z0-9_.:=@-]+, < %d chars)",
		 SC_NAME_MAX);
	r = yd_list(&p->y, n, "counters", "a list of counter names", "counters", SC_MAX_COUNTERS);
	for (i = 0; !r && i < yd_count(n); i++) {
		yaml_node_t *it = yd_item(&p->y, n, i);

		c = sc->counters[sc->nr_counters];
		if (it->type != YAML_SCALAR_NODE || it->data.scalar.length >= SC_NAME_MAX ||
		    !sc_counter_name_ok(yd_value(it)))
			return yd_expected(&p->y, it, "counters", expected);
		strcpy(c, yd_value(it));
		sc->counter_pos[sc->nr_counters].line = it->start_mark.line + 1;
		sc->counter_pos[sc->nr_counters].col = it->start_mark.column + 1;
		for (j = 0; j < sc->nr_counters; j++)
			if (!strcmp(sc->counters[j], c))
				return yd_fail(&p->y, it, "counters: '%s' is listed twice", c);
		sc->nr_counters++;
	}
	return r;
}

/* --- params and knobs --------------------------------------------------------- */

static int sc_parse_params(struct sc_parser *p, const yaml_node_t *n)
{
	struct scenario *sc = p->sc;
	char what[SC_PARAM_NAME + 8], value[KNOB_VALUE_MAX];
	int i, r;

	r = yd_map(&p->y, n, "params", "a map of NAME: value", "parameters", KB_MAX_PARAMS);
	for (i = 0; !r && i < yd_count(n); i++) {
		yaml_node_t *k = yd_node(&p->y, yd_pair(n, i)->key);

		if (!sc_param_name_ok(yd_value(k)))
			return yd_fail(&p->y, k, "params: bad name '%.*s' (expected 1..%d chars of [a-z0-9_])",
				       YD_GOT_MAX, yd_value(k), SC_PARAM_NAME - 1);
		snprintf(what, sizeof(what), "params.%s", yd_value(k));
		r = sc_param_value(p, yd_node(&p->y, yd_pair(n, i)->value), what, value);
		if (!r)
			sc_setting_init(&sc->params[sc->nr_params++], yd_value(k), value, k);
	}
	return r;
}

/* sc_knob_names - knob_all()'s names into @cand; returns how many. */
static int sc_knob_names(const char **cand, int max)
{
	const struct knob *const *k = knob_all();
	int n = 0;

	while (k[n] && n < max) {
		cand[n] = k[n]->name;
		n++;
	}
	return n;
}

/* sc_is_vm_size - vcpus and memory are knobs, but the case carries them as ints. */
static bool sc_is_vm_size(const char *name)
{
	return !strcmp(name, "vcpus") || !strcmp(name, "memory");
}

static int sc_unknown_knob(struct sc_parser *p, const yaml_node_t *k)
{
	const char *cand[64];
	char hint[YD_DIST_MAX + 32], all[512], list[448];
	int n = sc_knob_names(cand, ARRAY_SIZE(cand));

	snprintf(all, sizeof(all), " (expected one of %s)", yd_join(cand, n, list, sizeof(list)));
	return yd_fail(&p->y, k, "knobs: unknown knob '%s'%s", yd_value(k),
		       yd_hint(yd_value(k), cand, n, all, hint, sizeof(hint)));
}

/*
 * sc_knob_value - a knob value: a scalar the knob itself accepts.  Its
 * reason names the knob, so @section ("knobs", "matrix") prefixes it.
 */
/*
 * sc_topology_map - topology as {sockets: S, cores: C, threads: T} (each
 * 1..255, an absent one is 1) into the knob's "SxCxT" form.
 */
static int sc_topology_map(struct sc_parser *p, const yaml_node_t *n, const char *what,
			   char *out)
{
	yaml_node_t *val[SC_NR_TOPO_KEYS], *at[SC_NR_TOPO_KEYS];
	int v[SC_NR_TOPO_KEYS], i, r;
	char key[SC_NAME_MAX + 16];

	r = yd_map_keys(&p->y, n, what, sc_topo_keys, SC_NR_TOPO_KEYS, val, at);
	for (i = 0; !r && i < SC_NR_TOPO_KEYS; i++) {
		v[i] = 1;
		snprintf(key, sizeof(key), "%s.%s", what, sc_topo_keys[i]);
		if (val[i])
			r = yd_int(&p->y, val[i], key, "an integer", 1, 255, &v[i]);
	}
	if (!r)
		snprintf(out, KNOB_VALUE_MAX, "%dx%dx%d", v[T_SOCKETS], v[T_CORES], v[T_THREADS]);
	return r;
}

static int sc_knob_value(struct sc_parser *p, const yaml_node_t *n, const struct knob *k,
			 const char *section, const char *what, char *out)
{
	char why[256];
	long v;
	int r;

	if (n->type == YAML_MAPPING_NODE && !strcmp(k->name, "topology"))
		return sc_topology_map(p, n, what, out);
	r = yd_str(&p->y, n, what, "a value", out, KNOB_VALUE_MAX);
	if (r)
		return r;
	why[0] = 0;
	if (knob_value_ok(k, out, why, sizeof(why)))
		return yd_fail(&p->y, n, "%s: %s", section, why[0] ? why : "bad value");
	/* The case reads these as ints: make sure they are plain ones. */
	if (sc_is_vm_size(k->name) && yd_parse_long(out, &v))
		return yd_expected(&p->y, n, what, "an integer");
	return 0;
}

static int sc_parse_knobs(struct sc_parser *p, const yaml_node_t *n)
{
	struct scenario *sc = p->sc;
	char what[SC_NAME_MAX + 8], value[KNOB_VALUE_MAX];
	const struct knob *kb;
	int i, r;

	r = yd_map(&p->y, n, "knobs", "a map of KNOB: value", "knobs", SC_MAX_SETTINGS);
	for (i = 0; !r && i < yd_count(n); i++) {
		yaml_node_t *k = yd_node(&p->y, yd_pair(n, i)->key);

		kb = knob_find(yd_value(k));
		if (!kb || strlen(yd_value(k)) >= SC_NAME_MAX)
			return sc_unknown_knob(p, k);
		if (sc_is_vm_size(kb->name))
			return yd_fail(&p->y, k, "knobs: set '%s' with the top-level key, not in knobs",
				       kb->name);
		snprintf(what, sizeof(what), "knobs.%s", kb->name);
		r = sc_knob_value(p, yd_node(&p->y, yd_pair(n, i)->value), kb, "knobs", what, value);
		if (!r)
			sc_setting_init(&sc->knobs[sc->nr_knobs++], kb->name, value, k);
	}
	return r;
}

/*
 * sc_parse_top_knob - a knob that may also be set as a top-level key
 * (topology: {sockets: 2, cores: 2}, cpu_model: baseline): one more fixed
 * knob, unless knobs: sets it too.
 */
static int sc_parse_top_knob(struct sc_parser *p, const yaml_node_t *n, const char *name)
{
	struct scenario *sc = p->sc;
	struct sc_setting *fixed = sc_setting_find(sc->knobs, sc->nr_knobs, name);
	char value[KNOB_VALUE_MAX];
	int r;

	if (fixed)
		return yd_fail(&p->y, n, "%s: also set in knobs (line %d): set it in one place", name,
			       fixed->pos.line);
	if (sc->nr_knobs == SC_MAX_SETTINGS)
		return yd_fail(&p->y, n, "%s: too many knobs (at most %d)", name, SC_MAX_SETTINGS);
	r = sc_knob_value(p, n, knob_find(name), name, name, value);
	if (!r)
		sc_setting_init(&sc->knobs[sc->nr_knobs++], name, value, n);
	return r;
}

/* --- matrix ------------------------------------------------------------------- */

static int sc_unknown_axis(struct sc_parser *p, const yaml_node_t *k)
{
	const char *cand[65], *dot = strchr(yd_value(k), '.');
	char hint[YD_DIST_MAX + 32], param[YD_DIST_MAX];
	int n = sc_knob_names(cand, 64);

	/* "param.samples" is a typo of "params.samples", not of a knob. */
	if (dot && strlen(dot) < sizeof(param) - 7) {
		snprintf(param, sizeof(param), "params%s", dot);
		cand[n++] = param;
	}
	return yd_fail(&p->y, k, "matrix: unknown axis '%s'%s", yd_value(k),
		       yd_hint(yd_value(k), cand, n, " (expected a knob or params.NAME)",
			       hint, sizeof(hint)));
}

/* sc_axis_name - check axis key @k and fill in @ax's name and kind. */
static int sc_axis_name(struct sc_parser *p, const yaml_node_t *k, struct sc_axis *ax)
{
	struct scenario *sc = p->sc;
	const char *name = yd_value(k);
	struct sc_setting *fixed;

	if (!strncmp(name, "params.", 7)) {
		if (!sc_param_name_ok(name + 7))
			return yd_fail(&p->y, k, "matrix: bad axis '%s' (expected params.NAME, NAME 1..%d chars of [a-z0-9_])",
				       name, SC_PARAM_NAME - 1);
		ax->is_param = true;
	} else if (!knob_find(name) || strlen(name) >= SC_NAME_MAX) {
		return sc_unknown_axis(p, k);
	}
	fixed = sc_setting_find(sc->knobs, sc->nr_knobs, name);
	if (fixed)
		return yd_fail(&p->y, k, "matrix: knob '%s' is also fixed in knobs (line %d): set it in one place",
			       name, fixed->pos.line);
	snprintf(ax->name, sizeof(ax->name), "%s", name);
	ax->pos.line = k->start_mark.line + 1;
	ax->pos.col = k->start_mark.column + 1;
	return 0;
}

static int sc_axis_value(struct sc_parser *p, const yaml_node_t *v, struct sc_axis *ax,
			 const char *what)
{
	struct sc_setting *prev;
	char value[KNOB_VALUE_MAX];
	int r;

	if (v->type != YAML_SCALAR_NODE && (ax->is_param || strcmp(ax->name, "topology") ||
					    v->type != YAML_MAPPING_NODE))
		return yd_expected(&p->y, v, what, "a scalar value");
	if (ax->is_param)
		r = sc_param_value(p, v, what, value);
	else
		r = sc_knob_value(p, v, knob_find(ax->name), "matrix", what, value);
	if (r)
		return r;
	for (prev = ax->values; prev < ax->values + ax->nr_values; prev++)
		if (!strcmp(prev->value, value))
			return yd_fail(&p->y, v, "%s: duplicate value '%s' (first at line %d)",
				       what, value, prev->pos.line);
	sc_setting_init(&ax->values[ax->nr_values++], ax->name, value, v);
	return 0;
}

static int sc_parse_axis(struct sc_parser *p, const yaml_node_pair_t *pair, struct sc_axis *ax)
{
	yaml_node_t *k = yd_node(&p->y, pair->key), *v = yd_node(&p->y, pair->value);
	char what[SC_NAME_MAX + 8];
	int i, r;

	r = sc_axis_name(p, k, ax);
	if (r)
		return r;
	snprintf(what, sizeof(what), "matrix.%s", ax->name);
	r = yd_list(&p->y, v, what, "a list of values", "values", SC_MAX_VALUES);
	if (r)
		return r;
	if (!yd_count(v))
		return yd_fail(&p->y, v, "%s: expected at least one value", what);
	for (i = 0; i < yd_count(v) && !r; i++)
		r = sc_axis_value(p, yd_item(&p->y, v, i), ax, what);
	return r;
}

/* sc_matrix_limits - the settings of one case must fit struct sc_case. */
static int sc_matrix_limits(struct sc_parser *p, const yaml_node_t *n)
{
	struct scenario *sc = p->sc;
	int i, knobs = sc->nr_knobs, params = sc->nr_params;

	for (i = 0; i < sc->nr_axes; i++) {
		const struct sc_axis *ax = &sc->axes[i];

		if (ax->is_param && !sc_setting_find(sc->params, sc->nr_params, ax->name + 7))
			params++;
		else if (!ax->is_param && !sc_is_vm_size(ax->name))
			knobs++;
	}
	if (params > KB_MAX_PARAMS)
		return yd_fail(&p->y, n, "matrix: too many guest parameters, counting params (at most %d)",
			       KB_MAX_PARAMS);
	if (knobs > SC_MAX_SETTINGS)
		return yd_fail(&p->y, n, "matrix: too many knobs, counting knobs (at most %d)",
			       SC_MAX_SETTINGS);
	return 0;
}

static int sc_parse_matrix(struct sc_parser *p, const yaml_node_t *n)
{
	struct scenario *sc = p->sc;
	int i, r;

	r = yd_map(&p->y, n, "matrix", "a map of AXIS: [values]", "axes", SC_MAX_AXES);
	for (i = 0; !r && i < yd_count(n); i++)
		r = sc_parse_axis(p, yd_pair(n, i), &sc->axes[sc->nr_axes++]);
	return r ? r : sc_matrix_limits(p, n);
}

/* --- exclude ------------------------------------------------------------------ */

static int sc_axis_index(const struct scenario *sc, const char *name)
{
	int i;

	for (i = 0; i < sc->nr_axes; i++)
		if (!strcmp(sc->axes[i].name, name))
			return i;
	return -1;
}

static int sc_value_index(const struct sc_axis *ax, const char *value)
{
	int i;

	for (i = 0; i < ax->nr_values; i++)
		if (!strcmp(ax->values[i].value, value))
			return i;
	return -1;
}

static int sc_not_an_axis(struct sc_parser *p, const yaml_node_t *k)
{
	const struct scenario *sc = p->sc;
	const char *cand[SC_MAX_AXES];
	char hint[YD_DIST_MAX + 32], list[SC_MAX_AXES * SC_NAME_MAX], other[sizeof(list) + 16];
	int i;

	for (i = 0; i < sc->nr_axes; i++)
		cand[i] = sc->axes[i].name;
	if (sc->nr_axes)
		snprintf(other, sizeof(other), " (axes: %s)",
			 yd_join(cand, sc->nr_axes, list, sizeof(list)));
	else
		snprintf(other, sizeof(other), " (there is no matrix)");
	return yd_fail(&p->y, k, "exclude: '%s' is not a matrix axis%s", yd_value(k),
		       yd_hint(yd_value(k), cand, sc->nr_axes, other, hint, sizeof(hint)));
}

static int sc_not_a_value(struct sc_parser *p, const yaml_node_t *v, const struct sc_axis *ax)
{
	const char *cand[SC_MAX_VALUES];
	char list[SC_MAX_VALUES * (KNOB_VALUE_MAX + 2)], got[YD_GOT_MAX + 8];
	int i;

	for (i = 0; i < ax->nr_values; i++)
		cand[i] = ax->values[i].value;
	return yd_fail(&p->y, v, "exclude: %s is not a value of '%s' (values: %s)",
		       yd_got(v, got, sizeof(got)), ax->name,
		       yd_join(cand, ax->nr_values, list, sizeof(list)));
}

/* sc_exclude_test - `test: GLOB` in an exclude item: it must name a test of the scenario. */
static int sc_exclude_test(struct sc_parser *p, const yaml_node_t *v, struct sc_exclude *ex)
{
	const struct scenario *sc = p->sc;
	char gt[72];
	int t;

	if (v->type != YAML_SCALAR_NODE || !yd_value(v)[0] ||
	    strlen(yd_value(v)) >= sizeof(ex->test))
		return yd_fail(&p->y, v, "exclude: test must be a glob on GUEST:TEST of at most %zu characters",
			       sizeof(ex->test) - 1);
	snprintf(ex->test, sizeof(ex->test), "%s", yd_value(v));
	for (t = 0; t < sc->nr_tests; t++) {
		snprintf(gt, sizeof(gt), "%s:%s", sc->tests[t].guest, sc->tests[t].test);
		if (!fnmatch(ex->test, gt, 0))
			return 0;
	}
	return yd_fail(&p->y, v, "exclude: test '%s' matches none of the scenario's tests", ex->test);
}

static int sc_parse_exclude_item(struct sc_parser *p, const yaml_node_t *n, struct sc_exclude *ex)
{
	const struct scenario *sc = p->sc;
	int i, a, r;

	r = yd_map(&p->y, n, "exclude", "a map of AXIS: value", "axes", SC_MAX_AXES);
	if (r)
		return r;
	for (i = 0; i < yd_count(n); i++) {
		yaml_node_t *k = yd_node(&p->y, yd_pair(n, i)->key);
		yaml_node_t *v = yd_node(&p->y, yd_pair(n, i)->value);

		if (!strcmp(yd_value(k), "test")) {
			r = sc_exclude_test(p, v, ex);
			if (r)
				return r;
			continue;
		}
		a = sc_axis_index(sc, yd_value(k));
		if (a < 0)
			return sc_not_an_axis(p, k);
		if (v->type != YAML_SCALAR_NODE || sc_value_index(&sc->axes[a], yd_value(v)) < 0)
			return sc_not_a_value(p, v, &sc->axes[a]);
		sc_setting_init(&ex->set[ex->nr++], yd_value(k), yd_value(v), k);
	}
	if (!ex->nr)
		return yd_fail(&p->y, n, "exclude: expected at least one AXIS: value");
	ex->pos.line = n->start_mark.line + 1;
	ex->pos.col = n->start_mark.column + 1;
	return 0;
}

static int sc_parse_exclude(struct sc_parser *p, const yaml_node_t *n)
{
	struct scenario *sc = p->sc;
	int i, r;

	r = yd_list(&p->y, n, "exclude", "a list of {AXIS: value} maps", "items", SC_MAX_EXCLUDES);
	for (i = 0; !r && i < yd_count(n); i++)
		r = sc_parse_exclude_item(p, yd_item(&p->y, n, i), &sc->excludes[sc->nr_excludes++]);
	return r;
}

/* --- expect ------------------------------------------------------------------- */

static int sc_parse_expect(struct sc_parser *p, const yaml_node_t *n)
{
	struct scenario *sc = p->sc;
	int i, r;

	r = yd_list(&p->y, n, "expect", "a list of {check, todo or skip, when} maps", "items",
		    SC_MAX_EXPECT);
	for (i = 0; !r && i < yd_count(n); i++)
		r = expect_parse(&p->y, yd_item(&p->y, n, i), false, &sc->expect[sc->nr_expect++]);
	return r;
}

/* --- the matrix walk (shared by the load-time count and the expansion) --------- */

/* Each exclusion as value indices per axis (-1: any value). */
struct sc_walk {
	int idx[SC_MAX_AXES];
	int ex[SC_MAX_EXCLUDES][SC_MAX_AXES];
	bool never[SC_MAX_EXCLUDES];	/* names what is not in the matrix */
};

static void sc_walk_init(const struct scenario *sc, struct sc_walk *w)
{
	int e, i, a;

	memset(w->idx, 0, sizeof(w->idx));
	for (e = 0; e < sc->nr_excludes; e++) {
		const struct sc_exclude *x = &sc->excludes[e];

		w->never[e] = false;
		for (a = 0; a < SC_MAX_AXES; a++)
			w->ex[e][a] = -1;
		/* scenario_load() allows no strays; a hand-made sc might have them */
		for (i = 0; i < x->nr; i++) {
			a = sc_axis_index(sc, x->set[i].name);
			if (a >= 0)
				w->ex[e][a] = sc_value_index(&sc->axes[a], x->set[i].value);
			if (a < 0 || w->ex[e][a] < 0)
				w->never[e] = true;
		}
	}
}

/* sc_exclude_applies - does exclusion @x concern test @t? */
static bool sc_exclude_applies(const struct scenario *sc, const struct sc_exclude *x, int t)
{
	char gt[72];

	if (!x->test[0])
		return true;
	snprintf(gt, sizeof(gt), "%s:%s", sc->tests[t].guest, sc->tests[t].test);
	return !fnmatch(x->test, gt, 0);
}

static bool sc_walk_excluded(const struct scenario *sc, const struct sc_walk *w, int t)
{
	int e, a;

	for (e = 0; e < sc->nr_excludes; e++) {
		if (w->never[e] || !sc_exclude_applies(sc, &sc->excludes[e], t))
			continue;
		for (a = 0; a < sc->nr_axes; a++)
			if (w->ex[e][a] >= 0 && w->ex[e][a] != w->idx[a])
				break;
		if (a == sc->nr_axes)
			return true;
	}
	return false;
}

/* sc_walk_next - the next point, last axis fastest; false after the last one. */
static bool sc_walk_next(const struct scenario *sc, struct sc_walk *w)
{
	int a;

	for (a = sc->nr_axes - 1; a >= 0; a--) {
		if (++w->idx[a] < sc->axes[a].nr_values)
			return true;
		w->idx[a] = 0;
	}
	return false;
}

/* sc_count_cases - cases left after exclusions, over every test; -1 if too many to walk. */
static long sc_count_cases(const struct scenario *sc, struct sc_walk *w)
{
	long raw = 1, n = 0;
	int a, t;

	for (a = 0; a < sc->nr_axes; a++) {
		raw *= sc->axes[a].nr_values;
		if (raw > SC_MAX_POINTS)
			return -1;
	}
	for (t = 0; t < sc->nr_tests; t++) {
		sc_walk_init(sc, w);
		do {
			n += !sc_walk_excluded(sc, w, t);
		} while (sc_walk_next(sc, w));
	}
	return n;
}

/* sc_check_cases - the formatted reason when the cases are too many or none. */
static int sc_check_cases(const struct scenario *sc, char *msg, size_t len, bool *none)
{
	struct sc_walk *w = malloc(sizeof(*w));
	long pts, n;

	if (!w)
		return -ENOMEM;
	pts = sc_count_cases(sc, w);
	free(w);
	n = pts;
	*none = !pts;
	if (pts < 0)
		snprintf(msg, len, "too many cases: more than %d (at most %d)",
			 SC_MAX_POINTS, SC_MAX_CASES);
	else if (n > SC_MAX_CASES)
		snprintf(msg, len, "too many cases: %ld (at most %d)", n, SC_MAX_CASES);
	else if (!n)
		snprintf(msg, len, "every case is excluded");
	else
		return (int)n;
	return -EINVAL;
}

/* --- loading ------------------------------------------------------------------ */

static int sc_parse_top(struct sc_parser *p)
{
	yaml_node_t *at[SC_NR_KEYS], **top = p->top;
	struct scenario *sc = p->sc;
	int r;

	if (p->y.root->type != YAML_MAPPING_NODE)
		return yd_expected(&p->y, p->y.root, "top level", "a map of scenario keys");
	r = yd_map_keys(&p->y, p->y.root, NULL, sc_keys, SC_NR_KEYS, top, at);
	if (!r)
		r = sc_parse_name(p, top[K_NAME]);
	if (!r && top[K_DESCRIPTION])
		r = yd_str(&p->y, top[K_DESCRIPTION], "description", "text", sc->description,
			   sizeof(sc->description));
	if (!r)
		r = sc_parse_tests(p, top[K_TESTS]);
	if (!r)
		r = sc_parse_numbers(p);
	if (!r && top[K_PARAMS])
		r = sc_parse_params(p, top[K_PARAMS]);
	if (!r && top[K_KNOBS])
		r = sc_parse_knobs(p, top[K_KNOBS]);
	if (!r && top[K_TOPOLOGY])
		r = sc_parse_top_knob(p, top[K_TOPOLOGY], "topology");
	if (!r && top[K_CPU_MODEL])
		r = sc_parse_top_knob(p, top[K_CPU_MODEL], "cpu_model");
	if (!r && top[K_COUNTERS])
		r = sc_parse_counters(p, top[K_COUNTERS]);
	if (!r && top[K_MATRIX])
		r = sc_parse_matrix(p, top[K_MATRIX]);
	if (!r && top[K_EXCLUDE])
		r = sc_parse_exclude(p, top[K_EXCLUDE]);
	if (!r && top[K_EXPECT])
		r = sc_parse_expect(p, top[K_EXPECT]);
	return r;
}

/* sc_check_product - the expansion must give 1..SC_MAX_CASES cases. */
static int sc_check_product(struct sc_parser *p)
{
	yaml_node_t **top = p->top;
	char msg[128];
	bool none;
	int r = sc_check_cases(p->sc, msg, sizeof(msg), &none);

	if (r >= 0 || r == -ENOMEM)
		return r < 0 ? r : 0;
	if (none && top[K_EXCLUDE])
		return yd_fail(&p->y, top[K_EXCLUDE], "exclude: %s", msg);
	return yd_fail(&p->y, top[K_MATRIX] ? top[K_MATRIX] : p->y.root, "matrix: %s", msg);
}

static void sc_defaults(struct scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->vcpus = 1;
	sc->memory_mb = 64;
	sc->repeats = 1;
	sc->warmup = 0;
	sc->timeout_s = 30;
}

int scenario_load(const char *path, struct scenario *sc, char *err, size_t len)
{
	struct sc_parser p = { .sc = sc };
	int r;

	sc_defaults(sc);
	if (strlen(path) >= sizeof(sc->path)) {
		snprintf(err, len, "%.64s...: path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sc->path, path);
	r = ydoc_load(&p.y, sc->path, SC_FILE_MAX, "a map of scenario keys", err, len);
	if (r)
		return r;
	r = sc_parse_top(&p);
	if (!r)
		r = sc_check_product(&p);
	ydoc_free(&p.y);
	if (r == -ENOMEM)
		snprintf(err, len, "%s: out of memory", path);
	return r;
}

/* --- expansion ---------------------------------------------------------------- */

static void sc_case_param(struct sc_case *c, const struct sc_setting *v)
{
	struct sc_setting *s = sc_setting_find(c->params, c->nr_params, v->name + 7);

	if (!s && c->nr_params == KB_MAX_PARAMS)
		return;		/* cannot happen after scenario_load() */
	if (!s)
		s = &c->params[c->nr_params++];
	*s = *v;
	snprintf(s->name, sizeof(s->name), "%s", v->name + 7);
}

/* sc_case_axis - put one matrix value in force for case @c. */
static void sc_case_axis(struct sc_case *c, const struct sc_axis *ax, const struct sc_setting *v)
{
	c->point[c->nr_point++] = *v;
	if (ax->is_param)
		sc_case_param(c, v);
	else if (!strcmp(ax->name, "vcpus"))
		c->vcpus = strtol(v->value, NULL, 10);
	else if (!strcmp(ax->name, "memory"))
		c->memory_mb = strtol(v->value, NULL, 10);
	else if (c->nr_knobs < SC_MAX_SETTINGS)
		c->knobs[c->nr_knobs++] = *v;
}

static void sc_case_fill(const struct scenario *sc, int t, const struct sc_walk *w,
			 struct sc_case *c)
{
	int a;

	c->sc = sc;
	c->test = &sc->tests[t];
	c->vcpus = sc->vcpus;
	c->memory_mb = sc->memory_mb;
	c->nr_knobs = sc->nr_knobs;
	memcpy(c->knobs, sc->knobs, sizeof(sc->knobs[0]) * sc->nr_knobs);
	c->nr_params = sc->nr_params;
	memcpy(c->params, sc->params, sizeof(sc->params[0]) * sc->nr_params);
	for (a = 0; a < sc->nr_axes; a++)
		sc_case_axis(c, &sc->axes[a], &sc->axes[a].values[w->idx[a]]);
}

/*
 * sc_case_topology_ok - a case's topology must hold its vCPUs.  Cases whose
 * vCPU count comes from overcommit (known on the host only) are checked
 * when they run, and skipped there if it does not fit.
 */
static int sc_case_topology_ok(const struct sc_case *c, char *err, size_t len)
{
	const struct sc_setting *t = NULL, *oc = NULL;
	struct vm_topology topo;
	char why[160], label[160];
	int i;

	for (i = 0; i < c->nr_knobs; i++) {
		if (!strcmp(c->knobs[i].name, "topology"))
			t = &c->knobs[i];
		if (!strcmp(c->knobs[i].name, "overcommit"))
			oc = &c->knobs[i];
	}
	if (!t || oc || knob_topology_parse(t->value, &topo) ||
	    !vm_topology_check(&topo, c->vcpus, why, sizeof(why)))
		return 0;
	sc_case_label(c, label, sizeof(label));
	if (t->pos.line)
		snprintf(err, len, "%s:%d:%d: topology: %s (case %d, %s, has %d vCPUs)",
			 c->sc->path, t->pos.line, t->pos.col, why, c->index, label, c->vcpus);
	else	/* from the command line: no position */
		snprintf(err, len, "topology=%s: %s (%s has %d vCPUs)", t->value, why, label,
			 c->vcpus);
	return -EINVAL;
}

int scenario_expand(const struct scenario *sc, struct sc_case **cases, int *n,
		    char *err, size_t len)
{
	struct sc_walk *w;
	char msg[128];
	bool none;
	int t, i = 0, total = sc_check_cases(sc, msg, sizeof(msg), &none);

	*cases = NULL;
	*n = 0;
	if (total < 0) {
		snprintf(err, len, "%s: %s", sc->path, total == -ENOMEM ? "out of memory" : msg);
		return total;
	}
	w = malloc(sizeof(*w));
	*cases = calloc(total, sizeof(**cases));
	if (!w || !*cases) {
		free(w);
		free(*cases);
		*cases = NULL;
		snprintf(err, len, "%s: out of memory", sc->path);
		return -ENOMEM;
	}
	for (t = 0; t < sc->nr_tests; t++) {
		sc_walk_init(sc, w);
		do {
			if (sc_walk_excluded(sc, w, t))
				continue;
			(*cases)[i].index = i;
			sc_case_fill(sc, t, w, &(*cases)[i++]);
		} while (sc_walk_next(sc, w));
	}
	free(w);
	*n = i;
	for (i = 0; i < *n; i++)
		if (sc_case_topology_ok(&(*cases)[i], err, len)) {
			free(*cases);
			*cases = NULL;
			*n = 0;
			return -EINVAL;
		}
	return 0;
}

/* --- output ------------------------------------------------------------------- */

bool sc_param_int(const char *v, long long *iv)
{
	char *end;

	*iv = strtoll(v, &end, 0);
	return v[0] && !*end;
}

char *sc_case_label(const struct sc_case *c, char *buf, size_t len)
{
	size_t off;
	int i;

	off = snprintf(buf, len, "%s:%s", c->test->guest, c->test->test);
	for (i = 0; i < c->nr_point && off < len; i++)
		off += snprintf(buf + off, len - off, " %s=%s", c->point[i].name,
				c->point[i].value);
	return buf;
}


/* sc_write_double - the shortest %g that reads back as @v. */
static void sc_write_double(FILE *out, int depth, const char *key, double v)
{
	char buf[32];
	int prec;

	for (prec = 6; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, v);
	yaml_write_key(out, depth, key);
	fprintf(out, " %s\n", buf);
}

/*
 * sc_write_settings - a map of settings.  Guest parameters the runner reads
 * as integers are written as YAML integers (their effective value), the
 * rest as strings: "on" must not come back as a boolean.
 */
static void sc_write_settings(FILE *out, int depth, const char *key,
			      const struct sc_setting *s, int n, bool ints)
{
	long long iv;
	int i;

	yaml_write_key(out, depth, key);
	if (!n) {
		fputs(" {}\n", out);
		return;
	}
	fputc('\n', out);
	for (i = 0; i < n; i++) {
		yaml_write_key(out, depth + 1, s[i].name);
		fputc(' ', out);
		if (ints && sc_param_int(s[i].value, &iv)) {
			fprintf(out, "%lld\n", iv);
		} else {
			yaml_write_scalar(out, s[i].value);
			fputc('\n', out);
		}
	}
}

/*
 * scenario.yaml holds every scenario of a run: each call writes one item of
 * a top-level list, so that calls can simply follow each other in a file.
 */
static void sc_write_header(const struct scenario *sc, FILE *out)
{
	int i;

	fputs("- ", out);
	yaml_write_str(out, 0, "name", sc->name);
	yaml_write_str(out, 1, "path", sc->path);
	yaml_write_str(out, 1, "description", sc->description);
	fprintf(out, "  repeats: %d\n  warmup: %d\n", sc->repeats, sc->warmup);
	sc_write_double(out, 1, "timeout", sc->timeout_s);
	fputs(sc->nr_counters ? "  counters:\n" : "  counters: []\n", out);
	for (i = 0; i < sc->nr_counters; i++) {
		fputs("    - ", out);
		yaml_write_scalar(out, sc->counters[i]);
		fputc('\n', out);
	}
}

static void sc_write_case(const struct sc_case *c, FILE *out)
{
	char label[512];

	fprintf(out, "    - index: %d\n", c->index);
	yaml_write_str(out, 3, "label", sc_case_label(c, label, sizeof(label)));
	yaml_write_str(out, 3, "guest", c->test->guest);
	yaml_write_str(out, 3, "test", c->test->test);
	fprintf(out, "      vcpus: %d\n      memory_mb: %d\n", c->vcpus, c->memory_mb);
	sc_write_settings(out, 3, "knobs", c->knobs, c->nr_knobs, false);
	sc_write_settings(out, 3, "params", c->params, c->nr_params, true);
}

void scenario_write_cases(const struct scenario *sc, const struct sc_case *cases, int n,
			  FILE *out)
{
	int i;

	sc_write_header(sc, out);
	fputs(n ? "  cases:\n" : "  cases: []\n", out);
	for (i = 0; i < n; i++)
		sc_write_case(&cases[i], out);
}

void scenario_print_cases(const struct scenario *sc, const struct sc_case *cases, int n,
			  FILE *out)
{
	char label[512];
	int i, w = 0;

	for (i = 0; i < n; i++) {
		int l = strlen(sc_case_label(&cases[i], label, sizeof(label)));

		w = l > w ? l : w;
	}
	fprintf(out, "scenario %s: %d case%s\n", sc->name, n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		const struct sc_case *c = &cases[i];
		bool oc = sc_setting_find((struct sc_setting *)c->knobs, c->nr_knobs, "overcommit");

		sc_case_label(c, label, sizeof(label));
		if (oc)	/* the VM and vCPU counts depend on this host's CPUs */
			fprintf(out, "%5d  %-*s  vcpus=by overcommit memory=%dM per VM\n", c->index,
				w, label, c->memory_mb);
		else
			fprintf(out, "%5d  %-*s  vcpus=%d memory=%dM\n", c->index, w, label,
				c->vcpus, c->memory_mb);
	}
}

/* --- expectations --------------------------------------------------------------- */

const struct expect *scenario_expect(const struct scenario *sc, const char *guest_test,
				     const char *check, const struct host_info *h)
{
	return expect_find(sc->expect, sc->nr_expect, guest_test, check, h);
}
