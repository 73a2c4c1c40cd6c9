/* ops.h — the TFLite operators, float32, NHWC, batch 1 (internal).
 *
 * One function an operator, on plain float arrays; shapes were checked when
 * the graph was loaded.  Each applies its fused activation itself.
 */
#pragma once

#include <glib.h>

#include "tflite.h"

typedef TfliteWindow GazeOpWindow;

/* A 1×1 stride-1 unpadded conv: the NHWC input is already the GEMM's matrix. */
gboolean _gaze_op_conv2d_is_gemm (const GazeOpWindow *g);
/* Rows p_begin … p_end − 1 (p = y·ow + x) of im2col's matrix: row p holds the
 * kh×kw×c window of output pixel p, zero where it leaves the image. */
void _gaze_op_im2col_rows (const GazeOpWindow *g, const float *in, int p_begin, int p_end,
                          float *col);
/* Floats of scratch conv2d needs (0 when a 1×1 stride-1 conv is a plain GEMM). */
gsize _gaze_op_conv2d_scratch (const GazeOpWindow *g);
/* weights: [oc][kh][kw][c]; bias: oc floats or NULL. */
void _gaze_op_conv2d_forward (const GazeOpWindow *g, const float *in, const float *weights,
                             const float *bias, TfliteActivation act, float *scratch, float *out);
/* weights: [kh][kw][c] (depth multiplier 1, so oc = c). */
void _gaze_op_depthwise_conv2d_forward (const GazeOpWindow *g, const float *in,
                                       const float *weights, const float *bias,
                                       TfliteActivation act, float *out);
/* The same for output rows [y_begin, y_end) only, so that threads may share the rows. */
void _gaze_op_depthwise_conv2d_rows (const GazeOpWindow *g, const float *in, const float *weights,
                                    const float *bias, TfliteActivation act, int y_begin,
                                    int y_end, float *out);
/* The mean over the window's valid (unpadded) inputs, as TFLite computes it. */
void _gaze_op_average_pool_forward (const GazeOpWindow *g, const float *in, TfliteActivation act,
                                   float *out);

/* Element-wise with numpy broadcasting; shapes right-aligned into 4 dims. */
void _gaze_op_add_forward (const float *a, const int a_dims[4], const float *b, const int b_dims[4],
                          const int out_dims[4], TfliteActivation act, float *out);
void _gaze_op_mul_forward (const float *a, const int a_dims[4], const float *b, const int b_dims[4],
                          const int out_dims[4], TfliteActivation act, float *out);

/* The mean over the axes in the bit mask axes of a [dims] tensor. */
void _gaze_op_mean_forward (const float *in, const int dims[4], int axes, float *out);
/* out[b][o] = Σ_i in[b][i] · weights[o][i] + bias[o]. */
void _gaze_op_fully_connected_forward (const float *in, int batch, int n_in, const float *weights,
                                      const float *bias, int n_out, TfliteActivation act,
                                      float *out);
/* Softmax of each row of n, with the inverse temperature beta. */
void _gaze_op_softmax_forward (const float *in, gsize rows, int n, float beta, float *out);
/* QUANTIZE in float: the values that the quantized type can hold, clamped to [lo, hi]. */
void _gaze_op_quantize_forward (const float *in, gsize n, float lo, float hi, float *out);
/* The clamp range [lo, hi] a fused activation implies (±∞ for none). */
void _gaze_op_activation_range (TfliteActivation act, float *lo, float *hi);
/* The fused activation, in place. */
void _gaze_op_activation (float *x, gsize n, TfliteActivation act);
