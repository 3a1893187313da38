/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plot.h - charts of a results directory, drawn by gnuplot.
 *
 * The data of each chart is written to RESULTS/charts/NAME.dat (kept, so
 * that a chart can be drawn again by hand: its first lines say how), then
 * gnuplot runs scripts/plot-KIND.gp on it once per format (NAME.svg,
 * NAME.png).  Charts are made only for the data a run has: page walks
 * (pagewalk chase, stream, first_touch and their native twins), exit costs
 * (ioexit), CPU overcommit (smp:overcommit); or, on request, any metric
 * against any knob or parameter column.
 */
#ifndef PLOT_H
#define PLOT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define PLOT_MAX_CHARTS	64

enum plot_format {
	PLOT_SVG = 1,
	PLOT_PNG = 2,
};

struct plot_opts {
	const char *metric;	/* with knob: only the chart of metric against knob */
	const char *knob;	/* a config column of results.csv (knob or params.NAME) */
	const char *out;	/* where the files go; NULL: RESULTS/charts */
	unsigned formats;	/* PLOT_SVG | PLOT_PNG; 0: both */
	FILE *log;		/* each gnuplot failure, as it happens; NULL: none */
};

struct plot_chart {
	char name[96];		/* the files' base name: "pagewalk-chase" */
	char title[200];
	bool failed;		/* gnuplot failed for some format */
};

struct plot_result {
	char dir[PATH_MAX];	/* where the files are */
	int n, failed;
	struct plot_chart c[PLOT_MAX_CHARTS];
};

/*
 * plot_dir - the charts of results directory @dir (see above), listed in
 * @res.  Returns 0; -EINVAL if @dir cannot be used (missing, incomplete,
 * not a results directory) or @o names a metric or column it does not
 * have; -ENOENT if gnuplot or the scripts cannot be found; -EIO if gnuplot
 * failed on some chart (they are marked in @res, the others made); with
 * what went wrong in @err.  Nothing to chart is not an error: res->n == 0.
 */
int plot_dir(const char *dir, const struct plot_opts *o, struct plot_result *res,
	     char *err, size_t len);

/* plot_gnuplot - gnuplot's path ($KVMBENCH_GNUPLOT, else from $PATH), NULL if none. */
const char *plot_gnuplot(void);
/* plot_scripts_dir - $KVMBENCH_SCRIPTS, else scripts/ at the top of kvmbench's tree. */
const char *plot_scripts_dir(void);

/* pvar_str, pvar_int - append "NAME='VAL'; " (quoted for gnuplot) or "NAME=VAL; " to @buf. */
void pvar_str(char *buf, size_t len, const char *name, const char *val);
void pvar_int(char *buf, size_t len, const char *name, long val);

/*
 * plot_script - draw data file @dat with scripts/@script into @outbase.svg
 * and @outbase.png, the script's other variables in @vars ("title='T'; n=3;"
 * as pvar_str makes them).  0; -ENOENT without gnuplot, -EIO if it failed;
 * why in @err.
 */
int plot_script(const char *script, const char *dat, const char *outbase, const char *vars,
		char *err, size_t len);

/* cmd_plot - `kvmbench plot`. */
int cmd_plot(int argc, char **argv);

#endif
