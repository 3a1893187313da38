// SPDX-License-Identifier: GPL-2.0
/*
 * counter.c - resolving a counter's name to its source, and the open
 * counters of one vCPU thread.
 *
 * Whether a counter can be counted is decided by trying: a perf counter is
 * opened once on the calling thread (and closed again, but for tracepoints,
 * see trial_open), and the errno, put in words, is the reason when it
 * cannot.  Nothing is guessed from CPU models or kernel versions.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "counter_int.h"

#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

const char *counter_src_name(enum counter_src s)
{
	switch (s) {
	case COUNTER_KVM_VCPU:	return "kvm-vcpu";
	case COUNTER_KVM_VM:	return "kvm-vm";
	case COUNTER_SW:	return "software";
	case COUNTER_TP:	return "tracepoint";
	case COUNTER_PMU:	return "pmu";
	}
	return "?";
}

/* --- KVM binary stats ------------------------------------------------------------ */

static struct ch_kvm kvm_stats[2];	/* [0] VM, [1] vCPU */
static pthread_once_t kvm_once = PTHREAD_ONCE_INIT;

static void kvm_probe_stats(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct ch_kvm *k = &kvm_stats[i];

		k->n = kvm_stat_names(i, k->names, k->cumulative, CH_STATS_MAX,
				      k->why, sizeof(k->why));
	}
}

const struct ch_kvm *ch_kvm(bool vcpu)
{
	pthread_once(&kvm_once, kvm_probe_stats);
	return &kvm_stats[vcpu];
}

static bool try_kvm(const char *name, bool vcpu, struct counter_spec *out)
{
	const struct ch_kvm *k = ch_kvm(vcpu);
	int i;

	for (i = 0; i < k->n; i++) {
		if (strcmp(k->names[i], name))
			continue;
		out->src = vcpu ? COUNTER_KVM_VCPU : COUNTER_KVM_VM;
		out->supported = true;
		out->cumulative = k->cumulative[i];
		snprintf(out->stat, sizeof(out->stat), "%s", name);
		return true;
	}
	return false;
}

/* --- software events ------------------------------------------------------------- */

static const struct {
	const char *name;
	uint64_t config;
} sw_events[] = {
	{ "page-faults",	PERF_COUNT_SW_PAGE_FAULTS },
	{ "minor-faults",	PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major-faults",	PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "context-switches",	PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations",	PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "task-clock",		PERF_COUNT_SW_TASK_CLOCK },
	{ "cpu-clock",		PERF_COUNT_SW_CPU_CLOCK },
	{ "alignment-faults",	PERF_COUNT_SW_ALIGNMENT_FAULTS },
	{ "emulation-faults",	PERF_COUNT_SW_EMULATION_FAULTS },
};

int ch_nr_sw(void)
{
	return sizeof(sw_events) / sizeof(sw_events[0]);
}

const char *ch_sw_name(int i)
{
	return sw_events[i].name;
}

static bool try_sw(const char *name, struct counter_spec *out)
{
	int i;

	for (i = 0; i < ch_nr_sw(); i++) {
		if (strcmp(sw_events[i].name, name))
			continue;
		out->src = COUNTER_SW;
		out->attr.type = PERF_TYPE_SOFTWARE;
		out->attr.config = sw_events[i].config;
		return true;
	}
	return false;
}

/* --- tracepoints ------------------------------------------------------------------ */

/* try_tp - "subsys:event", or a bare event of the kvm or kvmmmu subsystem. */
static bool try_tp(const char *name, struct counter_spec *out)
{
	static const char *const bare_sys[] = { "kvm", "kvmmmu" };
	const struct ch_tp *tp = NULL;
	char full[COUNTER_NAME_MAX + 8];
	size_t i;

	if (strchr(name, ':')) {
		tp = ch_tp_find(name);
	} else {
		for (i = 0; i < sizeof(bare_sys) / sizeof(bare_sys[0]) && !tp; i++) {
			snprintf(full, sizeof(full), "%s:%s", bare_sys[i], name);
			tp = ch_tp_find(full);
		}
	}
	if (!tp)
		return false;
	out->src = COUNTER_TP;
	out->attr.type = PERF_TYPE_TRACEPOINT;
	out->attr.config = tp->id;
	return true;
}

/* tp_shaped - is @name a SUBSYS:EVENT (one colon between two identifiers)? */
static bool tp_shaped(const char *name, size_t *sys_len)
{
	const char *c = strchr(name, ':');

	if (!c || c == name || !c[1] || strchr(c + 1, ':') ||
	    strspn(name, NAME_CHARS "_:") != strlen(name))
		return false;
	*sys_len = c - name;
	return true;
}

/* tp_known_subsys - SUBSYS:EVENT of a tracepoint subsystem this kernel has (or kvm's). */
static bool tp_known_subsys(const char *name)
{
	size_t sys_len = 0;

	return tp_shaped(name, &sys_len) && (ch_tp_subsys(name, sys_len) ||
					     !strncmp(name, "kvm:", 4) || !strncmp(name, "kvmmmu:", 7));
}

/*
 * tp_unsupported - a tracepoint name no tracefs listed: unsupported rather
 * than unknown when the ids could not be read at all, or when its subsystem
 * exists (a kvm event of a newer kernel), so that a scenario naming it
 * still runs on this host and says why the counter is missing.
 */
static bool tp_unsupported(const char *name, struct counter_spec *out)
{
	const struct ch_tps *t = ch_tps();
	size_t sys_len = 0;
	bool shaped = tp_shaped(name, &sys_len);

	if (t->n < 0 && (shaped || !strncmp(name, "kvm_", 4))) {
		snprintf(out->why, sizeof(out->why), "%s", t->why);
	} else if (tp_known_subsys(name)) {
		snprintf(out->why, sizeof(out->why), "tracefs has no %s on this kernel", name);
	} else {
		return false;
	}
	out->src = COUNTER_TP;
	out->supported = false;
	return true;
}

/* --- perf_event_open ------------------------------------------------------------- */

static int perf_open(const struct perf_event_attr *a)
{
	return syscall(SYS_perf_event_open, a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* perf_attr_fix - what every counter of a set is: counting, at once, this thread only. */
static void perf_attr_fix(struct perf_event_attr *a)
{
	a->size = sizeof(*a);
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	a->disabled = 0;
	a->inherit = 0;
	a->sample_period = 0;
	a->freq = 0;
}

static int paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
	int v = -99;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -99;
		fclose(f);
	}
	return v;
}

/* open_hint - what an errno of perf_event_open means for this source, or "". */
static void open_hint(int e, const struct counter_spec *s, char *buf, size_t len)
{
	const char *core = pmu_core();

	buf[0] = 0;
	if (e == EACCES || e == EPERM)
		snprintf(buf, len, "perf_event_paranoid is %d: needs root or CAP_PERFMON",
			 paranoid());
	else if (e == EMFILE || e == ENFILE)
		snprintf(buf, len, "out of file descriptors");
	else if (s->src == COUNTER_PMU && (e == ENOENT || e == ENODEV || e == EOPNOTSUPP) &&
		 (s->attr.type == PERF_TYPE_HARDWARE || s->attr.type == PERF_TYPE_HW_CACHE ||
		  s->attr.type == PERF_TYPE_RAW) && !perf_has_core_pmu())
		snprintf(buf, len, "this host exposes no hardware PMU to perf: libpfm4 found %s",
			 core ? core : "no CPU PMU either");
	else if (s->src == COUNTER_PMU && (e == EOPNOTSUPP || e == EINVAL) &&
		 (s->attr.exclude_host || s->attr.exclude_guest))
		snprintf(buf, len, "this PMU cannot count guest and host mode apart");
	else if (s->src == COUNTER_PMU && (e == ENOENT || e == ENODEV))
		snprintf(buf, len, "the kernel's PMU driver has no such event");
	else if (s->src == COUNTER_PMU && (e == ENOSPC || e == EBUSY))
		snprintf(buf, len, "no free hardware counter");
	else if (s->src == COUNTER_TP && (e == ENOENT || e == EINVAL))
		snprintf(buf, len, "perf knows no tracepoint id %llu",
			 (unsigned long long)s->attr.config);
	else if (s->src == COUNTER_SW && e == ENOENT)
		snprintf(buf, len, "this kernel has no such software event");
}

/* open_why - "perf_event_open: STRERROR (HINT)". */
static void open_why(int e, const struct counter_spec *s, char *why, size_t len)
{
	char hint[COUNTER_WHY_MAX];

	open_hint(e, s, hint, sizeof(hint));
	snprintf(why, len, "perf_event_open: %s%s%s%s", strerror(e),
		 hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
}

/*
 * The outcomes of trial opens, by what was opened: a tracepoint's trial
 * costs ~40 ms here (closing its last perf event unregisters the probe and
 * waits for RCU), so each is tried once per process.
 */
#define TRIALS_MAX	512

struct trial {
	uint32_t type;
	uint64_t config, config1, config2;
	bool excl_guest, excl_host, excl_user, excl_kernel;
	bool supported;
	char why[COUNTER_WHY_MAX];
};

static struct trial trials[TRIALS_MAX];
static int nr_trials;
static pthread_mutex_t trials_lock = PTHREAD_MUTEX_INITIALIZER;

static void trial_key(const struct perf_event_attr *a, struct trial *t)
{
	memset(t, 0, sizeof(*t));
	t->type = a->type;
	t->config = a->config;
	t->config1 = a->config1;
	t->config2 = a->config2;
	t->excl_guest = a->exclude_guest;
	t->excl_host = a->exclude_host;
	t->excl_user = a->exclude_user;
	t->excl_kernel = a->exclude_kernel;
}

static bool trial_same(const struct trial *a, const struct trial *b)
{
	return a->type == b->type && a->config == b->config && a->config1 == b->config1 &&
	       a->config2 == b->config2 && a->excl_guest == b->excl_guest &&
	       a->excl_host == b->excl_host && a->excl_user == b->excl_user &&
	       a->excl_kernel == b->excl_kernel;
}

/* trial_cached - a previous outcome for @s's attr into @s; false if none. */
static bool trial_cached(struct counter_spec *s, struct trial *key)
{
	bool hit = false;
	int i;

	trial_key(&s->attr, key);
	pthread_mutex_lock(&trials_lock);
	for (i = 0; i < nr_trials && !hit; i++) {
		if (!trial_same(&trials[i], key))
			continue;
		s->supported = trials[i].supported;
		snprintf(s->why, sizeof(s->why), "%s", trials[i].why);
		hit = true;
	}
	pthread_mutex_unlock(&trials_lock);
	return hit;
}

/* transient - an errno that says nothing about the counter itself. */
static bool transient(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM || e == EBUSY || e == ENOSPC || e == EINTR;
}

/* trial_open - can @s be counted on the calling thread?  Sets supported and why. */
static void trial_open(struct counter_spec *s)
{
	struct trial key;
	int fd, e = 0;

	perf_attr_fix(&s->attr);
	if (trial_cached(s, &key))
		return;
	fd = perf_open(&s->attr);
	if (fd >= 0) {
		/*
		 * A tracepoint's trial event stays open, disabled, for the life
		 * of the process: it keeps the probe registered, so that the
		 * vCPU threads' own events of it close in microseconds instead
		 * of ~40 ms each (unregistering waits for RCU).
		 */
		if (s->attr.type == PERF_TYPE_TRACEPOINT)
			ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
		else
			close(fd);
		s->supported = true;
	} else {
		e = errno;
		s->supported = false;
		open_why(e, s, s->why, sizeof(s->why));
	}
	if (transient(e))
		return;
	key.supported = s->supported;
	snprintf(key.why, sizeof(key.why), "%s", s->why);
	pthread_mutex_lock(&trials_lock);
	if (nr_trials < TRIALS_MAX)
		trials[nr_trials++] = key;
	pthread_mutex_unlock(&trials_lock);
}

/* --- PMU ------------------------------------------------------------------------- */

enum mode { MODE_ANY, MODE_GUEST, MODE_HOST };

/*
 * try_pmu - 1 with @out filled, 0 when libpfm4 knows no such event, < 0
 * for a known event written wrongly (why in @err).  libpfm4 excludes guest
 * mode by default; with no suffix both count, as perf stat does, because
 * what runs on a vCPU thread is mostly guest.
 */
static int try_pmu(const char *base, enum mode m, struct counter_spec *out,
		   char *err, size_t len)
{
	int r = pmu_encode(base, &out->attr, err, len);

	if (r == -ENOENT || r == -EIO)
		return 0;
	if (r < 0)
		return r;
	out->src = COUNTER_PMU;
	out->attr.exclude_guest = m == MODE_HOST;
	out->attr.exclude_host = m == MODE_GUEST;
	return 1;
}

/* --- resolution ------------------------------------------------------------------ */

/* split_name - check @name and cut off @guest/@host into @m. */
static int split_name(const char *name, char *base, enum mode *m, char *err, size_t len)
{
	size_t n = strlen(name);
	const char *at;

	if (!n || n >= COUNTER_NAME_MAX) {
		snprintf(err, len, "counter name '%.63s%s': 1 to %d characters", name,
			 n >= COUNTER_NAME_MAX ? "..." : "", COUNTER_NAME_MAX - 1);
		return -EINVAL;
	}
	if (strspn(name, NAME_CHARS "_.:=@-") != n) {
		snprintf(err, len, "counter name '%s': only letters, digits and _.:=@- are allowed",
			 name);
		return -EINVAL;
	}
	strcpy(base, name);
	*m = MODE_ANY;
	at = strchr(name, '@');
	if (!at)
		return 0;
	if (at == name || strchr(at + 1, '@') ||
	    (strcmp(at, "@guest") && strcmp(at, "@host"))) {
		snprintf(err, len, "counter name '%s': the only suffixes are @guest and @host",
			 name);
		return -EINVAL;
	}
	*m = strcmp(at, "@guest") ? MODE_HOST : MODE_GUEST;
	base[at - name] = 0;
	return 0;
}

/*
 * unknown - why no source knows @base: the sources tried, and the ones this
 * host could not list (then the name may be theirs).
 */
static int unknown(const char *base, const char *pmu_err, char *err, size_t len)
{
	const struct ch_kvm *vcpu = ch_kvm(true);
	const struct ch_tps *t = ch_tps();
	size_t at;

	at = snprintf(err, len, "%s: not a KVM vCPU or VM stat, software event, tracepoint "
		      "or libpfm4 event (%s)", base, pmu_err[0] ? pmu_err : "not found");
	if (vcpu->n < 0 && at < len)
		at += snprintf(err + at, len - at, "; no KVM stats: %s", vcpu->why);
	if (t->n < 0 && at < len)
		snprintf(err + at, len - at, "; no tracepoint ids: %s", t->why);
	return -ENOENT;
}

static int resolve_base(const char *base, enum mode m, struct counter_spec *out,
			char *err, size_t len)
{
	char pmu_err[COUNTER_WHY_MAX] = "";
	int r;

	if (try_kvm(base, true, out) || try_kvm(base, false, out))
		return 0;
	if (try_sw(base, out) || try_tp(base, out)) {
		trial_open(out);
		return 0;
	}
	/*
	 * An event of a tracepoint subsystem this kernel lacks stays a
	 * tracepoint: where libpfm4 knows a PMU it would read "kvm:x" as an
	 * event with an attribute and call it invalid.
	 */
	if (tp_known_subsys(base) && tp_unsupported(base, out))
		return 0;
	r = try_pmu(base, m, out, pmu_err, sizeof(pmu_err));
	if (r < 0) {
		snprintf(err, len, "%s: %s", out->name, pmu_err);
		return r;
	}
	if (r > 0) {
		trial_open(out);
		return 0;
	}
	if (tp_unsupported(base, out))
		return 0;
	return unknown(base, pmu_err, err, len);
}

int counter_resolve(const char *name, struct counter_spec *out, char *err, size_t len)
{
	char base[COUNTER_NAME_MAX];
	enum mode m;
	int r;

	memset(out, 0, sizeof(*out));
	r = split_name(name, base, &m, err, len);
	if (r)
		return r;
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->cumulative = true;
	r = resolve_base(base, m, out, err, len);
	if (r)
		return r;
	if (m != MODE_ANY && out->src != COUNTER_PMU) {
		snprintf(err, len, "%s: @guest and @host apply to PMU events only, not to %s (%s)",
			 name, base, counter_src_name(out->src));
		return -EINVAL;
	}
	return 0;
}

/* --- counter sets ---------------------------------------------------------------- */

struct set_counter {
	struct counter_spec spec;
	int fd;				/* perf: -1 when not open */
	int stat;			/* KVM: index in its stats fd */
	bool ok;			/* opened: can be read */
	bool read_failed;		/* the last read failed: why says */
	char why[COUNTER_WHY_MAX];
};

struct counter_set {
	int n;
	struct kvm_stats *stats[2];	/* [0] VM, [1] vCPU */
	uint64_t *vals[2];		/* their values, stats_count() each */
	struct set_counter c[];
};

static bool is_kvm(enum counter_src s)
{
	return s == COUNTER_KVM_VM || s == COUNTER_KVM_VCPU;
}

/* set_open_kvm - a KVM stat: its index in the right stats fd. */
static void set_open_kvm(struct counter_set *cs, struct set_counter *c)
{
	int kind = c->spec.src == COUNTER_KVM_VCPU;
	struct kvm_stats *st = cs->stats[kind];

	if (!st) {
		snprintf(c->why, sizeof(c->why), "this host has no KVM binary stats");
		return;
	}
	c->stat = stats_find(st, c->spec.stat);
	if (c->stat < 0) {
		snprintf(c->why, sizeof(c->why), "the %s's stats fd has no %s",
			 kind ? "vCPU" : "VM", c->spec.stat);
		return;
	}
	if (!cs->vals[kind])
		cs->vals[kind] = calloc(stats_count(st), sizeof(uint64_t));
	if (!cs->vals[kind]) {
		snprintf(c->why, sizeof(c->why), "out of memory");
		return;
	}
	c->ok = true;
}

static void set_open_perf(struct set_counter *c)
{
	perf_attr_fix(&c->spec.attr);
	c->fd = perf_open(&c->spec.attr);
	if (c->fd < 0) {
		open_why(errno, &c->spec, c->why, sizeof(c->why));
		return;
	}
	c->ok = true;
}

struct counter_set *counter_set_open(const struct counter_spec *specs, int n,
				     struct kvm_stats *vcpu_stats, struct kvm_stats *vm_stats)
{
	struct counter_set *cs;
	int i;

	cs = calloc(1, sizeof(*cs) + (n > 0 ? n : 0) * sizeof(cs->c[0]));
	if (!cs)
		return NULL;
	cs->n = n > 0 ? n : 0;
	cs->stats[0] = vm_stats;
	cs->stats[1] = vcpu_stats;
	for (i = 0; i < cs->n; i++) {
		struct set_counter *c = &cs->c[i];

		c->spec = specs[i];
		c->fd = -1;
		c->stat = -1;
		if (!c->spec.supported)
			snprintf(c->why, sizeof(c->why), "%s",
				 c->spec.why[0] ? c->spec.why : "unsupported on this host");
		else if (is_kvm(c->spec.src))
			set_open_kvm(cs, c);
		else
			set_open_perf(c);
	}
	return cs;
}

/* read_perf - one perf counter, scaled when it was multiplexed; 0 or -errno. */
static int read_perf(struct set_counter *c, struct counter_val *v)
{
	uint64_t buf[3];
	ssize_t r = read(c->fd, buf, sizeof(buf));

	if (r != (ssize_t)sizeof(buf)) {
		int e = r < 0 ? errno : EIO;

		snprintf(c->why, sizeof(c->why), "reading the perf counter: %s", strerror(e));
		return -e;
	}
	v->enabled = buf[1];
	v->running = buf[2];
	if (v->running == 0 && v->enabled > 0) {
		/* Never on the PMU: any number would be made up. */
		snprintf(c->why, sizeof(c->why), "never scheduled on the PMU (multiplexed out)");
		return -EAGAIN;
	}
	v->value = v->running < v->enabled ?
		(uint64_t)((unsigned __int128)buf[0] * v->enabled / v->running) : buf[0];
	return 0;
}

int counter_set_read(struct counter_set *cs, struct counter_val *vals)
{
	int i, k, r, err[2] = { 0, 0 }, ret = 0;

	for (k = 0; k < 2; k++)
		if (cs->vals[k])
			err[k] = stats_read(cs->stats[k], cs->vals[k]);
	for (i = 0; i < cs->n; i++) {
		struct set_counter *c = &cs->c[i];
		struct counter_val *v = &vals[i];

		memset(v, 0, sizeof(*v));
		if (!c->ok)
			continue;
		if (is_kvm(c->spec.src)) {
			k = c->spec.src == COUNTER_KVM_VCPU;
			r = err[k];
			if (r)
				snprintf(c->why, sizeof(c->why), "reading the %s stats fd: %s",
					 k ? "vCPU" : "VM", strerror(-r));
			else
				v->value = cs->vals[k][c->stat];
		} else {
			r = read_perf(c, v);
		}
		c->read_failed = r != 0;
		v->ok = !r;
		if (r && !ret)
			ret = r;
	}
	return ret;
}

const char *counter_set_why(const struct counter_set *cs, int i)
{
	const struct set_counter *c;

	if (!cs || i < 0 || i >= cs->n)
		return NULL;
	c = &cs->c[i];
	return !c->ok || c->read_failed ? c->why : NULL;
}

void counter_set_close(struct counter_set *cs)
{
	int i;

	if (!cs)
		return;
	for (i = 0; i < cs->n; i++)
		if (cs->c[i].fd >= 0)
			close(cs->c[i].fd);
	free(cs->vals[0]);
	free(cs->vals[1]);
	free(cs);
}
