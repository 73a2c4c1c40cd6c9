/* gaze-job.c — loading, encoding and captioning in worker threads. */
#include "config.h"

#include "gaze-job.h"
#include "gaze-paths.h"
#include "gaze-render.h"

#include <glib/gi18n.h>

/* ── Runtime ─────────────────────────────────────────────────────────────── */

static void
runtime_clear (gpointer data)
{
  GazeRuntime *runtime = data;
  g_free (runtime->model_path);
  g_clear_pointer (&runtime->model, gaze_model_free);
  g_clear_pointer (&runtime->encoder, gaze_encoder_free);
}

GazeRuntime *
gaze_runtime_ref (GazeRuntime *runtime)
{
  return g_atomic_rc_box_acquire (runtime);
}

void
gaze_runtime_unref (GazeRuntime *runtime)
{
  g_atomic_rc_box_release_full (runtime, runtime_clear);
}

static void
runtime_load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *model_path = task_data;
  GError *error = NULL;
  g_autoptr (GazeRuntime) runtime = g_atomic_rc_box_new0 (GazeRuntime);
  runtime->model_path = g_strdup (model_path);
  runtime->model = gaze_model_load (model_path, &error);
  if (runtime->model == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  const char *encoder_name = gaze_model_get_encoder_name (runtime->model);
  g_autofree char *encoder_path = gaze_paths_find_encoder (encoder_name);
  if (!g_file_test (encoder_path, G_FILE_TEST_EXISTS))
    {
      /* The one problem the user can fix with a command: say which. */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The encoder “%s” is not installed. Run “gaze-fetch-encoder” "
                                 "to install it."),
                               encoder_name);
      return;
    }
  runtime->encoder = gaze_encoder_load (encoder_path, &error);
  if (runtime->encoder == NULL || !gaze_model_check_encoder (runtime->model, runtime->encoder, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&runtime), (GDestroyNotify) gaze_runtime_unref);
}

void
gaze_runtime_load_async (const char *model_path, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, gaze_runtime_load_async);
  g_task_set_task_data (task, g_strdup (model_path), g_free);
  g_task_run_in_thread (task, runtime_load_thread);
}

GazeRuntime *
gaze_runtime_load_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

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
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s is not a local file"), uri);
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

/* ── Captions ────────────────────────────────────────────────────────────── */

typedef struct {
  GazeRuntime *runtime;
  const GazeImage *image; /* owned by the photo, which the task holds */
  const float *cached_grid;
  int beam_width;
  /* Results */
  float *grid; /* set when the grid was computed here */
  GazeCaption *caption;
} CaptionJob;

static void
caption_job_free (gpointer data)
{
  CaptionJob *job = data;
  gaze_runtime_unref (job->runtime);
  g_free (job->grid);
  g_clear_pointer (&job->caption, gaze_caption_free);
  g_free (job);
}

static void
caption_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CaptionJob *job = task_data;
  GError *error = NULL;
  const float *grid = job->cached_grid;
  if (grid == NULL)
    {
      const GazeEncoder *encoder = job->runtime->encoder;
      int cells = gaze_encoder_get_grid_size (encoder) * gaze_encoder_get_grid_size (encoder);
      job->grid = g_new (float, (gsize) cells * gaze_encoder_get_channels (encoder));
      if (!gaze_encoder_encode_image (encoder, job->image, job->grid, NULL, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      grid = job->grid;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  job->caption = gaze_model_caption (job->runtime->model, grid, job->beam_width, cancellable, &error);
  if (job->caption == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
gaze_job_caption_async (GazePhoto *photo, GazeRuntime *runtime, int beam_width,
                        GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  g_return_if_fail (gaze_photo_is_loaded (photo));
  CaptionJob *job = g_new0 (CaptionJob, 1);
  job->runtime = gaze_runtime_ref (runtime);
  job->image = gaze_photo_get_image (photo);
  job->cached_grid
      = gaze_photo_lookup_grid (photo, gaze_encoder_get_sha256 (runtime->encoder));
  job->beam_width = beam_width;
  g_autoptr (GTask) task = g_task_new (photo, cancellable, callback, user_data);
  g_task_set_source_tag (task, gaze_job_caption_async);
  g_task_set_task_data (task, job, caption_job_free);
  g_task_run_in_thread (task, caption_thread);
}

const GazeCaption *
gaze_job_caption_finish (GazePhoto *photo, GAsyncResult *result, GError **error)
{
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  CaptionJob *job = g_task_get_task_data (G_TASK (result));
  if (job->grid != NULL)
    gaze_photo_store_grid (photo, gaze_encoder_get_sha256 (job->runtime->encoder),
                           g_steal_pointer (&job->grid));
  gaze_photo_store_caption (photo, job->runtime->model_path, job->beam_width,
                            g_steal_pointer (&job->caption));
  return gaze_photo_lookup_caption (photo, job->runtime->model_path, job->beam_width);
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
