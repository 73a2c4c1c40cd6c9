/* gaze-render.h — the attention overlay and the exported PNGs.
 *
 * Cairo and Pango only, no GTK, so that the window (for its photo view and
 * Ctrl+S / Ctrl+E) and gaze-cli (caption --export) draw the very same thing:
 *
 *   annotated word:  the photo, the word's α over it, and the caption below
 *                    with that word highlighted, its β, p and peak α;
 *   storyboard:      one tile per word, the photo with that word's α and the
 *                    word, its β and peak α above it, like Figure 3 of Xu et
 *                    al. (2015).
 *
 * The smooth maps are on gaze-heatmap.h's fixed scale (0 … α = 0.25), so
 * that a flat map looks flat; the peak α is printed with each map.  The
 * style's layer draws the evidence or occlusion map (gaze_model_evidence,
 * gaze_model_occlusion) in the same way on a fixed scale of its own, with the
 * largest drop printed instead of the peak α; beside_alpha puts it beside α.
 */
#pragma once

#include <cairo.h>
#include "gaze.h"
#include "gaze-heatmap.h"

G_BEGIN_DECLS

/* Which map of a word is drawn. */
typedef enum {
  GAZE_OVERLAY_LAYER_ALPHA,     /* α, on 0 … GAZE_HEATMAP_ALPHA_CEILING */
  GAZE_OVERLAY_LAYER_EVIDENCE,  /* GazeWord.evidence, on 0 … GAZE_RENDER_EVIDENCE_CEILING nats */
  GAZE_OVERLAY_LAYER_OCCLUSION, /* GazeWord.occlusion, on 0 … GAZE_RENDER_OCCLUSION_CEILING nats */
} GazeOverlayLayer;

#define GAZE_N_OVERLAY_LAYERS 3

/* The drops in log p at the top of the colour map.  Fixed, like α's, so that
 * a word the photo barely moves looks dark; a rise (a negative drop) is shown
 * as 0, and grid mode prints the signed values.  On the 12 photos with the
 * shipped default the largest one-cell drops of content words are 0.1 … 2
 * nats, and greying out a cell costs them 1 … 10 (test-evidence --verbose). */
#define GAZE_RENDER_EVIDENCE_CEILING 0.5f
#define GAZE_RENDER_OCCLUSION_CEILING 2.0f

typedef struct {
  GazeOverlayMode mode;
  GazeColormap colormap;
  double opacity;     /* 0 … 1: the colour map's opacity, or how far spotlight dims */
  gboolean show_grid; /* the raw grid, one flat cell per value, with the values */
  GazeOverlayLayer layer; /* the map drawn (GAZE_OVERLAY_STYLE_INIT: α) */
  /* Exports only: the photo twice, α on the left and layer on the right. */
  gboolean beside_alpha;
} GazeOverlayStyle;

#define GAZE_OVERLAY_STYLE_INIT { GAZE_OVERLAY_COLORMAP, GAZE_COLORMAP_INFERNO, 0.6, FALSE, \
                                  GAZE_OVERLAY_LAYER_ALPHA, FALSE }

/* "alpha", "evidence", "occlusion". */
const char *gaze_overlay_layer_to_string (GazeOverlayLayer layer);
/* The map of word that layer draws, NULL when it has not been computed. */
const float *gaze_render_word_layer (const GazeWord *word, GazeOverlayLayer layer);

/* The largest of the n weights alpha: how concentrated a word's attention
 * is (1/n when uniform).  The window and every export show it beside the map. */
float gaze_render_peak_alpha (const float *alpha, int n);

/* The photo as an RGB24 Cairo surface, at its own size. */
cairo_surface_t *gaze_render_image_surface (const GazeImage *image);

/* The surface gaze_render_overlay paints for word with style: the smooth map
 * (or the raw grid), for a photo of photo_width × photo_height pixels.  The
 * window caches these per word. */
cairo_surface_t *gaze_render_heat_surface (const GazeCaption *caption, const GazeWord *word,
                                           int photo_width, int photo_height,
                                           const GazeOverlayStyle *style);
/* Paints word's attention over a photo that fills (0, 0, width, height) of
 * cr: heat (from gaze_render_heat_surface with the same style, or NULL to make
 * it now), the grid lines and α values in grid mode, and for a hard-attention
 * model the attended cell's outline. */
void gaze_render_overlay (cairo_t *cr, cairo_surface_t *heat, const GazeCaption *caption,
                          const GazeWord *word, const GazeOverlayStyle *style, double width,
                          double height);

/* The annotated PNG of word word_index of beam beam_index: width × height
 * pixels (the photo letterboxed above the caption); with height 0, width wide
 * and as tall as the photo at that width plus the caption; with both 0, the
 * photo's full resolution plus the caption (with beside_alpha, the width
 * of the two photos side by side).  NULL with GAZE_ERROR_INVALID for
 * a word, beam or size out of range, or a layer the caption's words lack. */
cairo_surface_t *gaze_render_word (cairo_surface_t *photo, const GazeCaption *caption,
                                   int beam_index, int word_index,
                                   const GazeOverlayStyle *style, int width, int height,
                                   GError **error);
/* The storyboard of beam beam_index: one tile per word, at most four a row,
 * each tile the photo's full size (shrunk if the sheet would pass 8192
 * pixels); or the whole sheet fitted into width × height (height 0: as tall
 * as the tiles need). */
cairo_surface_t *gaze_render_storyboard (cairo_surface_t *photo, const GazeCaption *caption,
                                         int beam_index, const GazeOverlayStyle *style,
                                         int width, int height, GError **error);

/* Writes surface as a PNG through a temporary file renamed into place, so a
 * failed write never leaves a half file.  An existing path is replaced only
 * when overwrite is TRUE; otherwise it fails with GAZE_ERROR_IO. */
gboolean gaze_render_save_png (cairo_surface_t *surface, const char *path, gboolean overwrite,
                               GError **error);

/* Parses "WIDTHxHEIGHT" (each 16 … 16384) for --size. */
gboolean gaze_render_parse_size (const char *text, int *width, int *height, GError **error);

G_END_DECLS
