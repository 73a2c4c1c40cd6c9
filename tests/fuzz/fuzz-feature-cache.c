/* fuzz-feature-cache — libFuzzer target for the feature-cache reader
 * (feature-cache.c): the input is written as a cache file and opened; a
 * cache that opens is verified (every grid hashed, so that the header's sizes
 * are checked against the mapping) and compared with a folder.  Replays
 * tests/fuzz/corpus-feature-cache; run with FUZZ_WRITE_SEED=PATH, it writes a
 * valid cache of two tiny grids there instead. */
#include "feature-cache.h"
#include "fuzz-util.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static gboolean started;
  if (!started)
    {
      started = TRUE;
      const char *seed = g_getenv ("FUZZ_WRITE_SEED");
      if (seed != NULL)
        {
          static const char *const ids[] = { "1000_a", "2000_b" };
          static const float grids[2 * 2 * 3] = { 0, 1, 2, 3, 4, 5, -1, -2, -3, 0.5f, 0.25f, 8 };
          if (!gaze_feature_cache_write_grids (
                  seed, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                  "/images", 2, ids, 2, 3, grids, NULL))
            abort ();
          exit (0);
        }
    }
  const char *path = fuzz_write_file ("features.bin", data, size);
  GError *error = NULL;
  GazeFeatureCache *cache = gaze_feature_cache_load (path, NULL, &error);
  if (cache == NULL)
    {
      fuzz_check_error (error);
      return 0;
    }
  if (!gaze_feature_cache_verify (cache, NULL, NULL, &error))
    fuzz_check_error (error);
  if (gaze_feature_cache_lookup (cache, "no such image") != NULL
      || !g_utf8_validate (gaze_feature_cache_get_images_dir (cache), -1, NULL))
    __builtin_trap ();
  /* The scratch folder holds no *.jpg: never current. */
  if (gaze_feature_cache_is_current (cache, "0000000000000000000000000000000000000000000000000000000000000000",
                                     gaze_feature_cache_get_n_cells (cache),
                                     gaze_feature_cache_get_channels (cache), fuzz_scratch_dir (),
                                     &error))
    __builtin_trap ();
  fuzz_check_error (error);
  gaze_feature_cache_free (cache);
  return 0;
}
