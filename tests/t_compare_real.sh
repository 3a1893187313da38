#!/bin/bash
# kvmbench compare on real runs (the real /dev/kvm): from 5 repeats a side
# the test is on the repeats' medians, one per VM; with fewer, on the
# samples, and the report says so.  No verdict is asserted: two real runs
# may differ, and this is not a timed test.
. "$(dirname "$0")/lib.sh"
require_kvm

run() {	# run DIR REPEATS
	mkdir -p "$TMP/$1"
	timeout 120 "$KB" run -r "$2" -p samples=5 -p sample_us=200 -o "$TMP/$1" ioexit:baseline \
		>"$TMP/$1.out" 2>&1
	ok $? "ioexit:baseline with $2 repeats exits 0"
}

run a 5
run b 5
run c 4
A=$(echo "$TMP"/a/*/) B=$(echo "$TMP"/b/*/) C=$(echo "$TMP"/c/*/)
like "$TMP/a.out" '^ok [0-9]+ - ioexit:baseline \[5/5\] ran to completion' "the fifth repeat ran"

"$KB" compare -o "$TMP/ab" "$A" "$B" >"$TMP/ab.out" 2>&1
r=$?
ok $([ $r -le 1 ]; echo $?) "5 against 5 repeats: compared (exit $r)"
n=$(awk -F, 'NR > 1 && $1 == "metric"' "$TMP/ab/compare.csv" | wc -l)
ok $([ "$n" -gt 0 ]; echo $?) "metrics matched ($n)"
bad=$(awk -F, 'NR > 1 && $1 == "metric" && ($6 != 5 || $10 != 5 || $18 != "repeats")' "$TMP/ab/compare.csv" | wc -l)
ok $([ "$bad" -eq 0 ]; echo $?) "every metric tested on 5/5 repeats' medians ($bad not)"
unlike "$TMP/ab.out" 'on samples, fewer than 5 repeats' "and no note about samples"

"$KB" compare --no-output -a "$A" "$C" >"$TMP/ac.out" 2>&1
r=$?
ok $([ $r -le 1 ]; echo $?) "5 against 4 repeats: compared (exit $r)"
like "$TMP/ac.out" "^  $n metric\\(s\\) on samples, fewer than 5 repeats" "all $n on samples, and said so"
like "$TMP/ac.out" ' 25/20 samples ' "a metric's samples: 5 x 5 against 4 x 5"
done_testing
