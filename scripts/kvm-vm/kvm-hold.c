// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-hold [PIDFILE] - keep two KVM VMs open for the kvm-vm guest's
 * lifetime, so that the static keys KVM flips on every VM and vCPU
 * creation and destruction (preempt_notifier_key in __schedule, the
 * local APIC keys) stay enabled and no kernel text is re-patched.
 *
 * Why: QEMU 7.2's multi-threaded TCG sometimes keeps running a stale
 * translation of the int3 that text_poke_bp() leaves in a patched
 * instruction (guest memory already holds the new one), and the vCPUs
 * then loop in exc_int3 forever.  Daemonizes; writes its pid to PIDFILE.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* vm - a VM with one vCPU, with or without an in-kernel irqchip. */
static int vm(int kvm, int irqchip)
{
	int fd = ioctl(kvm, KVM_CREATE_VM, 0);

	if (fd < 0) {
		perror("kvm-hold: KVM_CREATE_VM");
		return -1;
	}
	if (irqchip && ioctl(fd, KVM_CREATE_IRQCHIP, 0) < 0)
		perror("kvm-hold: KVM_CREATE_IRQCHIP");
	if (ioctl(fd, KVM_CREATE_VCPU, 0) < 0)
		perror("kvm-hold: KVM_CREATE_VCPU");
	return fd;
}

int main(int argc, char **argv)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	FILE *f;

	if (kvm < 0) {
		perror("kvm-hold: /dev/kvm");
		return 1;
	}
	if (vm(kvm, 1) < 0 || vm(kvm, 0) < 0)
		return 1;
	if (daemon(0, 1) < 0) {
		perror("kvm-hold: daemon");
		return 1;
	}
	if (argc > 1) {
		f = fopen(argv[1], "w");
		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	for (;;)
		pause();
}
