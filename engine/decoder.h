/* decoder.h — the Show, Attend and Tell decoder: parameters, the time-unrolled
 * forward pass over a mini-batch of captions, and backpropagation through time.
 *
 * Soft and hard attention share one code path (section 4.1 vs 4.2 of Xu et al.
 * 2015): the context is z_t = β_t Σ_i w_ti a_i, where w_t = α_t for soft
 * attention (and for hard attention's "expected value" captions) and w_t is a
 * one-hot sample s_t ~ Multinoulli(α_t) for hard attention.  The attention
 * layers themselves are in attention.h; this file wires them into time steps.
 *
 * Layout: a batch holds n captions sorted by length, longest first, so that at
 * step t the captions still running are rows 0..n_t−1.  Per-token arrays are
 * packed by time like PyTorch's PackedSequence: step t occupies rows
 * off[t] .. off[t]+n_t−1, which makes every per-step operation a contiguous
 * n_t-row GEMM and lets the vocabulary projection run once over all tokens.
 */
#pragma once

#include "attention.h"
#include "gaze.h"
#include "layers.h"

typedef struct {
  int vocab;    /* V */
  int channels; /* C: encoder channels (1280) */
  int squeeze;  /* D: annotation vector size after Dense(D, ReLU) */
  int embed;    /* E */
  int hidden;   /* H: LSTM */
  int attn;     /* A: attention space */
  int cells;    /* L: grid cells (49) */
} GazeDecoderSizes;

/* The parameter tensors, in storage order. */
enum {
  GAZE_P_SQUEEZE_W, /* [D, C]  a_i = relu(W f_i + b) */
  GAZE_P_SQUEEZE_B, /* [D] */
  GAZE_P_INIT_H_W,  /* [H, D]  h0 = tanh(W mean(a) + b) */
  GAZE_P_INIT_H_B,  /* [H] */
  GAZE_P_INIT_C_W,  /* [H, D]  c0 = tanh(W mean(a) + b) */
  GAZE_P_INIT_C_B,  /* [H] */
  GAZE_P_ATT_A_W,   /* [A, D]  W_a a_i + b */
  GAZE_P_ATT_B,     /* [A] */
  GAZE_P_ATT_H_W,   /* [A, H]  W_h h_{t−1} */
  GAZE_P_ATT_V,     /* [A]     e = v · tanh(…) */
  GAZE_P_BETA_W,    /* [H]     β = σ(w_β · h_{t−1} + b_β) */
  GAZE_P_BETA_B,    /* [1] */
  GAZE_P_EMBED,     /* [V, E]  E y */
  GAZE_P_LSTM_W,    /* [4H, E+D+H]  input [E y_{t−1}; z_t; h_{t−1}], gates i f o g */
  GAZE_P_LSTM_B,    /* [4H] */
  GAZE_P_OUT_H_W,   /* [E, H]  L_h */
  GAZE_P_OUT_Z_W,   /* [E, D]  L_z */
  GAZE_P_OUT_W,     /* [V, E]  L_o */
  GAZE_P_OUT_B,     /* [V] */
  GAZE_N_PARAMS
};

typedef struct {
  const char *name;
  int n_dims;
  int dims[2];
  gsize offset; /* in floats, into the contiguous parameter array */
  gsize size;
} GazeTensorInfo;

/* Named views of one contiguous array (parameters, gradients or Adam moments). */
typedef struct {
  float *squeeze_w, *squeeze_b, *init_h_w, *init_h_b, *init_c_w, *init_c_b;
  float *att_a_w, *att_b, *att_h_w, *att_v, *beta_w, *beta_b;
  float *embed, *lstm_w, *lstm_b, *out_h_w, *out_z_w, *out_w, *out_b;
} GazeDecoderViews;

typedef struct {
  GazeDecoderSizes sizes;
  /* TRUE: the squeeze reads each photo's grid centred over its cells,
   * a_i = relu(W (f_i − mean_j f_j) + b), so that what every cell of the
   * photo shares is left out of the annotations (hyperparameter grid=centred). */
  gboolean centre_cells;
  GazeTensorInfo tensors[GAZE_N_PARAMS];
  gsize n_params;
  float *params;
  GazeDecoderViews p;
} GazeDecoder;

GazeDecoder *_gaze_decoder_new (const GazeDecoderSizes *sizes);
void _gaze_decoder_free (GazeDecoder *dec);
/* PyTorch-like initialisation: U(±1/√fan_in) weights, U(±0.1) embeddings. */
void _gaze_decoder_init_params (GazeDecoder *dec, GazeRng *rng);
/* Views of base, an array of dec->n_params floats laid out like dec->params. */
void _gaze_decoder_views (const GazeDecoder *dec, float *base, GazeDecoderViews *views);

/* ── Training: a mini-batch of captions ──────────────────────────────────── */

typedef struct {
  int n;                 /* captions */
  int n_images;          /* distinct images U */
  const float *features; /* [U, L, C] encoder grids */
  const int *img;        /* [n] each caption's image, 0..U−1 */
  const int *lengths;    /* [n] steps = words + 1 (<end>), non-increasing, ≥ 1 */
  const int *tokens;     /* [n, stride]: <start> w_1 … w_k <end> */
  int stride;
  /* [n, stride] or NULL: the word fed in at each step instead of tokens[t]
   * (scheduled sampling); the targets stay tokens[t + 1]. */
  const int *inputs;
} GazeDecoderBatch;

typedef struct {
  GazeAttention attention;
  float dropout;        /* on the deep output's input to L_o */
  float annotation_dropout; /* on the annotation vectors a_i, after the squeeze */
  gboolean annotation_dropout_by_channel; /* whole channels, alike at every cell */
  /* [n_images, L, D]: this mask on the a_i instead of one drawn with
   * annotation_dropout (self-critical training: the mask its samples were
   * drawn under, so that they are scored by the policy that drew them). */
  const float *annotation_mask;
  float smoothing;      /* label smoothing ε of the word targets (0: none) */
  float lambda;         /* doubly stochastic weight λ */
  /* Hard attention (section 4.1). */
  float expected_prob;  /* probability that a caption uses s̃ = α (0.5) */
  float entropy_weight; /* λ_e */
  float reinforce_weight; /* λ_r */
  float baseline;       /* b_{k−1}: the moving average of log p(y|s̃,a) */
  /* TRUE: no b_{k−1} yet; the first batch that updates the baseline uses its
   * own mean log p(y|s̃,a) instead of 0, and clears this. */
  gboolean baseline_unset;
  /* [n, stride] locations to use instead of sampling: the cells a hard
   * model's self-critical samples drew, or a test's.  A row whose first
   * forced cell is negative (all of them, then) draws its own, as maximum
   * likelihood does: the references of the mixed objective. */
  const int *forced;
  /* Self-critical training: caption r's −log p(y) counts row_weight[r] times
   * (its reward minus the baseline), so the gradient is the REINFORCE estimate
   * −(r − b) ∇ log p(y); NULL: every weight 1 (maximum likelihood).  For a
   * hard model's sampled rows with forced cells, the cells are part of the
   * sample: the loss is −w_r log p(y, s|a) = −w_r (log p(y|s,a) + Σ_t
   * log α_{t,s_t}), and w_r replaces λ_r (log p(y|s̃,a) − b) as the cells'
   * reward.  A row that draws its cells is a maximum-likelihood row weighted
   * w_r: its cells' reward is w_r λ_r (log p(y|s̃,a) − b). */
  const float *row_weight;
  GazeRng *rng;         /* dropout masks and samples; NULL with dropout 0 and soft */
} GazeDecoderOptions;

typedef struct _GazeDecoderWork GazeDecoderWork;

/* n_threads: the workers (the caller included) for the GEMMs, which split
 * into single-threaded slices, and the row-wise layers; call with OpenBLAS
 * set to one thread (openblas_set_num_threads) for the best speed. */
GazeDecoderWork *_gaze_decoder_work_new (int n_threads);
void _gaze_decoder_work_free (GazeDecoderWork *work);
/* Its threads, for inference between training steps. */
GazePool *_gaze_decoder_work_get_pool (GazeDecoderWork *work);

/* Runs the batch forward and returns the loss (eq. 14 summed over the
 * captions, divided by the number of tokens)
 *   (Σ_captions w_r Σ_t −log p + λ Σ_captions Σ_i (1 − Σ_t α_ti)²) / n_tokens,
 * with w_r = options->row_weight[r] (1 when NULL), and with row weights
 * − w_r Σ_t log α_{t,s_t} for each sampled caption of a hard model.
 * The activations stay in work for _gaze_decoder_backward. */
double _gaze_decoder_forward (const GazeDecoder *dec, GazeDecoderWork *work,
                             const GazeDecoderBatch *batch, const GazeDecoderOptions *options);
/* Adds the gradient of the last forward's loss into grads (n_params floats).
 * For hard attention it adds the REINFORCE estimate and returns, through
 * options->baseline, the updated moving average b_k. */
void _gaze_decoder_backward (const GazeDecoder *dec, GazeDecoderWork *work,
                            GazeDecoderOptions *options, float *grads);

/* After a forward: the number of target tokens, and for caption r the sum of
 * log p(y_t) and of log α_{t,s_t} (hard attention; 0 for soft rows). */
int _gaze_decoder_work_n_tokens (const GazeDecoderWork *work);
double _gaze_decoder_work_log_py (const GazeDecoderWork *work, int r);
double _gaze_decoder_work_log_ps (const GazeDecoderWork *work, int r);
/* Scheduled sampling's probability p in epoch epoch (from 0) of a run asking for P: rising
 * linearly from 0 in the first epoch to P in the fifth and after, so that
 * the model's words are fed in once they are worth feeding. */
float _gaze_scheduled_sampling_prob (float P, int epoch);
/* Scheduled sampling in its parallel form (Bengio et al. 2015; Duckworth et
 * al. 2019): after a forward of batch, inputs [n, stride] gets the batch's
 * tokens with each word input (steps 1 … length − 1) replaced, with
 * probability p, by a word drawn from that forward's p(y_{t−1}), the word the
 * model would have fed itself.  A draw of <end> or another special token
 * keeps the reference word. */
void _gaze_decoder_work_sample_inputs (const GazeDecoder *dec, const GazeDecoderWork *work,
                                       const GazeDecoderBatch *batch, float p, GazeRng *rng,
                                       int *inputs);

/* ── Inference: one step for n rows (beams), each looking at one of the images ── */

typedef struct {
  GazePool *pool; /* for the GEMMs and row-wise layers; NULL: the caller's thread */
  /* Per image (computed once by _gaze_decoder_encode). */
  int max_images;
  float *a;     /* [images, L, D] annotation vectors */
  float *pa;    /* [images, L, A] W_a a_i + b */
  float *h0;    /* [images, H] */
  float *c0;    /* [images, H] */
  float *abar;  /* [images, D] scratch */
  /* Per step, for up to max_rows rows. */
  int max_rows;
  int *img;     /* [max_rows] each row's image: set by the caller (zeros at first) */
  float *ey, *gates, *ph, *u, *alpha, *w, *ctx, *beta, *z, *c, *tanh_c, *h, *xo, *logits;
} GazeDecoderState;

GazeDecoderState *_gaze_decoder_state_new (const GazeDecoder *dec, int max_rows, int max_images,
                                          GazePool *pool);
void _gaze_decoder_state_free (GazeDecoderState *state);
/* Squeeze, initial states and attention precomputation for n_images grids
 * [n_images, L, C]. */
void _gaze_decoder_encode (const GazeDecoder *dec, GazeDecoderState *state, const float *grids,
                          int n_images);
/* The same with amask [n_images, L, D] multiplying the annotation vectors
 * (dropout's mask: 0 or 1/(1 − p)), as the training pass does; NULL: none. */
void _gaze_decoder_encode_masked (const GazeDecoder *dec, GazeDecoderState *state,
                                 const float *grids, int n_images, const float *amask);
/* One step for n rows: previous words, previous h and c ([n, H] each), and
 * state->img[r] the image of row r.  Fills state->alpha, beta, h, c, and
 * state->logits with probabilities (softmax).
 * mask ([n, L], or NULL): per row, 1 for the cells attention may use and 0
 * for the ones it may not (see _gaze_attention_forward); at least one per row.
 * hard: the context uses each row's argmax α cell (the paper's inference),
 * so within the mask too. */
void _gaze_decoder_step (const GazeDecoder *dec, GazeDecoderState *state, int n, const int *words,
                        const float *h_prev, const float *c_prev, const float *mask,
                        gboolean hard);
/* A hard model's step for self-critical training: each row attends to a cell
 * drawn from its α_t, s_t ~ Multinoulli(α_t), and cells[r] receives it. */
void _gaze_decoder_step_sampled (const GazeDecoder *dec, GazeDecoderState *state, int n,
                                const int *words, const float *h_prev, const float *c_prev,
                                GazeRng *rng, int *cells);
