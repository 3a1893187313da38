// SPDX-License-Identifier: GPL-2.0
/*
 * t_vmm_memory - the VMM's balloon and sync calls, on the real /dev/kvm
 * with the memory guest: RAM given back really leaves the host (mincore),
 * reads as zeroes and spares the rest; malformed balloons stop the test
 * as bad calls; a sync callback sees the guest's name and value and its
 * reply reaches the guest, may block (even past the watchdog's grace
 * period) without stopping anything but the watchdog; several VMs of a
 * case learn their index.  mem_release() itself on private, shared and
 * (refused) misaligned hugetlb memory.
 */
#include <errno.h>
#include <sys/mman.h>
#include <time.h>

#include "tap_test.h"
#include "vmm_int.h"

#define MIB	(1ull << 20)

/* What one VM's run said. */
struct seen {
	pthread_mutex_t lock;
	int checks_ok, checks_bad, metrics, balloons, syncs;
	char bad_check[KB_NAME_MAX], bad_detail[KB_TEXT_MAX];
	char bad_all[2048];		/* "name: detail|" of every failed check */
	uint8_t *corrupt;		/* guest RAM of the region: spoil it at the syncs */
	char names[1024];		/* " name " of every check and metric */
	struct vmm_balloon balloon;
	char how[32];
	/* sync */
	struct vm *vm;
	int64_t sync_arg[KB_MAX_VCPUS];
	char sync_name[KB_NAME_MAX];	/* the last sync point */
	int64_t merge_arg;		/* ksm_merge's value */
	bool written_only;		/* the barrier is for sync point written only */
	int block_ms;			/* a sync blocks this long... */
	bool until_stopped;		/* ...or until vm_stopped() */
	bool saw_stopped;
	int *barrier, barrier_n;	/* ...or until barrier_n syncs arrived (shared) */
	bool barrier_met;
};

static pthread_mutex_t barrier_lock = PTHREAD_MUTEX_INITIALIZER;

static void seen_init(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* barrier_wait - until @n syncs (of every VM) came, at most 20 s: met? */
static bool barrier_wait(struct seen *s)
{
	int i, n;

	pthread_mutex_lock(&barrier_lock);
	n = ++*s->barrier;
	pthread_mutex_unlock(&barrier_lock);
	for (i = 0; i < 2000 && n < s->barrier_n; i++) {
		sleep_ms(10);
		pthread_mutex_lock(&barrier_lock);
		n = *s->barrier;
		pthread_mutex_unlock(&barrier_lock);
	}
	return n >= s->barrier_n;
}

static void name_add(struct seen *s, const char *name)
{
	size_t n = strlen(s->names);

	snprintf(s->names + n, sizeof(s->names) - n, " %s ", name);
}

/*
 * corrupt - at ksm_merge, one word of page 5 changes; at written, page 7
 * gets VM 3's value (memory.c's "WRT" | VM << 32 | page).
 */
static void corrupt(struct seen *s, const char *point)
{
	uint64_t v = 0x5752540000000000ull | 3ull << 32 | 7;

	if (!strcmp(point, "ksm_merge"))
		s->corrupt[5 * 4096 + 800] ^= 0x10;
	if (!strcmp(point, "written"))
		memcpy(s->corrupt + 7 * 4096 + 8, &v, sizeof(v));
}

static void on_sync(struct seen *s, const struct vmm_event *ev)
{
	int i;

	pthread_mutex_lock(&s->lock);
	s->syncs++;
	snprintf(s->sync_name, sizeof(s->sync_name), "%s", ev->name);
	name_add(s, ev->name);
	if (!strcmp(ev->name, "ksm_merge"))
		s->merge_arg = ev->arg;
	if (ev->vcpu >= 0 && ev->vcpu < KB_MAX_VCPUS)
		s->sync_arg[ev->vcpu] = ev->arg;
	pthread_mutex_unlock(&s->lock);
	*ev->reply = ev->arg;	/* echo */
	if (s->corrupt)
		corrupt(s, ev->name);
	if (s->written_only && strcmp(ev->name, "written"))
		return;
	if (s->barrier && barrier_wait(s)) {
		pthread_mutex_lock(&s->lock);
		s->barrier_met = true;
		pthread_mutex_unlock(&s->lock);
	} else if (s->barrier) {
		*ev->reply = -1;
	}
	if (s->block_ms)
		sleep_ms(s->block_ms);
	for (i = 0; s->until_stopped && i < 2000 && !vm_stopped(s->vm); i++)
		sleep_ms(10);
	if (s->until_stopped && vm_stopped(s->vm))
		s->saw_stopped = true;
}

static void on_event(void *ctx, const struct vmm_event *ev)
{
	struct seen *s = ctx;

	if (ev->type == VMM_EV_SYNC) {
		on_sync(s, ev);
		return;
	}
	pthread_mutex_lock(&s->lock);
	switch (ev->type) {
	case VMM_EV_CHECK:
		name_add(s, ev->name);
		if (!ev->arg) {
			size_t n = strlen(s->bad_all);

			snprintf(s->bad_all + n, sizeof(s->bad_all) - n, "%s: %s|", ev->name, ev->text);
		}
		if (ev->arg) {
			s->checks_ok++;
		} else if (!s->checks_bad++) {
			snprintf(s->bad_check, sizeof(s->bad_check), "%s", ev->name);
			snprintf(s->bad_detail, sizeof(s->bad_detail), "%s", ev->text);
		}
		break;
	case VMM_EV_METRIC:
		name_add(s, ev->name);
		s->metrics++;
		break;
	case VMM_EV_BALLOON:
		s->balloons++;
		s->balloon = ev->balloon;
		snprintf(s->how, sizeof(s->how), "%s", ev->balloon.how ? ev->balloon.how : "");
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&s->lock);
}

/* has - is @name among the checks and metrics seen? */
static bool has(const struct seen *s, const char *name)
{
	char word[80];

	snprintf(word, sizeof(word), " %s ", name);
	return strstr(s->names, word);
}

static void mem_cfg(struct vm_config *cfg, const char *test, uint64_t ram_mb, int mb)
{
	vm_config_init(cfg);
	cfg->test = test;
	cfg->ram_size = ram_mb * MIB;
	vm_config_set_param(cfg, "mb", NULL, mb, false);
	vm_config_set_param(cfg, "samples", NULL, 5, false);
}

static struct vm *boot(const struct vm_config *cfg, const struct vmm_image *img, const char *what)
{
	char err[VMM_ERR_MAX];
	struct vm *vm = vm_create(cfg, img, err, sizeof(err));

	if (!ok(vm, "%s: vm_create", what))
		diag("%s", err);
	return vm;
}

static void report_bad(const struct seen *s)
{
	if (s->checks_bad)
		diag("first failed check: %s: %s", s->bad_check, s->bad_detail);
}

/* --- mem_release ------------------------------------------------------------ */

static void test_release(void)
{
	uint64_t len = 4 * MIB, before, after;
	const char *how = "";
	uint8_t *p;
	int r;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 0xa5, len);
	before = mem_resident(p, len);
	r = mem_release(p + MIB, 2 * MIB, VMM_BACKING_4K, false, &how);
	after = mem_resident(p, len);
	ok(!r && !strcmp(how, "MADV_DONTNEED"), "private RAM: released with %s (%d)", how, r);
	ok(before == len && after == len - 2 * MIB,
	   "private RAM: the range left host memory, nothing else (resident %llu -> %llu KiB)",
	   (unsigned long long)before >> 10, (unsigned long long)after >> 10);
	ok(p[MIB] == 0 && p[3 * MIB - 1] == 0 && p[MIB - 1] == 0xa5 && p[3 * MIB] == 0xa5,
	   "private RAM: the range reads as zeroes, its neighbours as before");
	munmap(p, len);

	/* Shared (shmem): DONTNEED only unmaps, the old content comes back. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(p, 0x5a, len);
	madvise(p, len, MADV_DONTNEED);
	ok(p[0] == 0x5a, "shared RAM: MADV_DONTNEED would keep the content (why MADV_REMOVE)");
	r = mem_release(p, 2 * MIB, VMM_BACKING_4K, true, &how);
	after = mem_resident(p, len);
	ok(!r && !strcmp(how, "MADV_REMOVE"), "shared RAM: released with %s (%d)", how, r);
	ok(p[0] == 0 && p[2 * MIB - 1] == 0 && p[2 * MIB] == 0x5a,
	   "shared RAM: the range reads as zeroes, the rest as before");
	munmap(p, len);

	/* Refused before any madvise(): the addresses are never touched. */
	p = (uint8_t *)(uintptr_t)(64 * MIB);
	is_int(mem_release(p + 4096, 2 * MIB, VMM_BACKING_HUGETLB_2M, false, &how), -EINVAL,
	       "hugetlb-2m: a start not 2 MiB aligned is refused");
	is_int(mem_release(p, 4096, VMM_BACKING_HUGETLB_2M, false, &how), -EINVAL,
	       "hugetlb-2m: a length not whole 2 MiB is refused");
	is_int(mem_release(p, 2 * MIB, VMM_BACKING_HUGETLB_1G, false, &how), -EINVAL,
	       "hugetlb-1g: 2 MiB is refused");
	is_int(mem_release(p, 0, VMM_BACKING_4K, false, &how), -EINVAL, "an empty range is refused");
}

/* --- balloon ------------------------------------------------------------------- */

static void test_balloon(const struct vmm_image *img, enum vmm_backing backing)
{
	const char *bk = vmm_backing_name(backing);
	bool huge = backing == VMM_BACKING_HUGETLB_2M || backing == VMM_BACKING_HUGETLB_1G;
	uint64_t len = 32 * MIB, drop;
	struct vm_run_result res;
	struct vm_config cfg;
	struct seen s;
	struct vm *vm;

	seen_init(&s);
	mem_cfg(&cfg, "balloon", 128, 64);
	vm_config_set_param(&cfg, "balloon_mb", NULL, len / MIB, false);
	cfg.mem.backing = backing;
	vm = boot(&cfg, img, bk);
	if (!vm)
		return;
	vm_run(vm, 60, on_event, &s, &res);
	if (!is_str(vm_outcome_name(res.outcome), "done", "%s: memory:balloon runs to done()", bk))
		diag("%s", res.why);
	is_int(s.balloons, 1, "%s: one balloon event", bk);
	ok(s.balloon.err == 0 && s.balloon.len == len && s.balloon.gpa % (2 * MIB) == 0,
	   "%s: it released %llu MiB at GPA %#llx (2 MiB aligned), err %d", bk,
	   (unsigned long long)s.balloon.len / MIB, (unsigned long long)s.balloon.gpa,
	   s.balloon.err);
	is_str(s.how, "MADV_DONTNEED", "%s: private guest RAM goes with MADV_DONTNEED", bk);
	drop = s.balloon.ram_resident_before - s.balloon.ram_resident_after;
	ok(s.balloon.ram_resident_before >= s.balloon.ram_resident_after && drop >= len / 10 * 9,
	   "%s: resident guest RAM fell by at least 90%% of it: %llu -> %llu MiB", bk,
	   (unsigned long long)s.balloon.ram_resident_before / MIB,
	   (unsigned long long)s.balloon.ram_resident_after / MIB);
	/* VmRSS leaves hugetlb pages out. */
	ok(s.balloon.rss_before > s.balloon.rss_after || huge,
	   "%s: so did the process's RSS%s: %llu -> %llu MiB", bk,
	   huge ? " (which counts no hugetlb pages)" : "",
	   (unsigned long long)s.balloon.rss_before / MIB,
	   (unsigned long long)s.balloon.rss_after / MIB);
	diag("%s: madvise took %.0f us", bk, s.balloon.release_ns / 1e3);
	ok(has(&s, "balloon_call") && has(&s, "balloon_zeroed") && has(&s, "balloon_rest_intact") &&
	   has(&s, "checksums_before_balloon") && has(&s, "retouch") && has(&s, "fill"),
	   "%s: the guest checked the call, the zeroes, the rest, and timed the retouch", bk);
	if (!is_int(s.checks_bad, 0, "%s: every guest check passed (%d)", bk, s.checks_ok))
		report_bad(&s);
	vm_destroy(vm);
}

static uint64_t hugepages_free(void)
{
	unsigned long long n = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %llu", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

/* hugetlb-2m: 3 MiB cannot go back; the call fails, the guest goes on. */
static void test_balloon_huge_odd(const struct vmm_image *img)
{
	struct vm_run_result res;
	struct vm_config cfg;
	struct seen s;
	struct vm *vm;

	seen_init(&s);
	mem_cfg(&cfg, "balloon", 128, 64);
	vm_config_set_param(&cfg, "balloon_mb", NULL, 3, false);
	cfg.mem.backing = VMM_BACKING_HUGETLB_2M;
	vm = boot(&cfg, img, "hugetlb-2m, 3 MiB");
	if (!vm)
		return;
	vm_run(vm, 60, on_event, &s, &res);
	is_str(vm_outcome_name(res.outcome), "done", "hugetlb-2m, 3 MiB: the run is done()");
	ok(s.balloons == 1 && s.balloon.err == EINVAL, "the balloon event says EINVAL (%d)",
	   s.balloon.err);
	ok(s.checks_bad == 1 && strstr(s.bad_all, "balloon_call: kb_balloon(") &&
	   strstr(s.bad_all, "returned -22|") && has(&s, "balloon_rest_intact"),
	   "only balloon_call failed, with -EINVAL; the memory is intact");
	if (s.checks_bad != 1)
		diag("%s", s.bad_all);
	vm_destroy(vm);
}

static void test_balloon_bad(const struct vmm_image *img, const char *how)
{
	struct vm_run_result res;
	struct vm_config cfg;
	struct seen s;
	struct vm *vm;

	seen_init(&s);
	mem_cfg(&cfg, "balloon", 32, 8);
	vm_config_set_param(&cfg, "bad", how, 0, true);
	vm = boot(&cfg, img, how);
	if (!vm)
		return;
	vm_run(vm, 60, on_event, &s, &res);
	ok(res.outcome == VM_CRASHED && strstr(res.why, "bad-call: balloon"),
	   "a malformed balloon (%s) is a bad call: %s", how, res.why);
	ok(s.balloons == 0 && !has(&s, "balloon_bad"),
	   "%s: nothing was released and the guest did not come back from the call", how);
	vm_destroy(vm);
}

/* --- sync ----------------------------------------------------------------------- */

/* Two VMs of two vCPUs, each vCPU's sync waits for all four: none holds up another. */
static void test_sync_vms(const struct vmm_image *img)
{
	struct vm_run_result res[2];
	const struct kb_boot_info *bi;
	struct vm_config cfg;
	struct seen s[2];
	struct vm *vm[2];
	int k, i, arrived = 0, done = 0;
	uint64_t size;
	bool args = true;

	for (k = 0; k < 2; k++) {
		seen_init(&s[k]);
		s[k].barrier = &arrived;
		s[k].barrier_n = 4;
		mem_cfg(&cfg, "sync", 32, 1);
		cfg.nr_vcpus = 2;
		cfg.vm_index = k;
		cfg.nr_vms = 2;
		vm[k] = boot(&cfg, img, k ? "VM 1 of 2" : "VM 0 of 2");
		if (!vm[k])
			return;
		bi = (const void *)((uint8_t *)vm_ram(vm[k], &size) + GPA_BOOT_INFO);
		ok(bi->vm_index == (uint32_t)k && bi->nr_vms == 2,
		   "VM %d: the boot info says VM %u of %u", k, bi->vm_index, bi->nr_vms);
	}
	for (k = 0; k < 2; k++)
		vm_start(vm[k], 60, on_event, &s[k], &res[k]);
	for (k = 0; k < 2; k++) {
		done += !vm_finish(vm[k]);
		if (res[k].outcome != VM_DONE)
			diag("VM %d: %s", k, res[k].why);
	}
	is_int(done, 2, "both VMs of memory:sync run to done()");
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 2; i++)
			args &= s[k].sync_arg[i] == 1000 + 100 * k + i;
		is_str(s[k].sync_name, "echo", "VM %d: the callback sees sync point 'echo'", k);
		is_int(s[k].syncs, 2, "VM %d: one sync per vCPU", k);
		ok(s[k].barrier_met, "VM %d: its syncs met the other three while they waited", k);
		ok(has(&s[k], "sync_echo") && has(&s[k], "vm_index"),
		   "VM %d: the guest checked the reply and its index", k);
		if (!is_int(s[k].checks_bad, 0, "VM %d: the replies reached the guest, its index is right", k))
			report_bad(&s[k]);
		vm_destroy(vm[k]);
	}
	ok(args, "each sync carries the guest's value (1000 + 100 VM + vCPU)");
}

/*
 * The ksm test's flow in two VMs of a case, with no KSM at work (the host
 * part is the harness's): its syncs, figures and checks, the written
 * barrier across the VMs, and each VM's own value in every page.
 */
static void test_ksm_flow(const struct vmm_image *img)
{
	static const char *const names[] = {
		"fill", "read_after_merge", "cow_write", "write_steady", "checksums_before_merge",
		"checksums_after_merge", "checksums_after_write", "no_cross_vm_write",
		"ksm_merge", "written",
	};
	struct vm_run_result res[2];
	struct vm_config cfg;
	struct seen s[2];
	struct vm *vm[2];
	int k, arrived = 0, done = 0;
	size_t i;
	bool all;

	for (k = 0; k < 2; k++) {
		seen_init(&s[k]);
		s[k].barrier = &arrived;
		s[k].barrier_n = 2;
		s[k].written_only = true;
		mem_cfg(&cfg, "ksm", 64, 16);
		cfg.mem.mergeable = true;
		cfg.vm_index = k;
		cfg.nr_vms = 2;
		vm[k] = boot(&cfg, img, k ? "ksm VM 1" : "ksm VM 0");
		if (!vm[k])
			return;
	}
	for (k = 0; k < 2; k++)
		vm_start(vm[k], 60, on_event, &s[k], &res[k]);
	for (k = 0; k < 2; k++) {
		done += !vm_finish(vm[k]);
		if (res[k].outcome != VM_DONE)
			diag("VM %d: %s", k, res[k].why);
	}
	is_int(done, 2, "memory:ksm in 2 VMs runs to done()");
	for (k = 0; k < 2; k++) {
		for (i = 0, all = true; i < sizeof(names) / sizeof(names[0]); i++)
			all &= has(&s[k], names[i]);
		if (!ok(all, "VM %d: every ksm figure, check and sync point came", k))
			diag("got:%s", s[k].names);
		is_int(s[k].merge_arg, 16 * MIB / 4096, "VM %d: ksm_merge gives the pages", k);
		ok(s[k].barrier_met, "VM %d: written waited for the other VM", k);
		if (!is_int(s[k].checks_bad, 0, "VM %d: every check passed (%d)", k, s[k].checks_ok))
			report_bad(&s[k]);
		vm_destroy(vm[k]);
	}
}

/* The guest's checks catch a page changed behind its back. */
static void test_ksm_detects(const struct vmm_image *img)
{
	const struct kb_boot_info *bi;
	struct vm_run_result res;
	struct vm_config cfg;
	struct seen s;
	struct vm *vm;
	uint64_t size;

	seen_init(&s);
	mem_cfg(&cfg, "ksm", 32, 8);
	vm_config_set_param(&cfg, "fill", "unique", 0, true);
	vm = boot(&cfg, img, "ksm, spoiled");
	if (!vm)
		return;
	/* The region is the guest's first allocation: at free_base, 2 MiB aligned. */
	bi = (const void *)((uint8_t *)vm_ram(vm, &size) + GPA_BOOT_INFO);
	s.corrupt = (uint8_t *)vm_ram(vm, &size) + bi->free_base;
	vm_run(vm, 60, on_event, &s, &res);
	is_str(vm_outcome_name(res.outcome), "done", "memory:ksm, its RAM spoiled at the syncs: done()");
	is_int(s.checks_bad, 3, "three checks failed");
	ok(strstr(s.bad_all, "checksums_after_merge: 1 of 2048 unique pages are bad after the merge; the first: page 5 "),
	   "checksums_after_merge names the page changed at ksm_merge");
	ok(strstr(s.bad_all, "checksums_after_write: 2 of 2048") &&
	   strstr(s.bad_all, "no_cross_vm_write: VM 0: 2047 of 2048 pages hold its value, 1 another VM's (first: page 7, VM 3's)"),
	   "checksums_after_write and no_cross_vm_write find page 7 written with VM 3's value");
	if (s.checks_bad != 3)
		diag("%s", s.bad_all);
	vm_destroy(vm);
}

/* A sync that blocks past the watchdog's join grace (2 s) stops nothing. */
static void test_sync_long(const struct vmm_image *img)
{
	struct vm_run_result res;
	struct vm_config cfg;
	struct seen s;
	struct vm *vm;

	seen_init(&s);
	s.block_ms = 2500;
	mem_cfg(&cfg, "sync", 32, 1);
	vm_config_set_param(&cfg, "arg", NULL, -77, false);
	vm = boot(&cfg, img, "long sync");
	if (!vm)
		return;
	vm_run(vm, 30, on_event, &s, &res);
	if (!is_str(vm_outcome_name(res.outcome), "done", "a sync blocking 2.5 s: the run is done()"))
		diag("%s", res.why);
	ok(s.syncs == 1 && s.sync_arg[0] == -77 && !s.checks_bad && has(&s, "sync_echo"),
	   "and its reply (-77) reached the guest");
	vm_destroy(vm);
}

/* A sync that never ends on its own: the watchdog fires, vm_stopped() lets it go. */
static void test_sync_watchdog(const struct vmm_image *img)
{
	struct vm_run_result res;
	struct vm_config cfg;
	struct seen s;
	struct vm *vm;

	seen_init(&s);
	s.until_stopped = true;
	mem_cfg(&cfg, "sync", 32, 1);
	vm = boot(&cfg, img, "stuck sync");
	if (!vm)
		return;
	s.vm = vm;
	vm_run(vm, 1, on_event, &s, &res);
	is_str(vm_outcome_name(res.outcome), "timeout", "a sync waiting for ever: the watchdog ends the run");
	ok(s.saw_stopped, "the callback saw vm_stopped() and returned");
	ok(!has(&s, "sync_echo"), "the guest did not go on");
	vm_destroy(vm);
}

static void test_config(const struct vmm_image *img)
{
	struct vm_config cfg;
	char err[VMM_ERR_MAX];

	vm_config_init(&cfg);
	is_int(cfg.nr_vms, 1, "vm_config_init: one VM");
	is_int(cfg.vm_index, 0, "vm_config_init: VM 0");
	cfg.test = "sync";
	cfg.vm_index = 2;
	cfg.nr_vms = 2;
	ok(!vm_create(&cfg, img, err, sizeof(err)) && strstr(err, "VM index 2 of 2"),
	   "VM index 2 of 2 VMs is refused");
	cfg.vm_index = -1;
	ok(!vm_create(&cfg, img, err, sizeof(err)), "a negative VM index is refused");
}

int main(void)
{
	static const char *const bad[] = { "unaligned", "length", "outside", "below", "wrap", "zero" };
	char path[PATH_MAX + 32], err[VMM_ERR_MAX];
	struct vmm_image img;
	size_t i;

	test_release();
	if (kvm_probe(err, sizeof(err))) {
		skip(1, err);
		return done_testing();
	}
	snprintf(path, sizeof(path), "%s/memory.elf", tt_guests_dir());
	if (!ok(!image_load(path, &img, err, sizeof(err)), "load %s", path)) {
		diag("%s", err);
		return done_testing();
	}
	test_config(&img);
	test_balloon(&img, VMM_BACKING_4K);
	test_balloon(&img, VMM_BACKING_THP);
	if (hugepages_free() >= 64) {
		test_balloon(&img, VMM_BACKING_HUGETLB_2M);
		test_balloon_huge_odd(&img);
	} else {
		skip(13, "fewer than 64 free 2 MiB huge pages (vm.nr_hugepages)");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		test_balloon_bad(&img, bad[i]);
	test_sync_vms(&img);
	test_ksm_flow(&img);
	test_ksm_detects(&img);
	test_sync_long(&img);
	test_sync_watchdog(&img);
	image_free(&img);
	return done_testing();
}
