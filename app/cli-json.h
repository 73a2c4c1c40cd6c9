/* cli-json.h — writing JSON by hand, for gaze-cli's --json outputs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends s as a JSON string literal, quotes included: ", \ and control
 * characters escaped, invalid UTF-8 replaced by U+FFFD. */
void gaze_json_append_string (GString *out, const char *s);
/* Appends a float as a JSON number (null when it is not finite). */
void gaze_json_append_float (GString *out, double value);

G_END_DECLS
