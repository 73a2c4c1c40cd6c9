/* test-util.h — small helpers shared by the tests, in tests/ and tests/ui/. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs program with the NULL-terminated args (argv[1…]); stores its stdout
 * and stderr in out and err (either may be NULL) and returns its exit status
 * (0 on success).  Failing to start it at all fails the test. */
int test_util_run (const char *program, const char *const *args, char **out, char **err);

/* Removes a scratch folder made by a test, and everything in it; symbolic
 * links are removed, never followed. */
void test_util_remove_tree (const char *path);

/* Fails the test unless text contains part. */
void test_util_assert_contains (const char *text, const char *part);

/* Fails the test unless message is one line (no newline) that starts with
 * prefix and, unless part is NULL, contains part: what a bad input must give. */
void test_util_assert_one_line (const char *message, const char *prefix, const char *part);

G_END_DECLS
