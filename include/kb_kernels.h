/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kb_kernels.h - measurement kernels shared verbatim by the guests and the
 * host's native baseline (harness/native.c).
 *
 * The same source text is compiled twice: freestanding into a guest
 * (-D__KB_GUEST__, no libc) and into kvmbench, which runs it in its own
 * process over memory of the same backing.  So a guest figure and its
 * native twin differ only by where the code runs, never by what it does:
 * same layout, same random permutation (same seed), same loop.
 *
 * Everything here is static inline C that allocates nothing and calls no
 * library function.  Parameter defaults live here too, so that the guest
 * and the host read a missing parameter the same way.
 */
#ifndef KB_KERNELS_H
#define KB_KERNELS_H

#ifdef __KB_GUEST__
#include "kb_abi.h"
#define KBK_KERNEL	static inline
#else
#include <stdint.h>
/*
 * Natively the kernels must cost what they cost in the guest, also in the
 * ASan+UBSan build: no instrumentation of their loads and stores.
 */
#define KBK_KERNEL	static inline __attribute__((no_sanitize("address", "undefined")))
#endif

/* pagewalk parameters: names and defaults (guests/pagewalk, harness/native.c). */
#define KBK_WS_MB_DEFAULT	64		/* ws_mb: working set, MiB */
#define KBK_PAGE_DEFAULT	"4k"		/* page: guest page size, 4k | 2m | 1g */
#define KBK_STRIDE_DEFAULT	64		/* stride: bytes between stream accesses */
#define KBK_CHASE_STRIDE_DEFAULT 4096		/* chase_stride: bytes per chase slot */
#define KBK_SEED_DEFAULT	0x6b766d62656e6368ull	/* seed: "kvmbench" */
#define KBK_LINE		64ull

/*
 * Sampling, the kvm-unit-tests way, for kb_measure() in the guest and its
 * native twin alike: double the iteration count until one sample lasts
 * sample_us, then take `samples` samples at that count.
 */
#define KBK_SAMPLE_US_DEFAULT	1000		/* sample_us: how long one sample lasts */
#define KBK_SAMPLES_DEFAULT	11		/* samples: how many are taken */
#define KBK_MAX_ITERS		(1ull << 32)

typedef void (*kbk_bench_fn)(void *arg, uint64_t iters);

/* kbk_rdtsc - rdtsc fenced so that it neither starts early nor ends before the work. */
static inline uint64_t kbk_rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* kbk_sample_count - the `samples` parameter clamped to 1..@max. */
static inline uint64_t kbk_sample_count(int64_t k, uint64_t max)
{
	return k < 1 ? 1 : (uint64_t)k > max ? max : (uint64_t)k;
}

/* kbk_sample_target - the cycles one sample must last (1 GHz if the TSC rate is unknown). */
static inline uint64_t kbk_sample_target(int64_t us, uint64_t tsc_khz)
{
	return (us > 0 ? us : 1) * (tsc_khz ? tsc_khz : 1000000) / 1000;
}

static inline uint64_t kbk_time_once(kbk_bench_fn fn, void *arg, uint64_t iters)
{
	uint64_t t0 = kbk_rdtsc();

	fn(arg, iters);
	return kbk_rdtsc() - t0;
}

/*
 * kbk_sample - one untimed run (warm caches, TLB and a host's shadow
 * tables), the doubling, then @k samples in cycles; returns the iterations
 * per sample.  @mark (may be NULL) is called just before and just after
 * each sample's timed region: the guest tells the host, which reads its
 * counters there.  An empty window comes first: the host subtracts what
 * the marks alone count (their own exits) from every sample's window.
 */
static inline uint64_t kbk_sample(kbk_bench_fn fn, void *arg, uint64_t target,
				  uint64_t *samples, uint64_t k, void (*mark)(int start))
{
	uint64_t n = 1, i;

	kbk_time_once(fn, arg, 1);
	while (n < KBK_MAX_ITERS && kbk_time_once(fn, arg, n) < target)
		n *= 2;
	if (mark) {	/* an empty window: what the marks themselves count */
		mark(1);
		mark(0);
	}
	for (i = 0; i < k; i++) {
		if (mark)	/* outside the timed region: counters bracket each sample */
			mark(1);
		samples[i] = kbk_time_once(fn, arg, n);
		if (mark)
			mark(0);
	}
	return n;
}

/* kbk_warm_count - loads of the untimed lap before timing: one lap of @n, at most 2^20. */
static inline uint64_t kbk_warm_count(uint64_t n)
{
	return n < (1ull << 20) ? n : 1ull << 20;
}

/*
 * kbk_touch_chunks - how first_touch cuts @size bytes of fresh memory into
 * samples: *@k chunks (at most @want) of *@chunk bytes, each a whole number
 * of 2 MiB so that every chunk meets the same host huge-page structure;
 * below 2 MiB, one chunk of @size.
 */
static inline void kbk_touch_chunks(uint64_t size, uint64_t want, uint64_t *k, uint64_t *chunk)
{
	const uint64_t m2 = 2ull << 20;

	if (want < 1)
		want = 1;
	if (size < m2) {
		*k = 1;
		*chunk = size;
		return;
	}
	if (want > size / m2)
		want = size / m2;
	*k = want;
	*chunk = size / want & ~(m2 - 1);
}

/* kbk_rand - splitmix64: the one random source of every shared kernel. */
static inline uint64_t kbk_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * kbk_slot_offset - where the pointer of chase slot @i lives: in slot i
 * (@stride bytes), on a cache line picked by a hash of i.  Without it every
 * access of a 4 KiB-stride chase would land on the same cache set, and the
 * figure would measure set conflicts instead of the page walk.
 */
static inline uint64_t kbk_slot_offset(uint64_t i, uint64_t stride)
{
	uint64_t lines = stride / KBK_LINE, h = i;

	if (lines < 2)
		return i * stride;
	return i * stride + kbk_rand(&h) % lines * KBK_LINE;
}

/* kbk_touch - write one byte every @step bytes of [@p, @p + @len): first touch. */
KBK_KERNEL void kbk_touch(uint8_t *p, uint64_t len, uint64_t step)
{
	uint64_t off;

	for (off = 0; off < len; off += step)
		*(volatile uint8_t *)(p + off) = 1;
}

/*
 * kbk_chase_build - link the @n slots of @stride bytes at @base into one
 * random cycle (Sattolo's shuffle from @seed: every slot is visited once
 * per lap, in an order no prefetcher can follow).  @idx is scratch space
 * for @n indices.  The set is faulted in first, in address order: in
 * random order the same faults cost several times more.
 * Returns the first slot's pointer: where a chase starts.
 */
KBK_KERNEL void *kbk_chase_build(uint8_t *base, uint64_t n, uint64_t stride, uint64_t seed,
				 uint32_t *idx)
{
	uint64_t i, j, rng = seed;
	uint32_t t;

	kbk_touch(base, n * stride, 4096);
	for (i = 0; i < n; i++)
		idx[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = kbk_rand(&rng) % i;
		t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	for (i = 0; i < n; i++) {
		uint64_t from = kbk_slot_offset(idx[i], stride);
		uint64_t to = kbk_slot_offset(idx[i + 1 < n ? i + 1 : 0], stride);

		*(uint8_t **)(base + from) = base + to;
	}
	return base + kbk_slot_offset(idx[0], stride);
}

/* kbk_chase - @n dependent loads along the cycle from @p; where it stopped. */
KBK_KERNEL void *kbk_chase(void *p, uint64_t n)
{
	while (n--)
		p = *(void *volatile *)p;
	return p;
}

/* A streaming pass: 8-byte loads @stride bytes apart, wrapping at @size. */
struct kbk_stream {
	const uint8_t *base;
	uint64_t size, stride;
	uint64_t off;			/* where the next access goes */
	uint64_t sum;			/* what was read, so that it is read */
};

/* kbk_stream - @n loads, going on from where the last call stopped. */
KBK_KERNEL void kbk_stream(struct kbk_stream *s, uint64_t n)
{
	uint64_t off = s->off, sum = s->sum;

	while (n--) {
		sum += *(const volatile uint64_t *)(s->base + off);
		off += s->stride;
		if (off + 8 > s->size)
			off = 0;
	}
	s->off = off;
	s->sum = sum;
}

#endif /* KB_KERNELS_H */
