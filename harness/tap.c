// SPDX-License-Identifier: GPL-2.0
/*
 * tap.c - TAP version 13 writer with YAML diagnostic blocks.
 *
 * Every call leaves the stream well formed and flushed, so a run that is
 * killed half way still has a readable run.tap and the terminal shows
 * each result as it happens.  Calls made in the wrong place (a result
 * while a YAML block is open, a key outside one) are mended rather than
 * allowed to corrupt the stream.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tap.h"
#include "yamlout.h"

void tap_init(struct tap *t, FILE *out)
{
	t->out = out;
	t->n = 0;
	t->failed = 0;
	t->yaml_depth = 0;
	fputs("TAP version 13\n", out);
	fflush(out);
}

/* tap_close_yaml - end a YAML block the caller left open. */
static void tap_close_yaml(struct tap *t)
{
	if (t->yaml_depth)
		tap_yaml_end(t);
}

/*
 * tap_put_text - @s on the current line: line breaks and other control
 * characters become spaces, and with @escape_hash a '#' becomes "\#" so
 * that it cannot start a directive.
 */
static void tap_put_text(FILE *out, const char *s, bool escape_hash)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '#' && escape_hash)
			fputs("\\#", out);
		else if (c < 0x20 || c == 0x7f)
			fputc(' ', out);
		else
			fputc(c, out);
	}
}

/* tap_directive - the canonical spelling of @d, or NULL. */
static const char *tap_directive(const char *d)
{
	if (d && !strcasecmp(d, "SKIP"))
		return "SKIP";
	if (d && !strcasecmp(d, "TODO"))
		return "TODO";
	return NULL;
}

bool tap_result(struct tap *t, bool ok, const char *directive,
		const char *reason, const char *fmt, ...)
{
	const char *d = tap_directive(directive);
	char *desc = NULL;
	va_list ap;

	tap_close_yaml(t);
	if (d && !strcmp(d, "SKIP"))
		ok = true;
	va_start(ap, fmt);
	if (vasprintf(&desc, fmt, ap) < 0)
		desc = NULL;
	va_end(ap);

	fprintf(t->out, "%sok %u", ok ? "" : "not ", ++t->n);
	if (desc && *desc) {
		fputs(" - ", t->out);
		tap_put_text(t->out, desc, true);
	} else if (!desc) {
		fputs(" - (description lost: out of memory)", t->out);
	}
	if (d) {
		fprintf(t->out, " # %s", d);
		if (reason && *reason) {
			fputc(' ', t->out);
			tap_put_text(t->out, reason, false);
		}
	}
	fputc('\n', t->out);
	fflush(t->out);
	free(desc);

	if (!ok && !d)
		t->failed++;
	return ok;
}

void tap_yaml_begin(struct tap *t)
{
	tap_close_yaml(t);
	fputs("  ---\n", t->out);
	t->yaml_depth = 1;
}

/* tap_yaml_key - indent for the current level and write "key:". */
static void tap_yaml_key(struct tap *t, const char *key)
{
	int i;

	if (!t->yaml_depth)
		tap_yaml_begin(t);
	for (i = 0; i < t->yaml_depth; i++)
		fputs("  ", t->out);
	yaml_write_scalar(t->out, key);
	fputc(':', t->out);
}

void tap_yaml_str(struct tap *t, const char *key, const char *value)
{
	tap_yaml_key(t, key);
	fputc(' ', t->out);
	yaml_write_scalar(t->out, value);
	fputc('\n', t->out);
}

void tap_yaml_int(struct tap *t, const char *key, int64_t value)
{
	tap_yaml_key(t, key);
	fprintf(t->out, " %lld\n", (long long)value);
}

void tap_yaml_u64(struct tap *t, const char *key, uint64_t value)
{
	tap_yaml_key(t, key);
	fprintf(t->out, " %llu\n", (unsigned long long)value);
}

void tap_yaml_bool(struct tap *t, const char *key, bool value)
{
	tap_yaml_key(t, key);
	fputs(value ? " true\n" : " false\n", t->out);
}

char *tap_format_double(char *buf, size_t len, double v)
{
	char *e;

	if (isnan(v)) {
		snprintf(buf, len, ".nan");
	} else if (isinf(v)) {
		snprintf(buf, len, v < 0 ? "-.inf" : ".inf");
	} else if (v == trunc(v) && fabs(v) < 1e15) {
		/* Counts and whole cycles read best without "e+06". */
		snprintf(buf, len, "%.0f", v);
	} else {
		snprintf(buf, len, "%.6g", v);
		/* YAML 1.1 wants a '.' in a float: 1e-07 -> 1.0e-07. */
		e = strchr(buf, 'e');
		if (e && !strchr(buf, '.') && strlen(buf) + 3 <= len) {
			memmove(e + 2, e, strlen(e) + 1);
			memcpy(e, ".0", 2);
		}
	}
	return buf;
}

void tap_yaml_double(struct tap *t, const char *key, double value)
{
	char buf[64];

	tap_yaml_key(t, key);
	fprintf(t->out, " %s\n", tap_format_double(buf, sizeof(buf), value));
}

void tap_yaml_map_begin(struct tap *t, const char *key)
{
	tap_yaml_key(t, key);
	fputc('\n', t->out);
	t->yaml_depth++;
}

void tap_yaml_map_end(struct tap *t)
{
	if (t->yaml_depth > 1)
		t->yaml_depth--;
}

void tap_yaml_end(struct tap *t)
{
	if (!t->yaml_depth)
		return;
	fputs("  ...\n", t->out);
	t->yaml_depth = 0;
	fflush(t->out);
}

void tap_diag(struct tap *t, const char *fmt, ...)
{
	char *text, *line, *nl;
	va_list ap;
	int len;

	tap_close_yaml(t);
	va_start(ap, fmt);
	len = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (len < 0) {
		fputs("# (diagnostic lost: out of memory)\n", t->out);
		fflush(t->out);
		return;
	}
	/* One trailing newline is the end of the text, not an empty line. */
	if (len && text[len - 1] == '\n')
		text[len - 1] = '\0';
	for (line = text; line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		fputs(*line ? "# " : "#", t->out);
		tap_put_text(t->out, line, false);
		fputc('\n', t->out);
	}
	free(text);
	fflush(t->out);
}

void tap_bail(struct tap *t, const char *reason)
{
	tap_close_yaml(t);
	fputs("Bail out!", t->out);
	if (reason && *reason) {
		fputc(' ', t->out);
		tap_put_text(t->out, reason, false);
	}
	fputc('\n', t->out);
	fflush(t->out);
}

void tap_plan_end(struct tap *t)
{
	tap_close_yaml(t);
	fprintf(t->out, "1..%u\n", t->n);
	fflush(t->out);
}

unsigned int tap_failed(const struct tap *t)
{
	return t->failed;
}
