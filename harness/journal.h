/* SPDX-License-Identifier: GPL-2.0 */
/*
 * journal.h - what kvmbench changed on the host, on disk before the change.
 *
 * The journal is a text file, fsync'ed after every entry, so that after a
 * SIGKILL or a power loss `kvmbench restore` can put the host back.  Each
 * entry is the original value of one file under /proc or /sys (written back
 * as it was) or of one module parameter (restored by module reload).
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
