// SPDX-License-Identifier: GPL-2.0
/*
 * litmus.c - x86-TSO litmus tests between vCPUs 0 and 1, at CPL3 (native).
 *
 *  MP:        P0: x=1; y=1        P1: r1=y; r2=x    forbidden: r1=1, r2=0
 *  SB:        P0: x=1; r1=y       P1: y=1; r2=x     allowed:   r1=0, r2=0
 *  SB+mfence: P0: x=1; mfence; r1=y, P1 alike       forbidden: r1=0, r2=0
 *
 * The accesses are plain movs in asm, so the compiler cannot reorder them.
 * Each iteration uses fresh variables (x and y on lines of their own, zeroed
 * by vCPU 0 between batches), and the two vCPUs meet before each one with a
 * two-counter handshake, so that both bodies run close together in time.
 * vCPU 0 stops a test after litmus_ms or litmus_iters.
 */
#include "smp.h"

#define BATCH			512
#define LITMUS_MS_DEFAULT	200
#define LITMUS_ITERS_DEFAULT	200000
#define SPINS_PER_CHECK		4096

enum test { MP, SB, SB_MFENCE };

struct line {
	uint32_t v;
} __attribute__((aligned(64)));

static struct line xs[BATCH], ys[BATCH];
static uint32_t r1s[BATCH] __attribute__((aligned(64)));
static uint32_t r2s[BATCH] __attribute__((aligned(64)));
static struct line meet_cnt[2];		/* the iteration each vCPU reached */
static struct kb_barrier pair;
static uint32_t stop;

/* meet - both vCPUs at iteration @k (no pause: the closer together, the better). */
static int meet(unsigned me, uint32_t k, uint64_t until)
{
	unsigned spins = 0;

	st32(&meet_cnt[me].v, k);
	while (ld32(&meet_cnt[!me].v) < k)
		if (++spins % SPINS_PER_CHECK == 0 && (kb_rdtsc() > until || ld32(&pair.broken)))
			return -1;
	return 0;
}

static void body(enum test t, unsigned me, unsigned i)
{
	uint32_t *x = &xs[i].v, *y = &ys[i].v, r, s;

	switch (t * 2 + me) {
	case MP * 2 + 0:
		asm volatile("movl $1, %0\n\tmovl $1, %1" : "=m"(*x), "=m"(*y) :: "memory");
		break;
	case MP * 2 + 1:
		asm volatile("movl %2, %0\n\tmovl %3, %1" : "=&r"(r), "=&r"(s) : "m"(*y), "m"(*x) : "memory");
		r1s[i] = r;
		r2s[i] = s;
		break;
	case SB * 2 + 0:
		asm volatile("movl $1, %1\n\tmovl %2, %0" : "=&r"(r), "=m"(*x) : "m"(*y) : "memory");
		r1s[i] = r;
		break;
	case SB * 2 + 1:
		asm volatile("movl $1, %1\n\tmovl %2, %0" : "=&r"(r), "=m"(*y) : "m"(*x) : "memory");
		r2s[i] = r;
		break;
	case SB_MFENCE * 2 + 0:
		asm volatile("movl $1, %1\n\tmfence\n\tmovl %2, %0" : "=&r"(r), "=m"(*x) : "m"(*y) : "memory");
		r1s[i] = r;
		break;
	case SB_MFENCE * 2 + 1:
		asm volatile("movl $1, %1\n\tmfence\n\tmovl %2, %0" : "=&r"(r), "=m"(*y) : "m"(*x) : "memory");
		r2s[i] = r;
		break;
	}
}

struct run {
	enum test t;
	uint64_t hist[4];	/* [r1 << 1 | r2] */
	uint64_t iters;
	uint32_t k;		/* meeting number: grows across batches and tests */
	int failed;
};

/* vCPU 0 between batches: count the outcomes, give the next batch fresh zeros. */
static void tally(struct run *r)
{
	unsigned i;

	for (i = 0; i < BATCH; i++) {
		r->hist[(r1s[i] & 1) << 1 | (r2s[i] & 1)]++;
		xs[i].v = ys[i].v = r1s[i] = r2s[i] = 0;
	}
	r->iters += BATCH;
}

static int batch(struct run *r, unsigned me, uint64_t until)
{
	unsigned i;

	for (i = 0; i < BATCH; i++) {
		if (meet(me, ++r->k, until)) {
			kb_barrier_break(&pair);	/* the other side stops at once */
			return -1;
		}
		body(r->t, me, i);
	}
	return kb_barrier_wait(&pair, 2, until);
}

/* One test to the end vCPU 0 decides; 0, or -1 when the other vCPU went missing. */
static int run_test(struct run *r, unsigned me)
{
	uint64_t end = kb_deadline_ms(kb_param_int("litmus_ms", LITMUS_MS_DEFAULT));
	uint64_t max = kb_param_int("litmus_iters", LITMUS_ITERS_DEFAULT);

	for (;;) {
		if (batch(r, me, deadline()))
			return -1;
		if (me == 0) {
			tally(r);
			st32(&stop, r->iters >= max || kb_rdtsc() > end);
		}
		if (kb_barrier_wait(&pair, 2, deadline()))
			return -1;
		if (ld32(&stop))
			return 0;
	}
}

static const char *hist_text(char *buf, unsigned len, const struct run *r)
{
	kb_snprintf(buf, len, "r1r2 00:%lu 01:%lu 10:%lu 11:%lu in %lu iterations",
		    r->hist[0], r->hist[1], r->hist[2], r->hist[3], r->iters);
	return buf;
}

KB_TEST(litmus, "x86-TSO litmus on vCPUs 0 and 1: MP and SB+mfence never relaxed; SB relaxed count")
{
	struct run mp = { .t = MP }, sb = { .t = SB }, sbf = { .t = SB_MFENCE };
	unsigned me = kb_cpu_id();
	char h[128];
	uint64_t relaxed;
	int bad;

	if (nr_cpus() < 2) {
		kb_skip("litmus", "needs 2 or more vCPUs; this VM has %u", nr_cpus());
		return;
	}
	if (me > 1)
		return;
	bad = run_test(&mp, me);
	sb.k = mp.k;
	bad = bad || run_test(&sb, me);
	sbf.k = sb.k;
	bad = bad || run_test(&sbf, me);
	if (me != 0)
		return;
	if (bad)
		kb_log("litmus: vCPU 1 missed a meeting within %lu ms; results cover what ran", wait_ms());
	kb_log("litmus MP: %s", hist_text(h, sizeof(h), &mp));
	kb_log("litmus SB: %s", hist_text(h, sizeof(h), &sb));
	kb_log("litmus SB+mfence: %s", hist_text(h, sizeof(h), &sbf));
	kb_check("litmus_mp_forbidden_never", !bad && mp.hist[2] == 0 && mp.iters,
		 "MP (r1=1 r2=0 forbidden): %s", hist_text(h, sizeof(h), &mp));
	kb_check("litmus_sb_mfence_forbidden_never", !bad && sbf.hist[0] == 0 && sbf.iters,
		 "SB+mfence (r1=0 r2=0 forbidden): %s", hist_text(h, sizeof(h), &sbf));
	relaxed = sb.hist[0];
	kb_metric("litmus_sb.relaxed", "count", 1, &relaxed, 1);
	if (!relaxed)
		kb_log("litmus SB: the relaxed outcome (r1=0 r2=0, allowed) never showed in %lu iterations",
		       sb.iters);
}
