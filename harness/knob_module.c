// SPDX-License-Identifier: GPL-2.0
/*
 * knob_module.c - knobs that are parameters of the KVM vendor module
 * (kvm_intel's ept and vpid, kvm_amd's npt).  They are read-only in sysfs:
 * the only way to change one is to unload the module and load it again
 * with the new value, which needs a loadable module nobody uses, i.e. no
 * VM open anywhere, this process's /dev/kvm descriptors included.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"
#include "knob_internal.h"

#define MODULE_MAX_ARGS	64
#define PARAM_VALUE_MAX	128
#define PARAM_ARG_MAX	(NAME_MAX + PARAM_VALUE_MAX + 2)

extern char **environ;

int (*knob_run_hook)(char *const argv[], char *why, size_t len);

const char *knob_modprobe(void)
{
	static const char *const paths[] = {
		"/usr/sbin/modprobe", "/sbin/modprobe", "/usr/bin/modprobe", "/bin/modprobe", NULL,
	};
	int i;

	/* A test standing in for commands needs no real modprobe. */
	if (knob_run_hook)
		return "modprobe";
	for (i = 0; paths[i]; i++)
		if (!access(paths[i], X_OK))
			return paths[i];
	return NULL;
}

/* run_why - "CMD ARGS failed (exit N): first line of its output". */
static void run_why(char *const argv[], int st, const char *out, char *why, size_t len)
{
	const char *base = strrchr(argv[0], '/');
	size_t n;
	int i;

	n = snprintf(why, len, "%s", base ? base + 1 : argv[0]);
	for (i = 1; argv[i] && n < len; i++)
		n += snprintf(why + n, len - n, " %s", argv[i]);
	if (n >= len)
		return;
	if (WIFEXITED(st))
		n += snprintf(why + n, len - n, " failed (exit %d)", WEXITSTATUS(st));
	else
		n += snprintf(why + n, len - n, " failed (signal %d)", WTERMSIG(st));
	if (out[0] && n < len)
		snprintf(why + n, len - n, ": %.*s", (int)strcspn(out, "\n"), out);
}

/* Never system(): no shell between us and the arguments. */
int knob_run(char *const argv[], char *why, size_t len)
{
	posix_spawn_file_actions_t fa;
	char out[512];
	size_t n = 0;
	ssize_t r;
	pid_t pid;
	int p[2], st, err;

	if (knob_run_hook)
		return knob_run_hook(argv, why, len);
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -errno;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (err) {
		close(p[0]);
		snprintf(why, len, "cannot run %s: %s", argv[0], strerror(err));
		return -err;
	}
	while ((r = read(p[0], out + n, sizeof(out) - 1 - n)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0 && (n += r) == sizeof(out) - 1)
			break;
	out[n] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st) && !WEXITSTATUS(st))
		return 0;
	run_why(argv, st, out, why, len);
	return -EIO;
}

static int param_read(const char *mod, const char *param, char *buf, size_t len)
{
	char path[PATH_MAX];

	knob_path(path, sizeof(path), "/sys/module/%s/parameters/%s", mod, param);
	return journal_read_value(path, buf, len);
}

int knob_module_read(const char *mod, const char *param, char *buf, size_t len)
{
	char raw[PARAM_VALUE_MAX];
	int r;

	buf[0] = '\0';
	r = param_read(mod, param, raw, sizeof(raw));
	if (!r)
		snprintf(buf, len, "%s", knob_is_on(raw) ? "on" : "off");
	return r;
}

int knob_module_probe(const char *mod, const char *param, const char *value,
		      char *why, size_t len)
{
	char path[PATH_MAX], raw[PARAM_VALUE_MAX];
	long refcnt;

	if (!knob_exists(knob_path(path, sizeof(path), "/sys/module/%s", mod))) {
		snprintf(why, len, "%s is not loaded on this host", mod);
		return -ENOENT;
	}
	if (param_read(mod, param, raw, sizeof(raw))) {
		snprintf(why, len, "%s has no parameter %s", mod, param);
		return -ENOENT;
	}
	if (knob_is_on(raw) == !strcmp(value, "on"))
		return 0;	/* already in force: nothing to reload */
	if (!knob_exists(knob_path(path, sizeof(path), "/sys/module/%s/initstate", mod))) {
		snprintf(why, len, "%s is built into the kernel, its parameters cannot change", mod);
		return -EPERM;
	}
	knob_path(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	if (!knob_read_long(path, &refcnt) && refcnt) {
		snprintf(why, len, "%s is in use by %ld VMs or processes", mod, refcnt);
		return -EBUSY;
	}
	if (!knob_modprobe()) {
		snprintf(why, len, "modprobe not found");
		return -ENOENT;
	}
	return 0;
}

/*
 * keep_args - PARAM=VALUE for every parameter that can change at run time
 * (writable in sysfs), so that a reload keeps what someone set since the
 * load.  Load-time-only ones come back from modprobe.d and the kernel
 * command line as before; passing them too would freeze values the kernel
 * derived from ept itself (unrestricted_guest, eptad, pml...).
 */
static int keep_args(const char *mod, const char *skip, char args[][PARAM_ARG_MAX],
		     int max)
{
	char dir[PATH_MAX], path[PATH_MAX + 256], raw[PARAM_VALUE_MAX];
	struct dirent *de;
	struct stat st;
	int n = 0;
	DIR *d;

	d = opendir(knob_path(dir, sizeof(dir), "/sys/module/%s/parameters", mod));
	if (!d)
		return 0;
	while (n < max && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, skip))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode) || !(st.st_mode & S_IWUSR))
			continue;
		if (journal_read_value(path, raw, sizeof(raw)) || !raw[0] || strpbrk(raw, " \t\n"))
			continue;
		snprintf(args[n++], sizeof(args[0]), "%s=%s", de->d_name, raw);
	}
	closedir(d);
	return n;
}

/* modprobe_load - modprobe @mod with @n PARAM=VALUE @args. */
static int modprobe_load(char *mp, const char *mod, char args[][PARAM_ARG_MAX], int n,
			 char *why, size_t len)
{
	char *argv[MODULE_MAX_ARGS + 3];
	int i;

	argv[0] = mp;
	argv[1] = (char *)mod;
	for (i = 0; i < n; i++)
		argv[2 + i] = args[i];
	argv[2 + i] = NULL;
	return knob_run(argv, why, len);
}

/*
 * module_reload - modprobe -r @mod, then modprobe @mod @param=@kval, the
 * other settings kept.  modprobe -r also unloads kvm once nothing uses it:
 * then kvm is loaded first, with its own settings kept as well.
 */
static int module_reload(const char *mod, const char *param, const char *kval, bool loaded,
			 char *why, size_t len)
{
	static char args[MODULE_MAX_ARGS][PARAM_ARG_MAX], core[MODULE_MAX_ARGS][PARAM_ARG_MAX];
	char *mp = (char *)knob_modprobe(), path[PATH_MAX], tmp[256];
	int n = 0, nc = 0, r;

	if (!mp) {
		snprintf(why, len, "modprobe not found");
		return -ENOENT;
	}
	if (loaded) {
		char *unload[] = { mp, "-r", (char *)mod, NULL };

		n = keep_args(mod, param, args + 1, MODULE_MAX_ARGS - 1);
		if (strcmp(mod, "kvm"))
			nc = keep_args("kvm", "", core, MODULE_MAX_ARGS);
		r = knob_run(unload, why, len);
		if (r)
			return r;
	}
	r = 0;
	if (nc && !knob_exists(knob_path(path, sizeof(path), "/sys/module/kvm")))
		r = modprobe_load(mp, "kvm", core, nc, why, len);
	snprintf(args[0], sizeof(args[0]), "%s=%s", param, kval);
	if (!r)
		r = modprobe_load(mp, mod, args, n + 1, why, len);
	if (r) {
		/* Never leave the host without KVM: load it as it is configured. */
		char *plain[] = { mp, (char *)mod, NULL };

		knob_run(plain, tmp, sizeof(tmp));
	}
	return r;
}

int knob_module_apply(const char *mod, const char *param, const char *value,
		      char *why, size_t len)
{
	bool on = !strcmp(value, "on");
	char raw[PARAM_VALUE_MAX];
	int r;

	r = knob_module_probe(mod, param, value, why, len);
	if (r)
		return r;
	r = param_read(mod, param, raw, sizeof(raw));
	if (r || knob_is_on(raw) == on)
		return 0;
	r = journal_save_module_param(mod, param, raw, why, len);
	if (!r)
		r = module_reload(mod, param, on ? "1" : "0", true, why, len);
	if (r)
		return r;
	if (param_read(mod, param, raw, sizeof(raw)) || knob_is_on(raw) != on) {
		snprintf(why, len, "%s reloaded with %s=%d but %s reads %s", mod, param, on,
			 param, raw[0] ? raw : "nothing");
		return -EIO;
	}
	return 0;
}

int knob_module_restore(const char *mod, const char *param, const char *raw,
			char *why, size_t len)
{
	char now[PARAM_VALUE_MAX], path[PATH_MAX];
	bool loaded;
	int r;

	loaded = knob_exists(knob_path(path, sizeof(path), "/sys/module/%s", mod));
	if (loaded && !param_read(mod, param, now, sizeof(now)) &&
	    knob_is_on(now) == knob_is_on(raw))
		return 0;
	r = module_reload(mod, param, raw, loaded, why, len);
	if (r)
		return r;
	if (param_read(mod, param, now, sizeof(now)) || knob_is_on(now) != knob_is_on(raw)) {
		snprintf(why, len, "reloaded, but it reads %s", now[0] ? now : "nothing");
		return -EIO;
	}
	return 0;
}
