/* dataset.h — internal: what the Flickr8k reader (dataset.c) and the JSON
 * readers (dataset-json.c) share. */
#pragma once

#include "gaze-train.h"

/* Whether name is a plain file name (no '/', not "." or "..") of a regular
 * file in images_dir. */
gboolean _gaze_dataset_photo_exists (const char *images_dir, const char *name);
/* A dataset of the photos of split (file names, in order), each with its
 * list of normalised captions from captions (file name → GPtrArray of char *,
 * none empty); ids are the names without ".jpg".  Copies what it keeps. */
/* Adds text, normalised, to name's list in captions (name → GPtrArray of
 * captions), appending name to order the first time; an empty caption is
 * dropped. */
void _gaze_dataset_add_caption (GHashTable *captions, GPtrArray *order, const char *name,
                                const char *text);
GazeDataset *_gaze_dataset_new_from_split (GPtrArray *split, GHashTable *captions, int n_skipped);
/* gaze_dataset_load_json on a file already in memory; path names it in errors. */
GazeDataset *_gaze_dataset_load_json_data (const char *images_dir, const char *data, gsize len,
                                          const char *path, const char *split,
                                          GazeDatasetFormat *format, GError **error);
