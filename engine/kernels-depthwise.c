/* kernels-depthwise.c — depthwise convolutions for throughput (see kernels.h).
 *
 * ops.c's depthwise conv keeps one accumulator a pixel, so that its K·K
 * multiply-adds wait on each other (4 cycles each); here eight neighbouring
 * output pixels of a 16-channel block are summed at once, eight independent
 * chains, with the block's K·K weights loaded once for the row.  Input rows
 * above and below the image point at a row of zeros, so that only the
 * columns at the left and right edges need their taps checked; the bias
 * and the clamp are applied in registers.
 */
#include "kernels.h"

#include "simd.h"

#define TILE 8

gboolean
_gaze_kernel_depthwise_supported (const TfliteWindow *g)
{
  return g->c % 16 == 0 && g->kh == g->kw && g->stride_h == g->stride_w
         && (g->kh == 3 || g->kh == 5) && (g->stride_w == 1 || g->stride_w == 2);
}

/* T outputs along a row × B blocks of 16 channels, all their taps inside the
 * image's columns; rows[i] is input row i of the window at the first
 * output's leftmost tap and first channel.  T·B independent sums: 8 × 1
 * along a wide row, 1 × 4 where the row is too short (7×7, 14×14). */
static inline __attribute__ ((always_inline)) void
tile (const float *const *rows, int c, const float *wk, const float *bias, F32x16 lo, F32x16 hi,
      float *dst, const int K, const int S, const int T, const int B)
{
  F32x16 acc[TILE][4];
#pragma GCC unroll 8
  for (int t = 0; t < T; t++)
#pragma GCC unroll 4
    for (int b = 0; b < B; b++)
      acc[t][b] = bias != NULL ? load16 (bias + 16 * b) : (F32x16) { 0 };
#pragma GCC unroll 5
  for (int i = 0; i < K; i++)
#pragma GCC unroll 5
    for (int j = 0; j < K; j++)
#pragma GCC unroll 4
      for (int b = 0; b < B; b++)
        {
          F32x16 w = load16 (wk + (gsize) (i * K + j) * c + 16 * b);
#pragma GCC unroll 8
          for (int t = 0; t < T; t++)
            acc[t][b] += load16 (rows[i] + (gsize) (t * S + j) * c + 16 * b) * w;
        }
#pragma GCC unroll 8
  for (int t = 0; t < T; t++)
#pragma GCC unroll 4
    for (int b = 0; b < B; b++)
      store16 (dst + (gsize) t * c + 16 * b, clamp16 (acc[t][b], lo, hi));
}

/* One output pixel whose window leaves the image at the left or right: the
 * taps outside point at the row of zeros, so that the pixel is summed as the
 * others are, four channel blocks at a time. */
static inline __attribute__ ((always_inline)) void
edge_pixel (const TfliteWindow *g, const float *const *rows, const float *zeros, const float *w,
            const float *bias, F32x16 lo, F32x16 hi, int x, float *dst, const int K)
{
  const int c = g->c, ix0 = x * g->stride_w - g->pad_left;
  const float *taps[5][5];
  for (int i = 0; i < K; i++)
    for (int j = 0; j < K; j++)
      taps[i][j] = ix0 + j >= 0 && ix0 + j < g->w ? rows[i] + (gsize) (ix0 + j) * c : zeros;
  for (int k = 0; k < c; k += 64)
    {
      const int nb = MIN (4, (c - k) / 16);
      F32x16 acc[4] = { { 0 } };
#pragma GCC unroll 4
      for (int b = 0; b < 4; b++)
        if (b < nb && bias != NULL)
          acc[b] = load16 (bias + k + 16 * b);
#pragma GCC unroll 5
      for (int i = 0; i < K; i++)
#pragma GCC unroll 5
        for (int j = 0; j < K; j++)
          {
            const float *src = taps[i][j] + k, *wk = w + (gsize) (i * K + j) * c + k;
#pragma GCC unroll 4
            for (int b = 0; b < 4; b++)
              if (b < nb)
                acc[b] += load16 (src + 16 * b) * load16 (wk + 16 * b);
          }
#pragma GCC unroll 4
      for (int b = 0; b < 4; b++)
        if (b < nb)
          store16 (dst + k + 16 * b, clamp16 (acc[b], lo, hi));
    }
}

/* Output row y from the K input rows of its window (rows[i]: input row
 * y·S − pad_top + i, or zeros in the padding). */
static inline __attribute__ ((always_inline)) void
depthwise_row (const TfliteWindow *g, const float *const *rows, const float *zeros,
               const float *w, const float *bias, F32x16 vlo, F32x16 vhi, int y, float *out,
               const int K, const int S)
{
  const int c = g->c;
  /* The columns whose windows need no padding: x·S − pad ≥ 0 and x·S − pad + K ≤ w. */
  int x_begin = MIN ((g->pad_left + S - 1) / S, g->ow);
  int x_end = g->w + g->pad_left >= K ? (g->w + g->pad_left - K) / S + 1 : 0;
  x_end = CLAMP (x_end, x_begin, g->ow);
  const float *at[5];
  float *dst = out + (gsize) y * g->ow * c;
  for (int x = 0; x < x_begin; x++)
    edge_pixel (g, rows, zeros, w, bias, vlo, vhi, x, dst + (gsize) x * c, K);
  for (int x = x_end; x < g->ow; x++)
    edge_pixel (g, rows, zeros, w, bias, vlo, vhi, x, dst + (gsize) x * c, K);
  /* Eight pixels at a time along the row, one channel block each … */
  int x = x_begin;
  for (int k = 0; k < c; k += 16)
    for (x = x_begin; x + TILE <= x_end; x += TILE)
      {
        for (int i = 0; i < K; i++)
          at[i] = rows[i] + (gsize) (x * S - g->pad_left) * c + k;
        tile (at, c, w + k, bias != NULL ? bias + k : NULL, vlo, vhi, dst + (gsize) x * c + k, K,
              S, TILE, 1);
      }
  /* … and the rest one pixel at a time, four channel blocks each. */
  for (; x < x_end; x++)
    for (int k = 0; k < c; k += 64)
      {
        for (int i = 0; i < K; i++)
          at[i] = rows[i] + (gsize) (x * S - g->pad_left) * c + k;
        const float *bk = bias != NULL ? bias + k : NULL;
        float *dk = dst + (gsize) x * c + k;
        switch (MIN (4, (c - k) / 16))
          {
          case 4: tile (at, c, w + k, bk, vlo, vhi, dk, K, S, 1, 4); break;
          case 3: tile (at, c, w + k, bk, vlo, vhi, dk, K, S, 1, 3); break;
          case 2: tile (at, c, w + k, bk, vlo, vhi, dk, K, S, 1, 2); break;
          default: tile (at, c, w + k, bk, vlo, vhi, dk, K, S, 1, 1); break;
          }
      }
}

void
_gaze_kernel_depthwise_row (const TfliteWindow *g, const float *const *rows, const float *zeros,
                            const float *w, const float *bias, float lo, float hi, int y,
                            float *out)
{
  const F32x16 vlo = splat16 (lo), vhi = splat16 (hi);
  /* The kernel sizes and strides of MobileNetV2 and EfficientNet-Lite, as constants. */
  if (g->kh == 3 && g->stride_w == 1)
    depthwise_row (g, rows, zeros, w, bias, vlo, vhi, y, out, 3, 1);
  else if (g->kh == 3)
    depthwise_row (g, rows, zeros, w, bias, vlo, vhi, y, out, 3, 2);
  else if (g->stride_w == 1)
    depthwise_row (g, rows, zeros, w, bias, vlo, vhi, y, out, 5, 1);
  else
    depthwise_row (g, rows, zeros, w, bias, vlo, vhi, y, out, 5, 2);
}

void
_gaze_kernel_depthwise (const TfliteWindow *g, const float *in, const float *w,
                        const float *bias, float lo, float hi, const float *zeros, int y_begin,
                        int y_end, float *out)
{
  for (int y = y_begin; y < y_end; y++)
    {
      const float *rows[5];
      for (int i = 0; i < g->kh; i++)
        {
          int iy = y * g->stride_h - g->pad_top + i;
          rows[i] = iy >= 0 && iy < g->h ? in + (gsize) iy * g->w * g->c : zeros;
        }
      _gaze_kernel_depthwise_row (g, rows, zeros, w, bias, lo, hi, y, out);
    }
}
