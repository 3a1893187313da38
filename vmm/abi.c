// SPDX-License-Identifier: GPL-2.0
/*
 * abi.c - the host side of kb_abi.h: ABI calls on KB_PORT_CALL and the
 * small test devices (null port, echo FIFO, MMIO echo).
 *
 * Guest memory is shared with every vCPU, so a call block is copied out of
 * guest RAM before anything in it is trusted, and every guest address and
 * length is checked against RAM before it is dereferenced.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm_int.h"

/* abi_event - hand an event to the harness, one at a time, and track the outcome. */
void abi_event(struct vm *vm, struct vmm_event *ev)
{
	struct vm_run_result *res;
	bool crash = false;

	pthread_mutex_lock(&vm->lock);
	res = vm->res;		/* under the lock: vm_destroy may swap it */
	switch (ev->type) {
	case VMM_EV_DONE:
		if (ev->arg && res->status == 0)
			res->status = ev->arg;
		break;
	case VMM_EV_TIMEOUT:
		res->outcome = VM_TIMEOUT;
		break;
	case VMM_EV_EXCEPTION: case VMM_EV_BAD_CALL: case VMM_EV_SHUTDOWN:
	case VMM_EV_INTERNAL_ERROR: case VMM_EV_FAIL_ENTRY: case VMM_EV_UNEXPECTED_EXIT:
		crash = res->outcome == VM_DONE;
		if (crash) {
			res->outcome = VM_CRASHED;
			snprintf(res->why, sizeof(res->why), "vcpu%d: %s%s%s", ev->vcpu,
				 vmm_event_name(ev->type), ev->text ? ": " : "",
				 ev->text ? ev->text : "");
		}
		break;
	default:
		break;
	}
	if (vm->fn)
		vm->fn(vm->ctx, ev);
	pthread_mutex_unlock(&vm->lock);
	/* One vCPU crashed: the others may wait for it forever, stop them too. */
	if (crash)
		vm_kick_all(vm);
}

/* ram_range - guest RAM [gpa, gpa + len) as a host pointer, or NULL. */
static void *ram_range(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (!gpa_range_ok(vm->ram_size, gpa, len))
		return NULL;
	return vm->ram + gpa;
}

static void bad_call_text(struct vcpu *v, const char *text)
{
	struct vmm_event ev = { .type = VMM_EV_BAD_CALL, .vcpu = v->id, .text = text };

	abi_event(v->vm, &ev);
	vcpu_stop(v);
}

static void bad_call(struct vcpu *v, const char *fmt, uint64_t a)
{
	char text[160];

	snprintf(text, sizeof(text), fmt, (unsigned long long)a);
	bad_call_text(v, text);
}

static void call_metric(struct vcpu *v, struct kb_call *c, struct vmm_event *ev)
{
	if (!c->count || c->count > KB_MAX_SAMPLES || !c->iters) {
		bad_call(v, "metric with %llu samples (1..4096) or 0 iterations", c->count);
		return;
	}
	ev->samples = ram_range(v->vm, c->data, c->count * sizeof(uint64_t));
	if (!ev->samples || c->data % 8) {
		bad_call(v, "metric samples at GPA %#llx are outside guest RAM or misaligned",
			 c->data);
		return;
	}
	ev->iters = c->iters;
	ev->count = c->count;
	ev->unit = c->unit;
	abi_event(v->vm, ev);
}

/*
 * balloon_ok - may the guest give back [gpa, gpa + len)?  Whole 4 KiB
 * pages of its own RAM (from free_base on: below it are the VMM's tables,
 * the image and the stacks), none of it past the end.  Else why in @why.
 */
static bool balloon_ok(struct vm *vm, uint64_t gpa, uint64_t len, char *why, size_t n)
{
	uint64_t base = x86_free_base(vm);

	if (gpa % 4096 || len % 4096 || !len)
		snprintf(why, n, "balloon of %#llx bytes at GPA %#llx: not whole 4 KiB pages",
			 (unsigned long long)len, (unsigned long long)gpa);
	else if (gpa < base || !gpa_range_ok(vm->ram_size, gpa, len))
		snprintf(why, n, "balloon of %#llx bytes at GPA %#llx: outside the guest's RAM [%#llx, %#llx)",
			 (unsigned long long)len, (unsigned long long)gpa,
			 (unsigned long long)base, (unsigned long long)vm->ram_size);
	else
		return true;
	return false;
}

/*
 * call_balloon - release the RAM the guest gave back, measured: what of
 * guest RAM was resident before and after (mincore), the process's RSS,
 * and the release itself.  The event goes out before the guest resumes.
 */
static void call_balloon(struct vcpu *v, struct kb_call *c, struct vmm_event *ev)
{
	struct vm *vm = v->vm;
	struct vmm_balloon *b = &ev->balloon;
	struct timespec t0, t1;
	char why[160];

	if (!balloon_ok(vm, c->data, c->count, why, sizeof(why))) {
		bad_call_text(v, why);
		return;
	}
	b->gpa = c->data;
	b->len = c->count;
	b->ram_resident_before = mem_resident(vm->ram, vm->ram_size);
	b->rss_before = mem_rss();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	b->err = -mem_release(vm->ram + b->gpa, b->len, vm->cfg.mem.backing, vm->ram_shared,
			      &b->how);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	b->release_ns = ts_diff_us(&t0, &t1) * 1e3;
	b->ram_resident_after = mem_resident(vm->ram, vm->ram_size);
	b->rss_after = mem_rss();
	abi_event(vm, ev);
	c->ret = -b->err;
}

/*
 * call_sync - the guest waits while the callback does the host's part,
 * which may take long (KSM merging, the case's other VMs).  So the
 * callback runs outside the VM's lock: the other vCPUs' events, the
 * watchdog and vm_destroy go on meanwhile, and vm_stopped() tells the
 * callback when to give up.  vm_join waits for a vCPU in here (no grace
 * period): its thread comes back through this VM.
 */
static void call_sync(struct vcpu *v, struct kb_call *c, struct vmm_event *ev)
{
	struct vm *vm = v->vm;
	int64_t reply = 0;
	vmm_event_fn fn;
	void *ctx;

	ev->reply = &reply;
	pthread_mutex_lock(&vm->lock);
	fn = vm->fn;
	ctx = vm->ctx;
	atomic_store(&v->in_sync, true);
	pthread_mutex_unlock(&vm->lock);
	if (fn)
		fn(ctx, ev);
	atomic_store(&v->in_sync, false);
	c->ret = reply;
}

/* call_dispatch - act on a validated copy of a call; the result goes to c->ret. */
static void call_dispatch(struct vcpu *v, struct kb_call *c)
{
	struct vmm_event ev = { .vcpu = v->id, .name = c->name, .text = c->text,
				.arg = c->arg };
	uint64_t n;

	switch (c->op) {
	case KB_OP_LOG:
		ev.type = VMM_EV_LOG;
		abi_event(v->vm, &ev);
		break;
	case KB_OP_METRIC:
		ev.type = VMM_EV_METRIC;
		call_metric(v, c, &ev);
		break;
	case KB_OP_CHECK:
		ev.type = VMM_EV_CHECK;
		ev.arg = !!c->arg;
		abi_event(v->vm, &ev);
		break;
	case KB_OP_SKIP:
		ev.type = VMM_EV_SKIP;
		abi_event(v->vm, &ev);
		break;
	case KB_OP_OBSERVE:
		ev.type = VMM_EV_OBSERVE;
		ev.unit = c->unit;
		abi_event(v->vm, &ev);
		break;
	case KB_OP_DONE:
		ev.type = VMM_EV_DONE;
		abi_event(v->vm, &ev);
		vcpu_stop(v);
		break;
	case KB_OP_EXCEPTION:
		ev.type = VMM_EV_EXCEPTION;
		ev.regs = c->regs;
		ev.have_regs = true;
		abi_event(v->vm, &ev);
		vcpu_stop(v);
		break;
	case KB_OP_MARK:
		ev.type = VMM_EV_MARK;
		ev.arg = !!c->arg;
		abi_event(v->vm, &ev);
		break;
	case KB_OP_BALLOON:
		ev.type = VMM_EV_BALLOON;
		call_balloon(v, c, &ev);
		break;
	case KB_OP_SYNC:
		ev.type = VMM_EV_SYNC;
		call_sync(v, c, &ev);
		break;
	case KB_OP_EVENTFD_COUNT:
		n = 0;
		if (v->vm->efd < 0 || read(v->vm->efd, &n, sizeof(n)) != sizeof(n))
			n = 0;
		c->ret = n;
		break;
	default:
		bad_call(v, "unknown call %llu", c->op);
		break;
	}
}

static void abi_call(struct vcpu *v, uint32_t gpa)
{
	struct vm *vm = v->vm;
	struct kb_call *g, c;
	struct timespec now;

	if (!atomic_load(&vm->first_call_seen)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		pthread_mutex_lock(&vm->lock);
		if (!vm->first_call_seen)
			vm->res->first_call_us = ts_diff_us(&vm->t_create, &now);
		atomic_store(&vm->first_call_seen, true);
		pthread_mutex_unlock(&vm->lock);
	}
	g = ram_range(vm, gpa, sizeof(c));
	if (!g || gpa % 8) {
		bad_call(v, "call block at GPA %#llx is outside guest RAM or misaligned", gpa);
		return;
	}
	memcpy(&c, g, sizeof(c));	/* the guest cannot change it under us now */
	if (c.size != sizeof(c)) {
		bad_call(v, "call block of %llu bytes: guest and host ABI differ", c.size);
		return;
	}
	c.name[sizeof(c.name) - 1] = 0;
	c.unit[sizeof(c.unit) - 1] = 0;
	c.text[sizeof(c.text) - 1] = 0;
	c.ret = 0;
	call_dispatch(v, &c);
	g->ret = c.ret;
}

static void echo_out(struct vm *vm, const uint8_t *p, unsigned n)
{
	while (n--) {
		vm->fifo[(vm->fifo_head + vm->fifo_len) % ECHO_FIFO_SIZE] = *p++;
		if (vm->fifo_len < ECHO_FIFO_SIZE)
			vm->fifo_len++;
		else	/* full: the oldest byte goes */
			vm->fifo_head = (vm->fifo_head + 1) % ECHO_FIFO_SIZE;
	}
}

static void echo_in(struct vm *vm, uint8_t *p, unsigned n)
{
	while (n--) {
		if (!vm->fifo_len) {
			*p++ = 0xff;
			continue;
		}
		*p++ = vm->fifo[vm->fifo_head];
		vm->fifo_head = (vm->fifo_head + 1) % ECHO_FIFO_SIZE;
		vm->fifo_len--;
	}
}

static void null_in(uint8_t *p, unsigned size, unsigned count)
{
	uint32_t pat = KB_NULL_PATTERN;
	unsigned i;

	for (i = 0; i < count; i++)
		memcpy(p + i * size, &pat, size);
}

bool abi_handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned bytes = run->io.size * run->io.count;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	char text[96];

	/* Fast path first: the null port is what exit-cost loops hit. */
	if (run->io.port == KB_PORT_NULL) {
		if (!out)
			null_in(data, run->io.size, run->io.count);
		return true;
	}
	if (run->io.port == KB_PORT_CALL && out && run->io.size == 4 && run->io.count == 1) {
		abi_call(v, *(uint32_t *)data);
		return true;
	}
	if (run->io.port == KB_PORT_ECHO) {
		pthread_mutex_lock(&v->vm->lock);
		if (out)
			echo_out(v->vm, data, bytes);
		else
			echo_in(v->vm, data, bytes);
		pthread_mutex_unlock(&v->vm->lock);
		return true;
	}
	snprintf(text, sizeof(text), "%s of %u x %u bytes on port %#x, which nothing serves",
		 out ? "out" : "in", run->io.count, run->io.size, run->io.port);
	vcpu_report_unexpected(v, text);
	return false;
}

bool abi_handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t a = run->mmio.phys_addr;
	unsigned len = run->mmio.len;
	char text[96];

	if (a >= KB_MMIO_ECHO && len <= 8 && a + len <= KB_MMIO_ECHO + KB_MMIO_ECHO_SIZE) {
		uint8_t *p = v->vm->mmio_echo + (a - KB_MMIO_ECHO);

		pthread_mutex_lock(&v->vm->lock);
		if (run->mmio.is_write)
			memcpy(p, run->mmio.data, len);
		else
			memcpy(run->mmio.data, p, len);
		pthread_mutex_unlock(&v->vm->lock);
		return true;
	}
	snprintf(text, sizeof(text), "MMIO %s of %u bytes at GPA %#llx, which nothing serves",
		 run->mmio.is_write ? "write" : "read", len, (unsigned long long)a);
	vcpu_report_unexpected(v, text);
	return false;
}
