/* gaze-heatmap.c — upsampling, blur and colour maps for attention maps. */
#include "gaze-heatmap.h"

#include <math.h>
#include <string.h>

/* ── Colour maps ─────────────────────────────────────────────────────────────
 * Ten evenly spaced samples (positions 0, 1/9, …, 1) of matplotlib's inferno
 * and viridis, which were designed to be perceptually uniform and readable in
 * grey and by colour-blind people.  Between samples the colour is linearly
 * interpolated; the 256-entry lookup tables are built once. */

#define N_STOPS 10

static const guint8 colormap_stops[GAZE_N_COLORMAPS][N_STOPS][3] = {
  [GAZE_COLORMAP_INFERNO] = {
    { 0x00, 0x00, 0x04 }, { 0x1b, 0x0c, 0x42 }, { 0x4b, 0x0c, 0x6b }, { 0x78, 0x1c, 0x6d },
    { 0xa5, 0x2c, 0x60 }, { 0xcf, 0x44, 0x46 }, { 0xed, 0x69, 0x25 }, { 0xfb, 0x9a, 0x06 },
    { 0xf7, 0xd0, 0x3c }, { 0xfc, 0xff, 0xa4 },
  },
  [GAZE_COLORMAP_VIRIDIS] = {
    { 0x44, 0x01, 0x54 }, { 0x48, 0x28, 0x78 }, { 0x3e, 0x4a, 0x89 }, { 0x31, 0x68, 0x8e },
    { 0x26, 0x82, 0x8e }, { 0x1f, 0x9e, 0x89 }, { 0x35, 0xb7, 0x79 }, { 0x6d, 0xcd, 0x59 },
    { 0xb4, 0xde, 0x2c }, { 0xfd, 0xe7, 0x25 },
  },
};

typedef struct {
  guint8 rgb[256][3];
} ColormapTable;

static ColormapTable colormap_tables[GAZE_N_COLORMAPS];

static gpointer
build_tables (gpointer unused)
{
  for (int m = 0; m < GAZE_N_COLORMAPS; m++)
    for (int i = 0; i < 256; i++)
      {
        float position = i / 255.0f * (N_STOPS - 1);
        int stop = MIN ((int) position, N_STOPS - 2);
        float t = position - stop;
        for (int c = 0; c < 3; c++)
          {
            float a = colormap_stops[m][stop][c], b = colormap_stops[m][stop + 1][c];
            colormap_tables[m].rgb[i][c] = (guint8) lrintf (a + t * (b - a));
          }
      }
  return NULL;
}

static const ColormapTable *
colormap_table (GazeColormap cmap)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, build_tables, NULL);
  return &colormap_tables[CLAMP ((int) cmap, 0, GAZE_N_COLORMAPS - 1)];
}

static int
colormap_index (float v)
{
  if (!(v > 0.0f)) /* also NaN */
    return 0;
  if (v >= 1.0f)
    return 255;
  return (int) lrintf (v * 255.0f);
}

void
gaze_colormap_lookup (GazeColormap cmap, float v, guint8 rgb[3])
{
  memcpy (rgb, colormap_table (cmap)->rgb[colormap_index (v)], 3);
}

/* ── Upsampling ──────────────────────────────────────────────────────────── */

/* Catmull-Rom weights of the samples at −1, 0, 1, 2 for a point t ∈ [0, 1)
 * past sample 0: the cubic that passes through the samples, so a cell's
 * centre gets exactly the cell's α. */
static void
catmull_rom_weights (float t, float w[4])
{
  float t2 = t * t, t3 = t2 * t;
  w[0] = 0.5f * (-t3 + 2.0f * t2 - t);
  w[1] = 0.5f * (3.0f * t3 - 5.0f * t2 + 2.0f);
  w[2] = 0.5f * (-3.0f * t3 + 4.0f * t2 + t);
  w[3] = 0.5f * (t3 - t2);
}

/* For each of n output pixels along one axis: the 4 grid indices (clamped to
 * the edge) and their weights. */
static void
axis_taps (int n, int grid_size, int *index, float *weight)
{
  for (int x = 0; x < n; x++)
    {
      /* Pixel centre x + ½ in grid units, measured from the first cell's centre. */
      float g = (x + 0.5f) * grid_size / n - 0.5f;
      g = CLAMP (g, 0.0f, (float) (grid_size - 1));
      int i = (int) floorf (g);
      catmull_rom_weights (g - i, weight + 4 * x);
      for (int k = 0; k < 4; k++)
        index[4 * x + k] = CLAMP (i - 1 + k, 0, grid_size - 1);
    }
}

void
gaze_heatmap_upsample (const float *alpha, int grid_size, int width, int height, float *out)
{
  g_return_if_fail (grid_size > 0 && width > 0 && height > 0);
  g_autofree int *xi = g_new (int, 4 * width);
  g_autofree float *xw = g_new (float, 4 * width);
  g_autofree int *yi = g_new (int, 4 * height);
  g_autofree float *yw = g_new (float, 4 * height);
  axis_taps (width, grid_size, xi, xw);
  axis_taps (height, grid_size, yi, yw);

  /* Rows first: each grid row interpolated across the output's width. */
  g_autofree float *rows = g_new (float, grid_size * width);
  for (int r = 0; r < grid_size; r++)
    for (int x = 0; x < width; x++)
      {
        const int *i = xi + 4 * x;
        const float *w = xw + 4 * x;
        const float *a = alpha + r * grid_size;
        rows[r * width + x] = w[0] * a[i[0]] + w[1] * a[i[1]] + w[2] * a[i[2]] + w[3] * a[i[3]];
      }
  for (int y = 0; y < height; y++)
    {
      const int *i = yi + 4 * y;
      const float *w = yw + 4 * y;
      float *o = out + (gsize) y * width;
      for (int x = 0; x < width; x++)
        {
          float v = w[0] * rows[i[0] * width + x] + w[1] * rows[i[1] * width + x]
                    + w[2] * rows[i[2] * width + x] + w[3] * rows[i[3] * width + x];
          /* The cubic overshoots a little next to sharp peaks; α is never negative. */
          o[x] = MAX (v, 0.0f);
        }
    }
}

/* ── Blur ────────────────────────────────────────────────────────────────── */

/* One pass along lines of n samples spaced step apart (1 for rows, width for
 * columns), count lines spaced line_step apart. */
static void
blur_pass (float *map, int n, int step, int count, int line_step, const float *kernel,
           int radius, float *line)
{
  for (int l = 0; l < count; l++)
    {
      float *base = map + (gsize) l * line_step;
      for (int i = 0; i < n; i++)
        line[i] = base[(gsize) i * step];
      for (int i = 0; i < n; i++)
        {
          int lo = MAX (i - radius, 0), hi = MIN (i + radius, n - 1);
          float sum = 0.0f, norm = 0.0f;
          for (int j = lo; j <= hi; j++)
            {
              float k = kernel[j - i + radius];
              sum += k * line[j];
              norm += k;
            }
          base[(gsize) i * step] = sum / norm;
        }
    }
}

void
gaze_heatmap_blur (float *map, int width, int height, float sigma)
{
  g_return_if_fail (width > 0 && height > 0);
  if (!(sigma > 0.0f))
    return;
  int radius = MIN ((int) ceilf (3.0f * sigma), MAX (width, height));
  g_autofree float *kernel = g_new (float, 2 * radius + 1);
  for (int d = -radius; d <= radius; d++)
    kernel[d + radius] = expf (-0.5f * d * d / (sigma * sigma));
  g_autofree float *line = g_new (float, MAX (width, height));
  blur_pass (map, width, 1, height, width, kernel, radius, line);
  blur_pass (map, height, width, width, 1, kernel, radius, line);
}

void
gaze_heatmap_normalize (float *map, int n)
{
  float top = 0.0f;
  for (int i = 0; i < n; i++)
    top = MAX (top, map[i]);
  if (top <= 0.0f)
    return;
  for (int i = 0; i < n; i++)
    map[i] /= top;
}

void
gaze_heatmap_fixed_scale (float *map, int n)
{
  for (int i = 0; i < n; i++)
    map[i] = CLAMP (map[i] / GAZE_HEATMAP_ALPHA_CEILING, 0.0f, 1.0f);
}

/* ── Surfaces ────────────────────────────────────────────────────────────── */

void
gaze_heatmap_surface_size (int width, int height, int *surface_width, int *surface_height)
{
  int side = MAX (MAX (width, height), 1);
  double scale = MIN (1.0, (double) GAZE_HEATMAP_MAX_SIDE / side);
  *surface_width = MAX ((int) lround (width * scale), 1);
  *surface_height = MAX ((int) lround (height * scale), 1);
}

static guint32
premultiplied_pixel (const guint8 rgb[3], float alpha)
{
  guint32 a = (guint32) lrintf (CLAMP (alpha, 0.0f, 1.0f) * 255.0f);
  guint32 r = (rgb[0] * a + 127) / 255, g = (rgb[1] * a + 127) / 255, b = (rgb[2] * a + 127) / 255;
  return a << 24 | r << 16 | g << 8 | b;
}

/* Writes v (one float a pixel, rows packed) into an ARGB32 surface. */
static cairo_surface_t *
surface_from_values (const float *v, int width, int height, GazeOverlayMode mode,
                     GazeColormap cmap)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_surface_flush (surface);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const ColormapTable *table = colormap_table (cmap);
  static const guint8 black[3] = { 0, 0, 0 };
  for (int y = 0; y < height; y++)
    {
      guint32 *row = (guint32 *) (data + (gsize) y * stride);
      for (int x = 0; x < width; x++)
        {
          float value = v[(gsize) y * width + x];
          row[x] = mode == GAZE_OVERLAY_SPOTLIGHT
                       ? premultiplied_pixel (black, 1.0f - CLAMP (value, 0.0f, 1.0f))
                       : premultiplied_pixel (table->rgb[colormap_index (value)], 1.0f);
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

cairo_surface_t *
gaze_heatmap_surface_new (const float *alpha, int grid_size, int photo_width, int photo_height,
                          GazeOverlayMode mode, GazeColormap cmap)
{
  int width, height;
  gaze_heatmap_surface_size (photo_width, photo_height, &width, &height);
  g_autofree float *map = g_new (float, (gsize) width * height);
  gaze_heatmap_upsample (alpha, grid_size, width, height, map);
  /* A light blur, a quarter of a cell, smooths the cubic's ridges without
   * moving the peak. */
  float cell = (float) MAX (width, height) / grid_size;
  gaze_heatmap_blur (map, width, height, 0.25f * cell);
  gaze_heatmap_fixed_scale (map, width * height);
  return surface_from_values (map, width, height, mode, cmap);
}

cairo_surface_t *
gaze_heatmap_grid_surface_new (const float *alpha, int grid_size, GazeColormap cmap)
{
  int n = grid_size * grid_size;
  g_autofree float *map = g_memdup2 (alpha, sizeof (float) * n);
  gaze_heatmap_fixed_scale (map, n);
  return surface_from_values (map, grid_size, grid_size, GAZE_OVERLAY_COLORMAP, cmap);
}
