// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_info.c - what a vCPU thread was and did (struct vmm_vcpu_info):
 * where it was pinned and may run, and, read by the thread itself as it
 * ends (its /proc/thread-self goes with it), its CPU times and switches.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "vmm_int.h"

/* cpulist_format - @set as "0-1,4" (the kernel's cpulist style); "" if empty. */
void cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t o = 0;
	int a, b;

	buf[0] = 0;
	for (a = 0; a < CPU_SETSIZE; a = b + 1) {
		if (!CPU_ISSET(a, set)) {
			b = a;
			continue;
		}
		for (b = a; b + 1 < CPU_SETSIZE && CPU_ISSET(b + 1, set); b++)
			;
		if (o < len)
			o += snprintf(buf + o, len - o, a == b ? "%s%d" : "%s%d-%d",
				      o ? "," : "", a, b);
	}
}

/*
 * vcpu_info_pin - pin the calling vCPU thread if asked, before its first
 * KVM_RUN so the vCPU never runs elsewhere, and read back where it may run.
 */
void vcpu_info_pin(struct vcpu *v)
{
	struct vmm_vcpu_info *in = &v->info;
	cpu_set_t set;

	in->tid = v->tid;
	if (in->pin_cpu >= 0) {
		CPU_ZERO(&set);
		if (in->pin_cpu < CPU_SETSIZE)
			CPU_SET(in->pin_cpu, &set);
		in->pin_errno = in->pin_cpu < CPU_SETSIZE ?
				pthread_setaffinity_np(pthread_self(), sizeof(set), &set) : EINVAL;
	}
	CPU_ZERO(&set);
	if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set))
		in->affinity[0] = 0;
	else
		cpulist_format(&set, in->affinity, sizeof(in->affinity));
}

/*
 * thread_stat_parse - fields of a /proc/.../stat line: utime, stime,
 * guest_time (in clock ticks) and processor.  The fields are counted from
 * after the last ')', since comm may hold spaces and parentheses.
 */
int thread_stat_parse(const char *line, unsigned long long *utime,
		      unsigned long long *stime, unsigned long long *guest, int *cpu)
{
	const char *p = strrchr(line, ')');
	char *end;
	int field;

	if (!p)
		return -EINVAL;
	p++;
	/* After ')' comes field 3 (state); we want 14, 15, 39 and 43. */
	for (field = 3; field <= 43; field++) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			return -EINVAL;
		if (field == 14 || field == 15 || field == 39 || field == 43) {
			unsigned long long x = strtoull(p, &end, 10);

			if (end == p)
				return -EINVAL;
			if (field == 14)
				*utime = x;
			else if (field == 15)
				*stime = x;
			else if (field == 39)
				*cpu = (int)x;
			else
				*guest = x;
		}
		p += strcspn(p, " \n");
	}
	return 0;
}

static double tv_s(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

/*
 * thread_stat_read - the last CPU and the guest time from stat (ticks:
 * nothing else has guest time), user and system time from getrusage: the
 * same split of the same runtime, to the microsecond instead of to the
 * tick, so a vCPU that ran for 15 ms does not read as 0 + 0.
 */
static int thread_stat_read(struct vmm_vcpu_info *in, const struct rusage *ru)
{
	unsigned long long ut, st, gt;
	long hz = sysconf(_SC_CLK_TCK);
	char line[1024];
	FILE *f;
	int cpu, r = -EIO;

	f = fopen("/proc/thread-self/stat", "re");
	if (!f)
		return -errno;
	if (fgets(line, sizeof(line), f))
		r = thread_stat_parse(line, &ut, &st, &gt, &cpu);
	fclose(f);
	if (r || hz <= 0)
		return r ? r : -EINVAL;
	in->last_cpu = cpu;
	in->user_s = tv_s(&ru->ru_utime);
	in->system_s = tv_s(&ru->ru_stime);
	in->guest_s = (double)gt / hz;
	return 0;
}

/* vcpu_info_exit - the calling vCPU thread's times and switches, as it ends. */
void vcpu_info_exit(struct vcpu *v)
{
	struct vmm_vcpu_info *in = &v->info;
	struct rusage ru;

	in->have_times = !getrusage(RUSAGE_THREAD, &ru) && !thread_stat_read(in, &ru);
	if (in->have_times) {
		in->vol_ctxsw = ru.ru_nvcsw;
		in->invol_ctxsw = ru.ru_nivcsw;
	}
}
