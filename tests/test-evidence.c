/* test-evidence.c — faithfulness on tiny hand-made models whose answer is known.
 *
 * 16 cells; the decoder's attention and output are set by hand:
 *   - one informative cell under peaked attention: removing the top-3 α cells
 *     takes the context away, removing 3 random cells does so only when the
 *     draw hits that cell (3 times in 16), so the ratio is about 16/3;
 *   - every cell the same: no removal can change the context, so every drop
 *     is 0 (to rounding);
 *   - and the top-3 drop of a one-word caption equals the drop computed here
 *     independently, with two decoder steps. */
#include <math.h>

#include "model.h"

enum { CELLS = 16, CHANNELS = 4 };

static const char *const words[] = { "<pad>", "<start>", "<end>", "<unk>", "ball", "dog", "runs" };

static GazeModel *
tiny_model (void)
{
  GazeDecoderSizes sizes = { .vocab = G_N_ELEMENTS (words), .channels = CHANNELS,
                             .squeeze = CHANNELS, .embed = 3, .hidden = 4, .attn = 2,
                             .cells = CELLS };
  GazeDecoder *dec = _gaze_decoder_new (&sizes);
  GazeRng rng;
  _gaze_rng_seed (&rng, 7);
  _gaze_decoder_init_params (dec, &rng);
  GazeDecoderViews *p = &dec->p;
  /* a_i = relu(f_i): the squeeze is the identity. */
  memset (p->squeeze_w, 0, sizeof (float) * CHANNELS * CHANNELS);
  memset (p->squeeze_b, 0, sizeof (float) * CHANNELS);
  for (int k = 0; k < CHANNELS; k++)
    p->squeeze_w[k * CHANNELS + k] = 1.0f;
  /* e_i = v · tanh(W_a a_i): 10 · tanh(6 Σ a_i) — 10 for a bright cell, 0
   * for a dark one, whatever the hidden state. */
  for (int k = 0; k < 2 * CHANNELS; k++)
    p->att_a_w[k] = 1.5f;
  memset (p->att_b, 0, sizeof (float) * 2);
  memset (p->att_h_w, 0, sizeof (float) * 2 * 4);
  p->att_v[0] = p->att_v[1] = 5.0f;
  /* The gate wide open, and the context weighing on the words. */
  memset (p->beta_w, 0, sizeof (float) * 4);
  p->beta_b[0] = 6.0f;
  for (int k = 0; k < 3 * CHANNELS; k++)
    p->out_z_w[k] *= 4.0f;
  p->out_b[GAZE_TOKEN_END] = -6.0f; /* long captions: many words to average */
  g_autoptr (GError) error = NULL;
  GazeVocab *vocab = gaze_vocab_new (words, G_N_ELEMENTS (words), &error);
  g_assert_no_error (error);
  return _gaze_model_new (dec, vocab, GAZE_ATTENTION_SOFT, "fake", "0");
}

/* Every cell dark but one, or every cell alike. */
static void
make_grid (float *grid, gboolean one_bright)
{
  for (int i = 0; i < CELLS; i++)
    for (int k = 0; k < CHANNELS; k++)
      grid[i * CHANNELS + k] = one_bright ? (i == 5 ? 2.0f : 0.0f) : 0.7f;
}

static GazeFaithfulness
faithfulness_of (const GazeModel *model, const float *grid, const GazeBeam *beam)
{
  GazeFaithfulness acc = { 0 };
  g_autoptr (GError) error = NULL;
  const GazeBeam *beams[1] = { beam };
  g_assert_true (gaze_model_faithfulness (model, grid, 1, beams, 1, 1, &acc, &error));
  g_assert_no_error (error);
  g_assert_cmpint (acc.n_words, ==, beam->n_words);
  return acc;
}

static void
test_informative_cell (void)
{
  g_autoptr (GazeModel) model = tiny_model ();
  float grid[CELLS * CHANNELS];
  make_grid (grid, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeCaption) caption = gaze_model_caption (model, grid, 1, NULL, &error);
  g_assert_no_error (error);
  const GazeBeam *beam = &caption->beams[0];
  g_assert_cmpint (beam->n_words, >=, 10);
  /* The attention sits on the bright cell. */
  for (int t = 0; t < beam->n_words; t++)
    g_assert_cmpfloat (beam->words[t].alpha[5], >, 0.99f);
  GazeFaithfulness acc = faithfulness_of (model, grid, beam);
  double ratio = gaze_faithfulness_ratio (&acc);
  g_test_message ("drop top %.4f random %.4f over %" G_GINT64_FORMAT " words: ratio %.2f",
                  acc.drop_top / acc.n_words, acc.drop_random / acc.n_words, acc.n_words, ratio);
  g_assert_cmpfloat (acc.drop_top / acc.n_words, >, 0.1);
  /* 16/3 = 5.3 in expectation over the draws; 2.5 … 16 holds for any
   * reasonable count of hits among these 5 draws a word. */
  g_assert_cmpfloat (ratio, >, 2.5);
  g_assert_cmpfloat (ratio, <, 16.0);
}

static void
test_identical_cells (void)
{
  g_autoptr (GazeModel) model = tiny_model ();
  float grid[CELLS * CHANNELS];
  make_grid (grid, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeCaption) caption = gaze_model_caption (model, grid, 1, NULL, &error);
  g_assert_no_error (error);
  GazeFaithfulness acc = faithfulness_of (model, grid, &caption->beams[0]);
  g_assert_cmpfloat (fabs (acc.drop_top), <, 1e-4 * acc.n_words);
  g_assert_cmpfloat (fabs (acc.drop_random), <, 1e-4 * acc.n_words);
}

static void
test_matches_two_steps (void)
{
  g_autoptr (GazeModel) model = tiny_model ();
  const GazeDecoder *dec = model->dec;
  float grid[CELLS * CHANNELS];
  make_grid (grid, TRUE);
  /* The first step, once as it is and once without its three highest-α cells. */
  GazeDecoderState *st = _gaze_decoder_state_new (dec, 1, 1, NULL);
  _gaze_decoder_encode (dec, st, grid, 1);
  float h[4], c[4];
  memcpy (h, st->h0, sizeof h);
  memcpy (c, st->c0, sizeof c);
  const int start = GAZE_TOKEN_START, word = 4;
  _gaze_decoder_step (dec, st, 1, &start, h, c, NULL, FALSE);
  const double lp = log (st->logits[word]);
  float alpha[CELLS], mask[CELLS];
  memcpy (alpha, st->alpha, sizeof alpha);
  for (int i = 0; i < CELLS; i++)
    mask[i] = 1.0f;
  for (int j = 0; j < 3; j++)
    {
      int best = -1;
      for (int i = 0; i < CELLS; i++)
        if (mask[i] != 0.0f && (best < 0 || alpha[i] > alpha[best]))
          best = i;
      mask[best] = 0.0f;
    }
  _gaze_decoder_step (dec, st, 1, &start, h, c, mask, FALSE);
  const double lq = log (st->logits[word]);
  _gaze_decoder_state_free (st);
  /* The same through gaze_model_faithfulness, for a one-word caption. */
  GazeWord w = { .word = (char *) words[word] };
  GazeBeam beam = { .n_words = 1, .words = &w };
  GazeFaithfulness acc = faithfulness_of (model, grid, &beam);
  g_assert_cmpfloat_with_epsilon (acc.drop_top, lp - lq, 1e-5);
  g_assert_cmpfloat (lp - lq, >, 0.0);
}

static void
test_unknown_word (void)
{
  g_autoptr (GazeModel) model = tiny_model ();
  float grid[CELLS * CHANNELS];
  make_grid (grid, TRUE);
  GazeWord w = { .word = (char *) "zebra" };
  GazeBeam beam = { .n_words = 1, .words = &w };
  const GazeBeam *beams[1] = { &beam };
  GazeFaithfulness acc = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_false (gaze_model_faithfulness (model, grid, 1, beams, 1, 1, &acc, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "zebra"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/evidence/informative-cell", test_informative_cell);
  g_test_add_func ("/evidence/identical-cells", test_identical_cells);
  g_test_add_func ("/evidence/matches-two-steps", test_matches_two_steps);
  g_test_add_func ("/evidence/unknown-word", test_unknown_word);
  return g_test_run ();
}
