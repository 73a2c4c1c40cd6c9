/* test-render.c — the annotated PNG and the storyboard, on a real photo. */
#include "gaze-render.h"
#include "test-util.h"

#include <math.h>
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#define GRID 7

typedef struct {
  GazeImage *image;
  cairo_surface_t *photo;
  GazeCaption *caption;
  char *dir;
} Fixture;

static const char *words[] = { "a", "dog", "runs", "on", "grass" };
/* The cell each word attends to: the dog in the middle, the grass below. */
static const int peaks[] = { 24, 17, 23, 38, 45 };

static GazeCaption *
make_caption (GazeAttention attention)
{
  GazeCaption *caption = g_new0 (GazeCaption, 1);
  caption->grid_size = GRID;
  caption->n_cells = GRID * GRID;
  caption->attention = attention;
  caption->n_beams = 1;
  caption->beams = g_new0 (GazeBeam, 1);
  GazeBeam *beam = caption->beams;
  beam->n_words = G_N_ELEMENTS (words);
  beam->words = g_new0 (GazeWord, beam->n_words);
  beam->log_prob = -3.5f;
  beam->score = -0.7f;
  for (int i = 0; i < beam->n_words; i++)
    {
      GazeWord *w = &beam->words[i];
      w->word = g_strdup (words[i]);
      w->alpha = g_new (float, GRID * GRID);
      /* A soft peak: most of the mass on one cell, the rest spread. */
      for (int c = 0; c < GRID * GRID; c++)
        w->alpha[c] = c == peaks[i] ? 0.52f : 0.01f;
      w->beta = 0.5f + 0.1f * i;
      w->prob = 0.9f - 0.1f * i;
      w->attended_cell = peaks[i];
      for (int k = 0; k < GAZE_TOP_K; k++)
        {
          w->alternatives[k] = g_strdup (words[(i + k) % G_N_ELEMENTS (words)]);
          w->alternative_probs[k] = 0.5f / (k + 1);
        }
    }
  return caption;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  g_assert_nonnull (shared);
  g_autofree char *path
      = g_build_filename (shared, "data", "photos", "1022454332_6af2c1449a.jpg", NULL);
  g_autoptr (GError) error = NULL;
  f->image = gaze_image_load (path, &error);
  g_assert_no_error (error);
  f->photo = gaze_render_image_surface (f->image);
  f->caption = make_caption (GPOINTER_TO_INT (data));
  f->dir = g_dir_make_tmp ("gaze-render-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  test_util_remove_tree (f->dir);
  g_free (f->dir);
  gaze_caption_free (f->caption);
  cairo_surface_destroy (f->photo);
  gaze_image_free (f->image);
}

/* Word word_index drawn at full resolution with style; must succeed. */
static cairo_surface_t *
render_word (Fixture *f, int word_index, const GazeOverlayStyle *style)
{
  g_autoptr (GError) error = NULL;
  cairo_surface_t *sheet = gaze_render_word (f->photo, f->caption, 0, word_index, style, 0, 0, &error);
  g_assert_no_error (error);
  return sheet;
}

/* Keeps a picture for people to look at, in $GAZE_TEST_OUTDIR when set. */
static void
save_artifact (cairo_surface_t *surface, const char *name)
{
  const char *dir = g_getenv ("GAZE_TEST_OUTDIR");
  if (dir == NULL)
    return;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (gaze_render_save_png (surface, path, TRUE, &error));
}

static guint32
pixel (cairo_surface_t *surface, int x, int y)
{
  cairo_surface_flush (surface);
  const guint8 *data = cairo_image_surface_get_data (surface);
  return ((const guint32 *) (data + y * cairo_image_surface_get_stride (surface)))[x] & 0xffffff;
}

static double
luma (guint32 p)
{
  return 0.2126 * (p >> 16 & 0xff) + 0.7152 * (p >> 8 & 0xff) + 0.0722 * (p & 0xff);
}

/* Mean luminance of cell (of the 7 × 7 grid over the photo's area). */
static double
cell_luma (cairo_surface_t *surface, int cell, int pw, int ph)
{
  double sum = 0;
  int n = 0;
  for (int y = (cell / GRID) * ph / GRID + 4; y < (cell / GRID + 1) * ph / GRID - 4; y++)
    for (int x = (cell % GRID) * pw / GRID + 4; x < (cell % GRID + 1) * pw / GRID - 4; x++, n++)
      sum += luma (pixel (surface, x, y));
  return sum / n;
}

static void
test_word_full (Fixture *f, gconstpointer data)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  cairo_surface_t *sheet = render_word (f, 1, &style);
  /* Full resolution: the photo's width, its height plus the caption band. */
  g_assert_cmpint (cairo_image_surface_get_width (sheet), ==, f->image->width);
  g_assert_cmpint (cairo_image_surface_get_height (sheet), >, f->image->height + 20);
  g_assert_cmpint (cairo_image_surface_get_height (sheet), <, f->image->height * 3 / 2);
  save_artifact (sheet, "render-word.png");

  /* The overlay changes the photo almost everywhere… */
  int differ = 0;
  for (int y = 0; y < f->image->height; y++)
    for (int x = 0; x < f->image->width; x++)
      differ += pixel (sheet, x, y) != pixel (f->photo, x, y);
  g_assert_cmpint (differ, >, f->image->width * f->image->height * 9 / 10);
  /* …and with no opacity the photo comes out untouched. */
  style.opacity = 0.0;
  cairo_surface_t *plain = render_word (f, 1, &style);
  for (int y = 0; y < f->image->height; y += 7)
    for (int x = 0; x < f->image->width; x += 7)
      g_assert_cmpuint (pixel (plain, x, y), ==, pixel (f->photo, x, y));
  /* The caption band differs between words: the highlight moves. */
  cairo_surface_t *other = render_word (f, 3, &style);
  int band_differ = 0;
  for (int y = f->image->height; y < cairo_image_surface_get_height (plain); y++)
    for (int x = 0; x < f->image->width; x++)
      band_differ += pixel (plain, x, y) != pixel (other, x, y);
  g_assert_cmpint (band_differ, >, 100);
  cairo_surface_destroy (other);
  cairo_surface_destroy (plain);
  cairo_surface_destroy (sheet);
}

static void
test_spotlight (Fixture *f, gconstpointer data)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  style.mode = GAZE_OVERLAY_SPOTLIGHT;
  style.opacity = 0.9;
  /* Word 4 ("grass") attends to cell 45, bottom row. */
  cairo_surface_t *sheet = render_word (f, 4, &style);
  int pw = f->image->width, ph = f->image->height;
  double kept = cell_luma (sheet, 45, pw, ph) / cell_luma (f->photo, 45, pw, ph);
  double dimmed = cell_luma (sheet, 3, pw, ph) / cell_luma (f->photo, 3, pw, ph);
  g_assert_cmpfloat (kept, >, 0.7);
  g_assert_cmpfloat (dimmed, <, 0.3);
  save_artifact (sheet, "render-spotlight.png");
  cairo_surface_destroy (sheet);
}

static void
test_hard_cell (Fixture *f, gconstpointer data)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  style.opacity = 0.0;
  cairo_surface_t *sheet = render_word (f, 1, &style);
  /* Cell 17 (row 2, column 3): its outline is yellow for a hard model, and
   * absent for a soft one. */
  int pw = f->image->width, ph = f->image->height;
  int x = 3 * pw / GRID + pw / (2 * GRID);
  int y = (int) (2 * ph / (double) GRID + CLAMP (MIN (pw, ph) / (14.0 * GRID), 2.0, 8.0) / 2);
  gboolean hard = GPOINTER_TO_INT (data) == GAZE_ATTENTION_HARD;
  guint32 p = pixel (sheet, x, y);
  if (hard) /* #f6d32d, give or take antialiasing */
    {
      g_assert_true ((p >> 16) > 0xe0 && (p >> 8 & 0xff) > 0xc0 && (p & 0xff) < 0x60);
      save_artifact (sheet, "render-hard.png");
    }
  else
    g_assert_cmphex (pixel (sheet, x, y), ==, pixel (f->photo, x, y));
  cairo_surface_destroy (sheet);
}

static void
test_grid (Fixture *f, gconstpointer data)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  style.show_grid = TRUE;
  style.opacity = 1.0;
  cairo_surface_t *sheet = render_word (f, 0, &style);
  /* The raw grid: flat cells, the attended one the top of inferno, the others
   * on the fixed scale, α / GAZE_HEATMAP_ALPHA_CEILING, down the map (checked
   * away from the lines and the numbers). */
  int pw = f->image->width, ph = f->image->height;
  g_assert_cmphex (pixel (sheet, 3 * pw / GRID + 4, 3 * ph / GRID + 4), ==, 0xfcffa4);
  save_artifact (sheet, "render-grid.png");
  guint8 low[3];
  gaze_colormap_lookup (GAZE_COLORMAP_INFERNO, 0.01f / GAZE_HEATMAP_ALPHA_CEILING, low);
  g_assert_cmphex (pixel (sheet, 4, 4), ==, (guint32) low[0] << 16 | low[1] << 8 | low[2]);
  cairo_surface_destroy (sheet);
}

/* Evidence maps for every word: the dog's cell drops by the ceiling, one
 * cell rises (a negative drop), the rest drop by a little. */
static void
add_evidence (GazeCaption *caption)
{
  GazeBeam *beam = caption->beams;
  for (int i = 0; i < beam->n_words; i++)
    {
      float *e = beam->words[i].evidence = g_new (float, GRID * GRID);
      for (int c = 0; c < GRID * GRID; c++)
        e[c] = c == 10 ? GAZE_RENDER_EVIDENCE_CEILING : c == 20 ? -1.0f : 0.1f;
    }
}

static guint32
colour_of (float v)
{
  guint8 rgb[3];
  gaze_colormap_lookup (GAZE_COLORMAP_INFERNO, v, rgb);
  return (guint32) rgb[0] << 16 | rgb[1] << 8 | rgb[2];
}

static void
test_evidence_grid (Fixture *f, gconstpointer data)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  g_assert_cmpint (style.layer, ==, GAZE_OVERLAY_LAYER_ALPHA);
  g_assert_false (style.beside_alpha);
  style.show_grid = TRUE;
  style.opacity = 1.0;
  style.layer = GAZE_OVERLAY_LAYER_EVIDENCE;
  /* Without the map there is nothing to draw: a clear error. */
  g_autoptr (GError) error = NULL;
  g_assert_null (gaze_render_word (f->photo, f->caption, 0, 0, &style, 0, 0, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  test_util_assert_one_line (error->message, "the caption has no evidence map", NULL);
  g_clear_error (&error);
  g_assert_null (gaze_render_storyboard (f->photo, f->caption, 0, &style, 0, 0, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  style.layer = GAZE_OVERLAY_LAYER_OCCLUSION;
  add_evidence (f->caption);
  g_clear_error (&error);
  g_assert_null (gaze_render_word (f->photo, f->caption, 0, 0, &style, 0, 0, &error));
  test_util_assert_one_line (error->message, "the caption has no occlusion map", NULL);

  /* On the evidence's own fixed scale: the ceiling at the top of inferno,
   * a rise as 0, 0.1 nats a fifth of the way up; α's peak cell (24) is no
   * brighter than the rest. */
  style.layer = GAZE_OVERLAY_LAYER_EVIDENCE;
  cairo_surface_t *sheet = render_word (f, 0, &style);
  int pw = f->image->width, ph = f->image->height;
#define CELL_PIXEL(cell) \
  pixel (sheet, ((cell) % GRID) * pw / GRID + 4, ((cell) / GRID) * ph / GRID + 4)
  g_assert_cmphex (CELL_PIXEL (10), ==, colour_of (1.0f));
  g_assert_cmphex (CELL_PIXEL (20), ==, colour_of (0.0f));
  g_assert_cmphex (CELL_PIXEL (24), ==, colour_of (0.1f / GAZE_RENDER_EVIDENCE_CEILING));
  g_assert_cmphex (CELL_PIXEL (0), ==, colour_of (0.1f / GAZE_RENDER_EVIDENCE_CEILING));
#undef CELL_PIXEL
  save_artifact (sheet, "render-evidence-grid.png");
  cairo_surface_destroy (sheet);
  g_assert_cmpstr (gaze_overlay_layer_to_string (GAZE_OVERLAY_LAYER_OCCLUSION), ==, "occlusion");
}

static void
test_beside (Fixture *f, gconstpointer data)
{
  add_evidence (f->caption);
  GazeOverlayStyle alpha = GAZE_OVERLAY_STYLE_INIT, evidence = GAZE_OVERLAY_STYLE_INIT;
  evidence.layer = GAZE_OVERLAY_LAYER_EVIDENCE;
  GazeOverlayStyle both = evidence;
  both.beside_alpha = TRUE;
  cairo_surface_t *a = render_word (f, 1, &alpha), *e = render_word (f, 1, &evidence);
  cairo_surface_t *b = render_word (f, 1, &both);
  /* Two photos wide at full resolution: α on the left, evidence on the right,
   * each as it is drawn alone. */
  int pw = f->image->width, ph = f->image->height;
  g_assert_cmpint (cairo_image_surface_get_width (b), ==, 2 * pw);
  int same_left = 0, same_right = 0, n = 0;
  for (int y = 0; y < ph; y += 5)
    for (int x = 0; x < pw; x += 5, n++)
      {
        same_left += pixel (b, x, y) == pixel (a, x, y);
        same_right += pixel (b, pw + x, y) == pixel (e, x, y);
      }
  g_assert_cmpint (same_left, >, n * 95 / 100);
  g_assert_cmpint (same_right, >, n * 95 / 100);
  save_artifact (b, "render-beside.png");
  /* The storyboard likewise, twice as wide a tile. */
  g_autoptr (GError) error = NULL;
  cairo_surface_t *plain = gaze_render_storyboard (f->photo, f->caption, 0, &evidence, 0, 0, &error);
  cairo_surface_t *pair = gaze_render_storyboard (f->photo, f->caption, 0, &both, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cairo_image_surface_get_width (pair), >,
                   cairo_image_surface_get_width (plain) * 3 / 2);
  save_artifact (pair, "render-storyboard-beside.png");
  cairo_surface_destroy (pair);
  cairo_surface_destroy (plain);
  cairo_surface_destroy (a);
  cairo_surface_destroy (e);
  cairo_surface_destroy (b);
}

static void
test_sizes (Fixture *f, gconstpointer data)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  g_autoptr (GError) error = NULL;
  cairo_surface_t *sheet = gaze_render_word (f->photo, f->caption, 0, 0, &style, 640, 480, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cairo_image_surface_get_width (sheet), ==, 640);
  g_assert_cmpint (cairo_image_surface_get_height (sheet), ==, 480);
  cairo_surface_destroy (sheet);

  /* A width alone: the height follows the photo's aspect ratio. */
  sheet = gaze_render_word (f->photo, f->caption, 0, 0, &style, 1000, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cairo_image_surface_get_width (sheet), ==, 1000);
  g_assert_cmpint (cairo_image_surface_get_height (sheet), >,
                   1000 * f->image->height / f->image->width);
  cairo_surface_destroy (sheet);

  sheet = gaze_render_storyboard (f->photo, f->caption, 0, &style, 0, 0, &error);
  g_assert_no_error (error);
  /* Five words: two rows of three tiles at the photo's own width. */
  g_assert_cmpint (cairo_image_surface_get_width (sheet), >, 3 * f->image->width);
  g_assert_cmpint (cairo_image_surface_get_width (sheet), <, 3 * f->image->width + 300);
  g_assert_cmpint (cairo_image_surface_get_height (sheet), >, 2 * f->image->height);
  save_artifact (sheet, "render-storyboard.png");
  cairo_surface_destroy (sheet);

  sheet = gaze_render_storyboard (f->photo, f->caption, 0, &style, 1600, 900, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cairo_image_surface_get_width (sheet), ==, 1600);
  g_assert_cmpint (cairo_image_surface_get_height (sheet), ==, 900);
  cairo_surface_destroy (sheet);

  sheet = gaze_render_storyboard (f->photo, f->caption, 0, &style, 1200, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cairo_image_surface_get_width (sheet), ==, 1200);
  cairo_surface_destroy (sheet);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  GError *error = NULL;
  g_assert_null (gaze_render_word (f->photo, f->caption, 0, 5, &style, 0, 0, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (gaze_render_word (f->photo, f->caption, 1, 0, &style, 0, 0, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (gaze_render_word (f->photo, f->caption, 0, 0, &style, 5, 5, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);
  /* Too flat for the photo above the caption. */
  g_assert_null (gaze_render_word (f->photo, f->caption, 0, 0, &style, 2000, 40, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (gaze_render_storyboard (f->photo, f->caption, 0, &style, 16, 16, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);

  f->caption->beams[0].n_words = 0;
  g_assert_null (gaze_render_storyboard (f->photo, f->caption, 0, &style, 0, 0, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);
  f->caption->beams[0].n_words = G_N_ELEMENTS (words);
}

static void
test_save (Fixture *f, gconstpointer data)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  g_autoptr (GError) error = NULL;
  cairo_surface_t *sheet = gaze_render_word (f->photo, f->caption, 0, 2, &style, 320, 300, &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (f->dir, "word.png", NULL);
  g_assert_true (gaze_render_save_png (sheet, path, FALSE, &error));
  g_assert_no_error (error);
  g_autoptr (GdkPixbuf) back = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (back), ==, 320);
  g_assert_cmpint (gdk_pixbuf_get_height (back), ==, 300);

  /* An existing file is kept unless replacing it was asked for. */
  g_assert_false (gaze_render_save_png (sheet, path, FALSE, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IO);
  g_clear_error (&error);
  g_assert_true (gaze_render_save_png (sheet, path, TRUE, &error));
  g_assert_no_error (error);
  /* A folder that does not exist: an error naming the file, nothing left behind. */
  g_autofree char *bad = g_build_filename (f->dir, "missing", "word.png", NULL);
  g_assert_false (gaze_render_save_png (sheet, bad, TRUE, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, bad));
  cairo_surface_destroy (sheet);
}

/* A steered word is marked in the caption band (underlined, slanted), and
 * only there: the photo above is drawn the same. */
static void
test_steered_marked (Fixture *f, gconstpointer data)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  cairo_surface_t *plain = render_word (f, 0, &style);
  f->caption->beams[0].words[3].steered = TRUE;
  cairo_surface_t *marked = render_word (f, 0, &style);
  int w = cairo_image_surface_get_width (plain), h = cairo_image_surface_get_height (plain);
  g_assert_cmpint (cairo_image_surface_get_width (marked), ==, w);
  int ph = f->image->height, changed_photo = 0, changed_band = 0;
  for (int y = 0; y < cairo_image_surface_get_height (marked) && y < h; y++)
    for (int x = 0; x < w; x++)
      if (pixel (plain, x, y) != pixel (marked, x, y))
        *(y < ph ? &changed_photo : &changed_band) += 1;
  g_assert_cmpint (changed_photo, ==, 0);
  g_assert_cmpint (changed_band, >, 50);
  save_artifact (marked, "render-steered.png");
  cairo_surface_destroy (plain);
  cairo_surface_destroy (marked);
}

static void
test_parse_size (void)
{
  int w = 0, h = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (gaze_render_parse_size ("1920x1080", &w, &h, &error));
  g_assert_cmpint (w, ==, 1920);
  g_assert_cmpint (h, ==, 1080);
  const char *bad[] = { "", "1920", "1920x", "x1080", "10x10", "1920x1080x", "-5x100",
                        "100000x100", "12ax34", " 100x100" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (gaze_render_parse_size (bad[i], &w, &h, &error));
      g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gconstpointer soft = GINT_TO_POINTER (GAZE_ATTENTION_SOFT);
  gconstpointer hard = GINT_TO_POINTER (GAZE_ATTENTION_HARD);
#define ADD(name, data, func) \
  g_test_add (name, Fixture, data, fixture_set_up, func, fixture_tear_down)
  ADD ("/render/word/full", soft, test_word_full);
  ADD ("/render/word/spotlight", soft, test_spotlight);
  ADD ("/render/word/grid", soft, test_grid);
  ADD ("/render/word/hard-cell", hard, test_hard_cell);
  ADD ("/render/word/soft-no-cell", soft, test_hard_cell);
  ADD ("/render/sizes", soft, test_sizes);
  ADD ("/render/errors", soft, test_errors);
  ADD ("/render/save", soft, test_save);
  ADD ("/render/layer/evidence-grid", soft, test_evidence_grid);
  ADD ("/render/layer/beside", soft, test_beside);
  ADD ("/render/steered-marked", soft, test_steered_marked);
#undef ADD
  g_test_add_func ("/render/parse-size", test_parse_size);
  return g_test_run ();
}
