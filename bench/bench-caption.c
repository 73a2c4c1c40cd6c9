/* bench-caption — caption latency per photo: encoding (resize + the TFLite
 * CNN) and decoding (beam search), medians over the photos given, each
 * captioned RUNS times after one warm-up.
 *   bench-caption MODEL ENCODER BEAM RUNS PHOTO… */
#include <stdio.h>
#include <stdlib.h>

#include "bench-util.h"
#include "gaze-train.h"

int
main (int argc, char **argv)
{
  if (argc < 6)
    {
      fprintf (stderr, "usage: bench-caption MODEL ENCODER BEAM RUNS PHOTO…\n");
      return 2;
    }
  GError *error = NULL;
  g_autoptr (GazeModel) model = gaze_model_load (argv[1], &error);
  g_autoptr (GazeEncoder) encoder = model ? gaze_encoder_load (argv[2], &error) : NULL;
  if (encoder == NULL || !gaze_model_check_encoder (model, encoder, &error))
    {
      fprintf (stderr, "bench-caption: %s\n", error->message);
      return 1;
    }
  int beam = atoi (argv[3]), runs = MAX (atoi (argv[4]), 1), n_photos = argc - 5;
  int cells = gaze_encoder_get_grid_size (encoder) * gaze_encoder_get_grid_size (encoder);
  g_autofree float *grid = g_new (float, (gsize) cells * gaze_encoder_get_channels (encoder));
  double *enc = g_new (double, (gsize) runs * n_photos);
  double *dec = g_new (double, (gsize) runs * n_photos);
  int n = 0;
  for (int p = 0; p < n_photos; p++)
    {
      g_autoptr (GazeImage) image = gaze_image_load (argv[5 + p], &error);
      if (image == NULL)
        {
          fprintf (stderr, "bench-caption: %s\n", error->message);
          return 1;
        }
      for (int r = -1; r < runs; r++)
        {
          gint64 t0 = g_get_monotonic_time ();
          if (!gaze_encoder_encode_image (encoder, image, grid, NULL, &error))
            {
              fprintf (stderr, "bench-caption: %s\n", error->message);
              return 1;
            }
          gint64 t1 = g_get_monotonic_time ();
          GazeCaption *caption = gaze_model_caption (model, grid, beam, NULL, &error);
          gint64 t2 = g_get_monotonic_time ();
          if (caption == NULL)
            {
              fprintf (stderr, "bench-caption: %s\n", error->message);
              return 1;
            }
          gaze_caption_free (caption);
          if (r >= 0)
            {
              enc[n] = (t1 - t0) / 1e3;
              dec[n] = (t2 - t1) / 1e3;
              n++;
            }
        }
    }
  bench_sort_doubles (enc, n);
  bench_sort_doubles (dec, n);
  printf ("caption latency per photo (median of %d): encode %.1f ms + decode (beam %d) %.1f ms "
          "= %.1f ms\n", n, enc[n / 2], beam, dec[n / 2], enc[n / 2] + dec[n / 2]);
  g_free (enc);
  g_free (dec);
  return 0;
}
