/* adam.h — the optimiser: Adam (Kingma & Ba 2015), gradient clipping by
 * global norm, and per-epoch learning-rate decay. */
#pragma once

#include <glib.h>

typedef struct {
  gsize n;
  float *m;   /* first moments */
  float *v;   /* second moments */
  gint64 step;
  float beta1, beta2, eps;
} GazeAdam;

GazeAdam *_gaze_adam_new (gsize n);
void _gaze_adam_free (GazeAdam *adam);
/* One update: params −= lr · m̂ / (√v̂ + ε), with bias-corrected moments. */
void _gaze_adam_update (GazeAdam *adam, float *params, const float *grads, float lr);

/* Scales grads so that their global L2 norm is at most max_norm (when
 * max_norm > 0); returns the norm before clipping. */
float _gaze_clip_grad_norm (float *grads, gsize n, float max_norm);

/* lr · decay^epoch, epoch counted from 0. */
float _gaze_decayed_lr (float lr, float decay, int epoch);
