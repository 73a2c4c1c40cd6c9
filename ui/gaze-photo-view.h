/* gaze-photo-view.h — the photo, scaled to fit, with a word's attention over it.
 *
 * It shows what its "cursor" (GazeCursor) points at, in the overlay style of
 * its properties "overlay-mode", "layer", "colormap", "opacity" and
 * "show-grid" (the window binds them to GSettings).  An evidence layer is
 * drawn once the word's map has been attached (the cursor's "maps").  The 7×7 grid covers the whole photo (the
 * encoder saw it squeezed to 224×224).  The photo scaled to the widget's size
 * and each word's overlay are cached; the overlays of the beam shown are made
 * in worker threads as soon as its caption arrives, so that stepping to a
 * word only paints.
 *
 * Dragging over the photo (or clicking it) chooses a region, outlined with
 * the grid cells it selects until cleared, and emits "region-chosen" with the
 * region in photo pixels and the point released in widget coordinates (the
 * window offers to steer the attention there). */
#pragma once

#include <gtk/gtk.h>
#include "gaze-cursor.h"
#include "gaze-render.h"

G_BEGIN_DECLS

#define GAZE_TYPE_PHOTO_VIEW (gaze_photo_view_get_type ())
G_DECLARE_FINAL_TYPE (GazePhotoView, gaze_photo_view, GAZE, PHOTO_VIEW, GtkWidget)

GtkWidget *gaze_photo_view_new (void);
void gaze_photo_view_set_cursor (GazePhotoView *view, GazeCursor *cursor);
/* The style drawn, as the five properties say. */
void gaze_photo_view_get_style (GazePhotoView *view, GazeOverlayStyle *style);
/* Draws what the widget shows at width × height (its snapshot, and the benchmark). */
void gaze_photo_view_draw (GazePhotoView *view, cairo_t *cr, int width, int height);
/* The region chosen, in photo pixels; FALSE when there is none. */
gboolean gaze_photo_view_get_region (GazePhotoView *view, double *x0, double *y0, double *x1,
                                     double *y1);
void gaze_photo_view_clear_region (GazePhotoView *view);
/* Whether dragging over the photo chooses a region (TRUE unless set). */
void gaze_photo_view_set_choosable (GazePhotoView *view, gboolean choosable);
/* Chooses a region as a drag from (x0, y0) to (x1, y1) in widget
 * coordinates would (the tests' and benchmark's gesture). */
void gaze_photo_view_choose_region (GazePhotoView *view, double x0, double y0, double x1,
                                    double y1);

/* How many overlays of the beam shown are ready (for tests and the benchmark). */
int gaze_photo_view_get_n_ready (GazePhotoView *view);

G_END_DECLS
