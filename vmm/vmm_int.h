/* SPDX-License-Identifier: GPL-2.0 */
/* vmm_int.h - libvmm internals shared between its files; not for the harness. */
#ifndef VMM_INT_H
#define VMM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "vmm.h"

/* Guest-physical layout of the VMM's own structures (below KB_IMAGE_BASE). */
#define GPA_GDT		(KB_SYS_BASE)			/* 0x1000 */
#define GPA_IDT		(KB_SYS_BASE + 0x1000)		/* 256 gates */
#define GPA_TSS		(KB_SYS_BASE + 0x2000)		/* TSS_STRIDE bytes per vCPU */
#define TSS_STRIDE	256				/* TSS + I/O bitmap of ports 0..0x3ff */
#define TSS_IO_PORTS	0x400
#define GPA_BOOT_INFO	(KB_SYS_BASE + 0x6000)
#define GPA_PML4	(KB_PT_BASE)
#define GPA_PDPT	(KB_PT_BASE + 0x1000)
#define GPA_PD		(KB_PT_BASE + 0x2000)		/* 4 pages: 4 GiB of 2M pages */
#define GPA_PT0		(KB_PT_BASE + 0x6000)		/* first 2 MiB in 4K pages */
#define KSTACK_SIZE	(16 << 10)
#define USTACK_SIZE	(64 << 10)
#define RAM_DEFAULT	(64ull << 20)
#define ECHO_FIFO_SIZE	4096

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	uint32_t apic_id;		/* the KVM vcpu_id, so the in-kernel LAPIC's ID */
	pthread_t thread;
	bool thread_started;
	pid_t tid;
	bool stopped;			/* called done(), crashed, or was stopped */
	atomic_bool in_sync;		/* in a SYNC callback (outside vm->lock) */
	uint64_t exits;
	struct kvm_stats *stats;
	struct vmm_vcpu_info info;	/* filled by the thread; see vm_vcpu_info() */
};

struct vm {
	int kvm_fd;
	int fd;
	size_t run_size;
	uint8_t *ram;
	uint64_t ram_size;
	bool ram_shared;		/* RAM is MAP_SHARED (balloon: MADV_REMOVE); */
					/* no backing maps it so yet */
	struct vm_config cfg;
	const struct vmm_image *img;
	int nr_vcpus;
	struct vm_topology topo;	/* effective: no field is 0 */
	bool aps_wait;			/* the test wakes the APs by INIT/SIPI */
	struct vcpu vcpu[KB_MAX_VCPUS];
	struct kvm_stats *stats;
	uint64_t tsc_khz;
	int efd;			/* ioeventfd on KB_PORT_EVENTFD, -1 if none */
	struct timespec t_create;

	/* run state, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int running;			/* vCPU threads not yet finished */
	bool ran;			/* vm_start was called */
	bool finished;			/* vm_finish was called */
	atomic_bool stop;		/* watchdog or crash: every vCPU leaves */
	bool timed_out;			/* the watchdog fired (set before the kick) */
	bool interrupted;		/* vmm_abort() stopped the run */
	double timeout_s;
	struct timespec t_start, t_end;	/* vm_start, the last vCPU thread's end */
	struct timespec deadline;
	pthread_t watchdog;
	bool watchdog_started;
	vmm_event_fn fn;
	void *ctx;
	struct vm_run_result *res;
	atomic_bool first_call_seen;	/* read without the lock, set under it */

	/* devices */
	uint8_t fifo[ECHO_FIFO_SIZE];
	unsigned fifo_head, fifo_len;
	uint8_t mmio_echo[KB_MMIO_ECHO_SIZE];
};

int kvm_open(char *why, size_t len);
int kvm_check_cap(int fd, int cap);

void *mem_alloc(uint64_t size, const struct vmm_mem_opts *o, char *err, size_t len);
void mem_free(void *p, uint64_t size);
uint64_t mem_align(enum vmm_backing b);
int mem_release(void *p, uint64_t len, enum vmm_backing b, bool shared, const char **how);
uint64_t mem_resident(void *p, uint64_t len);
uint64_t mem_rss(void);

#define CPUID_MAX_ENTRIES	256

struct cpuid_table {
	struct kvm_cpuid2 c;
	struct kvm_cpuid_entry2 e[CPUID_MAX_ENTRIES];
};

/* topology.c */
unsigned topo_bits(unsigned n);
/* topo_resolve - @t with the all-0 default made explicit (1 x @nr_vcpus x 1). */
void topo_resolve(const struct vm_topology *t, int nr_vcpus, struct vm_topology *out);

/* cpuid.c */
const struct cpuid_table *supported_cpuid(int kvm_fd, char *err, size_t len);
struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, uint32_t fn, uint32_t index);
/* cpuid_build - vCPU @index's table: supported, masked to the model, with its topology. */
int cpuid_build(const struct vm *vm, int index, struct cpuid_table *out, char *err, size_t len);
int cpuid_set(struct vcpu *v, char *err, size_t len);

/* image.c */
/*
 * image_default_test - the test a guest runs when asked for "": the first
 * entry of .kb_tests in file order (what the guest runtime walks), not
 * img->tests[0], which is sorted by address.  NULL for an image with none.
 */
const struct kb_test_desc *image_default_test(const struct vmm_image *img);

/* x86.c: boot scaffolding written into guest RAM, and the vCPU's initial state. */
void x86_build_tables(struct vm *vm);
int x86_vcpu_reset(struct vcpu *v, char *err, size_t len);
uint64_t x86_stack_top(const struct vm *vm, int cpu, bool user);
uint64_t x86_free_base(const struct vm *vm);

/* abi.c: exits the VMM serves. */
void abi_event(struct vm *vm, struct vmm_event *ev);
bool abi_handle_io(struct vcpu *v);
bool abi_handle_mmio(struct vcpu *v);

/* vcpu_info.c */
int thread_stat_parse(const char *line, unsigned long long *utime,
		      unsigned long long *stime, unsigned long long *guest, int *cpu);
void vcpu_info_pin(struct vcpu *v);
void vcpu_info_exit(struct vcpu *v);

/* vcpu.c */
void vcpu_get_regs(struct vcpu *v, struct kb_regs *r);
void vcpu_stop(struct vcpu *v);
void vcpu_report_unexpected(struct vcpu *v, const char *text);
void vm_kick_all(struct vm *vm);

/*
 * gpa_range_ok - is guest-physical [gpa, gpa + len) inside RAM of @ram_size
 * bytes and clear of the guard page?  Written so that no sum can wrap.
 */
static inline bool gpa_range_ok(uint64_t ram_size, uint64_t gpa, uint64_t len)
{
	return gpa >= KB_GUARD_SIZE && gpa < ram_size && len <= ram_size - gpa;
}

static inline double ts_diff_us(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e6 + (b->tv_nsec - a->tv_nsec) / 1e3;
}

#endif
