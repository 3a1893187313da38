/* SPDX-License-Identifier: GPL-2.0 */
/*
 * table.h - a table of text cells printed either aligned for a terminal or
 * as a Markdown table, so one report serves both.
 */
#ifndef TABLE_H
#define TABLE_H

#include <stdbool.h>
#include <stdio.h>

#define TBL_MAX_COLS	20

struct table {
	int nr_cols, nr_rows, cap;
	const char *head[TBL_MAX_COLS];
	bool right[TBL_MAX_COLS];	/* right-aligned (numbers) */
	char **cells;			/* nr_rows x nr_cols, malloc'd */
	int col;			/* next cell of the row being added */
};

/* table_init - columns from @spec: "name|>number|name" ('>' right-aligns). */
void table_init(struct table *t, const char *spec);
/* table_cell - the next cell of the current row (a new row after the last column). */
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* table_print - @md: a Markdown table; else padded columns, @indent spaces in. */
void table_print(const struct table *t, FILE *f, bool md, int indent);
void table_free(struct table *t);

#endif
