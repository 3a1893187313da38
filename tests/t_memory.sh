#!/bin/bash
# The memory guest on the real /dev/kvm, through kvmbench run: two VMs with
# identical fill get merged by KSM (pages_sharing rises) and every checksum
# holds after copy-on-write, with no write seen by the other VM; unique
# fill merges nothing; balloon lowers the VM's resident RAM and the pages
# come back zeroed; the first touch works with 4K and 2M guest pages.  KSM
# settings read as before afterwards.
. "$(dirname "$0")/lib.sh"
require_kvm

KSM=/sys/kernel/mm/ksm
if [ "$(id -u)" != 0 ] || ! [ -w $KSM/run ]; then
	echo "1..0 # SKIP needs root and $KSM: the KSM cases change ksmd's settings"
	exit 0
fi
# Host-changing tests take turns (t_restore.sh holds the same lock).
exec 9>/tmp/kvmbench-t_restore.lock
if ! flock -w 600 9; then
	echo "1..0 # SKIP another test kept the host for 10 minutes"
	exit 0
fi
ksm_state() { for f in run pages_to_scan sleep_millisecs; do printf '%s=%s ' $f "$(cat $KSM/$f)"; done; }
before=$(ksm_state)

out=$TMP/ksm
"$KB" run -o "$TMP/r" memory:ksm -k ksm=on -k vms=2 -p fill=same -p mb=16 -m 48 >"$out.tap" 2>"$out.err"
ok $? "memory:ksm, 2 VMs, identical fill: the run passes"
like "$out.tap" '^ok [0-9]+ - memory:ksm ksm_merged$' "ksmd merged every mergeable page"
like "$out.tap" '^ok [0-9]+ - memory:ksm checksums_after_merge$' "checksums hold after the merge"
like "$out.tap" '^ok [0-9]+ - memory:ksm checksums_after_write$' "checksums hold after copy-on-write"
like "$out.tap" '^ok [0-9]+ - memory:ksm no_cross_vm_write$' "no VM sees the other's writes"
like "$out.tap" 'passed: 2 of 2' "both VMs checked"
dir=$(ls -d "$TMP"/r/*/ | head -1)
sharing=$(awk -F, '$9 == "ksm_saved" { print int($11) }' "$dir/results.csv")
[ "${sharing:-0}" -ge 16 ]
ok $? "pages_sharing rose: ${sharing:-none} MiB saved of 2 x 16 MiB identical"
grep -q '^t_ms,pages_shared,pages_sharing' "$dir"/ksm-*.csv 2>/dev/null
ok $? "the counters over time are in ksm-*.csv"
like "$out.tap" '^# \| 2 \| same \| 16 \| 8192 \|' "the KSM table has the case"
[ -f "$dir/memory-command-line.md" ] || ls "$dir" | sed 's/^/#   /'
like "$dir"/memory-*.md 'to 100 %' "memory-*.md holds the table"

"$KB" run --no-results memory:ksm -k ksm=on -k vms=2 -p fill=unique -p mb=8 -m 32 >"$out.u" 2>&1
ok $? "memory:ksm, unique fill: the run passes"
unlike "$out.u" 'ksm_merged' "nothing to merge: no merge check"
like "$out.u" 'ksm: nothing to merge' "and it says so"
ok "$([ "$(ksm_state)" = "$before" ]; echo $?)" "KSM settings as before: $(ksm_state)"

"$KB" run --no-results memory:balloon -p mb=32 -p balloon_mb=16 -m 64 >"$TMP/b" 2>&1
ok $? "memory:balloon: the run passes"
like "$TMP/b" '^ok [0-9]+ - memory:balloon balloon_rss_dropped$' "the VM's resident RAM dropped by what it gave back"
like "$TMP/b" '^ok [0-9]+ - memory:balloon balloon_zeroed$' "the given-back pages read as zeroes"
like "$TMP/b" '^ok [0-9]+ - memory:balloon balloon_rest_intact$' "the rest kept its content"
like "$TMP/b" 'guest RAM resident [0-9.]+ -> [0-9.]+ MiB' "resident RAM before and after are reported"

for pg in 4k 2m; do
	"$KB" run --no-results memory:touch -p mb=16 -p page=$pg -m 48 >"$TMP/t$pg" 2>&1
	ok $? "memory:touch with $pg guest pages passes"
	for m in first_touch second_touch steady; do
		like "$TMP/t$pg" "^ok [0-9]+ - memory:touch $m: " "  $m reported"
	done
done
"$KB" run --no-results memory:touch -p passes=2 >"$TMP/t2pass" 2>&1
ok $([ $? -eq 1 ]; echo $?) "memory:touch with 2 passes fails its params check"
like "$TMP/t2pass" '^not ok [0-9]+ - memory:touch params' "  saying which"
# Memory overcommit: level 1 (the limit holds all the RAM) must finish with
# every checksum intact in its child process and cgroup.  Level 1.5 (2 x 120
# MiB in a cgroup of about 200 MiB) must swap: it either finishes intact,
# or the OOM killer ends it and the case says so, as a SKIP, and the run
# goes on.  On kvm_pvm it is the OOM killer: the cgroup cannot reclaim guest
# RAM, all of it stays on the active list (README, memory).
swaps0=$(tail -n +2 /proc/swaps | wc -l)
zram0=$(cat /sys/block/zram0/disksize 2>/dev/null)
oc_run() {	# oc_run LEVEL: 2 VMs fill 120 MiB each of 128
	"$KB" run -o "$TMP/oc$1" memory:fill -k vms=2 -k mem_overcommit=$1 -p mb=120 \
		-p fill=unique -p passes=2 -m 128 >"$TMP/oc$1.tap" 2>&1
}
oc_run 1
ok $? "memory:fill, 2 VMs at mem_overcommit 1: the run passes"
like "$TMP/oc1.tap" '^ok [0-9]+ - memory:fill checksums$' "  every page's checksum holds"
like "$TMP/oc1.tap" '^# \| 1 \| off \| 2 x 128 \| [0-9]+ \|.*\| all [0-9]+ intact \| ok \|$' \
	"  the overcommit table has the level: intact, ok"
oc_run 1.5
ok $? "mem_overcommit 1.5: the run passes (finished or OOM-killed, the harness goes on)"
if grep -q 'SKIP .*killed by the OOM killer' "$TMP/oc1.5.tap"; then
	like "$TMP/oc1.5.tap" '^# \| 1\.5 \| off \|.*\| OOM-killed \|$' "  the table says OOM-killed"
	echo "ok $((T_N + 1)) - level 1.5 intact # SKIP the OOM killer ended it on this host"
	T_N=$((T_N + 1))
else
	like "$TMP/oc1.5.tap" '^ok [0-9]+ - memory:fill checksums$' "  every page's checksum holds"
	out_mb=$(awk -F'|' '$2 ~ /1\.5/ { split($9, s, "/"); print int(s[1]) }' "$TMP/oc1.5.tap")
	[ "${out_mb:-0}" -gt 0 ]
	ok $? "  pages went to swap: ${out_mb:-none} MiB out"
fi
ok "$([ "$(tail -n +2 /proc/swaps | wc -l)" = "$swaps0" ]; echo $?)" "swap areas as before ($swaps0)"
ok "$([ "$(cat /sys/block/zram0/disksize 2>/dev/null)" = "$zram0" ]; echo $?)" "zram0 disksize as before (${zram0:-none})"
left=$(find /sys/fs/cgroup -maxdepth 6 -type d -name 'kvmbench-*' 2>/dev/null | wc -l)
ok "$([ "$left" = 0 ]; echo $?)" "no kvmbench cgroup left ($left)"
done_testing
