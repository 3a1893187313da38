#!/bin/bash
# ioexit on the real /dev/kvm: every check passes, every figure is reported.
. "$(dirname "$0")/lib.sh"
require_kvm

# Short samples: this test asserts behaviour, not durations.
timeout 300 "$KB" run --no-results -p sample_us=200 -p samples=5 ioexit >"$TMP/out" 2>"$TMP/err"
ok $? "kvmbench run ioexit exits 0"
like "$TMP/out" '^TAP version 13$' "output is TAP 13"
like "$TMP/out" '^1\.\.[0-9]+$' "output ends with a plan"
unlike "$TMP/out" '^not ok' "no point failed"
# KVM_CAP_IOEVENTFD is the host's to offer: without it the test SKIPs, saying so.
efd="ioeventfd_signals"
if grep -q '^ok [0-9]* - ioexit:ioeventfd ioeventfd # SKIP the host has no KVM_CAP_IOEVENTFD$' "$TMP/out"; then
	efd=
	echo "# this host has no KVM_CAP_IOEVENTFD: the ioeventfd test SKIPped"
fi
for c in pio_roundtrip_1 pio_roundtrip_2 pio_roundtrip_4 pio_byte_order pio_in_null \
	 pio_string_roundtrip_1 pio_string_roundtrip_2 pio_string_roundtrip_4 \
	 mmio_roundtrip_1 mmio_roundtrip_2 mmio_roundtrip_4 mmio_roundtrip_8 mmio_byte_order \
	 cpuid_vendor $efd; do
	like "$TMP/out" "^ok [0-9]+ - ioexit:[a-z_]+ $c\$" "check $c passes"
done
for m in outb outw outl inb inw inl mmio_write1 mmio_write8 mmio_read4 mmio_read8 \
	 cpuid ${efd:+ioeventfd_outl} empty_loop rep_outsb_256; do
	for cpl in cpl3 cpl0; do
		like "$TMP/out" "^ok [0-9]+ - ioexit:[a-z_]+ $m\.$cpl: [0-9.]+ ns/op \([0-9]+ cycles\)\$" \
			"metric $m.$cpl is reported in ns and cycles"
	done
done
like "$TMP/out" '^    median: [0-9]' "figures carry a median"
like "$TMP/out" '^    p99: [0-9]' "figures carry a p99"
like "$TMP/out" '^  first_result_us: [0-9]' "each case reports the time to its first result"
like "$TMP/out" '^    exits: [0-9]+$' "each case reports KVM's vCPU exits stat delta"
like "$TMP/out" '^# 6 cases, 0 failed$' "six cases ran"

# Two vCPUs: every vCPU runs the test and reports; the eventfd both write
# to counts vCPU 0's 20 writes before vCPU 1 writes to it.
timeout 120 "$KB" run --no-results -n 2 -p sample_us=100 -p samples=3 ioexit:cpuid ioexit:ioeventfd >"$TMP/smp" 2>&1
ok $? "ioexit:cpuid and ioexit:ioeventfd on 2 vCPUs exit 0"
like "$TMP/smp" '^  vcpu: 1$' "vCPU 1 reported its own results"
if [ -n "$efd" ]; then
	like "$TMP/smp" '^ok [0-9]+ - ioexit:ioeventfd ioeventfd_signals$' "2 vCPUs: the eventfd count is vCPU 0's alone"
fi
done_testing
