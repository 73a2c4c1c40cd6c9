/* kernels.h — the encoder's fast kernels (internal).
 *
 * ops.c holds the operators as the reference defines them (im2col and
 * cblas_sgemm, one op at a time); these compute the same sums in another
 * order, with the weights laid out once at load for the SIMD registers and
 * the bias and activation applied while the outputs are still in registers.
 * Each works on a range of outputs, so that threads may share an op.
 */
#pragma once

#include <glib.h>

#include "tflite.h"

/* The weights of a convolution or a fully connected layer, w[n][k] (n
 * outputs, k = kh·kw·c inputs each), in panels of 16 outputs:
 * panels[(j·k + i)·16 + l] = w[16j + l][i], zero past n; bias likewise. */
typedef struct {
  int n, k, n_blocks; /* n_blocks = ⌈n/16⌉ */
  float *panels;
  float *bias;
} GazePacked;

GazePacked *_gaze_packed_new (const float *w, const float *bias, int n, int k);
void _gaze_packed_free (GazePacked *p);

/* Rows of a GEMM the kernels take in one go, and the most inputs a row
 * may have for a windowed conv (its rows are gathered in a buffer of the stack). */
#define GAZE_KERNEL_MR 6
#define GAZE_KERNEL_MAX_GATHER 4096

/* out[m][o] = clamp (Σ_i a[m][i] · w[o][i] + bias[o], lo, hi) for the rows
 * m in [m_begin, m_end) and the outputs o of the blocks [j_begin, j_end). */
void _gaze_kernel_gemm (const GazePacked *p, const float *a, gsize lda, float lo, float hi,
                        int m_begin, int m_end, int j_begin, int j_end, float *out, gsize ldo);

/* Whether _gaze_kernel_conv2d runs a conv of this geometry (all 1×1 stride-1
 * ones, and windowed ones of few inputs an output, like a network's stem). */
gboolean _gaze_kernel_conv2d_supported (const TfliteWindow *g);
/* A conv over output pixels [p_begin, p_end) (p = y·ow + x) and the output
 * blocks [j_begin, j_end): windowed convs gather their rows a few at a time
 * (im2col) into a buffer that stays in the L1 cache. */
void _gaze_kernel_conv2d (const TfliteWindow *g, const GazePacked *p, const float *in, float lo,
                          float hi, int p_begin, int p_end, int j_begin, int j_end, float *out);

/* Whether _gaze_kernel_depthwise runs a depthwise conv of this geometry:
 * 3×3 and 5×5, stride 1 and 2, channels a multiple of 16. */
gboolean _gaze_kernel_depthwise_supported (const TfliteWindow *g);
/* Output rows [y_begin, y_end) of a depthwise conv (weights [kh][kw][c]),
 * clamped to [lo, hi]; zeros: g->w · g->c zeros, the rows in the padding. */
void _gaze_kernel_depthwise (const TfliteWindow *g, const float *in, const float *w,
                             const float *bias, float lo, float hi, const float *zeros,
                             int y_begin, int y_end, float *out);
/* Output row y alone, from the kh input rows of its windows: rows[i] is
 * input row y·stride − pad_top + i (or zeros in the padding), wherever it is;
 * zeros as for _gaze_kernel_depthwise. */
void _gaze_kernel_depthwise_row (const TfliteWindow *g, const float *const *rows,
                                 const float *zeros, const float *w, const float *bias, float lo,
                                 float hi, int y, float *out);
