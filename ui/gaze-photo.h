/* gaze-photo.h — one open photo: its pixels, and the work done on it so far.
 *
 * The window keeps a GListStore of these for its sidebar.  Each photo holds
 * a cache that GazeCaptioner fills (grids per encoder, captions per model and
 * beam width), so going back to a photo, or back to a beam width, costs
 * nothing.  Touched only on the main thread; worker threads read the image,
 * which never changes once set, and the cached captions, which are never
 * replaced. */
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

/* What has been worked out for the photo (encoder grids, captions), under
 * keys that GazeCaptioner makes; the photo takes data.  A key is stored once
 * and kept as long as the photo: storing it again frees the new data and
 * returns the old, so a pointer handed out stays valid while the photo lives. */
gconstpointer gaze_photo_lookup (GazePhoto *photo, const char *key);
gconstpointer gaze_photo_store (GazePhoto *photo, const char *key, gpointer data,
                                GDestroyNotify destroy);

G_END_DECLS
