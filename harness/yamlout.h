/* SPDX-License-Identifier: GPL-2.0 */
/*
 * yamlout.h - the one place that decides how a string is written as a
 * YAML scalar.  TAP diagnostics and host.yaml both go through it, so a
 * value that reads back wrong can only be wrong here.
 */
#ifndef YAMLOUT_H
#define YAMLOUT_H

#include <stdbool.h>
#include <stdio.h>

/*
 * yaml_plain_safe - may @s be written as a plain scalar in block context
 * and still read back as the same *string* under both YAML 1.1 and 1.2
 * resolvers?  Anything that looks like a number, boolean or null, starts
 * with an indicator, holds ": " or " #", has leading/trailing blanks,
 * control characters, non-printable or malformed UTF-8 is not.
 */
bool yaml_plain_safe(const char *s);

/*
 * yaml_write_scalar - write @s as one YAML scalar on the current line:
 * plain when yaml_plain_safe(), else double-quoted with \" \\ \n \t \r
 * and \xNN / \uNNNN escapes (multi-line text stays on one line).  A NULL
 * @s is written as ~ (null).  Bytes that are not valid UTF-8 cannot be
 * represented in YAML and are written as \xNN, i.e. as U+00NN.
 */
void yaml_write_scalar(FILE *out, const char *s);

/* yaml_write_key - "KEY:" indented two spaces per @depth (no newline). */
void yaml_write_key(FILE *out, int depth, const char *key);
/* yaml_write_str - "KEY: VALUE\n" indented two spaces per @depth. */
void yaml_write_str(FILE *out, int depth, const char *key, const char *v);

#endif
