/* bench/feature-variance.c — how much an encoder's 7×7 grid varies across
 * the photo, the raw material attention has to choose from (issue 8).
 *
 *   feature-variance CACHE IDS
 *
 * Over the photos listed in IDS (one Flickr8k image id a line) it prints, for
 * the grids in the feature cache CACHE:
 *   spatial share  Σ_c within-photo variance / Σ_c total variance, channel c's
 *                  variance over every (photo, cell) split into the part
 *                  between photos and the part between cells of one photo;
 *                  0 when every cell of a photo is alike;
 *   cell cosine    the mean cosine between a cell's vector and its photo's
 *                  mean vector (1 when the cells only scale one vector);
 *   zeros          the share of activations that are exactly 0 (ReLU's). */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "gaze-train.h"

int
main (int argc, char **argv)
{
  if (argc != 3)
    {
      fprintf (stderr, "usage: feature-variance CACHE IDS\n");
      return 2;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeFeatureCache) cache = gaze_feature_cache_load (argv[1], NULL, &error);
  if (cache == NULL)
    {
      fprintf (stderr, "feature-variance: %s\n", error->message);
      return 1;
    }
  g_autofree char *text = NULL;
  if (!g_file_get_contents (argv[2], &text, NULL, &error))
    {
      fprintf (stderr, "feature-variance: %s\n", error->message);
      return 1;
    }
  const int L = gaze_feature_cache_get_n_cells (cache), C = gaze_feature_cache_get_channels (cache);
  /* Per channel: Σ x, Σ x² over everything, and Σ of each photo's spatial
   * variance × L (the within part of the total sum of squares). */
  double *sum = g_new0 (double, C), *sum_sq = g_new0 (double, C), *within = g_new0 (double, C);
  double *mean = g_new (double, C);
  double cosine = 0.0, zeros = 0.0;
  long n_photos = 0;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **line = lines; *line != NULL; line++)
    {
      g_strstrip (*line);
      if (**line == '\0')
        continue;
      g_autofree char *id = g_str_has_suffix (*line, ".jpg")
                                ? g_strndup (*line, strlen (*line) - 4)
                                : g_strdup (*line);
      const float *grid = gaze_feature_cache_lookup (cache, id);
      if (grid == NULL)
        continue;
      for (int c = 0; c < C; c++)
        {
          double s = 0.0;
          for (int i = 0; i < L; i++)
            s += grid[(gsize) i * C + c];
          mean[c] = s / L;
          for (int i = 0; i < L; i++)
            {
              double x = grid[(gsize) i * C + c];
              sum[c] += x;
              sum_sq[c] += x * x;
              within[c] += (x - mean[c]) * (x - mean[c]);
              zeros += x == 0.0;
            }
        }
      double mean_norm = 0.0;
      for (int c = 0; c < C; c++)
        mean_norm += mean[c] * mean[c];
      mean_norm = sqrt (mean_norm);
      for (int i = 0; i < L; i++)
        {
          double dot = 0.0, norm = 0.0;
          for (int c = 0; c < C; c++)
            {
              double x = grid[(gsize) i * C + c];
              dot += x * mean[c];
              norm += x * x;
            }
          cosine += norm > 0.0 && mean_norm > 0.0 ? dot / (sqrt (norm) * mean_norm) : 0.0;
        }
      n_photos++;
    }
  if (n_photos == 0)
    {
      fprintf (stderr, "feature-variance: none of the ids of %s is in %s\n", argv[2], argv[1]);
      return 1;
    }
  double total_ss = 0.0, within_ss = 0.0;
  const double n = (double) n_photos * L;
  for (int c = 0; c < C; c++)
    {
      total_ss += sum_sq[c] - sum[c] * sum[c] / n;
      within_ss += within[c];
    }
  printf ("%s: %ld photos, %d cells × %d channels\n", argv[1], n_photos, L, C);
  printf ("  spatial share %.3f   cell cosine %.3f   zeros %.3f\n", within_ss / total_ss,
          cosine / n, zeros / (n * C));
  g_free (sum), g_free (sum_sq), g_free (within), g_free (mean);
  return 0;
}
