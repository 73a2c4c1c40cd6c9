/* decoder.c — the Show, Attend and Tell decoder (see decoder.h). */
#include "decoder.h"
#include "parallel.h"
#include "vocab.h"


/* ── Parameters ────────────────────────────────────────────────────────────── */

GazeDecoder *
_gaze_decoder_new (const GazeDecoderSizes *sizes)
{
  GazeDecoder *dec = g_new0 (GazeDecoder, 1);
  dec->sizes = *sizes;
  const int V = sizes->vocab, C = sizes->channels, D = sizes->squeeze, E = sizes->embed;
  const int H = sizes->hidden, A = sizes->attn;
  const struct {
    const char *name;
    int d0, d1; /* d1 = 0: a vector */
  } table[GAZE_N_PARAMS] = {
    [GAZE_P_SQUEEZE_W] = { "squeeze.weight", D, C },
    [GAZE_P_SQUEEZE_B] = { "squeeze.bias", D, 0 },
    [GAZE_P_INIT_H_W] = { "init_h.weight", H, D },
    [GAZE_P_INIT_H_B] = { "init_h.bias", H, 0 },
    [GAZE_P_INIT_C_W] = { "init_c.weight", H, D },
    [GAZE_P_INIT_C_B] = { "init_c.bias", H, 0 },
    [GAZE_P_ATT_A_W] = { "attention.annotation.weight", A, D },
    [GAZE_P_ATT_B] = { "attention.bias", A, 0 },
    [GAZE_P_ATT_H_W] = { "attention.hidden.weight", A, H },
    [GAZE_P_ATT_V] = { "attention.v", A, 0 },
    [GAZE_P_BETA_W] = { "gate.weight", H, 0 },
    [GAZE_P_BETA_B] = { "gate.bias", 1, 0 },
    [GAZE_P_EMBED] = { "embedding", V, E },
    [GAZE_P_LSTM_W] = { "lstm.weight", 4 * H, E + D + H },
    [GAZE_P_LSTM_B] = { "lstm.bias", 4 * H, 0 },
    [GAZE_P_OUT_H_W] = { "deep_output.hidden.weight", E, H },
    [GAZE_P_OUT_Z_W] = { "deep_output.context.weight", E, D },
    [GAZE_P_OUT_W] = { "deep_output.out.weight", V, E },
    [GAZE_P_OUT_B] = { "deep_output.out.bias", V, 0 },
  };
  gsize offset = 0;
  for (int k = 0; k < GAZE_N_PARAMS; k++)
    {
      GazeTensorInfo *t = &dec->tensors[k];
      t->name = table[k].name;
      t->n_dims = table[k].d1 > 0 ? 2 : 1;
      t->dims[0] = table[k].d0;
      t->dims[1] = table[k].d1;
      t->offset = offset;
      t->size = (gsize) table[k].d0 * (table[k].d1 > 0 ? table[k].d1 : 1);
      offset += t->size;
    }
  dec->n_params = offset;
  dec->params = g_new0 (float, offset);
  _gaze_decoder_views (dec, dec->params, &dec->p);
  return dec;
}

void
_gaze_decoder_free (GazeDecoder *dec)
{
  if (dec == NULL)
    return;
  g_free (dec->params);
  g_free (dec);
}

void
_gaze_decoder_views (const GazeDecoder *dec, float *base, GazeDecoderViews *v)
{
  float **slots[GAZE_N_PARAMS] = {
    &v->squeeze_w, &v->squeeze_b, &v->init_h_w, &v->init_h_b, &v->init_c_w, &v->init_c_b,
    &v->att_a_w, &v->att_b, &v->att_h_w, &v->att_v, &v->beta_w, &v->beta_b,
    &v->embed, &v->lstm_w, &v->lstm_b, &v->out_h_w, &v->out_z_w, &v->out_w, &v->out_b,
  };
  for (int k = 0; k < GAZE_N_PARAMS; k++)
    *slots[k] = base + dec->tensors[k].offset;
}

void
_gaze_decoder_init_params (GazeDecoder *dec, GazeRng *rng)
{
  for (int k = 0; k < GAZE_N_PARAMS; k++)
    {
      const GazeTensorInfo *t = &dec->tensors[k];
      float *x = dec->params + t->offset;
      /* A bias takes the fan-in of the weight before it, as in PyTorch. */
      int fan_in = t->n_dims == 2 ? t->dims[1] : (k > 0 ? dec->tensors[k - 1].dims[1] : 1);
      float bound = 1.0f / sqrtf ((float) MAX (fan_in, 1));
      if (k == GAZE_P_EMBED || k == GAZE_P_OUT_W)
        bound = 0.1f;
      if (k == GAZE_P_ATT_V || k == GAZE_P_BETA_W)
        bound = 1.0f / sqrtf ((float) t->dims[0]);
      if (k == GAZE_P_BETA_B || k == GAZE_P_OUT_B)
        bound = 0.0f;
      for (gsize i = 0; i < t->size; i++)
        x[i] = bound * (2.0f * _gaze_rng_uniform (rng) - 1.0f);
    }
}

/* ── Pieces shared by training and inference ───────────────────────────────── */

/* Per image: a = relu(W_sq f + b) [U,L,D], or with centred cells relu(W_sq
 * (f − f̄) + b); h0, c0 = tanh(W mean(a) + b) [U,H]; pa = W_a a + b [U,L,A].
 * abar [U,D] keeps the mean for the backward pass. */
static void
images_forward (const GazeDecoder *dec, GazePool *pool, int U, const float *features,
                const float *amask, float *a, float *abar, float *h0, float *c0, float *pa)
{
  const GazeDecoderSizes *s = &dec->sizes;
  const int L = s->cells, D = s->squeeze;
  if (dec->centre_cells)
    {
      _gaze_linear_forward (pool, a, features, dec->p.squeeze_w, NULL, U * L, s->channels, D);
      _gaze_cell_centring_forward (a, dec->p.squeeze_b, U, L, D);
    }
  else
    _gaze_linear_forward (pool, a, features, dec->p.squeeze_w, dec->p.squeeze_b, U * L, s->channels, D);
  _gaze_relu_forward (a, a, (gsize) U * L * D);
  /* Dropout on the annotation vectors: everything downstream, the mean that
   * starts the LSTM included, reads the same dropped a_i. */
  if (amask != NULL)
    _gaze_dropout_forward (a, a, amask, (gsize) U * L * D);
  for (int u = 0; u < U; u++)
    {
      float *m = abar + (gsize) u * D;
      memset (m, 0, sizeof (float) * D);
      for (int i = 0; i < L; i++)
        for (int k = 0; k < D; k++)
          m[k] += a[((gsize) u * L + i) * D + k];
      for (int k = 0; k < D; k++)
        m[k] /= (float) L;
    }
  _gaze_linear_forward (pool, h0, abar, dec->p.init_h_w, dec->p.init_h_b, U, D, s->hidden);
  _gaze_tanh_forward (h0, h0, (gsize) U * s->hidden);
  _gaze_linear_forward (pool, c0, abar, dec->p.init_c_w, dec->p.init_c_b, U, D, s->hidden);
  _gaze_tanh_forward (c0, c0, (gsize) U * s->hidden);
  _gaze_linear_forward (pool, pa, a, dec->p.att_a_w, dec->p.att_b, U * L, D, s->attn);
}

/* Gate pre-activations from the embedding part of the LSTM input, for n rows:
 * gates = b + E y · W_eᵀ (the z and h parts are added per step). */
static void
gates_from_embedding (const GazeDecoder *dec, GazePool *pool, int n, const float *ey,
                      float *gates)
{
  const GazeDecoderSizes *s = &dec->sizes;
  const int G = 4 * s->hidden, K = s->embed + s->squeeze + s->hidden;
  for (int r = 0; r < n; r++)
    memcpy (gates + (gsize) r * G, dec->p.lstm_b, sizeof (float) * G);
  _gaze_gemm_nt (pool, n, G, s->embed, ey, s->embed, dec->p.lstm_w, K, 1.0f, gates, G);
}

/* The deep output's input (eq. 7): xo = E y_{t−1} + L_h h_t + L_z z_t. */
static void
deep_output_forward (const GazeDecoder *dec, GazePool *pool, int n, const float *ey,
                     const float *h, const float *z, float *xo)
{
  const GazeDecoderSizes *s = &dec->sizes;
  const int E = s->embed;
  memcpy (xo, ey, sizeof (float) * n * E);
  _gaze_gemm_nt (pool, n, E, s->hidden, h, s->hidden, dec->p.out_h_w, s->hidden, 1.0f, xo, E);
  _gaze_gemm_nt (pool, n, E, s->squeeze, z, s->squeeze, dec->p.out_z_w, s->squeeze, 1.0f, xo, E);
}

/* One time step over n rows, in two halves so that the caller can choose the
 * context weights w between them (α, a hard sample, or the argmax). */
typedef struct {
  const GazeDecoder *dec;
  GazePool *pool; /* NULL: run in the caller */
  int n;
  const int *img;
  const float *a, *pa, *hp, *cp;
  const float *mask; /* [n, L] cells attention may use, or NULL for all */
  float *gates, *ph, *u, *alpha, *w, *ctx, *beta, *z, *c, *tanh_c, *h;
  /* Backward only. */
  float *dgates, *dcp;
  const float *dh, *dc;
} Step;

/* Row-wise layers on slices of a step's rows, in the pool's threads. */
static void
run_rows (GazePool *pool, int n, GazePoolFunc func, gpointer data)
{
  _gaze_run_slices (pool, n, 4, func, data);
}

static void
attention_slice (int b, int e, gpointer data)
{
  const Step *st = data;
  const gsize L = st->dec->sizes.cells, A = st->dec->sizes.attn;
  _gaze_attention_forward (st->alpha + b * L, st->u + b * L * A, st->pa, st->img + b, st->ph + b * A,
                     st->dec->p.att_v, st->mask != NULL ? st->mask + b * L : NULL, e - b,
                     (int) L, (int) A);
}

static void
lstm_forward_slice (int b, int e, gpointer data)
{
  const Step *st = data;
  const gsize H = st->dec->sizes.hidden;
  _gaze_lstm_cell_forward (st->gates + b * 4 * H, st->cp + b * H, st->c + b * H, st->tanh_c + b * H,
                     st->h + b * H, e - b, (int) H);
}

static void
lstm_backward_slice (int b, int e, gpointer data)
{
  const Step *st = data;
  const gsize H = st->dec->sizes.hidden;
  _gaze_lstm_cell_backward (st->dgates + b * 4 * H, st->dcp + b * H, st->dh + b * H, st->dc + b * H,
                      st->gates + b * 4 * H, st->cp + b * H, st->tanh_c + b * H, e - b, (int) H);
}

typedef struct {
  float *probs;
  int classes;
} SoftmaxJob;

static void
softmax_slice (int b, int e, gpointer data)
{
  const SoftmaxJob *job = data;
  _gaze_softmax_xent_forward (job->probs + (gsize) b * job->classes, NULL, e - b, job->classes,
                              0.0f);
}

/* α_t from h_{t−1} (eqs. 4-5). */
static void
step_attend (const GazeDecoder *dec, const Step *st)
{
  const GazeDecoderSizes *s = &dec->sizes;
  _gaze_gemm_nt (st->pool, st->n, s->attn, s->hidden, st->hp, s->hidden, dec->p.att_h_w,
                s->hidden, 0.0f,
                st->ph, s->attn);
  run_rows (st->pool, st->n, attention_slice, (gpointer) st);
}

/* z_t = β_t Σ_i w_ti a_i, then the LSTM on [E y_{t−1}; z_t; h_{t−1}]; st->gates
 * already holds the embedding part. */
static void
step_recur (const GazeDecoder *dec, const Step *st)
{
  const GazeDecoderSizes *s = &dec->sizes;
  const int D = s->squeeze, H = s->hidden, E = s->embed, K = E + D + H;
  _gaze_context_forward (st->ctx, st->w, st->a, st->img, st->n, s->cells, D);
  _gaze_gate_forward (st->z, st->beta, st->hp, dec->p.beta_w, dec->p.beta_b, st->ctx, st->n, H, D);
  _gaze_gemm_nt (st->pool, st->n, 4 * H, D, st->z, D, dec->p.lstm_w + E, K, 1.0f, st->gates, 4 * H);
  _gaze_gemm_nt (st->pool, st->n, 4 * H, H, st->hp, H, dec->p.lstm_w + E + D, K, 1.0f, st->gates,
                4 * H);
  run_rows (st->pool, st->n, lstm_forward_slice, (gpointer) st);
}

/* ── Training workspace ────────────────────────────────────────────────────── */

struct _GazeDecoderWork {
  GazePool *pool;
  gsize cap_n, cap_u, cap_tok, cap_t;
  /* The last forward pass. */
  int n, U, T, N;
  const float *features;
  GazeAttention attention;
  float dropout, lambda;
  gboolean annotations_masked;
  const float *row_weight;
  float smoothing;
  int *img, *nt, *off, *in_ids, *tgt, *loc;
  gboolean *sampled;  /* the row's cells are one-hot, not α */
  gboolean *own_cells; /* sampled, and drawn here rather than forced */
  gboolean *baselined; /* its cells' reward is λ_r (log p(y|s̃,a) − b) */
  float *cell_reward;  /* what its cells earned (_gaze_attention_weights_backward) */
  double *log_py, *log_ps;
  /* Per image. */
  float *a, *amask, *abar, *h0, *c0, *pa;
  /* Per token (packed by time). */
  float *ey, *z, *hp, *cp, *hs, *cs, *tc, *gates, *ph, *u, *alpha, *w, *ctx, *beta;
  float *xo, *mask, *xd, *probs;
  float *sum_alpha; /* [n, L] */
  /* Gradients. */
  float *dprobs, *dxd, *dxo, *dey, *dz, *dhs, *dcs, *dhp, *dcp, *dgates, *dph, *dalpha, *dw,
      *dctx, *dsum_alpha;
  float *da, *dpa, *dabar, *dh0, *dc0, *dh0_sum, *dc0_sum, *dsq;
};

GazeDecoderWork *
_gaze_decoder_work_new (int n_threads)
{
  GazeDecoderWork *work = g_new0 (GazeDecoderWork, 1);
  work->pool = _gaze_pool_new (n_threads);
  return work;
}

#define WORK_ARRAYS(X)                                                                          \
  X (img, int, cn) X (sampled, gboolean, cn) X (own_cells, gboolean, cn)                        \
  X (baselined, gboolean, cn) X (cell_reward, float, cn) X (log_py, double, cn)                 \
  X (log_ps, double, cn)                                                                        \
  X (nt, int, ct) X (off, int, ct1) X (in_ids, int, tok) X (tgt, int, tok) X (loc, int, tok)       \
  X (a, float, uld) X (amask, float, uld) X (abar, float, ud) X (h0, float, uh)                  \
  X (c0, float, uh) X (pa, float, ula)                                                           \
  X (ey, float, te) X (z, float, td) X (hp, float, th) X (cp, float, th) X (hs, float, th)       \
  X (cs, float, th) X (tc, float, th) X (gates, float, tg) X (ph, float, ta) X (u, float, tla)   \
  X (alpha, float, tl) X (w, float, tl) X (ctx, float, td) X (beta, float, tok)                  \
  X (xo, float, te) X (mask, float, te) X (xd, float, te) X (probs, float, tv)                   \
  X (sum_alpha, float, nl) X (dprobs, float, tv) X (dxd, float, te) X (dxo, float, te)           \
  X (dey, float, te) X (dz, float, td) X (dhs, float, th) X (dcs, float, th) X (dhp, float, th)  \
  X (dcp, float, th) X (dgates, float, tg) X (dph, float, ta) X (dalpha, float, tl)              \
  X (dw, float, tl) X (dctx, float, td) X (dsum_alpha, float, nl) X (da, float, uld)             \
  X (dpa, float, ula) X (dabar, float, ud) X (dh0, float, uh) X (dc0, float, uh)                 \
  X (dh0_sum, float, uh) X (dc0_sum, float, uh) X (dsq, float, uld)

void
_gaze_decoder_work_free (GazeDecoderWork *work)
{
  if (work == NULL)
    return;
#define FREE_ARRAY(name, type, count) g_free (work->name);
  WORK_ARRAYS (FREE_ARRAY)
#undef FREE_ARRAY
  _gaze_pool_free (work->pool);
  g_free (work);
}

/* Grows the arrays when a batch is larger than any before (rarely: the
 * capacities only grow, with headroom), so a training loop does not allocate. */
static void
work_reserve (GazeDecoderWork *work, const GazeDecoderSizes *s, int n, int U, int T, int N)
{
  if ((gsize) n <= work->cap_n && (gsize) U <= work->cap_u && (gsize) T <= work->cap_t
      && (gsize) N <= work->cap_tok)
    return;
  work->cap_n = MAX (work->cap_n, (gsize) n);
  work->cap_u = MAX (work->cap_u, (gsize) U);
  work->cap_t = MAX (work->cap_t, (gsize) T + 8);
  work->cap_tok = MAX (work->cap_tok, (gsize) N + (gsize) N / 4);
  const gsize cn = work->cap_n, cu = work->cap_u, ct = work->cap_t, tok = work->cap_tok;
  const gsize L = s->cells, D = s->squeeze, H = s->hidden, A = s->attn, E = s->embed;
  const gsize ct1 = ct + 1, nl = cn * L, uld = cu * L * D, ud = cu * D, uh = cu * H;
  const gsize ula = cu * L * A, te = tok * E, td = tok * D, th = tok * H, tg = tok * 4 * H;
  const gsize ta = tok * A, tla = tok * L * A, tl = tok * L, tv = tok * (gsize) s->vocab;
#define GROW_ARRAY(name, type, count)                                                           \
  g_free (work->name);                                                                          \
  work->name = g_new0 (type, (count) > 0 ? (count) : 1);
  WORK_ARRAYS (GROW_ARRAY)
#undef GROW_ARRAY
}

GazePool *
_gaze_decoder_work_get_pool (GazeDecoderWork *work)
{
  return work->pool;
}

int
_gaze_decoder_work_n_tokens (const GazeDecoderWork *work)
{
  return work->N;
}

double
_gaze_decoder_work_log_py (const GazeDecoderWork *work, int r)
{
  return work->log_py[r];
}

float
_gaze_scheduled_sampling_prob (float P, int epoch)
{
  return P * (float) MIN (epoch, 4) / 4.0f;
}

void
_gaze_decoder_work_sample_inputs (const GazeDecoder *dec, const GazeDecoderWork *w,
                                  const GazeDecoderBatch *batch, float p, GazeRng *rng,
                                  int *inputs)
{
  const int V = dec->sizes.vocab, stride = batch->stride;
  memcpy (inputs, batch->tokens, sizeof (int) * (gsize) batch->n * stride);
  for (int t = 1; t < w->T; t++)
    for (int r = 0; r < w->nt[t]; r++)
      {
        if (!(_gaze_rng_uniform (rng) < p))
          continue;
        /* The distribution that step t − 1 gave the word now fed in at t. */
        const float *q = w->probs + (gsize) (w->off[t - 1] + r) * V;
        const float u = _gaze_rng_uniform (rng);
        float cum = 0.0f;
        int word = V - 1;
        for (int k = 0; k < V; k++)
          if ((cum += q[k]) > u)
            {
              word = k;
              break;
            }
        if (word >= GAZE_VOCAB_N_SPECIAL)
          inputs[(gsize) r * stride + t] = word;
      }
}

double
_gaze_decoder_work_log_ps (const GazeDecoderWork *work, int r)
{
  return work->log_ps[r];
}

/* The Step of time t over the work's packed arrays. */
static Step
work_step (const GazeDecoder *dec, GazeDecoderWork *w, int t)
{
  const GazeDecoderSizes *s = &dec->sizes;
  const gsize o = w->off[t], L = s->cells, D = s->squeeze, H = s->hidden, A = s->attn;
  return (Step) {
    .dec = dec, .pool = w->pool, .n = w->nt[t], .img = w->img, .a = w->a, .pa = w->pa,
    .hp = w->hp + o * H, .cp = w->cp + o * H,
    .gates = w->gates + o * 4 * H, .ph = w->ph + o * A, .u = w->u + o * L * A,
    .alpha = w->alpha + o * L, .w = w->w + o * L, .ctx = w->ctx + o * D, .beta = w->beta + o,
    .z = w->z + o * D, .c = w->cs + o * H, .tanh_c = w->tc + o * H, .h = w->hs + o * H,
  };
}

double
_gaze_decoder_forward (const GazeDecoder *dec, GazeDecoderWork *w, const GazeDecoderBatch *batch,
                      const GazeDecoderOptions *opt)
{
  const GazeDecoderSizes *s = &dec->sizes;
  const int L = s->cells, D = s->squeeze, H = s->hidden, E = s->embed, V = s->vocab;
  const int n = batch->n, U = batch->n_images, T = batch->lengths[0];
  int N = 0;
  for (int r = 0; r < n; r++)
    {
      g_return_val_if_fail (batch->lengths[r] >= 1 && batch->lengths[r] <= T, NAN);
      N += batch->lengths[r];
    }
  work_reserve (w, s, n, U, T, N);
  w->n = n, w->U = U, w->T = T, w->N = N;
  w->features = batch->features;
  w->attention = opt->attention;
  w->dropout = opt->dropout;
  w->lambda = opt->lambda;
  w->row_weight = opt->row_weight;
  w->smoothing = opt->smoothing;
  memcpy (w->img, batch->img, sizeof (int) * n);

  /* Packing: n_t captions run at step t; step t starts at token off[t]. */
  const int *inputs = batch->inputs != NULL ? batch->inputs : batch->tokens;
  w->off[0] = 0;
  for (int t = 0; t < T; t++)
    {
      int m = 0;
      while (m < n && batch->lengths[m] > t)
        m++;
      w->nt[t] = m;
      w->off[t + 1] = w->off[t] + m;
      for (int r = 0; r < m; r++)
        {
          w->in_ids[w->off[t] + r] = inputs[(gsize) r * batch->stride + t];
          w->tgt[w->off[t] + r] = batch->tokens[(gsize) r * batch->stride + t + 1];
        }
    }

  if (opt->annotation_mask != NULL)
    memcpy (w->amask, opt->annotation_mask, sizeof (float) * U * L * D);
  else if (opt->annotation_dropout > 0.0f)
    _gaze_annotation_dropout_mask (w->amask, U, L, D, opt->annotation_dropout,
                                   opt->annotation_dropout_by_channel, opt->rng);
  w->annotations_masked = opt->annotation_mask != NULL || opt->annotation_dropout > 0.0f;
  images_forward (dec, w->pool, U, batch->features, w->annotations_masked ? w->amask : NULL,
                  w->a, w->abar, w->h0, w->c0, w->pa);
  _gaze_embedding_forward (w->ey, w->in_ids, dec->p.embed, N, E);
  gates_from_embedding (dec, w->pool, N, w->ey, w->gates);

  /* Hard attention: each caption samples its locations, or with probability
   * expected_prob uses s̃ = α, the expected value (section 4.1); a caption
   * whose cells are forced uses them. */
  for (int r = 0; r < n; r++)
    {
      const gboolean forced = opt->forced != NULL && opt->forced[(gsize) r * batch->stride] >= 0;
      w->sampled[r] = opt->attention == GAZE_ATTENTION_HARD
                      && (forced || _gaze_rng_uniform (opt->rng) >= opt->expected_prob);
      w->own_cells[r] = w->sampled[r] && !forced;
      w->log_py[r] = 0.0;
      w->log_ps[r] = 0.0;
    }
  memset (w->sum_alpha, 0, sizeof (float) * n * L);

  for (int t = 0; t < T; t++)
    {
      Step st = work_step (dec, w, t);
      const int m = st.n;
      /* h_{t−1}, c_{t−1}: the initial state, or rows 0..m−1 of step t−1. */
      if (t == 0)
        for (int r = 0; r < m; r++)
          {
            memcpy (w->hp + (gsize) r * H, w->h0 + (gsize) w->img[r] * H, sizeof (float) * H);
            memcpy (w->cp + (gsize) r * H, w->c0 + (gsize) w->img[r] * H, sizeof (float) * H);
          }
      else
        {
          gsize prev = w->off[t - 1];
          memcpy ((float *) st.hp, w->hs + prev * H, sizeof (float) * m * H);
          memcpy ((float *) st.cp, w->cs + prev * H, sizeof (float) * m * H);
        }
      step_attend (dec, &st);
      /* w_t: α, or a sampled location (attention.c). */
      _gaze_attention_weights_forward (st.w, w->loc + w->off[t], w->log_ps, w->sum_alpha, st.alpha,
                                 w->sampled, opt->forced != NULL ? opt->forced + t : NULL,
                                 batch->stride, opt->rng, m, L);
      step_recur (dec, &st);
    }

  /* The deep output and the vocabulary projection, once over all N tokens. */
  deep_output_forward (dec, w->pool, N, w->ey, w->hs, w->z, w->xo);
  if (opt->dropout > 0.0f)
    {
      _gaze_dropout_mask (w->mask, (gsize) N * E, opt->dropout, opt->rng);
      _gaze_dropout_forward (w->xd, w->xo, w->mask, (gsize) N * E);
    }
  else
    memcpy (w->xd, w->xo, sizeof (float) * N * E);
  _gaze_linear_forward (w->pool, w->probs, w->xd, dec->p.out_w, dec->p.out_b, N, E, V);
  SoftmaxJob softmax = { w->probs, V };
  run_rows (w->pool, N, softmax_slice, &softmax);
  double xent = 0.0;
  for (int t = 0; t < T; t++)
    for (int r = 0; r < w->nt[t]; r++)
      {
        int tok = w->off[t] + r;
        const float *p = w->probs + (gsize) tok * V;
        const double lp = log (fmax ((double) p[w->tgt[tok]], 1e-30));
        w->log_py[r] += lp;
        const double nll = opt->smoothing > 0.0f ? _gaze_xent (p, w->tgt[tok], V, opt->smoothing)
                                                 : -lp;
        xent += opt->row_weight != NULL ? opt->row_weight[r] * nll : nll;
      }
  /* Self-critical training of a hard model: the sampled cells are part of
   * the policy, so each caption's surrogate loss is −A_r log p(y, s|a). */
  if (opt->row_weight != NULL)
    for (int r = 0; r < n; r++)
      if (w->sampled[r] && !w->own_cells[r])
        xent -= opt->row_weight[r] * w->log_ps[r];
  double penalty = _gaze_doubly_stochastic_forward (w->sum_alpha, n, L, opt->lambda);
  /* Eq. 14 per caption, −log P(y|a) + λ Σ_i (1 − Σ_t α_ti)², summed over the
   * batch and divided by its number of tokens (not of captions), so that the
   * penalty keeps the paper's weight relative to the summed cross-entropy. */
  return (xent + penalty) / N;
}

/* ── Backward through time ─────────────────────────────────────────────────── */

static void
images_backward (const GazeDecoder *dec, GazeDecoderWork *w, GazeDecoderViews *g)
{
  const GazeDecoderSizes *s = &dec->sizes;
  const int L = s->cells, D = s->squeeze, H = s->hidden, U = w->U;
  /* The t = 0 rows of dhp, dcp are the gradients of each caption's h0, c0;
   * captions of one image add up. */
  float *dh0 = w->dh0_sum, *dc0 = w->dc0_sum;
  memset (dh0, 0, sizeof (float) * U * H);
  memset (dc0, 0, sizeof (float) * U * H);
  for (int r = 0; r < w->n; r++)
    for (int j = 0; j < H; j++)
      {
        dh0[(gsize) w->img[r] * H + j] += w->dhp[(gsize) r * H + j];
        dc0[(gsize) w->img[r] * H + j] += w->dcp[(gsize) r * H + j];
      }
  memset (w->dh0, 0, sizeof (float) * U * H);
  memset (w->dc0, 0, sizeof (float) * U * H);
  _gaze_tanh_backward (w->dh0, dh0, w->h0, (gsize) U * H);
  _gaze_tanh_backward (w->dc0, dc0, w->c0, (gsize) U * H);
  memset (w->dabar, 0, sizeof (float) * U * D);
  _gaze_linear_backward (w->pool, w->dabar, g->init_h_w, g->init_h_b, w->dh0, w->abar, dec->p.init_h_w,
                   U, D, H);
  _gaze_linear_backward (w->pool, w->dabar, g->init_c_w, g->init_c_b, w->dc0, w->abar, dec->p.init_c_w,
                   U, D, H);
  /* abar = mean_i a_i */
  for (int u = 0; u < U; u++)
    for (int i = 0; i < L; i++)
      for (int k = 0; k < D; k++)
        w->da[((gsize) u * L + i) * D + k] += w->dabar[(gsize) u * D + k] / (float) L;
  _gaze_linear_backward (w->pool, w->da, g->att_a_w, g->att_b, w->dpa, w->a, dec->p.att_a_w, U * L, D,
                   s->attn);
  memset (w->dsq, 0, sizeof (float) * U * L * D);
  /* A dropped a_i is 0, so the ReLU's gate (a_i > 0) closes on it too. */
  if (w->annotations_masked)
    for (gsize i = 0; i < (gsize) U * L * D; i++)
      w->da[i] *= w->amask[i];
  _gaze_relu_backward (w->dsq, w->da, w->a, (gsize) U * L * D);
  float *dsq_bias = g->squeeze_b;
  if (dec->centre_cells)
    {
      _gaze_cell_centring_backward (w->dsq, g->squeeze_b, U, L, D);
      dsq_bias = NULL;
    }
  _gaze_linear_backward (w->pool, NULL, g->squeeze_w, dsq_bias, w->dsq, w->features, dec->p.squeeze_w,
                   U * L, s->channels, D);
}

void
_gaze_decoder_backward (const GazeDecoder *dec, GazeDecoderWork *w, GazeDecoderOptions *opt,
                       float *grads)
{
  const GazeDecoderSizes *s = &dec->sizes;
  const int L = s->cells, D = s->squeeze, H = s->hidden, E = s->embed, V = s->vocab;
  const int A = s->attn, K = E + D + H, n = w->n, N = w->N, U = w->U;
  GazeDecoderViews g;
  _gaze_decoder_views (dec, grads, &g);
  const float inv_tok = 1.0f / (float) N;

#define ZERO(name, count) memset (w->name, 0, sizeof (*w->name) * (gsize) (count))
  ZERO (dprobs, (gsize) N * V);
  ZERO (dxd, N * E);
  ZERO (dxo, N * E);
  ZERO (dey, N * E);
  ZERO (dcs, N * H);
  ZERO (dhp, N * H);
  ZERO (dcp, N * H);
  ZERO (dph, N * A);
  ZERO (dalpha, N * L);
  ZERO (dw, N * L);
  ZERO (dctx, N * D);
  ZERO (dsum_alpha, n * L);
  ZERO (da, U * L * D);
  ZERO (dpa, U * L * A);
#undef ZERO

  /* Vocabulary projection and dropout. */
  if (w->row_weight == NULL)
    _gaze_softmax_xent_backward (w->dprobs, w->probs, w->tgt, N, V, w->smoothing, inv_tok);
  else
    for (int t = 0; t < w->T; t++)
      for (int r = 0; r < w->nt[t]; r++)
        {
          const gsize tok = w->off[t] + r;
          _gaze_softmax_xent_backward (w->dprobs + tok * V, w->probs + tok * V, w->tgt + tok, 1, V,
                                 w->smoothing,
                                 inv_tok * w->row_weight[r]);
        }
  _gaze_linear_backward (w->pool, w->dxd, g.out_w, g.out_b, w->dprobs, w->xd, dec->p.out_w, N, E, V);
  if (w->dropout > 0.0f)
    _gaze_dropout_backward (w->dxo, w->dxd, w->mask, (gsize) N * E);
  else
    memcpy (w->dxo, w->dxd, sizeof (float) * N * E);

  /* Deep output: xo = E y + L_h h + L_z z. */
  for (gsize i = 0; i < (gsize) N * E; i++)
    w->dey[i] += w->dxo[i];
  _gaze_gemm_tn (w->pool, E, H, N, w->dxo, E, w->hs, H, 1.0f, g.out_h_w, H);
  _gaze_gemm_nn (w->pool, N, H, E, w->dxo, E, dec->p.out_h_w, H, 0.0f, w->dhs, H);
  _gaze_gemm_tn (w->pool, E, D, N, w->dxo, E, w->z, D, 1.0f, g.out_z_w, D);
  _gaze_gemm_nn (w->pool, N, D, E, w->dxo, E, dec->p.out_z_w, D, 0.0f, w->dz, D);

  /* Doubly stochastic penalty, per token like the cross-entropy. */
  _gaze_doubly_stochastic_backward (w->dsum_alpha, w->sum_alpha, n, L, w->lambda, inv_tok);

  /* REINFORCE (section 4.1): for a sampled caption the loss −log p(y|s̃,a)
   * also depends on α through the choice of s̃; its score-function gradient is
   * −λ_r (log p(y|s̃,a) − b) ∇ log p(s̃|a), with the baseline b (weighted
   * w_r when rows are).  A self-critical sample's cells, forced to those it
   * drew, earn its advantage instead. */
  const gboolean hard = w->attention == GAZE_ATTENTION_HARD;
  double own_sum = 0.0;
  int n_own = 0;
  for (int r = 0; r < n; r++)
    {
      w->baselined[r] = w->sampled[r] && (w->row_weight == NULL || w->own_cells[r]);
      if (w->baselined[r])
        own_sum += w->log_py[r], n_own++;
    }
  const float baseline = opt->baseline_unset && n_own > 0 ? (float) (own_sum / n_own)
                                                          : opt->baseline;
  for (int r = 0; r < n; r++)
    {
      const float weight = w->row_weight != NULL ? w->row_weight[r] : 1.0f;
      w->cell_reward[r] = !w->sampled[r] ? 0.0f
                          : w->baselined[r]
                            ? weight * opt->reinforce_weight * (float) (w->log_py[r] - baseline)
                            : weight;
    }

  for (int t = w->T - 1; t >= 0; t--)
    {
      const gsize o = w->off[t];
      const int m = w->nt[t];
      Step st = work_step (dec, w, t);
      float *dg = w->dgates + o * 4 * H, *dz = w->dz + o * D, *dhp = w->dhp + o * H;
      float *dcp = w->dcp + o * H, *dctx = w->dctx + o * D, *dal = w->dalpha + o * L;
      float *dph = w->dph + o * A, *dwt = w->dw + o * L;

      /* LSTM cell, then its input [E y; z; h_{t−1}] (the E y part after the loop). */
      st.dgates = dg, st.dcp = dcp, st.dh = w->dhs + o * H, st.dc = w->dcs + o * H;
      run_rows (w->pool, m, lstm_backward_slice, &st);
      _gaze_gemm_nn (w->pool, m, D, 4 * H, dg, 4 * H, dec->p.lstm_w + E, K, 1.0f, dz, D);
      _gaze_gemm_nn (w->pool, m, H, 4 * H, dg, 4 * H, dec->p.lstm_w + E + D, K, 1.0f, dhp, H);
      /* z = β Σ w a */
      _gaze_gate_backward (dhp, g.beta_w, g.beta_b, dctx, dz, st.beta, st.hp, dec->p.beta_w, st.ctx, m,
                     H, D);
      _gaze_context_backward (dwt, w->da, dctx, st.w, w->a, w->img, m, L, D);
      _gaze_attention_weights_backward (dal, dwt, w->dsum_alpha, st.alpha, w->loc + o, w->sampled,
                                  w->cell_reward, hard, opt->entropy_weight, inv_tok, m, L);
      _gaze_attention_backward (w->dpa, dph, g.att_v, dal, st.alpha, st.u, w->img, dec->p.att_v, m, L,
                          A);
      _gaze_gemm_nn (w->pool, m, H, A, dph, A, dec->p.att_h_w, H, 1.0f, dhp, H);

      /* Hand h_{t−1}, c_{t−1}'s gradients to step t−1's outputs. */
      if (t > 0)
        {
          const gsize prev = w->off[t - 1];
          for (gsize i = 0; i < (gsize) m * H; i++)
            {
              w->dhs[prev * H + i] += dhp[i];
              w->dcs[prev * H + i] += dcp[i];
            }
        }
    }

  /* The LSTM weights and the embedding, once over all tokens. */
  _gaze_gemm_tn (w->pool, 4 * H, E, N, w->dgates, 4 * H, w->ey, E, 1.0f, g.lstm_w, K);
  _gaze_gemm_tn (w->pool, 4 * H, D, N, w->dgates, 4 * H, w->z, D, 1.0f, g.lstm_w + E, K);
  _gaze_gemm_tn (w->pool, 4 * H, H, N, w->dgates, 4 * H, w->hp, H, 1.0f, g.lstm_w + E + D, K);
  for (int tok = 0; tok < N; tok++)
    for (int j = 0; j < 4 * H; j++)
      g.lstm_b[j] += w->dgates[(gsize) tok * 4 * H + j];
  _gaze_gemm_nn (w->pool, N, E, 4 * H, w->dgates, 4 * H, dec->p.lstm_w, K, 1.0f, w->dey, E);
  _gaze_embedding_backward (g.embed, w->dey, w->in_ids, N, E);
  _gaze_gemm_tn (w->pool, A, H, N, w->dph, A, w->hp, H, 1.0f, g.att_h_w, H);

  images_backward (dec, w, &g);

  /* b_k = 0.9 b_{k−1} + 0.1 log p(y|s̃_k, a), over this batch's captions
   * whose cells it rewarded; self-critical samples have their own baseline. */
  opt->baseline = _gaze_reinforce_baseline_update (baseline, w->log_py, w->baselined, n);
  if (n_own > 0)
    opt->baseline_unset = FALSE;
}

/* ── Inference ─────────────────────────────────────────────────────────────── */

GazeDecoderState *
_gaze_decoder_state_new (const GazeDecoder *dec, int max_rows, int max_images, GazePool *pool)
{
  const GazeDecoderSizes *s = &dec->sizes;
  const gsize L = s->cells, D = s->squeeze, H = s->hidden, A = s->attn, E = s->embed;
  const gsize R = max_rows, I = max_images;
  GazeDecoderState *st = g_new0 (GazeDecoderState, 1);
  st->pool = pool;
  st->max_images = max_images;
  st->max_rows = max_rows;
  st->a = g_new0 (float, I * L * D);
  st->pa = g_new0 (float, I * L * A);
  st->h0 = g_new0 (float, I * H);
  st->c0 = g_new0 (float, I * H);
  st->abar = g_new0 (float, I * D);
  st->img = g_new0 (int, R);
  st->ey = g_new0 (float, R * E);
  st->gates = g_new0 (float, R * 4 * H);
  st->ph = g_new0 (float, R * A);
  st->u = g_new0 (float, R * L * A);
  st->alpha = g_new0 (float, R * L);
  st->w = g_new0 (float, R * L);
  st->ctx = g_new0 (float, R * D);
  st->beta = g_new0 (float, R);
  st->z = g_new0 (float, R * D);
  st->c = g_new0 (float, R * H);
  st->tanh_c = g_new0 (float, R * H);
  st->h = g_new0 (float, R * H);
  st->xo = g_new0 (float, R * E);
  st->logits = g_new0 (float, R * s->vocab);
  return st;
}

void
_gaze_decoder_state_free (GazeDecoderState *st)
{
  if (st == NULL)
    return;
  float *arrays[] = { st->a, st->pa, st->h0, st->c0, st->ey, st->gates, st->ph, st->u,
                      st->alpha, st->w, st->ctx, st->beta, st->z, st->c, st->tanh_c, st->h,
                      st->xo, st->logits, st->abar };
  for (gsize i = 0; i < G_N_ELEMENTS (arrays); i++)
    g_free (arrays[i]);
  g_free (st->img);
  g_free (st);
}

void
_gaze_decoder_encode (const GazeDecoder *dec, GazeDecoderState *st, const float *grids,
                     int n_images)
{
  _gaze_decoder_encode_masked (dec, st, grids, n_images, NULL);
}

void
_gaze_decoder_encode_masked (const GazeDecoder *dec, GazeDecoderState *st, const float *grids,
                            int n_images, const float *amask)
{
  g_return_if_fail (n_images <= st->max_images);
  images_forward (dec, st->pool, n_images, grids, amask, st->a, st->abar, st->h0, st->c0, st->pa);
}

/* One step; a hard model attends to its argmax cell, or with rng to a cell
 * drawn from α_t, written to cells[r]. */
static void
decoder_step (const GazeDecoder *dec, GazeDecoderState *st, int n, const int *words,
              const float *h_prev, const float *c_prev, const float *mask, gboolean hard,
              GazeRng *rng, int *cells)
{
  const GazeDecoderSizes *s = &dec->sizes;
  const int L = s->cells;
  g_return_if_fail (n <= st->max_rows);
  _gaze_embedding_forward (st->ey, words, dec->p.embed, n, s->embed);
  gates_from_embedding (dec, st->pool, n, st->ey, st->gates);
  Step step = {
    .dec = dec, .pool = st->pool, .n = n, .img = st->img, .a = st->a, .pa = st->pa,
    .hp = h_prev, .cp = c_prev, .mask = mask,
    .gates = st->gates, .ph = st->ph, .u = st->u, .alpha = st->alpha, .w = st->w,
    .ctx = st->ctx, .beta = st->beta, .z = st->z, .c = st->c, .tanh_c = st->tanh_c, .h = st->h,
  };
  step_attend (dec, &step);
  for (int r = 0; r < n; r++)
    {
      const float *al = st->alpha + (gsize) r * L;
      float *wr = st->w + (gsize) r * L;
      if (hard)
        {
          /* At inference the hard model attends to its most probable cell;
           * self-critical training samples s_t ~ Multinoulli(α_t) (eq. 8). */
          const int cell = rng != NULL ? _gaze_attention_sample (al, L, rng)
                                       : _gaze_attention_argmax (al, L);
          memset (wr, 0, sizeof (float) * L);
          wr[cell] = 1.0f;
          if (cells != NULL)
            cells[r] = cell;
        }
      else
        memcpy (wr, al, sizeof (float) * L);
    }
  step_recur (dec, &step);
  deep_output_forward (dec, st->pool, n, st->ey, st->h, st->z, st->xo);
  _gaze_linear_forward (st->pool, st->logits, st->xo, dec->p.out_w, dec->p.out_b, n, s->embed, s->vocab);
  SoftmaxJob softmax = { st->logits, s->vocab };
  run_rows (st->pool, n, softmax_slice, &softmax);
}

void
_gaze_decoder_step (const GazeDecoder *dec, GazeDecoderState *st, int n, const int *words,
                   const float *h_prev, const float *c_prev, const float *mask, gboolean hard)
{
  decoder_step (dec, st, n, words, h_prev, c_prev, mask, hard, NULL, NULL);
}

void
_gaze_decoder_step_sampled (const GazeDecoder *dec, GazeDecoderState *st, int n, const int *words,
                           const float *h_prev, const float *c_prev, GazeRng *rng, int *cells)
{
  decoder_step (dec, st, n, words, h_prev, c_prev, NULL, TRUE, rng, cells);
}
