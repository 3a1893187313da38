// SPDX-License-Identifier: GPL-2.0
/*
 * t_scenario.c - scenario files: every bad fixture is refused with the exact
 * message its first line promises, the good ones expand into the right
 * cases in the right order, scenario.yaml reads back with libyaml, and
 * `expect:` matches hosts probed from the fixture trees.
 */
#include <dirent.h>
#include <errno.h>
#include <yaml.h>

#include "guests.h"
#include "scenario.h"
#include "tap_test.h"

#define ERR_MAX	1024

static char path_buf[PATH_MAX];

static const char *fixture(const char *kind, const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/tests/scenarios/%s/%s", tt_src_dir(), kind, name);
	return path_buf;
}

static struct scenario *load_good(const char *name)
{
	struct scenario *sc = calloc(1, sizeof(*sc));
	char err[ERR_MAX] = "";
	int r;

	r = scenario_load(fixture("good", name), sc, err, sizeof(err));
	if (!is_int(r, 0, "good/%s loads", name))
		diag("%s", err);
	return sc;
}

static struct sc_case *expand(const struct scenario *sc, int *n)
{
	struct sc_case *cases = NULL;
	char err[ERR_MAX] = "";
	int r;

	r = scenario_expand(sc, &cases, n, err, sizeof(err));
	if (!is_int(r, 0, "%s expands", sc->name))
		diag("%s", err);
	return cases;
}

/* first_line - the expected error of a bad fixture ("# error: MESSAGE"). */
static bool first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool got = f && fgets(buf, len, f);

	if (f)
		fclose(f);
	buf[got ? strcspn(buf, "\n") : 0] = 0;
	return got && !strncmp(buf, "# error: ", 9);
}

static int yaml_file(const struct dirent *e)
{
	size_t l = strlen(e->d_name);

	return l > 5 && !strcmp(e->d_name + l - 5, ".yaml");
}

static void test_bad_fixtures(void)
{
	struct scenario *sc = calloc(1, sizeof(*sc));
	char line[ERR_MAX], want[ERR_MAX + PATH_MAX], err[ERR_MAX];
	struct dirent **names;
	int i, n, r;

	n = scandir(fixture("bad", ""), &names, yaml_file, alphasort);
	ok(n >= 35, "at least 35 bad fixtures (%d)", n);
	for (i = 0; i < n; i++) {
		const char *path = fixture("bad", names[i]->d_name);

		if (!ok(first_line(path, line, sizeof(line)), "%s: starts with '# error: '", path))
			continue;
		snprintf(want, sizeof(want), "%s:%s", path, line + 9);
		err[0] = 0;
		r = scenario_load(path, sc, err, sizeof(err));
		is_int(r, -EINVAL, "%s: refused with -EINVAL", names[i]->d_name);
		is_str(err, want, "%s: %s", names[i]->d_name, line + 9);
	}
	while (n-- > 0)
		free(names[n]);
	free(names);
	free(sc);
}

static void test_minimal(void)
{
	struct scenario *sc = load_good("minimal.yaml");
	struct sc_case *c;
	char label[128];
	int n = -1;

	is_str(sc->name, "minimal", "name defaults to the file's basename");
	is_int(sc->vcpus, 1, "vcpus defaults to 1");
	is_int(sc->memory_mb, 64, "memory defaults to 64");
	is_int(sc->repeats, 1, "repeats defaults to 1");
	is_int(sc->warmup, 0, "warmup defaults to 0");
	ok(sc->timeout_s == 30, "timeout defaults to 30 s");
	c = expand(sc, &n);
	is_int(n, 1, "one case");
	if (c && n == 1) {
		is_str(sc_case_label(&c[0], label, sizeof(label)), "ioexit:pio", "label without a matrix");
		is_int(c[0].nr_knobs + c[0].nr_params + c[0].nr_point, 0, "no knobs, params or point");
		ok(c[0].sc == sc && c[0].test == &sc->tests[0], "case points into the scenario");
	}
	free(c);
	free(sc);
}

static void check_case(const struct sc_case *c, int i, const char *label, const char *samples,
		       const char *backing)
{
	char buf[256];

	is_int(c->index, i, "case %d: index", i);
	is_str(sc_case_label(c, buf, sizeof(buf)), label, "case %d: label", i);
	is_int(c->vcpus * 1000 + c->memory_mb, 2128, "case %d: vcpus 2, memory 128", i);
	is_int(c->nr_knobs, 2, "case %d: two knobs in force", i);
	is_str(c->knobs[0].name, "thp", "case %d: fixed knob first", i);
	is_str(c->knobs[0].value, "madvise", "case %d: thp=madvise", i);
	is_str(c->knobs[1].name, "backing", "case %d: matrix knob next", i);
	is_str(c->knobs[1].value, backing, "case %d: backing=%s", i, backing);
	is_int(c->nr_params, 2, "case %d: two params", i);
	is_str(c->params[0].name, "samples", "case %d: samples overridden in place", i);
	is_str(c->params[0].value, samples, "case %d: samples=%s", i, samples);
	is_str(c->params[1].value, "200", "case %d: sample_us=200 kept", i);
	is_int(c->nr_point, 2, "case %d: point has both axes", i);
	is_str(c->point[0].name, "params.samples", "case %d: point names the axis", i);
}

static void test_matrix(void)
{
	static const char *const want[][3] = {
		{ "ioexit:pio params.samples=5 backing=4k", "5", "4k" },
		{ "ioexit:pio params.samples=5 backing=thp", "5", "thp" },
		{ "ioexit:pio params.samples=11 backing=4k", "11", "4k" },
		{ "ioexit:pio params.samples=11 backing=thp", "11", "thp" },
		{ "ioexit:pio params.samples=11 backing=hugetlb-2m", "11", "hugetlb-2m" },
		{ "ioexit:mmio params.samples=5 backing=4k", "5", "4k" },
		{ "ioexit:mmio params.samples=5 backing=thp", "5", "thp" },
		{ "ioexit:mmio params.samples=11 backing=4k", "11", "4k" },
		{ "ioexit:mmio params.samples=11 backing=thp", "11", "thp" },
		{ "ioexit:mmio params.samples=11 backing=hugetlb-2m", "11", "hugetlb-2m" },
	};
	struct scenario *sc = load_good("matrix.yaml");
	struct sc_case *c;
	int i, n = -1;

	is_str(sc->name, "io-matrix", "explicit name");
	is_str(sc->description, "I/O exits: backing x samples", "description");
	is_int(sc->repeats * 10 + sc->warmup, 31, "repeats 3, warmup 1");
	ok(sc->timeout_s == 12.5, "timeout 12.5 s");
	is_int(sc->nr_counters, 2, "two counters");
	is_int(sc->nr_axes, 2, "two axes");
	ok(sc->axes[0].is_param && !sc->axes[1].is_param, "params.samples is a param axis, backing is not");
	is_int(sc->axes[1].pos.line, 15, "axis position: line");
	is_int(sc->axes[1].pos.col, 3, "axis position: column");
	is_int(sc->axes[1].values[2].pos.col, 22, "axis value position: column");
	c = expand(sc, &n);
	is_int(n, 10, "2 tests x (2 x 3 - 1 excluded) = 10 cases");
	for (i = 0; c && i < n && i < 10; i++)
		check_case(&c[i], i, want[i][0], want[i][1], want[i][2]);
	free(c);
	free(sc);
}

static void test_sizes(void)
{
	struct scenario *sc = load_good("sizes.yaml");
	struct vmm_image img;
	char err[VMM_ERR_MAX];
	struct sc_case *c;
	int i, n = -1, bad = 0;

	is_int(guest_load("ioexit", &img, err, sizeof(err)), 0, "ioexit loads");
	is_int(sc->nr_tests, img.nr_tests, "a bare guest expands to each of its tests");
	for (i = 0; i < sc->nr_tests && i < img.nr_tests; i++)
		bad += strcmp(sc->tests[i].test, img.tests[i].name) != 0;
	is_int(bad, 0, "...in image order");
	c = expand(sc, &n);
	is_int(n, img.nr_tests * 3, "each test x (2 x 2 - 1 excluded)");
	for (i = 0, bad = 0; c && i < n; i++) {
		static const int want[3][2] = { { 1, 64 }, { 1, 256 }, { 2, 64 } };

		bad += c[i].vcpus != want[i % 3][0] || c[i].memory_mb != want[i % 3][1];
		bad += c[i].nr_knobs != 0 || c[i].nr_params != 1 || c[i].nr_point != 3;
		bad += c[i].test != &sc->tests[i / 3];
		bad += strcmp(c[i].params[0].name, "extra") || strcmp(c[i].params[0].value, "on");
	}
	is_int(bad, 0, "vcpus/memory axes override the fixed values, are not knobs; params.extra added");
	image_free(&img);
	free(c);
	free(sc);
}

/* --- scenario.yaml read back ---------------------------------------------- */

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);

		if (k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static yaml_node_t *seq_get(yaml_document_t *d, yaml_node_t *seq, int i)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE ||
	    i >= seq->data.sequence.items.top - seq->data.sequence.items.start)
		return NULL;
	return yaml_document_get_node(d, seq->data.sequence.items.start[i]);
}

static int seq_len(yaml_node_t *seq)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return -1;
	return seq->data.sequence.items.top - seq->data.sequence.items.start;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static void check_written(yaml_document_t *d, int nr_sizes)
{
	yaml_node_t *root = yaml_document_get_root_node(d), *m, *s, *c;

	is_int(seq_len(root), 2, "scenario.yaml: a list, one item per scenario written");
	m = seq_get(d, root, 0);
	is_str(scalar(map_get(d, m, "name")), "io-matrix", "scenario name");
	is_str(scalar(map_get(d, m, "description")), "I/O exits: backing x samples", "description");
	is_str(scalar(map_get(d, m, "timeout")), "12.5", "timeout");
	is_str(scalar(map_get(d, m, "repeats")), "3", "repeats");
	is_str(scalar(seq_get(d, map_get(d, m, "counters"), 1)), "io_exits", "counters");
	is_int(seq_len(map_get(d, m, "cases")), 10, "ten cases");
	c = seq_get(d, map_get(d, m, "cases"), 4);
	is_str(scalar(map_get(d, c, "index")), "4", "case 4: index");
	is_str(scalar(map_get(d, c, "guest")), "ioexit", "case 4: guest");
	is_str(scalar(map_get(d, c, "test")), "pio", "case 4: test");
	is_str(scalar(map_get(d, c, "memory_mb")), "128", "case 4: memory_mb");
	is_str(scalar(map_get(d, map_get(d, c, "knobs"), "backing")), "hugetlb-2m", "case 4: knobs");
	s = map_get(d, map_get(d, c, "params"), "samples");
	is_str(scalar(s), "11", "case 4: params");
	ok(s && s->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, "integer params are plain integers");
	m = seq_get(d, root, 1);
	is_int(seq_len(map_get(d, m, "cases")), nr_sizes, "second scenario: its cases");
	s = map_get(d, map_get(d, seq_get(d, map_get(d, m, "cases"), 0), "params"), "extra");
	is_str(scalar(s), "on", "string param 'on'");
	ok(s && s->data.scalar.style != YAML_PLAIN_SCALAR_STYLE, "...quoted: no YAML 1.1 boolean");
	s = map_get(d, seq_get(d, map_get(d, m, "cases"), 0), "knobs");
	ok(s && s->type == YAML_MAPPING_NODE &&
	   s->data.mapping.pairs.top == s->data.mapping.pairs.start, "no knobs: an empty map");
}

static void test_write(void)
{
	struct scenario *a = load_good("matrix.yaml"), *b = load_good("sizes.yaml");
	struct sc_case *ca, *cb;
	yaml_document_t doc;
	yaml_parser_t p;
	char *buf = NULL;
	int na = 0, nb = 0;
	size_t len = 0;
	FILE *f;

	ca = expand(a, &na);
	cb = expand(b, &nb);
	f = open_memstream(&buf, &len);
	scenario_write_cases(a, ca, na, f);
	scenario_write_cases(b, cb, nb, f);
	fclose(f);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (unsigned char *)buf, len);
	if (ok(yaml_parser_load(&p, &doc), "two scenarios written one after the other parse")) {
		check_written(&doc, nb);
		yaml_document_delete(&doc);
	} else {
		diag("libyaml: %s at line %zu", p.problem, p.problem_mark.line + 1);
	}
	yaml_parser_delete(&p);
	free(buf);
	free(ca);
	free(cb);
	free(a);
	free(b);
}

static void test_print(void)
{
	struct scenario *sc = load_good("matrix.yaml");
	struct sc_case *c;
	char *buf = NULL, *l2;
	size_t len = 0;
	int n = 0, lines = 0;
	FILE *f;

	c = expand(sc, &n);
	f = open_memstream(&buf, &len);
	scenario_print_cases(sc, c, n, f);
	fclose(f);
	for (l2 = buf; l2 && *l2; l2++)
		lines += *l2 == '\n';
	is_int(lines, 11, "--dry-run: a header and one line per case");
	ok(buf && !strncmp(buf, "scenario io-matrix: 10 cases\n", 29), "header names the scenario and the count");
	l2 = buf ? strchr(buf, '\n') : NULL;
	ok(l2 && strstr(l2, "0  ioexit:pio params.samples=5 backing=4k ") &&
	   strstr(l2, "vcpus=2 memory=128M\n"), "case line: index, label, vcpus, memory");
	if (l2)
		diag("%.*s", (int)strcspn(l2 + 1, "\n"), l2 + 1);
	free(buf);
	free(c);
	free(sc);
}

/* --- expansion edge cases --------------------------------------------------- */

static struct sc_setting *sc_setting_find_knob(struct sc_case *c, const char *name)
{
	int i;

	for (i = 0; i < c->nr_knobs; i++)
		if (!strcmp(c->knobs[i].name, name))
			return &c->knobs[i];
	return NULL;
}

static void test_expand_edges(void)
{
	struct scenario *sc = load_good("matrix.yaml");
	struct sc_case *c, one = { 0 };
	char err[ERR_MAX], label[16];
	int n = 0, r;

	/* Exclude every backing: nothing is left. */
	sc->excludes[1] = sc->excludes[0];
	sc->excludes[1].nr = 1;
	snprintf(sc->excludes[1].set[0].name, SC_NAME_MAX, "params.samples");
	snprintf(sc->excludes[1].set[0].value, KNOB_VALUE_MAX, "5");
	sc->excludes[2] = sc->excludes[1];
	snprintf(sc->excludes[2].set[0].value, KNOB_VALUE_MAX, "11");
	sc->nr_excludes = 3;
	c = (struct sc_case *)1;
	r = scenario_expand(sc, &c, &n, err, sizeof(err));
	is_int(r, -EINVAL, "expand: everything excluded is an error");
	ok(!c && !n, "...with no cases");
	ok(strstr(err, "every case is excluded") != NULL, "...saying so: %s", err);

	/* A scenario built by hand (the command line's): tests only. */
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "command-line");
	sc->vcpus = 3;
	sc->memory_mb = 32;
	sc->nr_tests = 2;
	snprintf(sc->tests[0].guest, 32, "ioexit");
	snprintf(sc->tests[0].test, 32, "pio");
	sc->tests[1] = sc->tests[0];
	c = NULL;
	r = scenario_expand(sc, &c, &n, err, sizeof(err));
	is_int(r, 0, "expand: a hand-made scenario without a matrix");
	is_int(n, 2, "...one case per test");
	ok(c && c[1].index == 1 && c[1].vcpus == 3 && c[1].memory_mb == 32, "...with its sizes");
	free(c);

	one.test = &sc->tests[0];
	one.nr_point = 1;
	snprintf(one.point[0].name, SC_NAME_MAX, "backing");
	snprintf(one.point[0].value, KNOB_VALUE_MAX, "hugetlb-1g");
	is_str(sc_case_label(&one, label, sizeof(label)), "ioexit:pio back", "label is cut to the buffer");
	free(sc);
}

/* test_topology - both spellings of a topology; one that cannot hold a case's vCPUs. */
static void test_topology(void)
{
	static const char *const want[] = {
		"1x4x1", "1x4x1", "2x2x1", "2x2x1", "1x2x2", "1x2x2", "4x1x1", "4x1x1",
	};
	struct scenario *sc = load_good("topology.yaml");
	struct sc_setting *t;
	struct sc_case *c;
	char err[ERR_MAX];
	int i, n = 0, bad = 0, r;

	c = expand(sc, &n);
	is_int(n, 8, "topology.yaml: 4 topologies x 2 vCPU counts");
	for (i = 0; c && i < n && i < 8; i++) {
		t = sc_setting_find_knob(&c[i], "topology");
		bad += !t || strcmp(t->value, want[i]);
		t = sc_setting_find_knob(&c[i], "cpu_model");
		bad += !t || strcmp(t->value, "baseline");
	}
	is_int(bad, 0, "maps become SxCxT; the top-level cpu_model is a fixed knob of every case");
	free(c);

	/* 2x1x1 cannot hold 4 vCPUs: found at expansion, where vCPUs are known. */
	snprintf(sc->axes[0].values[1].value, KNOB_VALUE_MAX, "2x1x1");
	c = (struct sc_case *)1;
	r = scenario_expand(sc, &c, &n, err, sizeof(err));
	is_int(r, -EINVAL, "a topology smaller than a case's vCPUs is refused");
	ok(!c && !n, "...with no cases");
	ok(strstr(err, "topology.yaml:7:21: topology: ") && strstr(err, "(case 3, ioexit:cpuid topology=2x1x1 vcpus=4, has 4 vCPUs)"),
	   "...at the value's line and column, naming the case: %s", err);
	free(sc);
}

static void test_load_errors(void)
{
	struct scenario *sc = calloc(1, sizeof(*sc));
	char err[ERR_MAX];
	int r;

	r = scenario_load("/nonexistent/x.yaml", sc, err, sizeof(err));
	is_int(r, -ENOENT, "missing file: -ENOENT");
	is_str(err, "/nonexistent/x.yaml: No such file or directory", "...and the path in the message");
	r = scenario_load(fixture("bad", "unknown-key.yaml"), sc, err, 24);
	is_int(r, -EINVAL, "a short error buffer still fails cleanly");
	is_int(strlen(err), 23, "...truncated to the buffer");
	free(sc);
}

/* --- expect ----------------------------------------------------------------- */

static struct host_info *probe(const char *name)
{
	struct host_info *h = calloc(1, sizeof(*h));
	char root[PATH_MAX];

	snprintf(root, sizeof(root), "%s/tests/fixtures/host/%s", tt_src_dir(), name);
	is_int(host_probe(root, h), 0, "host fixture %s probed", name);
	return h;
}

/* reason - what scenario_expect found: its TODO reason, or NULL. */
static const char *reason(const struct expect *e)
{
	return e ? e->reason : NULL;
}

static void test_expect(void)
{
	struct scenario *sc = load_good("expect.yaml");
	struct host_info *pvm = probe("pvm"), *ept = probe("intel-ept");
	struct host_info bare = { .cpu_vendor = "GenuineIntel", .cpu_model = "Intel Xeon Gold" };
	const struct expect *e;

	is_str(host_paging_mode(pvm), "shadow-pvm", "pvm fixture: shadow-pvm paging");
	is_str(host_paging_mode(ept), "ept", "intel-ept fixture: ept paging");
	ok(pvm->flags.hypervisor && !ept->flags.hypervisor, "only pvm runs under a hypervisor");
	is_int(sc->nr_expect, 4, "four expect items");
	is_int(sc->expect[1].nr_when, 3, "second has three when keys");

	is_str(reason(scenario_expect(sc, "ioexit:pio", "pio_echo", pvm)), "known kvm_pvm bug",
	       "pvm: paging glob and check glob match");
	ok(!scenario_expect(sc, "ioexit:pio", "outb", pvm), "pvm: other pio checks are not expected to fail");
	is_str(reason(scenario_expect(sc, "ioexit:pio", "pio_echo", ept)), "intel bare metal",
	       "intel-ept: first item's paging differs, second matches vendor, model, hypervisor");
	ok(!scenario_expect(sc, "ioexit:mmio", "mmio_echo", ept), "intel-ept: mmio matches nothing");
	is_str(reason(scenario_expect(sc, "ioexit:cpuid", "cpuid.cpl3", pvm)), "everywhere", "no when: any host");
	is_str(reason(scenario_expect(sc, "ioexit:cpuid", "cpuid.cpl3", ept)), "everywhere", "...on both");
	is_str(reason(scenario_expect(sc, "ioexit:pio", "x", &bare)), "intel bare metal",
	       "fabricated host: paging none, vendor and model globs");
	bare.flags.hypervisor = true;
	ok(!scenario_expect(sc, "ioexit:pio", "x", &bare), "...not once it runs under a hypervisor");
	ok(!scenario_expect(sc, "ioexit:pio", "pio_echo", NULL), "no host: items with when never match");
	is_str(reason(scenario_expect(sc, "ioexit:cpuid", "x", NULL)), "everywhere", "...items without when do");
	e = scenario_expect(sc, "ioexit:pio", "case", ept);
	ok(e && e->verdict == EXPECT_TODO, "the case point matches a glob too (intel bare metal, a TODO)");
	e = scenario_expect(sc, "ioexit:mmio", "case", pvm);
	ok(e && e->verdict == EXPECT_SKIP && !strcmp(e->reason, "cannot run here"),
	   "a skip: verdict with its reason");
	ok(e && !e->id[0] && strstr(e->where, "expect.yaml:") && strlen(e->why) == 0,
	   "a scenario's item has no id; where names the file and line (%s)", e ? e->where : "-");
	free(pvm);
	free(ept);
	free(sc);
}

int main(void)
{
	char dir[PATH_MAX + 16], elf[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s", tt_guests_dir());
	snprintf(elf, sizeof(elf), "%s/ioexit.elf", dir);
	if (access(elf, R_OK))
		skip_all("no build/guests/ioexit.elf (build the guests first)");
	setenv("KVMBENCH_GUESTS", dir, 1);

	test_bad_fixtures();
	test_minimal();
	test_matrix();
	test_sizes();
	test_write();
	test_print();
	test_expand_edges();
	test_topology();
	test_load_errors();
	test_expect();
	return done_testing();
}
