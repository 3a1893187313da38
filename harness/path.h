/* SPDX-License-Identifier: GPL-2.0 */
/* path.h - directory helpers shared by the results writer and the journal. */
#ifndef PATH_H
#define PATH_H

/* path_mkdirs - mkdir -p @dir (mode 0755); 0 or -errno. */
int path_mkdirs(const char *dir);

#endif
