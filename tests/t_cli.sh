#!/bin/bash
# The command line: help, errors for bad input, list and host.
. "$(dirname "$0")/lib.sh"

"$KB" --help >"$TMP/h" 2>&1; ok $? "kvmbench --help exits 0"
like "$TMP/h" '^  run SCENARIO.yaml' "--help lists run"
like "$TMP/h" '^  restore ' "--help lists restore"
for c in run list host; do
	"$KB" $c --help >"$TMP/h" 2>&1; ok $? "kvmbench $c --help exits 0"
	like "$TMP/h" "^usage: kvmbench $c" "kvmbench $c --help shows its usage"
done
"$KB" help run >"$TMP/h" 2>&1; like "$TMP/h" '^usage: kvmbench run' "kvmbench help run"
"$KB" frobnicate >"$TMP/e" 2>&1; ok $([ $? -eq 2 ]; echo $?) "an unknown command exits 2"
like "$TMP/e" "unknown command 'frobnicate'" "and says so"
"$KB" run nosuchguest >"$TMP/e" 2>&1; ok $([ $? -eq 2 ]; echo $?) "an unknown guest exits 2"
like "$TMP/e" "no guest 'nosuchguest'" "and names it"
unlike "$TMP/e" '^TAP' "and runs nothing"
"$KB" run ioexit:nosuchtest >"$TMP/e" 2>&1; ok $([ $? -eq 2 ]; echo $?) "an unknown test exits 2"
like "$TMP/e" "guest 'ioexit' has no test 'nosuchtest'" "and names it"
"$KB" run --vcpus 0 ioexit >"$TMP/e" 2>&1; ok $([ $? -eq 2 ]; echo $?) "--vcpus 0 exits 2"
like "$TMP/e" "--vcpus '0': expected a number from 1 to 64" "with the allowed range"
"$KB" run --param nonsense ioexit >"$TMP/e" 2>&1; ok $([ $? -eq 2 ]; echo $?) "a malformed --param exits 2"
like "$TMP/e" "expected NAME=VALUE" "and says what is expected"
"$KB" run >"$TMP/e" 2>&1; ok $([ $? -eq 2 ]; echo $?) "run without targets exits 2"
"$KB" run ../../etc/passwd >"$TMP/e" 2>&1; ok $([ $? -eq 2 ]; echo $?) "a path is not a guest name"

"$KB" list >"$TMP/l" 2>&1; ok $? "kvmbench list exits 0"
for t in baseline pio pio_string mmio cpuid ioeventfd; do
	like "$TMP/l" "^  $t +[a-zA-Z]" "list shows ioexit:$t with a description"
done
like "$TMP/l" '^selftest$' "list shows the selftest guest"

"$KB" host >"$TMP/y" 2>&1; ok $? "kvmbench host exits 0"
like "$TMP/y" '^  paging: (ept|npt|shadow-pvm|shadow|none)$' "host reports a paging mode"
like "$TMP/y" 'logical_cpus: [0-9]+' "host reports the logical CPUs"
python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$TMP/y" 2>/dev/null
r=$?; [ $r -eq 0 ] || perl -MYAML::XS -e 'YAML::XS::LoadFile($ARGV[0])' "$TMP/y" 2>/dev/null && r=0
ok $r "host output is valid YAML"
# Without a usable /dev/kvm (hidden in a private mount namespace): a SKIP, not a failure.
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$0" run --no-results ioexit' "$KB" >"$TMP/nokvm" 2>"$TMP/nokvm.err"
	ok $? "kvmbench run without /dev/kvm exits 0"
	like "$TMP/nokvm" '^1\.\.0 # SKIP no usable /dev/kvm: ' "and is one TAP SKIP with the reason"
	like "$TMP/nokvm.err" 'no usable KVM here' "and says so on stderr"
else
	echo "ok $((T_N += 1)) # SKIP cannot make a mount namespace to hide /dev/kvm"
fi
done_testing
