// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - create a VM for one guest image, run it, tear it down.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm_int.h"

void vm_config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ram_size = RAM_DEFAULT;
	cfg->nr_vcpus = 1;
	cfg->mem.backing = VMM_BACKING_4K;
	cfg->irqchip = true;
	cfg->test = "";
	cfg->nr_vms = 1;
	for (int i = 0; i < KB_MAX_VCPUS; i++)
		cfg->pin_cpu[i] = -1;
}

int vm_config_set_param(struct vm_config *cfg, const char *name,
			const char *sval, int64_t ival, bool is_string)
{
	struct kb_param *p = NULL;
	int i;

	if (!name[0] || strlen(name) >= sizeof(p->name) ||
	    (is_string && strlen(sval) >= sizeof(p->sval)))
		return -EINVAL;
	for (i = 0; i < cfg->nr_params; i++)
		if (!strcmp(cfg->params[i].name, name))
			p = &cfg->params[i];
	if (!p) {
		if (cfg->nr_params == KB_MAX_PARAMS)
			return -E2BIG;
		p = &cfg->params[cfg->nr_params++];
	}
	memset(p, 0, sizeof(*p));
	strcpy(p->name, name);
	p->is_string = is_string;
	p->ival = ival;
	if (is_string)
		strcpy(p->sval, sval);
	return 0;
}

static int vm_err(char *err, size_t len, const char *what)
{
	int e = errno;

	snprintf(err, len, "%s: %s", what, strerror(e));
	return -e;
}

static int vm_setup_ram(struct vm *vm, char *err, size_t len)
{
	struct kvm_userspace_memory_region slot = { 0 };

	vm->ram = mem_alloc(vm->ram_size, &vm->cfg.mem, err, len);
	if (!vm->ram)
		return -ENOMEM;
	slot.slot = 0;
	slot.guest_phys_addr = 0;
	slot.memory_size = vm->ram_size;
	slot.userspace_addr = (uintptr_t)vm->ram;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot))
		return vm_err(err, len, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

/* The port whose writes KVM completes in the kernel, signalling an eventfd. */
static void vm_setup_ioeventfd(struct vm *vm)
{
	struct kvm_ioeventfd io = {
		.addr = KB_PORT_EVENTFD,
		.len = 4,
		.flags = KVM_IOEVENTFD_FLAG_PIO,
	};

	vm->efd = -1;
	if (!kvm_check_cap(vm->kvm_fd, KVM_CAP_IOEVENTFD))
		return;
	io.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (io.fd < 0)
		return;
	if (ioctl(vm->fd, KVM_IOEVENTFD, &io)) {
		close(io.fd);
		return;
	}
	vm->efd = io.fd;
}

static int vm_load_image(struct vm *vm, char *err, size_t len)
{
	const struct vmm_image *img = vm->img;
	int i;

	if (x86_free_base(vm) > vm->ram_size) {
		snprintf(err, len, "guest RAM of %llu MiB is too small for the image and %d vCPU stacks",
			 (unsigned long long)(vm->ram_size >> 20), vm->nr_vcpus);
		return -EINVAL;
	}
	for (i = 0; i < img->nr_segments; i++) {
		const struct vmm_segment *s = &img->seg[i];

		memcpy(vm->ram + s->gpa, img->buf + s->offset, s->filesz);
		memset(vm->ram + s->gpa + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}

/* vm_max_vcpu_id - the bound KVM puts on KVM_CREATE_VCPU's id (exclusive). */
static int vm_max_vcpu_id(struct vm *vm)
{
	int n = kvm_check_cap(vm->fd, KVM_CAP_MAX_VCPU_ID);

	return n > 0 ? n : kvm_check_cap(vm->fd, KVM_CAP_MAX_VCPUS);
}

/*
 * vcpu_create - KVM's vcpu_id is the APIC ID the topology gives (the
 * in-kernel LAPIC takes its ID from it); @id, our index, names the vCPU
 * everywhere else.  Index 0 has APIC ID 0, KVM's default BSP.
 */
static int vcpu_create(struct vm *vm, int id, int max_id, char *err, size_t len)
{
	struct vcpu *v = &vm->vcpu[id];
	char what[64];

	v->vm = vm;
	v->id = id;
	v->apic_id = vm_topology_apic_id(&vm->topo, id);
	v->info.apic_id = v->apic_id;
	v->info.pin_cpu = vm->cfg.pin ? vm->cfg.pin_cpu[id] : -1;
	v->info.last_cpu = -1;
	if (max_id > 0 && v->apic_id >= (uint32_t)max_id) {
		snprintf(err, len, "vcpu%d: APIC ID %u is too big, KVM takes vCPU IDs below %d",
			 id, v->apic_id, max_id);
		return -EINVAL;
	}
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, v->apic_id);
	if (v->fd < 0) {
		snprintf(what, sizeof(what), "KVM_CREATE_VCPU %u (vcpu%d)", v->apic_id, id);
		return vm_err(err, len, what);
	}
	v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return vm_err(err, len, "mmap kvm_run");
	}
	v->stats = stats_open(ioctl(v->fd, KVM_GET_STATS_FD, 0));
	return 0;
}

/* vm_test - the test the guest will run: the one named, or the image's default. */
static const struct kb_test_desc *vm_test(const struct vm_config *cfg,
					  const struct vmm_image *img)
{
	if (cfg->test && cfg->test[0])
		return image_find_test(img, cfg->test);
	return image_default_test(img);
}

static bool vm_test_wakes_aps(const struct vm_config *cfg, const struct vmm_image *img)
{
	const struct kb_test_desc *t = vm_test(cfg, img);

	return t && (t->flags & KB_TEST_F_SIPI);
}

static int vm_check_config(const struct vm_config *cfg, const struct vmm_image *img,
			   char *err, size_t len)
{
	uint64_t align = mem_align(cfg->mem.backing);

	if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > KB_MAX_VCPUS) {
		snprintf(err, len, "%d vCPUs: must be 1..%d", cfg->nr_vcpus, KB_MAX_VCPUS);
		return -EINVAL;
	}
	if (!cfg->ram_size || cfg->ram_size > KB_RAM_MAX || cfg->ram_size % align) {
		snprintf(err, len, "guest RAM %llu bytes: must be a multiple of %llu up to %llu MiB",
			 (unsigned long long)cfg->ram_size, (unsigned long long)align,
			 (unsigned long long)(KB_RAM_MAX >> 20));
		return -EINVAL;
	}
	if (vm_topology_check(&cfg->topo, cfg->nr_vcpus, err, len))
		return -EINVAL;
	if (cfg->vm_index < 0 || cfg->nr_vms < 0 || (cfg->nr_vms && cfg->vm_index >= cfg->nr_vms)) {
		snprintf(err, len, "VM index %d of %d VMs: must be 0..VMs-1", cfg->vm_index,
			 cfg->nr_vms);
		return -EINVAL;
	}
	if (cfg->cpu_model != VM_CPU_HOST && cfg->cpu_model != VM_CPU_BASELINE) {
		snprintf(err, len, "CPU model %d: must be host (%d) or baseline (%d)",
			 cfg->cpu_model, VM_CPU_HOST, VM_CPU_BASELINE);
		return -EINVAL;
	}
	if (cfg->test && cfg->test[0] && !image_find_test(img, cfg->test)) {
		snprintf(err, len, "the guest has no test '%s'", cfg->test);
		return -ENOENT;
	}
	if (vm_test_wakes_aps(cfg, img) && cfg->nr_vcpus > 1 && !cfg->irqchip) {
		snprintf(err, len, "test '%s' wakes its APs by INIT/SIPI: it needs the in-kernel LAPIC",
			 vm_test(cfg, img)->name);
		return -EINVAL;
	}
	return 0;
}

static int vm_setup(struct vm *vm, char *err, size_t len)
{
	int r, i, max_id;

	vm->kvm_fd = kvm_open(err, len);
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return vm_err(err, len, "KVM_CREATE_VM");
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	vm->stats = stats_open(ioctl(vm->fd, KVM_GET_STATS_FD, 0));
	r = vm_setup_ram(vm, err, len);
	if (r)
		return r;
	/* The LAPIC must exist before the vCPUs, or they get none. */
	if (vm->cfg.irqchip && ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0))
		return vm_err(err, len, "KVM_CREATE_IRQCHIP");
	vm_setup_ioeventfd(vm);
	max_id = vm_max_vcpu_id(vm);
	for (i = 0; i < vm->nr_vcpus; i++) {
		r = vcpu_create(vm, i, max_id, err, len);
		if (r)
			return r;
	}
	r = ioctl(vm->vcpu[0].fd, KVM_GET_TSC_KHZ, 0);
	vm->tsc_khz = r > 0 ? r : 0;
	r = vm_load_image(vm, err, len);
	if (r)
		return r;
	x86_build_tables(vm);
	for (i = 0; i < vm->nr_vcpus && !r; i++)
		r = x86_vcpu_reset(&vm->vcpu[i], err, len);
	return r;
}

/* vm_cond_init - a condition variable timed on CLOCK_MONOTONIC, like the deadlines. */
static void vm_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &ca);
	pthread_condattr_destroy(&ca);
}

struct vm *vm_create(const struct vm_config *cfg, const struct vmm_image *img,
		     char *err, size_t errlen)
{
	struct vm *vm;
	int i;

	if (vm_check_config(cfg, img, err, errlen))
		return NULL;
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &vm->t_create);
	vm->cfg = *cfg;
	vm->img = img;
	vm->nr_vcpus = cfg->nr_vcpus;
	topo_resolve(&cfg->topo, cfg->nr_vcpus, &vm->topo);
	vm->aps_wait = vm_test_wakes_aps(cfg, img);
	vm->ram_size = cfg->ram_size;
	vm->kvm_fd = vm->fd = vm->efd = -1;
	for (i = 0; i < KB_MAX_VCPUS; i++)
		vm->vcpu[i].fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	vm_cond_init(&vm->cond);
	if (vm_setup(vm, err, errlen)) {
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

/*
 * vm_abandon - a VM started and never finished: stop and reap its threads,
 * without writing to the caller's result or calling its callback, both of
 * which may be gone by now.
 */
static void vm_abandon(struct vm *vm)
{
	struct vm_run_result scratch = { 0 };

	pthread_mutex_lock(&vm->lock);
	vm->res = &scratch;
	vm->fn = NULL;
	pthread_mutex_unlock(&vm->lock);
	vm_kick_all(vm);
	vm_finish(vm);
}

void vm_destroy(struct vm *vm)
{
	int i;

	if (!vm)
		return;
	if (vm->ran && !vm->finished)
		vm_abandon(vm);
	for (i = 0; i < KB_MAX_VCPUS; i++) {
		struct vcpu *v = &vm->vcpu[i];

		stats_close(v->stats);
		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	stats_close(vm->stats);
	if (vm->efd >= 0)
		close(vm->efd);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	mem_free(vm->ram, vm->ram_size);
	pthread_mutex_destroy(&vm->lock);
	pthread_cond_destroy(&vm->cond);
	free(vm);
}

struct kvm_stats *vm_stats(struct vm *vm)
{
	return vm->stats;
}

struct kvm_stats *vm_vcpu_stats(struct vm *vm, int vcpu)
{
	return vcpu >= 0 && vcpu < vm->nr_vcpus ? vm->vcpu[vcpu].stats : NULL;
}

int vm_nr_vcpus(const struct vm *vm)
{
	return vm->nr_vcpus;
}

void *vm_ram(const struct vm *vm, uint64_t *size)
{
	*size = vm->ram_size;
	return vm->ram;
}

uint64_t vm_tsc_khz(const struct vm *vm)
{
	return vm->tsc_khz;
}

pid_t vm_vcpu_tid(const struct vm *vm, int vcpu)
{
	return vm->vcpu[vcpu].tid;
}

int vm_vcpu_info(const struct vm *vm, int vcpu, struct vmm_vcpu_info *out)
{
	if (vcpu < 0 || vcpu >= vm->nr_vcpus)
		return -EINVAL;
	*out = vm->vcpu[vcpu].info;
	return 0;
}

const char *vm_outcome_name(enum vm_outcome o)
{
	static const char *const names[] = { "done", "crashed", "timeout", "error" };

	return (unsigned)o < 4 ? names[o] : "?";
}

const char *vmm_event_name(enum vmm_event_type t)
{
	static const char *const names[] = {
		"log", "metric", "check", "skip", "done", "exception", "bad-call",
		"shutdown", "internal-error", "fail-entry", "unexpected-exit", "timeout",
		"mark", "vcpu-start", "vcpu-end", "balloon", "sync", "observe",
	};

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}
