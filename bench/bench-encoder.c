/* bench-encoder — times gaze_encoder_forward: one image, batch 1.
 *
 *   bench-encoder ENCODER.tflite [RUNS [THREADS]]
 *   bench-encoder --sgemm-peak
 *
 * Prints the median and the minimum in milliseconds, the multiply-adds of the
 * graph (MobileNetV2 1.0/224: about 0.3 G) and the GFLOP/s reached at the
 * median (2 FLOPs a multiply-add).  THREADS: the encoder's threads (default:
 * as many as OpenBLAS is set to use, OPENBLAS_NUM_THREADS, which
 * bench/encoder.sh sets to the same number).  --sgemm-peak prints the best
 * GFLOP/s of a large square cblas_sgemm, on OpenBLAS's threads: what the
 * machine's cores can do at all.
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

/* The best of 5 products of 2048² matrices (17 GFLOP each). */
static double
sgemm_peak (void)
{
  const int n = 2048;
  g_autofree float *a = g_new (float, (gsize) n * n), *b = g_new (float, (gsize) n * n);
  g_autofree float *c = g_new (float, (gsize) n * n);
  for (gsize i = 0; i < (gsize) n * n; i++)
    a[i] = b[i] = (float) (i % 7) / 7.0f;
  double best = 0;
  for (int r = 0; r < 6; r++)
    {
      gint64 start = g_get_monotonic_time ();
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c,
                   n);
      double s = (g_get_monotonic_time () - start) / 1e6;
      if (r > 0) /* the first one warms up */
        best = MAX (best, 2.0 * n * n * (double) n / s / 1e9);
    }
  return best;
}

int
main (int argc, char **argv)
{
  if (argc == 2 && g_strcmp0 (argv[1], "--sgemm-peak") == 0)
    {
      printf ("sgemm_peak_gflops %.1f threads %d openblas_core %s\n", sgemm_peak (),
              openblas_get_num_threads (), openblas_get_corename ());
      return 0;
    }
  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-encoder ENCODER.tflite [RUNS [THREADS]]\n");
      return 2;
    }
  int runs = argc > 2 ? atoi (argv[2]) : 30;
  if (runs < 1)
    runs = 1;
  int threads = argc > 3 ? atoi (argv[3]) : 0;
  GError *error = NULL;
  g_autoptr (GazeEncoder) encoder = gaze_encoder_load_with_threads (argv[1], threads, &error);
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
  printf ("median_ms %.3f min_ms %.3f gmacs %.4f gflops %.1f threads %d openblas_core %s\n",
          median, ms[0], macs / 1e9, 2 * macs / (median / 1000.0) / 1e9,
          gaze_encoder_get_n_threads (encoder), openblas_get_corename ());
  return 0;
}
