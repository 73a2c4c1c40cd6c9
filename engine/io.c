/* io.c — GLib's file errors as GazeErrors, mapping a file, replacing one. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "gaze.h"

gboolean
_gaze_io_error (GError **error, GError *local)
{
  g_set_error_literal (error, GAZE_ERROR, GAZE_ERROR_IO, local->message);
  g_error_free (local);
  return FALSE;
}

GMappedFile *
_gaze_io_map_file (const char *path, GError **error)
{
  GError *local = NULL;
  GMappedFile *mapped = g_mapped_file_new (path, FALSE, &local);
  if (mapped == NULL)
    _gaze_io_error (error, local);
  return mapped;
}

static gboolean
write_all (int fd, const guint8 *p, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, p, MIN (len, (gsize) G_MAXSSIZE));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n == 0)
            errno = ENOSPC;
          return FALSE;
        }
      p += n;
      len -= n;
    }
  return TRUE;
}

gboolean
_gaze_io_write_atomic (const char *path, const void *data, gsize len, int mode, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (tmp, O_WRONLY, mode);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  gboolean ok = write_all (fd, data, len) && fsync (fd) == 0;
  int saved = errno;
  if (close (fd) != 0 && ok)
    ok = FALSE, saved = errno;
  if (ok && g_rename (tmp, path) != 0)
    ok = FALSE, saved = errno;
  if (!ok)
    {
      g_unlink (tmp);
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: not written: %s", path,
                   g_strerror (saved));
    }
  return ok;
}
