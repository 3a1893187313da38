// SPDX-License-Identifier: GPL-2.0
/*
 * barrier.c - the sense-reversing barrier (lock xadd) at CPL3: does it
 * hold, and what does one episode cost among all vCPUs.
 */
#include "smp.h"

#define EPISODES	64
#define MIN_EPISODES	8
#define HOLD_MS		1000	/* overcommitted, an episode takes a timeslice or more */

static struct {
	uint64_t slot[KB_MAX_VCPUS];
	uint64_t last __attribute__((aligned(64)));	/* vCPU 0: the final episode */
} hold __attribute__((aligned(64)));

/* n episodes of the all-vCPU barrier: the collective kernel that coll_measure times. */
static void bench_barrier(void *arg, uint64_t n)
{
	while (n--)
		if (sync_all())
			return;
}

/*
 * Each vCPU writes the episode number into its slot before the barrier and
 * reads every slot after it: all must show this episode.  A second
 * barrier keeps anyone from writing the next number while others read.
 * vCPU 0 ends the pass after HOLD_MS by naming the last episode before the
 * second barrier; everyone reads the name after it, so all stop together.
 */
static int barrier_hold(char *why, unsigned len)
{
	uint64_t end = kb_deadline_ms(HOLD_MS);
	unsigned me = kb_cpu_id(), c, e;

	if (me == 0)
		st64(&hold.last, EPISODES);
	if (sync_all()) {
		kb_snprintf(why, len, "a vCPU missed the first barrier (%lu ms)", wait_ms());
		return 0;
	}
	for (e = 1; e <= ld64(&hold.last); e++) {
		st64(&hold.slot[me], e);
		if (sync_all()) {
			kb_snprintf(why, len, "episode %u: a vCPU missed the barrier (%lu ms)", e, wait_ms());
			return 0;
		}
		for (c = 0; c < nr_cpus(); c++) {
			uint64_t v = ld64(&hold.slot[c]);

			if (v != e) {
				kb_snprintf(why, len, "episode %u: vCPU %u read vCPU %u's slot as %lu after the barrier",
					    e, me, c, v);
				sync_break();
				return 0;
			}
		}
		if (me == 0 && e >= MIN_EPISODES && e < ld64(&hold.last) && kb_rdtsc() > end)
			st64(&hold.last, e);
		if (sync_all()) {
			kb_snprintf(why, len, "episode %u: a vCPU missed the second barrier", e);
			return 0;
		}
	}
	kb_snprintf(why, len, "%u episodes among %u vCPUs, every slot right after every barrier",
		    e - 1, nr_cpus());
	return 1;
}

KB_TEST(barrier, "sense-reversing barrier (lock xadd) at CPL3: it holds; cycles per episode")
{
	char why[160];

	if (!kb_check("barrier_holds", barrier_hold(why, sizeof(why)), "%s", why))
		return;
	if (coll_measure("barrier.cpl3", bench_barrier, 0, 0))
		kb_check("barrier_measure", 0, "a vCPU missed a barrier while measuring (%lu ms)", wait_ms());
}
