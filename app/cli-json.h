/* cli-json.h — writing JSON by hand, for gaze-cli's --json outputs. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends s as a JSON string literal, quotes included: ", \ and control
 * characters escaped, invalid UTF-8 replaced by U+FFFD. */
void gaze_json_append_string (GString *out, const char *s);
/* Appends a float as a JSON number (null when it is not finite). */
void gaze_json_append_float (GString *out, double value);
/* Writes n captions as COCO results, [{"image_id": ids[i], "caption": …}, …],
 * with "file_name": file_names[i] too when file_names is not NULL; atomically
 * (a temporary file renamed over path), so that a failed write leaves any
 * older file intact.  The error names path. */
gboolean gaze_json_write_results (const char *path, int n, char *const *ids,
                                  char *const *file_names, char *const *captions,
                                  GError **error);

G_END_DECLS
