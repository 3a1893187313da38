// SPDX-License-Identifier: GPL-2.0
/*
 * t_vmm - libvmm in process on the real /dev/kvm: the ABI's bounds check,
 * a boot with its events, KVM binary stats read by name and diffed around
 * a run, and vCPU threads named vcpuN.
 */
#include <errno.h>

#include "tap_test.h"
#include "vmm_int.h"

struct seen {
	int metrics, checks_ok, checks_bad, done;
	uint64_t iters;
	char thread[16];
};

static void on_event(void *ctx, const struct vmm_event *ev)
{
	struct seen *s = ctx;

	if (ev->type == VMM_EV_METRIC) {
		s->metrics++;
		s->iters = ev->iters;
		pthread_getname_np(pthread_self(), s->thread, sizeof(s->thread));
	}
	if (ev->type == VMM_EV_CHECK)
		ev->arg ? s->checks_ok++ : s->checks_bad++;
	s->done += ev->type == VMM_EV_DONE;
}

static void test_bounds(void)
{
	uint64_t ram = 64 << 20;

	ok(gpa_range_ok(ram, 0x1000, 8), "a block just above the guard page is in RAM");
	ok(!gpa_range_ok(ram, 0, 8), "GPA 0 (the guard page) is refused");
	ok(!gpa_range_ok(ram, 0xff8, 8), "a block inside the guard page is refused");
	ok(gpa_range_ok(ram, ram - 8, 8), "the last 8 bytes of RAM are in RAM");
	ok(!gpa_range_ok(ram, ram - 8, 9), "one byte past the end is refused");
	ok(!gpa_range_ok(ram, ram, 0), "GPA == RAM size is refused");
	ok(!gpa_range_ok(ram, 0x2000, ~0ull), "a length that would wrap around is refused");
	ok(!gpa_range_ok(ram, ~0ull - 4, 8), "an address that would wrap around is refused");
}

static int stat_value(struct kvm_stats *st, const char *name, uint64_t *v)
{
	uint64_t vals[512];
	int i = stats_find(st, name);

	if (i < 0 || stats_count(st) > 512 || stats_read(st, vals))
		return -1;
	*v = vals[i];
	return 0;
}

static void test_boot(const struct vmm_image *img)
{
	struct vm_config cfg;
	struct vm_run_result res;
	struct seen s = { 0 };
	uint64_t before = 0, after = 0;
	char err[VMM_ERR_MAX];
	struct vm *vm;

	vm_config_init(&cfg);
	cfg.test = "cpuid";
	vm_config_set_param(&cfg, "sample_us", NULL, 100, false);
	vm_config_set_param(&cfg, "samples", NULL, 3, false);
	vm = vm_create(&cfg, img, err, sizeof(err));
	if (!ok(vm != NULL, "vm_create for ioexit:cpuid")) {
		diag("%s", err);
		return;
	}
	ok(vm_tsc_khz(vm) > 0, "the TSC frequency is known (%llu kHz)",
	   (unsigned long long)vm_tsc_khz(vm));
	ok(stats_count(vm_stats(vm)) > 0 && stats_count(vm_vcpu_stats(vm, 0)) > 0,
	   "VM and vCPU binary stats are readable (%d and %d)", stats_count(vm_stats(vm)),
	   stats_count(vm_vcpu_stats(vm, 0)));
	ok(!stat_value(vm_vcpu_stats(vm, 0), "exits", &before), "the vCPU stat 'exits' is found by name");
	ok(stats_find(vm_vcpu_stats(vm, 0), "no_such_stat") < 0, "an unknown stat name is not found");
	vm_run(vm, 30, on_event, &s, &res);
	stat_value(vm_vcpu_stats(vm, 0), "exits", &after);
	is_str(vm_outcome_name(res.outcome), "done", "the guest ran to done()");
	is_int(s.metrics, 2, "two metrics (cpuid at CPL0 and CPL3)");
	ok(s.iters >= 1, "with an iteration count per sample");
	is_int(s.checks_ok, 1, "its one check passed");
	is_int(s.checks_bad, 0, "no check failed");
	is_int(s.done, 1, "one done()");
	is_str(s.thread, "vcpu0", "events come from the thread named vcpu0");
	ok(after > before, "KVM's exits stat rose over the run (%llu -> %llu)",
	   (unsigned long long)before, (unsigned long long)after);
	ok(res.first_call_us > 0, "the time to the first ABI call is measured (%.0f us)", res.first_call_us);
	ok(vm_run(vm, 1, on_event, &s, &res) == -EBUSY, "a VM runs once");
	vm_destroy(vm);
}

static void test_config(const struct vmm_image *img)
{
	struct vm_config cfg;
	char err[VMM_ERR_MAX];

	vm_config_init(&cfg);
	cfg.nr_vcpus = 0;
	ok(!vm_create(&cfg, img, err, sizeof(err)) && strstr(err, "must be 1..64"), "0 vCPUs is refused");
	vm_config_init(&cfg);
	cfg.ram_size = (64 << 20) + 1;
	ok(!vm_create(&cfg, img, err, sizeof(err)) && strstr(err, "must be a multiple"),
	   "an odd RAM size is refused");
	vm_config_init(&cfg);
	cfg.test = "missing";
	ok(!vm_create(&cfg, img, err, sizeof(err)) && strstr(err, "no test 'missing'"),
	   "an unknown test is refused");
	vm_config_init(&cfg);
	ok(vm_config_set_param(&cfg, "a_name_that_is_far_too_long_for_the_abi", "", 1, false) == -EINVAL,
	   "a parameter name too long for the ABI is refused");
}

/* The backing API: THP and KSM-mergeable RAM boots like anonymous 4K. */
static void test_backing(const struct vmm_image *img)
{
	struct vm_config cfg;
	struct vm_run_result res;
	struct seen s = { 0 };
	char err[VMM_ERR_MAX];
	struct vm *vm;

	vm_config_init(&cfg);
	cfg.test = "cpuid";
	cfg.mem.backing = VMM_BACKING_THP;
	cfg.mem.mergeable = true;
	vm_config_set_param(&cfg, "samples", NULL, 1, false);
	vm_config_set_param(&cfg, "sample_us", NULL, 10, false);
	vm = vm_create(&cfg, img, err, sizeof(err));
	if (!ok(vm != NULL, "vm_create with THP, KSM-mergeable RAM"))
		diag("%s", err);
	if (!vm)
		return;
	vm_run(vm, 30, on_event, &s, &res);
	ok(res.outcome == VM_DONE && s.checks_ok == 1, "the guest runs on it");
	vm_destroy(vm);
	is_str(vmm_backing_name(VMM_BACKING_HUGETLB_2M), "hugetlb-2m", "backing names");
	ok(vmm_backing_parse("hugetlb-1g", &cfg.mem.backing) == 0 &&
	   cfg.mem.backing == VMM_BACKING_HUGETLB_1G, "backing names parse");
	ok(vmm_backing_parse("5k", &cfg.mem.backing) == -EINVAL, "an unknown backing is refused");
}

int main(void)
{
	char path[PATH_MAX + 32], err[VMM_ERR_MAX];
	struct vmm_image img;

	test_bounds();
	if (kvm_probe(err, sizeof(err))) {
		skip(1, err);
		return done_testing();
	}
	snprintf(path, sizeof(path), "%s/ioexit.elf", tt_guests_dir());
	if (!ok(!image_load(path, &img, err, sizeof(err)), "load %s", path)) {
		diag("%s", err);
		return done_testing();
	}
	test_config(&img);
	test_boot(&img);
	test_backing(&img);
	image_free(&img);
	return done_testing();
}
