// SPDX-License-Identifier: GPL-2.0
/*
 * t_counter - counters on the real host: each source resolves (or says why
 * it cannot count), libpfm4's encodings, bad names, a set of software
 * counters around 256 first touches, a set around a real-mode guest run on
 * this very thread (KVM stat and tracepoints count its port writes), an
 * unsupported counter in a set, and what `kvmbench counters` prints.
 *
 * Nothing may read as 0 for "cannot count": every unsupported counter must
 * carry a reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "counter.h"
#include "tap_test.h"

#define NR_OUTS		3	/* port writes of the real-mode guest */

static bool has(const char *s, const char *sub)
{
	return s && strstr(s, sub);
}

/* --- concurrent first use: the probes run once, whoever comes first -------- */

struct racer {
	const char *name;
	int r;
	struct counter_spec s;
	char err[256];
};

static void *race(void *arg)
{
	struct racer *x = arg;

	x->r = counter_resolve(x->name, &x->s, x->err, sizeof(x->err));
	return NULL;
}

static void test_concurrent_probe(void)
{
	struct racer x[4] = {
		{ .name = "exits" }, { .name = "kvm:kvm_pio" },
		{ .name = "instructions" }, { .name = "exits" },
	};
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, race, &x[i]);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ok(!x[0].r && !x[3].r && x[0].s.src == x[3].s.src && x[0].s.supported &&
	   x[3].s.supported, "4 threads resolving at once: exits resolves the same in two");
	ok(!x[1].r && x[1].s.src == COUNTER_TP, "... kvm:kvm_pio as a tracepoint");
	ok(!x[2].r && x[2].s.src == COUNTER_PMU, "... instructions as a PMU event");
}

/* --- each source --------------------------------------------------------------- */

static void test_kvm_stats(void)
{
	struct counter_spec s;
	char err[256];

	ok(!counter_resolve("exits", &s, err, sizeof(err)) && s.src == COUNTER_KVM_VCPU &&
	   s.supported && s.cumulative && !strcmp(s.stat, "exits"),
	   "exits: kvm-vcpu, supported, cumulative");
	ok(!counter_resolve("remote_tlb_flush", &s, err, sizeof(err)) && s.src == COUNTER_KVM_VM &&
	   s.supported && s.cumulative, "remote_tlb_flush: kvm-vm, supported, cumulative");
	ok(!counter_resolve("pages_4k", &s, err, sizeof(err)) && s.src == COUNTER_KVM_VM &&
	   s.supported && !s.cumulative, "pages_4k: kvm-vm, an instant value");
	is_str(counter_src_name(COUNTER_KVM_VCPU), "kvm-vcpu", "source name kvm-vcpu");
	is_str(counter_src_name(COUNTER_PMU), "pmu", "source name pmu");
}

static void test_software(void)
{
	struct counter_spec s;
	char err[256];
	int r = counter_resolve("page-faults", &s, err, sizeof(err));

	ok(!r && s.src == COUNTER_SW && s.supported && s.attr.type == PERF_TYPE_SOFTWARE &&
	   s.attr.config == PERF_COUNT_SW_PAGE_FAULTS, "page-faults: software, supported");
	if (!r && !s.supported)
		diag("page-faults: %s", s.why);
	ok(!counter_resolve("emulation-faults", &s, err, sizeof(err)) && s.src == COUNTER_SW,
	   "emulation-faults: software");
}

/* tp_ok - a tracepoint resolves: supported with an id, or unsupported with a reason. */
static void tp_ok(const char *name)
{
	struct counter_spec s;
	char err[256];
	int r = counter_resolve(name, &s, err, sizeof(err));

	ok(!r && s.src == COUNTER_TP &&
	   (s.supported ? s.attr.type == PERF_TYPE_TRACEPOINT && s.attr.config > 0 : s.why[0] != 0),
	   "%s: tracepoint, %s", name,
	   !r && s.supported ? "supported" : "unsupported with a reason");
	if (!r && !s.supported)
		diag("%s: %s", name, s.why);
	if (r)
		diag("%s", err);
}

static void test_tracepoints(void)
{
	struct counter_spec s;
	char err[256];

	tp_ok("kvm:kvm_pio");
	tp_ok("kvm_userspace_exit");
	tp_ok("kvmmmu:kvm_mmu_get_page");
	ok(!counter_resolve("kvm:kvm_no_such_event", &s, err, sizeof(err)) &&
	   s.src == COUNTER_TP && !s.supported && s.why[0],
	   "kvm:kvm_no_such_event: tracepoint, unsupported with a reason");
	diag("kvm:kvm_no_such_event: %s", s.why);
	ok(counter_resolve("nosuchsys:nosuchevent", &s, err, sizeof(err)) == -ENOENT,
	   "nosuchsys:nosuchevent is unknown");
}

static void test_pmu(void)
{
	struct counter_spec s;
	char err[256];
	int r;

	r = counter_resolve("cycles", &s, err, sizeof(err));
	ok(!r && s.src == COUNTER_PMU && (s.supported || has(s.why, "perf_event_open")),
	   "cycles: pmu, supported or unsupported because perf_event_open failed");
	if (!r && !s.supported)
		diag("cycles: %s", s.why);
	/* libpfm4's perf_events PMU maps the generic names to perf's own. */
	r = counter_resolve("instructions", &s, err, sizeof(err));
	ok(!r && s.attr.type == PERF_TYPE_HARDWARE && s.attr.config == PERF_COUNT_HW_INSTRUCTIONS,
	   "instructions: PERF_TYPE_HARDWARE / PERF_COUNT_HW_INSTRUCTIONS");
	ok(!s.attr.exclude_guest && !s.attr.exclude_host && !s.attr.exclude_user &&
	   !s.attr.exclude_kernel, "instructions: guest and host, user and kernel");
	r = counter_resolve("dTLB-load-misses", &s, err, sizeof(err));
	ok(!r && s.attr.type == PERF_TYPE_HW_CACHE &&
	   s.attr.config == (PERF_COUNT_HW_CACHE_DTLB | PERF_COUNT_HW_CACHE_OP_READ << 8 |
			     PERF_COUNT_HW_CACHE_RESULT_MISS << 16),
	   "dTLB-load-misses: PERF_TYPE_HW_CACHE dTLB read miss");
	r = counter_resolve("cycles@guest", &s, err, sizeof(err));
	ok(!r && s.src == COUNTER_PMU && s.attr.exclude_host && !s.attr.exclude_guest,
	   "cycles@guest: exclude_host");
	is_str(s.name, "cycles@guest", "cycles@guest: the name as written");
	r = counter_resolve("cycles@host", &s, err, sizeof(err));
	ok(!r && s.attr.exclude_guest && !s.attr.exclude_host, "cycles@host: exclude_guest");
	r = counter_resolve("RETIRED_INSTRUCTIONS:nosuchumask", &s, err, sizeof(err));
	ok(r == -EINVAL || r == -ENOENT, "a bad unit mask is an error (%s)", err);
}

static void test_bad_names(void)
{
	struct counter_spec s;
	char err[256], big[80];
	int r;

	r = counter_resolve("no_such_counter_xyz", &s, err, sizeof(err));
	ok(r == -ENOENT && has(err, "no_such_counter_xyz") && has(err, "KVM") &&
	   has(err, "software") && has(err, "tracepoint") && has(err, "libpfm4"),
	   "no_such_counter_xyz: -ENOENT naming the sources tried");
	diag("%s", err);
	r = counter_resolve("page-faults@guest", &s, err, sizeof(err));
	ok(r == -EINVAL && has(err, "PMU"),
	   "page-faults@guest: an error (@guest is for PMU events)");
	ok(counter_resolve("exits@host", &s, err, sizeof(err)) == -EINVAL, "exits@host: an error");
	ok(counter_resolve("kvm:kvm_pio@guest", &s, err, sizeof(err)) == -EINVAL,
	   "kvm:kvm_pio@guest: an error");
	ok(counter_resolve("cycles@vm", &s, err, sizeof(err)) == -EINVAL, "cycles@vm: an error");
	ok(counter_resolve("", &s, err, sizeof(err)) == -EINVAL, "the empty name: an error");
	ok(counter_resolve("a b", &s, err, sizeof(err)) == -EINVAL, "a space: an error");
	ok(counter_resolve("x/y", &s, err, sizeof(err)) == -EINVAL, "a slash: an error");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ok(counter_resolve(big, &s, err, sizeof(err)) == -EINVAL, "79 characters: an error");
	big[64] = 0;
	ok(counter_resolve(big, &s, err, sizeof(err)) == -EINVAL, "64 characters: an error");
	ok(counter_resolve(big + 1, &s, err, sizeof(err)) == -ENOENT,
	   "63 characters: unknown, not too long");
}

/* --- sets ------------------------------------------------------------------------ */

static int resolve_all(const char *const *names, int n, struct counter_spec *specs)
{
	char err[256];
	int i;

	for (i = 0; i < n; i++) {
		if (counter_resolve(names[i], &specs[i], err, sizeof(err))) {
			diag("%s", err);
			return -1;
		}
	}
	return 0;
}

static void test_set_software(void)
{
	static const char *const names[] = { "page-faults", "task-clock" };
	struct counter_spec specs[2];
	struct counter_val a[2], b[2];
	struct counter_set *cs;
	const size_t pages = 256;
	long pg = sysconf(_SC_PAGESIZE);
	volatile char *mem;
	size_t i;

	if (!ok(!resolve_all(names, 2, specs), "page-faults, task-clock resolve")) {
		skip(4, "no software counters");
		return;
	}
	cs = counter_set_open(specs, 2, NULL, NULL);
	mem = mmap(NULL, pages * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!cs || mem == MAP_FAILED) {
		skip(4, "out of memory");
		counter_set_close(cs);
		return;
	}
	madvise((void *)mem, pages * pg, MADV_NOHUGEPAGE);
	ok(!counter_set_read(cs, a) && a[0].ok && a[1].ok, "the set reads");
	for (i = 0; i < pages; i++)
		mem[i * pg] = 1;
	ok(!counter_set_read(cs, b) && b[0].ok && b[1].ok, "the set reads again");
	ok(b[0].value - a[0].value >= pages, "page-faults: +%llu over %zu first touches",
	   (unsigned long long)(b[0].value - a[0].value), pages);
	ok(b[1].value > a[1].value && b[1].enabled >= b[1].running,
	   "task-clock: +%llu ns, enabled %llu running %llu",
	   (unsigned long long)(b[1].value - a[1].value), (unsigned long long)b[1].enabled,
	   (unsigned long long)b[1].running);
	munmap((void *)mem, pages * pg);
	counter_set_close(cs);
}

static void test_set_unsupported(void)
{
	struct counter_spec specs[3];
	struct counter_val v[3];
	struct counter_set *cs;
	char err[256];

	memset(specs, 0, sizeof(specs));
	snprintf(specs[0].name, sizeof(specs[0].name), "made-up");
	specs[0].src = COUNTER_PMU;
	snprintf(specs[0].why, sizeof(specs[0].why), "made up for the test");
	counter_resolve("exits", &specs[1], err, sizeof(err));
	counter_resolve("task-clock", &specs[2], err, sizeof(err));
	cs = counter_set_open(specs, 3, NULL, NULL);
	if (!ok(cs != NULL, "a set with an unsupported counter opens")) {
		skip(3, "no set");
		return;
	}
	ok(!counter_set_read(cs, v) && !v[0].ok && v[0].value == 0 &&
	   !strcmp(counter_set_why(cs, 0), "made up for the test"),
	   "the unsupported counter reads not ok, with its reason");
	ok(!v[1].ok && has(counter_set_why(cs, 1), "no KVM binary stats"),
	   "a vCPU stat without vCPU stats: not ok, \"%s\"", counter_set_why(cs, 1));
	ok(v[2].ok && counter_set_why(cs, 2) == NULL, "the others read");
	counter_set_close(cs);
}

/* --- a real-mode guest on this thread ---------------------------------------------- */

struct rm_vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	void *mem;
};

/* rm_create - a VM whose vCPU runs "mov al, 0x42; out 0x10, al (x NR_OUTS); hlt" at 0x1000. */
static int rm_create(struct rm_vm *g)
{
	static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xe6, 0x10, 0xe6, 0x10, 0xf4 };
	struct kvm_userspace_memory_region r = { .memory_size = 0x10000 };
	struct kvm_sregs sr;
	struct kvm_regs regs = { .rip = 0x1000, .rflags = 2 };

	g->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	g->vm = g->kvm < 0 ? -1 : ioctl(g->kvm, KVM_CREATE_VM, 0);
	if (g->vm < 0)
		return -1;
	g->mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		return -1;
	memcpy((char *)g->mem + 0x1000, code, sizeof(code));
	r.userspace_addr = (uintptr_t)g->mem;
	if (ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &r))
		return -1;
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	g->run_size = ioctl(g->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (g->vcpu < 0)
		return -1;
	g->run = mmap(NULL, g->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->vcpu, 0);
	if (g->run == MAP_FAILED || ioctl(g->vcpu, KVM_GET_SREGS, &sr))
		return -1;
	sr.cs.base = 0;
	sr.cs.selector = 0;
	if (ioctl(g->vcpu, KVM_SET_SREGS, &sr) || ioctl(g->vcpu, KVM_SET_REGS, &regs))
		return -1;
	return 0;
}

/* rm_run - run to hlt; the number of KVM_EXIT_IO, or -1. */
static int rm_run(struct rm_vm *g)
{
	int ios = 0, i;

	for (i = 0; i < 100; i++) {
		if (ioctl(g->vcpu, KVM_RUN, 0) && errno != EINTR && errno != EAGAIN)
			return -1;
		if (g->run->exit_reason == KVM_EXIT_HLT)
			return ios;
		ios += g->run->exit_reason == KVM_EXIT_IO;
	}
	return -1;
}

static void rm_destroy(struct rm_vm *g)
{
	if (g->run && g->run != MAP_FAILED)
		munmap(g->run, g->run_size);
	if (g->mem && g->mem != MAP_FAILED)
		munmap(g->mem, 0x10000);
	if (g->vcpu > 0)
		close(g->vcpu);
	if (g->vm > 0)
		close(g->vm);
	if (g->kvm > 0)
		close(g->kvm);
}

/*
 * The vCPU runs on this thread, as in the VMM: the tracepoints opened here
 * count its exits (kvm_pio once per out), the vCPU stats fd its exits.
 */
static void test_set_guest(void)
{
	static const char *const names[] = {
		"kvm:kvm_pio", "kvm_userspace_exit", "exits", "pages_4k",
	};
	struct counter_spec specs[4];
	struct counter_val a[4], b[4];
	struct kvm_stats *vcpu_st, *vm_st;
	struct counter_set *cs;
	struct rm_vm g = { .kvm = -1, .vm = -1, .vcpu = -1 };
	int ios;

	if (resolve_all(names, 4, specs) || rm_create(&g)) {
		ok(0, "a real-mode guest: %s", strerror(errno));
		skip(4, "no guest");
		rm_destroy(&g);
		return;
	}
	vcpu_st = stats_open(ioctl(g.vcpu, KVM_GET_STATS_FD, 0));
	vm_st = stats_open(ioctl(g.vm, KVM_GET_STATS_FD, 0));
	cs = counter_set_open(specs, 4, vcpu_st, vm_st);
	ok(cs && !counter_set_read(cs, a), "a set of tracepoints and KVM stats reads");
	ios = rm_run(&g);
	ok(ios == NR_OUTS && cs && !counter_set_read(cs, b), "the guest ran %d outs to hlt", ios);
	if (specs[0].supported)
		ok(a[0].ok && b[0].ok && b[0].value - a[0].value == NR_OUTS,
		   "kvm:kvm_pio counted %llu (%d outs)",
		   (unsigned long long)(b[0].value - a[0].value), NR_OUTS);
	else
		ok(!b[0].ok && counter_set_why(cs, 0)[0], "kvm:kvm_pio unsupported: %s",
		   counter_set_why(cs, 0));
	if (specs[1].supported)
		ok(b[1].ok && b[1].value - a[1].value >= NR_OUTS,
		   "kvm_userspace_exit counted %llu",
		   (unsigned long long)(b[1].value - a[1].value));
	else
		ok(!b[1].ok && counter_set_why(cs, 1)[0], "kvm_userspace_exit unsupported: %s",
		   counter_set_why(cs, 1));
	ok(b[2].ok && b[2].value - a[2].value >= NR_OUTS + 1 && b[3].ok,
	   "exits (vCPU stats fd): +%llu; pages_4k (VM stats fd) now %llu",
	   (unsigned long long)(b[2].value - a[2].value), (unsigned long long)b[3].value);
	counter_set_close(cs);
	stats_close(vcpu_st);
	stats_close(vm_st);
	rm_destroy(&g);
}

/* --- counter_list ------------------------------------------------------------------ */

/* line_is - does @text have a line starting with @prefix? */
static bool line_is(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, n))
			return true;
	return false;
}

static void test_list(void)
{
	char *names[] = {
		"exits", "pages_4k", "page-faults", "kvm:kvm_pio", "cycles",
		"no_such_counter_xyz", "page-faults@guest",
	};
	char *text = NULL, *sw, *tp, *pmu;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	r = counter_list(f, names, 7);
	fclose(f);
	is_int(r, 1, "counter_list with an unknown name returns 1");
	ok(line_is(text, "exits: kvm-vcpu, supported\n"), "exits: kvm-vcpu, supported");
	ok(line_is(text, "pages_4k: kvm-vm, supported\n"), "pages_4k: kvm-vm, supported");
	ok(line_is(text, "page-faults: software, supported\n"), "page-faults: software, supported");
	ok(line_is(text, "kvm:kvm_pio: tracepoint, "), "kvm:kvm_pio: tracepoint, ...");
	ok(line_is(text, "cycles: pmu, supported") ||
	   line_is(text, "cycles: pmu, unsupported: perf_event_open: "),
	   "cycles: pmu, supported or unsupported: perf_event_open: ...");
	ok(line_is(text, "no_such_counter_xyz: unknown: not a KVM"),
	   "no_such_counter_xyz: unknown: ...");
	ok(line_is(text, "page-faults@guest: invalid: @guest"), "page-faults@guest: invalid: ...");
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	r = counter_list(f, NULL, 0);
	fclose(f);
	is_int(r, 0, "counter_list of every source returns 0");
	ok(line_is(text, "KVM VM stats (kvm-vm): ") &&
	   line_is(text, "KVM vCPU stats (kvm-vcpu): ") &&
	   line_is(text, "Software events (software)") &&
	   line_is(text, "Tracepoints (tracepoint)") &&
	   line_is(text, "PMU events (pmu): libpfm4 "), "a section per source");
	sw = has(text, "Software events") ? strstr(text, "Software events") : "";
	tp = has(text, "Tracepoints") ? strstr(text, "Tracepoints") : "";
	pmu = has(text, "PMU events") ? strstr(text, "PMU events") : "";
	ok(has(text, "pages_4k*") && !has(text, " exits*"), "instant stats are marked: pages_4k*");
	ok(has(sw, "  supported (") && has(sw, "    page-faults  ") && sw < tp,
	   "page-faults listed as supported");
	ok(has(tp, "kvm:kvm_pio") && has(tp, "kvmmmu:kvm_mmu_get_page") && tp < pmu,
	   "the kvm and kvmmmu tracepoints");
	ok(has(pmu, "cycles") && has(pmu, "iTLB-load-misses") &&
	   (has(pmu, "  supported (") || has(pmu, "  unsupported (6): perf_event_open: ")),
	   "the PMU trials, supported or with perf_event_open's reason");
	ok(has(pmu, "@guest"), "the note on @guest/@host");
	if (getenv("T_COUNTER_SHOW"))
		fputs(text, stdout);
	free(text);

	is_int(cmd_counters(2, (char *[]){ "counters", "--bogus", NULL }), 2,
	       "kvmbench counters --bogus: usage error");
}

int main(void)
{
	char why[VMM_ERR_MAX];

	if (kvm_probe(why, sizeof(why)))
		skip_all(why);
	test_concurrent_probe();
	test_kvm_stats();
	test_software();
	test_tracepoints();
	test_pmu();
	test_bad_names();
	test_set_software();
	test_set_unsupported();
	test_set_guest();
	test_list();
	return done_testing();
}
