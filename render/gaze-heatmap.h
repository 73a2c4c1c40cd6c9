/* gaze-heatmap.h — from a word's 7×7 attention α to a picture over the photo.
 *
 * Plain C and Cairo, no GTK: the window and the PNG renderer (and so
 * gaze-cli) draw the same maps.
 *
 *   α[grid²] ─upsample (bicubic)─▶ map[w×h] ─blur (Gaussian)─▶ ─÷ceiling─▶ v ∈ [0,1]
 *            ─colour map (inferno / viridis) or spotlight─▶ cairo surface
 *
 * The smooth maps use one fixed scale, the same for every word and photo:
 * v = α / GAZE_HEATMAP_ALPHA_CEILING, clamped.  A flat map (every α near
 * 1/49) therefore looks flat and dark, and only attention that really
 * gathers on a few cells is bright; stretching each map to its own maximum
 * would make a flat map look as confident as a sharp one.  The raw grid uses
 * the same scale, with each α printed on its cell.
 */
#pragma once

#include <glib.h>
#include <cairo.h>

G_BEGIN_DECLS

typedef enum {
  GAZE_COLORMAP_INFERNO,
  GAZE_COLORMAP_VIRIDIS,
} GazeColormap;

#define GAZE_N_COLORMAPS 2

typedef enum {
  GAZE_OVERLAY_COLORMAP,  /* the colour-mapped α over the whole photo */
  GAZE_OVERLAY_SPOTLIGHT, /* what the model did not attend to is dimmed */
} GazeOverlayMode;

#define GAZE_N_OVERLAY_MODES 2

/* The α at the top of the colour map (and fully lit in spotlight): about
 * 12 × uniform on a 7 × 7 grid; larger weights saturate. */
#define GAZE_HEATMAP_ALPHA_CEILING 0.25f

/* Longest side of an overlay surface; Cairo scales it smoothly to the photo. */
#define GAZE_HEATMAP_MAX_SIDE 256

/* Bicubic (Catmull-Rom) interpolation of the grid_size × grid_size map alpha
 * onto width × height pixels.  Cell centres land on the centres of the
 * matching pixel blocks, edges are clamped, and the result is never negative. */
void gaze_heatmap_upsample (const float *alpha, int grid_size, int width, int height,
                            float *out);
/* Separable Gaussian blur of standard deviation sigma pixels, in place; the
 * kernel is renormalised at the borders so a constant map stays constant. */
void gaze_heatmap_blur (float *map, int width, int height, float sigma);
/* Scales map so that its largest value is 1 (a map of zeros stays zero). */
void gaze_heatmap_normalize (float *map, int n);
/* Maps α onto the fixed scale: v = α / GAZE_HEATMAP_ALPHA_CEILING, in [0, 1]. */
void gaze_heatmap_fixed_scale (float *map, int n);

/* The colour of v ∈ [0, 1] (clamped) in cmap, as 8-bit RGB. */
void gaze_colormap_lookup (GazeColormap cmap, float v, guint8 rgb[3]);

/* The size an overlay surface gets for a photo of width × height pixels:
 * the same aspect ratio, longest side GAZE_HEATMAP_MAX_SIDE at most. */
void gaze_heatmap_surface_size (int width, int height, int *surface_width, int *surface_height);

/* An ARGB32 surface of α for a photo of photo_width × photo_height pixels
 * (its own size from gaze_heatmap_surface_size), on the fixed scale: in
 * colour-map mode opaque colours, in spotlight mode black whose alpha is 1 − v.  Paint it over the
 * photo with the opacity wanted. */
cairo_surface_t *gaze_heatmap_surface_new (const float *alpha, int grid_size, int photo_width,
                                           int photo_height, GazeOverlayMode mode,
                                           GazeColormap cmap);
/* The raw grid: a grid_size × grid_size surface, one colour-mapped pixel a
 * cell (on the fixed scale), to be painted with a nearest-neighbour filter. */
cairo_surface_t *gaze_heatmap_grid_surface_new (const float *alpha, int grid_size,
                                                GazeColormap cmap);

G_END_DECLS
