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
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
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

/* Freestanding helpers (string.c). */
void *memset(void *d, int c, unsigned long n);
void *memcpy(void *d, const void *s, unsigned long n);
int memcmp(const void *a, const void *b, unsigned long n);
unsigned long strlen(const char *s);
int strcmp(const char *a, const char *b);
int kb_vsnprintf(char *buf, unsigned long len, const char *fmt, __builtin_va_list ap);
int kb_snprintf(char *buf, unsigned long len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
