// SPDX-License-Identifier: GPL-2.0
/*
 * native.c - the native twins of guest figures (see native.h).
 *
 * A twin repeats what its guest test did, in this process: the same
 * parameters with the same defaults (kb_kernels.h), memory of the case's
 * RAM backing (vmm_mem_map(), the VMM's own allocation), the same kernel
 * over the same layout and permutation, and the measurement of the guest
 * runtime's kb_measure() (guests/lib/timing.c): one untimed call, the
 * iteration count doubled until one sample lasts sample_us, then `samples`
 * samples, each timed with lfence-fenced rdtsc.  Cycles become ns with the
 * TSC frequency the VM reported, as the guest's do.
 *
 * To give another guest figure a twin, add a function and a row to twins[].
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb_kernels.h"
#include "knob.h"
#include "native.h"

#define MIB		(1ull << 20)
#define PAGE		4096ull

/* --- parameters: read as the guest's kb_param_int() reads them --------------- */

static int64_t param_int(const struct vm_config *cfg, const char *name, int64_t def)
{
	int i;

	for (i = 0; i < cfg->nr_params; i++)
		if (!strcmp(cfg->params[i].name, name))
			return cfg->params[i].is_string ? def : cfg->params[i].ival;
	return def;
}

/* ws_size - ws_mb in bytes, checked as the guest checks it. */
static int ws_size(const struct vm_config *cfg, uint64_t *size, char *why, size_t len)
{
	int64_t mb = param_int(cfg, "ws_mb", KBK_WS_MB_DEFAULT);

	if (mb < 1 || (uint64_t)mb > KB_RAM_MAX / MIB) {
		snprintf(why, len, "ws_mb %lld: want 1..%llu", (long long)mb,
			 (unsigned long long)(KB_RAM_MAX / MIB));
		return -EINVAL;
	}
	*size = mb * MIB;
	return 0;
}

static int stride_ok(const char *name, uint64_t stride, uint64_t size, char *why, size_t len)
{
	if (stride >= 8 && !(stride % 8) && stride <= size)
		return 0;
	snprintf(why, len, "%s %llu: want a multiple of 8 from 8 to ws_mb MiB", name,
		 (unsigned long long)stride);
	return -EINVAL;
}

/* --- memory of the case's backing ---------------------------------------------- */

struct nmem {
	void *map;
	uint64_t map_len;
	uint8_t *base;		/* aligned to the backing's page size */
};

static int nmem_get(const struct vm_config *cfg, uint64_t size, struct nmem *m,
		    char *why, size_t len)
{
	enum vmm_backing b = cfg->mem.backing;
	uint64_t a = vmm_mem_align(b);
	/* THP: room to start on a 2 MiB boundary, as guest RAM's huge pages do. */
	uint64_t pad = b == VMM_BACKING_THP ? 2 * MIB : 0;
	char err[VMM_ERR_MAX];
	uintptr_t p;

	m->map_len = (size + a - 1) / a * a + pad;
	m->map = vmm_mem_map(m->map_len, &cfg->mem, err, sizeof(err));
	if (!m->map) {
		snprintf(why, len, "no native %s memory: %s", vmm_backing_name(b), err);
		return -ENOMEM;
	}
	p = (uintptr_t)m->map;
	if (pad)
		p = (p + pad - 1) & ~(uintptr_t)(pad - 1);
	m->base = (uint8_t *)p;
	return 0;
}

/* nmem_put - say in @r what backed the memory (after the kernel touched it), and unmap. */
static void nmem_put(const struct vm_config *cfg, struct nmem *m, struct native_result *r)
{
	const char *name = vmm_backing_name(cfg->mem.backing);
	char why[128];

	if (knob_backing_check(m->map, cfg->mem.backing, why, sizeof(why)))
		snprintf(r->backing, sizeof(r->backing), "%s, not as asked: %s", name, why);
	else
		snprintf(r->backing, sizeof(r->backing), "%s", name);
	vmm_mem_unmap(m->map, m->map_len);
}

/* --- the guest runtime's kb_measure(), natively ----------------------------------- */

static void measure(const struct vm_config *cfg, uint64_t tsc_khz, kbk_bench_fn fn, void *arg,
		    struct native_result *r)
{
	uint64_t target = kbk_sample_target(param_int(cfg, "sample_us", KBK_SAMPLE_US_DEFAULT),
					    tsc_khz);

	r->count = kbk_sample_count(param_int(cfg, "samples", KBK_SAMPLES_DEFAULT),
				    NATIVE_MAX_SAMPLES);
	r->iters = kbk_sample(fn, arg, target, r->samples, r->count, NULL);
}

/* --- pagewalk ------------------------------------------------------------------- */

static void bench_chase(void *arg, uint64_t n)
{
	void **p = arg;

	*p = kbk_chase(*p, n);
}

/* pagewalk:chase - as guests/pagewalk/pagewalk.c's chase test. */
static int native_chase(const struct vm_config *cfg, uint64_t tsc_khz, struct native_result *r,
			char *why, size_t len)
{
	uint64_t stride = param_int(cfg, "chase_stride", KBK_CHASE_STRIDE_DEFAULT);
	uint64_t seed = param_int(cfg, "seed", KBK_SEED_DEFAULT);
	uint64_t size, n;
	struct nmem m;
	uint32_t *idx;
	void *p;
	int ret;

	ret = ws_size(cfg, &size, why, len);
	if (!ret)
		ret = stride_ok("chase_stride", stride, size, why, len);
	if (ret)
		return ret;
	n = size / stride;
	idx = malloc(n * sizeof(*idx));
	if (!idx) {
		snprintf(why, len, "no memory for %llu chase indices", (unsigned long long)n);
		return -ENOMEM;
	}
	ret = nmem_get(cfg, size, &m, why, len);
	if (ret) {
		free(idx);
		return ret;
	}
	p = kbk_chase_build(m.base, n, stride, seed, idx);
	free(idx);
	p = kbk_chase(p, kbk_warm_count(n));
	measure(cfg, tsc_khz, bench_chase, &p, r);
	nmem_put(cfg, &m, r);
	return 0;
}

static void bench_stream(void *arg, uint64_t n)
{
	kbk_stream(arg, n);
}

/* pagewalk:stream */
static int native_stream(const struct vm_config *cfg, uint64_t tsc_khz, struct native_result *r,
			 char *why, size_t len)
{
	uint64_t stride = param_int(cfg, "stride", KBK_STRIDE_DEFAULT);
	struct kbk_stream s;
	uint64_t size;
	struct nmem m;
	int ret;

	ret = ws_size(cfg, &size, why, len);
	if (!ret)
		ret = stride_ok("stride", stride, size, why, len);
	if (!ret)
		ret = nmem_get(cfg, size, &m, why, len);
	if (ret)
		return ret;
	kbk_touch(m.base, size, PAGE);
	s = (struct kbk_stream){ .base = m.base, .size = size, .stride = stride };
	kbk_stream(&s, kbk_warm_count(size / stride));
	measure(cfg, tsc_khz, bench_stream, &s, r);
	nmem_put(cfg, &m, r);
	return 0;
}

/* pagewalk:first_touch - fresh memory, cut into chunks, one sample per chunk. */
static int native_first_touch(const struct vm_config *cfg, uint64_t tsc_khz,
			      struct native_result *r, char *why, size_t len)
{
	uint64_t want = kbk_sample_count(param_int(cfg, "samples", KBK_SAMPLES_DEFAULT),
					 NATIVE_MAX_SAMPLES);
	uint64_t size, k, chunk, i, t0;
	struct nmem m;
	int ret;

	ret = ws_size(cfg, &size, why, len);
	if (!ret)
		ret = nmem_get(cfg, size, &m, why, len);
	if (ret)
		return ret;
	kbk_touch_chunks(size, want, &k, &chunk);
	for (i = 0; i < k; i++) {
		t0 = kbk_rdtsc();
		kbk_touch(m.base + i * chunk, chunk, PAGE);
		r->samples[i] = kbk_rdtsc() - t0;
	}
	r->iters = chunk / PAGE;
	r->count = k;
	nmem_put(cfg, &m, r);
	return 0;
}

/* --- the table ------------------------------------------------------------------- */

static const struct native_twin twins[] = {
	{ "pagewalk", "chase", "chase", native_chase },
	{ "pagewalk", "stream", "stream", native_stream },
	{ "pagewalk", "first_touch", "first_touch", native_first_touch },
};

const struct native_twin *native_find(const char *guest, const char *test, const char *metric)
{
	size_t i;

	for (i = 0; i < sizeof(twins) / sizeof(twins[0]); i++)
		if (!strcmp(twins[i].guest, guest) && !strcmp(twins[i].test, test) &&
		    !strcmp(twins[i].metric, metric))
			return &twins[i];
	return NULL;
}
