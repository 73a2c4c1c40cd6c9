/* test-dataset-json — the Karpathy split and COCO caption readers on the
 * hand-made files of tests/datasets: the format told from the content, the
 * splits (train with restval), captions from tokens and from raw text, a
 * missing photo skipped and counted, and the broken files (a missing field,
 * an annotation of an unknown image, an empty split, no photo present, a
 * caption with no word in the vocabulary), each a one-line error naming the
 * file.  The images folder holds empty files: the readers only check that a
 * photo exists. */
#include <glib/gstdio.h>
#include <string.h>

#include "gaze-train.h"
#include "test-util.h"

static const char *const photos[] = {
  "2090545563_a4e66ec76b.jpg", "3393035454_2d2370ffd4.jpg", "3695064885_a6922f06b2.jpg",
  "1679557684_50a206e4a9.jpg", "3582685410_05315a15b8.jpg", "1579798212_d30844b4c5.jpg",
  "1000268201_693b08cb0e.jpg",
};

static char *images;

static char *
dataset_path (const char *name)
{
  return g_build_filename (g_getenv ("GAZE_SOURCE_DIR"), "tests", "datasets", name, NULL);
}

static GazeDataset *
load (const char *name, const char *split, GazeDatasetFormat *format, GError **error)
{
  g_autofree char *path = dataset_path (name);
  return gaze_dataset_load_json (images, path, split, format, error);
}

static int
find (const GazeDataset *ds, const char *id)
{
  for (int i = 0; i < ds->n_images; i++)
    if (strcmp (ds->image_ids[i], id) == 0)
      return i;
  return -1;
}

static void
test_karpathy (void)
{
  g_autoptr (GError) error = NULL;
  GazeDatasetFormat format = GAZE_DATASET_FLICKR8K;
  g_autoptr (GazeDataset) train = load ("karpathy.json", "train", &format, &error);
  g_assert_no_error (error);
  g_assert_cmpint (format, ==, GAZE_DATASET_KARPATHY);
  g_assert_cmpstr (gaze_dataset_format_to_string (format), ==, "Karpathy split JSON");
  /* train and restval, in file order; the missing photo skipped and counted. */
  g_assert_cmpint (train->n_images, ==, 4);
  g_assert_cmpint (train->n_skipped, ==, 1);
  g_assert_cmpstr (train->image_ids[0], ==, "2090545563_a4e66ec76b");
  g_assert_cmpstr (train->image_ids[2], ==, "3695064885_a6922f06b2");
  g_assert_cmpstr (train->captions[0][0], ==, "a dog runs on the grass");
  /* A sentence without tokens: its raw text, normalised. */
  g_assert_cmpstr (train->captions[2][1], ==, "a child splashes in the water");
  g_assert_null (train->captions[2][2]);

  g_autoptr (GazeDataset) val = load ("karpathy.json", "val", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (val->n_images, ==, 2);
  g_assert_cmpint (find (val, "1579798212_d30844b4c5"), ==, 1);
  g_assert_cmpstr (val->captions[1][1], ==, "a wet dog");
  g_autoptr (GazeDataset) all = load ("karpathy.json", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (all->n_images, ==, 7);

  /* With the vocabulary training builds (words seen 5 times: only "a"),
   * "two children play in the water" has no known word and goes. */
  g_autoptr (GazeVocab) vocab = gaze_dataset_build_vocab (train, 5);
  g_assert_cmpint (gaze_vocab_get_size (vocab), ==, 5);
  g_autofree char *example = NULL;
  g_assert_cmpint (gaze_dataset_drop_unknown_captions (train, vocab, &example), ==, 1);
  g_assert_cmpstr (example, ==, "3695064885_a6922f06b2: \"two children play in the water\"");
  g_assert_cmpint (train->n_images, ==, 4);
  g_assert_cmpstr (train->captions[2][0], ==, "a child splashes in the water");
  g_assert_null (train->captions[2][1]);
}

static void
test_coco (void)
{
  g_autoptr (GError) error = NULL;
  GazeDatasetFormat format = GAZE_DATASET_FLICKR8K;
  /* One split a file: the split asked for does not matter. */
  g_autoptr (GazeDataset) train = load ("coco-train.json", "train", &format, &error);
  g_assert_no_error (error);
  g_assert_cmpint (format, ==, GAZE_DATASET_COCO);
  g_assert_cmpint (train->n_images, ==, 3);
  g_assert_cmpint (train->n_skipped, ==, 1);
  /* Photos in order of their first caption; captions in file order. */
  g_assert_cmpstr (train->image_ids[0], ==, "2090545563_a4e66ec76b");
  g_assert_cmpstr (train->captions[0][0], ==, "a dog runs on the grass");
  g_assert_cmpstr (train->captions[0][1], ==, "a brown dog plays outside");
  g_assert_cmpstr (train->captions[1][1], ==, "a man on a red bike");
  g_autoptr (GazeDataset) val = load ("coco-val.json", "val", &format, &error);
  g_assert_no_error (error);
  g_assert_cmpint (val->n_images, ==, 2);
}

typedef struct {
  const char *file;
  const char *split;
  const char *part; /* in the message, after "FILE: " */
} Broken;

static void
test_broken (void)
{
  static const Broken cases[] = {
    { "karpathy-no-sentences.json", "train", "images[1] (3393035454_2d2370ffd4.jpg) has no \"sentences\" array" },
    { "karpathy-no-val.json", "val", "no photos in split \"val\"" },
    { "coco-no-caption.json", NULL, "annotations[1] has no \"caption\" string" },
    { "coco-unknown-image.json", NULL, "annotations[1]: image_id 2 is not in \"images\"" },
    { "all-missing.json", "train", "none of its 1 captioned photos is in" },
    { "coco-val.json.missing", NULL, "No such file" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GazeDataset) ds = load (cases[i].file, cases[i].split, NULL, &error);
      g_assert_null (ds);
      g_assert_nonnull (error);
      g_autofree char *path = dataset_path (cases[i].file);
      g_autofree char *prefix = g_strconcat (path, ":", NULL);
      test_util_assert_one_line (error->message, i + 1 < G_N_ELEMENTS (cases) ? prefix : "",
                                 cases[i].part);
    }
  /* Not JSON, and JSON of another kind. */
  g_autofree char *dir = g_dir_make_tmp ("gaze-test-json-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  static const char *const texts[][2] = {
    { "{\"images\": [", "not valid JSON" },
    { "[1, 2]", "neither a Karpathy split file nor COCO captions" },
    { "{\"images\": [], \"annotations\": {}}", "\"annotations\" is not an array" },
    { "{\"images\": [{\"filename\": \"x.jpg\", \"split\": \"train\", \"sentences\": [{\"tokens\": [\"a\", 3]}]}]}",
      "images[0].sentences[0] (x.jpg) has no \"tokens\" list of strings or \"raw\" string" },
    { "{\"images\": [{\"id\": 1.5, \"file_name\": \"x.jpg\"}], \"annotations\": []}",
      "images[0] has no integer \"id\"" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_assert_true (g_file_set_contents (bad, texts[i][0], -1, NULL));
      g_autoptr (GError) error = NULL;
      g_autoptr (GazeDataset) ds = gaze_dataset_load_json (images, bad, "train", NULL, &error);
      g_assert_null (ds);
      g_autofree char *prefix = g_strconcat (bad, ": ", NULL);
      test_util_assert_one_line (error->message, prefix, texts[i][1]);
    }
  test_util_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  images = g_dir_make_tmp ("gaze-test-json-images-XXXXXX", NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (photos); i++)
    {
      g_autofree char *path = g_build_filename (images, photos[i], NULL);
      g_assert_true (g_file_set_contents (path, "", 0, NULL));
    }
  g_test_add_func ("/dataset-json/karpathy", test_karpathy);
  g_test_add_func ("/dataset-json/coco", test_coco);
  g_test_add_func ("/dataset-json/broken", test_broken);
  int status = g_test_run ();
  test_util_remove_tree (images);
  g_free (images);
  return status;
}
