// SPDX-License-Identifier: GPL-2.0
/*
 * yamlout.c - YAML scalar quoting shared by the TAP writer and host.yaml.
 *
 * We write YAML by hand (block style, one scalar per line) because the
 * documents are tiny and must appear line by line as a run progresses;
 * only the scalar quoting is subtle, and it lives here.
 *
 * The rule is to write plain scalars only when no YAML 1.1 or 1.2 reader
 * could take them for anything but the same string: "Y", "no", "1.5",
 * "0x10", "~", "2026-11-21" are quoted, because they would come back as
 * booleans, numbers, null or dates.  Callers that mean a number print it
 * themselves.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "yamlout.h"

/* Characters that may not start a plain scalar (YAML 1.1 indicators). */
static const char yaml_indicators[] = "-?:,[]{}#&*!|>'\"%@`";

/* Words that resolve to null or a boolean in YAML 1.1 or 1.2, any case. */
static const char *const yaml_words[] = {
	"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n",
	"=", "<<",
};

/*
 * utf8_next - decode the code point at @s into @cp.  Returns its length
 * in bytes, or 0 if the sequence is malformed (overlong, surrogate, out of
 * range or truncated - the NUL terminator fails the continuation test).
 */
static int utf8_next(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0], min;
	int len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * yaml_printable - may @cp appear unescaped inside a scalar?  This is
 * YAML's printable set minus every line break a 1.1 reader knows (NEL,
 * LS, PS) and minus tab, which we always escape for legibility.
 */
static bool yaml_printable(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 0x20 && cp != 0x7f;
	if (cp < 0xa0 || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff)
		return false;
	if (cp >= 0xd800 && cp <= 0xdfff)
		return false;
	return cp != 0xfffe && cp != 0xffff;
}

/* looks_numeric - could a 1.1 or 1.2 reader take @s for a number or date? */
static bool looks_numeric(const char *s)
{
	static const char num_chars[] = "0123456789abcdefABCDEFxXoO+-._:";
	const char *p = s;

	if (*p == '+' || *p == '-')
		p++;
	if (!strcasecmp(p, ".inf") || !strcasecmp(p, ".nan"))
		return true;
	if (!(*p >= '0' && *p <= '9') && *p != '.')
		return false;
	/* 1.1 timestamps: 2026-11-21 and 2026-11-21T10:00:00Z. */
	if (strspn(s, "0123456789") == 4 && s[4] == '-')
		return true;
	return s[strspn(s, num_chars)] == '\0';
}

bool yaml_plain_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i;
	uint32_t cp;
	int n;

	if (!len || strchr(yaml_indicators, s[0]))
		return false;
	if (s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':')
		return false;
	if (strstr(s, ": ") || strstr(s, " #"))
		return false;
	for (i = 0; i < sizeof(yaml_words) / sizeof(yaml_words[0]); i++)
		if (!strcasecmp(s, yaml_words[i]))
			return false;
	if (looks_numeric(s))
		return false;
	while (*p) {
		n = utf8_next(p, &cp);
		if (!n || !yaml_printable(cp))
			return false;
		p += n;
	}
	return true;
}

/* yaml_write_escape - one character that may not appear as itself. */
static void yaml_write_escape(FILE *out, uint32_t cp)
{
	switch (cp) {
	case '"':
		fputs("\\\"", out);
		break;
	case '\\':
		fputs("\\\\", out);
		break;
	case '\n':
		fputs("\\n", out);
		break;
	case '\t':
		fputs("\\t", out);
		break;
	case '\r':
		fputs("\\r", out);
		break;
	default:
		if (cp < 0x100)
			fprintf(out, "\\x%02X", (unsigned int)cp);
		else
			fprintf(out, "\\u%04X", (unsigned int)cp);
	}
}

static void yaml_write_quoted(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n;

	fputc('"', out);
	while (*p) {
		n = utf8_next(p, &cp);
		if (!n) {
			/* Not UTF-8: keep the byte's value, as U+00NN. */
			yaml_write_escape(out, *p++);
			continue;
		}
		if (cp == '"' || cp == '\\' || !yaml_printable(cp))
			yaml_write_escape(out, cp);
		else
			fwrite(p, 1, n, out);
		p += n;
	}
	fputc('"', out);
}

void yaml_write_scalar(FILE *out, const char *s)
{
	if (!s)
		fputc('~', out);
	else if (yaml_plain_safe(s))
		fputs(s, out);
	else
		yaml_write_quoted(out, s);
}

void yaml_write_key(FILE *out, int depth, const char *key)
{
	fprintf(out, "%*s", 2 * depth, "");
	yaml_write_scalar(out, key);
	fputc(':', out);
}

void yaml_write_str(FILE *out, int depth, const char *key, const char *v)
{
	yaml_write_key(out, depth, key);
	fputc(' ', out);
	yaml_write_scalar(out, v);
	fputc('\n', out);
}
