// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_compare.c - `kvmbench compare A B`: the terminal table, compare.md,
 * compare.csv and the chart of significant changes.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.h"
#include "words.h"
#include "plot.h"
#include "results.h"
#include "table.h"

#define TERM_LIST_MAX	25	/* lines per section on the terminal without --all */

struct cmp_cli {
	struct cmp_opts o;
	const char *a, *b, *out;
	bool no_output, all;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: kvmbench compare [OPTIONS] A B\n"
"\n"
"Compare two results directories (A: the baseline, B: the run under test).\n"
"Cases are matched by scenario, guest:test and every knob and parameter\n"
"value; a column that holds one value all through A and another all through\n"
"B (say backing=4k against backing=thp) is taken as the change under test\n"
"and left out of the matching.  For each metric: both medians, the change\n"
"in percent, and a verdict.  The test compares the medians of the repeats\n"
"(each repeat boots a fresh VM, and VMs differ from boot to boot) when both\n"
"runs have %d or more, else the samples.  A change is significant when a\n"
"Mann-Whitney U test on them gives q < ALPHA (its p-value adjusted for the\n"
"number of metrics), the median moved by at least THRESHOLD percent and\n"
"their middle halves do not overlap.  Two guards against a shared host's\n"
"noise follow (--strict turns them off):\n"
"  host-drift  a speed probe moved by THRESHOLD or more, the same way, and\n"
"              enough that with its factor divided out the rest of the\n"
"              change is under THRESHOLD.  The probes: the empty loop the\n"
"              harness times on the case's host CPUs (its median over the\n"
"              repeats), and the guest's own empty loop at the metric's CPL\n"
"              in the case (empty_loop.cpl0 for invlpg.cpl0; where CPL0\n"
"              is emulated, as under kvm_pvm, its speed moves by tens of\n"
"              percent)\n"
"  tail        the median moved but the best tenth of the samples (p10 of\n"
"              a time, p90 of a rate) did not: interference only ever adds\n"
"              time, to some of the samples\n"
"Otherwise a significant change is a regression when it is worse (a time\n"
"per operation or a ratio that grew, a rate that fell).\n"
"A metric whose case ran 5 or more repeats but is missing from some (an\n"
"OOM kill) is not tested: the survivors are no sample of the case.\n"
"Checks that changed state (pass -> fail, fail -> pass, newly skipped)\n"
"are listed first.  The hosts' fingerprints are shown side by side.\n"
"\n"
"  -t, --threshold PCT  minimum change of the median to count (default 5)\n"
"      --strict         no host-drift or tail verdicts: every significant\n"
"                       change is a regression or an improvement (to judge\n"
"                       what the probes measure, e.g. an emulator change)\n"
"      --alpha Q        false discovery rate over all metrics (default 0.05):\n"
"                       the rank test's p-values are adjusted for the number\n"
"                       of metrics compared (Benjamini-Hochberg), so a run of\n"
"                       a hundred metrics does not call five of them changed\n"
"  -i, --ignore COL     leave knob or parameter column COL out of matching\n"
"                       (repeatable), e.g. -i params.sample_us\n"
"  -o, --output DIR     where compare.md, compare.csv and the chart go\n"
"                       (default B/compare-vs-NAME_OF_A)\n"
"      --no-output      print only, write nothing\n"
"  -a, --all            print every metric and check, not just the changes\n"
"  -h, --help           this help\n"
"\n"
"Exit status: 0 no significant regression and no newly failing check;\n"
"1 a significant regression or a newly failing check; 2 unusable input\n"
"(a directory missing or incomplete, no case in common, bad options).\n",
		CMP_MIN_REPEATS);
}

static int opt_number(const char *opt, const char *arg, double lo, double hi, double *v)
{
	char *end;

	*v = arg ? strtod(arg, &end) : NAN;
	if (!arg || !arg[0] || *end || !(*v >= lo && *v <= hi)) {
		fprintf(stderr, "kvmbench compare: %s '%s': expected a number from %g to %g\n",
			opt, arg ? arg : "", lo, hi);
		return -EINVAL;
	}
	return 0;
}

static int cli_parse(struct cmp_cli *cl, int argc, char **argv)
{
	int i, nr_pos = 0;

	cl->o.threshold = 5;
	cl->o.alpha = 0.05;
	for (i = 1; i < argc; i++) {
		const char *s = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(s, "-t") || !strcmp(s, "--threshold")) {
			if (opt_number(s, arg, 0, 1000, &cl->o.threshold))
				return 2;
			i++;
		} else if (!strcmp(s, "--alpha")) {
			if (opt_number(s, arg, 1e-12, 1, &cl->o.alpha))
				return 2;
			i++;
		} else if (!strcmp(s, "-i") || !strcmp(s, "--ignore")) {
			if (!arg || cl->o.nr_ignore == CMP_MAX_IGNORE) {
				fprintf(stderr, "kvmbench compare: %s: %s\n", s,
					arg ? "too many columns" : "needs a column name");
				return 2;
			}
			cl->o.ignore[cl->o.nr_ignore++] = arg;
			i++;
		} else if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
			if (!arg) {
				fprintf(stderr, "kvmbench compare: %s needs a directory\n", s);
				return 2;
			}
			cl->out = argv[++i];
		} else if (!strcmp(s, "--strict")) {
			cl->o.strict = true;
		} else if (!strcmp(s, "--no-output")) {
			cl->no_output = true;
		} else if (!strcmp(s, "-a") || !strcmp(s, "--all")) {
			cl->all = true;
		} else if (s[0] == '-' && s[1]) {
			fprintf(stderr, "kvmbench compare: unknown option '%s'\n\n", s);
			usage(stderr);
			return 2;
		} else if (nr_pos++ == 0) {
			cl->a = s;
		} else if (nr_pos == 2) {
			cl->b = s;
		}
	}
	if (nr_pos != 2) {
		fprintf(stderr, "kvmbench compare: expected two results directories, A and B (got %d)\n\n",
			nr_pos);
		usage(stderr);
		return 2;
	}
	return -1;	/* go on */
}

/* The host facts shown always, the rest only where A and B differ. */
static const char *const host_keys[][2] = {
	{ "hostname", "hostname" },
	{ "kernel.release", "kernel" },
	{ "cpu.model", "CPU" },
	{ "kvm.paging", "paging" },
	{ "memory.transparent_hugepage.enabled", "THP" },
	{ "memory.hugepages.nr_hugepages", "nr_hugepages" },
	{ "memory.ksm.run", "KSM run" },
	{ "kvmbench_version", "kvmbench" },
};
#define NR_HOST_KEYS	(sizeof(host_keys) / sizeof(host_keys[0]))

static bool host_key_shown(const char *key)
{
	size_t i;

	for (i = 0; i < NR_HOST_KEYS; i++)
		if (!strcmp(key, host_keys[i][0]))
			return true;
	return false;
}

static const char *or_dash(const char *s)
{
	return s && s[0] ? s : "-";
}

/* words_only - "+a +b" or "-a": @sign and each word of @a that @b lacks. */
static void words_only(char *out, size_t len, char sign, const char *a, const char *b)
{
	size_t off = 0, l;

	out[0] = 0;
	for (; *a && off < len; a += l + !!a[l]) {
		l = strcspn(a, " ");
		if (l && !words_contain(b, ' ', a, l))
			off += snprintf(out + off, len - off, "%s%c%.*s", off ? " " : "", sign,
					(int)l, a);
	}
}

/*
 * host_diff_row - a fingerprint key that differs.  The CPU's feature flags
 * are one long line: only the flags one side has and the other lacks.
 */
static void host_diff_row(struct table *t, const struct rdir *A, const struct rdir *B,
			  const char *key)
{
	const char *va = rdir_host(A, key), *vb = rdir_host(B, key);
	char gone[512], added[512];

	if (host_key_shown(key) || (va && vb && !strcmp(va, vb)))
		return;
	table_cell(t, "%s", key);
	if (va && vb && !strcmp(key, "cpu.features")) {
		words_only(gone, sizeof(gone), '-', va, vb);
		words_only(added, sizeof(added), '+', vb, va);
		table_cell(t, "%s", gone[0] ? gone : "-");
		table_cell(t, "%s", added[0] ? added : "-");
		table_cell(t, "flags only A has (-) and only B has (+)");
		return;
	}
	table_cell(t, "%s", or_dash(va));
	table_cell(t, "%s", or_dash(vb));
	table_cell(t, "differs");
}

/* report_hosts - the fingerprints side by side: the main facts, then every difference. */
static void report_hosts(const struct cmp_result *r, FILE *f, bool md)
{
	struct table t;
	size_t i;
	int k;

	table_init(&t, "host|A|B|note");
	for (i = 0; i < NR_HOST_KEYS; i++) {
		const char *va = rdir_host(&r->A, host_keys[i][0]), *vb = rdir_host(&r->B, host_keys[i][0]);

		table_cell(&t, "%s", host_keys[i][1]);
		table_cell(&t, "%s", or_dash(va));
		table_cell(&t, "%s", or_dash(vb));
		table_cell(&t, "%s", va && vb && !strcmp(va, vb) ? "" : "differs");
	}
	for (k = 0; k < r->A.nr_host; k++)
		host_diff_row(&t, &r->A, &r->B, r->A.host[k].key);
	for (k = 0; k < r->B.nr_host; k++)
		if (!rdir_host(&r->A, r->B.host[k].key))
			host_diff_row(&t, &r->A, &r->B, r->B.host[k].key);
	if (md)
		fprintf(f, "## Hosts\n\n");
	table_print(&t, f, md, 2);
	table_free(&t);
	fputc('\n', f);
}

static void report_changed_knobs(const struct cmp_result *r, FILE *f, bool md)
{
	int i;

	for (i = 0; i < r->opts.nr_ignore; i++) {
		const char *c = r->opts.ignore[i];

		if (i >= r->nr_auto) {
			fprintf(f, "%s%s: left out of matching (--ignore)\n", md ? "- " : "", c);
			continue;
		}
		fprintf(f, "%schanged between the runs: %s %s -> %s (left out of matching)\n",
			md ? "- " : "", c, or_dash(rdir_cell(&r->A, 0, rdir_col(&r->A, c))),
			or_dash(rdir_cell(&r->B, 0, rdir_col(&r->B, c))));
	}
	if (r->opts.nr_ignore)
		fputc('\n', f);
}

static const char *check_change(const struct cmp_check *c)
{
	if (!c->a)
		return c->failing ? "new, failing" : "new";
	if (!c->b)
		return "gone";
	if (c->failing)
		return "newly failing";
	if (c->b->state == RCHK_SKIP)
		return "newly skipped";
	/* a known failure (a TODO) that passes now is fixed too */
	if ((c->a->state == RCHK_FAIL || c->a->state == RCHK_TODO) && c->b->state == RCHK_PASS)
		return "fixed";
	return "changed";
}

static const char *state_of(const struct rgroup *g)
{
	return g ? rcheck_state_name[g->state] : "-";
}

static void report_checks(const struct cmp_result *r, FILE *f, bool md, bool all)
{
	struct table t;
	int i;

	fprintf(f, md ? "## Checks\n\n%d matched; %d changed state, %d newly failing\n\n" :
		"checks: %d matched; %d changed state, %d newly failing\n",
		r->nr_chk_matched, r->nr_chk, r->newly_failing);
	if (!r->nr_chk)
		return;
	table_init(&t, "change|case|check|A|B|detail (B)");
	for (i = 0; i < r->nr_chk && (md || all || i < TERM_LIST_MAX); i++) {
		const struct cmp_check *c = &r->chk[i];
		const struct rgroup *g = c->b ? c->b : c->a;

		table_cell(&t, "%s", check_change(c));
		table_cell(&t, "%s", g->label);
		table_cell(&t, "%s", g->name);
		table_cell(&t, "%s", state_of(c->a));
		table_cell(&t, "%s", state_of(c->b));
		table_cell(&t, "%.100s", c->b ? c->b->detail : "");
	}
	table_print(&t, f, md, 2);
	if (i < r->nr_chk)
		fprintf(f, "  ... and %d more (--all, or compare.md)\n", r->nr_chk - i);
	table_free(&t);
	fputc('\n', f);
}

static void metric_row(struct table *t, const struct cmp_metric *m)
{
	table_cell(t, "%s", cmp_verdict_name[m->verdict]);
	table_cell(t, "%s", m->a->label);
	table_cell(t, "%s", m->a->name);
	table_cell(t, "%.4g", m->ta.median);
	table_cell(t, "%.4g", m->tb.median);
	table_cell(t, "%s", m->a->unit);
	table_cell(t, "%+.1f%%", m->change);
	if (isnan(m->test.p))
		table_cell(t, "-");
	else
		table_cell(t, "%.2g", m->q);
	if (m->lost)
		table_cell(t, "%d/%d repeats, lost", m->a->nr_rep, m->b->nr_rep);
	else
		table_cell(t, "%zu/%zu %s", m->ta.n, m->tb.n, m->per_repeat ? "repeats" : "samples");
	table_cell(t, "%+.0f%%", m->drift);
	if (isnan(m->loop))
		table_cell(t, "-");
	else
		table_cell(t, "%+.0f%%", m->loop);
	table_cell(t, "%+.1f%%", m->best);
}

static void report_metrics(const struct cmp_result *r, FILE *f, bool md, bool all)
{
	const struct cmp_opts *o = &r->opts;
	struct table t;
	int i, shown = 0;

	fprintf(f, "%s%d matched (%d only in A, %d only in B): %d regressed, %d improved, "
		"%d changed, %d host-drift, %d tail, %d no significant change, %d untested (under 2 values, or lost)\n"
		"%sa change counts when q < %g (Mann-Whitney U, Benjamini-Hochberg), |change| >= %g%% and the\n"
		"%smiddle halves do not overlap; %s\n",
		md ? "## Metrics\n\n" : "metrics: ", r->nr_m, r->only_a, r->only_b,
		r->count[CV_REGRESSED], r->count[CV_IMPROVED], r->count[CV_CHANGED],
		r->count[CV_HOST], r->count[CV_TAIL], r->count[CV_SAME], r->count[CV_UNTESTED],
		md ? "\n" : "  ", o->alpha, o->threshold, md ? "" : "  ",
		o->strict ? "--strict: no host-drift or tail verdicts" :
		"host-drift: a speed probe (host CPU, guest loop) moved as much; tail: the best tenth did not move");
	fprintf(f, "%stested on the medians of the repeats (a fresh VM each) where both runs have %d or more",
		md ? "\n" : "  ", CMP_MIN_REPEATS);
	if (r->nr_per_sample)
		fprintf(f, ";\n%s%d metric(s) on samples, fewer than %d repeats holding them on a side (the\n"
			"%sscenario has fewer, or not every case finished): such a test cannot see how much\n"
			"%sVMs differ from one boot to the next, and may call that a change",
			md ? "" : "  ", r->nr_per_sample, CMP_MIN_REPEATS, md ? "" : "  ", md ? "" : "  ");
	if (r->nr_lost)
		fprintf(f, ";\n%s%d metric(s) lost: their cases ran %d or more repeats but fewer of them hold\n"
			"%sthe metric (the rest did not finish, say an OOM kill): the survivors are no sample\n"
			"%sof the case, so these are untested",
			md ? "" : "  ", r->nr_lost, CMP_MIN_REPEATS, md ? "" : "  ", md ? "" : "  ");
	fprintf(f, "\n\n");
	table_init(&t, "verdict|case|metric|>A median|>B median|unit|>change|>q|>tested on|>host CPU|>guest loop|>best 10%");
	for (i = 0; i < r->nr_m; i++) {
		bool significant = r->m[i].verdict <= CV_TAIL;

		if (!md && !all && (!significant || shown >= TERM_LIST_MAX))
			continue;
		metric_row(&t, &r->m[i]);
		shown++;
	}
	if (t.nr_rows)
		table_print(&t, f, md, 2);
	if (!md && shown < r->nr_m)
		fprintf(f, "  (%d more not shown: --all, or compare.md)\n", r->nr_m - shown);
	table_free(&t);
	fputc('\n', f);
}

/*
 * report_observations - what the hosts did where the architecture allows a
 * choice, where the runs differ.  Information: never a regression.
 */
static void report_observations(const struct cmp_result *r, FILE *f, bool md, bool all)
{
	struct table t;
	int i;

	if (!r->nr_obs_matched)
		return;
	fprintf(f, md ? "## Observations\n\n%d matched; %d seen otherwise (allowed either way: never a regression)\n\n" :
		"observations: %d matched; %d seen otherwise (allowed either way: never a regression)\n",
		r->nr_obs_matched, r->nr_obs);
	if (!r->nr_obs) {
		if (md)
			fputc('\n', f);
		return;
	}
	table_init(&t, "change|case|observation|A|B");
	for (i = 0; i < r->nr_obs && (md || all || i < TERM_LIST_MAX); i++) {
		table_cell(&t, "seen otherwise");
		table_cell(&t, "%s", r->obs[i].b->label);
		table_cell(&t, "%s", r->obs[i].b->name);
		table_cell(&t, "%s", r->obs[i].a->seen);
		table_cell(&t, "%s", r->obs[i].b->seen);
	}
	table_print(&t, f, md, 2);
	if (i < r->nr_obs)
		fprintf(f, "  ... and %d more (--all, or compare.md)\n", r->nr_obs - i);
	table_free(&t);
	fputc('\n', f);
}

static bool regressed(const struct cmp_result *r)
{
	return r->count[CV_REGRESSED] || r->newly_failing;
}

static void report_verdict(const struct cmp_result *r, FILE *f, bool md)
{
	if (regressed(r))
		fprintf(f, "%sverdict: REGRESSION: %d metric(s) regressed, %d check(s) newly failing%s\n",
			md ? "**" : "", r->count[CV_REGRESSED], r->newly_failing, md ? "**" : "");
	else if (r->count[CV_IMPROVED] || r->count[CV_CHANGED])
		fprintf(f, "%sverdict: no regression; %d metric(s) improved, %d changed%s\n",
			md ? "**" : "", r->count[CV_IMPROVED], r->count[CV_CHANGED], md ? "**" : "");
	else
		fprintf(f, "%sverdict: no significant change%s\n", md ? "**" : "", md ? "**" : "");
}

static void report(const struct cmp_result *r, FILE *f, bool md, bool all)
{
	fprintf(f, md ? "# kvmbench compare\n\n- A: `%s`\n- B: `%s`\n\n" :
		"kvmbench compare\n  A: %s\n  B: %s\n\n", r->A.path, r->B.path);
	report_hosts(r, f, md);
	report_changed_knobs(r, f, md);
	report_checks(r, f, md, all);
	report_observations(r, f, md, all);
	report_metrics(r, f, md, all);
	report_verdict(r, f, md);
}

static void csv_str(FILE *f, const char *s, const char *sep)
{
	results_csv_field(f, s);
	fputs(sep, f);
}

/* csv_side - how many were tested, their median, and the samples' min and p99. */
static void csv_side(FILE *f, const struct sample_stats *t, const struct sample_stats *s)
{
	fprintf(f, "%zu,%.6g,%.6g,%.6g,", t->n, t->median, s->min, s->p99);
}

static void write_csv(const struct cmp_result *r, FILE *f)
{
	int i;

	fprintf(f, "kind,case,name,unit,better,a_n,a_median,a_min,a_p99,b_n,b_median,b_min,b_p99,"
		"change_pct,p,q,exact,tested_on,verdict,host_cpu_pct,guest_loop_pct,best_pct,a_state,b_state\n");
	for (i = 0; i < r->nr_m; i++) {
		const struct cmp_metric *m = &r->m[i];

		fprintf(f, "metric,");
		csv_str(f, m->a->label, ",");
		csv_str(f, m->a->name, ",");
		csv_str(f, m->a->unit, ",");
		fprintf(f, "%s,", m->better > 0 ? "higher" : m->better < 0 ? "lower" : "");
		csv_side(f, &m->ta, &m->sa);
		csv_side(f, &m->tb, &m->sb);
		fprintf(f, "%.6g,", m->change);
		if (!isnan(m->test.p))
			fprintf(f, "%.6g,%.6g", m->test.p, m->q);
		else
			fputc(',', f);
		fprintf(f, ",%d,%s,%s,%.3g,", m->test.exact,
			m->lost ? "lost" : m->per_repeat ? "repeats" : "samples",
			cmp_verdict_name[m->verdict], m->drift);
		if (!isnan(m->loop))
			fprintf(f, "%.3g", m->loop);
		fprintf(f, ",%.3g,,\n", m->best);
	}
	for (i = 0; i < r->nr_chk; i++) {
		const struct cmp_check *c = &r->chk[i];
		const struct rgroup *g = c->b ? c->b : c->a;

		fprintf(f, "check,");
		csv_str(f, g->label, ",");
		csv_str(f, g->name, ",,,,,,,,,,,,,,,,");
		csv_str(f, check_change(c), ",,,,");
		fprintf(f, "%s,%s\n", state_of(c->a), state_of(c->b));
	}
	for (i = 0; i < r->nr_obs; i++) {
		fprintf(f, "observation,");
		csv_str(f, r->obs[i].b->label, ",");
		csv_str(f, r->obs[i].b->name, ",,,,,,,,,,,,,,,,");
		csv_str(f, "seen otherwise", ",,,,");
		csv_str(f, r->obs[i].a->seen, ",");
		csv_str(f, r->obs[i].b->seen, "\n");
	}
}

/* out_file - write @name in @dir through a temporary name, renamed when whole. */
static int out_file(const struct cmp_result *r, const char *dir, const char *name,
		    void (*fill)(const struct cmp_result *, FILE *))
{
	char tmp[PATH_MAX + 64], to[PATH_MAX + 64];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
	snprintf(to, sizeof(to), "%s/%s", dir, name);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "kvmbench compare: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	fill(r, f);
	if (fclose(f) || rename(tmp, to)) {
		fprintf(stderr, "kvmbench compare: %s: %s\n", to, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void fill_md(const struct cmp_result *r, FILE *f)
{
	report(r, f, true, true);
}

/* CHART_MAX - bars in the chart of changes: the largest ones, so labels stay readable. */
#define CHART_MAX	40

static int chart_class(enum cmp_verdict v)
{
	return v == CV_REGRESSED ? 1 : v == CV_IMPROVED ? 2 : v == CV_CHANGED ? 3 : 4;
}

/* chart_data - compare-changes.dat: label, change, class; regressions first. */
static int chart_data(const struct cmp_result *r, const char *path)
{
	FILE *f = fopen(path, "w");
	int i, n = 0;

	if (!f)
		return -1;
	fprintf(f, "label\tchange_pct\tclass\n");
	for (i = 0; i < r->nr_m && n < CHART_MAX; i++) {
		const struct cmp_metric *m = &r->m[i];
		char label[700], *q;

		if (m->verdict > CV_HOST)
			continue;
		snprintf(label, sizeof(label), "%s %s", m->a->label, m->a->name);
		for (q = label; *q; q++)
			if (*q == '"')
				*q = '\'';
		fprintf(f, "\"%s\"\t%.3f\t%d\n", label, m->change, chart_class(m->verdict));
		n++;
	}
	return fclose(f) ? -1 : n;
}

/* write_chart - the chart of the significant changes, when there are any and gnuplot is here. */
static void write_chart(const struct cmp_result *r, const char *dir)
{
	char dat[PATH_MAX + 32], base[PATH_MAX + 32], vars[2048] = "", title[1024], err[512];
	int n;

	snprintf(dat, sizeof(dat), "%s/compare-changes.dat", dir);
	snprintf(base, sizeof(base), "%s/compare-changes", dir);
	n = chart_data(r, dat);
	if (n <= 0) {
		unlink(dat);
		return;
	}
	snprintf(title, sizeof(title), "kvmbench compare: %d significant change%s%s",
		 n, n == 1 ? "" : "s", n == CHART_MAX ? " (the largest)" : "");
	pvar_str(vars, sizeof(vars), "title", title);
	/* the hosts in short (the directories' names are in compare.md) */
	snprintf(title, sizeof(title), "A: %s, kernel %s, %s    B: %s, kernel %s, %s",
		 or_dash(rdir_host(&r->A, "hostname")), or_dash(rdir_host(&r->A, "kernel.release")),
		 or_dash(rdir_host(&r->A, "kvm.paging")), or_dash(rdir_host(&r->B, "hostname")),
		 or_dash(rdir_host(&r->B, "kernel.release")), or_dash(rdir_host(&r->B, "kvm.paging")));
	pvar_str(vars, sizeof(vars), "subtitle", title);
	pvar_int(vars, sizeof(vars), "n", n);
	if (plot_script("plot-compare.gp", dat, base, vars, err, sizeof(err)))
		fprintf(stderr, "kvmbench compare: no chart: %s\n", err);
	else
		printf("chart: %s.svg, %s.png\n", base, base);
}

static int write_outputs(const struct cmp_result *r, const struct cmp_cli *cl)
{
	char dir[PATH_MAX];

	if (cl->out)
		snprintf(dir, sizeof(dir), "%s", cl->out);
	else if (snprintf(dir, sizeof(dir), "%s/compare-vs-%s", r->B.path, r->A.name) >= (int)sizeof(dir))
		return -1;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "kvmbench compare: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (out_file(r, dir, "compare.csv", write_csv) || out_file(r, dir, "compare.md", fill_md))
		return -1;
	printf("wrote %s/compare.md and compare.csv\n", dir);
	write_chart(r, dir);
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	struct cmp_cli cl = { 0 };
	struct cmp_result r;
	char err[PATH_MAX + 256];
	int ret = cli_parse(&cl, argc, argv);

	if (ret >= 0)
		return ret;
	if (compare_load(&r, cl.a, cl.b, &cl.o, err, sizeof(err))) {
		fprintf(stderr, "kvmbench compare: %s\n", err);
		return 2;
	}
	report(&r, stdout, false, cl.all);
	ret = regressed(&r) ? 1 : 0;
	if (!cl.no_output && write_outputs(&r, &cl))
		ret = 2;
	compare_free(&r);
	return ret;
}
