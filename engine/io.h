/* io.h — internal: GLib's file errors as GazeErrors, mapping a file, and
 * replacing one atomically. */
#pragma once

#include <glib.h>

/* Sets error to GAZE_ERROR_IO with local's message (GLib's file errors name
 * the file) and frees local.  Returns FALSE. */
gboolean _gaze_io_error (GError **error, GError *local);

/* Maps path read-only; on failure NULL and GAZE_ERROR_IO. */
GMappedFile *_gaze_io_map_file (const char *path, GError **error);

/* Writes len bytes to path atomically: a temporary file beside it, written,
 * synced and renamed over path, so that readers see the old file or the new
 * one, never part of one; on failure the temporary file is removed, path is
 * left as it was, and the GAZE_ERROR_IO names path ("PATH: File too large"). */
gboolean _gaze_io_write_atomic (const char *path, const void *data, gsize len, int mode,
                               GError **error);
