/* test-average.c — gaze_model_average: the mean of models' weights, what it
 * keeps of their metadata, and the models it refuses to average. */
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "test-models.h"

static const char *const words[] = { "<pad>", "<start>", "<end>", "<unk>", "a",    "dog",
                                     "runs",  "on",      "the",   "grass", "cat", "sits" };

static const GazeDecoderSizes sizes = { .vocab = G_N_ELEMENTS (words), .channels = 10,
                                        .squeeze = 8, .embed = 8, .hidden = 16, .attn = 8,
                                        .cells = 9 };

/* A random model with dev scores and a training command. */
static GazeModel *
random_model (guint64 seed, GazeAttention attention, const char *sha256)
{
  GazeRng rng;
  _gaze_rng_seed (&rng, seed);
  GazeModel *model
    = test_model_random (&sizes, words, G_N_ELEMENTS (words), attention, &rng, sha256);
  gaze_model_set_meta (model, "training.command", "gaze-cli train --out m.gzm");
  gaze_model_set_meta (model, "dev.bleu4", "0.2");
  gaze_model_set_meta (model, "dev.cider_d", "0.5");
  return model;
}

static float *
random_grid (void)
{
  GazeRng rng;
  _gaze_rng_seed (&rng, 99);
  float *grid = g_new (float, sizes.cells * sizes.channels);
  for (int i = 0; i < sizes.cells * sizes.channels; i++)
    grid[i] = 2.0f * _gaze_rng_uniform (&rng);
  return grid;
}

static char *
caption_of (const GazeModel *model, const float *grid)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeCaption) caption = gaze_model_caption (model, grid, 3, NULL, &error);
  g_assert_no_error (error);
  return gaze_beam_to_string (&caption->beams[0]);
}

/* Every parameter is the mean, to float rounding; the scores go, the rest
 * of the metadata stays. */
static void
test_mean (void)
{
  g_autoptr (GazeModel) a = random_model (1, GAZE_ATTENTION_SOFT, "00");
  g_autoptr (GazeModel) b = random_model (2, GAZE_ATTENTION_SOFT, "00");
  g_autoptr (GazeModel) c = random_model (3, GAZE_ATTENTION_SOFT, "00");
  const GazeModel *models[] = { a, b, c };
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeModel) mean = gaze_model_average (models, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (mean->dec->n_params, ==, a->dec->n_params);
  gsize differs = 0;
  for (gsize k = 0; k < a->dec->n_params; k++)
    {
      double want = ((double) a->dec->params[k] + b->dec->params[k] + c->dec->params[k]) / 3.0;
      g_assert_cmpfloat (fabs (mean->dec->params[k] - want), <=, 1e-6 * fabs (want) + 1e-30);
      differs += mean->dec->params[k] != a->dec->params[k];
    }
  g_assert_cmpuint (differs, >, a->dec->n_params / 2);
  g_assert_null (gaze_model_get_meta (mean, "dev.bleu4"));
  g_assert_null (gaze_model_get_meta (mean, "dev.cider_d"));
  g_assert_cmpstr (gaze_model_get_meta (mean, "training.command"), ==,
                   "gaze-cli train --out m.gzm");
  g_assert_cmpstr (gaze_model_get_encoder_sha256 (mean), ==, "00");
  /* The inputs are left as they were. */
  g_assert_cmpstr (gaze_model_get_meta (a, "dev.bleu4"), ==, "0.2");

  /* The scores stay gone through a file, where the model's own keys are. */
  g_autofree char *dir = g_dir_make_tmp ("gaze-average-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "mean.gzm", NULL);
  gaze_model_set_meta (mean, "training.average.command", "gaze-cli average --out mean.gzm");
  g_assert_true (gaze_model_save (mean, path, &error));
  g_autoptr (GazeModel) back = gaze_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_null (gaze_model_get_meta (back, "dev.bleu4"));
  g_assert_cmpstr (gaze_model_get_meta (back, "training.average.command"), ==,
                   "gaze-cli average --out mean.gzm");
  g_remove (path);
  g_rmdir (dir);
}

/* A model averaged with itself is itself, bit for bit; a and a ± δ average
 * back to a, which then captions as a does. */
static void
test_identity (void)
{
  g_autoptr (GazeModel) a = random_model (5, GAZE_ATTENTION_SOFT, "00");
  g_autoptr (GError) error = NULL;
  const GazeModel *twice[] = { a, a };
  g_autoptr (GazeModel) same = gaze_model_average (twice, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (same->dec->params, sizeof (float) * a->dec->n_params, a->dec->params,
                   sizeof (float) * a->dec->n_params);

  g_autoptr (GazeModel) plus = random_model (5, GAZE_ATTENTION_SOFT, "00");
  g_autoptr (GazeModel) minus = random_model (5, GAZE_ATTENTION_SOFT, "00");
  GazeRng rng;
  _gaze_rng_seed (&rng, 11);
  for (gsize k = 0; k < a->dec->n_params; k++)
    {
      /* a ± δ rounds to the ulp of δ, 2^−24 here, and no further. */
      float delta = ldexpf (1.0f, -1) * (_gaze_rng_uniform (&rng) < 0.5f ? -1.0f : 1.0f);
      plus->dec->params[k] = a->dec->params[k] + delta;
      minus->dec->params[k] = a->dec->params[k] - delta;
    }
  g_autofree float *grid = random_grid ();
  g_autofree char *want = caption_of (a, grid);
  g_autofree char *of_plus = caption_of (plus, grid);
  g_autofree char *of_minus = caption_of (minus, grid);
  /* δ is large enough to change what each one says… */
  g_assert_true (strcmp (of_plus, want) != 0 || strcmp (of_minus, want) != 0);
  const GazeModel *pair[] = { plus, minus };
  g_autoptr (GazeModel) mean = gaze_model_average (pair, 2, &error);
  g_assert_no_error (error);
  gsize off = 0;
  for (gsize k = 0; k < a->dec->n_params; k++)
    off += fabsf (mean->dec->params[k] - a->dec->params[k]) > ldexpf (1.0f, -24);
  g_assert_cmpuint (off, ==, 0);
  /* …and their mean says what a says. */
  g_autofree char *got = caption_of (mean, grid);
  g_assert_cmpstr (got, ==, want);
}

/* Models that do not share sizes, vocabulary, attention, encoder or grid centring. */
static void
test_mismatch (void)
{
  g_autoptr (GazeModel) a = random_model (1, GAZE_ATTENTION_SOFT, "00");
  g_autoptr (GazeModel) hard = random_model (1, GAZE_ATTENTION_HARD, "00");
  g_autoptr (GazeModel) other_encoder = random_model (1, GAZE_ATTENTION_SOFT, "ff");

  GazeDecoderSizes wider = sizes;
  wider.hidden = 17;
  GazeDecoder *dec = _gaze_decoder_new (&wider);
  g_autoptr (GazeModel) other_sizes
    = _gaze_model_new (dec, gaze_vocab_new (words, G_N_ELEMENTS (words), NULL),
                       GAZE_ATTENTION_SOFT, "test", "00");

  g_autoptr (GazeModel) centred = random_model (1, GAZE_ATTENTION_SOFT, "00");
  centred->dec->centre_cells = TRUE;

  const char *renamed[G_N_ELEMENTS (words)];
  memcpy (renamed, words, sizeof words);
  renamed[5] = "puppy";
  g_autoptr (GazeModel) other_words
    = _gaze_model_new (_gaze_decoder_new (&sizes),
                       gaze_vocab_new (renamed, G_N_ELEMENTS (renamed), NULL),
                       GAZE_ATTENTION_SOFT, "test", "00");

  const struct {
    const GazeModel *other;
    const char *why;
  } cases[] = {
    { hard, "soft attention, the other hard" },
    { other_encoder, "different encoders" },
    { other_sizes, "the sizes differ" },
    { other_words, "the vocabularies differ" },
    { centred, "one centres each photo's grid" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* Wherever the odd one is in the list. */
      const GazeModel *models[] = { a, a, cases[i].other };
      g_autoptr (GError) error = NULL;
      g_assert_null (gaze_model_average (models, 3, &error));
      g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
      g_assert_nonnull (strstr (error->message, cases[i].why));
      g_assert_null (strchr (error->message, '\n'));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/average/mean", test_mean);
  g_test_add_func ("/average/identity", test_identity);
  g_test_add_func ("/average/mismatch", test_mismatch);
  return g_test_run ();
}
