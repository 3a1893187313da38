// SPDX-License-Identifier: GPL-2.0
/*
 * ksm_watch.c - how fast ksmd merges the guests' memory.  Sampling runs on
 * the vCPU thread of the last VM to fill (vmsync's action), so every guest
 * is parked and touches nothing while ksmd works.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "knob_internal.h"
#include "ksm_watch.h"
#include "vmm.h"

#define KSM_DIR		"/sys/kernel/mm/ksm"
#define STILL_SCANS	2	/* full scans without a new merge: ksmd is done */

static int ksm_long(const char *file, long *v)
{
	char path[PATH_MAX];

	return knob_read_long(knob_path(path, sizeof(path), KSM_DIR "/%s", file), v);
}

int ksm_read(struct ksm_counters *k)
{
	int r = ksm_long("pages_shared", &k->shared);

	if (!r)
		r = ksm_long("pages_sharing", &k->sharing);
	if (!r)
		r = ksm_long("pages_unshared", &k->unshared);
	if (!r)
		r = ksm_long("full_scans", &k->full_scans);
	return r;
}

int ksm_watch_start(struct ksm_watch *w, long target, double timeout_s)
{
	memset(w, 0, sizeof(*w));
	w->target = target;
	w->interval_ms = 10;
	w->timeout_s = timeout_s;
	w->t_ms[0] = w->t_ms[1] = w->t_ms[2] = NAN;
	return ksm_read(&w->base);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static long merged_of(const struct ksm_watch *w, const struct ksm_counters *k)
{
	return k->shared - w->base.shared + k->sharing - w->base.sharing;
}

/*
 * sample - keep @k at @t; note when it first crossed 50/90/100 % of the
 * target.  Returns the pages merged over the case.
 */
static long sample(struct ksm_watch *w, double t, const struct ksm_counters *k)
{
	static const double frac[3] = { 0.5, 0.9, 1.0 };
	long m = merged_of(w, k);
	int i;

	if (w->n < KSM_WATCH_MAX) {
		w->s[w->n].t_ms = t;
		w->s[w->n++].k = *k;
	}
	for (i = 0; i < 3 && w->target > 0; i++)
		if (isnan(w->t_ms[i]) && m >= frac[i] * w->target)
			w->t_ms[i] = t;
	return m;
}

void ksm_watch_run(struct ksm_watch *w)
{
	struct timespec t0, nap = { 0, (long)(w->interval_ms * 1e6) };
	struct ksm_counters k;
	long last = -1, scans_at_last = 0, scans_at_target = -1;
	double t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	w->ran = true;
	for (;;) {
		t = ms_since(&t0);
		if (ksm_read(&k))
			break;
		w->merged = sample(w, t, &k);
		w->saved = k.sharing - w->base.sharing;
		if (w->merged != last) {
			last = w->merged;
			scans_at_last = k.full_scans;
		}
		w->scans = k.full_scans - w->s[0].k.full_scans;
		/*
		 * The target counts pages of the whole case, and a few other
		 * guest pages merge too: one more full scan after reaching it,
		 * so every page the guests filled has had its turn.
		 */
		if (w->target > 0 && !isnan(w->t_ms[2]) && scans_at_target < 0)
			scans_at_target = k.full_scans;
		if (scans_at_target >= 0 && k.full_scans > scans_at_target) {
			w->complete = true;
			break;
		}
		/* unique memory, or less merged than expected: stop once it stands still */
		if (k.full_scans - scans_at_last >= STILL_SCANS) {
			w->complete = w->target <= 0;
			break;
		}
		if (t >= w->timeout_s * 1e3 || vmm_aborted())
			break;
		nanosleep(&nap, NULL);
	}
	w->watched_ms = ms_since(&t0);
}

void ksm_watch_csv(const struct ksm_watch *w, FILE *f)
{
	int i;

	fprintf(f, "t_ms,pages_shared,pages_sharing,pages_unshared,full_scans\n");
	for (i = 0; i < w->n; i++)
		fprintf(f, "%.1f,%ld,%ld,%ld,%ld\n", w->s[i].t_ms, w->s[i].k.shared,
			w->s[i].k.sharing, w->s[i].k.unshared, w->s[i].k.full_scans);
}
