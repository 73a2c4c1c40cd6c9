/* test-cli-decoder — `gaze-cli train` and `gaze-cli caption` end to end, run
 * as a subprocess on a tiny data set (8 real Flickr8k photos, synthetic
 * captions, random cached grids keyed by the real MobileNetV2's sha256), and
 * their error paths: one line on stderr, exit status 1, files left alone.
 *   test-cli-decoder PATH/TO/gaze-cli */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "decoder.h"
#include "feature-cache.h"
#include "gaze-train.h"
#include "model.h"
#include "test-util.h"

static const char *gaze_cli;

typedef struct {
  char *dir, *images, *tokens, *train, *dev, *cache, *encoder, *model, *photo;
} Fixture;

static const char *const words[] = { "a", "dog", "runs", "on", "the", "grass", "man", "rides",
                                     "bike", "two", "children", "play" };

static gboolean
fixture_init (Fixture *f)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  if (shared == NULL)
    return FALSE;
  f->encoder = g_build_filename (shared, "models", "mobilenet_v2_1.0_224_quant.tflite", NULL);
  g_autofree char *split = g_build_filename (shared, "data", "flickr8k",
                                             "Flickr_8k.trainImages.txt", NULL);
  g_autofree char *photos = g_build_filename (shared, "data", "flickr8k", "images", NULL);
  g_autofree char *text = NULL;
  if (!g_file_test (f->encoder, G_FILE_TEST_IS_REGULAR)
      || !g_file_get_contents (split, &text, NULL, NULL))
    return FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeEncoder) encoder = gaze_encoder_load (f->encoder, &error);
  g_assert_no_error (error);

  f->dir = g_dir_make_tmp ("gaze-test-cli-decoder-XXXXXX", NULL);
  f->images = g_build_filename (f->dir, "images", NULL);
  g_assert_cmpint (g_mkdir (f->images, 0700), ==, 0);
  g_auto (GStrv) lines = g_strsplit (text, "\n", 9);
  enum { N = 8, CELLS = 49, CHANNELS = 1280 };
  GString *tokens = g_string_new (NULL), *train = g_string_new (NULL), *dev = g_string_new (NULL);
  char *ids[N];
  for (int i = 0; i < N; i++)
    {
      g_strstrip (lines[i]);
      g_autofree char *from = g_build_filename (photos, lines[i], NULL);
      g_autofree char *to = g_build_filename (f->images, lines[i], NULL);
      g_assert_cmpint (symlink (from, to), ==, 0);
      ids[i] = g_strndup (lines[i], strlen (lines[i]) - 4);
      for (int c = 0; c < 5; c++)
        {
          g_string_append_printf (tokens, "%s#%d\t", lines[i], c);
          for (int w = 0; w < 4 + c % 3; w++)
            g_string_append_printf (tokens, "%s ", words[(i * 3 + w + c) % G_N_ELEMENTS (words)]);
          g_string_append (tokens, ".\n");
        }
      g_string_append_printf (i < 6 ? train : dev, "%s\n", lines[i]);
    }
  /* The cache file's ids are sorted, as a folder listing gives them; the
   * grids are the real ones (the caption test encodes a real photo). */
  qsort (ids, N, sizeof (char *), (int (*) (const void *, const void *)) g_strcmp0);
  float *grids = g_new (float, (gsize) N * CELLS * CHANNELS);
  for (int i = 0; i < N; i++)
    {
      g_autofree char *name = g_strconcat (ids[i], ".jpg", NULL);
      g_autofree char *path = g_build_filename (f->images, name, NULL);
      g_autoptr (GazeImage) image = gaze_image_load (path, &error);
      g_assert_no_error (error);
      g_assert_true (gaze_encoder_encode_image (encoder, image, grids + (gsize) i * CELLS * CHANNELS,
                                                NULL, &error));
    }
  f->cache = g_build_filename (f->dir, "cache.bin", NULL);
  g_assert_true (_gaze_feature_cache_write_grids (f->cache, gaze_encoder_get_sha256 (encoder),
                                                 f->images, N, (const char *const *) ids, CELLS,
                                                 CHANNELS, grids, &error));
  g_assert_no_error (error);
  g_free (grids);
  for (int i = 0; i < N; i++)
    g_free (ids[i]);
  f->tokens = g_build_filename (f->dir, "tokens.txt", NULL);
  f->train = g_build_filename (f->dir, "train.txt", NULL);
  f->dev = g_build_filename (f->dir, "dev.txt", NULL);
  f->model = g_build_filename (f->dir, "model.gzm", NULL);
  f->photo = g_build_filename (f->images, lines[0], NULL);
  g_assert_true (g_file_set_contents (f->tokens, tokens->str, -1, NULL));
  g_assert_true (g_file_set_contents (f->train, train->str, -1, NULL));
  g_assert_true (g_file_set_contents (f->dev, dev->str, -1, NULL));
  g_string_free (tokens, TRUE), g_string_free (train, TRUE), g_string_free (dev, TRUE);
  return TRUE;
}

static void
fixture_clear (Fixture *f)
{
  test_util_remove_tree (f->dir);
  g_free (f->dir), g_free (f->images), g_free (f->tokens), g_free (f->train), g_free (f->dev);
  g_free (f->cache), g_free (f->encoder), g_free (f->model), g_free (f->photo);
}

/* Runs gaze-cli with args; returns its exit status, stdout and stderr. */
static int
run (const char *const *args, char **out, char **err)
{
  return test_util_run (gaze_cli, args, out, err);
}

static void
reset (char **out, char **err)
{
  g_clear_pointer (out, g_free);
  g_clear_pointer (err, g_free);
}

/* A failure: status 1 and one line "gaze-cli: …" naming what. */
static void
assert_one_line_error (int status, const char *err, const char *what)
{
  g_assert_cmpint (status, ==, 1);
  g_assert_true (g_str_has_prefix (err, "gaze-cli: "));
  const char *nl = strchr (err, '\n');
  g_assert_nonnull (nl);
  g_assert_cmpstr (nl + 1, ==, "");
  test_util_assert_contains (err, what);
}

static void
test_train_and_caption (void)
{
  Fixture f;
  if (gaze_cli == NULL || !fixture_init (&f))
    {
      g_test_skip ("needs the gaze-cli path and the shared models and data");
      return;
    }
  const char *train[] = { "train", "--encoder", f.encoder, "--images", f.images, "--captions",
                          f.tokens, "--train-split", f.train, "--dev-split", f.dev, "--cache",
                          f.cache, "--out", f.model, "--epochs", "25", "--batch", "8", "--embed",
                          "8", "--hidden", "16", "--attn", "8", "--lr", "0.02", "--lr-decay",
                          "1", "--dropout", "0", "--lambda", "0", "--patience", "100", NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = run (train, &out, &err);
  if (status != 0)
    g_error ("train failed: %s", err);
  g_assert_nonnull (strstr (out, "epoch 1: train loss"));
  g_assert_nonnull (strstr (out, "epoch 25: train loss"));
  g_assert_nonnull (strstr (out, "dev BLEU-1..4"));
  g_assert_true (g_file_test (f.model, G_FILE_TEST_IS_REGULAR));
  g_autofree char *ckpt = g_strconcat (f.model, ".ckpt", NULL);
  g_assert_true (g_file_test (ckpt, G_FILE_TEST_IS_REGULAR));

  /* The model records how it was made. */
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeModel) model = gaze_model_load (f.model, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (gaze_model_get_meta (model, "training.command"), "--epochs 25"));
  g_assert_nonnull (gaze_model_get_meta (model, "dev.bleu4"));
  g_assert_nonnull (gaze_model_get_meta (model, "training.wall_time_s"));
  g_assert_cmpstr (gaze_model_get_encoder_name (model), ==, "mobilenet_v2_1.0_224_quant");

  /* Again: refuses to overwrite the model … */
  reset (&out, &err);
  GStatBuf before, after;
  g_assert_cmpint (g_stat (f.model, &before), ==, 0);
  status = run (train, &out, &err);
  assert_one_line_error (status, err, "--force");
  g_assert_cmpint (g_stat (f.model, &after), ==, 0);
  g_assert_cmpint (before.st_mtime, ==, after.st_mtime);
  g_assert_cmpint (before.st_size, ==, after.st_size);

  /* … and resumes from the checkpoint: 25 of 25 epochs done, nothing to train. */
  reset (&out, &err);
  g_autoptr (GPtrArray) resume = g_ptr_array_new ();
  for (const char *const *a = train; *a != NULL; a++)
    g_ptr_array_add (resume, (gpointer) *a);
  g_ptr_array_add (resume, "--resume");
  g_ptr_array_add (resume, NULL);
  g_assert_cmpint (run ((const char *const *) resume->pdata, &out, &err), ==, 0);
  g_assert_null (strstr (out, "epoch 1: train loss"));

  /* caption: plain, then JSON with per-word 7×7 α and the beams. */
  reset (&out, &err);
  const char *caption[] = { "caption", "--model", f.model, "--encoder", f.encoder, f.photo, NULL };
  g_assert_cmpint (run (caption, &out, &err), ==, 0);
  /* Trained on captions of 4 to 6 words, it says something. */
  g_assert_cmpint (strlen (out), >, 1);
  /* The caption's line, then its attention's liveness on a second line. */
  const char *second = strchr (out, '\n') + 1;
  g_assert_true (g_str_has_prefix (second, "  attention: mean peak α "));
  g_assert_nonnull (strstr (second, "(uniform 0.020), mean change between words "));
  g_assert_true (strchr (second, '\n') == out + strlen (out) - 1);
  reset (&out, &err);
  const char *json[] = { "caption", "--model", f.model, "--encoder", f.encoder, "--json",
                         "--beam", "2", f.photo, NULL };
  g_assert_cmpint (run (json, &out, &err), ==, 0);
  g_assert_true (g_str_has_prefix (out, "["));
  g_assert_nonnull (strstr (out, "\"beams\": [{\"caption\""));
  g_assert_nonnull (strstr (out, "\"score\""));
  g_assert_nonnull (strstr (out, "\"attention\": \"soft\", \"grid_size\": 7"));
  g_assert_nonnull (strstr (out, "\"mean_peak_alpha\": "));
  g_assert_nonnull (strstr (out, "\"mean_alpha_change\": "));
  const char *alpha = strstr (out, "\"alpha\": [[");
  g_assert_nonnull (alpha);
    {
      /* Seven rows of seven, closed by "]]". */
      const char *end = strstr (alpha, "]]");
      int rows = 0;
      for (const char *p = alpha; p < end; p++)
        rows += *p == '[';
      g_assert_cmpint (rows, ==, 1 + 7);
    }

  /* Error paths. */
  reset (&out, &err);
  const char *missing[] = { "caption", "--model", f.model, "--encoder", f.encoder,
                            "/nonexistent/photo.jpg", NULL };
  status = run (missing, &out, &err);
  assert_one_line_error (status, err, "photo.jpg");
  reset (&out, &err);
  g_autofree char *bad = g_build_filename (f.dir, "bad.gzm", NULL);
  g_assert_true (g_file_set_contents (bad, "GAZEMODL not really", -1, NULL));
  const char *corrupt[] = { "caption", "--model", bad, "--encoder", f.encoder, f.photo, NULL };
  status = run (corrupt, &out, &err);
  assert_one_line_error (status, err, "bad.gzm");
  /* A model for another encoder is refused. */
  reset (&out, &err);
  g_autoptr (GazeModelFile) file = _gaze_model_to_file (model, TRUE);
  gaze_model_file_set_meta (file, "encoder.sha256",
                            "0000000000000000000000000000000000000000000000000000000000000000");
  g_autofree char *other = g_build_filename (f.dir, "other.gzm", NULL);
  g_assert_true (gaze_model_file_write (file, other, NULL));
  const char *mismatch[] = { "caption", "--model", other, "--encoder", f.encoder, f.photo, NULL };
  status = run (mismatch, &out, &err);
  assert_one_line_error (status, err, "trained on encoder");
  reset (&out, &err);
  const char *beam[] = { "caption", "--model", f.model, "--beam", "0", f.photo, NULL };
  status = run (beam, &out, &err);
  assert_one_line_error (status, err, "--beam");
  reset (&out, &err);
  const char *no_ckpt[] = { "train", "--out", bad, "--resume", NULL };
  status = run (no_ckpt, &out, &err);
  assert_one_line_error (status, err, "no checkpoint");
  reset (&out, &err);
  fixture_clear (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gaze_cli = argc > 1 ? argv[1] : NULL;
  g_test_add_func ("/cli/train-and-caption", test_train_and_caption);
  return g_test_run ();
}
