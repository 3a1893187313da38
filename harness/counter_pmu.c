// SPDX-License-Identifier: GPL-2.0
/*
 * counter_pmu.c - PMU events through libpfm4, and what PMUs the kernel
 * registered with perf (which is what decides whether they can be counted:
 * libpfm4 knows a CPU's event tables whether or not perf can use them).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The kernel's perf_event.h first: libpfm4's copy then stands aside. */
#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>

#include "counter_int.h"

#define PERF_DEVICES	"/sys/bus/event_source/devices"

static pthread_once_t pmu_once = PTHREAD_ONCE_INIT;
/* libpfm4 keeps state while it parses an event: one caller at a time. */
static pthread_mutex_t pmu_lock = PTHREAD_MUTEX_INITIALIZER;
static int pmu_init_err;

static void pmu_init(void)
{
	pmu_init_err = pfm_initialize();
}

int pmu_ready(char *why, size_t len)
{
	pthread_once(&pmu_once, pmu_init);
	if (pmu_init_err == PFM_SUCCESS)
		return 0;
	snprintf(why, len, "libpfm4: pfm_initialize: %s", pfm_strerror(pmu_init_err));
	return -EIO;
}

int pmu_encode(const char *event, struct perf_event_attr *attr, char *err, size_t len)
{
	pfm_perf_encode_arg_t arg;
	int r;

	r = pmu_ready(err, len);
	if (r)
		return r;
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);	/* libpfm4 fills what it knows of it */
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.attr = attr;
	pthread_mutex_lock(&pmu_lock);
	r = pfm_get_os_event_encoding(event, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	pthread_mutex_unlock(&pmu_lock);
	if (r == PFM_SUCCESS)
		return 0;
	snprintf(err, len, "libpfm4: %s", pfm_strerror(r));
	return r == PFM_ERR_NOTFOUND ? -ENOENT : -EINVAL;
}

int pmu_active(struct pmu_desc *out, int max)
{
	pfm_pmu_info_t info;
	pfm_pmu_t p;
	int n = 0;
	char why[COUNTER_WHY_MAX];

	if (pmu_ready(why, sizeof(why)))
		return 0;
	pthread_mutex_lock(&pmu_lock);
	pfm_for_all_pmus(p) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(p, &info) != PFM_SUCCESS || !info.is_present)
			continue;
		if (n < max) {
			out[n].name = info.name;
			out[n].desc = info.desc;
			out[n].core = info.type == PFM_PMU_TYPE_CORE;
		}
		n++;
	}
	pthread_mutex_unlock(&pmu_lock);
	return n < max ? n : max;
}

const char *pmu_core(void)
{
	struct pmu_desc d[32];
	int i, n = pmu_active(d, 32);

	for (i = 0; i < n; i++)
		if (d[i].core)
			return d[i].name;
	return NULL;
}

void pmu_version(char *buf, size_t len)
{
	char path[PATH_MAX], *file;
	int v = pfm_get_version();
	Dl_info dl;

	/*
	 * pfm_get_version() is the API (4.0) since 2010; the release is only
	 * in the shared object's file name (libpfm.so.4.13.0).
	 */
	if (dladdr((void *)pfm_initialize, &dl) && dl.dli_fname &&
	    realpath(dl.dli_fname, path) && (file = strstr(path, "libpfm.so.")) &&
	    file[10]) {
		snprintf(buf, len, "%s (API %d.%d)", file + 10, PFM_MAJ_VERSION(v),
			 PFM_MIN_VERSION(v));
		return;
	}
	snprintf(buf, len, "API %d.%d", PFM_MAJ_VERSION(v), PFM_MIN_VERSION(v));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* perf_pmu_type - the perf type number of PMU @name, -1. */
static int perf_pmu_type(const char *name)
{
	char path[PATH_MAX];
	FILE *f;
	int t = -1;

	snprintf(path, sizeof(path), PERF_DEVICES "/%s/type", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &t) != 1)
		t = -1;
	fclose(f);
	return t;
}

/*
 * perf_devices - the names in sysfs's event_source devices, sorted; the
 * caller frees each and @names.  The number, or -1.
 */
static int perf_devices(char ***names)
{
	DIR *d = opendir(PERF_DEVICES);
	struct dirent *e;
	char **v = NULL, **nv;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(e->d_name);
		if (v[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*names = v;
	return n;
}

static void free_names(char **v, int n)
{
	while (n-- > 0)
		free(v[n]);
	free(v);
}

/*
 * A core PMU (cpu, cpu_core, cpu_atom, armv8_pmuv3...) registers as
 * PERF_TYPE_RAW; without one every hardware and raw event is ENOENT.
 */
bool perf_has_core_pmu(void)
{
	char **v = NULL;
	int i, n = perf_devices(&v);
	bool found = false;

	for (i = 0; i < n && !found; i++)
		found = perf_pmu_type(v[i]) == PERF_TYPE_RAW;
	free_names(v, n);
	return found;
}

void perf_pmus(char *buf, size_t len)
{
	char **v = NULL;
	size_t at = 0;
	int i, n = perf_devices(&v);

	buf[0] = 0;
	if (n < 0) {
		snprintf(buf, len, "(no %s)", PERF_DEVICES);
		return;
	}
	for (i = 0; i < n && at < len; i++)
		at += snprintf(buf + at, len - at, "%s%s", i ? " " : "", v[i]);
	free_names(v, n);
}
