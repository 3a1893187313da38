// SPDX-License-Identifier: GPL-2.0
/*
 * t_rdir.c - reading results directories back: CSV quoting, host.yaml
 * flattening, metric and check groups, and the directories refused.
 */
#include <errno.h>
#include <math.h>

#include "rdir.h"
#include "tap_test.h"

static const char *fixture(const char *name)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/tests/fixtures/results/%s", tt_src_dir(), name);
	return p;
}

static void test_read(void)
{
	struct rdir d;
	char err[512];

	if (!is_int(rdir_load(&d, fixture("one/"), err, sizeof(err)), 0, "fixture loads"))
		diag("%s", err);
	is_str(d.name, "one", "name: the base name, trailing slash dropped");
	is_int(d.nr_rows, 12, "12 rows (a quoted newline is inside a field)");
	is_int(d.nr_cols, 18, "18 columns");
	is_int(rdir_col(&d, "backing"), 16, "backing is column 16");
	is_int(rdir_col(&d, "nope"), -1, "no such column: -1");
	is_str(rdir_get(&d, 3, "detail"), "detail with \"quotes\", and a comma",
	       "quoted field: doubled quotes and comma");
	is_str(rdir_get(&d, 6, "detail"), "no 1G\npages", "quoted field with a newline");
	is_str(rdir_get(&d, 6, "backing"), "4k", "the field after it");
	is_str(rdir_get(&d, 0, "nope"), "", "no such column: empty");
	is_str(rdir_cell(&d, 99, 0), "", "no such row: empty");
	is_str(rdir_host(&d, "kernel.release"), "6.1.0-fixture", "host: kernel.release");
	is_str(rdir_host(&d, "kvm.paging"), "ept", "host: kvm.paging");
	is_str(rdir_host(&d, "kvm.modules.kvm_intel.parameters.ept"), "Y", "host: module parameter");
	is_str(rdir_host(&d, "memory.list.1"), "b", "host: sequence item by index");
	is_str(rdir_host(&d, "memory.ksm.run"), "0", "host: key after a sequence");
	ok(!rdir_host(&d, "kvm.nope"), "host: absent key is NULL");
	rdir_free(&d);
}

static void test_groups(void)
{
	const char *const ign[] = { "backing", NULL };
	struct rgroup *g;
	struct rdir d;
	char err[512];
	int n;

	rdir_load(&d, fixture("one"), err, sizeof(err));
	n = rdir_groups(&d, RG_METRIC, NULL, &g);
	is_int(n, 3, "metrics: chase per backing, and per vCPU");
	is_int(g[0].n, 3, "4k chase: 3 samples over 2 repeats");
	ok(g[0].v[0] == 10 && g[0].v[1] == 12 && g[0].v[2] == 11, "samples in file order");
	is_str(g[0].unit, "ns/op", "unit");
	is_str(g[0].label, "pagewalk:chase vcpus=1 backing=4k", "label: the varying config");
	is_str(g[2].label, "pagewalk:chase vcpus=2 backing=thp vcpu 1", "label: vCPU of a 2-vCPU case");
	ok(strcmp(g[0].key, g[1].key), "keys differ by backing");
	rgroups_free(g, n);

	n = rdir_groups(&d, RG_METRIC, ign, &g);
	is_int(n, 2, "backing ignored: 4k and thp of 1 vCPU are one metric");
	is_int(g[0].n, 4, "its samples: 3 + 1");
	ok(!strstr(g[0].key, "backing"), "ignored column not in the key");
	rgroups_free(g, n);

	n = rdir_groups(&d, RG_CHECK, NULL, &g);
	is_int(n, 4, "checks: ad_bits, known, page_1g, outcome");
	is_str(g[0].name, "ad_bits", "first check");
	is_int(g[0].state, RCHK_FAIL, "a failed repeat makes the check fail");
	is_str(g[0].detail, "second repeat failed", "the worst row's detail");
	is_int(g[1].state, RCHK_TODO, "unit todo: TODO");
	is_int(g[2].state, RCHK_SKIP, "skip row: skipped");
	is_str(g[3].name, "outcome", "the case outcome is a check");
	is_int(g[3].state, RCHK_PASS, "outcome passed");
	rgroups_free(g, n);
	rdir_free(&d);
}

static void refused(const char *name, const char *want)
{
	struct rdir d;
	char err[512];

	is_int(rdir_load(&d, fixture(name), err, sizeof(err)), -1, "%s: refused", name);
	if (!ok(strstr(err, want) != NULL, "%s: says '%s'", name, want))
		diag("got: %s", err);
}

int main(void)
{
	test_read();
	test_groups();
	refused("incomplete", "incomplete run (interrupted by SIGINT)");
	refused("nohost", "no host.yaml");
	refused("badcsv", "results.csv:2: unterminated quote");
	refused("nosuch", "No such file or directory");
	return done_testing();
}
