/* test-encoder-reference — the fast encoder (kernels-*.c, split over
 * threads) against the reference path (ops.c: im2col, cblas_sgemm, one op at
 * a time), on the 5 test images and the 12 photos, for both encoders.  The
 * shipped decoders were trained on the reference's grids, so the fast grids
 * may differ by rounding only: max |fast − reference| ≤ 1e-4 × the range of
 * the reference grid, and the same for the head's output.  A pass run in the
 * caller's thread alone gives the very same floats as one split over two. */
#include <math.h>
#include <string.h>

#include "encoder.h"
#include "gaze.h"

/* Relative to the range of the reference grid. */
#define TOLERANCE 1e-4

static GPtrArray *
photos (void)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *folders[] = { "models/testimages", "data/photos" };
  for (gsize f = 0; f < G_N_ELEMENTS (folders); f++)
    {
      g_autofree char *dir_path = g_build_filename (shared, folders[f], NULL);
      g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
      g_assert_nonnull (dir);
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (paths, g_build_filename (dir_path, name, NULL));
    }
  g_ptr_array_sort (paths, (GCompareFunc) g_strcmp0);
  /* The 5 test images and the 12 photos. */
  g_assert_cmpuint (paths->len, ==, 17);
  return paths;
}

/* max |a − b| over n floats, relative to the range of b; fails on a NaN. */
static double
relative_difference (const float *a, const float *b, gsize n)
{
  float lo = INFINITY, hi = -INFINITY, diff = 0;
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (isfinite (a[i]) && isfinite (b[i]));
      lo = MIN (lo, b[i]);
      hi = MAX (hi, b[i]);
      diff = MAX (diff, fabsf (a[i] - b[i]));
    }
  g_assert_cmpfloat (hi, >, lo);
  return diff / (hi - lo);
}

static void
test_encoder (gconstpointer data)
{
  const char *name = data;
  g_autofree char *file = g_strconcat (name, ".tflite", NULL);
  g_autofree char *path = g_build_filename (g_getenv ("GAZE_SHARED_DIR"), "models", file, NULL);
  GError *error = NULL;
  g_autoptr (GazeEncoder) reference = _gaze_encoder_load_reference (path, &error);
  g_assert_no_error (error);
  g_autoptr (GazeEncoder) fast = gaze_encoder_load_with_threads (path, 2, &error);
  g_assert_no_error (error);
  g_autoptr (GazeEncoder) single = gaze_encoder_load_with_threads (path, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gaze_encoder_get_n_threads (fast), ==, 2);
  g_assert_cmpint (gaze_encoder_get_n_threads (single), ==, 1);

  gsize n_grid = (gsize) gaze_encoder_get_grid_size (fast) * gaze_encoder_get_grid_size (fast)
                 * gaze_encoder_get_channels (fast);
  gsize n_out = gaze_encoder_get_n_classes (fast);
  g_autofree float *grid_ref = g_new (float, n_grid), *grid = g_new (float, n_grid);
  g_autofree float *grid_one = g_new (float, n_grid);
  g_autofree float *out_ref = g_new (float, n_out), *out = g_new (float, n_out);
  g_autoptr (GPtrArray) paths = photos ();
  double worst = 0, worst_out = 0;
  for (guint k = 0; k < paths->len; k++)
    {
      g_autoptr (GazeImage) image = gaze_image_load (paths->pdata[k], &error);
      g_assert_no_error (error);
      g_assert_true (gaze_encoder_encode_image (reference, image, grid_ref, out_ref, &error));
      g_assert_true (gaze_encoder_encode_image (fast, image, grid, out, &error));
      g_assert_true (gaze_encoder_encode_image (single, image, grid_one, NULL, &error));
      g_assert_no_error (error);
      double d = relative_difference (grid, grid_ref, n_grid);
      double d_out = n_out > 1 ? relative_difference (out, out_ref, n_out) : 0;
      if (d > TOLERANCE || d_out > TOLERANCE)
        g_error ("%s on %s: max |fast − reference| is %.3g of the grid's range, %.3g of the "
                 "output's", name, (const char *) paths->pdata[k], d, d_out);
      /* Rounding, not a bug that happens to be small: well under the bound. */
      worst = MAX (worst, d);
      worst_out = MAX (worst_out, d_out);
      g_assert_cmpmem (grid_one, n_grid * sizeof (float), grid, n_grid * sizeof (float));
    }
  g_test_message ("%s: worst max |fast - reference| / range: grid %.3g, output %.3g", name, worst,
                  worst_out);
  /* Some difference: the test is of the fast path, not the reference twice. */
  g_assert_cmpfloat (worst, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/encoder-reference/mobilenet_v2", "mobilenet_v2_1.0_224_quant",
                        test_encoder);
  g_test_add_data_func ("/encoder-reference/efficientnet_lite0",
                        "efficientnet_lite0_int8_feature_extractor", test_encoder);
  return g_test_run ();
}
