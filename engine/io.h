/* io.h — internal: GLib's file errors as GazeErrors, and mapping a file. */
#pragma once

#include <glib.h>

/* Sets error to GAZE_ERROR_IO with local's message (GLib's file errors name
 * the file) and frees local.  Returns FALSE. */
gboolean gaze_io_error (GError **error, GError *local);

/* Maps path read-only; on failure NULL and GAZE_ERROR_IO. */
GMappedFile *gaze_io_map_file (const char *path, GError **error);
