/* test-hard.c — hard attention's REINFORCE gradient is unbiased (section 4.1).
 *
 * On a tiny decoder (4 cells, one caption of 3 steps: 4³ = 64 location
 * sequences) the objective L_s = Σ_s p(s|a) log p(y|s,a) is computed exactly by
 * enumerating every s (forced locations).  Its exact gradient is
 *   Σ_s p(s) [∇ log p(y|s) + log p(y|s) ∇ log p(s)],
 * summed over the 64 sequences with the decoder's backward pass (forced s,
 * baseline 0); that sum is first checked against central finite differences
 * of L_s (to their precision: 2e-4 + 2%).  Then the decoder's stochastic
 * gradient — sampled s, the moving baseline, no entropy term — is averaged
 * over 40000 samples, and
 *   - every component of the mean lies within 5 standard errors of the exact
 *     gradient, and
 *   - over the attention's own parameters (W_a, b, W_h, v: reached only
 *     through the score-function term) the relative L2 error is at most 3×
 *     what the sampling noise alone gives (as estimated from the batch means),
 *     plus 0.5%.  (Measured: 2.8% against a noise estimate of 1.05%; with 4×
 *     the samples the error halves, as noise does, to 1.4%.)
 * Without the score-function term the same check fails (the error is over 5×
 * the noise): the test can tell a biased estimator. */
#include <math.h>

#include "decoder.h"
#include "gaze-train.h"

enum { STEPS = 3, STRIDE = 5, CELLS = 4 };

typedef struct {
  GazeDecoder *dec;
  GazeDecoderWork *work;
  GazeDecoderBatch batch;
  float *features;
} Problem;

static const int tokens[STRIDE] = { GAZE_TOKEN_START, 4, 5, GAZE_TOKEN_END, 0 };
static const int lengths[1] = { STEPS };
static const int img[1] = { 0 };

static void
problem_init (Problem *p)
{
  GazeDecoderSizes sizes = { .vocab = 6, .channels = 3, .squeeze = 3, .embed = 3, .hidden = 4,
                             .attn = 3, .cells = CELLS };
  GazeRng rng;
  _gaze_rng_seed (&rng, 2015);
  p->dec = _gaze_decoder_new (&sizes);
  _gaze_decoder_init_params (p->dec, &rng);
  for (gsize i = 0; i < p->dec->n_params; i++)
    p->dec->params[i] = 2.0f * p->dec->params[i] + 0.3f * _gaze_rng_normal (&rng);
  p->features = g_new (float, CELLS * 3);
  for (int i = 0; i < CELLS * 3; i++)
    p->features[i] = 2.0f * _gaze_rng_uniform (&rng);
  p->work = _gaze_decoder_work_new (1);
  p->batch = (GazeDecoderBatch) { .n = 1, .n_images = 1, .features = p->features, .img = img,
                                  .lengths = lengths, .tokens = tokens, .stride = STRIDE };
}

static void
problem_clear (Problem *p)
{
  _gaze_decoder_work_free (p->work);
  _gaze_decoder_free (p->dec);
  g_free (p->features);
}

/* L_s = Σ_s p(s|a) log p(y|s,a), by enumeration. */
static double
expected_log_likelihood (Problem *p)
{
  double total = 0.0;
  int forced[STRIDE] = { 0 };
  for (int code = 0; code < CELLS * CELLS * CELLS; code++)
    {
      forced[0] = code % CELLS, forced[1] = code / CELLS % CELLS, forced[2] = code / 16;
      GazeDecoderOptions opt = { .attention = GAZE_ATTENTION_HARD, .forced = forced };
      _gaze_decoder_forward (p->dec, p->work, &p->batch, &opt);
      total += exp (_gaze_decoder_work_log_ps (p->work, 0)) * _gaze_decoder_work_log_py (p->work, 0);
    }
  return total;
}

/* The decoder's loss is −log p(y|s̃)/n_tokens, so its expected gradient is
 * −∇L_s / n_tokens. */
static double *
finite_difference_gradient (Problem *p)
{
  const gsize n = p->dec->n_params;
  double *g = g_new (double, n);
  const float eps = 1e-3f;
  for (gsize i = 0; i < n; i++)
    {
      float saved = p->dec->params[i];
      p->dec->params[i] = saved + eps;
      double plus = expected_log_likelihood (p);
      p->dec->params[i] = saved - eps;
      double minus = expected_log_likelihood (p);
      p->dec->params[i] = saved;
      g[i] = -(plus - minus) / (2.0 * eps) / STEPS;
    }
  return g;
}

/* Σ_s p(s) × the decoder's gradient for forced s with baseline 0. */
static double *
enumerated_gradient (Problem *p)
{
  const gsize n = p->dec->n_params;
  double *g = g_new0 (double, n);
  float *gs = g_new (float, n);
  int forced[STRIDE] = { 0 };
  for (int code = 0; code < CELLS * CELLS * CELLS; code++)
    {
      forced[0] = code % CELLS, forced[1] = code / CELLS % CELLS, forced[2] = code / 16;
      GazeDecoderOptions opt = { .attention = GAZE_ATTENTION_HARD, .forced = forced,
                                 .reinforce_weight = 1.0f };
      _gaze_decoder_forward (p->dec, p->work, &p->batch, &opt);
      double ps = exp (_gaze_decoder_work_log_ps (p->work, 0));
      memset (gs, 0, sizeof (float) * n);
      _gaze_decoder_backward (p->dec, p->work, &opt, gs);
      for (gsize i = 0; i < n; i++)
        g[i] += ps * gs[i];
    }
  g_free (gs);
  return g;
}

/* Mean and standard error of the sampled gradient over m samples.  The
 * moving baseline correlates consecutive samples, so the standard error comes
 * from the spread of the means of 40 blocks of consecutive samples (batch
 * means), not from the per-sample variance. */
static void
sampled_gradient (Problem *p, int m, float reinforce_weight, const float *row_weight,
                  double *mean, double *se)
{
  enum { BLOCKS = 40 };
  const gsize n = p->dec->n_params;
  const int per_block = m / BLOCKS;
  double *block = g_new0 (double, n), *sum2 = g_new0 (double, n);
  float *g = g_new (float, n);
  memset (mean, 0, sizeof (double) * n);
  GazeRng rng;
  _gaze_rng_seed (&rng, 77);
  GazeDecoderOptions opt = { .attention = GAZE_ATTENTION_HARD, .expected_prob = 0.0f,
                             .reinforce_weight = reinforce_weight, .rng = &rng,
                             .row_weight = row_weight, .baseline_unset = row_weight != NULL };
  for (int b = 0; b < BLOCKS; b++)
    {
      memset (block, 0, sizeof (double) * n);
      for (int k = 0; k < per_block; k++)
        {
          _gaze_decoder_forward (p->dec, p->work, &p->batch, &opt);
          memset (g, 0, sizeof (float) * n);
          /* Uses b_{k−1} and leaves b_k in opt.baseline. */
          _gaze_decoder_backward (p->dec, p->work, &opt, g);
          for (gsize i = 0; i < n; i++)
            block[i] += g[i];
        }
      for (gsize i = 0; i < n; i++)
        {
          double bm = block[i] / per_block;
          mean[i] += bm / BLOCKS;
          sum2[i] += bm * bm;
        }
    }
  for (gsize i = 0; i < n; i++)
    {
      double var = fmax (sum2[i] / BLOCKS - mean[i] * mean[i], 0.0) * BLOCKS / (BLOCKS - 1);
      se[i] = sqrt (var / BLOCKS);
    }
  g_free (block);
  g_free (sum2);
  g_free (g);
}

/* How many components are off, and the relative L2 error of the mean over
 * the attention's own parameters (W_a, b, W_h, v), which receive gradient
 * only through α, so only through the score-function term. */
static int
compare (const Problem *p, const double *exact, const double *mean, const double *se,
         double *rel, double *noise)
{
  const gsize n = p->dec->n_params;
  double scale = 0.0;
  for (gsize i = 0; i < n; i++)
    scale = fmax (scale, fabs (exact[i]));
  int bad = 0;
  for (gsize i = 0; i < n; i++)
    if (fabs (mean[i] - exact[i]) > 5.0 * se[i] + 1e-6 * scale)
      bad++;
  const gsize begin = p->dec->tensors[GAZE_P_ATT_A_W].offset;
  const gsize end = p->dec->tensors[GAZE_P_ATT_V].offset + p->dec->tensors[GAZE_P_ATT_V].size;
  double diff = 0.0, norm = 0.0, var = 0.0;
  for (gsize i = begin; i < end; i++)
    {
      diff += (mean[i] - exact[i]) * (mean[i] - exact[i]);
      norm += exact[i] * exact[i];
      var += se[i] * se[i];
    }
  *rel = sqrt (diff / norm);
  /* The relative error that sampling noise alone gives, in expectation. */
  *noise = sqrt (var / norm);
  return bad;
}

static void
test_reinforce_unbiased (void)
{
  Problem p;
  problem_init (&p);
  const gsize n = p.dec->n_params;
  g_autofree double *exact = enumerated_gradient (&p);
  g_autofree double *fd = finite_difference_gradient (&p);
  for (gsize i = 0; i < n; i++)
    if (fabs (exact[i] - fd[i]) > 2e-4 + 0.02 * fabs (fd[i]))
      g_error ("exact gradient[%" G_GSIZE_FORMAT "] %.6g, finite differences %.6g", i,
               exact[i], fd[i]);
  g_autofree double *mean = g_new (double, n);
  g_autofree double *se = g_new (double, n);
  const int m = 40000;
  sampled_gradient (&p, m, 1.0f, NULL, mean, se);
  double rel, noise;
  int bad = compare (&p, exact, mean, se, &rel, &noise);
  g_test_message ("REINFORCE: %" G_GSIZE_FORMAT " parameters, %d samples: %d outside 5 SE; "
                  "attention parameters: relative L2 error %.4f, sampling noise %.4f", n, m, bad,
                  rel, noise);
  g_assert_cmpint (bad, ==, 0);
  g_assert_cmpfloat (rel, <, 3.0 * noise + 0.005);

  /* Dropping the score-function term biases the estimate; the check sees it. */
  sampled_gradient (&p, m, 0.0f, NULL, mean, se);
  int bad_biased = compare (&p, exact, mean, se, &rel, &noise);
  g_test_message ("without REINFORCE: %d outside 5 SE; relative L2 error %.4f, noise %.4f",
                  bad_biased, rel, noise);
  g_assert_cmpint (bad_biased, >, 0);
  g_assert_cmpfloat (rel, >, 5.0 * noise + 0.005);
  problem_clear (&p);
}

/* Self-critical training with the references mixed in: a reference caption
 * draws its own cells and counts row_weight times, so its stochastic gradient
 * must be that weight times the maximum-likelihood one — REINFORCE term
 * included, its baseline started from the first batch (baseline_unset)
 * rather than 0.  Rewarding its cells with the row weight itself, as a
 * self-critical sample's are, fails this check. */
static void
test_reinforce_weighted (void)
{
  Problem p;
  problem_init (&p);
  const gsize n = p.dec->n_params;
  const float weight = 0.4f;
  g_autofree double *exact = enumerated_gradient (&p);
  for (gsize i = 0; i < n; i++)
    exact[i] *= weight;
  g_autofree double *mean = g_new (double, n);
  g_autofree double *se = g_new (double, n);
  const int m = 40000;
  sampled_gradient (&p, m, 1.0f, &weight, mean, se);
  double rel, noise;
  int bad = compare (&p, exact, mean, se, &rel, &noise);
  g_test_message ("weighted %.1f: %d outside 5 SE; attention parameters: relative L2 error %.4f, "
                  "sampling noise %.4f", weight, bad, rel, noise);
  g_assert_cmpint (bad, ==, 0);
  g_assert_cmpfloat (rel, <, 3.0 * noise + 0.005);
  problem_clear (&p);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hard/reinforce-unbiased", test_reinforce_unbiased);
  g_test_add_func ("/hard/reinforce-weighted", test_reinforce_weighted);
  return g_test_run ();
}
