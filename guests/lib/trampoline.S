/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trampoline.S - where an AP started by INIT/SIPI begins: real mode at
 * CS:IP = (page >> 4):0.  Only the real-mode part is copied below 1 MiB (by
 * kb_sipi_prepare() to KB_LOWMEM_BASE); its far jump leaves for the
 * protected-mode part, which stays in the image with the long-mode part.
 *
 * All of it runs at CPL0, emulated instruction by instruction on some hosts
 * (kvm_pvm, ~0.5 us each): it does only what the VMM does for a vCPU it
 * starts itself, and then joins the normal boot path at _start.
 */
#include "kb_abi.h"

#define CR0_BOOT	0x80050033	/* PG AM WP NE ET MP PE, as the VMM boots (and CD/NW clear) */
#define CR4_BOOT	0x000006a0	/* OSXMMEXCPT OSFXSR PGE PAE */
#define MSR_EFER	0xc0000080
#define EFER_BOOT	0x00000901	/* NXE LME SCE */
#define MSR_APIC_BASE	0x1b
#define APIC_BASE_EXTD	0x400
#define MSR_X2APIC_ID	0x802
#define XAPIC_ID_REG	0xfee00020

/* struct kb_boot_info / kb_cpu_info offsets (asserted in smp.c). */
#define BI_NR_VCPUS	12
#define BI_CPU		1928
#define CPU_SIZE	32
#define CPU_KSTACK	0
#define CPU_APIC_ID	24

	.section .rodata
	.code16
	.globl kb_tramp16, kb_tramp16_end, kb_tramp16_gdtr
kb_tramp16:
	cli
	lgdtl %cs:GDTR_OFF		/* the BSP's GDT: it has KB_SEL_CS32 */
	mov %cr0, %eax
	or $1, %al			/* PE */
	mov %eax, %cr0
	ljmpl $KB_SEL_CS32, $kb_tramp32	/* flat: an image address above 1 MiB is fine */
	.balign 8
kb_tramp16_gdtr:			/* 16-bit limit, 32-bit base: filled by kb_sipi_prepare() */
	.word 0
	.long 0
kb_tramp16_end:
	.set GDTR_OFF, kb_tramp16_gdtr - kb_tramp16

	.text
	.code32
kb_tramp32:
	mov $KB_SEL_DS0, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $CR4_BOOT, %eax
	mov %eax, %cr4
	mov kb_sipi_cr3, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_BOOT, %eax
	wrmsr
	mov $CR0_BOOT, %eax
	mov %eax, %cr0			/* paging on: long mode is active (compatibility) */
	ljmp $KB_SEL_CS0, $kb_tramp64

	.code64
kb_tramp64:
	mov $KB_SEL_DS0, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	/* This AP's APIC ID: INIT keeps the APIC mode, so either register. */
	mov $MSR_APIC_BASE, %ecx
	rdmsr
	test $APIC_BASE_EXTD, %eax
	jz 1f
	mov $MSR_X2APIC_ID, %ecx
	rdmsr
	jmp 2f
1:	mov $XAPIC_ID_REG, %edx		/* zero-extended: a disp32 would sign-extend */
	mov (%rdx), %eax
	shr $24, %eax
	/* Its vCPU index: the slot of the boot info that lists this APIC ID. */
2:	mov kb_sipi_bi, %rdi
	mov BI_NR_VCPUS(%rdi), %ecx
	lea BI_CPU(%rdi), %rdx
	xor %esi, %esi
3:	cmp %ecx, %esi
	jae 9f
	cmp CPU_APIC_ID(%rdx), %eax
	je 4f
	add $CPU_SIZE, %rdx
	inc %esi
	jmp 3b
4:	lock incl kb_sipi_starts(,%rsi,4)	/* a second start of the same AP would show */
	lidt kb_sipi_idtr
	mov %esi, %eax
	shl $4, %eax
	add $KB_SEL_TSS(0), %eax
	ltr %ax				/* available in the GDT until now */
	mov CPU_KSTACK(%rdx), %rsp
	jmp _start			/* RDI = boot info, RSI = vCPU index */
9:	lock incl kb_sipi_strays
8:	hlt
	jmp 8b

	.data
	.balign 8
	.globl kb_sipi_bi, kb_sipi_cr3, kb_sipi_idtr, kb_sipi_starts, kb_sipi_strays
kb_sipi_bi:
	.quad 0
kb_sipi_cr3:
	.quad 0
kb_sipi_idtr:
	.word 0
	.quad 0
	.balign 4
kb_sipi_starts:
	.fill KB_MAX_VCPUS, 4, 0
kb_sipi_strays:
	.long 0
