// SPDX-License-Identifier: GPL-2.0
/* guests.c - find the microguest images kvmbench was built with. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guests.h"

static bool dir_has_guests(const char *dir)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/ioexit.elf", dir);
	return access(p, R_OK) == 0;
}

const char *guests_dir(void)
{
	static char dir[PATH_MAX];
	char exe[PATH_MAX], *d;
	const char *env = getenv("KVMBENCH_GUESTS");
	ssize_t n;

	if (env && env[0])
		return env;
	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return "build/guests";
	exe[n] = 0;
	d = dirname(exe);
	if (strlen(d) > sizeof(dir) - 16)
		return "build/guests";
	snprintf(dir, sizeof(dir), "%s/guests", d);
	if (!dir_has_guests(dir))	/* build/asan/kvmbench uses build/guests */
		snprintf(dir, sizeof(dir), "%s/../guests", d);
	return dir;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int guests_list(char names[][GUEST_NAME_MAX], int max)
{
	DIR *d = opendir(guests_dir());
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		size_t l = strlen(e->d_name);

		if (l > 4 && l - 4 < GUEST_NAME_MAX && !strcmp(e->d_name + l - 4, ".elf")) {
			memcpy(names[n], e->d_name, l - 4);
			names[n++][l - 4] = 0;
		}
	}
	closedir(d);
	qsort(names, n, GUEST_NAME_MAX, name_cmp);
	return n;
}

int guest_load(const char *name, struct vmm_image *img, char *err, size_t len)
{
	char path[PATH_MAX + GUEST_NAME_MAX + 8];

	if (!name[0] || strchr(name, '/') || strlen(name) >= GUEST_NAME_MAX) {
		snprintf(err, len, "'%s' is not a guest name", name);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s.elf", guests_dir(), name);
	if (access(path, R_OK)) {
		snprintf(err, len, "no guest '%s' (looked for %s; `kvmbench list` shows the guests)",
			 name, path);
		return -ENOENT;
	}
	return image_load(path, img, err, len);
}
