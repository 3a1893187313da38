// SPDX-License-Identifier: GPL-2.0
/*
 * counter_tp.c - tracepoint ids, the config of PERF_TYPE_TRACEPOINT events.
 *
 * They are only published in tracefs (events/SUBSYS/EVENT/id).  If tracefs
 * is mounted, it is read where it is.  If not, mounting it would change the
 * host, so a child process does it in a mount namespace of its own: it
 * unshares, makes its copy of / private (so nothing propagates back),
 * mounts tracefs, writes "subsys:event id" lines to a pipe and exits; the
 * namespace, and the mount, go with it.
 *
 * The child comes from fork() in a process that may run threads, so it
 * uses raw system calls only: no stdio, no malloc, no strerror.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "counter_int.h"

#define TRACEFS_MNT	"/sys/kernel/tracing"
#define CHILD_TIMEOUT_MS	10000

static pthread_once_t tp_once = PTHREAD_ONCE_INIT;
static struct ch_tps tps = { .n = -1 };
static int tp_cap;

/* --- the walk: safe after fork ------------------------------------------------ */

typedef void (*tp_emit_fn)(void *ctx, const char *sys, const char *ev, uint64_t id);

/* scat - append @s to @d (capacity @cap) at @at; the new length. */
static size_t scat(char *d, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		d[at++] = *s++;
	d[at] = 0;
	return at;
}

static int read_id(const char *path, uint64_t *id)
{
	char b[32];
	ssize_t n, i;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0 || b[0] < '0' || b[0] > '9')
		return -1;
	*id = 0;
	for (i = 0; i < n && b[i] >= '0' && b[i] <= '9'; i++)
		*id = *id * 10 + (uint64_t)(b[i] - '0');
	return 0;
}

static bool is_dot(const char *s)
{
	return !strcmp(s, ".") || !strcmp(s, "..");
}

/* tp_walk_sys - every EVENTS/@sys/EVENT/id. */
static void tp_walk_sys(const char *events, const char *sys, tp_emit_fn emit, void *ctx)
{
	char buf[8192], path[PATH_MAX];
	size_t at;
	long n, off;
	uint64_t id;
	int fd;

	at = scat(path, 0, sizeof(path), events);
	at = scat(path, at, sizeof(path), "/");
	at = scat(path, at, sizeof(path), sys);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += ((struct dirent64 *)(buf + off))->d_reclen) {
			struct dirent64 *d = (void *)(buf + off);
			size_t end;

			if (is_dot(d->d_name) || (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN))
				continue;
			end = scat(path, at, sizeof(path), "/");
			end = scat(path, end, sizeof(path), d->d_name);
			scat(path, end, sizeof(path), "/id");
			if (!read_id(path, &id))
				emit(ctx, sys, d->d_name, id);
		}
	}
	close(fd);
}

/* tp_walk - every EVENTS/SUBSYS/EVENT/id: 0, or -errno if @events is unreadable. */
static int tp_walk(const char *events, tp_emit_fn emit, void *ctx)
{
	char buf[8192];
	long n, off;
	int fd = open(events, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += ((struct dirent64 *)(buf + off))->d_reclen) {
			struct dirent64 *d = (void *)(buf + off);

			if (!is_dot(d->d_name) && (d->d_type == DT_DIR || d->d_type == DT_UNKNOWN))
				tp_walk_sys(events, d->d_name, emit, ctx);
		}
	}
	close(fd);
	return 0;
}

/* --- the child ------------------------------------------------------------------ */

struct tp_out {
	int fd;
	size_t n;
	char b[4096];
};

static void out_flush(struct tp_out *o)
{
	size_t done = 0;
	ssize_t w;

	while (done < o->n) {
		w = write(o->fd, o->b + done, o->n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += w;
	}
	o->n = 0;
}

static void out_str(struct tp_out *o, const char *s)
{
	while (*s) {
		if (o->n == sizeof(o->b))
			out_flush(o);
		o->b[o->n++] = *s++;
	}
}

static void out_u64(struct tp_out *o, uint64_t v)
{
	char d[24];
	int i = sizeof(d) - 1;

	d[i] = 0;
	do {
		d[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	out_str(o, d + i);
}

static void child_emit(void *ctx, const char *sys, const char *ev, uint64_t id)
{
	struct tp_out *o = ctx;

	out_str(o, sys);
	out_str(o, ":");
	out_str(o, ev);
	out_str(o, " ");
	out_u64(o, id);
	out_str(o, "\n");
}

/* child_fail - "!STEP ERRNO": the parent words it. */
static void __attribute__((noreturn)) child_fail(struct tp_out *o, const char *step, int e)
{
	out_str(o, "!");
	out_str(o, step);
	out_str(o, " ");
	out_u64(o, (uint64_t)e);
	out_str(o, "\n");
	out_flush(o);
	_exit(1);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void __attribute__((noreturn)) tp_child(int wfd)
{
	static struct tp_out o;
	char tmp[] = "/tmp/kvmbench-tracefs.XXXXXX", events[PATH_MAX];
	const char *mnt = TRACEFS_MNT;
	bool made = false;
	int r;

	o.fd = wfd;
	if (unshare(CLONE_NEWNS))
		child_fail(&o, "unshare", errno);
	/* Our copy of the mount tree must not propagate to the host's. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		child_fail(&o, "private", errno);
	/* The usual mount point hides nothing (tracefs is not mounted). */
	if (!is_dir(mnt)) {
		if (!mkdtemp(tmp))
			child_fail(&o, "mkdtemp", errno);
		mnt = tmp;
		made = true;
	}
	if (mount("tracefs", mnt, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		r = errno;
		if (made)
			rmdir(tmp);
		child_fail(&o, "mount", r);
	}
	scat(events, scat(events, 0, sizeof(events), mnt), sizeof(events), "/events");
	r = tp_walk(events, child_emit, &o);
	out_flush(&o);
	umount2(mnt, MNT_DETACH);
	if (made)
		rmdir(tmp);
	if (r)
		child_fail(&o, "events", -r);
	_exit(0);
}

/* --- the table ------------------------------------------------------------------- */

static void tp_add(void *ctx, const char *sys, const char *ev, uint64_t id)
{
	struct ch_tp *nt;

	if (strlen(sys) + 1 + strlen(ev) >= COUNTER_NAME_MAX)
		return;		/* too long to be named in a scenario anyway */
	if (tps.n >= tp_cap) {
		nt = realloc(tps.tp, (tp_cap ? tp_cap * 2 : 256) * sizeof(*nt));
		if (!nt)
			return;
		tps.tp = nt;
		tp_cap = tp_cap ? tp_cap * 2 : 256;
	}
	snprintf(tps.tp[tps.n].name, COUNTER_NAME_MAX, "%s:%s", sys, ev);
	tps.tp[tps.n++].id = id;
}

/* child_why - the child's "!STEP ERRNO" in words. */
static void child_why(const char *line)
{
	char step[16] = "";
	int e = 0;
	const char *what, *hint = "";

	sscanf(line, "!%15s %d", step, &e);
	what = !strcmp(step, "unshare") ? "unshare(CLONE_NEWNS)" :
	       !strcmp(step, "private") ? "making / private in a new mount namespace" :
	       !strcmp(step, "mount") ? "mounting tracefs in a private mount namespace" :
	       !strcmp(step, "events") ? "reading tracefs events/" : step;
	if (e == EPERM || e == EACCES)
		hint = " (needs root: tracefs is not mounted on this host)";
	else if (e == ENODEV && !strcmp(step, "mount"))
		hint = " (this kernel has no tracefs)";
	snprintf(tps.why, sizeof(tps.why), "%s: %s%s", what, strerror(e), hint);
}

static void parse_line(char *line)
{
	char *sp = strchr(line, ' '), *colon;

	if (line[0] == '!') {
		child_why(line);
		return;
	}
	if (!sp)
		return;
	*sp = 0;
	colon = strchr(line, ':');
	if (!colon)
		return;
	*colon = 0;
	tp_add(NULL, line, colon + 1, strtoull(sp + 1, NULL, 10));
}

/* read_child - everything the child writes, until EOF or the timeout. */
static int read_child(int fd, char **out, size_t *len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t cap = 65536, n = 0;
	char *b = malloc(cap), *nb;
	ssize_t r;

	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n + 1 >= cap) {
			nb = realloc(b, cap * 2);
			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
		r = poll(&p, 1, CHILD_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(b);
			return -ETIMEDOUT;
		}
		r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	b[n] = 0;
	*out = b;
	*len = n;
	return 0;
}

static void tp_from_child(void)
{
	char *buf = NULL, *line, *save = NULL;
	int p[2], st = 0, r;
	size_t len;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		snprintf(tps.why, sizeof(tps.why), "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(tps.why, sizeof(tps.why), "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return;
	}
	if (!pid) {
		close(p[0]);
		tp_child(p[1]);
	}
	close(p[1]);
	r = read_child(p[0], &buf, &len);
	close(p[0]);
	if (r == -ETIMEDOUT)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r) {
		snprintf(tps.why, sizeof(tps.why), "the tracefs reader child: %s", strerror(-r));
		return;
	}
	tps.n = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		parse_line(line);
	free(buf);
	if (WIFSIGNALED(st) && !tps.why[0])
		snprintf(tps.why, sizeof(tps.why), "the tracefs reader child died of signal %d",
			 WTERMSIG(st));
	snprintf(tps.how, sizeof(tps.how),
		 "tracefs mounted in a private mount namespace (the host's mounts unchanged)");
}

static int cmp_tp(const void *a, const void *b)
{
	return strcmp(((const struct ch_tp *)a)->name, ((const struct ch_tp *)b)->name);
}

static void tp_probe(void)
{
	static const char *const mounted[] = {
		TRACEFS_MNT "/events", "/sys/kernel/debug/tracing/events",
	};
	size_t i;

	for (i = 0; i < sizeof(mounted) / sizeof(mounted[0]) && tps.n <= 0; i++) {
		if (access(mounted[i], R_OK | X_OK))
			continue;
		tps.n = 0;
		tp_walk(mounted[i], tp_add, NULL);
		snprintf(tps.how, sizeof(tps.how), "tracefs at %.*s", (int)strlen(mounted[i]) - 7,
			 mounted[i]);
	}
	if (tps.n <= 0) {
		tps.n = -1;
		tp_from_child();
	}
	if (tps.n > 0) {
		qsort(tps.tp, tps.n, sizeof(*tps.tp), cmp_tp);
		tps.why[0] = 0;	/* a partial failure left ids all the same */
	} else {
		if (!tps.why[0])
			snprintf(tps.why, sizeof(tps.why), "tracefs has no events");
		tps.n = -1;
	}
}

const struct ch_tps *ch_tps(void)
{
	pthread_once(&tp_once, tp_probe);
	return &tps;
}

const struct ch_tp *ch_tp_find(const char *name)
{
	const struct ch_tps *t = ch_tps();
	struct ch_tp key;

	if (t->n <= 0 || strlen(name) >= sizeof(key.name))
		return NULL;
	strcpy(key.name, name);
	return bsearch(&key, t->tp, t->n, sizeof(*t->tp), cmp_tp);
}

bool ch_tp_subsys(const char *sys, size_t len)
{
	const struct ch_tps *t = ch_tps();
	int i;

	for (i = 0; i < t->n; i++)
		if (!strncmp(t->tp[i].name, sys, len) && t->tp[i].name[len] == ':')
			return true;
	return false;
}
