/* cli-classify.c — gaze-cli classify: the top-5 ImageNet labels of photos,
 * from the encoder's own classification head. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli-json.h"
#include "gaze-cli.h"
#include "gaze-paths.h"
#include "gaze.h"

#define TOP 5

/* $GAZE_SHARED_DIR/models/imagenet_labels.txt, else ../shared beside the source. */
static char *
default_labels (void)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  if (shared != NULL && *shared != '\0')
    return g_build_filename (shared, "models", "imagenet_labels.txt", NULL);
  return g_build_filename (GAZE_SOURCE_DIR, "..", "shared", "models", "imagenet_labels.txt",
                           NULL);
}

static char **
read_labels (const char *path, int *n_labels, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s", local->message);
      return NULL;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s: labels are not UTF-8 text", path);
      return NULL;
    }
  g_strchomp (text);
  char **labels = g_strsplit (text, "\n", -1);
  for (char **l = labels; *l != NULL; l++)
    g_strstrip (*l);
  *n_labels = (int) g_strv_length (labels);
  return labels;
}

/* The indices of the TOP largest probabilities, largest first. */
static void
top_indices (const float *probs, int n, int *top, int k)
{
  for (int j = 0; j < k; j++)
    top[j] = -1;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < k; j++)
      if (top[j] < 0 || probs[i] > probs[top[j]])
        {
          memmove (top + j + 1, top + j, sizeof (int) * (k - j - 1));
          top[j] = i;
          break;
        }
}

int
gaze_cli_classify (int argc, char **argv)
{
  g_autofree char *encoder_path = NULL, *labels_path = NULL;
  gboolean json = FALSE;
  g_auto (GStrv) photos = NULL;
  GOptionEntry entries[] = {
    { "encoder", 0, 0, G_OPTION_ARG_FILENAME, &encoder_path, "The TFLite encoder", "FILE" },
    { "labels", 0, 0, G_OPTION_ARG_FILENAME, &labels_path, "The class labels, one a line",
      "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object a photo", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &photos, NULL, "PHOTO…" },
    { NULL },
  };
  /* The photos are G_OPTION_REMAINING's: no argument is left over. */
  if (!gaze_cli_parse_options ("classify", "PHOTO… — the top-5 labels", entries, FALSE, &argc,
                               &argv))
    return 1;
  GError *error = NULL;
  if (photos == NULL || photos[0] == NULL)
    return gaze_cli_fail ("classify: no photo given (try 'gaze-cli classify --help')");

  gboolean default_encoder = encoder_path == NULL;
  if (default_encoder
      && (encoder_path = gaze_paths_resolve_encoder (GAZE_DEFAULT_ENCODER, &error)) == NULL)
    return gaze_cli_fail_error (error);
  if (labels_path == NULL)
    labels_path = default_labels ();
  g_autoptr (GazeEncoder) encoder = gaze_encoder_load (encoder_path, &error);
  if (encoder == NULL && default_encoder && g_error_matches (error, GAZE_ERROR, GAZE_ERROR_IO))
    g_prefix_error (&error, "no encoder (run gaze-fetch-encoder, or set GAZE_ENCODER): ");
  if (encoder == NULL)
    return gaze_cli_fail_error (error);
  int n_labels = 0;
  g_auto (GStrv) labels = read_labels (labels_path, &n_labels, &error);
  if (labels == NULL)
    return gaze_cli_fail_error (error);
  int n_classes = gaze_encoder_get_n_classes (encoder);
  if (n_labels != n_classes)
    return gaze_cli_fail ("%s: %d labels for the %d classes of %s", labels_path, n_labels,
                          n_classes, encoder_path);

  g_autofree float *probs = g_new (float, n_classes);
  int status = 0;
  for (char **photo = photos; *photo != NULL; photo++)
    {
      g_autoptr (GazeImage) image = gaze_image_load (*photo, &error);
      if (image == NULL || !gaze_encoder_encode_image (encoder, image, NULL, probs, &error))
        {
          /* The other photos are still classified; the exit status says one failed. */
          status = gaze_cli_fail_error (error);
          error = NULL;
          continue;
        }
      int top[TOP];
      int k = MIN (TOP, n_classes);
      top_indices (probs, n_classes, top, k);
      g_autoptr (GString) out = g_string_new (NULL);
      if (json)
        {
          g_string_append (out, "{\"photo\": ");
          gaze_json_append_string (out, *photo);
          g_string_append (out, ", \"top5\": [");
          for (int j = 0; j < k; j++)
            {
              g_string_append_printf (out, "%s{\"index\": %d, \"label\": ", j ? ", " : "", top[j]);
              gaze_json_append_string (out, labels[top[j]]);
              g_string_append (out, ", \"prob\": ");
              gaze_json_append_float (out, probs[top[j]]);
              g_string_append_c (out, '}');
            }
          g_string_append (out, "]}\n");
        }
      else
        {
          g_string_append_printf (out, "%s\n", *photo);
          for (int j = 0; j < k; j++)
            g_string_append_printf (out, "  %.4f  %s\n", probs[top[j]], labels[top[j]]);
        }
      fputs (out->str, stdout);
      fflush (stdout);
    }
  return status;
}
