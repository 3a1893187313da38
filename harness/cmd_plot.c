// SPDX-License-Identifier: GPL-2.0
/* cmd_plot.c - `kvmbench plot`: the charts of a results directory. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

static void plot_usage(FILE *f)
{
	fprintf(f,
"usage: kvmbench plot [OPTIONS] RESULTS_DIR\n"
"       kvmbench plot [OPTIONS] --metric NAME --knob COLUMN RESULTS_DIR\n"
"\n"
"Draw the charts of a results directory (what `kvmbench run` left in\n"
"results/<UTC time>-<host>/) with gnuplot, each as SVG and PNG, and keep the\n"
"data of each as a tab-separated file beside it, so that it can be drawn\n"
"again.  Points are medians; error bars run from the lowest sample to the\n"
"99th percentile.  Titles name the host (kernel, paging mode, CPU) and the\n"
"scenarios.  A chart is made only when the run has its data:\n"
"\n"
"  pagewalk-METRIC        pagewalk chase, stream, first_touch: ns per access\n"
"                         against the working set (ws_mb, log scale), a line\n"
"                         per guest page size x host backing, the native\n"
"                         baseline dashed (a line per backing)\n"
"  pagewalk-METRIC-ratio  the same as virtual / native (1 = native speed)\n"
"  exits[-CONFIG]         ioexit: ns per operation, clustered bars (operation\n"
"                         on x, a bar per privilege level, cpl0 and cpl3), log\n"
"                         scale; a chart per configuration when ioexit ran in\n"
"                         several (e.g. thp x backing)\n"
"  overcommit-cost        smp:overcommit: barrier episode and IPI round trip\n"
"                         against vCPUs per host CPU, a line per pattern\n"
"  overcommit-progress    smp:overcommit: work units/s per vCPU (free and\n"
"                         synchronised) against vCPUs per host CPU\n"
"  metric-NAME-by-COLUMN  with --metric and --knob: only this chart, metric\n"
"                         NAME against COLUMN, a line per combination of the\n"
"                         other settings that vary\n"
"\n"
"  -m, --metric NAME    a metric of results.csv (e.g. outb.cpl3, chase.ratio)\n"
"  -k, --knob COLUMN    a knob or parameter column of results.csv (backing,\n"
"                       overcommit, vcpus, params.ws_mb or ws_mb...): the x\n"
"                       axis, numeric if every value is a number (log scale\n"
"                       when they span a factor of 8), else categories\n"
"  -o, --output DIR     where the files go (default RESULTS_DIR/charts)\n"
"  -f, --format FMT     svg, png or both (default both)\n"
"  -h, --help           this help\n"
"\n"
"Files: DIR/NAME.svg (1200x800), DIR/NAME.png (1200x800), DIR/NAME.dat\n"
"(its first lines say how to draw it again).  Each file made is printed on\n"
"stdout.  Scripts: plot-*.gp in $KVMBENCH_SCRIPTS, else scripts/ at the top\n"
"of kvmbench's tree; gnuplot: $KVMBENCH_GNUPLOT, else gnuplot in $PATH.\n"
"\n"
"Exit status: 0 when every chart was made (or there was nothing to chart);\n"
"1 when gnuplot failed on some chart (the others are made); 2 on bad usage,\n"
"a directory that cannot be used (missing, not a results directory, or\n"
"INCOMPLETE), a metric or column the directory does not have, or no\n"
"gnuplot.\n");
}

static int parse_formats(const char *s, unsigned *out)
{
	if (!strcmp(s, "svg"))
		*out = PLOT_SVG;
	else if (!strcmp(s, "png"))
		*out = PLOT_PNG;
	else if (!strcmp(s, "both") || !strcmp(s, "svg,png") || !strcmp(s, "png,svg"))
		*out = PLOT_SVG | PLOT_PNG;
	else
		return -EINVAL;
	return 0;
}

static void plot_print(const struct plot_result *res, unsigned formats)
{
	static const char *const ext[] = { "svg", "png" };
	int i, f;

	for (i = 0; i < res->n; i++) {
		if (res->c[i].failed)
			continue;
		for (f = 0; f < 2; f++)
			if (formats & (1u << f))
				printf("%s/%s.%s\n", res->dir, res->c[i].name, ext[f]);
		printf("%s/%s.dat\n", res->dir, res->c[i].name);
	}
}

static int plot_parse(int argc, char **argv, struct plot_opts *o, const char **dir)
{
	static const struct option lo[] = {
		{ "metric", required_argument, NULL, 'm' },
		{ "knob", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:k:o:f:h", lo, NULL)) != -1) {
		switch (c) {
		case 'm': o->metric = optarg; break;
		case 'k': o->knob = optarg; break;
		case 'o': o->out = optarg; break;
		case 'f':
			if (parse_formats(optarg, &o->formats)) {
				fprintf(stderr, "kvmbench plot: --format '%s': svg, png or both\n", optarg);
				return 2;
			}
			break;
		case 'h': plot_usage(stdout); return 0;
		default: plot_usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "kvmbench plot: %s\n", optind == argc ? "which results directory?" :
			"one results directory at a time");
		return 2;
	}
	*dir = argv[optind];
	return -1;
}

int cmd_plot(int argc, char **argv)
{
	struct plot_opts o = { .log = stderr };
	static struct plot_result res;
	const char *dir = NULL;
	char err[1024];
	int r = plot_parse(argc, argv, &o, &dir);

	if (r >= 0)
		return r;
	if (!o.formats)
		o.formats = PLOT_SVG | PLOT_PNG;
	r = plot_dir(dir, &o, &res, err, sizeof(err));
	plot_print(&res, o.formats);
	if (r)
		fprintf(stderr, "kvmbench plot: %s\n", err);
	if (r == -EINVAL || r == -ENOENT)
		return 2;
	if (r)
		return 1;
	if (!res.n)
		fprintf(stderr, "kvmbench plot: %s: nothing to chart (no pagewalk, ioexit or "
			"smp:overcommit figures); --metric NAME --knob COLUMN draws any figure\n",
			dir);
	return 0;
}
