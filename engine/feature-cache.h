/* feature-cache.h — internal: the cache file format without an encoder, for
 * tests and tools that already hold grids. */
#pragma once

#include "gaze-train.h"

/* Writes a complete cache file (atomically) from grids already computed:
 * grids holds n_images × n_cells × channels floats, image ids[i]'s first.
 * ids must be sorted (strcmp) and unique, as a folder listing gives them. */
gboolean _gaze_feature_cache_write_grids (const char *path, const char *encoder_sha256,
                                         const char *images_dir, int n_images,
                                         const char *const *ids, int n_cells, int channels,
                                         const float *grids, GError **error);
/* Whether cache is current for that encoder and the *.jpg files now in
 * images_dir; when not, why (a GAZE_ERROR_MISMATCH phrase). */
gboolean _gaze_feature_cache_is_current (const GazeFeatureCache *cache,
                                        const char *encoder_sha256, int n_cells, int channels,
                                        const char *images_dir, GError **why);
/* The 64-bit hash that guards each grid. */
guint64 _gaze_feature_cache_hash (const void *data, gsize len);
