/* test-dataset — caption normalisation, the vocabulary and Flickr8k parsing,
 * on small hand-made files and on the real ../shared/data/flickr8k. */
#include <glib/gstdio.h>
#include <string.h>

#include "gaze-train.h"
#include "test-util.h"

static void
assert_normalized (const char *in, const char *expected)
{
  g_autofree char *out = gaze_text_normalize (in);
  g_assert_cmpstr (out, ==, expected);
}

static void
test_normalize (void)
{
  assert_normalized ("A child in a pink dress is climbing up a set of stairs .",
                     "a child in a pink dress is climbing up a set of stairs");
  /* Punctuation is deleted, not replaced by a space (as Python's
   * str.translate with string.punctuation). */
  assert_normalized ("A dog's ball, the T-shirt!", "a dogs ball the tshirt");
  assert_normalized ("  \t Hello,   WORLD!! \r\n", "hello world");
  assert_normalized ("", "");
  assert_normalized (" . , ; ", "");
  assert_normalized ("2 dogs & 1 cat", "2 dogs 1 cat");
  /* Unicode: lowercased, accents kept, symbols and a zero-width space removed,
   * a no-break space is a separator. */
  assert_normalized ("Ça VA \xc3\x9c" "ber\xe2\x80\x8b" "all \xe2\x82\xac" "5\xc2\xa0OK",
                     "ça va überall 5 ok");
  /* Invalid UTF-8 never crashes and never leaks through. */
  g_autofree char *repaired = gaze_text_normalize ("a\xff" "b \xc3");
  g_assert_true (g_utf8_validate (repaired, -1, NULL));
  g_assert_true (g_str_has_prefix (repaired, "a"));
}

static void
assert_mirrored (const char *in, const char *expected)
{
  g_autofree char *out = gaze_text_mirror (in);
  g_assert_cmpstr (out, ==, expected);
}

/* Mirrored left to right: left and right trade places, whole words only. */
static void
test_mirror (void)
{
  assert_mirrored ("a dog on the left of a man with his right hand up",
                   "a dog on the right of a man with his left hand up");
  assert_mirrored ("right left right", "left right left");
  assert_mirrored ("a leftover bright kite", "a leftover bright kite");
  assert_mirrored ("", "");
}

static GazeVocab *
make_vocab (void)
{
  const char *words[] = { "<pad>", "<start>", "<end>", "<unk>", "a", "dog", "runs" };
  g_autoptr (GError) error = NULL;
  GazeVocab *vocab = gaze_vocab_new (words, G_N_ELEMENTS (words), &error);
  g_assert_no_error (error);
  return vocab;
}

static void
test_vocab (void)
{
  g_autoptr (GazeVocab) vocab = make_vocab ();
  g_assert_cmpint (gaze_vocab_get_size (vocab), ==, 7);
  g_assert_cmpstr (gaze_vocab_get_word (vocab, GAZE_TOKEN_END), ==, "<end>");
  g_assert_cmpstr (gaze_vocab_get_word (vocab, 5), ==, "dog");
  g_assert_cmpint (gaze_vocab_lookup (vocab, "dog"), ==, 5);
  g_assert_cmpint (gaze_vocab_lookup (vocab, "cat"), ==, GAZE_TOKEN_UNK);
  g_assert_cmpint (gaze_vocab_lookup (vocab, "<pad>"), ==, GAZE_TOKEN_PAD);

  int ids[8];
  g_assert_cmpint (gaze_vocab_encode (vocab, "a dog runs fast", ids, 8), ==, 4);
  g_assert_cmpint (ids[0], ==, 4);
  g_assert_cmpint (ids[1], ==, 5);
  g_assert_cmpint (ids[2], ==, 6);
  g_assert_cmpint (ids[3], ==, GAZE_TOKEN_UNK);
  /* Truncated at max_ids; tolerant of stray spaces; empty gives none. */
  g_assert_cmpint (gaze_vocab_encode (vocab, " a  dog runs", ids, 2), ==, 2);
  g_assert_cmpint (ids[1], ==, 5);
  g_assert_cmpint (gaze_vocab_encode (vocab, "", ids, 8), ==, 0);
  /* A word longer than the encoder's stack buffer still looks up correctly. */
  g_autofree char *long_word = g_strnfill (300, 'x');
  g_autofree char *caption = g_strconcat ("dog ", long_word, NULL);
  g_assert_cmpint (gaze_vocab_encode (vocab, caption, ids, 8), ==, 2);
  g_assert_cmpint (ids[1], ==, GAZE_TOKEN_UNK);
}

static void
test_vocab_errors (void)
{
  g_autoptr (GError) error = NULL;
  const char *no_specials[] = { "a", "b", "c", "d", "e" };
  g_assert_null (gaze_vocab_new (no_specials, 5, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);

  const char *too_few[] = { "<pad>", "<start>" };
  g_assert_null (gaze_vocab_new (too_few, 2, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);

  const char *twice[] = { "<pad>", "<start>", "<end>", "<unk>", "dog", "dog" };
  g_assert_null (gaze_vocab_new (twice, 6, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "dog"));
  g_clear_error (&error);

  const char *spaced[] = { "<pad>", "<start>", "<end>", "<unk>", "hot dog" };
  g_assert_null (gaze_vocab_new (spaced, 5, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);

  const char *empty[] = { "<pad>", "<start>", "<end>", "<unk>", "" };
  g_assert_null (gaze_vocab_new (empty, 5, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
}

/* A scratch folder with images a.jpg b.jpg c.jpg (empty files: only their
 * existence matters to the dataset). */
static char *
make_scratch (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("gaze-test-dataset-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_assert_cmpint (g_mkdir (images, 0700), ==, 0);
  for (const char *c = "abc"; *c; c++)
    {
      g_autofree char *name = g_strdup_printf ("%c.jpg", *c);
      g_autofree char *path = g_build_filename (images, name, NULL);
      g_assert_true (g_file_set_contents (path, "", 0, NULL));
    }
  return dir;
}

static char *
write_scratch (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_dataset_small (void)
{
  g_autofree char *dir = make_scratch ();
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  /* 2 lines name missing images (x.jpg and "b.jpg.1"), one is blank, one
   * has CRLF, one normalises to nothing (dropped). */
  g_autofree char *tokens = write_scratch (dir, "tokens.txt",
                                           "a.jpg#0\tA dog runs .\n"
                                           "a.jpg#1\tThe dog, running!\r\n"
                                           "x.jpg#0\tA ghost .\n"
                                           "\n"
                                           "b.jpg#0\tA cat sits .\n"
                                           "b.jpg.1#0\tA cat .\n"
                                           "c.jpg#0\t . \n"
                                           "c.jpg#1\tA bird\n");
  /* The split names b, a missing image (counted), a again (once) and a. */
  g_autofree char *split = write_scratch (dir, "split.txt", "b.jpg\nmissing.jpg\na.jpg\n\na.jpg\n");

  g_autoptr (GError) error = NULL;
  g_autoptr (GazeDataset) ds = gaze_dataset_load (images, tokens, split, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_images, ==, 2);
  g_assert_cmpint (ds->n_skipped, ==, 3); /* x.jpg, b.jpg.1, missing.jpg */
  g_assert_cmpstr (ds->image_ids[0], ==, "b");
  g_assert_cmpstr (ds->image_ids[1], ==, "a");
  g_assert_cmpint (g_strv_length (ds->captions[0]), ==, 1);
  g_assert_cmpstr (ds->captions[0][0], ==, "a cat sits");
  g_assert_cmpint (g_strv_length (ds->captions[1]), ==, 2);
  g_assert_cmpstr (ds->captions[1][0], ==, "a dog runs");
  g_assert_cmpstr (ds->captions[1][1], ==, "the dog running");

  /* Counts: a 2, dog 2, cat 1, sits 1, runs 1, the 1, running 1.
   * min_count 2 keeps "a" and "dog" (tie: alphabetical). */
  g_autoptr (GazeVocab) vocab = gaze_dataset_build_vocab (ds, 2);
  g_assert_cmpint (gaze_vocab_get_size (vocab), ==, 6);
  g_assert_cmpstr (gaze_vocab_get_word (vocab, 4), ==, "a");
  g_assert_cmpstr (gaze_vocab_get_word (vocab, 5), ==, "dog");
  /* min_count 1: a, dog (2 each), then the 1-count words alphabetically. */
  g_autoptr (GazeVocab) all = gaze_dataset_build_vocab (ds, 1);
  const char *expected[] = { "a", "dog", "cat", "running", "runs", "sits", "the" };
  g_assert_cmpint (gaze_vocab_get_size (all), ==, 4 + G_N_ELEMENTS (expected));
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (gaze_vocab_get_word (all, 4 + i), ==, expected[i]);

  /* Without a split: every captioned image, in token-file order. */
  g_autoptr (GazeDataset) every = gaze_dataset_load (images, tokens, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (every->n_images, ==, 3);
  g_assert_cmpstr (every->image_ids[2], ==, "c");
  g_assert_cmpint (every->n_skipped, ==, 2);
  g_assert_cmpint (g_strv_length (every->captions[2]), ==, 1);

  test_util_remove_tree (dir);
}

static void
test_dataset_errors (void)
{
  g_autofree char *dir = make_scratch ();
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autofree char *tokens = write_scratch (dir, "tokens.txt", "a.jpg#0\tA dog .\n");
  g_autoptr (GError) error = NULL;

  /* A line without a tab: the file and the line number are named. */
  g_autofree char *bad = write_scratch (dir, "bad.txt", "a.jpg#0\tA dog .\nno tab here\n");
  g_assert_null (gaze_dataset_load (images, bad, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_DATA);
  g_assert_nonnull (strstr (error->message, "bad.txt: line 2"));
  g_clear_error (&error);

  /* A split image that exists but has no caption. */
  g_autofree char *split = write_scratch (dir, "split.txt", "a.jpg\nb.jpg\n");
  g_assert_null (gaze_dataset_load (images, tokens, split, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_DATA);
  g_assert_nonnull (strstr (error->message, "split.txt: line 2"));
  g_clear_error (&error);

  /* A split with no existing image at all. */
  g_file_set_contents (split, "nothing.jpg\n", -1, NULL);
  g_assert_null (gaze_dataset_load (images, tokens, split, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_DATA);
  g_clear_error (&error);

  /* Missing files and folders. */
  g_autofree char *missing = g_build_filename (dir, "nope.txt", NULL);
  g_assert_null (gaze_dataset_load (images, missing, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "nope.txt"));
  g_clear_error (&error);
  g_assert_null (gaze_dataset_load (missing, tokens, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IO);

  test_util_remove_tree (dir);
}

/* The real Flickr8k in ../shared: the numbers below were measured once and
 * cross-checked with an independent Python count (lowercase, delete
 * Unicode P* and S* characters, split on white space, keep count >= 5). */
static void
test_flickr8k (void)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  g_autofree char *root = g_build_filename (shared ? shared : "../shared", "data", "flickr8k", NULL);
  if (!g_file_test (root, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no Flickr8k in GAZE_SHARED_DIR");
      return;
    }
  g_autofree char *images = g_build_filename (root, "images", NULL);
  g_autofree char *tokens = g_build_filename (root, "Flickr8k.token.txt", NULL);
  g_autofree char *train_ids = g_build_filename (root, "Flickr_8k.trainImages.txt", NULL);
  g_autofree char *dev_ids = g_build_filename (root, "Flickr_8k.devImages.txt", NULL);
  g_autoptr (GError) error = NULL;

  g_autoptr (GazeDataset) train = gaze_dataset_load (images, tokens, train_ids, &error);
  g_assert_no_error (error);
  g_assert_cmpint (train->n_images, ==, 6000);
  /* The 5 lines of "2258277193_586949ec62.jpg.1", a photo that does not exist. */
  g_assert_cmpint (train->n_skipped, ==, 5);
  g_assert_cmpstr (train->image_ids[0], ==, "2513260012_03d33305cf");
  int n_captions = 0;
  for (int i = 0; i < train->n_images; i++)
    n_captions += g_strv_length (train->captions[i]);
  g_assert_cmpint (n_captions, ==, 30000);

  g_autoptr (GazeVocab) vocab = gaze_dataset_build_vocab (train, 5);
  g_assert_cmpint (gaze_vocab_get_size (vocab), ==, 2541);
  const char *top[] = { "a", "in", "the", "on", "is", "and", "dog", "with", "man", "of" };
  for (gsize i = 0; i < G_N_ELEMENTS (top); i++)
    g_assert_cmpstr (gaze_vocab_get_word (vocab, 4 + i), ==, top[i]);

  g_autoptr (GazeDataset) dev = gaze_dataset_load (images, tokens, dev_ids, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dev->n_images, ==, 1000);
  g_assert_cmpint (dev->n_skipped, ==, 5);
  g_assert_cmpstr (dev->image_ids[0], ==, "2090545563_a4e66ec76b");
  g_assert_cmpstr (dev->captions[0][0], ==, "the boy laying face down on a skateboard is being pushed along the ground by another boy");

  g_autoptr (GazeDataset) every = gaze_dataset_load (images, tokens, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (every->n_images, ==, 7091);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/text/normalize", test_normalize);
  g_test_add_func ("/text/mirror", test_mirror);
  g_test_add_func ("/vocab/basics", test_vocab);
  g_test_add_func ("/vocab/errors", test_vocab_errors);
  g_test_add_func ("/dataset/small", test_dataset_small);
  g_test_add_func ("/dataset/errors", test_dataset_errors);
  g_test_add_func ("/dataset/flickr8k", test_flickr8k);
  return g_test_run ();
}
