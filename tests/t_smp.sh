#!/bin/bash
# The smp guest on the real /dev/kvm: bring-up of 1, 2 and 4 vCPUs (directly
# and by INIT/SIPI), every IPI delivered exactly once through xAPIC and
# x2APIC, the litmus tests' forbidden outcomes never seen, topology and CPU
# model checks in CPUID, and pinning read back from the vCPU threads.  No
# figure is asserted: only that each is reported.
. "$(dirname "$0")/lib.sh"
require_kvm

short="-p sample_us=100 -p samples=3 -p rounds=8 -p litmus_ms=50 --no-results"

for n in 1 2 4; do
	timeout 60 "$KB" run smp:bringup smp:sipi --vcpus $n $short >"$TMP/b$n" 2>&1
	ok $? "bringup and sipi on $n vCPU(s) exit 0"
	c=$(grep -cE '^ok [0-9]+ - smp:bringup bringup_apic_id$' "$TMP/b$n")
	ok $([ "$c" -eq $n ]; echo $?) "$n vCPU(s): each checks its LAPIC ID against the boot info ($c)"
	like "$TMP/b$n" '^ok [0-9]+ - smp:bringup bringup_all_arrived$' "$n vCPU(s): all arrived exactly once"
done
like "$TMP/b1" '^ok [0-9]+ - smp:sipi sipi # SKIP ' "sipi SKIPs on 1 vCPU"
for n in 2 4; do
	like "$TMP/b$n" '^ok [0-9]+ - smp:sipi sipi_each_started_once$' "$n vCPUs: INIT, SIPI, SIPI start each AP once"
	like "$TMP/b$n" '^ok [0-9]+ - smp:sipi sipi\.start_latency: [0-9.]+ ns/op' "$n vCPUs: SIPI-to-test latency reported"
done

timeout 60 "$KB" run smp:ipi_xapic smp:ipi_x2apic --vcpus 2 $short >"$TMP/ipi" 2>&1
ok $? "ipi_xapic and ipi_x2apic on 2 vCPUs exit 0"
for m in xapic x2apic; do
	like "$TMP/ipi" "^ok [0-9]+ - smp:ipi_$m ipi_${m}_delivered_once\$" "every $m IPI delivered exactly once"
done
for m in rtt oneway; do
	for r in hlt spin; do
		like "$TMP/ipi" "^ok [0-9]+ - smp:ipi_xapic ipi_$m\.xapic\.$r\.cpl3: [0-9.]+ ns/op" "ipi_$m.xapic.$r.cpl3 reported"
		like "$TMP/ipi" "^ok [0-9]+ - smp:ipi_x2apic ipi_$m\.x2apic\.$r\.cpl0: [0-9.]+ ns/op" "ipi_$m.x2apic.$r.cpl0 reported"
	done
done
timeout 60 "$KB" run smp:ipi_xapic --vcpus 1 $short >"$TMP/ipi1" 2>&1
like "$TMP/ipi1" '^ok [0-9]+ - smp:ipi_xapic .* # SKIP ' "IPI tests SKIP on 1 vCPU"

timeout 60 "$KB" run smp:litmus smp:barrier --vcpus 2 $short >"$TMP/lit" 2>&1
ok $? "litmus and barrier on 2 vCPUs exit 0"
like "$TMP/lit" '^ok [0-9]+ - smp:litmus litmus_mp_forbidden_never$' "message passing never shows r1=1, r2=0"
like "$TMP/lit" '^ok [0-9]+ - smp:litmus litmus_sb_mfence_forbidden_never$' "SB with mfence never shows r1=r2=0"
like "$TMP/lit" '^ok [0-9]+ - smp:litmus litmus_sb\.relaxed: [0-9]+ count$' "SB's allowed relaxed outcome is counted"
like "$TMP/lit" '^ok [0-9]+ - smp:barrier barrier_holds$' "the barrier holds"
like "$TMP/lit" '^ok [0-9]+ - smp:barrier barrier\.cpl3: [0-9.]+ ns/op' "its cost per episode is reported"

# Topology: 2x3x1 gives the 4 vCPUs APIC IDs 0, 1, 2, 4; CPUID and LAPICs agree.
timeout 60 "$KB" run smp:topology smp:bringup --vcpus 4 -k topology=2x3x1 $short >"$TMP/topo" 2>&1
ok $? "topology 2x3x1 with 4 vCPUs exits 0"
unlike "$TMP/topo" '^not ok' "every topology check passes"
for c in cpuid_apic_id cpuid_leaf_0b cpuid_logical_per_package; do
	n=$(grep -cE "^ok [0-9]+ - smp:topology $c\$" "$TMP/topo")
	ok $([ "$n" -eq 4 ]; echo $?) "$c passes on each of the 4 vCPUs ($n)"
done
like "$TMP/topo" '^# smp:bringup vcpu3: vCPU 3: APIC ID 4$' "vCPU 3 is APIC ID 4 (core IDs take 2 bits)"
like "$TMP/topo" '^      apic_id: 4$' "the VMM reports APIC ID 4 for its thread"
# ...and a topology that cannot hold the vCPUs is refused before anything runs.
"$KB" run smp:topology --vcpus 4 -k topology=1x2x1 --no-results >"$TMP/small" 2>&1
r=$?
ok $([ $r -eq 2 ]; echo $?) "1x2x1 cannot hold 4 vCPUs: refused with exit status 2 ($r)"
like "$TMP/small" '^kvmbench run: topology=1x2x1: 1x2x1 has 2 CPU slots, fewer than 4 vCPUs \(smp:topology has 4 vCPUs\)$' "...saying why"
unlike "$TMP/small" '^(not )?ok ' "...and nothing ran"

# CPU models, through the scenario and its expectations for this kind of host.
sed 's/^repeats: .*/repeats: 1/' "$SRC/scenarios/default-topology.yaml" >"$TMP/default-topology.yaml"
timeout 60 "$KB" run --no-results "$TMP/default-topology.yaml" >"$TMP/model" 2>&1
ok $? "default-topology.yaml (host and baseline CPU models) exits 0"
like "$TMP/model" '^ok [0-9]+ - smp:cpu_model cpu_model=host host_has_baseline_core$' "the host model has the baseline's core features"
like "$TMP/model" '^ok [0-9]+ - smp:cpu_model cpu_model=baseline baseline_core_present$' "the baseline model keeps its core features"
like "$TMP/model" '^(ok [0-9]+ - smp:cpu_model cpu_model=baseline baseline_masked|not ok [0-9]+ - smp:cpu_model cpu_model=baseline baseline_masked # TODO .* \[expectation [a-z0-9-]+\])$' \
	"the baseline mask is kept, or this host is known not to keep it (a TODO naming its expectation)"
only_expected "$TMP/model" "every point that is not ok is a TODO naming its expectation"
like "$TMP/model" '^# smp:cpu_model cpu_model=baseline vcpu0: CPUID 1\.EDX ' "the guest lists the features it sees"

# Pinning: read back from each vCPU thread after the run.
timeout 60 "$KB" run smp:barrier --vcpus 2 -k pin=0 $short >"$TMP/pin" 2>&1
like "$TMP/pin" '^ok [0-9]+ - smp:barrier knob pin took effect$' "pin=0: the affinity read back is CPU 0"
n=$(grep -cE '^      affinity: "0"$' "$TMP/pin")
ok $([ "$n" -eq 2 ]; echo $?) "both vCPU threads report affinity 0 ($n)"
done_testing
