/* test-cli-data — `gaze-cli features` and `gaze-cli eval` end to end, run as
 * processes on six Flickr8k dev photos with a small random decoder: the
 * printed scores and the COCO results file must be exactly what the engine
 * computes for the same captions, and bad input must fail with one line.
 *
 *   test-cli-data PATH/TO/gaze-cli */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "decoder.h"
#include "gaze-train.h"
#include "model.h"
#include "test-util.h"

static const char *gaze_cli;
static const char *const photos[] = {
  "2090545563_a4e66ec76b", "3393035454_2d2370ffd4", "3695064885_a6922f06b2",
  "1679557684_50a206e4a9", "3582685410_05315a15b8", "1579798212_d30844b4c5",
};

typedef struct {
  char *dir;
  char *images;
  char *tokens;
  char *split;
  char *cache;
  char *encoder;
} Fixture;

static char *
shared_path (const char *relative)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  g_autofree char *path = g_build_filename (shared ? shared : "../shared", relative, NULL);
  return g_canonicalize_filename (path, NULL);
}

static gboolean
fixture_init (Fixture *f)
{
  f->encoder = shared_path ("models/mobilenet_v2_1.0_224_quant.tflite");
  f->tokens = shared_path ("data/flickr8k/Flickr8k.token.txt");
  if (!g_file_test (f->encoder, G_FILE_TEST_EXISTS) || !g_file_test (f->tokens, G_FILE_TEST_EXISTS))
    return FALSE;
  f->dir = g_dir_make_tmp ("gaze-test-cli-XXXXXX", NULL);
  f->images = g_build_filename (f->dir, "images", NULL);
  g_assert_cmpint (g_mkdir (f->images, 0700), ==, 0);
  GString *split = g_string_new (NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (photos); i++)
    {
      g_autofree char *name = g_strconcat (photos[i], ".jpg", NULL);
      g_autofree char *rel = g_build_filename ("data", "flickr8k", "images", name, NULL);
      g_autofree char *target = shared_path (rel);
      g_autofree char *link = g_build_filename (f->images, name, NULL);
      g_assert_cmpint (symlink (target, link), ==, 0);
      g_string_append_printf (split, "%s\n", name);
    }
  g_string_append (split, "0000000000_missing.jpg\n"); /* skipped, and counted */
  f->split = g_build_filename (f->dir, "split.txt", NULL);
  g_assert_true (g_file_set_contents (f->split, split->str, -1, NULL));
  g_string_free (split, TRUE);
  f->cache = g_build_filename (f->dir, "features.bin", NULL);
  return TRUE;
}

static void
fixture_clear (Fixture *f)
{
  test_util_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->images);
  g_free (f->tokens);
  g_free (f->split);
  g_free (f->cache);
  g_free (f->encoder);
}

/* Runs gaze-cli with args; returns its exit status, stdout and stderr. */
static int
run_cli (const char *const *args, char **out, char **err)
{
  return test_util_run (gaze_cli, args, out, err);
}

/* A small decoder with random weights, saved for the encoder of sha256. */
static GazeModel *
make_random_model (const GazeDataset *ds, const char *sha256, const char *path)
{
  GazeDecoderSizes sizes = {
    .channels = 1280, .squeeze = 16, .embed = 8, .hidden = 16, .attn = 8, .cells = 49,
  };
  GazeVocab *vocab = gaze_dataset_build_vocab (ds, 1);
  sizes.vocab = gaze_vocab_get_size (vocab);
  GazeDecoder *dec = _gaze_decoder_new (&sizes);
  GazeRng rng;
  _gaze_rng_seed (&rng, 42);
  _gaze_decoder_init_params (dec, &rng);
  GazeModel *model = _gaze_model_new (dec, vocab, GAZE_ATTENTION_SOFT,
                                     "mobilenet_v2_1.0_224_quant", sha256);
  g_autoptr (GError) error = NULL;
  g_assert_true (gaze_model_save (model, path, &error));
  g_assert_no_error (error);
  return model;
}

/* gaze-cli eval --grounding prints the grounding the engine measures here:
 * each photo captioned from the cache at beam 2, occluded cell by cell. */
static void
check_grounding (const Fixture *f, const char *model_path, const GazeModel *model,
                 const GazeEncoder *encoder, const GazeFeatureCache *cache, const GazeDataset *ds)
{
  g_autoptr (GError) error = NULL;
  const int g = gaze_encoder_get_grid_size (encoder);
  GazeGrounding grounding;
  gaze_grounding_init (&grounding, g * g);
  for (int i = 0; i < ds->n_images; i++)
    {
      g_autoptr (GazeCaption) caption = gaze_model_caption (
        model, gaze_feature_cache_lookup (cache, ds->image_ids[i]), 2, NULL, &error);
      g_assert_no_error (error);
      g_autofree char *name = g_strconcat (ds->image_ids[i], ".jpg", NULL);
      g_autofree char *path = g_build_filename (f->images, name, NULL);
      g_autoptr (GazeImage) image = gaze_image_load (path, &error);
      g_assert_no_error (error);
      g_assert_true (gaze_model_occlusion (model, encoder, image, &caption->beams[0], NULL, NULL,
                                           NULL, &error));
      gaze_grounding_add (&grounding, &caption->beams[0]);
    }
  GazeGroundingFigures figures;
  gaze_grounding_figures (&grounding, &figures);
  const char *argv[] = { "eval", "--model", model_path, "--encoder", f->encoder, "--images",
                         f->images, "--captions", f->tokens, "--split-file", f->split, "--beam",
                         "2", "--cache", f->cache, "--grounding", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run_cli (argv, &out, &err), ==, 0);
  g_test_message ("%s: grounding over %" G_GINT64_FORMAT " words, %" G_GINT64_FORMAT
                  " left out", model_path, grounding.n_words, grounding.n_skipped);
  if (grounding.n_words > 0)
    {
      g_autofree char *line = g_strdup_printf (
        "grounding: α mass %.3f on each word's 3 cells of most occlusion evidence (the words' "
        "mean map: %.3f, uniform: 0.061); α peak on one of them %.3f (chance: 0.061); %"
        G_GINT64_FORMAT " words (%" G_GINT64_FORMAT " left out", figures.mass,
        figures.mass_mean_map, figures.hit_rate, grounding.n_words, grounding.n_skipped);
      test_util_assert_contains (out, line);
    }
  else
    test_util_assert_contains (out, "grounding: no word depends on one part of the photo");
  gaze_grounding_clear (&grounding);
}

static void
test_features_and_eval (void)
{
  Fixture f;
  if (gaze_cli == NULL || !fixture_init (&f))
    {
      g_test_skip ("needs the gaze-cli path and the shared models and data");
      return;
    }
  g_autoptr (GError) error = NULL;

  /* features: builds, then reuses; prints the cache path first. */
  const char *features[] = { "features", "--encoder", f.encoder, "--images", f.images,
                             "--cache", f.cache, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run_cli (features, &out, &err), ==, 0);
  g_autofree char *first_line = g_strconcat (f.cache, "\n", NULL);
  g_assert_true (g_str_has_prefix (out, first_line));
  test_util_assert_contains (out, "6 photos");
  test_util_assert_contains (out, "built in");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (features, &out, &err), ==, 0);
  test_util_assert_contains (out, "reused");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The expected evaluation, computed here with the engine. */
  g_autoptr (GazeEncoder) encoder = gaze_encoder_load (f.encoder, &error);
  g_assert_no_error (error);
  g_autoptr (GazeDataset) ds = gaze_dataset_load (f.images, f.tokens, f.split, &error);
  g_assert_no_error (error);
  /* Every token line naming a photo that is not in this folder (35460 lines
   * − 6 × 5), and the missing split id. */
  g_assert_cmpint (ds->n_skipped, ==, 35431);
  g_autofree char *model_path = g_build_filename (f.dir, "model.gzm", NULL);
  gaze_model_free (make_random_model (ds, gaze_encoder_get_sha256 (encoder), model_path));
  /* The saved model (fp16 weights), as the command will read it. */
  g_autoptr (GazeModel) model = gaze_model_load (model_path, &error);
  g_assert_no_error (error);
  g_autoptr (GazeFeatureCache) cache = gaze_feature_cache_load (f.cache, NULL, &error);
  g_assert_no_error (error);
  char **captions = g_new0 (char *, ds->n_images + 1);
  GString *json = g_string_new ("[\n");
  for (int i = 0; i < ds->n_images; i++)
    {
      g_autoptr (GazeCaption) caption = gaze_model_caption (
        model, gaze_feature_cache_lookup (cache, ds->image_ids[i]), 2, NULL, &error);
      g_assert_no_error (error);
      g_autofree char *words = gaze_beam_to_string (&caption->beams[0]);
      captions[i] = gaze_text_normalize (words);
      /* Ids and normalised words need no JSON escapes. */
      g_string_append_printf (json, "  {\"image_id\": \"%s\", \"caption\": \"%s\"}%s\n",
                              ds->image_ids[i], captions[i], i + 1 < ds->n_images ? "," : "");
    }
  g_string_append (json, "]\n");
  GazeScores scores;
  gaze_metrics_score (ds->n_images, (const char *const *) captions, ds->captions, &scores);

  g_autofree char *results = g_build_filename (f.dir, "results.json", NULL);
  const char *eval[] = { "eval", "--model", model_path, "--encoder", f.encoder, "--images",
                         f.images, "--captions", f.tokens, "--split-file", f.split, "--beam", "2",
                         "--cache", f.cache, "--out", results, NULL };
  g_assert_cmpint (run_cli (eval, &out, &err), ==, 0);
  test_util_assert_contains (err, "grids from the feature cache");
  test_util_assert_contains (out, "6 photos; 35431 caption lines or ids skipped");
  g_autofree char *bleu = g_strdup_printf ("BLEU-1 %.1f  BLEU-2 %.1f  BLEU-3 %.1f  BLEU-4 %.1f",
                                           100 * scores.bleu[0], 100 * scores.bleu[1],
                                           100 * scores.bleu[2], 100 * scores.bleu[3]);
  test_util_assert_contains (out, bleu);
  g_autofree char *cider = g_strdup_printf ("CIDEr-D %.3f  ROUGE-L %.1f", scores.cider_d,
                                            100 * scores.rouge_l);
  test_util_assert_contains (out, cider);
  test_util_assert_contains (out, "attention: mean peak α");
  /* The captions' vocabulary and length, counted here. */
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int n_words = 0;
  for (int i = 0; i < ds->n_images; i++)
    {
      g_auto (GStrv) words = g_strsplit (captions[i], " ", -1);
      for (char **w = words; *w != NULL; w++)
        if (**w != '\0')
          g_hash_table_add (seen, g_strdup (*w)), n_words++;
    }
  g_autofree char *vocabulary = g_strdup_printf (
    "vocabulary: %u distinct words in the %d captions, %.1f words a caption\n",
    g_hash_table_size (seen), ds->n_images, (double) n_words / ds->n_images);
  test_util_assert_contains (out, vocabulary);
  g_autofree char *written = NULL;
  g_assert_true (g_file_get_contents (results, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, json->str);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --grounding: with the random model no word depends on one cell of the photo;
   * with the shipped default, the figures are the engine's. */
  check_grounding (&f, model_path, model, encoder, cache, ds);
  g_autofree char *shipped = g_build_filename (g_getenv ("GAZE_SOURCE_DIR"), "resources",
                                               "models", "gaze-mobilenet_v2-soft.gzm", NULL);
  if (g_file_test (shipped, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr (GazeModel) default_model = gaze_model_load (shipped, &error);
      g_assert_no_error (error);
      check_grounding (&f, shipped, default_model, encoder, cache, ds);
    }

  /* Without the cache the photos are encoded: the same scores. */
  const char *no_cache[] = { "eval", "--model", model_path, "--encoder", f.encoder, "--images",
                             f.images, "--captions", f.tokens, "--split-file", f.split, "--beam",
                             "2", "--cache", f.split, NULL };
  g_assert_cmpint (run_cli (no_cache, &out, &err), ==, 0);
  test_util_assert_contains (err, "encoded now");
  test_util_assert_contains (out, bleu);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --mirror: the photos mirrored left to right, their references' left and
   * right swapped; encoded now, then from the mirrored cache beside --cache. */
  g_autoptr (GazeDataset) swapped = gaze_dataset_load (f.images, f.tokens, f.split, &error);
  g_assert_no_error (error);
  char **mirrored_captions = g_new0 (char *, ds->n_images + 1);
  for (int i = 0; i < ds->n_images; i++)
    {
      g_autofree char *name = g_strconcat (ds->image_ids[i], ".jpg", NULL);
      g_autofree char *path = g_build_filename (f.images, name, NULL);
      g_autoptr (GazeImage) image = gaze_image_load (path, &error);
      g_assert_no_error (error);
      gaze_image_mirror (image);
      g_autofree float *grid = g_new (float, 49 * 1280);
      g_assert_true (gaze_encoder_encode_image (encoder, image, grid, NULL, &error));
      g_autoptr (GazeCaption) caption = gaze_model_caption (model, grid, 2, NULL, &error);
      g_assert_no_error (error);
      g_autofree char *words = gaze_beam_to_string (&caption->beams[0]);
      mirrored_captions[i] = gaze_text_normalize (words);
      for (char **c = swapped->captions[i]; *c != NULL; c++)
        {
          char *m = gaze_text_mirror (*c);
          g_free (*c);
          *c = m;
        }
    }
  GazeScores mirrored_scores;
  gaze_metrics_score (ds->n_images, (const char *const *) mirrored_captions, swapped->captions,
                      &mirrored_scores);
  g_autofree char *mirrored_bleu = g_strdup_printf (
    "BLEU-1 %.1f  BLEU-2 %.1f  BLEU-3 %.1f  BLEU-4 %.1f", 100 * mirrored_scores.bleu[0],
    100 * mirrored_scores.bleu[1], 100 * mirrored_scores.bleu[2], 100 * mirrored_scores.bleu[3]);
  g_autofree char *mirrored_cider = g_strdup_printf ("CIDEr-D %.3f", mirrored_scores.cider_d);
  g_assert_cmpstr (mirrored_bleu, !=, bleu); /* the photos' mirror images are captioned otherwise */
  const char *mirrored_eval[] = { "eval", "--model", model_path, "--encoder", f.encoder,
                                  "--images", f.images, "--captions", f.tokens, "--split-file",
                                  f.split, "--beam", "2", "--cache", f.cache, "--mirror", NULL };
  for (int pass = 0; pass < 2; pass++)
    {
      g_assert_cmpint (run_cli (mirrored_eval, &out, &err), ==, 0);
      test_util_assert_contains (err, "mirrored left to right");
      test_util_assert_contains (err, pass == 0 ? "encoded now" : "grids from the feature cache");
      test_util_assert_contains (out, mirrored_bleu);
      test_util_assert_contains (out, mirrored_cider);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      if (pass == 0)
        {
          g_autofree char *mirrored_path = gaze_feature_cache_mirrored_path (f.cache);
          g_autoptr (GazeFeatureCache) built = gaze_feature_cache_open_mirrored (
            mirrored_path, encoder, f.images, NULL, NULL, &error);
          g_assert_no_error (error);
        }
    }
  g_strfreev (mirrored_captions);

  /* The results file is not replaced without --force. */
  g_assert_cmpint (run_cli (eval, &out, &err), ==, 1);
  test_util_assert_contains (err, "already exists");
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1); /* one line */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A model trained on another encoder is refused, in one line. */
  g_autofree char *other = g_build_filename (f.dir, "other.gzm", NULL);
  gaze_model_free (make_random_model (
    ds, "5f573ad22b335ce21286b4fea5efa08dace810e3ecb5c16e2062d0cf160a3b2d", other));
  const char *mismatch[] = { "eval", "--model", other, "--encoder", f.encoder, "--images",
                             f.images, "--captions", f.tokens, "--split-file", f.split, NULL };
  g_assert_cmpint (run_cli (mismatch, &out, &err), ==, 1);
  g_assert_true (g_str_has_prefix (err, "gaze-cli: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Missing arguments. */
  const char *bare[] = { "eval", "--model", model_path, NULL };
  g_assert_cmpint (run_cli (bare, &out, &err), ==, 1);
  test_util_assert_contains (err, "--split-file are required");

  g_string_free (json, TRUE);
  g_strfreev (captions);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gaze_cli = argc > 1 ? argv[1] : NULL;
  g_test_add_func ("/cli/features-and-eval", test_features_and_eval);
  return g_test_run ();
}
