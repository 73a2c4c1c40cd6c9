/* cli-dataset.c — gaze-cli train --dataset FILE; see cli-dataset.h. */
#include "cli-dataset.h"

#include <stdio.h>

static void
report (const char *what, const char *file, const GazeDataset *ds, const char *images_dir)
{
  printf ("%s: %d photos from %s", what, ds->n_images, file);
  if (ds->n_skipped > 0)
    printf ("; %d skipped, not in %s", ds->n_skipped, images_dir);
  printf ("\n");
}

gboolean
gaze_cli_load_json_datasets (const char *file, const char *dev_file, const char *images_dir,
                             int min_count, int max_train, GazeDataset **train_out,
                             GazeDataset **dev_out, GError **error)
{
  GazeDatasetFormat format;
  g_autoptr (GazeDataset) train = gaze_dataset_load_json (images_dir, file, "train", &format,
                                                          error);
  if (train == NULL)
    return FALSE;
  printf ("dataset: %s is a %s file\n", file, gaze_dataset_format_to_string (format));
  g_autoptr (GazeDataset) dev = NULL;
  if (format == GAZE_DATASET_KARPATHY && dev_file == NULL)
    dev = gaze_dataset_load_json (images_dir, file, "val", NULL, error);
  else if (dev_file == NULL)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA,
                   "%s: a COCO captions file holds one split; give the dev photos' file with "
                   "--dev-dataset (captions_val2014.json, say)", file);
      return FALSE;
    }
  else
    {
      GazeDatasetFormat dev_format;
      dev = gaze_dataset_load_json (images_dir, dev_file, "val", &dev_format, error);
      if (dev != NULL && dev_format != format)
        printf ("dataset: %s (dev) is a %s file\n", dev_file,
                gaze_dataset_format_to_string (dev_format));
    }
  if (dev == NULL)
    return FALSE;

  /* The vocabulary gaze_train will build: its words are those of the
   * training captions, so dropping captions without any changes nothing else. */
  GazeDataset head = *train;
  if (max_train > 0 && max_train < head.n_images)
    head.n_images = max_train;
  g_autoptr (GazeVocab) vocab = gaze_dataset_build_vocab (&head, min_count);
  g_autofree char *example = NULL;
  int n_dropped = gaze_dataset_drop_unknown_captions (train, vocab, &example);
  if (train->n_images == 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA,
                   "%s: no training caption has a word seen at least %d times in the training "
                   "captions (%s)", file, min_count, example);
      return FALSE;
    }
  if (n_dropped > 0)
    printf ("skipped %d training captions with no word in the vocabulary (seen at least %d "
            "times), first %s\n", n_dropped, min_count, example);
  report ("train", file, train, images_dir);
  report ("dev", dev_file ? dev_file : file, dev, images_dir);
  fflush (stdout);
  *train_out = g_steal_pointer (&train);
  *dev_out = g_steal_pointer (&dev);
  return TRUE;
}
