/* model.h — internal: a GazeModel is a decoder, its vocabulary and metadata. */
#pragma once

#include "decoder.h"
#include "parallel.h"
#include "gaze-train.h"

struct _GazeModel {
  char *path; /* where it was loaded from, for messages; NULL when built in memory */
  GazeDecoder *dec;
  GazeVocab *vocab;
  GazeAttention attention;
  int grid_size;
  GHashTable *meta;    /* key → value */
  GPtrArray *meta_keys; /* insertion order, owned by meta */
};

/* Takes ownership of dec and vocab. */
GazeModel *_gaze_model_new (GazeDecoder *dec, GazeVocab *vocab, GazeAttention attention,
                           const char *encoder_name, const char *encoder_sha256);
/* The model as a model file: metadata and its tensors (fp16 or float32). */
GazeModelFile *_gaze_model_to_file (const GazeModel *model, gboolean fp16);
/* The model a model file holds; path names it in error messages. */
GazeModel *_gaze_model_from_file (const GazeModelFile *file, const char *path, GError **error);
/* A caption stops after this many words (and <end>). */
#define GAZE_CAPTION_MAX_WORDS 20

/* Steering resolved to token ids (steer.c checks it): prefix[0..n_prefix−1]
 * is teacher-forced, and step t attends under masks[t × cells …] for
 * t < n_masks (every mask keeps a cell). */
typedef struct {
  const int *prefix;
  int n_prefix; /* ≤ GAZE_CAPTION_MAX_WORDS */
  const float *masks;
  int n_masks;
} GazeSteer;

/* Beam search over one grid under steer (NULL: none): gaze_model_caption. */
GazeCaption *_gaze_caption_steer (const GazeModel *model, const float *grid, int beam_width,
                                  const GazeSteer *steer, GCancellable *cancellable,
                                  GError **error);
/* gaze_model_caption_batch with the caller's pool (NULL: one thread). */
GazeCaption **_gaze_caption_batch_in_pool (const GazeModel *model, const float *grids, int n_images,
                                     int beam_width, GazePool *pool, GError **error);
/* Draws n_samples captions for each of n_images grids from the model's own
 * distribution, w_t ~ p(· | y_<t, a) (at most 20 words, or stride − 2).
 * Caption r = image · n_samples + k goes into tokens[r · stride …] as
 * <start> w_1 … w_k [<end>] <pad>…, and lengths[r] = its steps: k + 1 when it
 * ended with <end>, k when it was cut.
 * A hard model draws each step's cell as well, s_t ~ Multinoulli(α_t), and
 * cells[r · stride + t] receives it (cells may be NULL; soft models leave
 * it alone). */
void _gaze_sample_captions (const GazeModel *model, GazePool *pool, const float *grids,
                            int n_images, int n_samples, GazeRng *rng, int stride, int *tokens,
                            int *lengths, int *cells);
/* The same under a dropout mask on the annotation vectors, amask [n_images,
 * L, D] (_gaze_decoder_encode_masked): the policy that the training pass with
 * that mask (GazeDecoderOptions.annotation_mask) scores. */
void _gaze_sample_captions_masked (const GazeModel *model, GazePool *pool, const float *grids,
                                   const float *amask, int n_images, int n_samples, GazeRng *rng,
                                   int stride, int *tokens, int *lengths, int *cells);
/* "soft" or "hard". */
const char *_gaze_attention_to_string (GazeAttention attention);
