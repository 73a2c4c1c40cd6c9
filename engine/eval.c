/* eval.c — captioning a split and scoring it: the one loop that the trainer's
 * dev evaluation and gaze-cli eval share.
 *
 * Photos are captioned EVAL_CHUNK at a time, the beams of a chunk batched
 * into one decoder step (gaze_model_caption_batch).  Besides the COCO scores
 * (metrics.c) it measures what Gaze is for, the attention:
 *   - liveness: the mean peak α and the mean change of α between consecutive
 *     words (gaze_beam_attention_stats), averaged over every word of the split;
 *   - faithfulness (optional): the drop in log p(word) for removing the top-3
 *     α cells against 3 random ones (evidence.c);
 *   - grounding (optional): whether α lies on the cells whose occlusion in
 *     the photo lowers the word's probability most (evidence.c);
 *   - the number of distinct words in the captions, since a captioner that
 *     says "a man in a blue shirt" of every photo also scores passably. */
#include "model.h"

#define EVAL_CHUNK 50 /* photos captioned together */

void
gaze_eval_options_init (GazeEvalOptions *options)
{
  *options = (GazeEvalOptions) { .beam = 3, .n_threads = 1, .seed = 1 };
}

gboolean
gaze_feature_cache_read_grid (const char *image_id, float *grid, gpointer cache,
                              GError **error)
{
  const GazeFeatureCache *c = cache;
  const float *cached = gaze_feature_cache_lookup (c, image_id);
  if (cached == NULL)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA, "image %s is not in the feature cache",
                   image_id);
      return FALSE;
    }
  memcpy (grid, cached,
          sizeof (float) * gaze_feature_cache_get_n_cells (c) * gaze_feature_cache_get_channels (c));
  return TRUE;
}

typedef struct {
  double peak_sum, change_sum, beta_sum;
  gint64 n_words, n_pairs;
} Tally;

/* Adds beam's words: its liveness means weighted by its words (peak, β) and
 * by its pairs of consecutive words (change), so that the totals average
 * over every word of the split. */
static void
tally_add (Tally *tally, const GazeBeam *beam, int n_cells)
{
  float mean_peak, mean_change;
  gaze_beam_attention_stats (beam, n_cells, &mean_peak, &mean_change);
  tally->peak_sum += (double) mean_peak * beam->n_words;
  tally->change_sum += (double) mean_change * MAX (beam->n_words - 1, 0);
  tally->n_words += beam->n_words;
  tally->n_pairs += MAX (beam->n_words - 1, 0);
  for (int t = 0; t < beam->n_words; t++)
    tally->beta_sum += beam->words[t].beta;
}

/* The distinct words of the captions, and how many words a caption has on
 * average (self-critical training tends to shorten captions). */
static void
count_words (char **captions, int *distinct, double *mean_length)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 n_words = 0, n_captions = 0;
  for (char **c = captions; *c != NULL; c++, n_captions++)
    {
      g_auto (GStrv) words = g_strsplit (*c, " ", -1);
      for (char **w = words; *w != NULL; w++)
        if (**w != '\0')
          {
            g_hash_table_add (seen, g_strdup (*w));
            n_words++;
          }
    }
  *distinct = (int) g_hash_table_size (seen);
  *mean_length = n_captions > 0 ? (double) n_words / (double) n_captions : 0.0;
}

/* Occludes image_id's photo cell by cell for beam, its caption, and adds
 * its words to acc. */
static gboolean
add_grounding (const GazeModel *model, const GazeEvalOptions *options, const char *image_id,
               GazeBeam *beam, GazeGrounding *acc, GError **error)
{
  g_autoptr (GazeImage) image = options->get_image (image_id, options->image_data, error);
  if (image == NULL || !gaze_model_occlusion (model, options->grounding_encoder, image, beam,
                                              NULL, NULL, NULL, error))
    return FALSE;
  gaze_grounding_add (acc, beam);
  return TRUE;
}

gboolean
gaze_model_evaluate (const GazeModel *model, const GazeDataset *dataset, GazeGridFunc get_grid,
                     gpointer grid_data, const GazeEvalOptions *options,
                     GazeProgressFunc progress, gpointer user_data, GazeEvaluation *result,
                     GError **error)
{
  g_return_val_if_fail (model != NULL && dataset != NULL && get_grid != NULL, FALSE);
  g_return_val_if_fail (options != NULL && result != NULL, FALSE);
  g_return_val_if_fail (options->grounding_encoder == NULL || options->get_image != NULL, FALSE);
  memset (result, 0, sizeof *result);
  const int n = dataset->n_images, L = model->dec->sizes.cells;
  if (n < 1)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA, "no photos to evaluate");
      return FALSE;
    }
  if (options->grounding_encoder != NULL
      && !gaze_model_check_encoder (model, options->grounding_encoder, error))
    return FALSE;
  const gsize grid_size = (gsize) L * model->dec->sizes.channels;
  if (options->grounding_encoder != NULL)
    gaze_grounding_init (&result->grounding, L);
  char **captions = g_new0 (char *, n + 1);
  float *grids = g_new (float, EVAL_CHUNK * grid_size);
  GazePool *pool = options->n_threads > 1 ? _gaze_pool_new (options->n_threads) : NULL;
  Tally tally = { 0 };
  gboolean ok = TRUE;
  for (int start = 0; ok && start < n; start += EVAL_CHUNK)
    {
      const int m = MIN (EVAL_CHUNK, n - start);
      for (int i = 0; ok && i < m; i++)
        ok = get_grid (dataset->image_ids[start + i], grids + i * grid_size, grid_data, error);
      GazeCaption **batch = ok ? _gaze_caption_batch_in_pool (model, grids, m, options->beam, pool,
                                                        error)
                               : NULL;
      if (batch == NULL)
        {
          ok = FALSE;
          break;
        }
      const GazeBeam *beams[EVAL_CHUNK];
      for (int i = 0; i < m; i++)
        {
          beams[i] = &batch[i]->beams[0];
          g_autofree char *words = gaze_beam_to_string (beams[i]);
          captions[start + i] = gaze_text_normalize (words);
          tally_add (&tally, beams[i], L);
        }
      if (options->faithfulness)
        ok = gaze_model_faithfulness (model, grids, m, beams, options->seed + (guint64) start,
                                      options->n_threads, &result->faith, error);
      for (int i = 0; ok && options->grounding_encoder != NULL && i < m; i++)
        ok = add_grounding (model, options, dataset->image_ids[start + i], &batch[i]->beams[0],
                            &result->grounding, error);
      for (int i = 0; i < m; i++)
        gaze_caption_free (batch[i]);
      g_free (batch);
      if (ok && progress != NULL && !progress (start + m, n, user_data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "evaluation cancelled");
          ok = FALSE;
        }
    }
  if (pool != NULL)
    _gaze_pool_free (pool);
  g_free (grids);
  if (!ok)
    {
      g_strfreev (captions);
      gaze_evaluation_clear (result);
      memset (result, 0, sizeof *result);
      return FALSE;
    }
  gaze_metrics_score (n, (const char *const *) captions, dataset->captions, &result->scores);
  result->mean_peak = tally.n_words ? tally.peak_sum / tally.n_words : 0.0;
  result->mean_change = tally.n_pairs ? tally.change_sum / tally.n_pairs : 0.0;
  result->mean_beta = tally.n_words ? tally.beta_sum / tally.n_words : 0.0;
  result->faithfulness = options->faithfulness ? gaze_faithfulness_ratio (&result->faith) : NAN;
  count_words (captions, &result->distinct_words, &result->mean_length);
  result->captions = captions;
  return TRUE;
}

void
gaze_evaluation_clear (GazeEvaluation *result)
{
  g_clear_pointer (&result->captions, g_strfreev);
  gaze_grounding_clear (&result->grounding);
}
