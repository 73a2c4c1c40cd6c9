/* attention.c — soft and hard attention, forward and backward (see attention.h). */
#include "attention.h"

#include <cblas.h>

#include "gaze.h"

/* ── Soft attention scores (eqs. 4-5) ──────────────────────────────────────── */

/* e_ti = w · tanh(W_a a_i + W_h h_{t−1} + b) (eq. 4), then α_t = softmax(e_t)
 * (eq. 5), with the maximum subtracted so that exp cannot overflow.  A cell
 * that the mask removes has e_ti = −∞: α_ti = 0 and the rest renormalised. */

void
_gaze_attention_forward (float *alpha, float *u, const float *pa, const int *img, const float *ph,
                   const float *v, const float *mask, int n, int cells, int attn_dim)
{
  const int L = cells, A = attn_dim;
  for (int r = 0; r < n; r++)
    {
      const float *par = pa + (gsize) img[r] * L * A, *phr = ph + (gsize) r * A;
      float *ur = u + (gsize) r * L * A, *al = alpha + (gsize) r * L;
      const float *mr = mask != NULL ? mask + (gsize) r * L : NULL;
      float max = -INFINITY;
      for (int i = 0; i < L; i++)
        {
          const float *pai = par + (gsize) i * A;
          float *ui = ur + (gsize) i * A;
          float e = 0.0f;
#pragma omp simd reduction(+ : e)
          for (int k = 0; k < A; k++)
            {
              ui[k] = gaze_tanhf (pai[k] + phr[k]);
              e += v[k] * ui[k];
            }
          al[i] = mr != NULL && mr[i] == 0.0f ? -INFINITY : e;
          max = al[i] > max ? al[i] : max;
        }
      float sum = 0.0f;
      for (int i = 0; i < L; i++)
        {
          al[i] = al[i] == -INFINITY ? 0.0f : gaze_expf (al[i] - max);
          sum += al[i];
        }
      for (int i = 0; i < L; i++)
        al[i] /= sum;
    }
}

void
_gaze_attention_backward (float *dpa, float *dph, float *dv, const float *dalpha, const float *alpha,
                    const float *u, const int *img, const float *v, int n, int cells,
                    int attn_dim)
{
  const int L = cells, A = attn_dim;
  /* Rows may share an image, so dpa is accumulated serially; the work per
   * row is small next to the GEMMs around it. */
  for (int r = 0; r < n; r++)
    {
      const float *al = alpha + (gsize) r * L, *da = dalpha + (gsize) r * L;
      const float *ur = u + (gsize) r * L * A;
      float *dpar = dpa + (gsize) img[r] * L * A, *dphr = dph + (gsize) r * A;
      /* softmax: de_i = α_i (dα_i − Σ_j α_j dα_j) */
      float dot = 0.0f;
      for (int i = 0; i < L; i++)
        dot += al[i] * da[i];
      for (int i = 0; i < L; i++)
        {
          float de = al[i] * (da[i] - dot);
          const float *ui = ur + (gsize) i * A;
          float *dpai = dpar + (gsize) i * A;
#pragma omp simd
          for (int k = 0; k < A; k++)
            {
              /* e = v·u, u = tanh(pa + ph) */
              float dpre = de * v[k] * (1.0f - ui[k] * ui[k]);
              dv[k] += de * ui[k];
              dpai[k] += dpre;
              dphr[k] += dpre;
            }
        }
    }
}

/* ── Context (eq. 6) ───────────────────────────────────────────────────────── */

/* Σ_i w_ti a_i: the expected annotation under α (soft, eq. 13) or the sampled
 * a_s (hard, eq. 8). */

void
_gaze_context_forward (float *ctx, const float *w, const float *a, const int *img, int n, int cells,
                 int dim)
{
  for (int r = 0; r < n; r++)
    {
      /* ctx[r] = w[r]ᵀ · a[img[r]]  (a [L,D]) */
      cblas_sgemv (CblasRowMajor, CblasTrans, cells, dim, 1.0f, a + (gsize) img[r] * cells * dim,
                   dim, w + (gsize) r * cells, 1, 0.0f, ctx + (gsize) r * dim, 1);
    }
}

void
_gaze_context_backward (float *dw, float *da, const float *dctx, const float *w, const float *a,
                  const int *img, int n, int cells, int dim)
{
  for (int r = 0; r < n; r++)
    {
      const float *ar = a + (gsize) img[r] * cells * dim, *dc = dctx + (gsize) r * dim;
      /* dw_i += dctx · a_i;  da_i += w_i dctx */
      if (dw != NULL)
        cblas_sgemv (CblasRowMajor, CblasNoTrans, cells, dim, 1.0f, ar, dim, dc, 1, 1.0f,
                     dw + (gsize) r * cells, 1);
      cblas_sger (CblasRowMajor, cells, dim, 1.0f, w + (gsize) r * cells, 1, dc, 1,
                  da + (gsize) img[r] * cells * dim, dim);
    }
}

/* ── Gate β (section 4.2.1) ──────────────────────────────────────────────────── */

/* β_t = σ(f_β(h_{t−1})) scales the context: z_t = β_t Σ_i w_ti a_i.  The paper
 * found it makes the model put more weight on the objects in the image. */

void
_gaze_gate_forward (float *z, float *beta, const float *h, const float *w_beta, const float *b_beta,
              const float *ctx, int n, int hidden, int dim)
{
  for (int r = 0; r < n; r++)
    {
      const float *hr = h + (gsize) r * hidden;
      float s = b_beta[0];
#pragma omp simd reduction(+ : s)
      for (int j = 0; j < hidden; j++)
        s += w_beta[j] * hr[j];
      float b = gaze_sigmoidf (s);
      beta[r] = b;
      const float *cr = ctx + (gsize) r * dim;
      float *zr = z + (gsize) r * dim;
#pragma omp simd
      for (int k = 0; k < dim; k++)
        zr[k] = b * cr[k];
    }
}

void
_gaze_gate_backward (float *dh, float *dw_beta, float *db_beta, float *dctx, const float *dz,
               const float *beta, const float *h, const float *w_beta, const float *ctx, int n,
               int hidden, int dim)
{
  for (int r = 0; r < n; r++)
    {
      const float *dzr = dz + (gsize) r * dim, *cr = ctx + (gsize) r * dim;
      float *dcr = dctx + (gsize) r * dim;
      float b = beta[r], dbeta = 0.0f;
#pragma omp simd reduction(+ : dbeta)
      for (int k = 0; k < dim; k++)
        {
          dbeta += dzr[k] * cr[k];
          dcr[k] += b * dzr[k];
        }
      float ds = dbeta * b * (1.0f - b); /* through σ */
      const float *hr = h + (gsize) r * hidden;
      float *dhr = dh + (gsize) r * hidden;
#pragma omp simd
      for (int j = 0; j < hidden; j++)
        {
          dw_beta[j] += ds * hr[j];
          dhr[j] += ds * w_beta[j];
        }
      db_beta[0] += ds;
    }
}

/* ── Hard attention: the context weights w_t (sections 4.1, 4.2) ───────────── */

int
_gaze_attention_sample (const float *alpha, int cells, GazeRng *rng)
{
  float x = _gaze_rng_uniform (rng), acc = 0.0f;
  for (int i = 0; i < cells; i++)
    {
      acc += alpha[i];
      if (x < acc)
        return i;
    }
  /* Rounding left x above the sum: the last cell with any weight. */
  for (int i = cells - 1; i > 0; i--)
    if (alpha[i] > 0.0f)
      return i;
  return 0;
}

int
_gaze_attention_argmax (const float *alpha, int cells)
{
  int best = 0;
  for (int i = 1; i < cells; i++)
    if (alpha[i] > alpha[best])
      best = i;
  return best;
}

void
_gaze_attention_weights_forward (float *w, int *loc, double *log_ps, float *sum_alpha,
                           const float *alpha, const gboolean *sampled, const int *forced,
                           int forced_stride, GazeRng *rng, int n, int cells)
{
  const int L = cells;
  for (int r = 0; r < n; r++)
    {
      const float *al = alpha + (gsize) r * L;
      float *wr = w + (gsize) r * L;
      float *sa = sum_alpha + (gsize) r * L;
      /* Σ_t α_ti for the penalty (eq. 14), whatever the context uses. */
      for (int i = 0; i < L; i++)
        sa[i] += al[i];
      if (sampled[r])
        {
          /* s_t ~ Multinoulli(α_t) (eq. 8); z_t = β_t a_s. */
          int cell = forced != NULL ? forced[(gsize) r * forced_stride] : -1;
          if (cell < 0)
            cell = _gaze_attention_sample (al, L, rng);
          memset (wr, 0, sizeof (float) * L);
          wr[cell] = 1.0f;
          loc[r] = cell;
          /* log p(s|a) = Σ_t log α_{t,s_t}, the score function's argument (eq. 10). */
          log_ps[r] += log (fmax ((double) al[cell], 1e-30));
        }
      else
        {
          /* The expectation, s̃ = α (eq. 13). */
          memcpy (wr, al, sizeof (float) * L);
          loc[r] = -1;
        }
    }
}

void
_gaze_attention_weights_backward (float *dalpha, const float *dw, const float *dsum_alpha,
                            const float *alpha, const int *loc, const gboolean *sampled,
                            const float *cell_reward, gboolean hard, float entropy_weight,
                            float scale, int n, int cells)
{
  const int L = cells;
  for (int r = 0; r < n; r++)
    {
      float *d = dalpha + (gsize) r * L;
      const float *al = alpha + (gsize) r * L;
      if (!sampled[r])
        /* w = α: the gradient through the context. */
        for (int i = 0; i < L; i++)
          d[i] += dw[(gsize) r * L + i];
      else
        {
          /* The loss −log p(y|s̃,a) depends on α only through the choice of s̃:
           * its score-function gradient is −λ_r (log p(y|s̃,a) − b) ∇ log α_s
           * (eqs. 11-12), and ∂ log α_s / ∂α_s = 1/α_s.  Self-critical
           * training rewards the pair (s, y) with its advantage A_r, so the
           * cells get −A_r ∇ log α_s, as the words get −A_r ∇ log p(y|s,a).
           * cell_reward[r] is the one or the other. */
          const int cell = loc[r];
          d[cell] += -cell_reward[r] * scale / fmaxf (al[cell], 1e-30f);
        }
      if (hard)
        /* −λ_e H[α_t] (eq. 12): dH/dα_i = −(log α_i + 1) */
        for (int i = 0; i < L; i++)
          d[i] += entropy_weight * scale * (logf (fmaxf (al[i], 1e-30f)) + 1.0f);
      /* The doubly stochastic penalty, through Σ_t α_ti (eq. 14). */
      for (int i = 0; i < L; i++)
        d[i] += dsum_alpha[(gsize) r * L + i];
    }
}

float
_gaze_reinforce_baseline_update (float baseline, const double *log_py, const gboolean *baselined,
                                 int n)
{
  double sum_log_py = 0.0;
  int n_sampled = 0;
  for (int r = 0; r < n; r++)
    if (baselined[r])
      {
        sum_log_py += log_py[r];
        n_sampled++;
      }
  if (n_sampled == 0)
    return baseline;
  return 0.9f * baseline + 0.1f * (float) (sum_log_py / n_sampled);
}

/* ── Doubly stochastic penalty (eq. 14) ─────────────────────────────────────── */

/* λ Σ_i (1 − Σ_t α_ti)²: summed over the cells, as the paper does.  Its
 * gradient −2λ(1 − Σ_t α_ti) reaches every step's α_t unscaled by β (see
 * _gaze_attention_weights_backward). */

double
_gaze_doubly_stochastic_forward (const float *sum_alpha, int n, int cells, float lambda)
{
  double total = 0.0;
  for (gsize i = 0; i < (gsize) n * cells; i++)
    {
      double d = 1.0 - (double) sum_alpha[i];
      total += d * d;
    }
  return lambda * total;
}

void
_gaze_doubly_stochastic_backward (float *dsum_alpha, const float *sum_alpha, int n, int cells,
                            float lambda, float scale)
{
  for (gsize i = 0; i < (gsize) n * cells; i++)
    dsum_alpha[i] += scale * (-2.0f * lambda * (1.0f - sum_alpha[i]));
}

/* ── Liveness of a caption's attention ─────────────────────────────────────── */

void
gaze_beam_attention_stats (const GazeBeam *beam, int n_cells, float *mean_peak,
                           float *mean_change)
{
  double peak_sum = 0.0, change_sum = 0.0;
  for (int t = 0; t < beam->n_words; t++)
    {
      const float *alpha = beam->words[t].alpha;
      float peak = 0.0f;
      for (int i = 0; i < n_cells; i++)
        peak = MAX (peak, alpha[i]);
      peak_sum += peak;
      if (t > 0)
        {
          /* ½ Σ_i |α_t,i − α_t−1,i|: the mass that moved between the words. */
          const float *prev = beam->words[t - 1].alpha;
          double tv = 0.0;
          for (int i = 0; i < n_cells; i++)
            tv += fabs ((double) alpha[i] - prev[i]);
          change_sum += 0.5 * tv;
        }
    }
  *mean_peak = beam->n_words > 0 ? (float) (peak_sum / beam->n_words) : 0.0f;
  *mean_change = beam->n_words > 1 ? (float) (change_sum / (beam->n_words - 1)) : 0.0f;
}
