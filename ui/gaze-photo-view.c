/* gaze-photo-view.c — the photo and its attention overlay, drawn with Cairo. */
#include "config.h"

#include "gaze-photo-view.h"

struct _GazePhotoView {
  GtkWidget parent_instance;

  cairo_surface_t *photo;
  const GazeCaption *caption;
  int beam, word;
  GazeOverlayStyle style;

  cairo_surface_t *scaled; /* the photo at the size last drawn */
  int scaled_width, scaled_height;
  GHashTable *heat; /* beam << 16 | word → overlay surface for style */
  guint warm_source; /* makes the beam's overlays ahead, when idle */
};

G_DEFINE_FINAL_TYPE (GazePhotoView, gaze_photo_view, GTK_TYPE_WIDGET)

static void
clear_scaled (GazePhotoView *self)
{
  g_clear_pointer (&self->scaled, cairo_surface_destroy);
  self->scaled_width = self->scaled_height = 0;
}

static void
gaze_photo_view_finalize (GObject *object)
{
  GazePhotoView *self = GAZE_PHOTO_VIEW (object);
  g_clear_handle_id (&self->warm_source, g_source_remove);
  g_clear_pointer (&self->photo, cairo_surface_destroy);
  clear_scaled (self);
  g_hash_table_unref (self->heat);
  G_OBJECT_CLASS (gaze_photo_view_parent_class)->finalize (object);
}

/* The rectangle of a width × height area that the photo fills. */
static void
fit_photo (GazePhotoView *self, int width, int height, int *x, int *y, int *w, int *h)
{
  int pw = cairo_image_surface_get_width (self->photo);
  int ph = cairo_image_surface_get_height (self->photo);
  double scale = MIN ((double) width / pw, (double) height / ph);
  *w = MAX ((int) round (pw * scale), 1);
  *h = MAX ((int) round (ph * scale), 1);
  *x = (width - *w) / 2;
  *y = (height - *h) / 2;
}

static cairo_surface_t *
scaled_photo (GazePhotoView *self, int w, int h)
{
  if (self->scaled != NULL && self->scaled_width == w && self->scaled_height == h)
    return self->scaled;
  clear_scaled (self);
  self->scaled = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  self->scaled_width = w;
  self->scaled_height = h;
  cairo_t *cr = cairo_create (self->scaled);
  cairo_scale (cr, (double) w / cairo_image_surface_get_width (self->photo),
               (double) h / cairo_image_surface_get_height (self->photo));
  cairo_set_source_surface (cr, self->photo, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_paint (cr);
  cairo_destroy (cr);
  return self->scaled;
}

static const GazeWord *
current_word (GazePhotoView *self)
{
  if (self->caption == NULL || self->beam < 0 || self->beam >= self->caption->n_beams)
    return NULL;
  const GazeBeam *beam = &self->caption->beams[self->beam];
  if (self->word < 0 || self->word >= beam->n_words)
    return NULL;
  return &beam->words[self->word];
}

static cairo_surface_t *
heat_surface (GazePhotoView *self, int beam, int index)
{
  gpointer key = GINT_TO_POINTER (beam << 16 | index);
  cairo_surface_t *heat = g_hash_table_lookup (self->heat, key);
  if (heat == NULL)
    {
      heat = gaze_render_heat_surface (self->caption, &self->caption->beams[beam].words[index],
                                       cairo_image_surface_get_width (self->photo),
                                       cairo_image_surface_get_height (self->photo), &self->style);
      g_hash_table_insert (self->heat, key, heat);
    }
  return heat;
}

/* One overlay of the shown beam made ahead of time, per idle moment, so that
 * even the first step to a word only paints. */
static gboolean
warm_step (gpointer data)
{
  GazePhotoView *self = data;
  const GazeBeam *beam = self->caption != NULL ? &self->caption->beams[self->beam] : NULL;
  for (int i = 0; beam != NULL && i < beam->n_words; i++)
    if (!g_hash_table_contains (self->heat, GINT_TO_POINTER (self->beam << 16 | i)))
      {
        heat_surface (self, self->beam, i);
        return G_SOURCE_CONTINUE;
      }
  self->warm_source = 0;
  return G_SOURCE_REMOVE;
}

static void
warm_overlays (GazePhotoView *self)
{
  if (self->warm_source == 0 && self->caption != NULL && self->photo != NULL)
    self->warm_source = g_idle_add_full (G_PRIORITY_LOW, warm_step, self, NULL);
}

void
gaze_photo_view_draw (GazePhotoView *self, cairo_t *cr, int width, int height)
{
  if (self->photo == NULL || width < 1 || height < 1)
    return;
  int x, y, w, h;
  fit_photo (self, width, height, &x, &y, &w, &h);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_set_source_surface (cr, scaled_photo (self, w, h), 0, 0);
  cairo_paint (cr);
  const GazeWord *word = current_word (self);
  if (word != NULL)
    gaze_render_overlay (cr, heat_surface (self, self->beam, self->word), self->caption, word,
                         &self->style, w, h);
  cairo_restore (cr);
}

static void
gaze_photo_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gaze_photo_view_draw (GAZE_PHOTO_VIEW (widget), cr, width, height);
  cairo_destroy (cr);
}

static void
gaze_photo_view_class_init (GazePhotoViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->finalize = gaze_photo_view_finalize;
  widget_class->snapshot = gaze_photo_view_snapshot;
  gtk_widget_class_set_css_name (widget_class, "photoview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gaze_photo_view_init (GazePhotoView *self)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  self->style = style;
  self->beam = 0;
  self->word = -1;
  self->heat = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) cairo_surface_destroy);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
}

GtkWidget *
gaze_photo_view_new (void)
{
  return g_object_new (GAZE_TYPE_PHOTO_VIEW, NULL);
}

void
gaze_photo_view_set_photo (GazePhotoView *self, cairo_surface_t *photo)
{
  if (photo == self->photo)
    return;
  g_clear_pointer (&self->photo, cairo_surface_destroy);
  self->photo = photo != NULL ? cairo_surface_reference (photo) : NULL;
  clear_scaled (self);
  gaze_photo_view_set_caption (self, NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gaze_photo_view_set_caption (GazePhotoView *self, const GazeCaption *caption)
{
  self->caption = caption;
  self->beam = 0;
  self->word = -1;
  g_hash_table_remove_all (self->heat);
  warm_overlays (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gaze_photo_view_set_word (GazePhotoView *self, int beam, int word)
{
  if (beam == self->beam && word == self->word)
    return;
  self->beam = beam;
  self->word = word;
  warm_overlays (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gaze_photo_view_set_style (GazePhotoView *self, const GazeOverlayStyle *style)
{
  /* Opacity is applied when painting; the rest changes the cached surfaces. */
  if (style->mode != self->style.mode || style->colormap != self->style.colormap
      || style->show_grid != self->style.show_grid)
    g_hash_table_remove_all (self->heat);
  self->style = *style;
  warm_overlays (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
