/* gaze-compare.h — two models' exports on one sheet.
 *
 * Cairo and Pango only, like gaze-render.h: the window's "Export the
 * Comparison" puts the two storyboards side by side, each under the name of
 * the model that made it. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* left and right (any sizes) side by side on white, each under its title,
 * tops aligned; both are scaled to the taller one's height when width is 0,
 * or the whole sheet to width pixels across.  A new image surface. */
cairo_surface_t *gaze_render_side_by_side (cairo_surface_t *left, const char *left_title,
                                           cairo_surface_t *right, const char *right_title,
                                           int width);

G_END_DECLS
