// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - one thread per vCPU running the KVM_RUN exit loop, and the
 * watchdog that ends a run whose guest hangs.
 *
 * A vCPU leaves its loop when the guest calls done(), crashes, or when the
 * VM is stopped: the watchdog sets vm->stop, sets immediate_exit and sends
 * SIGUSR1 so that KVM_RUN returns -EINTR at once wherever the guest is.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm_int.h"

#define KICK_SIGNAL	SIGUSR1
#define JOIN_GRACE_S	2

static void kick_handler(int sig)
{
	(void)sig;	/* only there to interrupt KVM_RUN */
}

static void kick_install_once(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);	/* no SA_RESTART: KVM_RUN must return */
}

static void kick_install(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, kick_install_once);
}

/*
 * vcpu_complete_io - finish a pending PIO/MMIO exit inside KVM so that the
 * registers we read or write are the architectural ones (KVM's rule:
 * KVM_RUN with immediate_exit before touching state after such an exit).
 */
static void vcpu_complete_io(struct vcpu *v)
{
	v->run->immediate_exit = 1;
	ioctl(v->fd, KVM_RUN, 0);
	v->run->immediate_exit = 0;
}

void vcpu_get_regs(struct vcpu *v, struct kb_regs *r)
{
	struct kvm_regs g;
	struct kvm_sregs s;

	memset(r, 0, sizeof(*r));
	if (v->run->exit_reason == KVM_EXIT_IO || v->run->exit_reason == KVM_EXIT_MMIO)
		vcpu_complete_io(v);
	if (!ioctl(v->fd, KVM_GET_REGS, &g)) {
		r->rax = g.rax; r->rbx = g.rbx; r->rcx = g.rcx; r->rdx = g.rdx;
		r->rsi = g.rsi; r->rdi = g.rdi; r->rbp = g.rbp; r->rsp = g.rsp;
		r->r8 = g.r8; r->r9 = g.r9; r->r10 = g.r10; r->r11 = g.r11;
		r->r12 = g.r12; r->r13 = g.r13; r->r14 = g.r14; r->r15 = g.r15;
		r->rip = g.rip; r->rflags = g.rflags;
	}
	if (!ioctl(v->fd, KVM_GET_SREGS, &s)) {
		r->cs = s.cs.selector; r->ss = s.ss.selector;
		r->cr0 = s.cr0; r->cr2 = s.cr2; r->cr3 = s.cr3; r->cr4 = s.cr4;
	}
}

void vcpu_stop(struct vcpu *v)
{
	v->stopped = true;
}

static void vcpu_report(struct vcpu *v, enum vmm_event_type type, const char *text,
			bool regs)
{
	struct vmm_event ev = { .type = type, .vcpu = v->id, .text = text };

	if (regs) {
		vcpu_get_regs(v, &ev.regs);
		ev.have_regs = true;
	}
	abi_event(v->vm, &ev);
	vcpu_stop(v);
}

void vcpu_report_unexpected(struct vcpu *v, const char *text)
{
	vcpu_report(v, VMM_EV_UNEXPECTED_EXIT, text, true);
}

/* The instruction bytes at RIP, from KVM when it gives them, else from RAM. */
static void insn_bytes(struct vcpu *v, char *out, size_t len)
{
	struct kvm_run *run = v->run;
	const uint8_t *b = NULL;
	struct kb_regs r;
	unsigned n = 0, i;
	size_t o = 0;

	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		b = run->emulation_failure.insn_bytes;
		n = run->emulation_failure.insn_size;
	} else {
		vcpu_get_regs(v, &r);
		if (r.rip < v->vm->ram_size - 15) {
			b = v->vm->ram + r.rip;
			n = 15;
		}
	}
	out[0] = 0;
	for (i = 0; b && i < n && i < 15 && o + 4 < len; i++)
		o += snprintf(out + o, len - o, "%s%02x", i ? " " : "", b[i]);
}

static void vcpu_internal_error(struct vcpu *v)
{
	static const char *const sub[] = {
		[1] = "emulation failure", [2] = "simultaneous #PF on event delivery",
		[3] = "delivery event", [4] = "unexpected exit reason",
	};
	unsigned s = v->run->internal.suberror;
	char bytes[64], text[160];

	insn_bytes(v, bytes, sizeof(bytes));
	snprintf(text, sizeof(text), "KVM internal error, suberror %u (%s), instruction bytes: %s",
		 s, s < 5 && sub[s] ? sub[s] : "?", bytes[0] ? bytes : "unknown");
	vcpu_report(v, VMM_EV_INTERNAL_ERROR, text, true);
}

/* vcpu_handle_exit - serve one exit; what ends the vCPU marks it stopped. */
static void vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char text[128];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		abi_handle_io(v);
		break;
	case KVM_EXIT_MMIO:
		abi_handle_mmio(v);
		break;
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_HLT:
		vcpu_report(v, VMM_EV_UNEXPECTED_EXIT, "the guest halted (hlt) without done()", true);
		break;
	case KVM_EXIT_SHUTDOWN:
		vcpu_report(v, VMM_EV_SHUTDOWN, "triple fault (KVM_EXIT_SHUTDOWN)", true);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_internal_error(v);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(text, sizeof(text), "VM entry failed, hardware reason %#llx",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vcpu_report(v, VMM_EV_FAIL_ENTRY, text, true);
		break;
	default:
		snprintf(text, sizeof(text), "unexpected exit reason %u", run->exit_reason);
		vcpu_report(v, VMM_EV_UNEXPECTED_EXIT, text, true);
		break;
	}
}

static void vcpu_loop(struct vcpu *v)
{
	struct vm *vm = v->vm;
	char text[96];

	while (!v->stopped && !atomic_load(&vm->stop)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			/* EAGAIN: an AP woken by INIT/SIPI; EINTR: a kick or a stray signal. */
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(text, sizeof(text), "KVM_RUN: %s", strerror(errno));
			vcpu_report(v, VMM_EV_UNEXPECTED_EXIT, text, false);
			break;
		}
		v->exits++;
		vcpu_handle_exit(v);
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	char name[16];

	v->tid = syscall(SYS_gettid);
	snprintf(name, sizeof(name), "vcpu%d", v->id);
	pthread_setname_np(pthread_self(), name);
	vcpu_info_pin(v);
	/* On this thread, so that the callee can open per-thread counters. */
	abi_event(vm, &(struct vmm_event){ .type = VMM_EV_VCPU_START, .vcpu = v->id });
	vcpu_loop(v);
	if (!v->stopped && vm->timed_out) {	/* stopped by the watchdog */
		struct vmm_event ev = { .type = VMM_EV_TIMEOUT, .vcpu = v->id,
					.text = "watchdog: the run's deadline passed" };

		vcpu_get_regs(v, &ev.regs);
		ev.have_regs = true;
		abi_event(vm, &ev);
	}
	abi_event(vm, &(struct vmm_event){ .type = VMM_EV_VCPU_END, .vcpu = v->id });
	vcpu_info_exit(v);
	pthread_mutex_lock(&vm->lock);
	if (--vm->running == 0)
		clock_gettime(CLOCK_MONOTONIC, &vm->t_end);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

void vm_kick_all(struct vm *vm)
{
	int i;

	atomic_store(&vm->stop, true);
	for (i = 0; i < vm->nr_vcpus; i++) {
		if (!vm->vcpu[i].thread_started)
			continue;
		vm->vcpu[i].run->immediate_exit = 1;
		pthread_kill(vm->vcpu[i].thread, KICK_SIGNAL);
	}
}

static void ts_add_ns(struct timespec *ts, long long ns)
{
	ts->tv_sec += ns / 1000000000LL;
	ts->tv_nsec += ns % 1000000000LL;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static atomic_bool abort_all;

bool vm_stopped(const struct vm *vm)
{
	return atomic_load(&vm->stop) || atomic_load(&abort_all);
}

void vmm_abort(void)
{
	atomic_store(&abort_all, true);
}

bool vmm_aborted(void)
{
	return atomic_load(&abort_all);
}

#define ABORT_POLL_NS	50000000L

/*
 * vm_wait - until every vCPU thread ends, @deadline passes (ETIMEDOUT) or
 * vmm_abort() is called (EINTR).  Waking every 50 ms to look at the abort
 * flag keeps the signal handler down to setting it.
 */
static int vm_wait(struct vm *vm, const struct timespec *deadline)
{
	struct timespec now, next;
	int r = 0;

	pthread_mutex_lock(&vm->lock);
	while (vm->running > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!ts_before(&now, deadline)) {
			r = ETIMEDOUT;
			break;
		}
		if (vmm_aborted())
			break;
		next = now;
		ts_add_ns(&next, ABORT_POLL_NS);
		pthread_cond_timedwait(&vm->cond, &vm->lock,
				       ts_before(&next, deadline) ? &next : deadline);
	}
	if (vm->running <= 0)
		r = 0;
	else if (!r)
		r = EINTR;	/* aborted */
	pthread_mutex_unlock(&vm->lock);
	return r;
}

static void deadline_in(struct timespec *ts, double s)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts_add_ns(ts, (long long)(s * 1e9));
}

static int vm_start_threads(struct vm *vm)
{
	pthread_attr_t attr;
	int i, r = 0;

	pthread_attr_init(&attr);
	/* Signals for the kicks only reach the vCPU threads. */
	for (i = 0; i < vm->nr_vcpus && !r; i++) {
		vm->running++;
		r = pthread_create(&vm->vcpu[i].thread, &attr, vcpu_thread, &vm->vcpu[i]);
		if (r)
			vm->running--;
		else
			vm->vcpu[i].thread_started = true;
	}
	pthread_attr_destroy(&attr);
	return r;
}

static void vm_join(struct vm *vm)
{
	struct timespec grace;
	int i;

	deadline_in(&grace, JOIN_GRACE_S);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		if (!v->thread_started)
			continue;
		/*
		 * A thread stuck in the kernel is left behind, not waited for
		 * forever; one in a SYNC callback comes back through this VM,
		 * so it is waited for (the callee gives up on vm_stopped()).
		 */
		if (pthread_timedjoin_np(v->thread, NULL, &grace)) {
			if (atomic_load(&v->in_sync))
				pthread_join(v->thread, NULL);
			else
				pthread_detach(v->thread);
		}
		v->thread_started = false;
	}
}

/*
 * vm_watch - the watchdog: wait for the vCPU threads until the run's
 * deadline or vmm_abort(), then kick them out and give them a grace period.
 */
static void vm_watch(struct vm *vm)
{
	struct timespec grace;
	int r = vm_wait(vm, &vm->deadline);

	if (!r)
		return;
	vm->timed_out = r == ETIMEDOUT;	/* before the kick: the vCPUs read it */
	vm->interrupted = r == EINTR;
	vm_kick_all(vm);
	deadline_in(&grace, JOIN_GRACE_S);
	vm_wait(vm, &grace);
}

static void *vm_watchdog(void *arg)
{
	pthread_setname_np(pthread_self(), "vmwatch");
	vm_watch(arg);
	return NULL;
}

/*
 * vm_watchdog_start - one watchdog thread per VM, so that each VM's
 * deadline holds while its owner waits on another VM.  It blocks every
 * signal: process signals (SIGINT...) go to other threads.  Without it
 * (pthread_create failed) vm_finish watches instead.
 */
static void vm_watchdog_start(struct vm *vm)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	vm->watchdog_started = !pthread_create(&vm->watchdog, NULL, vm_watchdog, vm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void vm_run_fail(struct vm *vm, const char *why)
{
	snprintf(vm->res->why, sizeof(vm->res->why), "%s", why);
	vm->res->outcome = VM_ERROR;
}

int vm_start(struct vm *vm, double timeout_s, vmm_event_fn fn, void *ctx,
	     struct vm_run_result *res)
{
	char why[96];
	int r;

	memset(res, 0, sizeof(*res));
	if (vm->ran) {
		snprintf(res->why, sizeof(res->why), "vm_run called twice");
		res->outcome = VM_ERROR;
		return -EBUSY;
	}
	vm->ran = true;
	vm->fn = fn;
	vm->ctx = ctx;
	vm->res = res;
	vm->timeout_s = timeout_s;
	res->first_call_us = -1;
	res->outcome = VM_DONE;
	kick_install();
	clock_gettime(CLOCK_MONOTONIC, &vm->t_start);
	deadline_in(&vm->deadline, timeout_s);
	if (vmm_aborted()) {
		vm_run_fail(vm, "interrupted");
		return -EINTR;
	}
	r = vm_start_threads(vm);
	if (r) {
		snprintf(why, sizeof(why), "pthread_create: %s", strerror(r));
		vm_run_fail(vm, why);
		vm_kick_all(vm);
		return -r;
	}
	vm_watchdog_start(vm);
	return 0;
}

int vm_finish(struct vm *vm)
{
	struct vm_run_result *res = vm->res;
	struct timespec t1;
	int i;

	if (!vm->ran || vm->finished)
		return -EINVAL;
	vm->finished = true;
	if (vm->watchdog_started)
		pthread_join(vm->watchdog, NULL);
	else
		vm_watch(vm);
	vm_join(vm);
	if (vm->interrupted && res->outcome == VM_DONE)
		vm_run_fail(vm, "interrupted");
	if (vm->timed_out && res->outcome == VM_DONE) {
		res->outcome = VM_TIMEOUT;
		snprintf(res->why, sizeof(res->why), "timeout after %g s", vm->timeout_s);
	}
	/* The run ends with its last vCPU thread, not when its owner gets here. */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_mutex_lock(&vm->lock);
	if (vm->running == 0 && vm->t_end.tv_sec)
		t1 = vm->t_end;
	pthread_mutex_unlock(&vm->lock);
	res->wall_s = ts_diff_us(&vm->t_start, &t1) / 1e6;
	for (i = 0; i < vm->nr_vcpus; i++)
		res->exits += vm->vcpu[i].exits;
	return res->outcome == VM_DONE ? 0 : -1;
}

int vm_run(struct vm *vm, double timeout_s, vmm_event_fn fn, void *ctx,
	   struct vm_run_result *res)
{
	int r = vm_start(vm, timeout_s, fn, ctx, res);

	if (r == -EBUSY)
		return r;
	return vm_finish(vm);
}
