/* gaze-job.c — loading photos in worker threads; clipboard images. */
#include "config.h"

#include "gaze-job.h"
#include "gaze-render.h"

#include <glib/gi18n.h>

/* ── Photos ──────────────────────────────────────────────────────────────── */

typedef struct {
  GazeImage *image;
  cairo_surface_t *surface;
} LoadedPhoto;

static void
loaded_photo_free (gpointer data)
{
  LoadedPhoto *loaded = data;
  g_clear_pointer (&loaded->image, gaze_image_free);
  g_clear_pointer (&loaded->surface, cairo_surface_destroy);
  g_free (loaded);
}

static void
load_photo_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_autofree char *path = g_file_get_path (G_FILE (task_data));
  GError *error = NULL;
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (G_FILE (task_data));
      g_task_return_new_error (task, GAZE_ERROR, GAZE_ERROR_IO, _("%s is not a local file"), uri);
      return;
    }
  GazeImage *image = gaze_image_load (path, &error);
  if (image == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  LoadedPhoto *loaded = g_new0 (LoadedPhoto, 1);
  loaded->image = image;
  /* The surface for drawing is made here too, so the UI thread only shows it. */
  loaded->surface = gaze_render_image_surface (image);
  g_task_return_pointer (task, loaded, loaded_photo_free);
}

void
gaze_job_load_photo_async (GazePhoto *photo, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (gaze_photo_get_file (photo) != NULL);
  g_autoptr (GTask) task = g_task_new (photo, cancellable, callback, user_data);
  g_task_set_source_tag (task, gaze_job_load_photo_async);
  g_task_set_task_data (task, g_object_ref (gaze_photo_get_file (photo)), g_object_unref);
  g_task_run_in_thread (task, load_photo_thread);
}

gboolean
gaze_job_load_photo_finish (GazePhoto *photo, GAsyncResult *result, GError **error)
{
  LoadedPhoto *loaded = g_task_propagate_pointer (G_TASK (result), error);
  if (loaded == NULL)
    return FALSE;
  if (!gaze_photo_is_loaded (photo))
    {
      gaze_photo_set_image (photo, loaded->image, loaded->surface);
      loaded->image = NULL;
      loaded->surface = NULL;
    }
  loaded_photo_free (loaded);
  return TRUE;
}

/* ── Clipboard ───────────────────────────────────────────────────────────── */

GazeImage *
gaze_image_new_from_texture (GdkTexture *texture, GError **error)
{
  int width = gdk_texture_get_width (texture), height = gdk_texture_get_height (texture);
  if ((gint64) width * height > GAZE_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE, _("The pasted image is too large"));
      return NULL;
    }
  /* gdk_texture_download gives Cairo's ARGB32: premultiplied, in native
   * byte order.  The engine wants straight RGBA bytes. */
  gsize stride = (gsize) width * 4;
  g_autofree guint32 *argb = g_malloc (stride * height);
  gdk_texture_download (texture, (guchar *) argb, stride);
  g_autofree guint8 *rgba = g_malloc (stride * height);
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      guint32 p = argb[i];
      guint a = p >> 24;
      guint8 *o = rgba + 4 * i;
      for (int c = 0; c < 3; c++)
        {
          guint v = (p >> (16 - 8 * c)) & 0xff;
          o[c] = a == 0 ? 0 : (guint8) MIN (255u, (v * 255 + a / 2) / a);
        }
      o[3] = (guint8) a;
    }
  return gaze_image_new_from_data (rgba, width, height, (int) stride, 4, error);
}
