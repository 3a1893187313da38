// SPDX-License-Identifier: GPL-2.0
/*
 * plot_charts.c - the charts kvmbench plot knows: page walks against the
 * working set (with the native baseline and the virtual/native ratio),
 * exit costs by operation and privilege level, CPU overcommit against
 * vCPUs per host CPU, and any metric against any config column.
 *
 * Each picks its metric groups from rdir_groups(), decides which config
 * columns tell its lines apart (those that vary among the groups, less
 * the x axis and what the x axis decides), pools the samples of groups
 * that fall on the same line and x (repeats, vCPUs, VMs) and hands the
 * chart to plot_emit().
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_int.h"

/* Point types: filled circle, square, triangle, diamond, pentagon, ... */
static const int pts[] = { 7, 5, 9, 13, 15, 11, 3, 1, 2 };
#define NR_PTS	((int)(sizeof(pts) / sizeof(pts[0])))

/* The guest's own default working set, for runs that did not set ws_mb. */
#define PW_WS_DEFAULT	"64"

static bool group_is(const struct plot_ctx *x, int i, const char *guest, const char *test)
{
	int row = x->g[i].row;

	return !strcmp(rdir_cell(x->d, row, RC_GUEST), guest) &&
	       (!test || !strcmp(rdir_cell(x->d, row, RC_TEST), test));
}

/* style_vars - n, lcs, pts and dts of @c's series for the line scripts. */
static void style_vars(const struct pchart *c, char *buf, size_t len)
{
	char lcs[256] = "", ps[256] = "", dts[256] = "";
	size_t a = 0, b = 0, d = 0;
	int i;

	for (i = 0; i < c->n; i++) {
		a += snprintf(lcs + a, a < sizeof(lcs) ? sizeof(lcs) - a : 0, "%s%d", i ? " " : "",
			      c->s[i].lc);
		b += snprintf(ps + b, b < sizeof(ps) ? sizeof(ps) - b : 0, "%s%d", i ? " " : "",
			      c->s[i].pt);
		d += snprintf(dts + d, d < sizeof(dts) ? sizeof(dts) - d : 0, "%s%d", i ? " " : "",
			      c->s[i].dt);
	}
	pvar_int(buf, len, "n", c->n);
	pvar_str(buf, len, "lcs", lcs);
	pvar_str(buf, len, "pts", ps);
	pvar_str(buf, len, "dts", dts);
}

/*
 * decades - ymin and ymax for a log y axis: the whole decades around every
 * sample, so that both ends carry a label (gnuplot's autoscale stops short
 * of a decade when the tics are given).
 */
static void decades(const struct pchart *c, char *buf, size_t len)
{
	double y0 = INFINITY, y1 = 0, lo, hi;
	size_t l = strlen(buf);
	int i, j, k;

	/* a log axis shows no zero: a vCPU that made no progress is off the chart */
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->s[i].n; j++) {
			const struct ppoint *p = &c->s[i].p[j];

			for (k = 0; k < p->n; k++) {
				if (p->v[k] > 0)
					y0 = fmin(y0, p->v[k]);
				y1 = fmax(y1, p->v[k]);
			}
		}
	}
	if (!isfinite(y0) || !isfinite(y1))
		return;
	lo = pow(10, floor(log10(y0)));
	hi = pow(10, ceil(log10(y1)));
	if (hi <= lo)
		hi = lo * 10;
	snprintf(buf + l, len - l, "ymin=%g; ymax=%g; ", lo, hi);
}

/* file_name - @prefix and @s as a file name: [A-Za-z0-9._] kept, the rest '-'. */
static void file_name(char *buf, size_t len, const char *prefix, const char *s)
{
	size_t l = snprintf(buf, len, "%s", prefix);

	for (; *s && l + 1 < len; s++) {
		bool keep = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_';

		if (keep)
			buf[l++] = *s;
		else if (l && buf[l - 1] != '-')
			buf[l++] = '-';
	}
	while (l && buf[l - 1] == '-')
		l--;
	buf[l] = 0;
}

static int add_group(struct pseries *s, const struct rgroup *g, const char *xv)
{
	if (!s)		/* too many series: said in the data file and on the log */
		return 0;
	return pseries_add(s, xv, g->v, g->n);
}

/*
 * Page walks: pagewalk METRIC (ns/op) against params.ws_mb, a line per
 * params.page x backing (and whatever else varies), METRIC.native dashed
 * (a line per backing: the guest page size means nothing natively), and
 * METRIC.ratio on a chart of its own.
 */
struct pw_metric {
	const char *name, *what, *ylabel;
};

static const struct pw_metric pw_metrics[] = {
	{ "chase", "pointer chase", "ns per access (median, log scale)" },
	{ "stream", "streaming read", "ns per access (median, log scale)" },
	{ "first_touch", "first touch of fresh memory",
	  "ns per 4 KiB page first touched (median, log scale)" },
};

struct pw_ctx {
	struct pcols virt, nat;		/* what tells lines apart */
	int ws, page;			/* columns, -1 if absent */
	struct ptags colours, pages;
};

static int pw_pick(const struct plot_ctx *x, const char *name, int *idx)
{
	int i, n = 0;

	for (i = 0; i < x->ng; i++)
		if (group_is(x, i, "pagewalk", NULL) && !strcmp(x->g[i].name, name))
			idx[n++] = i;
	return n;
}

static int pw_columns(const struct plot_ctx *x, const int *idx, int n, struct pw_ctx *p)
{
	struct pcols vary;
	int i, backing = rdir_col(x->d, "backing");

	p->ws = rdir_col(x->d, "params.ws_mb");
	p->page = rdir_col(x->d, "params.page");
	p->virt.n = 0;
	if (p->page >= 0)
		pcols_add(&p->virt, p->page);
	if (backing >= 0)
		pcols_add(&p->virt, backing);
	pcols_varying(x, idx, n, false, &vary);
	for (i = 0; i < vary.n; i++)
		pcols_add(&p->virt, vary.c[i]);
	pcols_drop(&p->virt, p->ws);
	if (pcols_drop_derived(x, idx, n, &p->virt, p->ws))
		return -ENOMEM;
	p->nat = p->virt;
	pcols_drop(&p->nat, p->page);
	return 0;
}

static const char *pw_ws(const struct plot_ctx *x, const struct pw_ctx *p, int row)
{
	const char *ws = rdir_cell(x->d, row, p->ws);

	return ws[0] ? ws : PW_WS_DEFAULT;
}

/*
 * pw_series - the line of group @g: virtual (@native false) or native.
 * A colour per backing, a point type per guest page size, natives dashed;
 * in the key by page size, then backing, natives last, on every chart.
 */
static struct pseries *pw_series(const struct plot_ctx *x, struct pw_ctx *p, struct pchart *c,
				 const struct rgroup *g, bool native)
{
	char vk[200], nk[200], key[256], title[220];
	struct pseries *s;
	int colour, page;

	pcols_key(x, g->row, &p->virt, vk, sizeof(vk));
	pcols_key(x, g->row, &p->nat, nk, sizeof(nk));
	colour = ptag(&p->colours, nk);
	page = ptag(&p->pages, rdir_cell(x->d, g->row, p->page));
	if (native) {
		snprintf(key, sizeof(key), "native|%s", nk);
		snprintf(title, sizeof(title), "native%s%s", nk[0] ? " " : "", nk);
		s = pchart_series(c, key, title, colour + 1, 6, 2);
		page = PLOT_MAX_SERIES;
	} else {
		s = pchart_series(c, vk, vk[0] ? vk : "virtual", colour + 1, pts[page % NR_PTS], 1);
	}
	if (s)
		s->order = page * PLOT_MAX_SERIES + colour;
	return s;
}

/* pw_tags - number backings and page sizes as the figures first have them. */
static void pw_tags(const struct plot_ctx *x, struct pw_ctx *p, const int *idx, int n)
{
	char nk[200];
	int i;

	for (i = 0; i < n; i++) {
		pcols_key(x, x->g[idx[i]].row, &p->nat, nk, sizeof(nk));
		ptag(&p->colours, nk);
		ptag(&p->pages, rdir_cell(x->d, x->g[idx[i]].row, p->page));
	}
}

static int pw_fill(struct plot_ctx *x, struct pw_ctx *p, struct pchart *c, const char *name,
		   bool native)
{
	int i, n = pw_pick(x, name, x->idx), r = 0;

	for (i = 0; i < n && !r; i++) {
		const struct rgroup *g = &x->g[x->idx[i]];

		r = add_group(pw_series(x, p, c, g, native), g, pw_ws(x, p, g->row));
	}
	return r;
}

static int pw_emit(struct plot_ctx *x, const struct pw_metric *m, struct pchart *c,
		   bool ratio, const int *idx, int n)
{
	struct pjob j = { .c = c, .data = PD_LINES };
	char name[96];

	snprintf(name, sizeof(name), "pagewalk-%s%s", m->name, ratio ? "-ratio" : "");
	j.name = name;
	j.script = ratio ? "plot-ratio.gp" : "plot-pagewalk.gp";
	snprintf(j.title, sizeof(j.title), "Page walks: %s (pagewalk:%s), %s against working set",
		 m->what, m->name, ratio ? "virtual / native" :
		 strcmp(m->name, "first_touch") ? "ns per access" : "ns per 4 KiB page");
	plot_subtitle(x, idx, n, j.subtitle, sizeof(j.subtitle));
	if (!ratio) {
		pvar_str(j.vars, sizeof(j.vars), "ylabel", m->ylabel);
		decades(c, j.vars, sizeof(j.vars));
	}
	style_vars(c, j.vars, sizeof(j.vars));
	return plot_emit(x, &j);
}

static int pw_chart(struct plot_ctx *x, const struct pw_metric *m, bool ratio)
{
	struct pw_ctx p = { 0 };
	struct pchart c = { 0 };
	char name[64];
	int *idx, n, r;

	idx = malloc((x->ng + 1) * sizeof(int));
	if (!idx)
		return -ENOMEM;
	n = pw_pick(x, m->name, idx);
	r = pw_columns(x, idx, n, &p);
	if (!r)
		pw_tags(x, &p, idx, n);
	snprintf(name, sizeof(name), "%s.%s", m->name, ratio ? "ratio" : "native");
	if (!r)
		r = pw_fill(x, &p, &c, ratio ? name : m->name, false);
	if (!r && !ratio)
		r = pw_fill(x, &p, &c, name, true);
	pchart_sort(&c);
	if (!r && c.n)
		r = pw_emit(x, m, &c, ratio, idx, n);
	pchart_free(&c);
	free(idx);
	return r;
}

int plot_pagewalk(struct plot_ctx *x)
{
	size_t i;
	int r = 0, e;

	for (i = 0; i < sizeof(pw_metrics) / sizeof(pw_metrics[0]); i++) {
		if (!pw_pick(x, pw_metrics[i].name, x->idx))
			continue;
		e = pw_chart(x, &pw_metrics[i], false);
		r = r ? r : e;
		e = pw_chart(x, &pw_metrics[i], true);
		r = r ? r : e;
	}
	return r;
}

/*
 * Exits: ioexit's ns/op figures as clustered bars, the operation on x
 * (outb of outb.cpl3) and a bar per level (cpl3).  A run with several
 * configurations of ioexit (hugepages: thp x backing) gets a chart per
 * configuration: 17 operations x 2 levels x 8 configurations would be
 * unreadable on one.
 */
static int ex_pick(const struct plot_ctx *x, int *idx)
{
	int i, n = 0;

	for (i = 0; i < x->ng; i++)
		if (group_is(x, i, "ioexit", NULL) && !strcmp(x->g[i].unit, "ns/op"))
			idx[n++] = i;
	return n;
}

/* ex_split - "outb.cpl3" into "outb" and "cpl3" ("" when there is no .cplN). */
static void ex_split(const char *name, char *op, size_t len, const char **level)
{
	const char *dot = strrchr(name, '.');

	if (dot && !strncmp(dot, ".cpl", 4)) {
		snprintf(op, len, "%.*s", (int)(dot - name), name);
		*level = dot + 1;
	} else {
		snprintf(op, len, "%s", name);
		*level = "";
	}
}

static int series_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pseries *)a)->title, ((const struct pseries *)b)->title);
}

static int ex_fill(struct plot_ctx *x, const int *idx, int n, const struct pcols *cs,
		   const char *config, struct pchart *c)
{
	char key[320], op[96];
	const char *level;
	int i, r = 0;

	for (i = 0; i < n && !r; i++) {
		const struct rgroup *g = &x->g[idx[i]];

		pcols_key(x, g->row, cs, key, sizeof(key));
		if (strcmp(key, config))
			continue;
		ex_split(g->name, op, sizeof(op), &level);
		r = add_group(pchart_series(c, level, level[0] ? level : "as run", 0, 0, 0), g, op);
	}
	/* cpl0 left of cpl3 in every cluster */
	qsort(c->s, c->n, sizeof(c->s[0]), series_cmp);
	return r;
}

static int ex_chart(struct plot_ctx *x, const int *idx, int n, const struct pcols *cs,
		    const char *config, bool alone)
{
	struct pchart c = { 0 };
	struct pjob j = { .c = &c, .data = PD_TABLE, .script = "plot-exits.gp" };
	char name[96];
	int r;

	r = ex_fill(x, idx, n, cs, config, &c);
	if (!r && c.n) {
		file_name(name, sizeof(name), "exits-", alone ? "" : config);
		j.name = name;
		snprintf(j.title, sizeof(j.title),
			 "Exit costs (ioexit): ns per operation by operation and privilege level%s%s",
			 config[0] ? " - " : "", config);
		plot_subtitle(x, idx, n, j.subtitle, sizeof(j.subtitle));
		pvar_int(j.vars, sizeof(j.vars), "n", c.n);
		decades(&c, j.vars, sizeof(j.vars));
		r = plot_emit(x, &j);
	}
	pchart_free(&c);
	return r;
}

int plot_exits(struct plot_ctx *x)
{
	struct ptags configs = { 0 };
	struct pcols cs;
	char key[320];
	int *idx = x->idx, n = ex_pick(x, idx), i, r = 0, e;

	if (!n)
		return 0;
	pcols_varying(x, idx, n, false, &cs);
	if (pcols_drop_derived(x, idx, n, &cs, -1))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		pcols_key(x, x->g[idx[i]].row, &cs, key, sizeof(key));
		ptag(&configs, key);
	}
	for (i = 0; i < configs.n; i++) {
		e = ex_chart(x, idx, n, &cs, configs.s[i], configs.n == 1);
		r = r ? r : e;
	}
	return r;
}

/*
 * Overcommit: smp:overcommit figures against the overcommit ratio, a line
 * per pattern and figure; the samples of every VM of a many-vms case pooled
 * as the run pooled them.  Costs (barrier episode, IPI round trip) on one
 * chart, per-vCPU progress on another.
 */
struct oc_chart {
	const char *name, *title, *ylabel;
	bool (*wants)(const char *metric);
};

static bool oc_cost(const char *m)
{
	return !strncmp(m, "barrier", 7) || strstr(m, "_rtt") != NULL;
}

static bool oc_progress(const char *m)
{
	return !strncmp(m, "progress.", 9);
}

static const struct oc_chart oc_charts[] = {
	{ "overcommit-cost",
	  "CPU overcommit (smp:overcommit): barrier episode and IPI round trip against vCPUs per host CPU",
	  "ns per barrier episode / IPI round trip (median, log scale)", oc_cost },
	{ "overcommit-progress",
	  "CPU overcommit (smp:overcommit): progress per vCPU against vCPUs per host CPU",
	  "work units/s per vCPU (median over vCPUs and samples, log scale)", oc_progress },
};

static int oc_pick(const struct plot_ctx *x, int oc, int *idx)
{
	int i, n = 0;

	for (i = 0; i < x->ng; i++)
		if (group_is(x, i, "smp", "overcommit") && rdir_cell(x->d, x->g[i].row, oc)[0])
			idx[n++] = i;
	return n;
}

/* oc_line - the pattern bare ("many-vms"), then what else tells lines apart. */
static void oc_line(const struct plot_ctx *x, int row, const struct pcols *cs, char *buf,
		    size_t len)
{
	int pat = rdir_col(x->d, "overcommit_pattern");
	struct pcols rest = *cs;
	char k[160];

	pcols_drop(&rest, pat);
	pcols_key(x, row, &rest, k, sizeof(k));
	snprintf(buf, len, "%s%s%s", rdir_cell(x->d, row, pat),
		 rdir_cell(x->d, row, pat)[0] && k[0] ? " " : "", k);
}

static int oc_fill(struct plot_ctx *x, const struct oc_chart *oc, const int *idx, int n,
		   const struct pcols *cs, int xcol, struct pchart *c)
{
	struct ptags colours = { 0 }, figures = { 0 };
	char k[200], key[320], title[320];
	int i, r = 0, f;

	for (i = 0; i < n && !r; i++) {
		const struct rgroup *g = &x->g[idx[i]];

		if (!oc->wants(g->name))
			continue;
		oc_line(x, g->row, cs, k, sizeof(k));
		snprintf(key, sizeof(key), "%s|%s", k, g->name);
		snprintf(title, sizeof(title), "%s%s%s", k, k[0] ? ": " : "", g->name);
		f = ptag(&figures, g->name);
		r = add_group(pchart_series(c, key, title, ptag(&colours, k) + 1, pts[f % NR_PTS],
					    f + 1), g, rdir_cell(x->d, g->row, xcol));
	}
	return r;
}

static int oc_one(struct plot_ctx *x, const struct oc_chart *oc, const int *idx, int n,
		  const struct pcols *cs, int xcol)
{
	struct pchart c = { 0 };
	struct pjob j = { .c = &c, .data = PD_LINES, .script = "plot-overcommit.gp",
			  .name = oc->name };
	int r = oc_fill(x, oc, idx, n, cs, xcol, &c);

	if (!r && c.n) {
		snprintf(j.title, sizeof(j.title), "%s", oc->title);
		plot_subtitle(x, idx, n, j.subtitle, sizeof(j.subtitle));
		pvar_str(j.vars, sizeof(j.vars), "ylabel", oc->ylabel);
		decades(&c, j.vars, sizeof(j.vars));
		style_vars(&c, j.vars, sizeof(j.vars));
		r = plot_emit(x, &j);
	}
	pchart_free(&c);
	return r;
}

int plot_overcommit(struct plot_ctx *x)
{
	int oc = rdir_col(x->d, "overcommit"), pat = rdir_col(x->d, "overcommit_pattern");
	int *idx = x->idx, n, i, r = 0, e;
	struct pcols cs = { 0 }, vary;

	if (oc < 0 || !(n = oc_pick(x, oc, idx)))
		return 0;
	if (pat >= 0)
		pcols_add(&cs, pat);
	pcols_varying(x, idx, n, false, &vary);
	for (i = 0; i < vary.n; i++)
		pcols_add(&cs, vary.c[i]);
	pcols_drop(&cs, oc);
	if (pcols_drop_derived(x, idx, n, &cs, oc))
		return -ENOMEM;
	for (i = 0; i < (int)(sizeof(oc_charts) / sizeof(oc_charts[0])); i++) {
		e = oc_one(x, &oc_charts[i], idx, n, &cs, oc);
		r = r ? r : e;
	}
	return r;
}

/*
 * Generic: metric NAME against config column KNOB (a knob, vms, vcpus,
 * memory_mb or params.X; "ws_mb" finds params.ws_mb), a line per
 * combination of the other columns (and tests) that vary.
 */
static int gen_knob(const struct plot_ctx *x)
{
	char p[128];
	int c = rdir_col(x->d, x->o->knob);

	if (c < 0) {
		snprintf(p, sizeof(p), "params.%s", x->o->knob);
		c = rdir_col(x->d, p);
	}
	return c >= RC_NR_FIXED ? c : -1;
}

static int gen_pick(const struct plot_ctx *x, int knob, int *idx)
{
	int i, n = 0;

	for (i = 0; i < x->ng; i++)
		if (!strcmp(x->g[i].name, x->o->metric) && rdir_cell(x->d, x->g[i].row, knob)[0])
			idx[n++] = i;
	return n;
}

/* gen_list - up to @max distinct metric names (or config columns), for messages. */
static void gen_list(const struct plot_ctx *x, bool columns, char *buf, size_t len)
{
	struct ptags t = { 0 };
	size_t l = 0;
	int i;

	buf[0] = 0;
	if (columns) {
		for (i = RC_NR_FIXED; i < x->d->nr_cols && l < len; i++)
			l += snprintf(buf + l, len - l, "%s%s", l ? ", " : "", x->d->cols[i]);
		return;
	}
	for (i = 0; i < x->ng && t.n < 12 && l < len; i++) {
		int before = t.n;

		if (ptag(&t, x->g[i].name) == before && t.n > before)
			l += snprintf(buf + l, len - l, "%s%s", l ? ", " : "", x->g[i].name);
	}
	if (i < x->ng && l < len)
		snprintf(buf + l, len - l, ", ...");
}

int plot_generic_check(const struct plot_ctx *x, char *err, size_t len)
{
	char list[512];
	int i, knob = gen_knob(x), n = 0;

	for (i = 0; i < x->ng; i++)
		n += !strcmp(x->g[i].name, x->o->metric);
	if (!n) {
		gen_list(x, false, list, sizeof(list));
		snprintf(err, len, "%s: no metric '%s' (metrics here: %s)", x->d->path,
			 x->o->metric, list[0] ? list : "none");
		return -EINVAL;
	}
	if (knob < 0) {
		gen_list(x, true, list, sizeof(list));
		snprintf(err, len, "%s: no column '%s' (knob and parameter columns here: %s)",
			 x->d->path, x->o->knob, list);
		return -EINVAL;
	}
	for (i = 0, n = 0; i < x->ng; i++)
		n += !strcmp(x->g[i].name, x->o->metric) && rdir_cell(x->d, x->g[i].row, knob)[0];
	if (!n) {
		snprintf(err, len, "%s: metric '%s' was never measured with a value of '%s'",
			 x->d->path, x->o->metric, x->d->cols[knob]);
		return -EINVAL;
	}
	return 0;
}

static int gen_fill(struct plot_ctx *x, int knob, const int *idx, int n, struct pchart *c)
{
	struct pcols cs;
	char key[256];
	int i, r = 0, s;

	pcols_varying(x, idx, n, true, &cs);
	pcols_drop(&cs, knob);
	if (pcols_drop_derived(x, idx, n, &cs, knob))
		return -ENOMEM;
	for (i = 0; i < n && !r; i++) {
		const struct rgroup *g = &x->g[idx[i]];

		pcols_key(x, g->row, &cs, key, sizeof(key));
		s = c->n;
		r = add_group(pchart_series(c, key, key[0] ? key : g->name, s + 1, pts[s % NR_PTS], 1),
			      g, rdir_cell(x->d, g->row, knob));
	}
	return r;
}

/* gen_axes - categories or numbers on x, and log scales where the data span decades. */
static void gen_axes(const struct plot_ctx *x, struct pjob *j, int knob, const char *unit)
{
	bool num = pchart_numeric(j->c), xlog, ylog;
	double x0, x1, y0, y1;
	char label[160];

	pchart_range(j->c, &x0, &x1, &y0, &y1);
	xlog = num && x0 > 0 && x1 / x0 >= 8;
	ylog = y0 > 0 && y1 / y0 >= 20;
	j->data = num ? PD_LINES : PD_CATEGORIES;
	pvar_int(j->vars, sizeof(j->vars), "xcat", !num);
	pvar_int(j->vars, sizeof(j->vars), "xlog", xlog);
	pvar_int(j->vars, sizeof(j->vars), "ylog", ylog);
	if (ylog)
		decades(j->c, j->vars, sizeof(j->vars));
	snprintf(label, sizeof(label), "%s%s", x->d->cols[knob], xlog ? " (log scale)" : "");
	pvar_str(j->vars, sizeof(j->vars), "xlabel", label);
	snprintf(label, sizeof(label), "%s %s (median%s)", x->o->metric, unit,
		 ylog ? ", log scale" : "");
	pvar_str(j->vars, sizeof(j->vars), "ylabel", label);
}

int plot_generic(struct plot_ctx *x)
{
	struct pchart c = { 0 };
	struct pjob j = { .c = &c, .script = "plot-generic.gp" };
	int knob = gen_knob(x), n = gen_pick(x, knob, x->idx), r;
	char name[96], what[192];

	r = gen_fill(x, knob, x->idx, n, &c);
	if (!r && c.n) {
		snprintf(what, sizeof(what), "%s-by-%s", x->o->metric, x->d->cols[knob]);
		file_name(name, sizeof(name), "metric-", what);
		j.name = name;
		snprintf(j.title, sizeof(j.title), "%s against %s", x->o->metric, x->d->cols[knob]);
		plot_subtitle(x, x->idx, n, j.subtitle, sizeof(j.subtitle));
		gen_axes(x, &j, knob, x->g[x->idx[0]].unit);
		style_vars(&c, j.vars, sizeof(j.vars));
		r = plot_emit(x, &j);
	}
	pchart_free(&c);
	return r;
}
