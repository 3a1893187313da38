#!/bin/bash
# CPU overcommit on the real /dev/kvm: 2 vCPUs per host CPU as many small VMs
# (run at once in one process, their figures pooled) and as one big VM; each
# completes, every vCPU is accounted for, the table and verdict are written.
. "$(dirname "$0")/lib.sh"
require_kvm

cpus=$(nproc)
n=$((cpus * 2))

# one pass: what is under test is the overcommit, not the tour's repeats
sed 's/^repeats: .*/repeats: 1/' "$SRC/scenarios/default-overcommit.yaml" >"$TMP/default-overcommit.yaml"
timeout 120 "$KB" run -o "$TMP/res" "$TMP/default-overcommit.yaml" >"$TMP/out" 2>"$TMP/err"
ok $? "default-overcommit.yaml exits 0"
unlike "$TMP/out" '^not ok' "every point passes"
like "$TMP/out" "^  vms: $n\$" "many-vms: $n VMs of 1 vCPU ran ($cpus CPUs x 2)"
like "$TMP/out" "^  vcpus: $n\$" "one-vm: 1 VM of $n vCPUs ran"
c=$(grep -c '^  vcpus_per_host_cpu: 2$' "$TMP/out")
ok $([ "$c" -eq 2 ]; echo $?) "both cases ran at 2 vCPUs per host CPU ($c)"
c=$(grep -cE "^    vm[0-9]+_vcpu0:\$" "$TMP/out")
ok $([ "$c" -eq $n ]; echo $?) "many-vms: every VM's vCPU thread is reported ($c)"
like "$TMP/out" "^  vcpus_reporting: $n\$" "pooled metrics come from all $n vCPUs"
like "$TMP/out" "^  vms_reporting: $n\$" "...of all $n VMs"
for m in progress.free progress.sync barrier.cpl3 ipi_self_rtt.xapic.cpl3; do
	like "$TMP/out" "^ok [0-9]+ - smp:overcommit overcommit_pattern=many-vms $m: " "many-vms: $m reported"
done
for m in progress.free progress.sync barrier.cpl3 ipi_rtt.xapic.hlt.cpl3; do
	like "$TMP/out" "^ok [0-9]+ - smp:overcommit overcommit_pattern=one-vm $m: " "one-vm: $m reported"
done
like "$TMP/out" '^ok [0-9]+ - smp:overcommit overcommit_pattern=many-vms overcommit_ipi_delivered_once$' "every self-IPI delivered once, in every VM"
like "$TMP/out" "^  passed: $n of $n\$" "a pooled check counts its VMs"
like "$TMP/out" '^      guest_s: [0-9.e-]+$' "vCPU threads report guest time"
like "$TMP/out" '^  host_context_switches: [0-9]+$' "the host's context switches over the run"
like "$TMP/out" '^# \| 2 \| many-vms \| [0-9]+ x 1 \| ' "the table has the many-vms row"
like "$TMP/out" '^# \| 2 \| one-vm \| 1 x [0-9]+ \| ' "...and the one-vm row"
like "$TMP/out" '^# verdict: many small guests beat one oversized guest at [0-9] of 1 levels' "and a verdict"
dir=$(ls -d "$TMP"/res/*/ | head -1)
like "$dir/overcommit-default-overcommit.md" '^\| 2 \| one-vm \| ' "overcommit-default-overcommit.md holds the table"
c=$(grep -cE '^default-overcommit,0,smp,overcommit,0,[0-9]+,0,thread,user_s,' "$dir/results.csv")
ok $([ "$c" -eq $n ]; echo $?) "results.csv: one user_s row per VM ($c)"
like "$dir/results.csv" "^default-overcommit,0,smp,overcommit,0,[0-9]+,0,metric,progress\.free,0,[0-9.e+]+,units/s,,,$n,1," \
	"results.csv: pooled samples keep their VM, with the case's VM count"

# More than kvmbench can run: a SKIP that says why, not a failure.
"$KB" run smp:overcommit -k overcommit=64 -k overcommit_pattern=one-vm --no-results >"$TMP/big" 2>&1
ok $? "an impossible level exits 0"
like "$TMP/big" "^ok 1 - smp:overcommit # SKIP overcommit=64 on $cpus CPUs needs a VM of $((cpus * 64)) vCPUs; kvmbench VMs have at most 64\$" \
	"...as a SKIP with the reason"
done_testing
