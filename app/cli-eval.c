/* cli-eval.c — gaze-cli eval: caption a split and score it as the COCO
 * caption evaluation does.
 *
 *   gaze-cli eval [--model FILE] [--encoder FILE] --images DIR
 *                 --captions TOKENFILE --split-file IDS [--beam K]
 *                 [--out results.json [--force]] [--cache FILE] [--mirror]
 *                 [--grounding]
 *
 * Grids come from the feature cache when it was built from the same images
 * folder by the model's encoder (see gaze-cli features), else the photos are
 * encoded here.  Besides the scores it prints two measures of whether the
 * attention is "alive" rather than a constant blur, as the engine computes
 * them per caption (gaze_beam_attention_stats), averaged over all words:
 *   - the mean peak α: the largest of a word's 49 weights (1/49 ≈ 0.02 for
 *     uniform attention, 1 for a single cell);
 *   - the mean total-variation distance between consecutive words' maps,
 *     ½ Σ_i |α_t,i − α_t−1,i| (0 when every word looks at the same place);
 * and whether the words depend on where it looked, the faithfulness
 * (evidence.c), and how many distinct words the captions use.  With
 * --grounding it also occludes every photo cell by cell and prints how much
 * of each word's α lies on the cells whose greying costs the word most.  With
 * --mirror every photo is mirrored left to right first, and its references'
 * left and right swapped: a model that sees what is in a photo should score
 * about the same on its mirror image. */
#include "config.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>

#include "cli-json.h"
#include "cli-progress.h"
#include "gaze-cli.h"
#include "gaze-paths.h"
#include "gaze-train.h"

/* [{"image_id": "...", "caption": "..."}, …], the COCO results format,
 * written atomically. */
static gboolean
write_results (const char *path, const GazeDataset *ds, char **captions, GError **error)
{
  return gaze_json_write_results (path, ds->n_images, ds->image_ids, NULL, captions, error);
}

/* The feature cache at path if it holds this encoder's grids of images_dir
 * (mirrored: the grids of the photos mirrored left to right). */
static GazeFeatureCache *
open_matching_cache (const char *path, const GazeEncoder *encoder, gboolean mirrored,
                     const char *images_dir)
{
  const char *sha256 = gaze_encoder_get_sha256 (encoder);
  g_autofree char *id = mirrored ? gaze_feature_cache_mirrored_id (sha256) : g_strdup (sha256);
  GazeFeatureCache *cache = gaze_feature_cache_load (path, id, NULL);
  g_autofree char *abs_dir = g_canonicalize_filename (images_dir, NULL);
  if (cache != NULL && strcmp (gaze_feature_cache_get_images_dir (cache), abs_dir) != 0)
    g_clear_pointer (&cache, gaze_feature_cache_free);
  return cache;
}

typedef struct {
  const GazeFeatureCache *cache; /* may be NULL */
  gboolean mirror;               /* encode the photos mirrored left to right */
  const GazeEncoder *encoder;
  const char *images_dir;
  GazeCliProgress *bar;
  gint64 start_us;
} GridSource;

/* A GazeImageFunc: the photo of image id, mirrored if the evaluation is. */
static GazeImage *
load_image (const char *id, gpointer data, GError **error)
{
  const GridSource *src = data;
  g_autofree char *name = g_strconcat (id, ".jpg", NULL);
  g_autofree char *path = g_build_filename (src->images_dir, name, NULL);
  GazeImage *image = gaze_image_load (path, error);
  if (image != NULL && src->mirror)
    gaze_image_mirror (image);
  return image;
}

/* A GazeGridFunc: the grid of image id, from the cache, else encoded now. */
static gboolean
load_grid (const char *id, float *grid, gpointer data, GError **error)
{
  const GridSource *src = data;
  if (src->cache != NULL && gaze_feature_cache_lookup (src->cache, id) != NULL)
    return gaze_feature_cache_read_grid (id, grid, (gpointer) src->cache, error);
  g_autoptr (GazeImage) image = load_image (id, data, error);
  return image != NULL && gaze_encoder_encode_image (src->encoder, image, grid, NULL, error);
}

static void
print_grounding (const GazeGrounding *acc)
{
  GazeGroundingFigures f;
  gaze_grounding_figures (acc, &f);
  if (acc->n_words == 0)
    {
      printf ("grounding: no word depends on one part of the photo (greying no one cell "
              "lowered any of the %" G_GINT64_FORMAT " words by %g nats)\n",
              acc->n_skipped, GAZE_GROUNDING_MIN_DROP);
      return;
    }
  printf ("grounding: α mass %.3f on each word's %d cells of most occlusion evidence (the "
          "words' mean map: %.3f, uniform: %.3f); α peak on one of them %.3f (chance: %.3f); "
          "%" G_GINT64_FORMAT " words (%" G_GINT64_FORMAT " left out: greying no one cell "
          "lowered them by %g nats)\n",
          f.mass, GAZE_GROUNDING_TOP, f.mass_mean_map, f.mass_uniform, f.hit_rate, f.hit_chance,
          acc->n_words, acc->n_skipped, GAZE_GROUNDING_MIN_DROP);
}

static gboolean
on_progress (gint64 done, gint64 total, gpointer data)
{
  GridSource *src = data;
  double seconds = (g_get_monotonic_time () - src->start_us) / 1e6;
  g_autofree char *detail = g_strdup_printf ("%.1f photos/s", done / MAX (seconds, 1e-9));
  gaze_cli_progress_update (src->bar, done, detail);
  (void) total;
  return TRUE;
}

int
gaze_cli_eval (int argc, char **argv)
{
  g_autofree char *model_path = NULL, *encoder_path = NULL, *images_dir = NULL;
  g_autofree char *token_file = NULL, *split_file = NULL, *out_path = NULL, *cache_path = NULL;
  int beam = 3;
  gboolean force = FALSE, mirror = FALSE, grounding = FALSE;
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
    { "mirror", 0, 0, G_OPTION_ARG_NONE, &mirror,
      "Score the photos mirrored left to right, with left and right swapped in their captions",
      NULL },
    { "grounding", 0, 0, G_OPTION_ARG_NONE, &grounding,
      "Also measure whether α lies where greying the photo costs each word most (50 encodes "
      "a photo)", NULL },
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

  if (mirror)
    for (int i = 0; i < ds->n_images; i++)
      for (char **c = ds->captions[i]; *c != NULL; c++)
        {
          char *swapped = gaze_text_mirror (*c);
          g_free (*c);
          *c = swapped;
        }

  if (cache_path == NULL)
    cache_path = gaze_feature_cache_default_path (encoder);
  /* The mirrored grids, if training with --mirror left them beside the cache. */
  g_autofree char *mirrored_path = mirror ? gaze_feature_cache_mirrored_path (cache_path) : NULL;
  g_autoptr (GazeFeatureCache) cache = open_matching_cache (mirror ? mirrored_path : cache_path,
                                                            encoder, mirror, images_dir);
  fprintf (stderr, "eval: %d photos%s, grids %s\n", ds->n_images,
           mirror ? " mirrored left to right" : "",
           cache ? "from the feature cache" : "encoded now (no matching feature cache)");

  const int n_cells = gaze_encoder_get_grid_size (encoder) * gaze_encoder_get_grid_size (encoder);
  GazeEvalOptions options;
  gaze_eval_options_init (&options);
  options.beam = beam;
  options.faithfulness = TRUE;
  /* The decoder runs on its own threads, OpenBLAS on one (set once, here). */
  options.n_threads = openblas_get_num_threads ();
  openblas_set_num_threads (1);
  GridSource src = { cache, mirror, encoder, images_dir,
                     gaze_cli_progress_new ("captioning", ds->n_images), g_get_monotonic_time () };
  if (grounding)
    {
      options.grounding_encoder = encoder;
      options.get_image = load_image;
      options.image_data = &src;
    }
  GazeEvaluation eval;
  gboolean ok = gaze_model_evaluate (model, ds, load_grid, &src, &options, on_progress, &src,
                                     &eval, &error);
  gaze_cli_progress_finish (src.bar);
  if (!ok)
    return gaze_cli_fail_error (error);

  const GazeScores scores = eval.scores;
  printf ("model    %s (encoder %s, beam %d)\n", model_path, gaze_encoder_get_name (encoder), beam);
  if (mirror)
    printf ("photos   mirrored left to right, left and right swapped in their captions\n");
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
          eval.mean_peak, 1.0 / n_cells, eval.mean_change, eval.mean_beta);
  const double nw = MAX (eval.faith.n_words, 1);
  printf ("faithfulness %.2f (mean drop in log p(word) without the top-3 α cells %.4f; "
          "without 3 random cells %.4f, |drop| %.4f; signed ratio %.2f; %" G_GINT64_FORMAT
          " words)\n", eval.faithfulness, eval.faith.drop_top / nw, eval.faith.drop_random / nw,
          eval.faith.abs_drop_random / nw, gaze_faithfulness_signed_ratio (&eval.faith),
          eval.faith.n_words);
  if (grounding)
    print_grounding (&eval.grounding);
  printf ("vocabulary: %d distinct words in the %d captions, %.1f words a caption\n",
          eval.distinct_words, ds->n_images, eval.mean_length);

  int status = 0;
  if (out_path != NULL)
    {
      if (!write_results (out_path, ds, eval.captions, &error))
        status = gaze_cli_fail_error (error);
      else
        printf ("results  %s\n", out_path);
    }
  gaze_evaluation_clear (&eval);
  return status;
}
