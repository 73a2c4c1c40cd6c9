/* cli-train.c — gaze-cli train: train the decoder on Flickr8k.
 *
 *   gaze-cli train [--encoder FILE] [--images DIR] [--captions FILE]
 *                  [--train-split FILE] [--dev-split FILE] [--cache FILE]
 *                  [--dataset FILE.json [--dev-dataset FILE.json]]
 *                  --out MODEL.gzm [--epochs N] [--batch N] [--lr X] [--seed N]
 *                  [--resume] [--force] [--attention soft|hard]
 *                  [--embed N --hidden N --attn N] [--max-train N] [--max-dev N]
 *
 * The encoder grids come from the feature cache (built on first use).  Every
 * epoch writes MODEL.gzm.ckpt; after a kill, the same command with --resume
 * continues from it.  The best model by dev BLEU-4 is written to MODEL.gzm. */
#include "config.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>

#include "cli-dataset.h"
#include "cli-progress.h"
#include "gaze-cli.h"
#include "gaze-paths.h"
#include "gaze-train.h"

typedef struct {
  GazeCliProgress *bar;
  int epoch;
  gint64 start;
} TrainView;

static gboolean
on_encoding (gint64 done, gint64 total, gpointer data)
{
  TrainView *view = data;
  if (view->bar == NULL)
    view->bar = gaze_cli_progress_new ("encoding photos", total);
  gaze_cli_progress_update (view->bar, done, NULL);
  return TRUE;
}

static gboolean
on_batch (const GazeTrainStatus *s, gpointer data)
{
  TrainView *view = data;
  if (view->bar == NULL || view->epoch != s->epoch)
    {
      g_clear_pointer (&view->bar, gaze_cli_progress_finish);
      g_autofree char *label = g_strdup_printf ("epoch %d/%d", s->epoch, s->n_epochs);
      view->bar = gaze_cli_progress_new (label, s->n_batches);
      view->epoch = s->epoch;
    }
  g_autofree char *detail
    = s->reward != 0.0 ? g_strdup_printf ("reward %.3f (greedy %.3f)  %.0f tok/s", s->reward,
                                          s->loss, s->tokens_per_s)
                       : g_strdup_printf ("loss %.3f  %.0f tok/s", s->loss, s->tokens_per_s);
  gaze_cli_progress_update (view->bar, s->batch, detail);
  if (s->batch == s->n_batches)
    {
      /* The epoch's batches are done; the dev evaluation follows. */
      g_clear_pointer (&view->bar, gaze_cli_progress_finish);
      fprintf (stderr, "epoch %d: evaluating on dev…\n", s->epoch);
    }
  return TRUE;
}

static void
on_epoch (const GazeTrainStatus *s, const GazeScores *dev, gboolean improved, gpointer data)
{
  g_autofree char *train = s->reward != 0.0
    ? g_strdup_printf ("train reward %.4f (greedy %.4f)", s->reward, s->loss)
    : g_strdup_printf ("train loss %.4f", s->loss);
  printf ("epoch %d: %s, %.0f tok/s (%.0f s, dev evaluation %.0f s); "
          "dev BLEU-1..4 %.1f %.1f %.1f %.1f, CIDEr-D %.3f, ROUGE-L %.3f%s\n",
          s->epoch, train, s->tokens_per_s, s->train_seconds, s->eval_seconds,
          100 * dev->bleu[0], 100 * dev->bleu[1],
          100 * dev->bleu[2], 100 * dev->bleu[3], dev->cider_d, dev->rouge_l,
          improved ? "  (best: saved)" : "");
  fflush (stdout);
}

int
gaze_cli_train (int argc, char **argv)
{
  g_autofree char *command = gaze_cli_command_line (argc, argv);
  GazeTrainConfig config;
  gaze_train_config_init (&config);
  g_autofree char *encoder_path = NULL, *images_dir = NULL, *captions = NULL;
  g_autofree char *train_split = NULL, *dev_split = NULL, *cache_path = NULL, *out = NULL;
  g_autofree char *attention = NULL, *init_path = NULL, *dataset = NULL, *dev_dataset = NULL;
  gboolean scst = FALSE;
  g_autofree char *baseline = NULL;
  double lr = config.lr, lr_decay = config.lr_decay, dropout = config.dropout;
  double smoothing = config.label_smoothing, mix = config.scst_mix;
  double scheduled = config.scheduled_sampling;
  double annotation_dropout = config.annotation_dropout;
  double retrieval = config.scst_retrieval;
  double lambda = config.lambda, entropy = config.entropy_weight, clip = config.clip;
  double reinforce = config.reinforce_weight;
  gint64 seed = (gint64) config.seed;
  gboolean resume = FALSE, force = FALSE, mirror = FALSE, normalise_grid = FALSE;
  gboolean annotation_channels = FALSE, centre_grid = FALSE;
  GOptionEntry entries[] = {
    { "encoder", 0, 0, G_OPTION_ARG_FILENAME, &encoder_path, "The TFLite encoder", "FILE" },
    { "images", 0, 0, G_OPTION_ARG_FILENAME, &images_dir, "The Flickr8k photos", "DIR" },
    { "captions", 0, 0, G_OPTION_ARG_FILENAME, &captions, "Flickr8k.token.txt", "FILE" },
    { "train-split", 0, 0, G_OPTION_ARG_FILENAME, &train_split, "Training image ids", "FILE" },
    { "dev-split", 0, 0, G_OPTION_ARG_FILENAME, &dev_split, "Dev image ids", "FILE" },
    { "dataset", 0, 0, G_OPTION_ARG_FILENAME, &dataset,
      "A Karpathy split or COCO captions JSON file, instead of --captions and the splits",
      "FILE" },
    { "dev-dataset", 0, 0, G_OPTION_ARG_FILENAME, &dev_dataset,
      "With a COCO --dataset: the dev photos' captions JSON", "FILE" },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &cache_path, "The feature cache", "FILE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Where to write the best model", "MODEL.gzm" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &config.epochs, "At most N epochs (20)", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &config.batch_size, "Captions per batch (64)", "N" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &lr, "Adam's learning rate (0.001)", "X" },
    { "lr-decay", 0, 0, G_OPTION_ARG_DOUBLE, &lr_decay,
      "Learning rate × X after every epoch (0.8)", "X" },
    { "dropout", 0, 0, G_OPTION_ARG_DOUBLE, &dropout,
      "Dropout before the deep output's L_o (0.5)", "P" },
    { "annotation-dropout", 0, 0, G_OPTION_ARG_DOUBLE, &annotation_dropout,
      "Dropout on the annotation vectors, after the squeeze (0)", "P" },
    { "annotation-dropout-channels", 0, 0, G_OPTION_ARG_NONE, &annotation_channels,
      "Annotation dropout drops whole channels, alike at every cell of a photo", NULL },
    { "label-smoothing", 0, 0, G_OPTION_ARG_DOUBLE, &smoothing,
      "Label smoothing of the word targets, 0 for none (0)", "EPS" },
    { "scheduled-sampling", 0, 0, G_OPTION_ARG_DOUBLE, &scheduled,
      "Feed in the model's own word instead of the reference's with probability P, rising "
      "from 0 in the first epoch to P in the fifth (0)", "P" },
    { "lambda", 0, 0, G_OPTION_ARG_DOUBLE, &lambda,
      "Weight of the doubly stochastic attention penalty (1)", "X" },
    { "clip", 0, 0, G_OPTION_ARG_DOUBLE, &clip, "Gradient norm limit, 0 for none (5)", "X" },
    { "entropy", 0, 0, G_OPTION_ARG_DOUBLE, &entropy,
      "Hard attention: weight of the entropy term (0.01)", "X" },
    { "reinforce", 0, 0, G_OPTION_ARG_DOUBLE, &reinforce,
      "Hard attention: weight of the REINFORCE term (1)", "X" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (1)", "N" },
    { "resume", 0, 0, G_OPTION_ARG_NONE, &resume, "Continue from MODEL.gzm.ckpt", NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, "Overwrite an existing MODEL.gzm", NULL },
    { "attention", 0, 0, G_OPTION_ARG_STRING, &attention,
      "soft (default; with --init, its kind) or hard", "KIND" },
    { "embed", 0, 0, G_OPTION_ARG_INT, &config.embed_dim, "Embedding size (256)", "N" },
    { "hidden", 0, 0, G_OPTION_ARG_INT, &config.hidden_dim, "LSTM size (512)", "N" },
    { "attn", 0, 0, G_OPTION_ARG_INT, &config.attn_dim, "Attention size (256)", "N" },
    { "patience", 0, 0, G_OPTION_ARG_INT, &config.patience,
      "Stop after N epochs without a better dev BLEU-4 (3)", "N" },
    { "eval-beam", 0, 0, G_OPTION_ARG_INT, &config.eval_beam,
      "Beam width of the dev evaluation (3)", "K" },
    { "max-train", 0, 0, G_OPTION_ARG_INT, &config.max_train,
      "Use only the first N training photos (quick runs)", "N" },
    { "max-dev", 0, 0, G_OPTION_ARG_INT, &config.max_dev,
      "Score only the first N dev photos (quick runs)", "N" },
    { "init", 0, 0, G_OPTION_ARG_FILENAME, &init_path,
      "Start from this model's parameters and vocabulary", "MODEL.gzm" },
    { "scst", 0, 0, G_OPTION_ARG_NONE, &scst,
      "Self-critical training from --init: CIDEr-D reward (a hard model's cells are sampled too)",
      NULL },
    { "samples", 0, 0, G_OPTION_ARG_INT, &config.scst_samples,
      "Self-critical training: captions sampled a photo (5)", "N" },
    { "mix", 0, 0, G_OPTION_ARG_DOUBLE, &mix,
      "Self-critical training: weight of the references' likelihood beside the reward (0)", "X" },
    { "retrieval", 0, 0, G_OPTION_ARG_DOUBLE, &retrieval,
      "Self-critical training: weight of the self-retrieval reward, how much better a sample "
      "fits its photo than another (0)", "X" },
    { "mirror", 0, 0, G_OPTION_ARG_NONE, &mirror,
      "Show each training photo mirrored left to right in half the epochs, at random, with "
      "left and right swapped in its captions", NULL },
    { "normalise-grid", 0, 0, G_OPTION_ARG_NONE, &normalise_grid,
      "Standardise each grid channel by its mean and deviation over the training photos "
      "before the squeeze (the model written holds it folded into the squeeze)", NULL },
    { "centre-grid", 0, 0, G_OPTION_ARG_NONE, &centre_grid,
      "Subtract each photo's mean over its cells from every cell of its grid before the squeeze "
      "(the model written does it on every photo)", NULL },
    { "baseline", 0, 0, G_OPTION_ARG_STRING, &baseline,
      "Self-critical training's baseline: greedy (default) or mean (of the other samples)",
      "KIND" },
    { NULL },
  };
  if (!gaze_cli_parse_options ("train", "— train the caption decoder", entries, FALSE, &argc,
                               &argv))
    return 1;
  GError *error = NULL;
  if (out == NULL)
    return gaze_cli_fail ("train: --out MODEL.gzm is required");
  if (attention != NULL && strcmp (attention, "soft") != 0 && strcmp (attention, "hard") != 0)
    return gaze_cli_fail ("train: --attention takes soft or hard, not '%s'", attention);
  if (config.epochs < 1 || config.epochs > 1000 || config.batch_size < 1
      || config.batch_size > 4096 || !(lr > 0.0 && lr < 1.0) || config.embed_dim < 1
      || config.embed_dim > 4096 || config.hidden_dim < 1 || config.hidden_dim > 4096
      || config.attn_dim < 1 || config.attn_dim > 4096 || config.max_train < 0
      || config.max_dev < 0 || config.patience < 1 || config.eval_beam < 1
      || config.eval_beam > 20 || seed < 0 || !(lr_decay > 0.0 && lr_decay <= 1.0)
      || !(dropout >= 0.0 && dropout < 1.0)
      || !(annotation_dropout >= 0.0 && annotation_dropout < 1.0)
      || !(smoothing >= 0.0 && smoothing < 1.0) || !(scheduled >= 0.0 && scheduled <= 1.0)
      || !(mix >= 0.0 && mix <= 100.0) || !(retrieval >= 0.0 && retrieval <= 100.0)
      || !(lambda >= 0.0 && lambda <= 100.0)
      || !(clip >= 0.0) || !(entropy >= 0.0 && entropy <= 10.0))
    return gaze_cli_fail ("train: an option is out of range (see gaze-cli train --help)");
  if (scst && scheduled > 0.0)
    return gaze_cli_fail ("train: --scheduled-sampling is for maximum-likelihood training, not "
                          "--scst");
  if (annotation_channels && annotation_dropout == 0.0)
    return gaze_cli_fail ("train: --annotation-dropout-channels needs --annotation-dropout P");
  config.lr = (float) lr;
  config.lr_decay = (float) lr_decay;
  config.dropout = (float) dropout;
  config.annotation_dropout = (float) annotation_dropout;
  config.annotation_dropout_by_channel = annotation_channels;
  config.label_smoothing = (float) smoothing;
  config.scheduled_sampling = (float) scheduled;
  config.scst_mix = (float) mix;
  config.scst_retrieval = (float) retrieval;
  config.lambda = (float) lambda;
  config.clip = (float) clip;
  config.entropy_weight = (float) entropy;
  config.reinforce_weight = (float) reinforce;
  config.seed = (guint64) seed;
  config.resume = resume;
  config.normalise_grid = normalise_grid;
  config.centre_grid = centre_grid;
  if (centre_grid && normalise_grid)
    return gaze_cli_fail ("train: --centre-grid and --normalise-grid do not combine: choose one");
  config.attention = attention != NULL && strcmp (attention, "hard") == 0 ? GAZE_ATTENTION_HARD
                                                                           : GAZE_ATTENTION_SOFT;
  config.command = command;
  config.scst = scst;
  if (scst && init_path == NULL)
    return gaze_cli_fail ("train: --scst fine-tunes a trained model: give it with --init");
  if (scst && (config.scst_samples < 1 || config.scst_samples > config.batch_size))
    return gaze_cli_fail ("train: --samples must be 1..the batch size");
  if (baseline != NULL && strcmp (baseline, "greedy") != 0 && strcmp (baseline, "mean") != 0)
    return gaze_cli_fail ("train: --baseline takes greedy or mean, not '%s'", baseline);
  config.scst_baseline = baseline != NULL && strcmp (baseline, "mean") == 0
                           ? GAZE_SCST_BASELINE_MEAN : GAZE_SCST_BASELINE_GREEDY;
  if (config.scst_baseline == GAZE_SCST_BASELINE_MEAN && config.scst_samples < 2)
    return gaze_cli_fail ("train: --baseline mean needs --samples 2 or more");
  if (mix > 0.0 && !scst)
    return gaze_cli_fail ("train: --mix weighs the references in self-critical training: add --scst");
  if (retrieval > 0.0 && !scst)
    return gaze_cli_fail ("train: --retrieval rewards self-critical samples: add --scst");
  if (retrieval > 0.0 && config.batch_size / config.scst_samples < 2)
    return gaze_cli_fail ("train: --retrieval compares a sample's photo with another: the batch "
                          "needs two photos (--batch at least twice --samples)");
  g_autoptr (GazeModel) init = NULL;
  if (init_path != NULL)
    {
      if ((init = gaze_model_load (init_path, &error)) == NULL)
        return gaze_cli_fail_error (error);
      config.init = init;
      /* Without --attention the run continues the model's own kind. */
      if (attention == NULL)
        config.attention = gaze_model_get_attention (init);
    }
  /* The decoder's pool does the threading; OpenBLAS runs single-threaded
   * slices inside it (set once, here). */
  config.n_threads = MAX (1, openblas_get_num_threads ());
  openblas_set_num_threads (1);

  g_autofree char *ckpt = g_strconcat (out, ".ckpt", NULL);
  if (resume && !g_file_test (ckpt, G_FILE_TEST_IS_REGULAR))
    return gaze_cli_fail ("train: %s: no checkpoint to resume from", ckpt);
  if (!resume && !force && g_file_test (out, G_FILE_TEST_EXISTS))
    return gaze_cli_fail ("train: %s exists; use --force to overwrite it or --resume to "
                          "continue its training", out);

  if (dataset != NULL && (captions != NULL || train_split != NULL || dev_split != NULL))
    return gaze_cli_fail ("train: --dataset replaces --captions, --train-split and --dev-split");
  if (dev_dataset != NULL && dataset == NULL)
    return gaze_cli_fail ("train: --dev-dataset goes with --dataset");
  if (images_dir == NULL)
    images_dir = gaze_cli_shared_path ("data/flickr8k/images");
  if (captions == NULL)
    captions = gaze_cli_shared_path ("data/flickr8k/Flickr8k.token.txt");
  if (train_split == NULL)
    train_split = gaze_cli_shared_path ("data/flickr8k/Flickr_8k.trainImages.txt");
  if (dev_split == NULL)
    dev_split = gaze_cli_shared_path ("data/flickr8k/Flickr_8k.devImages.txt");
  if (encoder_path == NULL)
    encoder_path = gaze_cli_encoder_path (GAZE_DEFAULT_ENCODER);

  g_autoptr (GazeEncoder) encoder = gaze_encoder_load (encoder_path, &error);
  if (encoder == NULL)
    return gaze_cli_fail_error (error);
  if (init != NULL && !gaze_model_check_encoder (init, encoder, &error))
    return gaze_cli_fail_error (error);
  config.encoder_name = gaze_encoder_get_name (encoder);
  config.encoder_sha256 = gaze_encoder_get_sha256 (encoder);
  if (cache_path == NULL)
    cache_path = gaze_feature_cache_default_path (encoder);

  g_autoptr (GazeDataset) train = NULL, dev = NULL;
  if (dataset != NULL)
    {
      if (!gaze_cli_load_json_datasets (dataset, dev_dataset, images_dir, config.min_count,
                                        config.max_train, &train, &dev, &error))
        return gaze_cli_fail_error (error);
    }
  else if ((train = gaze_dataset_load (images_dir, captions, train_split, &error)) == NULL
           || (dev = gaze_dataset_load (images_dir, captions, dev_split, &error)) == NULL)
    return gaze_cli_fail_error (error);
  if (dataset == NULL && (train->n_skipped > 0 || dev->n_skipped > 0)) /* --dataset says it */
    fprintf (stderr, "skipped %d caption lines or ids naming missing photos\n",
             train->n_skipped + dev->n_skipped);

  /* The cache is built only when missing or stale; only then a bar appears. */
  TrainView view = { 0 };
  g_autoptr (GazeFeatureCache) cache = gaze_feature_cache_open (cache_path, encoder, images_dir,
                                                                on_encoding, &view, &error);
  g_clear_pointer (&view.bar, gaze_cli_progress_finish);
  if (cache == NULL)
    return gaze_cli_fail_error (error);
  /* The mirrored grids have a cache of their own beside the plain one. */
  g_autofree char *mirrored_path = mirror ? gaze_feature_cache_mirrored_path (cache_path) : NULL;
  g_autoptr (GazeFeatureCache) mirrored = NULL;
  if (mirror)
    {
      mirrored = gaze_feature_cache_open_mirrored (mirrored_path, encoder, images_dir,
                                                   on_encoding, &view, &error);
      g_clear_pointer (&view.bar, gaze_cli_progress_finish);
      if (mirrored == NULL)
        return gaze_cli_fail_error (error);
      config.mirrored = mirrored;
    }

  printf ("training a %s-attention decoder on %d photos (dev %d), features %s\n",
          config.attention == GAZE_ATTENTION_HARD ? "hard" : "soft",
          config.max_train > 0 ? MIN (config.max_train, train->n_images) : train->n_images,
          config.max_dev > 0 ? MIN (config.max_dev, dev->n_images) : dev->n_images, cache_path);
  if (mirror)
    printf ("mirrored features %s\n", mirrored_path);
  fflush (stdout);
  view.start = g_get_monotonic_time ();
  gboolean ok = gaze_train (&config, train, dev, cache, out, on_batch, on_epoch, &view, &error);
  g_clear_pointer (&view.bar, gaze_cli_progress_finish);
  if (!ok)
    return gaze_cli_fail_error (error);
  printf ("best model: %s (%.0f s)\n", out, (g_get_monotonic_time () - view.start) / 1e6);
  return 0;
}
