// SPDX-License-Identifier: GPL-2.0
/*
 * memcg.c - memory cgroups (v1 or v2) for the mem_overcommit knob: find
 * the controller, make a cgroup with a limit (journaled), put a process in
 * it, read what it counted, remove it.  See memcg.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "knob_internal.h"
#include "memcg.h"

/*
 * memcg_fmt - snprintf that says whether it all fit (true) and keeps gcc from
 * guessing at lengths it cannot know: paths here are far below PATH_MAX.
 */
bool memcg_fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len;
}

#define FILE_MAX	16384		/* memory.stat is ~1.5 KiB (v1), ~4 KiB (v2) */

/* slurp - the whole (small) file @path in @buf: 0 or -errno. */
static int slurp(const char *path, char *buf, size_t len)
{
	size_t n = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

/* unescape - a /proc/self/mounts field with its \040-style escapes decoded, in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* has_word - is @word in @list, words separated by any of @sep? */
static bool has_word(const char *list, const char *word, const char *sep)
{
	size_t n = strlen(word);
	const char *s;

	for (s = list; *s; s += strcspn(s, sep), s += *s ? 1 : 0)
		if (strcspn(s, sep) == n && !strncmp(s, word, n))
			return true;
	return false;
}

/* own_cgroup - this process's cgroup path in the hierarchy of @ctl ("" : v2) from /proc/self/cgroup. */
static int own_cgroup(const char *ctl, char *path, size_t len)
{
	char file[PATH_MAX], line[PATH_MAX + 128], *a, *b;
	int r = -ENOENT;
	FILE *f;

	f = fopen(knob_path(file, sizeof(file), "/proc/self/cgroup"), "re");
	if (!f)
		return -errno;
	while (r && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		a = strchr(line, ':');
		b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			continue;
		*a = '\0';
		*b++ = '\0';
		if (ctl[0] ? has_word(a + 1, ctl, ",") : !strcmp(line, "0") && !a[1]) {
			memcg_fmt(path, len, "%s", b);
			r = 0;
		}
	}
	fclose(f);
	return r;
}

/* parent_dir - @dir without its last component ("/a/b" gives "/a"), in place. */
static void parent_dir(char *dir)
{
	char *s = strrchr(dir, '/');

	if (s && s != dir)
		*s = '\0';
}

/* detect_v2 - a cgroup2 mount at @mnt (below the root already) with memory: 0 or -errno, why. */
static int detect_v2(struct memcg_host *h, const char *mnt, char *why, size_t len)
{
	char path[PATH_MAX + 32], list[1024], own[PATH_MAX];
	int r;

	memcg_fmt(path, sizeof(path), "%s/cgroup.controllers", mnt);
	if (slurp(path, list, sizeof(list)) || !has_word(list, "memory", " \n")) {
		memcg_fmt(why, len, "the cgroup2 mount %s has no memory controller", mnt);
		return -ENOENT;
	}
	r = own_cgroup("", own, sizeof(own));
	if (r) {
		memcg_fmt(why, len, "this process's cgroup v2 is not in %s/proc/self/cgroup", knob_root());
		return r;
	}
	h->version = MEMCG_V2;
	memcg_fmt(h->mount, sizeof(h->mount), "%s", mnt);
	if (!memcg_fmt(h->parent, sizeof(h->parent), "%s%s", mnt, strcmp(own, "/") ? own : ""))
		return -ENAMETOOLONG;
	if (strcmp(own, "/"))
		parent_dir(h->parent);
	memcg_fmt(path, sizeof(path), "%s/cgroup.subtree_control", h->parent);
	if (!slurp(path, list, sizeof(list)) && has_word(list, "memory", " \n"))
		return 0;
	memcg_fmt(path, sizeof(path), "%s/cgroup.controllers", h->parent);
	if (slurp(path, list, sizeof(list)) || !has_word(list, "memory", " \n")) {
		memcg_fmt(why, len, "cgroup v2: %s cannot hand the memory controller down (not in its cgroup.controllers)",
		    h->parent);
		return -EPERM;
	}
	h->enable = true;
	return 0;
}

/* detect_v1 - the cgroup v1 memory mount at @mnt: 0 or -errno, why. */
static int detect_v1(struct memcg_host *h, const char *mnt, char *why, size_t len)
{
	char own[PATH_MAX], path[PATH_MAX + 32];
	int r;

	r = own_cgroup("memory", own, sizeof(own));
	if (r) {
		memcg_fmt(why, len, "this process's memory cgroup is not in %s/proc/self/cgroup",
		    knob_root());
		return r;
	}
	h->version = MEMCG_V1;
	memcg_fmt(h->mount, sizeof(h->mount), "%s", mnt);
	if (!memcg_fmt(h->parent, sizeof(h->parent), "%s%s", mnt, strcmp(own, "/") ? own : ""))
		return -ENAMETOOLONG;
	memcg_fmt(path, sizeof(path), "%s/memory.limit_in_bytes", h->parent);
	if (access(path, F_OK)) {
		memcg_fmt(why, len, "cgroup v1: %s has no memory.limit_in_bytes", h->parent);
		return -ENOENT;
	}
	return 0;
}

int memcg_detect(struct memcg_host *h, char *why, size_t len)
{
	char file[PATH_MAX], line[PATH_MAX * 2], v1[PATH_MAX] = "", v2[4][PATH_MAX];
	char no_v2[256] = "";
	char *f[4], *save;
	int i, n2 = 0, r;
	FILE *mf;

	memset(h, 0, sizeof(*h));
	mf = fopen(knob_path(file, sizeof(file), "/proc/self/mounts"), "re");
	if (!mf) {
		r = -errno;
		memcg_fmt(why, len, "cannot read %s: %s", file, strerror(-r));
		return r;
	}
	while (fgets(line, sizeof(line), mf)) {
		for (i = 0, f[0] = strtok_r(line, " \n", &save); f[i] && i < 3; )
			f[++i] = strtok_r(NULL, " \n", &save);
		if (i < 3 || !f[3])
			continue;
		unescape(f[1]);
		if (!strcmp(f[2], "cgroup2") && n2 < 4)
			knob_path(v2[n2++], PATH_MAX, "%s", f[1]);
		else if (!strcmp(f[2], "cgroup") && has_word(f[3], "memory", ",") && !v1[0])
			knob_path(v1, sizeof(v1), "%s", f[1]);
	}
	fclose(mf);
	for (i = 0; i < n2; i++) {
		r = detect_v2(h, v2[i], why, len);
		if (!r || r == -EPERM || r == -ENAMETOOLONG)
			return r;
		memcg_fmt(no_v2, sizeof(no_v2), "%s", why);
		memset(h, 0, sizeof(*h));
	}
	if (v1[0])
		return detect_v1(h, v1, why, len);
	memcg_fmt(why, len, "no memory cgroup controller: %s%sno cgroup v1 memory mount in /proc/self/mounts",
	    no_v2[0] ? no_v2 : "no cgroup2 mount", no_v2[0] ? ", " : " and ");
	return -ENOENT;
}

int memcg_probe(char *why, size_t len)
{
	struct memcg_host h;
	int r;

	r = memcg_detect(&h, why, len);
	if (!r && access(h.parent, W_OK)) {
		r = -errno;
		memcg_fmt(why, len, "cannot make cgroups in %s: %s", h.parent, strerror(-r));
	}
	return r;
}

/* cg_file - @dir/@name in @buf. */
static char *cg_file(char *buf, size_t len, const char *dir, const char *name)
{
	memcg_fmt(buf, len, "%s/%s", dir, name);
	return buf;
}

static bool is_v1(const char *dir)
{
	char path[PATH_MAX + 32];

	return !access(cg_file(path, sizeof(path), dir, "memory.limit_in_bytes"), F_OK);
}

static int cg_mkdir(const char *dir)
{
	if (knob_sys_hook && knob_sys_hook->mkdir)
		return knob_sys_hook->mkdir(dir);
	return mkdir(dir, 0755) ? -errno : 0;
}

/* enable_memory - "+memory" in @parent's subtree_control, journaled first. */
static int enable_memory(const char *parent, char *why, size_t len)
{
	char path[PATH_MAX + 32];
	int r;

	r = journal_save_subtree(parent, "memory", why, len);
	if (r)
		return r;
	r = journal_write_value(cg_file(path, sizeof(path), parent, "cgroup.subtree_control"),
				"+memory");
	if (r) {
		memcg_fmt(why, len, "cannot enable memory in %s: %s", path, strerror(-r));
		journal_forget("subtree", parent);
	}
	return r;
}

int memcg_create(uint64_t limit, char *dir, size_t dlen, char *why, size_t len)
{
	static unsigned seq;
	struct memcg_host h;
	char ignore[256];
	int r, tries;

	dir[0] = '\0';
	r = memcg_detect(&h, why, len);
	if (!r && h.enable)
		r = enable_memory(h.parent, why, len);
	if (r)
		return r;
	for (tries = 0; tries < 100; tries++) {
		if (!memcg_fmt(dir, dlen, "%s/kvmbench-%d-%u", h.parent, (int)getpid(), ++seq)) {
			memcg_fmt(why, len, "the cgroup's path below %s is too long", h.parent);
			dir[0] = '\0';
			return -ENAMETOOLONG;
		}
		r = journal_save_cgroup(dir, why, len);
		if (r) {
			dir[0] = '\0';
			return r;
		}
		r = cg_mkdir(dir);
		if (r != -EEXIST)	/* a crashed run's, with our pid: its journal has it */
			break;
		journal_forget("cgroup", dir);
	}
	if (r) {
		memcg_fmt(why, len, "cannot make the cgroup %s: %s", dir, strerror(-r));
		journal_forget("cgroup", dir);
		dir[0] = '\0';
		return r;
	}
	r = memcg_set_limit(dir, limit, why, len);
	if (r) {
		memcg_remove(dir, ignore, sizeof(ignore));
		dir[0] = '\0';
	}
	return r;
}

int memcg_set_limit(const char *dir, uint64_t limit, char *why, size_t len)
{
	char path[PATH_MAX + 32], val[24];
	int r;

	memcg_fmt(val, sizeof(val), "%llu", (unsigned long long)limit);
	cg_file(path, sizeof(path), dir, is_v1(dir) ? "memory.limit_in_bytes" : "memory.max");
	r = journal_write_value(path, val);
	if (r)
		memcg_fmt(why, len, "cannot write %s to %s: %s", val, path, strerror(-r));
	return r;
}

int memcg_attach(const char *dir, pid_t pid, char *why, size_t len)
{
	char path[PATH_MAX + 32], val[24];
	int r;

	memcg_fmt(val, sizeof(val), "%d", (int)pid);
	r = journal_write_value(cg_file(path, sizeof(path), dir, "cgroup.procs"), val);
	if (r)
		memcg_fmt(why, len, "cannot move process %d into %s: %s", (int)pid, dir, strerror(-r));
	return r;
}

int memcg_remove(const char *dir, char *why, size_t len)
{
	char note[256];
	int r;

	r = journal_undo_cgroup(dir, note, sizeof(note));
	if (r) {
		memcg_fmt(why, len, "cannot remove the cgroup %s: %s", dir, note);
		return r;
	}
	return journal_forget("cgroup", dir);
}

/* --- one cgroup per case ------------------------------------------------------------- */

static char case_dir[PATH_MAX];

int memcg_case_new(uint64_t limit, char *dir, size_t dlen, char *why, size_t len)
{
	int r;

	memcg_release(why, len);	/* if that fails, the journal keeps it */
	r = memcg_create(limit, case_dir, sizeof(case_dir), why, len);
	if (r)
		return r;
	if (!memcg_fmt(dir, dlen, "%s", case_dir)) {
		char ignore[256];

		memcg_fmt(why, len, "the cgroup path %s is too long", case_dir);
		memcg_release(ignore, sizeof(ignore));
		dir[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int memcg_release(char *why, size_t len)
{
	int r;

	if (!case_dir[0])
		return 0;
	r = memcg_remove(case_dir, why, len);
	case_dir[0] = '\0';
	return r;
}

/* --- counters ------------------------------------------------------------------------- */

/* keyed - the number after "@key " at the start of a line of @buf, or -1. */
static int64_t keyed(const char *buf, const char *key)
{
	size_t n = strlen(key);
	const char *s;

	for (s = buf; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
		if (!strncmp(s, key, n) && s[n] == ' ')
			return strtoll(s + n + 1, NULL, 10);
	return -1;
}

/* number - the number in @dir/@name ("max": INT64_MAX), or -1. */
static int64_t number(const char *dir, const char *name)
{
	char path[PATH_MAX + 32], buf[64];
	char *end;
	long long v;

	if (journal_read_value(cg_file(path, sizeof(path), dir, name), buf, sizeof(buf)))
		return -1;
	if (!strcmp(buf, "max"))
		return INT64_MAX;
	v = strtoll(buf, &end, 10);
	return end == buf || *end || v < 0 ? -1 : v;
}

/* file_keyed - keyed() of file @dir/@name, or -1 when it cannot be read. */
static int64_t file_keyed(const char *dir, const char *name, const char *key, char *buf)
{
	char path[PATH_MAX + 32];

	if (slurp(cg_file(path, sizeof(path), dir, name), buf, FILE_MAX))
		return -1;
	return keyed(buf, key);
}

int memcg_read(const char *dir, struct memcg_stats *st)
{
	char *buf, path[PATH_MAX];
	bool v1 = is_v1(dir);

	memset(st, 0, sizeof(*st));
	if (access(dir, F_OK))
		return -ENOENT;
	buf = malloc(FILE_MAX);
	if (!buf)
		return -ENOMEM;
	st->version = v1 ? MEMCG_V1 : MEMCG_V2;
	st->limit = number(dir, v1 ? "memory.limit_in_bytes" : "memory.max");
	st->usage = number(dir, v1 ? "memory.usage_in_bytes" : "memory.current");
	st->peak = number(dir, v1 ? "memory.max_usage_in_bytes" : "memory.peak");
	if (v1) {
		st->failcnt = number(dir, "memory.failcnt");
		st->oom_kill = file_keyed(dir, "memory.oom_control", "oom_kill", buf);
		st->swap = -1;
	} else {
		st->failcnt = file_keyed(dir, "memory.events", "max", buf);
		st->oom_kill = file_keyed(dir, "memory.events", "oom_kill", buf);
		st->swap = number(dir, "memory.swap.current");
	}
	if (slurp(cg_file(path, sizeof(path), dir, "memory.stat"), buf, FILE_MAX))
		buf[0] = '\0';
	st->pgfault = keyed(buf, "pgfault");
	st->pgmajfault = keyed(buf, "pgmajfault");
	if (v1)
		st->swap = keyed(buf, "swap");	/* with swap accounting only */
	st->pswpin = keyed(buf, "pswpin");
	st->pswpout = keyed(buf, "pswpout");
	if (st->pswpin < 0 || st->pswpout < 0) {
		st->swap_io_host = true;
		if (slurp(knob_path(path, sizeof(path), "/proc/vmstat"), buf, FILE_MAX))
			buf[0] = '\0';
		st->pswpin = keyed(buf, "pswpin");
		st->pswpout = keyed(buf, "pswpout");
	}
	free(buf);
	return 0;
}

static int64_t diff(int64_t a, int64_t b)
{
	return a < 0 || b < 0 ? -1 : b - a;
}

void memcg_stats_delta(const struct memcg_stats *before, const struct memcg_stats *after,
		       struct memcg_stats *d)
{
	*d = *after;
	d->failcnt = diff(before->failcnt, after->failcnt);
	d->oom_kill = diff(before->oom_kill, after->oom_kill);
	d->pgfault = diff(before->pgfault, after->pgfault);
	d->pgmajfault = diff(before->pgmajfault, after->pgmajfault);
	d->pswpin = diff(before->pswpin, after->pswpin);
	d->pswpout = diff(before->pswpout, after->pswpout);
	d->swap_io_host = before->swap_io_host || after->swap_io_host;
}

void memcg_reset_peak(const char *dir)
{
	char path[PATH_MAX + 32];

	if (!is_v1(dir))
		return;
	journal_write_value(cg_file(path, sizeof(path), dir, "memory.max_usage_in_bytes"), "0");
	journal_write_value(cg_file(path, sizeof(path), dir, "memory.failcnt"), "0");
}
