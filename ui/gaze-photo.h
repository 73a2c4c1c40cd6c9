/* gaze-photo.h — one open photo: its pixels, and the work done on it so far.
 *
 * The window keeps a GListStore of these for its sidebar.  The encoder grid
 * is cached per encoder and the caption per model and beam width, so going
 * back to a photo, or back to a beam width, costs nothing.  Touched only on
 * the main thread; the jobs in gaze-job.c read the image, which never changes
 * once set. */
#pragma once

#include <gtk/gtk.h>
#include "gaze.h"

G_BEGIN_DECLS

#define GAZE_TYPE_PHOTO (gaze_photo_get_type ())
G_DECLARE_FINAL_TYPE (GazePhoto, gaze_photo, GAZE, PHOTO, GObject)

/* A photo to be loaded from file (see gaze_job_load_photo_async). */
GazePhoto *gaze_photo_new_for_file (GFile *file);
/* A photo already in memory (a pasted image); takes image. */
GazePhoto *gaze_photo_new_for_image (GazeImage *image, const char *title);

GFile *gaze_photo_get_file (GazePhoto *photo); /* NULL for a pasted image */
const char *gaze_photo_get_title (GazePhoto *photo);
/* A file name to suggest for exports, without extension. */
char *gaze_photo_get_export_stem (GazePhoto *photo);

gboolean gaze_photo_is_loaded (GazePhoto *photo);
const GazeImage *gaze_photo_get_image (GazePhoto *photo);
/* The photo as a Cairo surface, and a small texture for the sidebar. */
cairo_surface_t *gaze_photo_get_surface (GazePhoto *photo);
GdkTexture *gaze_photo_get_thumbnail (GazePhoto *photo);
/* Sets the loaded pixels (takes image and surface). */
void gaze_photo_set_image (GazePhoto *photo, GazeImage *image, cairo_surface_t *surface);

/* Encoder grids, keyed by the encoder's sha256; the photo takes grid. */
const float *gaze_photo_lookup_grid (GazePhoto *photo, const char *encoder_sha256);
void gaze_photo_store_grid (GazePhoto *photo, const char *encoder_sha256, float *grid);
/* Captions, keyed by model file and beam width; the photo takes caption. */
const GazeCaption *gaze_photo_lookup_caption (GazePhoto *photo, const char *model_path,
                                              int beam_width);
void gaze_photo_store_caption (GazePhoto *photo, const char *model_path, int beam_width,
                               GazeCaption *caption);

G_END_DECLS
