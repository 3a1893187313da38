// SPDX-License-Identifier: GPL-2.0
/*
 * t_knob.c - knobs and the journal on fixture trees (tests/fixtures/sys):
 * what each probe says and why, the syntax of values, and apply/restore
 * round trips on copies of the fixtures in a temp dir, so the real /sys is
 * never touched.  No modprobe runs: a stand-in records the commands and
 * plays the module's part on the fixture.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "journal.h"
#include "knob.h"
#include "knob_internal.h"
#include "tap_test.h"
#include "fixture_test.h"

/* --- helpers ------------------------------------------------------------------------ */

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* restore_cmd - cmd_restore with its stdout and stderr in @out. */
static int restore_cmd(char **argv, const char *out)
{
	int argc = 0, fd, o1, o2, r;

	while (argv[argc])
		argc++;
	fflush(stdout);
	fflush(stderr);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	o1 = dup(1);
	o2 = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	r = cmd_restore(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(o1, 1);
	dup2(o2, 2);
	close(o1);
	close(o2);
	close(fd);
	return r;
}

static int journal_lines(void)
{
	const char *s = slurp("%s", journal_path());
	int n = 0;

	if (!strcmp(s, "<missing>"))
		return -1;
	for (; *s; s++)
		n += *s == '\n';
	return n + 1;
}

static int probe(const char *knob, const char *value, char *why, size_t len)
{
	why[0] = '\0';
	return knob_find(knob)->probe(value, why, len);
}

/* probe_says - the probe of @knob=@value fails with exactly @want (NULL: succeeds). */
static void probe_says(const char *fixture, const char *knob, const char *value,
		       const char *want)
{
	char why[256];
	int r = probe(knob, value, why, sizeof(why));

	if (!want) {
		if (!is_int(r, 0, "%s: %s=%s can be applied", fixture, knob, value))
			diag("why: %s", why);
		return;
	}
	ok(r < 0, "%s: %s=%s cannot be applied", fixture, knob, value);
	is_str(why, want, "%s: %s=%s: the reason", fixture, knob, value);
}

/* apply - one knob on a one-VM plan made of @cfg, and @cfg updated from it. */
static int apply(const char *knob, const char *value, struct vm_config *cfg,
		 char *why, size_t len)
{
	struct knob_plan plan;
	int r;

	why[0] = '\0';
	knob_plan_init(&plan, cfg);
	plan.pin = cfg->pin;
	memcpy(plan.pin_cpu, cfg->pin_cpu, sizeof(cfg->pin_cpu));
	r = knob_find(knob)->apply(value, &plan, why, len);
	knob_plan_vm(&plan, 0, cfg);
	return r;
}

static const char *knob_read(const char *knob)
{
	static char buf[KNOB_VALUE_MAX];

	if (knob_find(knob)->read(buf, sizeof(buf)))
		return "<error>";
	return buf;
}

static bool fake_unloads_deps;

/*
 * fake_modprobe - stands in for modprobe: logs the command line, and for a
 * load writes each PARAM=VALUE into the fixture's parameter files.  The log
 * is a file so that it also works in children.
 */
static int fake_modprobe(char *const argv[], char *why, size_t len)
{
	char line[1024] = "", path[PATH_MAX * 2];
	FILE *f;
	int i;

	for (i = 0; argv[i]; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s",
			 i ? " " : "", argv[i]);
	f = fopen(log_path, "a");
	if (f) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
	if (!strcmp(argv[1], "-r")) {
		if (fake_unloads_deps) {	/* as modprobe -r does: kvm goes too */
			snprintf(path, sizeof(path), "%s/sys/module", knob_root());
			spawn_wait((char *[]){ "rm", "-rf", strcat(path, "/kvm"), NULL });
			strcat(path, "_intel");
			spawn_wait((char *[]){ "rm", "-rf", path, NULL });
		}
		return 0;
	}
	snprintf(path, sizeof(path), "%s/sys/module/%s/parameters", knob_root(), argv[1]);
	spawn_wait((char *[]){ "mkdir", "-p", path, NULL });
	for (i = 2; argv[i]; i++) {
		const char *eq = strchr(argv[i], '=');

		if (!eq)
			continue;
		snprintf(path, sizeof(path), "%s/sys/module/%s/parameters/%.*s", knob_root(),
			 argv[1], (int)(eq - argv[i]), argv[i]);
		spit(path, eq + 1);
	}
	return 0;
}

/* --- the registry and the syntax of values ------------------------------------------- */

static void test_registry(void)
{
	const struct knob *const *k = knob_all();
	char names[256] = "";
	int i;

	for (i = 0; k[i]; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? "," : "", k[i]->name);
	is_str(names, "ept,vpid,npt,thp,vcpus,memory,vms,overcommit_pattern,overcommit,topology,cpu_model,mem_overcommit,backing,ksm,pin",
	       "knob_all: every knob, in order (the case's shape before what depends on it)");
	for (i = 0; k[i]; i++)
		ok(k[i]->help && k[i]->probe && k[i]->read && k[i]->apply,
		   "%s: help, probe, read and apply", k[i]->name);
	ok(knob_find("thp") == k[3], "knob_find(thp)");
	ok(knob_find("pin")->verify, "pin verifies the affinity it got");
	ok(!knob_find("hugepages"), "knob_find of an unknown knob is NULL");
	ok(knob_find("backing")->verify, "backing verifies what it got");
	ok(knob_find("thp")->host && knob_find("ksm")->host && knob_find("ept")->host &&
	   knob_find("backing")->host, "host knobs are marked host");
	ok(!knob_find("pin")->host && !knob_find("vcpus")->host && !knob_find("memory")->host,
	   "VM knobs are not");
}

static void value_is(const char *knob, const char *value, const char *want)
{
	char why[256] = "";
	int r = knob_value_ok(knob_find(knob), value, why, sizeof(why));

	if (!want) {
		if (!is_int(r, 0, "%s: '%s' is a value", knob, value))
			diag("why: %s", why);
		return;
	}
	is_int(r, -EINVAL, "%s: '%s' is not a value", knob, value);
	is_str(why, want, "%s: '%s': the reason", knob, value);
}

static void test_values(void)
{
	static const char *const good[][2] = {
		{ "ept", "on" }, { "ept", "off" }, { "vpid", "off" }, { "npt", "on" },
		{ "thp", "always" }, { "thp", "madvise" }, { "thp", "never" },
		{ "backing", "4k" }, { "backing", "thp" }, { "backing", "hugetlb-2m" },
		{ "backing", "hugetlb-1g" }, { "ksm", "on" }, { "ksm", "off" },
		{ "pin", "none" }, { "pin", "compact" }, { "pin", "spread" }, { "pin", "0" },
		{ "pin", "0,2-3" }, { "pin", "1-1" }, { "pin", "3,1,0-1" }, { "pin", "1023" },
		{ "vcpus", "1" }, { "vcpus", "64" }, { "memory", "8" }, { "memory", "3072" },
		{ "topology", "1x1x1" }, { "topology", "2x2x1" }, { "topology", "255x1x255" },
		{ "cpu_model", "host" }, { "cpu_model", "baseline" },
		{ "overcommit", "0.5" }, { "overcommit", "1" }, { "overcommit", "8" },
		{ "overcommit", "64" }, { "overcommit_pattern", "many-vms" },
		{ "overcommit_pattern", "one-vm" },
	};
	const char *topo = "topology must be SOCKETSxCORESxTHREADS, each 1-255 (like 2x2x1), not";
	const char *oc = "overcommit must be vCPUs per host CPU, a number above 0 up to 64 (like 0.5 or 4), not";
	const char *pin_syntax = "pin must be none, compact, spread or a CPU list like 0,2-3";
	char want[256];
	unsigned i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		value_is(good[i][0], good[i][1], NULL);
	value_is("thp", "sometimes", "thp must be one of always, madvise, never, not 'sometimes'");
	value_is("thp", "", "thp needs a value");
	value_is("ept", "Y", "ept must be one of on, off, not 'Y'");
	value_is("ksm", "yes", "ksm must be one of on, off, not 'yes'");
	value_is("backing", "2m",
		 "backing must be one of 4k, thp, hugetlb-2m, hugetlb-1g, not '2m'");
	value_is("vcpus", "0", "vcpus must be an integer from 1 to 64, not '0'");
	value_is("vcpus", "65", "vcpus must be an integer from 1 to 64, not '65'");
	value_is("vcpus", "two", "vcpus must be an integer from 1 to 64, not 'two'");
	value_is("vcpus", "2x", "vcpus must be an integer from 1 to 64, not '2x'");
	value_is("memory", "7", "memory must be an integer from 8 to 3072, not '7'");
	value_is("memory", "3073", "memory must be an integer from 8 to 3072, not '3073'");
	snprintf(want, sizeof(want), "%s '2x2'", topo);
	value_is("topology", "2x2", want);
	snprintf(want, sizeof(want), "%s '0x1x1'", topo);
	value_is("topology", "0x1x1", want);
	snprintf(want, sizeof(want), "%s '1x256x1'", topo);
	value_is("topology", "1x256x1", want);
	snprintf(want, sizeof(want), "%s '2x2x1 '", topo);
	value_is("topology", "2x2x1 ", want);
	value_is("cpu_model", "qemu64", "cpu_model must be one of host, baseline, not 'qemu64'");
	snprintf(want, sizeof(want), "%s '0'", oc);
	value_is("overcommit", "0", want);
	snprintf(want, sizeof(want), "%s '65'", oc);
	value_is("overcommit", "65", want);
	snprintf(want, sizeof(want), "%s 'two'", oc);
	value_is("overcommit", "two", want);
	snprintf(want, sizeof(want), "%s 'nan'", oc);
	value_is("overcommit", "nan", want);
	value_is("overcommit_pattern", "few-vms",
		 "overcommit_pattern must be one of many-vms, one-vm, not 'few-vms'");
	value_is("pin", "3-1", "pin: 3-1 is backwards");
	value_is("pin", "1024", "pin: CPU numbers go up to 1023, not '1024'");
	value_is("pin", "", "pin needs a value");
	for (i = 0; i < 6; i++) {
		static const char *const bad[] = { "0,", ",0", "0-", "a", "0 1", "-1" };

		snprintf(want, sizeof(want), "%s, not '%s'", pin_syntax, bad[i]);
		value_is("pin", bad[i], want);
	}
}

/* --- probes on each fixture ------------------------------------------------------------ */

static void test_root(void)
{
	unsetenv("KVMBENCH_SYSROOT");
	is_str(knob_root(), "", "knob_root: \"\" without $KVMBENCH_SYSROOT");
	use_fixture("pvm");
	is_str(knob_root(), root, "knob_root: $KVMBENCH_SYSROOT");
}

static void test_module_probes(void)
{
	const char *builtin = "kvm_intel is built into the kernel, its parameters cannot change";
	const char *no_intel = "kvm_intel is not loaded on this host";
	const char *no_amd = "kvm_amd is not loaded on this host";
	char why[256];

	knob_run_hook = fake_modprobe;
	use_fixture("intel-module");
	probe_says("intel-module", "ept", "on", NULL);
	probe_says("intel-module", "ept", "off", NULL);
	probe_says("intel-module", "vpid", "off", NULL);
	probe_says("intel-module", "npt", "on", no_amd);
	is_str(knob_read("ept"), "on", "intel-module: ept reads on");
	is_str(knob_read("vpid"), "on", "intel-module: vpid reads on");

	use_fixture("intel-builtin");
	probe_says("intel-builtin", "ept", "on", NULL);	/* already in force */
	probe_says("intel-builtin", "ept", "off", builtin);
	probe_says("intel-builtin", "vpid", "on", builtin);
	probe_says("intel-builtin", "vpid", "off", NULL);
	is_str(knob_read("vpid"), "off", "intel-builtin: vpid reads off");

	use_fixture("amd-module");
	probe_says("amd-module", "npt", "on", NULL);
	probe_says("amd-module", "npt", "off", NULL);
	probe_says("amd-module", "ept", "on", no_intel);
	probe_says("amd-module", "vpid", "off", no_intel);
	is_str(knob_read("npt"), "on", "amd-module: npt (1) reads on");

	use_fixture("pvm");
	probe_says("pvm", "ept", "on", no_intel);
	probe_says("pvm", "ept", "off", no_intel);
	probe_says("pvm", "vpid", "on", no_intel);
	probe_says("pvm", "npt", "off", no_amd);
	ok(knob_find("ept")->read(why, sizeof(why)) == -ENOENT, "pvm: ept cannot be read");

	copy_fixture("intel-module");
	spit(in_root("/sys/module/kvm_intel/refcnt"), "2\n");
	probe_says("intel-module in use", "ept", "off", "kvm_intel is in use by 2 VMs or processes");
	probe_says("intel-module in use", "ept", "on", NULL);
	unlink(in_root("/sys/module/kvm_intel/parameters/ept"));
	probe_says("intel-module without ept", "ept", "on", "kvm_intel has no parameter ept");

	knob_run_hook = NULL;
	use_fixture("intel-module");
	probe_says("intel-module", "ept", "off", knob_modprobe() ? NULL : "modprobe not found");
}

static void test_memory_probes(void)
{
	const char *no_thp = "THP is not available here (no /sys/kernel/mm/transparent_hugepage/enabled)";
	static const char *const all[] = {
		"intel-module", "intel-builtin", "amd-module", "pvm", "nothp", "noksm",
	};
	unsigned i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		use_fixture(all[i]);
		probe_says(all[i], "thp", "never", strcmp(all[i], "nothp") ? NULL : no_thp);
		probe_says(all[i], "backing", "thp", strcmp(all[i], "nothp") ? NULL : no_thp);
		probe_says(all[i], "backing", "4k", NULL);
		probe_says(all[i], "backing", "hugetlb-2m", NULL);
		probe_says(all[i], "backing", "hugetlb-1g", NULL);
		probe_says(all[i], "ksm", "on", strcmp(all[i], "noksm") ? NULL :
			   "KSM is not available here (no /sys/kernel/mm/ksm)");
		probe_says(all[i], "ksm", "off", NULL);
		probe_says(all[i], "pin", "compact", NULL);
		probe_says(all[i], "vcpus", "4", NULL);
		probe_says(all[i], "memory", "128", NULL);
	}
	use_fixture("pvm");
	is_str(knob_read("thp"), "madvise", "pvm: thp reads madvise (the selected word)");
	is_str(knob_read("ksm"), "off", "pvm: ksm reads off");
	is_str(knob_read("backing"), "", "pvm: backing has no host value");
	is_str(knob_read("pin"), "", "pvm: pin has no host value");
	use_fixture("nothp");
	is_str(knob_read("thp"), "<error>", "nothp: thp cannot be read");

	copy_fixture("pvm");
	spit(in_root("/sys/kernel/mm/transparent_hugepage/enabled"), "always madvise [never]\n");
	probe_says("pvm, THP never", "backing", "thp", "THP is disabled (never)");
	spit(in_root("/sys/kernel/mm/transparent_hugepage/enabled"), "[always] madvise never\n");
	probe_says("pvm, THP always", "backing", "thp", NULL);
	if (spawn_wait((char *[]){ "rm", "-r", (char *)in_root("/sys/kernel/mm/hugepages/hugepages-1048576kB"), NULL }))
		diag("rm failed");
	probe_says("pvm without 1G pages", "backing", "hugetlb-1g",
		   "the host has no 1G huge pages (no /sys/kernel/mm/hugepages/hugepages-1048576kB)");
	probe_says("pvm without 1G pages", "backing", "hugetlb-2m", NULL);
}

/* --- apply and restore ------------------------------------------------------------------- */

static void test_thp_round_trip(void)
{
	const char *path;
	char why[256], report[4096], want[PATH_MAX + 64], entry[PATH_MAX + 64];
	struct vm_config cfg;

	copy_fixture("pvm");
	vm_config_init(&cfg);
	path = in_root("/sys/kernel/mm/transparent_hugepage/enabled");
	ok(!journal_pending(), "thp: no journal yet");
	is_int(apply("thp", "never", &cfg, why, sizeof(why)), 0, "thp=never applied");
	is_str(slurp("%s", path), "never", "thp: the file says never");
	ok(journal_pending(), "thp: the journal exists");
	snprintf(entry, sizeof(entry), "file\t%s\tmadvise", path);
	is_str(slurp("%s", journal_path()), entry, "thp: the journal has the original, madvise");
	is_int(apply("thp", "always", &cfg, why, sizeof(why)), 0, "thp=always applied on top");
	is_str(slurp("%s", path), "always", "thp: the file says always");
	is_int(journal_lines(), 1, "thp: still one entry: the first original is kept");
	is_str(knob_read("thp"), "always", "thp reads always");

	is_int(journal_restore(report, sizeof(report)), 0, "thp: journal_restore: nothing failed");
	snprintf(want, sizeof(want), "restored %s to madvise\n", path);
	is_str(report, want, "thp: the report");
	is_str(slurp("%s", path), "madvise", "thp: the file is back to madvise");
	ok(!journal_pending(), "thp: the journal is gone");
	is_int(journal_restore(report, sizeof(report)), 0, "thp: restoring again: nothing to do");
	is_str(report, "", "thp: and nothing said");
}

static void test_ksm_round_trip(void)
{
	char why[256], report[4096], want[3 * PATH_MAX];
	struct vm_config cfg;

	copy_fixture("pvm");
	spit(in_root("/sys/kernel/mm/ksm/run"), "0\n");
	spit(in_root("/sys/kernel/mm/ksm/pages_to_scan"), "100\n");
	spit(in_root("/sys/kernel/mm/ksm/sleep_millisecs"), "20\n");
	vm_config_init(&cfg);
	is_int(apply("ksm", "off", &cfg, why, sizeof(why)), 0, "ksm=off applied");
	ok(!cfg.mem.mergeable, "ksm=off: guest RAM not mergeable");
	ok(!journal_pending(), "ksm=off: the host is not touched");
	is_int(apply("ksm", "on", &cfg, why, sizeof(why)), 0, "ksm=on applied");
	ok(cfg.mem.mergeable, "ksm=on: guest RAM mergeable");
	is_str(slurp("%s", in_root("/sys/kernel/mm/ksm/run")), "1", "ksm=on: run=1");
	is_str(slurp("%s", in_root("/sys/kernel/mm/ksm/pages_to_scan")), "10000",
	       "ksm=on: pages_to_scan=10000");
	is_str(slurp("%s", in_root("/sys/kernel/mm/ksm/sleep_millisecs")), "1",
	       "ksm=on: sleep_millisecs=1");
	is_str(knob_read("ksm"), "on", "ksm reads on");
	is_int(apply("ksm", "on", &cfg, why, sizeof(why)), 0, "ksm=on applied again");
	is_int(journal_lines(), 3, "ksm: three entries, journaled once");

	is_int(journal_restore(report, sizeof(report)), 0, "ksm: journal_restore: nothing failed");
	snprintf(want, sizeof(want), "restored %s to 0\nrestored %s to 20\nrestored %s to 100\n",
		 in_root("/sys/kernel/mm/ksm/run"), in_root("/sys/kernel/mm/ksm/sleep_millisecs"),
		 in_root("/sys/kernel/mm/ksm/pages_to_scan"));
	is_str(report, want, "ksm: the report, newest first");
	is_str(slurp("%s", in_root("/sys/kernel/mm/ksm/run")), "0",
	       "ksm: run is 0 again (after unmerging with 2)");
	is_str(slurp("%s", in_root("/sys/kernel/mm/ksm/pages_to_scan")), "100", "ksm: pages_to_scan back");
	is_str(slurp("%s", in_root("/sys/kernel/mm/ksm/sleep_millisecs")), "20", "ksm: sleep_millisecs back");
	ok(!journal_pending(), "ksm: the journal is gone");

	/* ksmd ran before us: put back 1, without unmerging the whole host first. */
	spit(in_root("/sys/kernel/mm/ksm/run"), "1\n");
	is_int(apply("ksm", "on", &cfg, why, sizeof(why)), 0, "ksm=on with ksmd already running");
	is_int(journal_restore(report, sizeof(report)), 0, "ksm: restored");
	is_str(slurp("%s", in_root("/sys/kernel/mm/ksm/run")), "1", "ksm: run is 1 again");
}

static void test_backing_round_trip(void)
{
	const char *dir2m = "/sys/kernel/mm/hugepages/hugepages-2048kB";
	const char *dir1g = "/sys/kernel/mm/hugepages/hugepages-1048576kB";
	char why[256], report[4096], p[PATH_MAX], want[PATH_MAX + 64];
	struct vm_config cfg;

	copy_fixture("pvm");
	vm_config_init(&cfg);
	cfg.ram_size = 64 << 20;
	snprintf(p, sizeof(p), "%s%s/", root, dir2m);
	spit(in_root("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), "0\n");
	spit(in_root("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"), "0\n");
	is_int(apply("backing", "4k", &cfg, why, sizeof(why)), 0, "backing=4k applied");
	ok(cfg.mem.backing == VMM_BACKING_4K && !journal_pending(), "backing=4k: the VM only");
	is_int(apply("backing", "thp", &cfg, why, sizeof(why)), 0, "backing=thp applied");
	ok(cfg.mem.backing == VMM_BACKING_THP && !journal_pending(), "backing=thp: the VM only");

	is_int(apply("backing", "hugetlb-2m", &cfg, why, sizeof(why)), 0,
	       "backing=hugetlb-2m applied with no free huge pages");
	if (why[0])
		diag("why: %s", why);
	ok(cfg.mem.backing == VMM_BACKING_HUGETLB_2M, "backing=hugetlb-2m: the VM's backing");
	is_str(slurp("%snr_hugepages", p), "32", "hugetlb-2m: 32 pages asked for 64 MiB");
	is_int(journal_lines(), 1, "hugetlb-2m: nr_hugepages journaled");
	is_int(journal_restore(report, sizeof(report)), 0, "hugetlb-2m: restored");
	snprintf(want, sizeof(want), "restored %snr_hugepages to 0\n", p);
	is_str(report, want, "hugetlb-2m: the report");
	is_str(slurp("%snr_hugepages", p), "0", "hugetlb-2m: nr_hugepages back to 0");

	/* Others' reservations are not ours to use; enough free pages: no change. */
	spit(in_root("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), "40\n");
	spit(in_root("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"), "40\n");
	spit(in_root("/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages"), "20\n");
	is_int(apply("backing", "hugetlb-2m", &cfg, why, sizeof(why)), 0, "hugetlb-2m: 20 available");
	is_str(slurp("%snr_hugepages", p), "52", "hugetlb-2m: raised by the shortfall, 12");
	journal_restore(report, sizeof(report));
	is_str(slurp("%snr_hugepages", p), "40", "hugetlb-2m: back to 40");
	spit(in_root("/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages"), "0\n");
	is_int(apply("backing", "hugetlb-2m", &cfg, why, sizeof(why)), 0, "hugetlb-2m: 40 free");
	ok(!journal_pending(), "hugetlb-2m: enough free pages, the host is not touched");

	cfg.ram_size = 1ull << 30;
	snprintf(p, sizeof(p), "%s%s/", root, dir1g);
	is_int(apply("backing", "hugetlb-1g", &cfg, why, sizeof(why)), 0, "hugetlb-1g applied");
	is_str(slurp("%snr_hugepages", p), "1", "hugetlb-1g: one 1G page for 1 GiB");
	journal_restore(report, sizeof(report));
	is_str(slurp("%snr_hugepages", p), "0", "hugetlb-1g: restored");

	use_fixture("nothp");
	cfg.mem.backing = VMM_BACKING_4K;
	ok(apply("backing", "thp", &cfg, why, sizeof(why)) < 0 && cfg.mem.backing == VMM_BACKING_4K,
	   "nothp: backing=thp not applied");
}

static void test_module_round_trip(void)
{
	char why[256], report[4096];
	struct vm_config cfg;
	const char *log;

	copy_fixture("intel-module");
	vm_config_init(&cfg);
	knob_run_hook = fake_modprobe;
	unlink(log_path);
	is_int(apply("ept", "on", &cfg, why, sizeof(why)), 0, "ept=on where it is on");
	is_str(slurp("%s", log_path), "<missing>", "ept=on: nothing reloaded");
	ok(!journal_pending(), "ept=on: nothing journaled");

	is_int(apply("ept", "off", &cfg, why, sizeof(why)), 0, "ept=off applied");
	if (why[0])
		diag("why: %s", why);
	is_str(knob_read("ept"), "off", "ept reads off");
	is_str(slurp("%s", journal_path()), "module\tkvm_intel\tept\tY", "ept: the journal entry");
	log = slurp("%s", log_path);
	ok(starts_with(log, "modprobe -r kvm_intel\nmodprobe kvm_intel ept=0 "),
	   "ept=off: modprobe -r, then modprobe with ept=0");
	ok(strstr(log, " ple_window=4096") && strstr(log, " vpid=Y"),
	   "ept=off: the other (writable) parameters kept");
	if (!ok(!strstr(log, " ept=Y"), "ept=off: ept given once"))
		diag("log: %s", log);
	unlink(log_path);
	is_int(apply("ept", "off", &cfg, why, sizeof(why)), 0, "ept=off again");
	is_str(slurp("%s", log_path), "<missing>", "ept=off again: nothing reloaded");

	is_int(journal_restore(report, sizeof(report)), 0, "ept: journal_restore: nothing failed");
	is_str(report, "restored kvm_intel.ept to Y\n", "ept: the report");
	is_str(knob_read("ept"), "on", "ept reads on again");
	ok(starts_with(slurp("%s", log_path), "modprobe -r kvm_intel\nmodprobe kvm_intel ept=Y"),
	   "ept: restored by reloading with ept=Y");
	ok(!journal_pending(), "ept: the journal is gone");

	/* modprobe -r took kvm with it: kvm comes back first, its settings kept. */
	fake_unloads_deps = true;
	unlink(log_path);
	is_int(apply("vpid", "off", &cfg, why, sizeof(why)), 0, "vpid=off applied");
	if (why[0])
		diag("why: %s", why);
	log = slurp("%s", log_path);
	ok(starts_with(log, "modprobe -r kvm_intel\nmodprobe kvm ") &&
	   strstr(log, " halt_poll_ns=200000") && strstr(log, "\nmodprobe kvm_intel vpid=0 "),
	   "vpid=off: kvm reloaded with its settings, then kvm_intel");
	if (!ok(!strcmp(slurp("%s", in_root("/sys/module/kvm/parameters/halt_poll_ns")), "200000"),
		"vpid=off: kvm's halt_poll_ns kept"))
		diag("log: %s", log);
	is_str(knob_read("vpid"), "off", "vpid reads off");
	is_int(journal_restore(report, sizeof(report)), 0, "vpid: restored");
	is_str(knob_read("vpid"), "on", "vpid reads on again");
	fake_unloads_deps = false;
	knob_run_hook = NULL;
}

static void test_restore_failures(void)
{
	char why[256], report[4096], want[PATH_MAX + 128];
	struct vm_config cfg;
	const char *path;

	copy_fixture("pvm");
	vm_config_init(&cfg);
	path = in_root("/sys/kernel/mm/transparent_hugepage/enabled");
	apply("thp", "never", &cfg, why, sizeof(why));
	unlink(path);
	mkdir(path, 0755);
	is_int(journal_restore(report, sizeof(report)), 1, "a file that cannot be written: one failure");
	snprintf(want, sizeof(want), "could not restore %s: cannot write it: Is a directory\n", path);
	is_str(report, want, "the report says why");
	ok(journal_pending(), "the journal is kept");
	is_int(journal_lines(), 1, "with that entry");
	rmdir(path);
	spit(path, "never\n");
	is_int(journal_restore(report, sizeof(report)), 0, "restored once it can be");
	is_str(slurp("%s", path), "madvise", "the file is back");
	ok(!journal_pending(), "and the journal gone");

	spit(journal_path(), "garbage\n");
	is_int(journal_restore(report, sizeof(report)), 1, "a malformed entry is a failure");
	is_str(report, "could not restore: malformed journal entry 'garbage'\n", "and says so");
	unlink(journal_path());

	/* A torn append (no newline): its change was never made. */
	snprintf(want, sizeof(want), "file\t%s\tmadv", path);
	spit(journal_path(), want);
	spit(path, "always\n");
	is_int(journal_restore(report, sizeof(report)), 0, "a torn last entry is dropped");
	is_str(report, "", "silently");
	is_str(slurp("%s", path), "always", "and the file left alone");
	ok(!journal_pending(), "the journal is gone");

	snprintf(why, sizeof(why), "x");
	is_int(journal_write_file(in_root("/nonexistent"), "1", why, sizeof(why)), -ENOENT,
	       "journal_write_file of a missing file");
	snprintf(want, sizeof(want), "cannot read %s: No such file or directory",
		 in_root("/nonexistent"));
	is_str(why, want, "says why");
	ok(!journal_pending(), "and journals nothing");
	is_int(journal_write_file(path, "a\tb", why, sizeof(why)), -EINVAL, "a tab in a value is refused");
}

/* --- pinning -------------------------------------------------------------------------- */

static cpu_set_t fake_allowed;

static int fake_affinity(cpu_set_t *set)
{
	*set = fake_allowed;
	return 0;
}

static void allow(const int *cpus, int n)
{
	CPU_ZERO(&fake_allowed);
	while (n--)
		CPU_SET(cpus[n], &fake_allowed);
}

static void pin_is(const char *value, int vcpus, const char *want)
{
	char why[256], got[256] = "";
	struct vm_config cfg;
	int i, r;

	vm_config_init(&cfg);
	cfg.nr_vcpus = vcpus;
	r = apply("pin", value, &cfg, why, sizeof(why));
	for (i = 0; i < 6; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%d", i ? "," : "",
			 cfg.pin_cpu[i]);
	ok(!r && cfg.pin == (strcmp(value, "none") != 0), "pin=%s, %d vCPUs: applied", value, vcpus);
	is_str(got, want, "pin=%s, %d vCPUs: vCPUs 0-5 on CPUs %s", value, vcpus, want);
}

static void test_pin(void)
{
	static const int four[] = { 0, 1, 2, 3 }, odd[] = { 1, 3, 5, 7 }, zero[] = { 0 };
	cpu_set_t real;
	char why[256];
	struct vm_config cfg;
	int first;

	use_fixture("pvm");	/* CPUs 0-1 online */
	knob_pin_affinity_hook = fake_affinity;
	allow(four, 4);
	pin_is("none", 2, "-1,-1,-1,-1,-1,-1");
	pin_is("compact", 3, "0,1,2,3,0,1");
	pin_is("spread", 1, "0,0,0,0,0,0");
	pin_is("spread", 2, "0,2,0,2,0,2");
	pin_is("spread", 3, "0,1,2,3,0,1");
	pin_is("spread", 8, "0,1,2,3,0,1");
	pin_is("1", 2, "1,1,1,1,1,1");
	pin_is("1,0", 2, "1,0,1,0,1,0");
	pin_is("0-1", 3, "0,1,0,1,0,1");
	allow(odd, 4);
	pin_is("compact", 2, "1,3,5,7,1,3");
	pin_is("spread", 2, "1,5,1,5,1,5");
	probe_says("pvm", "pin", "1-2", "CPU 2 is not online (online: 0-1)");
	probe_says("pvm", "pin", "1", NULL);
	probe_says("pvm", "pin", "0", "CPU 0 is not among the CPUs this process may use (1,3,5,7)");
	allow(zero, 1);
	probe_says("pvm", "pin", "0", NULL);
	vm_config_init(&cfg);
	ok(apply("pin", "1", &cfg, why, sizeof(why)) < 0 && !cfg.pin, "pin=1: not applied");
	is_str(why, "CPU 1 is not among the CPUs this process may use (0)", "pin=1: why");

	knob_pin_affinity_hook = NULL;
	sched_getaffinity(0, sizeof(real), &real);
	for (first = 0; !CPU_ISSET(first, &real); first++)
		;
	vm_config_init(&cfg);
	is_int(apply("pin", "compact", &cfg, why, sizeof(why)), 0, "pin=compact on this process");
	is_int(cfg.pin_cpu[0], first, "vCPU 0 on this process's first allowed CPU");
}

/* plan_apply - knobs in registry order on a plan of one @vcpus-vCPU VM, as the runner does. */
static int plan_apply(struct knob_plan *plan, int vcpus, const char *const *kv, char *why,
		      size_t len)
{
	const struct knob *const *kp;
	struct vm_config cfg;
	int i, r;

	vm_config_init(&cfg);
	cfg.nr_vcpus = vcpus;
	knob_plan_init(plan, &cfg);
	for (kp = knob_all(); *kp; kp++)
		for (i = 0; kv[i]; i += 2)
			if (!strcmp(kv[i], (*kp)->name) &&
			    (r = (*kp)->apply(kv[i + 1], plan, why, len)))
				return r;
	return 0;
}

static void overcommit_is(const char *ratio, const char *pattern, int vms, int vcpus)
{
	const char *kv[] = { "overcommit", ratio, "overcommit_pattern", pattern, NULL };
	struct knob_plan plan;
	char why[256] = "";
	int r = plan_apply(&plan, 3, kv, why, sizeof(why));

	ok(!r && plan.nr_vms == vms && plan.vm.nr_vcpus == vcpus && plan.host_cpus == 4,
	   "overcommit=%s %s on 4 CPUs: %d VMs of %d vCPUs (got %d of %d; %s)", ratio, pattern,
	   vms, vcpus, plan.nr_vms, plan.vm.nr_vcpus, why);
}

/* test_overcommit - N from the allowed CPUs, the two patterns, the limits, pinning across VMs. */
static void test_overcommit(void)
{
	static const int four[] = { 0, 1, 2, 3 };
	const char *big[] = { "overcommit", "8", "overcommit_pattern", "one-vm", NULL };
	const char *huge[] = { "overcommit", "64", "overcommit_pattern", "many-vms", NULL };
	const char *pinned[] = { "overcommit", "2", "pin", "compact", NULL };
	const char *topo[] = { "overcommit", "1", "overcommit_pattern", "one-vm",
			       "topology", "1x2x1", NULL };
	const char *topo_ok[] = { "vcpus", "4", "topology", "2x2x1", "cpu_model", "baseline",
				  NULL };
	struct knob_plan plan;
	struct vm_config cfg;
	char why[256], got[64] = "";
	int i, cpus[64];

	knob_pin_affinity_hook = fake_affinity;
	allow(four, 4);
	overcommit_is("0.5", "many-vms", 2, 1);
	overcommit_is("0.5", "one-vm", 1, 2);
	overcommit_is("2", "many-vms", 8, 1);
	overcommit_is("2", "one-vm", 1, 8);
	overcommit_is("0.1", "one-vm", 1, 1);
	overcommit_is("16", "one-vm", 1, 64);
	ok(plan_apply(&plan, 1, (const char *[]){ "overcommit", "2", NULL }, why, sizeof(why)) == 0 &&
	   plan.nr_vms == 8, "overcommit alone: many small VMs (the recommended pattern)");
	is_int(plan_apply(&plan, 1, big, why, sizeof(why)), 0,
	       "overcommit=8 one-vm on 4 CPUs: 32 vCPUs fit");
	for (i = 0; i < 64; i++)
		cpus[i] = i;
	allow(cpus, 64);
	ok(plan_apply(&plan, 1, big, why, sizeof(why)) == -E2BIG, "overcommit=8 one-vm on 64 CPUs: refused");
	is_str(why, "overcommit=8 on 64 CPUs needs a VM of 512 vCPUs; kvmbench VMs have at most 64",
	       "...with the reason");
	ok(plan_apply(&plan, 1, huge, why, sizeof(why)) == -E2BIG, "overcommit=64 many-vms on 64 CPUs: refused");
	is_str(why, "overcommit=64 on 64 CPUs needs 4096 VMs at once; kvmbench runs at most 256",
	       "...with the reason");

	allow(four, 4);
	is_int(plan_apply(&plan, 1, pinned, why, sizeof(why)), 0, "overcommit=2 pin=compact");
	for (i = 0; i < 8; i++) {
		knob_plan_vm(&plan, i, &cfg);
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%d", i ? "," : "",
			 cfg.pin_cpu[0]);
	}
	is_str(got, "0,1,2,3,0,1,2,3", "compact pinning counts vCPUs across the 8 VMs");
	ok(plan_apply(&plan, 1, topo, why, sizeof(why)) < 0,
	   "topology 1x2x1 cannot hold the 4 vCPUs overcommit=1 one-vm gives: %s", why);
	is_int(plan_apply(&plan, 1, topo_ok, why, sizeof(why)), 0, "vcpus=4 topology=2x2x1 cpu_model=baseline");
	ok(plan.vm.topo.sockets == 2 && plan.vm.topo.cores == 2 && plan.vm.topo.threads == 1 &&
	   plan.vm.cpu_model == VM_CPU_BASELINE && plan.vm.nr_vcpus == 4,
	   "...is what the VM gets");
	knob_pin_affinity_hook = NULL;
}

/* --- backing: checking smaps -------------------------------------------------------------- */

static void test_smaps(void)
{
	size_t size = 4 << 20;
	char why[256], want[256];
	char *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		skip(5, "mmap failed");
		return;
	}
	madvise(p, size, MADV_NOHUGEPAGE);
	memset(p, 1, size);
	is_int(knob_backing_check(p, VMM_BACKING_4K, why, sizeof(why)), 0, "smaps: 4k needs nothing");
	is_int(knob_backing_check(p, VMM_BACKING_THP, why, sizeof(why)), -EIO, "smaps: no THP here");
	snprintf(want, sizeof(want), "guest RAM at %p has no huge pages (AnonHugePages 0 kB)", p);
	is_str(why, want, "smaps: why");
	is_int(knob_backing_check(p, VMM_BACKING_HUGETLB_2M, why, sizeof(why)), -EIO,
	       "smaps: no hugetlb pages here");
	snprintf(want, sizeof(want), "guest RAM at %p has no huge pages (KernelPageSize 4 kB)", p);
	is_str(why, want, "smaps: why");
	is_int(knob_backing_check(p + 4096, VMM_BACKING_THP, why, sizeof(why)), -ENOENT,
	       "smaps: no mapping starts there");
	snprintf(want, sizeof(want), "guest RAM at %p is not in /proc/self/smaps", p + 4096);
	is_str(why, want, "smaps: why");
	munmap(p, size);
}

/* --- the lock, kvmbench restore, exit and signals ------------------------------------------ */

static void test_cmd_restore(void)
{
	char *help[] = { "restore", "--help", NULL }, *bad[] = { "restore", "now", NULL };
	char *plain[] = { "restore", NULL };
	char why[256], want[PATH_MAX + 128], report[256], out[PATH_MAX + 16];
	struct vm_config cfg;
	int p[2], st;
	pid_t pid;
	char c;

	snprintf(out, sizeof(out), "%s/restore.out", tmp);
	copy_fixture("pvm");
	ok(!journal_pending(), "restore: no journal");
	is_int(restore_cmd(plain, out), 0, "kvmbench restore with nothing to do exits 0");
	snprintf(want, sizeof(want), "nothing to restore (no journal at %s)", journal_path());
	is_str(slurp("%s", out), want, "and says so");
	is_int(restore_cmd(help, out), 0, "kvmbench restore --help exits 0");
	ok(starts_with(slurp("%s", out), "usage: kvmbench restore\n"), "and prints the usage");
	is_int(restore_cmd(bad, out), 2, "kvmbench restore with an argument exits 2");
	ok(starts_with(slurp("%s", out), "kvmbench restore: unexpected argument 'now'\n"),
	   "and says which");

	vm_config_init(&cfg);
	apply("thp", "never", &cfg, why, sizeof(why));
	if (pipe(p))
		return;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		journal_lock(why, sizeof(why));
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		diag("the locking child died");
	close(p[0]);
	is_int(journal_lock(why, sizeof(why)), -EWOULDBLOCK, "journal_lock while another run holds it");
	snprintf(want, sizeof(want), "a kvmbench run (pid %d) is active", pid);
	is_str(why, want, "journal_lock: why");
	is_int(restore_cmd(plain, out), 1, "kvmbench restore refuses while a run is active");
	snprintf(want, sizeof(want), "kvmbench restore: a kvmbench run (pid %d) is active; "
		 "it restores the host itself when it ends", pid);
	is_str(slurp("%s", out), want, "and says why");
	is_str(slurp("%s", in_root("/sys/kernel/mm/transparent_hugepage/enabled")), "never",
	       "and leaves the host alone");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);

	is_int(restore_cmd(plain, out), 0, "kvmbench restore after the run died exits 0");
	snprintf(want, sizeof(want), "restored %s to madvise",
		 in_root("/sys/kernel/mm/transparent_hugepage/enabled"));
	is_str(slurp("%s", out), want, "and prints what it did");
	is_str(slurp("%s", in_root("/sys/kernel/mm/transparent_hugepage/enabled")), "madvise",
	       "the host is restored");
	ok(!journal_pending(), "the journal removed");
	snprintf(want, sizeof(want), "%d", getpid());
	is_str(slurp("%s/state/lock", tmp), want, "the lock file names the holder");
	is_int(journal_lock(why, sizeof(why)), 0, "journal_lock: held already, fine");

	apply("thp", "never", &cfg, why, sizeof(why));
	unlink(in_root("/sys/kernel/mm/transparent_hugepage/enabled"));
	mkdir(in_root("/sys/kernel/mm/transparent_hugepage/enabled"), 0755);
	is_int(restore_cmd(plain, out), 1, "kvmbench restore exits 1 when something failed");
	ok(strstr(slurp("%s", out), "1 setting could not be restored"), "and says so");
	rmdir(in_root("/sys/kernel/mm/transparent_hugepage/enabled"));
	spit(in_root("/sys/kernel/mm/transparent_hugepage/enabled"), "never\n");
	is_int(journal_restore(report, sizeof(report)), 0, "then restored");
}

/*
 * child_run - fork a child that applies thp=never, ksm=on and ept=off on
 * the current root, installs the handlers, tells us, and then @how ends
 * (0: exit(0); a signal: waits for it).  Its stderr goes to @err.
 */
static pid_t child_run(int how, const char *err)
{
	char why[256], c;
	struct vm_config cfg;
	int p[2], fd;
	pid_t pid;

	if (pipe(p))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			diag("the child died early");
		close(p[0]);
		return pid;
	}
	fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(fd, 2);
	knob_run_hook = fake_modprobe;
	vm_config_init(&cfg);
	if (apply("thp", "never", &cfg, why, sizeof(why)) ||
	    apply("ksm", "on", &cfg, why, sizeof(why)) ||
	    apply("ept", "off", &cfg, why, sizeof(why))) {
		dprintf(2, "apply: %s\n", why);
		_exit(3);
	}
	journal_install_handlers();
	if (write(p[1], "x", 1) != 1)
		_exit(4);
	if (!how)
		exit(0);
	for (;;)
		pause();
}

static bool host_back(void)
{
	return !strcmp(slurp("%s", in_root("/sys/kernel/mm/transparent_hugepage/enabled")), "madvise") &&
	       !strcmp(slurp("%s", in_root("/sys/kernel/mm/ksm/run")), "0") &&
	       !strcmp(slurp("%s", in_root("/sys/kernel/mm/ksm/pages_to_scan")), "100") &&
	       !strcmp(slurp("%s", in_root("/sys/module/kvm_intel/parameters/ept")), "Y");
}

/* wait_journal_gone - the module restorer outlives the process: give it 10 s. */
static bool wait_journal_gone(void)
{
	int i;

	for (i = 0; i < 1000 && journal_pending(); i++)
		usleep(10000);
	return !journal_pending();
}

static void test_exit_and_signals(void)
{
	static const int sigs[] = { 0, SIGTERM, SIGINT, SIGHUP };
	char err[PATH_MAX + 16], want[PATH_MAX + 64];
	unsigned i;
	pid_t pid;
	int st;

	snprintf(err, sizeof(err), "%s/child.err", tmp);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		const char *how = sigs[i] ? strsignal(sigs[i]) : "exit";

		copy_fixture("intel-module");
		spit(in_root("/sys/kernel/mm/ksm/run"), "0\n");
		spit(in_root("/sys/kernel/mm/ksm/pages_to_scan"), "100\n");
		pid = child_run(sigs[i], err);
		ok(pid > 0 && journal_pending() && !host_back(), "%s: the child changed the host", how);
		if (sigs[i])
			kill(pid, sigs[i]);
		waitpid(pid, &st, 0);
		if (sigs[i])
			ok(WIFSIGNALED(st) && WTERMSIG(st) == sigs[i], "%s: the child died of it", how);
		else
			ok(WIFEXITED(st) && !WEXITSTATUS(st), "exit: the child exited 0");
		ok(wait_journal_gone(), "%s: the journal is gone", how);
		if (!ok(host_back(), "%s: everything restored", how))
			diag("stderr: %s", slurp("%s", err));
		snprintf(want, sizeof(want), "kvmbench: restored %s to madvise",
			 in_root("/sys/kernel/mm/transparent_hugepage/enabled"));
		ok(strstr(slurp("%s", err), want), "%s: it said so on stderr", how);
	}

	/* A signal ignored when we started (nohup) stays ignored. */
	copy_fixture("intel-module");
	signal(SIGHUP, SIG_IGN);
	pid = child_run(SIGHUP, err);
	signal(SIGHUP, SIG_DFL);
	kill(pid, SIGHUP);
	usleep(200000);
	is_int(waitpid(pid, &st, WNOHANG), 0, "an ignored SIGHUP stays ignored");
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	ok(wait_journal_gone(), "and SIGTERM still restores");
}

int main(void)
{
	fixture_init("t_knob", "sys", "modprobe.log");

	test_registry();
	test_values();
	test_root();
	test_module_probes();
	test_memory_probes();
	test_thp_round_trip();
	test_ksm_round_trip();
	test_backing_round_trip();
	test_module_round_trip();
	test_restore_failures();
	test_pin();
	test_overcommit();
	test_smaps();
	test_cmd_restore();
	test_exit_and_signals();

	fixture_cleanup();
	return done_testing();
}
