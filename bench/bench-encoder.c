/* bench-encoder — times gaze_encoder_forward: one 224×224 image, batch 1.
 *
 *   bench-encoder ENCODER.tflite [RUNS]
 *
 * Prints the median and the minimum in milliseconds, and the GFLOP/s reached
 * (2 FLOPs a multiply-add; MobileNetV2 1.0/224 has about 0.3 G of them).
 * Threads: OMP_NUM_THREADS and OPENBLAS_NUM_THREADS, set by bench/encoder.sh.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gaze.h"

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-encoder ENCODER.tflite [RUNS] [MACS]\n");
      return 2;
    }
  int runs = argc > 2 ? atoi (argv[2]) : 30;
  double macs = argc > 3 ? atof (argv[3]) : 300e6;
  if (runs < 1)
    runs = 1;
  GError *error = NULL;
  g_autoptr (GazeEncoder) encoder = gaze_encoder_load (argv[1], &error);
  if (encoder == NULL)
    {
      fprintf (stderr, "bench-encoder: %s\n", error->message);
      g_error_free (error);
      return 1;
    }
  int size = gaze_encoder_get_input_size (encoder);
  g_autofree guint8 *rgb = g_malloc ((gsize) size * size * 3);
  for (int i = 0; i < size * size * 3; i++)
    rgb[i] = (guint8) ((i * 2654435761u) >> 24); /* any fixed, non-constant picture */
  g_autofree float *probs = g_new (float, gaze_encoder_get_n_classes (encoder));
  g_autofree double *ms = g_new (double, runs);
  for (int i = 0; i < 3; i++) /* warm-up */
    gaze_encoder_forward (encoder, rgb, NULL, probs, NULL);
  for (int i = 0; i < runs; i++)
    {
      gint64 start = g_get_monotonic_time ();
      gaze_encoder_forward (encoder, rgb, NULL, probs, NULL);
      ms[i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  qsort (ms, runs, sizeof (double), compare_doubles);
  double median = runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
  printf ("%.3f %.3f %.1f\n", median, ms[0], 2 * macs / (median / 1000.0) / 1e9);
  return 0;
}
