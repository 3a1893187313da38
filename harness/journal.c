// SPDX-License-Identifier: GPL-2.0
/*
 * journal.c - the original of every host setting kvmbench changes, on disk
 * (fsync'ed) before the change, and the ways it is put back: at exit, on a
 * signal, and by `kvmbench restore` after a crash.
 *
 * The journal is text, one entry a line, oldest first:
 *
 *	file	PATH	ORIGINAL
 *	module	MODULE	PARAM	ORIGINAL
 *	cgroup	DIR			a cgroup kvmbench made (memcg.c)
 *	subtree	DIR	CONTROLLER	"+CONTROLLER" written to DIR/cgroup.subtree_control
 *	zram	DEV	SYSDIR		a zram device kvmbench made swap (zram_swap.c)
 *
 * The last three are written before the mkdir, the write or the disksize,
 * and undone by removing the cgroup (its tasks moved to the parent first),
 * writing "-CONTROLLER", and swapoff + reset.  memcg.c and zram_swap.c
 * undo their own changes with the same code and then forget the entry.
 * Restoring goes newest first.  The signal path cannot use stdio or malloc
 * (the signal may land in the middle of either), and cannot wait for the
 * main thread (it may be blocked in KVM_RUN), so everything it needs is in
 * static buffers and it uses only system calls (open, read, write, rename,
 * fork...).  Files, cgroups and swap are put back at once (rmdir,
 * swapoff(2) and sysfs writes are system calls too).  What this process's
 * VMs keep in use — the vendor module to reload, huge pages to free — can
 * only go back once the process is gone: a child does that after it died;
 * it also retries a swapoff that failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "path.h"
#include "knob_internal.h"

#define STATE_DIR_DEFAULT	"/var/lib/kvmbench"
#define JOURNAL_MAX		65536	/* one entry per file touched: far more than enough */
#define VALUE_MAX		256
#define LINE_MAX_LEN		(PATH_MAX + VALUE_MAX + 64)
#define KSM_RUN			"/sys/kernel/mm/ksm/run"

enum replay_mode {
	REPLAY_NORMAL,		/* everything; report into a buffer */
	REPLAY_SIGNAL,		/* all but modules; what fails and modules left for a child; fd 2 */
	REPLAY_CHILD,		/* that child, after our death: everything, fork/execve */
};

struct replay {
	enum replay_mode mode;
	char *report;		/* REPLAY_NORMAL */
	size_t len;
	int failed;
	int left;		/* REPLAY_SIGNAL: entries left for the child */
	bool quiet;		/* REPLAY_CHILD: failures not said (there is another try) */
};

enum entry_kind {
	ENTRY_FILE,
	ENTRY_MODULE,
	ENTRY_CGROUP,
	ENTRY_SUBTREE,
	ENTRY_ZRAM,
};

struct entry {
	enum entry_kind kind;
	const char *path;	/* file, cgroup, subtree; zram's device */
	const char *mod, *param;	/* module */
	const char *value;	/* file, module; subtree's controller; zram's sysfs dir */
};

/* What the signal path needs, prepared beforehand. */
static struct {
	char path[PATH_MAX];	/* the journal */
	char root[PATH_MAX];	/* knob_root() */
	char modprobe[PATH_MAX];
	char buf[JOURNAL_MAX];
	pid_t owner;		/* only this process restores */
} sig;

static char journal_file[PATH_MAX];
static int lock_fd = -1;
static int busy;		/* a restore is running: no second one on top */

const struct knob_sys *knob_sys_hook;	/* tests only (knob_internal.h) */

/* --- signal-safe string helpers ------------------------------------------------ */

/* str_add - append @s to @buf (always terminated, cut to @len). */
static void str_add(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	while (*s && n + 1 < len)
		buf[n++] = *s++;
	buf[n] = '\0';
}

static void str_set(char *buf, size_t len, const char *s)
{
	buf[0] = '\0';
	str_add(buf, len, s);
}

/* str_num - @v in decimal, in @buf (at least 24 bytes). */
static char *str_num(char *buf, long v)
{
	char tmp[24];
	int n = 0, i = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	do
		tmp[n++] = '0' + u % 10;
	while (u /= 10);
	if (v < 0)
		buf[i++] = '-';
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return buf;
}

/* err_text - errno's description (no locale, no allocation: fine in a handler). */
static const char *err_text(int e)
{
	const char *s = strerrordesc_np(e < 0 ? -e : e);

	return s ? s : "unknown error";
}

static void fd_puts(int fd, const char *s)
{
	ssize_t n, left = strlen(s);

	while (left > 0) {
		n = write(fd, s, left);
		if (n <= 0 && errno != EINTR)
			return;
		if (n > 0) {
			s += n;
			left -= n;
		}
	}
}

/* --- files ------------------------------------------------------------------------ */

/* choice_or_trim - "a [b] c" gives "b"; anything else its trimmed self. */
static int choice_or_trim(char *raw, char *buf, size_t len)
{
	char *s = strchr(raw, '['), *e;
	size_t n;

	if (s && (e = strchr(s, ']'))) {
		s++;
	} else {
		for (s = raw; *s == ' ' || *s == '\t' || *s == '\n'; s++)
			;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'))
			e--;
	}
	n = e - s;
	if (n >= len)
		return -E2BIG;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int journal_read_value(const char *path, char *buf, size_t len)
{
	char raw[VALUE_MAX * 4];
	size_t n = 0;
	ssize_t r;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n < sizeof(raw) - 1) {
		r = read(fd, raw + n, sizeof(raw) - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	raw[n] = '\0';
	return choice_or_trim(raw, buf, len);
}

/* write_value - "@value\n" to @path in one write, as `echo value > path` does. */
static int write_value(const char *path, const char *value)
{
	char buf[VALUE_MAX + 2];
	size_t n = strlen(value);
	ssize_t w;
	int fd, r;

	if (knob_sys_hook && knob_sys_hook->write) {
		r = knob_sys_hook->write(path, value);
		if (r != -ENOSYS)
			return r;
	}
	if (n > VALUE_MAX)
		return -E2BIG;
	memcpy(buf, value, n);
	buf[n++] = '\n';
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		w = write(fd, buf, n);
	while (w < 0 && errno == EINTR);
	r = w < 0 ? -errno : (size_t)w != n ? -EIO : 0;
	if (close(fd) && !r)
		r = -errno;
	return r;
}

int journal_write_value(const char *path, const char *value)
{
	return write_value(path, value);
}

static bool is_ksm_run(const char *path)
{
	size_t n = strlen(path), k = strlen(KSM_RUN);

	return n >= k && !strcmp(path + n - k, KSM_RUN);
}

/*
 * file_restore - write @value back to @path and read it back.  KSM's run
 * is first set to 2, which unmerges every merged page: stopping ksmd (0)
 * would leave our VMs' pages merged.  When KSM ran before (1) there is
 * nothing to undo, and unmerging the whole host would only make ksmd merge
 * it all again.  @note gets a remark even on success.
 */
static int file_restore(const char *path, const char *value, char *note, size_t len)
{
	char now[VALUE_MAX];
	int r;

	note[0] = '\0';
	if (is_ksm_run(path) && strcmp(value, "1") && strcmp(value, "2")) {
		r = write_value(path, "2");
		if (r) {
			str_set(note, len, "unmerging with run=2 failed: ");
			str_add(note, len, err_text(r));
		}
	}
	r = write_value(path, value);
	if (r) {
		str_set(note, len, "cannot write it: ");
		str_add(note, len, err_text(r));
		return r;
	}
	r = journal_read_value(path, now, sizeof(now));
	if (r) {
		str_set(note, len, "cannot read it back: ");
		str_add(note, len, err_text(r));
		return r;
	}
	if (strcmp(now, value)) {
		str_set(note, len, "wrote ");
		str_add(note, len, value);
		str_add(note, len, " but it reads ");
		str_add(note, len, now);
		return -EIO;
	}
	return 0;
}

/* --- cgroups and zram swap ------------------------------------------------------------ */

static void nap_ms(long ms)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* path_join - "@dir/@name" in @buf. */
static char *path_join(char *buf, size_t len, const char *dir, const char *name)
{
	str_set(buf, len, dir);
	str_add(buf, len, "/");
	str_add(buf, len, name);
	return buf;
}

static bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/*
 * cgroup_evict - write every pid of @dir/cgroup.procs to the parent's
 * cgroup.procs.  A few rounds: a task may fork meanwhile.  The number of
 * tasks moved, or -errno of the first move that failed for a task still
 * there.
 */
static int cgroup_evict(const char *dir)
{
	char procs[PATH_MAX], parent[PATH_MAX], buf[4096], *s, *e;
	int fd, round, err = 0, seen, moved = 0;
	ssize_t n, r;

	path_join(procs, sizeof(procs), dir, "cgroup.procs");
	str_set(parent, sizeof(parent), dir);
	s = strrchr(parent, '/');
	if (!s || s == parent)
		return -EINVAL;
	*s = '\0';
	str_add(parent, sizeof(parent), "/cgroup.procs");
	for (round = 0; round < 10; round++) {
		fd = open(procs, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? moved : -errno;
		n = 0;
		while (n < (ssize_t)sizeof(buf) - 1) {
			r = read(fd, buf + n, sizeof(buf) - 1 - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			n += r;
		}
		close(fd);
		buf[n] = '\0';
		seen = 0;
		err = 0;
		for (s = buf; *s; s = e) {
			for (e = s; *e >= '0' && *e <= '9'; e++)
				;
			if (e == s) {
				e++;
				continue;
			}
			if (*e)
				*e++ = '\0';
			r = write_value(parent, s);
			if (r && r != -ESRCH && !err)	/* ESRCH: it died meanwhile */
				err = r;
			seen++;
			moved += !r;
		}
		if (!seen)
			return moved;
	}
	return err ? err : moved;
}

int journal_undo_cgroup(const char *dir, char *note, size_t len)
{
	char path[PATH_MAX];
	int r, i;

	note[0] = '\0';
	if (!path_exists(dir)) {
		str_set(note, len, "gone already");
		return 0;
	}
	r = cgroup_evict(dir);
	if (r < 0) {
		str_set(note, len, "cannot move its tasks to the parent: ");
		str_add(note, len, err_text(r));
		return r;
	}
	/*
	 * cgroup v1: uncharge what is left (page cache), so no offline memcg
	 * lingers.  Not when tasks had to be moved out: their memory is still
	 * charged here, and would be pushed to swap for nothing.
	 */
	if (!r && path_exists(path_join(path, sizeof(path), dir, "memory.force_empty")))
		write_value(path, "0");
	for (i = 0; i < 50; i++) {
		if (knob_sys_hook && knob_sys_hook->rmdir)
			r = knob_sys_hook->rmdir(dir);
		else
			r = rmdir(dir) ? -errno : 0;
		if (r != -EBUSY)
			break;
		cgroup_evict(dir);	/* EBUSY: a task is still there, or exiting */
		nap_ms(20);
	}
	if (r == -ENOENT)
		r = 0;
	if (r) {
		str_set(note, len, "rmdir: ");
		str_add(note, len, err_text(r));
	}
	return r;
}

/* has_word - is @word one of the blank-separated words of @list? */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *s;

	for (s = list; (s = strstr(s, word)); s += n)
		if ((s == list || s[-1] == ' ') && (!s[n] || s[n] == ' ' || s[n] == '\n'))
			return true;
	return false;
}

int journal_undo_subtree(const char *dir, const char *ctl, char *note, size_t len)
{
	char path[PATH_MAX], now[VALUE_MAX], minus[64];
	int r, i;

	note[0] = '\0';
	path_join(path, sizeof(path), dir, "cgroup.subtree_control");
	r = journal_read_value(path, now, sizeof(now));
	if (r == -ENOENT) {
		str_set(note, len, "gone already");
		return 0;
	}
	if (r) {
		str_set(note, len, "cannot read it: ");
		str_add(note, len, err_text(r));
		return r;
	}
	if (!has_word(now, ctl))
		return 0;
	str_set(minus, sizeof(minus), "-");
	str_add(minus, sizeof(minus), ctl);
	for (i = 0; i < 50; i++) {	/* EBUSY while a removed child is still dying */
		r = write_value(path, minus);
		if (r != -EBUSY)
			break;
		nap_ms(20);
	}
	if (r) {
		str_set(note, len, "cannot write ");
		str_add(note, len, minus);
		str_add(note, len, ": ");
		str_add(note, len, err_text(r));
	}
	return r;
}

int journal_undo_zram(const char *dev, const char *sysdir, char *note, size_t len)
{
	char path[PATH_MAX], now[VALUE_MAX];
	int r, i;

	note[0] = '\0';
	if (knob_sys_hook && knob_sys_hook->swapoff)
		r = knob_sys_hook->swapoff(dev);
	else
		r = swapoff(dev) ? -errno : 0;
	if (r && r != -EINVAL) {	/* EINVAL: not (or no longer) swap */
		str_set(note, len, "swapoff: ");
		str_add(note, len, err_text(r));
		return r;
	}
	path_join(path, sizeof(path), sysdir, "reset");
	for (i = 0; i < 50; i++) {	/* EBUSY while the block device is still open */
		r = write_value(path, "1");
		if (r != -EBUSY)
			break;
		nap_ms(20);
	}
	if (r) {
		str_set(note, len, "reset: ");
		str_add(note, len, err_text(r));
		return r;
	}
	r = journal_read_value(path_join(path, sizeof(path), sysdir, "disksize"), now, sizeof(now));
	if (r || strcmp(now, "0")) {
		str_set(note, len, "reset, but disksize reads ");
		str_add(note, len, r ? err_text(r) : now);
		return r ? r : -EIO;
	}
	return 0;
}

/* --- modules from the child of the signal path ---------------------------------- */

static bool same_param(const char *a, const char *b)
{
	static const char *const bools = "YyNn10";

	if (strlen(a) == 1 && strlen(b) == 1 && strchr(bools, a[0]) && strchr(bools, b[0]))
		return knob_is_on(a) == knob_is_on(b);
	return !strcmp(a, b);
}

/* run_raw - fork/execve/waitpid: what a process that got a signal may do. */
static int run_raw(char *const argv[], char *why, size_t len)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	char num[24];
	pid_t pid;
	int st;

	if (knob_run_hook)
		return knob_run_hook(argv, why, len);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		execve(argv[0], argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	str_set(why, len, argv[1]);
	str_add(why, len, !strcmp(argv[1], "-r") ? " (modprobe -r) " : " (modprobe) ");
	str_add(why, len, "failed with status ");
	str_add(why, len, str_num(num, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)));
	return -EIO;
}

/* module_restore_raw - modprobe -r MOD && modprobe MOD PARAM=VALUE, signal-safe. */
static int module_restore_raw(const struct entry *e, char *why, size_t len)
{
	char path[PATH_MAX], now[VALUE_MAX], arg[VALUE_MAX + 64];
	char *unload[] = { sig.modprobe, "-r", (char *)e->mod, NULL };
	char *load[] = { sig.modprobe, (char *)e->mod, arg, NULL };
	bool loaded;
	int r;

	str_set(path, sizeof(path), sig.root);
	str_add(path, sizeof(path), "/sys/module/");
	str_add(path, sizeof(path), e->mod);
	str_add(path, sizeof(path), "/parameters/");
	str_add(path, sizeof(path), e->param);
	loaded = !journal_read_value(path, now, sizeof(now));
	if (loaded && same_param(now, e->value))
		return 0;
	if (!sig.modprobe[0]) {
		str_set(why, len, "modprobe not found");
		return -ENOENT;
	}
	str_set(arg, sizeof(arg), e->param);
	str_add(arg, sizeof(arg), "=");
	str_add(arg, sizeof(arg), e->value);
	r = loaded ? run_raw(unload, why, len) : 0;
	if (!r)
		r = run_raw(load, why, len);
	if (!r && (journal_read_value(path, now, sizeof(now)) || !same_param(now, e->value))) {
		str_set(why, len, "reloaded, but it does not read ");
		str_add(why, len, e->value);
		r = -EIO;
	}
	return r;
}

/* --- entries ------------------------------------------------------------------------ */

/* entry_parse - split a line (in place) into an entry; -EINVAL if malformed. */
static int entry_parse(char *line, struct entry *e)
{
	char *f[4], *s;
	int n = 1;

	f[0] = line;
	for (s = line; *s; s++) {
		if (*s != '\t')
			continue;
		if (n == 4)
			return -EINVAL;
		*s = '\0';
		f[n++] = s + 1;
	}
	memset(e, 0, sizeof(*e));
	if (!strcmp(f[0], "file") && n == 3 && f[1][0] == '/') {
		e->kind = ENTRY_FILE;
		e->path = f[1];
		e->value = f[2];
		return 0;
	}
	if (!strcmp(f[0], "module") && n == 4 && f[1][0] && f[2][0]) {
		e->kind = ENTRY_MODULE;
		e->mod = f[1];
		e->param = f[2];
		e->value = f[3];
		return 0;
	}
	if (!strcmp(f[0], "cgroup") && n == 2 && f[1][0] == '/') {
		e->kind = ENTRY_CGROUP;
		e->path = f[1];
		return 0;
	}
	if (!strcmp(f[0], "subtree") && n == 3 && f[1][0] == '/' && f[2][0]) {
		e->kind = ENTRY_SUBTREE;
		e->path = f[1];
		e->value = f[2];
		return 0;
	}
	if (!strcmp(f[0], "zram") && n == 3 && f[1][0] == '/' && f[2][0] == '/') {
		e->kind = ENTRY_ZRAM;
		e->path = f[1];
		e->value = f[2];
		return 0;
	}
	return -EINVAL;
}

/* entry_say - what replaying @e did (@r, with @note), as a line of the report. */
static void entry_say(const struct entry *e, int r, const char *note, char *say, size_t len)
{
	switch (e->kind) {
	case ENTRY_FILE:
	case ENTRY_MODULE:
		str_set(say, len, r ? "could not restore " : "restored ");
		if (e->kind == ENTRY_FILE) {
			str_add(say, len, e->path);
		} else {
			str_add(say, len, e->mod);
			str_add(say, len, ".");
			str_add(say, len, e->param);
		}
		str_add(say, len, r ? ": " : " to ");
		str_add(say, len, r ? note : e->value);
		break;
	case ENTRY_CGROUP:
		str_set(say, len, r ? "could not remove the cgroup " : "removed the cgroup ");
		str_add(say, len, e->path);
		break;
	case ENTRY_SUBTREE:
		str_set(say, len, r ? "could not disable " : "disabled ");
		str_add(say, len, e->value);
		str_add(say, len, " in ");
		str_add(say, len, e->path);
		str_add(say, len, "/cgroup.subtree_control");
		break;
	case ENTRY_ZRAM:
		str_set(say, len, r ? "could not take back the swap on " : "turned off the swap on ");
		str_add(say, len, e->path);
		if (!r) {
			str_add(say, len, " and reset ");
			str_add(say, len, e->value);
		}
		break;
	}
	if (r && e->kind != ENTRY_FILE && e->kind != ENTRY_MODULE) {
		str_add(say, len, ": ");
		str_add(say, len, note);
	}
	if (!r && note[0]) {
		str_add(say, len, " (");
		str_add(say, len, note);
		str_add(say, len, ")");
	}
}

static void replay_say(struct replay *rp, const char *line)
{
	if (rp->mode == REPLAY_NORMAL) {
		str_add(rp->report, rp->len, line);
		str_add(rp->report, rp->len, "\n");
		return;
	}
	fd_puts(2, "kvmbench: ");
	fd_puts(2, line);
	fd_puts(2, "\n");
}

/*
 * replay_line - restore one entry; true when done with it (restored, or
 * malformed and reported), false when it stays in the journal.
 */
static bool replay_line(struct replay *rp, const char *line)
{
	char copy[LINE_MAX_LEN], note[PATH_MAX], say[LINE_MAX_LEN + PATH_MAX];
	struct entry e;
	int r;

	str_set(copy, sizeof(copy), line);
	if (strlen(line) >= sizeof(copy) || entry_parse(copy, &e)) {
		str_set(say, sizeof(say), "could not restore: malformed journal entry '");
		str_add(say, sizeof(say), line);
		str_add(say, sizeof(say), "'");
		if (!rp->quiet)
			replay_say(rp, say);
		rp->failed++;
		return false;
	}
	note[0] = '\0';
	switch (e.kind) {
	case ENTRY_FILE:
		r = file_restore(e.path, e.value, note, sizeof(note));
		break;
	case ENTRY_MODULE:
		if (rp->mode == REPLAY_SIGNAL)
			return rp->left++, false;
		if (rp->mode == REPLAY_CHILD)
			r = module_restore_raw(&e, note, sizeof(note));
		else
			r = knob_module_restore(e.mod, e.param, e.value, note, sizeof(note));
		break;
	case ENTRY_CGROUP:
		r = journal_undo_cgroup(e.path, note, sizeof(note));
		break;
	case ENTRY_SUBTREE:
		r = journal_undo_subtree(e.path, e.value, note, sizeof(note));
		break;
	case ENTRY_ZRAM:
		r = journal_undo_zram(e.path, e.value, note, sizeof(note));
		break;
	default:
		r = -EINVAL;
	}
	if (r && rp->mode == REPLAY_SIGNAL)	/* e.g. huge pages our VM still uses */
		return rp->left++, false;
	if (r)
		rp->failed++;
	if (r && rp->quiet)
		return false;
	entry_say(&e, r, note, say, sizeof(say));
	replay_say(rp, say);
	return !r;
}

/* --- the journal file ---------------------------------------------------------------- */

static const char *state_dir(void)
{
	const char *d = getenv("KVMBENCH_STATE_DIR");

	return d && d[0] ? d : STATE_DIR_DEFAULT;
}

const char *journal_path(void)
{
	snprintf(journal_file, sizeof(journal_file), "%s/journal", state_dir());
	return journal_file;
}

/* journal_cache - what the signal path will need, kept up to date. */
static void journal_cache(void)
{
	const char *mp = knob_modprobe();

	str_set(sig.path, sizeof(sig.path), journal_path());
	str_set(sig.root, sizeof(sig.root), knob_root());
	str_set(sig.modprobe, sizeof(sig.modprobe), mp ? mp : "");
}

/* dir_sync - fsync the directory holding @path, so a new or renamed name lasts. */
static void dir_sync(const char *path)
{
	char dir[PATH_MAX], *s;
	int fd;

	str_set(dir, sizeof(dir), path);
	s = strrchr(dir, '/');
	if (!s)
		return;
	*s = '\0';
	fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* journal_load - the whole journal, malloc'ed and terminated.  -ENOENT: none. */
static int journal_load(char **out, size_t *len)
{
	char *buf = NULL, *nb;
	size_t n = 0, cap = 0;
	ssize_t r;
	int fd;

	fd = open(journal_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (cap - n < 4096) {
			nb = realloc(buf, cap += 16384);
			if (!nb) {
				r = -ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			goto fail;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
fail:
	close(fd);
	free(buf);
	return r;
}

/* journal_has - is there an entry starting with @key (a whole line prefix)? */
static bool journal_has(const char *key)
{
	size_t n, k = strlen(key);
	char *buf, *s;
	bool found = false;

	if (journal_load(&buf, &n))
		return false;
	for (s = buf; s && *s && !found; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		found = !strncmp(s, key, k);
	free(buf);
	return found;
}

/* journal_append - add @line (with its newline) and fsync it. */
static int journal_append(const char *line, char *why, size_t len)
{
	const char *path = journal_path();
	bool created = true;
	size_t n = strlen(line);
	ssize_t w;
	int fd, r;

	r = path_mkdirs(state_dir());
	if (r) {
		snprintf(why, len, "cannot create %s: %s", state_dir(), strerror(-r));
		return r;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST) {
		created = false;
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	}
	if (fd < 0) {
		r = -errno;
		snprintf(why, len, "cannot open the journal %s: %s", path, strerror(-r));
		return r;
	}
	w = write(fd, line, n);
	r = w < 0 ? -errno : (size_t)w != n ? -EIO : 0;
	if (!r && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (r) {
		snprintf(why, len, "cannot write the journal %s: %s", path, strerror(-r));
		return r;
	}
	if (created)
		dir_sync(path);
	journal_cache();
	return 0;
}

/* journal_save - the journal becomes the lines of @buf (NUL-separated) still wanted. */
static int journal_save(const char *jpath, const char *buf, size_t n)
{
	char tmp[PATH_MAX];
	const char *s;
	int fd, r = 0;

	str_set(tmp, sizeof(tmp), jpath);
	str_add(tmp, sizeof(tmp), ".new");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (s = buf; s < buf + n; s += strlen(s) + 1) {
		if (s[0] == '-' || !s[0])	/* done, or an empty line */
			continue;
		fd_puts(fd, s);
		fd_puts(fd, "\n");
	}
	if (fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (!r && rename(tmp, jpath))
		r = -errno;
	if (r)
		unlink(tmp);
	else
		dir_sync(jpath);
	return r;
}

/*
 * journal_replay - restore the entries in @buf (@n bytes, newest last),
 * then delete the journal at @jpath or keep what is left in it.
 */
static void journal_replay(struct replay *rp, const char *jpath, char *buf, size_t n)
{
	char *s, *p;
	size_t i;
	int r;

	/*
	 * An entry is fsync'ed before its change is made: a last line without
	 * its newline is a torn append, and its change never happened.
	 */
	while (n && buf[n - 1] != '\n')
		n--;
	for (i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = '\0';
	for (p = buf + n; p > buf; p = s) {
		for (s = p - 1; s > buf && s[-1]; s--)
			;
		if (s[0] && replay_line(rp, s))
			s[0] = '-';
	}
	for (s = buf; s < buf + n && (s[0] == '-' || !s[0]); s += strlen(s) + 1)
		;
	if (s >= buf + n)
		r = unlink(jpath) && errno != ENOENT ? -errno : 0;
	else
		r = journal_save(jpath, buf, n);
	if (r) {
		char say[PATH_MAX + 128];

		str_set(say, sizeof(say), "could not update the journal ");
		str_add(say, sizeof(say), jpath);
		str_add(say, sizeof(say), ": ");
		str_add(say, sizeof(say), err_text(r));
		replay_say(rp, say);
		rp->failed++;
	}
}

int journal_write_file(const char *path, const char *value, char *why, size_t len)
{
	char orig[VALUE_MAX], key[PATH_MAX + 8], line[LINE_MAX_LEN];
	int r;

	if (strpbrk(path, "\t\n") || strpbrk(value, "\t\n")) {
		snprintf(why, len, "cannot journal %s: tab or newline in it", path);
		return -EINVAL;
	}
	r = journal_read_value(path, orig, sizeof(orig));
	if (r) {
		snprintf(why, len, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	if (strpbrk(orig, "\t\n")) {
		snprintf(why, len, "cannot journal %s: its value has more than one line", path);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "file\t%s\t", path);
	if (!journal_has(key)) {
		snprintf(line, sizeof(line), "file\t%s\t%s\n", path, orig);
		r = journal_append(line, why, len);
		if (r)
			return r;
	}
	r = write_value(path, value);
	if (r)
		snprintf(why, len, "cannot write %s to %s: %s", value, path, strerror(-r));
	return r;
}

int journal_save_module_param(const char *module, const char *param, const char *value,
			      char *why, size_t len)
{
	char key[256], line[LINE_MAX_LEN];

	if (strpbrk(module, "\t\n") || strpbrk(param, "\t\n") || strpbrk(value, "\t\n")) {
		snprintf(why, len, "cannot journal %s.%s: tab or newline in it", module, param);
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "module\t%s\t%s\t", module, param);
	if (journal_has(key))
		return 0;
	snprintf(line, sizeof(line), "module\t%s\t%s\t%s\n", module, param, value);
	return journal_append(line, why, len);
}

/* journal_once - append "@kind\t@a[\t@b]" unless that entry is there already. */
static int journal_once(const char *kind, const char *a, const char *b, char *why, size_t len)
{
	char key[LINE_MAX_LEN], line[LINE_MAX_LEN];

	if (strpbrk(a, "\t\n") || (b && strpbrk(b, "\t\n"))) {
		snprintf(why, len, "cannot journal %s: tab or newline in it", a);
		return -EINVAL;
	}
	if (b)
		snprintf(key, sizeof(key), "%s\t%s\t%s\n", kind, a, b);
	else
		snprintf(key, sizeof(key), "%s\t%s\n", kind, a);
	if (journal_has(key))
		return 0;
	snprintf(line, sizeof(line), "%s", key);
	return journal_append(line, why, len);
}

int journal_save_cgroup(const char *dir, char *why, size_t len)
{
	return journal_once("cgroup", dir, NULL, why, len);
}

int journal_save_subtree(const char *dir, const char *ctl, char *why, size_t len)
{
	return journal_once("subtree", dir, ctl, why, len);
}

int journal_save_zram(const char *dev, const char *sysdir, char *why, size_t len)
{
	return journal_once("zram", dev, sysdir, why, len);
}

int journal_forget(const char *kind, const char *path)
{
	size_t n, k, i;
	char key[PATH_MAX + 32], *buf, *s;
	bool left = false, found = false;
	int r;

	r = journal_load(&buf, &n);
	if (r)
		return r == -ENOENT ? 0 : r;
	k = snprintf(key, sizeof(key), "%s\t%s", kind, path);
	while (n && buf[n - 1] != '\n')	/* a torn append: its change never happened */
		n--;
	for (i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = '\0';
	for (s = buf; s < buf + n; s += strlen(s) + 1) {
		if (!strncmp(s, key, k) && (!s[k] || s[k] == '\t')) {
			s[0] = '-';
			found = true;
		} else if (s[0]) {
			left = true;
		}
	}
	if (!found)
		r = 0;
	else if (!left)
		r = unlink(journal_path()) && errno != ENOENT ? -errno : 0;
	else
		r = journal_save(journal_path(), buf, n);
	free(buf);
	return r;
}

int journal_restore(char *report, size_t len)
{
	struct replay rp = { .mode = REPLAY_NORMAL, .report = report, .len = len };
	char *buf;
	size_t n;
	int r;

	report[0] = '\0';
	r = journal_load(&buf, &n);
	if (r == -ENOENT)
		return 0;
	if (r) {
		snprintf(report, len, "could not read the journal %s: %s\n",
			 journal_path(), strerror(-r));
		return 1;
	}
	__atomic_store_n(&busy, 1, __ATOMIC_SEQ_CST);
	journal_replay(&rp, journal_path(), buf, n);
	__atomic_store_n(&busy, 0, __ATOMIC_SEQ_CST);
	free(buf);
	return rp.failed;
}

int journal_pending(void)
{
	return access(journal_path(), F_OK) == 0;
}

/* --- the lock ------------------------------------------------------------------------ */

int journal_lock(char *why, size_t len)
{
	char path[PATH_MAX], pid[24] = "";
	ssize_t n;
	int fd, r;

	if (lock_fd >= 0)
		return 0;
	r = path_mkdirs(state_dir());
	if (r) {
		snprintf(why, len, "cannot create %s: %s", state_dir(), strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/lock", state_dir());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		snprintf(why, len, "cannot open %s: %s", path, strerror(-r));
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		r = -errno;
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (r == -EWOULDBLOCK)
			snprintf(why, len, "a kvmbench run (pid %s) is active",
				 pid[0] ? pid : "unknown");
		else
			snprintf(why, len, "cannot lock %s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, n, 0) != n) {
		/* Only the message of a second run suffers: go on. */
	}
	lock_fd = fd;
	return 0;
}

/* --- at exit and on signals ----------------------------------------------------------- */

/* hex_parse - a hexadecimal number at @s; where it ends. */
static const char *hex_parse(const char *s, unsigned long *v)
{
	int d;

	for (*v = 0;; s++) {
		d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
		if (d < 0)
			return s;
		*v = *v * 16 + d;
	}
}

/* maps_unmap - unmap the mapping of a /proc/self/maps line if it is hugetlb or memfd RAM. */
static void maps_unmap(const char *line)
{
	unsigned long start, end;
	const char *s;

	s = hex_parse(line, &start);
	if (*s != '-')
		return;
	hex_parse(s + 1, &end);
	if (end > start && (strstr(line, "/anon_hugepage") || strstr(line, " /memfd:")))
		munmap((void *)start, end - start);
}

/*
 * unmap_guest_ram - a forked child shares our guest RAM: huge pages it
 * maps stay in use, and nr_hugepages could not go back, until it lets go.
 */
static void unmap_guest_ram(void)
{
	char chunk[4096], line[1024];
	size_t ln = 0;
	ssize_t n, i;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		for (i = 0; i < n; i++) {
			if (chunk[i] != '\n') {
				if (ln < sizeof(line) - 1)
					line[ln++] = chunk[i];
				continue;
			}
			line[ln] = '\0';
			maps_unmap(line);
			ln = 0;
		}
	}
	close(fd);
}

/*
 * restorer_wait - the child: once the parent is gone (the pipe ends), put
 * back what it could not.  Its VMs may take a moment more to be released
 * (the module stays in use until then): try for 5 s.
 */
static void restorer_wait(int pipe_rd)
{
	struct timespec nap = { 0, 100 * 1000 * 1000 };
	char c, num[24];
	sigset_t set;
	ssize_t n, r;
	int fd, i;

	/* Forked inside the handler: those signals are blocked here; TERM may stop us. */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	setsid();
	unmap_guest_ram();
	while ((r = read(pipe_rd, &c, 1)) > 0 || (r < 0 && errno == EINTR))
		;
	if (lock_fd >= 0 && !ftruncate(lock_fd, 0)) {
		str_add(str_num(num, getpid()), sizeof(num), "\n");
		if (pwrite(lock_fd, num, strlen(num), 0) < 0)
			num[0] = '\0';
	}
	for (i = 0; i < 50; i++) {
		struct replay rp = { .mode = REPLAY_CHILD, .quiet = i < 49 };

		fd = open(sig.path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(0);
		for (n = 0; n < JOURNAL_MAX - 1 &&
		     (r = read(fd, sig.buf + n, JOURNAL_MAX - 1 - n)) > 0; n += r)
			;
		close(fd);
		journal_replay(&rp, sig.path, sig.buf, n);
		if (!rp.failed)
			_exit(0);
		nanosleep(&nap, NULL);
	}
	fd_puts(2, "kvmbench: run `kvmbench restore` once the reason is gone\n");
	_exit(1);
}

/*
 * restorer_spawn - a child that outlives us, for what our VMs keep in use
 * until we are gone (the vendor module, huge pages).  It keeps the lock
 * (the same open file) so no `kvmbench restore` races it, and notices our
 * death as the end of a pipe only we hold.
 */
static void restorer_spawn(int left)
{
	int p[2], keep_lo, keep_hi;
	char num[24];
	pid_t pid;

	pid = pipe(p) ? -1 : fork();
	if (pid < 0) {
		fd_puts(2, "kvmbench: some settings could not be restored: run `kvmbench restore`\n");
		return;
	}
	if (pid) {
		close(p[0]);	/* p[1] stays open until we die */
		fd_puts(2, "kvmbench: ");
		fd_puts(2, str_num(num, left));
		fd_puts(2, left == 1 ? " setting is" : " settings are");
		fd_puts(2, " restored once this process has exited\n");
		return;
	}
	close(p[1]);
	keep_lo = lock_fd >= 0 && lock_fd < p[0] ? lock_fd : p[0];
	keep_hi = lock_fd >= 0 && lock_fd > p[0] ? lock_fd : p[0];
	if (keep_lo > 3)
		close_range(3, keep_lo - 1, 0);
	if (keep_hi > keep_lo + 1)
		close_range(keep_lo + 1, keep_hi - 1, 0);
	close_range(keep_hi + 1, ~0U, 0);
	restorer_wait(p[0]);
}

/* journal_emergency - the signal path: what it can now, the rest by a child later. */
static void journal_emergency(void)
{
	struct replay rp = { .mode = REPLAY_SIGNAL };
	ssize_t n = 0, r;
	int fd;

	if (getpid() != sig.owner)
		return;
	if (__atomic_exchange_n(&busy, 1, __ATOMIC_SEQ_CST)) {
		fd_puts(2, "kvmbench: interrupted while restoring: run `kvmbench restore`\n");
		return;
	}
	fd = open(sig.path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (n < JOURNAL_MAX && (r = read(fd, sig.buf + n, JOURNAL_MAX - n)) > 0)
		n += r;
	close(fd);
	if (n == JOURNAL_MAX) {
		fd_puts(2, "kvmbench: the journal is too big to restore here: run `kvmbench restore`\n");
		return;
	}
	journal_replay(&rp, sig.path, sig.buf, n);
	if (rp.left)
		restorer_spawn(rp.left);
}

static void journal_on_signal(int signo)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t set;

	journal_emergency();
	/* Die of the signal, so the exit status says what happened. */
	sigemptyset(&dfl.sa_mask);
	sigaction(signo, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, signo);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(signo);
}

static void journal_at_exit(void)
{
	static char report[16384];
	char *line, *save;
	int bad;

	if (getpid() != sig.owner || !journal_pending())
		return;
	bad = journal_restore(report, sizeof(report));
	for (line = strtok_r(report, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "kvmbench: %s\n", line);
	if (bad)
		fprintf(stderr, "kvmbench: %d host setting%s could not be restored: run `kvmbench restore`\n",
			bad, bad == 1 ? "" : "s");
}

void journal_install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static bool installed;
	struct sigaction sa = { .sa_handler = journal_on_signal }, old;
	unsigned i;

	journal_cache();
	sig.owner = getpid();
	if (installed)
		return;
	installed = true;
	atexit(journal_at_exit);
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], NULL, &old) || old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* --- kvmbench restore ------------------------------------------------------------------ */

static void restore_usage(FILE *f)
{
	fprintf(f,
"usage: kvmbench restore\n"
"\n"
"Put back the host settings a kvmbench run changed and could not restore\n"
"itself (it was killed, or the machine went down): THP, KSM, huge pages,\n"
"KVM module parameters, memory cgroups and swap on zram.  Their originals\n"
"are in the journal\n"
"  %s  ($KVMBENCH_STATE_DIR/journal)\n"
"It refuses while a run is active: that run restores the host itself\n"
"when it ends.\n"
"\n"
"Exit status: 0 when there was nothing to do or everything was restored,\n"
"1 when something could not be (the journal then keeps it).\n", journal_path());
}

int cmd_restore(int argc, char **argv)
{
	static char report[16384];
	char why[256];
	int bad;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		restore_usage(stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "kvmbench restore: unexpected argument '%s'\n\n", argv[1]);
		restore_usage(stderr);
		return 2;
	}
	if (!journal_pending()) {
		printf("nothing to restore (no journal at %s)\n", journal_path());
		return 0;
	}
	if (journal_lock(why, sizeof(why))) {
		fprintf(stderr, "kvmbench restore: %s; it restores the host itself when it ends\n",
			why);
		return 1;
	}
	bad = journal_restore(report, sizeof(report));
	fputs(report, stdout);
	if (bad)
		fprintf(stderr, "kvmbench restore: %d setting%s could not be restored; %s keeps %s\n",
			bad, bad == 1 ? "" : "s", journal_path(), bad == 1 ? "it" : "them");
	return bad ? 1 : 0;
}
