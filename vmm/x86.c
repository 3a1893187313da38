// SPDX-License-Identifier: GPL-2.0
/*
 * x86.c - the machine a kvmbench guest boots into: GDT, one TSS per vCPU,
 * IDT, identity page tables, boot info, and each vCPU's registers in 64-bit
 * long mode.  See the boot-state contract at the top of kb_abi.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm_int.h"

#define CR0_PE		(1ull << 0)
#define CR0_MP		(1ull << 1)
#define CR0_ET		(1ull << 4)
#define CR0_NE		(1ull << 5)
#define CR0_WP		(1ull << 16)
#define CR0_AM		(1ull << 18)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define CR4_PGE		(1ull << 7)
#define CR4_OSFXSR	(1ull << 9)
#define CR4_OSXMMEXCPT	(1ull << 10)
#define EFER_SCE	(1ull << 0)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define EFER_NXE	(1ull << 11)

#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_US		(1ull << 2)
#define PTE_PWT		(1ull << 3)
#define PTE_PCD		(1ull << 4)
#define PTE_PS		(1ull << 7)

#define RFLAGS_IF	(1ull << 9)
#define RFLAGS_IOPL3	(3ull << 12)

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
	uint8_t iomap[TSS_IO_PORTS / 8 + 1];	/* all zero (allowed), then the 0xff end byte */
} __attribute__((packed));

_Static_assert(__builtin_offsetof(struct tss64, iomap) == 104, "TSS layout");
_Static_assert(sizeof(struct tss64) <= TSS_STRIDE, "TSS stride");
_Static_assert(GPA_TSS + KB_MAX_VCPUS * TSS_STRIDE <= GPA_BOOT_INFO, "TSSs fit");
_Static_assert(sizeof(struct kb_boot_info) <= KB_PT_BASE - GPA_BOOT_INFO, "boot info fits");
_Static_assert(KB_SEL_TSS(KB_MAX_VCPUS) <= 0x1000, "GDT fits one page");
_Static_assert(KB_SEL_CS32 < KB_SEL_TSS(0), "the GDT limit (up to the TSSs) covers CS32");

static void *gpa_ptr(struct vm *vm, uint64_t gpa)
{
	return vm->ram + gpa;
}

uint64_t x86_stack_top(const struct vm *vm, int cpu, bool user)
{
	uint64_t base = (vm->img->hi + 0xfff) & ~0xfffull;
	uint64_t per_cpu = KSTACK_SIZE + USTACK_SIZE;

	base += cpu * per_cpu;
	return user ? base + per_cpu : base + KSTACK_SIZE;
}

uint64_t x86_free_base(const struct vm *vm)
{
	uint64_t end = x86_stack_top(vm, vm->nr_vcpus - 1, true);

	return (end + (2ull << 20) - 1) & ~((2ull << 20) - 1);
}

static void gdt_build(struct vm *vm)
{
	uint64_t *gdt = gpa_ptr(vm, GPA_GDT);
	int i;

	gdt[KB_SEL_CS0 / 8] = 0x00af9b000000ffffull;	/* L, P, DPL0, code */
	gdt[KB_SEL_DS0 / 8] = 0x00cf93000000ffffull;	/* P, DPL0, data rw */
	gdt[KB_SEL_DS3 / 8] = 0x00cff3000000ffffull;	/* P, DPL3, data rw */
	gdt[KB_SEL_CS3 / 8] = 0x00affb000000ffffull;	/* L, P, DPL3, code */
	/* G, D (32-bit), P, DPL0, code: a SIPI trampoline's protected-mode step. */
	gdt[KB_SEL_CS32 / 8] = 0x00cf9b000000ffffull;
	for (i = 0; i < vm->nr_vcpus; i++) {
		uint64_t base = GPA_TSS + i * TSS_STRIDE;
		uint64_t lim = sizeof(struct tss64) - 1;	/* covers the I/O bitmap */
		uint64_t *d = &gdt[KB_SEL_TSS(i) / 8];
		struct tss64 *tss = gpa_ptr(vm, base);

		d[0] = (lim & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		       (((lim >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
		d[1] = base >> 32;
		tss->rsp[0] = x86_stack_top(vm, i, false);
		/*
		 * IOPL=3 should be enough for in/out at CPL3, but kvm_pvm runs
		 * CPL3 natively and its emulator checks the TSS I/O bitmap: give
		 * one that allows ports 0..0x3ff, where every kvmbench device is.
		 */
		tss->iomap_base = __builtin_offsetof(struct tss64, iomap);
		tss->iomap[TSS_IO_PORTS / 8] = 0xff;
	}
}

static void idt_build(struct vm *vm)
{
	uint64_t *idt = gpa_ptr(vm, GPA_IDT);
	int i;

	for (i = 0; i < KB_NR_VECTORS; i++) {
		uint64_t h = vm->img->hdr.vectors[i];

		if (!h)
			continue;
		idt[2 * i] = (h & 0xffff) | ((uint64_t)KB_SEL_CS0 << 16) |
			     (0x8eull << 40) | (((h >> 16) & 0xffff) << 48);
		idt[2 * i + 1] = h >> 32;
	}
}

/* Identity map [0, 4 GiB): 2M pages, the first 2M in 4K pages with page 0 absent. */
static void pt_build(struct vm *vm)
{
	uint64_t *pml4 = gpa_ptr(vm, GPA_PML4), *pdpt = gpa_ptr(vm, GPA_PDPT);
	uint64_t *pd = gpa_ptr(vm, GPA_PD), *pt = gpa_ptr(vm, GPA_PT0);
	uint64_t flags = PTE_P | PTE_RW | PTE_US;
	uint64_t i;

	pml4[0] = GPA_PDPT | flags;
	for (i = 0; i < 4; i++)
		pdpt[i] = (GPA_PD + i * 0x1000) | flags;
	for (i = 0; i < 4 * 512; i++) {
		uint64_t gpa = i << 21;

		pd[i] = gpa | flags | PTE_PS;
		if (gpa >= KB_MMIO_BASE)
			pd[i] |= PTE_PCD | PTE_PWT;
	}
	pd[0] = GPA_PT0 | flags;
	for (i = 1; i < 512; i++)
		pt[i] = (i << 12) | flags;
}

static void boot_info_build(struct vm *vm)
{
	struct kb_boot_info *bi = gpa_ptr(vm, GPA_BOOT_INFO);
	int i;

	bi->magic = KB_BOOT_MAGIC;
	bi->abi_version = KB_ABI_VERSION;
	bi->nr_vcpus = vm->nr_vcpus;
	bi->ram_size = vm->ram_size;
	bi->tsc_khz = vm->tsc_khz;
	bi->free_base = x86_free_base(vm);
	bi->host_flags = vm->efd >= 0 ? KB_HOST_IOEVENTFD : 0;
	if (vm->aps_wait)
		bi->host_flags |= KB_HOST_APS_WAIT;
	bi->sockets = vm->topo.sockets;
	bi->cores = vm->topo.cores;
	bi->threads = vm->topo.threads;
	bi->cpu_model = vm->cfg.cpu_model;
	snprintf(bi->test, sizeof(bi->test), "%s", vm->cfg.test ? vm->cfg.test : "");
	bi->nr_params = vm->cfg.nr_params;
	memcpy(bi->params, vm->cfg.params, sizeof(bi->params));
	bi->vm_index = vm->cfg.vm_index;
	bi->nr_vms = vm->cfg.nr_vms > 0 ? vm->cfg.nr_vms : 1;
	for (i = 0; i < vm->nr_vcpus; i++) {
		bi->cpu[i].kstack_top = x86_stack_top(vm, i, false);
		bi->cpu[i].ustack_top = x86_stack_top(vm, i, true);
		bi->cpu[i].tss = GPA_TSS + i * TSS_STRIDE;
		bi->cpu[i].apic_id = vm->vcpu[i].apic_id;
	}
}

void x86_build_tables(struct vm *vm)
{
	gdt_build(vm);
	idt_build(vm);
	pt_build(vm);
	boot_info_build(vm);
}

static void seg_set(struct kvm_segment *s, uint16_t sel, bool code)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = code ? 11 : 3;
	s->present = 1;
	s->dpl = sel & 3;
	s->s = 1;
	s->l = code;
	s->db = !code;
	s->g = 1;
}

static int sregs_set(struct vcpu *v, char *err, size_t len)
{
	struct kvm_sregs s;

	if (ioctl(v->fd, KVM_GET_SREGS, &s))
		goto fail;
	seg_set(&s.cs, KB_SEL_CS0, true);
	seg_set(&s.ds, KB_SEL_DS0, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.base = GPA_TSS + v->id * TSS_STRIDE;
	s.tr.limit = sizeof(struct tss64) - 1;
	s.tr.selector = KB_SEL_TSS(v->id);
	s.tr.type = 11;		/* busy 64-bit TSS */
	s.tr.present = 1;
	s.gdt.base = GPA_GDT;
	s.gdt.limit = KB_SEL_TSS(v->vm->nr_vcpus) - 1;
	s.idt.base = GPA_IDT;
	s.idt.limit = KB_NR_VECTORS * 16 - 1;
	s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
	s.cr3 = GPA_PML4;
	s.cr4 = CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	s.efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	if (ioctl(v->fd, KVM_SET_SREGS, &s))
		goto fail;
	return 0;
fail:
	snprintf(err, len, "vcpu%d: KVM_SET_SREGS (long mode): %s", v->id, strerror(errno));
	return -errno;
}

int x86_vcpu_reset(struct vcpu *v, char *err, size_t len)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_regs r = { 0 };
	int ret;

	ret = cpuid_set(v, err, len);
	if (!ret)
		ret = sregs_set(v, err, len);
	if (ret)
		return ret;
	r.rip = v->vm->img->entry;
	r.rsp = x86_stack_top(v->vm, v->id, false);
	r.rflags = 0x2 | RFLAGS_IF | RFLAGS_IOPL3;
	r.rdi = GPA_BOOT_INFO;
	r.rsi = v->id;
	if (ioctl(v->fd, KVM_SET_REGS, &r)) {
		snprintf(err, len, "vcpu%d: KVM_SET_REGS: %s", v->id, strerror(errno));
		return -errno;
	}
	/*
	 * With an in-kernel LAPIC, APs wait for INIT/SIPI: start them directly
	 * unless the test wants to wake them itself.  (The registers above
	 * are then harmless: INIT resets them.)
	 */
	if (v->id && v->vm->cfg.irqchip && !v->vm->aps_wait &&
	    ioctl(v->fd, KVM_SET_MP_STATE, &mp)) {
		snprintf(err, len, "vcpu%d: KVM_SET_MP_STATE: %s", v->id, strerror(errno));
		return -errno;
	}
	return 0;
}
