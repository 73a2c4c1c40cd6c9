/* kernels-gemm.c — the encoder's convolutions and fully connected layers as
 * a register-blocked GEMM on weights packed at load (see kernels.h).
 *
 * MobileNetV2's 1×1 convolutions are small products (k from 16 to 960) on
 * tall activations, where OpenBLAS spends much of its time packing both
 * operands on every call and applies no bias or activation.  Here the
 * weights are packed once; the activations are read in place, a chunk of rows
 * at a time that stays in the L1 cache while every panel of weights passes
 * over it; and a tile of 6 rows × 64 outputs (24 accumulators of 16 floats)
 * gets its bias and clamp before it is stored, once.
 */
#include "kernels.h"

#include "ops.h"
#include "simd.h"

GazePacked *
_gaze_packed_new (const float *w, const float *bias, int n, int k)
{
  GazePacked *p = g_new0 (GazePacked, 1);
  p->n = n;
  p->k = k;
  p->n_blocks = (n + 15) / 16;
  p->panels = g_new0 (float, (gsize) p->n_blocks * k * 16);
  p->bias = g_new0 (float, (gsize) p->n_blocks * 16);
  for (int o = 0; o < n; o++)
    {
      float *panel = p->panels + (gsize) (o / 16) * k * 16 + o % 16;
      for (int i = 0; i < k; i++)
        panel[(gsize) i * 16] = w[(gsize) o * k + i];
      p->bias[o] = bias != NULL ? bias[o] : 0.0f;
    }
  return p;
}

void
_gaze_packed_free (GazePacked *p)
{
  if (p == NULL)
    return;
  g_free (p->panels);
  g_free (p->bias);
  g_free (p);
}

/* One tile: rows (≤ MR) rows of a from a, NV blocks of 16 outputs from the
 * panels at w (each panel floats apart), cols (≤ 16·NV) of them stored.
 * Short tiles repeat their last row rather than branch in the inner loop. */
static inline __attribute__ ((always_inline)) void
tile (const float *a, gsize lda, int k, const float *w, gsize panel, const float *bias,
      F32x16 lo, F32x16 hi, float *out, gsize ldo, int rows, int cols, const int MR,
      const int NV)
{
  /* Arrays of fixed size (a VLA would live in memory), indexed by constants
   * once the loops are unrolled: registers. */
  F32x16 acc[2 * GAZE_KERNEL_MR][4];
  const float *row[2 * GAZE_KERNEL_MR];
#pragma GCC unroll 12
  for (int r = 0; r < MR; r++)
    {
      row[r] = a + (gsize) MIN (r, rows - 1) * lda;
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++)
        acc[r][v] = (F32x16) { 0 };
    }
  for (int i = 0; i < k; i++)
    {
      F32x16 wv[4];
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++)
        wv[v] = load16 (w + v * panel + (gsize) i * 16);
#pragma GCC unroll 12
      for (int r = 0; r < MR; r++)
        {
          F32x16 x = splat16 (row[r][i]);
#pragma GCC unroll 4
          for (int v = 0; v < NV; v++)
            acc[r][v] += x * wv[v];
        }
    }
#pragma GCC unroll 12
  for (int r = 0; r < MR; r++)
    {
      if (r >= rows)
        break;
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++)
        {
          F32x16 y = clamp16 (acc[r][v] + load16 (bias + 16 * v), lo, hi);
          float *dst = out + (gsize) r * ldo + 16 * v;
          if (16 * (v + 1) <= cols)
            store16 (dst, y);
          else if (16 * v < cols)
            {
              float part[16];
              store16 (part, y);
              memcpy (dst, part, sizeof (float) * (cols - 16 * v));
            }
        }
    }
}

/* Every panel of weights passes over a chunk of rows of a; a chunk of
 * 128 KiB (rows × k floats) stays in the L2 cache meanwhile, and all the
 * weights are read once for each chunk: the 7×7 layers (49 rows) read theirs
 * once.  A multiple of the tile's height. */
static int
chunk_rows (int k)
{
  int rows = 32768 / MAX (k, 1) / GAZE_KERNEL_MR * GAZE_KERNEL_MR;
  return CLAMP (rows, GAZE_KERNEL_MR, 128 * GAZE_KERNEL_MR);
}

/* Rows [m_begin, m_end) of a chunk against the blocks [j_begin, j_end). */
static void
gemm_chunk (const GazePacked *p, const float *a, gsize lda, F32x16 lo, F32x16 hi, int m_begin,
            int m_end, int j_begin, int j_end, float *out, gsize ldo)
{
  const int k = p->k;
  const gsize panel = (gsize) k * 16;
  for (int j = j_begin; j < j_end; j += 4)
    {
      int nv = MIN (4, j_end - j), cols = MIN (p->n - 16 * j, 16 * nv);
      const float *w = p->panels + (gsize) j * panel, *bias = p->bias + 16 * j;
      /* Narrow groups take twice the rows: 24 accumulators either way. */
      const int mr = nv <= 2 ? 2 * GAZE_KERNEL_MR : GAZE_KERNEL_MR;
      for (int m = m_begin; m < m_end; m += mr)
        {
          int rows = MIN (mr, m_end - m);
          const float *am = a + (gsize) m * lda;
          float *om = out + (gsize) m * ldo + 16 * j;
#define TILE(MR, NV) tile (am, lda, k, w, panel, bias, lo, hi, om, ldo, rows, cols, MR, NV)
          if (rows == 1)
            switch (nv)
              {
              case 4: TILE (1, 4); break;
              case 3: TILE (1, 3); break;
              case 2: TILE (1, 2); break;
              default: TILE (1, 1); break;
              }
          else
            switch (nv)
              {
              case 4: TILE (GAZE_KERNEL_MR, 4); break;
              case 3: TILE (GAZE_KERNEL_MR, 3); break;
              case 2: TILE (2 * GAZE_KERNEL_MR, 2); break;
              default: TILE (2 * GAZE_KERNEL_MR, 1); break;
              }
#undef TILE
        }
    }
}

void
_gaze_kernel_gemm (const GazePacked *p, const float *a, gsize lda, float lo, float hi,
                   int m_begin, int m_end, int j_begin, int j_end, float *out, gsize ldo)
{
  const F32x16 vlo = splat16 (lo), vhi = splat16 (hi);
  const int chunk = chunk_rows (p->k);
  for (int m = m_begin; m < m_end; m += chunk)
    gemm_chunk (p, a, lda, vlo, vhi, m, MIN (m + chunk, m_end), j_begin, j_end, out, ldo);
}

gboolean
_gaze_kernel_conv2d_supported (const TfliteWindow *g)
{
  return _gaze_op_conv2d_is_gemm (g)
         || (gsize) g->kh * g->kw * g->c * GAZE_KERNEL_MR <= GAZE_KERNEL_MAX_GATHER;
}

void
_gaze_kernel_conv2d (const TfliteWindow *g, const GazePacked *p, const float *in, float lo,
                     float hi, int p_begin, int p_end, int j_begin, int j_end, float *out)
{
  const gsize ldo = g->oc;
  if (_gaze_op_conv2d_is_gemm (g))
    {
      _gaze_kernel_gemm (p, in, g->c, lo, hi, p_begin, p_end, j_begin, j_end, out, ldo);
      return;
    }
  const int k = p->k;
  const int chunk = MIN (chunk_rows (k), GAZE_KERNEL_MAX_GATHER / k / GAZE_KERNEL_MR
                                             * GAZE_KERNEL_MR);
  const F32x16 vlo = splat16 (lo), vhi = splat16 (hi);
  float col[GAZE_KERNEL_MAX_GATHER];
  for (int m = p_begin; m < p_end; m += chunk)
    {
      int end = MIN (m + chunk, p_end);
      _gaze_op_im2col_rows (g, in, m, end, col);
      gemm_chunk (p, col, k, vlo, vhi, 0, end - m, j_begin, j_end, out + (gsize) m * ldo, ldo);
    }
}
