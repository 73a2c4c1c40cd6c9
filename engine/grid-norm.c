/* grid-norm.c — per-channel standardisation of the grid, folded into the
 * squeeze (see grid-norm.h).  MobileNetV2's last channels are ReLU6 outputs
 * of very different scales, most of them 0; standardised, every channel
 * starts the squeeze on the same footing. */
#include "grid-norm.h"

#include <math.h>
#include <string.h>

void
_gaze_grid_norm_fit (GazeGridNorm *norm, const float *const *grids, int n_grids, int cells,
                     int channels)
{
  const int C = channels;
  *norm = (GazeGridNorm) { .channels = C, .mean = g_new (float, C), .scale = g_new (float, C) };
  /* Two passes in double: the mean first, then the squares about it, so
   * that a channel far from 0 keeps its small variance. */
  double *mean = g_new0 (double, C), *sq = g_new0 (double, C);
  for (int i = 0; i < n_grids; i++)
    for (int l = 0; l < cells; l++)
      {
        const float *x = grids[i] + (gsize) l * C;
        for (int c = 0; c < C; c++)
          mean[c] += x[c];
      }
  const double n = (double) n_grids * cells;
  for (int c = 0; c < C; c++)
    mean[c] /= n;
  for (int i = 0; i < n_grids; i++)
    for (int l = 0; l < cells; l++)
      {
        const float *x = grids[i] + (gsize) l * C;
        for (int c = 0; c < C; c++)
          sq[c] += (x[c] - mean[c]) * (x[c] - mean[c]);
      }
  for (int c = 0; c < C; c++)
    {
      const double sd = sqrt (sq[c] / n);
      norm->mean[c] = (float) mean[c];
      norm->scale[c] = sd > 1e-6 ? (float) (1.0 / sd) : 1.0f;
    }
  g_free (mean);
  g_free (sq);
}

void
_gaze_grid_norm_clear (GazeGridNorm *norm)
{
  g_clear_pointer (&norm->mean, g_free);
  g_clear_pointer (&norm->scale, g_free);
  norm->channels = 0;
}

float *
_gaze_grid_norm_apply (const GazeGridNorm *norm, const float *const *grids, int n_grids, int cells,
                       const float **out)
{
  const int C = norm->channels;
  const gsize grid = (gsize) cells * C;
  float *buffer = g_new (float, (gsize) n_grids * grid);
  for (int i = 0; i < n_grids; i++)
    {
      float *y = buffer + (gsize) i * grid;
      for (int l = 0; l < cells; l++)
        for (int c = 0; c < C; c++)
          y[(gsize) l * C + c] = (grids[i][(gsize) l * C + c] - norm->mean[c]) * norm->scale[c];
      out[i] = y;
    }
  return buffer;
}

/* W' = W ⊙ s (column by column) and b' = b − W' μ, or back; the shift is
 * W' μ both ways, so that unfolding a fold gives the weights back. */
static void
grid_norm_move (const GazeGridNorm *norm, float *weight, float *bias, int out_dim, gboolean fold)
{
  const int C = norm->channels;
  for (int d = 0; d < out_dim; d++)
    {
      float *w = weight + (gsize) d * C;
      double shift = 0.0;
      for (int c = 0; c < C; c++)
        {
          if (fold)
            w[c] *= norm->scale[c];
          shift += (double) w[c] * norm->mean[c];
          if (!fold)
            w[c] /= norm->scale[c];
        }
      bias[d] = (float) (fold ? bias[d] - shift : bias[d] + shift);
    }
}

void
_gaze_grid_norm_fold (const GazeGridNorm *norm, float *weight, float *bias, int out_dim)
{
  grid_norm_move (norm, weight, bias, out_dim, TRUE);
}

void
_gaze_grid_norm_unfold (const GazeGridNorm *norm, float *weight, float *bias, int out_dim)
{
  grid_norm_move (norm, weight, bias, out_dim, FALSE);
}
