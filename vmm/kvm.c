// SPDX-License-Identifier: GPL-2.0
/*
 * kvm.c - /dev/kvm: open it, check the API version and the capabilities
 * libvmm relies on, so that a host without them is reported, not crashed on.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"
#include "vmm_int.h"

/* Capabilities without which libvmm cannot run a guest at all. */
static const struct {
	int cap;
	const char *name;
} required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ" },
	{ KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE" },
};

int kvm_open(char *why, size_t len)
{
	int fd, v;
	size_t i;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		snprintf(why, len, "/dev/kvm: %s", strerror(e));
		return -e;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm: API version %d, expected %d", v, KVM_API_VERSION);
		close(fd);
		return -ENOTSUP;
	}
	for (i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			snprintf(why, len, "/dev/kvm lacks %s", required_caps[i].name);
			close(fd);
			return -ENOTSUP;
		}
	}
	return fd;
}

int kvm_probe(char *why, size_t len)
{
	int fd = kvm_open(why, len);
	bool cpuid;

	if (fd < 0)
		return fd;
	/* Also the one-time CPUID query, so that no VM's start-up pays for it. */
	cpuid = supported_cpuid(fd, why, len) != NULL;
	close(fd);
	if (!cpuid)
		return -EIO;
	snprintf(why, len, "usable");
	return 0;
}

int kvm_check_cap(int fd, int cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}
