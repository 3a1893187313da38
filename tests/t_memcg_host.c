// SPDX-License-Identifier: GPL-2.0
/*
 * t_memcg_host.c - memory cgroups and swap on zram on the real host (root):
 *
 *  1. no swap: a child that touches 256 MiB in a 64 MiB cgroup is OOM-killed,
 *     and child_run says so;
 *  2. with the zram swap kvmbench sets up, the same child finishes, its
 *     memory intact, with swap traffic and major faults;
 *  3. a child that mlocks what it touches is OOM-killed even with swap;
 *  4. torn down, and a process that set up mem_overcommit=2 (cgroup with a
 *     task in it, zram swap in use) and was SIGKILLed is cleaned up by
 *     `kvmbench restore`; one that got SIGTERM cleans up itself;
 *
 * and afterwards every host setting reads as before (no cgroup left,
 * /proc/swaps and every zram disksize as before, KSM, THP, huge pages).
 * Run as `t_memcg_host.t --victim kill|term` it is the process of 4.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "child.h"
#include "journal.h"
#include "knob.h"
#include "knob_internal.h"
#include "memcg.h"
#include "tap_test.h"

extern char **environ;

#define MIB		(1ull << 20)
#define TOUCH		(256 * MIB)
#define LIMIT		(64 * MIB)
/* t_restore.sh's: one test that changes host settings at a time, in any tree. */
#define LOCK_FILE	"/tmp/kvmbench-t_restore.lock"

/* What the child tells us, also when it is killed midway. */
struct progress {
	volatile uint64_t touched;	/* bytes written so far */
	volatile int verified;		/* 1: read back intact, -1: corrupt */
};

static char tmp[256];

/* --- the children ------------------------------------------------------------------------ */

static uint64_t pattern(uint64_t i)
{
	return (i + 1) * 0x9e3779b97f4a7c15ull;
}

/*
 * touch - write @size bytes of anonymous memory, one 4 KiB page at a time
 * (two words a page, so zram cannot store it as a same-filled page), then
 * read every page back.  @lock: mlock it as it goes (no swap possible).
 */
static int touch(struct progress *pr, uint64_t size, bool lock)
{
	uint64_t *p, i, words = size / 8;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	madvise(p, size, MADV_NOHUGEPAGE);
	if (lock && mlock2(p, size, MLOCK_ONFAULT))
		return 3;
	for (i = 0; i < words; i += 512) {
		p[i] = pattern(i);
		p[i + 7] = ~pattern(i);
		pr->touched = (i + 512) * 8;
	}
	for (i = 0; i < words; i += 512) {
		if (p[i] != pattern(i) || p[i + 7] != ~pattern(i)) {
			pr->verified = -1;
			return 1;
		}
	}
	pr->verified = 1;
	munmap(p, size);
	return 0;
}

static int cb_touch(void *arg)
{
	return touch(arg, TOUCH, false);
}

static int cb_mlock(void *arg)
{
	return touch(arg, TOUCH, true);
}

/* --- the host as it was ------------------------------------------------------------------- */

static const char *slurp(const char *path)
{
	static char bufs[4][16384];
	static int which;
	char *b = bufs[which++ % 4];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return "<missing>";
	n = read(fd, b, sizeof(bufs[0]) - 1);
	close(fd);
	b[n > 0 ? n : 0] = '\0';
	return b;
}

/*
 * snapshot - every setting this test could move: /proc/swaps (Used may
 * move on a host with swap of its own: sizes only), each zram's disksize,
 * the kvmbench-* cgroups in @parent, KSM, THP, huge pages.
 */
static void snapshot(const char *parent, char *buf, size_t len)
{
	static const char *const files[] = {
		"/sys/kernel/mm/ksm/run", "/sys/kernel/mm/transparent_hugepage/enabled",
		"/proc/sys/vm/nr_hugepages", "/proc/sys/vm/swappiness",
	};
	char path[PATH_MAX + 300], line[PATH_MAX], name[PATH_MAX], type[32];
	unsigned long long size;
	struct dirent *de;
	unsigned i;
	size_t n = 0;
	FILE *f;
	DIR *d;

	buf[0] = '\0';
	f = fopen("/proc/swaps", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%4095s %31s %llu", name, type, &size) == 3)
			n += snprintf(buf + n, len - n, "swap %s %s %llu\n", name, type, size);
	if (f)
		fclose(f);
	d = opendir("/sys/block");
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "zram", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/disksize", de->d_name);
		n += snprintf(buf + n, len - n, "%s=%s", path, slurp(path));
	}
	if (d)
		closedir(d);
	d = opendir(parent);
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "kvmbench-", 9))
			n += snprintf(buf + n, len - n, "cgroup %s\n", de->d_name);
	if (d)
		closedir(d);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		n += snprintf(buf + n, len - n, "%s=%s", files[i], slurp(files[i]));
}

static void diag_stats(const char *what, const struct child_result *r, const struct progress *pr)
{
	const struct memcg_stats *c = &r->cg;

	diag("%s: %s %d after %.2f s, touched %llu MiB; majflt %ld, minflt %ld, maxrss %ld KiB",
	     what, r->exited ? "exit" : "signal", r->exited ? r->status : r->signo, r->wall_s,
	     (unsigned long long)(pr->touched / MIB), r->ru.ru_majflt, r->ru.ru_minflt,
	     r->ru.ru_maxrss);
	diag("%s: cgroup: peak %lld MiB, failcnt %lld, oom_kill %lld, pgmajfault %lld, swap now %lld, pswpin %lld, pswpout %lld (%s)",
	     what, (long long)(c->peak < 0 ? -1 : c->peak / (int64_t)MIB), (long long)c->failcnt,
	     (long long)c->oom_kill, (long long)c->pgmajfault, (long long)c->swap,
	     (long long)c->pswpin, (long long)c->pswpout,
	     c->swap_io_host ? "host-wide /proc/vmstat" : "the cgroup's");
}

/* run_in - child_run of @fn in a new cgroup of LIMIT bytes; false if it could not run. */
static bool run_in(child_fn fn, struct progress *pr, struct child_result *res)
{
	struct child_opts o = { .timeout_s = 300 };
	char dir[PATH_MAX], why[512];
	int r;

	memset((void *)pr, 0, sizeof(*pr));
	r = memcg_create(LIMIT, dir, sizeof(dir), why, sizeof(why));
	if (!ok(!r, "memcg_create: a cgroup of 64 MiB")) {
		diag("why: %s", why);
		return false;
	}
	o.cgroup = dir;
	r = child_run(&o, fn, (void *)pr, res, why, sizeof(why));
	if (!ok(!r, "child_run in %s", dir))
		diag("why: %s", why);
	if (memcg_remove(dir, why, sizeof(why)))
		diag("memcg_remove: %s", why);
	ok(access(dir, F_OK) && errno == ENOENT, "the cgroup is removed");
	return !r;
}

/* --- the victim ----------------------------------------------------------------------------- */

/*
 * victim_main - apply mem_overcommit=2 to one VM of 128 MiB (a cgroup of
 * 96.5 MiB, zram swap), start a task in the cgroup that touches 256 MiB
 * (32 MiB when there is no swap) and then sleeps (not through child_run: it
 * must outlive us), print "READY PID CGROUP SWAP-NOTE", wait to be killed.
 */
static int victim_main(const char *how)
{
	struct knob_plan plan;
	struct vm_config cfg;
	struct progress *pr = child_shared(sizeof(*pr));
	bool swap;
	char why[512];
	pid_t sleeper;
	int i;

	vm_config_init(&cfg);
	cfg.ram_size = 128 * MIB;
	knob_plan_init(&plan, &cfg);
	if (!strcmp(how, "term"))
		journal_install_handlers();
	if (!pr || knob_find("mem_overcommit")->apply("2", &plan, why, sizeof(why))) {
		printf("FAILED %s\n", pr ? why : "mmap");
		return 1;
	}
	swap = strncmp(zram_swap_note(), "no swap", 7);
	fflush(stdout);
	/* pr->verified: 0 until the sleeper is in the cgroup, 2 while it touches. */
	sleeper = fork();
	if (!sleeper) {
		for (i = 0; i < 500 && !pr->verified; i++)
			usleep(10000);
		touch(pr, swap ? TOUCH : 32 * MIB, false);
		for (;;)
			pause();
	}
	if (memcg_attach(plan.memcg, sleeper, why, sizeof(why))) {
		kill(sleeper, SIGKILL);
		printf("FAILED %s\n", why);
		return 1;
	}
	pr->verified = 2;
	for (i = 0; i < 6000 && pr->verified == 2; i++)
		usleep(10000);
	printf("READY %d %s %s\n", (int)sleeper, plan.memcg, zram_swap_note());
	fflush(stdout);
	for (;;)
		pause();
}

/*
 * victim_run - start `self --victim @how` (its stderr in TMP/victim.err); its
 * READY line in @line.  The sleeper's pid in *@sleeper, the cgroup in @cg.
 * Returns the victim's pid.
 */
static pid_t victim_run(const char *how, pid_t *sleeper, char *cg, char *line, size_t llen)
{
	static char err[PATH_MAX];

	char self[PATH_MAX], *argv[] = { self, "--victim", (char *)how, NULL };
	posix_spawn_file_actions_t fa;
	ssize_t n, got = 0;
	int p[2], sp;
	pid_t pid;

	snprintf(err, sizeof(err), "%s/victim.err", tmp);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	line[0] = '\0';
	if (pipe(p))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (posix_spawn(&pid, self, &fa, NULL, argv, environ))
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	while (pid > 0 && got < (ssize_t)llen - 1 && !strchr(line, '\n') &&
	       (n = read(p[0], line + got, llen - 1 - got)) > 0) {
		got += n;
		line[got] = '\0';
	}
	close(p[0]);
	line[strcspn(line, "\n")] = '\0';
	*sleeper = 0;
	cg[0] = '\0';
	if (sscanf(line, "READY %d %4095s", &sp, cg) == 2)
		*sleeper = sp;
	return pid;
}

/* gone - wait up to 10 s for process @pid (not our child) to be gone. */
static bool gone(pid_t pid)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (kill(pid, 0) && errno == ESRCH)
			return true;
		usleep(10000);
	}
	return false;
}

static bool swap_listed(const char *dev)
{
	return strstr(slurp("/proc/swaps"), dev) != NULL;
}

static void test_crash(const char *parent, const char *before, bool zram)
{
	char line[PATH_MAX * 2], cg[PATH_MAX], out[PATH_MAX + 32], after[16384];
	char cmd[PATH_MAX + 64];
	pid_t pid, sleeper;
	int st, r;

	/* SIGKILL, then kvmbench restore. */
	pid = victim_run("kill", &sleeper, cg, line, sizeof(line));
	if (!ok(pid > 0 && sleeper > 0, "SIGKILL: the victim applied mem_overcommit=2, a task touched 256 MiB in its cgroup")) {
		diag("it said: %s", line);
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		return;
	}
	diag("victim: %s", line);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	ok(!access(cg, F_OK) && journal_pending() && (!zram || swap_listed("/dev/zram")),
	   "SIGKILL: the cgroup, the swap and the journal are left behind");
	ok(!kill(sleeper, 0), "SIGKILL: the task in the cgroup lives on");
	snprintf(out, sizeof(out), "%s/restore.out", tmp);
	snprintf(cmd, sizeof(cmd), "%s/kvmbench restore >%s 2>&1", tt_build_dir(), out);
	r = system(cmd);
	if (!ok(WIFEXITED(r) && !WEXITSTATUS(r), "SIGKILL: kvmbench restore exits 0"))
		diag("%s", slurp(out));
	ok(strstr(slurp(out), "removed the cgroup ") != NULL, "SIGKILL: it removed the cgroup");
	if (zram)
		ok(strstr(slurp(out), "turned off the swap on /dev/zram") != NULL,
		   "SIGKILL: it took back the zram swap");
	ok(access(cg, F_OK) && !journal_pending(), "SIGKILL: no cgroup and no journal left");
	kill(sleeper, SIGKILL);
	ok(gone(sleeper), "SIGKILL: the task (moved out of the cgroup) is killed");
	snapshot(parent, after, sizeof(after));
	if (!is_str(after, before, "SIGKILL + kvmbench restore: every host setting as before"))
		diag("before:\n%s", before);

	/* SIGTERM: the journal's signal path. */
	pid = victim_run("term", &sleeper, cg, line, sizeof(line));
	if (!ok(pid > 0 && sleeper > 0, "SIGTERM: the victim applied mem_overcommit=2")) {
		diag("it said: %s", line);
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		return;
	}
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "SIGTERM: the victim died of it");
	for (r = 0; r < 1000 && journal_pending(); r++)
		usleep(10000);
	ok(access(cg, F_OK) && !journal_pending(), "SIGTERM: it removed its cgroup and journal itself");
	snprintf(out, sizeof(out), "%s/victim.err", tmp);
	ok(strstr(slurp(out), "kvmbench: removed the cgroup ") &&
	   (!zram || strstr(slurp(out), "kvmbench: turned off the swap on /dev/zram")),
	   "SIGTERM: and said so on stderr");
	kill(sleeper, SIGKILL);
	ok(gone(sleeper), "SIGTERM: the task left behind is killed");
	snapshot(parent, after, sizeof(after));
	is_str(after, before, "SIGTERM: every host setting as before");
}

/* host_lock - one test that changes the host at a time (plain, ASan, other trees). */
static bool host_lock(void)
{
	int fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0666), i;

	for (i = 0; fd >= 0 && i < 6000; i++) {
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return true;
		usleep(100000);
	}
	return false;
}

int main(int argc, char **argv)
{
	char why[512], state[PATH_MAX], before[16384], after[16384], report[4096];
	struct progress *pr;
	struct child_result res;
	struct memcg_host h;
	struct swap_info si;
	bool had_swap, zram;
	int r;

	if (argc == 3 && !strcmp(argv[1], "--victim"))
		return victim_main(argv[2]);
	if (geteuid())
		skip_all("needs root: it makes memory cgroups and swap");
	unsetenv("KVMBENCH_SYSROOT");
	if (memcg_detect(&h, why, sizeof(why)) || memcg_probe(why, sizeof(why)))
		skip_all(why);
	if (!host_lock())
		skip_all("another test kept the host for 10 minutes (" LOCK_FILE ")");
	snprintf(tmp, sizeof(tmp), "/tmp/t_memcg_host.XXXXXX");
	if (!mkdtemp(tmp))
		skip_all("no temp dir");
	snprintf(state, sizeof(state), "%s/state", tmp);
	setenv("KVMBENCH_STATE_DIR", state, 1);
	snapshot(h.parent, before, sizeof(before));
	diag("memory cgroup v%d below %s", h.version, h.parent);
	pr = child_shared(sizeof(*pr));
	if (!pr || swap_read(&si))
		skip_all("no shared memory or no /proc/swaps");
	had_swap = si.nr > 0;

	/* 1. No swap: the OOM killer. */
	if (had_swap) {
		skip(6, "the host has swap of its own");
	} else if (run_in(cb_touch, pr, &res)) {
		ok(res.oom_killed && res.signo == SIGKILL, "no swap: 256 MiB in 64 MiB is OOM-killed");
		ok(res.cg.oom_kill >= 1 || res.cg.oom_kill < 0, "no swap: the cgroup counted the OOM kill");
		ok(pr->touched >= LIMIT / 2 && pr->touched < TOUCH,
		   "no swap: killed midway; shared memory says how far it got");
		diag_stats("no swap", &res, pr);
	}

	/* 2. Swap on zram. */
	r = zram_swap_ensure(TOUCH, why, sizeof(why));
	zram = zram_swap_device()[0] != '\0';
	if (!ok(!r, "zram_swap_ensure: %s", zram_swap_note()))
		diag("why: %s", why);
	if (!had_swap && !zram) {
		skip(13, zram_swap_note());
	} else {
		if (!had_swap)
			ok(swap_listed(zram_swap_device()), "zram: /proc/swaps lists %s", zram_swap_device());
		else
			skip(1, "the host's own swap");
		if (run_in(cb_touch, pr, &res)) {
			ok(res.exited && res.status == 0 && !res.oom_killed,
			   "swap: 256 MiB in 64 MiB finishes (status %d, signal %d)", res.status, res.signo);
			is_int(pr->verified, 1, "swap: every page read back intact");
			ok(res.cg.pswpout > 0 || res.cg.swap > 0, "swap: pages went out (pswpout %lld)",
			   (long long)res.cg.pswpout);
			ok(res.ru.ru_majflt > 0 && res.cg.pgmajfault > 0,
			   "swap: major faults, by rusage (%ld) and by the cgroup (%lld)",
			   res.ru.ru_majflt, (long long)res.cg.pgmajfault);
			ok(res.cg.peak <= (int64_t)LIMIT && res.cg.failcnt > 0,
			   "swap: the cgroup stayed at its limit (peak %lld MiB), and hit it",
			   (long long)(res.cg.peak / (int64_t)MIB));
			diag_stats("swap", &res, pr);
		}
		/* 3. mlocked memory cannot go to swap. */
		if (run_in(cb_mlock, pr, &res)) {
			ok(res.oom_killed && res.signo == SIGKILL,
			   "mlock: 256 MiB locked in 64 MiB is OOM-killed, swap or not");
			diag_stats("mlock", &res, pr);
		}
	}

	/* 4. Torn down: the host as before. */
	is_int(zram_swap_teardown(why, sizeof(why)), 0, "zram_swap_teardown");
	/*
	 * What is left is what a run puts back at its end: nothing on cgroup
	 * v1; on v2 the memory controller enabled in the parent's
	 * subtree_control.  Put back as a run's end does, it leaves nothing.
	 */
	report[0] = 0;
	if (journal_pending())
		is_int(journal_restore(report, sizeof(report)), 0,
		       "the journal puts back what is left, as a run's end does: %s", report);
	else
		ok(h.version == 1, "nothing left in the journal (cgroup v1: no controller to enable)");
	ok(!journal_pending(), "nothing left in the journal");
	snapshot(h.parent, after, sizeof(after));
	if (!is_str(after, before, "every host setting as before"))
		diag("before:\n%s", before);

	test_crash(h.parent, before, !had_swap && zram);
	if (journal_pending() && journal_restore(report, sizeof(report)))
		diag("journal_restore: %s", report);
	child_shared_free(pr, sizeof(*pr));
	{
		char *rm[] = { "rm", "-rf", tmp, NULL };
		pid_t pid;

		if (!posix_spawnp(&pid, "rm", NULL, NULL, rm, environ))
			waitpid(pid, NULL, 0);
	}
	return done_testing();
}
