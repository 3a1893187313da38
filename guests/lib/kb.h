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

#define KB_TEST(func, description)					\
	static void func(void);						\
	static const struct kb_test_desc __kb_test_##func			\
	__attribute__((used, section(".kb_tests"), aligned(8))) = {		\
		.name = #func, .desc = description, .fn = (uint64_t)func };	\
	static void func(void)

#define KB_PERCPU_SAMPLES	1024

typedef long (*kb_fn)(void *arg);
/* A benchmark body: run the operation @iters times. */
typedef void (*kb_bench_fn)(void *arg, uint64_t iters);

struct kb_percpu {
	struct kb_percpu *self;		/* %gs:0 */
	uint32_t id;
	uint32_t pad;
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

/* ABI calls (abi.c). */
void kb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kb_check(const char *name, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kb_skip(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kb_metric(const char *name, const char *unit, uint64_t iters,
	       const uint64_t *samples, uint64_t count);
void kb_done(long status) __attribute__((noreturn));
uint64_t kb_eventfd_count(void);

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

/* Interrupts and the local APIC (xAPIC MMIO, usable at CPL3). */
#define KB_IRQ_FIRST	32
#define KB_IRQ_COUNT	16
#define KB_APIC_BASE	0xfee00000ul
typedef void (*kb_irq_fn)(unsigned vector);
/* kb_irq_set - handler for @vector (KB_IRQ_FIRST..+KB_IRQ_COUNT-1), run at CPL0; EOI is sent after. */
void kb_irq_set(unsigned vector, kb_irq_fn fn);
void kb_apic_enable(void);		/* software-enable this vCPU's LAPIC */
unsigned kb_apic_id(void);
void kb_apic_ipi(unsigned apic_id, unsigned vector);	/* fixed, physical destination */

/* Freestanding helpers (string.c). */
void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);
unsigned long strlen(const char *s);
int strcmp(const char *a, const char *b);
int kb_vsnprintf(char *buf, unsigned long len, const char *fmt, __builtin_va_list ap);
int kb_snprintf(char *buf, unsigned long len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
