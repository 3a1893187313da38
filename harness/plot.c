// SPDX-License-Identifier: GPL-2.0
/*
 * plot.c - charts of a results directory (plot.h): the points and series
 * a chart is made of, the .dat files, and gnuplot, run once per chart and
 * format with fork/exec (no shell: paths and titles are data).  The charts
 * themselves are built in plot_charts.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plot_int.h"
#include "sstat.h"

/* A chart that takes gnuplot longer than this is given up (and killed). */
#define GNUPLOT_TIMEOUT_MS	60000

struct pseries *pchart_series(struct pchart *c, const char *key, const char *title,
			      int lc, int pt, int dt)
{
	struct pseries *s;
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->s[i].key, key))
			return &c->s[i];
	if (c->n == PLOT_MAX_SERIES) {
		c->full = true;
		return NULL;
	}
	s = &c->s[c->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", key);
	snprintf(s->title, sizeof(s->title), "%s", title);
	/* the title is written "quoted" into the .dat file */
	for (i = 0; s->title[i]; i++)
		if (s->title[i] == '"')
			s->title[i] = '\'';
	s->lc = lc;
	s->pt = pt;
	s->dt = dt;
	return s;
}

static struct ppoint *pseries_point(struct pseries *s, const char *x)
{
	struct ppoint *p;
	char *end;
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->p[i].x, x))
			return &s->p[i];
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 8;

		p = realloc(s->p, cap * sizeof(*p));
		if (!p)
			return NULL;
		s->p = p;
		s->cap = cap;
	}
	p = &s->p[s->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->x, sizeof(p->x), "%s", x);
	p->xv = strtod(x, &end);
	if (!x[0] || *end)
		p->xv = NAN;
	return p;
}

/* pseries_add - pool the @n samples at @v into @s's point at @x. */
int pseries_add(struct pseries *s, const char *x, const double *v, int n)
{
	struct ppoint *p = pseries_point(s, x);

	if (!p)
		return -ENOMEM;
	if (p->n + n > p->cap) {
		int cap = p->cap ? p->cap : 16;
		double *nv;

		while (cap < p->n + n)
			cap *= 2;
		nv = realloc(p->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		p->v = nv;
		p->cap = cap;
	}
	memcpy(p->v + p->n, v, n * sizeof(*v));
	p->n += n;
	return 0;
}

void pchart_free(struct pchart *c)
{
	int i, j;

	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->s[i].n; j++)
			free(c->s[i].p[j].v);
		free(c->s[i].p);
	}
	c->n = 0;
}

static int series_order(const void *a, const void *b)
{
	const struct pseries *s = a, *t = b;

	return (s->order > t->order) - (s->order < t->order);
}

/* pchart_sort - the series in ascending ->order (the key lists them so). */
void pchart_sort(struct pchart *c)
{
	qsort(c->s, c->n, sizeof(c->s[0]), series_order);
}

/* pchart_numeric - every x value of @c is a number. */
bool pchart_numeric(const struct pchart *c)
{
	int i, j;

	for (i = 0; i < c->n; i++)
		for (j = 0; j < c->s[i].n; j++)
			if (isnan(c->s[i].p[j].xv))
				return false;
	return true;
}

/* pchart_range - the extent of @c's x values and of every sample. */
void pchart_range(const struct pchart *c, double *xmin, double *xmax, double *ymin,
		  double *ymax)
{
	int i, j, k;

	*xmin = *ymin = INFINITY;
	*xmax = *ymax = -INFINITY;
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->s[i].n; j++) {
			const struct ppoint *p = &c->s[i].p[j];

			*xmin = fmin(*xmin, p->xv);
			*xmax = fmax(*xmax, p->xv);
			for (k = 0; k < p->n; k++) {
				*ymin = fmin(*ymin, p->v[k]);
				*ymax = fmax(*ymax, p->v[k]);
			}
		}
	}
}

/* ptag - @s's number in @t (from 0, in order of first appearance). */
int ptag(struct ptags *t, const char *s)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->s[i], s))
			return i;
	if (t->n == PLOT_MAX_SERIES)
		return 0;
	snprintf(t->s[t->n], sizeof(t->s[0]), "%s", s);
	return t->n++;
}

/* pcell - row @row's value in column @col (PC_GT: "guest:test"). */
const char *pcell(const struct plot_ctx *x, int row, int col, char *buf, size_t len)
{
	if (col != PC_GT)
		return rdir_cell(x->d, row, col);
	snprintf(buf, len, "%s:%s", rdir_cell(x->d, row, RC_GUEST), rdir_cell(x->d, row, RC_TEST));
	return buf;
}

/* pcol_name - a column's name for people: params.ws_mb is ws_mb. */
const char *pcol_name(const struct plot_ctx *x, int col)
{
	const char *n;

	if (col == PC_GT)
		return "test";
	n = x->d->cols[col];
	return strncmp(n, "params.", 7) ? n : n + 7;
}

/* pcols_key - "k=v k=v" of @cs in row @row (guest:test bare); "" if none. */
void pcols_key(const struct plot_ctx *x, int row, const struct pcols *cs, char *buf,
	       size_t len)
{
	char gt[128];
	size_t l = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < cs->n && l < len; i++) {
		const char *v = pcell(x, row, cs->c[i], gt, sizeof(gt));

		if (!v[0])
			continue;
		if (cs->c[i] == PC_GT)
			l += snprintf(buf + l, len - l, "%s%s", l ? " " : "", v);
		else
			l += snprintf(buf + l, len - l, "%s%s=%s", l ? " " : "",
				      pcol_name(x, cs->c[i]), v);
	}
}

static bool col_varies(const struct plot_ctx *x, const int *idx, int n, int col)
{
	char a[128], b[128];
	const char *first;
	int i;

	if (!n)
		return false;
	first = pcell(x, x->g[idx[0]].row, col, a, sizeof(a));
	for (i = 1; i < n; i++)
		if (strcmp(first, pcell(x, x->g[idx[i]].row, col, b, sizeof(b))))
			return true;
	return false;
}

/*
 * pcols_varying - the config columns (and guest:test if @with_gt) whose
 * value differs among the groups @idx: what tells their series apart.
 */
void pcols_varying(const struct plot_ctx *x, const int *idx, int n, bool with_gt,
		   struct pcols *out)
{
	int c;

	out->n = 0;
	if (with_gt && col_varies(x, idx, n, PC_GT))
		pcols_add(out, PC_GT);
	for (c = RC_NR_FIXED; c < x->d->nr_cols; c++)
		if (col_varies(x, idx, n, c))
			pcols_add(out, c);
}

void pcols_add(struct pcols *cs, int col)
{
	int i;

	for (i = 0; i < cs->n; i++)
		if (cs->c[i] == col)
			return;
	if (cs->n < PLOT_MAX_COLS)
		cs->c[cs->n++] = col;
}

void pcols_drop(struct pcols *cs, int col)
{
	int i;

	for (i = 0; i < cs->n; i++) {
		if (cs->c[i] == col) {
			memmove(&cs->c[i], &cs->c[i + 1], (cs->n - i - 1) * sizeof(cs->c[0]));
			cs->n--;
			return;
		}
	}
}

/*
 * determined - whether column @col has one value wherever column @xcol
 * (none if < 0 and not PC_GT) and the columns @cs, less @col, agree.
 */
static int determined(const struct plot_ctx *x, const int *idx, int n, const struct pcols *cs,
		      int col, int xcol, bool *yes)
{
	struct pcols rest = *cs;
	char (*key)[320], tmp[128];
	int i, j;

	*yes = true;
	if (n < 2)
		return 0;
	key = malloc(n * sizeof(*key));
	if (!key)
		return -ENOMEM;
	pcols_drop(&rest, col);
	if (xcol >= 0 || xcol == PC_GT)
		pcols_add(&rest, xcol);
	for (i = 0; i < n; i++)
		pcols_key(x, x->g[idx[i]].row, &rest, key[i], sizeof(key[i]));
	for (i = 0; i < n && *yes; i++) {
		const char *v = pcell(x, x->g[idx[i]].row, col, tmp, sizeof(tmp));

		for (j = i + 1; j < n && *yes; j++)
			*yes = strcmp(key[i], key[j]) ||
			       !strcmp(v, rdir_cell(x->d, x->g[idx[j]].row, col));
	}
	free(key);
	return 0;
}

/*
 * pcols_drop_derived - drop vms, vcpus and memory_mb from @cs where the
 * other columns (and @xcol) decide them: the overcommit knob sets vms and
 * vcpus, and a line per vms value would only split one curve in pieces.
 */
int pcols_drop_derived(const struct plot_ctx *x, const int *idx, int n, struct pcols *cs,
		       int xcol)
{
	static const char *const derived[] = { "vms", "vcpus", "memory_mb" };
	size_t i;
	bool yes;
	int c;

	for (i = 0; i < sizeof(derived) / sizeof(derived[0]); i++) {
		c = rdir_col(x->d, derived[i]);
		if (c < 0)
			continue;
		if (determined(x, idx, n, cs, c, xcol, &yes))
			return -ENOMEM;
		if (yes)
			pcols_drop(cs, c);
	}
	return 0;
}

/* gp_quote - @s as a gnuplot single-quoted string ('' is a quote; no newlines). */
static void gp_quote(char *buf, size_t len, const char *s)
{
	size_t l = 0;

	if (len < 3)
		return;
	buf[l++] = '\'';
	for (; *s && l + 3 < len; s++) {
		char ch = (*s == '\n' || *s == '\r' || *s == '\t') ? ' ' : *s;

		if (ch == '\'')
			buf[l++] = '\'';
		buf[l++] = ch;
	}
	buf[l++] = '\'';
	buf[l] = 0;
}

static void cat(char *buf, size_t len, const char *s)
{
	size_t l = strlen(buf);

	snprintf(buf + l, len - l, "%s", s);
}

/* pvar_str - append "name='val'; " to @buf, a gnuplot -e string. */
void pvar_str(char *buf, size_t len, const char *name, const char *val)
{
	char q[PATH_MAX + 8];

	gp_quote(q, sizeof(q), val);
	cat(buf, len, name);
	cat(buf, len, "=");
	cat(buf, len, q);
	cat(buf, len, "; ");
}

void pvar_int(char *buf, size_t len, const char *name, long val)
{
	size_t l = strlen(buf);

	snprintf(buf + l, len - l, "%s=%ld; ", name, val);
}

/* plot_subtitle - the host and the scenarios of groups @idx, for a title's second line. */
void plot_subtitle(const struct plot_ctx *x, const int *idx, int n, char *buf, size_t len)
{
	const char *h = rdir_host(x->d, "hostname"), *m = rdir_host(x->d, "cpu.model");
	const char *cpus = rdir_host(x->d, "cpu.logical_cpus");
	const char *k = rdir_host(x->d, "kernel.release"), *p = rdir_host(x->d, "kvm.paging");
	struct ptags sc = { 0 };
	size_t l;
	int i;

	l = snprintf(buf, len, "host %s: %s (%s CPUs), kernel %s, paging %s - scenario ",
		     h ? h : "?", m ? m : "unknown CPU", cpus ? cpus : "?", k ? k : "?",
		     p ? p : "?");
	for (i = 0; i < n && l < len; i++) {
		const char *s = rdir_cell(x->d, x->g[idx[i]].row, RC_SCENARIO);
		int before = sc.n;

		if (ptag(&sc, s) == before && sc.n > before)
			l += snprintf(buf + l, len - l, "%s%s", before ? ", " : "", s);
	}
	if (l < len)
		snprintf(buf + l, len - l, " - %s", x->d->name);
}

/* Data files: a header that says what they are and how to draw them again. */
static void dat_header(FILE *f, const struct plot_ctx *x, const struct pjob *j,
		       const char *vars)
{
	fprintf(f, "# %s\n# %s\n", j->title, j->subtitle);
	fprintf(f, "# median, min and p99 of the samples at each point; drawn by:\n");
	fprintf(f, "#   gnuplot -e \"%s\" %s/%s\n", vars, x->scripts, j->script);
	fprintf(f, "# (term='png' for PNG)\n");
}

static void dat_stats(FILE *f, const struct ppoint *p)
{
	struct sample_stats st;

	if (sstat_summarise(p->v, p->n, &st))
		fprintf(f, "?\t?\t?\t0");
	else
		fprintf(f, "%.6g\t%.6g\t%.6g\t%zu", st.median, st.min, st.p99, st.n);
}

static int pt_cmp(const void *a, const void *b)
{
	const struct ppoint *p = a, *q = b;

	return (p->xv > q->xv) - (p->xv < q->xv);
}

/*
 * dat_lines - a block per series (two blank lines apart, for gnuplot's
 * index): a header line with the series title, then x median min p99
 * samples label.  Categories are numbered 0, 1... in order of first
 * appearance over the whole chart, so that every series puts them at the
 * same x.
 */
static void dat_lines(FILE *f, struct pchart *c, bool categories)
{
	struct ptags cat = { 0 };
	int i, j;

	for (i = 0; i < c->n; i++) {
		struct pseries *s = &c->s[i];

		if (!categories)
			qsort(s->p, s->n, sizeof(s->p[0]), pt_cmp);
		fprintf(f, "%s\"%s\"\tmedian\tmin\tp99\tsamples\tx\n", i ? "\n\n" : "", s->title);
		for (j = 0; j < s->n; j++) {
			if (categories)
				fprintf(f, "%d\t", ptag(&cat, s->p[j].x));
			else
				fprintf(f, "%.6g\t", s->p[j].xv);
			dat_stats(f, &s->p[j]);
			fprintf(f, "\t\"%s\"\n", s->p[j].x);
		}
	}
}

static const struct ppoint *series_at(const struct pseries *s, const char *x)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->p[i].x, x))
			return &s->p[i];
	return NULL;
}

/*
 * dat_table - for clustered bars: a line per x value (in order of first
 * appearance), three columns (median min p99) per series, '?' where that
 * series has no such x.
 */
static void dat_table(FILE *f, const struct pchart *c)
{
	struct ptags xs = { 0 };
	int i, j;

	for (i = 0; i < c->n; i++)
		for (j = 0; j < c->s[i].n; j++)
			ptag(&xs, c->s[i].p[j].x);
	fprintf(f, "operation");
	for (i = 0; i < c->n; i++)
		fprintf(f, "\t\"%s\"\t%s_min\t%s_p99", c->s[i].title, c->s[i].title, c->s[i].title);
	fputc('\n', f);
	for (j = 0; j < xs.n; j++) {
		fprintf(f, "\"%s\"", xs.s[j]);
		for (i = 0; i < c->n; i++) {
			const struct ppoint *p = series_at(&c->s[i], xs.s[j]);
			struct sample_stats st;

			if (!p || sstat_summarise(p->v, p->n, &st))
				fprintf(f, "\t?\t?\t?");
			else
				fprintf(f, "\t%.6g\t%.6g\t%.6g", st.median, st.min, st.p99);
		}
		fputc('\n', f);
	}
}

/* last_line - the last non-empty line of @s (gnuplot says what is wrong last). */
static void last_line(const char *s, char *buf, size_t len)
{
	const char *end = s + strlen(s), *b;

	while (end > s && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
		end--;
	for (b = end; b > s && b[-1] != '\n'; b--)
		;
	snprintf(buf, len, "%.*s", (int)(end - b), b);
}

/* drain - read @fd (gnuplot's stderr) into @buf until EOF or the deadline. */
static bool drain(int fd, char *buf, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec t0, t;
	size_t l = 0;
	char junk[512];
	ssize_t r;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= GNUPLOT_TIMEOUT_MS)
			return false;
		if (poll(&pfd, 1, GNUPLOT_TIMEOUT_MS - ms) < 0 && errno != EINTR)
			return false;
		if (l + 1 < len)
			r = read(fd, buf + l, len - l - 1);
		else
			r = read(fd, junk, sizeof(junk));	/* keep the start */
		if (r == 0)
			return true;
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			return true;
		if (r > 0 && l + 1 < len) {
			l += r;
			buf[l] = 0;
		}
	}
}

/*
 * gp_run - run gnuplot on @script with the variables @vars; 0, or -EIO
 * with why in @msg (its exit status and the last line it printed).
 */
static int gp_run(const struct plot_ctx *x, const char *script, const char *vars,
		  char *msg, size_t len)
{
	char *argv[] = { (char *)x->gnuplot, "-e", (char *)vars, (char *)script, NULL };
	char errs[4096] = "", last[512];
	int pfd[2], st = 0, nul;
	bool done;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(msg, len, "pipe: %s", strerror(errno));
		return -EIO;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(msg, len, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -EIO;
	}
	if (!pid) {
		nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		dup2(pfd[1], 2);
		execv(x->gnuplot, argv);
		_exit(127);
	}
	close(pfd[1]);
	done = drain(pfd[0], errs, sizeof(errs));
	close(pfd[0]);
	if (!done)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	last_line(errs, last, sizeof(last));
	if (!done)
		snprintf(msg, len, "gnuplot took more than %d s and was killed",
			 GNUPLOT_TIMEOUT_MS / 1000);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && !errs[0])
		snprintf(msg, len, "cannot run %s", x->gnuplot);
	else if (!WIFEXITED(st) || WEXITSTATUS(st))
		snprintf(msg, len, "gnuplot %s %d%s%s", WIFEXITED(st) ? "exited with status" :
			 "was killed by signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			 last[0] ? ": " : "", last);
	else
		return 0;
	return -EIO;
}

static const char *const fmt_ext[] = { "svg", "png" };

int plot_script(const char *script, const char *dat, const char *outbase, const char *vars,
		char *err, size_t len)
{
	struct plot_ctx x = { .gnuplot = plot_gnuplot(), .scripts = plot_scripts_dir() };
	char all[4096], out[PATH_MAX + 16], path[PATH_MAX + 64];
	int i;

	if (!x.gnuplot) {
		snprintf(err, len, "gnuplot is not installed (apt-get install gnuplot-nox)");
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/%s", x.scripts, script);
	for (i = 0; i < 2; i++) {
		snprintf(out, sizeof(out), "%s.%s", outbase, fmt_ext[i]);
		all[0] = 0;
		pvar_str(all, sizeof(all), "datafile", dat);
		pvar_str(all, sizeof(all), "outfile", out);
		pvar_str(all, sizeof(all), "term", fmt_ext[i]);
		cat(all, sizeof(all), vars);
		if (gp_run(&x, path, all, err, len)) {
			unlink(out);
			return -EIO;
		}
	}
	return 0;
}

/* emit_format - draw @j in format @i; 0 or -EIO (said on o->log). */
static int emit_format(struct plot_ctx *x, const struct pjob *j, const char *dat,
		       const char *common, int i)
{
	char vars[4096], out[PATH_MAX + 128], script[PATH_MAX + 32], msg[768];
	struct stat st;

	snprintf(out, sizeof(out), "%s/%s.%s", x->out, j->name, fmt_ext[i]);
	snprintf(script, sizeof(script), "%s/%s", x->scripts, j->script);
	vars[0] = 0;
	pvar_str(vars, sizeof(vars), "datafile", dat);
	pvar_str(vars, sizeof(vars), "outfile", out);
	pvar_str(vars, sizeof(vars), "term", fmt_ext[i]);
	cat(vars, sizeof(vars), common);
	if (!gp_run(x, script, vars, msg, sizeof(msg))) {
		if (!stat(out, &st) && st.st_size > 0)
			return 0;
		snprintf(msg, sizeof(msg), "gnuplot made no %.*s", (int)sizeof(msg) - 32, out);
	}
	unlink(out);
	if (x->o->log)
		fprintf(x->o->log, "chart %s (%s): %s\n", j->name, fmt_ext[i], msg);
	return -EIO;
}

/* common_vars - the variables every script takes but the file names. */
static void common_vars(const struct pjob *j, char *buf, size_t len)
{
	buf[0] = 0;
	pvar_str(buf, len, "title", j->title);
	pvar_str(buf, len, "subtitle", j->subtitle);
	cat(buf, len, j->vars);
}

static int write_dat(struct plot_ctx *x, struct pjob *j, const char *path, const char *vars)
{
	FILE *f = fopen(path, "w");
	char shown[4096] = "", name[128];

	if (!f) {
		if (x->o->log)
			fprintf(x->o->log, "chart %s: %s: %s\n", j->name, path, strerror(errno));
		return -EIO;
	}
	snprintf(name, sizeof(name), "%s.svg", j->name);
	pvar_str(shown, sizeof(shown), "datafile", path);
	pvar_str(shown, sizeof(shown), "outfile", name);
	pvar_str(shown, sizeof(shown), "term", "svg");
	cat(shown, sizeof(shown), vars);
	dat_header(f, x, j, shown);
	if (j->c->full) {
		fprintf(f, "# only the first %d lines: the others were left out\n", PLOT_MAX_SERIES);
		if (x->o->log)
			fprintf(x->o->log, "chart %s: only the first %d lines are drawn\n", j->name,
				PLOT_MAX_SERIES);
	}
	if (j->data == PD_TABLE)
		dat_table(f, j->c);
	else
		dat_lines(f, (struct pchart *)j->c, j->data == PD_CATEGORIES);
	if (fclose(f)) {
		if (x->o->log)
			fprintf(x->o->log, "chart %s: %s: %s\n", j->name, path, strerror(errno));
		return -EIO;
	}
	return 0;
}

/*
 * plot_emit - write @j's data to OUT/NAME.dat and draw it in every format
 * asked for; it is listed in the result either way (failed if gnuplot
 * failed).  0, or -EIO.
 */
int plot_emit(struct plot_ctx *x, struct pjob *j)
{
	struct plot_result *res = x->res;
	struct plot_chart *pc;
	char dat[PATH_MAX + 128], vars[2048];
	unsigned formats = x->o->formats ? x->o->formats : PLOT_SVG | PLOT_PNG;
	int i, r = 0;

	if (res->n == PLOT_MAX_CHARTS) {
		if (x->o->log)
			fprintf(x->o->log, "chart %s: left out, more than %d charts\n", j->name,
				PLOT_MAX_CHARTS);
		return 0;
	}
	pc = &res->c[res->n++];
	snprintf(pc->name, sizeof(pc->name), "%s", j->name);
	snprintf(pc->title, sizeof(pc->title), "%s", j->title);
	common_vars(j, vars, sizeof(vars));
	snprintf(dat, sizeof(dat), "%s/%s.dat", x->out, j->name);
	r = write_dat(x, j, dat, vars);
	for (i = 0; !r && i < 2; i++)
		if (formats & (1u << i))
			r |= emit_format(x, j, dat, vars, i);
	if (r) {
		pc->failed = true;
		res->failed++;
		return -EIO;
	}
	return 0;
}

static bool executable(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK);
}

const char *plot_gnuplot(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("KVMBENCH_GNUPLOT"), *name = env && env[0] ? env : "gnuplot";
	const char *dirs = getenv("PATH"), *end;

	if (strchr(name, '/'))
		return executable(name) ? name : NULL;
	for (dirs = dirs ? dirs : "/usr/bin:/bin"; *dirs; dirs = *end ? end + 1 : end) {
		end = strchrnul(dirs, ':');
		snprintf(path, sizeof(path), "%.*s/%s", (int)(end - dirs), dirs, name);
		if (end > dirs && executable(path))
			return path;
	}
	return NULL;
}

static bool dir_has_scripts(const char *dir)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s/plot-generic.gp", dir);
	return !access(p, R_OK);
}

const char *plot_scripts_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("KVMBENCH_SCRIPTS");
	char exe[PATH_MAX], *d;
	ssize_t n;

	if (env && env[0])
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return "scripts";
	exe[n] = 0;
	d = dirname(exe);	/* build, or build/asan */
	snprintf(dir, sizeof(dir), "%.*s/../scripts", PATH_MAX - 16, d);
	if (!dir_has_scripts(dir))
		snprintf(dir, sizeof(dir), "%.*s/../../scripts", PATH_MAX - 16, d);
	if (!dir_has_scripts(dir))
		return "scripts";
	/* the path is shown in the .dat files: build/../scripts reads badly */
	if (realpath(dir, exe))
		snprintf(dir, sizeof(dir), "%s", exe);
	return dir;
}

/* plot_tools - gnuplot and the scripts, or -ENOENT saying which is missing. */
static int plot_tools(struct plot_ctx *x, char *err, size_t len)
{
	x->gnuplot = plot_gnuplot();
	if (!x->gnuplot) {
		snprintf(err, len, "gnuplot is not installed (%s not found; apt-get install gnuplot-nox)",
			 getenv("KVMBENCH_GNUPLOT") && getenv("KVMBENCH_GNUPLOT")[0] ?
			 getenv("KVMBENCH_GNUPLOT") : "gnuplot");
		return -ENOENT;
	}
	x->scripts = plot_scripts_dir();
	if (!dir_has_scripts(x->scripts)) {
		snprintf(err, len, "no plot scripts in %s (set KVMBENCH_SCRIPTS)", x->scripts);
		return -ENOENT;
	}
	return 0;
}

static int plot_outdir(struct plot_ctx *x, const char *dir, char *err, size_t len)
{
	if (x->o->out)
		snprintf(x->out, sizeof(x->out), "%s", x->o->out);
	else
		snprintf(x->out, sizeof(x->out), "%.*s/charts", PATH_MAX - 16, dir);
	if (!mkdir(x->out, 0755))
		x->made_out = true;
	else if (errno != EEXIST) {
		snprintf(err, len, "%s: %s", x->out, strerror(errno));
		return -EIO;
	}
	snprintf(x->res->dir, sizeof(x->res->dir), "%s", x->out);
	return 0;
}

static int plot_all(struct plot_ctx *x)
{
	int r = 0, e;

	if (x->o->metric)
		return plot_generic(x);
	e = plot_pagewalk(x);
	r = r ? r : e;
	e = plot_exits(x);
	r = r ? r : e;
	e = plot_overcommit(x);
	return r ? r : e;
}

/* plot_failed - "gnuplot failed on chart exits, pagewalk-chase" into @err. */
static void plot_failed(const struct plot_result *res, char *err, size_t len)
{
	size_t l = snprintf(err, len, "gnuplot failed on chart%s", res->failed == 1 ? "" : "s");
	int i, n = 0;

	for (i = 0; i < res->n && l < len; i++)
		if (res->c[i].failed)
			l += snprintf(err + l, len - l, "%s %s", n++ ? "," : "", res->c[i].name);
}

static int plot_loaded(struct plot_ctx *x, const char *dir, char *err, size_t len)
{
	int r;

	x->ng = rdir_groups(x->d, RG_METRIC, NULL, &x->g);
	if (x->ng < 0) {
		x->ng = 0;
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	if (x->o->metric && plot_generic_check(x, err, len))
		return -EINVAL;
	r = plot_tools(x, err, len);
	if (!r)
		r = plot_outdir(x, dir, err, len);
	if (r)
		return r;
	x->idx = malloc((x->ng + 1) * sizeof(int));
	if (!x->idx) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	r = plot_all(x);
	if (!x->res->n && x->made_out)	/* no empty charts/ in a run without charts */
		rmdir(x->out);
	if (r == -ENOMEM)
		snprintf(err, len, "out of memory");
	else if (r)
		plot_failed(x->res, err, len);
	return r;
}

int plot_dir(const char *dir, const struct plot_opts *o, struct plot_result *res,
	     char *err, size_t len)
{
	struct rdir d;
	struct plot_ctx x = { .d = &d, .o = o, .res = res };
	int r;

	memset(res, 0, sizeof(*res));
	err[0] = 0;
	if ((!o->metric) != (!o->knob)) {
		snprintf(err, len, "--metric and --knob go together");
		return -EINVAL;
	}
	if (rdir_load(&d, dir, err, len))
		return -EINVAL;
	r = plot_loaded(&x, dir, err, len);
	free(x.idx);
	rgroups_free(x.g, x.ng);
	rdir_free(&d);
	return r;
}
