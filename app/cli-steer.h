/* cli-steer.h — gaze-cli caption's --look and --avoid: region specs and the
 * attention masks they make.
 *
 *   X0,Y0,X1,Y1[@N|@N+]
 *
 * Four integers are photo pixels; four numbers with a decimal point
 * (0.25,0.1,0.75,0.9) are fractions of the photo's width and height, 0 … 1;
 * the two kinds are not mixed in one rectangle.  @N steers word N alone
 * (counted from 1), @N+ word N and every word after it, and no @ every word.
 * At each step the cells allowed are the union of the --look regions that
 * apply to it (every cell when none does), less the union of the --avoid
 * regions that apply. */
#pragma once

#include "gaze.h"

G_BEGIN_DECLS

typedef struct {
  gboolean avoid;
  char *spec;  /* as given, for --json */
  char *shown; /* the same escaped to one line, for messages */
  double v[4];
  gboolean fractions;
  int word;         /* the first word it steers, from 1 */
  gboolean onwards; /* and every word after it */
} GazeCliRegion;

/* Parses spec (of --look, or --avoid when avoid); the one-line error names
 * the option and the spec. */
GazeCliRegion *gaze_cli_region_parse (const char *spec, gboolean avoid, GError **error);
void gaze_cli_region_free (GazeCliRegion *region);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeCliRegion, gaze_cli_region_free)

/* The grid_size² cells of region over a width × height photo (see
 * gaze_region_to_cells). */
gboolean gaze_cli_region_cells (const GazeCliRegion *region, int grid_size, int width,
                                int height, float *cells, GError **error);

/* The masks of regions for a caption of n_words words over a width × height
 * photo, *n_masks steps of grid_size² cells, and in *first the first word
 * they steer (from 1).  Fails when a region is outside the photo or its word
 * past the caption; a step with no cell left is the engine's error. */
float *gaze_cli_regions_masks (GPtrArray *regions, int grid_size, int width, int height,
                               int n_words, int *n_masks, int *first, GError **error);

G_END_DECLS
