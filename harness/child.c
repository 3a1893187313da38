// SPDX-License-Identifier: GPL-2.0
/*
 * child.c - a function run in a child process (in a memory cgroup), and
 * how it ended.  See child.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };
#define NR_STOP	(sizeof(stop_sigs) / sizeof(stop_sigs[0]))

/* What the handler needs. */
static struct sigaction saved[NR_STOP];
static bool installed[NR_STOP];
static volatile pid_t running;		/* the child, once forked */
static pid_t parent;
static volatile sig_atomic_t stopped;	/* the signal that came */

static int stop_index(int signo)
{
	unsigned i;

	for (i = 0; i < NR_STOP; i++)
		if (stop_sigs[i] == signo)
			return i;
	return -1;
}

/* on_stop - kill the child, then do what would have been done without us. */
static void on_stop(int signo, siginfo_t *si, void *ctx)
{
	int i = stop_index(signo), saved_errno = errno;
	struct sigaction *old;
	sigset_t set;

	if (i < 0 || getpid() != parent) {	/* a child before it reset us */
		errno = saved_errno;
		return;
	}
	stopped = signo;
	if (running > 0)
		kill(running, SIGKILL);
	old = &saved[i];
	if (old->sa_flags & SA_SIGINFO) {
		old->sa_sigaction(signo, si, ctx);
	} else if (old->sa_handler == SIG_DFL) {
		sigaction(signo, old, NULL);
		sigemptyset(&set);
		sigaddset(&set, signo);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		raise(signo);
	} else if (old->sa_handler != SIG_IGN) {
		old->sa_handler(signo);
	}
	errno = saved_errno;
}

static void handlers_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_stop, .sa_flags = SA_SIGINFO };
	unsigned i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NR_STOP; i++) {
		installed[i] = false;
		if (sigaction(stop_sigs[i], NULL, &saved[i]) ||
		    (!(saved[i].sa_flags & SA_SIGINFO) && saved[i].sa_handler == SIG_IGN))
			continue;
		installed[i] = !sigaction(stop_sigs[i], &sa, NULL);
	}
}

/* handlers_remove - put back the old handler where ours still is (the old one may have replaced us). */
static void handlers_remove(void)
{
	struct sigaction cur;
	unsigned i;

	for (i = 0; i < NR_STOP; i++) {
		if (!installed[i] || sigaction(stop_sigs[i], NULL, &cur))
			continue;
		if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_stop)
			sigaction(stop_sigs[i], &saved[i], NULL);
		installed[i] = false;
	}
}

/* child_main - in the child: die with the parent, wait for the go, run. */
static void child_main(int go, child_fn fn, void *arg)
{
	unsigned i;
	char c;
	int r;

	for (i = 0; i < NR_STOP; i++)
		if (installed[i])
			sigaction(stop_sigs[i], &saved[i], NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(127);
	do
		r = read(go, &c, 1);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		_exit(127);	/* the parent gave up */
	close(go);
	r = fn(arg);
	fflush(NULL);
	_exit(r & 0xff);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
	return syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * child_wait - reap @pid into @st and @ru, killing it when a stop signal
 * came or @deadline (monotonic seconds, 0: none) passed.  0 or -errno.
 */
static int child_wait(pid_t pid, double deadline, struct child_result *res, int *st)
{
	struct pollfd pfd = { .events = POLLIN };
	bool killed = false;
	pid_t w;
	int ms;

	pfd.fd = pidfd_of(pid);
	for (;;) {
		if (!killed && stopped) {
			res->interrupted = stopped;
			killed = !kill(pid, SIGKILL);
		}
		if (!killed && deadline && now_s() >= deadline) {
			res->timed_out = true;
			killed = !kill(pid, SIGKILL);
		}
		w = wait4(pid, st, killed || pfd.fd >= 0 || deadline ? WNOHANG : 0, &res->ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			w = -errno;
			if (pfd.fd >= 0)
				close(pfd.fd);
			return w;
		}
		if (w < 0)
			continue;	/* a signal: look again */
		ms = killed || !deadline ? -1 : (int)((deadline - now_s()) * 1000) + 1;
		if (ms < -1)
			ms = 0;
		if (pfd.fd >= 0) {
			poll(&pfd, 1, killed ? 100 : ms);	/* EINTR: look again */
		} else {
			struct timespec nap = { 0, 10 * 1000 * 1000 };

			nanosleep(&nap, NULL);
		}
	}
	if (pfd.fd >= 0)
		close(pfd.fd);
	return 0;
}

int child_run(const struct child_opts *opts, child_fn fn, void *arg,
	      struct child_result *res, char *why, size_t len)
{
	const char *cg = opts && opts->cgroup && opts->cgroup[0] ? opts->cgroup : NULL;
	double timeout = opts ? opts->timeout_s : 0, t0;
	struct memcg_stats before, after;
	int go[2], st = 0, r;
	bool we_killed;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (cg) {
		memcg_reset_peak(cg);
		r = memcg_read(cg, &before);
		if (r) {
			snprintf(why, len, "cannot read the cgroup %s: %s", cg, strerror(-r));
			return r;
		}
	}
	if (pipe2(go, O_CLOEXEC)) {
		r = -errno;
		snprintf(why, len, "pipe: %s", strerror(-r));
		return r;
	}
	fflush(NULL);
	stopped = 0;
	parent = getpid();
	handlers_install();
	t0 = now_s();
	pid = fork();
	if (!pid) {
		close(go[1]);
		child_main(go[0], fn, arg);
	}
	close(go[0]);
	if (pid < 0) {
		r = -errno;
		close(go[1]);
		handlers_remove();
		snprintf(why, len, "fork: %s", strerror(-r));
		return r;
	}
	running = pid;
	if (stopped)
		kill(pid, SIGKILL);
	r = cg ? memcg_attach(cg, pid, why, len) : 0;
	if (r)
		kill(pid, SIGKILL);
	else if (write(go[1], "g", 1) != 1)
		kill(pid, SIGKILL);
	close(go[1]);
	if (child_wait(pid, timeout > 0 ? t0 + timeout : 0, res, &st) && !r) {
		r = -ECHILD;
		snprintf(why, len, "lost the child %d", (int)pid);
	}
	res->wall_s = now_s() - t0;
	running = 0;
	handlers_remove();
	if (r)
		return r;	/* it never ran its function */
	res->exited = WIFEXITED(st);
	res->status = res->exited ? WEXITSTATUS(st) : 0;
	res->signo = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	if (!cg)
		return 0;
	memset(&after, 0, sizeof(after));
	if (memcg_read(cg, &after))
		after = before;
	memcg_stats_delta(&before, &after, &res->cg);
	we_killed = res->timed_out || res->interrupted;
	if (res->signo == SIGKILL && !we_killed)
		res->oom_killed = res->cg.oom_kill > 0 ||
				  (res->cg.oom_kill < 0 && res->cg.failcnt > 0);
	return 0;
}

void *child_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void child_shared_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}
