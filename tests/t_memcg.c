// SPDX-License-Identifier: GPL-2.0
/*
 * t_memcg.c - memory cgroups, swap on zram and the mem_overcommit knob on
 * fixture trees (tests/fixtures/memcg: v1, v2, none), and child_run on this
 * host without a cgroup.  The kernel's side of cgroupfs, zram and swapon
 * is played by stand-ins (knob_sys_hook, knob_run_hook) on copies of the
 * fixtures, so the real host is never touched.  t_memcg_host.c does the
 * same on the real host.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <dirent.h>
#include <signal.h>
#include <sys/mman.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "child.h"
#include "journal.h"
#include "knob.h"
#include "knob_internal.h"
#include "memcg.h"
#include "tap_test.h"
#include "fixture_test.h"

#define MIB	(1ull << 20)

/* --- helpers ------------------------------------------------------------------------ */

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return n >= k && !strcmp(s + n - k, tail);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	FILE *f = fopen(log_path, "a");

	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* --- the kernel, played on the fixture ------------------------------------------------ */

static const char *const v1_files[][2] = {
	{ "memory.limit_in_bytes", "9223372036854771712" }, { "memory.usage_in_bytes", "0" },
	{ "memory.max_usage_in_bytes", "0" }, { "memory.failcnt", "0" },
	{ "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0" },
	{ "memory.stat", "cache 0\nrss 0\nswap 0\npgfault 0\npgmajfault 0" },
	{ "memory.memsw.limit_in_bytes", "9223372036854771712" }, { "memory.force_empty", "" },
	{ "cgroup.procs", "" },
};
static const char *const v2_files[][2] = {
	{ "memory.max", "max" }, { "memory.current", "0" }, { "memory.peak", "0" },
	{ "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0" },
	{ "memory.stat", "anon 0\nfile 0\npgfault 0\npgmajfault 0" },
	{ "memory.swap.current", "0" }, { "memory.swap.max", "max" }, { "cgroup.procs", "" },
	{ "cgroup.controllers", "memory" }, { "cgroup.subtree_control", "" },
};

static bool mkdir_fails;

static int fake_mkdir(const char *path)
{
	char parent[PATH_MAX], f[PATH_MAX + 64];
	bool v1;
	unsigned i;

	if (mkdir_fails)
		return -EACCES;
	snprintf(parent, sizeof(parent), "%s", path);
	*strrchr(parent, '/') = '\0';
	snprintf(f, sizeof(f), "%s/memory.limit_in_bytes", parent);
	v1 = exists(f);
	if (mkdir(path, 0755))
		return -errno;
	logf_("mkdir %s", path + strlen(root));
	for (i = 0; v1 && i < sizeof(v1_files) / sizeof(v1_files[0]); i++) {
		snprintf(f, sizeof(f), "%s/%s", path, v1_files[i][0]);
		spit(f, v1_files[i][1]);
	}
	for (i = 0; !v1 && i < sizeof(v2_files) / sizeof(v2_files[0]); i++) {
		snprintf(f, sizeof(f), "%s/%s", path, v2_files[i][0]);
		spit(f, v2_files[i][1]);
	}
	return 0;
}

static int fake_rmdir(const char *path)
{
	char f[PATH_MAX + 64];
	char *rm[] = { "rm", "-rf", (char *)path, NULL };

	if (!exists(path))
		return -ENOENT;
	snprintf(f, sizeof(f), "%s/cgroup.procs", path);
	if (slurp("%s", f)[0])
		return -EBUSY;
	logf_("rmdir %s", path + strlen(root));
	return spawn_wait(rm) ? -EIO : 0;
}

/* remove_line - drop the line @line from file @path; was it there? */
static bool remove_line(const char *path, const char *line)
{
	char buf[8192], out[8192] = "", *s, *save;
	bool found = false;

	snprintf(buf, sizeof(buf), "%s", slurp("%s", path));
	for (s = strtok_r(buf, "\n", &save); s; s = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(s, line) || (!strncmp(s, line, strlen(line)) && s[strlen(line)] == '\t')) {
			found = true;
			continue;
		}
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s\n", s);
	}
	if (found)
		spit(path, out);
	return found;
}

static int nr_force_empty;
static bool steal_zram, swapoff_nomem;

static int fake_write(const char *path, const char *value)
{
	char dir[PATH_MAX], f[PATH_MAX + 300], list[256], out[256] = "";
	char *s, *save;

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (ends_with(path, "/cgroup.procs")) {
		/* The pid leaves the cgroups below (enough for moving tasks up). */
		DIR *d = opendir(dir);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			snprintf(f, sizeof(f), "%s/%s/cgroup.procs", dir, de->d_name);
			if (de->d_name[0] != '.' && exists(f))
				remove_line(f, value);
		}
		if (d)
			closedir(d);
		snprintf(f, sizeof(f), "%s\n", value);
		spit_append(path, f);
		logf_("move %s to %s", value, dir + strlen(root));
		return 0;
	}
	if (ends_with(path, "/reset")) {
		snprintf(f, sizeof(f), "%s/disksize", dir);
		spit(f, "0\n");
		logf_("reset %s", dir + strlen(root));
		return 0;
	}
	if (ends_with(path, "/disksize")) {
		if (steal_zram)		/* someone else was quicker */
			spit(path, "1000\n");
		if (strcmp(slurp("%s", path), "0"))
			return -EBUSY;
		logf_("disksize %s %s", dir + strlen(root), value);
		return -ENOSYS;
	}
	if (ends_with(path, "/memory.force_empty")) {
		nr_force_empty++;
		return 0;
	}
	if (ends_with(path, "/cgroup.subtree_control") && (value[0] == '+' || value[0] == '-')) {
		snprintf(list, sizeof(list), "%s", slurp("%s", path));
		for (s = strtok_r(list, " ", &save); s; s = strtok_r(NULL, " ", &save))
			if (strcmp(s, value + 1))
				snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
					 out[0] ? " " : "", s);
		if (value[0] == '+')
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s",
				 out[0] ? " " : "", value + 1);
		strcat(out, "\n");
		spit(path, out);
		logf_("subtree_control %s %s", dir + strlen(root), value);
		return 0;
	}
	return -ENOSYS;
}

/* zram_sysdir - <root>/sys/block/zramN of <root>/dev/zramN. */
static const char *zram_sysdir(const char *dev)
{
	static char buf[PATH_MAX + 64];

	snprintf(buf, sizeof(buf), "%s/sys/block/%s", root, strrchr(dev, '/') + 1);
	return buf;
}

static int fake_swapon(const char *dev)
{
	char line[PATH_MAX + 128];
	long long size = atoll(slurp("%s/disksize", zram_sysdir(dev)));

	logf_("swapon %s", dev + strlen(root));
	if (strstr(slurp("%s", in_root("/proc/swaps")), dev))
		return -EBUSY;
	snprintf(line, sizeof(line), "%s\tpartition\t%lld\t0\t-2\n", dev, size / 1024 - 4);
	spit_append(in_root("/proc/swaps"), line);
	return 0;
}

static int fake_swapoff(const char *dev)
{
	logf_("swapoff %s", dev + strlen(root));
	if (swapoff_nomem)
		return -ENOMEM;
	return remove_line(in_root("/proc/swaps"), dev) ? 0 : -EINVAL;
}

static const struct knob_sys fake_sys = {
	.mkdir = fake_mkdir, .rmdir = fake_rmdir, .write = fake_write,
	.swapon = fake_swapon, .swapoff = fake_swapoff,
};

static bool mkswap_fails;

static int fake_run(char *const argv[], char *why, size_t len)
{
	if (!strcmp(argv[0], "mkswap") && argv[1]) {
		logf_("mkswap %s", argv[1] + strlen(root));
		if (mkswap_fails || !strcmp(slurp("%s/disksize", zram_sysdir(argv[1])), "0")) {
			snprintf(why, len, "mkswap %s failed (exit 1)", argv[1]);
			return -EIO;
		}
		return 0;
	}
	snprintf(why, len, "unexpected command %s", argv[0]);
	return -EINVAL;
}

static const char *log_text(void)
{
	return slurp("%s", log_path);
}

/* --- detection ----------------------------------------------------------------------- */

static void test_detect(void)
{
	struct memcg_host h;
	char why[512], want[PATH_MAX * 2];
	int r;

	use_fixture("memcg/v1");
	r = memcg_detect(&h, why, sizeof(why));
	if (!ok(!r && h.version == MEMCG_V1, "v1: the memory controller is cgroup v1"))
		diag("why: %s", why);
	is_str(h.mount, in_root("/sys/fs/cgroup/memory"), "v1: its mount, below the root");
	is_str(h.parent, in_root("/sys/fs/cgroup/memory/test.slice"),
	       "v1: cgroups go below this process's own memory cgroup");
	ok(!h.enable, "v1: nothing to enable");
	is_int(memcg_probe(why, sizeof(why)), 0, "v1: probe says yes");

	use_fixture("memcg/v2");
	r = memcg_detect(&h, why, sizeof(why));
	if (!ok(!r && h.version == MEMCG_V2, "v2: the memory controller is cgroup v2"))
		diag("why: %s", why);
	is_str(h.mount, in_root("/sys/fs/cgroup"), "v2: its mount");
	is_str(h.parent, in_root("/sys/fs/cgroup/user.slice"),
	       "v2: cgroups are siblings of this process's (no internal processes)");
	ok(!h.enable, "v2: user.slice hands memory down already");

	copy_fixture("memcg/v2");
	spit(in_root("/sys/fs/cgroup/user.slice/cgroup.subtree_control"), "pids\n");
	r = memcg_detect(&h, why, sizeof(why));
	ok(!r && h.enable, "v2: memory not in user.slice's subtree_control: kvmbench enables it");
	spit(in_root("/sys/fs/cgroup/user.slice/cgroup.controllers"), "cpu pids\n");
	r = memcg_detect(&h, why, sizeof(why));
	is_int(r, -EPERM, "v2: user.slice without memory at all: no");
	snprintf(want, sizeof(want),
		 "cgroup v2: %s cannot hand the memory controller down (not in its cgroup.controllers)",
		 in_root("/sys/fs/cgroup/user.slice"));
	is_str(why, want, "v2: why");
	spit(in_root("/proc/self/cgroup"), "0::/\n");
	spit(in_root("/sys/fs/cgroup/cgroup.subtree_control"), "cpu io\n");
	r = memcg_detect(&h, why, sizeof(why));
	ok(!r && h.enable, "v2, this process in the root: below the root, memory enabled there");
	is_str(h.parent, in_root("/sys/fs/cgroup"), "v2 in the root: the parent is the root");

	use_fixture("memcg/none");
	r = memcg_detect(&h, why, sizeof(why));
	is_int(r, -ENOENT, "none: no memory controller");
	snprintf(want, sizeof(want),
		 "no memory cgroup controller: the cgroup2 mount %s has no memory controller, no cgroup v1 memory mount in /proc/self/mounts",
		 in_root("/sys/fs/cgroup/unified"));
	is_str(why, want, "none: why");
	is_int(memcg_probe(why, sizeof(why)), -ENOENT, "none: probe says no");
	ok(knob_find("mem_overcommit")->probe("2", why, sizeof(why)) == -ENOENT &&
	   !strcmp(why, want), "none: mem_overcommit=2 cannot be applied, for that reason");

	copy_fixture("memcg/none");
	unlink(in_root("/proc/self/mounts"));
	r = memcg_detect(&h, why, sizeof(why));
	is_int(r, -ENOENT, "no /proc/self/mounts: no");
	snprintf(want, sizeof(want), "cannot read %s: No such file or directory",
		 in_root("/proc/self/mounts"));
	is_str(why, want, "no /proc/self/mounts: why");
}

/* --- limits and values ---------------------------------------------------------------- */

static void value_is(const char *value, bool good)
{
	char why[256] = "", want[256];
	int r = knob_value_ok(knob_find("mem_overcommit"), value, why, sizeof(why));

	if (good) {
		if (!is_int(r, 0, "mem_overcommit: '%s' is a value", value))
			diag("why: %s", why);
		return;
	}
	is_int(r, -EINVAL, "mem_overcommit: '%s' is not a value", value);
	snprintf(want, sizeof(want), "mem_overcommit must be guest RAM per memory available, a number from 0.1 to 8 (like 0.5, 1, 1.5, 2), not '%s'",
		 value);
	is_str(why, want, "mem_overcommit: '%s': the reason", value);
}

static void test_limits(void)
{
	static const char *const good[] = { "0.5", "1", "1.5", "2", "0.1", "8", "3.25", "1e0" };
	static const char *const bad[] = { "0", "0.09", "8.01", "-1", "two", "nan", "inf", "2x" };
	const struct knob *k = knob_find("mem_overcommit");
	unsigned i;

	ok(k && k->host && k->check && k->apply, "mem_overcommit is a host knob with a check");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		value_is(good[i], true);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		value_is(bad[i], false);

	is_int(knob_mem_oc_limit(1024 * MIB, 2), (512 + 32 + 4) * MIB,
	       "1 GiB at level 2: 512 MiB + 32 MiB + 1/256 of guest RAM");
	is_int(knob_mem_oc_limit(256 * MIB, 0.5), (512 + 32 + 1) * MIB,
	       "256 MiB at level 0.5: 512 MiB + 33 MiB");
	is_int(knob_mem_oc_limit(64 * MIB, 1), (64 + 32) * MIB + 256 * 1024,
	       "64 MiB at level 1: 64 MiB + 32 MiB + 256 KiB");
	is_int(knob_mem_oc_limit(64 * MIB, 1.5), 78557184,
	       "64 MiB at level 1.5: rounded up to a 4 KiB page");

	is_int(zram_swap_size(0, 24ull << 30), 4ull << 30, "zram: 4 GiB on a 24 GiB host");
	is_int(zram_swap_size(0, 8ull << 30), 2ull << 30, "zram: a quarter of an 8 GiB host");
	is_int(zram_swap_size(6ull << 30, 24ull << 30), 7680 * MIB,
	       "zram: what the level pushes out and a quarter more, if more");
	is_int(zram_swap_size(20ull << 30, 24ull << 30), 12ull << 30, "zram: never over half of RAM");
	is_int(zram_swap_size(1000, 0), 4ull << 30, "zram: 4 GiB when RAM is unknown");
}

/* --- cgroups ---------------------------------------------------------------------------- */

static void test_cgroup_v1(void)
{
	char dir[PATH_MAX], why[512], want[PATH_MAX * 2], report[4096];
	struct memcg_stats a, b, d;
	int r;

	copy_fixture("memcg/v1");
	knob_sys_hook = &fake_sys;
	ok(!journal_pending(), "v1: no journal yet");
	r = memcg_create(64 * MIB, dir, sizeof(dir), why, sizeof(why));
	if (!is_int(r, 0, "v1: memcg_create"))
		diag("why: %s", why);
	snprintf(want, sizeof(want), "%s/kvmbench-%d-", in_root("/sys/fs/cgroup/memory/test.slice"),
		 getpid());
	ok(!strncmp(dir, want, strlen(want)), "v1: named kvmbench-PID-N below test.slice (%s)", dir);
	ok(exists(dir), "v1: the directory is there");
	is_str(slurp("%s/memory.limit_in_bytes", dir), "67108864", "v1: limit 64 MiB");
	is_str(slurp("%s/memory.memsw.limit_in_bytes", dir), "9223372036854771712",
	       "v1: memsw left unlimited");
	snprintf(want, sizeof(want), "cgroup\t%s", dir);
	is_str(slurp("%s", journal_path()), want, "v1: journaled");
	is_int(memcg_set_limit(dir, 128 * MIB, why, sizeof(why)), 0, "v1: memcg_set_limit");
	is_str(slurp("%s/memory.limit_in_bytes", dir), "134217728", "v1: limit 128 MiB");
	is_int(memcg_attach(dir, 4242, why, sizeof(why)), 0, "v1: memcg_attach");
	is_str(slurp("%s/cgroup.procs", dir), "4242", "v1: the pid is in cgroup.procs");

	is_int(memcg_read(dir, &a), 0, "v1: memcg_read");
	ok(a.version == MEMCG_V1 && a.limit == 134217728 && a.usage == 0 && a.oom_kill == 0 &&
	   a.pgmajfault == 0 && a.swap == 0 && a.failcnt == 0, "v1: the counters as the files say");
	ok(a.swap_io_host && a.pswpin == 10 && a.pswpout == 20,
	   "v1: swap traffic from /proc/vmstat, marked host-wide");
	spit(in_root("/proc/vmstat"), "pswpin 15\npswpout 120\n");
	snprintf(want, sizeof(want), "%s/memory.oom_control", dir);
	spit(want, "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	snprintf(want, sizeof(want), "%s/memory.stat", dir);
	spit(want, "cache 4096\nrss 8192\nswap 65536\npgfault 700\npgmajfault 30\n");
	snprintf(want, sizeof(want), "%s/memory.failcnt", dir);
	spit(want, "12\n");
	snprintf(want, sizeof(want), "%s/memory.max_usage_in_bytes", dir);
	spit(want, "134217728\n");
	memcg_read(dir, &b);
	memcg_stats_delta(&a, &b, &d);
	ok(d.oom_kill == 1 && d.pgmajfault == 30 && d.pgfault == 700 && d.failcnt == 12 &&
	   d.pswpin == 5 && d.pswpout == 100, "v1: memcg_stats_delta: the counters' differences");
	ok(d.swap == 65536 && d.peak == 134217728 && d.limit == 134217728,
	   "v1: memcg_stats_delta: levels as they are after");
	memcg_reset_peak(dir);
	is_str(slurp("%s/memory.max_usage_in_bytes", dir), "0", "v1: memcg_reset_peak: max usage 0");

	/* A task left behind: moved to the parent first. */
	nr_force_empty = 0;
	is_int(memcg_remove(dir, why, sizeof(why)), 0, "v1: memcg_remove with a task in it");
	ok(!exists(dir), "v1: the directory is gone");
	ok(strstr(slurp("%s", in_root("/sys/fs/cgroup/memory/test.slice/cgroup.procs")), "4242") != NULL,
	   "v1: its task moved to the parent");
	is_int(nr_force_empty, 0, "v1: not emptied with memory.force_empty: its task's pages are charged there");
	ok(!journal_pending(), "v1: the journal entry is forgotten (no journal left)");
	is_int(memcg_remove(dir, why, sizeof(why)), 0, "v1: removing it again: fine");
	is_int(memcg_read(dir, &a), -ENOENT, "v1: memcg_read of a removed cgroup: ENOENT");

	memcg_create(64 * MIB, dir, sizeof(dir), why, sizeof(why));
	is_int(memcg_remove(dir, why, sizeof(why)), 0, "v1: memcg_remove of an empty cgroup");
	is_int(nr_force_empty, 1, "v1: emptied with memory.force_empty before rmdir");

	/* Left for the journal. */
	memcg_create(64 * MIB, dir, sizeof(dir), why, sizeof(why));
	memcg_attach(dir, 777, why, sizeof(why));
	is_int(journal_restore(report, sizeof(report)), 0, "v1: journal_restore");
	snprintf(want, sizeof(want), "removed the cgroup %s\n", dir);
	is_str(report, want, "v1: it says so");
	ok(!exists(dir) && !journal_pending(), "v1: the cgroup and the journal are gone");

	/* mkdir fails: nothing left. */
	mkdir_fails = true;
	r = memcg_create(64 * MIB, dir, sizeof(dir), why, sizeof(why));
	mkdir_fails = false;
	is_int(r, -EACCES, "v1: mkdir refused: memcg_create fails");
	ok(!strncmp(why, "cannot make the cgroup ", 23) && strstr(why, ": Permission denied"),
	   "v1: why (%s)", why);
	ok(!journal_pending() && !dir[0], "v1: no journal entry left, no directory named");
}

static void test_cgroup_v2(void)
{
	char dir[PATH_MAX], why[512], want[PATH_MAX * 2], report[8192];
	const char *sub;
	struct memcg_stats a;
	int r;

	copy_fixture("memcg/v2");
	knob_sys_hook = &fake_sys;
	sub = in_root("/sys/fs/cgroup/user.slice/cgroup.subtree_control");
	spit(sub, "pids\n");
	r = memcg_create(300 * MIB, dir, sizeof(dir), why, sizeof(why));
	if (!is_int(r, 0, "v2: memcg_create"))
		diag("why: %s", why);
	is_str(slurp("%s", sub), "pids memory", "v2: memory enabled in user.slice's subtree_control");
	ok(!strncmp(dir, in_root("/sys/fs/cgroup/user.slice/kvmbench-"),
		    strlen(in_root("/sys/fs/cgroup/user.slice/kvmbench-"))),
	   "v2: the cgroup is a sibling of ours");
	is_str(slurp("%s/memory.max", dir), "314572800", "v2: memory.max");
	is_str(slurp("%s/memory.swap.max", dir), "max", "v2: memory.swap.max left at max");
	snprintf(want, sizeof(want), "subtree\t%s\tmemory\ncgroup\t%s",
		 in_root("/sys/fs/cgroup/user.slice"), dir);
	is_str(slurp("%s", journal_path()), want, "v2: both journaled, subtree first");

	snprintf(want, sizeof(want), "%s/memory.events", dir);
	spit(want, "low 0\nhigh 0\nmax 31\noom 2\noom_kill 2\n");
	snprintf(want, sizeof(want), "%s/memory.stat", dir);
	spit(want, "anon 100\npgfault 55\npgmajfault 44\npswpin 3\npswpout 9\n");
	snprintf(want, sizeof(want), "%s/memory.swap.current", dir);
	spit(want, "8192\n");
	is_int(memcg_read(dir, &a), 0, "v2: memcg_read");
	ok(a.version == MEMCG_V2 && a.limit == 314572800 && a.failcnt == 31 && a.oom_kill == 2 &&
	   a.pgmajfault == 44 && a.swap == 8192 && a.peak == 0,
	   "v2: memory.max, memory.events, memory.stat, memory.swap.current, memory.peak");
	ok(!a.swap_io_host && a.pswpin == 3 && a.pswpout == 9,
	   "v2: swap traffic of the cgroup's own where memory.stat has it");
	snprintf(want, sizeof(want), "%s/memory.max", dir);
	spit(want, "max\n");
	memcg_read(dir, &a);
	is_int(a.limit, INT64_MAX, "v2: memory.max 'max' reads INT64_MAX");

	r = memcg_create(100 * MIB, want, sizeof(want), why, sizeof(why));
	is_int(r, 0, "v2: a second cgroup");
	is_str(slurp("%s", sub), "pids memory", "v2: subtree_control as it was");
	is_int(journal_restore(report, sizeof(report)), 0, "v2: journal_restore");
	is_str(slurp("%s", sub), "pids", "v2: memory disabled again in user.slice");
	ok(!exists(dir) && !exists(want), "v2: both cgroups gone");
	ok(strstr(report, "removed the cgroup ") &&
	   ends_with(report, "/cgroup.subtree_control\n") && strstr(report, "disabled memory in "),
	   "v2: the report, cgroups first");
}

/* --- swap ------------------------------------------------------------------------------- */

static void test_swap(void)
{
	const char *swaps_before;
	char why[512], want[PATH_MAX * 2], report[4096];
	struct swap_info si;
	int r;

	knob_run_hook = fake_run;
	knob_sys_hook = &fake_sys;

	/* The host has swap: used, nothing changes. */
	copy_fixture("memcg/v2");
	is_int(swap_read(&si), 0, "host swap: swap_read");
	ok(si.nr == 1 && si.total == 8388604ull << 10 && si.used == 1024 << 10 &&
	   !strcmp(si.first, "/dev/sda2"), "host swap: one area of 8 GiB, 1 MiB used");
	is_int(zram_swap_ensure(512 * MIB, why, sizeof(why)), 0, "host swap: zram_swap_ensure");
	is_str(zram_swap_note(), "swap: the host's own, 8191 MiB (/dev/sda2)", "host swap: the note");
	ok(!journal_pending() && !strcmp(log_text(), "<missing>"), "host swap: nothing changed");
	is_str(zram_swap_device(), "", "host swap: no zram of ours");

	/* No swap, no zram. */
	copy_fixture("memcg/none");
	is_int(zram_swap_ensure(512 * MIB, why, sizeof(why)), 0, "no zram: zram_swap_ensure is fine");
	is_str(zram_swap_note(),
	       "no swap: pages beyond the limit cannot leave RAM (OOM likely above 1; no zram device)",
	       "no zram: the note");
	ok(!journal_pending(), "no zram: nothing journaled");

	/* zram in use. */
	copy_fixture("memcg/v1");
	spit(in_root("/sys/block/zram0/disksize"), "1073741824\n");
	spit(in_root("/sys/block/zram1/disksize"), "1073741824\n");
	is_int(zram_swap_ensure(0, why, sizeof(why)), 0, "zram in use: fine");
	is_str(zram_swap_note(),
	       "no swap: pages beyond the limit cannot leave RAM (OOM likely above 1; every zram device is in use)",
	       "zram in use: the note");

	/* A free zram. */
	copy_fixture("memcg/v1");
	swaps_before = strdup(slurp("%s", in_root("/proc/swaps")));
	spit(in_root("/sys/block/zram0/disksize"), "1073741824\n");	/* someone's: take zram1 */
	r = zram_swap_ensure(512 * MIB, why, sizeof(why));
	if (!is_int(r, 0, "zram: zram_swap_ensure"))
		diag("why: %s", why);
	is_str(zram_swap_device(), in_root("/dev/zram1"), "zram: the free one, zram1");
	is_str(slurp("%s", in_root("/sys/block/zram1/disksize")), "4294967296", "zram: disksize 4 GiB");
	snprintf(want, sizeof(want), "swap: %s, 4096 MiB of zram lzo-rle set up by kvmbench",
		 in_root("/dev/zram1"));
	is_str(zram_swap_note(), want, "zram: the note");
	is_str(log_text(), "disksize /sys/block/zram1 4294967296\nmkswap /dev/zram1\nswapon /dev/zram1",
	       "zram: disksize, mkswap, swapon");
	snprintf(want, sizeof(want), "zram\t%s\t%s", in_root("/dev/zram1"), in_root("/sys/block/zram1"));
	is_str(slurp("%s", journal_path()), want, "zram: journaled");
	ok(swap_read(&si) == 0 && si.nr == 1, "zram: /proc/swaps lists it");
	is_int(zram_swap_ensure(8ull << 30, why, sizeof(why)), 0, "zram: ensured again");
	snprintf(want, sizeof(want),
		 "swap: %s, 4096 MiB of zram set up by kvmbench; less than the 8192 MiB this level pushes out: OOM likely",
		 in_root("/dev/zram1"));
	is_str(zram_swap_note(), want, "zram: reused, with a warning for too much");
	is_str(log_text(), "disksize /sys/block/zram1 4294967296\nmkswap /dev/zram1\nswapon /dev/zram1",
	       "zram: nothing done again");
	is_int(journal_restore(report, sizeof(report)), 0, "zram: journal_restore");
	snprintf(want, sizeof(want), "turned off the swap on %s and reset %s\n", in_root("/dev/zram1"),
		 in_root("/sys/block/zram1"));
	is_str(report, want, "zram: it says so");
	is_str(slurp("%s", in_root("/sys/block/zram1/disksize")), "0", "zram: disksize 0 again");
	is_str(slurp("%s", in_root("/proc/swaps")), swaps_before, "zram: /proc/swaps as before");
	is_str(slurp("%s", in_root("/sys/block/zram0/disksize")), "1073741824", "zram: zram0 untouched");
	unlink(log_path);
	is_int(zram_swap_ensure(0, why, sizeof(why)), 0, "zram: after the restore, set up anew");
	ok(strstr(log_text(), "swapon ") != NULL, "zram: swapon again");
	is_int(zram_swap_teardown(why, sizeof(why)), 0, "zram: zram_swap_teardown");
	ok(!journal_pending() && !strcmp(slurp("%s", in_root("/sys/block/zram1/disksize")), "0") &&
	   !strcmp(slurp("%s", in_root("/proc/swaps")), swaps_before) && !zram_swap_device()[0],
	   "zram: torn down, journal entry forgotten");
	is_int(zram_swap_teardown(why, sizeof(why)), 0, "zram: a second teardown does nothing");

	/* mkswap fails: undone. */
	copy_fixture("memcg/v1");
	mkswap_fails = true;
	r = zram_swap_ensure(0, why, sizeof(why));
	mkswap_fails = false;
	is_int(r, -EIO, "mkswap fails: zram_swap_ensure fails");
	snprintf(want, sizeof(want), "mkswap %s failed (exit 1)", in_root("/dev/zram0"));
	is_str(why, want, "mkswap fails: why");
	is_str(slurp("%s", in_root("/sys/block/zram0/disksize")), "0", "mkswap fails: zram0 reset");
	ok(!journal_pending(), "mkswap fails: no journal left");

	/* Someone took the device between our look and our write: not ours to reset. */
	copy_fixture("memcg/v1");
	steal_zram = true;
	r = zram_swap_ensure(0, why, sizeof(why));
	steal_zram = false;
	is_int(r, -EBUSY, "zram taken meanwhile: zram_swap_ensure fails");
	is_str(slurp("%s", in_root("/sys/block/zram0/disksize")), "1000",
	       "zram taken meanwhile: the other's device is left alone");
	ok(!journal_pending(), "zram taken meanwhile: nothing journaled");
	knob_run_hook = NULL;
	free((void *)swaps_before);
}

/* --- the knob -------------------------------------------------------------------------- */

/* plan_apply - knobs in registry order, as the runner does; @ram MiB per VM. */
static int plan_apply(struct knob_plan *plan, uint64_t ram, const char *const *kv, char *why,
		      size_t len)
{
	const struct knob *const *kp;
	struct vm_config cfg;
	int i, r;

	vm_config_init(&cfg);
	cfg.ram_size = ram * MIB;
	knob_plan_init(plan, &cfg);
	for (kp = knob_all(); *kp; kp++)
		for (i = 0; kv[i]; i += 2)
			if (!strcmp(kv[i], (*kp)->name) &&
			    (r = (*kp)->apply(kv[i + 1], plan, why, len)))
				return r;
	return 0;
}

static cpu_set_t two_cpus;

static int fake_affinity(cpu_set_t *set)
{
	*set = two_cpus;
	return 0;
}

static void test_knob(void)
{
	const char *two_vms[] = { "mem_overcommit", "2", "overcommit", "1", NULL };
	const char *half[] = { "mem_overcommit", "0.5", NULL };
	char why[512], first[256], want[PATH_MAX * 2], report[8192];
	struct knob_plan plan;
	int r;

	copy_fixture("memcg/v1");
	knob_run_hook = fake_run;
	knob_sys_hook = &fake_sys;
	knob_pin_affinity_hook = fake_affinity;
	CPU_ZERO(&two_cpus);
	CPU_SET(0, &two_cpus);
	CPU_SET(1, &two_cpus);

	r = plan_apply(&plan, 256, two_vms, why, sizeof(why));
	if (!is_int(r, 0, "knob: mem_overcommit=2 with 2 VMs of 256 MiB"))
		diag("why: %s", why);
	ok(plan.nr_vms == 2 && plan.mem_oc_level == 2, "knob: 2 VMs, level 2 in the plan");
	is_int(plan.memcg_limit, (256 + 32 + 2) * MIB, "knob: limit 512 MiB / 2 + 32 MiB + 2 MiB");
	ok(plan.memcg[0] && exists(plan.memcg), "knob: the cgroup exists (%s)", plan.memcg);
	is_str(slurp("%s/memory.limit_in_bytes", plan.memcg), "304087040", "knob: its limit");
	is_str(slurp("%s", in_root("/sys/block/zram0/disksize")), "4294967296",
	       "knob: zram0 set up as swap (4 GiB)");
	snprintf(first, sizeof(first), "%s", plan.memcg);

	r = plan_apply(&plan, 64, half, why, sizeof(why));
	is_int(r, 0, "knob: the next case, mem_overcommit=0.5 with one VM of 64 MiB");
	is_int(plan.memcg_limit, (128 + 32) * MIB + 256 * 1024, "knob: limit 128 + 32.25 MiB");
	ok(strcmp(first, plan.memcg) && exists(plan.memcg) && !exists(first),
	   "knob: a new cgroup, the previous case's removed");
	snprintf(want, sizeof(want), "zram\t%s\t%s\ncgroup\t%s", in_root("/dev/zram0"),
		 in_root("/sys/block/zram0"), plan.memcg);
	is_str(slurp("%s", journal_path()), want, "knob: the journal: zram, and the one cgroup alive");
	is_int(memcg_release(why, sizeof(why)), 0, "knob: memcg_release");
	ok(!exists(plan.memcg), "knob: the case's cgroup is gone");
	snprintf(want, sizeof(want), "zram\t%s\t%s", in_root("/dev/zram0"), in_root("/sys/block/zram0"));
	is_str(slurp("%s", journal_path()), want, "knob: the journal keeps zram only");
	is_int(memcg_release(why, sizeof(why)), 0, "knob: memcg_release again: nothing to do");

	r = plan_apply(&plan, 64, half, why, sizeof(why));
	is_int(journal_restore(report, sizeof(report)), 0, "knob: journal_restore (end of the scenario)");
	ok(!exists(plan.memcg) && !strcmp(slurp("%s", in_root("/sys/block/zram0/disksize")), "0") &&
	   !strstr(slurp("%s", in_root("/proc/swaps")), "zram"), "knob: the host as before");
	r = plan_apply(&plan, 64, half, why, sizeof(why));
	ok(!r && exists(plan.memcg) && strstr(slurp("%s", in_root("/proc/swaps")), "zram0"),
	   "knob: the next scenario sets it all up again");
	journal_restore(report, sizeof(report));
	memcg_release(why, sizeof(why));

	use_fixture("memcg/none");
	r = plan_apply(&plan, 64, half, why, sizeof(why));
	ok(r == -ENOENT && !plan.memcg[0] && !plan.mem_oc_level,
	   "knob: no memory controller: not applied (%s)", why);
	knob_pin_affinity_hook = NULL;
}

/* --- old and new journal entries together ------------------------------------------------ */

static void test_journal_mixed(void)
{
	char why[512], want[PATH_MAX * 4], report[8192], line[PATH_MAX * 3], dir[PATH_MAX];
	const char *thp;

	copy_fixture("memcg/v1");
	knob_sys_hook = &fake_sys;
	knob_run_hook = fake_run;
	thp = in_root("/thp");
	spit(thp, "madvise\n");
	is_int(journal_write_file(thp, "never", why, sizeof(why)), 0, "mixed: a file entry");
	is_int(zram_swap_ensure(0, why, sizeof(why)), 0, "mixed: a zram entry");
	is_int(memcg_create(64 * MIB, dir, sizeof(dir), why, sizeof(why)), 0, "mixed: a cgroup entry");
	snprintf(line, sizeof(line), "cgroup\trelative/path\n");
	spit_append(journal_path(), line);
	is_int(journal_restore(report, sizeof(report)), 1, "mixed: journal_restore: one failure");
	snprintf(want, sizeof(want),
		 "could not restore: malformed journal entry 'cgroup\trelative/path'\n"
		 "removed the cgroup %s\n"
		 "turned off the swap on %s and reset %s\n"
		 "restored %s to madvise\n",
		 dir, in_root("/dev/zram0"), in_root("/sys/block/zram0"), thp);
	is_str(report, want, "mixed: every kind restored, newest first");
	is_str(slurp("%s", journal_path()), "cgroup\trelative/path", "mixed: the journal keeps the bad one");
	unlink(journal_path());

	/* swapoff refused (no memory to take the pages back): kept for later. */
	zram_swap_ensure(0, why, sizeof(why));
	swapoff_nomem = true;
	is_int(journal_restore(report, sizeof(report)), 1, "swapoff fails: journal_restore fails");
	snprintf(want, sizeof(want), "could not take back the swap on %s: swapoff: Cannot allocate memory\n",
		 in_root("/dev/zram0"));
	is_str(report, want, "swapoff fails: why");
	snprintf(want, sizeof(want), "zram\t%s\t%s", in_root("/dev/zram0"), in_root("/sys/block/zram0"));
	is_str(slurp("%s", journal_path()), want, "swapoff fails: the journal keeps it");
	swapoff_nomem = false;
	is_int(journal_restore(report, sizeof(report)), 0, "swapoff fails: later it works");
	ok(!journal_pending() && !strcmp(slurp("%s", in_root("/sys/block/zram0/disksize")), "0"),
	   "swapoff fails: and the host is back");
}

/* --- signals and crashes on the fixture -------------------------------------------------- */

/* victim - a child that applies mem_overcommit=2, leaves a task in the cgroup, tells us, waits. */
static pid_t victim(bool handlers, const char *err)
{
	const char *kv[] = { "mem_overcommit", "2", NULL };
	struct knob_plan plan;
	char why[512], c;
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			diag("the victim died early");
		close(p[0]);
		return pid;
	}
	close(p[0]);
	dup2(open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
	if (plan_apply(&plan, 128, kv, why, sizeof(why))) {
		dprintf(2, "apply: %s\n", why);
		_exit(3);
	}
	memcg_attach(plan.memcg, 31337, why, sizeof(why));
	if (handlers)
		journal_install_handlers();
	if (write(p[1], "x", 1) != 1)
		_exit(4);
	for (;;)
		pause();
}

static bool fixture_clean(const char *swaps)
{
	char dirs[PATH_MAX + 64];
	char *ls[] = { "sh", "-c", "ls -d \"$0\"/kvmbench-* >/dev/null 2>&1", dirs, NULL };

	snprintf(dirs, sizeof(dirs), "%s", in_root("/sys/fs/cgroup/memory/test.slice"));
	return spawn_wait(ls) != 0 && !strcmp(slurp("%s", in_root("/proc/swaps")), swaps) &&
	       !strcmp(slurp("%s", in_root("/sys/block/zram0/disksize")), "0");
}

static int restore_cmd(const char *out)
{
	char *argv[] = { "restore", NULL };
	int fd, o1, o2, r;

	fflush(stdout);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	o1 = dup(1);
	o2 = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	r = cmd_restore(1, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(o1, 1);
	dup2(o2, 2);
	close(o1);
	close(o2);
	close(fd);
	return r;
}

static void test_crash_and_signal(void)
{
	char out[PATH_MAX], err[PATH_MAX], swaps[1024], want[PATH_MAX * 3];
	pid_t pid;
	int st, i;

	snprintf(err, sizeof(err), "%s/victim.err", tmp);
	knob_sys_hook = &fake_sys;
	knob_run_hook = fake_run;
	snprintf(out, sizeof(out), "%s/restore.out", tmp);

	copy_fixture("memcg/v1");
	snprintf(swaps, sizeof(swaps), "%s", slurp("%s", in_root("/proc/swaps")));
	pid = victim(false, err);
	ok(pid > 0 && journal_pending() && !fixture_clean(swaps), "SIGKILL: the victim set up cgroup and zram");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	ok(journal_pending() && !fixture_clean(swaps), "SIGKILL: all still there, journal too");
	is_int(restore_cmd(out), 0, "SIGKILL: kvmbench restore exits 0");
	ok(fixture_clean(swaps), "SIGKILL: cgroup gone, swap off, zram reset");
	ok(!journal_pending(), "SIGKILL: no journal left");
	ok(strstr(slurp("%s", in_root("/sys/fs/cgroup/memory/test.slice/cgroup.procs")), "31337") != NULL,
	   "SIGKILL: the task left in the cgroup moved to the parent");
	snprintf(want, sizeof(want), "turned off the swap on %s and reset %s", in_root("/dev/zram0"),
		 in_root("/sys/block/zram0"));
	ok(strstr(slurp("%s", out), "removed the cgroup ") && strstr(slurp("%s", out), want),
	   "SIGKILL: kvmbench restore says what it did");

	copy_fixture("memcg/v1");
	snprintf(swaps, sizeof(swaps), "%s", slurp("%s", in_root("/proc/swaps")));
	pid = victim(true, err);
	ok(pid > 0 && !fixture_clean(swaps), "SIGTERM: the victim set up cgroup and zram");
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "SIGTERM: the victim died of it");
	for (i = 0; i < 500 && journal_pending(); i++)
		usleep(10000);
	ok(fixture_clean(swaps) && !journal_pending(),
	   "SIGTERM: the signal path removed the cgroup and took back the swap");
	snprintf(want, sizeof(want), "kvmbench: turned off the swap on %s and reset %s",
		 in_root("/dev/zram0"), in_root("/sys/block/zram0"));
	ok(strstr(slurp("%s", err), "kvmbench: removed the cgroup ") && strstr(slurp("%s", err), want),
	   "SIGTERM: it said so on stderr");
}

/* --- child_run without a cgroup ----------------------------------------------------------- */

struct shared {
	volatile int step;
	volatile long sum;
};

static int cb_exit(void *arg)
{
	struct shared *sh = arg;

	sh->sum = 42;
	sh->step = 1;
	return 7;
}

static int cb_crash(void *arg)
{
	struct shared *sh = arg;

	sh->step = 2;
	raise(SIGUSR1);		/* not SIGSEGV: ASan would catch that and exit 1 */
	sh->step = 3;
	return 0;
}

static int cb_hang(void *arg)
{
	struct shared *sh = arg;

	sh->step = 5;
	for (;;)
		pause();
	return 0;
}

/* cb_touch - 4096 first touches of 4 KiB pages (no THP, whatever the host's mode). */
static int cb_touch(void *arg)
{
	size_t size = 16 << 20, i;
	volatile char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	madvise((void *)p, size, MADV_NOHUGEPAGE);
	for (i = 0; i < size; i += 4096)
		p[i] = 1;
	munmap((void *)p, size);
	return 0;
}

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	got_term = sig;
}

static void test_child(void)
{
	struct child_opts o = { 0 };
	struct child_result res;
	struct shared *sh = child_shared(sizeof(*sh));
	struct sigaction sa = { .sa_handler = on_term }, old;
	char why[256];
	pid_t me = getpid();
	int r;

	ok(sh != NULL, "child_shared");
	r = child_run(&o, cb_exit, sh, &res, why, sizeof(why));
	ok(!r && res.exited && res.status == 7 && !res.signo && !res.oom_killed,
	   "child_run: exited with 7");
	ok(sh->step == 1 && sh->sum == 42, "child_run: the child's writes in shared memory");
	ok(res.wall_s > 0 && res.wall_s < 10, "child_run: wall time %.4f s", res.wall_s);
	is_int(res.cg.version, MEMCG_NONE, "child_run: no cgroup, no cgroup counters");

	r = child_run(NULL, cb_crash, sh, &res, why, sizeof(why));
	ok(!r && !res.exited && res.signo == SIGUSR1 && !res.oom_killed,
	   "child_run: a child killed by a signal is reported so, and we live");
	is_int(sh->step, 2, "child_run: what it wrote before the crash");

	r = child_run(NULL, cb_touch, NULL, &res, why, sizeof(why));
	ok(!r && res.exited && !res.status && res.ru.ru_minflt >= 4096,
	   "child_run: rusage counts its faults (%ld minor)", res.ru.ru_minflt);
	ok(res.ru.ru_maxrss >= 16 * 1024, "child_run: max RSS %ld KiB", res.ru.ru_maxrss);

	o.timeout_s = 0.2;
	r = child_run(&o, cb_hang, sh, &res, why, sizeof(why));
	ok(!r && res.timed_out && res.signo == SIGKILL && !res.oom_killed && sh->step == 5,
	   "child_run: killed after the timeout");
	ok(res.wall_s >= 0.2 && res.wall_s < 5, "child_run: after %.3f s", res.wall_s);
	o.timeout_s = 0;

	/* A SIGTERM while it runs: killed, reaped, and our own handler still runs. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old);
	fflush(stdout);
	if (!fork()) {
		usleep(200000);
		kill(me, SIGTERM);
		_exit(0);
	}
	got_term = 0;
	r = child_run(&o, cb_hang, sh, &res, why, sizeof(why));
	ok(!r && res.interrupted == SIGTERM && res.signo == SIGKILL && !res.oom_killed,
	   "child_run: SIGTERM kills the child, which is reaped");
	is_int(got_term, SIGTERM, "child_run: the handler installed before still got SIGTERM");
	sigaction(SIGTERM, NULL, &sa);
	ok(sa.sa_handler == on_term, "child_run: our handler is back in place");
	sigaction(SIGTERM, &old, NULL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;

	o.cgroup = "/nonexistent/cgroup";
	r = child_run(&o, cb_exit, sh, &res, why, sizeof(why));
	is_int(r, -ENOENT, "child_run: a cgroup that is not there: fails");
	is_str(why, "cannot read the cgroup /nonexistent/cgroup: No such file or directory",
	       "child_run: why");
	child_shared_free(sh, sizeof(*sh));
}

int main(void)
{
	fixture_init("t_memcg", "", "sys.log");

	test_detect();
	test_limits();
	test_cgroup_v1();
	test_cgroup_v2();
	test_swap();
	test_knob();
	test_journal_mixed();
	test_crash_and_signal();
	knob_sys_hook = NULL;
	knob_run_hook = NULL;
	unsetenv("KVMBENCH_SYSROOT");
	test_child();

	fixture_cleanup();
	return done_testing();
}
