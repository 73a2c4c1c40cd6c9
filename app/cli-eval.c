/* cli-eval.c — gaze-cli eval: caption a split and score it as the COCO
 * caption evaluation does.
 *
 *   gaze-cli eval [--model FILE] [--encoder FILE] --images DIR
 *                 --captions TOKENFILE --split-file IDS [--beam K]
 *                 [--out results.json [--force]] [--cache FILE]
 *
 * Grids come from the feature cache when it was built from the same images
 * folder by the model's encoder (see gaze-cli features), else the photos are
 * encoded here.  Besides the scores it prints two measures of whether the
 * attention is "alive" rather than a constant blur, as the engine computes
 * them per caption (gaze_beam_attention_stats), averaged over all words:
 *   - the mean peak α: the largest of a word's 49 weights (1/49 ≈ 0.02 for
 *     uniform attention, 1 for a single cell);
 *   - the mean total-variation distance between consecutive words' maps,
 *     ½ Σ_i |α_t,i − α_t−1,i| (0 when every word looks at the same place). */
#include "config.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>

#include "cli-json.h"
#include "cli-progress.h"
#include "gaze-cli.h"
#include "gaze-paths.h"
#include "gaze-train.h"

/* Photos captioned as one batch: enough to keep both cores busy on the
 * batched beam search, small enough for the grids to stay in a few MB. */
#define EVAL_CHUNK 50

typedef struct {
  double peak_sum;
  gint64 n_words;
  double tv_sum;
  gint64 n_pairs;
  double beta_sum;
} AttentionStats;

/* Adds beam's words: its means, weighted by its words (peak, β) and by its
 * pairs of consecutive words (change), so that the totals average over all
 * words of the split. */
static void
attention_add (AttentionStats *stats, const GazeBeam *beam, int n_cells)
{
  float mean_peak, mean_change;
  gaze_beam_attention_stats (beam, n_cells, &mean_peak, &mean_change);
  stats->peak_sum += (double) mean_peak * beam->n_words;
  stats->tv_sum += (double) mean_change * MAX (beam->n_words - 1, 0);
  stats->n_words += beam->n_words;
  stats->n_pairs += MAX (beam->n_words - 1, 0);
  for (int t = 0; t < beam->n_words; t++)
    stats->beta_sum += beam->words[t].beta;
}

/* [{"image_id": "...", "caption": "..."}, …], the COCO results format,
 * written atomically. */
static gboolean
write_results (const char *path, const GazeDataset *ds, char **captions, GError **error)
{
  return gaze_json_write_results (path, ds->n_images, ds->image_ids, NULL, captions, error);
}

/* The feature cache at path if it holds this encoder's grids of images_dir. */
static GazeFeatureCache *
open_matching_cache (const char *path, const GazeEncoder *encoder, const char *images_dir)
{
  GazeFeatureCache *cache = gaze_feature_cache_load (path, gaze_encoder_get_sha256 (encoder), NULL);
  g_autofree char *abs_dir = g_canonicalize_filename (images_dir, NULL);
  if (cache != NULL && strcmp (gaze_feature_cache_get_images_dir (cache), abs_dir) != 0)
    g_clear_pointer (&cache, gaze_feature_cache_free);
  return cache;
}

/* The grid of image id into grid: copied from the cache, else encoded. */
static gboolean
load_grid (const GazeFeatureCache *cache, const GazeEncoder *encoder, const char *images_dir,
           const char *id, float *grid, gsize grid_floats, GError **error)
{
  const float *cached = cache ? gaze_feature_cache_lookup (cache, id) : NULL;
  if (cached != NULL)
    {
      memcpy (grid, cached, grid_floats * sizeof (float));
      return TRUE;
    }
  g_autofree char *name = g_strconcat (id, ".jpg", NULL);
  g_autofree char *path = g_build_filename (images_dir, name, NULL);
  g_autoptr (GazeImage) image = gaze_image_load (path, error);
  return image != NULL && gaze_encoder_encode_image (encoder, image, grid, NULL, error);
}

/* Captions photos [start, start + count) of ds into captions, adding their
 * attention to stats; grids has room for count grids. */
static gboolean
caption_chunk (const GazeModel *model, const GazeDataset *ds, int start, int count,
               const GazeFeatureCache *cache, const GazeEncoder *encoder, const char *images_dir,
               int beam, float *grids, gsize grid_floats, char **captions,
               AttentionStats *stats, GError **error)
{
  for (int j = 0; j < count; j++)
    if (!load_grid (cache, encoder, images_dir, ds->image_ids[start + j], grids + j * grid_floats,
                    grid_floats, error))
      return FALSE;
  /* The batch runs on its own threads; OpenBLAS's would only compete. */
  int n_threads = openblas_get_num_threads ();
  openblas_set_num_threads (1);
  GazeCaption **batch = gaze_model_caption_batch (model, grids, count, beam, n_threads, NULL,
                                                  error);
  openblas_set_num_threads (n_threads);
  if (batch == NULL)
    return FALSE;
  for (int j = 0; j < count; j++)
    {
      g_autofree char *words = gaze_beam_to_string (&batch[j]->beams[0]);
      captions[start + j] = gaze_text_normalize (words);
      attention_add (stats, &batch[j]->beams[0], batch[j]->n_cells);
      gaze_caption_free (batch[j]);
    }
  g_free (batch);
  return TRUE;
}

int
gaze_cli_eval (int argc, char **argv)
{
  g_autofree char *model_path = NULL, *encoder_path = NULL, *images_dir = NULL;
  g_autofree char *token_file = NULL, *split_file = NULL, *out_path = NULL, *cache_path = NULL;
  int beam = 3;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
      "The decoder model (default: the installed one)", "FILE" },
    { "encoder", 0, 0, G_OPTION_ARG_FILENAME, &encoder_path,
      "The TFLite encoder (default: the model's)", "FILE" },
    { "images", 0, 0, G_OPTION_ARG_FILENAME, &images_dir, "The folder of photos", "DIR" },
    { "captions", 0, 0, G_OPTION_ARG_FILENAME, &token_file,
      "The reference captions (Flickr8k.token.txt)", "TOKENFILE" },
    { "split-file", 0, 0, G_OPTION_ARG_FILENAME, &split_file,
      "The photos to caption, one file name a line", "IDS" },
    { "beam", 0, 0, G_OPTION_ARG_INT, &beam, "Beam width (1: greedy; default 3)", "K" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_path,
      "Write the captions as COCO results JSON", "FILE" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, "Replace the --out file if it exists", NULL },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &cache_path,
      "The feature cache to read grids from (default: the encoder's)", "FILE" },
    G_OPTION_ENTRY_NULL,
  };
  if (!gaze_cli_parse_options ("eval", "— caption a split and score it", entries, FALSE, &argc,
                               &argv))
    return 1;
  GError *error = NULL;
  if (images_dir == NULL || token_file == NULL || split_file == NULL)
    return gaze_cli_fail ("eval: --images, --captions and --split-file are required "
                          "(try 'gaze-cli eval --help')");
  if (out_path != NULL && !force && g_file_test (out_path, G_FILE_TEST_EXISTS))
    return gaze_cli_fail ("%s: already exists (add --force to replace it)", out_path);

  if (model_path == NULL && (model_path = gaze_paths_default_model ()) == NULL)
    return gaze_cli_fail ("eval: no model found (give one with --model)");
  g_autoptr (GazeModel) model = gaze_model_load (model_path, &error);
  if (model == NULL)
    return gaze_cli_fail_error (error);
  if (encoder_path == NULL)
    encoder_path = gaze_cli_encoder_path (gaze_model_get_encoder_name (model));
  g_autoptr (GazeEncoder) encoder = gaze_encoder_load (encoder_path, &error);
  if (encoder == NULL || !gaze_model_check_encoder (model, encoder, &error))
    return gaze_cli_fail_error (error);
  g_autoptr (GazeDataset) ds = gaze_dataset_load (images_dir, token_file, split_file, &error);
  if (ds == NULL)
    return gaze_cli_fail_error (error);

  if (cache_path == NULL)
    cache_path = gaze_feature_cache_default_path (encoder);
  g_autoptr (GazeFeatureCache) cache = open_matching_cache (cache_path, encoder, images_dir);
  fprintf (stderr, "eval: %d photos, grids %s\n", ds->n_images,
           cache ? "from the feature cache" : "encoded now (no matching feature cache)");

  int grid_size = gaze_encoder_get_grid_size (encoder);
  int n_cells = grid_size * grid_size;
  gsize grid_floats = (gsize) n_cells * gaze_encoder_get_channels (encoder);
  g_autofree float *grids = g_new (float, (gsize) EVAL_CHUNK * grid_floats);
  char **captions = g_new0 (char *, ds->n_images + 1);
  AttentionStats stats = { 0 };
  gint64 start_us = g_get_monotonic_time ();
  gboolean ok = TRUE;
  GazeCliProgress *bar = gaze_cli_progress_new ("captioning", ds->n_images);
  for (int start = 0; start < ds->n_images && ok; start += EVAL_CHUNK)
    {
      int count = MIN (EVAL_CHUNK, ds->n_images - start);
      ok = caption_chunk (model, ds, start, count, cache, encoder, images_dir, beam, grids,
                          grid_floats, captions, &stats, &error);
      double seconds = (g_get_monotonic_time () - start_us) / 1e6;
      g_autofree char *detail = g_strdup_printf ("%.1f photos/s", (start + count) / seconds);
      gaze_cli_progress_update (bar, start + count, ok ? detail : NULL);
    }
  gaze_cli_progress_finish (bar);
  if (!ok)
    {
      g_strfreev (captions);
      return gaze_cli_fail_error (error);
    }

  GazeScores scores;
  gaze_metrics_score (ds->n_images, (const char *const *) captions, ds->captions, &scores);
  printf ("model    %s (encoder %s, beam %d)\n", model_path, gaze_encoder_get_name (encoder), beam);
  printf ("split    %s: %d photos; %d caption lines or ids skipped (their photos do not exist)\n",
          split_file, ds->n_images, ds->n_skipped);
  printf ("BLEU-1 %.1f  BLEU-2 %.1f  BLEU-3 %.1f  BLEU-4 %.1f\n", 100 * scores.bleu[0],
          100 * scores.bleu[1], 100 * scores.bleu[2], 100 * scores.bleu[3]);
  printf ("CIDEr-D %.3f  ROUGE-L %.1f  METEOR ", scores.cider_d, 100 * scores.rouge_l);
  if (scores.meteor >= 0)
    printf ("%.1f\n", 100 * scores.meteor);
  else
    printf ("n/a (needs WordNet and paraphrase tables to match the COCO numbers)\n");
  printf ("attention: mean peak α %.3f (uniform: %.3f), mean TV distance between "
          "consecutive words' α %.3f, mean β %.3f\n",
          stats.n_words ? stats.peak_sum / stats.n_words : 0.0, 1.0 / n_cells,
          stats.n_pairs ? stats.tv_sum / stats.n_pairs : 0.0,
          stats.n_words ? stats.beta_sum / stats.n_words : 0.0);

  int status = 0;
  if (out_path != NULL)
    {
      if (!write_results (out_path, ds, captions, &error))
        status = gaze_cli_fail_error (error);
      else
        printf ("results  %s\n", out_path);
    }
  g_strfreev (captions);
  return status;
}
