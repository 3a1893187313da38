/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmsync.h - the guests' sync calls (KB_OP_SYNC) as a barrier over the VMs
 * of one case.  The last VM to arrive runs the case's action for that sync
 * point (e.g. let KSM merge what the guests filled) while the others wait,
 * then all go on with the action's reply.  A VM that ended (crashed, timed
 * out) no longer counts, so the others are never left waiting for it.
 */
#ifndef VMSYNC_H
#define VMSYNC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* The action for sync point @name; @arg is the last guest's value. */
typedef int64_t (*vmsync_fn)(void *ctx, const char *name, int64_t arg);

struct vmsync {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int nr_vms, gone, arrived;
	unsigned generation;
	int64_t reply;
	double timeout_s;		/* the longest one wait may take */
	vmsync_fn fn;
	void *ctx;
};

void vmsync_init(struct vmsync *s, int nr_vms, double timeout_s, vmsync_fn fn, void *ctx);
void vmsync_destroy(struct vmsync *s);
/*
 * vmsync_arrive - VM arrives at sync point @name: wait for the others,
 * then return the action's reply.  Returns early (with -1) after
 * timeout_s, when the run is aborted or when @vm's run is ending
 * (vm_stopped: its watchdog fired, a vCPU crashed).
 */
struct vm;
int64_t vmsync_arrive(struct vmsync *s, const struct vm *vm, const char *name, int64_t arg);
/* vmsync_leave - a VM ended: the barrier no longer waits for it. */
void vmsync_leave(struct vmsync *s);

#endif
