/* test-photos.c — the real photos and models for engine tests; see test-photos.h. */
#include "test-photos.h"

#include <string.h>

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

void
test_photos_load (TestPhotos *photos, const char *encoder_name)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  g_assert_nonnull (shared);
  g_autofree char *file = g_strconcat (encoder_name != NULL ? encoder_name
                                                            : "mobilenet_v2_1.0_224_quant",
                                       ".tflite", NULL);
  g_autofree char *encoder_path = g_build_filename (shared, "models", file, NULL);
  g_autoptr (GError) error = NULL;
  *photos = (TestPhotos) { 0 };
  photos->encoder = gaze_encoder_load (encoder_path, &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_build_filename (shared, "data", "photos", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    if (g_str_has_suffix (name, ".jpg"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  photos->n_photos = names->len;
  g_assert_cmpint (photos->n_photos, ==, 12);
  g_ptr_array_add (names, NULL);
  photos->names = (char **) g_ptr_array_steal (names, NULL);
  const int g = gaze_encoder_get_grid_size (photos->encoder);
  photos->n_cells = g * g;
  photos->grid_floats = (gsize) photos->n_cells * gaze_encoder_get_channels (photos->encoder);
  photos->grids = g_new (float, photos->n_photos * photos->grid_floats);
  photos->images = g_new0 (GazeImage *, photos->n_photos);
  for (int p = 0; p < photos->n_photos; p++)
    {
      g_autofree char *path = g_build_filename (dir, photos->names[p], NULL);
      photos->images[p] = gaze_image_load (path, &error);
      g_assert_no_error (error);
      g_assert_true (gaze_encoder_encode_image (photos->encoder, photos->images[p],
                                                photos->grids + p * photos->grid_floats, NULL,
                                                &error));
    }
}

void
test_photos_clear (TestPhotos *photos)
{
  for (int p = 0; p < photos->n_photos; p++)
    gaze_image_free (photos->images[p]);
  g_free (photos->images);
  g_strfreev (photos->names);
  g_free (photos->grids);
  gaze_encoder_free (photos->encoder);
  *photos = (TestPhotos) { 0 };
}

GazeModel *
test_photos_model_or_skip (const TestPhotos *photos, const char *name)
{
  g_autofree char *path
      = g_build_filename (g_getenv ("GAZE_SOURCE_DIR"), "resources", "models", name, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *why = g_strdup_printf ("no model: %s is not there", path);
      g_test_skip (why);
      return NULL;
    }
  g_autoptr (GError) error = NULL;
  GazeModel *model = gaze_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (gaze_model_check_encoder (model, photos->encoder, &error));
  return model;
}
