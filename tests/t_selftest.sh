#!/bin/bash
# selftest: each deliberate failure is reported as `not ok` with the right
# reason, and the run goes on to the next case.
. "$(dirname "$0")/lib.sh"
require_kvm

# One run of every case: the hang must be ended by the watchdog (2 s), and
# `timeout` turns a hung harness into a failure instead of a hung test.
timeout 120 "$KB" run --no-results --timeout 2 selftest >"$TMP/out" 2>"$TMP/err"
r=$?
ok $([ $r -eq 1 ]; echo $?) "kvmbench run selftest exits 1 (got $r)"
like "$TMP/out" '^not ok [0-9]+ - selftest:fail_check deliberate_failure$' "a failed check is not ok"
like "$TMP/out" '^ok [0-9]+ - selftest:fail_check passing_check$' "the check before it passed"
like "$TMP/out" '^not ok [0-9]+ - selftest:page_fault vcpu0: unexpected exception \\#PF \(vector 14\) at rip 0x[0-9a-f]+, error code 0x4, cr2 0$' \
	"an unexpected #PF is reported with vector, error code and cr2"
like "$TMP/out" '^    cr2: "0x0"$' "the register dump holds cr2"
like "$TMP/out" '^not ok [0-9]+ - selftest:triple_fault vcpu0: shutdown: triple fault' "a triple fault is reported"
like "$TMP/out" '^not ok [0-9]+ - selftest:hang vcpu0: timeout: watchdog.*\(rip 0x[0-9a-f]+\)$' \
	"a hang is ended by the watchdog, with the last RIP"
# INVPCID type 4: #GP where CPUID offers INVPCID, #UD where it does not,
# or an emulation failure on a host that cannot emulate it (kvm_pvm).
like "$TMP/out" '^not ok [0-9]+ - selftest:bad_insn vcpu0: (internal-error: KVM internal error, suberror [0-9]+ .*instruction bytes: 66 0f 38 82|unexpected exception \\#(GP|UD))' \
	"an instruction the host cannot run is reported (emulation failure, or #GP/#UD as CPUID has it)"
like "$TMP/out" '^not ok [0-9]+ - selftest:bad_call_block vcpu0: bad-call: call block at GPA 0xbffffff8 is outside guest RAM' \
	"a call block outside RAM is refused"
like "$TMP/out" '^not ok [0-9]+ - selftest:bad_call_samples vcpu0: bad-call: metric samples at GPA 0xbffffff0 are outside guest RAM' \
	"metric samples outside RAM are refused"
like "$TMP/out" '^not ok [0-9]+ - selftest:bad_call_size vcpu0: bad-call: call block of [0-9]+ bytes: guest and host ABI differ' \
	"a call block of the wrong size is refused"
like "$TMP/out" '^not ok [0-9]+ - selftest:bad_port vcpu0: unexpected-exit: in of 1 x 1 bytes on port 0x3f0' \
	"a port nothing serves is reported"
like "$TMP/out" '^not ok [0-9]+ - selftest:exit_status vcpu0: the guest ended with status 3$' \
	"a non-zero done() status fails the case"
like "$TMP/out" '^not ok [0-9]+ - selftest:hang_hlt vcpu0: timeout: watchdog' \
	"hlt with interrupts off (blocked inside KVM) is ended by the watchdog"
# vmcall hangs on kvm_pvm; elsewhere KVM takes it as a hypercall and returns
# (the test's check then fails), or it faults: never a hung harness.
like "$TMP/out" '^not ok [0-9]+ - selftest:hang_vmcall (vcpu0: (timeout: watchdog|internal-error|unexpected exception)|hang_vmcall_reached$)' \
	"vmcall (hangs on kvm_pvm, returns as a hypercall elsewhere) does not hang the harness"
like "$TMP/out" '^# 12 cases, 12 failed$' "every case ran despite the failures before it"
like "$TMP/out" '^1\.\.[0-9]+$' "the TAP stream is complete"

# A guest left hanging on 2 vCPUs: both vCPU threads are kicked out.
timeout 60 "$KB" run --no-results -n 2 --timeout 1 selftest:hang >"$TMP/hang2" 2>&1
ok $([ $? -eq 1 ]; echo $?) "a 2-vCPU hang ends by the watchdog"
like "$TMP/hang2" 'selftest:hang vcpu[01]: timeout' "and is reported as a timeout"
done_testing
