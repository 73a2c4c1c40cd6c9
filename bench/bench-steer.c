/* bench-steer.c — how long steering and evidence take, on the 12 photos of
 * ../shared/data/photos with one model (beam 3): a steered re-decode (look at
 * the centre 3 × 3 cells from word 2 on, word 1 kept), an evidence map
 * (gaze_model_evidence) and an occlusion map (gaze_model_occlusion: 49
 * encodes and one batched re-scoring), each the median over the photos.
 *   bench-steer MODEL.gzm SHARED_DIR   (bench/steer.sh runs it) */
#include <stdio.h>
#include <stdlib.h>

#include "gaze.h"

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof (double), compare_doubles);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: bench-steer MODEL.gzm SHARED_DIR\n");
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *encoder_path
      = g_build_filename (argv[2], "models", "mobilenet_v2_1.0_224_quant.tflite", NULL);
  g_autoptr (GazeModel) model = gaze_model_load (argv[1], &error);
  g_autoptr (GazeEncoder) encoder = model ? gaze_encoder_load (encoder_path, &error) : NULL;
  if (encoder == NULL || !gaze_model_check_encoder (model, encoder, &error))
    {
      fprintf (stderr, "bench-steer: %s\n", error->message);
      return 1;
    }
  const int g = gaze_encoder_get_grid_size (encoder), L = g * g;
  g_autofree float *grid = g_new (float, (gsize) L * gaze_encoder_get_channels (encoder));
  g_autofree float *masks = g_new (float, 32 * L);
  for (int t = 0; t < 32; t++)
    for (int i = 0; i < L; i++)
      masks[t * L + i] = t == 0 || (abs (i / g - g / 2) <= 1 && abs (i % g - g / 2) <= 1);
  g_autofree char *dir = g_build_filename (argv[2], "data", "photos", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  if (d == NULL)
    {
      fprintf (stderr, "bench-steer: %s\n", error->message);
      return 1;
    }
  double steer_ms[64], evidence_ms[64], occlusion_ms[64];
  int n = 0;
  for (const char *name; (name = g_dir_read_name (d)) != NULL && n < 64;)
    {
      if (!g_str_has_suffix (name, ".jpg"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GazeImage) image = gaze_image_load (path, &error);
      if (image == NULL || !gaze_encoder_encode_image (encoder, image, grid, NULL, &error))
        {
          fprintf (stderr, "bench-steer: %s\n", error->message);
          return 1;
        }
      g_autoptr (GazeCaption) caption = gaze_model_caption (model, grid, 3, NULL, &error);
      const char *prefix[1] = { caption->beams[0].words[0].word };
      GazeSteering steering = { prefix, 1, masks, 32 };
      gint64 start = g_get_monotonic_time ();
      g_autoptr (GazeCaption) steered
          = gaze_model_caption_steered (model, grid, 3, &steering, NULL, &error);
      steer_ms[n] = ms_since (start);
      start = g_get_monotonic_time ();
      gboolean ok = gaze_model_evidence (model, grid, &caption->beams[0], NULL, &error);
      evidence_ms[n] = ms_since (start);
      start = g_get_monotonic_time ();
      ok = ok && gaze_model_occlusion (model, encoder, image, &caption->beams[0], NULL, NULL, NULL,
                                       &error);
      occlusion_ms[n] = ms_since (start);
      if (steered == NULL || !ok)
        {
          fprintf (stderr, "bench-steer: %s\n", error->message);
          return 1;
        }
      n++;
    }
  double load[3] = { 0 };
  FILE *f = fopen ("/proc/loadavg", "r");
  if (f != NULL)
    {
      if (fscanf (f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
        load[0] = 0;
      fclose (f);
    }
  printf ("%d photos, beam 3, load average %.2f:\n", n, load[0]);
  printf ("steered re-decode: %.1f ms (median)\n", median (steer_ms, n));
  printf ("evidence map: %.1f ms (median)\n", median (evidence_ms, n));
  printf ("occlusion map: %.0f ms (median)\n", median (occlusion_ms, n));
  return 0;
}
