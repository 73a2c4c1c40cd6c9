/* ops.c — the TFLite operators in float32 NHWC.
 *
 * Convolutions follow TensorFlow's definition: out[y][x][o] = b[o] +
 * Σ_{i,j,c} in[y·s_h + i − pad_top][x·s_w + j − pad_left][c] · w[o][i][j][c],
 * with the input zero outside the image.  A general conv is im2col (one row
 * of kh·kw·c inputs an output pixel) and one cblas_sgemm; a 1×1 stride-1 conv
 * needs no im2col: the NHWC input already is that matrix.
 */
#include "ops.h"
#include "simd.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* x clamped to [lo, hi]; plain comparisons, which vectorise (fminf need not). */
static inline float
clampf (float x, float lo, float hi)
{
  x = x < lo ? lo : x;
  return x > hi ? hi : x;
}

void
_gaze_op_activation_range (TfliteActivation act, float *lo, float *hi)
{
  *lo = -INFINITY;
  *hi = INFINITY;
  if (act == TFLITE_ACT_RELU || act == TFLITE_ACT_RELU6)
    *lo = 0.0f;
  if (act == TFLITE_ACT_RELU6)
    *hi = 6.0f;
  if (act == TFLITE_ACT_RELU_N1_TO_1)
    {
      *lo = -1.0f;
      *hi = 1.0f;
    }
}

void
_gaze_op_activation (float *x, gsize n, TfliteActivation act)
{
  if (act == TFLITE_ACT_NONE)
    return;
  float lo, hi;
  _gaze_op_activation_range (act, &lo, &hi);
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    x[i] = clampf (x[i], lo, hi);
}

gboolean
_gaze_op_conv2d_is_gemm (const GazeOpWindow *g)
{
  return g->kh == 1 && g->kw == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0
         && g->pad_left == 0;
}

gsize
_gaze_op_conv2d_scratch (const GazeOpWindow *g)
{
  if (_gaze_op_conv2d_is_gemm (g))
    return 0;
  return (gsize) g->oh * g->ow * g->kh * g->kw * g->c;
}

/* memcpy of n floats in pieces of constant size, which GCC inlines: im2col's
 * copies are short (a 3×3 window of RGB, 9 floats), where a call to memcpy
 * costs more than the copy. */
static inline void
copy_floats (float *dst, const float *src, gsize n)
{
  for (; n >= 8; n -= 8, dst += 8, src += 8)
    memcpy (dst, src, 8 * sizeof (float));
  if (n & 4)
    {
      memcpy (dst, src, 4 * sizeof (float));
      dst += 4;
      src += 4;
    }
  if (n & 2)
    {
      memcpy (dst, src, 2 * sizeof (float));
      dst += 2;
      src += 2;
    }
  if (n & 1)
    *dst = *src;
}

void
_gaze_op_im2col_rows (const GazeOpWindow *g, const float *in, int p_begin, int p_end, float *col)
{
  const gsize k = (gsize) g->kh * g->kw * g->c;
  for (int p = p_begin; p < p_end; p++)
    {
      int y = p / g->ow, x = p % g->ow;
      float *row = col + (gsize) (p - p_begin) * k;
      for (int i = 0; i < g->kh; i++)
        {
          int iy = y * g->stride_h + i - g->pad_top;
          float *dst = row + (gsize) i * g->kw * g->c;
          if (iy < 0 || iy >= g->h)
            {
              memset (dst, 0, sizeof (float) * g->kw * g->c);
              continue;
            }
          int ix0 = x * g->stride_w - g->pad_left;
          if (ix0 >= 0 && ix0 + g->kw <= g->w)
            {
              /* The window's row lies inside the image: kw·c floats in a row. */
              copy_floats (dst, in + ((gsize) iy * g->w + ix0) * g->c, (gsize) g->kw * g->c);
              continue;
            }
          for (int j = 0; j < g->kw; j++)
            {
              int ix = ix0 + j;
              if (ix < 0 || ix >= g->w)
                memset (dst + j * g->c, 0, sizeof (float) * g->c);
              else
                memcpy (dst + j * g->c, in + ((gsize) iy * g->w + ix) * g->c,
                        sizeof (float) * g->c);
            }
        }
    }
}

/* out = act(a · wᵀ + bias): the GEMM, then bias and activation in one pass.
 * (Writing the bias first for β = 1 measured slower: a memcpy a row.) */
static void
gemm_bias_act (const float *a, int rows, int k, const float *w, const float *bias, int cols,
               TfliteActivation act, float *out)
{
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, rows, cols, k, 1.0f, a, k, w, k, 0.0f,
               out, cols);
  if (bias == NULL)
    {
      _gaze_op_activation (out, (gsize) rows * cols, act);
      return;
    }
  float lo, hi;
  _gaze_op_activation_range (act, &lo, &hi);
  for (int r = 0; r < rows; r++)
    {
      float *row = out + (gsize) r * cols;
#pragma omp simd
      for (int c = 0; c < cols; c++)
        row[c] = clampf (row[c] + bias[c], lo, hi);
    }
}

void
_gaze_op_conv2d_forward (const GazeOpWindow *g, const float *in, const float *weights,
                        const float *bias, TfliteActivation act, float *scratch, float *out)
{
  const float *a = in;
  if (!_gaze_op_conv2d_is_gemm (g))
    {
      _gaze_op_im2col_rows (g, in, 0, g->oh * g->ow, scratch);
      a = scratch;
    }
  gemm_bias_act (a, g->oh * g->ow, g->kh * g->kw * g->c, weights, bias, g->oc, act, out);
}

/* Output pixel (y, x) of a depthwise conv, all channels, skipping the taps
 * that fall in the padding rather than multiplying them by 0.  Sixteen
 * channels at a time stay in registers over the taps. */
static void
depthwise_pixel (const GazeOpWindow *g, const float *in, const float *weights, const float *bias,
                 int y, int x, float *dst)
{
  const int c = g->c, c16 = c / 16 * 16;
  int iy0 = y * g->stride_h - g->pad_top, ix0 = x * g->stride_w - g->pad_left;
  int i_begin = MAX (0, -iy0), i_end = MIN (g->kh, g->h - iy0);
  int j_begin = MAX (0, -ix0), j_end = MIN (g->kw, g->w - ix0);
#define TAP(i, j) (in + ((gsize) (iy0 + (i)) * g->w + (gsize) (ix0 + (j))) * c)
  for (int k = 0; k < c16; k += 16)
    {
      F32x16 acc = bias != NULL ? load16 (bias + k) : (F32x16) { 0 };
      for (int i = i_begin; i < i_end; i++)
        for (int j = j_begin; j < j_end; j++)
          acc += load16 (TAP (i, j) + k) * load16 (weights + (i * g->kw + j) * c + k);
      store16 (dst + k, acc);
    }
  for (int k = c16; k < c; k++)
    {
      float acc = bias != NULL ? bias[k] : 0.0f;
      for (int i = i_begin; i < i_end; i++)
        for (int j = j_begin; j < j_end; j++)
          acc += TAP (i, j)[k] * weights[(i * g->kw + j) * c + k];
      dst[k] = acc;
    }
#undef TAP
}

/* One output pixel of one 16-channel block, all K×K taps inside the image;
 * src is its window's top-left input, wk the block's weights. */
static inline __attribute__ ((always_inline)) void
depthwise_one (const float *src, gsize row, int c, const float *wk, F32x16 b, float *dst,
               const int K)
{
  F32x16 acc = b;
#pragma GCC unroll 8
  for (int i = 0; i < K; i++)
#pragma GCC unroll 8
    for (int j = 0; j < K; j++)
      acc += load16 (src + i * row + (gsize) j * c) * load16 (wk + (gsize) (i * K + j) * c);
  store16 (dst, acc);
}

/* Four neighbouring output pixels of a 3×3 stride-1 depthwise conv: they
 * share input columns, so each row's six columns are loaded once for all
 * four, and the three weights of the row once. */
static inline __attribute__ ((always_inline)) void
depthwise_3x3_four (const float *src, gsize row, int c, const float *wk, F32x16 b, float *dst)
{
  F32x16 a0 = b, a1 = b, a2 = b, a3 = b;
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++)
    {
      const float *r = src + i * row;
      F32x16 w0 = load16 (wk + (gsize) (3 * i) * c), w1 = load16 (wk + (gsize) (3 * i + 1) * c),
             w2 = load16 (wk + (gsize) (3 * i + 2) * c);
      F32x16 v0 = load16 (r), v1 = load16 (r + c), v2 = load16 (r + 2 * (gsize) c),
             v3 = load16 (r + 3 * (gsize) c), v4 = load16 (r + 4 * (gsize) c),
             v5 = load16 (r + 5 * (gsize) c);
      a0 += v0 * w0 + v1 * w1 + v2 * w2;
      a1 += v1 * w0 + v2 * w1 + v3 * w2;
      a2 += v2 * w0 + v3 * w1 + v4 * w2;
      a3 += v3 * w0 + v4 * w1 + v5 * w2;
    }
  store16 (dst, a0);
  store16 (dst + c, a1);
  store16 (dst + 2 * (gsize) c, a2);
  store16 (dst + 3 * (gsize) c, a3);
}

/* Output pixels [x_begin, x_end) of row y, whose K×K windows (stride S) lie
 * wholly inside the image, for c a multiple of 16: one channel block at a
 * time along the row, so its weights stay in the L1 cache. */
static inline __attribute__ ((always_inline)) void
depthwise_interior (const GazeOpWindow *g, const float *in, const float *weights,
                    const float *bias, int y, int x_begin, int x_end, float *out, const int K,
                    const int S)
{
  const int c = g->c, n = x_end - x_begin;
  const gsize row = (gsize) g->w * c;
  const float *top = in + ((gsize) (y * g->stride_h - g->pad_top) * g->w
                           + (gsize) (x_begin * S - g->pad_left)) * c;
  float *dst = out + ((gsize) y * g->ow + x_begin) * c;
  for (int k = 0; k < c; k += 16)
    {
      F32x16 b = bias != NULL ? load16 (bias + k) : (F32x16) { 0 };
      int x = 0;
      if (K == 3 && S == 1)
        for (; x + 4 <= n; x += 4)
          depthwise_3x3_four (top + (gsize) x * c + k, row, c, weights + k, b,
                              dst + (gsize) x * c + k);
      for (; x < n; x++)
        depthwise_one (top + (gsize) x * S * c + k, row, c, weights + k, b,
                       dst + (gsize) x * c + k, K);
    }
}

void
_gaze_op_depthwise_conv2d_rows (const GazeOpWindow *g, const float *in, const float *weights,
                               const float *bias, TfliteActivation act, int y_begin, int y_end,
                               float *out)
{
  const int c = g->c;
  float lo, hi;
  _gaze_op_activation_range (act, &lo, &hi);
  /* The columns whose windows need no padding: x·s − pad ≥ 0 and x·s − pad + kw ≤ w. */
  int x_begin = (g->pad_left + g->stride_w - 1) / g->stride_w;
  int x_end = g->w + g->pad_left >= g->kw ? (g->w + g->pad_left - g->kw) / g->stride_w + 1 : 0;
  x_end = MIN (x_end, g->ow);
  gboolean fast = c % 16 == 0 && g->kh == g->kw && (g->kh == 3 || g->kh == 5)
                  && g->stride_w == g->stride_h && (g->stride_w == 1 || g->stride_w == 2)
                  && x_begin < x_end;
  for (int y = y_begin; y < y_end; y++)
    {
      int iy0 = y * g->stride_h - g->pad_top;
      float *dst = out + (gsize) y * g->ow * c;
      if (fast && iy0 >= 0 && iy0 + g->kh <= g->h)
        {
          for (int x = 0; x < x_begin; x++)
            depthwise_pixel (g, in, weights, bias, y, x, dst + (gsize) x * c);
          /* The kernel sizes and strides of MobileNetV2 and EfficientNet-Lite. */
          if (g->kh == 3 && g->stride_w == 1)
            depthwise_interior (g, in, weights, bias, y, x_begin, x_end, out, 3, 1);
          else if (g->kh == 3)
            depthwise_interior (g, in, weights, bias, y, x_begin, x_end, out, 3, 2);
          else if (g->stride_w == 1)
            depthwise_interior (g, in, weights, bias, y, x_begin, x_end, out, 5, 1);
          else
            depthwise_interior (g, in, weights, bias, y, x_begin, x_end, out, 5, 2);
          for (int x = x_end; x < g->ow; x++)
            depthwise_pixel (g, in, weights, bias, y, x, dst + (gsize) x * c);
        }
      else
        for (int x = 0; x < g->ow; x++)
          depthwise_pixel (g, in, weights, bias, y, x, dst + (gsize) x * c);
#pragma omp simd
      for (gsize k = 0; k < (gsize) g->ow * c; k++)
        dst[k] = clampf (dst[k], lo, hi);
    }
}

void
_gaze_op_depthwise_conv2d_forward (const GazeOpWindow *g, const float *in, const float *weights,
                                  const float *bias, TfliteActivation act, float *out)
{
  _gaze_op_depthwise_conv2d_rows (g, in, weights, bias, act, 0, g->oh, out);
}

void
_gaze_op_average_pool_forward (const GazeOpWindow *g, const float *in, TfliteActivation act,
                              float *out)
{
  const int c = g->c;
  for (int y = 0; y < g->oh; y++)
    for (int x = 0; x < g->ow; x++)
      {
        float *acc = out + ((gsize) y * g->ow + x) * c;
        memset (acc, 0, sizeof (float) * c);
        int count = 0;
        for (int i = 0; i < g->kh; i++)
          {
            int iy = y * g->stride_h + i - g->pad_top;
            if (iy < 0 || iy >= g->h)
              continue;
            for (int j = 0; j < g->kw; j++)
              {
                int ix = x * g->stride_w + j - g->pad_left;
                if (ix < 0 || ix >= g->w)
                  continue;
                const float *src = in + ((gsize) iy * g->w + ix) * c;
                for (int k = 0; k < c; k++)
                  acc[k] += src[k];
                count++;
              }
          }
        float inv = count > 0 ? 1.0f / count : 0.0f, lo, hi;
        _gaze_op_activation_range (act, &lo, &hi);
        for (int k = 0; k < c; k++)
          acc[k] = clampf (acc[k] * inv, lo, hi);
      }
}

/* Element strides of a broadcast operand: 0 along the axes where it has size 1. */
static void
broadcast_strides (const int dims[4], const int out_dims[4], gsize strides[4])
{
  gsize s = 1;
  for (int d = 3; d >= 0; d--)
    {
      strides[d] = dims[d] == out_dims[d] ? s : 0;
      s *= (gsize) dims[d];
    }
}

static gboolean
same_dims (const int a[4], const int b[4])
{
  return memcmp (a, b, 4 * sizeof (int)) == 0;
}

#define ELEMENTWISE(name, OP)                                                                     \
  void name (const float *a, const int a_dims[4], const float *b, const int b_dims[4],           \
             const int out_dims[4], TfliteActivation act, float *out)                            \
  {                                                                                               \
    gsize n = (gsize) out_dims[0] * out_dims[1] * out_dims[2] * out_dims[3];                      \
    float lo, hi;                                                                                 \
    _gaze_op_activation_range (act, &lo, &hi);                                                             \
    if (same_dims (a_dims, out_dims) && same_dims (b_dims, out_dims))                             \
      {                                                                                           \
        _Pragma ("omp simd")                                                                      \
        for (gsize i = 0; i < n; i++)                                                             \
          out[i] = clampf (a[i] OP b[i], lo, hi);                                                  \
        return;                                                                                   \
      }                                                                                           \
    gsize sa[4], sb[4];                                                                           \
    broadcast_strides (a_dims, out_dims, sa);                                                     \
    broadcast_strides (b_dims, out_dims, sb);                                                     \
    gsize i = 0;                                                                                  \
    for (int d0 = 0; d0 < out_dims[0]; d0++)                                                      \
      for (int d1 = 0; d1 < out_dims[1]; d1++)                                                    \
        for (int d2 = 0; d2 < out_dims[2]; d2++)                                                  \
          {                                                                                       \
            const float *pa = a + d0 * sa[0] + d1 * sa[1] + d2 * sa[2];                           \
            const float *pb = b + d0 * sb[0] + d1 * sb[1] + d2 * sb[2];                           \
            for (int d3 = 0; d3 < out_dims[3]; d3++, i++)                                         \
              out[i] = clampf (pa[d3 * sa[3]] OP pb[d3 * sb[3]], lo, hi);                          \
          }                                                                                       \
  }

ELEMENTWISE (_gaze_op_add_forward, +)
ELEMENTWISE (_gaze_op_mul_forward, *)

void
_gaze_op_mean_forward (const float *in, const int dims[4], int axes, float *out)
{
  /* The output as a 4-D tensor with the reduced axes of size 1. */
  int out_dims[4];
  gsize n_out = 1, count = 1;
  for (int d = 0; d < 4; d++)
    {
      out_dims[d] = (axes & (1 << d)) ? 1 : dims[d];
      n_out *= (gsize) out_dims[d];
      count *= (gsize) (dims[d] / out_dims[d]);
    }
  gsize so[4];
  broadcast_strides (out_dims, dims, so);
  memset (out, 0, sizeof (float) * n_out);
  gsize i = 0;
  for (int d0 = 0; d0 < dims[0]; d0++)
    for (int d1 = 0; d1 < dims[1]; d1++)
      for (int d2 = 0; d2 < dims[2]; d2++)
        {
          float *po = out + d0 * so[0] + d1 * so[1] + d2 * so[2];
          for (int d3 = 0; d3 < dims[3]; d3++, i++)
            po[d3 * so[3]] += in[i];
        }
  for (gsize k = 0; k < n_out; k++)
    out[k] /= (float) count;
}

void
_gaze_op_fully_connected_forward (const float *in, int batch, int n_in, const float *weights,
                                 const float *bias, int n_out, TfliteActivation act, float *out)
{
  gemm_bias_act (in, batch, n_in, weights, bias, n_out, act, out);
}

void
_gaze_op_softmax_forward (const float *in, gsize rows, int n, float beta, float *out)
{
  for (gsize r = 0; r < rows; r++)
    {
      const float *x = in + r * n;
      float *y = out + r * n;
      float max = x[0];
      for (int i = 1; i < n; i++)
        max = fmaxf (max, x[i]);
      /* Subtracting the max keeps exp from overflowing; the ratio is unchanged. */
      double sum = 0.0;
      for (int i = 0; i < n; i++)
        {
          y[i] = expf (beta * (x[i] - max));
          sum += y[i];
        }
      float inv = (float) (1.0 / sum);
      for (int i = 0; i < n; i++)
        y[i] *= inv;
    }
}

void
_gaze_op_quantize_forward (const float *in, gsize n, float lo, float hi, float *out)
{
  for (gsize i = 0; i < n; i++)
    out[i] = clampf (in[i], lo, hi);
}
