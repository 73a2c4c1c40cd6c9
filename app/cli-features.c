/* cli-features.c — gaze-cli features: build (or reuse) and verify the cache
 * of encoder grids that training and evaluation read.
 *
 *   gaze-cli features [--encoder FILE] [--images DIR] [--cache FILE]
 *                     [--rebuild [--workers N]]
 *
 * Prints the cache's path on the first line of stdout, then what it holds. */
#include "config.h"

#include <stdio.h>

#include "cli-progress.h"
#include "gaze-cli.h"
#include "gaze-paths.h"
#include "gaze-train.h"


/* A progress bar that appears only if the work starts (a valid cache is
 * reused without any). */
typedef struct {
  const char *label;
  GazeCliProgress *bar;
} LazyProgress;

static gboolean
lazy_progress (gint64 done, gint64 total, gpointer data)
{
  LazyProgress *lazy = data;
  if (lazy->bar == NULL)
    lazy->bar = gaze_cli_progress_new (lazy->label, total);
  return gaze_cli_progress_func (done, total, lazy->bar);
}

static void
lazy_progress_finish (LazyProgress *lazy)
{
  g_clear_pointer (&lazy->bar, gaze_cli_progress_finish);
}

int
gaze_cli_features (int argc, char **argv)
{
  g_autofree char *encoder_path = NULL, *images_dir = NULL, *cache_path = NULL;
  gboolean rebuild = FALSE;
  int n_workers = 0;
  GOptionEntry entries[] = {
    { "encoder", 0, 0, G_OPTION_ARG_FILENAME, &encoder_path, "The TFLite encoder", "FILE" },
    { "images", 0, 0, G_OPTION_ARG_FILENAME, &images_dir,
      "The folder of *.jpg photos (default: Flickr8k in the shared folder)", "DIR" },
    { "cache", 0, 0, G_OPTION_ARG_FILENAME, &cache_path,
      "The cache file (default: $XDG_CACHE_HOME/gaze/features-<sha256>.bin)", "FILE" },
    { "rebuild", 0, 0, G_OPTION_ARG_NONE, &rebuild, "Build the cache even if it is valid", NULL },
    { "workers", 0, 0, G_OPTION_ARG_INT, &n_workers,
      "With --rebuild: threads encoding photos at once (default 2)", "N" },
    G_OPTION_ENTRY_NULL,
  };
  if (!gaze_cli_parse_options ("features", "— cache the encoder's grids of a folder of photos",
                               entries, FALSE, &argc, &argv))
    return 1;
  GError *error = NULL;
  if (n_workers < 0 || n_workers > 64 || (n_workers != 0 && !rebuild))
    return gaze_cli_fail ("features: --workers takes 1 to 64, with --rebuild");

  if (encoder_path == NULL)
    encoder_path = gaze_cli_encoder_path (GAZE_DEFAULT_ENCODER);
  if (images_dir == NULL)
    images_dir = gaze_cli_shared_path ("data/flickr8k/images");
  g_autoptr (GazeEncoder) encoder = gaze_encoder_load (encoder_path, &error);
  if (encoder == NULL)
    return gaze_cli_fail_error (error);
  if (cache_path == NULL)
    cache_path = gaze_feature_cache_default_path (encoder);

  gint64 start = g_get_monotonic_time ();
  LazyProgress lazy = { "encoding", NULL };
  g_autoptr (GazeFeatureCache) cache = NULL;
  if (rebuild)
    {
      if (gaze_feature_cache_build (cache_path, encoder, images_dir, n_workers, lazy_progress,
                                    &lazy, &error))
        cache = gaze_feature_cache_load (cache_path, gaze_encoder_get_sha256 (encoder), &error);
    }
  else
    cache = gaze_feature_cache_open (cache_path, encoder, images_dir, lazy_progress, &lazy,
                                     &error);
  gboolean built = lazy.bar != NULL;
  lazy_progress_finish (&lazy);
  if (cache == NULL)
    return gaze_cli_fail_error (error);
  double build_s = (g_get_monotonic_time () - start) / 1e6;

  /* Opening checked a sample of the grids; check them all. */
  g_autoptr (GazeCliProgress) bar
    = gaze_cli_progress_new ("verifying", gaze_feature_cache_get_n_images (cache));
  if (!gaze_feature_cache_verify (cache, gaze_cli_progress_func, bar, &error))
    return gaze_cli_fail_error (error);
  g_clear_pointer (&bar, gaze_cli_progress_finish);

  int n = gaze_feature_cache_get_n_images (cache);
  printf ("%s\n", cache_path);
  printf ("  %d photos of %s, %d cells × %d channels, encoder %s (sha256 %.16s…)\n", n,
          gaze_feature_cache_get_images_dir (cache), gaze_feature_cache_get_n_cells (cache),
          gaze_feature_cache_get_channels (cache), gaze_encoder_get_name (encoder),
          gaze_encoder_get_sha256 (encoder));
  if (built)
    printf ("  built in %.1f s (%.1f photos/s)\n", build_s, n / build_s);
  else
    printf ("  reused: valid and current\n");
  return 0;
}
