// SPDX-License-Identifier: GPL-2.0
/*
 * t_vmm - libvmm in process on the real /dev/kvm: the ABI's bounds check,
 * a boot with its events, KVM binary stats read by name and diffed around
 * a run, vCPU threads named vcpuN, topologies (APIC IDs, the CPUID each
 * vCPU gets, read back with KVM_GET_CPUID2), the baseline CPU model, APs
 * left waiting for INIT/SIPI, several VMs run at once, and what vm_vcpu_info
 * says about each vCPU thread.
 */
#include <errno.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "tap_test.h"
#include "vmm_int.h"

struct seen {
	int metrics, checks_ok, checks_bad, done, timeouts;
	uint64_t iters;
	char thread[16];
	char first[KB_NAME_MAX];	/* the first metric, check or skip name */
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
	if (ev->name && !s->first[0])
		snprintf(s->first, sizeof(s->first), "%s", ev->name);
	s->done += ev->type == VMM_EV_DONE;
	s->timeouts += ev->type == VMM_EV_TIMEOUT;
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

/*
 * THP-backed memory starts at a 2 MiB boundary on every kernel, so that a
 * guest's 2M page can be one host huge page (6.1 does not align large
 * anonymous mappings on its own; 6.7 and later do).  Needs no /dev/kvm.
 */
static void test_mem_align(void)
{
	struct vmm_mem_opts o = { .backing = VMM_BACKING_THP };
	char err[VMM_ERR_MAX];
	void *gap[8], *p;
	int i, bad = 0;

	for (i = 0; i < 8; i++) {
		/* an odd number of pages first: the next mapping cannot be aligned by luck alone */
		gap[i] = mmap(NULL, 4096 * (2 * i + 1), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		p = vmm_mem_map(6 << 20, &o, err, sizeof(err));
		if (!p || (uintptr_t)p % (2 << 20)) {
			diag("THP mapping %d at %p: %s", i, p, p ? "not 2 MiB aligned" : err);
			bad++;
		}
		if (p)
			vmm_mem_unmap(p, 6 << 20);
	}
	for (i = 0; i < 8; i++)
		if (gap[i] != MAP_FAILED)
			munmap(gap[i], 4096 * (2 * i + 1));
	ok(!bad, "THP memory starts at a 2 MiB boundary (8 of 8 mappings)");
}

/* --- topology ------------------------------------------------------------- */

static void apic_ids(int s, int c, int t, int n, char *out, size_t len)
{
	struct vm_topology topo = { s, c, t };
	size_t o = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < n && o < len; i++)
		o += snprintf(out + o, len - o, "%s%u", i ? "," : "",
			      vm_topology_apic_id(&topo, i));
}

static void test_topology_ids(void)
{
	static const struct {
		int s, c, t, n;
		const char *ids;
	} cases[] = {
		{ 1, 4, 1, 4, "0,1,2,3" }, { 2, 2, 1, 4, "0,1,2,3" },
		{ 2, 3, 1, 6, "0,1,2,4,5,6" }, { 1, 2, 2, 4, "0,1,2,3" },
		{ 2, 2, 2, 8, "0,1,2,3,4,5,6,7" }, { 3, 1, 1, 3, "0,1,2" },
		{ 1, 3, 3, 9, "0,1,2,4,5,6,8,9,10" }, { 0, 0, 0, 5, "0,1,2,3,4" },
	};
	char ids[128], err[VMM_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vm_topology t = { cases[i].s, cases[i].c, cases[i].t };

		apic_ids(t.sockets, t.cores, t.threads, cases[i].n, ids, sizeof(ids));
		is_str(ids, cases[i].ids, "%dx%dx%d: APIC IDs of %d vCPUs", t.sockets, t.cores,
		       t.threads, cases[i].n);
		is_int(vm_topology_check(&t, cases[i].n, err, sizeof(err)), 0,
		       "%dx%dx%d holds %d vCPUs", t.sockets, t.cores, t.threads, cases[i].n);
	}
}

static void topo_refused(int s, int c, int t, int n, const char *want, const char *what)
{
	struct vm_topology topo = { s, c, t };
	char err[VMM_ERR_MAX] = "";
	int r = vm_topology_check(&topo, n, err, sizeof(err));

	if (!ok(r == -EINVAL && strstr(err, want), "%s", what))
		diag("got %d '%s', want '%s'", r, err, want);
}

static void test_topology_check(const struct vmm_image *img)
{
	struct vm_config cfg;
	char err[VMM_ERR_MAX] = "";

	topo_refused(2, 1, 1, 4, "2x1x1 has 2 CPU slots, fewer than 4 vCPUs",
		     "fewer slots than vCPUs is refused");
	topo_refused(1, 0, 1, 1, "must each be at least 1", "a zero field is refused");
	topo_refused(-1, 2, 1, 1, "must each be at least 1", "a negative field is refused");
	topo_refused(2, 128, 1, 2, "APIC ID 255", "a slot with APIC ID 255 is refused");
	topo_refused(4, 64, 2, 8, "below 255", "a slot with an APIC ID above 255 is refused");
	topo_refused(1, 1, 1000, 1, "at most 255", "a field too large for 8-bit IDs is refused");
	vm_config_init(&cfg);
	cfg.nr_vcpus = 4;
	cfg.topo = (struct vm_topology){ 1, 3, 1 };
	ok(!vm_create(&cfg, img, err, sizeof(err)) && strstr(err, "1x3x1 has 3 CPU slots"),
	   "vm_create refuses a topology too small with vm_topology_check's message");
	vm_config_init(&cfg);
	cfg.cpu_model = 7;
	ok(!vm_create(&cfg, img, err, sizeof(err)) && strstr(err, "CPU model 7"),
	   "vm_create refuses an unknown CPU model");
}

/* vcpu_cpuid - vCPU @i's CPUID table as KVM holds it. */
static int vcpu_cpuid(struct vm *vm, int i, struct cpuid_table *t)
{
	memset(t, 0, sizeof(*t));
	t->c.nent = CPUID_MAX_ENTRIES;
	return ioctl(vm->vcpu[i].fd, KVM_GET_CPUID2, t);
}

static uint32_t lapic_id(struct vm *vm, int i)
{
	struct kvm_lapic_state st;
	uint32_t id;

	if (ioctl(vm->vcpu[i].fd, KVM_GET_LAPIC, &st))
		return ~0u;
	memcpy(&id, &st.regs[0x20], sizeof(id));
	return id >> 24;	/* xAPIC mode: the ID is in bits 31:24 */
}

/*
 * cpuid_topology_ok - leaves 1, 0xb and AMD's 0x80000008/0x8000001e/
 * 0x80000001 of a vCPU at @apic in @t.  @htt_clear: also want HTT clear
 * when a package has one logical CPU (kvm_pvm sets it in what it keeps).
 */
static bool cpuid_topology_ok(struct cpuid_table *c, const struct vm_topology *t,
			      uint32_t apic, bool htt_clear, char *why, size_t len)
{
	unsigned tb = topo_bits(t->threads), cb = topo_bits(t->cores);
	struct kvm_cpuid_entry2 *l1 = cpuid_find(c, 1, 0), *b0 = cpuid_find(c, 0xb, 0);
	struct kvm_cpuid_entry2 *b1 = cpuid_find(c, 0xb, 1), *b2 = cpuid_find(c, 0xb, 2);
	struct kvm_cpuid_entry2 *v = cpuid_find(c, 0, 0), *e;
	uint32_t ids = 1u << (tb + cb);
	bool htt;

	snprintf(why, len, "missing leaf");
	if (!l1 || !b0 || !b1 || !b2 || !v)
		return false;
	snprintf(why, len, "leaf 1 ebx %#x edx %#x, 0xb: %#x/%#x/%#x/%#x %#x/%#x/%#x/%#x %#x/%#x/%#x/%#x",
		 l1->ebx, l1->edx, b0->eax, b0->ebx, b0->ecx, b0->edx, b1->eax, b1->ebx, b1->ecx,
		 b1->edx, b2->eax, b2->ebx, b2->ecx, b2->edx);
	htt = l1->edx & (1u << 28);
	if (l1->ebx >> 24 != apic || ((l1->ebx >> 16) & 0xff) != ids || (ids > 1 && !htt) ||
	    (ids == 1 && htt && htt_clear) || v->eax < 0xb)
		return false;
	if (b0->eax != tb || b0->ebx != (uint32_t)t->threads || b0->ecx != 0x100 || b0->edx != apic ||
	    b1->eax != tb + cb || b1->ebx != (uint32_t)(t->cores * t->threads) ||
	    b1->ecx != 0x201 || b1->edx != apic || b2->eax || b2->ebx || b2->ecx != 2 ||
	    b2->edx != apic)
		return false;
	if (v->ebx != 0x68747541)	/* not AMD: done */
		return true;
	e = cpuid_find(c, 0x80000008, 0);
	if (e && ((e->ecx & 0xff) != (uint32_t)(t->cores * t->threads - 1) ||
		  ((e->ecx >> 12) & 0xf) != tb + cb)) {
		snprintf(why, len, "0x80000008 ecx %#x", e->ecx);
		return false;
	}
	e = cpuid_find(c, 0x8000001e, 0);
	if (e && (e->eax != apic || ((e->ebx >> 8) & 0xff) != (uint32_t)t->threads - 1)) {
		snprintf(why, len, "0x8000001e eax %#x ebx %#x", e->eax, e->ebx);
		return false;
	}
	e = cpuid_find(c, 0x80000001, 0);
	if (e && !!(e->ecx & 2) != (t->cores * t->threads > 1)) {
		snprintf(why, len, "0x80000001 ecx %#x (CmpLegacy)", e->ecx);
		return false;
	}
	return true;
}

/*
 * test_topology_cpuid - what each vCPU of @t was given, before any run:
 * the table the VMM built, and the one KVM holds (KVM_GET_CPUID2), which
 * is what the guest's cpuid sees.
 */
static void test_topology_cpuid(struct vm *vm, const struct vm_topology *t)
{
	const struct kb_boot_info *bi;
	struct cpuid_table c;
	char why[256], why_kvm[256];
	uint64_t size;
	int i, bad_built = -1, bad_kvm = -1, bad_lapic = -1, bad_bi = -1;

	bi = (const void *)((uint8_t *)vm_ram(vm, &size) + GPA_BOOT_INFO);
	for (i = vm_nr_vcpus(vm) - 1; i >= 0; i--) {
		uint32_t apic = vm_topology_apic_id(t, i);

		if (cpuid_build(vm, i, &c, why, sizeof(why)) ||
		    !cpuid_topology_ok(&c, t, apic, true, why, sizeof(why)))
			bad_built = i;
		if (vcpu_cpuid(vm, i, &c) || !cpuid_topology_ok(&c, t, apic, false, why_kvm,
								 sizeof(why_kvm)))
			bad_kvm = i;
		if (lapic_id(vm, i) != apic)
			bad_lapic = i;
		if (bi->cpu[i].apic_id != apic)
			bad_bi = i;
	}
	if (!ok(bad_built < 0, "%dx%dx%d: each vCPU's CPUID leaves 1, 0xb (and AMD's) show its place",
		t->sockets, t->cores, t->threads))
		diag("vcpu%d: %s", bad_built, why);
	if (!ok(bad_kvm < 0, "%dx%dx%d: and KVM_GET_CPUID2 reads them back", t->sockets, t->cores,
		t->threads))
		diag("vcpu%d: %s", bad_kvm, why_kvm);
	ok(bad_lapic < 0, "%dx%dx%d: every in-kernel LAPIC has the vCPU's APIC ID (first bad: %d)",
	   t->sockets, t->cores, t->threads, bad_lapic);
	ok(bad_bi < 0 && bi->sockets == (uint32_t)t->sockets && bi->cores == (uint32_t)t->cores &&
	   bi->threads == (uint32_t)t->threads && bi->cpu_model == KB_CPU_MODEL_HOST,
	   "%dx%dx%d: the boot info has the topology, the model and each APIC ID",
	   t->sockets, t->cores, t->threads);
}

static void cpuid_cfg(struct vm_config *cfg, int nr_vcpus, int sample_us, int samples)
{
	vm_config_init(cfg);
	cfg->test = "cpuid";
	cfg->nr_vcpus = nr_vcpus;
	vm_config_set_param(cfg, "sample_us", NULL, sample_us, false);
	vm_config_set_param(cfg, "samples", NULL, samples, false);
}

static void test_topology_boot(const struct vmm_image *img, int s, int c, int t, int n,
			       const char *ids)
{
	struct vm_config cfg;
	struct vm_run_result res;
	struct vmm_vcpu_info in;
	struct seen seen = { 0 };
	char err[VMM_ERR_MAX], got[128];
	size_t o = 0;
	struct vm *vm;
	int i;

	cpuid_cfg(&cfg, n, 10, 1);
	cfg.topo = (struct vm_topology){ s, c, t };
	vm = vm_create(&cfg, img, err, sizeof(err));
	if (!ok(vm, "vm_create %dx%dx%d with %d vCPUs", s, c, t, n)) {
		diag("%s", err);
		return;
	}
	test_topology_cpuid(vm, &cfg.topo);
	vm_run(vm, 60, on_event, &seen, &res);
	if (!is_str(vm_outcome_name(res.outcome), "done", "%dx%dx%d: ioexit:cpuid runs to done()",
		    s, c, t))
		diag("%s", res.why);
	is_int(seen.done, n, "%dx%dx%d: every vCPU called done()", s, c, t);
	got[0] = 0;
	for (i = 0; i < n && !vm_vcpu_info(vm, i, &in); i++)
		o += snprintf(got + o, sizeof(got) - o, "%s%u", i ? "," : "", in.apic_id);
	is_str(got, ids, "%dx%dx%d: vm_vcpu_info gives the APIC IDs", s, c, t);
	vm_destroy(vm);
}

/* --- CPU model ------------------------------------------------------------ */

/* baseline_extra - what leaves 1, 7 and 0xd of @c show beyond the baseline ("" if nothing). */
static void baseline_extra(struct cpuid_table *c, char *out, size_t len)
{
	struct kvm_cpuid_entry2 *l1 = cpuid_find(c, 1, 0), *l7 = cpuid_find(c, 7, 0);
	size_t o = 0;
	unsigned i;

	out[0] = 0;
	if (l1 && ((l1->ecx & ~KB_BASELINE_1_ECX) || (l1->edx & ~KB_BASELINE_1_EDX)))
		o += snprintf(out + o, len - o, "leaf 1 ecx +%#x edx +%#x; ",
			      l1->ecx & ~KB_BASELINE_1_ECX, l1->edx & ~KB_BASELINE_1_EDX);
	if (l7 && (l7->eax || (l7->ebx & ~KB_BASELINE_7_EBX) || (l7->ecx & ~KB_BASELINE_7_ECX) ||
		   (l7->edx & ~KB_BASELINE_7_EDX)) && o < len)
		o += snprintf(out + o, len - o, "leaf 7 eax %#x ebx %#x ecx %#x edx %#x; ",
			      l7->eax, l7->ebx, l7->ecx, l7->edx);
	for (i = 0; i < c->c.nent && o < len; i++)
		if (c->e[i].function == 0xd || (c->e[i].function == 7 && c->e[i].index))
			o += snprintf(out + o, len - o, "leaf %#x.%u; ", c->e[i].function,
				      c->e[i].index);
}

static bool baseline_81_ok(struct cpuid_table *c)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 0x80000001, 0);

	/* CmpLegacy (bit 1) follows the topology on AMD, like HTT in leaf 1. */
	return !e || (!(e->ecx & ~(KB_BASELINE_81_ECX | 2)) && !(e->edx & ~KB_BASELINE_81_EDX));
}

/*
 * test_baseline_cpuid - the table the VMM builds holds the baseline; KVM
 * may not keep it: kvm_pvm runs guest CPL3 natively and puts the host's
 * own features back into leaves 1, 7 and 0xd, which no VMM can hide.
 */
static void test_baseline_cpuid(struct vm *vm)
{
	struct cpuid_table built, kvm;
	char extra[512], why[VMM_ERR_MAX];

	if (!ok(!cpuid_build(vm, 0, &built, why, sizeof(why)) && !vcpu_cpuid(vm, 0, &kvm),
		"baseline: the VMM's table, and KVM_GET_CPUID2 reads KVM's back"))
		return;
	baseline_extra(&built, extra, sizeof(extra));
	if (!ok(!extra[0], "baseline: the VMM asks for nothing beyond KB_BASELINE_* in leaves 1, 7, 0xd"))
		diag("%s", extra);
	ok(baseline_81_ok(&built) && baseline_81_ok(&kvm),
	   "baseline: leaf 0x80000001 shows nothing beyond KB_BASELINE_81_*, asked and kept");
	baseline_extra(&kvm, extra, sizeof(extra));
	if (extra[0]) {
		diag("KVM keeps host features beyond the baseline: %s", extra);
		skip(1, "this KVM puts host features back into leaves 1, 7, 0xd (kvm_pvm)");
	} else {
		ok(1, "baseline: KVM keeps leaves 1, 7 and 0xd as asked");
	}
}

static void test_baseline(const struct vmm_image *img)
{
	struct vm_config cfg;
	struct vm_run_result res;
	struct seen seen = { 0 };
	char err[VMM_ERR_MAX];
	uint64_t size;
	struct vm *vm;

	cpuid_cfg(&cfg, 2, 10, 1);
	cfg.cpu_model = VM_CPU_BASELINE;
	vm = vm_create(&cfg, img, err, sizeof(err));
	if (!ok(vm, "vm_create with the baseline CPU model (KVM_SET_CPUID2 takes it)")) {
		diag("%s", err);
		return;
	}
	test_baseline_cpuid(vm);
	is_int(((const struct kb_boot_info *)((uint8_t *)vm_ram(vm, &size) + GPA_BOOT_INFO))->cpu_model,
	       KB_CPU_MODEL_BASELINE, "the boot info names the baseline model");
	vm_run(vm, 60, on_event, &seen, &res);
	if (!is_str(vm_outcome_name(res.outcome), "done", "ioexit:cpuid runs to done() on the baseline model"))
		diag("%s", res.why);
	is_int(seen.checks_bad, 0, "and no check failed");
	vm_destroy(vm);
}

/* --- APs waiting for INIT/SIPI ------------------------------------------- */

static void test_default_test(const struct vmm_image *img)
{
	const struct kb_test_desc *d = image_default_test(img);
	struct vm_config cfg;
	struct vm_run_result res;
	struct seen a = { 0 }, b = { 0 };
	char err[VMM_ERR_MAX];
	struct vm *vm;

	if (!ok(d, "the image has a default test (%s; first by address: %s)", d ? d->name : "-",
		img->tests[0].name))
		return;
	cpuid_cfg(&cfg, 1, 10, 1);
	cfg.test = "";
	vm = vm_create(&cfg, img, err, sizeof(err));
	if (vm)
		vm_run(vm, 60, on_event, &a, &res);
	vm_destroy(vm);
	cfg.test = d->name;
	vm = vm_create(&cfg, img, err, sizeof(err));
	if (vm)
		vm_run(vm, 60, on_event, &b, &res);
	vm_destroy(vm);
	ok(a.first[0] && !strcmp(a.first, b.first),
	   "test \"\" runs image_default_test's test (first event '%s' and '%s')", a.first, b.first);
}

static void test_sipi(const struct vmm_image *img)
{
	struct vmm_image copy = *img;
	struct kb_test_desc *d = (struct kb_test_desc *)image_default_test(&copy);
	struct kvm_mp_state mp = { 0 };
	const struct kb_boot_info *bi;
	struct vm_config cfg;
	struct vm_run_result res;
	struct seen seen = { 0 };
	char err[VMM_ERR_MAX];
	uint64_t size, cs32;
	struct vm *vm;
	int r;

	/* No guest test has KB_TEST_F_SIPI yet: give the default one the flag here. */
	d->flags |= KB_TEST_F_SIPI;
	cpuid_cfg(&cfg, 2, 10, 1);
	cfg.test = "";
	cfg.irqchip = false;
	ok(!vm_create(&cfg, &copy, err, sizeof(err)) && strstr(err, "in-kernel LAPIC"),
	   "a SIPI test with APs and no irqchip is refused");
	cfg.irqchip = true;
	vm = vm_create(&cfg, &copy, err, sizeof(err));
	if (!ok(vm, "vm_create for a test with KB_TEST_F_SIPI")) {
		diag("%s", err);
		return;
	}
	bi = (const void *)((uint8_t *)vm_ram(vm, &size) + GPA_BOOT_INFO);
	ok(bi->host_flags & KB_HOST_APS_WAIT, "the boot info says the APs wait for INIT/SIPI");
	memcpy(&cs32, (uint8_t *)vm_ram(vm, &size) + GPA_GDT + KB_SEL_CS32, sizeof(cs32));
	is_int(cs32, 0x00cf9b000000ffffll, "the GDT has a flat 32-bit DPL0 code segment at KB_SEL_CS32");
	vm_run(vm, 1, on_event, &seen, &res);
	is_str(vm_outcome_name(res.outcome), "timeout",
	       "an AP nobody wakes ends the run by the watchdog");
	is_int(seen.done, 1, "the BSP ran its test to done()");
	is_int(seen.timeouts, 1, "the waiting AP is reported as timed out");
	is_int(vm->vcpu[1].exits, 0, "the AP never left KVM_RUN");
	r = ioctl(vm->vcpu[1].fd, KVM_GET_MP_STATE, &mp);
	ok(!r && mp.mp_state == KVM_MP_STATE_UNINITIALIZED,
	   "the AP is still waiting for INIT/SIPI (mp_state %u)", mp.mp_state);
	vm_destroy(vm);
	d->flags &= ~KB_TEST_F_SIPI;
}

/* --- several VMs from one thread ------------------------------------------- */

static void run_together(const struct vmm_image *img, const int *vcpus, int n, const char *what)
{
	struct vm_run_result res[4];
	struct seen seen[4];
	struct vm_config cfg;
	struct vm *vm[4];
	char err[VMM_ERR_MAX];
	int i, started = 0, done = 0, calls = 0;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		cpuid_cfg(&cfg, vcpus[i], 100, 2);
		vm[i] = vm_create(&cfg, img, err, sizeof(err));
		if (!vm[i])
			diag("vm_create: %s", err);
	}
	for (i = 0; i < n; i++)
		started += vm[i] && !vm_start(vm[i], 60, on_event, &seen[i], &res[i]);
	is_int(started, n, "%s: vm_start starts every VM", what);
	for (i = n - 1; i >= 0; i--) {	/* in any order */
		if (!vm[i])
			continue;
		done += !vm_finish(vm[i]) && res[i].outcome == VM_DONE;
		calls += seen[i].done == vcpus[i];
		if (res[i].outcome != VM_DONE)
			diag("VM %d: %s: %s", i, vm_outcome_name(res[i].outcome), res[i].why);
		vm_destroy(vm[i]);
	}
	is_int(done, n, "%s: vm_finish gives VM_DONE for each", what);
	is_int(calls, n, "%s: every vCPU of every VM called done()", what);
}

static void test_start_finish(const struct vmm_image *img)
{
	static const int three[] = { 1, 1, 1 }, mixed[] = { 1, 2, 1 };
	struct vmm_image copy = *img;
	struct kb_test_desc *d = (struct kb_test_desc *)image_find_test(&copy, "cpuid");
	struct vm_run_result ra, rb;
	struct seen sa = { 0 }, sb = { 0 };
	struct vm_config cfg;
	char err[VMM_ERR_MAX];
	struct vm *a, *b;

	run_together(img, three, 3, "3 VMs of 1 vCPU");
	run_together(img, mixed, 3, "a 2-vCPU VM beside two 1-vCPU VMs");

	/* Each VM has its own deadline: a hung VM times out beside one that finishes. */
	d->flags |= KB_TEST_F_SIPI;
	cpuid_cfg(&cfg, 2, 10, 1);
	a = vm_create(&cfg, &copy, err, sizeof(err));
	d->flags &= ~KB_TEST_F_SIPI;
	cpuid_cfg(&cfg, 1, 100, 2);
	b = vm_create(&cfg, &copy, err, sizeof(err));
	if (!ok(a && b, "two VMs, one whose AP never wakes")) {
		vm_destroy(a);
		vm_destroy(b);
		return;
	}
	vm_start(a, 1, on_event, &sa, &ra);
	vm_start(b, 60, on_event, &sb, &rb);
	vm_finish(b);
	vm_finish(a);
	ok(rb.outcome == VM_DONE && ra.outcome == VM_TIMEOUT,
	   "the hung one times out, the other is done (%s, %s)", vm_outcome_name(ra.outcome),
	   vm_outcome_name(rb.outcome));
	ok(vm_finish(a) == -EINVAL, "vm_finish once per vm_start");
	vm_destroy(a);
	vm_destroy(b);
	a = vm_create(&cfg, img, err, sizeof(err));
	if (a)
		vm_start(a, 60, on_event, &sa, &ra);
	vm_destroy(a);	/* started, never finished */
	ok(a, "vm_destroy stops a VM started and never finished");
}

/* --- vCPU thread info ------------------------------------------------------- */

static void test_cpulist(void)
{
	static const int cpus[] = { 0, 1, 4, 6, 7, 8, 10 };
	unsigned long long ut = 0, st = 0, gt = 0;
	char buf[64];
	cpu_set_t set;
	size_t i;
	int cpu = -1, r;

	CPU_ZERO(&set);
	cpulist_format(&set, buf, sizeof(buf));
	is_str(buf, "", "an empty CPU set is \"\"");
	for (i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++)
		CPU_SET(cpus[i], &set);
	cpulist_format(&set, buf, sizeof(buf));
	is_str(buf, "0-1,4,6-8,10", "CPU sets are formatted as lists with ranges");
	r = thread_stat_parse("42 (a) (b c)) S 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 "
			      "23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44\n",
			      &ut, &st, &gt, &cpu);
	ok(!r && ut == 14 && st == 15 && cpu == 39 && gt == 43,
	   "stat fields are counted after the last ')' (utime %llu stime %llu cpu %d guest %llu)",
	   ut, st, cpu, gt);
	ok(thread_stat_parse("42 (x) S 1 2 3\n", &ut, &st, &gt, &cpu) == -EINVAL,
	   "a short stat line is refused");
}

static void test_vcpu_info_run(const struct vmm_image *img, const int *pin, const char *what)
{
	struct vmm_vcpu_info in[2];
	struct vm_config cfg;
	struct vm_run_result res;
	struct seen seen = { 0 };
	char err[VMM_ERR_MAX], want[128];
	cpu_set_t set;
	struct vm *vm;
	int i;

	cpuid_cfg(&cfg, 2, 1000, 5);
	cfg.pin = pin != NULL;
	for (i = 0; pin && i < 2; i++)
		cfg.pin_cpu[i] = pin[i];
	vm = vm_create(&cfg, img, err, sizeof(err));
	if (!ok(vm, "%s: vm_create", what)) {
		diag("%s", err);
		return;
	}
	vm_run(vm, 60, on_event, &seen, &res);
	is_str(vm_outcome_name(res.outcome), "done", "%s: ioexit:cpuid runs to done()", what);
	for (i = 0; i < 2; i++) {
		vm_vcpu_info(vm, i, &in[i]);
		if (pin) {
			snprintf(want, sizeof(want), "%d", pin[i]);
		} else {
			sched_getaffinity(0, sizeof(set), &set);
			cpulist_format(&set, want, sizeof(want));
		}
		ok(in[i].tid > 0 && in[i].tid == vm_vcpu_tid(vm, i), "%s: vcpu%d's tid %d", what, i,
		   in[i].tid);
		ok(in[i].pin_cpu == (pin ? pin[i] : -1) && in[i].pin_errno == 0,
		   "%s: vcpu%d pin_cpu %d, pin_errno %d", what, i, in[i].pin_cpu, in[i].pin_errno);
		is_str(in[i].affinity, want, "%s: vcpu%d may run on the CPUs asked", what, i);
		if (pin)
			is_int(in[i].last_cpu, pin[i], "%s: vcpu%d last ran on its CPU", what, i);
		ok(in[i].have_times && in[i].user_s >= 0 && in[i].system_s >= 0 && in[i].guest_s >= 0 &&
		   in[i].vol_ctxsw >= 0 && in[i].invol_ctxsw >= 0,
		   "%s: vcpu%d's times were read as it ended", what, i);
		ok(in[i].user_s + in[i].system_s + in[i].guest_s > 0,
		   "%s: vcpu%d, CPU-bound, has CPU time: user %.2f system %.2f guest %.2f s, "
		   "ctxsw %ld/%ld, last CPU %d", what, i, in[i].user_s, in[i].system_s,
		   in[i].guest_s, in[i].vol_ctxsw, in[i].invol_ctxsw, in[i].last_cpu);
	}
	ok(vm_vcpu_info(vm, 2, &in[0]) == -EINVAL && vm_vcpu_info(vm, -1, &in[0]) == -EINVAL,
	   "%s: vm_vcpu_info refuses a vCPU the VM lacks", what);
	vm_destroy(vm);
}

static void test_vcpu_info(const struct vmm_image *img)
{
	int pin[2] = { -1, -1 }, n = 0, cpu;
	cpu_set_t set;

	test_cpulist();
	sched_getaffinity(0, sizeof(set), &set);
	for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
		if (CPU_ISSET(cpu, &set))
			pin[n++] = cpu;
	if (n == 2)
		test_vcpu_info_run(img, pin, "pinned");
	else
		skip(1, "fewer than 2 CPUs to pin to");
	test_vcpu_info_run(img, NULL, "floating");
}

int main(void)
{
	char path[PATH_MAX + 32], err[VMM_ERR_MAX];
	struct vmm_image img;

	test_bounds();
	test_topology_ids();
	test_mem_align();
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
	test_topology_check(&img);
	test_topology_boot(&img, 2, 2, 1, 4, "0,1,2,3");
	test_topology_boot(&img, 2, 3, 1, 6, "0,1,2,4,5,6");
	test_topology_boot(&img, 1, 2, 2, 4, "0,1,2,3");
	test_baseline(&img);
	test_default_test(&img);
	test_sipi(&img);
	test_start_finish(&img);
	test_vcpu_info(&img);
	image_free(&img);
	return done_testing();
}
