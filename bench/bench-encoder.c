/* bench-encoder — times gaze_encoder_forward: one image, batch 1.
 *
 *   bench-encoder ENCODER.tflite [RUNS]
 *
 * Prints the median and the minimum in milliseconds, the multiply-adds of the
 * graph (MobileNetV2 1.0/224: about 0.3 G) and the GFLOP/s reached at the
 * median (2 FLOPs a multiply-add).  Threads: OPENBLAS_NUM_THREADS, set by
 * bench/encoder.sh.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench-util.h"
#include "gaze.h"
#include "tflite.h"

/* The graph's multiply-adds, as the reader counts them. */
static double
count_macs (const char *path)
{
  g_autofree char *data = NULL;
  gsize size;
  if (!g_file_get_contents (path, &data, &size, NULL))
    return 0;
  g_autoptr (TfliteGraph) graph = _gaze_tflite_graph_new ((const guint8 *) data, size, path, NULL);
  return graph != NULL ? graph->macs : 0;
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-encoder ENCODER.tflite [RUNS]\n");
      return 2;
    }
  int runs = argc > 2 ? atoi (argv[2]) : 30;
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
  double macs = count_macs (argv[1]);
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
  bench_sort_doubles (ms, runs);
  double median = runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
  printf ("median_ms %.3f min_ms %.3f gmacs %.4f gflops %.1f openblas_core %s\n", median, ms[0],
          macs / 1e9, 2 * macs / (median / 1000.0) / 1e9, openblas_get_corename ());
  return 0;
}
