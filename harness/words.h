/* SPDX-License-Identifier: GPL-2.0 */
/*
 * words.h - lists of words in one string ("fpu pae pcid", "dropped,kept"):
 * the host CPU's flags, the values an observation took.
 */
#ifndef WORDS_H
#define WORDS_H

#include <stdbool.h>
#include <string.h>

/* words_contain - is @w (@n bytes, n > 0) one of the @sep-separated words of @list? */
static inline bool words_contain(const char *list, char sep, const char *w, size_t n)
{
	const char stop[2] = { sep, 0 };
	size_t l;

	if (!n)
		return false;
	for (; *list; list += l + !!list[l]) {
		l = strcspn(list, stop);
		if (l == n && !strncmp(list, w, n))
			return true;
	}
	return false;
}

#endif
