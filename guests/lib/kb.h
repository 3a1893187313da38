/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kb.h - the kvmbench guest runtime.
 *
 * A test is a function registered with KB_TEST().  The runtime boots every
 * vCPU, drops to CPL3 at once (CPL0 code is emulated instruction by
 * instruction on some hosts, e.g. kvm_pvm; CPL3 code runs natively) and
 * calls the test named in the boot info on every vCPU.  kb_cpl0() runs a
 * function at CPL0 and returns; kb_cpl3() runs one at CPL3 and returns.
 */
#ifndef KB_H
#define KB_H

#include "kb_abi.h"
#include "kb_kernels.h"

/*
 * KB_TEST_FLAGS - a test with KB_TEST_F_* flags for the VMM (e.g.
 * KB_TEST_F_SIPI: APs wait for INIT/SIPI instead of running the test).
 */
#define KB_TEST_FLAGS(func, description, test_flags)				\
	static void func(void);						\
	_Static_assert(sizeof(description) < KB_TEST_DESC_MAX,		\
		       #func ": description too long");			\
	static const struct kb_test_desc __kb_test_##func			\
	__attribute__((used, section(".kb_tests"), aligned(8))) = {		\
		.name = #func, .desc = description, .flags = (test_flags),	\
		.fn = (uint64_t)func };						\
	static void func(void)

#define KB_TEST(func, description)	KB_TEST_FLAGS(func, description, 0)

#define KB_PERCPU_SAMPLES	1024

typedef long (*kb_fn)(void *arg);
/* A benchmark body: run the operation @iters times. */
typedef void (*kb_bench_fn)(void *arg, uint64_t iters);

struct kb_percpu {
	struct kb_percpu *self;		/* %gs:0 */
	uint32_t id;
	uint32_t x2apic;		/* the LAPIC is in x2APIC mode: MSRs, no MMIO page */
	uint64_t kstack_top, ustack_top, tss;
	uint64_t cpl3_saved_rsp;	/* kb_cpl3() from CPL0: where to come back */
	uint64_t cpl3_saved_rsp0;
	uint64_t gate_user_rsp;		/* user RSP when kb_cpl0() entered CPL0 */
	uint64_t try_rsp;		/* kb_try(): where to land after a fault... */
	uint64_t try_rip;
	uint64_t try_armed;		/* ...when non-zero */
	struct kb_fault {
		uint64_t vector, error_code, rip, cr2;
	} fault;			/* the fault kb_try() caught */
	struct kb_call call __attribute__((aligned(64)));
	uint64_t samples[KB_PERCPU_SAMPLES];
};

extern struct kb_boot_info *kb_bi;

static inline struct kb_percpu *kb_this_cpu(void)
{
	struct kb_percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

static inline unsigned kb_cpu_id(void) { return kb_this_cpu()->id; }
static inline unsigned kb_cpl(void)
{
	unsigned short cs;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 3;
}

/* Port I/O, usable at CPL3 (IOPL=3). */
static inline void kb_outb(uint16_t p, uint8_t v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(p)); }
static inline void kb_outw(uint16_t p, uint16_t v) { asm volatile("outw %0, %1" :: "a"(v), "Nd"(p)); }
static inline void kb_outl(uint16_t p, uint32_t v) { asm volatile("outl %0, %1" :: "a"(v), "Nd"(p)); }
static inline uint8_t kb_inb(uint16_t p) { uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t kb_inw(uint16_t p) { uint16_t v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t kb_inl(uint16_t p) { uint32_t v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }

/* rdtsc fenced so that it neither starts early nor ends before the work. */
static inline uint64_t kb_rdtsc(void)
{
	return kbk_rdtsc();
}

static inline void kb_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

/*
 * kb_cpuid0 - CPUID executed at CPL0: what the VMM configured.  Some hosts
 * (kvm_pvm) run CPL3 natively, and there CPUID at CPL3 answers with the
 * host's own values instead.
 */
void kb_cpuid0(uint32_t leaf, uint32_t sub, uint32_t r[4]);

/* MSRs at any CPL: from CPL3 through kb_cpl0(). */
uint64_t kb_rdmsr(uint32_t msr);
void kb_wrmsr(uint32_t msr, uint64_t v);

/* kb_tsc_ms - TSC cycles in @ms milliseconds (1 GHz if the rate is unknown). */
static inline uint64_t kb_tsc_ms(uint64_t ms)
{
	return ms * (kb_bi->tsc_khz ? kb_bi->tsc_khz : 1000000);
}

/* kb_deadline_ms - the TSC @ms milliseconds from now. */
static inline uint64_t kb_deadline_ms(uint64_t ms)
{
	return kb_rdtsc() + kb_tsc_ms(ms);
}

/* kb_delay_us - spin @us microseconds at the current CPL. */
void kb_delay_us(uint64_t us);

/* ABI calls (abi.c). */
void kb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kb_check(const char *name, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kb_skip(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * kb_observe - record what was seen where the architecture allows more than
 * one outcome (a TLB may keep a translation or drop it): @seen as a number,
 * @word as a word ("kept", or NULL), the detail after.  Never a failure:
 * use kb_check for what is required.
 */
void kb_observe(const char *name, long seen, const char *word, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void kb_metric(const char *name, const char *unit, uint64_t iters,
	       const uint64_t *samples, uint64_t count);
void kb_done(long status) __attribute__((noreturn));
uint64_t kb_eventfd_count(void);
/*
 * kb_mark - a measured window starts (1) or ends (0): the host reads its
 * counters at both.  kb_measure marks each sample; call it around a
 * region of your own (outside any timed region: it is an exit).
 */
void kb_mark(int start);
/*
 * kb_balloon - give guest RAM [@gpa, @gpa + @len) back to the host (whole
 * 4 KiB pages from free_base on; anything else is a malformed call, which
 * ends the test).  Afterwards it reads as zeroes.  0 or -errno (-EINVAL:
 * the host's huge pages do not fit the range).
 */
long kb_balloon(uint64_t gpa, uint64_t len);
/*
 * kb_sync - wait at sync point @name while the host does its part (lets
 * KSM merge, waits for the case's other VMs...); returns the host's value.
 * @arg says what the host may need (e.g. how many pages).
 */
int64_t kb_sync(const char *name, int64_t arg);
/* This VM is number kb_vm_index() of the kb_nr_vms() a case runs at once. */
static inline unsigned kb_vm_index(void) { return kb_bi->vm_index; }
static inline unsigned kb_nr_vms(void) { return kb_bi->nr_vms ? kb_bi->nr_vms : 1; }

/* Parameters from the boot info. */
int64_t kb_param_int(const char *name, int64_t def);
const char *kb_param_str(const char *name, const char *def);

/* Privilege switches (cpl.S). */
long kb_cpl0(kb_fn fn, void *arg);
long kb_cpl3(kb_fn fn, void *arg);

/*
 * kb_measure - time @fn at @cpl: grow the iteration count until one sample
 * lasts sample_us (parameter, default 1000), then take `samples` samples
 * (default 11) and send them as metric @name in cycles per operation.
 */
void kb_measure(const char *name, unsigned cpl, kb_bench_fn fn, void *arg);

/*
 * kb_try - run @fn(@arg) and catch a CPU exception it raises.  Returns 0
 * when it returned normally (its value in *@ret if @ret), else the vector,
 * with the details in *@f.  Call it at the CPL where the fault happens
 * (kb_cpl0(fn) -> kb_try(...) inside fn for CPL0 faults).
 */
int kb_try(kb_fn fn, void *arg, long *ret, struct kb_fault *f);

/* Paging (paging.c).  The guest's page tables are identity mapped with U=1: CPL3 edits them. */
#define KB_PTE_P	(1ul << 0)
#define KB_PTE_RW	(1ul << 1)
#define KB_PTE_US	(1ul << 2)
#define KB_PTE_PWT	(1ul << 3)
#define KB_PTE_PCD	(1ul << 4)
#define KB_PTE_A	(1ul << 5)
#define KB_PTE_D	(1ul << 6)
#define KB_PTE_PS	(1ul << 7)
#define KB_PTE_G	(1ul << 8)
#define KB_PTE_NX	(1ul << 63)
#define KB_PTE_ADDR	0x000ffffffffff000ul
#define KB_PTE_DEFAULT	(KB_PTE_P | KB_PTE_RW | KB_PTE_US)

/* kb_alloc - @size bytes of guest RAM aligned to @align, never freed; 0 when RAM runs out. */
uint64_t kb_alloc(uint64_t size, uint64_t align);
/* kb_ram_end - the end of guest RAM. */
uint64_t kb_ram_end(void);
/*
 * kb_map - identity-map [@va, @va + @len) with pages of 1 << @shift bytes
 * (12, 21 or 30) and @flags (KB_PTE_*; PS is added for 2M and 1G).  The
 * range must be aligned to the page size.  Flushes the TLB.  0 or -1.
 */
int kb_map(uint64_t va, uint64_t len, unsigned shift, uint64_t flags);
/* kb_pte - the entry that maps @va at @level (4 = PML4E, 3 = PDPTE, 2 = PDE, 1 = PTE), or 0. */
uint64_t *kb_pte(uint64_t va, int level);
/* kb_pte_leaf - the leaf entry mapping @va, its level in *@level. */
uint64_t *kb_pte_leaf(uint64_t va, int *level);
void kb_flush_tlb(void);		/* mov cr3, cr3 at CPL0 */
void kb_invlpg(uint64_t va);		/* at CPL0 */

/*
 * Interrupts and the local APIC.  In xAPIC mode (the boot state) the MMIO
 * page is mapped U=1, so CPL3 code reaches every register without a
 * privilege switch.  After kb_x2apic_enable() the registers are MSRs
 * (0x800 + offset / 16) and the MMIO page no longer decodes; the helpers
 * below follow this vCPU's mode and go through kb_cpl0() from CPL3.
 * IPI destinations are APIC IDs (kb_cpu_apic_id()), never vCPU indices.
 */
#define KB_IRQ_FIRST	32
#define KB_IRQ_COUNT	16
#define KB_VEC_TICK	(KB_IRQ_FIRST + KB_IRQ_COUNT - 1)	/* kb_hlt_wait()'s timer */
#define KB_APIC_BASE	0xfee00000ul
#define KB_APIC_ID	0x20
#define KB_APIC_EOI	0xb0
#define KB_APIC_SVR	0xf0
#define KB_APIC_ICR_LO	0x300
#define KB_APIC_ICR_HI	0x310
#define KB_APIC_LVTT	0x320
#define KB_APIC_TMICT	0x380
#define KB_APIC_TDCR	0x3e0
#define KB_ICR_INIT	0x00000500u	/* delivery modes */
#define KB_ICR_STARTUP	0x00000600u
#define KB_ICR_ASSERT	0x00004000u
#define KB_ICR_LEVEL	0x00008000u
#define KB_MSR_APIC_BASE	0x1b
#define KB_APIC_BASE_EXTD	(1ul << 10)	/* x2APIC mode */
#define KB_APIC_BASE_EN		(1ul << 11)
typedef void (*kb_irq_fn)(unsigned vector);
/* kb_irq_set - handler for @vector (KB_IRQ_FIRST..+KB_IRQ_COUNT-1), run at CPL0; EOI is sent after. */
void kb_irq_set(unsigned vector, kb_irq_fn fn);
void kb_apic_enable(void);		/* software-enable this vCPU's LAPIC */
unsigned kb_apic_id(void);		/* from the LAPIC, in either mode */
uint32_t kb_apic_read(unsigned reg);	/* KB_APIC_* register, either mode */
void kb_apic_write(unsigned reg, uint32_t v);
/* kb_apic_icr - send: @icr_lo (vector | delivery mode...) to @apic_id, physical destination. */
void kb_apic_icr(unsigned apic_id, uint32_t icr_lo);
void kb_apic_ipi(unsigned apic_id, unsigned vector);	/* fixed, physical destination */
/*
 * kb_x2apic_enable - IA32_APIC_BASE.EXTD at CPL0 (EN kept set): this vCPU's
 * LAPIC in x2APIC mode.  0, or -1 if the CPU refused (#GP: no x2APIC).
 * There is no way back to xAPIC short of disabling the LAPIC.
 */
int kb_x2apic_enable(void);
static inline int kb_x2apic(void) { return kb_this_cpu()->x2apic; }
static inline unsigned kb_cpu_apic_id(unsigned cpu) { return kb_bi->cpu[cpu].apic_id; }
/* INIT (level, assert) and STARTUP with the trampoline page @page (4K aligned, < 1M). */
void kb_apic_init_ipi(unsigned apic_id);
void kb_apic_sipi(unsigned apic_id, uint64_t page);
/*
 * kb_hlt_wait - CPL0 only: sti;hlt until @check(@arg) returns non-zero
 * (returned).  A periodic LAPIC timer tick (KB_VEC_TICK, ~KB_TICK_MS)
 * bounds every hlt, so a lost interrupt costs a tick, never a hang; @check
 * keeps its own deadline.  The LAPIC must be enabled.  The timer is taken
 * to count at 1 GHz, KVM's default APIC bus clock: elsewhere the tick is
 * only slower or faster, still a bound.
 */
#define KB_TICK_MS	10
long kb_hlt_wait(long (*check)(void *arg), void *arg);
/* The tick by hand, e.g. armed before a timed region that ends in kb_hlt_wait(). */
void kb_tick_start(void);
void kb_tick_stop(void);

/*
 * SMP (smp.c, trampoline.S).
 *
 * A sense-reversing barrier for vCPUs at CPL3 (lock xadd on the count),
 * whose waits end at a TSC deadline: a vCPU that misses it breaks the
 * barrier for everyone (every wait then returns -1 at once), so a lost vCPU
 * ends a test with a failed check instead of a hang.
 */
struct kb_barrier {
	uint32_t count __attribute__((aligned(64)));
	uint32_t sense __attribute__((aligned(64)));
	uint32_t broken;
	struct {
		uint32_t sense;
	} __attribute__((aligned(64))) local[KB_MAX_VCPUS];
};
/* kb_barrier_wait - wait for @n vCPUs until TSC @until: 0, or -1 (broken, or the deadline). */
int kb_barrier_wait(struct kb_barrier *b, unsigned n, uint64_t until);
void kb_barrier_break(struct kb_barrier *b);

/*
 * INIT/SIPI starts.  kb_sipi_prepare() copies the real-mode trampoline to
 * KB_LOWMEM_BASE and hands it this vCPU's GDTR, IDTR and CR3 and the boot
 * info; it returns the page to send in kb_apic_sipi(), or 0 if the GDT has
 * no 32-bit code segment at KB_SEL_CS32 to pass through.  A started AP goes
 * real mode -> protected -> long mode, finds its vCPU index by its APIC ID
 * in the boot info, counts the start in kb_sipi_starts[index] and enters
 * the normal boot path (kb_boot, then the test at CPL3).  APIC IDs the
 * boot info does not list are counted in kb_sipi_strays (the AP halts).
 */
uint64_t kb_sipi_prepare(void);
extern uint32_t kb_sipi_starts[KB_MAX_VCPUS];
extern uint32_t kb_sipi_strays;

/* Freestanding helpers (string.c). */
void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);
unsigned long strlen(const char *s);
int strcmp(const char *a, const char *b);
int kb_vsnprintf(char *buf, unsigned long len, const char *fmt, __builtin_va_list ap);
int kb_snprintf(char *buf, unsigned long len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
