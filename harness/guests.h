/* SPDX-License-Identifier: GPL-2.0 */
/* guests.h - where the built microguests are, and loading them by name. */
#ifndef GUESTS_H
#define GUESTS_H

#include "vmm.h"

#define GUEST_NAME_MAX	32
#define GUESTS_MAX	32

/* guests_dir - $KVMBENCH_GUESTS, else guests/ beside the kvmbench binary or one level up. */
const char *guests_dir(void);
/* guests_list - names of the guests found (sorted); returns how many. */
int guests_list(char names[][GUEST_NAME_MAX], int max);
/* guest_load - load guest @name; -errno and a reason in @err. */
int guest_load(const char *name, struct vmm_image *img, char *err, size_t len);

#endif
