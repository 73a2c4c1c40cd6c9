/* image.c — photos in, packed RGB out: GdkPixbuf decodes every format it
 * knows; EXIF orientation is applied; alpha is flattened on white; and
 * gaze_image_resize brings a photo to the encoder's input size.
 */
#include "gaze.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* Composites a pixel on white: c·α + 255·(1 − α), rounded. */
static inline guint8
on_white (guint8 c, guint8 alpha)
{
  return (guint8) ((c * alpha + 255 * (255 - alpha) + 127) / 255);
}

GazeImage *
gaze_image_new_from_data (const guint8 *data, int width, int height, int stride, int n_channels,
                          GError **error)
{
  g_return_val_if_fail (data != NULL, NULL);
  if (width < 1 || height < 1 || (gint64) width * height > GAZE_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE, "invalid image size %d×%d", width, height);
      return NULL;
    }
  if ((n_channels != 3 && n_channels != 4) || stride < width * n_channels)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE,
                   "invalid pixel layout (%d channels, stride %d)", n_channels, stride);
      return NULL;
    }
  GazeImage *image = g_new (GazeImage, 1);
  image->width = width;
  image->height = height;
  image->pixels = g_malloc ((gsize) width * height * 3);
  for (int y = 0; y < height; y++)
    {
      const guint8 *src = data + (gsize) y * stride;
      guint8 *dst = image->pixels + (gsize) y * width * 3;
      if (n_channels == 3)
        memcpy (dst, src, (gsize) width * 3);
      else
        for (int x = 0; x < width; x++)
          for (int k = 0; k < 3; k++)
            dst[3 * x + k] = on_white (src[4 * x + k], src[4 * x + 3]);
    }
  return image;
}

GazeImage *
gaze_image_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  /* The size first, from the header: a huge image is refused before any
   * pixel memory is allocated. */
  GStatBuf st;
  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE, "%s: %s", path,
                   g_file_test (path, G_FILE_TEST_EXISTS) ? "not a regular file" : "no such file");
      return NULL;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE, "%s: empty file", path);
      return NULL;
    }
  int width = 0, height = 0;
  GdkPixbufFormat *format = gdk_pixbuf_get_file_info (path, &width, &height);
  if (format == NULL)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE, "%s: not an image in a known format",
                   path);
      return NULL;
    }
  if (width < 1 || height < 1 || (gint64) width * height > GAZE_IMAGE_MAX_PIXELS)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE,
                   "%s: image too large (%d×%d, at most %d pixels)", path, width, height,
                   GAZE_IMAGE_MAX_PIXELS);
      return NULL;
    }

  g_autoptr (GError) local = NULL;
  g_autoptr (GdkPixbuf) raw = gdk_pixbuf_new_from_file (path, &local);
  if (raw == NULL)
    {
      g_autofree char *message = g_strdup (local->message);
      g_strdelimit (message, "\r\n", ' ');
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE, "%s: cannot read image: %s", path,
                   message);
      return NULL;
    }
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_apply_embedded_orientation (raw);
  if (pixbuf == NULL || gdk_pixbuf_get_bits_per_sample (pixbuf) != 8
      || gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IMAGE, "%s: unsupported pixel format", path);
      return NULL;
    }
  GazeImage *image = gaze_image_new_from_data (
      gdk_pixbuf_read_pixels (pixbuf), gdk_pixbuf_get_width (pixbuf),
      gdk_pixbuf_get_height (pixbuf), gdk_pixbuf_get_rowstride (pixbuf),
      gdk_pixbuf_get_n_channels (pixbuf), error);
  if (image == NULL)
    g_prefix_error (error, "%s: ", path);
  return image;
}

void
gaze_image_free (GazeImage *image)
{
  if (image == NULL)
    return;
  g_free (image->pixels);
  g_free (image);
}

void
gaze_image_mirror (GazeImage *image)
{
  g_return_if_fail (image != NULL);
  for (int y = 0; y < image->height; y++)
    {
      guint8 *row = image->pixels + (gsize) y * image->width * 3;
      for (int l = 0, r = image->width - 1; l < r; l++, r--)
        for (int k = 0; k < 3; k++)
          {
            guint8 t = row[3 * l + k];
            row[3 * l + k] = row[3 * r + k];
            row[3 * r + k] = t;
          }
    }
}

/* The filter taps of one output coordinate along an axis. */
typedef struct {
  int first; /* first source index */
  int n;     /* number of taps */
  int weights_at; /* into the weights table */
} Taps;

/* Taps for resizing an axis of in samples to out.  Downscaling averages the
 * area each output sample covers (a box of in/out source samples, partial at
 * its ends); upscaling interpolates linearly between the two nearest samples,
 * pixel centres aligned as in (x + ½)·in/out − ½. */
static float *
axis_taps (int in, int out, Taps *taps)
{
  double scale = (double) in / out;
  int max_taps = scale > 1 ? (int) scale + 2 : 2;
  float *weights = g_new0 (float, (gsize) out * max_taps);
  for (int o = 0; o < out; o++)
    {
      Taps *t = &taps[o];
      float *w = weights + (gsize) o * max_taps;
      t->weights_at = o * max_taps;
      if (scale > 1)
        {
          double x0 = o * scale, x1 = (o + 1) * scale;
          t->first = (int) x0;
          int last = MIN ((int) ceil (x1), in) - 1;
          t->n = last - t->first + 1;
          for (int k = 0; k < t->n; k++)
            {
              double a = MAX (x0, t->first + k), b = MIN (x1, t->first + k + 1);
              w[k] = (float) (MAX (b - a, 0.0) / scale);
            }
        }
      else
        {
          double x = (o + 0.5) * scale - 0.5;
          x = CLAMP (x, 0.0, in - 1.0);
          t->first = MIN ((int) x, in - 1);
          double f = x - t->first;
          t->n = t->first + 1 < in ? 2 : 1;
          w[0] = (float) (1.0 - f);
          if (t->n == 2)
            w[1] = (float) f;
          else
            w[0] = 1.0f;
        }
    }
  return weights;
}

void
gaze_image_resize (const GazeImage *image, int width, int height, guint8 *out)
{
  g_return_if_fail (image != NULL && width > 0 && height > 0 && out != NULL);
  g_autofree Taps *tx = g_new (Taps, width);
  g_autofree Taps *ty = g_new (Taps, height);
  g_autofree float *wx = axis_taps (image->width, width, tx);
  g_autofree float *wy = axis_taps (image->height, height, ty);

  /* Separable: the columns first, into a float image of height × … rows. */
  g_autofree float *rows = g_new (float, (gsize) image->height * width * 3);
#pragma omp parallel for schedule(static) if ((gint64) image->height * width > 65536)
  for (int y = 0; y < image->height; y++)
    {
      const guint8 *src = image->pixels + (gsize) y * image->width * 3;
      float *dst = rows + (gsize) y * width * 3;
      for (int x = 0; x < width; x++)
        {
          float acc[3] = { 0, 0, 0 };
          const float *w = wx + tx[x].weights_at;
          for (int k = 0; k < tx[x].n; k++)
            for (int c = 0; c < 3; c++)
              acc[c] += w[k] * src[3 * (tx[x].first + k) + c];
          for (int c = 0; c < 3; c++)
            dst[3 * x + c] = acc[c];
        }
    }
  for (int y = 0; y < height; y++)
    {
      const float *w = wy + ty[y].weights_at;
      guint8 *dst = out + (gsize) y * width * 3;
      for (int i = 0; i < width * 3; i++)
        {
          float acc = 0;
          for (int k = 0; k < ty[y].n; k++)
            acc += w[k] * rows[(gsize) (ty[y].first + k) * width * 3 + i];
          dst[i] = (guint8) CLAMP ((int) (acc + 0.5f), 0, 255);
        }
    }
}
