// SPDX-License-Identifier: GPL-2.0
/*
 * t_tap.c - the TAP 13 writer and the YAML scalar quoting, byte for byte,
 * and the YAML it writes read back with libyaml.
 */
#include <math.h>
#include <yaml.h>

#include "tap.h"
#include "yamlout.h"
#include "tap_test.h"

struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	return c->f;
}

/* capture_close - the text written; the caller frees it. */
static char *capture_close(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

/* A TAP stream of one result with @directive, as text. */
static char *one_result(bool ok, const char *directive, const char *reason,
			const char *desc)
{
	struct capture c;
	struct tap t;

	tap_init(&t, capture_open(&c));
	tap_result(&t, ok, directive, reason, "%s", desc);
	return capture_close(&c);
}

static void test_results(void)
{
	char *s;

	s = one_result(true, NULL, NULL, "boots");
	is_str(s, "TAP version 13\nok 1 - boots\n", "ok");
	free(s);
	s = one_result(false, NULL, NULL, "ioexit pio");
	is_str(s, "TAP version 13\nnot ok 1 - ioexit pio\n", "not ok");
	free(s);
	s = one_result(true, "SKIP", "no hardware PMU", "pmu events");
	is_str(s, "TAP version 13\nok 1 - pmu events # SKIP no hardware PMU\n", "SKIP");
	free(s);
	s = one_result(false, "SKIP", "1G pages fault", "guest 1G");
	is_str(s, "TAP version 13\nok 1 - guest 1G # SKIP 1G pages fault\n",
	       "a SKIP is always ok");
	free(s);
	s = one_result(false, "TODO", "INVPCID unemulated", "invpcid");
	is_str(s, "TAP version 13\nnot ok 1 - invpcid # TODO INVPCID unemulated\n", "TODO");
	free(s);
	s = one_result(false, "todo", NULL, "x");
	is_str(s, "TAP version 13\nnot ok 1 - x # TODO\n", "directive without reason");
	free(s);
	s = one_result(true, NULL, NULL, "vector #14 at rip 0x1000 # not a skip");
	is_str(s, "TAP version 13\nok 1 - vector \\#14 at rip 0x1000 \\# not a skip\n",
	       "'#' in a description is escaped");
	free(s);
	s = one_result(true, NULL, NULL, "two\nlines\r\n");
	is_str(s, "TAP version 13\nok 1 - two lines  \n", "line breaks become spaces");
	free(s);
	s = one_result(true, "SKIP", "why\nnot", "");
	is_str(s, "TAP version 13\nok 1 # SKIP why not\n", "empty description, multi-line reason");
	free(s);
}

static void test_counting(void)
{
	struct capture c;
	struct tap t;
	char *s;

	tap_init(&t, capture_open(&c));
	ok(tap_result(&t, true, NULL, NULL, "a"), "tap_result returns ok");
	ok(!tap_result(&t, false, NULL, NULL, "b"), "tap_result returns not ok");
	tap_result(&t, false, "TODO", "known", "c");
	tap_result(&t, true, "TODO", "fixed?", "d");
	tap_result(&t, false, "SKIP", "n/a", "e");
	tap_result(&t, false, "bogus", "ignored", "f");
	is_int(tap_failed(&t), 2, "TODO and SKIP results are not failures");
	tap_plan_end(&t);
	s = capture_close(&c);
	is_str(s, "TAP version 13\n"
		  "ok 1 - a\n"
		  "not ok 2 - b\n"
		  "not ok 3 - c # TODO known\n"
		  "ok 4 - d # TODO fixed?\n"
		  "ok 5 - e # SKIP n/a\n"
		  "not ok 6 - f\n"
		  "1..6\n", "plan at the end counts every result");
	free(s);

	tap_init(&t, capture_open(&c));
	tap_plan_end(&t);
	s = capture_close(&c);
	is_str(s, "TAP version 13\n1..0\n", "empty plan");
	is_int(tap_failed(&t), 0, "no failures");
	free(s);
}

static void test_yaml_block(void)
{
	struct capture c;
	struct tap t;
	char *s;

	tap_init(&t, capture_open(&c));
	tap_result(&t, false, NULL, NULL, "guest exception");
	tap_yaml_begin(&t);
	tap_yaml_str(&t, "message", "#PF in guest: bad address");
	tap_yaml_int(&t, "vector", 14);
	tap_yaml_int(&t, "delta", -3);
	tap_yaml_u64(&t, "cr2", 18446744073709551615ULL);
	tap_yaml_map_begin(&t, "regs");
	tap_yaml_str(&t, "rip", "0x1000");
	tap_yaml_double(&t, "ns", 24900.5);
	tap_yaml_bool(&t, "user", true);
	tap_yaml_map_end(&t);
	tap_yaml_str(&t, "status", "failed");
	tap_yaml_end(&t);
	tap_result(&t, true, NULL, NULL, "next");
	tap_plan_end(&t);
	s = capture_close(&c);
	is_str(s, "TAP version 13\n"
		  "not ok 1 - guest exception\n"
		  "  ---\n"
		  "  message: \"#PF in guest: bad address\"\n"
		  "  vector: 14\n"
		  "  delta: -3\n"
		  "  cr2: 18446744073709551615\n"
		  "  regs:\n"
		  "    rip: \"0x1000\"\n"
		  "    ns: 24900.5\n"
		  "    user: true\n"
		  "  status: failed\n"
		  "  ...\n"
		  "ok 2 - next\n"
		  "1..2\n", "YAML block with a nested map");
	free(s);

	/*
	 * Forgetting tap_yaml_end must not corrupt the stream.  (The key
	 * "n" is quoted: YAML 1.1 reads a plain n as false.)
	 */
	tap_init(&t, capture_open(&c));
	tap_result(&t, false, NULL, NULL, "a");
	tap_yaml_int(&t, "n", 1);
	tap_yaml_map_begin(&t, "m");
	tap_result(&t, true, NULL, NULL, "b");
	s = capture_close(&c);
	is_str(s, "TAP version 13\nnot ok 1 - a\n  ---\n  \"n\": 1\n  m:\n  ...\nok 2 - b\n",
	       "an open block is closed by the next result");
	free(s);
}

static void test_diag_bail(void)
{
	struct capture c;
	struct tap t;
	char *s;

	tap_init(&t, capture_open(&c));
	tap_diag(&t, "host: %s", "kvm_pvm");
	tap_diag(&t, "line one\nline two\n\nline four\n");
	tap_bail(&t, "no /dev/kvm\n(ENOENT)");
	s = capture_close(&c);
	is_str(s, "TAP version 13\n"
		  "# host: kvm_pvm\n"
		  "# line one\n"
		  "# line two\n"
		  "#\n"
		  "# line four\n"
		  "Bail out! no /dev/kvm (ENOENT)\n", "diag on every line, bail out");
	free(s);
}

static void test_doubles(void)
{
	static const struct { double v; const char *want; } cases[] = {
		{ 3.0, "3" }, { -0.0, "-0" }, { 1.5, "1.5" }, { 24900.0, "24900" },
		{ 1234567.0, "1234567" }, { 1234567.8, "1.23457e+06" },
		{ 0.000123456789, "0.000123457" }, { 1e-7, "1.0e-07" },
		{ 1e20, "1.0e+20" }, { 2.5e20, "2.5e+20" }, { 0.385208012, "0.385208" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(tap_format_double(buf, sizeof(buf), cases[i].v), cases[i].want,
		       "double %g", cases[i].v);
	is_str(tap_format_double(buf, sizeof(buf), NAN), ".nan", "NaN");
	is_str(tap_format_double(buf, sizeof(buf), INFINITY), ".inf", "inf");
	is_str(tap_format_double(buf, sizeof(buf), -INFINITY), "-.inf", "-inf");
}

/* The exact scalar text yaml_write_scalar gives for @s. */
static char *scalar_text(const char *s)
{
	struct capture c;

	yaml_write_scalar(capture_open(&c), s);
	return capture_close(&c);
}

/*
 * yaml_value - parse "k: <text>" with libyaml; the value scalar (malloc'd)
 * or NULL on a parse error.  *@plain says whether it was a plain scalar.
 */
static char *yaml_value(const char *doc, bool *plain)
{
	yaml_parser_t p;
	yaml_event_t ev;
	char *val = NULL;
	int scalars = 0;
	bool done = false;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)doc, strlen(doc));
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			free(val);
			val = NULL;
			break;
		}
		if (ev.type == YAML_SCALAR_EVENT && ++scalars == 2) {
			val = strndup((char *)ev.data.scalar.value, ev.data.scalar.length);
			*plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return val;
}

static void test_quoting(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "plain text", "plain text" },
		{ "Intel(R) Xeon(R) CPU E5-2623 v4 @ 2.60GHz",
		  "Intel(R) Xeon(R) CPU E5-2623 v4 @ 2.60GHz" },
		{ "6.18.44-fc-v669", "6.18.44-fc-v669" },
		{ "a:b", "a:b" },
		{ "a#b", "a#b" },
		{ "defer+madvise", "defer+madvise" },
		{ "Zürich", "Zürich" },
		{ "key: value", "\"key: value\"" },
		{ "ends:", "\"ends:\"" },
		{ "# comment", "\"# comment\"" },
		{ "a #b", "\"a #b\"" },
		{ "say \"hi\"", "say \"hi\"" },
		{ "\"quoted\"", "\"\\\"quoted\\\"\"" },
		{ "'single'", "\"'single'\"" },
		{ "back\\slash", "back\\slash" },
		{ "- item", "\"- item\"" },
		{ "two\nlines", "\"two\\nlines\"" },
		{ "tab\there", "\"tab\\there\"" },
		{ "bell\a", "\"bell\\x07\"" },
		{ "\"\\\n", "\"\\\"\\\\\\n\"" },
		{ " leading", "\" leading\"" },
		{ "trailing ", "\"trailing \"" },
		{ "", "\"\"" },
		{ "Y", "\"Y\"" },
		{ "n", "\"n\"" },
		{ "yes", "\"yes\"" },
		{ "Off", "\"Off\"" },
		{ "TRUE", "\"TRUE\"" },
		{ "null", "\"null\"" },
		{ "~", "\"~\"" },
		{ "42", "\"42\"" },
		{ "-1", "\"-1\"" },
		{ "2596.134", "\"2596.134\"" },
		{ "0x1f", "\"0x1f\"" },
		{ "1e5", "\"1e5\"" },
		{ ".inf", "\".inf\"" },
		{ "-.NaN", "\"-.NaN\"" },
		{ "12:30", "\"12:30\"" },
		{ "2026-11-21T10:00:00Z", "\"2026-11-21T10:00:00Z\"" },
		{ "4K", "4K" },
		{ "...", "\"...\"" },
		{ "---", "\"---\"" },
		{ "@home", "\"@home\"" },
		{ "*alias", "\"*alias\"" },
		{ "[list]", "\"[list]\"" },
		{ "bad \xff byte", "\"bad \\xFF byte\"" },
		{ "nel\xc2\x85", "\"nel\\x85\"" },
		{ "ls\xe2\x80\xa8", "\"ls\\u2028\"" },
	};
	char *s, *doc, *back;
	bool plain = false;
	size_t i;

	s = scalar_text(NULL);
	is_str(s, "~", "NULL is written as null");
	free(s);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = scalar_text(cases[i].in);
		is_str(s, cases[i].want, "scalar %zu written as %s", i, cases[i].want);
		if (asprintf(&doc, "k: %s\n", s) < 0)
			exit(2);
		back = yaml_value(doc, &plain);
		/* Only valid UTF-8 survives; other bytes come back as U+00NN. */
		if (i < sizeof(cases) / sizeof(cases[0]) - 3)
			is_str(back, cases[i].in, "scalar %zu reads back unchanged", i);
		else
			ok(back != NULL, "scalar %zu parses", i);
		ok(plain == yaml_plain_safe(cases[i].in), "scalar %zu style agrees", i);
		free(back);
		free(doc);
		free(s);
	}
}

/* tap_yaml_block_parses - a TAP YAML block, unindented, through libyaml. */
static void test_yaml_block_parses(void)
{
	const char *tricky[] = { "a: b", "#x", "\"q\"", "l1\nl2", " sp", "", "Y", "3" };
	char line[256], *s, *doc = NULL, *back;
	struct capture c, d;
	bool in = false, plain;
	struct tap t;
	FILE *in_f;
	size_t i;

	tap_init(&t, capture_open(&c));
	tap_result(&t, false, NULL, NULL, "x");
	tap_yaml_begin(&t);
	for (i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
		snprintf(line, sizeof(line), "k%zu", i);
		tap_yaml_str(&t, line, tricky[i]);
	}
	tap_yaml_map_begin(&t, "m");
	tap_yaml_double(&t, "nan", NAN);
	tap_yaml_map_end(&t);
	tap_yaml_end(&t);
	s = capture_close(&c);

	/* Take the block out of the TAP text and drop its indent. */
	in_f = fmemopen(s, strlen(s), "r");
	capture_open(&d);
	while (fgets(line, sizeof(line), in_f)) {
		if (!strcmp(line, "  ---\n"))
			in = true;
		else if (!strcmp(line, "  ...\n"))
			in = false;
		else if (in)
			fputs(line + 2, d.f);
	}
	fclose(in_f);
	doc = capture_close(&d);

	for (i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
		char *one;

		/* Line i of the block is "k<i>: value". */
		const char *p = doc;
		size_t n;

		for (n = 0; n < i; n++)
			p = strchr(p, '\n') + 1;
		one = strndup(p, strchr(p, '\n') - p + 1);
		back = yaml_value(one, &plain);
		is_str(back, tricky[i], "TAP YAML value %zu reads back", i);
		free(back);
		free(one);
	}
	ok(strstr(doc, "m:\n  nan: .nan\n") != NULL, "nested map indented by two");
	free(doc);
	free(s);
}

int main(void)
{
	test_results();
	test_counting();
	test_yaml_block();
	test_diag_bail();
	test_doubles();
	test_quoting();
	test_yaml_block_parses();
	return done_testing();
}
