/* gaze-photo-view.h — the photo, scaled to fit, with a word's attention over it.
 *
 * It shows what its "cursor" (GazeCursor) points at, in the overlay style of
 * its properties "overlay-mode", "colormap", "opacity" and "show-grid" (the
 * window binds them to GSettings).  The 7×7 grid covers the whole photo (the
 * encoder saw it squeezed to 224×224).  The photo scaled to the widget's size
 * and each word's overlay are cached; the overlays of the beam shown are made
 * in worker threads as soon as its caption arrives, so that stepping to a
 * word only paints. */
#pragma once

#include <gtk/gtk.h>
#include "gaze-cursor.h"
#include "gaze-render.h"

G_BEGIN_DECLS

#define GAZE_TYPE_PHOTO_VIEW (gaze_photo_view_get_type ())
G_DECLARE_FINAL_TYPE (GazePhotoView, gaze_photo_view, GAZE, PHOTO_VIEW, GtkWidget)

GtkWidget *gaze_photo_view_new (void);
void gaze_photo_view_set_cursor (GazePhotoView *view, GazeCursor *cursor);
/* The style drawn, as the four properties say. */
void gaze_photo_view_get_style (GazePhotoView *view, GazeOverlayStyle *style);
/* Draws what the widget shows at width × height (its snapshot, and the benchmark). */
void gaze_photo_view_draw (GazePhotoView *view, cairo_t *cr, int width, int height);
/* How many overlays of the beam shown are ready (for tests and the benchmark). */
int gaze_photo_view_get_n_ready (GazePhotoView *view);

G_END_DECLS
