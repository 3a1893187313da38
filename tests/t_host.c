// SPDX-License-Identifier: GPL-2.0
/*
 * t_host.c - the host fingerprint on fixture trees (an Intel EPT host, an
 * AMD NPT host, this kvm_pvm host, a guest without KVM) and on the real
 * host, and host.yaml read back with libyaml.
 */
#include <errno.h>
#include <sys/utsname.h>
#include <yaml.h>

#include "host.h"
#include "tap_test.h"

static struct host_info *probe(const char *fixture)
{
	struct host_info *h = calloc(1, sizeof(*h));
	char root[PATH_MAX];
	int ret;

	if (!h)
		exit(2);
	snprintf(root, sizeof(root), "%s/tests/fixtures/host/%s", tt_src_dir(), fixture);
	ret = host_probe(fixture[0] ? root : "", h);
	is_int(ret, 0, "%s: probed", fixture[0] ? fixture : "real host");
	return h;
}

/*
 * yaml_flatten - host.yaml as "a.b.c=value" lines, one per scalar value,
 * through libyaml's event parser; NULL if it does not parse.
 */
static char *yaml_flatten(const char *doc)
{
	char keys[8][64], *flat = NULL;
	bool have_key[8] = { false }, done = false, good = true;
	int depth = -1, i;
	yaml_parser_t p;
	yaml_event_t ev;
	size_t len;
	FILE *out;

	out = open_memstream(&flat, &len);
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)doc, strlen(doc));
	while (!done && good) {
		if (!yaml_parser_parse(&p, &ev)) {
			diag("libyaml: %s at line %zu", p.problem, p.problem_mark.line + 1);
			good = false;
			break;
		}
		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
			good = ++depth < 8;
			if (good)
				have_key[depth] = false;
			break;
		case YAML_MAPPING_END_EVENT:
			if (--depth >= 0)
				have_key[depth] = false;
			break;
		case YAML_SCALAR_EVENT:
			if (!have_key[depth]) {
				snprintf(keys[depth], sizeof(keys[depth]), "%s",
					 (char *)ev.data.scalar.value);
				have_key[depth] = true;
				break;
			}
			for (i = 0; i <= depth; i++)
				fprintf(out, "%s%s", i ? "." : "", keys[i]);
			fprintf(out, "=%s\n", (char *)ev.data.scalar.value);
			have_key[depth] = false;
			break;
		case YAML_SEQUENCE_START_EVENT:
			good = false;	/* host.yaml has none */
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	fclose(out);
	if (!good) {
		free(flat);
		return NULL;
	}
	return flat;
}

/* host_yaml - host_write_yaml() flattened, or NULL (and a failure). */
static char *host_yaml(const struct host_info *h, const char *name)
{
	char *doc = NULL, *flat;
	size_t len;
	FILE *f = open_memstream(&doc, &len);

	host_write_yaml(h, f);
	fclose(f);
	flat = yaml_flatten(doc);
	if (!ok(flat != NULL, "%s: host.yaml parses with libyaml", name))
		diag("%s", doc);
	free(doc);
	return flat;
}

/* has_line - does the flattened YAML hold "path=value"? */
static bool has_line(const char *flat, const char *line)
{
	size_t n = strlen(line);
	const char *p = flat;

	while (p && *p) {
		if (!strncmp(p, line, n) && p[n] == '\n')
			return true;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return false;
}

/* set_param - pretend the module was loaded with @param=@value. */
static void set_param(struct host_info *h, const char *mod, const char *param,
		      const char *value)
{
	struct host_module *m = (struct host_module *)host_module_find(h, mod);
	int i;

	for (i = 0; m && i < m->nr_params; i++)
		if (!strcmp(m->param[i].name, param))
			snprintf(m->param[i].value, sizeof(m->param[i].value), "%s", value);
}

#define yaml_has(flat, line)	ok(flat && has_line(flat, line), "yaml: %s", line)

static void check_topology(const struct host_info *h, const char *name, int cpus,
			   int sockets, int cores, int threads)
{
	is_int(h->logical_cpus, cpus, "%s: logical CPUs", name);
	is_int(h->sockets, sockets, "%s: sockets", name);
	is_int(h->cores_per_socket, cores, "%s: cores per socket", name);
	is_int(h->threads_per_core, threads, "%s: threads per core", name);
}

static void test_intel(void)
{
	struct host_info *h = probe("intel-ept");
	char *y;

	is_str(h->kernel_release, "6.1.0-27-amd64", "intel: release");
	is_str(h->kernel_version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)",
	       "intel: version");
	is_str(h->hostname, "xeon-ept", "intel: hostname");
	is_str(h->cpu_vendor, "GenuineIntel", "intel: vendor");
	is_str(h->cpu_model, "Intel(R) Xeon(R) CPU E5-2623 v4 @ 2.60GHz", "intel: model");
	check_topology(h, "intel", 16, 2, 4, 2);
	ok(h->flags.vmx && h->flags.ept && h->flags.vpid, "intel: vmx ept vpid");
	ok(!h->flags.svm && !h->flags.npt && !h->flags.hypervisor,
	   "intel: no svm npt hypervisor");

	is_str(host_paging_mode(h), "ept", "intel: paging ept");
	is_int(h->nr_modules, 2, "intel: kvm and kvm_intel, not kvmgt or loop");
	is_str(h->module[0].name, "kvm", "intel: modules sorted");
	is_str(h->module[1].name, "kvm_intel", "intel: kvm_intel");
	is_int(h->module[1].nr_params, 20, "intel: kvm_intel parameters");
	is_str(h->module[1].param[0].name, "dump_invalid_vmcs", "intel: parameters sorted");
	is_str(host_param_get(h, "kvm_intel", "ept"), "Y", "intel: ept=Y");
	is_str(host_param_get(h, "kvm_intel", "vpid"), "Y", "intel: vpid=Y");
	is_str(host_param_get(h, "kvm_intel", "vmentry_l1d_flush"), "cond",
	       "intel: string parameter");
	is_str(host_param_get(h, "kvm", "lapic_timer_advance_ns"), "-1",
	       "intel: kvm parameter");
	ok(!host_param_get(h, "kvm_intel", "npt"), "intel: no such parameter");
	ok(!h->kvm_builtin && !h->module[1].builtin, "intel: kvm and kvm_intel are modules");
	ok(h->kvm_intel_loadable && h->kvm_amd_loadable && !h->kvm_pvm_loadable,
	   "intel: kvm-intel.ko and kvm-amd.ko installed");
	ok(h->dev_kvm_present, "intel: /dev/kvm");

	is_str(h->thp_enabled, "always", "intel: THP enabled");
	is_str(h->thp_defrag, "madvise", "intel: THP defrag");
	is_int(h->nr_hugepages, 512, "intel: vm.nr_hugepages");
	is_int(h->hugepages_total, 512, "intel: HugePages_Total");
	is_int(h->hugepages_free, 500, "intel: HugePages_Free");
	is_int(h->hugepages_rsvd, 4, "intel: HugePages_Rsvd");
	is_int(h->hugepagesize_kb, 2048, "intel: Hugepagesize");
	is_int(h->anon_huge_kb, 1234944, "intel: AnonHugePages");
	is_int(h->mem_total_kb, 131891264, "intel: MemTotal");
	is_int(h->nr_hugesizes, 2, "intel: two hugepage sizes");
	is_int(h->hugesize[0].size_kb, 2048, "intel: 2M first");
	is_int(h->hugesize[0].nr, 512, "intel: 2M nr");
	is_int(h->hugesize[0].free, 500, "intel: 2M free");
	is_int(h->hugesize[1].size_kb, 1048576, "intel: 1G");
	is_int(h->hugesize[1].nr, 2, "intel: 1G nr");
	ok(h->ksm_available, "intel: KSM");
	is_int(h->ksm_run, 1, "intel: ksm run");
	is_int(h->ksm_pages_to_scan, 100, "intel: ksm pages_to_scan");
	is_int(h->ksm_sleep_millisecs, 20, "intel: ksm sleep_millisecs");
	is_int(h->ksm_pages_shared, 1234, "intel: ksm pages_shared");
	is_int(h->ksm_pages_sharing, 5678, "intel: ksm pages_sharing");

	y = host_yaml(h, "intel");
	yaml_has(y, "kernel.version=#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)");
	yaml_has(y, "cpu.model=Intel(R) Xeon(R) CPU E5-2623 v4 @ 2.60GHz");
	yaml_has(y, "cpu.threads_per_core=2");
	yaml_has(y, "cpu.flags.ept=true");
	yaml_has(y, "kvm.paging=ept");
	yaml_has(y, "kvm.loadable.kvm_intel=true");
	yaml_has(y, "kvm.modules.kvm_intel.parameters.ept=Y");
	yaml_has(y, "kvm.modules.kvm_intel.parameters.ple_window_max=4294967295");
	yaml_has(y, "memory.transparent_hugepage.defrag=madvise");
	yaml_has(y, "memory.hugepages.sizes.1048576kB.free_hugepages=2");
	yaml_has(y, "memory.ksm.pages_sharing=5678");
	free(y);

	/* The same host with EPT turned off runs shadow paging. */
	set_param(h, "kvm_intel", "ept", "N");
	is_str(host_paging_mode(h), "shadow", "intel: ept=N is shadow paging");
	free(h);
}

static void test_amd(void)
{
	struct host_info *h = probe("amd-npt");
	char *y;

	is_str(h->cpu_model, "AMD Ryzen 7 5800X 8-Core Processor", "amd: model");
	check_topology(h, "amd", 16, 1, 8, 2);
	ok(h->flags.svm && h->flags.npt, "amd: svm npt");
	ok(!h->flags.vmx && !h->flags.ept && !h->flags.vpid && !h->flags.hypervisor,
	   "amd: no vmx ept vpid hypervisor");
	is_str(host_paging_mode(h), "npt", "amd: paging npt (npt=1)");
	is_str(host_param_get(h, "kvm_amd", "npt"), "1", "amd: npt=1");
	is_str(host_param_get(h, "kvm_amd", "avic"), "0", "amd: avic=0");
	ok(h->kvm_builtin, "amd: kvm built in (no initstate)");
	ok(!host_module_find(h, "kvm_amd")->builtin, "amd: kvm_amd a module");
	ok(h->kvm_amd_loadable && !h->kvm_intel_loadable,
	   "amd: kvm-amd.ko.zst installed, kvm-intel not");
	is_str(h->thp_enabled, "madvise", "amd: THP enabled");
	is_str(h->thp_defrag, "defer+madvise", "amd: THP defrag");
	is_int(h->nr_hugepages, 0, "amd: no hugepages");
	is_int(h->anon_huge_kb, 20480, "amd: AnonHugePages");
	is_int(h->nr_hugesizes, 1, "amd: 2M only");
	ok(h->ksm_available && h->ksm_run == 0, "amd: KSM present, stopped");

	y = host_yaml(h, "amd");
	yaml_has(y, "kvm.paging=npt");
	yaml_has(y, "kvm.builtin=true");
	yaml_has(y, "kvm.modules.kvm_amd.builtin=false");
	yaml_has(y, "kvm.modules.kvm_amd.parameters.npt=1");
	yaml_has(y, "memory.transparent_hugepage.defrag=defer+madvise");
	free(y);

	set_param(h, "kvm_amd", "npt", "0");
	is_str(host_paging_mode(h), "shadow", "amd: npt=0 is shadow paging");
	free(h);
}

static void test_pvm(void)
{
	struct host_info *h = probe("pvm");
	char *y;

	is_str(h->cpu_vendor, "AuthenticAMD", "pvm: vendor");
	is_str(h->cpu_model, "AMD EPYC", "pvm: model");
	check_topology(h, "pvm", 2, 1, 2, 1);
	ok(h->flags.hypervisor, "pvm: hypervisor");
	ok(!h->flags.vmx && !h->flags.svm && !h->flags.npt, "pvm: no vmx svm npt");
	is_str(host_paging_mode(h), "shadow-pvm", "pvm: paging shadow-pvm");
	is_int(h->nr_modules, 2, "pvm: kvm and kvm_pvm");
	is_int(host_module_find(h, "kvm")->nr_params, 10, "pvm: kvm parameters");
	is_int(host_module_find(h, "kvm_pvm")->nr_params, 11, "pvm: kvm_pvm parameters");
	is_str(host_param_get(h, "kvm", "tdp_mmu"), "N", "pvm: tdp_mmu=N");
	is_str(host_param_get(h, "kvm", "enable_pmu"), "N", "pvm: enable_pmu=N");
	is_str(host_param_get(h, "kvm_pvm", "pvm_native"), "Y", "pvm: pvm_native=Y");
	ok(h->kvm_builtin && host_module_find(h, "kvm_pvm")->builtin,
	   "pvm: kvm and kvm_pvm built in");
	ok(!h->kvm_intel_loadable && !h->kvm_amd_loadable, "pvm: nothing loadable");
	ok(h->dev_kvm_present, "pvm: /dev/kvm");
	is_str(h->thp_enabled, "madvise", "pvm: THP madvise");
	is_int(h->nr_hugesizes, 2, "pvm: 2M and 1G hugepage sizes");
	is_int(h->hugesize[1].size_kb, 1048576, "pvm: 1G");
	is_int(h->hugepagesize_kb, 2048, "pvm: Hugepagesize");
	ok(h->ksm_available, "pvm: KSM");
	is_int(h->ksm_pages_to_scan, 100, "pvm: ksm pages_to_scan");

	y = host_yaml(h, "pvm");
	yaml_has(y, "kernel.version=#1 SMP PREEMPT_DYNAMIC @0");
	yaml_has(y, "kvm.paging=shadow-pvm");
	yaml_has(y, "kvm.modules.kvm.parameters.tdp_mmu=N");
	yaml_has(y, "kvm.modules.kvm.parameters.debugctl_per_entry=-1");
	yaml_has(y, "kvm.modules.kvm_pvm.parameters.hb_mask=8388607");
	free(y);
	free(h);
}

/*
 * test_kernels - the same kind of host on two kernels, and KVM under QEMU
 * TCG: what tells them apart is in the fingerprint (release, the CPU's
 * whole flag line, the hypervisor's CPUID signature).
 */
static void test_kernels(void)
{
	struct host_info *v669 = probe("pvm"), *v1272 = probe("pvm-v1272"), *tcg = probe("tcg-npt");
	char *y;

	is_str(v669->kernel_release, "6.18.44-fc-v669", "pvm: kernel v669");
	is_str(v1272->kernel_release, "6.18.44-fc-v1272", "pvm-v1272: kernel v1272");
	ok(host_has_feature(v669, "pcid") && host_has_feature(v669, "invpcid") &&
	   host_has_feature(v669, "pdpe1gb"), "v669: the host CPU shows pcid, invpcid, pdpe1gb");
	ok(!host_has_feature(v1272, "pcid") && !host_has_feature(v1272, "invpcid") &&
	   !host_has_feature(v1272, "pdpe1gb") && host_has_feature(v1272, "avx512f"),
	   "v1272: none of them (avx512f still)");
	ok(host_has_feature(v1272, "fpu") && host_has_feature(v1272, "avx512_vp2intersect"),
	   "features: the first and the last flag of the line");
	is_str(host_paging_mode(v1272), "shadow-pvm", "pvm-v1272: paging shadow-pvm");
	is_str(v669->hypervisor_vendor, "", "pvm: no hypervisor signature recorded");
	is_str(v1272->hypervisor_vendor, "bhyve bhyve", "pvm-v1272: CPUID 0x40000000 read at CPL3");
	is_str(tcg->hypervisor_vendor, "TCGTCGTCGTCG", "tcg-npt: QEMU TCG's signature");
	is_str(host_paging_mode(tcg), "npt", "tcg-npt: kvm_amd with npt=Y");
	ok(tcg->flags.svm && tcg->flags.npt && tcg->flags.hypervisor, "tcg-npt: svm, npt, hypervisor");
	is_str(tcg->cpu_model, "AMD EPYC Processor", "tcg-npt: QEMU's EPYC model");
	y = host_yaml(tcg, "tcg-npt");
	yaml_has(y, "cpu.hypervisor_vendor=TCGTCGTCGTCG");
	yaml_has(y, "kvm.modules.kvm_amd.parameters.nested=1");
	ok(strstr(y, "cpu.features=fpu de pse tsc ") != NULL, "tcg-npt: host.yaml has the flag line");
	free(y);
	free(v669);
	free(v1272);
	free(tcg);
}

static void test_nokvm(void)
{
	struct host_info *h = probe("nokvm");
	char *y;

	/* No physical id, cpu cores or siblings: one socket, no SMT. */
	check_topology(h, "nokvm", 4, 1, 4, 1);
	ok(h->flags.hypervisor && !h->flags.vmx, "nokvm: a guest without vmx");
	is_str(host_paging_mode(h), "none", "nokvm: paging none");
	is_int(h->nr_modules, 0, "nokvm: kvmgt is not a KVM module");
	ok(!h->kvm_builtin && !h->dev_kvm_present && !h->dev_kvm_accessible,
	   "nokvm: no kvm, no /dev/kvm");
	is_str(h->thp_enabled, "", "nokvm: no THP");
	ok(!h->ksm_available, "nokvm: no KSM");
	is_int(h->nr_hugepages, -1, "nokvm: no vm.nr_hugepages");
	is_int(h->hugepages_total, -1, "nokvm: no HugePages_Total");
	is_int(h->mem_total_kb, 4013456, "nokvm: MemTotal");
	is_int(h->nr_hugesizes, 0, "nokvm: no hugepage sizes");

	y = host_yaml(h, "nokvm");
	yaml_has(y, "kvm.paging=none");
	yaml_has(y, "memory.ksm=unavailable");
	yaml_has(y, "memory.transparent_hugepage=unavailable");
	yaml_has(y, "memory.hugepages.total=~");
	ok(y && !strstr(y, "kvm.modules."), "nokvm: no modules in yaml");
	free(y);
	free(h);
}

static void test_missing_root(void)
{
	struct host_info *h = calloc(1, sizeof(*h));

	is_int(host_probe("/nonexistent/kvmbench-root", h), -ENOENT,
	       "a root without proc/cpuinfo is -ENOENT");
	free(h);
}

static void test_real_host(void)
{
	static const char *const modes[] = { "ept", "npt", "shadow-pvm", "shadow", "none" };
	struct host_info *h = probe("");
	const char *mode = host_paging_mode(h);
	bool valid = false;
	struct utsname u;
	size_t i;
	char *y;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		valid |= !strcmp(mode, modes[i]);
	ok(valid, "real host: paging mode '%s' is a valid name", mode);
	is_int(h->logical_cpus, sysconf(_SC_NPROCESSORS_ONLN),
	       "real host: logical CPUs = online CPUs");
	is_int(h->sockets * h->cores_per_socket * h->threads_per_core >= 1, 1,
	       "real host: topology is positive");
	uname(&u);
	is_str(h->kernel_release, u.release, "real host: release = uname -r");
	diag("real host: %s, %d CPUs (%d x %d x %d), paging %s, /dev/kvm %s",
	     h->cpu_model, h->logical_cpus, h->sockets, h->cores_per_socket,
	     h->threads_per_core, mode,
	     h->dev_kvm_accessible ? "accessible" : "not accessible");
	y = host_yaml(h, "real host");
	free(y);
	free(h);
}

int main(void)
{
	test_intel();
	test_amd();
	test_pvm();
	test_kernels();
	test_nokvm();
	test_missing_root();
	test_real_host();
	return done_testing();
}
