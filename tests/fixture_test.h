/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fixture_test.h - the C tests that point the knobs at fixture trees
 * (tests/fixtures, through KVMBENCH_SYSROOT) share these: a temp dir, the
 * fixtures' dir, the current root, and the stand-ins' command log.
 * Include after tap_test.h and call fixture_init() first.
 */
#ifndef FIXTURE_TEST_H
#define FIXTURE_TEST_H

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

/* Short enough that every path built from them fits in PATH_MAX. */
static char tmp[256], fixtures[1024], root[1536], log_path[512];
static int nr_roots;

/*
 * fixture_init - a temp dir /tmp/@test.XXXXXX, the fixtures in
 * tests/fixtures/@sub, the log at @log in the temp dir, and a private
 * journal (KVMBENCH_STATE_DIR) there; skips the whole test if it cannot.
 */
static inline void fixture_init(const char *test, const char *sub, const char *log)
{
	char src[PATH_MAX], state[PATH_MAX + 16];

	snprintf(tmp, sizeof(tmp), "/tmp/%s.XXXXXX", test);
	if (!mkdtemp(tmp) || !realpath(tt_src_dir(), src) || strlen(src) > 900)
		skip_all("no temp dir or source dir");
	snprintf(fixtures, sizeof(fixtures), "%s/tests/fixtures%s%s", src, *sub ? "/" : "", sub);
	snprintf(log_path, sizeof(log_path), "%s/%s", tmp, log);
	snprintf(state, sizeof(state), "%s/state", tmp);
	setenv("KVMBENCH_STATE_DIR", state, 1);
}

static inline int spawn_wait(char *const argv[])
{
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ))
		return -1;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* fixture_cleanup - remove the temp dir. */
static inline void fixture_cleanup(void)
{
	char *rm[] = { "rm", "-rf", tmp, NULL };

	spawn_wait(rm);
}

/* slurp - a file's content without the trailing newline ("<missing>" if none). */
static inline const char *slurp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline const char *slurp(const char *fmt, ...)
{
	static char bufs[4][8192];
	static int which;
	char path[PATH_MAX], *b = bufs[which++ % 4];
	va_list ap;
	ssize_t n;
	int fd;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return "<missing>";
	n = read(fd, b, sizeof(bufs[0]) - 1);
	close(fd);
	b[n > 0 ? n : 0] = '\0';
	if (n > 0 && b[n - 1] == '\n')
		b[n - 1] = '\0';
	return b;
}

/* spit_file - write @s to @path opened with @mode, or bail out saying what failed. */
static inline void spit_file(const char *path, const char *s, const char *mode, const char *what)
{
	FILE *f = fopen(path, mode);

	if (!f || fputs(s, f) < 0 || fclose(f)) {
		printf("Bail out! cannot %s %s\n", what, path);
		exit(1);
	}
}

static inline void spit(const char *path, const char *s)
{
	spit_file(path, s, "w", "write");
}

static inline void spit_append(const char *path, const char *s)
{
	spit_file(path, s, "a", "append to");
}

/* in_root - @rel below the current root, in a rotating buffer. */
static inline const char *in_root(const char *rel)
{
	static char bufs[8][PATH_MAX];
	static int which;
	char *b = bufs[which++ % 8];

	snprintf(b, PATH_MAX, "%s%s", root, rel);
	return b;
}

/* use_fixture - point the knobs at a fixture as it is in the source tree (read only). */
static inline void use_fixture(const char *name)
{
	snprintf(root, sizeof(root), "%s/%s", fixtures, name);
	setenv("KVMBENCH_SYSROOT", root, 1);
}

/*
 * copy_fixture - point the knobs at a fresh copy of fixture @name, to
 * change it; a fresh host has an empty command log.
 */
static inline void copy_fixture(const char *name)
{
	const char *base = strrchr(name, '/');
	char src[PATH_MAX + 64];
	char *cp[] = { "cp", "-a", src, root, NULL };

	snprintf(src, sizeof(src), "%s/%s", fixtures, name);
	snprintf(root, sizeof(root), "%s/root%d-%s", tmp, nr_roots++, base ? base + 1 : name);
	if (spawn_wait(cp)) {
		printf("Bail out! cannot copy %s to %s\n", src, root);
		exit(1);
	}
	setenv("KVMBENCH_SYSROOT", root, 1);
	unlink(log_path);
}

#endif
