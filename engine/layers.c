/* layers.c — forward and backward passes of the decoder's layers (see layers.h). */
#include "layers.h"

#include <cblas.h>

/* ── Random numbers: xoshiro256**, seeded by splitmix64 ─────────────────────── */

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void
gaze_rng_seed (GazeRng *rng, guint64 seed)
{
  guint64 x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

guint64
gaze_rng_next (GazeRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

float
gaze_rng_uniform (GazeRng *rng)
{
  return (float) (gaze_rng_next (rng) >> 40) * (1.0f / 16777216.0f);
}

float
gaze_rng_normal (GazeRng *rng)
{
  /* Box-Muller; 1 − u keeps the logarithm finite. */
  double u1 = 1.0 - (double) (gaze_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
  double u2 = (double) (gaze_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
  return (float) (sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2));
}

guint32
gaze_rng_below (GazeRng *rng, guint32 n)
{
  /* Lemire's multiply-shift; the bias for n ≪ 2³² is negligible here. */
  return (guint32) (((gaze_rng_next (rng) >> 32) * (guint64) n) >> 32);
}

/* ── Work on slices of rows, in a pool ─────────────────────────────────────── */

typedef struct {
  GazePoolFunc func;
  gpointer data;
  int n, chunk;
  gint next;
} Chunks;

/* Each thread takes the next chunk until none is left: when the machine is
 * busy and one thread starts late, the other does more of the chunks rather
 * than waiting for it. */
static void
chunk_worker (int begin, int end, gpointer data)
{
  Chunks *c = data;
  for (;;)
    {
      int first = g_atomic_int_add (&c->next, 1) * c->chunk;
      if (first >= c->n)
        break;
      c->func (first, MIN (first + c->chunk, c->n), c->data);
    }
}

void
gaze_run_slices (GazePool *pool, int n, int align, GazePoolFunc func, gpointer data)
{
  const int threads = pool != NULL ? gaze_pool_get_n_threads (pool) : 1;
  if (n <= 0)
    return;
  if (threads < 2 || n <= align)
    {
      func (0, n, data);
      return;
    }
  /* Two chunks a thread, each a multiple of align. */
  int chunk = (n + 2 * threads - 1) / (2 * threads);
  chunk = (chunk + align - 1) / align * align;
  Chunks c = { func, data, n, chunk, 0 };
  gaze_pool_run (pool, threads, chunk_worker, &c);
}

/* ── GEMM helpers ──────────────────────────────────────────────────────────── */

/* Products smaller than this many multiply-adds stay in one thread. */
#define GEMM_SPLIT_MIN (1 << 18)

typedef struct {
  CBLAS_TRANSPOSE ta, tb;
  int m, n, k, lda, ldb, ldo;
  const float *a, *b;
  float beta;
  float *out;
  gboolean split_rows;
} GemmJob;

static void
gemm_slice (int begin, int end, gpointer data)
{
  const GemmJob *j = data;
  const float *a = j->a, *b = j->b;
  float *out = j->out;
  int m = j->m, n = j->n;
  if (j->split_rows)
    {
      /* Rows begin..end of out: rows of op(a). */
      a += j->ta == CblasNoTrans ? (gsize) begin * j->lda : (gsize) begin;
      out += (gsize) begin * j->ldo;
      m = end - begin;
    }
  else
    {
      /* Columns begin..end of out: columns of op(b). */
      b += j->tb == CblasTrans ? (gsize) begin * j->ldb : (gsize) begin;
      out += begin;
      n = end - begin;
    }
  cblas_sgemm (CblasRowMajor, j->ta, j->tb, m, n, j->k, 1.0f, a, j->lda, b, j->ldb, j->beta, out,
               j->ldo);
}

static void
gemm (GazePool *pool, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k,
      const float *a, int lda, const float *b, int ldb, float beta, float *out, int ldo)
{
  if (m <= 0 || n <= 0)
    return;
  GemmJob job = { ta, tb, m, n, k, lda, ldb, ldo, a, b, beta, out, m >= n };
  if ((gint64) m * n * k < GEMM_SPLIT_MIN)
    gemm_slice (0, job.split_rows ? m : n, &job);
  else
    /* Column slices a multiple of 16, the SIMD kernels' width. */
    gaze_run_slices (pool, job.split_rows ? m : n, job.split_rows ? 4 : 16, gemm_slice, &job);
}

void
gaze_gemm_nt (GazePool *pool, int m, int n, int k, const float *a, int lda, const float *b,
              int ldb, float beta, float *out, int ldo)
{
  gemm (pool, CblasNoTrans, CblasTrans, m, n, k, a, lda, b, ldb, beta, out, ldo);
}

void
gaze_gemm_nn (GazePool *pool, int m, int n, int k, const float *a, int lda, const float *b,
              int ldb, float beta, float *out, int ldo)
{
  gemm (pool, CblasNoTrans, CblasNoTrans, m, n, k, a, lda, b, ldb, beta, out, ldo);
}

void
gaze_gemm_tn (GazePool *pool, int m, int n, int k, const float *a, int lda, const float *b,
              int ldb, float beta, float *out, int ldo)
{
  gemm (pool, CblasTrans, CblasNoTrans, m, n, k, a, lda, b, ldb, beta, out, ldo);
}

/* ── Linear ────────────────────────────────────────────────────────────────── */

void
linear_forward (GazePool *pool, float *out, const float *in, const float *weight,
                const float *bias, int n, int in_dim, int out_dim)
{
  if (bias != NULL)
    for (int r = 0; r < n; r++)
      memcpy (out + (gsize) r * out_dim, bias, sizeof (float) * out_dim);
  gaze_gemm_nt (pool, n, out_dim, in_dim, in, in_dim, weight, in_dim, bias != NULL ? 1.0f : 0.0f,
                out, out_dim);
}

void
linear_backward (GazePool *pool, float *din, float *dweight, float *dbias, const float *dout,
                 const float *in, const float *weight, int n, int in_dim, int out_dim)
{
  /* din += dout · W;  dW += doutᵀ · in;  db += Σ_r dout[r] */
  if (din != NULL)
    gaze_gemm_nn (pool, n, in_dim, out_dim, dout, out_dim, weight, in_dim, 1.0f, din, in_dim);
  gaze_gemm_tn (pool, out_dim, in_dim, n, dout, out_dim, in, in_dim, 1.0f, dweight, in_dim);
  if (dbias != NULL)
    for (int r = 0; r < n; r++)
      {
        const float *d = dout + (gsize) r * out_dim;
#pragma omp simd
        for (int o = 0; o < out_dim; o++)
          dbias[o] += d[o];
      }
}

/* ── Pointwise ─────────────────────────────────────────────────────────────── */

void
relu_forward (float *out, const float *in, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void
relu_backward (float *din, const float *dout, const float *out, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    din[i] += out[i] > 0.0f ? dout[i] : 0.0f;
}

void
tanh_forward (float *out, const float *in, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    out[i] = gaze_tanhf (in[i]);
}

void
tanh_backward (float *din, const float *dout, const float *out, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    din[i] += dout[i] * (1.0f - out[i] * out[i]);
}

void
sigmoid_forward (float *out, const float *in, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    out[i] = gaze_sigmoidf (in[i]);
}

void
sigmoid_backward (float *din, const float *dout, const float *out, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    din[i] += dout[i] * out[i] * (1.0f - out[i]);
}

/* ── Embedding ─────────────────────────────────────────────────────────────── */

void
embedding_forward (float *out, const int *ids, const float *table, int n, int dim)
{
  for (int r = 0; r < n; r++)
    memcpy (out + (gsize) r * dim, table + (gsize) ids[r] * dim, sizeof (float) * dim);
}

void
embedding_backward (float *dtable, const float *dout, const int *ids, int n, int dim)
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
lstm_cell_forward (float *gates, const float *c_prev, float *c, float *tanh_c, float *h, int n,
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
lstm_cell_backward (float *dgates, float *dc_prev, const float *dh, const float *dc,
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
softmax_xent_forward (float *probs, const int *targets, int n, int classes)
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
        loss += -log (fmax ((double) p[targets[r]], 1e-30));
    }
  return loss;
}

void
softmax_xent_backward (float *dlogits, const float *probs, const int *targets, int n, int classes,
                       float scale)
{
  for (int r = 0; r < n; r++)
    {
      const float *p = probs + (gsize) r * classes;
      float *d = dlogits + (gsize) r * classes;
#pragma omp simd
      for (int k = 0; k < classes; k++)
        d[k] += scale * p[k];
      d[targets[r]] -= scale;
    }
}

/* ── Dropout ───────────────────────────────────────────────────────────────── */

void
dropout_mask (float *mask, gsize n, float p, GazeRng *rng)
{
  float keep = 1.0f / (1.0f - p);
  for (gsize i = 0; i < n; i++)
    mask[i] = p > 0.0f && gaze_rng_uniform (rng) < p ? 0.0f : keep;
}

void
dropout_forward (float *out, const float *in, const float *mask, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    out[i] = in[i] * mask[i];
}

void
dropout_backward (float *din, const float *dout, const float *mask, gsize n)
{
#pragma omp simd
  for (gsize i = 0; i < n; i++)
    din[i] += dout[i] * mask[i];
}
