/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kb_abi.h - the guest <-> host ABI of kvmbench.
 *
 * This is the only header shared by the VMM (host side, vmm/) and the
 * microguests (guests/).  Everything a guest may assume about the machine
 * it boots on, and everything the host may assume about a guest image, is
 * written down here.  Change it only together with KB_ABI_VERSION.
 *
 * Boot state (set up by the VMM through KVM_SET_SREGS/KVM_SET_REGS, no BIOS):
 *  - 64-bit long mode, paging on, CR0.WP=1, CR4.PAE|PGE|OSFXSR, EFER.LME|LMA|NXE|SCE.
 *  - Guest RAM identity-mapped (VA == GPA) with 2 MiB pages, U/S=1 and R/W=1
 *    everywhere so code can run at CPL3, except the first 4 KiB page (not
 *    present: catches NULL dereferences).  [KB_MMIO_BASE, 4 GiB) is mapped
 *    too, uncached, with no memslot behind it: accesses there exit to the VMM
 *    as MMIO (the VMM's echo device lives at KB_MMIO_ECHO).
 *  - GDT with the selectors below, one 64-bit TSS per vCPU (RSP0 = the vCPU's
 *    kernel stack top) loaded in TR, IDT with 32 exception gates pointing at
 *    the handlers the image lists in its kb_image header (DPL0 interrupt
 *    gates; vectors the image leaves at 0 are not present).
 *  - RFLAGS = IF | IOPL=3, and each TSS has an I/O bitmap allowing ports
 *    0..0x3ff, so in/out work at CPL3 (kvm_pvm checks the bitmap, not IOPL).
 *    RSP = kernel stack top,
 *    RIP = ELF entry, CPL0.  RDI = GPA of struct kb_boot_info, RSI = vCPU id.
 *
 * Calls: the guest fills a struct kb_call and writes its GPA (32 bits; call
 * blocks live below 4 GiB) with `outl` to KB_PORT_CALL.  The host validates
 * the block and every address in it, acts, writes kb_call.ret, and resumes
 * the guest after the `out`.  A malformed call fails the test, never the host.
 */
#ifndef KB_ABI_H
#define KB_ABI_H

#ifdef __ASSEMBLER__
#define KB_U64(x)	x
#else
#define KB_U64(x)	x##ull
#endif

#if defined(__KB_GUEST__) && !defined(__ASSEMBLER__)
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef long int64_t;
#elif !defined(__ASSEMBLER__)
#include <stdint.h>
#endif

#define KB_ABI_VERSION		4
#define KB_BOOT_MAGIC		KB_U64(0x4b424f4f54494e46)	/* "KBOOTINF" */
#define KB_IMAGE_MAGIC		KB_U64(0x4b42494d41474531)	/* "KBIMAGE1" */

/* I/O ports the VMM serves. */
#define KB_PORT_CALL		0x00f4	/* outl GPA of a struct kb_call */
#define KB_PORT_NULL		0x00f8	/* writes dropped, reads give KB_NULL_PATTERN */
#define KB_PORT_ECHO		0x00fa	/* byte FIFO: out appends, in pops (0xff when empty) */
#define KB_PORT_EVENTFD		0x00fc	/* bound to a KVM_IOEVENTFD: handled in the kernel */
#define KB_NULL_PATTERN		0x5aa5c33cu

/* Guest-physical layout. */
#define KB_GUARD_SIZE		KB_U64(0x1000)	/* page 0: not present */
#define KB_SYS_BASE		KB_U64(0x1000)	/* VMM's GDT, TSSs, IDT, boot info */
#define KB_PT_BASE		KB_U64(0x10000)	/* VMM's initial page tables */
#define KB_LOWMEM_BASE		KB_U64(0x20000)	/* [this, KB_IMAGE_BASE): RAM the VMM leaves alone, */
							/* for real-mode code (SIPI trampolines) */
#define KB_IMAGE_BASE		KB_U64(0x100000)	/* lowest address a guest ELF may load at */
#define KB_MMIO_BASE		KB_U64(0xc0000000)	/* no RAM from here to 4 GiB */
#define KB_MMIO_ECHO		KB_U64(0xd0000000)	/* 4 KiB MMIO echo: reads return what was written */
#define KB_MMIO_ECHO_SIZE	KB_U64(0x1000)
#define KB_RAM_MAX		KB_MMIO_BASE	/* guest RAM is [0, ram_size), ram_size <= this */

/* GDT selectors. */
#define KB_SEL_CS0		0x08	/* 64-bit code, DPL0 */
#define KB_SEL_DS0		0x10	/* data, DPL0 */
#define KB_SEL_DS3		0x1b	/* data, DPL3 (0x18 | 3), also SS at CPL3 */
#define KB_SEL_CS3		0x23	/* 64-bit code, DPL3 (0x20 | 3) */
#define KB_SEL_CS32		0x28	/* 32-bit code, DPL0: trampolines on their way to long mode */
#define KB_SEL_TSS(cpu)		(0x30 + 16 * (cpu))	/* 16-byte system descriptors */

#define KB_MAX_VCPUS		64
#define KB_MAX_PARAMS		16
#define KB_NAME_MAX		64
#define KB_UNIT_MAX		16
#define KB_TEXT_MAX		256
#define KB_NR_EXCEPTIONS	32	/* vectors 0..31 must have handlers */
#define KB_NR_VECTORS		256
#define KB_MAX_SAMPLES		4096

#ifndef __ASSEMBLER__

/* A guest test parameter: name -> integer or string, set by the harness. */
struct kb_param {
	char name[32];
	int64_t ival;
	char sval[64];
	uint32_t is_string;
	uint32_t pad;
};

struct kb_cpu_info {
	uint64_t kstack_top;	/* CPL0 stack (also TSS.RSP0) */
	uint64_t ustack_top;	/* CPL3 stack */
	uint64_t tss;		/* GPA of this vCPU's TSS (to move RSP0) */
	uint32_t apic_id;	/* this vCPU's (x2)APIC ID, placed by the topology */
	uint32_t pad;
};

/* At the GPA in RDI, read-only for the guest by convention. */
struct kb_boot_info {
	uint64_t magic;		/* KB_BOOT_MAGIC */
	uint32_t abi_version;	/* KB_ABI_VERSION */
	uint32_t nr_vcpus;
	uint64_t ram_size;	/* bytes of guest RAM from GPA 0 */
	uint64_t tsc_khz;	/* KVM_GET_TSC_KHZ */
	uint64_t free_base;	/* first GPA above image, stacks and tables: the guest's own */
	uint64_t host_flags;	/* KB_HOST_* */
	/*
	 * The topology CPUID describes: sockets x cores x threads slots (at
	 * least nr_vcpus; vCPU i takes slot i, socket-major), and the CPU
	 * model (KB_CPU_MODEL_*) its features come from.
	 */
	uint32_t sockets, cores, threads;
	uint32_t cpu_model;
	char test[KB_NAME_MAX];	/* test to run; the runtime looks it up in .kb_tests */
	uint32_t nr_params;
	uint32_t pad;
	struct kb_param params[KB_MAX_PARAMS];
	struct kb_cpu_info cpu[KB_MAX_VCPUS];
	/*
	 * A case may run several identical VMs at once (KSM across VMs, CPU
	 * and memory overcommit): this VM is number vm_index of nr_vms.
	 */
	uint32_t vm_index, nr_vms;
};

/* host_flags */
#define KB_HOST_IOEVENTFD	(1u << 0)	/* KB_PORT_EVENTFD is bound to an ioeventfd */
#define KB_HOST_APS_WAIT	(1u << 1)	/* APs wait for INIT/SIPI (the test has KB_TEST_F_SIPI) */

/*
 * APIC IDs: thread bits = ceil(log2(threads)), core bits = ceil(log2(cores)),
 * APIC ID = socket << (core bits + thread bits) | core << thread bits | thread,
 * as CPUID leaf 0xB/0x1F describes it.  IDs stay below 255 (xAPIC broadcast).
 */

/* CPU models: where a vCPU's CPUID features come from. */
#define KB_CPU_MODEL_HOST	0	/* everything KVM_GET_SUPPORTED_CPUID offers */
#define KB_CPU_MODEL_BASELINE	1	/* the fixed conservative set below (a qemu64 kin) */

/*
 * The baseline model: every feature bit it may show.  The VMM clears every
 * other bit of these registers (and drops leaf 0xD: no XSAVE), the guest
 * checks that none shows.  qemu64's set, plus x2APIC and the hypervisor
 * bit (as QEMU adds them under KVM) and HTT (set when a package has more
 * than one logical CPU).  Leaf 0x80000001 EDX repeats leaf 1's legacy bits
 * on AMD, where its ECX also shows CmpLegacy (bit 1) when a package has more
 * than one logical CPU, as QEMU sets it.
 * kvm_pvm does not keep the mask: it puts the host's natively usable
 * features back into leaves 1 (ECX, EDX), 7 and 0xD whatever the VMM sets
 * (KVM_GET_CPUID2 shows them, so does the guest's cpuid).
 */
#define KB_BASELINE_1_ECX	0x80202001u	/* sse3 cx16 x2apic hypervisor */
#define KB_BASELINE_1_EDX	0x178bfbfdu	/* fpu de pse tsc msr pae mce cx8 apic sep mtrr */
						/* pge mca cmov pat pse36 clflush mmx fxsr sse sse2 htt */
#define KB_BASELINE_7_EBX	0u		/* leaf 7 subleaf 0: nothing */
#define KB_BASELINE_7_ECX	0u
#define KB_BASELINE_7_EDX	0u
#define KB_BASELINE_81_ECX	0x00000001u	/* lahf_lm */
#define KB_BASELINE_81_EDX	0x2193fbfdu	/* syscall nx lm, and leaf 1's legacy bits (AMD) */

/* Call operations. */
enum kb_op {
	KB_OP_LOG = 1,		/* text */
	KB_OP_METRIC,		/* name, unit, iters, count, data = GPA of uint64_t[count] */
	KB_OP_CHECK,		/* name, arg = 1 pass / 0 fail, text = detail: what the */
				/* architecture (or the KVM API) requires: conformance */
	KB_OP_SKIP,		/* name, text = reason */
	KB_OP_DONE,		/* arg = status (0 = finished normally); the vCPU stops */
	KB_OP_EXCEPTION,	/* arg = vector, regs; the vCPU stops, the test fails */
	KB_OP_EVENTFD_COUNT,	/* ret = signals on KB_PORT_EVENTFD's eventfd since the last call */
	KB_OP_MARK,		/* arg = 1: a measured window starts, 0: it ends (the host */
				/* reads its counters at both; a metric's samples are windows) */
	KB_OP_BALLOON,		/* data = GPA, count = bytes (both 4 KiB aligned, inside */
				/* [free_base, ram_size)): the host releases that RAM (it */
				/* reads as zeroes afterwards); ret 0 or -errno */
	KB_OP_SYNC,		/* name = sync point, arg = guest's value: the vCPU waits */
				/* while the host does its part (e.g. lets KSM merge, or */
				/* waits for the case's other VMs); ret = host's value */
	KB_OP_OBSERVE,		/* name, arg = what was seen as a number (1/0 for yes/no, */
				/* or a count), unit = that in a word ("kept"; optional), */
				/* text = detail: behaviour the architecture allows but */
				/* does not require, recorded and never a failure */
	KB_OP_MAX
};

/* Register dump, as the guest's exception entry saves it. */
struct kb_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;	/* the hardware frame */
	uint64_t cr0, cr2, cr3, cr4;
};

struct kb_call {
	uint32_t op;		/* enum kb_op */
	uint32_t size;		/* sizeof(struct kb_call): guards against ABI skew */
	int64_t arg;
	uint64_t iters;		/* METRIC: operations per sample */
	uint64_t count;		/* METRIC: number of samples */
	uint64_t data;		/* METRIC: GPA of uint64_t samples[count] */
	int64_t ret;		/* written by the host: 0 or -errno */
	char name[KB_NAME_MAX];
	char unit[KB_UNIT_MAX];	/* METRIC: "cycles" samples are also reported in ns */
	char text[KB_TEXT_MAX];
	struct kb_regs regs;	/* EXCEPTION */
};

/*
 * The guest image header: the VMM finds it at the lowest address of the
 * lowest PT_LOAD segment, and builds the IDT from its vector table.
 */
struct kb_image {
	uint64_t magic;		/* KB_IMAGE_MAGIC */
	uint32_t abi_version;
	uint32_t nr_vectors;	/* KB_NR_EXCEPTIONS..KB_NR_VECTORS */
	uint64_t vectors[KB_NR_VECTORS];	/* handler per vector; 0 = no gate (not present) */
};

/*
 * A test of a guest, listed in the ELF section ".kb_tests" so that the
 * harness can list a guest's tests without booting it.
 */
#define KB_TEST_NAME_MAX	32
#define KB_TEST_DESC_MAX	84
#define KB_TEST_F_SIPI		(1u << 0)	/* the VMM leaves APs waiting for INIT/SIPI */
struct kb_test_desc {
	char name[KB_TEST_NAME_MAX];
	char desc[KB_TEST_DESC_MAX];
	uint32_t flags;		/* KB_TEST_F_* */
	uint64_t fn;		/* guest address of void fn(void) */
};
_Static_assert(sizeof(struct kb_test_desc) == 128, "kb_test_desc is 128 bytes in every image");

#endif /* __ASSEMBLER__ */
#endif /* KB_ABI_H */
