/* SPDX-License-Identifier: GPL-2.0 */
/*
 * knob_internal.h - what the knob_*.c files and journal.c share, and the
 * hooks tests use to stand in for the host (commands, allowed CPUs).
 * Not for the rest of the harness: it uses knob.h and journal.h.
 */
#ifndef KNOB_INTERNAL_H
#define KNOB_INTERNAL_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "knob.h"

extern const struct knob knob_ept, knob_vpid, knob_npt, knob_thp, knob_backing,
	knob_ksm, knob_pin, knob_vcpus, knob_memory, knob_overcommit_pattern,
	knob_overcommit, knob_topology, knob_cpu_model, knob_vms, knob_mem_overcommit;

/* knob_path - knob_root() followed by the formatted path, in @buf. */
char *knob_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool knob_exists(const char *path);
/*
 * journal_read_value - the trimmed content of @path; for a choice file
 * ("always [madvise] never") the selected word.  0 or -errno.  Uses only
 * open/read/close, so the journal's signal path can use it too (journal.c).
 */
int journal_read_value(const char *path, char *buf, size_t len);
/*
 * journal_write_value - "@value\n" to @path in one write (through
 * knob_sys_hook's write when a test set one): 0 or -errno.  Signal-safe.
 */
int journal_write_value(const char *path, const char *value);
/* knob_read_long - the decimal number in @path: 0 or -errno (-EINVAL if not a number). */
int knob_read_long(const char *path, long *v);
/*
 * knob_vm_probe, knob_vm_read - for knobs that only shape the VM: any valid
 * value can be applied on any host, and the host has no value of its own.
 */
int knob_vm_probe(const char *value, char *why, size_t len);
int knob_vm_read(char *buf, size_t len);
/* knob_is_on - "Y", "y" and "1" (module booleans and integers) are on. */
bool knob_is_on(const char *raw);

/* --- running commands (knob_module.c) --------------------------------------- */

/*
 * knob_run - run @argv (argv[0] an absolute path) with posix_spawn and wait:
 * 0, or -errno and why (exit status and the command's first line of output).
 */
int knob_run(char *const argv[], char *why, size_t len);
/* A test stands in for every command knob_run (and the journal) would run. */
extern int (*knob_run_hook)(char *const argv[], char *why, size_t len);
/* knob_modprobe - the absolute path of modprobe, or NULL when there is none. */
const char *knob_modprobe(void);

/* --- vendor module parameters (knob_module.c) ------------------------------- */

int knob_module_probe(const char *mod, const char *param, const char *value,
		      char *why, size_t len);
int knob_module_read(const char *mod, const char *param, char *buf, size_t len);
int knob_module_apply(const char *mod, const char *param, const char *value,
		      char *why, size_t len);
/*
 * knob_module_restore - put @param of @mod back to @raw (as it read before)
 * by reloading the module, unless it already reads so.  0 or -errno, why.
 */
int knob_module_restore(const char *mod, const char *param, const char *raw,
			char *why, size_t len);

/* --- the kernel side of cgroups and swap, for tests (journal.c) -------------- */

/*
 * struct knob_sys - a test stands in for the kernel on a fixture tree: what
 * mkdir in a cgroup directory creates (its control files), rmdir, what a
 * write to a control file does besides storing the value (zram's reset
 * clears disksize, "+memory" edits the list, a pid written to cgroup.procs
 * leaves its old cgroup), swapon(2) and swapoff(2).  Each returns 0 or
 * -errno; a write it does not handle returns -ENOSYS and is done as to a
 * plain file.  A NULL member, or a NULL knob_sys_hook: the real thing.
 */
struct knob_sys {
	int (*mkdir)(const char *path);
	int (*rmdir)(const char *path);
	int (*write)(const char *path, const char *value);
	int (*swapon)(const char *dev);
	int (*swapoff)(const char *dev);
};
extern const struct knob_sys *knob_sys_hook;

/* --- memory overcommit (knob_mem_overcommit.c) ------------------------------- */

#define MEM_OC_MIN		0.1
#define MEM_OC_MAX		8.0
/* The VMM process's own memory beside guest RAM: fixed part, and 1/N of guest RAM. */
#define MEM_OC_ALLOWANCE	(32ull << 20)
#define MEM_OC_ALLOWANCE_DIV	256
/* knob_mem_oc_parse - a level MEM_OC_MIN..MEM_OC_MAX: 0 or -EINVAL. */
int knob_mem_oc_parse(const char *value, double *level);
/*
 * knob_mem_oc_limit - the memory cgroup limit for @guest_ram bytes of
 * guest RAM (every VM of the case) at @level: guest_ram / level + the
 * allowance (MEM_OC_ALLOWANCE + guest_ram / MEM_OC_ALLOWANCE_DIV: the
 * harness's own pages, KVM's shadow page tables and rmaps), rounded up to
 * a 4 KiB page.
 */
uint64_t knob_mem_oc_limit(uint64_t guest_ram, double level);

/* --- pinning (knob_pin.c) ---------------------------------------------------- */

/* The CPUs this process may run on: sched_getaffinity() unless a test sets it. */
extern int (*knob_pin_affinity_hook)(cpu_set_t *set);
/* knob_allowed_cpus - those CPUs (through the hook): 0 or -errno. */
int knob_allowed_cpus(cpu_set_t *set);


#endif
