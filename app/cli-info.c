/* cli-info.c — gaze-cli info: what a decoder model is, how it was trained and
 * how it scored, read from its metadata.
 *
 *   gaze-cli info [MODEL.gzm...]      (default: the installed models) */
#include "config.h"

#include <stdio.h>

#include "gaze-cli.h"
#include "gaze-paths.h"
#include "gaze-train.h"

static void
print_meta (const GazeModel *model, const char *label, const char *key)
{
  const char *value = gaze_model_get_meta (model, key);
  if (value != NULL)
    printf ("  %-16s %s\n", label, value);
}

static int
print_model (const char *path)
{
  GError *error = NULL;
  g_autoptr (GazeModel) model = gaze_model_load (path, &error);
  if (model == NULL)
    return gaze_cli_fail_error (error);

  printf ("%s\n", path);
  printf ("  %-16s %s\n", "attention", gaze_model_get_attention (model) == GAZE_ATTENTION_HARD
                                          ? "hard (stochastic, section 4.1)"
                                          : "soft (deterministic, section 4.2)");
  printf ("  %-16s %s (sha256 %s)\n", "encoder", gaze_model_get_encoder_name (model),
          gaze_model_get_encoder_sha256 (model));
  printf ("  %-16s %d words\n", "vocabulary", gaze_vocab_get_size (gaze_model_get_vocab (model)));
  print_meta (model, "command", "training.command");
  print_meta (model, "epochs", "training.epochs");
  print_meta (model, "best epoch", "training.best_epoch");
  print_meta (model, "wall time (s)", "training.wall_time_s");
  /* A fine-tuned model: the run it started from (gaze-cli train --init). */
  print_meta (model, "started from", "training.init.command");
  print_meta (model, "  its epochs", "training.init.epochs");
  print_meta (model, "  its time (s)", "training.init.wall_time_s");
  /* A weight average (gaze-cli average): the lines above are its first model's. */
  print_meta (model, "averaged by", "training.average.command");

  const char *bleu[] = { "dev.bleu1", "dev.bleu2", "dev.bleu3", "dev.bleu4" };
  if (gaze_model_get_meta (model, bleu[3]) != NULL)
    {
      printf ("  %-16s", "dev scores");
      for (gsize i = 0; i < G_N_ELEMENTS (bleu); i++)
        printf (" BLEU-%zu %.1f", i + 1, 100.0 * g_ascii_strtod (gaze_model_get_meta (model, bleu[i]), NULL));
      const char *cider = gaze_model_get_meta (model, "dev.cider_d");
      const char *rouge = gaze_model_get_meta (model, "dev.rouge_l");
      const char *beam = gaze_model_get_meta (model, "dev.beam");
      printf (" CIDEr-D %s ROUGE-L %.1f (beam %s)\n", cider != NULL ? cider : "?",
              rouge != NULL ? 100.0 * g_ascii_strtod (rouge, NULL) : 0.0, beam != NULL ? beam : "?");
    }

  const char *hyper = gaze_model_get_meta (model, "hyperparameters");
  if (hyper != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (hyper, "\n", -1);
      g_autofree char *joined = g_strjoinv (" ", lines);
      printf ("  %-16s %s\n", "hyperparameters", g_strstrip (joined));
    }
  return 0;
}

int
gaze_cli_info (int argc, char **argv)
{
  GOptionEntry entries[] = { G_OPTION_ENTRY_NULL };
  if (!gaze_cli_parse_options ("info", "[MODEL.gzm…] — describe decoder models", entries, TRUE,
                               &argc, &argv))
    return 1;

  g_auto (GStrv) installed = argc > 1 ? NULL : gaze_paths_list_models ();
  char **paths = argc > 1 ? argv + 1 : installed;
  if (paths[0] == NULL)
    return gaze_cli_fail ("info: no model is installed (looked in %s)", GAZE_PKGDATADIR "/models");
  int status = 0;
  for (char **p = paths; *p != NULL; p++)
    status |= print_model (*p);
  return status;
}
