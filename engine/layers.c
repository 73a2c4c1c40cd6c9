/* layers.c — forward and backward passes of the decoder's layers (see layers.h). */
#include "layers.h"

#include <cblas.h>

/* ── Linear ────────────────────────────────────────────────────────────────── */

void
_gaze_linear_forward (GazePool *pool, float *out, const float *in, const float *weight,
                const float *bias, int n, int in_dim, int out_dim)
{
  if (bias != NULL)
    for (int r = 0; r < n; r++)
      memcpy (out + (gsize) r * out_dim, bias, sizeof (float) * out_dim);
  _gaze_gemm_nt (pool, n, out_dim, in_dim, in, in_dim, weight, in_dim, bias != NULL ? 1.0f : 0.0f,
                out, out_dim);
}

void
_gaze_linear_backward (GazePool *pool, float *din, float *dweight, float *dbias, const float *dout,
                 const float *in, const float *weight, int n, int in_dim, int out_dim)
{
  /* din += dout · W;  dW += doutᵀ · in;  db += Σ_r dout[r] */
  if (din != NULL)
    _gaze_gemm_nn (pool, n, in_dim, out_dim, dout, out_dim, weight, in_dim, 1.0f, din, in_dim);
  _gaze_gemm_tn (pool, out_dim, in_dim, n, dout, out_dim, in, in_dim, 1.0f, dweight, in_dim);
  if (dbias != NULL)
    for (int r = 0; r < n; r++)
      {
        const float *d = dout + (gsize) r * out_dim;
#pragma omp simd
        for (int o = 0; o < out_dim; o++)
          dbias[o] += d[o];
      }
}

/* ── Centring over the cells ───────────────────────────────────────────────── */

/* Each photo's mean over its L rows, into mean [O]. */
static void
cell_mean (float *mean, const float *x, int L, int out_dim)
{
  memset (mean, 0, sizeof (float) * out_dim);
  for (int i = 0; i < L; i++)
    for (int o = 0; o < out_dim; o++)
      mean[o] += x[(gsize) i * out_dim + o];
  for (int o = 0; o < out_dim; o++)
    mean[o] /= (float) L;
}

void
_gaze_cell_centring_forward (float *x, const float *bias, int U, int L, int out_dim)
{
  g_autofree float *mean = g_new (float, out_dim);
  for (int u = 0; u < U; u++)
    {
      float *xu = x + (gsize) u * L * out_dim;
      cell_mean (mean, xu, L, out_dim);
      for (int i = 0; i < L; i++)
        for (int o = 0; o < out_dim; o++)
          xu[(gsize) i * out_dim + o] += bias[o] - mean[o];
    }
}

void
_gaze_cell_centring_backward (float *dx, float *dbias, int U, int L, int out_dim)
{
  g_autofree float *mean = g_new (float, out_dim);
  for (int u = 0; u < U; u++)
    {
      float *du = dx + (gsize) u * L * out_dim;
      cell_mean (mean, du, L, out_dim);
      for (int o = 0; o < out_dim; o++)
        dbias[o] += mean[o] * (float) L;
      for (int i = 0; i < L; i++)
        for (int o = 0; o < out_dim; o++)
          du[(gsize) i * out_dim + o] -= mean[o];
    }
}

/* ── Pointwise ─────────────────────────────────────────────────────────────── */

void
_gaze_relu_forward (float *out, const float *in, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void
_gaze_relu_backward (float *din, const float *dout, const float *out, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    din[i] += out[i] > 0.0f ? dout[i] : 0.0f;
}

void
_gaze_tanh_forward (float *out, const float *in, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    out[i] = gaze_tanhf (in[i]);
}

void
_gaze_tanh_backward (float *din, const float *dout, const float *out, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    din[i] += dout[i] * (1.0f - out[i] * out[i]);
}

void
_gaze_sigmoid_forward (float *out, const float *in, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    out[i] = gaze_sigmoidf (in[i]);
}

void
_gaze_sigmoid_backward (float *din, const float *dout, const float *out, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    din[i] += dout[i] * out[i] * (1.0f - out[i]);
}

/* ── Embedding ─────────────────────────────────────────────────────────────── */

void
_gaze_embedding_forward (float *out, const int *ids, const float *table, int n, int dim)
{
  for (int r = 0; r < n; r++)
    memcpy (out + (gsize) r * dim, table + (gsize) ids[r] * dim, sizeof (float) * dim);
}

void
_gaze_embedding_backward (float *dtable, const float *dout, const int *ids, int n, int dim)
{
  for (int r = 0; r < n; r++)
    {
      float *dt = dtable + (gsize) ids[r] * dim;
      const float *d = dout + (gsize) r * dim;
#pragma omp simd
      for (int j = 0; j < dim; j++)
        dt[j] += d[j];
    }
}

/* ── LSTM cell ─────────────────────────────────────────────────────────────── */

void
_gaze_lstm_cell_forward (float *gates, const float *c_prev, float *c, float *tanh_c, float *h, int n,
                   int hidden)
{
  const int H = hidden;
  for (int r = 0; r < n; r++)
    {
      float *g = gates + (gsize) r * 4 * H;
      /* i, f, o through σ; the candidate g through tanh. */
#pragma omp simd
      for (int j = 0; j < 3 * H; j++)
        g[j] = gaze_sigmoidf (g[j]);
#pragma omp simd
      for (int j = 3 * H; j < 4 * H; j++)
        g[j] = gaze_tanhf (g[j]);
      const float *gi = g, *gf = g + H, *go = g + 2 * H, *gg = g + 3 * H;
      const float *cp = c_prev + (gsize) r * H;
      float *cr = c + (gsize) r * H, *tc = tanh_c + (gsize) r * H, *hr = h + (gsize) r * H;
#pragma omp simd
      for (int j = 0; j < H; j++)
        {
          cr[j] = gf[j] * cp[j] + gi[j] * gg[j];
          tc[j] = gaze_tanhf (cr[j]);
          hr[j] = go[j] * tc[j];
        }
    }
}

void
_gaze_lstm_cell_backward (float *dgates, float *dc_prev, const float *dh, const float *dc,
                    const float *gates, const float *c_prev, const float *tanh_c, int n,
                    int hidden)
{
  const int H = hidden;
  for (int r = 0; r < n; r++)
    {
      const float *g = gates + (gsize) r * 4 * H;
      const float *gi = g, *gf = g + H, *go = g + 2 * H, *gg = g + 3 * H;
      const float *cp = c_prev + (gsize) r * H, *tc = tanh_c + (gsize) r * H;
      const float *dhr = dh + (gsize) r * H;
      const float *dcr = dc != NULL ? dc + (gsize) r * H : NULL;
      float *d = dgates + (gsize) r * 4 * H;
      float *dcp = dc_prev + (gsize) r * H;
#pragma omp simd
      for (int j = 0; j < H; j++)
        {
          /* h = o tanh(c): the gradient reaches c through tanh. */
          float dct = dhr[j] * go[j] * (1.0f - tc[j] * tc[j]) + (dcr != NULL ? dcr[j] : 0.0f);
          float di = dct * gg[j], df = dct * cp[j], dout = dhr[j] * tc[j], dg = dct * gi[j];
          d[j] = di * gi[j] * (1.0f - gi[j]);
          d[H + j] = df * gf[j] * (1.0f - gf[j]);
          d[2 * H + j] = dout * go[j] * (1.0f - go[j]);
          d[3 * H + j] = dg * (1.0f - gg[j] * gg[j]);
          dcp[j] += dct * gf[j];
        }
    }
}

/* ── Softmax cross-entropy ─────────────────────────────────────────────────── */

double
_gaze_xent (const float *p, int target, int classes, float smoothing)
{
  double nll = -log (fmax ((double) p[target], 1e-30));
  if (smoothing == 0.0f)
    return nll;
  double sum_log = 0.0;
  for (int k = 0; k < classes; k++)
    sum_log += log (fmax ((double) p[k], 1e-30));
  return (1.0 - smoothing) * nll - smoothing / classes * sum_log;
}

double
_gaze_softmax_xent_forward (float *probs, const int *targets, int n, int classes, float smoothing)
{
  double loss = 0.0;
  for (int r = 0; r < n; r++)
    {
      float *p = probs + (gsize) r * classes;
      float max = -INFINITY;
      for (int k = 0; k < classes; k++)
        max = p[k] > max ? p[k] : max;
      float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
      for (int k = 0; k < classes; k++)
        {
          p[k] = gaze_expf (p[k] - max);
          sum += p[k];
        }
      float inv = 1.0f / sum;
#pragma omp simd
      for (int k = 0; k < classes; k++)
        p[k] *= inv;
      if (targets != NULL)
        loss += _gaze_xent (p, targets[r], classes, smoothing);
    }
  return loss;
}

void
_gaze_softmax_xent_backward (float *dlogits, const float *probs, const int *targets, int n, int classes,
                       float smoothing, float scale)
{
  const float spread = smoothing / (float) classes;
  for (int r = 0; r < n; r++)
    {
      const float *p = probs + (gsize) r * classes;
      float *d = dlogits + (gsize) r * classes;
#pragma omp simd
      for (int k = 0; k < classes; k++)
        d[k] += scale * (p[k] - spread);
      d[targets[r]] -= scale * (1.0f - smoothing);
    }
}

/* ── Dropout ───────────────────────────────────────────────────────────────── */

void
_gaze_dropout_mask (float *mask, gsize n, float p, GazeRng *rng)
{
  float keep = 1.0f / (1.0f - p);
  for (gsize i = 0; i < n; i++)
    mask[i] = p > 0.0f && _gaze_rng_uniform (rng) < p ? 0.0f : keep;
}

/* Dropping values independently makes any one cell's features unreliable, and
 * α can average that out by spreading over several cells; a channel dropped
 * at every cell alike leaves no cell less reliable than another, so only the
 * channels are regularised, not where α looks. */
void
_gaze_annotation_dropout_mask (float *mask, int U, int L, int D, float p, gboolean by_channel,
                               GazeRng *rng)
{
  if (!by_channel)
    {
      _gaze_dropout_mask (mask, (gsize) U * L * D, p, rng);
      return;
    }
  for (int u = 0; u < U; u++)
    {
      float *m = mask + (gsize) u * L * D;
      _gaze_dropout_mask (m, (gsize) D, p, rng);
      for (int i = 1; i < L; i++)
        memcpy (m + (gsize) i * D, m, sizeof (float) * D);
    }
}

void
_gaze_dropout_forward (float *out, const float *in, const float *mask, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    out[i] = in[i] * mask[i];
}

void
_gaze_dropout_backward (float *din, const float *dout, const float *mask, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    din[i] += dout[i] * mask[i];
}
