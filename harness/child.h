/* SPDX-License-Identifier: GPL-2.0 */
/*
 * child.h - run a function in a child process, optionally inside a memory
 * cgroup, and learn how it ended: exit status or signal, OOM kill, its
 * resource usage, its wall time and what the cgroup counted meanwhile.
 * The harness survives whatever happens to the child (OOM killer, a
 * crash), which is why memory overcommit runs its VMs this way.
 *
 * One child_run at a time per process (it keeps the child's pid where its
 * signal handlers find it).
 */
#ifndef CHILD_H
#define CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

#include "memcg.h"

/* child_fn - what the child runs; its return value is the exit status (0-255). */
typedef int (*child_fn)(void *arg);

struct child_opts {
	const char *cgroup;	/* the child runs in this cgroup (memcg_attach); NULL/"": ours */
	double timeout_s;	/* SIGKILL after this long; 0: no limit */
};

struct child_result {
	bool exited;		/* it returned or exited: status */
	int status;
	int signo;		/* else the signal that ended it */
	/*
	 * The cgroup's OOM killer ended it: the cgroup's oom_kill count went
	 * up and it died of SIGKILL we did not send.  Where the kernel has no
	 * oom_kill count (v1 before 4.13), a SIGKILL we did not send while
	 * the limit was hit (failcnt) counts as one.
	 */
	bool oom_killed;
	bool timed_out;		/* we killed it: opts.timeout_s passed */
	int interrupted;	/* we killed it: this signal (SIGINT, SIGTERM, SIGHUP) came */
	struct rusage ru;	/* the child's (wait4): ru_majflt, ru_minflt, ru_maxrss (KiB,
				 * pages it shares with us copy-on-write included) */
	double wall_s;		/* from fork to its end */
	struct memcg_stats cg;	/* the cgroup over the run (memcg_stats_delta); version
				 * MEMCG_NONE without a cgroup */
};

/*
 * child_run - fork; the child waits until the parent has moved it into
 * opts->cgroup, then runs @fn(@arg) and _exits with its return value
 * (stdio flushed; no atexit handlers).  It dies with us (PR_SET_PDEATHSIG).
 * The parent waits for it, EINTR-safe.  A SIGINT, SIGTERM or SIGHUP that
 * comes meanwhile kills the child at once (SIGKILL), then goes on to the
 * handler installed before child_run (the runner's, the journal's, or the
 * default action); the child is still reaped when the process survives
 * that.  Signals ignored when child_run starts stay ignored.
 *
 * 0 when the child ran (@res says how it ended), or -errno and why when it
 * could not start (fork failed, it could not join the cgroup).
 */
int child_run(const struct child_opts *opts, child_fn fn, void *arg,
	      struct child_result *res, char *why, size_t len);

/*
 * child_shared - @size bytes of zeroed memory shared with the children
 * forked after this call (MAP_SHARED | MAP_ANONYMOUS), for a child to hand
 * structured results back: the parent sees whatever the child wrote
 * before it ended, also when it was killed midway (write a count or a
 * "done" flag last).  The pages count against the cgroup of the process
 * that first touches them.  NULL on failure.  child_shared_free unmaps it.
 */
void *child_shared(size_t size);
void child_shared_free(void *p, size_t size);

#endif
