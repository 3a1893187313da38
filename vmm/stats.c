// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - KVM binary statistics (KVM_GET_STATS_FD) of a VM or a vCPU.
 *
 * The descriptors are read once; each stats_read() is one pread of the data
 * block, cheap enough to take around every measurement.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"
#include "vmm_int.h"

/* The kernel bounds stat names at 48 bytes (KVM_STATS_NAME_SIZE in its own headers). */
#define KVM_STATS_NAME_SIZE	48

struct kvm_stats {
	int fd;
	int n;
	uint32_t data_offset;
	uint32_t data_size;	/* bytes of the data block we read */
	char (*names)[KVM_STATS_NAME_SIZE];
	uint32_t *offset;	/* of each stat's first u64 in the data block */
	uint32_t *flags;
	uint64_t *raw;
};

static int stats_parse(struct kvm_stats *st, const struct kvm_stats_header *h)
{
	size_t dsz = sizeof(struct kvm_stats_desc) + h->name_size;
	char *descs;
	int i;

	if (h->name_size == 0 || h->name_size > KVM_STATS_NAME_SIZE || h->num_desc > 4096)
		return -EINVAL;
	descs = malloc(dsz * h->num_desc);
	st->names = calloc(h->num_desc, sizeof(*st->names));
	st->offset = calloc(h->num_desc, sizeof(*st->offset));
	st->flags = calloc(h->num_desc, sizeof(*st->flags));
	if (!descs || !st->names || !st->offset || !st->flags) {
		free(descs);
		return -ENOMEM;
	}
	if (pread(st->fd, descs, dsz * h->num_desc, h->desc_offset) != (ssize_t)(dsz * h->num_desc)) {
		free(descs);
		return -EIO;
	}
	for (i = 0; i < (int)h->num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * dsz);
		uint32_t end = d->offset + 8 * (d->size ? d->size : 1);

		memcpy(st->names[i], d->name, h->name_size);
		st->names[i][KVM_STATS_NAME_SIZE - 1] = 0;
		st->offset[i] = d->offset;
		st->flags[i] = d->flags;
		if (end > st->data_size)
			st->data_size = end;
	}
	free(descs);
	st->n = h->num_desc;
	st->data_offset = h->data_offset;
	st->raw = calloc(1, st->data_size ? st->data_size : 8);
	return st->raw ? 0 : -ENOMEM;
}

struct kvm_stats *stats_open(int fd)
{
	struct kvm_stats_header h;
	struct kvm_stats *st;

	if (fd < 0)
		return NULL;
	st = calloc(1, sizeof(*st));
	if (!st) {
		close(fd);
		return NULL;
	}
	st->fd = fd;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h) || stats_parse(st, &h)) {
		stats_close(st);
		return NULL;
	}
	return st;
}

void stats_close(struct kvm_stats *st)
{
	if (!st)
		return;
	close(st->fd);
	free(st->names);
	free(st->offset);
	free(st->flags);
	free(st->raw);
	free(st);
}

int stats_count(const struct kvm_stats *st)
{
	return st ? st->n : 0;
}

const char *stats_name(const struct kvm_stats *st, int i)
{
	return st->names[i];
}

bool stats_cumulative(const struct kvm_stats *st, int i)
{
	return (st->flags[i] & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_CUMULATIVE;
}

int stats_read(struct kvm_stats *st, uint64_t *vals)
{
	int i;

	if (pread(st->fd, st->raw, st->data_size, st->data_offset) != (ssize_t)st->data_size)
		return -errno ? -errno : -EIO;
	for (i = 0; i < st->n; i++)
		memcpy(&vals[i], (char *)st->raw + st->offset[i], 8);
	return 0;
}

int stats_find(const struct kvm_stats *st, const char *name)
{
	int i;

	for (i = 0; st && i < st->n; i++)
		if (!strcmp(st->names[i], name))
			return i;
	return -1;
}

/* scratch_stats_fd - a stats fd of a fresh VM, or of its vCPU 0; -errno and why. */
static int scratch_stats_fd(int kvm, bool vcpu, char *err, size_t len)
{
	int vm, vcpu_fd = -1, fd, e;

	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		e = errno;
		snprintf(err, len, "KVM_CREATE_VM: %s", strerror(e));
		return -e;
	}
	if (vcpu) {
		vcpu_fd = ioctl(vm, KVM_CREATE_VCPU, 0);
		if (vcpu_fd < 0) {
			e = errno;
			snprintf(err, len, "KVM_CREATE_VCPU: %s", strerror(e));
			close(vm);
			return -e;
		}
	}
	/* The stats fd keeps what it describes alive: the others can go. */
	fd = ioctl(vcpu ? vcpu_fd : vm, KVM_GET_STATS_FD, 0);
	e = errno;
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	close(vm);
	if (fd < 0) {
		snprintf(err, len, "KVM_GET_STATS_FD on a %s: %s", vcpu ? "vCPU" : "VM",
			 strerror(e));
		return -e;
	}
	return fd;
}

int kvm_stat_names(bool vcpu, char (*names)[64], bool *cumulative, int max,
		   char *err, size_t len)
{
	struct kvm_stats *st;
	int kvm, fd, n, i;

	kvm = kvm_open(err, len);
	if (kvm < 0)
		return kvm;
	if (!kvm_check_cap(kvm, KVM_CAP_BINARY_STATS_FD)) {
		snprintf(err, len, "/dev/kvm lacks KVM_CAP_BINARY_STATS_FD (no binary stats)");
		close(kvm);
		return -ENOTSUP;
	}
	fd = scratch_stats_fd(kvm, vcpu, err, len);
	close(kvm);
	if (fd < 0)
		return fd;
	st = stats_open(fd);
	if (!st) {
		snprintf(err, len, "%s stats fd: unreadable header or descriptors",
			 vcpu ? "vCPU" : "VM");
		return -EIO;
	}
	n = stats_count(st);
	if (n > max) {
		snprintf(err, len, "%d %s stats, more than the %d expected", n,
			 vcpu ? "vCPU" : "VM", max);
		stats_close(st);
		return -E2BIG;
	}
	for (i = 0; i < n; i++) {
		snprintf(names[i], 64, "%s", stats_name(st, i));
		cumulative[i] = stats_cumulative(st, i);
	}
	stats_close(st);
	return n;
}
