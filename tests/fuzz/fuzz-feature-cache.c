/* fuzz-feature-cache — libFuzzer target for the feature-cache reader
 * (feature-cache.c): the input is written as a cache file and opened; a
 * cache that opens is verified (every grid hashed, so that the header's sizes
 * are checked against the mapping) and compared with a folder.  Replays
 * tests/fuzz/corpus-feature-cache; run with FUZZ_WRITE_SEED=PATH, it writes a
 * valid cache of two tiny grids there instead. */
#include "feature-cache.h"
#include "fuzz-util.h"

/* A copy of a cache file with its offsets, grid hashes and header checksum
 * made right, when its counts fit in it; NULL otherwise. */
static guint8 *
repair (const uint8_t *data, size_t size)
{
  if (size < 144)
    return NULL;
  guint8 *copy = g_memdup2 (data, size);
  guint32 n_images, n_cells, channels, strings_len;
  memcpy (&n_images, copy + 16, 4), memcpy (&n_cells, copy + 20, 4);
  memcpy (&channels, copy + 24, 4), memcpy (&strings_len, copy + 28, 4);
  guint64 table = 144 + (guint64) strings_len;
  guint64 offset = (table + 8 * (guint64) n_images + 63) / 64 * 64;
  guint64 grid_bytes = (guint64) n_cells * channels * 4;
  if (n_images == 0 || n_images > 4096 || table + 8 * (guint64) n_images > size
      || offset > size || grid_bytes > (size - offset) / n_images)
    {
      g_free (copy);
      return NULL;
    }
  guint64 file_size = size;
  memcpy (copy + 32, &offset, 8), memcpy (copy + 40, &file_size, 8);
  for (guint32 i = 0; i < n_images; i++)
    {
      guint64 h = _gaze_feature_cache_hash (copy + offset + grid_bytes * i, grid_bytes);
      memcpy (copy + table + 8 * i, &h, 8);
    }
  GChecksum *sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, copy, 112);
  g_checksum_update (sha, copy + 144, strings_len + 8 * (gsize) n_images);
  gsize len = 32;
  g_checksum_get_digest (sha, copy + 112, &len);
  g_checksum_free (sha);
  return copy;
}

static void read_cache (const uint8_t *data, size_t size);

/* Every input twice: as it is, and repaired, so that mutations of the
 * header and the names get past the checksums. */
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
          if (!_gaze_feature_cache_write_grids (
                  seed, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                  "/images", 2, ids, 2, 3, grids, NULL))
            abort ();
          exit (0);
        }
    }
  read_cache (data, size);
  guint8 *repaired = repair (data, size);
  if (repaired != NULL)
    read_cache (repaired, size);
  g_free (repaired);
  return 0;
}

static void
read_cache (const uint8_t *data, size_t size)
{
  const char *path = fuzz_write_file ("features.bin", data, size);
  GError *error = NULL;
  GazeFeatureCache *cache = gaze_feature_cache_load (path, NULL, &error);
  if (cache == NULL)
    {
      fuzz_check_error (error);
      return;
    }
  if (!gaze_feature_cache_verify (cache, NULL, NULL, &error))
    fuzz_check_error (error);
  if (gaze_feature_cache_lookup (cache, "no such image") != NULL
      || !g_utf8_validate (gaze_feature_cache_get_images_dir (cache), -1, NULL))
    __builtin_trap ();
  /* The scratch folder holds no *.jpg: never current. */
  if (_gaze_feature_cache_is_current (cache, "0000000000000000000000000000000000000000000000000000000000000000",
                                     gaze_feature_cache_get_n_cells (cache),
                                     gaze_feature_cache_get_channels (cache), fuzz_scratch_dir (),
                                     &error))
    __builtin_trap ();
  fuzz_check_error (error);
  gaze_feature_cache_free (cache);
}
