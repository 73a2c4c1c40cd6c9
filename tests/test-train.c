/* test-train.c — the trainer: overfitting a tiny set, determinism, and
 * resuming from a checkpoint, on random features (no encoder needed). */
#include <glib/gstdio.h>
#include <math.h>

#include "adam.h"
#include "decoder.h"
#include "feature-cache.h"
#include "gaze-train.h"
#include "grid-norm.h"
#include "model.h"
#include "rng.h"
#include "test-util.h"

#define FAKE_SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ── Overfitting 20 captions with the decoder and Adam directly ────────────── */

/* Trains on 20 random captions of 20 random "images" (one batch) and returns
 * the mean cross-entropy per token of the last steps.  (Two captions of one
 * image would leave an irreducible loss where they differ.) */
static double
overfit (GazeAttention attention, int steps)
{
  GazeDecoderSizes sizes = {
    .vocab = 24, .channels = 12, .squeeze = 16, .embed = 16, .hidden = 32, .attn = 16,
    .cells = 9,
  };
  GazeRng rng;
  _gaze_rng_seed (&rng, 7);
  GazeDecoder *dec = _gaze_decoder_new (&sizes);
  _gaze_decoder_init_params (dec, &rng);
  enum { N = 20, U = 20, STRIDE = 10 };
  float *features = g_new (float, U * sizes.cells * sizes.channels);
  for (int i = 0; i < U * sizes.cells * sizes.channels; i++)
    features[i] = _gaze_rng_normal (&rng);
  int tokens[N * STRIDE] = { 0 }, lengths[N], img[N];
  for (int r = 0; r < N; r++)
    {
      /* Longest first: 8 words down to 3. */
      int k = 8 - r * 6 / N;
      tokens[r * STRIDE] = GAZE_TOKEN_START;
      for (int j = 1; j <= k; j++)
        tokens[r * STRIDE + j] = 4 + (int) _gaze_rng_below (&rng, sizes.vocab - 4);
      tokens[r * STRIDE + k + 1] = GAZE_TOKEN_END;
      lengths[r] = k + 1;
      img[r] = r % U;
    }
  GazeDecoderBatch batch = { .n = N, .n_images = U, .features = features, .img = img,
                             .lengths = lengths, .tokens = tokens, .stride = STRIDE };
  /* λ = 0: the penalty need not reach 0, the cross-entropy must. */
  GazeDecoderOptions opt = { .attention = attention, .dropout = 0.0f, .lambda = 0.0f,
                             .expected_prob = 0.5f, .entropy_weight = 0.001f,
                             .reinforce_weight = 1.0f, .rng = &rng };
  GazeDecoderWork *work = _gaze_decoder_work_new (2);
  GazeAdam *adam = _gaze_adam_new (dec->n_params);
  float *grads = g_new (float, dec->n_params);
  double recent = 0.0;
  int n_recent = 0;
  for (int step = 0; step < steps; step++)
    {
      double loss = _gaze_decoder_forward (dec, work, &batch, &opt);
      g_assert_true (isfinite (loss));
      if (step >= steps - 10)
        recent += loss, n_recent++;
      memset (grads, 0, sizeof (float) * dec->n_params);
      _gaze_decoder_backward (dec, work, &opt, grads);
      _gaze_clip_grad_norm (grads, dec->n_params, 5.0f);
      _gaze_adam_update (adam, dec->params, grads, 1e-2f);
    }
  g_free (grads);
  _gaze_adam_free (adam);
  _gaze_decoder_work_free (work);
  g_free (features);
  _gaze_decoder_free (dec);
  return recent / n_recent;
}

static void
test_overfit_soft (void)
{
  /* Random words: log V = 3.2 nats per token at the start. */
  double loss = overfit (GAZE_ATTENTION_SOFT, 300);
  g_test_message ("soft: cross-entropy after 300 steps %.4f", loss);
  g_assert_cmpfloat (loss, <, 0.02);
}

static void
test_overfit_hard (void)
{
  double loss = overfit (GAZE_ATTENTION_HARD, 300);
  g_test_message ("hard: cross-entropy after 300 steps %.4f", loss);
  g_assert_cmpfloat (loss, <, 0.05);
}

/* ── gaze_train on a tiny on-disk data set ─────────────────────────────────── */

typedef struct {
  char *dir, *images, *tokens, *train_split, *dev_split, *cache_path;
  GazeDataset *train, *dev;
  GazeFeatureCache *cache;
} Fixture;

static const char *const words[] = { "a", "dog", "cat", "runs", "sits", "on", "grass", "the",
                                     "red", "ball", "man", "jumps" };

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("gaze-test-train-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->images = g_build_filename (f->dir, "images", NULL);
  g_assert_cmpint (g_mkdir (f->images, 0700), ==, 0);
  enum { N_IMAGES = 12, CELLS = 4, CHANNELS = 8 };
  GazeRng rng;
  _gaze_rng_seed (&rng, 99);
  GString *tokens = g_string_new (NULL), *train = g_string_new (NULL), *dev = g_string_new (NULL);
  const char *ids[N_IMAGES];
  char *owned[N_IMAGES];
  float *grids = g_new (float, N_IMAGES * CELLS * CHANNELS);
  for (int i = 0; i < N_IMAGES; i++)
    {
      /* Two-digit names keep the folder order and strcmp order the same. */
      owned[i] = g_strdup_printf ("img%02d", i);
      ids[i] = owned[i];
      g_autofree char *jpg = g_strdup_printf ("%s/%s.jpg", f->images, ids[i]);
      g_assert_true (g_file_set_contents (jpg, "", 0, NULL));
      for (int c = 0; c < 5; c++)
        {
          g_string_append_printf (tokens, "%s.jpg#%d\t", ids[i], c);
          int n = 3 + (int) _gaze_rng_below (&rng, 4);
          for (int w = 0; w < n; w++)
            g_string_append_printf (tokens, "%s ",
                                    words[(i + w * (c % 2 + 1)) % G_N_ELEMENTS (words)]);
          g_string_append (tokens, ".\n");
        }
      g_string_append_printf (i < 9 ? train : dev, "%s.jpg\n", ids[i]);
      for (int k = 0; k < CELLS * CHANNELS; k++)
        grids[i * CELLS * CHANNELS + k] = _gaze_rng_normal (&rng);
    }
  f->tokens = g_build_filename (f->dir, "tokens.txt", NULL);
  f->train_split = g_build_filename (f->dir, "train.txt", NULL);
  f->dev_split = g_build_filename (f->dir, "dev.txt", NULL);
  f->cache_path = g_build_filename (f->dir, "cache.bin", NULL);
  g_assert_true (g_file_set_contents (f->tokens, tokens->str, -1, NULL));
  g_assert_true (g_file_set_contents (f->train_split, train->str, -1, NULL));
  g_assert_true (g_file_set_contents (f->dev_split, dev->str, -1, NULL));
  g_autoptr (GError) error = NULL;
  g_assert_true (_gaze_feature_cache_write_grids (f->cache_path, FAKE_SHA, f->images, N_IMAGES,
                                                 ids, CELLS, CHANNELS, grids, &error));
  g_assert_no_error (error);
  f->cache = gaze_feature_cache_load (f->cache_path, FAKE_SHA, &error);
  g_assert_no_error (error);
  f->train = gaze_dataset_load (f->images, f->tokens, f->train_split, &error);
  g_assert_no_error (error);
  f->dev = gaze_dataset_load (f->images, f->tokens, f->dev_split, &error);
  g_assert_no_error (error);
  for (int i = 0; i < N_IMAGES; i++)
    g_free (owned[i]);
  g_free (grids);
  g_string_free (tokens, TRUE), g_string_free (train, TRUE), g_string_free (dev, TRUE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gaze_dataset_free (f->train);
  gaze_dataset_free (f->dev);
  gaze_feature_cache_free (f->cache);
  test_util_remove_tree (f->dir);
  g_free (f->dir), g_free (f->images), g_free (f->tokens), g_free (f->train_split);
  g_free (f->dev_split), g_free (f->cache_path);
}

static void
small_config (GazeTrainConfig *c, int epochs)
{
  gaze_train_config_init (c);
  c->squeeze_dim = 8, c->embed_dim = 8, c->hidden_dim = 16, c->attn_dim = 8;
  c->min_count = 1;
  c->batch_size = 8;
  c->epochs = epochs;
  c->patience = 100; /* never stop early here */
  c->lr = 5e-3f;
  c->seed = 1234;
  c->eval_beam = 2;
  c->encoder_name = "fake";
  c->encoder_sha256 = FAKE_SHA;
}

/* A checkpoint as a model (float32 parameters, exact). */
static GazeModel *
checkpoint_model (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeModelFile) file = gaze_model_file_read (path, &error);
  g_assert_no_error (error);
  GazeModel *model = _gaze_model_from_file (file, path, &error);
  g_assert_no_error (error);
  return model;
}

static float *
checkpoint_params (const char *path, gsize *n)
{
  g_autoptr (GazeModel) model = checkpoint_model (path);
  *n = model->dec->n_params;
  return g_memdup2 (model->dec->params, sizeof (float) * *n);
}

static float *
train_run_with (Fixture *f, const char *name, int epochs, gboolean resume, GazeAttention attention,
                float label_smoothing, gsize *n)
{
  GazeTrainConfig c;
  small_config (&c, epochs);
  c.resume = resume;
  c.attention = attention;
  c.label_smoothing = label_smoothing;
  g_autofree char *out = g_build_filename (f->dir, name, NULL);
  g_autofree char *ckpt = g_strconcat (out, ".ckpt", NULL);
  g_autoptr (GError) error = NULL;
  gboolean ok = gaze_train (&c, f->train, f->dev, f->cache, out, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));
  return checkpoint_params (ckpt, n);
}

static float *
train_run (Fixture *f, const char *name, int epochs, gboolean resume, gsize *n)
{
  return train_run_with (f, name, epochs, resume, GAZE_ATTENTION_SOFT, 0.0f, n);
}

static void
test_deterministic (Fixture *f, gconstpointer data)
{
  gsize n1, n2;
  g_autofree float *a = train_run (f, "a.gzm", 2, FALSE, &n1);
  g_autofree float *b = train_run (f, "b.gzm", 2, FALSE, &n2);
  g_assert_cmpuint (n1, ==, n2);
  g_assert_cmpmem (a, n1 * sizeof (float), b, n2 * sizeof (float));
  /* And training changed them: a different seed gives different weights. */
  GazeTrainConfig c;
  small_config (&c, 1);
  c.seed = 4321;
  g_autofree char *out = g_build_filename (f->dir, "c.gzm", NULL);
  g_autofree char *ckpt = g_strconcat (out, ".ckpt", NULL);
  g_assert_true (gaze_train (&c, f->train, f->dev, f->cache, out, NULL, NULL, NULL, NULL));
  gsize n3;
  g_autofree float *c3 = checkpoint_params (ckpt, &n3);
  g_assert_cmpuint (n3, ==, n1);
  g_assert_true (memcmp (a, c3, n1 * sizeof (float)) != 0);
}

static gboolean
stop_after_first_epoch (const GazeTrainStatus *status, gpointer user_data)
{
  /* Cancels at the first batch of epoch 2: as if killed mid-epoch. */
  return status->epoch < 2;
}

/* With dropout on the annotation vectors too (of values, or of whole
 * channels), or scheduled sampling, whose masks and words come from the same
 * generator, so the checkpoint must carry its state; or on standardised
 * grids, whose checkpoint holds the weights as trained; or on grids centred
 * over each photo's cells, which the model itself does and records. */
typedef struct {
  float annotation_dropout;
  gboolean normalise_grid;
  gboolean by_channel;
  float scheduled_sampling;
  gboolean centre_grid;
} ResumeCase;

/* Resuming out's checkpoint with c is refused, in one line. */
static void
assert_resume_mismatch (Fixture *f, const GazeTrainConfig *c, const char *out)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (gaze_train (c, f->train, f->dev, f->cache, out, NULL, NULL, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_resume (Fixture *f, gconstpointer data)
{
  static const ResumeCase plain_case = { 0.0f, FALSE, FALSE, 0.0f, FALSE };
  const ResumeCase *t = data != NULL ? data : &plain_case;
  const float annotation_dropout = t->annotation_dropout;
  GazeTrainConfig c;
  small_config (&c, 3);
  c.annotation_dropout = annotation_dropout;
  c.annotation_dropout_by_channel = t->by_channel;
  c.scheduled_sampling = t->scheduled_sampling;
  c.normalise_grid = t->normalise_grid;
  c.centre_grid = t->centre_grid;
  g_autofree char *straight_path = g_build_filename (f->dir, "straight.gzm", NULL);
  g_assert_true (gaze_train (&c, f->train, f->dev, f->cache, straight_path, NULL, NULL, NULL,
                             NULL));
  g_autofree char *straight_ckpt = g_strconcat (straight_path, ".ckpt", NULL);
  gsize n1, n2, n0;
  g_autofree float *straight = checkpoint_params (straight_ckpt, &n1);
  g_autoptr (GazeModel) kept = checkpoint_model (straight_ckpt);
  g_assert_true ((strstr (gaze_model_get_meta (kept, "hyperparameters"), "annotation_dropout=0.3\n")
                  != NULL) == (annotation_dropout > 0.0f));
  g_assert_true ((strstr (gaze_model_get_meta (kept, "hyperparameters"), "grid=standardised_folded\n")
                  != NULL) == t->normalise_grid);
  g_assert_true ((strstr (gaze_model_get_meta (kept, "hyperparameters"),
                          "annotation_dropout_unit=channel\n") != NULL) == t->by_channel);
  g_assert_true ((strstr (gaze_model_get_meta (kept, "hyperparameters"), "scheduled_sampling=0.5\n")
                  != NULL) == (t->scheduled_sampling > 0.0f));
  g_assert_true ((strstr (gaze_model_get_meta (kept, "hyperparameters"), "grid=centred\n")
                  != NULL) == t->centre_grid);
  g_assert_true (kept->dec->centre_cells == t->centre_grid);
  if (t->centre_grid)
    {
      /* The model written centres too, and so does one fine-tuned from it
       * without asking; standardisation, which cannot fold a centred
       * squeeze, is refused beside it. */
      g_autoptr (GazeModel) best = gaze_model_load (straight_path, NULL);
      g_assert_nonnull (best);
      g_assert_true (best->dec->centre_cells);
      /* A grid preprocessing this Gaze does not know is refused, not run raw. */
      g_autoptr (GazeModelFile) file = _gaze_model_to_file (best, FALSE);
      g_autofree char *odd = g_strdup (gaze_model_get_meta (best, "hyperparameters"));
      memcpy (strstr (odd, "grid=centred"), "grid=rotated", strlen ("grid=centred"));
      gaze_model_file_set_meta (file, "hyperparameters", odd);
      g_autoptr (GError) unknown = NULL;
      g_assert_null (_gaze_model_from_file (file, "odd.gzm", &unknown));
      g_assert_error (unknown, GAZE_ERROR, GAZE_ERROR_CORRUPT);
      g_assert_nonnull (strstr (unknown->message, "unknown grid preprocessing"));
      GazeTrainConfig tune = c;
      tune.centre_grid = FALSE;
      tune.init = best;
      tune.epochs = 1;
      g_autofree char *tuned_path = g_build_filename (f->dir, "tuned.gzm", NULL);
      g_assert_true (gaze_train (&tune, f->train, f->dev, f->cache, tuned_path, NULL, NULL, NULL,
                                 NULL));
      g_autoptr (GazeModel) tuned = gaze_model_load (tuned_path, NULL);
      g_assert_true (tuned->dec->centre_cells);
      g_autoptr (GError) refused = NULL;
      tune.normalise_grid = TRUE;
      g_assert_false (gaze_train (&tune, f->train, f->dev, f->cache, tuned_path, NULL, NULL, NULL,
                                  &refused));
      g_assert_error (refused, GAZE_ERROR, GAZE_ERROR_MISMATCH);
      g_clear_error (&refused);
      tune.init = NULL;
      tune.centre_grid = TRUE;
      g_assert_false (gaze_train (&tune, f->train, f->dev, f->cache, tuned_path, NULL, NULL, NULL,
                                  &refused));
      g_assert_error (refused, GAZE_ERROR, GAZE_ERROR_INVALID);
    }
  if (annotation_dropout > 0.0f || t->normalise_grid || t->scheduled_sampling > 0.0f
      || t->centre_grid)
    {
      /* The dropout, the standardisation, the model's own words or the
       * centring change what is learnt. */
      g_autofree float *plain = train_run (f, "plain.gzm", 3, FALSE, &n0);
      g_assert_cmpuint (n0, ==, n1);
      g_assert_true (memcmp (plain, straight, n1 * sizeof (float)) != 0);
    }
  if (t->by_channel)
    {
      /* Whole channels dropped lead elsewhere than values dropped alone. */
      GazeTrainConfig v = c;
      v.annotation_dropout_by_channel = FALSE;
      g_autofree char *values_path = g_build_filename (f->dir, "values.gzm", NULL);
      g_assert_true (gaze_train (&v, f->train, f->dev, f->cache, values_path, NULL, NULL, NULL,
                                 NULL));
      g_autofree char *values_ckpt = g_strconcat (values_path, ".ckpt", NULL);
      g_autofree float *values = checkpoint_params (values_ckpt, &n0);
      g_assert_cmpuint (n0, ==, n1);
      g_assert_true (memcmp (values, straight, n1 * sizeof (float)) != 0);
      /* Channel-wise dropout with nothing to drop is refused. */
      v.annotation_dropout_by_channel = TRUE;
      v.annotation_dropout = 0.0f;
      g_autoptr (GError) refused = NULL;
      g_assert_false (gaze_train (&v, f->train, f->dev, f->cache, values_path, NULL, NULL, NULL,
                                  &refused));
      g_assert_error (refused, GAZE_ERROR, GAZE_ERROR_INVALID);
    }
  /* A run killed during epoch 2 … */
  g_autofree char *out = g_build_filename (f->dir, "resumed.gzm", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (gaze_train (&c, f->train, f->dev, f->cache, out, stop_after_first_epoch, NULL,
                              NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  c.resume = TRUE;
  /* Its weights are for one kind of grid: resumed on another, it is refused … */
  if (!t->centre_grid)
    {
      GazeTrainConfig other = c;
      other.normalise_grid = !t->normalise_grid;
      assert_resume_mismatch (f, &other, out);
    }
  if (!t->normalise_grid)
    {
      GazeTrainConfig other = c;
      other.centre_grid = !t->centre_grid;
      assert_resume_mismatch (f, &other, out);
    }
  /* … and resumed as it was trained, from its epoch-1 checkpoint, it ends
   * exactly where the uninterrupted run did. */
  g_assert_true (gaze_train (&c, f->train, f->dev, f->cache, out, NULL, NULL, NULL, NULL));
  g_autofree char *resumed_ckpt = g_strconcat (out, ".ckpt", NULL);
  g_autofree float *resumed = checkpoint_params (resumed_ckpt, &n2);
  g_assert_cmpuint (n1, ==, n2);
  g_assert_cmpmem (straight, n1 * sizeof (float), resumed, n2 * sizeof (float));
}

/* Self-critical fine-tuning of a trained model, soft (from a model trained
 * with label smoothing), hard (its cells sampled with the words), or either
 * with the references mixed in (a hard model's draw their own cells):
 * deterministic, resumable after a kill exactly as maximum-likelihood
 * training is, and it moves the weights. */
typedef struct {
  GazeAttention attention;
  float mix;       /* the mixed objective's weight */
  float retrieval; /* the self-retrieval reward's */
  float annotation_dropout; /* one mask a photo, for sampling and training */
  gboolean by_channel;      /* the mask drops whole channels */
} ScstCase;

static const ScstCase scst_soft = { GAZE_ATTENTION_SOFT, 0.0f, 0.0f, 0.0f, FALSE };
static const ScstCase scst_hard = { GAZE_ATTENTION_HARD, 0.0f, 0.0f, 0.0f, FALSE };
static const ScstCase scst_mixed = { GAZE_ATTENTION_SOFT, 0.5f, 0.0f, 0.0f, FALSE };
static const ScstCase scst_hard_mixed = { GAZE_ATTENTION_HARD, 0.5f, 0.0f, 0.0f, FALSE };
static const ScstCase scst_retrieval = { GAZE_ATTENTION_SOFT, 0.5f, 0.3f, 0.0f, FALSE };
static const ScstCase scst_hard_retrieval = { GAZE_ATTENTION_HARD, 0.0f, 0.3f, 0.0f, FALSE };
static const ScstCase scst_annotation_dropout = { GAZE_ATTENTION_SOFT, 0.5f, 0.0f, 0.3f, FALSE };
static const ScstCase scst_annotation_channels = { GAZE_ATTENTION_SOFT, 0.5f, 0.0f, 0.3f, TRUE };

/* The case's attention is the init model's. */
static float *
scst_run_case (Fixture *f, const GazeModel *init, const char *name, int epochs,
               const ScstCase *t, gboolean resume, GazeTrainProgressFunc progress,
               GError **error, gsize *n)
{
  GazeTrainConfig c;
  small_config (&c, epochs);
  c.init = init;
  c.attention = gaze_model_get_attention (init);
  c.scst = TRUE;
  c.scst_samples = 4;
  c.scst_mix = t->mix;
  c.scst_retrieval = t->retrieval;
  c.annotation_dropout = t->annotation_dropout;
  c.annotation_dropout_by_channel = t->by_channel;
  c.lr = 1e-3f;
  c.resume = resume;
  g_autofree char *out = g_build_filename (f->dir, name, NULL);
  g_autofree char *ckpt = g_strconcat (out, ".ckpt", NULL);
  if (!gaze_train (&c, f->train, f->dev, f->cache, out, progress, NULL, NULL, error))
    return NULL;
  return checkpoint_params (ckpt, n);
}

static float *
scst_run (Fixture *f, const GazeModel *init, const char *name, int epochs, float mix,
          gboolean resume, GazeTrainProgressFunc progress, GError **error, gsize *n)
{
  const ScstCase t = { .mix = mix };
  return scst_run_case (f, init, name, epochs, &t, resume, progress, error, n);
}

static void
test_scst_resume (Fixture *f, gconstpointer data)
{
  const ScstCase *t = data;
  const float mix = t->mix, retrieval = t->retrieval, drop = t->annotation_dropout;
  const GazeAttention kind = t->attention;
  const float smoothing = kind == GAZE_ATTENTION_SOFT ? 0.1f : 0.0f;
  gsize n0, n1, n2;
  g_autofree float *base = train_run_with (f, "base.gzm", 2, FALSE, kind, smoothing, &n0);
  g_autofree char *base_path = g_build_filename (f->dir, "base.gzm.ckpt", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeModel) init = checkpoint_model (base_path);
  g_assert_cmpint (init->attention, ==, kind);
  g_assert_true ((strstr (gaze_model_get_meta (init, "hyperparameters"), "label_smoothing=0.1\n")
                  != NULL) == (smoothing > 0.0f));
  g_autofree float *straight = scst_run_case (f, init, "scst.gzm", 3, t, FALSE, NULL, &error,
                                              &n1);
  g_assert_no_error (error);
  g_assert_cmpuint (n1, ==, n0);
  g_assert_true (memcmp (straight, base, n0 * sizeof (float)) != 0);
  g_assert_null (scst_run_case (f, init, "scst-killed.gzm", 3, t, FALSE, stop_after_first_epoch,
                                &error, &n2));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_autofree float *resumed = scst_run_case (f, init, "scst-killed.gzm", 3, t, TRUE, NULL, &error,
                                             &n2);
  g_assert_no_error (error);
  g_assert_cmpmem (straight, n1 * sizeof (float), resumed, n2 * sizeof (float));
  /* The model records what it was fine-tuned from and how. */
  g_autofree char *out = g_build_filename (f->dir, "scst.gzm", NULL);
  g_autoptr (GazeModel) tuned = gaze_model_load (out, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (gaze_model_get_meta (tuned, "hyperparameters"), "scst=cider_d"));
  g_assert_cmpint (tuned->attention, ==, kind);
  g_assert_true ((strstr (gaze_model_get_meta (tuned, "hyperparameters"), "scst_mix=0.5\n") != NULL)
                 == (t->mix > 0.0f));
  g_assert_true ((strstr (gaze_model_get_meta (tuned, "hyperparameters"), "scst_retrieval=0.3\n")
                  != NULL) == (retrieval > 0.0f));
  g_assert_true ((strstr (gaze_model_get_meta (tuned, "hyperparameters"), "annotation_dropout=0.3\n")
                  != NULL) == (drop > 0.0f));
  if (drop > 0.0f)
    {
      /* The masks move the weights elsewhere than the same run without them. */
      g_autofree float *plain = scst_run (f, init, "plain.gzm", 3, mix, FALSE, NULL, &error, &n2);
      g_assert_no_error (error);
      g_assert_true (memcmp (plain, straight, n1 * sizeof (float)) != 0);
      g_assert_true ((strstr (gaze_model_get_meta (tuned, "hyperparameters"),
                              "annotation_dropout_unit=channel\n") != NULL) == t->by_channel);
      if (t->by_channel)
        {
          /* And elsewhere than masks of values drawn alone. */
          ScstCase values = *t;
          values.by_channel = FALSE;
          g_autofree float *v = scst_run_case (f, init, "values.gzm", 3, &values, FALSE, NULL,
                                               &error, &n2);
          g_assert_no_error (error);
          g_assert_true (memcmp (v, straight, n1 * sizeof (float)) != 0);
        }
    }
  else if (retrieval > 0.0f)
    {
      /* The self-retrieval reward moves the weights elsewhere than the reward alone. */
      g_autofree float *plain = scst_run (f, init, "plain.gzm", 3, mix, FALSE, NULL, &error, &n2);
      g_assert_no_error (error);
      g_assert_true (memcmp (plain, straight, n1 * sizeof (float)) != 0);
    }
  else if (t->mix > 0.0f)
    {
      /* Mixed in, the references change where the reward alone leads. */
      g_autofree float *unmixed = scst_run (f, init, "unmixed.gzm", 3, 0.0f, FALSE, NULL, &error,
                                            &n2);
      g_assert_no_error (error);
      g_assert_true (memcmp (unmixed, straight, n1 * sizeof (float)) != 0);
    }
  g_assert_cmpstr (gaze_model_get_meta (tuned, "training.init.epochs"), ==,
                   gaze_model_get_meta (init, "training.epochs"));
  /* Without a model to start from, self-critical training is refused. */
  GazeTrainConfig c;
  small_config (&c, 1);
  c.scst = TRUE;
  g_autofree char *none = g_build_filename (f->dir, "none.gzm", NULL);
  g_assert_false (gaze_train (&c, f->train, f->dev, f->cache, none, NULL, NULL, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);
  /* Self-retrieval needs a second photo in every batch to compare with. */
  c.init = init;
  c.attention = kind;
  c.scst_samples = c.batch_size;
  c.scst_retrieval = 0.3f;
  g_assert_false (gaze_train (&c, f->train, f->dev, f->cache, none, NULL, NULL, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  c.scst_samples = c.batch_size / 2;
  g_clear_error (&error);
  g_assert_true (gaze_train (&c, f->train, f->dev, f->cache, none, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* Mean |a − b| over n parameters. */
static double
mean_abs_diff (const float *a, const float *b, gsize n)
{
  double sum = 0.0;
  for (gsize i = 0; i < n; i++)
    sum += fabs ((double) a[i] - b[i]);
  return sum / (double) n;
}

/* A soft model's weights start a hard one: the run is hard from its first
 * step, and it starts where the soft model ended, not from random weights. */
static void
test_soft_to_hard (Fixture *f, gconstpointer data)
{
  gsize n0, n1, n2, n3;
  g_autofree float *soft = train_run (f, "soft.gzm", 2, FALSE, &n0);
  g_autofree char *soft_path = g_build_filename (f->dir, "soft.gzm.ckpt", NULL);
  g_autoptr (GazeModel) init = checkpoint_model (soft_path);
  g_autofree float *fresh = train_run_with (f, "fresh.gzm", 1, FALSE, GAZE_ATTENTION_HARD, 0.0f,
                                            &n1);
  GazeTrainConfig c;
  small_config (&c, 1);
  c.init = init;
  c.lr = 1e-3f;
  g_autoptr (GError) error = NULL;
  /* Continued as soft, for the comparison below. */
  g_autofree char *soft_out = g_build_filename (f->dir, "continued.gzm", NULL);
  g_assert_true (gaze_train (&c, f->train, f->dev, f->cache, soft_out, NULL, NULL, NULL, &error));
  g_autofree char *soft_ckpt = g_strconcat (soft_out, ".ckpt", NULL);
  g_autofree float *continued = checkpoint_params (soft_ckpt, &n2);
  c.attention = GAZE_ATTENTION_HARD;
  g_autofree char *out = g_build_filename (f->dir, "hard.gzm", NULL);
  g_assert_true (gaze_train (&c, f->train, f->dev, f->cache, out, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *ckpt = g_strconcat (out, ".ckpt", NULL);
  g_autofree float *hard = checkpoint_params (ckpt, &n3);
  g_assert_cmpuint (n1, ==, n0);
  g_assert_cmpuint (n3, ==, n0);
  g_autoptr (GazeModel) model = gaze_model_load (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gaze_model_get_attention (model), ==, GAZE_ATTENTION_HARD);
  g_assert_nonnull (strstr (gaze_model_get_meta (model, "hyperparameters"), "reinforce_weight="));
  /* Trained as hard: its weights differ from the soft continuation's. */
  g_assert_true (memcmp (hard, continued, n0 * sizeof (float)) != 0);
  /* Started from the soft model: far nearer to it than a fresh hard run. */
  g_assert_cmpfloat (mean_abs_diff (hard, soft, n0), <, 0.2 * mean_abs_diff (fresh, soft, n0));
}

static void
test_model_round_trip (Fixture *f, gconstpointer data)
{
  gsize n;
  g_autofree float *params = train_run (f, "m.gzm", 1, FALSE, &n);
  g_autofree char *path = g_build_filename (f->dir, "m.gzm", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeModel) model = gaze_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gaze_model_get_encoder_sha256 (model), ==, FAKE_SHA);
  g_assert_cmpstr (gaze_model_get_encoder_name (model), ==, "fake");
  g_assert_cmpint (gaze_model_get_attention (model), ==, GAZE_ATTENTION_SOFT);
  g_assert_nonnull (gaze_model_get_meta (model, "dev.bleu4"));
  g_assert_nonnull (strstr (gaze_model_get_meta (model, "hyperparameters"), "hidden=16"));
  /* fp16 storage: every weight within half precision of the float32 one. */
  g_assert_cmpuint (model->dec->n_params, ==, n);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (fabsf (model->dec->params[i] - params[i]), <=,
                       fabsf (params[i]) * 1e-3f + 1e-7f);
  /* A model whose tensor has another shape is refused with one line. */
  g_autoptr (GazeModelFile) file = _gaze_model_to_file (model, TRUE);
  g_autoptr (GazeModelFile) bad = gaze_model_file_new ();
  const char *keys[] = { "vocabulary", "attention", "encoder.name", "encoder.sha256" };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    gaze_model_file_set_meta (bad, keys[i], gaze_model_file_get_meta (file, keys[i]));
  gaze_model_file_set_meta (bad, "hyperparameters",
                            "channels=8\nsqueeze=8\nembed=8\nhidden=17\nattn=8\ncells=4\n");
  for (int k = 0; k < GAZE_N_PARAMS; k++)
    {
      const GazeTensorInfo *t = &model->dec->tensors[k];
      gaze_model_file_add_tensor (bad, t->name, t->n_dims, t->dims,
                                  model->dec->params + t->offset, TRUE);
    }
  g_autofree char *bad_path = g_build_filename (f->dir, "bad.gzm", NULL);
  g_assert_true (gaze_model_file_write (bad, bad_path, NULL));
  g_autoptr (GazeModel) refused = gaze_model_load (bad_path, &error);
  g_assert_null (refused);
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
  g_assert_null (strchr (error->message, '\n'));
}

/* ── Mirrored photos (GazeTrainConfig.mirrored) ───────────────────────────── */

/* The fixture's grids again, as a "mirrored" cache: changed by delta (0: the
 * same grids), or with only the first n_images images. */
static GazeFeatureCache *
mirrored_cache (Fixture *f, const char *name, float delta, int n_images)
{
  enum { CELLS = 4, CHANNELS = 8 };
  const int n = gaze_feature_cache_get_n_images (f->cache);
  g_autofree float *grids = g_new (float, (gsize) n * CELLS * CHANNELS);
  g_autofree const char **ids = g_new (const char *, n);
  g_auto (GStrv) owned = g_new0 (char *, n + 1);
  for (int i = 0; i < n; i++)
    {
      ids[i] = owned[i] = g_strdup_printf ("img%02d", i);
      const float *g = gaze_feature_cache_lookup (f->cache, ids[i]);
      for (int k = 0; k < CELLS * CHANNELS; k++)
        grids[i * CELLS * CHANNELS + k] = g[k] + delta * (float) ((k * 7 + i) % 5 - 2);
    }
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (_gaze_feature_cache_write_grids (path, FAKE_SHA, f->images, n_images, ids, CELLS,
                                                 CHANNELS, grids, &error));
  GazeFeatureCache *cache = gaze_feature_cache_load (path, FAKE_SHA, &error);
  g_assert_no_error (error);
  return cache;
}

/* One run of config c on (train, dev), its last checkpoint's parameters. */
static float *
run_config (Fixture *f, GazeTrainConfig *c, const GazeDataset *train, const GazeDataset *dev,
            const char *name, GazeTrainProgressFunc progress, GError **error, gsize *n)
{
  g_autofree char *out = g_build_filename (f->dir, name, NULL);
  g_autofree char *ckpt = g_strconcat (out, ".ckpt", NULL);
  if (!gaze_train (c, train, dev, f->cache, out, progress, NULL, NULL, error))
    return NULL;
  return checkpoint_params (ckpt, n);
}

/* The fixture's captions with "grass" read "left" and "ball" "right". */
static void
sides_datasets (Fixture *f, GazeDataset **train, GazeDataset **dev)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (f->tokens, &text, NULL, NULL));
  g_auto (GStrv) parts = g_strsplit (text, " grass ", -1);
  g_autofree char *left = g_strjoinv (" left ", parts);
  g_auto (GStrv) parts2 = g_strsplit (left, " ball ", -1);
  g_autofree char *sides = g_strjoinv (" right ", parts2);
  g_autofree char *tokens = g_build_filename (f->dir, "sides.txt", NULL);
  g_assert_true (g_file_set_contents (tokens, sides, -1, NULL));
  *train = gaze_dataset_load (f->images, tokens, f->train_split, &error);
  g_assert_no_error (error);
  *dev = gaze_dataset_load (f->images, tokens, f->dev_split, &error);
  g_assert_no_error (error);
}

static void
test_mirror_coins (void)
{
  int heads = 0, changed = 0;
  for (int i = 0; i < 10000; i++)
    {
      gboolean a = _gaze_rng_keyed_coin (1234, 1, i), b = _gaze_rng_keyed_coin (1234, 2, i);
      g_assert_true (a == _gaze_rng_keyed_coin (1234, 1, i));
      heads += a;
      changed += a != b;
    }
  /* Fair (10000 tosses: sd 50), and each epoch tosses anew. */
  g_assert_cmpint (heads, >, 4800);
  g_assert_cmpint (heads, <, 5200);
  g_assert_cmpint (changed, >, 4800);
  g_assert_cmpint (changed, <, 5200);
}

static void
mirror_config (GazeTrainConfig *c, const GazeFeatureCache *mirrored, int epochs)
{
  small_config (c, epochs);
  c->mirrored = mirrored;
}

/* c with the same grids mirrored (c->mirrored) gives plain's n weights
 * exactly: the coins leave the run's random stream alone.  With moved grids
 * and 3 epochs it moves elsewhere, deterministic and resumable after a
 * kill, and the model (moved.gzm) records the augmentation. */
static void
check_mirrored_runs (Fixture *f, GazeTrainConfig *c, const GazeFeatureCache *moved,
                     const float *plain, gsize n)
{
  g_autoptr (GError) error = NULL;
  gsize n1, n2;
  g_autofree float *as_plain = run_config (f, c, f->train, f->dev, "same.gzm", NULL, &error, &n1);
  g_assert_no_error (error);
  g_assert_cmpmem (plain, n * sizeof (float), as_plain, n1 * sizeof (float));
  c->mirrored = moved;
  c->epochs = 3;
  g_autofree float *straight = run_config (f, c, f->train, f->dev, "moved.gzm", NULL, &error, &n1);
  g_assert_no_error (error);
  g_assert_true (memcmp (plain, straight, n * sizeof (float)) != 0);
  g_assert_null (run_config (f, c, f->train, f->dev, "killed.gzm", stop_after_first_epoch,
                             &error, &n2));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  c->resume = TRUE;
  g_autofree float *resumed = run_config (f, c, f->train, f->dev, "killed.gzm", NULL, &error, &n2);
  c->resume = FALSE;
  g_assert_no_error (error);
  g_assert_cmpmem (straight, n1 * sizeof (float), resumed, n2 * sizeof (float));
  g_autofree char *out = g_build_filename (f->dir, "moved.gzm", NULL);
  g_autoptr (GazeModel) model = gaze_model_load (out, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (gaze_model_get_meta (model, "hyperparameters"), "augment=mirror\n"));
}

/* c on captions that say left and right (train, dev), with the same grids
 * mirrored (same), ends elsewhere than without them: only the swapped words
 * can make the difference. */
static void
check_sides_swapped (Fixture *f, GazeTrainConfig *c, const GazeDataset *train,
                     const GazeDataset *dev, const GazeFeatureCache *same)
{
  g_autoptr (GError) error = NULL;
  gsize n1, n2;
  c->mirrored = NULL;
  g_autofree float *plain = run_config (f, c, train, dev, "sides-plain.gzm", NULL, &error, &n1);
  g_assert_no_error (error);
  c->mirrored = same;
  g_autofree float *mirrored = run_config (f, c, train, dev, "sides-mirrored.gzm", NULL, &error,
                                           &n2);
  g_assert_no_error (error);
  g_assert_cmpuint (n1, ==, n2);
  g_assert_true (memcmp (plain, mirrored, n1 * sizeof (float)) != 0);
}

/* Maximum likelihood with mirrored photos: deterministic, resumable after a
 * kill, recorded; it trains on the mirrored grids, and on the references with
 * left and right swapped.  With mirrored grids equal to the plain ones and no
 * left or right in the captions it is exactly the run without mirroring: the
 * coins leave the run's random stream alone. */
static void
test_mirror_xe (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeFeatureCache) same = mirrored_cache (f, "same.bin", 0.0f, 12);
  g_autoptr (GazeFeatureCache) moved = mirrored_cache (f, "moved.bin", 0.5f, 12);
  gsize n0, n2;
  g_autofree float *plain = train_run (f, "plain.gzm", 2, FALSE, &n0);
  GazeTrainConfig c;
  mirror_config (&c, same, 2);
  check_mirrored_runs (f, &c, moved, plain, n0);
  g_autofree char *plain_out = g_build_filename (f->dir, "plain.gzm", NULL);
  g_autoptr (GazeModel) plain_model = gaze_model_load (plain_out, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (gaze_model_get_meta (plain_model, "hyperparameters"), "augment="));

  /* The same grids, but captions that say left and right: the mirrored
   * epochs train on the swapped words, so the run differs from the plain one. */
  g_autoptr (GazeDataset) train = NULL, dev = NULL;
  sides_datasets (f, &train, &dev);
  small_config (&c, 2);
  check_sides_swapped (f, &c, train, dev, same);

  /* A mirrored cache without every training photo, or of another shape, is refused. */
  g_autoptr (GazeFeatureCache) short_cache = mirrored_cache (f, "short.bin", 0.5f, 6);
  mirror_config (&c, short_cache, 1);
  g_assert_null (run_config (f, &c, f->train, f->dev, "short.gzm", NULL, &error, &n2));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_DATA);
  g_assert_nonnull (strstr (error->message, "mirrored"));
  g_clear_error (&error);
  mirror_config (&c, f->cache, 1);
  c.mirrored = NULL;
  {
    const char *ids[] = { "img00" };
    float grid[2 * 8] = { 0 };
    g_autofree char *path = g_build_filename (f->dir, "shape.bin", NULL);
    g_assert_true (_gaze_feature_cache_write_grids (path, FAKE_SHA, f->images, 1, ids, 2, 8, grid,
                                                   &error));
    g_autoptr (GazeFeatureCache) shape = gaze_feature_cache_load (path, FAKE_SHA, &error);
    g_assert_no_error (error);
    c.mirrored = shape;
    g_assert_null (run_config (f, &c, f->train, f->dev, "shape.gzm", NULL, &error, &n2));
    g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
  }
}

/* Self-critical training with mirrored photos: deterministic and resumable,
 * it moves elsewhere than without them, and with the same grids and no left
 * or right it is the run without them. */
static void
test_mirror_scst (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  gsize n0, n1;
  g_autofree float *base = train_run (f, "base.gzm", 2, FALSE, &n0);
  g_autofree char *base_path = g_build_filename (f->dir, "base.gzm.ckpt", NULL);
  g_autoptr (GazeModel) init = checkpoint_model (base_path);
  g_autoptr (GazeFeatureCache) same = mirrored_cache (f, "same.bin", 0.0f, 12);
  g_autoptr (GazeFeatureCache) moved = mirrored_cache (f, "moved.bin", 0.5f, 12);
  GazeTrainConfig c;
  small_config (&c, 2);
  c.init = init;
  c.scst = TRUE;
  c.scst_samples = 4;
  c.scst_mix = 0.5f;
  c.lr = 1e-3f;
  g_autofree float *plain = run_config (f, &c, f->train, f->dev, "plain.gzm", NULL, &error, &n1);
  g_assert_no_error (error);
  c.mirrored = same;
  check_mirrored_runs (f, &c, moved, plain, n1);
  g_autofree char *out = g_build_filename (f->dir, "moved.gzm", NULL);
  g_autoptr (GazeModel) model = gaze_model_load (out, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (gaze_model_get_meta (model, "hyperparameters"), "scst=cider_d\n"));

  /* The same grids, captions that say left and right, and no references
   * mixed in: the samples are the same, and only their rewards can differ,
   * as the words of a mirrored photo's samples are swapped back before they
   * are scored against its references. */
  g_autoptr (GazeDataset) train = NULL, dev = NULL;
  sides_datasets (f, &train, &dev);
  small_config (&c, 2);
  g_autofree char *sides_out = g_build_filename (f->dir, "sides.gzm", NULL);
  g_assert_true (gaze_train (&c, train, dev, f->cache, sides_out, NULL, NULL, NULL, &error));
  g_autofree char *sides_ckpt = g_strconcat (sides_out, ".ckpt", NULL);
  g_autoptr (GazeModel) sides_init = checkpoint_model (sides_ckpt);
  g_assert_cmpint (gaze_vocab_lookup (sides_init->vocab, "left"), !=, GAZE_TOKEN_UNK);
  c.init = sides_init;
  c.scst = TRUE;
  c.scst_samples = 4;
  c.lr = 1e-3f;
  check_sides_swapped (f, &c, train, dev, same);
}

/* ── Standardised grids (GazeTrainConfig.normalise_grid) ─────────────────── */

/* Three grids of two cells and three channels: channel 0 is 0, 2, 4, 6, 8,
 * 10 (μ 5, σ √(35/3)), channel 1 ±1 (μ 0, σ 1), channel 2 always 7. */
static void
test_grid_norm (void)
{
  const float g0[] = { 0, 1, 7, 2, -1, 7 }, g1[] = { 4, 1, 7, 6, -1, 7 },
              g2[] = { 8, 1, 7, 10, -1, 7 };
  const float *grids[] = { g0, g1, g2 };
  GazeGridNorm norm;
  _gaze_grid_norm_fit (&norm, grids, 3, 2, 3);
  g_assert_cmpfloat_with_epsilon (norm.mean[0], 5.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (norm.scale[0], 1.0 / sqrt (35.0 / 3.0), 1e-6);
  g_assert_cmpfloat_with_epsilon (norm.mean[1], 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (norm.scale[1], 1.0, 1e-6);
  /* A constant channel is only centred: it carries nothing to scale up. */
  g_assert_cmpfloat_with_epsilon (norm.mean[2], 7.0, 1e-6);
  g_assert_cmpfloat (norm.scale[2], ==, 1.0f);
  const float *out[3];
  g_autofree float *standard = _gaze_grid_norm_apply (&norm, grids, 3, 2, out);
  g_assert_true (out[1] == standard + 6);
  g_assert_cmpfloat_with_epsilon (out[0][0], -5.0 / sqrt (35.0 / 3.0), 1e-6);
  g_assert_cmpfloat_with_epsilon (out[2][4], -1.0, 1e-6);
  g_assert_cmpfloat (out[1][5], ==, 0.0f);
  /* Folded, the squeeze on raw grids is the squeeze on standardised ones. */
  float w[2 * 3] = { 0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.75f }, b[2] = { 0.1f, -0.2f };
  float wf[6], bf[2];
  memcpy (wf, w, sizeof w), memcpy (bf, b, sizeof b);
  _gaze_grid_norm_fold (&norm, wf, bf, 2);
  for (int i = 0; i < 3; i++)
    for (int l = 0; l < 2; l++)
      for (int d = 0; d < 2; d++)
        {
          double on_raw = bf[d], on_standard = b[d];
          for (int c = 0; c < 3; c++)
            {
              on_raw += (double) wf[d * 3 + c] * grids[i][l * 3 + c];
              on_standard += (double) w[d * 3 + c] * out[i][l * 3 + c];
            }
          g_assert_cmpfloat_with_epsilon (on_raw, on_standard, 1e-5);
        }
  /* And unfolded, the weights are the ones trained. */
  _gaze_grid_norm_unfold (&norm, wf, bf, 2);
  for (int k = 0; k < 6; k++)
    g_assert_cmpfloat_with_epsilon (wf[k], w[k], 1e-6);
  for (int d = 0; d < 2; d++)
    g_assert_cmpfloat_with_epsilon (bf[d], b[d], 1e-6);
  _gaze_grid_norm_clear (&norm);
}

/* Training on standardised grids writes the model folded, to run on raw
 * grids, while its checkpoint keeps the weights as trained (resuming it:
 * /train/resume-normalised-grid); an init model is unfolded. */
static void
test_normalise_grid (Fixture *f, gconstpointer data)
{
  GazeTrainConfig c;
  small_config (&c, 1);
  c.normalise_grid = TRUE;
  g_autofree char *out = g_build_filename (f->dir, "norm.gzm", NULL);
  g_autofree char *ckpt = g_strconcat (out, ".ckpt", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (gaze_train (&c, f->train, f->dev, f->cache, out, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autoptr (GazeModel) trained = checkpoint_model (ckpt);
  g_autoptr (GazeModel) written = gaze_model_load (out, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (gaze_model_get_meta (written, "hyperparameters"),
                            "grid=standardised_folded\n"));
  /* The statistics, fitted again to the training photos' grids. */
  const int n = f->train->n_images;
  g_autofree const float **grids = g_new (const float *, n);
  for (int i = 0; i < n; i++)
    grids[i] = gaze_feature_cache_lookup (f->cache, f->train->image_ids[i]);
  GazeGridNorm norm;
  _gaze_grid_norm_fit (&norm, grids, n, gaze_feature_cache_get_n_cells (f->cache),
                       gaze_feature_cache_get_channels (f->cache));
  const GazeDecoder *td = trained->dec, *wd = written->dec;
  const int D = td->sizes.squeeze, C = td->sizes.channels;
  g_autofree float *fw = g_memdup2 (td->p.squeeze_w, sizeof (float) * D * C);
  g_autofree float *fb = g_memdup2 (td->p.squeeze_b, sizeof (float) * D);
  _gaze_grid_norm_fold (&norm, fw, fb, D);
  /* The written squeeze is the trained one folded (to half precision), and
   * folding moved it; every other weight is the trained one. */
  double moved = 0.0;
  for (int k = 0; k < D * C; k++)
    {
      g_assert_cmpfloat (fabsf (wd->p.squeeze_w[k] - fw[k]), <=, fabsf (fw[k]) * 1e-3f + 1e-6f);
      moved = MAX (moved, fabsf (fw[k] - td->p.squeeze_w[k]));
    }
  for (int d = 0; d < D; d++)
    g_assert_cmpfloat (fabsf (wd->p.squeeze_b[d] - fb[d]), <=, fabsf (fb[d]) * 1e-3f + 1e-5f);
  g_assert_cmpfloat (moved, >, 1e-2);
  /* The squeeze's weights and bias lead the parameters. */
  g_assert_cmpuint (td->tensors[0].offset, ==, 0);
  g_assert_cmpuint (td->tensors[1].offset, ==, (gsize) D * C);
  const gsize after = td->tensors[1].offset + (gsize) D;
  for (gsize k = after; k < td->n_params; k++)
    g_assert_cmpfloat (fabsf (wd->params[k] - td->params[k]), <=,
                       fabsf (td->params[k]) * 1e-3f + 1e-7f);

  /* Started from the written model, a run on standardised grids unfolds it
   * onto them: at a rate too small to move a weight, its checkpoint holds
   * the weights trained in the first run. */
  small_config (&c, 1);
  c.normalise_grid = TRUE;
  c.init = written;
  c.lr = 1e-30f;
  g_autofree char *again = g_build_filename (f->dir, "norm-again.gzm", NULL);
  g_assert_true (gaze_train (&c, f->train, f->dev, f->cache, again, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *again_ckpt = g_strconcat (again, ".ckpt", NULL);
  g_autoptr (GazeModel) unfolded = checkpoint_model (again_ckpt);
  for (int k = 0; k < D * C; k++)
    g_assert_cmpfloat (fabsf (unfolded->dec->p.squeeze_w[k] - td->p.squeeze_w[k]), <=,
                       fabsf (td->p.squeeze_w[k]) * 2e-3f + 1e-5f);
  for (int d = 0; d < D; d++)
    g_assert_cmpfloat (fabsf (unfolded->dec->p.squeeze_b[d] - td->p.squeeze_b[d]), <=,
                       fabsf (td->p.squeeze_b[d]) * 2e-3f + 1e-4f);
  _gaze_grid_norm_clear (&norm);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/overfit-soft", test_overfit_soft);
  g_test_add_func ("/train/overfit-hard", test_overfit_hard);
  g_test_add ("/train/deterministic", Fixture, NULL, fixture_setup, test_deterministic,
              fixture_teardown);
  static const ResumeCase annotation_dropout = { 0.3f, FALSE, FALSE, 0.0f, FALSE };
  static const ResumeCase annotation_channels = { 0.3f, FALSE, TRUE, 0.0f, FALSE };
  static const ResumeCase normalised = { 0.0f, TRUE, FALSE, 0.0f, FALSE };
  static const ResumeCase scheduled = { 0.0f, FALSE, FALSE, 0.5f, FALSE };
  static const ResumeCase centred = { 0.0f, FALSE, FALSE, 0.0f, TRUE };
  g_test_add ("/train/resume", Fixture, NULL, fixture_setup, test_resume, fixture_teardown);
  g_test_add ("/train/resume-annotation-dropout", Fixture, &annotation_dropout, fixture_setup,
              test_resume, fixture_teardown);
  g_test_add ("/train/resume-annotation-dropout-channels", Fixture, &annotation_channels,
              fixture_setup, test_resume, fixture_teardown);
  g_test_add ("/train/resume-scheduled-sampling", Fixture, &scheduled, fixture_setup, test_resume,
              fixture_teardown);
  g_test_add ("/train/resume-normalised-grid", Fixture, &normalised, fixture_setup, test_resume,
              fixture_teardown);
  g_test_add ("/train/resume-centred-grid", Fixture, &centred, fixture_setup, test_resume,
              fixture_teardown);
  g_test_add ("/train/scst-resume", Fixture, &scst_soft, fixture_setup, test_scst_resume,
              fixture_teardown);
  g_test_add ("/train/scst-resume-hard", Fixture, &scst_hard, fixture_setup, test_scst_resume,
              fixture_teardown);
  g_test_add ("/train/scst-resume-mixed", Fixture, &scst_mixed, fixture_setup, test_scst_resume,
              fixture_teardown);
  g_test_add ("/train/scst-resume-hard-mixed", Fixture, &scst_hard_mixed, fixture_setup,
              test_scst_resume, fixture_teardown);
  g_test_add ("/train/scst-resume-retrieval", Fixture, &scst_retrieval, fixture_setup,
              test_scst_resume, fixture_teardown);
  g_test_add ("/train/scst-resume-hard-retrieval", Fixture, &scst_hard_retrieval, fixture_setup,
              test_scst_resume, fixture_teardown);
  g_test_add ("/train/scst-resume-annotation-dropout", Fixture, &scst_annotation_dropout,
              fixture_setup, test_scst_resume, fixture_teardown);
  g_test_add ("/train/scst-resume-annotation-channels", Fixture, &scst_annotation_channels,
              fixture_setup, test_scst_resume, fixture_teardown);
  g_test_add ("/train/soft-to-hard", Fixture, NULL, fixture_setup, test_soft_to_hard,
              fixture_teardown);
  g_test_add ("/train/model-round-trip", Fixture, NULL, fixture_setup, test_model_round_trip,
              fixture_teardown);
  g_test_add_func ("/train/mirror-coins", test_mirror_coins);
  g_test_add ("/train/mirror", Fixture, NULL, fixture_setup, test_mirror_xe, fixture_teardown);
  g_test_add ("/train/mirror-scst", Fixture, NULL, fixture_setup, test_mirror_scst,
              fixture_teardown);
  g_test_add_func ("/train/grid-norm", test_grid_norm);
  g_test_add ("/train/normalise-grid", Fixture, NULL, fixture_setup, test_normalise_grid,
              fixture_teardown);
  return g_test_run ();
}
