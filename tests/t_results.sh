#!/bin/bash
# Scenarios end to end: the results directory, TODO expectations matched on
# this host's fingerprint (a scenario's own, and an expectations file's: held,
# stale, SKIP), observations, --dry-run, and an interrupted run kept as
# incomplete.
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
like "$dir/summary.md" "^- $TMP/todo.yaml:[0-9]+ \(TODO \`selftest:fail_check deliberate_\*\`\): held in 3 points: a known failure" \
	"summary.md says the scenario's expectation held in 3 points"
# Observations: an ok point with what was seen, a CSV row, a summary line.
like "$TMP/out" '^ok [0-9]+ - selftest:fail_check vcpus=1 observed \(observation\)$' "an observation is an ok point"
like "$TMP/out" '^  class: observation$' "its YAML block says it is an observation"
like "$TMP/out" '^  seen: seven$' "and what was seen"
like "$dir/results.csv" ',observation,observed,,7,seven,,"?an observation is never a failure' \
	"an observation is a CSV row of kind observation: value, word, detail"
like "$dir/summary.md" '^- selftest:fail_check vcpus=2 observed: seven in 2 of 2$' \
	"summary.md lists it once per case, with how often each value was seen"
like "$dir/summary.md" ' 3 observations$' "and counts the observations"
like "$dir/host.yaml" "paging: $paging" "host.yaml has the fingerprint"
like "$dir/scenario.yaml" 'vcpus: 2' "scenario.yaml has the expanded cases"
python3 -c 'import sys,yaml; [yaml.safe_load(open(f)) for f in sys.argv[1:]]' "$dir/host.yaml" "$dir/scenario.yaml"
ok $? "host.yaml and scenario.yaml are valid YAML"

# Without the expectation the same failure fails the run.
sed '/^expect:/,$d' "$TMP/todo.yaml" >"$TMP/notodo.yaml"
"$KB" run --no-results "$TMP/notodo.yaml" >"$TMP/out2" 2>&1
ok $([ $? -eq 1 ]; echo $?) "without the expectation the run exits 1"
like "$TMP/out2" '^not ok [0-9]+ - selftest:fail_check vcpus=1 deliberate_failure$' "and the check is plainly not ok"

# An expectations file applies to every run: a TODO that holds, one that
# passes (no longer needed: prove's "TODO passed", summary.md, a TAP comment)
# and a SKIP that keeps a case from running at all.
mkdir -p "$TMP/ex"
cat >"$TMP/ex/test.yaml" <<YAML
- id: held-here
  check: "selftest:fail_check deliberate_failure"
  when: {paging: "$paging"}
  todo: fails on purpose
  why: the selftest guest's deliberate failure
  seen: t_results.sh
- id: stale-here
  check: "selftest:fail_check passing_check"
  when: {paging: "$paging", kernel: "$(uname -r)"}
  todo: said to fail, but passes
  why: a TODO that passes is reported as no longer needed
  seen: t_results.sh
- id: not-run-here
  check: "selftest:hang case"
  skip: would spin until the watchdog
  why: a SKIP on a case keeps it from running
  seen: t_results.sh
- id: other-host
  check: "selftest:fail_check passing_check"
  when: {paging: "$paging", kernel: "not-$(uname -r)"}
  skip: never applies here
  why: keyed to another kernel
  seen: t_results.sh
YAML
cat >"$TMP/plain.yaml" <<YAML
name: plain
tests: [selftest:fail_check, selftest:hang]
timeout: 60
YAML
start=$(date +%s)
"$KB" run --results "$TMP/res2" --expectations "$TMP/ex" "$TMP/plain.yaml" >"$TMP/out4" 2>&1
r=$?
took=$(( $(date +%s) - start ))
ok $r "a run whose failures the expectations cover exits 0 (got $r)"
like "$TMP/out4" '^not ok [0-9]+ - selftest:fail_check deliberate_failure # TODO fails on purpose \[expectation held-here\]$' \
	"a failure an entry covers is a TODO naming the entry"
like "$TMP/out4" '^ok [0-9]+ - selftest:fail_check passing_check # TODO said to fail, but passes \[expectation stale-here\]$' \
	"a pass under a TODO is 'ok # TODO': a TODO that passed"
like "$TMP/out4" '^ok [0-9]+ - selftest:hang # SKIP would spin until the watchdog \[expectation not-run-here\]$' \
	"a case a SKIP entry covers is not run"
ok $([ $took -lt 30 ]; echo $?) "so its 60 s watchdog never ran (the run took ${took} s)"
like "$TMP/out4" '^# expectation no longer needed on this host: stale-here \(TODO selftest:fail_check passing_check: passed in 1 point' \
	"the run says which entry is no longer needed"
like "$TMP/out4" '^# expectation held-here \(TODO selftest:fail_check deliberate_failure\): held in 1 point, passed in 0$' \
	"and which held"
unlike "$TMP/out4" 'other-host' "an entry keyed to another kernel does not apply"
dir2=$(ls -d "$TMP"/res2/*/ 2>/dev/null | head -1)
prove --exec cat "$dir2/run.tap" >"$TMP/prove" 2>&1
like "$TMP/prove" 'TODO passed: +[0-9]+' "prove reports the TODO that passed"
like "$dir2/summary.md" '^- expectation no longer needed on this host: stale-here \(TODO `selftest:fail_check passing_check`\): passed in 1 point' \
	"summary.md says the entry is no longer needed"
like "$dir2/results.csv" ',check,passing_check,,1,todo-passed,' "its CSV row says todo-passed"
like "$dir2/results.csv" ',check,deliberate_failure,,0,todo,' "the held one's says todo"
like "$dir2/results.csv" ',skip,case,,,,,"?would spin until the watchdog \[expectation not-run-here\]' \
	"the case not run is a skip row with the reason"
"$KB" run --no-results --expectations none selftest:fail_check >"$TMP/out5" 2>&1
ok $([ $? -eq 1 ]; echo $?) "--expectations none: the same failure fails the run"
like "$TMP/out5" '^not ok [0-9]+ - selftest:fail_check deliberate_failure$' "and is plainly not ok"

# A scenario's own expect: entry may be a SKIP: the failing check is ok # SKIP.
cat >"$TMP/skip.yaml" <<YAML
tests: [selftest:fail_check]
expect:
  - check: "selftest:fail_check deliberate_failure"
    skip: this host cannot
YAML
"$KB" run --no-results --expectations none "$TMP/skip.yaml" >"$TMP/out6" 2>&1
ok $? "a failure a SKIP entry covers does not fail the run"
like "$TMP/out6" "^ok [0-9]+ - selftest:fail_check deliberate_failure # SKIP this host cannot \[$TMP/skip.yaml:3\]$" \
	"it is 'ok # SKIP' with the reason and where the entry is"

# An interrupted run keeps what finished and says it is incomplete.
cat >"$TMP/hang.yaml" <<YAML
tests: [ioexit:cpuid, selftest:hang]
timeout: 60
params: {samples: 3, sample_us: 100}
YAML
"$KB" run --results "$TMP/int" "$TMP/hang.yaml" >"$TMP/out3" 2>&1 &
pid=$!
# The first case's own point: the run is under way (its handlers set) and
# the hang has begun, on a fast host or a slow one.
for i in $(seq 600); do grep -q 'ioexit:cpuid ran to completion' "$TMP/out3" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
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
