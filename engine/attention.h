/* attention.h — where the decoder looks: soft and hard attention, each
 * _forward beside its _backward (internal).
 *
 * Xu et al. 2015, "Show, Attend and Tell".  At step t the decoder scores each
 * of the L annotation vectors a_i (the 49 cells of the 7×7 grid) against its
 * previous hidden state h_{t−1} and turns the scores into weights α_t:
 *
 *   e_ti = w · tanh(W_a a_i + W_h h_{t−1} + b)           eq. 4, f_att in Bahdanau's form
 *   α_ti = exp(e_ti) / Σ_k exp(e_tk)                     eq. 5
 *
 * The context that feeds the LSTM and the deep output is (eq. 6, φ)
 *
 *   z_t = β_t Σ_i w_ti a_i,   β_t = σ(f_β(h_{t−1}))      section 4.2.1 (the gate)
 *
 * where the weights w_t are
 *   - soft attention (section 4.2, eq. 13): w_t = α_t, the expected context;
 *   - hard attention (section 4.1, eq. 8): w_t = one-hot(s_t) with
 *     s_t ~ Multinoulli(α_t) in training, and the argmax cell at inference;
 *     with probability P(s̃ = α) a training caption uses α instead (the
 *     paper's trick), i.e. it is trained like a soft one.
 *
 * Every gradient that reaches α_t is gathered in _gaze_attention_weights_backward:
 * through the context (soft rows), the REINFORCE score function (sampled rows,
 * eqs. 10-12), the entropy bonus λ_e H[s] (hard models), and the doubly
 * stochastic penalty λ Σ_i (1 − Σ_t α_ti)² (eq. 14).
 *
 * Conventions as in layers.h: plain float arrays over n rows, row-major; every
 * _backward ADDS into the gradients it is given.  A row r looks at image
 * img[r], so per-image arrays (pa, a) are indexed by img[r].
 * Sizes: L cells, A attention space, D annotation size, H hidden size.
 */
#pragma once

#include "layers.h"

/* ── Soft attention scores (eqs. 4-5) ──────────────────────────────────────────
 *   e_ti = w · tanh(pa_i + ph_t),   α_t = softmax_i(e_t)
 * pa = W_a a_i + b is precomputed once per image: pa[img[r]][L][A]; ph = W_h h_{t−1}.
 * u[n,L,A] keeps the tanh for the backward pass; v is the vector w of eq. 4.
 * mask[n,L] (NULL: none) confines attention: a cell whose mask is 0 gets the
 * score −∞, so α is renormalised over the others (steering and evidence);
 * every row needs at least one cell left. */

void _gaze_attention_forward (float *alpha, float *u, const float *pa, const int *img, const float *ph,
                        const float *v, const float *mask, int n, int cells, int attn_dim);
/* From dalpha[n,L]: adds into dpa (per image), dph[n,A] and dv[A]. */
void _gaze_attention_backward (float *dpa, float *dph, float *dv, const float *dalpha,
                         const float *alpha, const float *u, const int *img, const float *v,
                         int n, int cells, int attn_dim);

/* ── Context (eq. 6): ctx[r] = Σ_i w_ri a[img[r]][i] ───────────────────────────
 * w is α for soft attention, a one-hot sample for hard attention. */

void _gaze_context_forward (float *ctx, const float *w, const float *a, const int *img, int n,
                      int cells, int dim);
/* dw may be NULL (a sampled one-hot passes no gradient). */
void _gaze_context_backward (float *dw, float *da, const float *dctx, const float *w, const float *a,
                       const int *img, int n, int cells, int dim);

/* ── Gate (section 4.2.1): β = σ(w_β · h + b_β),  z = β ctx ───────────────────
 * Note for the backward pass: dctx = β dz, so the gradient that the
 * likelihood sends to α is scaled by β (the penalty's is not). */

void _gaze_gate_forward (float *z, float *beta, const float *h, const float *w_beta,
                   const float *b_beta, const float *ctx, int n, int hidden, int dim);
void _gaze_gate_backward (float *dh, float *dw_beta, float *db_beta, float *dctx, const float *dz,
                    const float *beta, const float *h, const float *w_beta, const float *ctx,
                    int n, int hidden, int dim);

/* ── The context weights w_t from α_t (sections 4.1, 4.2) ──────────────────────
 * For n rows of one step t (row r is caption r):
 *   sampled[r] FALSE: w = α (soft attention, or hard attention's s̃ = α);
 *   sampled[r] TRUE:  w = one-hot(s), s ~ Multinoulli(α) (eq. 8) drawn from rng,
 *                     or s = forced[r * forced_stride] when forced is not NULL and
 *                     that cell is not negative (a negative one: drawn as well);
 *                     loc[r] = s and log_ps[r] += log α_s (log p(s|a) of eq. 10).
 * loc[r] is −1 for an α row.  It also adds α into sum_alpha[n,L], the Σ_t α_ti
 * of the doubly stochastic penalty. */

void _gaze_attention_weights_forward (float *w, int *loc, double *log_ps, float *sum_alpha,
                                const float *alpha, const gboolean *sampled, const int *forced,
                                int forced_stride, GazeRng *rng, int n, int cells);
/* Adds into dalpha[n,L] every gradient that reaches α_t (scale: the loss's
 * normalisation, 1/tokens):
 *   α rows:    dw, the gradient through the context;
 *   sampled:   −R_r ∂ log α_s / ∂α · scale, the score function of the reward
 *              R_r = cell_reward[r] that caption r's cells earned: REINFORCE's
 *              λ_r (log p(y|s̃,a) − b) (eqs. 11-12), or in self-critical training
 *              the caption's advantage (_gaze_decoder_backward chooses);
 *   hard:      −λ_e ∂H[α_t]/∂α · scale on every row (the entropy bonus of eq. 12);
 *   all rows:  dsum_alpha[r], the doubly stochastic penalty's ∂/∂(Σ_t α_ti).
 * cell_reward matters only for sampled rows. */
void _gaze_attention_weights_backward (float *dalpha, const float *dw, const float *dsum_alpha,
                                 const float *alpha, const int *loc, const gboolean *sampled,
                                 const float *cell_reward, gboolean hard, float entropy_weight,
                                 float scale, int n, int cells);

/* Draws s ~ Multinoulli(α) over cells (eq. 8). */
int _gaze_attention_sample (const float *alpha, int cells, GazeRng *rng);
/* The most probable cell, the first on ties: where a hard model looks at
 * inference, and the cell Gaze highlights. */
int _gaze_attention_argmax (const float *alpha, int cells);

/* REINFORCE's moving-average baseline (section 4.1):
 *   b_k = 0.9 b_{k−1} + 0.1 log p(y|s̃_k, a),
 * over the batch's captions whose cells it rewards (baselined[r]: their mean
 * log p); b unchanged when none. */
float _gaze_reinforce_baseline_update (float baseline, const double *log_py,
                                 const gboolean *baselined, int n);

/* ── Doubly stochastic penalty (eq. 14): λ Σ_i (1 − Σ_t α_ti)² ─────────────────
 * summed over the cells of each caption; sum_alpha[n,L] holds Σ_t α_ti.
 * Returns the penalty summed over the n captions (double). */

double _gaze_doubly_stochastic_forward (const float *sum_alpha, int n, int cells, float lambda);
/* dsum_alpha[r,i] (+)= scale · (−2λ(1 − Σ_t α_ti)) */
void _gaze_doubly_stochastic_backward (float *dsum_alpha, const float *sum_alpha, int n, int cells,
                                 float lambda, float scale);
