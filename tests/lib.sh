# tests/lib.sh - TAP helpers for kvmbench's shell tests (sourced, not run).
# The kvmbench under test is the one of the build this test was copied into:
# build/tests/x.t runs build/kvmbench, build/asan/tests/x.t runs build/asan/kvmbench.
KB=$(cd "$(dirname "$0")/.." && pwd)/kvmbench
T_N=0
T_FAILED=0
# The source tree (scenarios/, expectations/, fixtures): build/tests/x.t and
# build/asan/tests/x.t both sit below it.
SRC=$(cd "$(dirname "$0")" && while [ ! -d scenarios ] || [ ! -d expectations ]; do
	[ "$PWD" = / ] && break; cd ..; done; pwd)

ok() {	# ok COND-STATUS DESCRIPTION
	local desc=${2//#/\\#}	# a bare '#' would start a TAP directive
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $desc"
	else
		echo "not ok $T_N - $desc"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# like FILE REGEX DESCRIPTION: FILE has a line matching the extended REGEX
like() {
	grep -Eq -- "$2" "$1"
	local r=$?
	ok $r "$3"
	[ $r -eq 0 ] || echo "#   no line of $1 matches /$2/"
}

unlike() {
	! grep -Eq -- "$2" "$1"
	local r=$?
	ok $r "$3"
	[ $r -eq 0 ] || grep -E -- "$2" "$1" | head -5 | sed 's/^/#   /'
}

# only_expected FILE DESCRIPTION: every "not ok" point of the TAP in FILE is
# a TODO naming the expectation behind it (the rest are listed).
only_expected() {
	grep -E '^not ok' "$1" | grep -vE ' # TODO .* \[expectation [a-z0-9-]+\]$' >"$TMP/unexpected"
	ok $([ ! -s "$TMP/unexpected" ]; echo $?) "$2"
	sed 's/^/#   /' "$TMP/unexpected" | head -5
}

require_kvm() {
	if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		echo "1..0 # SKIP no usable /dev/kvm"
		exit 0
	fi
}

done_testing() {
	echo "1..$T_N"
	[ $T_FAILED -eq 0 ]
}

TMP=$(mktemp -d)
# A private journal and lock: a test never meets a real run's journal.
export KVMBENCH_STATE_DIR="$TMP/state"
trap 'rm -rf "$TMP"' EXIT
