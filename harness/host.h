/* SPDX-License-Identifier: GPL-2.0 */
/*
 * host.h - the host fingerprint written to results/<run>/host.yaml.
 *
 * Everything is read below a root prefix ("" for the real host) so that
 * tests can probe fixture trees that look like other machines.
 */
#ifndef HOST_H
#define HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>

#define HOST_MAX_MODULES	8
#define HOST_MAX_PARAMS		64
#define HOST_MAX_HUGE_SIZES	4

struct host_param {
	char name[48];
	char value[128];	/* trimmed; "" if unreadable */
	bool readable;
};

/* One loaded KVM module: /sys/module/kvm or /sys/module/kvm_*. */
struct host_module {
	char name[32];
	bool builtin;		/* no initstate file */
	bool truncated;		/* more than HOST_MAX_PARAMS parameters */
	int nr_params;
	struct host_param param[HOST_MAX_PARAMS];	/* sorted by name */
};

struct host_hugesize {
	uint64_t size_kb;
	int64_t nr, free;	/* -1: unknown */
};

/* Numbers are -1 when the file or field is missing. */
struct host_info {
	char kernel_release[128];
	char kernel_version[256];
	char hostname[128];

	char cpu_vendor[32];
	char cpu_model[128];
	int logical_cpus;
	int sockets;
	int cores_per_socket;
	int threads_per_core;
	struct {
		bool vmx, svm, ept, vpid, npt, hypervisor;
	} flags;
	char cpu_features[4096];	/* the first CPU's "flags" line, as /proc/cpuinfo has it */
	char hypervisor_vendor[16];	/* CPUID 0x40000000's signature ("KVMKVMKVM", "TCGTCGTCGTCG"); "" bare metal */

	int nr_modules;
	struct host_module module[HOST_MAX_MODULES];	/* sorted by name */
	bool modules_truncated;
	bool kvm_builtin;	/* kvm loaded without an initstate file */
	bool kvm_intel_loadable, kvm_amd_loadable, kvm_pvm_loadable;
	bool dev_kvm_present, dev_kvm_accessible;

	char thp_enabled[32];	/* the [selected] value; "" if no THP */
	char thp_defrag[32];

	int64_t nr_hugepages;
	int64_t hugepages_total, hugepages_free, hugepages_rsvd;
	int64_t hugepagesize_kb, anon_huge_kb, mem_total_kb;
	int nr_hugesizes;
	struct host_hugesize hugesize[HOST_MAX_HUGE_SIZES];	/* ascending */

	bool ksm_available;
	int64_t ksm_run, ksm_pages_to_scan, ksm_sleep_millisecs;
	int64_t ksm_pages_shared, ksm_pages_sharing;
};

/*
 * host_probe - fill @h from the files below @root ("" for this host).
 * Missing files leave fields empty or -1; only an unreadable
 * @root/proc/cpuinfo fails the probe (-errno).
 */
int host_probe(const char *root, struct host_info *h);

/*
 * host_paging_mode - "ept", "npt", "shadow-pvm", "shadow" (a vendor
 * module without two-dimensional paging) or "none" (no vendor module).
 */
const char *host_paging_mode(const struct host_info *h);

/*
 * host_has_feature - @flag is a word of the host CPU's "flags" line
 * (/proc/cpuinfo's names: "pcid", "invpcid", "pdpe1gb", ...).
 */
bool host_has_feature(const struct host_info *h, const char *flag);

/* host_module_find - the loaded module @name, or NULL. */
const struct host_module *host_module_find(const struct host_info *h,
					   const char *name);

/* host_param_get - the value of module @mod's parameter @param, or NULL. */
const char *host_param_get(const struct host_info *h, const char *mod,
			   const char *param);

/* host_write_yaml - @h as a YAML document (block style, no "---"). */
void host_write_yaml(const struct host_info *h, FILE *out);
/* host_vpath - @root followed by the formatted path, in @buf (also the knobs' paths). */
char *host_vpath(char *buf, size_t len, const char *root, const char *fmt, va_list ap);

#endif
