/* bench-caption — the whole path per photo, as a user meets it: reading the
 * file (decoding the JPEG), resizing it to the encoder's input, encoding it
 * (the TFLite CNN) and decoding the caption (beam search); medians over the
 * photos given, each captioned RUNS times after one warm-up.  THREADS: the
 * encoder's threads (0: as many as OpenBLAS is set to use).
 *   bench-caption MODEL ENCODER BEAM RUNS [--threads N] PHOTO… */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-util.h"
#include "gaze-train.h"

static double
median_ms (double *v, int n)
{
  bench_sort_doubles (v, n);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main (int argc, char **argv)
{
  if (argc < 6)
    {
      fprintf (stderr, "usage: bench-caption MODEL ENCODER BEAM RUNS [--threads N] PHOTO…\n");
      return 2;
    }
  int first = 5, threads = 0;
  if (argc > 7 && strcmp (argv[5], "--threads") == 0)
    {
      threads = atoi (argv[6]);
      first = 7;
    }
  GError *error = NULL;
  g_autoptr (GazeModel) model = gaze_model_load (argv[1], &error);
  g_autoptr (GazeEncoder) encoder
      = model ? gaze_encoder_load_with_threads (argv[2], threads, &error) : NULL;
  if (encoder == NULL || !gaze_model_check_encoder (model, encoder, &error))
    {
      fprintf (stderr, "bench-caption: %s\n", error->message);
      return 1;
    }
  int beam = atoi (argv[3]), runs = MAX (atoi (argv[4]), 1), n_photos = argc - first;
  int size = gaze_encoder_get_input_size (encoder);
  int cells = gaze_encoder_get_grid_size (encoder) * gaze_encoder_get_grid_size (encoder);
  g_autofree float *grid = g_new (float, (gsize) cells * gaze_encoder_get_channels (encoder));
  g_autofree guint8 *rgb = g_malloc ((gsize) size * size * 3);
  gsize n_max = (gsize) runs * MAX (n_photos, 1);
  g_autofree double *load = g_new (double, n_max), *resize = g_new (double, n_max);
  g_autofree double *enc = g_new (double, n_max), *dec = g_new (double, n_max);
  g_autofree double *total = g_new (double, n_max);
  int n = 0;
  for (int p = 0; p < n_photos; p++)
    for (int r = -1; r < runs; r++)
      {
        gint64 t0 = g_get_monotonic_time ();
        g_autoptr (GazeImage) image = gaze_image_load (argv[first + p], &error);
        if (image == NULL)
          {
            fprintf (stderr, "bench-caption: %s\n", error->message);
            return 1;
          }
        gint64 t1 = g_get_monotonic_time ();
        gaze_image_resize (image, size, size, rgb);
        gint64 t2 = g_get_monotonic_time ();
        if (!gaze_encoder_forward (encoder, rgb, grid, NULL, &error))
          {
            fprintf (stderr, "bench-caption: %s\n", error->message);
            return 1;
          }
        gint64 t3 = g_get_monotonic_time ();
        GazeCaption *caption = gaze_model_caption (model, grid, beam, NULL, &error);
        gint64 t4 = g_get_monotonic_time ();
        if (caption == NULL)
          {
            fprintf (stderr, "bench-caption: %s\n", error->message);
            return 1;
          }
        gaze_caption_free (caption);
        if (r >= 0)
          {
            load[n] = (t1 - t0) / 1e3;
            resize[n] = (t2 - t1) / 1e3;
            enc[n] = (t3 - t2) / 1e3;
            dec[n] = (t4 - t3) / 1e3;
            total[n] = (t4 - t0) / 1e3;
            n++;
          }
      }
  printf ("per photo (medians of %d, %d encoder threads): read and decode the file %.1f ms, resize "
          "%.1f ms, encode %.1f ms, caption (beam %d) %.1f ms; whole path %.1f ms\n",
          n, gaze_encoder_get_n_threads (encoder), median_ms (load, n), median_ms (resize, n),
          median_ms (enc, n), beam, median_ms (dec, n), median_ms (total, n));
  return 0;
}
