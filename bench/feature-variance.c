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
 *   standardised   the same with every channel standardised first (the mean
 *                  over the channels of within / total; constant channels
 *                  left out), as train --normalise-grid sees the grid;
 *   cell cosine    the mean cosine between a cell's vector and its photo's
 *                  mean vector (1 when the cells only scale one vector), and
 *                  the same with the channels standardised (μ and σ over
 *                  these photos), which leaves out what every photo shares;
 *   zeros          the share of activations that are exactly 0 (ReLU's). */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "gaze-train.h"

/* The mean cosine between each cell of grids and its photo's mean vector,
 * with every channel c taken as (x − mu_c) · scale_c. */
static double
cell_cosine (GPtrArray *grids, int L, int C, const double *mu, const double *scale)
{
  double *x = g_new (double, (gsize) L * C), *m = g_new (double, C), cosine = 0.0;
  for (guint p = 0; p < grids->len; p++)
    {
      const float *grid = grids->pdata[p];
      for (int c = 0; c < C; c++)
        m[c] = 0.0;
      for (int i = 0; i < L; i++)
        for (int c = 0; c < C; c++)
          {
            x[i * C + c] = (grid[(gsize) i * C + c] - mu[c]) * scale[c];
            m[c] += x[i * C + c] / L;
          }
      double m_norm = 0.0;
      for (int c = 0; c < C; c++)
        m_norm += m[c] * m[c];
      m_norm = sqrt (m_norm);
      for (int i = 0; i < L; i++)
        {
          double dot = 0.0, norm = 0.0;
          for (int c = 0; c < C; c++)
            {
              dot += x[i * C + c] * m[c];
              norm += x[i * C + c] * x[i * C + c];
            }
          cosine += norm > 0.0 && m_norm > 0.0 ? dot / (sqrt (norm) * m_norm) : 0.0;
        }
    }
  g_free (x), g_free (m);
  return cosine / ((double) grids->len * L);
}

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
  double zeros = 0.0;
  long n_photos = 0;
  g_autoptr (GPtrArray) grids = g_ptr_array_new ();
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
      g_ptr_array_add (grids, (gpointer) grid);
      n_photos++;
    }
  if (n_photos == 0)
    {
      fprintf (stderr, "feature-variance: none of the ids of %s is in %s\n", argv[2], argv[1]);
      return 1;
    }
  double total_ss = 0.0, within_ss = 0.0, standardised = 0.0;
  int varying = 0;
  const double n = (double) n_photos * L;
  double *zero = g_new0 (double, C), *one = g_new (double, C);
  double *mu = g_new (double, C), *scale = g_new (double, C);
  for (int c = 0; c < C; c++)
    {
      const double total_c = sum_sq[c] - sum[c] * sum[c] / n;
      const gboolean varies = total_c > 1e-12 * n;
      one[c] = 1.0;
      mu[c] = sum[c] / n;
      scale[c] = varies ? sqrt (n / total_c) : 1.0;
      total_ss += total_c;
      within_ss += within[c];
      if (varies)
        {
          standardised += within[c] / total_c;
          varying++;
        }
    }
  printf ("%s: %ld photos, %d cells × %d channels\n", argv[1], n_photos, L, C);
  printf ("  spatial share %.3f (channels standardised %.3f, %d varying)   cell cosine %.3f "
          "(standardised %.3f)   zeros %.3f\n", within_ss / total_ss,
          varying > 0 ? standardised / varying : 0.0, varying,
          cell_cosine (grids, L, C, zero, one), cell_cosine (grids, L, C, mu, scale),
          zeros / (n * C));
  g_free (sum), g_free (sum_sq), g_free (within), g_free (mean);
  g_free (zero), g_free (one), g_free (mu), g_free (scale);
  return 0;
}
