/* test-image — photos in: EXIF orientation, alpha on white, the size limit
 * read from the header, unreadable files, and the resize filter.  The test
 * images are made here, at test time, with GdkPixbuf. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gaze.h"
#include "test-util.h"

static char *tmp_dir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

/* A width × height RGB pixbuf: the left half red, the right half blue. */
static GdkPixbuf *
red_blue (int width, int height)
{
  GdkPixbuf *p = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8 *px = gdk_pixbuf_get_pixels (p);
  int stride = gdk_pixbuf_get_rowstride (p);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *q = px + y * stride + 3 * x;
        gboolean left = x < width / 2;
        q[0] = left ? 255 : 0;
        q[1] = 0;
        q[2] = left ? 0 : 255;
      }
  return p;
}

static void
assert_colour (const GazeImage *image, int x, int y, int r, int g, int b)
{
  const guint8 *q = image->pixels + ((gsize) y * image->width + x) * 3;
  if (ABS (q[0] - r) > 24 || ABS (q[1] - g) > 24 || ABS (q[2] - b) > 24)
    g_error ("pixel (%d, %d) is (%d, %d, %d), expected (%d, %d, %d)", x, y, q[0], q[1], q[2], r,
             g, b);
}

/* A JPEG with an EXIF APP1 segment whose Orientation (tag 0x0112) is 6:
 * the stored picture must be turned 90° clockwise to be shown. */
static void
test_exif_orientation (void)
{
  g_autoptr (GdkPixbuf) pixbuf = red_blue (32, 16);
  g_autofree char *jpeg = NULL;
  gsize jpeg_size;
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &jpeg_size, "jpeg", NULL, "quality",
                                            "100", NULL));
  static const guint8 exif[] = {
    0xff, 0xe1, 0x00, 0x22,                         /* APP1, 34 bytes */
    'E', 'x', 'i', 'f', 0, 0,                       /* Exif header */
    'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,   /* TIFF, little-endian, IFD at 8 */
    0x01, 0x00,                                     /* one entry */
    0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, /* Orientation, SHORT, 1 */
    0x06, 0x00, 0x00, 0x00,                         /* = 6 */
    0x00, 0x00, 0x00, 0x00,                         /* no next IFD */
  };
  g_autoptr (GByteArray) file = g_byte_array_new ();
  g_byte_array_append (file, (const guint8 *) jpeg, 2); /* SOI */
  g_byte_array_append (file, exif, sizeof exif);
  g_byte_array_append (file, (const guint8 *) jpeg + 2, (guint) jpeg_size - 2);
  g_autofree char *path = tmp_path ("rotated.jpg");
  g_assert_true (g_file_set_contents (path, (const char *) file->data, file->len, NULL));

  GError *error = NULL;
  g_autoptr (GazeImage) image = gaze_image_load (path, &error);
  g_assert_no_error (error);
  /* 32×16 stored, 16×32 shown; the left (red) half is now on top. */
  g_assert_cmpint (image->width, ==, 16);
  g_assert_cmpint (image->height, ==, 32);
  assert_colour (image, 8, 4, 255, 0, 0);
  assert_colour (image, 8, 28, 0, 0, 255);
  g_unlink (path);
}

static void
test_alpha_on_white (void)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 3, 1);
  guint8 *px = gdk_pixbuf_get_pixels (pixbuf);
  const guint8 rgba[12] = { 0, 0, 0, 0, 0, 0, 255, 128, 10, 20, 30, 255 };
  memcpy (px, rgba, 12);
  g_autofree char *path = tmp_path ("alpha.png");
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", NULL, NULL));
  GError *error = NULL;
  g_autoptr (GazeImage) image = gaze_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (image->width, ==, 3);
  /* Transparent is white; half-transparent blue is light blue; opaque is itself. */
  const guint8 want[9] = { 255, 255, 255, 127, 127, 255, 10, 20, 30 };
  g_assert_cmpmem (image->pixels, 9, want, 9);
  g_unlink (path);
}

static guint32
crc32 (const guint8 *data, gsize n)
{
  guint32 crc = 0xffffffff;
  for (gsize i = 0; i < n; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
    }
  return ~crc;
}

/* A PNG signature, an IHDR chunk claiming 20000 × 20000 pixels and the start
 * of an IDAT chunk (where libpng reports the size): refused from the header,
 * before any pixel memory exists. */
static void
test_too_large (void)
{
  guint8 png[41] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
  guint32 side = GUINT32_TO_BE (20000);
  memcpy (png + 16, &side, 4);
  memcpy (png + 20, &side, 4);
  png[24] = 8; /* bit depth */
  png[25] = 2; /* RGB */
  guint32 crc = GUINT32_TO_BE (crc32 (png + 12, 17));
  memcpy (png + 29, &crc, 4);
  memcpy (png + 37, "IDAT", 4);
  g_autofree char *path = tmp_path ("huge.png");
  g_assert_true (g_file_set_contents (path, (const char *) png, sizeof png, NULL));
  GError *error = NULL;
  g_assert_null (gaze_image_load (path, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, "too large (20000×20000"));
  g_clear_error (&error);
  g_unlink (path);
}

static void
expect_image_error (const char *path, const char *fragment)
{
  GError *error = NULL;
  g_assert_null (gaze_image_load (path, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE);
  test_util_assert_one_line (error->message, path, fragment);
  g_error_free (error);
}

static void
test_unreadable (void)
{
  g_autofree char *empty = tmp_path ("empty.jpg");
  g_autofree char *text = tmp_path ("text.jpg");
  g_autofree char *cut = tmp_path ("cut.png");
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (g_file_set_contents (text, "this is not a photo\n", -1, NULL));
  /* A real PNG cut short after its header. */
  g_autoptr (GdkPixbuf) pixbuf = red_blue (64, 64);
  g_autofree char *png = NULL;
  gsize png_size;
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &png, &png_size, "png", NULL, NULL));
  g_assert_true (g_file_set_contents (cut, png, 60, NULL));

  expect_image_error ("/nonexistent/photo.jpg", "no such file");
  expect_image_error (empty, "empty file");
  expect_image_error (text, "not an image");
  expect_image_error (cut, "cannot read image");
  g_unlink (empty);
  g_unlink (text);
  g_unlink (cut);
}

static void
test_from_data (void)
{
  /* Two RGBA pixels a row, rows 12 bytes apart. */
  const guint8 data[24] = { 255, 0, 0, 255, 0, 0, 0, 0, 9, 9, 9, 9,
                            0, 255, 0, 255, 0, 0, 255, 255, 9, 9, 9, 9 };
  GError *error = NULL;
  g_autoptr (GazeImage) image = gaze_image_new_from_data (data, 2, 2, 12, 4, &error);
  g_assert_no_error (error);
  const guint8 want[12] = { 255, 0, 0, 255, 255, 255, 0, 255, 0, 0, 0, 255 };
  g_assert_cmpmem (image->pixels, 12, want, 12);
  g_assert_null (gaze_image_new_from_data (data, 2, 2, 12, 2, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE);
  g_clear_error (&error);
  g_assert_null (gaze_image_new_from_data (data, 2, 2, 4, 4, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE);
  g_clear_error (&error);
}

/* Mirroring reverses each row's pixels, keeping each pixel's channels in
 * order (odd and even widths), and twice gives the image back. */
static void
test_mirror (void)
{
  const guint8 data[2 * 3 * 3] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18 };
  const guint8 want3[18] = { 7, 8, 9, 4, 5, 6, 1, 2, 3, 16, 17, 18, 13, 14, 15, 10, 11, 12 };
  g_autoptr (GazeImage) odd = gaze_image_new_from_data (data, 3, 2, 9, 3, NULL);
  gaze_image_mirror (odd);
  g_assert_cmpmem (odd->pixels, 18, want3, 18);
  gaze_image_mirror (odd);
  g_assert_cmpmem (odd->pixels, 18, data, 18);
  const guint8 want2[12] = { 4, 5, 6, 1, 2, 3, 10, 11, 12, 7, 8, 9 };
  g_autoptr (GazeImage) even = gaze_image_new_from_data (data, 2, 3, 6, 3, NULL);
  gaze_image_mirror (even);
  g_assert_cmpmem (even->pixels, 12, want2, 12);
}

static GazeImage *
grey_row (const guint8 *values, int width)
{
  guint8 rgb[64 * 3];
  for (int x = 0; x < width; x++)
    rgb[3 * x] = rgb[3 * x + 1] = rgb[3 * x + 2] = values[x];
  return gaze_image_new_from_data (rgb, width, 1, width * 3, 3, NULL);
}

static void
test_resize (void)
{
  guint8 out[8 * 3];
  /* Downscale by 2: each output averages two inputs. */
  const guint8 four[4] = { 0, 100, 200, 40 };
  g_autoptr (GazeImage) a = grey_row (four, 4);
  gaze_image_resize (a, 2, 1, out);
  g_assert_cmpint (out[0], ==, 50);
  g_assert_cmpint (out[3], ==, 120);
  /* Downscale by 1.5: the middle input is shared half and half (area averaging). */
  const guint8 three[3] = { 0, 90, 180 };
  g_autoptr (GazeImage) b = grey_row (three, 3);
  gaze_image_resize (b, 2, 1, out);
  g_assert_cmpint (out[0], ==, 30);
  g_assert_cmpint (out[3], ==, 150);
  /* Upscale by 2: linear between the pixel centres, the ends held. */
  const guint8 two[2] = { 0, 255 };
  g_autoptr (GazeImage) c = grey_row (two, 2);
  gaze_image_resize (c, 4, 1, out);
  g_assert_cmpint (out[0], ==, 0);
  g_assert_cmpint (out[3], ==, 64);
  g_assert_cmpint (out[6], ==, 191);
  g_assert_cmpint (out[9], ==, 255);
  /* A flat picture stays flat at any size, both ways. */
  g_autoptr (GdkPixbuf) flat = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 37, 23);
  gdk_pixbuf_fill (flat, 0x336699ff);
  g_autoptr (GazeImage) d = gaze_image_new_from_data (
      gdk_pixbuf_read_pixels (flat), 37, 23, gdk_pixbuf_get_rowstride (flat), 3, NULL);
  g_autofree guint8 *big = g_malloc (224 * 224 * 3);
  gaze_image_resize (d, 224, 224, big);
  for (int i = 0; i < 224 * 224; i++)
    g_assert_true (big[3 * i] == 0x33 && big[3 * i + 1] == 0x66 && big[3 * i + 2] == 0x99);
  gaze_image_resize (d, 5, 3, big);
  for (int i = 0; i < 15; i++)
    g_assert_true (big[3 * i] == 0x33 && big[3 * i + 1] == 0x66 && big[3 * i + 2] == 0x99);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("gaze-image-XXXXXX", NULL);
  g_test_add_func ("/image/exif-orientation", test_exif_orientation);
  g_test_add_func ("/image/alpha-on-white", test_alpha_on_white);
  g_test_add_func ("/image/too-large", test_too_large);
  g_test_add_func ("/image/unreadable", test_unreadable);
  g_test_add_func ("/image/from-data", test_from_data);
  g_test_add_func ("/image/mirror", test_mirror);
  g_test_add_func ("/image/resize", test_resize);
  int status = g_test_run ();
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return status;
}
