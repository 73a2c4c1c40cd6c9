/* gaze-render.c — the attention overlay, annotated PNGs and storyboards. */
#include "config.h"

#include "gaze-render.h"

#include <math.h>
#include <string.h>
#include <pango/pangocairo.h>

#define FONT_FAMILY "Cantarell, Noto Sans, Noto Sans CJK KR, sans-serif"
#define SHEET_LIMIT 8192 /* longest side of a full-resolution storyboard */
#define SIDE_MIN 16
#define SIDE_MAX 16384

/* Colours of the exported sheets, GNOME's dark palette. */
#define BACKGROUND 0.118, 0.118, 0.118 /* #1e1e1e */
#define HIGHLIGHT "#f6d32d"            /* yellow 2: the selected word, the attended cell */

float
gaze_render_peak_alpha (const float *alpha, int n)
{
  float peak = 0.0f;
  for (int i = 0; i < n; i++)
    peak = MAX (peak, alpha[i]);
  return peak;
}

const char *
gaze_overlay_layer_to_string (GazeOverlayLayer layer)
{
  switch (layer)
    {
    case GAZE_OVERLAY_LAYER_EVIDENCE:
      return "evidence";
    case GAZE_OVERLAY_LAYER_OCCLUSION:
      return "occlusion";
    default:
      return "alpha";
    }
}

const float *
gaze_render_word_layer (const GazeWord *word, GazeOverlayLayer layer)
{
  switch (layer)
    {
    case GAZE_OVERLAY_LAYER_EVIDENCE:
      return word->evidence;
    case GAZE_OVERLAY_LAYER_OCCLUSION:
      return word->occlusion;
    default:
      return word->alpha;
    }
}

/* "peak α 0.031 (1.5× uniform)", or "peak drop 0.42 nats (evidence)", as
 * exports print it. */
static char *
peak_text (const GazeWord *word, int n_cells, GazeOverlayLayer layer)
{
  float peak = gaze_render_peak_alpha (gaze_render_word_layer (word, layer), n_cells);
  if (layer == GAZE_OVERLAY_LAYER_ALPHA)
    return g_strdup_printf ("peak \u03b1 %.3f (%.1f\u00d7 uniform)", peak, peak * n_cells);
  return g_strdup_printf ("peak drop %.2f nats (%s)", peak, gaze_overlay_layer_to_string (layer));
}

/* The layer's map on α's scale, for gaze-heatmap.h: a drop of the layer's
 * ceiling becomes GAZE_HEATMAP_ALPHA_CEILING, a rise 0. */
static void
layer_on_alpha_scale (const GazeWord *word, GazeOverlayLayer layer, int n, float *out)
{
  const float *map = gaze_render_word_layer (word, layer);
  const float ceiling = layer == GAZE_OVERLAY_LAYER_OCCLUSION ? GAZE_RENDER_OCCLUSION_CEILING
                        : layer == GAZE_OVERLAY_LAYER_EVIDENCE ? GAZE_RENDER_EVIDENCE_CEILING
                                                               : GAZE_HEATMAP_ALPHA_CEILING;
  for (int i = 0; i < n; i++)
    out[i] = MAX (map[i], 0.0f) * (GAZE_HEATMAP_ALPHA_CEILING / ceiling);
}

/* ── Photo ───────────────────────────────────────────────────────────────── */

cairo_surface_t *
gaze_render_image_surface (const GazeImage *image)
{
  cairo_surface_t *surface
      = cairo_image_surface_create (CAIRO_FORMAT_RGB24, image->width, image->height);
  cairo_surface_flush (surface);
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < image->height; y++)
    {
      const guint8 *in = image->pixels + (gsize) y * image->width * 3;
      guint32 *out = (guint32 *) (data + (gsize) y * stride);
      for (int x = 0; x < image->width; x++, in += 3)
        out[x] = 0xff000000u | (guint32) in[0] << 16 | (guint32) in[1] << 8 | in[2];
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

/* ── Text ────────────────────────────────────────────────────────────────── */

static PangoLayout *
text_layout (cairo_t *cr, double font_px, gboolean bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (FONT_FAMILY);
  pango_font_description_set_absolute_size (font, MAX (font_px, 1.0) * PANGO_SCALE);
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  return layout;
}

static double
layout_height (PangoLayout *layout)
{
  int w, h;
  pango_layout_get_pixel_size (layout, &w, &h);
  return h;
}

/* White text with a dark outline, readable over any photo. */
static void
paint_outlined (cairo_t *cr, PangoLayout *layout, double x, double y, double outline)
{
  cairo_save (cr);
  cairo_move_to (cr, x, y);
  pango_cairo_layout_path (cr, layout);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.75);
  cairo_set_line_width (cr, outline);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  cairo_restore (cr);
}

/* A measuring context for layouts made before the sheet exists. */
static cairo_t *
measuring_context (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);
  cairo_surface_destroy (surface);
  return cr;
}

/* ── Overlay ─────────────────────────────────────────────────────────────── */

cairo_surface_t *
gaze_render_heat_surface (const GazeCaption *caption, const GazeWord *word, int photo_width,
                          int photo_height, const GazeOverlayStyle *style)
{
  g_autofree float *values = g_new (float, caption->n_cells);
  layer_on_alpha_scale (word, style->layer, caption->n_cells, values);
  if (style->show_grid)
    return gaze_heatmap_grid_surface_new (values, caption->grid_size, style->colormap);
  return gaze_heatmap_surface_new (values, caption->grid_size, photo_width, photo_height,
                                   style->mode, style->colormap);
}

static void
draw_grid_values (cairo_t *cr, const GazeCaption *caption, const GazeWord *word,
                  GazeOverlayLayer layer, double width, double height)
{
  const float *values = gaze_render_word_layer (word, layer);
  int n = caption->grid_size;
  double cw = width / n, ch = height / n;

  cairo_save (cr);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.45);
  cairo_set_line_width (cr, 1.0);
  for (int i = 1; i < n; i++)
    {
      cairo_move_to (cr, round (i * cw) + 0.5, 0);
      cairo_line_to (cr, round (i * cw) + 0.5, height);
      cairo_move_to (cr, 0, round (i * ch) + 0.5);
      cairo_line_to (cr, width, round (i * ch) + 0.5);
    }
  cairo_stroke (cr);

  double font_px = MIN (cw, ch) * 0.22;
  if (font_px >= 7.0)
    {
      g_autoptr (PangoLayout) layout = text_layout (cr, font_px, FALSE);
      for (int cell = 0; cell < caption->n_cells; cell++)
        {
          char text[16];
          /* α to 3 places; drops in nats, signed, to 2. */
          g_snprintf (text, sizeof text, layer == GAZE_OVERLAY_LAYER_ALPHA ? "%.3f" : "%.2f",
                      values[cell]);
          pango_layout_set_text (layout, text, -1);
          int tw, th;
          pango_layout_get_pixel_size (layout, &tw, &th);
          double x = (cell % n + 0.5) * cw - tw / 2.0, y = (cell / n + 0.5) * ch - th / 2.0;
          paint_outlined (cr, layout, x, y, MAX (2.0, font_px / 5));
        }
    }
  cairo_restore (cr);
}

/* Hard attention (section 4.1) looks at one cell, a_{s_t}: outline it. */
static void
draw_attended_cell (cairo_t *cr, const GazeCaption *caption, const GazeWord *word, double width,
                    double height)
{
  int n = caption->grid_size;
  if (word->attended_cell < 0 || word->attended_cell >= caption->n_cells)
    return;
  double cw = width / n, ch = height / n;
  double x = (word->attended_cell % n) * cw, y = (word->attended_cell / n) * ch;
  double line = CLAMP (MIN (cw, ch) / 14, 2.0, 8.0);
  cairo_save (cr);
  cairo_rectangle (cr, x + line / 2, y + line / 2, cw - line, ch - line);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  cairo_set_line_width (cr, line * 2);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 0xf6 / 255.0, 0xd3 / 255.0, 0x2d / 255.0);
  cairo_set_line_width (cr, line);
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
gaze_render_overlay (cairo_t *cr, cairo_surface_t *heat, const GazeCaption *caption,
                     const GazeWord *word, const GazeOverlayStyle *style, double width,
                     double height)
{
  cairo_surface_t *made = NULL;
  if (heat == NULL)
    heat = made = gaze_render_heat_surface (caption, word, MAX ((int) width, 1),
                                            MAX ((int) height, 1), style);

  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_clip (cr);
  cairo_scale (cr, width / cairo_image_surface_get_width (heat),
               height / cairo_image_surface_get_height (heat));
  cairo_set_source_surface (cr, heat, 0, 0);
  cairo_pattern_t *pattern = cairo_get_source (cr);
  cairo_pattern_set_filter (pattern, style->show_grid ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
  cairo_paint_with_alpha (cr, CLAMP (style->opacity, 0.0, 1.0));
  cairo_restore (cr);

  if (made != NULL)
    cairo_surface_destroy (made);

  if (style->show_grid)
    draw_grid_values (cr, caption, word, style->layer, width, height);
  if (caption->attention == GAZE_ATTENTION_HARD)
    draw_attended_cell (cr, caption, word, width, height);
}

/* The photo fitted (aspect kept) and centred in the box, with word's overlay
 * when word is not NULL. */
static void
draw_one_photo_in_box (cairo_t *cr, cairo_surface_t *photo, const GazeCaption *caption,
                   const GazeWord *word, const GazeOverlayStyle *style, double bx, double by,
                   double bw, double bh)
{
  int pw = cairo_image_surface_get_width (photo), ph = cairo_image_surface_get_height (photo);
  double scale = MIN (bw / pw, bh / ph);
  double w = pw * scale, h = ph * scale;

  cairo_save (cr);
  cairo_translate (cr, bx + (bw - w) / 2, by + (bh - h) / 2);
  cairo_save (cr);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, photo, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_rectangle (cr, 0, 0, pw, ph);
  cairo_fill (cr);
  cairo_restore (cr);
  if (word != NULL)
    gaze_render_overlay (cr, NULL, caption, word, style, w, h);
  cairo_restore (cr);
}

/* The photos of an export in the box: one, or with beside_alpha two side by
 * side, α on the left and the style's layer on the right. */
static void
draw_photo_in_box (cairo_t *cr, cairo_surface_t *photo, const GazeCaption *caption,
                   const GazeWord *word, const GazeOverlayStyle *style, double bx, double by,
                   double bw, double bh)
{
  if (!style->beside_alpha)
    {
      draw_one_photo_in_box (cr, photo, caption, word, style, bx, by, bw, bh);
      return;
    }
  GazeOverlayStyle left = *style;
  left.layer = GAZE_OVERLAY_LAYER_ALPHA;
  draw_one_photo_in_box (cr, photo, caption, word, &left, bx, by, bw / 2, bh);
  draw_one_photo_in_box (cr, photo, caption, word, style, bx + bw / 2, by, bw / 2, bh);
}

/* How many photos wide an export's picture is. */
static int
photos_across (const GazeOverlayStyle *style)
{
  return style->beside_alpha ? 2 : 1;
}

/* ── Checks ──────────────────────────────────────────────────────────────── */

/* Every word of beam has the map that style draws. */
static gboolean
check_layer (const GazeBeam *beam, const GazeOverlayStyle *style, GError **error)
{
  for (int i = 0; i < beam->n_words; i++)
    if (gaze_render_word_layer (&beam->words[i], style->layer) == NULL)
      {
        g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                     "the caption has no %s map to draw (word %d has none)",
                     gaze_overlay_layer_to_string (style->layer), i + 1);
        return FALSE;
      }
  return TRUE;
}

static const GazeBeam *
checked_beam (const GazeCaption *caption, int beam_index, GError **error)
{
  if (beam_index < 0 || beam_index >= caption->n_beams)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, "beam %d does not exist (there are %d)",
                   beam_index + 1, caption->n_beams);
      return NULL;
    }
  const GazeBeam *beam = &caption->beams[beam_index];
  if (beam->n_words == 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, "the caption has no words");
      return NULL;
    }
  return beam;
}

static gboolean
check_size (int width, int height, GError **error)
{
  /* 0 × 0 is full resolution, W × 0 is W wide with the height that follows. */
  if ((width == 0 && height == 0)
      || (width >= SIDE_MIN && width <= SIDE_MAX
          && (height == 0 || (height >= SIDE_MIN && height <= SIDE_MAX))))
    return TRUE;
  g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
               "size %d×%d is out of range (%d to %d pixels a side)", width, height, SIDE_MIN,
               SIDE_MAX);
  return FALSE;
}

static cairo_surface_t *
new_sheet (int width, int height, cairo_t **cr)
{
  cairo_surface_t *sheet = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  *cr = cairo_create (sheet);
  cairo_set_source_rgb (*cr, BACKGROUND);
  cairo_paint (*cr);
  return sheet;
}

/* ── Annotated word ──────────────────────────────────────────────────────── */

/* The caption with word_index highlighted, as Pango markup; words whose
 * attention was steered are underlined and slanted, as in the window. */
static char *
caption_markup (const GazeBeam *beam, int word_index)
{
  GString *markup = g_string_new (NULL);
  for (int i = 0; i < beam->n_words; i++)
    {
      g_autofree char *escaped = g_markup_escape_text (beam->words[i].word, -1);
      g_autofree char *word
          = beam->words[i].steered
                ? g_strdup_printf ("<span style=\"italic\" underline=\"double\">%s</span>", escaped)
                : g_steal_pointer (&escaped);
      if (i > 0)
        g_string_append_c (markup, ' ');
      if (i == word_index)
        g_string_append_printf (markup,
                                "<span weight=\"bold\" background=\"" HIGHLIGHT
                                "\" foreground=\"#1e1e1e\">\u2009%s\u2009</span>",
                                word);
      else
        g_string_append (markup, word);
    }
  return g_string_free (markup, FALSE);
}

typedef struct {
  PangoLayout *caption; /* the sentence */
  PangoLayout *detail;  /* β and p of the word */
  double pad;
  double height;
} CaptionBand;

static void
caption_band_init (CaptionBand *band, cairo_t *cr, const GazeBeam *beam, int word_index,
                   int n_cells, GazeOverlayLayer layer, int width)
{
  double font_px = CLAMP (width / 30.0, 12.0, 120.0);
  band->pad = font_px * 0.7;
  band->caption = text_layout (cr, font_px, FALSE);
  g_autofree char *markup = caption_markup (beam, word_index);
  pango_layout_set_markup (band->caption, markup, -1);
  pango_layout_set_width (band->caption, (int) ((width - 2 * band->pad) * PANGO_SCALE));
  pango_layout_set_wrap (band->caption, PANGO_WRAP_WORD_CHAR);

  const GazeWord *word = &beam->words[word_index];
  band->detail = text_layout (cr, font_px * 0.6, FALSE);
  g_autofree char *peak = peak_text (word, n_cells, layer);
  g_autofree char *detail = g_strdup_printf ("%d / %d    \u03b2 %.2f    p %.2f    %s",
                                             word_index + 1, beam->n_words, word->beta,
                                             word->prob, peak);
  pango_layout_set_text (band->detail, detail, -1);
  band->height
      = ceil (layout_height (band->caption) + layout_height (band->detail) + 2.5 * band->pad);
}

static void
caption_band_clear (CaptionBand *band)
{
  g_clear_object (&band->caption);
  g_clear_object (&band->detail);
}

static void
caption_band_draw (CaptionBand *band, cairo_t *cr, double y)
{
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, band->pad, y + band->pad);
  pango_cairo_show_layout (cr, band->caption);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.65);
  cairo_move_to (cr, band->pad, y + 1.5 * band->pad + layout_height (band->caption));
  pango_cairo_show_layout (cr, band->detail);
}

cairo_surface_t *
gaze_render_word (cairo_surface_t *photo, const GazeCaption *caption, int beam_index,
                  int word_index, const GazeOverlayStyle *style, int width, int height,
                  GError **error)
{
  const GazeBeam *beam = checked_beam (caption, beam_index, error);
  if (beam == NULL || !check_size (width, height, error) || !check_layer (beam, style, error))
    return NULL;
  if (word_index < 0 || word_index >= beam->n_words)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "word %d does not exist (the caption has %d words)", word_index + 1,
                   beam->n_words);
      return NULL;
    }

  int pw = cairo_image_surface_get_width (photo), ph = cairo_image_surface_get_height (photo);
  const int across = photos_across (style);
  int sheet_width = width > 0 ? width : pw * across;
  cairo_t *measure = measuring_context ();
  CaptionBand band;
  caption_band_init (&band, measure, beam, word_index, caption->n_cells, style->layer,
                     sheet_width);
  cairo_destroy (measure);

  int band_height = (int) band.height;
  int photo_height = (int) lround ((double) ph * sheet_width / (pw * across));
  int sheet_height = height > 0 ? height : photo_height + band_height;
  if (sheet_height - band_height < SIDE_MIN)
    {
      caption_band_clear (&band);
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "size %d×%d leaves no room for the photo above the caption", width, height);
      return NULL;
    }

  cairo_t *cr;
  cairo_surface_t *sheet = new_sheet (sheet_width, sheet_height, &cr);
  draw_photo_in_box (cr, photo, caption, &beam->words[word_index], style, 0, 0, sheet_width,
                     sheet_height - band_height);
  /* The layouts were measured on another context: update them for this one. */
  pango_cairo_update_layout (cr, band.caption);
  pango_cairo_update_layout (cr, band.detail);
  caption_band_draw (&band, cr, sheet_height - band_height);
  caption_band_clear (&band);
  cairo_destroy (cr);
  return sheet;
}

/* ── Storyboard ──────────────────────────────────────────────────────────── */

typedef struct {
  int cols, rows;
  double tile_w, tile_h; /* the photo in a tile */
  double font_px, gap, label_h, header_h;
  double width, height;
  PangoLayout *header; /* the whole caption, across the top */
} Sheet;

/* Lays the sheet out for photos tile_w wide. */
static void
sheet_measure (Sheet *sheet, cairo_t *cr, const char *text, double tile_w, double aspect)
{
  sheet->tile_w = tile_w;
  sheet->tile_h = tile_w / aspect;
  sheet->font_px = MAX (tile_w / 12.0, 6.0);
  sheet->gap = sheet->font_px * 0.6;
  sheet->label_h = ceil (sheet->font_px * 1.5);
  sheet->width = sheet->cols * tile_w + (sheet->cols + 1) * sheet->gap;

  g_clear_object (&sheet->header);
  sheet->header = text_layout (cr, sheet->font_px, TRUE);
  pango_layout_set_text (sheet->header, text, -1);
  pango_layout_set_width (sheet->header, (int) ((sheet->width - 2 * sheet->gap) * PANGO_SCALE));
  pango_layout_set_wrap (sheet->header, PANGO_WRAP_WORD_CHAR);
  sheet->header_h = ceil (layout_height (sheet->header) + sheet->gap);
  sheet->height
      = sheet->header_h + sheet->rows * (sheet->label_h + sheet->tile_h) + (sheet->rows + 1) * sheet->gap;
}

static void
draw_tile_label (cairo_t *cr, const Sheet *sheet, const GazeWord *word, int n_cells,
                 GazeOverlayLayer layer, double x, double y)
{
  g_autoptr (PangoLayout) label = text_layout (cr, sheet->font_px, TRUE);
  pango_layout_set_text (label, word->word, -1);
  pango_layout_set_width (label, (int) (sheet->tile_w * 0.5 * PANGO_SCALE));
  pango_layout_set_ellipsize (label, PANGO_ELLIPSIZE_END);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, label);

  g_autoptr (PangoLayout) beta = text_layout (cr, sheet->font_px * 0.6, FALSE);
  char text[64];
  float peak = gaze_render_peak_alpha (gaze_render_word_layer (word, layer), n_cells);
  if (layer == GAZE_OVERLAY_LAYER_ALPHA)
    g_snprintf (text, sizeof text, "\u03b2 %.2f  peak \u03b1 %.2f", word->beta, peak);
  else
    g_snprintf (text, sizeof text, "\u03b2 %.2f  peak drop %.2f", word->beta, peak);
  pango_layout_set_text (beta, text, -1);
  int bw, bh;
  pango_layout_get_pixel_size (beta, &bw, &bh);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.65);
  cairo_move_to (cr, x + sheet->tile_w - bw, y + layout_height (label) - bh);
  pango_cairo_show_layout (cr, beta);
}

cairo_surface_t *
gaze_render_storyboard (cairo_surface_t *photo, const GazeCaption *caption, int beam_index,
                        const GazeOverlayStyle *style, int width, int height, GError **error)
{
  const GazeBeam *beam = checked_beam (caption, beam_index, error);
  if (beam == NULL || !check_size (width, height, error) || !check_layer (beam, style, error))
    return NULL;

  int pw = cairo_image_surface_get_width (photo), ph = cairo_image_surface_get_height (photo);
  double aspect = (double) pw * photos_across (style) / ph;
  g_autofree char *text = gaze_beam_to_string (beam);
  Sheet sheet = { 0 };
  /* At most four tiles a row, the rows filled evenly. */
  sheet.rows = (beam->n_words + 3) / 4;
  sheet.cols = (beam->n_words + sheet.rows - 1) / sheet.rows;

  cairo_t *measure = measuring_context ();
  double limit_w = width > 0 ? width : SHEET_LIMIT, limit_h = height > 0 ? height : SHEET_LIMIT;
  sheet_measure (&sheet, measure, text, pw * photos_across (style), aspect);
  /* Scale the tiles until the sheet fits: at full resolution only shrinking,
   * for a chosen size also growing to fill it.  Labels scale with the tiles,
   * so a few rounds settle it. */
  for (int round = 0; round < 12; round++)
    {
      double factor = MIN (limit_w / sheet.width, limit_h / sheet.height);
      if (factor >= 1.0 && (width == 0 || factor < 1.01))
        break;
      sheet_measure (&sheet, measure, text, floor (sheet.tile_w * factor * 0.998), aspect);
    }
  cairo_destroy (measure);
  if (sheet.width > limit_w || sheet.height > limit_h || sheet.tile_w < 8)
    {
      g_clear_object (&sheet.header);
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "size %d×%d is too small for a storyboard of %d words", width, height,
                   beam->n_words);
      return NULL;
    }

  int sheet_width = width > 0 ? width : (int) ceil (sheet.width);
  int sheet_height = height > 0 ? height : (int) ceil (sheet.height);
  cairo_t *cr;
  cairo_surface_t *surface = new_sheet (sheet_width, sheet_height, &cr);
  cairo_translate (cr, floor ((sheet_width - sheet.width) / 2),
                   floor ((sheet_height - sheet.height) / 2));

  pango_cairo_update_layout (cr, sheet.header);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, sheet.gap, sheet.gap);
  pango_cairo_show_layout (cr, sheet.header);

  for (int i = 0; i < beam->n_words; i++)
    {
      double x = sheet.gap + (i % sheet.cols) * (sheet.tile_w + sheet.gap);
      double y = sheet.header_h + sheet.gap
                 + (i / sheet.cols) * (sheet.label_h + sheet.tile_h + sheet.gap);
      draw_tile_label (cr, &sheet, &beam->words[i], caption->n_cells, style->layer, x, y);
      draw_photo_in_box (cr, photo, caption, &beam->words[i], style, x, y + sheet.label_h,
                         sheet.tile_w, sheet.tile_h);
    }
  g_clear_object (&sheet.header);
  cairo_destroy (cr);
  return surface;
}

/* ── Files ───────────────────────────────────────────────────────────────── */

typedef struct {
  GOutputStream *stream;
  GError *error;
} PngWrite;

static cairo_status_t
png_write_chunk (void *closure, const unsigned char *data, unsigned int length)
{
  PngWrite *write = closure;
  if (write->error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;
  if (!g_output_stream_write_all (write->stream, data, length, NULL, NULL, &write->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

gboolean
gaze_render_save_png (cairo_surface_t *surface, const char *path, gboolean overwrite,
                      GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  if (!overwrite && g_file_query_exists (file, NULL))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: the file already exists", path);
      return FALSE;
    }
  g_autoptr (GError) local = NULL;
  /* g_file_replace writes a temporary file and renames it over path on close. */
  g_autoptr (GFileOutputStream) stream
      = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &local);
  if (stream == NULL)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: %s", path, local->message);
      return FALSE;
    }
  PngWrite write = { G_OUTPUT_STREAM (stream), NULL };
  cairo_status_t status = cairo_surface_write_to_png_stream (surface, png_write_chunk, &write);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      /* Cancelling the close drops the temporary file and leaves path as it was. */
      g_autoptr (GCancellable) cancel = g_cancellable_new ();
      g_cancellable_cancel (cancel);
      g_output_stream_close (G_OUTPUT_STREAM (stream), cancel, NULL);
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: %s", path,
                   write.error != NULL ? write.error->message : cairo_status_to_string (status));
      g_clear_error (&write.error);
      return FALSE;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, &local))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_side (const char *text, char **end, int *value)
{
  if (!g_ascii_isdigit (*text))
    return FALSE;
  guint64 v = g_ascii_strtoull (text, end, 10);
  if (v < SIDE_MIN || v > SIDE_MAX)
    return FALSE;
  *value = (int) v;
  return TRUE;
}

gboolean
gaze_render_parse_size (const char *text, int *width, int *height, GError **error)
{
  char *end = NULL;
  if (parse_side (text, &end, width) && (*end == 'x' || *end == 'X')
      && parse_side (end + 1, &end, height) && *end == '\0')
    return TRUE;
  g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
               "size '%s' is not WIDTHxHEIGHT with sides of %d to %d pixels", text, SIDE_MIN,
               SIDE_MAX);
  return FALSE;
}
