/* gaze-train.h — datasets, features, metrics, model files and training.
 *
 * The inference API (gaze.h) is all the window needs.  This header serves the
 * command-line tool: building a vocabulary from Flickr8k, caching encoder
 * grids, training the decoder, scoring captions, and the model file format.
 */
#pragma once

#include "gaze.h"

G_BEGIN_DECLS

/* Reports progress of long work; return FALSE to cancel it. */
typedef gboolean (*GazeProgressFunc) (gint64 done, gint64 total, gpointer user_data);

/* ── Text and vocabulary ─────────────────────────────────────────────────── */

/* Lowercase, punctuation stripped, words separated by single spaces. */
char *gaze_text_normalize (const char *caption);

enum {
  GAZE_TOKEN_PAD = 0,
  GAZE_TOKEN_START = 1,
  GAZE_TOKEN_END = 2,
  GAZE_TOKEN_UNK = 3,
};

typedef struct _GazeVocab GazeVocab;

/* From a list of words whose first four are <pad> <start> <end> <unk>. */
GazeVocab *gaze_vocab_new (const char *const *words, int n_words, GError **error);
void gaze_vocab_free (GazeVocab *vocab);
int gaze_vocab_get_size (const GazeVocab *vocab);
const char *gaze_vocab_get_word (const GazeVocab *vocab, int id);
int gaze_vocab_lookup (const GazeVocab *vocab, const char *word); /* GAZE_TOKEN_UNK if absent */
/* Splits a normalised caption into ids, without <start> or <end>; returns the count. */
int gaze_vocab_encode (const GazeVocab *vocab, const char *caption, int *ids, int max_ids);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeVocab, gaze_vocab_free)

/* ── Datasets: Flickr8k-style token files and split lists ─────────────────── */

typedef struct {
  int n_images;
  char **image_ids;  /* file names without ".jpg", in split-file order */
  char ***captions;  /* per image, a NULL-terminated list of normalised captions */
  int n_skipped;     /* caption lines (or split ids) naming images that do not exist */
} GazeDataset;

GazeDataset *gaze_dataset_load (const char *images_dir, const char *token_file,
                                const char *split_file, GError **error);
void gaze_dataset_free (GazeDataset *dataset);
/* The words seen at least min_count times, after the four special tokens. */
GazeVocab *gaze_dataset_build_vocab (const GazeDataset *dataset, int min_count);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeDataset, gaze_dataset_free)

/* ── Feature cache: encoder grids for a directory of images ──────────────── */

typedef struct _GazeFeatureCache GazeFeatureCache;

/* Opens the cache file at path, or (re)builds it when it is missing, stale
 * (another encoder's sha256, another image list) or corrupt, by running the
 * encoder over every *.jpg in images_dir. */
GazeFeatureCache *gaze_feature_cache_open (const char *path, const GazeEncoder *encoder,
                                           const char *images_dir, GazeProgressFunc progress,
                                           gpointer user_data, GError **error);
void gaze_feature_cache_free (GazeFeatureCache *cache);
/* n_cells × channels floats, or NULL when image_id is not in the cache. */
const float *gaze_feature_cache_lookup (const GazeFeatureCache *cache, const char *image_id);
/* The default location: $XDG_CACHE_HOME/gaze/features-<sha256 prefix>.bin */
char *gaze_feature_cache_default_path (const GazeEncoder *encoder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeFeatureCache, gaze_feature_cache_free)

/* ── Metrics: as the COCO caption evaluation computes them ───────────────── */

typedef struct {
  double bleu[4]; /* corpus BLEU-1..4 */
  double cider_d;
  double rouge_l;
  double meteor; /* negative when not computed */
} GazeScores;

/* candidates[i] is a normalised caption; references[i] a NULL-terminated list. */
void gaze_metrics_score (int n, const char *const *candidates, char **const *references,
                         GazeScores *scores);

/* ── Model files: metadata and named tensors, checksummed ─────────────────── */

typedef struct _GazeModelFile GazeModelFile;

GazeModelFile *gaze_model_file_new (void);
GazeModelFile *gaze_model_file_read (const char *path, GError **error);
/* Written to a temporary file and renamed, so a failure never leaves half a file. */
gboolean gaze_model_file_write (const GazeModelFile *file, const char *path, GError **error);
void gaze_model_file_free (GazeModelFile *file);

void gaze_model_file_set_meta (GazeModelFile *file, const char *key, const char *value);
const char *gaze_model_file_get_meta (const GazeModelFile *file, const char *key);
/* Stores a copy of data; with fp16 the file holds it as IEEE half floats. */
void gaze_model_file_add_tensor (GazeModelFile *file, const char *name, int n_dims,
                                 const int *dims, const float *data, gboolean fp16);
/* The tensor's floats, or NULL with GAZE_ERROR_CORRUPT when it is missing or
 * GAZE_ERROR_MISMATCH when its shape differs from dims. */
const float *gaze_model_file_get_tensor (const GazeModelFile *file, const char *name,
                                         int n_dims, const int *dims, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeModelFile, gaze_model_file_free)

/* ── Training ─────────────────────────────────────────────────────────────── */
/* (declared by train.c's owner below this line) */

G_END_DECLS
