/* cli-average.c — gaze-cli average: one decoder whose weights are the mean of
 * several models' (weight averaging: the epochs of one run, or runs
 * fine-tuned from one model at other seeds), for gaze-cli eval to score.
 *
 *   gaze-cli average --out OUT.gzm [--force] MODEL.gzm MODEL.gzm…
 *
 * A training checkpoint (MODEL.gzm.ckpt) is a model file too, so the epochs
 * of a run can be averaged from the checkpoints kept along the way. */
#include "config.h"

#include <stdio.h>

#include "gaze-cli.h"
#include "gaze-train.h"

static void
models_free (GPtrArray *models)
{
  for (guint i = 0; i < models->len; i++)
    gaze_model_free (g_ptr_array_index (models, i));
  g_ptr_array_free (models, TRUE);
}

int
gaze_cli_average (int argc, char **argv)
{
  g_autofree char *command = gaze_cli_command_line (argc, argv);
  g_autofree char *out = NULL;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Where to write the averaged model", "OUT.gzm" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, "Overwrite an existing OUT.gzm", NULL },
    { NULL },
  };
  if (!gaze_cli_parse_options ("average", "MODEL.gzm MODEL.gzm… — average decoders' weights",
                               entries, TRUE, &argc, &argv))
    return 1;
  if (out == NULL)
    return gaze_cli_fail ("average: --out OUT.gzm is required");
  if (argc < 3)
    return gaze_cli_fail ("average: give at least two models to average");
  if (!force && g_file_test (out, G_FILE_TEST_EXISTS))
    return gaze_cli_fail ("average: %s exists; use --force to overwrite it", out);

  GPtrArray *models = g_ptr_array_new ();
  for (int i = 1; i < argc; i++)
    {
      GError *error = NULL;
      GazeModel *model = gaze_model_load (argv[i], &error);
      if (model == NULL)
        {
          models_free (models);
          return gaze_cli_fail_error (error);
        }
      g_ptr_array_add (models, model);
    }
  GError *error = NULL;
  GazeModel *mean = gaze_model_average ((const GazeModel *const *) models->pdata,
                                        (int) models->len, &error);
  int n = (int) models->len;
  models_free (models);
  if (mean == NULL)
    return gaze_cli_fail_error (error);
  gaze_model_set_meta (mean, "training.average.command", command);
  gboolean saved = gaze_model_save (mean, out, &error);
  gaze_model_free (mean);
  if (!saved)
    return gaze_cli_fail_error (error);
  printf ("%s: the mean of %d models\n", out, n);
  return 0;
}
