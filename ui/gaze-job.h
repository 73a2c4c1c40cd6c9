/* gaze-job.h — photo loading off the UI thread (a GTask worker), and the
 * clipboard's images.  Captioning is GazeCaptioner's.
 *
 * Every job takes a GCancellable; a cancelled job fails with
 * G_IO_ERROR_CANCELLED, as GTask and the engine report it. */
#pragma once

#include <gtk/gtk.h>
#include "gaze.h"
#include "gaze-photo.h"

G_BEGIN_DECLS

/* Decodes photo's file; on success the photo holds its image. */
void gaze_job_load_photo_async (GazePhoto *photo, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean gaze_job_load_photo_finish (GazePhoto *photo, GAsyncResult *result, GError **error);

/* A clipboard texture as a GazeImage. */
GazeImage *gaze_image_new_from_texture (GdkTexture *texture, GError **error);

G_END_DECLS
