// SPDX-License-Identifier: GPL-2.0
/*
 * compare.c - match the cases of two results directories and judge each
 * metric's change (rank test plus minimum effect) and each check's state.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"

const char *const cmp_verdict_name[CV_NR] = {
	"regressed", "improved", "changed", "host-drift", "tail", "same", "untested",
};

int compare_better(const char *unit)
{
	static const char *const lower[] = {
		"ns/op", "ns", "us", "ms", "s", "cycles", "ratio", "ns/page", "us/page",
		"ns/access", "faults", NULL,
	};
	size_t l = strlen(unit);
	int i;

	/* a rate: units/s, ops/s, MB/s, pages/s */
	if (l > 2 && !strcmp(unit + l - 2, "/s"))
		return 1;
	for (i = 0; lower[i]; i++)
		if (!strcmp(unit, lower[i]))
			return -1;
	return 0;
}

/* col_uniform - the one value column @name takes over all rows of @d, or NULL. */
static const char *col_uniform(const struct rdir *d, const char *name)
{
	int c = rdir_col(d, name), r;
	const char *v = rdir_cell(d, 0, c);

	for (r = 1; r < d->nr_rows; r++)
		if (strcmp(rdir_cell(d, r, c), v))
			return NULL;
	return v;
}

static bool listed(const struct cmp_opts *o, const char *name)
{
	int i;

	for (i = 0; i < o->nr_ignore; i++)
		if (!strcmp(o->ignore[i], name))
			return true;
	return false;
}

static void auto_ignore_col(struct cmp_result *r, const char *name)
{
	const char *va = col_uniform(&r->A, name), *vb = col_uniform(&r->B, name);
	struct cmp_opts *o = &r->opts;

	if (!va || !vb || !strcmp(va, vb) || listed(o, name) || o->nr_ignore == CMP_MAX_IGNORE)
		return;
	/* found ones go first, so the report can tell them from --ignore's */
	memmove(&o->ignore[r->nr_auto + 1], &o->ignore[r->nr_auto],
		(o->nr_ignore - r->nr_auto) * sizeof(o->ignore[0]));
	o->ignore[r->nr_auto++] = name;
	o->ignore[++o->nr_ignore] = NULL;
}

/*
 * auto_ignore - a config column that holds one value all through A and
 * another all through B is what the user changed between the runs (run
 * with -k backing=4k, then -k backing=thp): matching must not use it.
 */
static void auto_ignore(struct cmp_result *r)
{
	int i;

	for (i = RC_NR_FIXED; i < r->A.nr_cols; i++)
		auto_ignore_col(r, r->A.cols[i]);
	for (i = RC_NR_FIXED; i < r->B.nr_cols; i++)
		if (rdir_col(&r->A, r->B.cols[i]) < 0)
			auto_ignore_col(r, r->B.cols[i]);
}

static int key_cmp(const void *x, const void *y)
{
	const struct rgroup *const *a = x, *const *b = y;

	return strcmp((*a)->key, (*b)->key);
}

/* group_index - B's groups sorted by key, for matching A's by bsearch. */
static const struct rgroup **group_index(const struct rgroup *g, int n)
{
	const struct rgroup **idx = malloc((n + 1) * sizeof(*idx));
	int i;

	if (!idx)
		return NULL;
	for (i = 0; i < n; i++)
		idx[i] = &g[i];
	qsort(idx, n, sizeof(*idx), key_cmp);
	return idx;
}

static const struct rgroup *group_find(const struct rgroup **idx, int n, const struct rgroup *g)
{
	const struct rgroup **hit = bsearch(&g, idx, n, sizeof(*idx), key_cmp);

	return hit ? *hit : NULL;
}

/*
 * halves_apart - the middle halves of the two sample sets do not overlap.
 * Samples within one run are not independent of the run: they share the
 * host's state at the time (another tenant on a sibling thread, the
 * CPU's clock), so the rank test alone is too sure of itself when that
 * state shifts between runs.  A change whose interquartile ranges still
 * overlap is within the noise, whatever p says.
 */
static bool halves_apart(const struct cmp_metric *m)
{
	return m->ta.q3 < m->tb.q1 || m->tb.q3 < m->ta.q1;
}

/* speed_index - the rows of @d that hold a case's host CPU speed probe. */
static int speed_index(const struct rdir *d, int **rows)
{
	int r, n = 0;

	*rows = malloc((d->nr_rows + 1) * sizeof(int));
	if (!*rows)
		return 0;
	for (r = 0; r < d->nr_rows; r++)
		if (!strcmp(rdir_cell(d, r, RC_KIND), "case") &&
		    !strncmp(rdir_cell(d, r, RC_NAME), "host_cpu_ns.", 12))
			(*rows)[n++] = r;
	return n;
}

/* same_case - rows @x and @y belong to one case (any of its repeats). */
static bool same_case(const struct rdir *d, int x, int y)
{
	return !strcmp(rdir_cell(d, x, RC_SCENARIO), rdir_cell(d, y, RC_SCENARIO)) &&
	       !strcmp(rdir_cell(d, x, RC_CASE), rdir_cell(d, y, RC_CASE));
}

/*
 * probe_median - the median over the case's repeats of probe @name (the
 * case of @row), NaN if the case has none.  The median, because the test
 * compares the repeats' medians: the probe must speak of the same runs.
 */
static double probe_median(const struct rdir *d, const int *idx, int n, int row, const char *name)
{
	struct sample_stats s = { 0 };
	double *v = malloc((n + 1) * sizeof(double));
	int i, k = 0;

	if (!v)
		return NAN;
	for (i = 0; i < n; i++)
		if (same_case(d, idx[i], row) && !strcmp(rdir_cell(d, idx[i], RC_NAME), name))
			v[k++] = strtod(rdir_cell(d, idx[i], RC_VALUE), NULL);
	if (!k || sstat_summarise(v, k, &s))
		s.median = NAN;
	free(v);
	return s.median;
}

/*
 * host_drift - the largest move, in percent, of a host CPU both runs of
 * the case probed (the probes' medians over the repeats).
 */
static double host_drift(const struct cmp_result *r, const struct cmp_metric *m)
{
	double drift = 0;
	int i;

	for (i = 0; i < r->nr_speed_a; i++) {
		const char *name = rdir_cell(&r->A, r->speed_a[i], RC_NAME);
		double a, b, d;

		/* each probe once: its first row in the case */
		if (!same_case(&r->A, r->speed_a[i], m->a->row) ||
		    strcmp(rdir_cell(&r->A, r->speed_a[i], RC_REPEAT), rdir_cell(&r->A, m->a->row, RC_REPEAT)))
			continue;
		a = probe_median(&r->A, r->speed_a, r->nr_speed_a, m->a->row, name);
		b = probe_median(&r->B, r->speed_b, r->nr_speed_b, m->b->row, name);
		d = (b / a - 1) * 100;
		if (a > 0 && !isnan(d) && fabs(d) > fabs(drift))
			drift = d;
	}
	return drift;
}

static double pct(double a, double b)
{
	return a ? (b - a) / fabs(a) * 100 : (b ? INFINITY : 0);
}

/*
 * summarise - sstat_summarise, but only memory failing is an error: a
 * NaN sample leaves zeroed summaries (and the rank test then refuses:
 * the metric is untested).
 */
static int summarise(const double *v, size_t n, struct sample_stats *out)
{
	int ret = sstat_summarise(v, n, out);

	if (ret == -ENOMEM)
		return ret;
	if (ret)
		memset(out, 0, sizeof(*out));
	return 0;
}

/*
 * repeat_medians - the median of each repeat's samples of @g, into @out
 * (g->nr_rep values): a repeat's samples are consecutive in the file.
 */
static int repeat_medians(const struct rgroup *g, double *out)
{
	struct sample_stats s;
	int i, start = 0, n = 0;

	for (i = 1; i <= g->n; i++) {
		if (i < g->n && g->rep[i] == g->rep[start])
			continue;
		if (summarise(g->v + start, i - start, &s))
			return -ENOMEM;
		out[n++] = s.n ? s.median : NAN;	/* NaN: the rank test refuses */
		start = i;
	}
	return n;
}

/*
 * case_repeats - how many repeats the case of @row ran (its rows of any
 * kind: a repeat the OOM killer ended still has its outcome row).
 */
static int case_repeats(const struct rdir *d, int row)
{
	int i, n = 0, last = -1;

	for (i = 0; i < d->nr_rows; i++) {
		int rep;

		if (!same_case(d, i, row))
			continue;
		rep = atoi(rdir_cell(d, i, RC_REPEAT));
		if (rep != last)
			n++;	/* rows come a repeat at a time */
		last = rep;
	}
	return n;
}

/*
 * metric_rank_test - the rank test on what it compares: the repeats'
 * medians when both runs have CMP_MIN_REPEATS or more repeats, else the
 * samples.  Their summaries go to ta, tb, the test to m->test.
 */
static int metric_rank_test(const struct cmp_result *r, struct cmp_metric *m)
{
	double *ra, *rb;
	int na, nb, ret = -ENOMEM;

	m->per_repeat = m->a->nr_rep >= CMP_MIN_REPEATS && m->b->nr_rep >= CMP_MIN_REPEATS;
	if (!m->per_repeat) {
		m->ta = m->sa;
		m->tb = m->sb;
		m->lost = case_repeats(&r->A, m->a->row) >= CMP_MIN_REPEATS &&
			  case_repeats(&r->B, m->b->row) >= CMP_MIN_REPEATS;
		if (!m->lost && m->a->n >= 2 && m->b->n >= 2)
			sstat_mann_whitney(m->a->v, m->a->n, m->b->v, m->b->n, &m->test);
		return 0;
	}
	ra = malloc(m->a->nr_rep * sizeof(double));
	rb = malloc(m->b->nr_rep * sizeof(double));
	if (!ra || !rb)
		goto out;
	na = repeat_medians(m->a, ra);
	nb = repeat_medians(m->b, rb);
	if (na < 0 || nb < 0 || summarise(ra, na, &m->ta) || summarise(rb, nb, &m->tb))
		goto out;
	sstat_mann_whitney(ra, na, rb, nb, &m->test);
	ret = 0;
out:
	free(ra);
	free(rb);
	return ret;
}

/* metric_test - the summaries and the rank test (p before any adjustment). */
static int metric_test(const struct cmp_result *r, struct cmp_metric *m)
{
	m->loop = NAN;
	memset(&m->test, 0, sizeof(m->test));
	m->test.p = NAN;
	if (summarise(m->a->v, m->a->n, &m->sa) || summarise(m->b->v, m->b->n, &m->sb) ||
	    metric_rank_test(r, m))
		return -ENOMEM;
	m->better = compare_better(m->a->unit);
	m->change = pct(m->ta.median, m->tb.median);
	/* the best samples: the fastest times, the highest rates */
	m->best = m->better > 0 ? pct(m->sa.p90, m->sb.p90) : pct(m->sa.p10, m->sb.p10);
	return 0;
}

/*
 * loop_suffix - ".cpl0" of "invlpg.cpl0": the CPL a metric ran at, which
 * its case's "empty_loop" at the same CPL calibrates.  NULL for others.
 */
static const char *loop_suffix(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot && !strncmp(dot, ".cpl", 4) && dot[4] >= '0' && dot[4] <= '3' && !dot[5] ?
	       dot : NULL;
}

/*
 * guest_loop - the change of the empty loop the guest timed at @m's CPL in
 * the same case, vCPU and VM (its group key differs only in the name),
 * NaN when the case has none.  The loop does nothing but run guest code,
 * so its change is the host's speed at running guest code at that CPL.
 */
static double guest_loop(const struct cmp_result *r, const struct cmp_metric *m)
{
	const char *sfx = loop_suffix(m->a->name);
	size_t kl = strlen(m->a->key), nl = strlen(m->a->name);
	char want[80];
	int i;

	if (!sfx || kl < nl)
		return NAN;
	snprintf(want, sizeof(want), "empty_loop%s", sfx);
	for (i = 0; i < r->nr_m; i++) {
		const struct rgroup *g = r->m[i].a;

		if (strcmp(g->name, want) || strlen(g->key) - strlen(g->name) != kl - nl ||
		    strncmp(g->key, m->a->key, kl - nl))
			continue;
		if (r->m[i].sa.n && r->m[i].sb.n)
			return r->m[i].change;
	}
	return NAN;
}

/*
 * drifted - a probe that moved by @d percent (+: the host slower)
 * explains @m's change: it moved by the threshold or more, the way @worse
 * says, and enough.  A host 40% slower makes a figure at most 40% worse:
 * with the probe's factor divided out, what is left of the figure's
 * change, its way, must be under the threshold.  A figure 12 times
 * faster on a host 40% faster is the code's doing; one 30% slower on a
 * host twice as slow is not.
 */
static bool drifted(const struct cmp_metric *m, double d, int worse, const struct cmp_opts *o)
{
	double f = 1 + m->change / 100, left;

	if (isnan(d) || fabs(d) < o->threshold || (d > 0) != (worse > 0) || f <= 0)
		return false;
	if (m->better > 0)
		f = 1 / f;	/* a rate: as a time, f > 1 is worse */
	left = f / (1 + d / 100);
	return worse > 0 ? left < 1 + o->threshold / 100 : left > 1 - o->threshold / 100;
}

static void metric_judge(const struct cmp_result *r, struct cmp_metric *m,
			 const struct cmp_opts *o)
{
	bool significant;
	int worse;

	if (isnan(m->test.p)) {
		m->verdict = CV_UNTESTED;
		return;
	}
	significant = m->q < o->alpha && fabs(m->change) >= o->threshold && halves_apart(m);
	worse = m->change > 0 ? -m->better : m->better;
	m->drift = host_drift(r, m);
	m->loop = guest_loop(r, m);
	if (!significant)
		m->verdict = CV_SAME;
	else if (!m->better)
		m->verdict = CV_CHANGED;
	else if (o->strict)
		m->verdict = worse > 0 ? CV_REGRESSED : CV_IMPROVED;
	else if (drifted(m, m->drift, worse, o) || drifted(m, m->loop, worse, o))
		m->verdict = CV_HOST;	/* a slower host makes a worse figure: no verdict */
	else if (!(fabs(m->best) >= o->threshold && (m->best > 0) == (m->change > 0)))
		m->verdict = CV_TAIL;
	else
		m->verdict = worse > 0 ? CV_REGRESSED : CV_IMPROVED;
}

/* metrics_judge - adjust the p-values for their number, then judge each. */
static int metrics_judge(struct cmp_result *r)
{
	double *p = malloc((r->nr_m + 1) * sizeof(double)), *q = malloc((r->nr_m + 1) * sizeof(double));
	int i;

	if (!p || !q || !r->nr_m) {
		free(p);
		free(q);
		return p && q ? 0 : -ENOMEM;
	}
	for (i = 0; i < r->nr_m; i++)
		p[i] = r->m[i].test.p;
	sstat_bh_adjust(p, r->nr_m, q);
	for (i = 0; i < r->nr_m; i++) {
		r->m[i].q = q[i];
		metric_judge(r, &r->m[i], &r->opts);
		r->count[r->m[i].verdict]++;
	}
	free(p);
	free(q);
	return 0;
}

static int metric_order(const void *x, const void *y)
{
	const struct cmp_metric *a = x, *b = y;

	if (a->verdict != b->verdict)
		return (int)a->verdict - (int)b->verdict;
	/* within a verdict: the largest change first */
	return (fabs(b->change) > fabs(a->change)) - (fabs(b->change) < fabs(a->change));
}

static int compare_metrics(struct cmp_result *r)
{
	const struct rgroup **idx = group_index(r->mb, r->nr_mb);
	int i;

	r->m = calloc(r->nr_ma + 1, sizeof(*r->m));
	if (!idx || !r->m) {
		free(idx);
		return -ENOMEM;
	}
	for (i = 0; i < r->nr_ma; i++) {
		const struct rgroup *b = group_find(idx, r->nr_mb, &r->ma[i]);
		struct cmp_metric *m = &r->m[r->nr_m];

		if (!b) {
			r->only_a++;
			continue;
		}
		m->a = &r->ma[i];
		m->b = b;
		if (metric_test(r, m)) {
			free(idx);
			return -ENOMEM;
		}
		r->nr_per_sample += !m->per_repeat && !m->lost;
		r->nr_lost += m->lost;
		r->nr_m++;
	}
	r->only_b = r->nr_mb - r->nr_m;
	free(idx);
	if (metrics_judge(r))
		return -ENOMEM;
	qsort(r->m, r->nr_m, sizeof(*r->m), metric_order);
	return 0;
}

/* check_failing - a check that passed (or was absent) in A and fails in B. */
static bool check_failing(const struct rgroup *a, const struct rgroup *b)
{
	return b && b->state == RCHK_FAIL && (!a || a->state != RCHK_FAIL);
}

static int check_order(const void *x, const void *y)
{
	const struct cmp_check *a = x, *b = y;

	return (int)b->failing - (int)a->failing;
}

static int check_add(struct cmp_result *r, const struct rgroup *a, const struct rgroup *b)
{
	struct cmp_check *c;

	if (a && b && a->state == b->state)
		return 0;
	if (!(r->nr_chk & (r->nr_chk + 1)) || !r->chk) {	/* 0, 1, 3, 7...: grow */
		c = realloc(r->chk, (2 * r->nr_chk + 2) * sizeof(*c));
		if (!c)
			return -ENOMEM;
		r->chk = c;
	}
	c = &r->chk[r->nr_chk++];
	c->a = a;
	c->b = b;
	c->failing = check_failing(a, b);
	r->newly_failing += c->failing;
	return 0;
}

/*
 * compare_checks - checks whose state differs.  A check only in B counts
 * as newly failing if it fails; one only in A is listed (a case that
 * stopped reporting it) but judged by the case's own outcome check.
 */
static int compare_checks(struct cmp_result *r)
{
	const struct rgroup **ia = group_index(r->ca, r->nr_ca);
	const struct rgroup **ib = group_index(r->cb, r->nr_cb);
	int i, ret = -ENOMEM;

	if (!ia || !ib)
		goto out;
	for (i = 0; i < r->nr_ca; i++) {
		const struct rgroup *b = group_find(ib, r->nr_cb, &r->ca[i]);

		r->nr_chk_matched += !!b;
		if (check_add(r, &r->ca[i], b))
			goto out;
	}
	for (i = 0; i < r->nr_cb; i++)
		if (!group_find(ia, r->nr_ca, &r->cb[i]) && check_add(r, NULL, &r->cb[i]))
			goto out;
	if (r->chk)
		qsort(r->chk, r->nr_chk, sizeof(*r->chk), check_order);
	ret = 0;
out:
	free(ia);
	free(ib);
	return ret;
}

/*
 * compare_observations - observations matched in both runs whose values
 * seen differ (a TLB kept a translation in A, dropped it in B): listed,
 * never judged, since the architecture allows either.
 */
static int compare_observations(struct cmp_result *r)
{
	const struct rgroup **ib = group_index(r->ob, r->nr_ob);
	int i;

	if (!ib)
		return -ENOMEM;
	r->obs = calloc(r->nr_oa ? r->nr_oa : 1, sizeof(*r->obs));
	if (!r->obs) {
		free(ib);
		return -ENOMEM;
	}
	for (i = 0; i < r->nr_oa; i++) {
		const struct rgroup *b = group_find(ib, r->nr_ob, &r->oa[i]);

		if (!b)
			continue;
		r->nr_obs_matched++;
		if (strcmp(r->oa[i].seen, b->seen)) {
			r->obs[r->nr_obs].a = &r->oa[i];
			r->obs[r->nr_obs++].b = b;
		}
	}
	free(ib);
	return 0;
}

static int compare_group(struct cmp_result *r)
{
	const char *const *ign = r->opts.ignore;

	r->nr_ma = rdir_groups(&r->A, RG_METRIC, ign, &r->ma);
	r->nr_mb = rdir_groups(&r->B, RG_METRIC, ign, &r->mb);
	r->nr_ca = rdir_groups(&r->A, RG_CHECK, ign, &r->ca);
	r->nr_cb = rdir_groups(&r->B, RG_CHECK, ign, &r->cb);
	r->nr_oa = rdir_groups(&r->A, RG_OBSERVATION, ign, &r->oa);
	r->nr_ob = rdir_groups(&r->B, RG_OBSERVATION, ign, &r->ob);
	if (r->nr_ma < 0 || r->nr_mb < 0 || r->nr_ca < 0 || r->nr_cb < 0 || r->nr_oa < 0 ||
	    r->nr_ob < 0)
		return -ENOMEM;
	if (compare_metrics(r) || compare_checks(r) || compare_observations(r))
		return -ENOMEM;
	return 0;
}

int compare_load(struct cmp_result *r, const char *a, const char *b,
		 const struct cmp_opts *o, char *err, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->opts = *o;
	r->opts.ignore[r->opts.nr_ignore] = NULL;
	if (rdir_load(&r->A, a, err, len))
		return -1;
	if (rdir_load(&r->B, b, err, len)) {
		rdir_free(&r->A);
		return -1;
	}
	auto_ignore(r);
	r->nr_speed_a = speed_index(&r->A, &r->speed_a);
	r->nr_speed_b = speed_index(&r->B, &r->speed_b);
	if (!r->speed_a || !r->speed_b || compare_group(r)) {
		snprintf(err, len, "out of memory");
		goto fail;
	}
	if (!r->nr_m && !r->nr_chk_matched) {
		snprintf(err, len, "%s and %s have no case in common (scenarios %s and %s); nothing to compare",
			 r->A.path, r->B.path, rdir_cell(&r->A, 0, RC_SCENARIO), rdir_cell(&r->B, 0, RC_SCENARIO));
		goto fail;
	}
	return 0;
fail:
	compare_free(r);
	return -1;
}

void compare_free(struct cmp_result *r)
{
	free(r->m);
	free(r->chk);
	free(r->obs);
	free(r->speed_a);
	free(r->speed_b);
	rgroups_free(r->ma, r->nr_ma);
	rgroups_free(r->mb, r->nr_mb);
	rgroups_free(r->ca, r->nr_ca);
	rgroups_free(r->cb, r->nr_cb);
	rgroups_free(r->oa, r->nr_oa);
	rgroups_free(r->ob, r->nr_ob);
	rdir_free(&r->A);
	rdir_free(&r->B);
	memset(r, 0, sizeof(*r));
}
