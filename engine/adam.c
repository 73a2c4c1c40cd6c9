/* adam.c — Adam, gradient clipping and learning-rate decay (see adam.h). */
#include "adam.h"

#include <math.h>

GazeAdam *
_gaze_adam_new (gsize n)
{
  GazeAdam *adam = g_new0 (GazeAdam, 1);
  adam->n = n;
  adam->m = g_new0 (float, n);
  adam->v = g_new0 (float, n);
  adam->beta1 = 0.9f;
  adam->beta2 = 0.999f;
  adam->eps = 1e-8f;
  return adam;
}

void
_gaze_adam_free (GazeAdam *adam)
{
  if (adam == NULL)
    return;
  g_free (adam->m);
  g_free (adam->v);
  g_free (adam);
}

void
_gaze_adam_update (GazeAdam *adam, float *params, const float *grads, float lr)
{
  adam->step++;
  const float b1 = adam->beta1, b2 = adam->beta2, eps = adam->eps;
  /* Bias correction folded into the step size and ε, as in the paper's
   * "more efficient" ordering (section 2). */
  const double c1 = 1.0 - pow (b1, (double) adam->step);
  const double c2 = 1.0 - pow (b2, (double) adam->step);
  const float step = (float) (lr * sqrt (c2) / c1);
  const float eps_hat = (float) (eps * sqrt (c2));
  float *m = adam->m, *v = adam->v;
  const gint64 n = (gint64) adam->n;
#pragma omp simd
  for (gint64 i = 0; i < n; i++)
    {
      float g = grads[i];
      m[i] = b1 * m[i] + (1.0f - b1) * g;
      v[i] = b2 * v[i] + (1.0f - b2) * g * g;
      params[i] -= step * m[i] / (sqrtf (v[i]) + eps_hat);
    }
}

float
_gaze_clip_grad_norm (float *grads, gsize n, float max_norm)
{
  double sum = 0.0;
  for (gsize i = 0; i < n; i++)
    sum += (double) grads[i] * grads[i];
  float norm = (float) sqrt (sum);
  if (max_norm > 0.0f && norm > max_norm)
    {
      float scale = max_norm / norm;
      for (gsize i = 0; i < n; i++)
        grads[i] *= scale;
    }
  return norm;
}

float
_gaze_decayed_lr (float lr, float decay, int epoch)
{
  return (float) (lr * pow (decay, epoch));
}
