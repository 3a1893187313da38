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
# kvmbench host lists the expectations that match the host it describes.
"$KB" host --root "$SRC/tests/fixtures/host/pvm" --expectations "$SRC/expectations" >"$TMP/hx" 2>&1
ok $? "kvmbench host --root FIXTURE --expectations DIR exits 0"
like "$TMP/hx" "^  source: $SRC/expectations\$" "it names where the expectations came from"
for id in pvm-cpuid-cpl3-host-leaves pvm-pcide-gp pvm-invpcid-ends-vm pvm-cpuid-mask-not-kept pvm-htt-kept; do
	like "$TMP/hx" "^    - id: $id\$" "a v669 kvm_pvm host matches $id"
done
like "$TMP/hx" '^      when: paging shadow-pvm, cpuid \+pcid$' "each with the host keys it matched on"
python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' "$TMP/hx" 2>/dev/null
ok $? "host output with expectations is valid YAML"
"$KB" host --root "$SRC/tests/fixtures/host/pvm-v1272" --expectations "$SRC/expectations" >"$TMP/hx" 2>&1
ok $([ "$(grep -c '^    - id: ' "$TMP/hx")" -eq 2 ]; echo $?) "a v1272 kvm_pvm host matches two entries"
unlike "$TMP/hx" 'id: pvm-(pcide-gp|invpcid-ends-vm|cpuid-cpl3-host-leaves)' \
	"not those keyed to host flags v1272 no longer has"
"$KB" host --root "$SRC/tests/fixtures/host/intel-ept" --expectations "$SRC/expectations" >"$TMP/hx" 2>&1
like "$TMP/hx" '^  matching: \[\]$' "an Intel EPT host matches none"
"$KB" host --expectations none >"$TMP/hx" 2>&1
like "$TMP/hx" '^  entries: 0$' "--expectations none: no entries"
printf -- '- id: x\n  check: "tlb:cr3 x"\n  todo: t\n  why: w\n  seen: s\n  when: {pagin: npt}\n' >"$TMP/bad.yaml"
"$KB" host --expectations "$TMP/bad.yaml" >"$TMP/hx" 2>&1
ok $([ $? -eq 2 ]; echo $?) "a bad expectations file: kvmbench host exits 2"
like "$TMP/hx" "^kvmbench host: expectations: $TMP/bad.yaml:6:10: when: unknown key 'pagin' \(did you mean 'paging'\?\)\$" \
	"with FILE:LINE:COL and the closest key"
"$KB" run --no-results --expectations "$TMP/bad.yaml" ioexit:baseline >"$TMP/hx" 2>&1
ok $([ $? -eq 2 ]; echo $?) "kvmbench run --expectations BAD exits 2"
unlike "$TMP/hx" '^TAP' "and runs nothing"
KVMBENCH_EXPECTATIONS="$TMP/bad.yaml" "$KB" run --no-results ioexit:baseline >"$TMP/hx" 2>&1
ok $([ $? -eq 2 ]; echo $?) "so does \$KVMBENCH_EXPECTATIONS naming it"

# Without a usable /dev/kvm: a SKIP, not a failure.  Where this host has one,
# it is hidden in a private mount namespace; where it has none, as is.
nokvm() {
	if [ ! -e /dev/kvm ]; then
		"$KB" run --no-results ioexit
	elif command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
		unshare -m sh -c 'mount --bind /dev/null /dev/kvm && exec "$0" run --no-results ioexit' "$KB"
	else
		return 99
	fi
}
nokvm >"$TMP/nokvm" 2>"$TMP/nokvm.err"
r=$?
if [ $r -ne 99 ]; then
	ok $r "kvmbench run without /dev/kvm exits 0"
	like "$TMP/nokvm" '^1\.\.0 # SKIP no usable /dev/kvm: ' "and is one TAP SKIP with the reason"
	like "$TMP/nokvm.err" 'no usable KVM here' "and says so on stderr"
else
	echo "ok $((T_N += 1)) # SKIP cannot make a mount namespace to hide /dev/kvm"
fi
done_testing
