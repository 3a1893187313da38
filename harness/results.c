// SPDX-License-Identifier: GPL-2.0
/* results.c - the results directory of one kvmbench run. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plot.h"
#include "path.h"
#include "results.h"

static const char *const base_cols[] = {
	"scenario", "case", "guest", "test", "repeat", "vm", "vcpu", "kind", "name",
	"sample", "value", "unit", "cycles", "detail", "vms", "vcpus", "memory_mb",
};

static FILE *tmp_open(struct results *r, const char *name)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s/%s.tmp", r->dir, name);
	return fopen(p, "w");
}

static int tmp_commit(struct results *r, const char *name)
{
	char from[PATH_MAX + 32], to[PATH_MAX + 32];

	snprintf(from, sizeof(from), "%s/%s.tmp", r->dir, name);
	snprintf(to, sizeof(to), "%s/%s", r->dir, name);
	return rename(from, to) ? -errno : 0;
}

static int write_marker(struct results *r, const char *why)
{
	char p[PATH_MAX + 32];
	FILE *f;

	snprintf(p, sizeof(p), "%s/INCOMPLETE", r->dir);
	f = fopen(p, "w");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", why);
	return fclose(f) ? -errno : 0;
}

static int make_dir(struct results *r, const char *base, const struct host_info *h,
		    char *err, size_t len)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int i;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	i = path_mkdirs(base);
	if (i) {
		snprintf(err, len, "%s: %s", base, strerror(-i));
		return i;
	}
	for (i = 1; i < 100; i++) {
		if (i == 1)
			snprintf(r->dir, sizeof(r->dir), "%s/%s-%s", base, stamp, h->hostname);
		else
			snprintf(r->dir, sizeof(r->dir), "%s/%s-%s-%d", base, stamp, h->hostname, i);
		if (!mkdir(r->dir, 0755))
			return 0;
		if (errno != EEXIST)
			break;
	}
	snprintf(err, len, "%s: %s", r->dir, strerror(errno));
	return -errno;
}

int results_open(struct results *r, const char *base, const struct host_info *h,
		 char *err, size_t len)
{
	FILE *f;
	int ret;

	memset(r, 0, sizeof(*r));
	r->host = h;
	ret = make_dir(r, base, h, err, len);
	if (ret)
		return ret;
	if (write_marker(r, "the run is in progress (or was killed)")) {
		snprintf(err, len, "%s: cannot write: %s", r->dir, strerror(errno));
		return -errno;
	}
	f = tmp_open(r, "host.yaml");
	r->csv = tmp_open(r, "results.csv");
	r->tap = tmp_open(r, "run.tap");
	if (!f || !r->csv || !r->tap) {
		snprintf(err, len, "%s: cannot create files: %s", r->dir, strerror(errno));
		if (f)
			fclose(f);
		return -EIO;
	}
	host_write_yaml(h, f);
	fclose(f);
	tmp_commit(r, "host.yaml");
	return 0;
}

static void col_add(struct results *r, const char *name)
{
	int i;

	for (i = 0; i < r->nr_cols; i++)
		if (!strcmp(r->cols[i], name))
			return;
	if (r->nr_cols < RES_MAX_COLS)
		snprintf(r->cols[r->nr_cols++], SC_NAME_MAX, "%s", name);
}

void results_csv_field(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void results_set_columns(struct results *r, const struct sc_case *cases, int n)
{
	char name[SC_NAME_MAX + 8];
	int c, k;

	for (c = 0; c < n; c++) {
		for (k = 0; k < cases[c].nr_knobs; k++)
			col_add(r, cases[c].knobs[k].name);
		for (k = 0; k < cases[c].nr_params; k++) {
			snprintf(name, sizeof(name), "params.%s", cases[c].params[k].name);
			col_add(r, name);
		}
	}
}

void results_columns_done(struct results *r)
{
	size_t i;
	int c;

	for (i = 0; i < sizeof(base_cols) / sizeof(base_cols[0]); i++)
		fprintf(r->csv, "%s%s", i ? "," : "", base_cols[i]);
	for (c = 0; c < r->nr_cols; c++) {
		fputc(',', r->csv);
		results_csv_field(r->csv, r->cols[c]);
	}
	fputc('\n', r->csv);
}

/* setting_value - the value of column @col in case @c, or NULL. */
static const char *setting_value(const struct sc_case *c, const char *col)
{
	int i;

	for (i = 0; i < c->nr_knobs; i++)
		if (!strcmp(c->knobs[i].name, col))
			return c->knobs[i].value;
	if (strncmp(col, "params.", 7))
		return NULL;
	for (i = 0; i < c->nr_params; i++)
		if (!strcmp(c->params[i].name, col + 7))
			return c->params[i].value;
	return NULL;
}

static void csv_num(FILE *f, double v)
{
	fputc(',', f);
	if (!isnan(v))
		fprintf(f, "%.6g", v);
}

void results_row(struct results *r, const struct res_row *row)
{
	const struct sc_case *c = row->c;
	FILE *f = r->csv;
	int i;

	if (!f)
		return;
	results_csv_field(f, c->sc->name);
	fprintf(f, ",%d,", c->index);
	results_csv_field(f, c->test->guest);
	fputc(',', f);
	results_csv_field(f, c->test->test);
	fprintf(f, ",%d,%d,%d,%s,", row->repeat, row->vm, row->vcpu, row->kind);
	results_csv_field(f, row->name);
	fputc(',', f);
	if (row->sample >= 0)
		fprintf(f, "%d", row->sample);
	csv_num(f, row->value);
	fputc(',', f);
	results_csv_field(f, row->unit);
	csv_num(f, row->cycles);
	fputc(',', f);
	results_csv_field(f, row->detail);
	fprintf(f, ",%d,%d,%d", row->vms ? row->vms : 1, row->vcpus ? row->vcpus : c->vcpus,
		c->memory_mb);
	for (i = 0; i < r->nr_cols; i++) {
		fputc(',', f);
		results_csv_field(f, setting_value(c, r->cols[i]));
	}
	fputc('\n', f);
	if (r->flush_rows)
		fflush(f);
}

FILE *results_file_begin(struct results *r, const char *name)
{
	return tmp_open(r, name);
}

int results_file_end(struct results *r, FILE *f, const char *name)
{
	if (fclose(f))
		return -errno;
	return tmp_commit(r, name);
}

void results_line(struct results *r, const struct res_line *l)
{
	if (r->nr_lines == r->cap_lines) {
		int cap = r->cap_lines ? 2 * r->cap_lines : 64;
		struct res_line *p = realloc(r->lines, cap * sizeof(*p));

		if (!p)
			return;
		r->lines = p;
		r->cap_lines = cap;
	}
	r->lines[r->nr_lines++] = *l;
}

void results_tally(struct results *r, const char *kind, bool ok, bool todo, const char *what)
{
	size_t l = strlen(r->t.failures);

	if (!strcmp(kind, "case")) {
		r->t.cases++;
		r->t.cases_failed += !ok;
	} else if (!strcmp(kind, "skip")) {
		r->t.skip++;
	} else if (!strcmp(kind, "observation")) {
		r->t.observed++;
	} else if (todo) {
		r->t.todo++;
	} else if (ok) {
		r->t.pass++;
	} else {
		r->t.fail++;
	}
	if (!ok && !todo && l < sizeof(r->t.failures) - 200)
		snprintf(r->t.failures + l, sizeof(r->t.failures) - l, "- %s\n", what);
}

void results_observe(struct results *r, const char *what, const char *seen)
{
	struct res_obs *o = NULL;
	int i;

	for (i = 0; i < r->t.nr_obs && !o; i++)
		if (!strcmp(r->t.obs[i].what, what))
			o = &r->t.obs[i];
	if (!o && r->t.nr_obs == RES_MAX_OBS) {
		r->t.obs_lost++;
		return;
	}
	if (!o) {
		o = &r->t.obs[r->t.nr_obs++];
		memset(o, 0, sizeof(*o));
		snprintf(o->what, sizeof(o->what), "%s", what);
	}
	for (i = 0; i < RES_OBS_VALUES; i++) {
		if (!o->v[i].n)
			snprintf(o->v[i].seen, sizeof(o->v[i].seen), "%s", seen);
		if (!strcmp(o->v[i].seen, seen))
			break;
	}
	o->v[i].n++;		/* i == RES_OBS_VALUES: another value */
}

void results_expectations(struct results *r, const struct expect_uses *u)
{
	r->exp = u;
}

struct tee {
	struct results *r;
	FILE *also;
};

static ssize_t tee2_write(void *cookie, const char *buf, size_t n)
{
	struct tee *t = cookie;

	fwrite(buf, 1, n, t->also);
	fflush(t->also);
	if (t->r->tap)
		fwrite(buf, 1, n, t->r->tap);
	return n;
}

static int tee2_close(void *cookie)
{
	free(cookie);
	return 0;
}

FILE *results_tee(struct results *r, FILE *also)
{
	cookie_io_functions_t io = { .write = tee2_write, .close = tee2_close };
	struct tee *t = malloc(sizeof(*t));
	FILE *f;

	if (!t)
		return also;
	t->r = r;
	t->also = also;
	f = fopencookie(t, "w", io);
	if (!f) {
		free(t);
		return also;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/*
 * summary_charts - a link and an image per chart, or the one line that
 * says why there are none.
 */
static void summary_charts(FILE *f, const struct plot_result *pr, const char *none)
{
	int i;

	fprintf(f, "\n## Charts\n\n");
	if (none) {
		fprintf(f, "%s\n", none);
		return;
	}
	for (i = 0; i < pr->n; i++) {
		const char *n = pr->c[i].name;

		if (pr->c[i].failed) {
			fprintf(f, "- %s: gnuplot failed (data in [charts/%s.dat](charts/%s.dat))\n\n",
				pr->c[i].title, n, n);
			continue;
		}
		fprintf(f, "### %s\n\n![%s](charts/%s.svg)\n\n", pr->c[i].title, n, n);
		fprintf(f, "[SVG](charts/%s.svg), [PNG](charts/%s.png), [data](charts/%s.dat)\n\n",
			n, n, n);
	}
}

/* summary_expectations - what each known-host entry did: held, or no longer needed. */
static void summary_expectations(const struct results *r, FILE *f)
{
	const struct expect_uses *u = r->exp;
	char name[200];
	int i;

	if (!u || !u->n)
		return;
	fprintf(f, "\n## Expectations\n\nKnown behaviour of this kind of host, and how it showed in this run:\n\n");
	for (i = 0; i < u->n; i++) {
		const struct expect_use *x = &u->u[i];
		const char *v = expect_verdict_name(x->e);

		expect_name(x->e, name, sizeof(name));
		if (!x->held)
			fprintf(f, "- expectation no longer needed on this host: %s (%s `%s`): passed in %d point%s, the first `%s`\n",
				expect_id(x->e), v, x->e->check, x->passed,
				x->passed == 1 ? "" : "s", x->first_passed);
		else if (x->passed)
			fprintf(f, "- %s (%s `%s`): held in %d point%s, passed in %d (the first `%s`): %s\n",
				name, v, x->e->check, x->held, x->held == 1 ? "" : "s", x->passed,
				x->first_passed, x->e->reason);
		else
			fprintf(f, "- %s (%s `%s`): held in %d point%s: %s\n", name, v, x->e->check,
				x->held, x->held == 1 ? "" : "s", x->e->reason);
	}
	if (u->lost)
		fprintf(f, "- and %d more (not listed)\n", u->lost);
}

/* summary_observations - what the host did where the architecture allows a choice. */
static void summary_observations(const struct results *r, FILE *f)
{
	int i, j, all;

	if (!r->t.nr_obs)
		return;
	fprintf(f, "\n## Observations\n\nBehaviour the architecture allows but does not require (never a failure):\n\n");
	for (i = 0; i < r->t.nr_obs; i++) {
		const struct res_obs *o = &r->t.obs[i];

		for (j = 0, all = 0; j <= RES_OBS_VALUES; j++)
			all += o->v[j].n;
		fprintf(f, "- %s:", o->what);
		for (j = 0; j < RES_OBS_VALUES && o->v[j].n; j++)
			fprintf(f, "%s %s in %d of %d", j ? "," : "", o->v[j].seen, o->v[j].n, all);
		if (o->v[RES_OBS_VALUES].n)
			fprintf(f, ", other values in %d of %d", o->v[RES_OBS_VALUES].n, all);
		fputc('\n', f);
	}
	if (r->t.obs_lost)
		fprintf(f, "- and %d more (not listed)\n", r->t.obs_lost);
}

static void summary_write(struct results *r, FILE *f, const char *why,
			  const struct plot_result *pr, const char *no_charts)
{
	const struct host_info *h = r->host;
	int i;

	fprintf(f, "# kvmbench results\n\n");
	if (why)
		fprintf(f, "**INCOMPLETE: %s.** Only what finished is here.\n\n", why);
	fprintf(f, "- host: %s, kernel %s, %s, paging %s\n", h->hostname, h->kernel_release,
		h->cpu_model, host_paging_mode(h));
	fprintf(f, "- cases: %d (%d failed); checks and metrics: %d passed, %d failed, %d TODO; %d skipped; %d observations\n\n",
		r->t.cases, r->t.cases_failed, r->t.pass, r->t.fail, r->t.todo, r->t.skip,
		r->t.observed);
	if (r->nr_lines) {
		fprintf(f, "| case | metric | median | min | p99 | unit | median cycles | samples | counters per op |\n");
		fprintf(f, "|---|---|---:|---:|---:|---|---:|---:|---|\n");
	}
	for (i = 0; i < r->nr_lines; i++) {
		const struct res_line *l = &r->lines[i];
		/* ratios and small figures need more than one decimal */
		int prec = fabs(l->median) < 10 ? 3 : 1;

		fprintf(f, "| %s | %s | %.*f | %.*f | %.*f | %s | ", l->label, l->metric,
			prec, l->median, prec, l->min, prec, l->p99, l->unit);
		if (isnan(l->cyc_median))
			fprintf(f, " | %lu | %s |\n", l->samples, l->counters);
		else
			fprintf(f, "%.0f | %lu | %s |\n", l->cyc_median, l->samples, l->counters);
	}
	if (r->t.failures[0])
		fprintf(f, "\n## Failures\n\n%s", r->t.failures);
	summary_expectations(r, f);
	summary_observations(r, f);
	if (pr)
		summary_charts(f, pr, no_charts);
}

/*
 * results_charts - the charts of a finished run, when gnuplot is there.
 * They never fail the run: what went wrong goes to stderr and @none.
 */
static void results_charts(struct results *r, struct plot_result *pr, char *none, size_t len)
{
	struct plot_opts o = { .log = stderr };
	char err[1024];
	int ret;

	none[0] = 0;
	if (!plot_gnuplot()) {
		snprintf(none, len, "None: gnuplot is not installed (`apt-get install gnuplot-nox`, "
			 "then `kvmbench plot %.*s`).", (int)len - 120, r->dir);
		return;
	}
	ret = plot_dir(r->dir, &o, pr, err, sizeof(err));
	if (ret && ret != -EIO) {
		fprintf(stderr, "kvmbench: no charts: %s\n", err);
		snprintf(none, len, "None: %.*s.", (int)len - 16, err);
	} else if (ret) {
		fprintf(stderr, "kvmbench: charts: %s\n", err);
	} else if (!pr->n) {
		snprintf(none, len, "None: this run has no figure with a chart (page walks, exits, "
			 "overcommit); `kvmbench plot --metric NAME --knob COLUMN` draws any.");
	}
}

int results_close(struct results *r, const char *why)
{
	struct plot_result *pr = NULL;
	char p[PATH_MAX + 32], none[PATH_MAX + 256] = "";
	FILE *f;
	int ret = 0;

	if (r->csv && fclose(r->csv))
		ret = -errno;
	if (r->tap && fclose(r->tap))
		ret = -errno;
	r->csv = r->tap = NULL;
	tmp_commit(r, "results.csv");
	tmp_commit(r, "run.tap");
	/*
	 * The data is complete once results.csv and run.tap are in place:
	 * lift the marker now, because the charts read the directory back
	 * and an incomplete directory is refused (and gets no charts).
	 */
	if (!why && !ret) {
		snprintf(p, sizeof(p), "%s/INCOMPLETE", r->dir);
		unlink(p);
		pr = malloc(sizeof(*pr));
		if (pr)
			results_charts(r, pr, none, sizeof(none));
	}
	f = tmp_open(r, "summary.md");
	if (f) {
		summary_write(r, f, why, pr, none[0] ? none : NULL);
		if (fclose(f))
			ret = -errno;
		tmp_commit(r, "summary.md");
	}
	if (why)
		write_marker(r, why);
	else if (ret)
		write_marker(r, "the results could not all be written");
	free(pr);
	free(r->lines);
	r->lines = NULL;
	return ret;
}
