/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smp.h - what the smp guest's tests share: bounded waits, the all-vCPU
 * barrier, the collective measurement, the work unit and the IPI engine.
 *
 * Every wait ends at a deadline (parameter wait_ms): a lost IPI or a
 * missing vCPU must end a test as a failed check, never as a hang.
 */
#ifndef SMP_H
#define SMP_H

#include "kb.h"

#define WAIT_MS_DEFAULT		5000
#define SETTLE_MS		10	/* after the last IPI: time for a duplicate to show */

#define PING_VEC		(KB_IRQ_FIRST + 2)
#define REPLY_VEC		(KB_IRQ_FIRST + 3)
#define SELF_VEC		(KB_IRQ_FIRST + 4)

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

static inline uint64_t ld64(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void st64(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline uint32_t ld32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void st32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

static inline unsigned nr_cpus(void) { return kb_bi->nr_vcpus; }

uint64_t wait_ms(void);
static inline uint64_t deadline(void) { return kb_deadline_ms(wait_ms()); }
/* wait_ge - spin at CPL3 until *@p >= @v, or TSC @until: 0 or -1. */
int wait_ge(const uint64_t *p, uint64_t v, uint64_t until);
int wait_eq(const uint64_t *p, uint64_t v, uint64_t until);

/* sync_all - the all-vCPU barrier (wait_ms); -1 once any vCPU missed it. */
int sync_all(void);
int sync_broken(void);
void sync_break(void);
/* cycles_per_s - TSC cycles -> a rate of @units per second. */
uint64_t per_second(uint64_t units, uint64_t cycles);

/*
 * coll_measure - called by every vCPU: runs @fn(@arg, n) on all of them in
 * lockstep (between barriers, so each sample is one collective run); vCPU 0
 * picks n by doubling until one sample lasts sample_us, takes `samples`
 * samples (fewer if @budget_ms of TSC time passes first; 0 = no budget) and
 * sends metric @name in cycles per operation.  0, or -1 if a vCPU went
 * missing (the barrier broke).
 */
int coll_measure(const char *name, kb_bench_fn fn, void *arg, uint64_t budget_ms);

/* One work unit: a fixed dependent LCG chain of ~1 us at CPL3. */
uint64_t work_unit(uint64_t x);

/* IPI engine (ipi.c), also used by overcommit. */
struct ipi_cfg {
	int recv_hlt;		/* receivers in sti;hlt at CPL0, else spinning at CPL3 */
	unsigned cpl;		/* the sender's CPL: 3 (xAPIC only) or 0 */
	unsigned rounds;
	unsigned receivers;	/* vCPUs 1..receivers, round-robin */
	const char *oneway, *rtt;	/* metric names */
};
void ipi_init(void);
/* ipi_begin - vCPU 0 before a configuration's start barrier. */
void ipi_begin(const struct ipi_cfg *c);
/* ipi_send - vCPU 0: the configuration's rounds and metrics; 0 or -1 (@why says). */
int ipi_send(const struct ipi_cfg *c, char *why, unsigned len);
/* ipi_receive - vCPUs 1..receivers: take pings until the sender ends the configuration. */
int ipi_receive(const struct ipi_cfg *c);
/* ipi_idle - the other vCPUs: @work units while the configuration runs (returns the count). */
uint64_t ipi_idle(void);
/* ipi_delivered - vCPU 0, after the last configuration: each IPI handled once? */
int ipi_delivered(char *detail, unsigned len);
int ipi_aborted(void);

#endif
