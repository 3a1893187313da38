// SPDX-License-Identifier: GPL-2.0
/*
 * counter_list.c - `kvmbench counters`: what each source offers on this
 * host, tried rather than assumed, and why what cannot be counted cannot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "counter_int.h"

#define LIST_WIDTH	100	/* columns of a name grid */
#define NR_TRIES	6	/* PMU events tried */

/* grid - @n names in as many aligned columns as fit, each row indented by @indent. */
static void grid(FILE *out, int indent, const char *const *names, int n)
{
	size_t w = 0;
	int i, cols;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) > w)
			w = strlen(names[i]);
	w += 2;
	cols = (LIST_WIDTH - indent) / w > 0 ? (LIST_WIDTH - indent) / w : 1;
	for (i = 0; i < n; i++) {
		bool last = i % cols == cols - 1 || i == n - 1;

		fprintf(out, "%*s%-*s", i % cols ? 0 : indent, "", last ? 0 : (int)w, names[i]);
		if (last)
			fprintf(out, "\n");
	}
}

static void list_kvm(FILE *out, bool vcpu)
{
	const struct ch_kvm *k = ch_kvm(vcpu);
	char names[CH_STATS_MAX][COUNTER_NAME_MAX + 2];
	const char *p[CH_STATS_MAX];
	int i, instant = 0;

	fprintf(out, "KVM %s stats (%s)", vcpu ? "vCPU" : "VM", vcpu ? "kvm-vcpu" : "kvm-vm");
	if (k->n < 0) {
		fprintf(out, ": none: %s\n", k->why);
		return;
	}
	for (i = 0; i < k->n; i++) {
		snprintf(names[i], sizeof(names[i]), "%s%s", k->names[i],
			 k->cumulative[i] ? "" : "*");
		p[i] = names[i];
		instant += !k->cumulative[i];
	}
	fprintf(out, ": %d, from a scratch %s's stats fd; * instant value (%d), "
		"the rest count up\n", k->n, vcpu ? "vCPU" : "VM", instant);
	grid(out, 2, p, k->n);
}

/* One name resolved, with what it gave. */
struct tried {
	const char *name;
	int r;
	struct counter_spec s;
	char err[COUNTER_WHY_MAX];
};

static void try_all(struct tried *t, int n)
{
	int i;

	for (i = 0; i < n; i++)
		t[i].r = counter_resolve(t[i].name, &t[i].s, t[i].err, sizeof(t[i].err));
}

/* group - the names of @t that failed (@supported false) for the reason of t[@first]. */
static int group(const struct tried *t, int n, int first, bool supported, const char **names,
		 bool *done)
{
	int i, k = 0;

	for (i = first; i < n; i++) {
		if (done[i] || t[i].r || t[i].s.supported != supported ||
		    (!supported && strcmp(t[i].s.why, t[first].s.why)))
			continue;
		names[k++] = t[i].name;
		done[i] = true;
	}
	return k;
}

/*
 * report - what @n trials gave: "supported (N):" and the names, then for
 * each distinct reason "unsupported (N): WHY" and the names, then errors.
 */
static void report(FILE *out, const struct tried *t, int n)
{
	const char **names = calloc(n ? n : 1, sizeof(*names));
	bool *done = calloc(n ? n : 1, sizeof(*done));
	int i, k;

	if (!names || !done)
		goto out;
	k = group(t, n, 0, true, names, done);
	if (k) {
		fprintf(out, "  supported (%d):\n", k);
		grid(out, 4, names, k);
	}
	for (i = 0; i < n; i++) {
		if (done[i] || t[i].r)
			continue;
		k = group(t, n, i, false, names, done);
		fprintf(out, "  unsupported (%d): %s\n", k, t[i].s.why);
		grid(out, 4, names, k);
	}
	for (i = 0; i < n; i++)
		if (t[i].r)
			fprintf(out, "  error: %s\n", t[i].err);
out:
	free(names);
	free(done);
}

static void list_sw(FILE *out)
{
	struct tried t[16];
	int i, n = ch_nr_sw();

	fprintf(out, "Software events (software): perf_event_open of each on this thread\n");
	memset(t, 0, sizeof(t));
	for (i = 0; i < n && i < 16; i++)
		t[i].name = ch_sw_name(i);
	try_all(t, i);
	report(out, t, i);
}

static bool kvm_tp(const char *name)
{
	return !strncmp(name, "kvm:", 4) || !strncmp(name, "kvmmmu:", 7);
}

static void list_tp(FILE *out)
{
	const struct ch_tps *tps = ch_tps();
	struct tried *t;
	int i, n = 0;

	fprintf(out, "Tracepoints (tracepoint): kvm:* and kvmmmu:*, perf_event_open of each; "
		"bare kvm_* names too\n");
	if (tps->n < 0) {
		fprintf(out, "  none: %s\n", tps->why);
		return;
	}
	fprintf(out, "  ids from %s\n", tps->how);
	t = calloc(tps->n, sizeof(*t));
	if (!t)
		return;
	for (i = 0; i < tps->n; i++)
		if (kvm_tp(tps->tp[i].name))
			t[n++].name = tps->tp[i].name;
	try_all(t, n);
	report(out, t, n);
	free(t);
}

static void list_pmu(FILE *out)
{
	static const char *const tries[NR_TRIES] = {
		"cycles", "instructions", "cache-misses", "branch-misses",
		"dTLB-load-misses", "iTLB-load-misses",
	};
	struct tried t[NR_TRIES];
	struct pmu_desc d[32];
	char buf[512], err[COUNTER_WHY_MAX];
	int i, n;

	pmu_version(buf, sizeof(buf));
	fprintf(out, "PMU events (pmu): libpfm4 %s\n", buf);
	if (pmu_ready(err, sizeof(err))) {
		fprintf(out, "  none: %s\n", err);
		return;
	}
	perf_pmus(buf, sizeof(buf));
	fprintf(out, "  %-18s  %s%s\n", "kernel perf PMUs", buf,
		perf_has_core_pmu() ? "" : " (no core PMU)");
	n = pmu_active(d, 32);
	for (i = 0; i < n; i++)
		fprintf(out, "  %-18s  %-20s %s\n", i ? "" : "libpfm4 PMUs", d[i].name, d[i].desc);
	memset(t, 0, sizeof(t));
	for (i = 0; i < NR_TRIES; i++)
		t[i].name = tries[i];
	try_all(t, NR_TRIES);
	report(out, t, NR_TRIES);
	fprintf(out, "  NAME@guest, NAME@host count a PMU event in guest or host mode only\n"
		"  (perf's exclude_host, exclude_guest); a bare NAME counts both.\n");
}

/* after_name - @err without its leading "NAME: ", which the line already has. */
static const char *after_name(const char *err, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(err, name, n) && err[n] == ':' && err[n + 1] == ' ' ? err + n + 2 : err;
}

/* list_names - one line per name; 1 if one was unknown or invalid. */
static int list_names(FILE *out, char **names, int n)
{
	struct counter_spec s;
	char err[512];
	int i, r, ret = 0;

	for (i = 0; i < n; i++) {
		r = counter_resolve(names[i], &s, err, sizeof(err));
		if (r) {
			fprintf(out, "%s: %s: %s\n", names[i], r == -ENOENT ? "unknown" : "invalid",
				after_name(err, names[i]));
			ret = 1;
		} else if (s.supported) {
			fprintf(out, "%s: %s, supported\n", names[i], counter_src_name(s.src));
		} else {
			fprintf(out, "%s: %s, unsupported: %s\n", names[i], counter_src_name(s.src),
				s.why);
		}
	}
	return ret;
}

int counter_list(FILE *out, char **names, int nr_names)
{
	if (nr_names > 0)
		return list_names(out, names, nr_names);
	list_kvm(out, false);
	fprintf(out, "\n");
	list_kvm(out, true);
	fprintf(out, "\n");
	list_sw(out);
	fprintf(out, "\n");
	list_tp(out);
	fprintf(out, "\n");
	list_pmu(out);
	return 0;
}
