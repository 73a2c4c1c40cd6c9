/* test-feature-cache — the feature cache file: synthetic grids for the format
 * (round trip, staleness, every kind of damage), then the real encoder on a
 * few Flickr8k photos (build, reuse, rebuild when damaged or stale, cancel). */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "feature-cache.h"
#include "gaze-train.h"
#include "test-util.h"

static const char sha_a[] = "7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776";
static const char sha_b[] = "5f573ad22b335ce21286b4fea5efa08dace810e3ecb5c16e2062d0cf160a3b2d";

typedef struct {
  char *dir;
  char *images;
  char *cache;
} Scratch;

static void
touch (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
}

static void
scratch_init (Scratch *s)
{
  g_autoptr (GError) error = NULL;
  s->dir = g_dir_make_tmp ("gaze-test-cache-XXXXXX", &error);
  g_assert_no_error (error);
  s->images = g_build_filename (s->dir, "images", NULL);
  g_assert_cmpint (g_mkdir (s->images, 0700), ==, 0);
  s->cache = g_build_filename (s->dir, "cache", "features.bin", NULL);
}

/* Removes the scratch tree (images/ and cache/). */
static void
scratch_clear (Scratch *s)
{
  test_util_remove_tree (s->dir);
  g_free (s->dir);
  g_free (s->images);
  g_free (s->cache);
}

/* Files in the cache folder: the cache itself and no temporary leftovers. */
static int
count_cache_files (const Scratch *s)
{
  g_autofree char *dir = g_path_get_dirname (s->cache);
  GDir *d = g_dir_open (dir, 0, NULL);
  int n = 0;
  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  if (d != NULL)
    g_dir_close (d);
  return n;
}

#define N_CELLS 4
#define CHANNELS 6
#define GRID (N_CELLS * CHANNELS)

/* n images named img000.jpg …, with grids whose values encode (image, index). */
static float *
make_synthetic (Scratch *s, int n, char ***ids_out)
{
  float *grids = g_new (float, (gsize) n * GRID);
  char **ids = g_new0 (char *, n + 1);
  for (int i = 0; i < n; i++)
    {
      ids[i] = g_strdup_printf ("img%03d", i);
      g_autofree char *name = g_strconcat (ids[i], ".jpg", NULL);
      touch (s->images, name);
      for (int k = 0; k < GRID; k++)
        grids[i * GRID + k] = i * 100.0f + k * 0.5f - 3.0f;
    }
  touch (s->images, "notes.txt"); /* not a *.jpg: ignored */
  *ids_out = ids;
  return grids;
}

static void
test_round_trip (void)
{
  Scratch s;
  scratch_init (&s);
  char **ids;
  g_autofree float *grids = make_synthetic (&s, 5, &ids);
  g_autoptr (GError) error = NULL;
  g_assert_true (_gaze_feature_cache_write_grids (s.cache, sha_a, s.images, 5,
                                                 (const char *const *) ids, N_CELLS, CHANNELS,
                                                 grids, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_cache_files (&s), ==, 1);

  g_autoptr (GazeFeatureCache) cache = gaze_feature_cache_load (s.cache, sha_a, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gaze_feature_cache_get_n_images (cache), ==, 5);
  g_assert_cmpint (gaze_feature_cache_get_n_cells (cache), ==, N_CELLS);
  g_assert_cmpint (gaze_feature_cache_get_channels (cache), ==, CHANNELS);
  g_autofree char *abs_images = g_canonicalize_filename (s.images, NULL);
  g_assert_cmpstr (gaze_feature_cache_get_images_dir (cache), ==, abs_images);
  for (int i = 0; i < 5; i++)
    {
      const float *grid = gaze_feature_cache_lookup (cache, ids[i]);
      g_assert_nonnull (grid);
      g_assert_true (((guintptr) grid) % 16 == 0); /* aligned for SIMD loads */
      g_assert_cmpmem (grid, GRID * sizeof (float), grids + i * GRID, GRID * sizeof (float));
    }
  g_assert_null (gaze_feature_cache_lookup (cache, "img005"));
  g_assert_null (gaze_feature_cache_lookup (cache, "img000.jpg"));
  g_assert_true (gaze_feature_cache_verify (cache, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Current for this encoder and these images … */
  g_assert_true (_gaze_feature_cache_is_current (cache, sha_a, N_CELLS, CHANNELS, s.images, &error));
  g_assert_no_error (error);
  /* … stale for another encoder, another grid, another list of images. */
  g_assert_false (_gaze_feature_cache_is_current (cache, sha_b, N_CELLS, CHANNELS, s.images, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
  g_clear_error (&error);
  g_assert_false (_gaze_feature_cache_is_current (cache, sha_a, 49, CHANNELS, s.images, &error));
  g_clear_error (&error);
  touch (s.images, "img999.jpg");
  g_assert_false (_gaze_feature_cache_is_current (cache, sha_a, N_CELLS, CHANNELS, s.images, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
  g_clear_error (&error);
  g_autofree char *extra = g_build_filename (s.images, "img999.jpg", NULL);
  g_remove (extra);
  g_autofree char *first = g_build_filename (s.images, "img000.jpg", NULL);
  g_remove (first);
  g_assert_false (_gaze_feature_cache_is_current (cache, sha_a, N_CELLS, CHANNELS, s.images, &error));
  g_clear_error (&error);

  /* Loading for another encoder is a mismatch, not a crash. */
  g_assert_null (gaze_feature_cache_load (s.cache, sha_b, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
  g_clear_error (&error);

  g_strfreev (ids);
  g_clear_pointer (&cache, gaze_feature_cache_free);
  scratch_clear (&s);
}

static GBytes *
read_all (const char *path)
{
  char *data;
  gsize len;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

static void
write_all (const char *path, const void *data, gsize len)
{
  FILE *f = fopen (path, "wb");
  g_assert_nonnull (f);
  g_assert_cmpuint (fwrite (data, 1, len, f), ==, len);
  g_assert_cmpint (fclose (f), ==, 0);
}

static GError *
load_error (const char *path)
{
  GError *error = NULL;
  GazeFeatureCache *cache = gaze_feature_cache_load (path, sha_a, &error);
  gaze_feature_cache_free (cache);
  return error;
}

static void
test_damage (void)
{
  Scratch s;
  scratch_init (&s);
  char **ids;
  /* 100 images: more than the 32 grids checked on opening. */
  const int n = 100;
  g_autofree float *grids = make_synthetic (&s, n, &ids);
  g_assert_true (_gaze_feature_cache_write_grids (s.cache, sha_a, s.images, n,
                                                 (const char *const *) ids, N_CELLS, CHANNELS,
                                                 grids, NULL));
  g_autoptr (GBytes) bytes = read_all (s.cache);
  gsize len;
  const guint8 *valid = g_bytes_get_data (bytes, &len);
  gsize data_offset = len - (gsize) n * GRID * sizeof (float);
  g_autofree guint8 *data = g_malloc (len + 8);

  /* Every single byte of the header, the names and the hash table matters
   * (except the alignment padding before the grids). */
  gsize padding_start = 144 + strlen ((const char *) valid + 144) + 1 + 7 * n + 8 * n;
  for (gsize i = 0; i < data_offset; i++)
    {
      if (i >= padding_start)
        break;
      memcpy (data, valid, len);
      data[i] ^= 0x40;
      write_all (s.cache, data, len);
      GError *error = load_error (s.cache);
      if (error == NULL)
        g_error ("flipping byte %" G_GSIZE_FORMAT " went unnoticed", i);
      g_assert_true (error->domain == GAZE_ERROR);
      g_assert_true (error->code == GAZE_ERROR_CORRUPT || error->code == GAZE_ERROR_VERSION
                     || error->code == GAZE_ERROR_MISMATCH);
      g_assert_null (strchr (error->message, '\n'));
      g_error_free (error);
    }

  /* A damaged sampled grid (the first, the last) fails on opening, naming it. */
  int sampled[] = { 0, n - 1 };
  for (gsize k = 0; k < G_N_ELEMENTS (sampled); k++)
    {
      memcpy (data, valid, len);
      data[data_offset + (gsize) sampled[k] * GRID * sizeof (float) + 5] ^= 1;
      write_all (s.cache, data, len);
      g_autoptr (GError) error = load_error (s.cache);
      g_assert_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT);
      g_autofree char *id = g_strdup_printf ("img%03d", sampled[k]);
      g_assert_nonnull (strstr (error->message, id));
    }

  /* A grid outside the sample opens, and the full check finds it. */
  memcpy (data, valid, len);
  data[data_offset + 2 * GRID * sizeof (float) + 3] ^= 1; /* image 2: 2·99/31 is not whole */
  write_all (s.cache, data, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeFeatureCache) cache = gaze_feature_cache_load (s.cache, sha_a, &error);
  g_assert_no_error (error);
  g_assert_false (gaze_feature_cache_verify (cache, NULL, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "img002"));
  g_clear_error (&error);
  g_clear_pointer (&cache, gaze_feature_cache_free);

  /* Truncated anywhere, or with bytes appended. */
  gsize cuts[] = { 0, 7, 100, 143, 144, data_offset, len - 1 };
  for (gsize k = 0; k < G_N_ELEMENTS (cuts); k++)
    {
      write_all (s.cache, valid, cuts[k]);
      g_autoptr (GError) e = load_error (s.cache);
      g_assert_error (e, GAZE_ERROR, GAZE_ERROR_CORRUPT);
    }
  memcpy (data, valid, len);
  memset (data + len, 0, 8);
  write_all (s.cache, data, len + 8);
  g_autoptr (GError) trailing = load_error (s.cache);
  g_assert_error (trailing, GAZE_ERROR, GAZE_ERROR_CORRUPT);

  /* Missing. */
  g_remove (s.cache);
  g_autoptr (GError) missing = load_error (s.cache);
  g_assert_error (missing, GAZE_ERROR, GAZE_ERROR_IO);

  g_strfreev (ids);
  scratch_clear (&s);
}

/* ── With the real encoder ───────────────────────────────────────────────── */

typedef struct {
  int calls;
  gint64 last_done;
  gint64 total;
  int cancel_at; /* return FALSE at this count; 0 never */
} Progress;

static gboolean
on_progress (gint64 done, gint64 total, gpointer data)
{
  Progress *p = data;
  if (p->calls == 0)
    g_assert_cmpint (done, ==, 0); /* first 0 of n, before any work */
  else
    g_assert_cmpint (done, >, p->last_done); /* then strictly increasing */
  g_assert_cmpint (done, <=, total);
  p->calls++;
  p->last_done = done;
  p->total = total;
  return p->cancel_at == 0 || done < p->cancel_at;
}

static GazeEncoder *
load_encoder (void)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  g_autofree char *path = g_build_filename (shared ? shared : "../shared", "models",
                                            "mobilenet_v2_1.0_224_quant.tflite", NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  g_autoptr (GError) error = NULL;
  GazeEncoder *encoder = gaze_encoder_load (path, &error);
  g_assert_no_error (error);
  return encoder;
}

static void
link_flickr_photo (const Scratch *s, const char *id)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  g_autofree char *name = g_strconcat (id, ".jpg", NULL);
  g_autofree char *target = g_build_filename (shared ? shared : "../shared", "data", "flickr8k",
                                              "images", name, NULL);
  g_autofree char *abs_target = g_canonicalize_filename (target, NULL);
  g_autofree char *link = g_build_filename (s->images, name, NULL);
  g_assert_cmpint (symlink (abs_target, link), ==, 0);
}

/* MobileNetV2, and a scratch folder with the Flickr8k photos ids; NULL (the
 * test skipped, nothing made) without the shared data. */
static GazeEncoder *
encoder_and_photos (Scratch *s, const char *const *ids, gsize n)
{
  GazeEncoder *encoder = load_encoder ();
  if (encoder == NULL)
    {
      g_test_skip ("no MobileNetV2 in GAZE_SHARED_DIR");
      return NULL;
    }
  scratch_init (s);
  for (gsize i = 0; i < n; i++)
    link_flickr_photo (s, ids[i]);
  return encoder;
}

static void
test_build (void)
{
  const char *ids[] = { "1000268201_693b08cb0e", "1001773457_577c3a7d70", "1002674143_1b742ab4b8" };
  Scratch s;
  g_autoptr (GazeEncoder) encoder = encoder_and_photos (&s, ids, G_N_ELEMENTS (ids));
  if (encoder == NULL)
    return;
  int n_cells = gaze_encoder_get_grid_size (encoder) * gaze_encoder_get_grid_size (encoder);
  gsize grid_floats = (gsize) n_cells * gaze_encoder_get_channels (encoder);
  g_autoptr (GError) error = NULL;

  /* Missing: built, with progress for the images, up to 3 of 3. */
  Progress p = { 0 };
  g_autoptr (GazeFeatureCache) cache = gaze_feature_cache_open (s.cache, encoder, s.images,
                                                                on_progress, &p, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p.calls, >=, 1);
  g_assert_cmpint (p.last_done, ==, 3);
  g_assert_cmpint (p.total, ==, 3);
  g_assert_cmpint (gaze_feature_cache_get_n_images (cache), ==, 3);
  g_assert_cmpint (count_cache_files (&s), ==, 1);

  /* The grids are the encoder's own, bit for bit. */
  g_autofree float *direct = g_new (float, grid_floats);
  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *name = g_strconcat (ids[i], ".jpg", NULL);
      g_autofree char *path = g_build_filename (s.images, name, NULL);
      g_autoptr (GazeImage) image = gaze_image_load (path, &error);
      g_assert_no_error (error);
      g_assert_true (gaze_encoder_encode_image (encoder, image, direct, NULL, &error));
      const float *cached = gaze_feature_cache_lookup (cache, ids[i]);
      g_assert_nonnull (cached);
      g_assert_cmpmem (cached, grid_floats * sizeof (float), direct, grid_floats * sizeof (float));
    }
  g_clear_pointer (&cache, gaze_feature_cache_free);

  /* Valid and current: reused, no encoding. */
  Progress again = { 0 };
  cache = gaze_feature_cache_open (s.cache, encoder, s.images, on_progress, &again, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again.calls, ==, 0);
  g_clear_pointer (&cache, gaze_feature_cache_free);

  /* Damaged (a byte of the last grid): rebuilt. */
  g_autoptr (GBytes) bytes = read_all (s.cache);
  gsize len = g_bytes_get_size (bytes);
  g_autofree guint8 *data = g_memdup2 (g_bytes_get_data (bytes, NULL), len);
  data[len - 10] ^= 0xff;
  write_all (s.cache, data, len);
  Progress rebuilt = { 0 };
  cache = gaze_feature_cache_open (s.cache, encoder, s.images, on_progress, &rebuilt, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rebuilt.last_done, ==, 3);
  g_assert_cmpmem (gaze_feature_cache_lookup (cache, ids[2]), grid_floats * sizeof (float),
                   direct, grid_floats * sizeof (float));
  g_clear_pointer (&cache, gaze_feature_cache_free);

  /* Stale (one more image): rebuilt for 4. */
  link_flickr_photo (&s, "1003163366_44323f5815");
  Progress stale = { 0 };
  cache = gaze_feature_cache_open (s.cache, encoder, s.images, on_progress, &stale, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stale.total, ==, 4);
  g_assert_cmpint (gaze_feature_cache_get_n_images (cache), ==, 4);
  g_clear_pointer (&cache, gaze_feature_cache_free);

  /* Cancelled: an error, the old cache untouched, no temporary file left. */
  link_flickr_photo (&s, "1007129816_e794419615");
  Progress cancel = { .cancel_at = 2 };
  cache = gaze_feature_cache_open (s.cache, encoder, s.images, on_progress, &cancel, &error);
  g_assert_null (cache);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (count_cache_files (&s), ==, 1);
  cache = gaze_feature_cache_load (s.cache, gaze_encoder_get_sha256 (encoder), &error);
  g_assert_no_error (error);
  g_assert_cmpint (gaze_feature_cache_get_n_images (cache), ==, 4);
  g_clear_pointer (&cache, gaze_feature_cache_free);

  /* An unreadable image fails the build with its name, leaving nothing. */
  g_remove (s.cache);
  touch (s.images, "broken.jpg");
  g_assert_null (gaze_feature_cache_open (s.cache, encoder, s.images, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "broken.jpg"));
  g_assert_cmpint (count_cache_files (&s), ==, 0);

  g_autofree char *expected = g_strdup_printf ("features-%.16s.bin", gaze_encoder_get_sha256 (encoder));
  g_autofree char *default_path = gaze_feature_cache_default_path (encoder);
  g_assert_true (g_str_has_suffix (default_path, expected));
  g_assert_true (g_str_has_prefix (default_path, g_get_user_cache_dir ()));
  scratch_clear (&s);
}

/* The mirrored grids (training's augmentation): the encoder's grids of the
 * photos mirrored left to right, bit for bit, in a cache of their own that is
 * never taken for the plain one, nor the plain one for it. */
static void
test_mirrored (void)
{
  const char *ids[] = { "1000268201_693b08cb0e", "1001773457_577c3a7d70" };
  Scratch s;
  g_autoptr (GazeEncoder) encoder = encoder_and_photos (&s, ids, G_N_ELEMENTS (ids));
  if (encoder == NULL)
    return;
  int n_cells = gaze_encoder_get_grid_size (encoder) * gaze_encoder_get_grid_size (encoder);
  gsize grid_bytes = (gsize) n_cells * gaze_encoder_get_channels (encoder) * sizeof (float);
  g_autoptr (GError) error = NULL;
  g_autofree char *mirrored_path = gaze_feature_cache_mirrored_path (s.cache);
  g_assert_true (g_str_has_suffix (mirrored_path, "/features-mirrored.bin"));
  g_autofree char *other = gaze_feature_cache_mirrored_path ("/tmp/grids");
  g_assert_cmpstr (other, ==, "/tmp/grids-mirrored");

  g_autoptr (GazeFeatureCache) plain = gaze_feature_cache_open (s.cache, encoder, s.images, NULL,
                                                                NULL, &error);
  g_assert_no_error (error);
  Progress p = { 0 };
  g_autoptr (GazeFeatureCache) mirrored
    = gaze_feature_cache_open_mirrored (mirrored_path, encoder, s.images, on_progress, &p, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p.last_done, ==, 2);
  g_autofree float *direct = g_new (float, grid_bytes / sizeof (float));
  for (gsize i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *name = g_strconcat (ids[i], ".jpg", NULL);
      g_autofree char *path = g_build_filename (s.images, name, NULL);
      g_autoptr (GazeImage) image = gaze_image_load (path, &error);
      g_assert_no_error (error);
      gaze_image_mirror (image);
      g_assert_true (gaze_encoder_encode_image (encoder, image, direct, NULL, &error));
      g_assert_cmpmem (gaze_feature_cache_lookup (mirrored, ids[i]), grid_bytes, direct,
                       grid_bytes);
      /* A photo is not its mirror image: the plain grid differs. */
      g_assert_true (memcmp (gaze_feature_cache_lookup (plain, ids[i]), direct, grid_bytes) != 0);
    }
  g_clear_pointer (&mirrored, gaze_feature_cache_free);

  /* Reopened: current, nothing encoded. */
  Progress again = { 0 };
  mirrored = gaze_feature_cache_open_mirrored (mirrored_path, encoder, s.images, on_progress,
                                               &again, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again.calls, ==, 0);
  g_clear_pointer (&mirrored, gaze_feature_cache_free);

  /* Neither loads as the other: keyed by different ids. */
  g_assert_null (gaze_feature_cache_load (mirrored_path, gaze_encoder_get_sha256 (encoder),
                                          &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
  g_clear_error (&error);
  g_autofree char *id = gaze_feature_cache_mirrored_id (gaze_encoder_get_sha256 (encoder));
  g_assert_cmpuint (strlen (id), ==, 64);
  g_assert_null (gaze_feature_cache_load (s.cache, id, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
  g_clear_error (&error);
  /* A plain cache where the mirrored one should be is rebuilt as mirrored. */
  g_clear_pointer (&plain, gaze_feature_cache_free);
  g_assert_cmpint (g_rename (s.cache, mirrored_path), ==, 0);
  Progress rebuilt = { 0 };
  mirrored = gaze_feature_cache_open_mirrored (mirrored_path, encoder, s.images, on_progress,
                                               &rebuilt, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rebuilt.last_done, ==, 2);
  g_assert_cmpmem (gaze_feature_cache_lookup (mirrored, ids[1]), grid_bytes, direct, grid_bytes);
  scratch_clear (&s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/feature-cache/round-trip", test_round_trip);
  g_test_add_func ("/feature-cache/damage", test_damage);
  g_test_add_func ("/feature-cache/build", test_build);
  g_test_add_func ("/feature-cache/mirrored", test_mirrored);
  return g_test_run ();
}
