/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap_test.h - the few TAP helpers kvmbench's own C tests use.
 * Each test file is a TAP producer run by prove (plan at the end).
 */
#ifndef TAP_TEST_H
#define TAP_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <libgen.h>

static int tt_n, tt_failed;

static inline int tt_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tt_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		printf("#   Failed at %s:%d\n", file, line);
		tt_failed++;
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...)	tt_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) ({					\
	long long __g = (got), __w = (want);				\
	int __r = ok(__g == __w, __VA_ARGS__);				\
	if (!__r)							\
		printf("#   got %lld, want %lld\n", __g, __w);		\
	__r; })
#define is_str(got, want, ...) ({					\
	const char *__g = (got), *__w = (want);				\
	int __r = ok(__g && __w && !strcmp(__g, __w), __VA_ARGS__);	\
	if (!__r)							\
		printf("#   got '%s', want '%s'\n", __g ? __g : "(null)", __w); \
	__r; })
#define diag(...)	do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)

static inline void skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(0);
}

static inline void skip(int n, const char *why)
{
	while (n-- > 0)
		printf("ok %d # SKIP %s\n", ++tt_n, why);
}

static inline int done_testing(void)
{
	printf("1..%d\n", tt_n);
	return tt_failed ? 1 : 0;
}

/* tt_build_dir - the build directory this test binary belongs to (build/ or build/asan/). */
static inline const char *tt_build_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	if (n < 0)
		return "build";
	dir[n] = 0;
	return dirname(dirname(dir));
}

/*
 * tt_guests_dir - the built guests: build/guests beside build/tests, and
 * for build/asan/tests the same build/guests one level up.
 */
static inline const char *tt_guests_dir(void)
{
	static char dir[PATH_MAX + 16];
	char elf[PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/guests", tt_build_dir());
	snprintf(elf, sizeof(elf), "%s/ioexit.elf", dir);
	if (access(elf, R_OK))
		snprintf(dir, sizeof(dir), "%s/../guests", tt_build_dir());
	return dir;
}

/* tt_src_dir - the source tree (tests run from it under make check). */
static inline const char *tt_src_dir(void)
{
	const char *s = getenv("KVMBENCH_SRC");

	return s ? s : ".";
}

#endif
