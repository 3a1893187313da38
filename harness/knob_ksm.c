// SPDX-License-Identifier: GPL-2.0
/*
 * knob_ksm.c - kernel samepage merging of guest RAM.  "on" starts ksmd
 * with the settings that merge 2 x 256 MB of identical guests in about a
 * second here (HOST.md) and marks guest RAM MADV_MERGEABLE; "off" only
 * leaves guest RAM unmarked and does not touch the host.  The journal
 * unmerges (run=2) before it stops ksmd again.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "knob_internal.h"

#define KSM_DIR	"/sys/kernel/mm/ksm"

static const char *const ksm_values[] = { "on", "off", NULL };

/* Tunables first, so ksmd starts with them; the journal undoes run first. */
static const struct {
	const char *file, *value;
} ksm_on[] = {
	{ "pages_to_scan", "10000" },
	{ "sleep_millisecs", "1" },
	{ "run", "1" },
};

static int ksm_probe(const char *value, char *why, size_t len)
{
	char path[PATH_MAX];

	if (!strcmp(value, "off"))
		return 0;
	if (!knob_exists(knob_path(path, sizeof(path), KSM_DIR))) {
		snprintf(why, len, "KSM is not available here (no %s)", KSM_DIR);
		return -ENOENT;
	}
	return 0;
}

static int ksm_read(char *buf, size_t len)
{
	char path[PATH_MAX], run[16];
	int r;

	r = journal_read_value(knob_path(path, sizeof(path), KSM_DIR "/run"), run, sizeof(run));
	if (!r)
		snprintf(buf, len, "%s", !strcmp(run, "1") ? "on" : "off");
	return r;
}

static int ksm_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	char path[PATH_MAX];
	unsigned i;
	int r;

	plan->vm.mem.mergeable = !strcmp(value, "on");
	if (!plan->vm.mem.mergeable)
		return 0;
	r = ksm_probe(value, why, len);
	for (i = 0; !r && i < sizeof(ksm_on) / sizeof(ksm_on[0]); i++) {
		knob_path(path, sizeof(path), KSM_DIR "/%s", ksm_on[i].file);
		r = journal_write_file(path, ksm_on[i].value, why, len);
	}
	return r;
}

const struct knob knob_ksm = {
	.name = "ksm",
	.help = "KSM: on (ksmd runs, guest RAM mergeable), off (guest RAM not mergeable)",
	.values = ksm_values,
	.host = true,
	.probe = ksm_probe,
	.read = ksm_read,
	.apply = ksm_apply,
};
