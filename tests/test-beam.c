/* test-beam.c — greedy decoding and beam search on small random models. */
#include <math.h>

#include "test-models.h"

static const char *const words[] = { "<pad>", "<start>", "<end>", "<unk>", "a",    "dog",
                                     "runs",  "on",      "the",   "grass", "cat", "sits" };

/* A random model over 3 × 3 cells, and a grid for it. */
static GazeModel *
random_model (GazeAttention attention, guint64 seed, float **grid)
{
  GazeDecoderSizes sizes = { .vocab = G_N_ELEMENTS (words), .channels = 10, .squeeze = 8,
                             .embed = 8, .hidden = 16, .attn = 8, .cells = 9 };
  GazeRng rng;
  _gaze_rng_seed (&rng, seed);
  GazeModel *model
    = test_model_random (&sizes, words, G_N_ELEMENTS (words), attention, &rng, "00");
  *grid = g_new (float, sizes.cells * sizes.channels);
  for (int i = 0; i < sizes.cells * sizes.channels; i++)
    (*grid)[i] = 2.0f * _gaze_rng_uniform (&rng);
  return model;
}

/* Greedy decoding written independently of beam.c, on _gaze_decoder_step. */
static GPtrArray *
greedy_words (const GazeModel *model, const float *grid, GArray *probs)
{
  const GazeDecoder *dec = model->dec;
  const int V = dec->sizes.vocab, H = dec->sizes.hidden;
  GazeDecoderState *st = _gaze_decoder_state_new (dec, 1, 1, NULL);
  _gaze_decoder_encode (dec, st, grid, 1);
  float *h = g_memdup2 (st->h0, sizeof (float) * H), *c = g_memdup2 (st->c0, sizeof (float) * H);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  int word = GAZE_TOKEN_START;
  for (int t = 0; t <= 20; t++)
    {
      _gaze_decoder_step (dec, st, 1, &word, h, c, NULL, model->attention == GAZE_ATTENTION_HARD);
      int best = -1;
      for (int v = 0; v < V; v++)
        if (v != GAZE_TOKEN_PAD && v != GAZE_TOKEN_START && v != GAZE_TOKEN_UNK
            && (t < 20 || v == GAZE_TOKEN_END) && (best < 0 || st->logits[v] > st->logits[best]))
          best = v;
      if (best == GAZE_TOKEN_END)
        break;
      g_ptr_array_add (out, g_strdup (words[best]));
      g_array_append_val (probs, st->logits[best]);
      memcpy (h, st->h, sizeof (float) * H);
      memcpy (c, st->c, sizeof (float) * H);
      word = best;
    }
  g_free (h), g_free (c);
  _gaze_decoder_state_free (st);
  return out;
}

static void
check_caption (const GazeCaption *caption, int width)
{
  g_assert_cmpint (caption->n_beams, ==, width);
  g_assert_cmpint (caption->n_cells, ==, 9);
  g_assert_cmpint (caption->grid_size, ==, 3);
  for (int b = 0; b < caption->n_beams; b++)
    {
      const GazeBeam *beam = &caption->beams[b];
      /* Best first, by the length-normalised score. */
      if (b > 0)
        g_assert_cmpfloat (beam->score, <=, caption->beams[b - 1].score);
      g_assert_cmpfloat_with_epsilon (beam->score, beam->log_prob / sqrtf (beam->n_words + 1),
                                      1e-5);
      g_assert_cmpint (beam->n_words, <=, 20);
      double sum_log = 0.0;
      for (int i = 0; i < beam->n_words; i++)
        {
          const GazeWord *w = &beam->words[i];
          double sum = 0.0;
          for (int k = 0; k < 9; k++)
            {
              g_assert_cmpfloat (w->alpha[k], >=, 0.0f);
              sum += w->alpha[k];
              g_assert_cmpfloat (w->alpha[k], <=, w->alpha[w->attended_cell]);
            }
          g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
          g_assert_cmpfloat (w->beta, >, 0.0f);
          g_assert_cmpfloat (w->beta, <, 1.0f);
          g_assert_cmpfloat (w->prob, >, 0.0f);
          g_assert_cmpfloat (w->prob, <=, w->alternative_probs[0]);
          for (int j = 1; j < GAZE_TOP_K; j++)
            g_assert_cmpfloat (w->alternative_probs[j], <=, w->alternative_probs[j - 1]);
          g_assert_cmpstr (w->word, !=, "<unk>");
          sum_log += log (w->prob);
        }
      /* log p counts <end> too, whose probability is at most 1. */
      g_assert_cmpfloat (beam->log_prob, <=, sum_log + 1e-4);
    }
}

static void
test_greedy (void)
{
  for (guint64 seed = 1; seed <= 20; seed++)
    {
      float *grid;
      g_autoptr (GazeModel) model = random_model (GAZE_ATTENTION_SOFT, seed, &grid);
      g_autoptr (GArray) probs = g_array_new (FALSE, FALSE, sizeof (float));
      g_autoptr (GPtrArray) expected = greedy_words (model, grid, probs);
      g_autoptr (GError) error = NULL;
      g_autoptr (GazeCaption) caption = gaze_model_caption (model, grid, 1, NULL, &error);
      g_assert_no_error (error);
      check_caption (caption, 1);
      const GazeBeam *beam = &caption->beams[0];
      g_assert_cmpint (beam->n_words, ==, (int) expected->len);
      for (int i = 0; i < beam->n_words; i++)
        {
          g_assert_cmpstr (beam->words[i].word, ==, g_ptr_array_index (expected, i));
          g_assert_cmpfloat (beam->words[i].prob, ==, g_array_index (probs, float, i));
          /* Greedy picks the most probable word. */
          g_assert_cmpstr (beam->words[i].alternatives[0], ==, beam->words[i].word);
        }
      g_autofree char *text = gaze_beam_to_string (beam);
      g_ptr_array_add (expected, NULL);
      g_autofree char *joined = g_strjoinv (" ", (char **) expected->pdata);
      g_assert_cmpstr (text, ==, joined);
      g_free (grid);
    }
}

static void
test_beam (void)
{
  for (guint64 seed = 1; seed <= 20; seed++)
    for (int width = 2; width <= 5; width++)
      {
        float *grid;
        g_autoptr (GazeModel) model = random_model (GAZE_ATTENTION_SOFT, seed, &grid);
        g_autoptr (GazeCaption) caption = gaze_model_caption (model, grid, width, NULL, NULL);
        g_assert_nonnull (caption);
        check_caption (caption, width);
        /* Distinct beams. */
        for (int a = 0; a < width; a++)
          for (int b = a + 1; b < width; b++)
            {
              g_autofree char *x = gaze_beam_to_string (&caption->beams[a]);
              g_autofree char *y = gaze_beam_to_string (&caption->beams[b]);
              g_assert_true (strcmp (x, y) != 0
                             || caption->beams[a].n_words != caption->beams[b].n_words);
            }
        g_free (grid);
      }
}

static void
test_hard_argmax (void)
{
  float *grid;
  g_autoptr (GazeModel) model = random_model (GAZE_ATTENTION_HARD, 3, &grid);
  g_autoptr (GazeCaption) caption = gaze_model_caption (model, grid, 3, NULL, NULL);
  g_assert_nonnull (caption);
  g_assert_cmpint (caption->attention, ==, GAZE_ATTENTION_HARD);
  check_caption (caption, 3);
  /* Greedy decoding with the argmax cell, written independently, agrees. */
  g_autoptr (GArray) probs = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr (GPtrArray) expected = greedy_words (model, grid, probs);
  g_autoptr (GazeCaption) greedy = gaze_model_caption (model, grid, 1, NULL, NULL);
  g_assert_cmpint (greedy->beams[0].n_words, ==, (int) expected->len);
  for (guint i = 0; i < expected->len; i++)
    g_assert_cmpstr (greedy->beams[0].words[i].word, ==, g_ptr_array_index (expected, i));
  g_free (grid);
}

static void
test_batch (void)
{
  /* Several images at once (with threads) give exactly the captions of one
   * image at a time. */
  float *grid;
  g_autoptr (GazeModel) model = random_model (GAZE_ATTENTION_SOFT, 11, &grid);
  const int n = 6, size = 9 * 10;
  g_autofree float *grids = g_new (float, n * size);
  GazeRng rng;
  _gaze_rng_seed (&rng, 5);
  for (int i = 0; i < n * size; i++)
    grids[i] = 2.0f * _gaze_rng_uniform (&rng);
  for (int width = 1; width <= 3; width++)
    {
      GazeCaption **batch = gaze_model_caption_batch (model, grids, n, width, 2, NULL, NULL);
      g_assert_nonnull (batch);
      for (int i = 0; i < n; i++)
        {
          g_autoptr (GazeCaption) one = gaze_model_caption (model, grids + i * size, width, NULL,
                                                            NULL);
          g_assert_cmpint (batch[i]->n_beams, ==, one->n_beams);
          for (int b = 0; b < one->n_beams; b++)
            {
              g_autofree char *x = gaze_beam_to_string (&batch[i]->beams[b]);
              g_autofree char *y = gaze_beam_to_string (&one->beams[b]);
              g_assert_cmpstr (x, ==, y);
              g_assert_cmpfloat_with_epsilon (batch[i]->beams[b].log_prob, one->beams[b].log_prob,
                                              1e-4);
            }
          gaze_caption_free (batch[i]);
        }
      g_assert_null (batch[n]);
      g_free (batch);
    }
  g_free (grid);
}

/* Counts of K draws that follow the probabilities p[0..n−1], within 5
 * standard errors. */
static void
assert_frequencies (const int *count, const float *p, int n, int K)
{
  for (int v = 0; v < n; v++)
    {
      double se = sqrt (p[v] * (1 - p[v]) / K) + 1e-9;
      g_assert_cmpfloat (fabs (count[v] / (double) K - p[v]), <, 5 * se + 1e-3);
    }
}

/* The state after the model's first step from <start>, h and c its initial
 * state, for replaying samples. */
static GazeDecoderState *
first_step_masked (const GazeModel *model, const float *grid, const float *amask, float *h,
                   float *c)
{
  const GazeDecoder *dec = model->dec;
  GazeDecoderState *st = _gaze_decoder_state_new (dec, 1, 1, NULL);
  _gaze_decoder_encode_masked (dec, st, grid, 1, amask);
  memcpy (h, st->h0, sizeof (float) * dec->sizes.hidden);
  memcpy (c, st->c0, sizeof (float) * dec->sizes.hidden);
  const int start = GAZE_TOKEN_START;
  _gaze_decoder_step (dec, st, 1, &start, h, c, NULL, model->attention == GAZE_ATTENTION_HARD);
  return st;
}

static GazeDecoderState *
first_step (const GazeModel *model, const float *grid, float *h, float *c)
{
  return first_step_masked (model, grid, NULL, h, c);
}

/* Self-critical training samples captions from the model and then scores
 * them with the training forward pass: the first words' frequencies follow
 * p(w_1), and each sample's log-probability is the same through the
 * inference steps and through the training pass (the policy whose gradient
 * the samples estimate is the one being trained). */
static void
check_sampling (gboolean masked)
{
  float *grid;
  g_autoptr (GazeModel) model = random_model (GAZE_ATTENTION_SOFT, 11, &grid);
  const GazeDecoder *dec = model->dec;
  const int V = dec->sizes.vocab, H = dec->sizes.hidden, K = 4000, stride = 22;
  int *tokens = g_new (int, K * stride), *lengths = g_new (int, K);
  GazeRng rng;
  _gaze_rng_seed (&rng, 5);
  /* Dropout on the annotations: the samples are drawn under one mask, and
   * the training pass given that mask scores them as the steps did. */
  const gsize n_mask = (gsize) dec->sizes.cells * dec->sizes.squeeze;
  float *amask = masked ? g_new (float, n_mask) : NULL;
  if (masked)
    {
      GazeRng mask_rng;
      _gaze_rng_seed (&mask_rng, 7);
      _gaze_dropout_mask (amask, n_mask, 0.9f, &mask_rng);
    }
  _gaze_sample_captions_masked (model, NULL, grid, amask, 1, K, &rng, stride, tokens, lengths,
                                NULL);
  if (masked)
    {
      /* The same draws without the mask give other captions. */
      int *plain = g_new (int, K * stride), *plain_lengths = g_new (int, K);
      _gaze_rng_seed (&rng, 5);
      _gaze_sample_captions (model, NULL, grid, 1, K, &rng, stride, plain, plain_lengths, NULL);
      g_assert_true (memcmp (plain, tokens, sizeof (int) * K * stride) != 0);
      g_free (plain), g_free (plain_lengths);
    }
  /* p(w_1 | <start>) from one step. */
  float h[16], c[16];
  GazeDecoderState *st = first_step_masked (model, grid, amask, h, c);
  if (masked)
    {
      /* The mask matters: without it the first step differs. */
      float h1[16], c1[16];
      GazeDecoderState *plain = first_step (model, grid, h1, c1);
      /* … by more than the frequencies below allow, so that they tell the
       * masked policy from the plain one. */
      double diff = 0.0;
      for (int v = 0; v < V; v++)
        {
          const double se = sqrt (st->logits[v] * (1 - st->logits[v]) / K);
          diff = MAX (diff, fabs (plain->logits[v] - st->logits[v]) / (se + 1e-3));
        }
      g_assert_cmpfloat (diff, >, 10.0);
      _gaze_decoder_state_free (plain);
    }
  int *count = g_new0 (int, V);
  for (int k = 0; k < K; k++)
    {
      g_assert_cmpint (tokens[k * stride], ==, GAZE_TOKEN_START);
      g_assert_true (lengths[k] >= 1 && lengths[k] <= 20);
      count[tokens[k * stride + 1]]++;
    }
  assert_frequencies (count, st->logits, V, K);
  /* The first 8 samples through the training pass, against the steps. */
  enum { N = 8 };
  GazeDecoderBatch batch = { .n = 1, .n_images = 1, .features = grid, .stride = stride };
  GazeDecoderOptions opt = { .attention = GAZE_ATTENTION_SOFT, .annotation_mask = amask };
  GazeDecoderWork *work = _gaze_decoder_work_new (1);
  const int img = 0;
  for (int k = 0; k < N; k++)
    {
      const int *row = tokens + k * stride;
      batch.img = &img, batch.lengths = &lengths[k], batch.tokens = row;
      _gaze_decoder_forward (dec, work, &batch, &opt);
      double trained = _gaze_decoder_work_log_py (work, 0), stepped = 0.0;
      memcpy (h, st->h0, sizeof (float) * H);
      memcpy (c, st->c0, sizeof (float) * H);
      for (int t = 0; t < lengths[k]; t++)
        {
          _gaze_decoder_step (dec, st, 1, &row[t], h, c, NULL, FALSE);
          stepped += log (st->logits[row[t + 1]]);
          memcpy (h, st->h, sizeof (float) * H);
          memcpy (c, st->c, sizeof (float) * H);
        }
      g_assert_cmpfloat (fabs (trained - stepped), <, 1e-4 * (1 + fabs (stepped)));
    }
  _gaze_decoder_work_free (work);
  _gaze_decoder_state_free (st);
  g_free (count), g_free (tokens), g_free (lengths), g_free (grid), g_free (amask);
}

static void
test_sampling (void)
{
  check_sampling (FALSE);
}

static void
test_sampling_masked (void)
{
  check_sampling (TRUE);
}

/* A hard model's samples draw each step's cell from α_t as well: the first
 * cells' frequencies follow α_1, and the training pass at the drawn cells
 * gives each sample the log p(y, s) that replaying it step by step does
 * (α_t at the drawn cell, then the step restricted to that cell). */
static void
test_sampling_hard (void)
{
  float *grid;
  g_autoptr (GazeModel) model = random_model (GAZE_ATTENTION_HARD, 13, &grid);
  const GazeDecoder *dec = model->dec;
  const int L = dec->sizes.cells, H = dec->sizes.hidden, K = 4000, stride = 22;
  int *tokens = g_new (int, K * stride), *lengths = g_new (int, K);
  int *cells = g_new (int, K * stride);
  GazeRng rng;
  _gaze_rng_seed (&rng, 6);
  _gaze_sample_captions (model, NULL, grid, 1, K, &rng, stride, tokens, lengths, cells);
  float h[16], c[16], alpha[9], mask[9];
  GazeDecoderState *st = first_step (model, grid, h, c);
  int count[9] = { 0 };
  for (int k = 0; k < K; k++)
    {
      g_assert_cmpint (cells[k * stride], >=, 0);
      g_assert_cmpint (cells[k * stride], <, L);
      count[cells[k * stride]]++;
    }
  assert_frequencies (count, st->alpha, L, K);
  enum { N = 8 };
  GazeDecoderBatch batch = { .n = 1, .n_images = 1, .features = grid, .stride = stride };
  const float weight = 1.0f;
  GazeDecoderWork *work = _gaze_decoder_work_new (1);
  const int img = 0;
  for (int k = 0; k < N; k++)
    {
      const int *row = tokens + k * stride, *drawn = cells + k * stride;
      GazeDecoderOptions opt = { .attention = GAZE_ATTENTION_HARD, .forced = drawn,
                                 .row_weight = &weight };
      batch.img = &img, batch.lengths = &lengths[k], batch.tokens = row;
      _gaze_decoder_forward (dec, work, &batch, &opt);
      double trained_y = _gaze_decoder_work_log_py (work, 0);
      double trained_s = _gaze_decoder_work_log_ps (work, 0);
      double stepped_y = 0.0, stepped_s = 0.0;
      memcpy (h, st->h0, sizeof (float) * H);
      memcpy (c, st->c0, sizeof (float) * H);
      for (int t = 0; t < lengths[k]; t++)
        {
          _gaze_decoder_step (dec, st, 1, &row[t], h, c, NULL, TRUE);
          memcpy (alpha, st->alpha, sizeof alpha);
          stepped_s += log (alpha[drawn[t]]);
          for (int i = 0; i < L; i++)
            mask[i] = i == drawn[t];
          _gaze_decoder_step (dec, st, 1, &row[t], h, c, mask, TRUE);
          stepped_y += log (st->logits[row[t + 1]]);
          memcpy (h, st->h, sizeof (float) * H);
          memcpy (c, st->c, sizeof (float) * H);
        }
      g_assert_cmpfloat (fabs (trained_y - stepped_y), <, 1e-4 * (1 + fabs (stepped_y)));
      g_assert_cmpfloat (fabs (trained_s - stepped_s), <, 1e-4 * (1 + fabs (stepped_s)));
    }
  _gaze_decoder_work_free (work);
  _gaze_decoder_state_free (st);
  g_free (tokens), g_free (lengths), g_free (cells), g_free (grid);
}

static void
test_errors (void)
{
  float *grid;
  g_autoptr (GazeModel) model = random_model (GAZE_ATTENTION_SOFT, 5, &grid);
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  GazeCaption *caption = gaze_model_caption (model, grid, 3, cancellable, &error);
  g_assert_null (caption);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  caption = gaze_model_caption (model, grid, 0, NULL, &error);
  g_assert_null (caption);
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);
  caption = gaze_model_caption (model, grid, 100, NULL, &error);
  g_assert_null (caption);
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_free (grid);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/beam/greedy", test_greedy);
  g_test_add_func ("/beam/beams", test_beam);
  g_test_add_func ("/beam/hard-argmax", test_hard_argmax);
  g_test_add_func ("/beam/batch", test_batch);
  g_test_add_func ("/beam/sampling", test_sampling);
  g_test_add_func ("/beam/sampling-masked", test_sampling_masked);
  g_test_add_func ("/beam/sampling-hard", test_sampling_hard);
  g_test_add_func ("/beam/errors", test_errors);
  return g_test_run ();
}
