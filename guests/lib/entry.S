/* SPDX-License-Identifier: GPL-2.0 */
/*
 * entry.S - image header, boot entry, exception stubs and privilege gates.
 *
 * Everything here that runs at CPL0 is emulated instruction by instruction
 * on some hosts (kvm_pvm), so the CPL0 paths are kept short.
 */
#include "kb_abi.h"

/* struct kb_percpu offsets (checked in runtime.c). */
#define PC_USTACK	24
#define PC_TSS		32
#define PC_SAVED_RSP	40
#define PC_SAVED_RSP0	48
#define PC_GATE_URSP	56
#define PC_TRY_RSP	64
#define PC_TRY_RIP	72
#define PC_TRY_ARMED	80
#define TSS_RSP0	4
/* CPL3 runs with IF (IPIs) and IOPL=3 (in/out without exits to CPL0). */
#define KB_USER_RFLAGS	0x3202

/* Exceptions that push an error code. */
#define HAS_ERR(v)	((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

/* The System V callee-saved registers, for frames that are left and re-entered by hand. */
	.macro SAVE_CALLEE
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	.endm
	.macro RESTORE_CALLEE
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	.endm

	.section .kb_image, "a"
	.align 8
	.globl kb_image_header
kb_image_header:
	.quad KB_IMAGE_MAGIC
	.long KB_ABI_VERSION
	.long KB_NR_VECTORS
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad kb_vec\v
	.endr
	.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad kb_vec\v
	.endr
	.fill KB_NR_VECTORS - 48, 8, 0

	.section .text.entry, "ax"
	.code64
/* _start: CPL0, RSP = kernel stack, RDI = boot info, RSI = vCPU id. */
	.globl _start
_start:
	push %rdi		/* kb_boot may clobber them: kb_user_main needs both */
	push %rsi
	call kb_boot		/* returns the user stack top in RAX */
	pop %rsi
	pop %rdi
	mov %rax, %rdx
	pushq $KB_SEL_DS3
	pushq %rdx
	pushq $KB_USER_RFLAGS
	pushq $KB_SEL_CS3
	pushq $kb_user_start
	iretq
kb_user_start:			/* CPL3 from here on, RDI/RSI preserved */
	call kb_user_main
	ud2

	.text
	.macro STUB v
kb_vec\v:
	.if !HAS_ERR(\v)
	pushq $0
	.endif
	pushq $\v
	jmp kb_exc_common
	.endm
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	STUB \v
	.endr
	.irp v, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	STUB \v
	.endr

/* The frame built here is struct kb_frame (runtime.c): GPRs, vector, error, iret frame. */
kb_exc_common:
	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	push %rbp
	push %rdi
	push %rsi
	push %rdx
	push %rcx
	push %rbx
	push %rax
	mov %rsp, %rdi
	call kb_exception
	pop %rax
	pop %rbx
	pop %rcx
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rbp
	pop %r8
	pop %r9
	pop %r10
	pop %r11
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	add $16, %rsp
	iretq

/* long kb_cpl0(kb_fn fn, void *arg): the #UD of the gate is turned into a call at CPL0. */
	.globl kb_cpl0, kb_gate_cpl0
kb_cpl0:
	mov %cs, %eax
	test $3, %eax
	jnz kb_gate_cpl0
	mov %rdi, %rax
	mov %rsi, %rdi
	jmp *%rax
kb_gate_cpl0:
	ud2
	ret

/* long kb_cpl3(kb_fn fn, void *arg) */
	.globl kb_cpl3, kb_gate_cpl3_ret, kb_cpl3_resume
kb_cpl3:
	mov %cs, %eax
	test $3, %eax
	jz 1f
	mov %rdi, %rax
	mov %rsi, %rdi
	jmp *%rax
1:	SAVE_CALLEE
	mov %gs:0, %rbx
	mov %rsp, PC_SAVED_RSP(%rbx)
	mov PC_TSS(%rbx), %rcx
	mov TSS_RSP0(%rcx), %rax
	mov %rax, PC_SAVED_RSP0(%rbx)
	mov %rsp, TSS_RSP0(%rcx)	/* exceptions from CPL3 land below this frame */
	mov PC_GATE_URSP(%rbx), %rdx	/* below a user stack that is still live... */
	test %rdx, %rdx
	jz 2f
	sub $256, %rdx
	and $~15, %rdx
	jmp 3f
2:	mov PC_USTACK(%rbx), %rdx	/* ...or the whole user stack */
3:	pushq $KB_SEL_DS3
	pushq %rdx
	pushq $KB_USER_RFLAGS
	pushq $KB_SEL_CS3
	pushq $kb_cpl3_tramp
	iretq
kb_cpl3_tramp:
	mov %rdi, %rax
	mov %rsi, %rdi
	call *%rax
	mov %rax, %rdi
kb_gate_cpl3_ret:
	ud2

/* kb_cpl3_resume(long ret): back in kb_cpl3's CPL0 frame (called from the #UD handler). */
kb_cpl3_resume:
	mov %gs:0, %rbx
	mov PC_TSS(%rbx), %rcx
	mov PC_SAVED_RSP0(%rbx), %rax
	mov %rax, TSS_RSP0(%rcx)
	mov PC_SAVED_RSP(%rbx), %rsp
	mov %rdi, %rax
	RESTORE_CALLEE
	ret

/*
 * int kb_try(kb_fn fn, void *arg, long *ret, struct kb_fault *f)
 * After a fault only RSP (reset by the handler) is trustworthy: the fault
 * may come from anywhere in fn, so ret and f are kept on this frame.
 */
	.globl kb_try, kb_try_landing
kb_try:
	SAVE_CALLEE
	push %rdx			/* ret */
	push %rcx			/* f */
	mov %gs:0, %rbx
	mov %rsp, PC_TRY_RSP(%rbx)
	lea kb_try_landing(%rip), %rax
	mov %rax, PC_TRY_RIP(%rbx)
	movq $1, PC_TRY_ARMED(%rbx)
	mov %rdi, %rax
	mov %rsi, %rdi
	call *%rax
	mov %gs:0, %rbx
	movq $0, PC_TRY_ARMED(%rbx)
	mov 8(%rsp), %rdx
	test %rdx, %rdx
	jz 1f
	mov %rax, (%rdx)
1:	xor %eax, %eax
	jmp 3f
kb_try_landing:			/* from kb_exception: RSP restored, RAX = vector */
	mov %gs:0, %rbx
	mov 0(%rsp), %rdx		/* f */
	test %rdx, %rdx
	jz 3f
	mov PC_TRY_ARMED+8(%rbx), %rcx	/* fault.vector .. fault.cr2 */
	mov %rcx, 0(%rdx)
	mov PC_TRY_ARMED+16(%rbx), %rcx
	mov %rcx, 8(%rdx)
	mov PC_TRY_ARMED+24(%rbx), %rcx
	mov %rcx, 16(%rdx)
	mov PC_TRY_ARMED+32(%rbx), %rcx
	mov %rcx, 24(%rdx)
3:	add $16, %rsp
	RESTORE_CALLEE
	ret
