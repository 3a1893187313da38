#!/bin/bash
# The journal on the real host: a run that changes THP, KSM and huge pages
# and is killed (SIGKILL) leaves a journal that `kvmbench restore` puts
# back; a run interrupted (SIGINT, SIGHUP) puts the host back by itself.  Nothing
# else on the host may change.  The host is restored on every way out of
# this script, failures included.
. "$(dirname "$0")/lib.sh"
require_kvm

THP=/sys/kernel/mm/transparent_hugepage/enabled
KSM=/sys/kernel/mm/ksm
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
# What the scenario changes (the HP file and /proc/sys/vm/nr_hugepages are one counter).
WATCH="$THP $KSM/run $KSM/pages_to_scan $KSM/sleep_millisecs /proc/sys/vm/nr_hugepages $HP"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root: it changes THP, KSM and huge pages"
	exit 0
fi
for f in $WATCH; do
	if ! [ -w "$f" ]; then
		echo "1..0 # SKIP $f is not writable here"
		exit 0
	fi
done
# The plain and the ASan copies of this test must not interleave.
exec 9>/tmp/kvmbench-t_restore.lock
if ! flock -w 600 9; then
	echo "1..0 # SKIP another t_restore kept the host for 10 minutes"
	exit 0
fi

# A run crashed earlier on this host would make wrong originals.
"$KB" restore >"$TMP/restore0" 2>&1
r=$?
if grep -q 'is active' "$TMP/restore0"; then
	echo "1..0 # SKIP $(cat "$TMP/restore0")"
	exit 0
fi
ok $r "kvmbench restore: nothing left pending on this host"

# snapshot - every readable setting of the memory subsystem (the watched
# files and everything a bug could touch by mistake).
snapshot() {
	find /sys/kernel/mm /proc/sys/vm -type f -perm -u=w 2>/dev/null | sort |
	while read -r f; do
		v=$(cat "$f" 2>/dev/null) || continue
		printf '%s=%s\n' "$f" "$v"
	done
}
value() {	# value FILE: as kvmbench reads it (the selected word of a choice)
	local v
	v=$(cat "$1")
	case $v in *\[*\]*) v=${v#*[}; v=${v%%]*};; esac
	echo "$v"
}
snapshot >"$TMP/before"
declare -A ORIG
for f in $WATCH; do ORIG[$f]=$(value "$f"); done

PID=
# put_back - on every exit: stop the run, restore through kvmbench, and
# then by hand whatever still differs.
put_back() {
	local f
	[ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	KVMBENCH_STATE_DIR="$TMP/state" "$KB" restore >/dev/null 2>&1
	for f in $WATCH; do
		[ "$(value "$f")" = "${ORIG[$f]}" ] && continue
		echo "# put back $f to ${ORIG[$f]} by hand"
		[ "$f" = "$KSM/run" ] && [ "${ORIG[$f]}" = 0 ] && echo 2 >"$f"
		echo "${ORIG[$f]}" >"$f"
	done
	rm -rf "$TMP"
}
trap put_back EXIT

export KVMBENCH_STATE_DIR="$TMP/state"
JOURNAL="$TMP/state/journal"
cat >"$TMP/s.yaml" <<EOF
name: t-restore
tests: [selftest:hang]
timeout: 60
memory: 64
knobs: {thp: never, ksm: on, backing: hugetlb-2m}
EOF

# changed - every watched setting moved, and the journal is there.
changed() {
	[ -f "$JOURNAL" ] && [ "$(value $THP)" = never ] && [ "$(value $KSM/run)" = 1 ] &&
		[ "$(value $HP)" -ge 32 ]
}

# start_run NAME - the scenario in the background, with the default SIGINT
# a script's background job would not have; wait (20 s) until it changed the host.
start_run() {
	local i
	env --default-signal=INT "$KB" run --results "$TMP/res-$1" "$TMP/s.yaml" \
		>"$TMP/$1.out" 2>"$TMP/$1.err" &
	PID=$!
	for i in $(seq 200); do
		changed && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# stop_run - wait (60 s at most) for the run to end, its status in r;
# quietly: bash would report the signal it died of.
stop_run() {
	{
		timeout 60 tail --pid="$PID" -f /dev/null
		wait "$PID"
		r=$?
	} 2>/dev/null
}

# host_is_back WHEN - each watched setting reads its original again.
host_is_back() {
	local f
	for f in $WATCH; do
		[ "$(value "$f")" = "${ORIG[$f]}" ]
		ok $? "$1: $f reads ${ORIG[$f]} again (got $(value "$f"))"
	done
}

# 1. SIGKILL: nothing can run in the harness; `kvmbench restore` cleans up.
start_run kill
r=$?
ok $r "SIGKILL: the run changed THP, KSM and huge pages and journaled them"
[ $r -eq 0 ] || sed 's/^/#   /' "$TMP/kill.err" "$TMP/kill.out" | head -20
kill -KILL "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PID=
ok $([ "$(value $THP)" = never ]; echo $?) "SIGKILL: THP is still never"
ok $([ "$(value $KSM/run)" = 1 ] && [ "$(value $KSM/pages_to_scan)" = 10000 ] &&
	[ "$(value $KSM/sleep_millisecs)" = 1 ]; echo $?) "SIGKILL: KSM still runs (10000 pages every 1 ms)"
ok $([ "$(value $HP)" -ge 32 ]; echo $?) "SIGKILL: 2M huge pages still reserved"
ok $([ -f "$JOURNAL" ]; echo $?) "SIGKILL: the journal is left behind"
"$KB" restore >"$TMP/restore1" 2>&1
ok $? "kvmbench restore exits 0"
like "$TMP/restore1" "^restored $THP to ${ORIG[$THP]}$" "kvmbench restore says what it restored"
host_is_back "kvmbench restore"
ok $([ ! -e "$JOURNAL" ]; echo $?) "kvmbench restore removed the journal"

# 2. SIGINT: the harness restores by itself before it dies.
start_run int
r=$?
ok $r "SIGINT: the run changed the host"
[ $r -eq 0 ] || sed 's/^/#   /' "$TMP/int.err" "$TMP/int.out" | head -20
kill -INT "$PID" 2>/dev/null
stop_run
PID=
ok $([ $r -eq 130 ]; echo $?) "SIGINT: the run died of SIGINT (status $r)"
host_is_back "SIGINT"
ok $([ ! -e "$JOURNAL" ]; echo $?) "SIGINT: no journal left"

# 3. SIGHUP, which the run does not catch: the journal's own signal path
# restores, with vCPU threads still in KVM_RUN.  The huge pages the VM
# still holds are given back by a child once the run is gone.
start_run hup
r=$?
ok $r "SIGHUP: the run changed the host"
[ $r -eq 0 ] || sed 's/^/#   /' "$TMP/hup.err" "$TMP/hup.out" | head -20
kill -HUP "$PID" 2>/dev/null
stop_run
PID=
ok $([ $r -eq 129 ]; echo $?) "SIGHUP: the run died of SIGHUP (status $r)"
for i in $(seq 100); do
	[ -e "$JOURNAL" ] || break
	sleep 0.1
done
host_is_back "SIGHUP"
ok $([ ! -e "$JOURNAL" ]; echo $?) "SIGHUP: no journal left"
like "$TMP/hup.err" "^kvmbench: restored $THP to ${ORIG[$THP]}$" "SIGHUP: the run said what it restored"
like "$TMP/hup.err" "^kvmbench: restored $HP to ${ORIG[$HP]}$" "SIGHUP: and its child the huge pages"

# 4. Nothing else moved.
snapshot >"$TMP/after"
diff "$TMP/before" "$TMP/after" >"$TMP/diff"
ok $? "no other setting of /sys/kernel/mm or /proc/sys/vm changed"
sed 's/^/#   /' "$TMP/diff" | head -20

done_testing
