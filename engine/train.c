/* train.c — training the decoder on cached encoder grids, and evaluating it.
 *
 * One epoch: the training captions in a random order (the trainer's own
 * xoshiro generator, seeded by config->seed), cut into mini-batches of
 * batch_size captions.  Each batch is sorted by length for packing, its
 * distinct images' grids are gathered once (the squeeze layer runs once per
 * image even when several of its captions share the batch), then forward,
 * backward through time, gradient clipping and an Adam step.  After each
 * epoch: dev BLEU-4, the best model saved, a checkpoint written; training stops
 * after `patience` epochs without improvement.  With mirrored grids
 * (config->mirrored), each epoch shows each training photo as it is or
 * mirrored left to right, its captions' left and right swapped to match.
 * With standardised grids (config->normalise_grid, grid-norm.c) the trainer
 * works on standardised copies and folds the squeeze for dev and the model
 * written, then unfolds it to train on.
 */
#include "checkpoint.h"
#include "grid-norm.h"

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
    .seed = 1, .eval_beam = 3, .n_threads = 1, .scst_samples = 5,
  };
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
  /* Augmentation (GazeTrainConfig.mirrored; NULL without it): each image's
   * mirrored grid, whether this epoch shows it mirrored, and each word's
   * mirror image ("left" ↔ "right"; every other word itself). */
  const float **mirrored_grids; /* [n_images] */
  guint8 *mirrored;             /* [n_images] */
  int *mirror_word;             /* [vocab] */
} TrainSet;

static void
train_set_clear (TrainSet *s)
{
  g_clear_pointer (&s->tokens, g_free);
  g_clear_pointer (&s->lengths, g_free);
  g_clear_pointer (&s->image, g_free);
  g_clear_pointer (&s->grids, g_free);
  g_clear_pointer (&s->mirrored_grids, g_free);
  g_clear_pointer (&s->mirrored, g_free);
  g_clear_pointer (&s->mirror_word, g_free);
}

/* Whether this epoch shows image i mirrored. */
static gboolean
train_set_is_mirrored (const TrainSet *s, int i)
{
  return s->mirrored != NULL && s->mirrored[i];
}

/* Image i's grid as this epoch shows it. */
static const float *
train_set_grid (const TrainSet *s, int i)
{
  return train_set_is_mirrored (s, i) ? s->mirrored_grids[i] : s->grids[i];
}

/* Caption c's token row into row: as written, or with left and right
 * swapped when this epoch shows its photo mirrored. */
static void
train_set_copy_tokens (const TrainSet *s, int c, int *row)
{
  memcpy (row, s->tokens + (gsize) c * s->stride, sizeof (int) * s->stride);
  if (train_set_is_mirrored (s, s->image[c]))
    for (int t = 0; t < s->stride; t++)
      row[t] = s->mirror_word[row[t]];
}

/* The mirrored grids of the set's images, and the word table. */
static gboolean
train_set_add_mirrored (TrainSet *s, const GazeDataset *data, const GazeVocab *vocab,
                        const GazeFeatureCache *mirrored, GError **error)
{
  s->mirrored_grids = g_new0 (const float *, (gsize) s->n_images);
  s->mirrored = g_new0 (guint8, (gsize) s->n_images);
  for (int i = 0; i < s->n_images; i++)
    if ((s->mirrored_grids[i] = gaze_feature_cache_lookup (mirrored, data->image_ids[i])) == NULL)
      {
        g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA,
                     "training image %s is not in the mirrored feature cache",
                     data->image_ids[i]);
        return FALSE;
      }
  /* A word whose mirror image is not in the vocabulary stays itself. */
  const int V = gaze_vocab_get_size (vocab);
  s->mirror_word = g_new (int, V);
  for (int v = 0; v < V; v++)
    {
      g_autofree char *image_word = gaze_text_mirror (gaze_vocab_get_word (vocab, v));
      const int m = gaze_vocab_lookup (vocab, image_word);
      s->mirror_word[v] = m == GAZE_TOKEN_UNK ? v : m;
    }
  return TRUE;
}

/* Which photos epoch (from 1) shows mirrored: each with probability 1/2, a
 * coin of the seed, the epoch and the photo alone, so that a resumed run
 * tosses the same coins and the run's random stream is not touched. */
static void
train_set_toss_mirror_coins (TrainSet *s, guint64 seed, int epoch)
{
  if (s->mirrored == NULL)
    return;
  for (int i = 0; i < s->n_images; i++)
    s->mirrored[i] = _gaze_rng_keyed_coin (seed, (guint64) epoch, (guint64) i);
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
          memcpy (bb->features + (gsize) U * grid, train_set_grid (set, image),
                  sizeof (float) * grid);
          U++;
        }
      bb->img[k] = bb->slot[image];
      bb->lengths[k] = set->lengths[c];
      train_set_copy_tokens (set, c, bb->tokens + (gsize) k * set->stride);
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

/* centred: the decoder centres each photo's grid (grid=centred, which a
 * model reading the line acts on; every other line is a record). */
static char *
hyperparameters_string (const GazeDecoderSizes *s, gboolean centred, const GazeTrainConfig *c)
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
  char smoothing[G_ASCII_DTOSTR_BUF_SIZE + 20] = "";
  if (c->label_smoothing > 0.0f)
    {
      char eps[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (eps, sizeof eps, "%g", c->label_smoothing);
      g_snprintf (smoothing, sizeof smoothing, "label_smoothing=%s\n", eps);
    }
  char scheduled[G_ASCII_DTOSTR_BUF_SIZE + 24] = "";
  if (c->scheduled_sampling > 0.0f)
    {
      char p[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (p, sizeof p, "%g", c->scheduled_sampling);
      g_snprintf (scheduled, sizeof scheduled, "scheduled_sampling=%s\n", p);
    }
  char annotation[G_ASCII_DTOSTR_BUF_SIZE + 56] = "";
  if (c->annotation_dropout > 0.0f)
    {
      char p[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (p, sizeof p, "%g", c->annotation_dropout);
      g_snprintf (annotation, sizeof annotation, "annotation_dropout=%s\n%s", p,
                  c->annotation_dropout_by_channel ? "annotation_dropout_unit=channel\n" : "");
    }
  return g_strdup_printf ("channels=%d\nsqueeze=%d\nembed=%d\nhidden=%d\nattn=%d\ncells=%d\n"
                          "vocab=%d\nmin_count=%d\nmax_words=%d\nbatch=%d\nlr=%s\nlr_decay=%s\n"
                          "clip=%s\ndropout=%s\nlambda=%s\nseed=%" G_GUINT64_FORMAT "\n"
                          "patience=%d\neval_beam=%d\n%s%s%s%s%s%s%s%s%s%s%s%s",
                          s->channels, s->squeeze, s->embed, s->hidden, s->attn, s->cells,
                          s->vocab, c->min_count, c->max_words, c->batch_size, lr, decay, clip,
                          dropout, lambda, c->seed, c->patience, c->eval_beam,
                          c->attention == GAZE_ATTENTION_HARD ? "entropy_weight=" : "",
                          c->attention == GAZE_ATTENTION_HARD ? entropy : "",
                          c->attention == GAZE_ATTENTION_HARD ? "\nexpected_prob=" : "",
                          c->attention == GAZE_ATTENTION_HARD ? expected : "",
                          c->attention == GAZE_ATTENTION_HARD ? "\nreinforce_weight=" : "",
                          c->attention == GAZE_ATTENTION_HARD ? reinforce : "",
                          c->attention == GAZE_ATTENTION_HARD ? "\n" : "", smoothing, scheduled,
                          annotation,
                          c->mirrored != NULL ? "augment=mirror\n" : "",
                          c->normalise_grid ? "grid=standardised_folded\n"
                          : centred         ? "grid=centred\n"
                                            : "");
}

/* The hyperparameters, with self-critical training's own when it is on. */
static char *
training_description (const GazeDecoderSizes *s, gboolean centred, const GazeTrainConfig *c)
{
  g_autofree char *base = hyperparameters_string (s, centred, c);
  if (!c->scst)
    return g_steal_pointer (&base);
  char mix[G_ASCII_DTOSTR_BUF_SIZE + 20] = "", retrieval[G_ASCII_DTOSTR_BUF_SIZE + 20] = "";
  char weight[G_ASCII_DTOSTR_BUF_SIZE];
  if (c->scst_mix > 0.0f)
    {
      g_ascii_formatd (weight, sizeof weight, "%g", c->scst_mix);
      g_snprintf (mix, sizeof mix, "scst_mix=%s\n", weight);
    }
  if (c->scst_retrieval > 0.0f)
    {
      g_ascii_formatd (weight, sizeof weight, "%g", c->scst_retrieval);
      g_snprintf (retrieval, sizeof retrieval, "scst_retrieval=%s\n", weight);
    }
  return g_strdup_printf ("%sscst=cider_d\nscst_samples=%d\nscst_baseline=%s\nscst_dropout=0\n%s%s",
                          base, c->scst_samples,
                          c->scst_baseline == GAZE_SCST_BASELINE_MEAN ? "mean" : "greedy", mix,
                          retrieval);
}

static GazeDataset
dataset_head (const GazeDataset *d, int max)
{
  GazeDataset head = *d;
  if (max > 0 && max < head.n_images)
    head.n_images = max;
  return head;
}

/* Everything one training run holds, so that its phases read as steps:
 * trainer_init, then trainer_epoch (maximum likelihood, or self-critical)
 * and trainer_end_epoch (dev evaluation, best model, checkpoint) per epoch. */
typedef struct {
  const GazeTrainConfig *c;
  GazeDataset train, dev;
  const GazeFeatureCache *cache;
  const char *out_path;
  int cells, channels;
  TrainSet set;
  GazeModel *model;
  GazeDecoder *dec; /* model's */
  GazeRng rng;
  GazeAdam *adam;
  GazeTrainProgress prog;
  char *ckpt;
  BatchBuffers bb;
  int *order;
  float *grads;
  GazeDecoderWork *work;
  GazeDecoderOptions opt;
  /* Self-critical training (section "Self-critical sequence training"). */
  GazeCiderScorer *cider;
  TrainSet samples;     /* the sampled captions of one batch, over its images */
  float *advantage;     /* [captions] reward − baseline, in samples order */
  float *row_weight;    /* [captions] the same in batch order */
  int *sample_cells;    /* hard models: [captions, stride] the cells drawn, samples order */
  int *forced_cells;    /* the same in batch order */
  int *ref_first, *refs; /* the mixed objective: image i's captions in set are
                          * refs[ref_first[i] … ref_first[i + 1] − 1] */
  int max_refs;         /* the most captions an image has (0 unmixed) */
  /* Dropout on the annotations: [images, L, D] masks, one a photo of the
   * batch, in samples order and in batch order. */
  float *sample_amask, *batch_amask;
  int *ss_inputs; /* scheduled sampling: [batch, stride] the words fed in */
  /* Standardised grids (GazeTrainConfig.normalise_grid): the statistics, the
   * training photos' grids and their mirror images standardised (set's
   * pointers lead into them), and the squeeze's own weights while a folded
   * copy is evaluated and written. */
  GazeGridNorm norm;
  float *norm_grids, *norm_mirrored;
  float *unfolded_w, *unfolded_b;
} Trainer;

static void
trainer_clear (Trainer *tr)
{
  if (tr->work != NULL)
    _gaze_decoder_work_free (tr->work);
  g_free (tr->grads);
  g_free (tr->order);
  g_free (tr->bb.keys), g_free (tr->bb.img), g_free (tr->bb.lengths), g_free (tr->bb.tokens);
  g_free (tr->bb.slot), g_free (tr->bb.features);
  if (tr->adam != NULL)
    _gaze_adam_free (tr->adam);
  g_free (tr->ckpt);
  train_set_clear (&tr->set);
  g_free (tr->samples.tokens), g_free (tr->samples.lengths), g_free (tr->samples.image);
  g_free (tr->samples.grids);
  g_free (tr->advantage), g_free (tr->row_weight);
  g_free (tr->sample_cells), g_free (tr->forced_cells);
  g_free (tr->ref_first), g_free (tr->refs);
  g_free (tr->sample_amask), g_free (tr->batch_amask);
  g_free (tr->ss_inputs);
  _gaze_grid_norm_clear (&tr->norm);
  g_free (tr->norm_grids), g_free (tr->norm_mirrored);
  g_free (tr->unfolded_w), g_free (tr->unfolded_b);
  if (tr->cider != NULL)
    gaze_cider_scorer_free (tr->cider);
  g_clear_pointer (&tr->model, gaze_model_free);
}

/* Images a self-critical batch holds: batch_size captions, scst_samples an image. */
static int
scst_batch_images (const GazeTrainConfig *c)
{
  return MAX (1, c->batch_size / c->scst_samples);
}

/* Which training captions belong to each image, for the mixed objective. */
static void
index_references (Trainer *tr)
{
  const TrainSet *set = &tr->set;
  tr->ref_first = g_new0 (int, set->n_images + 1);
  for (int k = 0; k < set->n; k++)
    tr->ref_first[set->image[k] + 1]++;
  tr->max_refs = 0;
  for (int i = 0; i < set->n_images; i++)
    {
      tr->max_refs = MAX (tr->max_refs, tr->ref_first[i + 1]);
      tr->ref_first[i + 1] += tr->ref_first[i];
    }
  g_autofree int *next = g_memdup2 (tr->ref_first, sizeof (int) * set->n_images);
  tr->refs = g_new (int, MAX (set->n, 1));
  for (int k = 0; k < set->n; k++)
    tr->refs[next[set->image[k]]++] = k;
}

/* Fits the channels' statistics to the training photos, standardises their
 * grids (and mirror images) for every batch to read, and moves an init
 * model's squeeze, folded as every written model's is, onto them. */
static void
trainer_standardise_grids (Trainer *tr)
{
  TrainSet *s = &tr->set;
  _gaze_grid_norm_fit (&tr->norm, s->grids, s->n_images, tr->cells, tr->channels);
  tr->norm_grids = _gaze_grid_norm_apply (&tr->norm, s->grids, s->n_images, tr->cells, s->grids);
  if (s->mirrored_grids != NULL)
    tr->norm_mirrored = _gaze_grid_norm_apply (&tr->norm, s->mirrored_grids, s->n_images,
                                               tr->cells, s->mirrored_grids);
  if (tr->c->init != NULL)
    _gaze_grid_norm_unfold (&tr->norm, tr->dec->p.squeeze_w, tr->dec->p.squeeze_b,
                            tr->dec->sizes.squeeze);
  const gsize nw = (gsize) tr->dec->sizes.squeeze * tr->channels;
  tr->unfolded_w = g_new (float, nw);
  tr->unfolded_b = g_new (float, tr->dec->sizes.squeeze);
}

/* The model as it is written, on raw grids: with standardised grids, the
 * squeeze folded (trainer_unfold puts the training weights back, bit for bit). */
static void
trainer_fold (Trainer *tr)
{
  if (!tr->c->normalise_grid)
    return;
  const int D = tr->dec->sizes.squeeze;
  memcpy (tr->unfolded_w, tr->dec->p.squeeze_w, sizeof (float) * D * tr->channels);
  memcpy (tr->unfolded_b, tr->dec->p.squeeze_b, sizeof (float) * D);
  _gaze_grid_norm_fold (&tr->norm, tr->dec->p.squeeze_w, tr->dec->p.squeeze_b, D);
}

static void
trainer_unfold (Trainer *tr)
{
  if (!tr->c->normalise_grid)
    return;
  const int D = tr->dec->sizes.squeeze;
  memcpy (tr->dec->p.squeeze_w, tr->unfolded_w, sizeof (float) * D * tr->channels);
  memcpy (tr->dec->p.squeeze_b, tr->unfolded_b, sizeof (float) * D);
}

static gboolean
trainer_init (Trainer *tr, const GazeTrainConfig *c, const GazeDataset *train_full,
              const GazeDataset *dev_full, const GazeFeatureCache *cache, const char *out_path,
              GError **error)
{
  *tr = (Trainer) { .c = c, .cache = cache, .out_path = out_path,
                    .train = dataset_head (train_full, c->max_train),
                    .dev = dataset_head (dev_full, c->max_dev) };
  if (c->batch_size < 1 || c->epochs < 1 || c->max_words < 1 || !(c->lr > 0.0f)
      || c->dropout < 0.0f || c->dropout >= 1.0f
      || !(c->annotation_dropout >= 0.0f && c->annotation_dropout < 1.0f)
      || (c->annotation_dropout_by_channel && c->annotation_dropout == 0.0f)
      || !(c->scheduled_sampling >= 0.0f && c->scheduled_sampling <= 1.0f)
      || (c->scst && c->scheduled_sampling > 0.0f)
      || c->eval_beam < 1 || c->n_threads < 1
      || !(c->label_smoothing >= 0.0f && c->label_smoothing < 1.0f)
      || (c->scst && (c->scst_samples < 1 || c->init == NULL))
      || (c->scst && c->scst_baseline == GAZE_SCST_BASELINE_MEAN && c->scst_samples < 2)
      || !(c->scst_mix >= 0.0f) || (c->scst_mix > 0.0f && !c->scst)
      || !(c->scst_retrieval >= 0.0f) || (c->scst_retrieval > 0.0f && !c->scst)
      || (c->scst_retrieval > 0.0f && scst_batch_images (c) < 2)
      || (c->centre_grid && c->normalise_grid))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, "invalid training options");
      return FALSE;
    }
  tr->cells = gaze_feature_cache_get_n_cells (cache);
  tr->channels = gaze_feature_cache_get_channels (cache);

  /* The vocabulary: the initial model's, else built from the training captions. */
  GazeVocab *vocab;
  if (c->init != NULL)
    {
      const GazeDecoderSizes *is = &c->init->dec->sizes;
      if (is->cells != tr->cells || is->channels != tr->channels)
        {
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                       "the initial model expects %d cells × %d channels, the feature cache "
                       "holds %d × %d", is->cells, is->channels, tr->cells, tr->channels);
          return FALSE;
        }
      if (c->init->dec->centre_cells && c->normalise_grid)
        {
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                       "the initial model centres each photo's grid, which does not combine "
                       "with standardised grids");
          return FALSE;
        }
      int n = gaze_vocab_get_size (c->init->vocab);
      const char **words = g_new (const char *, n);
      for (int i = 0; i < n; i++)
        words[i] = gaze_vocab_get_word (c->init->vocab, i);
      vocab = gaze_vocab_new (words, n, error);
      g_free (words);
      if (vocab == NULL)
        return FALSE;
    }
  else
    vocab = gaze_dataset_build_vocab (&tr->train, c->min_count);
  GazeDecoderSizes sizes = {
    .vocab = gaze_vocab_get_size (vocab), .channels = tr->channels, .squeeze = c->squeeze_dim,
    .embed = c->embed_dim, .hidden = c->hidden_dim, .attn = c->attn_dim, .cells = tr->cells,
  };
  if (c->init != NULL)
    sizes = c->init->dec->sizes;
  if (c->mirrored != NULL && (gaze_feature_cache_get_n_cells (c->mirrored) != tr->cells
                              || gaze_feature_cache_get_channels (c->mirrored) != tr->channels))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                   "the mirrored feature cache holds %d cells × %d channels, the feature cache "
                   "%d × %d", gaze_feature_cache_get_n_cells (c->mirrored),
                   gaze_feature_cache_get_channels (c->mirrored), tr->cells, tr->channels);
      gaze_vocab_free (vocab);
      return FALSE;
    }
  if (!train_set_build (&tr->set, &tr->train, tr->train.n_images, vocab, cache, c->max_words,
                        error)
      || (c->mirrored != NULL
          && !train_set_add_mirrored (&tr->set, &tr->train, vocab, c->mirrored, error)))
    {
      gaze_vocab_free (vocab);
      return FALSE;
    }
  tr->dec = _gaze_decoder_new (&sizes);
  tr->dec->centre_cells = c->centre_grid || (c->init != NULL && c->init->dec->centre_cells);
  _gaze_rng_seed (&tr->rng, c->seed);
  _gaze_decoder_init_params (tr->dec, &tr->rng);
  if (c->init != NULL)
    memcpy (tr->dec->params, c->init->dec->params, sizeof (float) * tr->dec->n_params);
  if (c->normalise_grid)
    trainer_standardise_grids (tr);
  tr->model = _gaze_model_new (tr->dec, vocab, c->attention, c->encoder_name, c->encoder_sha256);
  g_autofree char *hyper = training_description (&sizes, tr->dec->centre_cells, c);
  gaze_model_set_meta (tr->model, "hyperparameters", hyper);
  if (c->command != NULL)
    gaze_model_set_meta (tr->model, "training.command", c->command);
  if (c->init != NULL)
    {
      /* The run this one continues, for the record. */
      const char *keys[][2] = { { "training.command", "training.init.command" },
                                { "training.epochs", "training.init.epochs" },
                                { "training.wall_time_s", "training.init.wall_time_s" } };
      for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          const char *v = gaze_model_get_meta (c->init, keys[k][0]);
          if (v != NULL)
            gaze_model_set_meta (tr->model, keys[k][1], v);
        }
    }

  tr->ckpt = c->checkpoint_path != NULL ? g_strdup (c->checkpoint_path)
                                        : g_strconcat (out_path, ".ckpt", NULL);
  tr->adam = _gaze_adam_new (tr->dec->n_params);
  tr->prog = (GazeTrainProgress) { .best_bleu4 = -1.0, .normalised_grid = c->normalise_grid };
  if (c->resume && !_gaze_checkpoint_read (tr->ckpt, tr->model, tr->adam, &tr->rng, &tr->prog, error))
    return FALSE;
  if (tr->prog.normalised_grid != c->normalise_grid)
    {
      /* Its weights expect the other kind of grid. */
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                   "%s: the checkpoint's weights are for %s grids, not %s ones: resume with the "
                   "grid normalisation it was trained with", tr->ckpt,
                   tr->prog.normalised_grid ? "standardised" : "raw",
                   c->normalise_grid ? "standardised" : "raw");
      return FALSE;
    }

  if (c->scst && c->scst_mix > 0.0f)
    index_references (tr);
  /* A self-critical batch holds its images' samples and, mixed, their references. */
  const int B = c->scst ? MAX (c->batch_size,
                               scst_batch_images (c) * (c->scst_samples + tr->max_refs))
                        : c->batch_size;
  const int stride = tr->set.stride;
  tr->bb = (BatchBuffers) { .capacity = B };
  tr->bb.keys = g_new (SortKey, B);
  tr->bb.img = g_new (int, B);
  tr->bb.lengths = g_new (int, B);
  tr->bb.tokens = g_new (int, (gsize) B * stride);
  tr->bb.slot = g_new (int, MAX (tr->set.n_images, B));
  for (int i = 0; i < MAX (tr->set.n_images, B); i++)
    tr->bb.slot[i] = -1;
  tr->bb.features = g_new (float, (gsize) B * tr->cells * tr->channels);
  if (c->scheduled_sampling > 0.0f)
    tr->ss_inputs = g_new (int, (gsize) B * stride);
  tr->order = g_new (int, MAX (tr->set.n, tr->set.n_images));
  tr->grads = g_new (float, tr->dec->n_params);
  tr->work = _gaze_decoder_work_new (c->n_threads);
  tr->opt = (GazeDecoderOptions) {
    .attention = tr->model->attention, .dropout = c->dropout,
    .annotation_dropout = c->annotation_dropout,
    .annotation_dropout_by_channel = c->annotation_dropout_by_channel, .lambda = c->lambda,
    .smoothing = c->label_smoothing,
    .expected_prob = c->expected_prob, .entropy_weight = c->entropy_weight,
    .reinforce_weight = c->reinforce_weight, .baseline = tr->prog.baseline, .rng = &tr->rng,
  };
  if (c->scst)
    {
      /* Rewards use the training captions' document frequencies. */
      char ***refs = g_new (char **, tr->train.n_images);
      for (int i = 0; i < tr->train.n_images; i++)
        refs[i] = tr->train.captions[i];
      tr->cider = gaze_cider_scorer_new (tr->train.n_images, refs, TRUE);
      g_free (refs);
      const int U = scst_batch_images (c), n = U * (c->scst_samples + tr->max_refs);
      tr->samples = (TrainSet) { .stride = stride, .n = n, .n_images = U };
      tr->samples.tokens = g_new0 (int, (gsize) n * stride);
      tr->samples.lengths = g_new0 (int, n);
      tr->samples.image = g_new0 (int, n);
      tr->samples.grids = g_new0 (const float *, U);
      tr->advantage = g_new0 (float, n);
      tr->row_weight = g_new0 (float, n);
      tr->opt.row_weight = tr->row_weight;
      /* The samples are scored by their own likelihood, not a smoothed one,
       * and by the policy that drew them: the deep output's dropout is off,
       * and the annotations' comes as the mask they were drawn under. */
      tr->opt.dropout = 0.0f;
      tr->opt.smoothing = 0.0f;
      tr->opt.annotation_dropout = 0.0f;
      if (c->annotation_dropout > 0.0f)
        {
          const gsize masks = (gsize) U * tr->cells * tr->dec->sizes.squeeze;
          tr->sample_amask = g_new (float, masks);
          tr->batch_amask = g_new (float, masks);
        }
      if (tr->model->attention == GAZE_ATTENTION_HARD)
        {
          /* The training pass re-scores each sample at the cells it drew;
           * the references, mixed in, draw theirs as maximum likelihood does,
           * and REINFORCE's moving baseline starts from their first batch
           * rather than from 0 (a fine-tuned model's log p is far below 0). */
          tr->sample_cells = g_new0 (int, (gsize) n * stride);
          tr->forced_cells = g_new0 (int, (gsize) n * stride);
          tr->opt.forced = tr->forced_cells;
          tr->opt.baseline_unset = c->scst_mix > 0.0f && !c->resume;
        }
    }
  return TRUE;
}

/* Fisher-Yates with the trainer's generator: the same seed, the same order. */
static void
shuffle (GazeRng *rng, int *order, int n)
{
  for (int i = 0; i < n; i++)
    order[i] = i;
  for (int i = n - 1; i > 0; i--)
    {
      int j = (int) _gaze_rng_below (rng, (guint32) i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
}

/* The forward pass's loss is checked before anything is updated, so that a
 * diverging batch leaves the parameters (and the checkpoint) as they were. */
static gboolean
trainer_step (Trainer *tr, const GazeDecoderBatch *batch, float lr, int epoch, double *loss,
              GError **error)
{
  *loss = _gaze_decoder_forward (tr->dec, tr->work, batch, &tr->opt);
  if (!isfinite (*loss))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA,
                   "training diverged (loss %g) in epoch %d; try a lower --lr", *loss, epoch + 1);
      return FALSE;
    }
  memset (tr->grads, 0, sizeof (float) * tr->dec->n_params);
  _gaze_decoder_backward (tr->dec, tr->work, &tr->opt, tr->grads);
  float norm = _gaze_clip_grad_norm (tr->grads, tr->dec->n_params, tr->c->clip);
  if (!isfinite (norm))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA,
                   "training diverged (gradient norm %g) in epoch %d; try a lower --lr", norm,
                   epoch + 1);
      return FALSE;
    }
  _gaze_adam_update (tr->adam, tr->dec->params, tr->grads, lr);
  return TRUE;
}

/* Maximum likelihood: the training captions in a random order, batch_size a batch. */
static gboolean
trainer_epoch_xe (Trainer *tr, int epoch, GazeTrainStatus *status, GazeTrainProgressFunc progress,
                  gpointer user_data, GError **error)
{
  const int B = tr->c->batch_size, n = tr->set.n;
  const float lr = _gaze_decayed_lr (tr->c->lr, tr->c->lr_decay, epoch);
  const float own_words = _gaze_scheduled_sampling_prob (tr->c->scheduled_sampling, epoch);
  const gint64 t0 = g_get_monotonic_time ();
  train_set_toss_mirror_coins (&tr->set, tr->c->seed, epoch);
  shuffle (&tr->rng, tr->order, n);
  status->n_batches = (n + B - 1) / B;
  double loss_sum = 0.0;
  gint64 tokens = 0;
  for (gint64 b = 0; b < status->n_batches; b++)
    {
      const int start = (int) (b * B), m = MIN (B, n - start);
      GazeDecoderBatch batch;
      batch_make (&batch, &tr->bb, &tr->set, tr->order + start, m, tr->cells, tr->channels);
      if (own_words > 0.0f)
        {
          /* Some inputs become the words a teacher-forced pass would have fed itself. */
          _gaze_decoder_forward (tr->dec, tr->work, &batch, &tr->opt);
          _gaze_decoder_work_sample_inputs (tr->dec, tr->work, &batch, own_words, &tr->rng,
                                            tr->ss_inputs);
          batch.inputs = tr->ss_inputs;
        }
      double loss;
      if (!trainer_step (tr, &batch, lr, epoch, &loss, error))
        return FALSE;
      loss_sum += loss;
      tokens += _gaze_decoder_work_n_tokens (tr->work);
      status->batch = b + 1;
      status->loss = loss_sum / (double) (b + 1);
      status->train_seconds = (g_get_monotonic_time () - t0) * 1e-6;
      status->tokens_per_s = tokens / MAX (status->train_seconds, 1e-9);
      if (progress != NULL && !progress (status, user_data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "training cancelled");
          return FALSE;
        }
    }
  return TRUE;
}

/* The words of a sampled token row as the normalised caption text. */
static char *
sample_text (const GazeVocab *vocab, const int *row, int length, gboolean *ended)
{
  *ended = row[length] == GAZE_TOKEN_END;
  const int n_words = *ended ? length - 1 : length;
  GString *s = g_string_new (NULL);
  for (int t = 1; t <= n_words; t++)
    {
      if (t > 1)
        g_string_append_c (s, ' ');
      g_string_append (s, gaze_vocab_get_word (vocab, row[t]));
    }
  return g_string_free (s, FALSE);
}

/* A caption of training image i as its references, which describe the photo
 * unmirrored, would say it: text itself, or its mirror image when this epoch
 * shows the photo mirrored.  Takes text. */
static char *
train_set_reference_side (const TrainSet *s, int i, char *text)
{
  if (!train_set_is_mirrored (s, i))
    return text;
  char *swapped = gaze_text_mirror (text);
  g_free (text);
  return swapped;
}

/* log p(c|a) of the first n sampled captions, each under the photo that
 * samples.image gives it, into log_p (samples order); the soft context for a
 * hard model (s̃ = α), no dropout. */
static void
score_samples (Trainer *tr, int n, int *sorted, double *log_p)
{
  for (int r = 0; r < n; r++)
    sorted[r] = r;
  GazeDecoderBatch batch;
  batch_make (&batch, &tr->bb, &tr->samples, sorted, n, tr->cells, tr->channels);
  GazeDecoderOptions score = { .attention = tr->model->attention, .expected_prob = 1.0f,
                               .rng = &tr->rng };
  _gaze_decoder_forward (tr->dec, tr->work, &batch, &score);
  for (int k = 0; k < n; k++)
    log_p[tr->bb.keys[k].index] = _gaze_decoder_work_log_py (tr->work, k);
}

/* Self-critical sequence training (Rennie et al. 2017): for each photo,
 * scst_samples captions w^s drawn from the model and its greedy caption ŵ;
 * with the CIDEr-D reward r (the end of the caption counted as a word), the
 * loss −Σ_s (r(w^s) − b) log p(w^s) has the REINFORCE gradient of the
 * expected reward for any baseline b that does not depend on w^s:
 *   greedy: b = r(ŵ), samples better than what the model would say are made
 *           more likely, worse ones less (Rennie et al.);
 *   mean:   b = the mean reward of the photo's other samples (Luo 2020, "a
 *           better variant of self-critical sequence training"): the
 *           advantages of a photo's samples are centred, so fewer of them
 *           push down at once.
 * A hard model's sample is the pair (w^s, s): its cells are drawn too,
 * s_t ~ Multinoulli(α_t), and the loss is −Σ_s (r − b) log p(w^s, s), so the
 * cells that led to a good caption become more likely with its words.
 * Mixed in, a reference caption's cells are drawn in the training pass, and
 * it is trained by the variational bound of maximum likelihood (section 4.1),
 * weighted scst_mix.
 * Self-retrieval (scst_retrieval = γ; after Luo et al. 2018, "Discriminability
 * objective for training descriptive captions", with the captioner as its own
 * retrieval model): r += γ (log p(w^s|a_i) − log p(w^s|a_j)) / steps, where
 * a_j is the next photo of the shuffled batch, the same for all of photo i's
 * samples so that the mean baseline cancels which photo it was.
 * The samples come from the policy being trained: the deep output's dropout
 * is off, and dropout on the annotations (annotation_dropout) draws one mask
 * a photo for the batch, under which its captions are both sampled and
 * trained, the references mixed in too. The greedy caption is the model's
 * own, without it. */
static gboolean
trainer_epoch_scst (Trainer *tr, int epoch, GazeTrainStatus *status,
                    GazeTrainProgressFunc progress, gpointer user_data, GError **error)
{
  const GazeTrainConfig *c = tr->c;
  const int K = c->scst_samples, U = scst_batch_images (c), n_images = tr->set.n_images;
  const int stride = tr->set.stride;
  const gsize grid = (gsize) tr->cells * tr->channels;
  const float lr = _gaze_decayed_lr (c->lr, c->lr_decay, epoch);
  const gint64 t0 = g_get_monotonic_time ();
  GazePool *pool = _gaze_decoder_work_get_pool (tr->work);
  float *grids = g_new (float, (gsize) U * grid);
  int *sorted = g_new (int, (gsize) U * (K + tr->max_refs));
  double *own = g_new (double, (gsize) U * K), *other = g_new (double, (gsize) U * K);
  train_set_toss_mirror_coins (&tr->set, c->seed, epoch);
  shuffle (&tr->rng, tr->order, n_images);
  status->n_batches = (n_images + U - 1) / U;
  double reward_sum = 0.0, greedy_sum = 0.0;
  gint64 tokens = 0, n_samples = 0, n_greedy = 0;
  gboolean ok = TRUE;
  for (gint64 b = 0; ok && b < status->n_batches; b++)
    {
      const int start = (int) (b * U), u = MIN (U, n_images - start), n = u * K;
      for (int i = 0; i < u; i++)
        {
          const int image = tr->order[start + i];
          tr->samples.grids[i] = train_set_grid (&tr->set, image);
          memcpy (grids + i * grid, tr->samples.grids[i], sizeof (float) * grid);
        }
      /* The greedy caption's reward: the baseline, or (with the mean
       * baseline) a measure of how the model's own caption fares. */
      GazeCaption **greedy = _gaze_caption_batch_in_pool (tr->model, grids, u, 1, pool, error);
      if (greedy == NULL)
        {
          ok = FALSE;
          break;
        }
      double baseline[U];
      for (int i = 0; i < u; i++)
        {
          const int image = tr->order[start + i];
          g_autofree char *text = train_set_reference_side (
            &tr->set, image, gaze_beam_to_string (&greedy[i]->beams[0]));
          baseline[i] = gaze_cider_scorer_score (tr->cider, image, text, TRUE);
          greedy_sum += baseline[i];
          n_greedy++;
          gaze_caption_free (greedy[i]);
        }
      g_free (greedy);
      const gsize amask = (gsize) tr->cells * tr->dec->sizes.squeeze;
      if (tr->sample_amask != NULL)
        _gaze_annotation_dropout_mask (tr->sample_amask, u, tr->cells, tr->dec->sizes.squeeze,
                                       c->annotation_dropout, c->annotation_dropout_by_channel,
                                       &tr->rng);
      _gaze_sample_captions_masked (tr->model, pool, grids, tr->sample_amask, u, K, &tr->rng,
                                    stride, tr->samples.tokens, tr->samples.lengths,
                                    tr->sample_cells);
      for (int r = 0; r < n; r++)
        {
          const int i = r / K, image = tr->order[start + i];
          gboolean ended;
          g_autofree char *text = train_set_reference_side (
            &tr->set, image, sample_text (tr->model->vocab, tr->samples.tokens + (gsize) r * stride,
                                          tr->samples.lengths[r], &ended));
          double reward = gaze_cider_scorer_score (tr->cider, image, text, ended);
          tr->advantage[r] = (float) reward;
          tr->samples.image[r] = i;
          reward_sum += reward;
          n_samples++;
          sorted[r] = r;
        }
      if (c->scst_retrieval > 0.0f && u >= 2)
        {
          score_samples (tr, n, sorted, own);
          for (int r = 0; r < n; r++)
            tr->samples.image[r] = (r / K + 1) % u;
          score_samples (tr, n, sorted, other);
          for (int r = 0; r < n; r++)
            {
              tr->samples.image[r] = r / K;
              tr->advantage[r] += c->scst_retrieval * (float) ((own[r] - other[r])
                                                               / tr->samples.lengths[r]);
            }
        }
      for (int i = 0; i < u; i++)
        {
          float *rw = tr->advantage + (gsize) i * K;
          double sum = 0.0;
          for (int k = 0; k < K; k++)
            sum += rw[k];
          for (int k = 0; k < K; k++)
            rw[k] -= c->scst_baseline == GAZE_SCST_BASELINE_MEAN
                       ? (float) ((sum - rw[k]) / (K - 1)) : (float) baseline[i];
        }
      /* The mixed objective: the photos' references, each −log p weighted scst_mix. */
      int rows = n;
      for (int i = 0; tr->refs != NULL && i < u; i++)
        {
          const int image = tr->order[start + i];
          for (int j = tr->ref_first[image]; j < tr->ref_first[image + 1]; j++, rows++)
            {
              const int caption = tr->refs[j];
              train_set_copy_tokens (&tr->set, caption, tr->samples.tokens + (gsize) rows * stride);
              tr->samples.lengths[rows] = tr->set.lengths[caption];
              tr->samples.image[rows] = i;
              tr->advantage[rows] = c->scst_mix;
              sorted[rows] = rows;
            }
        }
      tr->samples.n = rows;
      tr->samples.n_images = u;
      GazeDecoderBatch batch;
      batch_make (&batch, &tr->bb, &tr->samples, sorted, rows, tr->cells, tr->channels);
      /* batch_make numbers the images in the order their first row comes. */
      for (int k = 0, next_slot = 0; k < rows; k++)
        {
          const int r = tr->bb.keys[k].index;
          if (tr->batch_amask != NULL && tr->bb.img[k] == next_slot)
            memcpy (tr->batch_amask + (gsize) next_slot++ * amask,
                    tr->sample_amask + (gsize) tr->samples.image[r] * amask,
                    sizeof (float) * amask);
          tr->row_weight[k] = tr->advantage[r];
          if (tr->forced_cells != NULL && r < n)
            memcpy (tr->forced_cells + (gsize) k * stride, tr->sample_cells + (gsize) r * stride,
                    sizeof (int) * stride);
          else if (tr->forced_cells != NULL)
            for (int t = 0; t < stride; t++)
              tr->forced_cells[(gsize) k * stride + t] = -1;
        }
      tr->opt.annotation_mask = tr->batch_amask;
      double loss;
      ok = trainer_step (tr, &batch, lr, epoch, &loss, error);
      tr->opt.annotation_mask = NULL;
      tokens += _gaze_decoder_work_n_tokens (tr->work);
      status->batch = b + 1;
      status->loss = greedy_sum / MAX (n_greedy, 1); /* the mean reward of the greedy captions */
      status->reward = reward_sum / MAX (n_samples, 1);
      status->train_seconds = (g_get_monotonic_time () - t0) * 1e-6;
      status->tokens_per_s = tokens / MAX (status->train_seconds, 1e-9);
      if (ok && progress != NULL && !progress (status, user_data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "training cancelled");
          ok = FALSE;
        }
    }
  g_free (grids);
  g_free (sorted);
  g_free (own);
  g_free (other);
  return ok;
}

/* Dev evaluation, the best model by dev BLEU-4, and the checkpoint. */
static gboolean
trainer_end_epoch (Trainer *tr, int epoch, GazeTrainStatus *status, GazeScores *scores,
                   gboolean *improved, GError **error)
{
  const GazeTrainConfig *c = tr->c;
  GazeEvaluation eval;
  GazeEvalOptions eval_options;
  gaze_eval_options_init (&eval_options);
  eval_options.beam = c->eval_beam;
  eval_options.n_threads = c->n_threads;
  gint64 e0 = g_get_monotonic_time ();
  /* Dev is scored on raw grids, by the model as it is written. */
  trainer_fold (tr);
  if (!gaze_model_evaluate (tr->model, &tr->dev, gaze_feature_cache_read_grid,
                            (gpointer) tr->cache, &eval_options, NULL, NULL, &eval, error))
    {
      trainer_unfold (tr);
      return FALSE;
    }
  gaze_evaluation_clear (&eval);
  *scores = eval.scores;
  status->eval_seconds = (g_get_monotonic_time () - e0) * 1e-6;
  GazeTrainProgress *p = &tr->prog;
  p->epoch = epoch + 1;
  *improved = scores->bleu[3] > p->best_bleu4;
  if (*improved)
    {
      p->best_bleu4 = scores->bleu[3];
      p->best_epoch = epoch + 1;
      p->bad_epochs = 0;
      record_scores (tr->model, scores, c->eval_beam, epoch + 1);
      char wall[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (wall, sizeof wall, "%.0f", p->wall_time);
      gaze_model_set_meta (tr->model, "training.wall_time_s", wall);
      g_autofree char *e = g_strdup_printf ("%d", epoch + 1);
      gaze_model_set_meta (tr->model, "training.epochs", e);
      if (!gaze_model_save (tr->model, tr->out_path, error))
        {
          trainer_unfold (tr);
          return FALSE;
        }
    }
  else
    p->bad_epochs++;
  trainer_unfold (tr);
  return _gaze_checkpoint_write (tr->ckpt, tr->model, tr->adam, &tr->rng, p, error);
}

gboolean
gaze_train (const GazeTrainConfig *config, const GazeDataset *train_full,
            const GazeDataset *dev_full, const GazeFeatureCache *cache, const char *out_path,
            GazeTrainProgressFunc progress, GazeTrainEpochFunc on_epoch, gpointer user_data,
            GError **error)
{
  Trainer tr;
  gboolean ok = trainer_init (&tr, config, train_full, dev_full, cache, out_path, error);
  for (int epoch = tr.prog.epoch; ok && epoch < config->epochs; epoch++)
    {
      if (tr.prog.best_epoch > 0 && tr.prog.bad_epochs >= config->patience)
        break;
      GazeTrainStatus status = { .epoch = epoch + 1, .n_epochs = config->epochs };
      const gint64 t0 = g_get_monotonic_time ();
      ok = config->scst ? trainer_epoch_scst (&tr, epoch, &status, progress, user_data, error)
                        : trainer_epoch_xe (&tr, epoch, &status, progress, user_data, error);
      if (!ok)
        break;
      tr.prog.baseline = tr.opt.baseline;
      tr.prog.wall_time += (g_get_monotonic_time () - t0) * 1e-6;
      GazeScores scores;
      gboolean improved;
      ok = trainer_end_epoch (&tr, epoch, &status, &scores, &improved, error);
      if (ok && on_epoch != NULL)
        on_epoch (&status, &scores, improved, user_data);
    }
  trainer_clear (&tr);
  return ok;
}
