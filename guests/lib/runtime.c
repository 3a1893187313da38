// SPDX-License-Identifier: GPL-2.0
/*
 * runtime.c - boot, test dispatch and exception reporting of a guest.
 */
#include "kb.h"

#define MSR_GS_BASE	0xc0000101
#define MSR_X2APIC_EOI	0x80b
#define VEC_UD		6

struct kb_boot_info *kb_bi;
static struct kb_percpu percpu[KB_MAX_VCPUS];

extern const struct kb_test_desc __start_kb_tests[], __stop_kb_tests[];
extern char kb_gate_cpl0[], kb_gate_cpl3_ret[];
void kb_cpl3_resume(long ret) __attribute__((noreturn));
uint64_t kb_boot(struct kb_boot_info *bi, uint64_t id);
void kb_user_main(struct kb_boot_info *bi, uint64_t id);

/* What kb_exc_common pushes: the order of struct kb_regs up to ss. */
struct kb_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(__builtin_offsetof(struct kb_percpu, ustack_top) == 24, "entry.S PC_USTACK");
_Static_assert(__builtin_offsetof(struct kb_percpu, tss) == 32, "entry.S PC_TSS");
_Static_assert(__builtin_offsetof(struct kb_percpu, cpl3_saved_rsp) == 40, "entry.S PC_SAVED_RSP");
_Static_assert(__builtin_offsetof(struct kb_percpu, cpl3_saved_rsp0) == 48, "entry.S PC_SAVED_RSP0");
_Static_assert(__builtin_offsetof(struct kb_percpu, gate_user_rsp) == 56, "entry.S PC_GATE_URSP");
_Static_assert(__builtin_offsetof(struct kb_percpu, try_rsp) == 64, "entry.S PC_TRY_RSP");
_Static_assert(__builtin_offsetof(struct kb_percpu, try_armed) == 80, "entry.S PC_TRY_ARMED");
_Static_assert(__builtin_offsetof(struct kb_percpu, fault) == 88, "entry.S fault after armed");
_Static_assert(__builtin_offsetof(struct kb_regs, vector) == __builtin_offsetof(struct kb_frame, vector),
	       "frame layout");

static uint64_t rdmsr0(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr0(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/*
 * kb_boot - CPL0, emulated on some hosts: only what CPL3 cannot do.  An AP
 * restarted by INIT/SIPI comes here again: whatever it was doing is gone.
 */
uint64_t kb_boot(struct kb_boot_info *bi, uint64_t id)
{
	struct kb_percpu *pc = &percpu[id];

	pc->self = pc;
	pc->id = id;
	pc->kstack_top = bi->cpu[id].kstack_top;
	pc->ustack_top = bi->cpu[id].ustack_top;
	pc->tss = bi->cpu[id].tss;
	pc->gate_user_rsp = 0;
	pc->try_armed = 0;
	/* INIT keeps the APIC mode: an AP may come back in x2APIC mode. */
	pc->x2apic = !!(rdmsr0(KB_MSR_APIC_BASE) & KB_APIC_BASE_EXTD);
	wrmsr0(MSR_GS_BASE, (uint64_t)pc);
	return pc->ustack_top;
}

static long rdmsr_fn(void *msr)
{
	return rdmsr0((uint64_t)msr);
}

struct msr_write {
	uint32_t msr;
	uint64_t v;
};

static long wrmsr_fn(void *arg)
{
	struct msr_write *w = arg;

	wrmsr0(w->msr, w->v);
	return 0;
}

uint64_t kb_rdmsr(uint32_t msr)
{
	if (!kb_cpl())
		return rdmsr0(msr);
	return kb_cpl0(rdmsr_fn, (void *)(uint64_t)msr);
}

void kb_wrmsr(uint32_t msr, uint64_t v)
{
	struct msr_write w = { msr, v };

	if (!kb_cpl())
		wrmsr0(msr, v);
	else
		kb_cpl0(wrmsr_fn, &w);
}

struct cpuid_req {
	uint32_t leaf, sub;
	uint32_t *r;
};

static long cpuid_fn(void *arg)
{
	struct cpuid_req *q = arg;

	kb_cpuid(q->leaf, q->sub, q->r);
	return 0;
}

void kb_cpuid0(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	struct cpuid_req q = { leaf, sub, r };

	kb_cpl0(cpuid_fn, &q);
}

void kb_delay_us(uint64_t us)
{
	uint64_t end = kb_rdtsc() + us * (kb_bi->tsc_khz ? kb_bi->tsc_khz : 1000000) / 1000;

	while (kb_rdtsc() < end)
		asm volatile("pause");
}

static const struct kb_test_desc *test_find(const char *name)
{
	const struct kb_test_desc *t;

	for (t = __start_kb_tests; t < __stop_kb_tests; t++)
		if (!name[0] || !strcmp(t->name, name))
			return t;
	return 0;
}

/* kb_user_main - CPL3: run the test the harness asked for on this vCPU. */
void kb_user_main(struct kb_boot_info *bi, uint64_t id)
{
	const struct kb_test_desc *t;

	if (id == 0)
		kb_bi = bi;
	else
		while (!__atomic_load_n(&kb_bi, __ATOMIC_ACQUIRE))
			asm volatile("pause");
	if (bi->magic != KB_BOOT_MAGIC || bi->abi_version != KB_ABI_VERSION) {
		kb_check("boot_info", 0, "bad boot info magic or ABI version %u", bi->abi_version);
		kb_done(-1);
	}
	t = test_find(bi->test);
	if (!t) {
		kb_check("test_lookup", 0, "this guest has no test '%s'", bi->test);
		kb_done(-1);
	}
	((void (*)(void))t->fn)();
	kb_done(0);
}

static void report_exception(struct kb_frame *f)
{
	struct kb_call *c = &kb_this_cpu()->call;
	struct kb_regs *r = &c->regs;

	memset(c, 0, sizeof(*c));
	memcpy(r, f, sizeof(*f));
	asm volatile("mov %%cr0, %0" : "=r"(r->cr0));
	asm volatile("mov %%cr2, %0" : "=r"(r->cr2));
	asm volatile("mov %%cr3, %0" : "=r"(r->cr3));
	asm volatile("mov %%cr4, %0" : "=r"(r->cr4));
	c->op = KB_OP_EXCEPTION;
	c->size = sizeof(*c);
	c->arg = f->vector;
	kb_outl(KB_PORT_CALL, (uint32_t)(uint64_t)c);
	for (;;)	/* the host stops this vCPU at the call */
		asm volatile("hlt");
}

static kb_irq_fn irq_fn[KB_IRQ_COUNT];

void kb_irq_set(unsigned vector, kb_irq_fn fn)
{
	if (vector >= KB_IRQ_FIRST && vector < KB_IRQ_FIRST + KB_IRQ_COUNT)
		irq_fn[vector - KB_IRQ_FIRST] = fn;
}

static void irq_dispatch(struct kb_frame *f)
{
	kb_irq_fn fn = irq_fn[f->vector - KB_IRQ_FIRST];

	if (fn)
		fn(f->vector);
	if (kb_this_cpu()->x2apic)	/* no MMIO page in x2APIC mode */
		wrmsr0(MSR_X2APIC_EOI, 0);
	else
		*(volatile uint32_t *)(KB_APIC_BASE + KB_APIC_EOI) = 0;
}

/* try_catch - a fault inside kb_try(): resume at its landing with the vector in RAX. */
static void try_catch(struct kb_percpu *pc, struct kb_frame *f)
{
	uint64_t cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	pc->fault.vector = f->vector;
	pc->fault.error_code = f->error_code;
	pc->fault.rip = f->rip;
	pc->fault.cr2 = cr2;
	pc->try_armed = 0;
	f->rip = pc->try_rip;
	f->rsp = pc->try_rsp;
	f->rax = f->vector;
}

/* kb_exception - CPL0: IRQs, privilege gates, kb_try, else report the exception and stop. */
void kb_exception(struct kb_frame *f)
{
	struct kb_percpu *pc = kb_this_cpu();
	uint64_t saved;

	if (f->vector >= KB_IRQ_FIRST) {
		irq_dispatch(f);
		return;
	}
	if (f->vector == VEC_UD && (f->cs & 3) == 3) {
		if (f->rip == (uint64_t)kb_gate_cpl0) {
			saved = pc->gate_user_rsp;
			pc->gate_user_rsp = f->rsp;
			f->rax = ((kb_fn)f->rdi)((void *)f->rsi);
			pc->gate_user_rsp = saved;
			f->rip += 2;	/* ud2 */
			return;
		}
		if (f->rip == (uint64_t)kb_gate_cpl3_ret)
			kb_cpl3_resume(f->rdi);
	}
	if (pc->try_armed) {
		try_catch(pc, f);
		return;
	}
	report_exception(f);
}
