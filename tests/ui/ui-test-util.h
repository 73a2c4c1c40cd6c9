/* ui-test-util.h — small helpers shared by the window's tests. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Removes a scratch folder made by a test, and everything in it. */
void ui_test_remove_tree (const char *path);

G_END_DECLS
