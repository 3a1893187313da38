#!/bin/bash
# Counters on the real /dev/kvm: N port I/O exits show exits and
# kvm:kvm_userspace_exit rising by N (the marks' own exits subtracted), a
# first-touch case shows KVM page faults, what the host cannot count says
# so with the reason (never 0), an unknown name stops the run before it
# starts, and `kvmbench counters` lists every source.
. "$(dirname "$0")/lib.sh"
require_kvm

"$KB" counters >"$TMP/list" 2>&1
ok $? "kvmbench counters exits 0"
for s in 'KVM VM stats' 'KVM vCPU stats' 'Software events' 'Tracepoints' 'PMU events'; do
	like "$TMP/list" "^$s " "it lists the source: $s"
done
"$KB" counters exits pages_4k page-faults kvm:kvm_pio cycles >"$TMP/names" 2>&1
ok $? "kvmbench counters NAME... exits 0 for known names"
like "$TMP/names" '^exits: kvm-vcpu, supported$' "exits is a vCPU stat"
like "$TMP/names" '^pages_4k: kvm-vm, supported$' "pages_4k is a VM stat"
like "$TMP/names" '^page-faults: software, supported$' "page-faults is a software event"
like "$TMP/names" '^kvm:kvm_pio: tracepoint, (supported|unsupported: .+)$' "kvm:kvm_pio is a tracepoint"
like "$TMP/names" '^cycles: pmu, (supported|unsupported: perf_event_open: .+)$' "cycles is a PMU event: supported, or unsupported with the reason"
"$KB" counters no_such_counter >"$TMP/unknown" 2>&1
ok $([ $? -eq 1 ]; echo $?) "an unknown name exits 1"
like "$TMP/unknown" '^no_such_counter: unknown: not a KVM vCPU or VM stat, software event, tracepoint or libpfm4 event' "...saying which sources it tried"

# N port I/O exits: each outb sample of N iterations moves exits and
# kvm:kvm_userspace_exit by exactly N (the marks' exits are subtracted).
timeout 60 "$KB" run ioexit:pio --no-results -p samples=3 -p sample_us=200 \
	-c exits -c kvm:kvm_userspace_exit -c io_exits -c cycles >"$TMP/pio" 2>&1
ok $? "ioexit:pio with counters exits 0"
sed -n '/ - ioexit:pio outb.cpl3: /,/^  \.\.\./p' "$TMP/pio" >"$TMP/outb"
iters=$(sed -n 's/^  iterations_per_sample: //p' "$TMP/outb")
# Exact for exits to userspace; exits may also take a host interrupt or two.
# A tracepoint is the host's to offer (tracefs, the kvm events): where it is
# unsupported the point says why instead of a count.
for c in kvm:kvm_userspace_exit exits; do
	if grep -qE "^    $c: \"?unsupported: .+" "$TMP/outb"; then
		like "$TMP/outb" "^    $c: \"?unsupported: .+" "outb.cpl3: $c unsupported here, with the reason"
		continue
	fi
	total=$(grep -A2 "^    $c:\$" "$TMP/outb" | sed -n 's/^      total: //p')
	n=$((iters * 3))
	slack=$([ $c = exits ] && echo 3 || echo 0)
	ok $([ -n "$iters" ] && [ -n "$total" ] && [ "$total" -ge $n ] && [ "$total" -le $((n + slack)) ]; echo $?) \
		"outb.cpl3: $c rose by N = 3 samples x $iters outs, +$slack at most (got $total)"
done
like "$TMP/outb" "^      per_op: 1\$" "outb.cpl3: a counter per operation is 1"
like "$TMP/outb" '^    cycles: (|"unsupported: perf_event_open: .+")$|^      per_op: [1-9]' "cycles: counted or unsupported with the reason, never 0"
like "$TMP/pio" '^    exits: [1-9][0-9]*$' "the case's totals have exits"

# First touch: fresh guest memory faults in KVM (the host's shadow pages).
timeout 60 "$KB" run pagewalk:first_touch --no-results -p ws_mb=8 -p samples=3 \
	-c pf_fixed -c pages_4k -c page-faults >"$TMP/touch" 2>&1
ok $? "pagewalk:first_touch with counters exits 0"
n=$(sed -n 's/^    pf_fixed: //p' "$TMP/touch" | head -1)
ok $([ -n "$n" ] && [ "$n" -ge 1024 ]; echo $?) "first touch of 8 MiB: pf_fixed counts KVM's faults (>= 1024: $n)"
n=$(sed -n 's/^    pages_4k: //p' "$TMP/touch" | head -1)
ok $([ -n "$n" ] && [ "$n" -gt 0 ]; echo $?) "pages_4k (an instant stat) reads its level ($n)"

# A bad name in a scenario: refused at its line and column, nothing runs.
printf 'tests: [ioexit:cpuid]\ncounters: [exits, no_such_counter]\n' >"$TMP/bad.yaml"
"$KB" run --no-results "$TMP/bad.yaml" >"$TMP/bad" 2>&1
ok $([ $? -eq 2 ]; echo $?) "an unknown counter in a scenario: exit status 2"
like "$TMP/bad" "^$TMP/bad.yaml:2:19: counters: no_such_counter: not a KVM vCPU or VM stat" "...with FILE:LINE:COL and why"
unlike "$TMP/bad" '^(not )?ok ' "...and nothing ran"
"$KB" run --no-results -c 'page-faults@guest' ioexit:cpuid >"$TMP/badmode" 2>&1
ok $([ $? -eq 2 ]; echo $?) "@guest on a software event: exit status 2"
like "$TMP/badmode" '^kvmbench run: --counter: page-faults@guest: @guest and @host apply to PMU events only' "...saying why"
done_testing
