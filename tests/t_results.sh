#!/bin/bash
# Scenarios end to end: the results directory, TODO expectations matched on
# this host's fingerprint, --dry-run, and an interrupted run kept as incomplete.
. "$(dirname "$0")/lib.sh"
require_kvm
export KVMBENCH_STATE_DIR="$TMP/state"
paging=$("$KB" host | sed -n 's/^  paging: //p')

cat >"$TMP/todo.yaml" <<YAML
name: todo-test
tests: [selftest:fail_check, ioexit:cpuid]
params: {samples: 3, sample_us: 100}
matrix:
  vcpus: [1, 2]
expect:
  - check: "selftest:fail_check deliberate_*"
    when: {paging: "$paging"}
    todo: a known failure on $paging hosts
YAML
"$KB" run --dry-run "$TMP/todo.yaml" >"$TMP/dry" 2>&1
ok $? "--dry-run exits 0"
like "$TMP/dry" '4 cases' "--dry-run counts 2 tests x 2 vcpus"
like "$TMP/dry" 'selftest:fail_check vcpus=2' "--dry-run lists the cases"

# exclude may name tests: here vcpus=2 only for selftest:fail_check.
sed 's/^expect:/exclude:\n  - {test: "ioexit:*", vcpus: 2}\nexpect:/' "$TMP/todo.yaml" >"$TMP/ex.yaml"
"$KB" run --dry-run "$TMP/ex.yaml" >"$TMP/dry2" 2>&1
like "$TMP/dry2" '3 cases' "an exclude with test: drops vcpus=2 for the ioexit test only"
unlike "$TMP/dry2" 'ioexit:cpuid vcpus=2' "that case is gone"

"$KB" run --results "$TMP/res" "$TMP/todo.yaml" >"$TMP/out" 2>"$TMP/err"
ok $? "a run whose only failure is a TODO exits 0"
like "$TMP/out" '^not ok [0-9]+ - selftest:fail_check vcpus=1 deliberate_failure # TODO a known failure on' \
	"the expected failure is not ok, marked TODO with the reason"
like "$TMP/out" '^ok [0-9]+ - selftest:fail_check vcpus=2 passing_check$' "other checks are untouched"
dir=$(ls -d "$TMP"/res/*/ 2>/dev/null | head -1)
ok $([ -n "$dir" ]; echo $?) "a results directory was made ($dir)"
for f in host.yaml scenario.yaml results.csv run.tap summary.md; do
	ok $([ -s "$dir/$f" ]; echo $?) "it holds $f"
done
ok $([ ! -e "$dir/INCOMPLETE" ]; echo $?) "a finished run is not marked incomplete"
ok $(ls "$dir" | grep -q '\.tmp$'; [ $? -ne 0 ]; echo $?) "no temporary file is left"
like "$dir/results.csv" '^scenario,case,guest,test,repeat,vm,vcpu,kind,name,sample,value,unit,cycles,detail,vms,vcpus,memory_mb' \
	"results.csv has its header"
like "$dir/results.csv" '^todo-test,[0-9]+,ioexit,cpuid,0,0,1,metric,cpuid.cpl3,2,[0-9.e+]+,ns/op,[0-9.e+]+,,1,2,64' \
	"one row per case x metric x sample, with the knob columns"
like "$dir/results.csv" ',check,deliberate_failure,,0,todo,' "checks are rows too (an expected failure says todo)"
cmp -s "$dir/run.tap" "$TMP/out"
ok $? "run.tap is the TAP that was printed"
like "$dir/summary.md" '^\| ioexit:cpuid vcpus=2 \| cpuid.cpl3 \| [0-9.]+ ' "summary.md has the median table"
like "$dir/summary.md" ' 3 TODO' "summary.md counts the TODOs (1 at vcpus=1, one per vCPU at vcpus=2)"
like "$dir/host.yaml" "paging: $paging" "host.yaml has the fingerprint"
like "$dir/scenario.yaml" 'vcpus: 2' "scenario.yaml has the expanded cases"
python3 -c 'import sys,yaml; [yaml.safe_load(open(f)) for f in sys.argv[1:]]' "$dir/host.yaml" "$dir/scenario.yaml"
ok $? "host.yaml and scenario.yaml are valid YAML"

# Without the expectation the same failure fails the run.
sed '/^expect:/,$d' "$TMP/todo.yaml" >"$TMP/notodo.yaml"
"$KB" run --no-results "$TMP/notodo.yaml" >"$TMP/out2" 2>&1
ok $([ $? -eq 1 ]; echo $?) "without the expectation the run exits 1"
like "$TMP/out2" '^not ok [0-9]+ - selftest:fail_check vcpus=1 deliberate_failure$' "and the check is plainly not ok"

# An interrupted run keeps what finished and says it is incomplete.
cat >"$TMP/hang.yaml" <<YAML
tests: [ioexit:cpuid, selftest:hang]
timeout: 60
params: {samples: 3, sample_us: 100}
YAML
"$KB" run --results "$TMP/int" "$TMP/hang.yaml" >"$TMP/out3" 2>&1 &
pid=$!
for i in $(seq 100); do grep -q 'selftest:hang' "$TMP/out3" 2>/dev/null && break; sleep 0.1; done
kill -INT $pid
wait $pid
r=$?
ok $([ $r -eq 130 ]; echo $?) "SIGINT ends the run with status 130 (got $r)"
idir=$(ls -d "$TMP"/int/*/ | head -1)
like "$idir/INCOMPLETE" 'interrupted' "the directory is marked incomplete"
like "$idir/summary.md" 'INCOMPLETE' "summary.md says so"
like "$idir/results.csv" ',cpuid,' "and keeps the case that finished"
ok $([ ! -e "$KVMBENCH_STATE_DIR/journal" ]; echo $?) "no journal is left behind"

"$KB" run --no-results "$TMP/missing.yaml" >"$TMP/e" 2>&1
ok $([ $? -eq 2 ]; echo $?) "a missing scenario file exits 2"
done_testing
