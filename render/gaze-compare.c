/* gaze-compare.c — two sheets side by side, each under a title. */
#include "config.h"

#include "gaze-compare.h"

#include <math.h>
#include <pango/pangocairo.h>

#define TITLE_FONT "Cantarell, Noto Sans, Noto Sans CJK KR, sans-serif Bold"

cairo_surface_t *
gaze_render_side_by_side (cairo_surface_t *left, const char *left_title, cairo_surface_t *right,
                          const char *right_title, int width)
{
  g_return_val_if_fail (left != NULL && right != NULL, NULL);
  cairo_surface_t *sheets[2] = { left, right };
  const char *titles[2] = { left_title, right_title };
  /* Both sheets at the height of the taller one, so that their tiles match. */
  double h = MAX (cairo_image_surface_get_height (left), cairo_image_surface_get_height (right));
  double scale[2], w[2];
  for (int i = 0; i < 2; i++)
    {
      scale[i] = h / cairo_image_surface_get_height (sheets[i]);
      w[i] = cairo_image_surface_get_width (sheets[i]) * scale[i];
    }
  double gap = MAX (16.0, h / 60.0);
  double font_px = CLAMP ((w[0] + w[1]) / 60.0, 14.0, 96.0);
  double title_h = font_px * 2.0;
  double natural = w[0] + w[1] + 3 * gap;
  double fit = width > 0 ? width / natural : 1.0;
  int out_w = MAX ((int) lround (natural * fit), 1);
  int out_h = MAX ((int) lround ((h + title_h + 2 * gap) * fit), 1);
  cairo_surface_t *out = cairo_image_surface_create (CAIRO_FORMAT_RGB24, out_w, out_h);
  cairo_t *cr = cairo_create (out);
  cairo_scale (cr, fit, fit);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  double x = gap;
  for (int i = 0; i < 2; i++)
    {
      PangoLayout *layout = pango_cairo_create_layout (cr);
      PangoFontDescription *font = pango_font_description_from_string (TITLE_FONT);
      pango_font_description_set_absolute_size (font, font_px * PANGO_SCALE);
      pango_layout_set_font_description (layout, font);
      pango_font_description_free (font);
      pango_layout_set_text (layout, titles[i] != NULL ? titles[i] : "", -1);
      pango_layout_set_width (layout, (int) (w[i] * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      cairo_move_to (cr, x, gap + (title_h - font_px * 1.3) / 2);
      pango_cairo_show_layout (cr, layout);
      g_object_unref (layout);
      cairo_save (cr);
      cairo_translate (cr, x, gap + title_h);
      cairo_scale (cr, scale[i], scale[i]);
      cairo_set_source_surface (cr, sheets[i], 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
      cairo_paint (cr);
      cairo_restore (cr);
      x += w[i] + gap;
    }
  cairo_destroy (cr);
  return out;
}
