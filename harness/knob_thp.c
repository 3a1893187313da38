// SPDX-License-Identifier: GPL-2.0
/*
 * knob_thp.c - the host's transparent huge page mode.  It decides whether
 * anonymous guest RAM can get 2M pages at all (always), only where the
 * VMM asks (madvise: backing=thp), or never.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "journal.h"
#include "knob_internal.h"

#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

static const char *const thp_values[] = { "always", "madvise", "never", NULL };

static int thp_probe(const char *value, char *why, size_t len)
{
	char path[PATH_MAX];

	if (!knob_exists(knob_path(path, sizeof(path), THP_ENABLED))) {
		snprintf(why, len, "THP is not available here (no %s)", THP_ENABLED);
		return -ENOENT;
	}
	return 0;
}

static int thp_read(char *buf, size_t len)
{
	char path[PATH_MAX];

	return journal_read_value(knob_path(path, sizeof(path), THP_ENABLED), buf, len);
}

static int thp_apply(const char *value, struct knob_plan *plan, char *why, size_t len)
{
	char path[PATH_MAX];
	int r;

	r = thp_probe(value, why, len);
	if (r)
		return r;
	return journal_write_file(knob_path(path, sizeof(path), THP_ENABLED), value, why, len);
}

const struct knob knob_thp = {
	.name = "thp",
	.help = "host THP mode (" THP_ENABLED "): always, madvise, never",
	.values = thp_values,
	.host = true,
	.probe = thp_probe,
	.read = thp_read,
	.apply = thp_apply,
};
