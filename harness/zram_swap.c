// SPDX-License-Identifier: GPL-2.0
/*
 * zram_swap.c - swap for the pages a memory cgroup pushes out, on a zram
 * device when the host has no swap of its own.  Journaled before anything
 * changes; restore turns it off and resets the device.  See memcg.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/swap.h>
#include <unistd.h>

#include "journal.h"
#include "knob_internal.h"
#include "memcg.h"


#define MIB		(1ull << 20)
#define ZRAM_DEFAULT	(4ull << 30)

static struct {
	char dev[PATH_MAX];	/* below the root, as swapon got it */
	char sysdir[PATH_MAX];
	uint64_t size;
} ours;
static char note[PATH_MAX + 256];

int swap_read(struct swap_info *si)
{
	char path[PATH_MAX], line[PATH_MAX + 128], name[PATH_MAX], type[32];
	unsigned long long size, used;
	FILE *f;

	memset(si, 0, sizeof(*si));
	f = fopen(knob_path(path, sizeof(path), "/proc/swaps"), "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%4095s %31s %llu %llu", name, type, &size, &used) != 4)
			continue;	/* the header */
		if (!si->nr++)
			memcg_fmt(si->first, sizeof(si->first), "%s", name);
		si->total += size << 10;
		si->used += used << 10;
	}
	fclose(f);
	return 0;
}

/* swap_has - is @dev among the active swap areas? */
static bool swap_has(const char *dev)
{
	char path[PATH_MAX], line[PATH_MAX + 128], name[PATH_MAX];
	bool found = false;
	FILE *f;

	f = fopen(knob_path(path, sizeof(path), "/proc/swaps"), "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%4095s", name) == 1 && !strcmp(name, dev);
	fclose(f);
	return found;
}

uint64_t zram_swap_size(uint64_t need, uint64_t mem_total)
{
	uint64_t size = ZRAM_DEFAULT;

	if (mem_total && mem_total / 4 < size)
		size = mem_total / 4;
	if (need + need / 4 > size)
		size = need + need / 4;
	if (mem_total && size > mem_total / 2)
		size = mem_total / 2;
	return (size + MIB - 1) / MIB * MIB;
}

/* mem_total - MemTotal of <root>/proc/meminfo in bytes, 0 if unknown. */
static uint64_t mem_total(void)
{
	char path[PATH_MAX], line[256];
	unsigned long long kb = 0;
	FILE *f;

	f = fopen(knob_path(path, sizeof(path), "/proc/meminfo"), "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb << 10;
}

/*
 * zram_free - the lowest-numbered /sys/block/zramN with disksize 0 and a
 * device node: its sysfs dir and /dev path (below the root).  0 or -ENOENT
 * and in @why what there is.
 */
static int zram_free(char *sysdir, char *dev, size_t len, char *why, size_t wlen)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], size[32];
	struct dirent *de;
	int best = -1, n, zrams = 0;
	char *end;
	DIR *d;

	d = opendir(knob_path(dir, sizeof(dir), "/sys/block"));
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "zram", 4) || !de->d_name[4])
			continue;
		n = strtol(de->d_name + 4, &end, 10);
		if (*end || n < 0)
			continue;
		zrams++;
		memcg_fmt(path, sizeof(path), "%s/%s/disksize", dir, de->d_name);
		if (journal_read_value(path, size, sizeof(size)) || strcmp(size, "0"))
			continue;
		memcg_fmt(path, sizeof(path), "%s/dev/%s", knob_root(), de->d_name);
		if (access(path, F_OK))
			continue;
		if (best < 0 || n < best)
			best = n;
	}
	if (d)
		closedir(d);
	if (best < 0) {
		memcg_fmt(why, wlen, zrams ? "every zram device is in use" : "no zram device");
		return -ENOENT;
	}
	memcg_fmt(sysdir, len, "%s/zram%d", dir, best);
	memcg_fmt(dev, len, "%s/dev/zram%d", knob_root(), best);
	return 0;
}

static const char *mkswap_path(void)
{
	static const char *const paths[] = { "/usr/sbin/mkswap", "/sbin/mkswap", NULL };
	int i;

	if (knob_run_hook)
		return "mkswap";
	for (i = 0; paths[i]; i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

static int do_swapon(const char *dev)
{
	if (knob_sys_hook && knob_sys_hook->swapon)
		return knob_sys_hook->swapon(dev);
	return swapon(dev, 0) ? -errno : 0;
}

/* zram_setup - make @dev (@sysdir) swap of @size bytes, journaled; undone on failure. */
static int zram_setup(const char *dev, const char *sysdir, uint64_t size, char *why, size_t len)
{
	char path[PATH_MAX + 32], val[24], undo[256];
	char *mkswap[] = { (char *)mkswap_path(), (char *)dev, NULL };
	int r;

	if (!mkswap[0]) {
		memcg_fmt(why, len, "cannot make %s swap: mkswap not found", dev);
		return -ENOENT;
	}
	r = journal_save_zram(dev, sysdir, why, len);
	if (r)
		return r;
	memcg_fmt(val, sizeof(val), "%llu", (unsigned long long)size);
	memcg_fmt(path, sizeof(path), "%s/disksize", sysdir);
	r = journal_write_value(path, val);
	if (r) {
		/* EBUSY: someone took it meanwhile.  It is not ours to reset. */
		memcg_fmt(why, len, "cannot write %s to %s: %s", val, path, strerror(-r));
		journal_forget("zram", dev);
		return r;
	}
	r = knob_run(mkswap, why, len);
	if (!r) {
		r = do_swapon(dev);
		if (r)
			memcg_fmt(why, len, "swapon %s: %s", dev, strerror(-r));
	}
	if (!r && !swap_has(dev)) {
		memcg_fmt(why, len, "swapon %s succeeded, but /proc/swaps does not list it", dev);
		r = -EIO;
	}
	if (r) {
		if (!journal_undo_zram(dev, sysdir, undo, sizeof(undo)))
			journal_forget("zram", dev);
		return r;
	}
	return 0;
}

int zram_swap_ensure(uint64_t need, char *why, size_t len)
{
	char sysdir[PATH_MAX], dev[PATH_MAX], none[128], comp[64] = "";
	struct swap_info si;
	uint64_t size;
	int r;

	if (swap_read(&si)) {
		memcg_fmt(note, sizeof(note), "no swap: cannot read /proc/swaps");
		return 0;
	}
	if (ours.dev[0] && swap_has(ours.dev)) {
		memcg_fmt(note, sizeof(note), "swap: %s, %llu MiB of zram set up by kvmbench",
		    ours.dev, (unsigned long long)(ours.size / MIB));
		size = ours.size;
		goto check;
	}
	ours.dev[0] = '\0';	/* restored since (end of a scenario) */
	if (si.nr) {
		memcg_fmt(note, sizeof(note), "swap: the host's own, %llu MiB (%s%s)",
		    (unsigned long long)(si.total / MIB), si.first, si.nr > 1 ? " and more" : "");
		size = si.total - si.used;
		goto check;
	}
	if (zram_free(sysdir, dev, sizeof(dev), none, sizeof(none))) {
		memcg_fmt(note, sizeof(note),
		    "no swap: pages beyond the limit cannot leave RAM (OOM likely above 1; %s)",
		    none);
		return 0;
	}
	size = zram_swap_size(need, mem_total());
	r = zram_setup(dev, sysdir, size, why, len);
	if (r)
		return r;
	memcg_fmt(ours.dev, sizeof(ours.dev), "%s", dev);
	memcg_fmt(ours.sysdir, sizeof(ours.sysdir), "%s", sysdir);
	ours.size = size;
	memcg_fmt(sysdir + strlen(sysdir), sizeof(sysdir) - strlen(sysdir), "/comp_algorithm");
	journal_read_value(sysdir, comp, sizeof(comp));
	memcg_fmt(note, sizeof(note), "swap: %s, %llu MiB of zram%s%s set up by kvmbench", dev,
	    (unsigned long long)(size / MIB), comp[0] ? " " : "", comp);
check:
	if (need > size)
		memcg_fmt(note + strlen(note), sizeof(note) - strlen(note),
		    "; less than the %llu MiB this level pushes out: OOM likely",
		    (unsigned long long)(need / MIB));
	return 0;
}

const char *zram_swap_note(void)
{
	return note;
}

const char *zram_swap_device(void)
{
	return ours.dev;
}

int zram_swap_teardown(char *why, size_t len)
{
	char undo[256];
	int r;

	if (!ours.dev[0])
		return 0;
	r = journal_undo_zram(ours.dev, ours.sysdir, undo, sizeof(undo));
	if (r) {
		memcg_fmt(why, len, "cannot take back the swap on %s: %s", ours.dev, undo);
		return r;
	}
	journal_forget("zram", ours.dev);
	ours.dev[0] = '\0';
	note[0] = '\0';
	return 0;
}
