// SPDX-License-Identifier: GPL-2.0
/*
 * selftest - tests that must fail, each in a known way, so that the
 * harness's own reporting is tested: a failed check (and beside it a passed
 * check and an observation), an unexpected #PF, a
 * triple fault, a hang, an instruction the host may not emulate, malformed
 * ABI calls.  `kvmbench run selftest` is expected to exit 1.
 */
#include "kb.h"

KB_TEST(fail_check, "a check that fails on purpose, after one that passes and an observation")
{
	kb_check("passing_check", 1, "this one passes");
	kb_observe("observed", 7, "seven", "an observation is never a failure, whatever was seen");
	kb_check("deliberate_failure", 0, "this check fails on purpose");
}

KB_TEST(page_fault, "reads unmapped address 0 at CPL3: #PF, error code 0x4, cr2 0")
{
	kb_log("reading address 0");
	(void)*(volatile uint64_t *)0;
	kb_check("page_fault_reached", 0, "the read of address 0 did not fault");
}

static long do_triple_fault(void *arg)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = { 0, 0 };

	/* No IDT: #UD cannot be delivered, nor can the #DF that follows. */
	asm volatile("lidt %0; ud2" :: "m"(idtr));
	return 0;
}

KB_TEST(triple_fault, "loads an empty IDT at CPL0 and faults: KVM_EXIT_SHUTDOWN")
{
	kb_cpl0(do_triple_fault, 0);
	kb_check("triple_fault_reached", 0, "the guest survived a fault with no IDT");
}

KB_TEST(hang, "spins forever at CPL3: the watchdog must end the run")
{
	for (;;)
		asm volatile("pause");
}

static long do_bad_insn(void *arg)
{
	struct { uint64_t pcid, addr; } desc = { 0, 0 };

	/*
	 * INVPCID: kvm_pvm ends it in KVM_EXIT_INTERNAL_ERROR (emulation
	 * failure); on hardware that runs it, type 4 is invalid and gives #GP.
	 */
	asm volatile("invpcid %0, %1" :: "m"(desc), "r"(4ul) : "memory");
	return 0;
}

KB_TEST(bad_insn, "INVPCID at CPL0: an emulation failure here, #GP on hardware")
{
	kb_cpl0(do_bad_insn, 0);
	kb_check("bad_insn_reached", 0, "invpcid with type 4 did not fail");
}

KB_TEST(bad_call_block, "hands the host a call block outside guest RAM")
{
	kb_outl(KB_PORT_CALL, KB_MMIO_BASE - 8);
	kb_check("bad_call_block_reached", 0, "the host accepted a call block outside RAM");
}

KB_TEST(bad_call_samples, "a metric whose samples lie outside guest RAM")
{
	kb_metric("bogus", "cycles", 1, (const uint64_t *)(KB_MMIO_BASE - 16), 4);
	kb_check("bad_call_samples_reached", 0, "the host accepted samples outside RAM");
}

KB_TEST(bad_call_size, "a call block whose size field disagrees with the ABI")
{
	struct kb_call *c = &kb_this_cpu()->call;

	memset(c, 0, sizeof(*c));
	c->op = KB_OP_LOG;
	c->size = sizeof(*c) + 8;
	kb_outl(KB_PORT_CALL, (uint32_t)(uint64_t)c);
	kb_check("bad_call_size_reached", 0, "the host accepted a call block of the wrong size");
}

KB_TEST(bad_port, "reads a port nothing serves")
{
	(void)kb_inb(0x3f0);
	kb_check("bad_port_reached", 0, "the host served port 0x3f0");
}

KB_TEST(exit_status, "ends with a non-zero done() status")
{
	kb_done(3);
}

static long do_hlt(void *arg)
{
	asm volatile("cli; hlt");
	return 0;
}

KB_TEST(hang_hlt, "hlt at CPL0 with interrupts off: blocks in KVM until the watchdog")
{
	kb_cpl0(do_hlt, 0);
	kb_check("hang_hlt_reached", 0, "hlt with IF=0 returned");
}

static long do_vmcall(void *arg)
{
	asm volatile("vmcall" ::: "memory");
	return 0;
}

KB_TEST(hang_vmcall, "vmcall at CPL0: hangs or fails on kvm_pvm, must not hang the harness")
{
	kb_cpl0(do_vmcall, 0);
	kb_check("hang_vmcall_reached", 0, "vmcall returned to the guest");
}
