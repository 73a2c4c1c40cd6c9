/* io.c — GLib's file errors as GazeErrors, and mapping a file. */
#include "io.h"

#include "gaze.h"

gboolean
gaze_io_error (GError **error, GError *local)
{
  g_set_error_literal (error, GAZE_ERROR, GAZE_ERROR_IO, local->message);
  g_error_free (local);
  return FALSE;
}

GMappedFile *
gaze_io_map_file (const char *path, GError **error)
{
  GError *local = NULL;
  GMappedFile *mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    gaze_io_error (error, local);
  return mapped;
}
