#!/bin/bash
# pagewalk on the real /dev/kvm: every check passes (or is a TODO from an
# expectation that matches this host), every figure has its native twin and
# ratio, 1G pages either work or fault with the reserved bit as CPUID says,
# and without the expectations a known failure fails the run.
. "$(dirname "$0")/lib.sh"
require_kvm

# Short samples: this test asserts behaviour, not durations.
cat >"$TMP/pw.yaml" <<YAML
name: pagewalk-test
tests: [pagewalk]
memory: 96
timeout: 60
params: {sample_us: 200, samples: 5, ws_mb: 16}
matrix:
  params.page: [4k, 2m, 1g]
  backing: [4k, thp]
exclude:
  - {test: "pagewalk:[ap]*", params.page: 2m}
  - {test: "pagewalk:[ap]*", params.page: 1g}
  - {test: "pagewalk:[ap]*", backing: thp}
YAML
timeout 300 "$KB" run --no-results "$TMP/pw.yaml" >"$TMP/out" 2>"$TMP/err"
ok $? "kvmbench run of every pagewalk test exits 0"
unlike "$TMP/out" '^not ok [0-9]+ - [^#]*$' "every not ok is a TODO"
only_expected "$TMP/out" "...naming the expectation behind it"
like "$TMP/out" '^# 21 cases, 0 failed$' "21 cases ran"

for c in ad_read_4k_pml4e_a ad_read_4k_pdpte_a ad_read_4k_pde_a ad_read_4k_pte_a ad_read_4k_pte_d \
	 ad_write_4k_pml4e_a ad_write_4k_pdpte_a ad_write_4k_pde_a ad_write_4k_pte_a ad_write_4k_pte_d \
	 ad_read_2m_pml4e_a ad_read_2m_pdpte_a ad_read_2m_pde_a ad_read_2m_pde_d \
	 ad_write_2m_pml4e_a ad_write_2m_pdpte_a ad_write_2m_pde_a ad_write_2m_pde_d \
	 pf_not_present_read pf_not_present_write pf_read_only_read pf_read_only_write \
	 pf_supervisor_read pf_supervisor_write pf_exec pf_nx_fetch pf_rsvd_pde_2m \
	 cr0_wp1_supervisor_page cr0_wp0_supervisor_page cr0_wp1_user_page cr0_wp0_user_page \
	 cr0_wp_restored page_1g; do
	like "$TMP/out" "^(ok [0-9]+ - pagewalk:[a-z_0-9]+ [a-z0-9=. -]*$c|not ok [0-9]+ - pagewalk:[a-z_0-9]+ [a-z0-9=. -]*$c # TODO .* \[expectation [a-z0-9-]+\])\$" \
		"check $c passes (or is a TODO of an expectation this host matches)"
done
# An address bit above MAXPHYADDR is reserved, unless MAXPHYADDR is 52.
like "$TMP/out" '^(ok [0-9]+ - pagewalk:pf_codes .*pf_rsvd_pte( # SKIP MAXPHYADDR is 52.*)?|not ok [0-9]+ - pagewalk:pf_codes .*pf_rsvd_pte # TODO .* \[expectation [a-z0-9-]+\])$' \
	"check pf_rsvd_pte passes (or there is no such bit, or a known-host TODO)"
like "$TMP/out" '^  detail: .*error code 0x15 \(I\|U\|P\), cr2 0x8000[0-9a-f]+, rip 0x8000[0-9a-f]+' \
	"the NX detail says what was observed: error code, cr2 and rip"

# CPUID at CPL3 and CPL0 agree (the architecture: CPUID does not depend on
# the CPL), or this is a host known for it: a TODO naming its expectation.
like "$TMP/out" '^(ok [0-9]+ - pagewalk:page_1g .*pdpe1gb_cpuid_cpl3( # TODO .*)?|not ok [0-9]+ - pagewalk:page_1g .*pdpe1gb_cpuid_cpl3 # TODO .* \[expectation [a-z0-9-]+\])$' \
	"pdpe1gb_cpuid_cpl3 passes or is this host's known TODO"

# 1G pages: a working mapping where CPUID has pdpe1gb, else a reserved-bit #PF and 1G figures SKIP.
if grep -q 'detail: "pdpe1gb absent' "$TMP/out"; then
	like "$TMP/out" 'detail: "pdpe1gb absent: .*vector 14, error code 0xd, cr2 0x8040100000; want' \
		"without pdpe1gb a 1G page is #PF 0xd (RSVD|U|P) at its address"
	like "$TMP/out" '^ok [0-9]+ - pagewalk:chase params.page=1g backing=4k chase # SKIP 1G guest pages: .*pdpe1gb' \
		"without pdpe1gb the 1G figures are SKIPs that say why"
else
	like "$TMP/out" 'detail: "pdpe1gb present: .*no fault' "with pdpe1gb a 1G page works"
	like "$TMP/out" '^ok [0-9]+ - pagewalk:chase params.page=1g backing=4k chase(: [0-9.]+ ns/op| # SKIP ws_mb=16 with 1g guest pages needs at least [0-9]+ MiB of guest RAM)' \
		"with pdpe1gb the 1G figures are measured, or SKIP for want of guest RAM (never of pdpe1gb)"
fi

# Figures: the guest's, then the native twin's and the ratio, all positive.
num='([0-9]*[1-9][0-9]*(\.[0-9]+)?|[0-9]+\.[0-9]*[1-9][0-9]*)'
for m in chase stream first_touch; do
	for l in "params.page=4k backing=4k" "params.page=2m backing=thp"; do
		like "$TMP/out" "^ok [0-9]+ - pagewalk:$m $l $m: $num ns/op \([0-9]+ cycles\)\$" \
			"$m ($l) is measured in the guest"
		like "$TMP/out" "^ok [0-9]+ - pagewalk:$m $l $m native: $num ns/op \([0-9]+ cycles\)\$" \
			"$m ($l) has a native twin"
		like "$TMP/out" "^ok [0-9]+ - pagewalk:$m $l $m virtual/native: $num\$" \
			"$m ($l) has a virtual/native ratio"
	done
done
like "$TMP/out" '^  metric: chase\.native$' "the twin's YAML names its metric"
like "$TMP/out" '^  backing: thp$' "the twin ran on THP memory, as checked in smaps"
unlike "$TMP/out" '^  backing: .*not as asked' "every twin got the backing it asked for"
like "$TMP/out" '^  native_ns_median: [0-9]' "the ratio's YAML has both medians"

# A working set that does not fit says which memory it needs.
"$KB" run --no-results -m 32 -p ws_mb=64 pagewalk:chase >"$TMP/small" 2>&1
ok $? "a working set larger than RAM is not a failure"
like "$TMP/small" '^ok 1 - pagewalk:chase chase # SKIP ws_mb=64 with 4k guest pages needs at least [0-9]+ MiB of guest RAM \(set memory: [0-9]+\)' \
	"it is a SKIP that names the memory to set"

# results.csv and summary.md carry the twin and the ratio.
"$KB" run --results "$TMP/res" -m 64 -p ws_mb=8 -p samples=3 -p sample_us=100 pagewalk:chase \
	>"$TMP/r" 2>&1
ok $? "pagewalk:chase with a results directory exits 0"
dir=$(ls -d "$TMP"/res/*/ 2>/dev/null | head -1)
like "$dir/results.csv" '^[^,]*,0,pagewalk,chase,0,-1,-1,metric,chase\.native,0,[0-9.e+-]+,ns/op,[0-9.e+-]+,' \
	"results.csv has the native samples (vcpu -1, ns/op and cycles)"
like "$dir/results.csv" '^[^,]*,0,pagewalk,chase,0,-1,-1,metric,chase\.ratio,0,[0-9.e+-]+,ratio,,' \
	"results.csv has the ratio"
like "$dir/summary.md" '^\| pagewalk:chase \| chase\.native \| [0-9.]+ .*\| ns/op \|' "summary.md has the twin"
like "$dir/summary.md" '^\| pagewalk:chase \| chase\.ratio \| [0-9.]+ .*\| ratio \|' "summary.md has the ratio"

# Without the expectations, this host's known failures fail the run.
if grep -q '^not ok [0-9]* - .* # TODO' "$TMP/out"; then
	timeout 300 "$KB" run --no-results --expectations none "$TMP/pw.yaml" >"$TMP/noexp" 2>&1
	ok $([ $? -eq 1 ]; echo $?) "without the expectations the run exits 1"
	unlike "$TMP/noexp" ' # TODO ' "and no point is a TODO"
else
	echo "# no check fails on this host: the expectation-free run is not needed"
fi
# A requirement no host meets fails the run on every host.
"$KB" run --no-results -p page=8k pagewalk:chase >"$TMP/bad" 2>&1
ok $([ $? -eq 1 ]; echo $?) "an impossible page size makes the run exit 1"
like "$TMP/bad" "^not ok [0-9]+ - pagewalk:chase params\$" "as a failed params check"
like "$TMP/bad" "detail: \"?page '8k' \(want 4k, 2m or 1g\)" "which says what is wrong"
done_testing
