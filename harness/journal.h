/* SPDX-License-Identifier: GPL-2.0 */
/*
 * journal.h - what kvmbench changed on the host, on disk before the change.
 *
 * The journal is a text file, fsync'ed after every entry, so that after a
 * SIGKILL or a power loss `kvmbench restore` can put the host back.  Each
 * entry is the original value of one file under /proc or /sys (written back
 * as it was) or of one module parameter (restored by module reload), or a
 * thing kvmbench made and undoes: a cgroup, a controller enabled in a
 * cgroup v2 subtree_control, a zram device turned into swap.
 * Only the first original of a file is kept: applying twice restores once.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stddef.h>

/* journal_path - $KVMBENCH_STATE_DIR/journal, default /var/lib/kvmbench/journal. */
const char *journal_path(void);
/*
 * journal_write_file - record the original content of @path (once), then
 * write @value to it.  0, or -errno with why (nothing written then).
 */
int journal_write_file(const char *path, const char *value, char *why, size_t len);
/* journal_save_module_param - record a module parameter's original value (once). */
int journal_save_module_param(const char *module, const char *param, const char *value,
			      char *why, size_t len);
/*
 * journal_save_cgroup - record, before the mkdir, that cgroup directory
 * @dir is ours: restore moves any task left in it to the parent cgroup,
 * (v1) empties it with memory.force_empty, and removes it.
 */
int journal_save_cgroup(const char *dir, char *why, size_t len);
/*
 * journal_save_subtree - record, before the write, that "+@ctl" goes to
 * @dir/cgroup.subtree_control: restore writes "-@ctl" if it is there.
 */
int journal_save_subtree(const char *dir, const char *ctl, char *why, size_t len);
/*
 * journal_save_zram - record, before its disksize is set, that zram device
 * @dev (sysfs directory @sysdir, e.g. /sys/block/zram0) becomes swap:
 * restore does swapoff(@dev) (not swap: fine) and writes 1 to its reset,
 * and then disksize must read 0.
 */
int journal_save_zram(const char *dev, const char *sysdir, char *why, size_t len);
/*
 * journal_forget - drop the entry of @kind ("cgroup", "subtree", "zram")
 * for @path once its change has been undone (or never happened); the
 * journal goes when nothing is left in it.  0 or -errno.
 */
int journal_forget(const char *kind, const char *path);
/*
 * journal_undo_cgroup, journal_undo_subtree, journal_undo_zram - what
 * restoring those entries does, for memcg.c and zram_swap.c to undo their
 * own changes the same way.  Signal-safe.  0 (@note may still say
 * something, like "gone already"), or -errno and in @note why.
 */
int journal_undo_cgroup(const char *dir, char *note, size_t len);
int journal_undo_subtree(const char *dir, const char *ctl, char *note, size_t len);
int journal_undo_zram(const char *dev, const char *sysdir, char *note, size_t len);
/*
 * journal_restore - put back every entry, newest first, then delete the
 * journal.  Returns the number of entries that could not be restored (0 =
 * all), with a line per entry in @report (restored or failed, and why).
 */
int journal_restore(char *report, size_t len);
/* journal_pending - does a journal exist (a run is active or crashed)? */
int journal_pending(void);
/*
 * journal_lock - take $KVMBENCH_STATE_DIR/lock (flock, held until the
 * process exits, our pid written in it) before the first host change, so
 * that no other run and no `kvmbench restore` works on the journal at the
 * same time.  0, or -errno and why ("a kvmbench run (pid N) is active").
 * A journal a crashed run left behind is kept: its originals are the true
 * ones, and the next restore puts them back.
 */
int journal_lock(char *why, size_t len);

/*
 * journal_install_handlers - restore on exit, SIGINT, SIGTERM, SIGHUP
 * (then re-raise the signal so the exit status says what happened).
 * A signal the process inherited as ignored (nohup, `cmd &` in a script)
 * stays ignored.  The signal path writes files back at once with raw
 * syscalls; module parameters need the module unused, so a child reloads
 * them after this process has died.  Only the installing process restores
 * (not children that fork and exit).
 */
void journal_install_handlers(void);

/* cmd_restore - `kvmbench restore`. */
int cmd_restore(int argc, char **argv);

#endif
