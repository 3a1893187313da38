// SPDX-License-Identifier: GPL-2.0
/*
 * vmsync.c - a barrier over the VMs of a case, with an action run by the
 * last arrival.  Waits are timed and poll vmm_aborted(): a waiting vCPU
 * thread sits in the VMM's event callback, out of KVM_RUN, where neither
 * the watchdog nor a signal would reach it.
 */
#include <errno.h>
#include <time.h>

#include "vmm.h"
#include "vmsync.h"

#define POLL_NS	50000000L	/* 50 ms */

void vmsync_init(struct vmsync *s, int nr_vms, double timeout_s, vmsync_fn fn, void *ctx)
{
	pthread_condattr_t a;

	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &a);
	pthread_condattr_destroy(&a);
	s->nr_vms = nr_vms;
	s->gone = s->arrived = 0;
	s->generation = 0;
	s->reply = 0;
	s->timeout_s = timeout_s;
	s->fn = fn;
	s->ctx = ctx;
}

void vmsync_destroy(struct vmsync *s)
{
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

/* release - everyone here goes on (called with the lock held). */
static void release(struct vmsync *s)
{
	s->arrived = 0;
	s->generation++;
	pthread_cond_broadcast(&s->cond);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int64_t vmsync_arrive(struct vmsync *s, const struct vm *vm, const char *name, int64_t arg)
{
	double end = now_s() + s->timeout_s;
	unsigned gen;
	int64_t r;

	pthread_mutex_lock(&s->lock);
	gen = s->generation;
	if (++s->arrived + s->gone >= s->nr_vms) {
		/* the last one: the action runs unlocked, the others stay parked */
		pthread_mutex_unlock(&s->lock);
		r = s->fn ? s->fn(s->ctx, name, arg) : 0;
		pthread_mutex_lock(&s->lock);
		s->reply = r;
		release(s);
		pthread_mutex_unlock(&s->lock);
		return r;
	}
	while (s->generation == gen && !vmm_aborted() && !vm_stopped(vm) && now_s() < end) {
		struct timespec t;

		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += POLL_NS;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cond, &s->lock, &t);
	}
	r = s->generation != gen ? s->reply : -1;
	if (s->generation == gen)
		s->arrived--;	/* gave up: no longer here */
	pthread_mutex_unlock(&s->lock);
	return r;
}

void vmsync_leave(struct vmsync *s)
{
	pthread_mutex_lock(&s->lock);
	s->gone++;
	/* the ones waiting may now be everyone left; the action is skipped then */
	if (s->arrived && s->arrived + s->gone >= s->nr_vms)
		release(s);
	pthread_mutex_unlock(&s->lock);
}
