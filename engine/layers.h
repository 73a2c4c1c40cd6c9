/* layers.h — the decoder's layers, each _forward beside its _backward.
 *
 * In the manner of Karpathy's llm.c: plain float arrays over a mini-batch of
 * n rows, row-major, GEMMs through cblas_sgemm.  Every _backward ADDS into
 * the gradients it is given (dinput += …, dparam += …), so that a tensor
 * feeding several consumers just receives the sum of their gradients; the
 * caller zeroes gradient buffers once before a backward pass.
 *
 * Layers do not start threads themselves: the GEMMs use OpenBLAS's threads,
 * and the decoder runs the row-wise layers on slices of rows in its worker
 * pool (parallel.h), whose idle workers wait passively instead of spinning
 * against OpenBLAS's threads as OpenMP's would.
 *
 * Notation (Xu et al. 2015): L cells (49) of annotation vectors a_i ∈ R^D,
 * hidden state h ∈ R^H, attention space A, embedding E, vocabulary V.
 *
 * The attention itself (scores, softmax, context, gate β, hard attention's
 * sampling and REINFORCE, the doubly stochastic penalty) is in attention.h.
 */
#pragma once

#include <glib.h>
#include <math.h>

#include "parallel.h"
#include "rng.h"
#include <stdint.h>
#include <string.h>

/* ── Vectorisable transcendental functions ───────────────────────────────────
 * libm's expf/tanhf are scalar calls; these inline versions vectorise under
 * `#pragma omp simd` and are accurate to a few ulp, which the attention
 * (49 × A tanh per token) and the vocabulary softmax need for speed. */

static inline float
gaze_expf (float x)
{
  /* Ternaries, not fminf/fmaxf: those are library calls (NaN rules) that stop
   * vectorisation. */
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  /* x = n ln2 + r with |r| ≤ ln2/2; ln2 split in two for exactness. */
  /* n = round(x / ln2) by the 1.5·2²³ trick (floorf would be a library call). */
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  /* exp(r) by its Taylor series to r⁶ (error < 2e-7 on |r| ≤ 0.347). */
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  /* × 2^n through the exponent bits. */
  int32_t bits = ((int32_t) n + 127) << 23;
  float scale;
  memcpy (&scale, &bits, sizeof scale);
  return p * scale;
}

static inline float
gaze_sigmoidf (float x)
{
  return 1.0f / (1.0f + gaze_expf (-x));
}

static inline float
gaze_tanhf (float x)
{
  float ax = fabsf (x);
  /* Near 0 the exp form cancels: use the odd series there (error < 1e-10). */
  float x2 = x * x;
  float series = x * (1.0f + x2 * (-1.0f / 3.0f + x2 * (2.0f / 15.0f + x2 * (-17.0f / 315.0f))));
  float e = gaze_expf (-2.0f * ax);
  float t = (1.0f - e) / (1.0f + e);
  t = copysignf (t, x);
  return ax < 0.0625f ? series : t;
}

/* ── Linear: out[n,O] = in[n,I] · W[O,I]ᵀ + b[O] ────────────────────────────── */

void _gaze_linear_forward (GazePool *pool, float *out, const float *in, const float *weight,
                     const float *bias, int n, int in_dim, int out_dim);
/* din may be NULL (input needs no gradient); dbias may be NULL (no bias). */
void _gaze_linear_backward (GazePool *pool, float *din, float *dweight, float *dbias, const float *dout,
                      const float *in, const float *weight, int n, int in_dim, int out_dim);

/* ── Centring over the cells: each photo's linear layer on f_i − mean_j f_j ─── */

/* x [U, L, O] holds W f_i without the bias, L cells a photo: x_i ← x_i − x̄ + b,
 * which is W (f_i − f̄) + b, the layer applied to the photo's centred grid
 * without copying it (W is linear). */
void _gaze_cell_centring_forward (float *x, const float *bias, int U, int L, int out_dim);
/* In place on dx (the gradient of the centred x): db += Σ_i dx_i, then
 * dx_i ← dx_i − mean_j dx_j, the gradient of W f_i for the linear layer's
 * backward, which needs no bias gradient of its own (Σ_i of it is 0). */
void _gaze_cell_centring_backward (float *dx, float *dbias, int U, int L, int out_dim);

/* ── Pointwise non-linearities (in place allowed: out == in) ───────────────── */

void _gaze_relu_forward (float *out, const float *in, gsize n);
void _gaze_relu_backward (float *din, const float *dout, const float *out, gsize n);
void _gaze_tanh_forward (float *out, const float *in, gsize n);
void _gaze_tanh_backward (float *din, const float *dout, const float *out, gsize n);
void _gaze_sigmoid_forward (float *out, const float *in, gsize n);
void _gaze_sigmoid_backward (float *din, const float *dout, const float *out, gsize n);

/* ── Embedding: out[n,E] = table[ids[n], :] ───────────────────────────────── */

void _gaze_embedding_forward (float *out, const int *ids, const float *table, int n, int dim);
void _gaze_embedding_backward (float *dtable, const float *dout, const int *ids, int n, int dim);

/* ── LSTM cell ─────────────────────────────────────────────────────────────
 * gates[n,4H] holds the pre-activations W x + b on entry, laid out as blocks
 * i | f | o | g, and the activations σ(i) σ(f) σ(o) tanh(g) on return.
 *   c = f ⊙ c_prev + i ⊙ g,   h = o ⊙ tanh(c)                               */

void _gaze_lstm_cell_forward (float *gates, const float *c_prev, float *c, float *tanh_c, float *h,
                        int n, int hidden);
/* dh, dc: gradients arriving at h and c (dc may be NULL).  Writes (not adds)
 * dgates, the gradient of the gate PRE-activations, and adds into dc_prev. */
void _gaze_lstm_cell_backward (float *dgates, float *dc_prev, const float *dh, const float *dc,
                         const float *gates, const float *c_prev, const float *tanh_c, int n,
                         int hidden);

/* ── Softmax cross-entropy over V classes ────────────────────────────────────
 * Turns logits[n,V] into probabilities in place; returns Σ_r of the
 * cross-entropy with the target q = (1 − ε) onehot(target[r]) + ε/V, label
 * smoothing ε (Szegedy et al. 2016; ε = 0: −log p[r][target[r]]), in double
 * so that finite differences of the loss are accurate. */

double _gaze_softmax_xent_forward (float *probs, const int *targets, int n, int classes,
                                   float smoothing);
/* −Σ_v q_v log p_v for one row of probabilities p. */
double _gaze_xent (const float *p, int target, int classes, float smoothing);
/* dlogits[r] (+)= scale · (p[r] − q[r]) */
void _gaze_softmax_xent_backward (float *dlogits, const float *probs, const int *targets, int n,
                            int classes, float smoothing, float scale);

/* ── Dropout (inverted): out = in ⊙ mask, mask ∈ {0, 1/(1−p)} ────────────────── */

void _gaze_dropout_mask (float *mask, gsize n, float p, GazeRng *rng);
/* A mask for U photos' annotations [U, L, D]: each value drawn alone, or
 * (by_channel) one draw a photo and channel, the same at all L cells. */
void _gaze_annotation_dropout_mask (float *mask, int U, int L, int D, float p,
                                    gboolean by_channel, GazeRng *rng);
void _gaze_dropout_forward (float *out, const float *in, const float *mask, gsize n);
void _gaze_dropout_backward (float *din, const float *dout, const float *mask, gsize n);
