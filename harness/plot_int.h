/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plot_int.h - what plot.c (data, files, gnuplot) shares with the chart
 * builders in plot_charts.c.
 *
 * A chart is a set of series; a series is a list of points; a point is an
 * x value and every sample pooled into it (over repeats, vCPUs and VMs),
 * drawn as the median with error bars from the minimum to the 99th
 * percentile.
 */
#ifndef PLOT_INT_H
#define PLOT_INT_H

#include "plot.h"
#include "rdir.h"

#define PLOT_MAX_SERIES	48
#define PLOT_MAX_COLS	64
#define PC_GT		(-2)	/* pseudo column: "guest:test" */

struct ppoint {
	char x[64];		/* the x value as results.csv has it */
	double xv;		/* as a number; NAN if it is not one */
	int n, cap;
	double *v;		/* the samples pooled into this point */
};

struct pseries {
	char key[256];
	char title[160];
	int lc, pt, dt;		/* gnuplot colour, point and dash type */
	int order;		/* pchart_sort's key */
	int n, cap;
	struct ppoint *p;
};

struct pchart {
	int n;
	bool full;		/* series were left out: PLOT_MAX_SERIES */
	struct pseries s[PLOT_MAX_SERIES];
};

/* First-appearance numbering of short strings (colours, point types). */
struct ptags {
	int n;
	char s[PLOT_MAX_SERIES][128];
};

/* A set of columns: rdir column indexes, or PC_GT. */
struct pcols {
	int n;
	int c[PLOT_MAX_COLS];
};

struct plot_ctx {
	const struct rdir *d;
	struct rgroup *g;
	int ng;
	const struct plot_opts *o;
	struct plot_result *res;
	const char *gnuplot;
	const char *scripts;
	char out[PATH_MAX];
	bool made_out;		/* out was made here (and goes if it stays empty) */
	int *idx;		/* scratch for the builders: ng group indexes */
};

enum pdata { PD_LINES, PD_CATEGORIES, PD_TABLE };

/* One chart to write and draw. */
struct pjob {
	const char *name;	/* base name of the files */
	const char *script;	/* "plot-exits.gp" */
	char title[200];
	char subtitle[320];
	const struct pchart *c;
	enum pdata data;
	char vars[1024];	/* the script's own variables, "ylabel='...'; " */
};

/* plot.c */
struct pseries *pchart_series(struct pchart *c, const char *key, const char *title,
			      int lc, int pt, int dt);
int pseries_add(struct pseries *s, const char *x, const double *v, int n);
void pchart_free(struct pchart *c);
void pchart_sort(struct pchart *c);
bool pchart_numeric(const struct pchart *c);
void pchart_range(const struct pchart *c, double *xmin, double *xmax, double *ymin,
		  double *ymax);
int ptag(struct ptags *t, const char *s);

const char *pcell(const struct plot_ctx *x, int row, int col, char *buf, size_t len);
const char *pcol_name(const struct plot_ctx *x, int col);
void pcols_key(const struct plot_ctx *x, int row, const struct pcols *cs, char *buf,
	       size_t len);
void pcols_varying(const struct plot_ctx *x, const int *idx, int n, bool with_gt,
		   struct pcols *out);
void pcols_add(struct pcols *cs, int col);
void pcols_drop(struct pcols *cs, int col);
int pcols_drop_derived(const struct plot_ctx *x, const int *idx, int n, struct pcols *cs,
		       int xcol);

void plot_subtitle(const struct plot_ctx *x, const int *idx, int n, char *buf, size_t len);
int plot_emit(struct plot_ctx *x, struct pjob *j);

/* plot_charts.c: each returns 0, -EIO (a chart failed) or -ENOMEM. */
int plot_pagewalk(struct plot_ctx *x);
int plot_exits(struct plot_ctx *x);
int plot_overcommit(struct plot_ctx *x);
int plot_generic_check(const struct plot_ctx *x, char *err, size_t len);
int plot_generic(struct plot_ctx *x);

#endif
