/* cli-dataset.h — gaze-cli train --dataset: training on a JSON caption file
 * (a Karpathy split file or COCO caption annotations) instead of Flickr8k's
 * token file and split lists. */
#pragma once

#include "gaze-train.h"

G_BEGIN_DECLS

/* Reads the training and dev photos of a JSON caption file, its format told
 * from its content and reported on stdout:
 *   a Karpathy file: train = its "train" and "restval" photos, dev = "val";
 *   COCO: train = the whole file, dev = dev_file (required: a COCO file
 *   holds one split; give captions_val2014.json, say).
 * Training captions with no word of the vocabulary that training will build
 * (words seen at least min_count times in the first max_train photos, all
 * when 0) teach only <unk>: they are dropped, counted and reported. */
gboolean gaze_cli_load_json_datasets (const char *file, const char *dev_file,
                                      const char *images_dir, int min_count, int max_train,
                                      GazeDataset **train, GazeDataset **dev, GError **error);

G_END_DECLS
