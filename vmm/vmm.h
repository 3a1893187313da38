/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm.h - libvmm: a tiny VMM on /dev/kvm with no policy.
 *
 * It creates a VM, backs its RAM, loads a kvmbench guest ELF, enters long
 * mode, runs N vCPU threads, serves the kb_abi.h calls and reports what the
 * guest said through one callback.  It knows nothing of YAML, knobs or TAP.
 */
#ifndef VMM_H
#define VMM_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kb_abi.h"

#define VMM_ERR_MAX	256

/* --- /dev/kvm ------------------------------------------------------------ */

/*
 * kvm_probe - can this process use KVM?  Returns 0, or -errno with a
 * human-readable reason in @why (no /dev/kvm, permission, API version,
 * missing capability).
 */
int kvm_probe(char *why, size_t len);

/* --- guest RAM ------------------------------------------------------------ */

enum vmm_backing {
	VMM_BACKING_4K,		/* anonymous, MADV_NOHUGEPAGE */
	VMM_BACKING_THP,	/* anonymous, MADV_HUGEPAGE */
	VMM_BACKING_HUGETLB_2M,	/* MAP_HUGETLB | MAP_HUGE_2MB */
	VMM_BACKING_HUGETLB_1G,	/* MAP_HUGETLB | MAP_HUGE_1GB */
};

struct vmm_mem_opts {
	enum vmm_backing backing;
	bool mergeable;		/* MADV_MERGEABLE (KSM) */
};

const char *vmm_backing_name(enum vmm_backing b);
int vmm_backing_parse(const char *s, enum vmm_backing *out);

/*
 * vmm_mem_map - @size bytes of host memory backed the way guest RAM is with
 * @o, for host-side baselines over the same kind of memory (the native
 * twins of guest figures).  Unlike guest RAM, hugetlb memory is reserved
 * at once: a shortfall is an error here (ENOMEM), not a SIGBUS at first
 * touch.  @size must be a multiple of vmm_mem_align().  NULL and why in @err.
 */
void *vmm_mem_map(uint64_t size, const struct vmm_mem_opts *o, char *err, size_t len);
void vmm_mem_unmap(void *p, uint64_t size);
/* vmm_mem_align - the page size of backing @b. */
uint64_t vmm_mem_align(enum vmm_backing b);

/* --- guest images --------------------------------------------------------- */

struct vmm_segment {
	uint64_t gpa;
	uint64_t filesz;
	uint64_t memsz;
	uint64_t offset;	/* in the file */
};

#define VMM_MAX_SEGMENTS	8
#define VMM_MAX_TESTS		128

/* A parsed, validated guest ELF (the file stays in memory). */
struct vmm_image {
	uint8_t *buf;
	size_t len;
	uint64_t entry;
	uint64_t lo, hi;	/* lowest and highest loaded address */
	int nr_segments;
	struct vmm_segment seg[VMM_MAX_SEGMENTS];
	int nr_tests;
	struct kb_test_desc tests[VMM_MAX_TESTS];
	struct kb_image hdr;
};

/*
 * image_parse - validate an ELF64 x86-64 executable held in @buf and fill
 * @img.  Every header, program header and section is bounds-checked; a
 * hostile file gives -EINVAL and a reason, never a crash.  @img->buf points
 * into @buf (not copied).
 */
int image_parse(const void *buf, size_t len, struct vmm_image *img,
		char *err, size_t errlen);
/* image_load - read @path and image_parse() it; image_free() releases it. */
int image_load(const char *path, struct vmm_image *img, char *err, size_t errlen);
void image_free(struct vmm_image *img);
const struct kb_test_desc *image_find_test(const struct vmm_image *img,
					   const char *name);

/* --- KVM binary stats ------------------------------------------------------ */

struct kvm_stats;	/* one stats fd: names and the latest values */

struct kvm_stats *stats_open(int stats_fd);	/* takes ownership of the fd */
void stats_close(struct kvm_stats *st);
int stats_count(const struct kvm_stats *st);
const char *stats_name(const struct kvm_stats *st, int i);
bool stats_cumulative(const struct kvm_stats *st, int i);
/* stats_read - read every value (first element of each stat) into @vals[count]. */
int stats_read(struct kvm_stats *st, uint64_t *vals);
int stats_find(const struct kvm_stats *st, const char *name);

/*
 * kvm_stat_names - the names of this host's KVM binary stats, VM-wide or
 * (@vcpu) per vCPU, without a guest: a scratch VM (and one vCPU) is
 * created on /dev/kvm, its stats fd's descriptors read and everything
 * closed again.  Fills @names[i] and @cumulative[i] (false: an instant
 * value such as pages_4k) for at most @max stats and returns how many, or
 * -errno and why in @err (no /dev/kvm, no KVM_CAP_BINARY_STATS_FD,
 * -E2BIG for more than @max stats).
 */
int kvm_stat_names(bool vcpu, char (*names)[64], bool *cumulative, int max,
		   char *err, size_t len);

/* --- running a guest -------------------------------------------------------- */

enum vmm_event_type {
	VMM_EV_LOG,
	VMM_EV_METRIC,
	VMM_EV_CHECK,
	VMM_EV_SKIP,
	VMM_EV_DONE,
	VMM_EV_EXCEPTION,	/* the guest reported a CPU exception */
	VMM_EV_BAD_CALL,	/* a malformed ABI call: text says why */
	VMM_EV_SHUTDOWN,	/* triple fault: regs hold the last registers */
	VMM_EV_INTERNAL_ERROR,	/* KVM could not emulate: text has suberror and bytes */
	VMM_EV_FAIL_ENTRY,
	VMM_EV_UNEXPECTED_EXIT,	/* an exit reason or port the VMM does not serve */
	VMM_EV_TIMEOUT,		/* the watchdog stopped the vCPU: regs.rip is the last RIP */
	VMM_EV_MARK,		/* the guest marks a measured window: arg 1 start, 0 end */
	VMM_EV_VCPU_START,	/* on the vCPU thread, before its first KVM_RUN */
	VMM_EV_VCPU_END,	/* on the vCPU thread, after its last KVM_RUN */
	VMM_EV_BALLOON,		/* the guest gave RAM back: balloon says what it cost */
	VMM_EV_SYNC,		/* the guest waits at sync point name (arg: its value) */
				/* until the callback returns */
	VMM_EV_OBSERVE,		/* name, arg = what was seen, unit = it in a word, text */
};

/* What releasing ballooned guest RAM did, measured by the VMM around it. */
struct vmm_balloon {
	uint64_t gpa, len;		/* the range the guest gave back */
	int err;			/* 0, or the errno of the release (ret = -err) */
	const char *how;		/* "MADV_DONTNEED", "MADV_REMOVE" */
	uint64_t ram_resident_before;	/* bytes of all guest RAM in host memory */
	uint64_t ram_resident_after;	/* (mincore) before and after the release */
	uint64_t rss_before, rss_after;	/* the process's VmRSS, bytes (no hugetlb pages) */
	double release_ns;		/* the madvise() call itself */
};

struct vmm_event {
	enum vmm_event_type type;
	int vcpu;
	const char *name;	/* METRIC, CHECK, SKIP, OBSERVE */
	const char *unit;	/* METRIC, OBSERVE (a word for arg, may be "") */
	const char *text;	/* LOG, CHECK detail, SKIP reason, errors */
	int64_t arg;		/* CHECK: ok; DONE: status; EXCEPTION: vector; OBSERVE: seen */
	uint64_t iters;		/* METRIC */
	const uint64_t *samples;	/* METRIC, count entries, valid during the callback */
	uint64_t count;
	struct kb_regs regs;	/* EXCEPTION, SHUTDOWN, INTERNAL_ERROR, TIMEOUT */
	bool have_regs;
	struct vmm_balloon balloon;	/* BALLOON */
	int64_t *reply;		/* SYNC: what the guest's call returns (0 unless set) */
};

/*
 * Called from vCPU threads, serialised by the VMM (one event at a time per
 * VM).  VCPU_START, VCPU_END and MARK come on the thread of that vCPU, so
 * the callee may open or read per-thread counters (perf, pid 0) there.
 *
 * SYNC is the exception: it may block as long as the host's part takes,
 * so it comes outside that serialisation (other vCPUs' events, even other
 * SYNCs of the same VM, arrive meanwhile; lock what they share).  A SYNC
 * callee that waits must give up once vm_stopped() says so: the VM's
 * watchdog still fires, but vm_finish waits for the callee to return.
 */
typedef void (*vmm_event_fn)(void *ctx, const struct vmm_event *ev);

/*
 * The topology CPUID shows (leaves 0x1, 0x4, 0xB, 0x1F, 0x8000001E...):
 * sockets x cores x threads slots, at least nr_vcpus of them; vCPU i takes
 * slot i (socket-major) and the APIC ID kb_abi.h derives from it.  All 0:
 * one socket of nr_vcpus cores, one thread each.
 */
struct vm_topology {
	int sockets, cores, threads;
};

/*
 * vm_topology_check - can @t hold @nr_vcpus vCPUs with APIC IDs below 255?
 * 0, or -EINVAL and why in @err ("2x1x1 has 2 CPU slots, fewer than 4 vCPUs").
 */
int vm_topology_check(const struct vm_topology *t, int nr_vcpus, char *err, size_t len);
/* vm_topology_apic_id - the APIC ID of vCPU @index under @t (all-0 @t: @index). */
uint32_t vm_topology_apic_id(const struct vm_topology *t, int index);

enum vm_cpu_model {
	VM_CPU_HOST = KB_CPU_MODEL_HOST,	 /* KVM_GET_SUPPORTED_CPUID as it is */
	VM_CPU_BASELINE = KB_CPU_MODEL_BASELINE, /* masked to KB_BASELINE_* (kb_abi.h) */
};

struct vm_config {
	uint64_t ram_size;		/* bytes; 0 = default (64 MiB) */
	int nr_vcpus;			/* 0 = 1 */
	struct vm_topology topo;	/* all 0: 1 x nr_vcpus x 1 */
	enum vm_cpu_model cpu_model;
	struct vmm_mem_opts mem;
	bool irqchip;			/* in-kernel LAPIC; on by default through vm_config_init */
	const char *test;		/* test name written to boot info ("" = image's first) */
	bool pin;			/* pin vCPU threads: vCPU i to host CPU pin_cpu[i] */
	int pin_cpu[KB_MAX_VCPUS];	/* -1: that vCPU floats */
	int nr_params;
	struct kb_param params[KB_MAX_PARAMS];
	int vm_index, nr_vms;		/* boot info's vm_index/nr_vms (0 and 1 by default) */
};

void vm_config_init(struct vm_config *cfg);
/* vm_config_set_param - add or replace a parameter; -E2BIG/-EINVAL on bad input. */
int vm_config_set_param(struct vm_config *cfg, const char *name,
			const char *sval, int64_t ival, bool is_string);

struct vm;

struct vm *vm_create(const struct vm_config *cfg, const struct vmm_image *img,
		     char *err, size_t errlen);
void vm_destroy(struct vm *vm);

/* How a run ended, overall. */
enum vm_outcome {
	VM_DONE,		/* every vCPU called done() */
	VM_CRASHED,		/* exception, triple fault, emulation error, bad call... */
	VM_TIMEOUT,		/* the watchdog fired */
	VM_ERROR,		/* the VMM itself failed (ioctl error) */
};

struct vm_run_result {
	enum vm_outcome outcome;
	int64_t status;			/* worst done() status */
	double wall_s;			/* vm_run duration */
	double first_call_us;		/* vm_create start -> first ABI call */
	uint64_t exits;			/* KVM_RUN returns, all vCPUs */
	char why[VMM_ERR_MAX];		/* for VM_CRASHED/VM_ERROR/VM_TIMEOUT */
};

/*
 * vm_run - start every vCPU thread (named vcpuN), serve exits until all
 * vCPUs are done or stopped, or until @timeout_s passes (then every vCPU is
 * kicked out of KVM_RUN and the run ends as VM_TIMEOUT).  @fn receives every
 * event.  Can be called once per VM.
 */
int vm_run(struct vm *vm, double timeout_s, vmm_event_fn fn, void *ctx,
	   struct vm_run_result *res);

/*
 * vm_start, vm_finish - vm_run in two halves, so that one thread can run
 * several VMs at once: vm_start starts the vCPU threads (the deadline is
 * @timeout_s from now) and returns; vm_finish waits for them as vm_run
 * does and fills the @res given to vm_start.  vm_run = vm_start + vm_finish.
 * Each VM has its own watchdog thread, so a deadline holds while the caller
 * waits on another VM.  vm_start returns 0, or -errno with @res already
 * VM_ERROR (call vm_finish all the same), -EBUSY on a second start;
 * vm_finish returns 0 for VM_DONE, -1 otherwise, -EINVAL without a start.
 * vm_destroy of a VM started and not finished stops it (@res untouched).
 */
int vm_start(struct vm *vm, double timeout_s, vmm_event_fn fn, void *ctx,
	     struct vm_run_result *res);
int vm_finish(struct vm *vm);

/*
 * vm_stopped - is the run of @vm ending (watchdog, a crashed vCPU,
 * vm_destroy, vmm_abort)?  For a SYNC callback that waits: poll it.
 */
bool vm_stopped(const struct vm *vm);

/*
 * vmm_abort - async-signal-safe: every running vm_run() kicks its vCPUs out
 * within ~50 ms and returns VM_ERROR "interrupted"; later runs end at once.
 */
void vmm_abort(void);
bool vmm_aborted(void);

/* VM-wide and per-vCPU KVM stats (NULL when the host has no binary stats). */
struct kvm_stats *vm_stats(struct vm *vm);
struct kvm_stats *vm_vcpu_stats(struct vm *vm, int vcpu);
int vm_nr_vcpus(const struct vm *vm);
uint64_t vm_tsc_khz(const struct vm *vm);
/* vm_ram - the host mapping of guest RAM (to check its backing in smaps). */
void *vm_ram(const struct vm *vm, uint64_t *size);
pid_t vm_vcpu_tid(const struct vm *vm, int vcpu);

/* cpulist_format - @set as "0-1,4" (the kernel's cpulist style); "" if empty. */
void cpulist_format(const cpu_set_t *set, char *buf, size_t len);

/* What a vCPU thread was and did; the times are taken as the thread ends. */
struct vmm_vcpu_info {
	pid_t tid;
	uint32_t apic_id;
	int pin_cpu;			/* asked for: -1 floating */
	int pin_errno;			/* pthread_setaffinity_np's error, 0 */
	char affinity[128];		/* CPU list the thread may run on, read back ("0-1") */
	int last_cpu;			/* the CPU it last ran on, -1 unknown */
	bool have_times;		/* the fields below are valid */
	/*
	 * User and system time from getrusage(RUSAGE_THREAD) (to the us: the
	 * same figures as /proc/thread-self/stat utime and stime, which are
	 * whole ticks); guest time from that stat's guest_time (ticks, and
	 * also counted in user time).
	 */
	double user_s, system_s, guest_s;
	long vol_ctxsw, invol_ctxsw;	/* getrusage(RUSAGE_THREAD) */
};

/* vm_vcpu_info - after vm_run/vm_finish: 0, or -EINVAL for a bad @vcpu. */
int vm_vcpu_info(const struct vm *vm, int vcpu, struct vmm_vcpu_info *out);

const char *vm_outcome_name(enum vm_outcome o);
const char *vmm_event_name(enum vmm_event_type t);

#endif /* VMM_H */
