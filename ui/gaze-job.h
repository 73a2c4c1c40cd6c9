/* gaze-job.h — the engine's work, off the UI thread (GTask workers).
 *
 *   gaze_runtime_load_async   model file + its encoder, once at start-up and
 *                             whenever the user picks another model;
 *   gaze_job_load_photo_async decode the photo (shown as soon as it is in);
 *   gaze_job_caption_async    encode (unless the grid is cached) and caption.
 *
 * Every job takes a GCancellable: opening another photo cancels the work in
 * flight.  Results go into the GazePhoto's caches on the main thread. */
#pragma once

#include <gtk/gtk.h>
#include "gaze.h"
#include "gaze-photo.h"

G_BEGIN_DECLS

/* A loaded model with the encoder it was trained on.  Reference counted, so a
 * job keeps it alive while the user switches models. */
typedef struct {
  char *model_path;
  GazeModel *model;
  GazeEncoder *encoder;
} GazeRuntime;

GazeRuntime *gaze_runtime_ref (GazeRuntime *runtime);
void gaze_runtime_unref (GazeRuntime *runtime);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeRuntime, gaze_runtime_unref)

/* Loads model_path and the encoder it names (found with gaze_paths_find_encoder),
 * and checks that they belong together.  A missing encoder is reported as
 * G_IO_ERROR_NOT_FOUND with a message saying how to install it. */
void gaze_runtime_load_async (const char *model_path, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data);
GazeRuntime *gaze_runtime_load_finish (GAsyncResult *result, GError **error);

/* Decodes photo's file; on success the photo holds its image. */
void gaze_job_load_photo_async (GazePhoto *photo, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean gaze_job_load_photo_finish (GazePhoto *photo, GAsyncResult *result, GError **error);

/* Captions a loaded photo with beam_width beams; the caption is cached in the
 * photo, which owns it. */
void gaze_job_caption_async (GazePhoto *photo, GazeRuntime *runtime, int beam_width,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
const GazeCaption *gaze_job_caption_finish (GazePhoto *photo, GAsyncResult *result,
                                            GError **error);

/* A clipboard texture as a GazeImage. */
GazeImage *gaze_image_new_from_texture (GdkTexture *texture, GError **error);

G_END_DECLS
