// SPDX-License-Identifier: GPL-2.0
/*
 * table.c - text tables for the terminal and for Markdown.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

void table_init(struct table *t, const char *spec)
{
	const char *s = spec;

	memset(t, 0, sizeof(*t));
	while (*s && t->nr_cols < TBL_MAX_COLS) {
		const char *end = strchr(s, '|');
		size_t l = end ? (size_t)(end - s) : strlen(s);

		t->right[t->nr_cols] = *s == '>';
		if (*s == '>') {
			s++;
			l--;
		}
		/* copied: the spec may be built on the stack */
		t->head[t->nr_cols] = strndup(s, l);
		t->nr_cols++;
		s += l + (end ? 1 : 0);
		if (!end)
			break;
	}
}

void table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (t->col == 0) {
		if (t->nr_rows == t->cap) {
			char **nc = realloc(t->cells, (size_t)(t->cap = t->cap * 2 + 16) *
					    t->nr_cols * sizeof(char *));

			if (!nc)
				return;
			t->cells = nc;
		}
		memset(&t->cells[(size_t)t->nr_rows * t->nr_cols], 0, t->nr_cols * sizeof(char *));
		t->nr_rows++;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	t->cells[(size_t)(t->nr_rows - 1) * t->nr_cols + t->col] = s;
	t->col = (t->col + 1) % t->nr_cols;
}

static const char *cell(const struct table *t, int r, int c)
{
	const char *s = t->cells[(size_t)r * t->nr_cols + c];

	return s ? s : "";
}

/* md_cell - a cell for Markdown: '|' escaped, newlines as spaces. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void print_md(const struct table *t, FILE *f)
{
	int r, c;

	for (c = 0; c < t->nr_cols; c++)
		fprintf(f, "| %s ", t->head[c]);
	fprintf(f, "|\n");
	for (c = 0; c < t->nr_cols; c++)
		fprintf(f, "|%s", t->right[c] ? "---:" : "---");
	fprintf(f, "|\n");
	for (r = 0; r < t->nr_rows; r++) {
		for (c = 0; c < t->nr_cols; c++) {
			fprintf(f, "| ");
			md_cell(f, cell(t, r, c));
			fputc(' ', f);
		}
		fprintf(f, "|\n");
	}
}

static void print_text(const struct table *t, FILE *f, int indent)
{
	int w[TBL_MAX_COLS], r, c;

	for (c = 0; c < t->nr_cols; c++) {
		w[c] = strlen(t->head[c]);
		for (r = 0; r < t->nr_rows; r++)
			if ((int)strlen(cell(t, r, c)) > w[c])
				w[c] = strlen(cell(t, r, c));
	}
	for (r = -1; r < t->nr_rows; r++) {
		fprintf(f, "%*s", indent, "");
		for (c = 0; c < t->nr_cols; c++) {
			const char *s = r < 0 ? t->head[c] : cell(t, r, c);
			bool last = c == t->nr_cols - 1;

			if (t->right[c])
				fprintf(f, "%*s", w[c], s);
			else
				fprintf(f, "%-*s", last ? 0 : w[c], s);
			fputs(last ? "\n" : "  ", f);
		}
	}
}

void table_print(const struct table *t, FILE *f, bool md, int indent)
{
	if (md)
		print_md(t, f);
	else
		print_text(t, f, indent);
}

void table_free(struct table *t)
{
	int i;

	for (i = 0; t->cells && i < t->nr_rows * t->nr_cols; i++)
		free(t->cells[i]);
	for (i = 0; i < t->nr_cols; i++)
		free((char *)t->head[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
