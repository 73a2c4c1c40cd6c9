/* grid-norm.h — internal: per-channel standardisation of the encoder's grid
 * before the squeeze, for training only.  The statistics come from the
 * training photos' cells; a written model holds them folded into the
 * squeeze's weights, so that it runs on raw grids like any other model. */
#pragma once

#include <glib.h>

typedef struct {
  int channels;
  float *mean;  /* [C] μ_c over every training cell */
  float *scale; /* [C] 1 / σ_c (1 where the channel is constant) */
} GazeGridNorm;

/* μ and σ of each channel over the cells of n_grids grids, each [cells, C]. */
void _gaze_grid_norm_fit (GazeGridNorm *norm, const float *const *grids, int n_grids, int cells,
                          int channels);
void _gaze_grid_norm_clear (GazeGridNorm *norm);
/* (x − μ) ⊙ s for every grid, into one new [n_grids, cells, C] buffer
 * (returned, the caller frees it); out[i] points at grid i's copy. */
float *_gaze_grid_norm_apply (const GazeGridNorm *norm, const float *const *grids, int n_grids,
                              int cells, const float **out);
/* The squeeze W x̂ + b on standardised x̂ as W' x + b' on raw x, and back:
 * W'_dc = W_dc s_c and b'_d = b_d − Σ_c W'_dc μ_c.  weight is [out_dim, C]. */
void _gaze_grid_norm_fold (const GazeGridNorm *norm, float *weight, float *bias, int out_dim);
void _gaze_grid_norm_unfold (const GazeGridNorm *norm, float *weight, float *bias, int out_dim);
