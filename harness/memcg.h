/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memcg.h - memory cgroups for memory overcommit, and swap on zram for
 * what they push out.
 *
 * The mem_overcommit knob runs a case's VMs in a child process inside a
 * memory cgroup whose limit is the memory available to them.  The cgroup
 * is made below the controller kvmbench finds in <root>/proc/self/mounts:
 *
 *  - cgroup v2, when a cgroup2 mount lists memory in cgroup.controllers:
 *    as a sibling of this process's own cgroup (v2 lets no cgroup with
 *    processes of its own hand controllers down), or below the root when
 *    this process is in the root.  If that parent's subtree_control lacks
 *    memory, "+memory" is written to it (journaled: "-memory" at restore).
 *    Limit: memory.max; memory.swap.max is left at its default, max.
 *  - else cgroup v1, a cgroup mount with the memory option: below this
 *    process's own memory cgroup, so limits someone put on us still hold.
 *    Limit: memory.limit_in_bytes; memory.memsw.limit_in_bytes is left
 *    alone (unlimited in a new cgroup), so what is over the limit goes to
 *    swap instead of being OOM-killed.
 *
 * Every cgroup is journaled before its mkdir and is named
 * kvmbench-<pid>-<n>; restore (also after a crash) moves any task left in
 * it to the parent and removes it.  All paths are below knob_root() and
 * are returned with it.
 */
#ifndef MEMCG_H
#define MEMCG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum memcg_version {
	MEMCG_NONE,
	MEMCG_V1,
	MEMCG_V2,
};

/* What memcg_detect found. */
struct memcg_host {
	enum memcg_version version;
	char mount[PATH_MAX];	/* the memory controller's mount */
	char parent[PATH_MAX];	/* the cgroup kvmbench's cgroups go in */
	bool enable;		/* v2: memory must be enabled in parent's subtree_control */
};

/*
 * memcg_detect - find the memory controller and the parent cgroup: 0, or
 * -errno and why ("no memory cgroup controller: ...").
 */
int memcg_detect(struct memcg_host *h, char *why, size_t len);
/* memcg_probe - can kvmbench make memory cgroups here?  0, or -errno and why. */
int memcg_probe(char *why, size_t len);

/*
 * memcg_create - a new cgroup limited to @limit bytes, its directory in
 * @dir (@dlen bytes at most): 0, or -errno and why (nothing is left made).
 */
int memcg_create(uint64_t limit, char *dir, size_t dlen, char *why, size_t len);
/* memcg_set_limit - the limit of cgroup @dir, in bytes: 0 or -errno and why. */
int memcg_set_limit(const char *dir, uint64_t limit, char *why, size_t len);
/* memcg_attach - move process @pid (all its threads) into @dir: 0 or -errno and why. */
int memcg_attach(const char *dir, pid_t pid, char *why, size_t len);
/*
 * memcg_remove - move whatever task is left in @dir to the parent, remove
 * @dir and its journal entry.  0 (also when @dir is gone already), or
 * -errno and why (then the journal keeps it for restore).
 */
int memcg_remove(const char *dir, char *why, size_t len);

/*
 * memcg_case_new - the cgroup of the next case: the one the previous call
 * made is removed first, then a new one is made (fresh counters, peak and
 * OOM count for every case).  Same results as memcg_create.
 */
int memcg_case_new(uint64_t limit, char *dir, size_t dlen, char *why, size_t len);
/*
 * memcg_release - remove the cgroup memcg_case_new made last, if any.  The
 * runner may call it after each case; otherwise it goes at the next case or
 * when the journal is restored (end of the scenario, exit, signal).
 * 0, or -errno and why (the journal keeps it).
 */
int memcg_release(char *why, size_t len);

/*
 * What a cgroup counted.  Every number is -1 when this host does not have
 * it.  Bytes unless said otherwise.
 */
struct memcg_stats {
	enum memcg_version version;
	int64_t limit;		/* v1 memory.limit_in_bytes, v2 memory.max (max: INT64_MAX) */
	int64_t usage;		/* memory.usage_in_bytes / memory.current */
	int64_t peak;		/* memory.max_usage_in_bytes / memory.peak (v2: since creation) */
	int64_t failcnt;	/* times the limit was hit: memory.failcnt / memory.events max */
	int64_t oom_kill;	/* OOM kills: memory.oom_control / memory.events oom_kill */
	int64_t pgfault;	/* memory.stat, events */
	int64_t pgmajfault;	/* memory.stat: faults that waited for I/O (swap-in) */
	int64_t swap;		/* in swap now: v1 memory.stat swap, v2 memory.swap.current */
	int64_t pswpin;		/* pages swapped in: the cgroup's memory.stat if it has them, */
	int64_t pswpout;	/* ... else the whole host's /proc/vmstat (swap_io_host) */
	bool swap_io_host;	/* pswpin/pswpout are host-wide: honest on an idle host only */
};

/* memcg_read - the counters of cgroup @dir now: 0 or -errno (no such cgroup). */
int memcg_read(const char *dir, struct memcg_stats *st);
/*
 * memcg_stats_delta - @after less @before for the counters (failcnt,
 * oom_kill, pgfault, pgmajfault, pswpin, pswpout); limit, usage, peak and
 * swap as in @after.  -1 wherever either side is unknown.
 */
void memcg_stats_delta(const struct memcg_stats *before, const struct memcg_stats *after,
		       struct memcg_stats *d);
/* memcg_reset_peak - v1: start max_usage_in_bytes and failcnt anew (best effort). */
void memcg_reset_peak(const char *dir);

/*
 * memcg_fmt - snprintf that says whether it all fit (memcg.c and
 * zram_swap.c build their /sys paths with it).
 */
bool memcg_fmt(char *buf, size_t len, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

/* --- swap on zram (zram_swap.c) ------------------------------------------------ */

/* The active swap areas, from <root>/proc/swaps. */
struct swap_info {
	int nr;			/* areas */
	uint64_t total, used;	/* bytes, all areas together */
	char first[PATH_MAX];	/* the first area's name */
};

/* swap_read - <root>/proc/swaps: 0 or -errno. */
int swap_read(struct swap_info *si);
/*
 * zram_swap_size - the disksize kvmbench gives a zram swap device: 4 GiB or
 * a quarter of RAM (@mem_total bytes, 0 if unknown), whichever is less,
 * or @need and a quarter more when that is more, but never over half of
 * RAM; rounded up to a MiB.  zram holds pages compressed (guest RAM that
 * was never written or is filled with one value takes next to nothing), so
 * RAM used is well below disksize.
 */
uint64_t zram_swap_size(uint64_t need, uint64_t mem_total);
/*
 * zram_swap_ensure - swap for @need bytes pushed out of the cgroups.
 *  - swap kvmbench set up earlier is still on: nothing to do;
 *  - the host has swap of its own: used as it is, nothing changes;
 *  - else the first /sys/block/zramN that is unused (disksize 0) becomes
 *    swap: journaled first, then disksize (zram_swap_size), mkswap
 *    (knob_run), swapon(2).  Restore: swapoff, reset.
 *  - no swap and no free zram: nothing changes, and the note says "no
 *    swap: pages beyond the limit cannot leave RAM (OOM likely above 1)".
 * 0, or -errno and why when setting zram up failed (it is undone then).
 * Whatever happens, zram_swap_note() says afterwards what swap there is.
 */
int zram_swap_ensure(uint64_t need, char *why, size_t len);
/* zram_swap_note - one line on the swap the last zram_swap_ensure found or made. */
const char *zram_swap_note(void);
/* zram_swap_device - the zram device kvmbench made swap ("" if none). */
const char *zram_swap_device(void);
/*
 * zram_swap_teardown - undo the zram swap kvmbench set up (swapoff, reset)
 * and drop its journal entry; 0 when there was none.  0 or -errno and why.
 */
int zram_swap_teardown(char *why, size_t len);

#endif
