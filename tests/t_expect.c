// SPDX-License-Identifier: GPL-2.0
/*
 * t_expect.c - expectations: the shipped files load and name real guests,
 * tests and checks; they match the hosts they describe (fixture trees of a
 * v669 and a v1272 kvm_pvm host, an Intel EPT and an AMD NPT host, a guest
 * without KVM) and no other; every malformed entry is refused with
 * FILE:LINE:COL; kernel ranges follow version order; a run's uses count.
 */
#include <errno.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include "expect.h"
#include "guests.h"
#include "host.h"
#include "tap_test.h"

static char tmp[PATH_MAX];

static struct host_info *probe(const char *name)
{
	struct host_info *h = calloc(1, sizeof(*h));
	char root[PATH_MAX];

	if (!h)
		exit(2);
	snprintf(root, sizeof(root), "%s/tests/fixtures/host/%s", tt_src_dir(), name);
	is_int(host_probe(root, h), 0, "host fixture %s probed", name);
	return h;
}

static const char *spit(const char *name, const char *text)
{
	static char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		exit(2);
	return path;
}

/* --- the shipped set --------------------------------------------------------- */

/* in_source - does guests/GUEST/ hold the string literal "@check"? */
static bool in_source(const char *guest, const char *check)
{
	char cmd[PATH_MAX + 256];

	snprintf(cmd, sizeof(cmd), "grep -rqF '\"%s\"' '%s/guests/%s'", check, tt_src_dir(), guest);
	return !system(cmd);
}

/*
 * names_real - "GUEST:TEST CHECK": the guest exists, has the test, and the
 * check is "case" or a string its source passes to the ABI.  Globs in any
 * part are taken on trust.
 */
static bool names_real(const struct expect *e, char *why, size_t len)
{
	char guest[64], test[64], check[96];
	struct vmm_image img;
	char err[256];
	bool found = false;
	int i;

	if (sscanf(e->check, "%63[^:]:%63s %95s", guest, test, check) != 3) {
		snprintf(why, len, "cannot split '%s'", e->check);
		return false;
	}
	if (strpbrk(guest, "*?["))
		return true;
	if (guest_load(guest, &img, err, sizeof(err))) {
		snprintf(why, len, "%s", err);
		return false;
	}
	for (i = 0; i < img.nr_tests && !found; i++)
		found = !fnmatch(test, img.tests[i].name, 0);
	image_free(&img);
	if (!found) {
		snprintf(why, len, "guest %s has no test '%s'", guest, test);
		return false;
	}
	if (strpbrk(check, "*?[") || !strcmp(check, "case") || in_source(guest, check))
		return true;
	snprintf(why, len, "no \"%s\" in guests/%s", check, guest);
	return false;
}

static void test_shipped(void)
{
	struct expect_set s;
	char path[PATH_MAX], err[512], why[512];
	int i;

	snprintf(path, sizeof(path), "%s/expectations", tt_src_dir());
	is_int(expect_set_load(&s, path, err, sizeof(err)), 0, "expectations/ loads (%s)", err);
	ok(s.n >= 6, "it holds the known kvm_pvm and QEMU TCG behaviour (%d entries)", s.n);
	for (i = 0; i < s.n; i++) {
		const struct expect *e = &s.e[i];

		ok(e->id[0] && e->why[0] && e->seen[0] && e->reason[0],
		   "%s: id, reason, why and seen", e->id);
		ok(names_real(e, why, sizeof(why)), "%s: '%s' names a real check (%s)", e->id,
		   e->check, why);
		ok(e->nr_when > 0, "%s: keyed to a kind of host, not every host", e->id);
	}
	expect_set_free(&s);
}

/* matching - the ids of @s's entries that match fixture @host, space-separated. */
static const char *matching(const struct expect_set *s, const char *host)
{
	static char out[1024];
	struct host_info *h = probe(host);
	size_t off = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < s->n; i++)
		if (expect_host_matches(&s->e[i], h))
			off += snprintf(out + off, sizeof(out) - off, "%s%s", off ? " " : "", s->e[i].id);
	free(h);
	return out;
}

static void test_shipped_hosts(void)
{
	struct expect_set s;
	char path[PATH_MAX], err[512];

	snprintf(path, sizeof(path), "%s/expectations", tt_src_dir());
	if (expect_set_load(&s, path, err, sizeof(err)))
		return;
	is_str(matching(&s, "pvm"), "pvm-cpuid-cpl3-host-leaves pvm-pcide-gp pvm-invpcid-ends-vm "
	       "pvm-cpuid-mask-not-kept pvm-htt-kept",
	       "v669 kvm_pvm host (PCID, INVPCID and pdpe1gb in the host's flags): all five");
	is_str(matching(&s, "pvm-v1272"), "pvm-cpuid-mask-not-kept pvm-htt-kept",
	       "v1272 kvm_pvm host (none of those flags): the CPUID-table quirks only");
	is_str(matching(&s, "tcg-npt"), "tcg-rsvd-pf-without-p",
	       "KVM under QEMU TCG (hypervisor TCGTCGTCGTCG, npt): its emulated page walk's quirk");
	is_str(matching(&s, "intel-ept"), "", "Intel EPT host: none");
	is_str(matching(&s, "amd-npt"), "", "AMD NPT host: none");
	is_str(matching(&s, "nokvm"), "", "a guest without KVM: none");
	expect_set_free(&s);
}

/* --- matching keys ------------------------------------------------------------ */

static void test_keys(void)
{
	struct host_info h = { .kernel_release = "6.18.44-fc-v700", .cpu_vendor = "AuthenticAMD",
			       .cpu_model = "AMD EPYC", .hostname = "vm", .hypervisor_vendor = "KVMKVMKVM",
			       .cpu_features = "fpu pae pcid lm" };
	struct expect_set s;
	const struct expect *e;
	char err[512];
	const char *p = spit("keys.yaml",
		"- id: range\n"
		"  check: \"tlb:* x\"\n"
		"  when: {kernel_from: 6.18.44-fc-v669, kernel_before: 6.18.44-fc-v1272}\n"
		"  todo: in the range\n  why: w\n  seen: s\n"
		"- id: feature\n"
		"  check: \"tlb:* y\"\n"
		"  when: {cpuid: {pcid: true, invpcid: false}, vendor: \"*AMD\", hypervisor: \"false\"}\n"
		"  skip: has pcid, not invpcid\n  why: w\n  seen: s\n"
		"- id: glob\n"
		"  check: \"*:* case\"\n"
		"  when: {kernel: \"6.18.*\", model: \"AMD *\", hostname: vm, hypervisor_vendor: \"KVM*\"}\n"
		"  todo: any case\n  why: w\n  seen: s\n");

	is_int(expect_set_load(&s, p, err, sizeof(err)), 0, "a file of three entries loads (%s)", err);
	is_int(s.n, 3, "three entries");
	ok(expect_find(s.e, s.n, "tlb:cr3", "x", &h), "v700 is in [v669, v1272)");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.18.44-fc-v669");
	ok(expect_find(s.e, s.n, "tlb:cr3", "x", &h), "v669 is (kernel_from is inclusive)");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.18.44-fc-v1272");
	ok(!expect_find(s.e, s.n, "tlb:cr3", "x", &h), "v1272 is not (kernel_before is exclusive)");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.18.44-fc-v99");
	ok(!expect_find(s.e, s.n, "tlb:cr3", "x", &h), "v99 comes before v669 in version order");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.19.1-fc-v1");
	ok(!expect_find(s.e, s.n, "tlb:cr3", "x", &h), "6.19.1 comes after 6.18.44-fc-v1272");
	h.flags.hypervisor = true;
	ok(!expect_find(s.e, s.n, "tlb:pcid", "y", &h), "hypervisor false: a host under one does not match");
	h.flags.hypervisor = false;
	e = expect_find(s.e, s.n, "tlb:pcid", "y", &h);
	ok(e && !strcmp(e->id, "feature") && e->verdict == EXPECT_SKIP,
	   "cpuid: pcid present, invpcid absent, vendor glob: matches, a SKIP");
	snprintf(h.cpu_features, sizeof(h.cpu_features), "fpu pae pcid invpcid lm");
	ok(!expect_find(s.e, s.n, "tlb:pcid", "y", &h), "...not once the host has invpcid");
	snprintf(h.cpu_features, sizeof(h.cpu_features), "fpu pae pcidx lm");
	ok(!expect_find(s.e, s.n, "tlb:pcid", "y", &h), "...nor where 'pcid' is only part of a flag");
	ok(host_has_feature(&h, "fpu") && host_has_feature(&h, "lm") && !host_has_feature(&h, "pcid")
	   && !host_has_feature(&h, ""), "host_has_feature: whole words, first and last too");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.18.44-fc-v1272");
	e = expect_find(s.e, s.n, "smp:ipi", "case", &h);
	ok(e && !strcmp(e->id, "glob"), "kernel, model, hostname, hypervisor_vendor globs; check 'case'");
	snprintf(h.hostname, sizeof(h.hostname), "vm2");
	ok(!expect_find(s.e, s.n, "smp:ipi", "case", &h), "...a glob matches the whole hostname");
	ok(!expect_find(s.e, s.n, "smp:ipi", "case", NULL), "no host: entries with when never match");
	expect_set_free(&s);
}

static void test_words(void)
{
	struct expect e = { .id = "pvm-x", .reason = "it fails", .where = "f.yaml:3",
			    .nr_when = 2, .when = { { "paging", "shadow-pvm" }, { "cpuid", "+pcid" } } };
	char buf[300];

	is_str(expect_name(&e, buf, sizeof(buf)), "expectation pvm-x", "expect_name with an id");
	is_str(expect_reason(&e, buf, sizeof(buf)), "it fails [expectation pvm-x]",
	       "expect_reason: the reason, then the entry it comes from");
	is_str(expect_when_text(&e, buf, sizeof(buf)), "paging shadow-pvm, cpuid +pcid",
	       "expect_when_text");
	e.id[0] = 0;
	is_str(expect_name(&e, buf, sizeof(buf)), "f.yaml:3", "without an id: file and line");
	is_str(expect_id(&e), "f.yaml:3", "expect_id without an id");
	e.nr_when = 0;
	is_str(expect_when_text(&e, buf, sizeof(buf)), "every host", "no when: every host");
}

static void test_uses(void)
{
	static struct expect_uses u;
	struct expect a = { .id = "a" }, b = { .id = "b" }, many[EXPECT_MAX_USES + 2];
	int i;

	expect_use(&u, &a, false, "tlb:cr3 x");
	expect_use(&u, &a, false, "tlb:cr3 x");
	expect_use(&u, &b, true, "tlb:pcid [1/5] y");
	expect_use(&u, &b, true, "tlb:pcid [2/5] y");
	expect_use(&u, &a, true, "tlb:cr3 [3/5] x");
	is_int(u.n, 2, "two expectations used");
	ok(u.u[0].e == &a && u.u[0].held == 2 && u.u[0].passed == 1, "a: held in 2, passed in 1");
	ok(u.u[1].e == &b && u.u[1].held == 0 && u.u[1].passed == 2, "b: passed in 2 (stale)");
	is_str(u.u[1].first_passed, "tlb:pcid [1/5] y", "b: the first point that passed");
	memset(&u, 0, sizeof(u));
	for (i = 0; i < EXPECT_MAX_USES + 2; i++)
		expect_use(&u, &many[i], false, "x");
	ok(u.n == EXPECT_MAX_USES && u.lost == 2, "more than %d: counted as lost", EXPECT_MAX_USES);
}

/* --- malformed files ----------------------------------------------------------- */

static const struct {
	const char *text, *error;
} bad[] = {
	{ "- check: \"a:b c\"\n  todo: t\n  why: w\n  seen: s\n",
	  ":1:3: expectation: missing key 'id' (a name for the entry, [a-z0-9-])" },
	{ "- id: Bad_Id\n  check: \"a:b c\"\n  todo: t\n  why: w\n  seen: s\n",
	  ":1:7: id: 'Bad_Id' is not [a-z0-9-]" },
	{ "- id: x\n  check: \"a:b c\"\n  why: w\n  seen: s\n",
	  ":1:3: expectation: missing key 'todo' or 'skip' (the verdict, with its reason)" },
	{ "- id: x\n  check: \"a:b c\"\n  todo: t\n  seen: s\n",
	  ":1:3: expectation: missing key 'why' (what happens and why, in a sentence)" },
	{ "- id: x\n  check: \"a:b c\"\n  todo: t\n  why: w\n",
	  ":1:3: expectation: missing key 'seen' (the hosts and kernels it was seen on)" },
	{ "- id: x\n  check: \"a:b c\"\n  todo: t\n  why: w\n  seen: s\n  whn: {paging: npt}\n",
	  ":6:3: expectation: unknown key 'whn' (did you mean 'when'?)" },
	{ "- id: x\n  check: \"a:b c\"\n  todo: \"\"\n  why: w\n  seen: s\n",
	  ":3:9: todo: expected a reason, got ''" },
	{ "- id: x\n  check: \"a:b c\"\n  todo: t\n  why: w\n  seen: s\n  when: {paging: epy}\n",
	  ":6:18: when.paging: 'epy' matches no paging mode (ept, npt, shadow-pvm, shadow, none)" },
	{ "- id: x\n  check: \"a:b c\"\n  todo: t\n  why: w\n  seen: s\n  when: {cpuid: {PCID: true}}\n",
	  ":6:18: when.cpuid: 'PCID' is not a CPU flag as /proc/cpuinfo names them ([a-z0-9_])" },
	{ "- id: x\n  check: \"a:b c\"\n  todo: t\n  why: w\n  seen: s\n  when: [paging]\n",
	  ":6:9: when: expected a map of host key: glob, got a list" },
	{ "- id: x\n  check: \"a:b c\"\n  todo: t\n  why: w\n  seen: s\n"
	  "- id: x\n  check: \"a:b d\"\n  todo: t\n  why: w\n  seen: s\n",
	  ":6:3: id: duplicate id 'x' (first at " },
	{ "id: x\n", ":1:1: top level: expected a list of expectations, got a map" },
	{ "", ":1:1: empty file (expected a list of expectations)" },
	{ "- id: x\n  check: [a]\n", ":2:10: check: expected a glob, got a list" },
	{ "- [x\n", ":2:1: did not find expected ',' or ']'" },
};

static void test_bad(void)
{
	struct expect_set s;
	char err[512], name[32];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *p;
		int r;

		snprintf(name, sizeof(name), "bad%zu.yaml", i);
		p = spit(name, bad[i].text);
		err[0] = 0;
		r = expect_set_load(&s, p, err, sizeof(err));
		ok(r == -EINVAL && !strncmp(err, p, strlen(p)) && strstr(err, bad[i].error),
		   "bad entry %zu refused: %s", i, bad[i].error);
		if (r != -EINVAL || !strstr(err, bad[i].error))
			diag("got %d: %s", r, err);
		if (!r)
			expect_set_free(&s);
	}
}

static void test_dir(void)
{
	char dir[PATH_MAX + 16], err[512];
	struct expect_set s;

	snprintf(dir, sizeof(dir), "%s/set", tmp);
	mkdir(dir, 0755);
	spit("set/a.yaml", "- id: one\n  check: \"a:b c\"\n  todo: t\n  why: w\n  seen: s\n");
	spit("set/b.yaml", "- id: two\n  check: \"a:b d\"\n  skip: t\n  why: w\n  seen: s\n");
	spit("set/notes.txt", "not yaml at all: [");
	is_int(expect_set_load(&s, dir, err, sizeof(err)), 0, "a folder loads (%s)", err);
	ok(s.n == 2 && !strcmp(s.e[0].id, "one") && !strcmp(s.e[1].id, "two"),
	   "its *.yaml files in name order, other files ignored");
	ok(strstr(s.e[1].where, "/set/b.yaml:1") != NULL, "where: file and line (%s)", s.e[1].where);
	expect_set_free(&s);
	spit("set/c.yaml", "- id: one\n  check: \"a:b e\"\n  todo: t\n  why: w\n  seen: s\n");
	ok(expect_set_load(&s, dir, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "c.yaml:1:3: id: duplicate id 'one' (first at ") && strstr(err, "a.yaml:1)"),
	   "an id used in two files is refused, naming both (%s)", err);
	ok(expect_set_load(&s, "/nonexistent/x", err, sizeof(err)) == -ENOENT &&
	   !strcmp(err, "/nonexistent/x: No such file or directory"), "a missing path: -ENOENT");
}

int main(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/t_expect.XXXXXX");
	if (!mkdtemp(tmp))
		return 2;
	setenv("KVMBENCH_GUESTS", tt_guests_dir(), 1);
	test_shipped();
	test_shipped_hosts();
	test_keys();
	test_words();
	test_uses();
	test_bad();
	test_dir();
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd))
			diag("could not remove %s", tmp);
	}
	return done_testing();
}
