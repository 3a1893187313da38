// SPDX-License-Identifier: GPL-2.0
/*
 * cpuid.c - does CPUID describe the topology and the CPU model the boot
 * info says the VMM configured?  CPUID runs at CPL0 (kb_cpuid0): kvm_pvm
 * runs CPL3 natively, and there CPUID answers with the host's own values.
 */
#include "smp.h"

#define LEAF_EXT		0x80000000u
#define MAX_SUBLEAVES		6
#define LEVEL_SMT		1
#define LEVEL_CORE		2
#define CPUID1_EDX_HTT		(1u << 28)
#define CPUID1_ECX_XSAVE	(1u << 26)

struct leaves {
	uint32_t max, max_ext;
	uint32_t vendor[3];
	uint32_t l1[4], l4[4], l7[4], l81[4], l88[4], l8e[4], ld[4];
	uint32_t lb[MAX_SUBLEAVES][4], l1f[MAX_SUBLEAVES][4];
};

static struct leaves all_leaves[KB_MAX_VCPUS];

static void subleaves(uint32_t leaf, uint32_t out[MAX_SUBLEAVES][4])
{
	unsigned i;

	for (i = 0; i < MAX_SUBLEAVES; i++) {
		kb_cpuid(leaf, i, out[i]);
		if (!(out[i][2] & 0xff00))	/* level type 0: the end */
			break;
	}
}

/* CPL0: every leaf the two tests look at (leaves a vCPU lacks stay zero). */
static long read_leaves(void *arg)
{
	struct leaves *l = arg;
	uint32_t r[4];

	kb_cpuid(0, 0, r);
	l->max = r[0];
	l->vendor[0] = r[1];
	l->vendor[1] = r[3];
	l->vendor[2] = r[2];
	kb_cpuid(1, 0, l->l1);
	if (l->max >= 4)
		kb_cpuid(4, 0, l->l4);
	if (l->max >= 7)
		kb_cpuid(7, 0, l->l7);
	if (l->max >= 0xb)
		subleaves(0xb, l->lb);
	if (l->max >= 0xd)
		kb_cpuid(0xd, 0, l->ld);
	if (l->max >= 0x1f)
		subleaves(0x1f, l->l1f);
	kb_cpuid(LEAF_EXT, 0, r);
	l->max_ext = r[0];
	if (l->max_ext >= 0x80000001)
		kb_cpuid(0x80000001, 0, l->l81);
	if (l->max_ext >= 0x80000008)
		kb_cpuid(0x80000008, 0, l->l88);
	if (l->max_ext >= 0x8000001e)
		kb_cpuid(0x8000001e, 0, l->l8e);
	return 0;
}

static int is_amd(const struct leaves *l)
{
	return !memcmp(l->vendor, "AuthenticAMD", 12) || !memcmp(l->vendor, "HygonGenuine", 12);
}

static int is_intel(const struct leaves *l)
{
	return !memcmp(l->vendor, "GenuineIntel", 12);
}

static unsigned order(unsigned n)	/* ceil(log2(n)) */
{
	unsigned b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

/* --- topology ------------------------------------------------------------- */

static unsigned level_type(const uint32_t r[4]) { return (r[2] >> 8) & 0xff; }

/* check_levels - leaf 0xB or 0x1F: SMT, core, then the end; the detail says what differs. */
static int check_levels(const uint32_t sub[][4], char *why, unsigned len)
{
	unsigned t = kb_bi->threads, c = kb_bi->cores, tb = order(t), cb = order(c);
	const uint32_t *s = sub[0], *k = sub[1], *e = sub[2];
	int ok;

	ok = level_type(s) == LEVEL_SMT && (s[1] & 0xffff) == t && (s[0] & 0x1f) == tb &&
	     level_type(k) == LEVEL_CORE && (k[1] & 0xffff) == c * t && (k[0] & 0x1f) == tb + cb &&
	     level_type(e) == 0;
	kb_snprintf(why, len,
		    "subleaf 0: type %u, %u logical, shift %u (want 1, %u, %u); 1: type %u, %u, shift %u (want 2, %u, %u); 2: type %u (want 0)",
		    level_type(s), s[1] & 0xffff, s[0] & 0x1f, t, tb,
		    level_type(k), k[1] & 0xffff, k[0] & 0x1f, c * t, tb + cb, level_type(e));
	return ok;
}

static void topo_checks(const struct leaves *l, unsigned me)
{
	unsigned want = kb_cpu_apic_id(me), l1id = l->l1[1] >> 24, bid = l->lb[0][3];
	unsigned lpp = (l->l1[1] >> 16) & 0xff, ct = kb_bi->cores * kb_bi->threads;
	unsigned htt = !!(l->l1[3] & CPUID1_EDX_HTT);
	unsigned socket = want >> (order(kb_bi->threads) + order(kb_bi->cores));
	char why[200];

	kb_check("cpuid_apic_id", l1id == want && bid == want,
		 "vCPU %u: leaf 1 EBX[31:24] %u, leaf 0xB EDX %u, boot info APIC ID %u", me, l1id, bid, want);
	if (l->max < 0xb)
		kb_check("cpuid_leaf_0b", 0, "max basic leaf 0x%x: no leaf 0xB", l->max);
	else
		kb_check("cpuid_leaf_0b", check_levels(l->lb, why, sizeof(why)), "%s", why);
	if (l->max >= 0x1f)
		kb_check("cpuid_leaf_1f", check_levels(l->l1f, why, sizeof(why)), "%s", why);
	kb_check("cpuid_logical_per_package", lpp >= ct,
		 "leaf 1 EBX[23:16] %u (want >= %u cores x threads)", lpp, ct);
	/* Apart: some hosts (kvm_pvm) leave the host's HTT whatever was set. */
	kb_check("cpuid_htt", htt == (lpp > 1),
		 "leaf 1 EDX.HTT %u (want %u: EBX[23:16] is %u)", htt, lpp > 1, lpp);
	if (is_amd(l) && l->max_ext >= 0x8000001e)
		kb_check("cpuid_8000001e", l->l8e[0] == want && ((l->l8e[1] >> 8) & 0xff) == kb_bi->threads - 1 &&
			 (l->l8e[2] & 0xff) == socket,
			 "EAX %u (want APIC ID %u), EBX[15:8] %u (want threads-1 = %u), ECX[7:0] node %u (want socket %u)",
			 l->l8e[0], want, (l->l8e[1] >> 8) & 0xff, kb_bi->threads - 1, l->l8e[2] & 0xff, socket);
}

/* vCPU 0: the topology as CPUID tells it, packages counted over every vCPU's x2APIC ID. */
static void topo_decode(void)
{
	const struct leaves *l0 = &all_leaves[0];
	unsigned threads = l0->lb[0][1] & 0xffff, logical = l0->lb[1][1] & 0xffff;
	unsigned shift = l0->lb[1][0] & 0x1f, c, d, sockets = 0;

	for (c = 0; c < nr_cpus(); c++) {
		unsigned pkg = all_leaves[c].lb[0][3] >> shift;

		for (d = 0; d < c && all_leaves[d].lb[0][3] >> shift != pkg; d++)
			;
		sockets += d == c;
	}
	kb_log("CPUID shows %u sockets x %u cores x %u threads (packages among %u vCPUs; boot info %u x %u x %u)",
	       sockets, threads ? logical / threads : 0, threads, nr_cpus(),
	       kb_bi->sockets, kb_bi->cores, kb_bi->threads);
	kb_log("leaf 1 EBX 0x%08x EDX.HTT %u; leaf 4 EAX 0x%08x (%s); 0x80000008 ECX 0x%08x; 0x8000001E %08x %08x %08x",
	       l0->l1[1], !!(l0->l1[3] & CPUID1_EDX_HTT), l0->l4[0], is_intel(l0) ? "Intel" : "not Intel",
	       l0->l88[2], l0->l8e[0], l0->l8e[1], l0->l8e[2]);
}

KB_TEST(topology, "CPUID 1, 0xB/0x1F, 0x8000001E show the boot info's sockets x cores x threads")
{
	unsigned me = kb_cpu_id();
	struct leaves *l = &all_leaves[me];

	kb_cpl0(read_leaves, l);
	topo_checks(l, me);
	if (sync_all()) {
		if (me == 0)
			kb_log("topology: a vCPU missed the barrier; no decoded summary");
		return;
	}
	if (me == 0)
		topo_decode();
}

/* --- CPU model ------------------------------------------------------------ */

struct reg {
	const char *name;
	uint32_t base;			/* KB_BASELINE_* */
	const char *bits[32];
};

static const struct reg regs[] = {
	{ "1.ECX", KB_BASELINE_1_ECX, {
	  "sse3", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est",
	  "tm2", "ssse3", "cid", "sdbg", "fma", "cx16", "xtpr", "pdcm",
	  "b16", "pcid", "dca", "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt",
	  "tsc_deadline", "aes", "xsave", "osxsave", "avx", "f16c", "rdrand", "hypervisor" } },
	{ "1.EDX", KB_BASELINE_1_EDX, {
	  "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce",
	  "cx8", "apic", "b10", "sep", "mtrr", "pge", "mca", "cmov",
	  "pat", "pse36", "pn", "clflush", "b20", "ds", "acpi", "mmx",
	  "fxsr", "sse", "sse2", "ss", "htt", "tm", "ia64", "pbe" } },
	{ "7.EBX", KB_BASELINE_7_EBX, {
	  "fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", "fdp_excptn_only", "smep",
	  "bmi2", "erms", "invpcid", "rtm", "cqm", "zero_fcs_fds", "mpx", "rdt_a",
	  "avx512f", "avx512dq", "rdseed", "adx", "smap", "avx512ifma", "pcommit", "clflushopt",
	  "clwb", "intel_pt", "avx512pf", "avx512er", "avx512cd", "sha_ni", "avx512bw", "avx512vl" } },
	{ "7.ECX", KB_BASELINE_7_ECX, {
	  "prefetchwt1", "avx512vbmi", "umip", "pku", "ospke", "waitpkg", "avx512_vbmi2", "shstk",
	  "gfni", "vaes", "vpclmulqdq", "avx512_vnni", "avx512_bitalg", "tme", "avx512_vpopcntdq", "b15",
	  "la57", "mawau17", "mawau18", "mawau19", "mawau20", "mawau21", "rdpid", "kl",
	  "bus_lock_detect", "cldemote", "b26", "movdiri", "movdir64b", "enqcmd", "sgx_lc", "pks" } },
	{ "7.EDX", KB_BASELINE_7_EDX, {
	  "b0", "sgx_keys", "avx512_4vnniw", "avx512_4fmaps", "fsrm", "uintr", "b6", "b7",
	  "avx512_vp2intersect", "srbds_ctrl", "md_clear", "rtm_always_abort", "b12", "tsx_force_abort", "serialize", "hybrid",
	  "tsxldtrk", "b17", "pconfig", "arch_lbr", "ibt", "b21", "amx_bf16", "avx512_fp16",
	  "amx_tile", "amx_int8", "spec_ctrl", "intel_stibp", "flush_l1d", "arch_capabilities", "core_capabilities", "spec_ctrl_ssbd" } },
	{ "80000001.ECX", KB_BASELINE_81_ECX, {
	  "lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a", "misalignsse",
	  "3dnowprefetch", "osvw", "ibs", "xop", "skinit", "wdt", "b14", "lwp",
	  "fma4", "tce", "b18", "nodeid_msr", "b20", "tbm", "topoext", "perfctr_core",
	  "perfctr_nb", "b25", "bpext", "ptsc", "perfctr_llc", "mwaitx", "b30", "b31" } },
	{ "80000001.EDX", KB_BASELINE_81_EDX, {
	  "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce",
	  "cx8", "apic", "b10", "syscall", "mtrr", "pge", "mca", "cmov",
	  "pat", "pse36", "b18", "mp", "nx", "b21", "mmxext", "mmx",
	  "fxsr", "fxsr_opt", "pdpe1gb", "rdtscp", "b28", "lm", "3dnowext", "3dnow" } },
};

enum { R1_ECX, R1_EDX, R7_EBX, R7_ECX, R7_EDX, R81_ECX, R81_EDX, NR_REGS };

/* The core every x86-64 guest relies on: leaf 1 EDX and 0x80000001 EDX. */
#define CORE_1_EDX	0x07018371u	/* fpu tsc msr pae cx8 apic cmov pat fxsr sse sse2 */
#define CORE_81_EDX	0x20100800u	/* syscall nx lm */

static void model_regs(const struct leaves *l, uint32_t v[NR_REGS])
{
	v[R1_ECX] = l->l1[2];
	v[R1_EDX] = l->l1[3];
	v[R7_EBX] = l->l7[1];
	v[R7_ECX] = l->l7[2];
	v[R7_EDX] = l->l7[3];
	v[R81_ECX] = l->l81[2];
	v[R81_EDX] = l->l81[3];
}

/* names - the names of @bits of register @r, appended at @pos; the new end. */
static unsigned names(char *buf, unsigned len, unsigned pos, unsigned r, uint32_t bits)
{
	unsigned b;

	for (b = 0; b < 32; b++)
		if ((bits >> b & 1) && pos < len)
			pos += kb_snprintf(buf + pos, len - pos, " %s", regs[r].bits[b]);
	return pos;
}

/* Each register's features on a log line of its own, or two halves if too long. */
static void model_log(const uint32_t v[NR_REGS])
{
	char line[KB_TEXT_MAX];
	unsigned r, pos;

	for (r = 0; r < NR_REGS; r++) {
		pos = kb_snprintf(line, sizeof(line), "CPUID %s 0x%08x:", regs[r].name, v[r]);
		if (names(line, sizeof(line), pos, r, v[r]) < sizeof(line)) {
			kb_log("%s", line);
			continue;
		}
		names(line, sizeof(line), pos, r, v[r] & 0xffff);
		kb_log("%s", line);
		pos = kb_snprintf(line, sizeof(line), "CPUID %s (cont.):", regs[r].name);
		names(line, sizeof(line), pos, r, v[r] & 0xffff0000u);
		kb_log("%s", line);
	}
}

static unsigned popcount(uint32_t v)
{
	unsigned n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/* The core features, present?  The detail names the missing ones. */
static int core_present(const uint32_t v[NR_REGS], char *buf, unsigned len)
{
	uint32_t m1 = CORE_1_EDX & ~v[R1_EDX], m81 = CORE_81_EDX & ~v[R81_EDX];
	unsigned pos = kb_snprintf(buf, len, "%s", m1 | m81 ? "missing:" : "all of fpu tsc msr pae cx8 apic cmov pat fxsr sse sse2 syscall nx lm");

	pos = names(buf, len, pos, R1_EDX, m1);
	names(buf, len, pos, R81_EDX, m81);
	return !(m1 | m81);
}

/* Bits outside the baseline: hex per register in the detail (names would not fit), names logged. */
static void model_baseline(const uint32_t v[NR_REGS], unsigned me)
{
	char extra[KB_TEXT_MAX - 32], names_line[KB_TEXT_MAX], core[160];
	unsigned r, pos = 0;
	uint32_t any = 0;

	extra[0] = 0;
	for (r = 0; r < NR_REGS; r++) {
		uint32_t x = v[r] & ~regs[r].base;

		any |= x;
		if (!x)
			continue;
		if (pos < sizeof(extra))
			pos += kb_snprintf(extra + pos, sizeof(extra) - pos, " %s 0x%x", regs[r].name, x);
		if (me == 0) {
			names(names_line, sizeof(names_line),
			      kb_snprintf(names_line, sizeof(names_line), "beyond the baseline, %s:", regs[r].name),
			      r, x);
			kb_log("%s", names_line);
		}
	}
	kb_check("baseline_masked", !any, "vCPU %u: %s%s", me,
		 any ? "bits outside KB_BASELINE_* (names in the log):" : "no bit outside KB_BASELINE_*", extra);
	kb_check("baseline_core_present", core_present(v, core, sizeof(core)), "vCPU %u: %s", me, core);
}

static void model_host(const uint32_t v[NR_REGS], unsigned me)
{
	char core[160];
	unsigned r, beyond = 0;

	for (r = 0; r < NR_REGS; r++)
		beyond += popcount(v[r] & ~regs[r].base);
	kb_check("host_has_baseline_core", core_present(v, core, sizeof(core)), "vCPU %u: %s", me, core);
	if (me == 0)
		kb_log("host model: %u feature bits beyond the baseline in these 7 registers", beyond);
}

KB_TEST(cpu_model, "CPUID features at CPL0 match the CPU model: baseline masks, or the host's set")
{
	unsigned me = kb_cpu_id();
	struct leaves *l = &all_leaves[me];
	uint32_t v[NR_REGS];
	char vendor[13] = "";

	kb_cpl0(read_leaves, l);
	model_regs(l, v);
	if (me == 0) {
		memcpy(vendor, l->vendor, 12);
		kb_log("CPU model %s (%u); vendor %s; XSAVE %s, leaf 0xD EAX 0x%x (max leaf 0x%x)",
		       kb_bi->cpu_model == KB_CPU_MODEL_BASELINE ? "baseline" : "host", kb_bi->cpu_model,
		       vendor, v[R1_ECX] & CPUID1_ECX_XSAVE ? "yes" : "no", l->ld[0], l->max);
		model_log(v);
	}
	if (kb_bi->cpu_model == KB_CPU_MODEL_BASELINE)
		model_baseline(v, me);
	else
		model_host(v, me);
}
