/* test-heatmap.c — upsampling, blur and colour maps of attention maps. */
#include "gaze-heatmap.h"

#include <math.h>

#define GRID 7

/* A map with a different value in every cell, summing to 1 like α. */
static void
ramp_alpha (float *alpha)
{
  float sum = 0;
  for (int i = 0; i < GRID * GRID; i++)
    sum += alpha[i] = 1.0f + (i * 37 % 49);
  for (int i = 0; i < GRID * GRID; i++)
    alpha[i] /= sum;
}

static double
mean (const float *v, int n)
{
  double s = 0;
  for (int i = 0; i < n; i++)
    s += v[i];
  return s / n;
}

static void
test_upsample_cells (void)
{
  float alpha[GRID * GRID];
  ramp_alpha (alpha);
  /* 7 × 11 pixels a cell, an odd count: cell (r, c)'s centre is pixel
   * (11c + 5, 11r + 5), where the interpolant must equal the cell exactly. */
  int w = GRID * 11, h = GRID * 11;
  g_autofree float *out = g_new (float, w * h);
  gaze_heatmap_upsample (alpha, GRID, w, h, out);
  for (int r = 0; r < GRID; r++)
    for (int c = 0; c < GRID; c++)
      g_assert_cmpfloat_with_epsilon (out[(11 * r + 5) * w + 11 * c + 5], alpha[r * GRID + c], 1e-7);
  /* Corners hold their cell's value out to the edge (clamped, not faded). */
  g_assert_cmpfloat_with_epsilon (out[0], alpha[0], 1e-7);
  g_assert_cmpfloat_with_epsilon (out[w - 1], alpha[GRID - 1], 1e-7);
  g_assert_cmpfloat_with_epsilon (out[(h - 1) * w], alpha[(GRID - 1) * GRID], 1e-7);
  g_assert_cmpfloat_with_epsilon (out[h * w - 1], alpha[GRID * GRID - 1], 1e-7);
  /* The centre pixel is the centre cell. */
  g_assert_cmpfloat_with_epsilon (out[(h / 2) * w + w / 2], alpha[GRID * GRID / 2], 1e-7);
}

static void
test_upsample_mass (void)
{
  /* Mass is (nearly) preserved: the mean over the pixels stays near the mean
   * α, 1/49, on a smooth map; and a constant map stays exactly constant. */
  float alpha[GRID * GRID];
  for (int r = 0; r < GRID; r++)
    for (int c = 0; c < GRID; c++)
      alpha[r * GRID + c] = 1.0f + 0.5f * sinf (r * 0.7f) * cosf (c * 0.5f);
  double in_mean = mean (alpha, GRID * GRID);
  int w = 224, h = 168;
  g_autofree float *out = g_new (float, w * h);
  gaze_heatmap_upsample (alpha, GRID, w, h, out);
  g_assert_cmpfloat (fabs (mean (out, w * h) - in_mean) / in_mean, <, 0.02);

  for (int i = 0; i < GRID * GRID; i++)
    alpha[i] = 1.0f / 49;
  gaze_heatmap_upsample (alpha, GRID, w, h, out);
  for (int i = 0; i < w * h; i++)
    g_assert_cmpfloat_with_epsilon (out[i], 1.0f / 49, 1e-6);
}

static void
test_upsample_peak (void)
{
  /* A single attended cell: never negative (the cubic's overshoot is cut),
   * the maximum sits in that cell, and far cells stay at zero. */
  float alpha[GRID * GRID] = { 0 };
  alpha[2 * GRID + 4] = 1.0f;
  int w = 70, h = 70;
  g_autofree float *out = g_new (float, w * h);
  gaze_heatmap_upsample (alpha, GRID, w, h, out);
  int best = 0;
  for (int i = 0; i < w * h; i++)
    {
      g_assert_cmpfloat (out[i], >=, 0.0f);
      if (out[i] > out[best])
        best = i;
    }
  g_assert_cmpint ((best % w) / 10, ==, 4);
  g_assert_cmpint ((best / w) / 10, ==, 2);
  g_assert_cmpfloat (out[(h - 1) * w], ==, 0.0f);
}

static void
test_blur (void)
{
  int w = 61, h = 41;
  g_autofree float *map = g_new (float, w * h);
  /* A constant stays constant, borders included. */
  for (int i = 0; i < w * h; i++)
    map[i] = 0.25f;
  gaze_heatmap_blur (map, w, h, 3.0f);
  for (int i = 0; i < w * h; i++)
    g_assert_cmpfloat_with_epsilon (map[i], 0.25f, 1e-6);

  /* A point in the middle: the sum is kept (it is far from the borders), the
   * peak is lower and stays put, and the spread is symmetric. */
  for (int i = 0; i < w * h; i++)
    map[i] = 0.0f;
  int centre = (h / 2) * w + w / 2;
  map[centre] = 1.0f;
  gaze_heatmap_blur (map, w, h, 2.0f);
  g_assert_cmpfloat_with_epsilon (mean (map, w * h) * w * h, 1.0, 1e-4);
  g_assert_cmpfloat (map[centre], <, 0.1f);
  for (int i = 0; i < w * h; i++)
    g_assert_cmpfloat (map[i], <=, map[centre]);
  g_assert_cmpfloat_with_epsilon (map[centre - 3], map[centre + 3], 1e-7);
  g_assert_cmpfloat_with_epsilon (map[centre - 3 * w], map[centre + 3], 1e-7);
  /* A Gaussian of σ = 2: one σ away the value is e^(−1/2) of the peak. */
  g_assert_cmpfloat_with_epsilon (map[centre + 2] / map[centre], expf (-0.5f), 1e-3);
}

static void
test_normalize (void)
{
  float v[4] = { 0.1f, 0.4f, 0.2f, 0.0f };
  gaze_heatmap_normalize (v, 4);
  g_assert_cmpfloat (v[1], ==, 1.0f);
  g_assert_cmpfloat_with_epsilon (v[0], 0.25f, 1e-7);
  float zero[2] = { 0, 0 };
  gaze_heatmap_normalize (zero, 2);
  g_assert_cmpfloat (zero[0], ==, 0.0f);
}

static void
assert_rgb (GazeColormap cmap, float v, guint8 r, guint8 g, guint8 b)
{
  guint8 rgb[3];
  gaze_colormap_lookup (cmap, v, rgb);
  g_assert_cmpuint (rgb[0], ==, r);
  g_assert_cmpuint (rgb[1], ==, g);
  g_assert_cmpuint (rgb[2], ==, b);
}

static double
luminance (GazeColormap cmap, float v)
{
  guint8 rgb[3];
  gaze_colormap_lookup (cmap, v, rgb);
  return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
}

static void
test_colormaps (void)
{
  /* matplotlib's endpoints: inferno from #000004 to #fcffa4, viridis from
   * #440154 to #fde725; values outside [0, 1] (and NaN) are clamped. */
  assert_rgb (GAZE_COLORMAP_INFERNO, 0.0f, 0x00, 0x00, 0x04);
  assert_rgb (GAZE_COLORMAP_INFERNO, 1.0f, 0xfc, 0xff, 0xa4);
  assert_rgb (GAZE_COLORMAP_VIRIDIS, 0.0f, 0x44, 0x01, 0x54);
  assert_rgb (GAZE_COLORMAP_VIRIDIS, 1.0f, 0xfd, 0xe7, 0x25);
  assert_rgb (GAZE_COLORMAP_VIRIDIS, -3.0f, 0x44, 0x01, 0x54);
  assert_rgb (GAZE_COLORMAP_INFERNO, 7.0f, 0xfc, 0xff, 0xa4);
  assert_rgb (GAZE_COLORMAP_INFERNO, NAN, 0x00, 0x00, 0x04);
  /* The middle of viridis is its teal (#21918c between #26828e and #1f9e89). */
  guint8 mid[3];
  gaze_colormap_lookup (GAZE_COLORMAP_VIRIDIS, 0.5f, mid);
  g_assert_cmpint (abs (mid[0] - 0x21), <=, 3);
  g_assert_cmpint (abs (mid[1] - 0x91), <=, 3);
  g_assert_cmpint (abs (mid[2] - 0x8c), <=, 3);
  /* Both maps grow brighter from start to end, so more attention reads lighter. */
  for (int m = 0; m < GAZE_N_COLORMAPS; m++)
    for (int i = 1; i <= 16; i++)
      g_assert_cmpfloat (luminance (m, i / 16.0f), >, luminance (m, (i - 1) / 16.0f));
}

static guint32
pixel (cairo_surface_t *surface, int x, int y)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  return ((const guint32 *) (data + y * cairo_image_surface_get_stride (surface)))[x];
}

static void
test_surfaces (void)
{
  int w, h;
  gaze_heatmap_surface_size (500, 375, &w, &h);
  g_assert_cmpint (w, ==, GAZE_HEATMAP_MAX_SIDE);
  g_assert_cmpint (h, ==, 192);
  gaze_heatmap_surface_size (100, 50, &w, &h);
  g_assert_cmpint (w, ==, 100);
  g_assert_cmpint (h, ==, 50);

  float alpha[GRID * GRID] = { 0 };
  alpha[0] = 1.0f; /* top left */
  cairo_surface_t *spot = gaze_heatmap_surface_new (alpha, GRID, 500, 375, GAZE_OVERLAY_SPOTLIGHT,
                                                    GAZE_COLORMAP_INFERNO);
  g_assert_cmpint (cairo_image_surface_get_width (spot), ==, 256);
  /* Spotlight: the attended corner is clear, the far corner dark. */
  g_assert_cmpuint (pixel (spot, 0, 0) >> 24, <, 10);
  g_assert_cmpuint (pixel (spot, 255, 191) >> 24, ==, 255);
  cairo_surface_destroy (spot);

  cairo_surface_t *map = gaze_heatmap_surface_new (alpha, GRID, 500, 375, GAZE_OVERLAY_COLORMAP,
                                                   GAZE_COLORMAP_INFERNO);
  /* Colour map: opaque; the top of inferno at the peak, its bottom far away. */
  g_assert_cmpuint (pixel (map, 0, 0), ==, 0xfffcffa4);
  g_assert_cmpuint (pixel (map, 255, 191), ==, 0xff000004);
  cairo_surface_destroy (map);

  cairo_surface_t *grid = gaze_heatmap_grid_surface_new (alpha, GRID, GAZE_COLORMAP_VIRIDIS);
  g_assert_cmpint (cairo_image_surface_get_width (grid), ==, GRID);
  g_assert_cmpuint (pixel (grid, 0, 0), ==, 0xfffde725);
  g_assert_cmpuint (pixel (grid, 1, 0), ==, 0xff440154);
  cairo_surface_destroy (grid);
}

/* Relative luminance (Rec. 709) of an opaque ARGB32 pixel, 0 … 1. */
static double
pixel_luminance (guint32 p)
{
  return (0.2126 * (p >> 16 & 0xff) + 0.7152 * (p >> 8 & 0xff) + 0.0722 * (p & 0xff)) / 255.0;
}

static void
luminance_range (cairo_surface_t *surface, double *lo, double *hi)
{
  *lo = 1.0;
  *hi = 0.0;
  for (int y = 0; y < cairo_image_surface_get_height (surface); y++)
    for (int x = 0; x < cairo_image_surface_get_width (surface); x++)
      {
        double l = pixel_luminance (pixel (surface, x, y));
        *lo = MIN (*lo, l);
        *hi = MAX (*hi, l);
      }
}

/* The display must not lie: uniform attention (every α = 1/49) looks flat and
 * dark, a map whose peak holds a third of the mass looks bright where it is;
 * and a nearly flat map (peak 1.5 × uniform) stays dim, not stretched to the
 * full range as a per-map maximum would. */
static void
test_flat_looks_flat (void)
{
  float uniform[GRID * GRID], peaked[GRID * GRID], nearly[GRID * GRID];
  for (int i = 0; i < GRID * GRID; i++)
    {
      uniform[i] = 1.0f / (GRID * GRID);
      peaked[i] = (1.0f - 0.35f) / (GRID * GRID - 1);
      nearly[i] = (1.0f - 1.5f / 49) / (GRID * GRID - 1);
    }
  peaked[24] = 0.35f;
  nearly[24] = 1.5f / 49;
  double flat_lo, flat_hi, peak_lo, peak_hi, near_lo, near_hi;
  for (int cmap = 0; cmap < GAZE_N_COLORMAPS; cmap++)
    {
      cairo_surface_t *flat = gaze_heatmap_surface_new (uniform, GRID, 500, 375,
                                                        GAZE_OVERLAY_COLORMAP, cmap);
      cairo_surface_t *peak = gaze_heatmap_surface_new (peaked, GRID, 500, 375,
                                                        GAZE_OVERLAY_COLORMAP, cmap);
      cairo_surface_t *near = gaze_heatmap_surface_new (nearly, GRID, 500, 375,
                                                        GAZE_OVERLAY_COLORMAP, cmap);
      luminance_range (flat, &flat_lo, &flat_hi);
      luminance_range (peak, &peak_lo, &peak_hi);
      luminance_range (near, &near_lo, &near_hi);
      g_test_message ("colour map %d: uniform %.3f…%.3f, 1.5× uniform %.3f…%.3f, peaked %.3f…%.3f",
                      cmap, flat_lo, flat_hi, near_lo, near_hi, peak_lo, peak_hi);
      /* Flat: one colour, within rounding. */
      g_assert_cmpfloat (flat_hi - flat_lo, <, 0.01);
      /* Dim beside the peak, whose brightest is the top of the map. */
      g_assert_cmpfloat (peak_hi, >, 0.85);
      g_assert_cmpfloat (flat_hi, <, peak_hi / 2);
      /* A nearly flat map is still dim: less than a third of the range used. */
      g_assert_cmpfloat (near_hi - near_lo, <, (peak_hi - peak_lo) / 3);
      g_assert_cmpfloat (near_hi, <, peak_hi / 2);
      cairo_surface_destroy (flat);
      cairo_surface_destroy (peak);
      cairo_surface_destroy (near);
    }
  /* Spotlight: uniform attention lights nothing up; the peak is clear. */
  cairo_surface_t *flat = gaze_heatmap_surface_new (uniform, GRID, 500, 375,
                                                    GAZE_OVERLAY_SPOTLIGHT, GAZE_COLORMAP_INFERNO);
  cairo_surface_t *peak = gaze_heatmap_surface_new (peaked, GRID, 500, 375,
                                                    GAZE_OVERLAY_SPOTLIGHT, GAZE_COLORMAP_INFERNO);
  g_assert_cmpuint (pixel (flat, 128, 96) >> 24, >, 200);
  g_assert_cmpuint (pixel (peak, 128, 96) >> 24, <, 30);
  cairo_surface_destroy (flat);
  cairo_surface_destroy (peak);
  /* The raw grid is on the same scale. */
  cairo_surface_t *grid = gaze_heatmap_grid_surface_new (uniform, GRID, GAZE_COLORMAP_INFERNO);
  g_assert_cmpfloat (pixel_luminance (pixel (grid, 3, 3)), <, 0.1);
  cairo_surface_destroy (grid);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/heatmap/upsample/cells", test_upsample_cells);
  g_test_add_func ("/heatmap/upsample/mass", test_upsample_mass);
  g_test_add_func ("/heatmap/upsample/peak", test_upsample_peak);
  g_test_add_func ("/heatmap/blur", test_blur);
  g_test_add_func ("/heatmap/normalize", test_normalize);
  g_test_add_func ("/heatmap/colormaps", test_colormaps);
  g_test_add_func ("/heatmap/surfaces", test_surfaces);
  g_test_add_func ("/heatmap/flat-looks-flat", test_flat_looks_flat);
  return g_test_run ();
}
