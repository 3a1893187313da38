// SPDX-License-Identifier: GPL-2.0
/*
 * ipi.c - IPI latency through the xAPIC (MMIO ICR) and the x2APIC (ICR MSR).
 *
 * vCPU 0 pings the others in turn; a receiver's handler takes the TSC and
 * pings back.  One-way = receiver's handler TSC - sender's TSC just before
 * the ICR write that sends (the runtime's interrupt entry included, which
 * kvm_pvm emulates at CPL0; the vCPUs of a VM share one TSC, as KVM keeps
 * it).  Round trip = sender's TSC when it sees its reply handler's count
 * move - the same start.  Receivers wait in sti;hlt at CPL0 or spin at
 * CPL3; the sender sends at CPL3 (xAPIC: the MMIO page is U=1) or at CPL0,
 * where it waits for the reply in sti;hlt (an emulated CPL0 spin would take
 * its interrupts late).  Each receiver publishes "ready" (configuration and
 * handled count) before it waits again, and the sender waits for it, so
 * every round finds its receiver waiting.
 */
#include "smp.h"

#define ROUNDS_DEFAULT		64
#define MSR_X2APIC_ICR		0x830

struct ipi_cpu {
	uint64_t hits;		/* PING handled on this vCPU */
	uint64_t tsc;		/* TSC at the last PING handler's start */
	uint64_t ready;		/* cfg << 32 | hits: waiting for the next PING */
	uint64_t sent;		/* PINGs vCPU 0 sent here */
	uint32_t lost;		/* gave up waiting: no round for 2 x wait_ms */
} __attribute__((aligned(64)));

static struct {
	uint64_t round __attribute__((aligned(64)));	/* rounds started: a sign of life */
	uint32_t cfg, end, abort;
	uint32_t reply_apic;
	uint64_t replies __attribute__((aligned(64)));	/* REPLY handled on vCPU 0 */
	uint64_t want_replies;
	struct ipi_cpu cpu[KB_MAX_VCPUS];
} ipi;

static uint64_t oneway[KB_PERCPU_SAMPLES], rtt[KB_PERCPU_SAMPLES];

/* The handlers run at CPL0 (emulated on kvm_pvm): short. */
static void ping_irq(unsigned vector)
{
	struct ipi_cpu *me = &ipi.cpu[kb_cpu_id()];
	uint64_t t = kb_rdtsc();

	/* seq_cst: the TSC is visible before the reply can arrive (x2APIC ICR writes do not serialize). */
	__atomic_store_n(&me->tsc, t, __ATOMIC_SEQ_CST);
	__atomic_store_n(&me->hits, me->hits + 1, __ATOMIC_SEQ_CST);
	kb_apic_icr(ipi.reply_apic, REPLY_VEC);
}

static void reply_irq(unsigned vector)
{
	st64(&ipi.replies, ipi.replies + 1);
}

void ipi_init(void)
{
	if (kb_cpu_id() == 0) {
		ipi.reply_apic = kb_cpu_apic_id(0);
		kb_irq_set(PING_VEC, ping_irq);
		kb_irq_set(REPLY_VEC, reply_irq);
	}
	kb_apic_enable();
}

int ipi_aborted(void)
{
	return ld32(&ipi.abort);
}

void ipi_begin(const struct ipi_cfg *c)
{
	st32(&ipi.end, 0);
	st32(&ipi.cfg, ipi.cfg + 1);
}

/* --- receivers ------------------------------------------------------------ */

struct recv {
	uint64_t published, round, since, limit;
	uint32_t cfg;
};

/* 1: the configuration ended, -1: no round for too long, 0: keep waiting. */
static long recv_check(void *arg)
{
	struct recv *r = arg;
	struct ipi_cpu *me = &ipi.cpu[kb_cpu_id()];
	uint64_t h = ld64(&me->hits), round, now;

	if (h != r->published) {
		st64(&me->ready, (uint64_t)r->cfg << 32 | h);
		r->published = h;
	}
	if (ld32(&ipi.end) || ld32(&ipi.abort))
		return 1;
	round = ld64(&ipi.round);
	now = kb_rdtsc();
	if (round != r->round) {
		r->round = round;
		r->since = now;
	} else if (now - r->since > r->limit) {
		return -1;
	}
	return 0;
}

static long recv_hlt(void *arg)
{
	return kb_hlt_wait(recv_check, arg);
}

static void recv_init(struct recv *r)
{
	struct ipi_cpu *me = &ipi.cpu[kb_cpu_id()];

	r->cfg = ld32(&ipi.cfg);
	r->published = ld64(&me->hits);
	r->round = ld64(&ipi.round);
	r->since = kb_rdtsc();
	r->limit = 2 * kb_tsc_ms(wait_ms());	/* the sender may wait wait_ms itself */
	st64(&me->ready, (uint64_t)r->cfg << 32 | r->published);
}

int ipi_receive(const struct ipi_cfg *c)
{
	struct recv r;
	long ret;

	recv_init(&r);
	if (c->recv_hlt)
		ret = kb_cpl0(recv_hlt, &r);
	else
		while (!(ret = recv_check(&r)))
			asm volatile("pause");
	if (ret < 0)
		st32(&ipi.cpu[kb_cpu_id()].lost, 1);
	return ret < 0 ? -1 : 0;
}

uint64_t ipi_idle(void)
{
	struct recv r;
	uint64_t units = 0, x = kb_cpu_id();

	recv_init(&r);
	while (!recv_check(&r)) {
		x = work_unit(x);
		units++;
	}
	asm volatile("" :: "r"(x));
	return units;
}

/* --- the sender ----------------------------------------------------------- */

struct send {
	unsigned apic;
	uint64_t replies, until, t0, t1;
};

/* CPL3, xAPIC: destination first, so that the TSC is taken right before the write that sends. */
static int send_cpl3(struct send *s)
{
	kb_apic_write(KB_APIC_ICR_HI, s->apic << 24);
	s->t0 = kb_rdtsc();
	kb_apic_write(KB_APIC_ICR_LO, PING_VEC);
	if (wait_ge(&ipi.replies, s->replies + 1, s->until))
		return -1;
	s->t1 = kb_rdtsc();
	return 0;
}

static long reply_check(void *arg)
{
	struct send *s = arg;

	if (ld64(&ipi.replies) > s->replies)
		return 1;
	return kb_rdtsc() > s->until ? -1 : 0;
}

/*
 * CPL0, either mode.  Every instruction costs ~0.5 us where CPL0 is
 * emulated, so the tick is armed before the timed part and the ICR is
 * written directly.
 */
static long send_cpl0(void *arg)
{
	volatile uint32_t *icr_lo = (volatile uint32_t *)(KB_APIC_BASE + KB_APIC_ICR_LO);
	struct send *s = arg;
	long r;

	kb_tick_start();
	if (kb_x2apic()) {
		s->t0 = kb_rdtsc();
		asm volatile("wrmsr" :: "c"(MSR_X2APIC_ICR), "a"(PING_VEC), "d"(s->apic) : "memory");
	} else {
		kb_apic_write(KB_APIC_ICR_HI, s->apic << 24);
		s->t0 = kb_rdtsc();
		*icr_lo = PING_VEC;
	}
	r = kb_hlt_wait(reply_check, s);
	s->t1 = kb_rdtsc();
	kb_tick_stop();
	return r > 0 ? 0 : -1;
}

/* One round to vCPU @t: 0, or -1 with @why. */
static int ipi_round(const struct ipi_cfg *c, unsigned t, unsigned i, char *why, unsigned len)
{
	struct ipi_cpu *rc = &ipi.cpu[t];
	struct send s = { .apic = kb_cpu_apic_id(t) };

	if (wait_eq(&rc->ready, (uint64_t)ipi.cfg << 32 | rc->sent, deadline())) {
		kb_snprintf(why, len, "round %u: vCPU %u was not waiting within %lu ms (handled %lu of %lu)%s",
			    i, t, wait_ms(), ld64(&rc->hits), rc->sent, rc->lost ? ", it gave up" : "");
		return -1;
	}
	s.replies = ld64(&ipi.replies);
	s.until = deadline();
	st64(&ipi.round, ipi.round + 1);
	if (c->cpl == 3 ? send_cpl3(&s) : kb_cpl0(send_cpl0, &s)) {
		kb_snprintf(why, len, "round %u: no reply from vCPU %u (APIC ID %u) within %lu ms; it handled %lu of %lu",
			    i, t, s.apic, wait_ms(), ld64(&rc->hits), rc->sent + 1);
		rc->sent++;
		return -1;
	}
	rc->sent++;
	oneway[i] = ld64(&rc->tsc) - s.t0;
	rtt[i] = s.t1 - s.t0;
	return 0;
}

int ipi_send(const struct ipi_cfg *c, char *why, unsigned len)
{
	unsigned i, n = c->rounds < KB_PERCPU_SAMPLES ? c->rounds : KB_PERCPU_SAMPLES;
	int ret = 0;

	for (i = 0; i < n && !ret; i++)
		ret = ipi_round(c, 1 + i % c->receivers, i, why, len);
	ipi.want_replies += i;
	kb_delay_us(SETTLE_MS * 1000);
	if (ret)
		st32(&ipi.abort, 1);
	st32(&ipi.end, 1);
	if (ret)
		return -1;
	kb_metric(c->oneway, "cycles", 1, oneway, n);
	kb_metric(c->rtt, "cycles", 1, rtt, n);
	return 0;
}

int ipi_delivered(char *detail, unsigned len)
{
	unsigned c, pos, ok = 1;
	uint64_t r = ld64(&ipi.replies);

	pos = kb_snprintf(detail, len, "replies %lu of %lu;", r, ipi.want_replies);
	ok = r == ipi.want_replies;
	for (c = 1; c < nr_cpus(); c++) {
		uint64_t h = ld64(&ipi.cpu[c].hits), s = ipi.cpu[c].sent;

		if (h == s && pos < len)
			pos += kb_snprintf(detail + pos, len - pos, " vCPU %u %lu/%lu", c, h, s);
		else if (pos < len)
			pos += kb_snprintf(detail + pos, len - pos, " vCPU %u handled %lu of %lu sent%s",
					   c, h, s, ipi.cpu[c].lost ? " (gave up)" : "");
		ok &= h == s;
	}
	return ok;
}

/* --- the tests ------------------------------------------------------------ */

static unsigned rounds(int64_t def)
{
	int64_t r = kb_param_int("rounds", def);

	return r < 1 ? 1 : r > KB_PERCPU_SAMPLES ? KB_PERCPU_SAMPLES : r;
}

/* One configuration on every vCPU; vCPU 0 sends.  0, or -1 once anything failed. */
static int ipi_config(const struct ipi_cfg *c, char *why, unsigned len)
{
	unsigned me = kb_cpu_id();
	int ret = 0;

	if (me == 0)
		ipi_begin(c);
	if (sync_all()) {
		kb_snprintf(why, len, "a vCPU missed the start of %s", c->rtt);
		return -1;
	}
	if (me == 0)
		ret = ipi_send(c, why, len);
	else if (me <= c->receivers)
		ret = ipi_receive(c);
	if (sync_all() && !ret) {
		kb_snprintf(why, len, "a vCPU missed the end of %s", c->rtt);
		ret = -1;
	}
	return ret || ipi_aborted() ? -1 : 0;
}

static void ipi_test(const char *mode, const struct ipi_cfg *cfgs, unsigned ncfg)
{
	char check[48], why[160] = "", detail[KB_TEXT_MAX];
	unsigned i;
	int ret = 0;

	for (i = 0; i < ncfg && !ret; i++)
		ret = ipi_config(&cfgs[i], why, sizeof(why));
	if (kb_cpu_id() != 0)
		return;
	kb_snprintf(check, sizeof(check), "ipi_%s_delivered_once", mode);
	ret = !ipi_delivered(detail, sizeof(detail)) || ret;
	kb_check(check, !ret, "%s%s%s", why, why[0] ? "; " : "", detail);
}

#define CFG(m, r, hlt, cpl_)	{ .recv_hlt = hlt, .cpl = cpl_,					\
				  .oneway = "ipi_oneway." #m "." #r ".cpl" #cpl_,		\
				  .rtt = "ipi_rtt." #m "." #r ".cpl" #cpl_ }

static struct ipi_cfg xapic_cfgs[] = {
	CFG(xapic, hlt, 1, 3), CFG(xapic, spin, 0, 3), CFG(xapic, hlt, 1, 0), CFG(xapic, spin, 0, 0),
};
static struct ipi_cfg x2apic_cfgs[] = {
	CFG(x2apic, hlt, 1, 0), CFG(x2apic, spin, 0, 0),
};

static void cfgs_fill(struct ipi_cfg *c, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		c[i].rounds = rounds(ROUNDS_DEFAULT);
		c[i].receivers = nr_cpus() - 1;
	}
}

KB_TEST(ipi_xapic, "IPI one-way and round trip via the xAPIC ICR: sender CPL3/CPL0, receiver hlt/spin")
{
	if (nr_cpus() < 2) {
		kb_skip("ipi_xapic", "needs 2 or more vCPUs; this VM has %u", nr_cpus());
		return;
	}
	cfgs_fill(xapic_cfgs, ARRAY_SIZE(xapic_cfgs));
	ipi_init();
	ipi_test("xapic", xapic_cfgs, ARRAY_SIZE(xapic_cfgs));
}

#define CPUID1_ECX_X2APIC	(1u << 21)

/* x2apic_setup - this vCPU in x2APIC mode, its ID checked; 0 or -1. */
static int x2apic_setup(void)
{
	unsigned me = kb_cpu_id(), id;

	kb_apic_enable();
	if (kb_x2apic_enable()) {
		kb_check("x2apic_enable", 0, "vCPU %u: setting IA32_APIC_BASE.EXTD raised an exception", me);
		return -1;
	}
	id = kb_apic_id();
	return kb_check("x2apic_id", id == kb_cpu_apic_id(me),
			"vCPU %u: x2APIC ID MSR 0x802 reads %u, boot info says %u",
			me, id, kb_cpu_apic_id(me)) ? 0 : -1;
}

KB_TEST(ipi_x2apic, "IPI one-way and round trip via the x2APIC ICR MSR: sender CPL0, receiver hlt/spin")
{
	uint32_t r[4];

	if (nr_cpus() < 2) {
		kb_skip("ipi_x2apic", "needs 2 or more vCPUs; this VM has %u", nr_cpus());
		return;
	}
	/* At CPL0: CPL3 CPUID shows the host's own bits on kvm_pvm. */
	kb_cpuid0(1, 0, r);
	if (!(r[2] & CPUID1_ECX_X2APIC)) {
		if (kb_cpu_id() == 0)
			kb_skip("ipi_x2apic", "CPUID.1:ECX.x2APIC (bit 21) is 0 at CPL0 (ECX 0x%x)", r[2]);
		return;
	}
	cfgs_fill(x2apic_cfgs, ARRAY_SIZE(x2apic_cfgs));
	ipi_init();
	if (x2apic_setup())
		sync_break();
	ipi_test("x2apic", x2apic_cfgs, ARRAY_SIZE(x2apic_cfgs));
}
