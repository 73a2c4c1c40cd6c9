/* model.c — GazeModel: load, save, metadata, encoder check.
 *
 * A model file (model-file.c) holds the decoder's tensors by the names in
 * decoder.c, stored as fp16 (a default-sized model is about 9 MB), and this
 * metadata:
 *   vocabulary        the words, one a line, by id
 *   attention         soft | hard
 *   encoder.name      e.g. mobilenet_v2_1.0_224_quant
 *   encoder.sha256    of the .tflite file the features came from
 *   hyperparameters   key=value lines: the sizes (channels squeeze embed hidden
 *                     attn cells), the training settings and grid=centred when
 *                     the squeeze reads each photo's grid centred over its cells
 *   training.*, dev.* the command, wall time, best epoch and dev scores
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The metadata a model carries over from its file (besides the vocabulary). */
static const char *const known_keys[] = {
  "attention", "encoder.name", "encoder.sha256", "hyperparameters", "training.command",
  "training.wall_time_s", "training.epochs", "training.best_epoch", "dev.beam", "dev.bleu1",
  "dev.bleu2", "dev.bleu3", "dev.bleu4", "dev.cider_d", "dev.rouge_l",
  /* A fine-tuned model's starting point (gaze-cli train --init). */
  "training.init.command", "training.init.epochs", "training.init.wall_time_s",
  /* A weight average of models (gaze-cli average). */
  "training.average.command",
};

const char *
_gaze_attention_to_string (GazeAttention attention)
{
  return attention == GAZE_ATTENTION_HARD ? "hard" : "soft";
}

void
gaze_model_set_meta (GazeModel *model, const char *key, const char *value)
{
  g_return_if_fail (model != NULL && key != NULL && value != NULL);
  if (!g_hash_table_contains (model->meta, key))
    g_ptr_array_add (model->meta_keys, g_strdup (key));
  g_hash_table_insert (model->meta, g_strdup (key), g_strdup (value));
}

const char *
gaze_model_get_meta (const GazeModel *model, const char *key)
{
  g_return_val_if_fail (model != NULL && key != NULL, NULL);
  return g_hash_table_lookup (model->meta, key);
}

static char *
sizes_to_string (const GazeDecoderSizes *s)
{
  return g_strdup_printf ("channels=%d\nsqueeze=%d\nembed=%d\nhidden=%d\nattn=%d\ncells=%d\n",
                          s->channels, s->squeeze, s->embed, s->hidden, s->attn, s->cells);
}

GazeModel *
_gaze_model_new (GazeDecoder *dec, GazeVocab *vocab, GazeAttention attention,
                const char *encoder_name, const char *encoder_sha256)
{
  GazeModel *model = g_new0 (GazeModel, 1);
  model->dec = dec;
  model->vocab = vocab;
  model->attention = attention;
  int g = 1;
  while ((g + 1) * (g + 1) <= dec->sizes.cells)
    g++;
  model->grid_size = g;
  model->meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  model->meta_keys = g_ptr_array_new_with_free_func (g_free);
  gaze_model_set_meta (model, "attention", _gaze_attention_to_string (attention));
  gaze_model_set_meta (model, "encoder.name", encoder_name);
  gaze_model_set_meta (model, "encoder.sha256", encoder_sha256);
  g_autofree char *hyper = sizes_to_string (&dec->sizes);
  gaze_model_set_meta (model, "hyperparameters", hyper);
  return model;
}

void
gaze_model_free (GazeModel *model)
{
  if (model == NULL)
    return;
  _gaze_decoder_free (model->dec);
  gaze_vocab_free (model->vocab);
  g_hash_table_destroy (model->meta);
  g_ptr_array_unref (model->meta_keys);
  g_free (model->path);
  g_free (model);
}

GazeAttention
gaze_model_get_attention (const GazeModel *model)
{
  return model->attention;
}

const char *
gaze_model_get_encoder_name (const GazeModel *model)
{
  return gaze_model_get_meta (model, "encoder.name");
}

const char *
gaze_model_get_encoder_sha256 (const GazeModel *model)
{
  return gaze_model_get_meta (model, "encoder.sha256");
}

const GazeVocab *
gaze_model_get_vocab (const GazeModel *model)
{
  return model->vocab;
}

int
gaze_model_get_grid_size (const GazeModel *model)
{
  return model->grid_size;
}

int
gaze_model_get_channels (const GazeModel *model)
{
  return model->dec->sizes.channels;
}

gboolean
gaze_model_check_encoder (const GazeModel *model, const GazeEncoder *encoder, GError **error)
{
  const char *want = gaze_model_get_encoder_sha256 (model);
  const char *have = gaze_encoder_get_sha256 (encoder);
  int cells = gaze_encoder_get_grid_size (encoder) * gaze_encoder_get_grid_size (encoder);
  if (g_strcmp0 (want, have) != 0 || cells != model->dec->sizes.cells
      || gaze_encoder_get_channels (encoder) != model->dec->sizes.channels)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                   "%s was trained on encoder %s (sha256 %.12s…), not on %s (sha256 %.12s…)",
                   model->path != NULL ? model->path : "the model",
                   gaze_model_get_encoder_name (model), want, gaze_encoder_get_name (encoder),
                   have);
      return FALSE;
    }
  return TRUE;
}

/* ── To and from model files ──────────────────────────────────────────────── */

GazeModelFile *
_gaze_model_to_file (const GazeModel *model, gboolean fp16)
{
  GazeModelFile *file = gaze_model_file_new ();
  GString *words = g_string_new (NULL);
  for (int id = 0; id < gaze_vocab_get_size (model->vocab); id++)
    g_string_append_printf (words, "%s\n", gaze_vocab_get_word (model->vocab, id));
  gaze_model_file_set_meta (file, "vocabulary", words->str);
  g_string_free (words, TRUE);
  for (guint i = 0; i < model->meta_keys->len; i++)
    {
      const char *key = g_ptr_array_index (model->meta_keys, i);
      gaze_model_file_set_meta (file, key, g_hash_table_lookup (model->meta, key));
    }
  const GazeDecoder *dec = model->dec;
  for (int k = 0; k < GAZE_N_PARAMS; k++)
    {
      const GazeTensorInfo *t = &dec->tensors[k];
      gaze_model_file_add_tensor (file, t->name, t->n_dims, t->dims, dec->params + t->offset,
                                  fp16);
    }
  return file;
}

gboolean
gaze_model_save (const GazeModel *model, const char *path, GError **error)
{
  g_autoptr (GazeModelFile) file = _gaze_model_to_file (model, TRUE);
  return gaze_model_file_write (file, path, error);
}

/* Why models[i] cannot be averaged with models[0], or NULL. */
static const char *
average_mismatch (const GazeModel *a, const GazeModel *b)
{
  if (memcmp (&a->dec->sizes, &b->dec->sizes, sizeof a->dec->sizes) != 0)
    return "the sizes differ";
  if (a->attention != b->attention)
    return "one has soft attention, the other hard";
  if (a->dec->centre_cells != b->dec->centre_cells)
    return "one centres each photo's grid, the other does not";
  if (strcmp (gaze_model_get_encoder_sha256 (a), gaze_model_get_encoder_sha256 (b)) != 0)
    return "they were trained on different encoders";
  for (int w = 0; w < gaze_vocab_get_size (a->vocab); w++)
    if (strcmp (gaze_vocab_get_word (a->vocab, w), gaze_vocab_get_word (b->vocab, w)) != 0)
      return "the vocabularies differ";
  return NULL;
}

GazeModel *
gaze_model_average (const GazeModel *const *models, int n, GError **error)
{
  g_return_val_if_fail (models != NULL && n >= 1, NULL);
  for (int i = 1; i < n; i++)
    {
      const char *why = average_mismatch (models[0], models[i]);
      if (why != NULL)
        {
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                       "%s and %s cannot be averaged: %s",
                       models[0]->path != NULL ? models[0]->path : "model 1",
                       models[i]->path != NULL ? models[i]->path : "another model", why);
          return NULL;
        }
    }
  /* A float32 copy of the first, metadata included. */
  g_autoptr (GazeModelFile) file = _gaze_model_to_file (models[0], FALSE);
  GazeModel *mean = _gaze_model_from_file (file, NULL, error);
  if (mean == NULL)
    return NULL;
  /* Summed in double, so that the mean hardly depends on the order of the models. */
  float *p = mean->dec->params;
  for (gsize k = 0; k < mean->dec->n_params; k++)
    {
      /* From the first, not from +0, so that −0 averaged with −0 stays −0. */
      double sum = models[0]->dec->params[k];
      for (int i = 1; i < n; i++)
        sum += models[i]->dec->params[k];
      p[k] = (float) (sum / n);
    }
  /* The first model's scores are not the mean's. */
  static const char *const scores[] = { "dev.beam", "dev.bleu1", "dev.bleu2", "dev.bleu3",
                                        "dev.bleu4", "dev.cider_d", "dev.rouge_l" };
  for (gsize i = 0; i < G_N_ELEMENTS (scores); i++)
    if (g_hash_table_remove (mean->meta, scores[i]))
      for (guint j = 0; j < mean->meta_keys->len; j++)
        if (strcmp (g_ptr_array_index (mean->meta_keys, j), scores[i]) == 0)
          {
            g_ptr_array_remove_index (mean->meta_keys, j);
            break;
          }
  return mean;
}

/* "key=value" lines → the value of key (a new string), or NULL. */
static char *
hyper_value (const char *hyper, const char *key)
{
  g_auto (GStrv) lines = g_strsplit (hyper, "\n", -1);
  gsize klen = strlen (key);
  for (char **l = lines; *l != NULL; l++)
    if (strncmp (*l, key, klen) == 0 && (*l)[klen] == '=')
      return g_strdup (*l + klen + 1);
  return NULL;
}

/* … the value of key as an int in [lo, hi], or −1. */
static int
hyper_int (const char *hyper, const char *key, int lo, int hi)
{
  g_autofree char *value = hyper_value (hyper, key);
  if (value == NULL)
    return -1;
  char *end = NULL;
  long v = strtol (value, &end, 10);
  if (end == value || *end != '\0' || v < lo || v > hi)
    return -1;
  return (int) v;
}

GazeModel *
_gaze_model_from_file (const GazeModelFile *file, const char *path, GError **error)
{
  const char *where = path != NULL ? path : "model";
  static const char *const required[] = { "vocabulary", "attention", "encoder.name",
                                          "encoder.sha256", "hyperparameters" };
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    if (gaze_model_file_get_meta (file, required[i]) == NULL)
      {
        g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s: no '%s' in the metadata", where,
                     required[i]);
        return NULL;
      }
  const char *attention = gaze_model_file_get_meta (file, "attention");
  if (strcmp (attention, "soft") != 0 && strcmp (attention, "hard") != 0)
    {
      g_autofree char *shown = g_strescape (attention, NULL); /* one line, whatever it holds */
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT,
                   "%s: attention is '%.32s', not soft or hard", where, shown);
      return NULL;
    }

  /* The vocabulary: one word a line. */
  g_auto (GStrv) words = g_strsplit (gaze_model_file_get_meta (file, "vocabulary"), "\n", -1);
  int n_words = (int) g_strv_length (words);
  if (n_words > 0 && words[n_words - 1][0] == '\0')
    n_words--;
  GazeVocab *vocab = gaze_vocab_new ((const char *const *) words, n_words, error);
  if (vocab == NULL)
    {
      g_prefix_error (error, "%s: ", where);
      return NULL;
    }

  /* The sizes, bounded so that a damaged file cannot ask for huge arrays. */
  const char *hyper = gaze_model_file_get_meta (file, "hyperparameters");
  GazeDecoderSizes sizes = {
    .vocab = gaze_vocab_get_size (vocab),
    .channels = hyper_int (hyper, "channels", 1, 8192),
    .squeeze = hyper_int (hyper, "squeeze", 1, 4096),
    .embed = hyper_int (hyper, "embed", 1, 4096),
    .hidden = hyper_int (hyper, "hidden", 1, 4096),
    .attn = hyper_int (hyper, "attn", 1, 4096),
    .cells = hyper_int (hyper, "cells", 1, 1024),
  };
  int g = 1;
  while ((g + 1) * (g + 1) <= sizes.cells)
    g++;
  if (sizes.channels < 0 || sizes.squeeze < 0 || sizes.embed < 0 || sizes.hidden < 0
      || sizes.attn < 0 || sizes.cells < 0 || g * g != sizes.cells)
    {
      gaze_vocab_free (vocab);
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT,
                   "%s: missing or invalid sizes in the hyperparameters", where);
      return NULL;
    }

  /* How the grid reaches the squeeze: absent or folded standardisation read
   * it raw; centred models centre it.  Anything else is a model this Gaze
   * would run wrongly. */
  g_autofree char *grid = hyper_value (hyper, "grid");
  if (grid != NULL && strcmp (grid, "centred") != 0 && strcmp (grid, "standardised_folded") != 0)
    {
      gaze_vocab_free (vocab);
      g_autofree char *shown = g_strescape (grid, NULL);
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT,
                   "%s: unknown grid preprocessing '%.32s' in the hyperparameters", where, shown);
      return NULL;
    }

  GazeDecoder *dec = _gaze_decoder_new (&sizes);
  dec->centre_cells = grid != NULL && strcmp (grid, "centred") == 0;
  for (int k = 0; k < GAZE_N_PARAMS; k++)
    {
      const GazeTensorInfo *t = &dec->tensors[k];
      const float *data = gaze_model_file_get_tensor (file, t->name, t->n_dims, t->dims, error);
      if (data == NULL)
        {
          _gaze_decoder_free (dec);
          gaze_vocab_free (vocab);
          return NULL;
        }
      for (gsize i = 0; i < t->size; i++)
        if (!isfinite (data[i]))
          {
            g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT,
                         "%s: tensor '%s' holds a value that is not finite", where, t->name);
            _gaze_decoder_free (dec);
            gaze_vocab_free (vocab);
            return NULL;
          }
      memcpy (dec->params + t->offset, data, sizeof (float) * t->size);
    }

  GazeModel *model = _gaze_model_new (dec, vocab,
                                     strcmp (attention, "hard") == 0 ? GAZE_ATTENTION_HARD
                                                                     : GAZE_ATTENTION_SOFT,
                                     gaze_model_file_get_meta (file, "encoder.name"),
                                     gaze_model_file_get_meta (file, "encoder.sha256"));
  for (gsize i = 0; i < G_N_ELEMENTS (known_keys); i++)
    {
      const char *value = gaze_model_file_get_meta (file, known_keys[i]);
      if (value != NULL)
        gaze_model_set_meta (model, known_keys[i], value);
    }
  model->path = g_strdup (path);
  return model;
}

GazeModel *
gaze_model_load (const char *path, GError **error)
{
  g_autoptr (GazeModelFile) file = gaze_model_file_read (path, error);
  if (file == NULL)
    return NULL;
  return _gaze_model_from_file (file, path, error);
}
