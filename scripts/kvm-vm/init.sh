#!/bin/sh
# PID 1 of the kvm-vm guest (busybox). Mounts the host's / (9p tag "host",
# read-only) under a tmpfs overlay at /newroot, mounts the per-run share (tag
# "run") at /newroot/run/kvmvm, loads kvm_amd, runs run/cmd chrooted in the
# host's userland with stdout/stderr going to run/out and run/err, writes the
# exit code to run/rc and powers off.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
log() { echo "kvm-vm-init: $*" > /dev/ttyS0; }
die() { log "FATAL: $*"; echo 1 > /proc/sys/kernel/sysrq; echo o > /proc/sysrq-trigger; poweroff -f; }
while read -r ko; do insmod "$ko" 2>/dev/null || log "insmod $ko failed"; done < /modules.order

o9p="trans=virtio,version=9p2000.L,msize=512000"
mkdir -p /mnt/run /mnt/lower /mnt/rw
mount -t 9p -o "$o9p,cache=none" run /mnt/run || die "mount run share"
. /mnt/run/env
mount -t 9p -o "$o9p,ro,cache=${KVMVM_CACHE:-loose}" host /mnt/lower || die "mount host share"
mount -t tmpfs -o mode=755 tmpfs /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
if ! mount -t overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work overlay /newroot; then
	log "overlay failed; using the read-only host root with tmpfs on /tmp /var/tmp /root"
	mount --bind /mnt/lower /newroot
	for d in /tmp /var/tmp /root; do mount -t tmpfs tmpfs /newroot$d; done
fi
R=/newroot
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm $R/dev/hugepages
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t hugetlbfs hugetlbfs $R/dev/hugepages 2>/dev/null
mount -t tmpfs -o mode=755 tmpfs $R/run
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null
mkdir -p $R/run/kvmvm
mount --move /mnt/run $R/run/kvmvm
i=0
while [ $i -lt "${KVMVM_NRW:-0}" ]; do
	eval p=\$KVMVM_RW$i
	mount -t 9p -o "$o9p,cache=none" rw$i "$R$p" || log "mount rw$i at $p failed"
	i=$((i+1))
done
hostname kvm-vm
ip link set lo up 2>/dev/null

if [ "$KVMVM_KVM" != none ]; then
	chroot $R /sbin/modprobe kvm_amd $KVMVM_KVM_OPTS > /dev/ttyS0 2>&1 ||
		log "modprobe kvm_amd $KVMVM_KVM_OPTS failed"
fi
# kvm-hold (see kvm-hold.c) and /run/kvm-reload, in the chroot's /run.
cp /bin/kvm-hold $R/run/kvm-hold 2>/dev/null
cat > $R/run/kvm-reload <<'RELOAD'
#!/bin/sh
# usage: /run/kvm-reload [KVM_AMD_OPTION...]   e.g. /run/kvm-reload npt=0
# Unloads kvm_amd (stopping kvm-hold first) and loads it again with OPTIONS.
[ -s /run/kvm-hold.pid ] && kill "$(cat /run/kvm-hold.pid)" 2>/dev/null && sleep 0.5
rm -f /run/kvm-hold.pid
modprobe -r kvm_amd || exit 1
modprobe kvm_amd "$@" || exit 1
[ "${KVMVM_HOLD:-1}" = 1 ] && /run/kvm-hold /run/kvm-hold.pid
for p in npt nested nrips vls vgif avic; do
	printf '%s=%s ' $p "$(cat /sys/module/kvm_amd/parameters/$p 2>/dev/null)"
done; echo
RELOAD
chmod 755 $R/run/kvm-reload
if [ "${KVMVM_HOLD:-1}" = 1 ] && [ -e /dev/kvm ]; then
	chroot $R /run/kvm-hold /run/kvm-hold.pid || log "kvm-hold failed"
fi
log "kvm_amd: $(for p in npt nested avic vls vgif nrips; do printf '%s=%s ' $p "$(cat /sys/module/kvm_amd/parameters/$p 2>/dev/null)"; done) /dev/kvm: $(ls -l /dev/kvm 2>&1)"
chroot $R /usr/bin/env -i /bin/bash /run/kvmvm/cmd < /dev/null > $R/run/kvmvm/out 2> $R/run/kvmvm/err
rc=$?
echo $rc > $R/run/kvmvm/rc
log "exit code $rc"
sync
poweroff -f
