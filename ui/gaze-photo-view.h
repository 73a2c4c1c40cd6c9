/* gaze-photo-view.h — the photo, scaled to fit, with a word's attention over it.
 *
 * The 7×7 grid covers the whole photo (the encoder saw it squeezed to
 * 224×224).  The photo scaled to the widget's size and each word's overlay
 * are cached, so stepping through the words only paints two surfaces. */
#pragma once

#include <gtk/gtk.h>
#include "gaze-render.h"

G_BEGIN_DECLS

#define GAZE_TYPE_PHOTO_VIEW (gaze_photo_view_get_type ())
G_DECLARE_FINAL_TYPE (GazePhotoView, gaze_photo_view, GAZE, PHOTO_VIEW, GtkWidget)

GtkWidget *gaze_photo_view_new (void);
/* The photo (NULL: none), with no caption. */
void gaze_photo_view_set_photo (GazePhotoView *view, cairo_surface_t *photo);
/* The caption whose attention is shown (borrowed; NULL: the plain photo). */
void gaze_photo_view_set_caption (GazePhotoView *view, const GazeCaption *caption);
/* Which word's α is shown; word −1 shows the plain photo. */
void gaze_photo_view_set_word (GazePhotoView *view, int beam, int word);
void gaze_photo_view_set_style (GazePhotoView *view, const GazeOverlayStyle *style);
/* Draws what the widget shows at width × height (its snapshot, and the benchmark). */
void gaze_photo_view_draw (GazePhotoView *view, cairo_t *cr, int width, int height);

G_END_DECLS
