// SPDX-License-Identifier: GPL-2.0
/*
 * t_compare.c - compare on synthetic results directories: a planted
 * regression, a planted improvement and pure noise must give exactly the
 * planted verdicts; checks that changed state; a knob changed between the
 * runs; host drift; repeats as the unit of the test; the directories
 * compare refuses.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>

#include "compare.h"
#include "tap_test.h"

#define NOISE_METRICS	20
#define SAMPLES		15

static char tmp[PATH_MAX];
static uint64_t seed = 12345;

/* noise - uniform in [-1, 1), the same sequence every run */
static double noise(void)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (double)(seed >> 11) / (double)(1ull << 52) - 1;
}

static FILE *open_in(const char *dir, const char *name)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", tmp, dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/%s", tmp, dir, name);
	return fopen(p, "w");
}

static void host_yaml(const char *dir, const char *kernel, const char *ksm)
{
	FILE *f = open_in(dir, "host.yaml");

	fprintf(f, "hostname: fixture\nkernel:\n  release: %s\ncpu:\n  model: Fixture\n"
		"kvm:\n  paging: ept\nmemory:\n  ksm:\n    run: %s\n", kernel, ksm);
	fclose(f);
}

static void samples(FILE *f, int c, const char *test, const char *name, const char *unit,
		    double mean, const char *backing)
{
	int i;

	for (i = 0; i < SAMPLES; i++)
		fprintf(f, "s,%d,g,%s,0,0,0,metric,%s,%d,%.6g,%s,,,1,1,%s\n", c, test, name, i,
			mean * (1 + 0.03 * noise()), unit, backing);
}

static void check(FILE *f, int c, const char *name, const char *state, const char *backing)
{
	if (!strcmp(state, "skip"))
		fprintf(f, "s,%d,g,checks,0,0,0,skip,%s,,,,,no such thing,1,1,%s\n", c, name, backing);
	else
		fprintf(f, "s,%d,g,checks,0,0,0,check,%s,,%d,pass,,,1,1,%s\n", c, name,
			!strcmp(state, "pass"), backing);
}

/*
 * run_dir - one synthetic run: NOISE_METRICS metrics of pure noise, "lat"
 * (ns/op, lower is better) and "rate" (units/s, higher is better) scaled
 * by @lat and @rate, "drift" scaled by @drift with the case's host CPU
 * probe scaled by @cpu, and three checks.
 */
static void run_dir(const char *dir, const char *backing, double lat, double rate,
		    double drift, double cpu, const char *const states[3])
{
	FILE *f = open_in(dir, "results.csv");
	char name[32];
	int i;

	fprintf(f, "scenario,case,guest,test,repeat,vm,vcpu,kind,name,sample,value,unit,cycles,detail,"
		"vms,vcpus,backing\n");
	for (i = 0; i < NOISE_METRICS; i++) {
		snprintf(name, sizeof(name), "noise%d", i);
		samples(f, 0, "noise", name, i % 2 ? "ns/op" : "units/s", 100 + i, backing);
	}
	samples(f, 1, "planted", "lat", "ns/op", 1000 * lat, backing);
	samples(f, 1, "planted", "rate", "units/s", 5000 * rate, backing);
	samples(f, 2, "drift", "drift", "ns/op", 300 * drift, backing);
	fprintf(f, "s,2,g,drift,0,-1,-1,case,host_cpu_ns.0,,%.6g,ns,,,1,1,%s\n", 0.27 * cpu, backing);
	samples(f, 3, "single", "ratio", "ratio", 1.2, backing);
	check(f, 4, "stays", states[0], backing);
	check(f, 4, "flips", states[1], backing);
	check(f, 4, "skips", states[2], backing);
	fclose(f);
}

static const struct cmp_metric *find(const struct cmp_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->nr_m; i++)
		if (!strcmp(r->m[i].a->name, name))
			return &r->m[i];
	return NULL;
}

static const struct cmp_check *find_check(const struct cmp_result *r, const char *name)
{
	int i;

	for (i = 0; i < r->nr_chk; i++)
		if (!strcmp((r->chk[i].b ? r->chk[i].b : r->chk[i].a)->name, name))
			return &r->chk[i];
	return NULL;
}

static struct cmp_opts defaults(void)
{
	struct cmp_opts o = { .threshold = 5, .alpha = 0.05 };

	return o;
}

static int load(struct cmp_result *r, const char *a, const char *b, const struct cmp_opts *o,
		char *err, size_t len)
{
	char pa[PATH_MAX + 16], pb[PATH_MAX + 16];

	snprintf(pa, sizeof(pa), "%s/%s", tmp, a);
	snprintf(pb, sizeof(pb), "%s/%s", tmp, b);
	return compare_load(r, pa, pb, o, err, len);
}

static void test_planted(void)
{
	static const char *const before[3] = { "pass", "pass", "pass" };
	static const char *const after[3] = { "pass", "fail", "skip" };
	struct cmp_opts o = defaults();
	struct cmp_result r;
	char err[512];
	int i, noisy = 0;

	host_yaml("a", "6.1.0", "0");
	host_yaml("b", "6.2.0", "1");
	run_dir("a", "4k", 1, 1, 1, 1, before);
	run_dir("b", "4k", 1.2, 1.2, 1.3, 1.3, after);
	if (!is_int(load(&r, "a", "b", &o, err, sizeof(err)), 0, "planted: compared"))
		diag("%s", err);
	is_int(r.nr_m, NOISE_METRICS + 4, "every metric matched");
	is_int(find(&r, "lat")->verdict, CV_REGRESSED, "ns/op +20%%: regressed");
	ok(fabs(find(&r, "lat")->change - 20) < 3, "lat: change about +20%% (%.1f)", find(&r, "lat")->change);
	is_int(find(&r, "rate")->verdict, CV_IMPROVED, "units/s +20%%: improved");
	is_int(find(&r, "drift")->verdict, CV_HOST, "+30%% with the host CPU 30%% slower: host-drift");
	is_int(find(&r, "ratio")->verdict, CV_SAME, "the same ratio: no change");
	for (i = 0; i < r.nr_m; i++)
		noisy += !strncmp(r.m[i].a->name, "noise", 5) && r.m[i].verdict != CV_SAME;
	is_int(noisy, 0, "none of %d noise metrics called a change", NOISE_METRICS);
	is_int(r.count[CV_REGRESSED], 1, "exactly one regression");
	is_int(r.count[CV_IMPROVED], 1, "exactly one improvement");
	is_int(r.m[0].verdict, CV_REGRESSED, "regressions listed first");
	is_int(r.newly_failing, 1, "one check newly failing");
	ok(find_check(&r, "flips") && find_check(&r, "flips")->failing, "flips: pass -> fail is failing");
	ok(r.nr_chk && r.chk[0].failing, "newly failing checks listed first");
	ok(find_check(&r, "skips") && !find_check(&r, "skips")->failing, "skips: newly skipped, not failing");
	ok(!find_check(&r, "stays"), "stays: unchanged, not listed");
	is_int(r.nr_auto, 0, "no column changed between the runs");
	compare_free(&r);

	/* the other way round: the regression becomes the improvement */
	load(&r, "b", "a", &o, err, sizeof(err));
	is_int(find(&r, "lat")->verdict, CV_IMPROVED, "B->A: lat improved");
	is_int(find(&r, "rate")->verdict, CV_REGRESSED, "B->A: rate regressed");
	is_int(find(&r, "drift")->verdict, CV_HOST, "B->A: host faster, figure better: host-drift");
	ok(find_check(&r, "flips") && !find_check(&r, "flips")->failing, "B->A: fail -> pass is not failing");
	compare_free(&r);

	/* a higher threshold hides the 20% changes */
	o.threshold = 25;
	load(&r, "a", "b", &o, err, sizeof(err));
	is_int(find(&r, "lat")->verdict, CV_SAME, "threshold 25%%: lat the same");
	compare_free(&r);
}

static void test_drift_opposite(void)
{
	static const char *const st[3] = { "pass", "pass", "pass" };
	struct cmp_opts o = defaults();
	struct cmp_result r;
	char err[512];

	host_yaml("c", "6.1.0", "0");
	run_dir("c", "4k", 1, 1, 1.3, 0.7, st);	/* figure 30% worse on a faster host */
	load(&r, "a", "c", &o, err, sizeof(err));
	is_int(find(&r, "drift")->verdict, CV_REGRESSED, "worse on a faster host: still a regression");
	compare_free(&r);
}

/*
 * guards_dir - case 5 times invlpg.cpl0 beside its own empty_loop.cpl0
 * (scaled by @emu: the guest's CPL0 speed), case 6 times invlpg.cpl0
 * alone, scaled by @op; "tailed" has its slowest 12 of 15 samples scaled
 * by @tail, its best 3 not.
 */
static void guards_dir(const char *dir, double emu, double op, double tail)
{
	FILE *f = open_in(dir, "results.csv");
	int i;

	host_yaml(dir, "6.1.0", "0");
	fprintf(f, "scenario,case,guest,test,repeat,vm,vcpu,kind,name,sample,value,unit,cycles,detail,"
		"vms,vcpus,backing\n");
	samples(f, 5, "costs", "empty_loop.cpl0", "ns/op", 1150 * emu, "");
	samples(f, 5, "costs", "invlpg.cpl0", "ns/op", 1850 * emu, "");
	samples(f, 6, "invlpg", "invlpg.cpl0", "ns/op", 1850 * op, "");
	for (i = 0; i < SAMPLES; i++)
		fprintf(f, "s,7,g,tail,0,0,0,metric,tailed,%d,%.6g,ns/op,,,1,1,\n", i,
			(100 + i) * (i < 3 ? 1 : tail));
	fclose(f);
}

static void test_noise_guards(void)
{
	struct cmp_opts o = defaults();
	struct cmp_result r;
	char err[512];

	guards_dir("ga", 1, 1, 1);
	guards_dir("gb", 1.35, 1.35, 1.3);
	if (!is_int(load(&r, "ga", "gb", &o, err, sizeof(err)), 0, "guards: compared"))
		diag("%s", err);
	is_int(r.nr_m, 4, "four metrics matched");
	is_int(find(&r, "empty_loop.cpl0")->verdict, CV_HOST, "the guest's empty CPL0 loop 35%% slower: host-drift");
	ok(fabs(find(&r, "empty_loop.cpl0")->loop - 35) < 5, "its guest loop column is its own change (%.1f)",
	   find(&r, "empty_loop.cpl0")->loop);
	is_int(r.count[CV_HOST], 2, "invlpg.cpl0 beside it moved with it: host-drift");
	is_int(r.count[CV_REGRESSED], 1, "invlpg.cpl0 in a case without a loop: regressed");
	ok(isnan(r.m[0].loop), "and it has no guest loop");
	is_int(find(&r, "tailed")->verdict, CV_TAIL, "12 of 15 samples 30%% slower, the best 3 not: tail");
	ok(find(&r, "tailed")->change > 20, "tailed: the median moved (%.1f%%)", find(&r, "tailed")->change);
	compare_free(&r);

	o.strict = true;
	load(&r, "ga", "gb", &o, err, sizeof(err));
	is_int(r.count[CV_REGRESSED], 4, "--strict: all four are regressions");
	compare_free(&r);
}

/*
 * repeats_dir - case 8, metric "vm" over @nrep repeats of SAMPLES samples:
 * repeat k at level 100 * (1 + @step * k) * @shift, 0.2% noise within a
 * repeat (one VM's samples agree, VMs differ); its host CPU probe 0.27 ns,
 * or 0.54 (a busy sibling thread) in the first @slow repeats.
 */
static void repeats_dir(const char *dir, int nrep, double step, double shift, int slow)
{
	FILE *f = open_in(dir, "results.csv");
	int i, k;

	host_yaml(dir, "6.1.0", "0");
	fprintf(f, "scenario,case,guest,test,repeat,vm,vcpu,kind,name,sample,value,unit,cycles,detail,"
		"vms,vcpus,backing\n");
	for (k = 0; k < nrep; k++) {
		for (i = 0; i < SAMPLES; i++)
			fprintf(f, "s,8,g,vm,%d,0,0,metric,vm,%d,%.6g,ns/op,,,1,1,\n", k, i,
				100 * (1 + step * k) * shift * (1 + 0.002 * noise()));
		fprintf(f, "s,8,g,vm,%d,-1,-1,case,host_cpu_ns.1,,%.6g,ns,,,1,1,\n", k,
			k < slow ? 0.54 : 0.27);
	}
	fclose(f);
}

/* lost_dir - case 8 ran 10 repeats (its probe rows say so), metric "vm" is in the first @keep. */
static void lost_dir(const char *dir, int keep, double shift)
{
	FILE *f = open_in(dir, "results.csv");
	int i, k;

	host_yaml(dir, "6.1.0", "0");
	fprintf(f, "scenario,case,guest,test,repeat,vm,vcpu,kind,name,sample,value,unit,cycles,detail,"
		"vms,vcpus,backing\n");
	for (k = 0; k < 10; k++) {
		for (i = 0; k < keep && i < SAMPLES; i++)
			fprintf(f, "s,8,g,vm,%d,0,0,metric,vm,%d,%.6g,ns/op,,,1,1,\n", k, i,
				100 * shift * (1 + 0.002 * noise()));
		fprintf(f, "s,8,g,vm,%d,-1,-1,case,host_cpu_ns.1,,0.27,ns,,,1,1,\n", k);
	}
	fclose(f);
}

static const struct cmp_metric *compare_vm(struct cmp_result *r, const char *a, const char *b)
{
	struct cmp_opts o = defaults();
	char err[512];

	if (load(r, a, b, &o, err, sizeof(err))) {
		diag("%s", err);
		return NULL;
	}
	return find(r, "vm");
}

static void test_repeats(void)
{
	const struct cmp_metric *m;
	struct cmp_result r;

	repeats_dir("ra", 10, 0.01, 1, 0);
	repeats_dir("rb", 10, 0.01, 1.3, 0);
	m = compare_vm(&r, "ra", "rb");
	ok(m && m->per_repeat, "10 repeats a side: tested on the repeats");
	if (m) {
		is_int(m->ta.n, 10, "on 10 values a side, the repeats' medians");
		ok(fabs(m->test.p - 2.0 / 184756) < 1e-9 && m->test.exact,
		   "every B repeat above every A one: exact p = 2/C(20,10) (%.3g)", m->test.p);
		is_int(m->verdict, CV_REGRESSED, "30%% slower in every repeat: regressed");
	}
	is_int(r.nr_per_sample, 0, "no metric tested on samples");
	compare_free(&r);

	/* VMs 3% apart: B's median 6% up, but its repeats sit among A's */
	repeats_dir("rc", 10, 0.03, 1, 0);
	repeats_dir("rd", 10, 0.03, 1.06, 0);
	m = compare_vm(&r, "rc", "rd");
	ok(m && m->per_repeat && m->test.p > 0.05,
	   "VM-to-VM spread: the repeats' medians interleave, p = %.2g", m ? m->test.p : NAN);
	ok(m && m->verdict == CV_SAME, "so no significant change");
	compare_free(&r);

	/* the host CPU probe: its median over the repeats, not one repeat's */
	repeats_dir("re", 10, 0.01, 1.3, 4);
	m = compare_vm(&r, "ra", "re");
	ok(m && m->verdict == CV_REGRESSED && fabs(m->drift) < 1,
	   "probe slow in 4 of 10 repeats: its median did not move, regressed (drift %+.0f%%)",
	   m ? m->drift : NAN);
	compare_free(&r);
	repeats_dir("rf", 10, 0.01, 1.3, 6);
	m = compare_vm(&r, "ra", "rf");
	ok(m && m->verdict == CV_HOST && m->drift > 90,
	   "probe slow in 6 of 10: its median doubled, host-drift (%+.0f%%)", m ? m->drift : NAN);
	compare_free(&r);

	/* a probe explains a change only as far as it moved */
	repeats_dir("rs", 10, 0.01, 1, 10);
	repeats_dir("rt", 10, 0.01, 0.08, 0);
	m = compare_vm(&r, "rs", "rt");
	ok(m && m->verdict == CV_IMPROVED,
	   "12 times faster on a host twice as fast: improved, not host-drift (%s)",
	   m ? cmp_verdict_name[m->verdict] : "-");
	compare_free(&r);
	repeats_dir("ru", 10, 0.01, 0.6, 0);
	m = compare_vm(&r, "rs", "ru");
	ok(m && m->verdict == CV_HOST, "40%% faster on a host twice as fast: host-drift (%s)",
	   m ? cmp_verdict_name[m->verdict] : "-");
	compare_free(&r);

	/* 10 repeats ran, 2 and 1 finished: the survivors are not a sample of the case */
	lost_dir("la", 2, 1);
	lost_dir("lb", 1, 1.5);
	m = compare_vm(&r, "la", "lb");
	ok(m && m->lost && m->verdict == CV_UNTESTED, "metric in 2 and 1 of 10 repeats: lost, untested");
	is_int(r.nr_lost, 1, "counted as lost");
	is_int(r.nr_per_sample, 0, "not as tested on samples");
	compare_free(&r);

	repeats_dir("rg", 4, 0.01, 1, 0);
	repeats_dir("rh", 4, 0.01, 1.3, 0);
	m = compare_vm(&r, "rg", "rh");
	ok(m && !m->per_repeat && m->ta.n == 4 * SAMPLES,
	   "4 repeats: tested on the %d samples", 4 * SAMPLES);
	is_int(r.nr_per_sample, 1, "and counted as tested on samples");
	ok(m && m->verdict == CV_REGRESSED, "30%% slower: regressed");
	compare_free(&r);
}

static void test_changed_knob(void)
{
	static const char *const st[3] = { "pass", "pass", "pass" };
	struct cmp_opts o = defaults();
	struct cmp_result r;
	char err[512];

	host_yaml("thp", "6.1.0", "0");
	run_dir("thp", "thp", 1.2, 1, 1, 1, st);
	if (!is_int(load(&r, "a", "thp", &o, err, sizeof(err)), 0, "4k against thp: compared"))
		diag("%s", err);
	is_int(r.nr_auto, 1, "one column changed between the runs");
	is_str(r.opts.ignore[0], "backing", "it is backing");
	is_int(r.nr_m, NOISE_METRICS + 4, "matched without it");
	is_int(find(&r, "lat")->verdict, CV_REGRESSED, "and the planted change shows");
	compare_free(&r);

	o.ignore[o.nr_ignore++] = "vcpus";
	load(&r, "a", "thp", &o, err, sizeof(err));
	is_int(r.opts.nr_ignore, 2, "--ignore vcpus kept beside the found backing");
	is_str(r.opts.ignore[1], "vcpus", "found ones first");
	compare_free(&r);
}

static void test_refused(void)
{
	struct cmp_opts o = defaults();
	struct cmp_result r;
	char err[512], p[PATH_MAX + 32];
	FILE *f;

	host_yaml("other", "6.1.0", "0");
	f = open_in("other", "results.csv");
	fprintf(f, "scenario,case,guest,test,repeat,vm,vcpu,kind,name,sample,value,unit,cycles,detail\n"
		"t,0,h,x,0,0,0,metric,m,0,1,ns/op,,\n");
	fclose(f);
	is_int(load(&r, "a", "other", &o, err, sizeof(err)), -1, "no case in common: refused");
	ok(strstr(err, "no case in common") != NULL, "says so: %s", err);

	host_yaml("inc", "6.1.0", "0");
	run_dir("inc", "4k", 1, 1, 1, 1, (const char *const[3]){ "pass", "pass", "pass" });
	f = open_in("inc", "INCOMPLETE");
	fprintf(f, "interrupted\n");
	fclose(f);
	is_int(load(&r, "a", "inc", &o, err, sizeof(err)), -1, "incomplete B: refused");
	ok(strstr(err, "incomplete run") != NULL, "says so: %s", err);
	snprintf(p, sizeof(p), "nosuch");
	is_int(load(&r, p, "a", &o, err, sizeof(err)), -1, "missing A: refused");
	ok(strstr(err, "No such file") != NULL, "says so: %s", err);
}

static void cleanup(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd))
		diag("could not remove %s", tmp);
}

int main(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/t_compare.XXXXXX");
	if (!mkdtemp(tmp))
		skip_all("no temporary directory");
	test_planted();
	test_drift_opposite();
	test_noise_guards();
	test_changed_knob();
	test_repeats();
	test_refused();
	is_int(compare_better("ns/op"), -1, "ns/op: lower is better");
	is_int(compare_better("units/s"), 1, "units/s: higher is better");
	is_int(compare_better("MB/s"), 1, "MB/s: higher is better");
	is_int(compare_better("count"), 0, "count: neither");
	cleanup();
	return done_testing();
}
