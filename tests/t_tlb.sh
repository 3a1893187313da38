#!/bin/bash
# tlb on the real /dev/kvm through scenarios/tlb.yaml (with short samples):
# every check passes or is a SKIP/TODO whose reason fits this host, every
# cost is reported, and the same scenario with its expectations removed or
# aimed at another kind of host fails.
. "$(dirname "$0")/lib.sh"
require_kvm

# The source tree: build/tests/x.t and build/asan/tests/x.t both sit below it.
SRC=$(cd "$(dirname "$0")" && while [ ! -f scenarios/tlb.yaml ] && [ "$PWD" != / ]; do cd ..; done; pwd)
if [ ! -f "$SRC/scenarios/tlb.yaml" ]; then
	echo "1..0 # SKIP scenarios/tlb.yaml not found above $(dirname "$0")"
	exit 0
fi
paging=$("$KB" host | sed -n 's/^  paging: //p')

# This test asserts behaviour, not durations: one run per case, short samples.
sed -e 's/^repeats: .*/repeats: 1/' -e 's/^warmup: .*/warmup: 0/' \
    -e 's/^  sample_us: .*/  sample_us: 100/' -e 's/^  samples: .*/  samples: 3/' \
    -e 's/^  rounds: .*/  rounds: 8/' "$SRC/scenarios/tlb.yaml" >"$TMP/tlb.yaml"
"$KB" run --dry-run "$TMP/tlb.yaml" >"$TMP/dry" 2>&1
like "$TMP/dry" '12 cases' "the scenario is valid: 6 tests x vcpus 1, 2"

timeout 60 "$KB" run --no-results "$TMP/tlb.yaml" >"$TMP/out" 2>"$TMP/err"
r=$?
ok $r "kvmbench run tlb.yaml exits 0 (got $r)"
like "$TMP/out" '^1\.\.[0-9]+$' "the TAP stream is complete"
grep -E '^not ok' "$TMP/out" | grep -v ' # TODO ' >"$TMP/fails"
ok $([ ! -s "$TMP/fails" ]; echo $?) "every point that is not ok is a known TODO"
sed 's/^/#   /' "$TMP/fails" | head -5

# Checks every host must pass, on each vCPU count.
for v in 1 2; do
	for c in invlpg:invlpg_new_translation cr3:cr3_same_drops_nonglobal \
		 cr3:pge_toggle_drops_global cr3:cr3_other_drops_nonglobal costs:cr3_restored; do
		like "$TMP/out" "^ok [0-9]+ - tlb:${c%%:*} vcpus=$v ${c#*:}\$" "vcpus=$v: ${c#*:} passes"
	done
done
like "$TMP/out" "^  detail: read B after invlpg \(want B\); A before the PTE change, " \
	"the invlpg check says what it read around the flush"

# Cross-vCPU shootdown: SKIP on 1 vCPU, two waiting modes checked on 2.
like "$TMP/out" '^ok [0-9]+ - tlb:shootdown vcpus=1 shootdown # SKIP needs 2 or more vCPUs; this VM has 1$' \
	"the shootdown SKIPs on 1 vCPU with the reason"
for m in spin hlt; do
	n=$(grep -cE "^ok [0-9]+ - tlb:shootdown vcpus=2 shootdown_${m}_no_stale\$" "$TMP/out")
	ok $([ "$n" -eq 2 ]; echo $?) "shootdown_${m}_no_stale passes on the initiator and the receiver ($n)"
done
like "$TMP/out" '^  detail: "vCPU 1 spinning at CPL3: read the new page after its ack in 8 of 8 rounds, the old one before the IPI in 8"$' \
	"the receiver reports what it read before and after its ack"
like "$TMP/out" '^# tlb:shootdown vcpus=2 vcpu1: control, no invlpg in the handler: ' \
	"the control rounds without a remote invlpg are reported"

# Costs: at CPL0, beside the empty CPL0 loop of the same test.
for m in empty_loop invlpg mov_cr3_same mov_cr3_other cr4_pge_toggle; do
	like "$TMP/out" "^ok [0-9]+ - tlb:costs vcpus=1 $m\.cpl0: [0-9.]+ ns/op \([0-9]+ cycles\)\$" \
		"$m.cpl0 is reported"
done
for m in recv_spin_cpl3 recv_hlt_cpl0; do
	like "$TMP/out" "^ok [0-9]+ - tlb:shootdown vcpus=2 shootdown\.$m: [0-9.]+ ns/op \([0-9]+ cycles\)\$" \
		"shootdown.$m is reported"
done
like "$TMP/out" '^  iterations_per_sample: 1$' "a shootdown sample is one shootdown"

# PCID and INVPCID run only where CPUID has them, and never silently vanish.
for c in pcid_other_walks_anew pcid_noflush_keeps_other pcid_flush_drops_own; do
	like "$TMP/out" "^(ok [0-9]+ - tlb:pcid vcpus=1 $c( # SKIP .*(CR4\.PCIDE.*raised|PCID \(bit 17\) is 0).*)?|not ok [0-9]+ - tlb:pcid vcpus=1 $c # TODO .*)\$" \
		"$c ran, or was skipped for want of PCIDs"
done
like "$TMP/out" '^(ok|not ok) [0-9]+ - tlb:invpcid vcpus=1 (invpcid_addr|invpcid # SKIP .*INVPCID \(bit 10\) is 0|vcpu0: .* # TODO .*)' \
	"INVPCID ran (or ended the VM, a TODO), or CPUID does not offer it"

if [ "$paging" = shadow-pvm ]; then
	like "$TMP/out" '^ok [0-9]+ - tlb:pcid vcpus=1 pcid_noflush_keeps_other # SKIP CPUID\.1:ECX reports PCID, but setting CR4\.PCIDE .* raised #GP \(vector 13' \
		"kvm_pvm: PCID is in CPUID but CR4.PCIDE gives #GP: SKIP with that reason"
	like "$TMP/out" '^not ok [0-9]+ - tlb:invpcid vcpus=1 vcpu0: internal-error: KVM internal error, suberror 1 .*instruction bytes: 66 0f 38 82.* # TODO kvm_pvm reports INVPCID' \
		"kvm_pvm: INVPCID ends the VM: the case is a TODO with the reason"
	like "$TMP/out" '^not ok [0-9]+ - tlb:cr3 vcpus=1 cr3_same_keeps_global # TODO shadow paging' \
		"kvm_pvm: a global translation does not survive mov cr3: TODO with the reason"
	like "$TMP/out" '^  detail: global VA read B after mov cr3 \(same root; kept = A\), A before the PTE change, A after it without a flush$' \
		"and the detail says what was read"

	# Without the expectations, or with them aimed at another host, the run fails.
	sed '/^expect:/,$d' "$TMP/tlb.yaml" >"$TMP/noexpect.yaml"
	timeout 60 "$KB" run --no-results "$TMP/noexpect.yaml" >"$TMP/out2" 2>&1
	r=$?
	ok $([ $r -eq 1 ]; echo $?) "without its expectations the scenario exits 1 here (got $r)"
	like "$TMP/out2" '^not ok [0-9]+ - tlb:cr3 vcpus=1 cr3_same_keeps_global$' "the global check is plainly not ok"
	like "$TMP/out2" '^not ok [0-9]+ - tlb:invpcid vcpus=1 vcpu0: internal-error: .*\(rip 0x[0-9a-f]+\)$' \
		"the INVPCID case is plainly not ok"
	unlike "$TMP/out2" ' # TODO ' "and nothing is a TODO"

	sed 's/paging: shadow-pvm/paging: ept/' "$TMP/tlb.yaml" >"$TMP/ept.yaml"
	timeout 60 "$KB" run --no-results "$TMP/ept.yaml" >"$TMP/out3" 2>&1
	r=$?
	ok $([ $r -eq 1 ]; echo $?) "with the expectations aimed at EPT hosts it exits 1 here (got $r)"
	unlike "$TMP/out3" ' # TODO ' "no expectation matches this host"
fi
done_testing
