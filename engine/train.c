/* train.c — training the decoder on cached encoder grids, and evaluating it.
 *
 * One epoch: the training captions in a random order (the trainer's own
 * xoshiro generator, seeded by config->seed), cut into mini-batches of
 * batch_size captions.  Each batch is sorted by length for packing, its
 * distinct images' grids are gathered once (the squeeze layer runs once per
 * image even when several of its captions share the batch), then forward,
 * backward through time, gradient clipping and an Adam step.  After each
 * epoch: dev BLEU-4, the best model saved, a checkpoint written; training stops
 * after `patience` epochs without improvement.
 */
#include "checkpoint.h"

#include <cblas.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

void
gaze_train_config_init (GazeTrainConfig *c)
{
  *c = (GazeTrainConfig) {
    .squeeze_dim = 256, .embed_dim = 256, .hidden_dim = 512, .attn_dim = 256,
    .min_count = 5, .max_words = 40, .attention = GAZE_ATTENTION_SOFT,
    .batch_size = 64, .epochs = 20, .patience = 3,
    .lr = 1e-3f, .lr_decay = 0.8f, .clip = 5.0f, .dropout = 0.5f, .lambda = 1.0f,
    .entropy_weight = 0.01f, .reinforce_weight = 1.0f, .expected_prob = 0.5f,
    .seed = 1, .eval_beam = 3,
  };
}

/* ── Evaluation ────────────────────────────────────────────────────────────── */

#define EVAL_CHUNK 50 /* images captioned together */

static gboolean
evaluate (const GazeModel *model, const GazeDataset *dataset, const GazeFeatureCache *cache,
          int beam, int n_threads, GazeProgressFunc progress, gpointer user_data,
          GazeScores *scores, char ***captions_out, GError **error)
{
  const int n = dataset->n_images;
  const int cells = gaze_feature_cache_get_n_cells (cache);
  const int channels = gaze_feature_cache_get_channels (cache);
  if (cells != model->dec->sizes.cells || channels != model->dec->sizes.channels)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                   "the feature cache holds %d cells × %d channels, the model expects %d × %d",
                   cells, channels, model->dec->sizes.cells, model->dec->sizes.channels);
      return FALSE;
    }
  const gsize grid_size = (gsize) cells * channels;
  char **captions = g_new0 (char *, n + 1);
  float *grids = g_new (float, EVAL_CHUNK * grid_size);
  GazePool *pool = n_threads > 1 ? gaze_pool_new (n_threads) : NULL;
  gboolean ok = TRUE;
  for (int start = 0; ok && start < n; start += EVAL_CHUNK)
    {
      const int m = MIN (EVAL_CHUNK, n - start);
      for (int i = 0; i < m; i++)
        {
          const float *grid = gaze_feature_cache_lookup (cache, dataset->image_ids[start + i]);
          if (grid == NULL)
            {
              g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA,
                           "image %s is not in the feature cache", dataset->image_ids[start + i]);
              ok = FALSE;
              break;
            }
          memcpy (grids + i * grid_size, grid, sizeof (float) * grid_size);
        }
      GazeCaption **batch = ok ? caption_batch_in_pool (model, grids, m, beam, pool, error) : NULL;
      if (batch == NULL)
        {
          ok = FALSE;
          break;
        }
      for (int i = 0; i < m; i++)
        {
          captions[start + i] = gaze_beam_to_string (&batch[i]->beams[0]);
          gaze_caption_free (batch[i]);
        }
      g_free (batch);
      if (progress != NULL && !progress (start + m, n, user_data))
        {
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_CANCELLED, "evaluation cancelled");
          ok = FALSE;
        }
    }
  if (pool != NULL)
    gaze_pool_free (pool);
  g_free (grids);
  if (!ok)
    {
      g_strfreev (captions);
      return FALSE;
    }
  gaze_metrics_score (n, (const char *const *) captions, dataset->captions, scores);
  if (captions_out != NULL)
    *captions_out = captions;
  else
    g_strfreev (captions);
  return TRUE;
}

gboolean
gaze_model_evaluate (const GazeModel *model, const GazeDataset *dataset,
                     const GazeFeatureCache *cache, int beam, GazeProgressFunc progress,
                     gpointer user_data, GazeScores *scores, char ***captions_out, GError **error)
{
  /* OpenBLAS's threads become the pool's for the duration. */
  const int threads = openblas_get_num_threads ();
  openblas_set_num_threads (1);
  gboolean ok = evaluate (model, dataset, cache, beam, threads, progress, user_data, scores,
                          captions_out, error);
  openblas_set_num_threads (threads);
  return ok;
}

/* ── The training set as token rows ────────────────────────────────────────── */

typedef struct {
  int n;          /* captions */
  int stride;     /* max_words + 2 */
  int *tokens;    /* [n, stride]: <start> words <end> <pad>… */
  int *lengths;   /* [n] steps: words + 1 */
  int *image;     /* [n] index into grids */
  int n_images;
  const float **grids; /* [n_images] cached [L, C] */
  gint64 n_tokens;
} TrainSet;

static void
train_set_clear (TrainSet *s)
{
  g_free (s->tokens);
  g_free (s->lengths);
  g_free (s->image);
  g_free (s->grids);
}

static gboolean
train_set_build (TrainSet *s, const GazeDataset *data, int n_images, const GazeVocab *vocab,
                 const GazeFeatureCache *cache, int max_words, GError **error)
{
  if (n_images <= 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA, "no training images");
      return FALSE;
    }
  int n = 0;
  for (int i = 0; i < n_images; i++)
    n += (int) g_strv_length (data->captions[i]);
  *s = (TrainSet) { .stride = max_words + 2, .n_images = n_images };
  s->tokens = g_new0 (int, (gsize) n * s->stride);
  s->lengths = g_new0 (int, n);
  s->image = g_new0 (int, n);
  s->grids = g_new0 (const float *, (gsize) n_images);
  int *ids = g_new (int, max_words);
  for (int i = 0; i < n_images; i++)
    {
      s->grids[i] = gaze_feature_cache_lookup (cache, data->image_ids[i]);
      if (s->grids[i] == NULL)
        {
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA,
                       "training image %s is not in the feature cache", data->image_ids[i]);
          g_free (ids);
          train_set_clear (s);
          return FALSE;
        }
      for (char **c = data->captions[i]; *c != NULL; c++)
        {
          int k = MIN (gaze_vocab_encode (vocab, *c, ids, max_words), max_words);
          if (k <= 0)
            continue; /* an empty caption teaches nothing */
          int *row = s->tokens + (gsize) s->n * s->stride;
          row[0] = GAZE_TOKEN_START;
          memcpy (row + 1, ids, sizeof (int) * k);
          row[k + 1] = GAZE_TOKEN_END;
          s->lengths[s->n] = k + 1;
          s->image[s->n] = i;
          s->n_tokens += k + 1;
          s->n++;
        }
    }
  g_free (ids);
  if (s->n == 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA, "no training captions");
      train_set_clear (s);
      return FALSE;
    }
  return TRUE;
}

/* ── Mini-batches ──────────────────────────────────────────────────────────── */

typedef struct {
  int length, index;
} SortKey;

static int
compare_longest_first (const void *a, const void *b)
{
  const SortKey *x = a, *y = b;
  if (x->length != y->length)
    return y->length - x->length;
  return x->index - y->index;
}

typedef struct {
  int capacity;
  SortKey *keys;
  int *img, *lengths, *tokens, *slot; /* slot: per training image, its index in the batch or −1 */
  float *features;
} BatchBuffers;

/* Fills batch with the captions order[0..n−1], longest first, and the grids of
 * their distinct images. */
static void
batch_make (GazeDecoderBatch *batch, BatchBuffers *bb, const TrainSet *set, const int *order,
            int n, int cells, int channels)
{
  for (int k = 0; k < n; k++)
    bb->keys[k] = (SortKey) { set->lengths[order[k]], order[k] };
  qsort (bb->keys, n, sizeof (SortKey), compare_longest_first);
  const gsize grid = (gsize) cells * channels;
  int U = 0;
  for (int k = 0; k < n; k++)
    {
      int c = bb->keys[k].index, image = set->image[c];
      if (bb->slot[image] < 0)
        {
          bb->slot[image] = U;
          memcpy (bb->features + (gsize) U * grid, set->grids[image], sizeof (float) * grid);
          U++;
        }
      bb->img[k] = bb->slot[image];
      bb->lengths[k] = set->lengths[c];
      memcpy (bb->tokens + (gsize) k * set->stride, set->tokens + (gsize) c * set->stride,
              sizeof (int) * set->stride);
    }
  for (int k = 0; k < n; k++)
    bb->slot[set->image[bb->keys[k].index]] = -1;
  *batch = (GazeDecoderBatch) { .n = n, .n_images = U, .features = bb->features,
                                .img = bb->img, .lengths = bb->lengths, .tokens = bb->tokens,
                                .stride = set->stride };
}

/* ── The training loop ─────────────────────────────────────────────────────── */

static void
record_scores (GazeModel *model, const GazeScores *s, int beam, int epoch)
{
  const struct {
    const char *key;
    double value;
  } items[] = {
    { "dev.bleu1", s->bleu[0] }, { "dev.bleu2", s->bleu[1] }, { "dev.bleu3", s->bleu[2] },
    { "dev.bleu4", s->bleu[3] }, { "dev.cider_d", s->cider_d }, { "dev.rouge_l", s->rouge_l },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (items); i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (buf, sizeof buf, "%.4f", items[i].value);
      gaze_model_set_meta (model, items[i].key, buf);
    }
  g_autofree char *b = g_strdup_printf ("%d", beam);
  g_autofree char *e = g_strdup_printf ("%d", epoch);
  gaze_model_set_meta (model, "dev.beam", b);
  gaze_model_set_meta (model, "training.best_epoch", e);
}

static char *
hyperparameters_string (const GazeDecoderSizes *s, const GazeTrainConfig *c)
{
  char lr[G_ASCII_DTOSTR_BUF_SIZE], decay[G_ASCII_DTOSTR_BUF_SIZE];
  char dropout[G_ASCII_DTOSTR_BUF_SIZE], lambda[G_ASCII_DTOSTR_BUF_SIZE];
  char clip[G_ASCII_DTOSTR_BUF_SIZE], entropy[G_ASCII_DTOSTR_BUF_SIZE];
  char expected[G_ASCII_DTOSTR_BUF_SIZE], reinforce[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (entropy, sizeof entropy, "%g", c->entropy_weight);
  g_ascii_formatd (reinforce, sizeof reinforce, "%g", c->reinforce_weight);
  g_ascii_formatd (expected, sizeof expected, "%g", c->expected_prob);
  g_ascii_formatd (lr, sizeof lr, "%g", c->lr);
  g_ascii_formatd (decay, sizeof decay, "%g", c->lr_decay);
  g_ascii_formatd (dropout, sizeof dropout, "%g", c->dropout);
  g_ascii_formatd (lambda, sizeof lambda, "%g", c->lambda);
  g_ascii_formatd (clip, sizeof clip, "%g", c->clip);
  return g_strdup_printf ("channels=%d\nsqueeze=%d\nembed=%d\nhidden=%d\nattn=%d\ncells=%d\n"
                          "vocab=%d\nmin_count=%d\nmax_words=%d\nbatch=%d\nlr=%s\nlr_decay=%s\n"
                          "clip=%s\ndropout=%s\nlambda=%s\nseed=%" G_GUINT64_FORMAT "\n"
                          "patience=%d\neval_beam=%d\n%s%s%s%s%s%s%s",
                          s->channels, s->squeeze, s->embed, s->hidden, s->attn, s->cells,
                          s->vocab, c->min_count, c->max_words, c->batch_size, lr, decay, clip,
                          dropout, lambda, c->seed, c->patience, c->eval_beam,
                          c->attention == GAZE_ATTENTION_HARD ? "entropy_weight=" : "",
                          c->attention == GAZE_ATTENTION_HARD ? entropy : "",
                          c->attention == GAZE_ATTENTION_HARD ? "\nexpected_prob=" : "",
                          c->attention == GAZE_ATTENTION_HARD ? expected : "",
                          c->attention == GAZE_ATTENTION_HARD ? "\nreinforce_weight=" : "",
                          c->attention == GAZE_ATTENTION_HARD ? reinforce : "",
                          c->attention == GAZE_ATTENTION_HARD ? "\n" : "");
}

static GazeDataset
dataset_head (const GazeDataset *d, int max)
{
  GazeDataset head = *d;
  if (max > 0 && max < head.n_images)
    head.n_images = max;
  return head;
}

gboolean
gaze_train (const GazeTrainConfig *config, const GazeDataset *train_full,
            const GazeDataset *dev_full, const GazeFeatureCache *cache, const char *out_path,
            GazeTrainProgressFunc progress, GazeTrainEpochFunc on_epoch, gpointer user_data,
            GError **error)
{
  const GazeTrainConfig *c = config;
  if (c->batch_size < 1 || c->epochs < 1 || c->max_words < 1 || !(c->lr > 0.0f)
      || c->dropout < 0.0f || c->dropout >= 1.0f || c->eval_beam < 1)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, "invalid training options");
      return FALSE;
    }
  GazeDataset train = dataset_head (train_full, c->max_train);
  GazeDataset dev = dataset_head (dev_full, c->max_dev);
  const int cells = gaze_feature_cache_get_n_cells (cache);
  const int channels = gaze_feature_cache_get_channels (cache);

  GazeVocab *vocab = gaze_dataset_build_vocab (&train, c->min_count);
  GazeDecoderSizes sizes = {
    .vocab = gaze_vocab_get_size (vocab), .channels = channels, .squeeze = c->squeeze_dim,
    .embed = c->embed_dim, .hidden = c->hidden_dim, .attn = c->attn_dim, .cells = cells,
  };
  TrainSet set;
  if (!train_set_build (&set, &train, train.n_images, vocab, cache, c->max_words, error))
    {
      gaze_vocab_free (vocab);
      return FALSE;
    }
  GazeDecoder *dec = gaze_decoder_new (&sizes);
  GazeRng rng;
  gaze_rng_seed (&rng, c->seed);
  gaze_decoder_init_params (dec, &rng);
  g_autoptr (GazeModel) model = gaze_model_new (dec, vocab, c->attention, c->encoder_name,
                                                c->encoder_sha256);
  g_autofree char *hyper = hyperparameters_string (&sizes, c);
  gaze_model_set_meta (model, "hyperparameters", hyper);
  if (c->command != NULL)
    gaze_model_set_meta (model, "training.command", c->command);

  g_autofree char *ckpt_default = g_strconcat (out_path, ".ckpt", NULL);
  const char *ckpt = c->checkpoint_path != NULL ? c->checkpoint_path : ckpt_default;
  GazeAdam *adam = gaze_adam_new (dec->n_params);
  GazeTrainProgress prog = { .best_bleu4 = -1.0 };
  gboolean ok = TRUE;
  if (c->resume && !gaze_checkpoint_read (ckpt, model, adam, &rng, &prog, error))
    ok = FALSE;

  const int B = c->batch_size;
  BatchBuffers bb = { .capacity = B };
  bb.keys = g_new (SortKey, B);
  bb.img = g_new (int, B);
  bb.lengths = g_new (int, B);
  bb.tokens = g_new (int, (gsize) B * set.stride);
  bb.slot = g_new (int, set.n_images);
  for (int i = 0; i < set.n_images; i++)
    bb.slot[i] = -1;
  bb.features = g_new (float, (gsize) B * cells * channels);
  int *order = g_new (int, set.n);
  float *grads = g_new (float, dec->n_params);
  /* All threads in the decoder's pool; OpenBLAS runs single-threaded slices
   * (restored when training ends). */
  const int blas_threads = openblas_get_num_threads ();
  GazeDecoderWork *work = gaze_decoder_work_new (blas_threads);
  openblas_set_num_threads (1);
  GazeDecoderOptions opt = {
    .attention = c->attention, .dropout = c->dropout, .lambda = c->lambda,
    .expected_prob = c->expected_prob, .entropy_weight = c->entropy_weight,
    .reinforce_weight = c->reinforce_weight, .baseline = prog.baseline, .rng = &rng,
  };
  const gint64 n_batches = (set.n + B - 1) / B;

  for (int epoch = prog.epoch; ok && epoch < c->epochs; epoch++)
    {
      if (prog.best_epoch > 0 && prog.bad_epochs >= c->patience)
        break;
      gint64 t0 = g_get_monotonic_time ();
      float lr = gaze_decayed_lr (c->lr, c->lr_decay, epoch);
      /* Fisher-Yates with the trainer's generator: the same seed, the same order. */
      for (int i = 0; i < set.n; i++)
        order[i] = i;
      for (int i = set.n - 1; i > 0; i--)
        {
          int j = (int) gaze_rng_below (&rng, (guint32) i + 1);
          int t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
      GazeTrainStatus status = { .epoch = epoch + 1, .n_epochs = c->epochs,
                                 .n_batches = n_batches };
      double loss_sum = 0.0;
      gint64 tokens = 0;
      for (gint64 b = 0; b < n_batches; b++)
        {
          int start = (int) (b * B), n = MIN (B, set.n - start);
          GazeDecoderBatch batch;
          batch_make (&batch, &bb, &set, order + start, n, cells, channels);
          double loss = gaze_decoder_forward (dec, work, &batch, &opt);
          memset (grads, 0, sizeof (float) * dec->n_params);
          gaze_decoder_backward (dec, work, &opt, grads);
          gaze_clip_grad_norm (grads, dec->n_params, c->clip);
          gaze_adam_update (adam, dec->params, grads, lr);
          if (!isfinite (loss))
            {
              g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA,
                           "training diverged (loss %g) in epoch %d; try a lower --lr", loss,
                           epoch + 1);
              ok = FALSE;
              break;
            }
          loss_sum += loss;
          tokens += gaze_decoder_work_n_tokens (work);
          status.batch = b + 1;
          status.loss = loss_sum / (double) (b + 1);
          status.train_seconds = (g_get_monotonic_time () - t0) * 1e-6;
          status.tokens_per_s = tokens / MAX (status.train_seconds, 1e-9);
          if (progress != NULL && !progress (&status, user_data))
            {
              g_set_error (error, GAZE_ERROR, GAZE_ERROR_CANCELLED, "training cancelled");
              ok = FALSE;
              break;
            }
        }
      if (!ok)
        break;
      prog.baseline = opt.baseline;
      prog.wall_time += (g_get_monotonic_time () - t0) * 1e-6;

      /* Dev evaluation: keep the best model by BLEU-4. */
      GazeScores scores;
      gint64 e0 = g_get_monotonic_time ();
      if (!evaluate (model, &dev, cache, c->eval_beam, blas_threads, NULL, NULL, &scores, NULL,
                     error))
        {
          ok = FALSE;
          break;
        }
      status.eval_seconds = (g_get_monotonic_time () - e0) * 1e-6;
      prog.epoch = epoch + 1;
      gboolean improved = scores.bleu[3] > prog.best_bleu4;
      if (improved)
        {
          prog.best_bleu4 = scores.bleu[3];
          prog.best_epoch = epoch + 1;
          prog.bad_epochs = 0;
          record_scores (model, &scores, c->eval_beam, epoch + 1);
          char wall[G_ASCII_DTOSTR_BUF_SIZE];
          g_ascii_formatd (wall, sizeof wall, "%.0f", prog.wall_time);
          gaze_model_set_meta (model, "training.wall_time_s", wall);
          g_autofree char *e = g_strdup_printf ("%d", epoch + 1);
          gaze_model_set_meta (model, "training.epochs", e);
          if (!gaze_model_save (model, out_path, error))
            {
              ok = FALSE;
              break;
            }
        }
      else
        prog.bad_epochs++;
      if (!gaze_checkpoint_write (ckpt, model, adam, &rng, &prog, error))
        {
          ok = FALSE;
          break;
        }
      if (on_epoch != NULL)
        on_epoch (&status, &scores, improved, user_data);
    }

  openblas_set_num_threads (blas_threads);
  gaze_decoder_work_free (work);
  g_free (grads);
  g_free (order);
  g_free (bb.keys), g_free (bb.img), g_free (bb.lengths), g_free (bb.tokens), g_free (bb.slot);
  g_free (bb.features);
  gaze_adam_free (adam);
  train_set_clear (&set);
  return ok;
}
