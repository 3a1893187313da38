#!/bin/bash
# kvmbench compare on the command line: exit status 0/1/2, the terminal
# table, compare.md and compare.csv, and the messages for unusable input.
# The statistics themselves are t_compare.c's.
. "$(dirname "$0")/lib.sh"

# mkrun DIR SCALE CHECK [KERNEL [UNIT]]: a results directory; metric m (ns/op)
# is 15 samples of 100..114 x SCALE, check c is CHECK (1 pass, 0 fail) and
# UNIT how it counts (pass; todo, todo-passed, skip: an expectation covers it)
mkrun() {
	mkdir -p "$1"
	printf 'hostname: fixture\nkernel:\n  release: %s\ncpu:\n  features: %s\nkvm:\n  paging: ept\n' \
		"${4:-6.1}" "${FEATURES:-fpu pae lm}" >"$1/host.yaml"
	{
		echo "scenario,case,guest,test,repeat,vm,vcpu,kind,name,sample,value,unit,cycles,detail,vms,vcpus"
		for i in $(seq 0 14); do
			echo "s,0,g,t,0,0,0,metric,m,$i,$(awk -v i="$i" -v s="$2" 'BEGIN { print (100 + i) * s }'),ns/op,,,1,1"
		done
		echo "s,0,g,t,0,0,0,check,c,,$3,${5:-pass},,,1,1"
		for r in 0 1; do
			echo "s,0,g,t,$r,0,0,observation,o,,${SEEN_VALUE:-1},${SEEN:-kept},,what was read,1,1"
		done
	} >"$1/results.csv"
}

mkrun "$TMP/a" 1 1
mkrun "$TMP/same" 1 1 6.2
mkrun "$TMP/slow" 1.3 1
mkrun "$TMP/fast" 0.7 1
mkrun "$TMP/broken" 1 0

"$KB" compare "$TMP/a" "$TMP/same" >"$TMP/o" 2>&1; ok $? "identical samples: exit 0"
like "$TMP/o" '^verdict: no significant change' "and says no significant change"
like "$TMP/o" '^  kernel +6\.1 +6\.2 +differs' "the kernels side by side, marked"
ok $([ -s "$TMP/same/compare-vs-a/compare.md" ] && [ -s "$TMP/same/compare-vs-a/compare.csv" ]; echo $?) \
	"compare.md and compare.csv in B/compare-vs-A"
like "$TMP/same/compare-vs-a/compare.csv" '^metric,g:t,m,ns/op,lower,15,107,.*,samples,same,' \
	"compare.csv: the metric, tested on samples, same"
like "$TMP/o" 'metric\(s\) on samples, fewer than 5 repeats' "one repeat: the table says what the test cannot see"

"$KB" compare "$TMP/a" "$TMP/slow" -o "$TMP/out" >"$TMP/o" 2>&1
ok $([ $? -eq 1 ]; echo $?) "30% slower: exit 1"
like "$TMP/o" '^  regressed +g:t +m +107 +139\.1 +ns/op +\+30\.0%' "the regression in the table"
like "$TMP/o" '^verdict: REGRESSION: 1 metric' "and the verdict"
like "$TMP/out/compare.md" '^\*\*verdict: REGRESSION' "-o: compare.md where asked"

"$KB" compare --threshold 50 --no-output "$TMP/a" "$TMP/slow" >"$TMP/o" 2>&1; ok $? "--threshold 50: exit 0"
ok $([ ! -e "$TMP/slow/compare-vs-a" ]; echo $?) "--no-output: nothing written"

"$KB" compare --no-output "$TMP/a" "$TMP/fast" >"$TMP/o" 2>&1; ok $? "30% faster: exit 0"
like "$TMP/o" '^  improved ' "an improvement"

"$KB" compare --no-output "$TMP/a" "$TMP/broken" >"$TMP/o" 2>&1
ok $([ $? -eq 1 ]; echo $?) "a newly failing check: exit 1"
like "$TMP/o" '^  newly failing +g:t +c +pass +fail' "listed with both states"
like "$TMP/o" '1 check\(s\) newly failing' "and counted in the verdict"

"$KB" compare --no-output "$TMP/a" "$TMP/same" >/dev/null 2>&1
mkrun "$TMP/flip" 1 0
"$KB" compare -o "$TMP/flipout" "$TMP/a" "$TMP/flip" >/dev/null 2>&1
ok $(awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$TMP/flipout/compare.csv"; echo $?) \
	"compare.csv: metric and check rows have the header's columns"
like "$TMP/flipout/compare.csv" '^check,g:t,c(,){16}newly failing,,,,pass,fail$' "a check row: change, then both states"

# The CPU's flags differ: only the flags one side lacks are shown.
FEATURES="fpu pcid pae invpcid lm" mkrun "$TMP/flagsa" 1 1
FEATURES="fpu pae lm avx" mkrun "$TMP/flagsb" 1 1
"$KB" compare --no-output "$TMP/flagsa" "$TMP/flagsb" >"$TMP/o" 2>&1
like "$TMP/o" '^  cpu\.features +-pcid -invpcid +\+avx +flags only A has' "cpu.features: the flags each side lacks"

# Observations: what was seen otherwise is listed, and never a regression.
SEEN=dropped SEEN_VALUE=0 mkrun "$TMP/dropped" 1 1
"$KB" compare -o "$TMP/obsout" "$TMP/a" "$TMP/dropped" >"$TMP/o" 2>&1
ok $? "an observation seen otherwise: exit 0"
like "$TMP/o" '^observations: 1 matched; 1 seen otherwise' "the observations are counted"
like "$TMP/o" '^  seen otherwise +g:t +o +kept +dropped$' "and listed with what each run saw"
like "$TMP/obsout/compare.csv" '^observation,g:t,o(,){16}seen otherwise,,,,kept,dropped$' \
	"compare.csv has it, with both values"
ok $(awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$TMP/obsout/compare.csv"; echo $?) \
	"compare.csv: an observation row has the header's columns"
"$KB" compare --no-output "$TMP/a" "$TMP/same" >"$TMP/o" 2>&1
like "$TMP/o" '^observations: 1 matched; 0 seen otherwise' "the same value in both: nothing listed"

# Expectations: a known failure (todo) that passes now is fixed; one that a
# SKIP covers is newly skipped; neither fails the comparison.
mkrun "$TMP/todo" 1 0 6.1 todo
mkrun "$TMP/todopassed" 1 1 6.2 todo-passed
mkrun "$TMP/skipped" 1 0 6.2 skip
"$KB" compare --no-output "$TMP/todo" "$TMP/todopassed" >"$TMP/o" 2>&1
ok $? "a TODO that passes now: exit 0"
like "$TMP/o" '^  fixed +g:t +c +todo +pass' "it is listed as fixed, todo -> pass"
"$KB" compare --no-output "$TMP/a" "$TMP/skipped" >"$TMP/o" 2>&1
ok $? "a failure an expectation SKIPs: exit 0"
like "$TMP/o" '^  newly skipped +g:t +c +pass +skip' "it is newly skipped, not newly failing"
"$KB" compare --no-output "$TMP/todo" "$TMP/todo" >"$TMP/o" 2>&1
ok $? "a TODO in both: exit 0"
unlike "$TMP/o" '^  (fixed|newly)' "and nothing changed state"

"$KB" compare "$TMP/a" "$TMP/nosuch" >"$TMP/o" 2>&1; ok $([ $? -eq 2 ]; echo $?) "a missing directory: exit 2"
like "$TMP/o" "nosuch: No such file or directory" "and says which"
mkrun "$TMP/inc" 1 1; echo "interrupted by SIGINT" >"$TMP/inc/INCOMPLETE"
"$KB" compare "$TMP/a" "$TMP/inc" >"$TMP/o" 2>&1; ok $([ $? -eq 2 ]; echo $?) "an incomplete run: exit 2"
like "$TMP/o" "incomplete run \(interrupted by SIGINT\)" "and says why"
sed -i 's/^s,/other,/' "$TMP/inc/results.csv"; rm "$TMP/inc/INCOMPLETE"
"$KB" compare "$TMP/a" "$TMP/inc" >"$TMP/o" 2>&1; ok $([ $? -eq 2 ]; echo $?) "no case in common: exit 2"
like "$TMP/o" "no case in common \(scenarios s and other\)" "and says so"
"$KB" compare "$TMP/a" >"$TMP/o" 2>&1; ok $([ $? -eq 2 ]; echo $?) "one directory: exit 2"
like "$TMP/o" "expected two results directories" "and says so"
"$KB" compare --alpha 2 "$TMP/a" "$TMP/same" >"$TMP/o" 2>&1; ok $([ $? -eq 2 ]; echo $?) "--alpha 2: exit 2"
like "$TMP/o" "--alpha '2': expected a number" "and says so"
"$KB" compare --help >"$TMP/o" 2>&1; ok $? "--help exits 0"
like "$TMP/o" '^usage: kvmbench compare' "and shows the usage"
done_testing
