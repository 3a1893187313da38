// SPDX-License-Identifier: GPL-2.0
/*
 * host.c - probe the host's kernel, CPU topology, KVM modules and memory
 * features, and write them as host.yaml.
 *
 * Results are only comparable between like hosts, so every run records
 * what could change a figure: the paging mode KVM uses (EPT, NPT or
 * shadow), every KVM module parameter, THP, hugepages and KSM.  All paths
 * are taken below a root prefix so fixture trees can stand in for hosts
 * this project does not have.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "host.h"
#include "words.h"
#include "yamlout.h"

#ifndef KVMBENCH_VERSION
#define KVMBENCH_VERSION "unknown"
#endif

#define HOST_MAX_SOCKET_IDS	256

/* --- reading files --------------------------------------------------------- */

char *host_vpath(char *buf, size_t len, const char *root, const char *fmt, va_list ap)
{
	size_t n = snprintf(buf, len, "%s", root);

	if (n >= len)
		n = len - 1;
	vsnprintf(buf + n, len - n, fmt, ap);
	return buf;
}

/* host_path - @root followed by the formatted path, in @buf. */
static __attribute__((format(printf, 4, 5)))
char *host_path(char *buf, size_t len, const char *root, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	host_vpath(buf, len, root, fmt, ap);
	va_end(ap);
	return buf;
}

/* trim - strip leading and trailing white space in place. */
static char *trim(char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

/* read_text - the trimmed contents of @path (cut to @len - 1 bytes). */
static int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	char *s;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	s = trim(buf);
	memmove(buf, s, strlen(s) + 1);
	return 0;
}

/* read_int - the decimal number in @path, or -1. */
static int64_t read_int(const char *path)
{
	char buf[64], *end;
	long long v;

	if (read_text(path, buf, sizeof(buf)) || !buf[0])
		return -1;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end)
		return -1;
	return v;
}

/* copy - @src into @dst, cut to fit; false if it was cut. */
static bool copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);
	bool fits = n < len;

	if (!fits)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return fits;
}

static bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* --- kernel and CPU ---------------------------------------------------------- */

struct cpuinfo_scan {
	int ids[HOST_MAX_SOCKET_IDS];
	int nr_ids;
	int cpu_cores, siblings;	/* of the first CPU; 0 if absent */
};

static void cpuinfo_add_socket(struct cpuinfo_scan *cs, int id)
{
	int i;

	for (i = 0; i < cs->nr_ids; i++)
		if (cs->ids[i] == id)
			return;
	if (cs->nr_ids < HOST_MAX_SOCKET_IDS)
		cs->ids[cs->nr_ids++] = id;
}

/* cpuinfo_flags - note the virtualization flags among the words of @v. */
static void cpuinfo_flags(struct host_info *h, char *v)
{
	char *save, *w;

	for (w = strtok_r(v, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(w, "vmx"))
			h->flags.vmx = true;
		else if (!strcmp(w, "svm"))
			h->flags.svm = true;
		else if (!strcmp(w, "ept"))
			h->flags.ept = true;
		else if (!strcmp(w, "vpid"))
			h->flags.vpid = true;
		else if (!strcmp(w, "npt"))
			h->flags.npt = true;
		else if (!strcmp(w, "hypervisor"))
			h->flags.hypervisor = true;
	}
}

/* copy_words - @src's words, one space apart, cut at a word that does not fit. */
static void copy_words(char *dst, size_t len, const char *src)
{
	size_t n = 0, w;

	dst[0] = 0;
	for (src += strspn(src, " \t"); *src; src += w, src += strspn(src, " \t")) {
		w = strcspn(src, " \t");
		if (n + !!n + w >= len)
			return;
		if (n)
			dst[n++] = ' ';
		memcpy(dst + n, src, w);
		dst[n += w] = 0;
	}
}

static void cpuinfo_field(struct host_info *h, struct cpuinfo_scan *cs,
			  const char *key, char *v)
{
	if (!strcmp(key, "processor"))
		h->logical_cpus++;
	else if (!strcmp(key, "physical id"))
		cpuinfo_add_socket(cs, atoi(v));
	else if (!strcmp(key, "cpu cores") && !cs->cpu_cores)
		cs->cpu_cores = atoi(v);
	else if (!strcmp(key, "siblings") && !cs->siblings)
		cs->siblings = atoi(v);
	else if (!strcmp(key, "model name") && !h->cpu_model[0])
		copy(h->cpu_model, sizeof(h->cpu_model), v);
	else if (!strcmp(key, "vendor_id") && !h->cpu_vendor[0])
		copy(h->cpu_vendor, sizeof(h->cpu_vendor), v);
	else if (!strcmp(key, "flags") || !strcmp(key, "vmx flags")) {
		if (!strcmp(key, "flags") && !h->cpu_features[0])
			copy_words(h->cpu_features, sizeof(h->cpu_features), v);
		cpuinfo_flags(h, v);
	}
}

/*
 * cpuinfo_topology - the figures of the classic cpu-info script:
 * sockets = distinct "physical id"s, cores per socket = "cpu cores",
 * threads per core = "siblings" / "cpu cores".  A guest's cpuinfo may
 * lack all three: then one socket of single-threaded cores.
 */
static void cpuinfo_topology(struct host_info *h, const struct cpuinfo_scan *cs)
{
	int siblings;

	h->sockets = cs->nr_ids ? cs->nr_ids : 1;
	h->cores_per_socket = cs->cpu_cores;
	if (h->cores_per_socket <= 0)
		h->cores_per_socket = h->logical_cpus / h->sockets;
	if (h->cores_per_socket <= 0)
		h->cores_per_socket = 1;
	siblings = cs->siblings > 0 ? cs->siblings : h->cores_per_socket;
	h->threads_per_core = siblings / h->cores_per_socket;
	if (h->threads_per_core <= 0)
		h->threads_per_core = 1;
}

static int host_probe_cpu(const char *root, struct host_info *h)
{
	struct cpuinfo_scan cs = { .nr_ids = 0 };
	char path[PATH_MAX], *line = NULL, *colon;
	size_t cap = 0;
	FILE *f;

	f = fopen(host_path(path, sizeof(path), root, "/proc/cpuinfo"), "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		cpuinfo_field(h, &cs, trim(line), trim(colon + 1));
	}
	free(line);
	fclose(f);
	cpuinfo_topology(h, &cs);
	return 0;
}

/*
 * host_probe_hypervisor - the signature of the hypervisor below us (CPUID
 * leaf 0x40000000: "KVMKVMKVM", "TCGTCGTCGTCG", "Microsoft Hv"...), which
 * /proc does not show but which tells one nested host from another.  Read
 * with the CPUID instruction on this host; a fixture tree stands in for it
 * with a file hypervisor_vendor at its root.
 */
static void host_probe_hypervisor(const char *root, struct host_info *h)
{
	char path[PATH_MAX], sig[13] = "";
	unsigned int i;

	if (root[0]) {
		read_text(host_path(path, sizeof(path), root, "/hypervisor_vendor"), sig, sizeof(sig));
	} else if (h->flags.hypervisor) {
#if defined(__x86_64__) || defined(__i386__)
		unsigned int a, r[3];

		__cpuid(0x40000000, a, r[0], r[1], r[2]);
		memcpy(sig, r, 12);
#endif
	}
	for (i = 0; sig[i]; i++)	/* printable, or the signature ends there */
		if ((unsigned char)sig[i] < 0x20 || (unsigned char)sig[i] > 0x7e)
			sig[i] = 0;
	copy(h->hypervisor_vendor, sizeof(h->hypervisor_vendor), trim(sig));
}

/* --- KVM modules ------------------------------------------------------------- */

static int cmp_module(const void *a, const void *b)
{
	return strcmp(((const struct host_module *)a)->name,
		      ((const struct host_module *)b)->name);
}

static int cmp_param(const void *a, const void *b)
{
	return strcmp(((const struct host_param *)a)->name,
		      ((const struct host_param *)b)->name);
}

/* is_kvm_module - kvm itself or a kvm_* vendor module (not e.g. kvmgt). */
static bool is_kvm_module(const char *name)
{
	return !strcmp(name, "kvm") || !strncmp(name, "kvm_", 4);
}

static void host_read_params(const char *root, struct host_module *m)
{
	char path[PATH_MAX];
	struct host_param *p;
	struct dirent *de;
	DIR *d;

	d = opendir(host_path(path, sizeof(path), root,
			      "/sys/module/%s/parameters", m->name));
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (m->nr_params == HOST_MAX_PARAMS) {
			m->truncated = true;
			break;
		}
		p = &m->param[m->nr_params++];
		copy(p->name, sizeof(p->name), de->d_name);
		host_path(path, sizeof(path), root, "/sys/module/%s/parameters/%s",
			  m->name, de->d_name);
		p->readable = !read_text(path, p->value, sizeof(p->value));
	}
	closedir(d);
	qsort(m->param, m->nr_params, sizeof(m->param[0]), cmp_param);
}

static void host_probe_modules(const char *root, struct host_info *h)
{
	char path[PATH_MAX];
	struct host_module *m;
	struct dirent *de;
	DIR *d;
	int i;

	d = opendir(host_path(path, sizeof(path), root, "/sys/module"));
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!is_kvm_module(de->d_name))
			continue;
		if (h->nr_modules == HOST_MAX_MODULES) {
			h->modules_truncated = true;
			break;
		}
		m = &h->module[h->nr_modules];
		/* No KVM module has such a name; never read a cut one. */
		if (copy(m->name, sizeof(m->name), de->d_name))
			h->nr_modules++;
	}
	closedir(d);
	qsort(h->module, h->nr_modules, sizeof(h->module[0]), cmp_module);

	for (i = 0; i < h->nr_modules; i++) {
		m = &h->module[i];
		/* Only a loadable module has an initstate file. */
		m->builtin = !path_exists(host_path(path, sizeof(path), root,
				"/sys/module/%s/initstate", m->name));
		host_read_params(root, m);
	}
	m = (struct host_module *)host_module_find(h, "kvm");
	h->kvm_builtin = m && m->builtin;
}

/*
 * host_probe_loadable - which vendor modules the installed kernel ships.
 * The files are named kvm-intel.ko, kvm-amd.ko (maybe compressed) while
 * the modules are kvm_intel, kvm_amd: compare with '-' read as '_'.
 */
static void host_probe_loadable(const char *root, struct host_info *h)
{
	char path[PATH_MAX], name[NAME_MAX + 1], *c;
	struct dirent *de;
	DIR *d;

	d = opendir(host_path(path, sizeof(path), root,
			      "/lib/modules/%s/kernel/arch/x86/kvm",
			      h->kernel_release));
	if (!d)
		return;
	while ((de = readdir(d))) {
		copy(name, sizeof(name), de->d_name);
		for (c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		if (!strncmp(name, "kvm_intel.ko", 12))
			h->kvm_intel_loadable = true;
		else if (!strncmp(name, "kvm_amd.ko", 10))
			h->kvm_amd_loadable = true;
		else if (!strncmp(name, "kvm_pvm.ko", 10))
			h->kvm_pvm_loadable = true;
	}
	closedir(d);
}

/*
 * host_probe_dev_kvm - on the real host, "accessible" means this process
 * can open /dev/kvm read-write (as root too: a device cgroup may say no);
 * in a fixture tree the file merely has to exist.
 */
static void host_probe_dev_kvm(const char *root, struct host_info *h)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	host_path(path, sizeof(path), root, "/dev/kvm");
	if (root[0]) {
		h->dev_kvm_present = path_exists(path);
		h->dev_kvm_accessible = access(path, R_OK | W_OK) == 0;
		return;
	}
	h->dev_kvm_present = !stat(path, &st) && S_ISCHR(st.st_mode);
	fd = open(path, O_RDWR | O_CLOEXEC);
	h->dev_kvm_accessible = fd >= 0;
	if (fd >= 0)
		close(fd);
}

/* --- memory -------------------------------------------------------------------- */

/* thp_selected - the [bracketed] choice in a THP mode file, in @out. */
static void thp_selected(const char *path, char *out, size_t len)
{
	char buf[256], *open_br, *close_br;

	if (read_text(path, buf, sizeof(buf)))
		return;
	open_br = strchr(buf, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (open_br && close_br) {
		*close_br = '\0';
		copy(out, len, open_br + 1);
	} else {
		copy(out, len, buf);
	}
}

static void host_probe_meminfo(const char *root, struct host_info *h)
{
	char path[PATH_MAX], key[64];
	char *line = NULL;
	size_t cap = 0;
	long long v;
	FILE *f;

	f = fopen(host_path(path, sizeof(path), root, "/proc/meminfo"), "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%63[^:]: %lld", key, &v) != 2)
			continue;
		if (!strcmp(key, "MemTotal"))
			h->mem_total_kb = v;
		else if (!strcmp(key, "HugePages_Total"))
			h->hugepages_total = v;
		else if (!strcmp(key, "HugePages_Free"))
			h->hugepages_free = v;
		else if (!strcmp(key, "HugePages_Rsvd"))
			h->hugepages_rsvd = v;
		else if (!strcmp(key, "Hugepagesize"))
			h->hugepagesize_kb = v;
		else if (!strcmp(key, "AnonHugePages"))
			h->anon_huge_kb = v;
	}
	free(line);
	fclose(f);
}

static int cmp_hugesize(const void *a, const void *b)
{
	uint64_t x = ((const struct host_hugesize *)a)->size_kb;
	uint64_t y = ((const struct host_hugesize *)b)->size_kb;

	return (x > y) - (x < y);
}

static void host_probe_hugesizes(const char *root, struct host_info *h)
{
	const char *dir = "/sys/kernel/mm/hugepages";
	struct host_hugesize *hs;
	char path[PATH_MAX];
	struct dirent *de;
	uint64_t kb;
	char unit;
	DIR *d;

	d = opendir(host_path(path, sizeof(path), root, "%s", dir));
	if (!d)
		return;
	while ((de = readdir(d)) && h->nr_hugesizes < HOST_MAX_HUGE_SIZES) {
		if (sscanf(de->d_name, "hugepages-%" SCNu64 "k%c", &kb, &unit) != 2 ||
		    unit != 'B')
			continue;
		hs = &h->hugesize[h->nr_hugesizes++];
		hs->size_kb = kb;
		hs->nr = read_int(host_path(path, sizeof(path), root,
				  "%s/%s/nr_hugepages", dir, de->d_name));
		hs->free = read_int(host_path(path, sizeof(path), root,
				    "%s/%s/free_hugepages", dir, de->d_name));
	}
	closedir(d);
	qsort(h->hugesize, h->nr_hugesizes, sizeof(h->hugesize[0]), cmp_hugesize);
}

static int64_t ksm_read(const char *root, const char *name)
{
	char path[PATH_MAX];

	return read_int(host_path(path, sizeof(path), root,
				  "/sys/kernel/mm/ksm/%s", name));
}

static void host_probe_ksm(const char *root, struct host_info *h)
{
	h->ksm_run = ksm_read(root, "run");
	h->ksm_available = h->ksm_run >= 0;
	h->ksm_pages_to_scan = ksm_read(root, "pages_to_scan");
	h->ksm_sleep_millisecs = ksm_read(root, "sleep_millisecs");
	h->ksm_pages_shared = ksm_read(root, "pages_shared");
	h->ksm_pages_sharing = ksm_read(root, "pages_sharing");
}

static void host_probe_memory(const char *root, struct host_info *h)
{
	const char *thp = "/sys/kernel/mm/transparent_hugepage";
	char path[PATH_MAX];

	thp_selected(host_path(path, sizeof(path), root, "%s/enabled", thp),
		     h->thp_enabled, sizeof(h->thp_enabled));
	thp_selected(host_path(path, sizeof(path), root, "%s/defrag", thp),
		     h->thp_defrag, sizeof(h->thp_defrag));
	h->nr_hugepages = read_int(host_path(path, sizeof(path), root,
					     "/proc/sys/vm/nr_hugepages"));
	host_probe_meminfo(root, h);
	host_probe_hugesizes(root, h);
	host_probe_ksm(root, h);
}

/* --- public ------------------------------------------------------------------ */

int host_probe(const char *root, struct host_info *h)
{
	char path[PATH_MAX];
	int ret;

	memset(h, 0, sizeof(*h));
	h->nr_hugepages = h->hugepages_total = h->hugepages_free = -1;
	h->hugepages_rsvd = h->hugepagesize_kb = h->anon_huge_kb = -1;
	h->mem_total_kb = -1;
	if (!root)
		root = "";

	read_text(host_path(path, sizeof(path), root, "/proc/sys/kernel/osrelease"),
		  h->kernel_release, sizeof(h->kernel_release));
	read_text(host_path(path, sizeof(path), root, "/proc/sys/kernel/version"),
		  h->kernel_version, sizeof(h->kernel_version));
	read_text(host_path(path, sizeof(path), root, "/proc/sys/kernel/hostname"),
		  h->hostname, sizeof(h->hostname));
	ret = host_probe_cpu(root, h);
	if (ret)
		return ret;
	host_probe_hypervisor(root, h);
	host_probe_modules(root, h);
	host_probe_loadable(root, h);
	host_probe_dev_kvm(root, h);
	host_probe_memory(root, h);
	return 0;
}

const struct host_module *host_module_find(const struct host_info *h,
					   const char *name)
{
	int i;

	for (i = 0; i < h->nr_modules; i++)
		if (!strcmp(h->module[i].name, name))
			return &h->module[i];
	return NULL;
}

const char *host_param_get(const struct host_info *h, const char *mod,
			   const char *param)
{
	const struct host_module *m = host_module_find(h, mod);
	int i;

	for (i = 0; m && i < m->nr_params; i++)
		if (!strcmp(m->param[i].name, param))
			return m->param[i].readable ? m->param[i].value : NULL;
	return NULL;
}

/* param_on - is a bool (Y/N) or int (1/0) module parameter set? */
static bool param_on(const struct host_info *h, const char *mod,
		     const char *param)
{
	const char *v = host_param_get(h, mod, param);

	return v && (!strcmp(v, "Y") || !strcmp(v, "y") || !strcmp(v, "1"));
}

const char *host_paging_mode(const struct host_info *h)
{
	bool intel = host_module_find(h, "kvm_intel");
	bool amd = host_module_find(h, "kvm_amd");

	if (intel && param_on(h, "kvm_intel", "ept"))
		return "ept";
	if (amd && param_on(h, "kvm_amd", "npt"))
		return "npt";
	if (host_module_find(h, "kvm_pvm"))
		return "shadow-pvm";
	/* kvm.ko alone runs no VM: /dev/kvm comes with a vendor module. */
	if (intel || amd)
		return "shadow";
	return "none";
}

bool host_has_feature(const struct host_info *h, const char *flag)
{
	/* copy_words left one space between the flags */
	return words_contain(h->cpu_features, ' ', flag, strlen(flag));
}

/* --- YAML ------------------------------------------------------------------ */


static void y_map(FILE *out, int depth, const char *key)
{
	yaml_write_key(out, depth, key);
	fputc('\n', out);
}


/* y_int - a count, or null where the host did not say (-1). */
static void y_int(FILE *out, int depth, const char *key, int64_t v)
{
	yaml_write_key(out, depth, key);
	if (v < 0)
		fputs(" ~\n", out);
	else
		fprintf(out, " %" PRId64 "\n", v);
}

static void y_bool(FILE *out, int depth, const char *key, bool v)
{
	yaml_write_key(out, depth, key);
	fputs(v ? " true\n" : " false\n", out);
}

/* is_decimal - written plain, a module parameter like "-1" stays a number. */
static bool is_decimal(const char *s)
{
	if (*s == '-')
		s++;
	if (s[0] == '0')
		return !s[1];
	return *s && strspn(s, "0123456789") == strlen(s);
}

static void y_param(FILE *out, int depth, const struct host_param *p)
{
	yaml_write_key(out, depth, p->name);
	if (!p->readable)
		fputs(" ~\n", out);
	else if (is_decimal(p->value))
		fprintf(out, " %s\n", p->value);
	else {
		fputc(' ', out);
		yaml_write_scalar(out, p->value);
		fputc('\n', out);
	}
}

static void host_write_cpu(const struct host_info *h, FILE *out)
{
	y_map(out, 0, "cpu");
	yaml_write_str(out, 1, "vendor", h->cpu_vendor);
	yaml_write_str(out, 1, "model", h->cpu_model);
	y_int(out, 1, "logical_cpus", h->logical_cpus);
	y_int(out, 1, "sockets", h->sockets);
	y_int(out, 1, "cores_per_socket", h->cores_per_socket);
	y_int(out, 1, "threads_per_core", h->threads_per_core);
	y_map(out, 1, "flags");
	y_bool(out, 2, "vmx", h->flags.vmx);
	y_bool(out, 2, "svm", h->flags.svm);
	y_bool(out, 2, "ept", h->flags.ept);
	y_bool(out, 2, "vpid", h->flags.vpid);
	y_bool(out, 2, "npt", h->flags.npt);
	y_bool(out, 2, "hypervisor", h->flags.hypervisor);
	yaml_write_str(out, 1, "hypervisor_vendor", h->hypervisor_vendor);
	/* all of them: what KVM can offer a vCPU follows from these */
	yaml_write_str(out, 1, "features", h->cpu_features);
}

static void host_write_modules(const struct host_info *h, FILE *out)
{
	const struct host_module *m;
	int i, j;

	if (!h->nr_modules) {
		fputs("  modules: {}\n", out);
		return;
	}
	y_map(out, 1, "modules");
	for (i = 0; i < h->nr_modules; i++) {
		m = &h->module[i];
		y_map(out, 2, m->name);
		y_bool(out, 3, "builtin", m->builtin);
		if (m->truncated)
			y_bool(out, 3, "parameters_truncated", true);
		if (!m->nr_params) {
			fputs("      parameters: {}\n", out);
			continue;
		}
		y_map(out, 3, "parameters");
		for (j = 0; j < m->nr_params; j++)
			y_param(out, 4, &m->param[j]);
	}
}

static void host_write_kvm(const struct host_info *h, FILE *out)
{
	y_map(out, 0, "kvm");
	yaml_write_str(out, 1, "paging", host_paging_mode(h));
	y_bool(out, 1, "dev_kvm_present", h->dev_kvm_present);
	y_bool(out, 1, "dev_kvm_accessible", h->dev_kvm_accessible);
	y_bool(out, 1, "builtin", h->kvm_builtin);
	y_map(out, 1, "loadable");
	y_bool(out, 2, "kvm_intel", h->kvm_intel_loadable);
	y_bool(out, 2, "kvm_amd", h->kvm_amd_loadable);
	y_bool(out, 2, "kvm_pvm", h->kvm_pvm_loadable);
	if (h->modules_truncated)
		y_bool(out, 1, "modules_truncated", true);
	host_write_modules(h, out);
}

static void host_write_hugepages(const struct host_info *h, FILE *out)
{
	char key[32];
	int i;

	y_map(out, 1, "hugepages");
	y_int(out, 2, "nr_hugepages", h->nr_hugepages);
	y_int(out, 2, "total", h->hugepages_total);
	y_int(out, 2, "free", h->hugepages_free);
	y_int(out, 2, "rsvd", h->hugepages_rsvd);
	y_int(out, 2, "default_size_kb", h->hugepagesize_kb);
	if (!h->nr_hugesizes) {
		fputs("    sizes: {}\n", out);
		return;
	}
	y_map(out, 2, "sizes");
	for (i = 0; i < h->nr_hugesizes; i++) {
		snprintf(key, sizeof(key), "%" PRIu64 "kB", h->hugesize[i].size_kb);
		y_map(out, 3, key);
		y_int(out, 4, "nr_hugepages", h->hugesize[i].nr);
		y_int(out, 4, "free_hugepages", h->hugesize[i].free);
	}
}

static void host_write_memory(const struct host_info *h, FILE *out)
{
	y_map(out, 0, "memory");
	y_int(out, 1, "mem_total_kb", h->mem_total_kb);
	y_int(out, 1, "anon_huge_kb", h->anon_huge_kb);
	if (h->thp_enabled[0] || h->thp_defrag[0]) {
		y_map(out, 1, "transparent_hugepage");
		yaml_write_str(out, 2, "enabled", h->thp_enabled);
		yaml_write_str(out, 2, "defrag", h->thp_defrag);
	} else {
		yaml_write_str(out, 1, "transparent_hugepage", "unavailable");
	}
	host_write_hugepages(h, out);
	if (!h->ksm_available) {
		yaml_write_str(out, 1, "ksm", "unavailable");
		return;
	}
	y_map(out, 1, "ksm");
	y_int(out, 2, "run", h->ksm_run);
	y_int(out, 2, "pages_to_scan", h->ksm_pages_to_scan);
	y_int(out, 2, "sleep_millisecs", h->ksm_sleep_millisecs);
	y_int(out, 2, "pages_shared", h->ksm_pages_shared);
	y_int(out, 2, "pages_sharing", h->ksm_pages_sharing);
}

void host_write_yaml(const struct host_info *h, FILE *out)
{
	yaml_write_str(out, 0, "kvmbench_version", KVMBENCH_VERSION);
	y_map(out, 0, "kernel");
	yaml_write_str(out, 1, "release", h->kernel_release);
	yaml_write_str(out, 1, "version", h->kernel_version);
	yaml_write_str(out, 0, "hostname", h->hostname);
	host_write_cpu(h, out);
	host_write_kvm(h, out);
	host_write_memory(h, out);
	fflush(out);
}
