/* gaze-photo-view.c — the photo and its attention overlay, drawn with Cairo. */
#include "config.h"

#include "gaze-photo-view.h"
#include "gaze-enums.h"
#include "gaze-paint-wait.h"

#include <math.h>

struct _GazePhotoView {
  GtkWidget parent_instance;

  GazeCursor *cursor;
  GSignalGroup *cursor_signals;
  GazeOverlayStyle style;

  /* What is drawn, as last taken from the cursor. */
  cairo_surface_t *photo;
  const GazeCaption *caption;
  int beam, word;

  cairo_surface_t *scaled; /* the photo at the size last drawn */
  int scaled_width, scaled_height;
  GHashTable *heat;      /* beam << 16 | word → overlay surface for style */
  guint maps;            /* the cursor's count of maps attached, as last seen */
  GCancellable *making;  /* the overlays being made for caption and style */
  int making_beam;       /* … of this beam (−1: none) */
  GazePaintWait paint;   /* whose next paint launches them */

  /* The region chosen, photo pixels, and the drag choosing it. */
  gboolean choosable; /* whether dragging chooses a region at all */
  gboolean has_region, dragging;
  double region[4];
  double drag_x, drag_y;
};

G_DEFINE_FINAL_TYPE (GazePhotoView, gaze_photo_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CURSOR, PROP_OVERLAY_MODE, PROP_LAYER, PROP_COLORMAP, PROP_OPACITY, PROP_SHOW_GRID, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_REGION_CHOSEN, N_SIGNALS };
static guint signals[N_SIGNALS];

static gpointer
heat_key (int beam, int word)
{
  return GINT_TO_POINTER (beam << 16 | word);
}

static void
clear_scaled (GazePhotoView *self)
{
  g_clear_pointer (&self->scaled, cairo_surface_destroy);
  self->scaled_width = self->scaled_height = 0;
}

/* The overlays made so far no longer match caption or style. */
static void
forget_overlays (GazePhotoView *self)
{
  if (self->making != NULL)
    g_cancellable_cancel (self->making);
  g_clear_object (&self->making);
  self->making_beam = -1;
  g_hash_table_remove_all (self->heat);
}

/* ── Making overlays off the draw path ───────────────────────────────────── */

typedef struct {
  GazePhoto *photo; /* keeps caption alive */
  const GazeCaption *caption;
  int beam, word;
  int photo_width, photo_height;
  GazeOverlayStyle style;
  cairo_surface_t *heat;
} OverlayJob;

static void
overlay_job_free (gpointer data)
{
  OverlayJob *job = data;
  g_clear_object (&job->photo);
  g_clear_pointer (&job->heat, cairo_surface_destroy);
  g_free (job);
}

static void
overlay_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  OverlayJob *job = task_data;
  if (g_task_return_error_if_cancelled (task))
    return;
  const GazeWord *word = &job->caption->beams[job->beam].words[job->word];
  job->heat = gaze_render_heat_surface (job->caption, word, job->photo_width, job->photo_height,
                                        &job->style);
  g_task_return_boolean (task, TRUE);
}

static void
overlay_made (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GazePhotoView *self = GAZE_PHOTO_VIEW (source);
  OverlayJob *job = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), NULL) || job->heat == NULL)
    return;
  gpointer key = heat_key (job->beam, job->word);
  if (!g_hash_table_contains (self->heat, key))
    g_hash_table_insert (self->heat, key, g_steal_pointer (&job->heat));
}

/* Whether word has the map that the style draws (evidence comes later). */
static gboolean
has_map (const GazeOverlayStyle *style, const GazeWord *word)
{
  return gaze_render_word_layer (word, style->layer) != NULL;
}

/* Hands the overlays of the beam shown that are not made yet to worker
 * threads, as soon as its caption arrives.  The word on screen is left to its
 * first frame, which would otherwise make it at the same time. */
static void
launch_overlays (GazePhotoView *self)
{
  GazePhoto *photo = gaze_cursor_get_photo (self->cursor);
  const GazeBeam *beam = &self->caption->beams[self->beam];
  /* The words after the one shown go first: they are the next steps. */
  for (int k = 1; k <= beam->n_words; k++)
    {
      int w = (MAX (self->word, 0) + k) % beam->n_words;
      if (g_hash_table_contains (self->heat, heat_key (self->beam, w))
          || !has_map (&self->style, &beam->words[w])
          || (w == self->word && gtk_widget_get_mapped (GTK_WIDGET (self))))
        continue;
      OverlayJob *job = g_new0 (OverlayJob, 1);
      job->photo = g_object_ref (photo);
      job->caption = self->caption;
      job->beam = self->beam;
      job->word = w;
      job->photo_width = cairo_image_surface_get_width (self->photo);
      job->photo_height = cairo_image_surface_get_height (self->photo);
      job->style = self->style;
      g_autoptr (GTask) task = g_task_new (self, self->making, overlay_made, NULL);
      g_task_set_source_tag (task, launch_overlays);
      g_task_set_task_data (task, job, overlay_job_free);
      g_task_run_in_thread (task, overlay_thread);
    }
}

static void
launch_after_paint (GazePhotoView *self)
{
  gaze_paint_wait_stop (&self->paint);
  if (self->caption != NULL && self->making != NULL && self->making_beam == self->beam)
    launch_overlays (self);
}

/* Makes the overlays of the beam shown ahead of time, once the frame that
 * shows the new caption is painted: the workers would otherwise take the
 * cores from that frame, which draws the word on screen itself. */
static void
make_overlays (GazePhotoView *self)
{
  if (self->caption == NULL || self->photo == NULL || self->beam == self->making_beam
      || self->beam >= self->caption->n_beams)
    return;
  if (self->making == NULL)
    self->making = g_cancellable_new ();
  self->making_beam = self->beam;
  GdkFrameClock *clock = gtk_widget_get_mapped (GTK_WIDGET (self))
                             ? gtk_widget_get_frame_clock (GTK_WIDGET (self))
                             : NULL;
  if (clock == NULL)
    launch_overlays (self);
  else if (!gaze_paint_wait_is_waiting (&self->paint))
    gaze_paint_wait_start (&self->paint, clock, G_CALLBACK (launch_after_paint), self);
}

int
gaze_photo_view_get_n_ready (GazePhotoView *self)
{
  g_return_val_if_fail (GAZE_IS_PHOTO_VIEW (self), 0);
  int n = 0;
  const GazeBeam *beam = self->caption != NULL && self->beam < self->caption->n_beams
                             ? &self->caption->beams[self->beam]
                             : NULL;
  for (int w = 0; beam != NULL && w < beam->n_words; w++)
    n += g_hash_table_contains (self->heat, heat_key (self->beam, w));
  return n;
}

/* ── Following the cursor ────────────────────────────────────────────────── */

static void
sync_cursor (GazePhotoView *self)
{
  GazePhoto *photo = self->cursor != NULL ? gaze_cursor_get_photo (self->cursor) : NULL;
  cairo_surface_t *surface = photo != NULL ? gaze_photo_get_surface (photo) : NULL;
  if (surface != self->photo)
    {
      g_clear_pointer (&self->photo, cairo_surface_destroy);
      self->photo = surface != NULL ? cairo_surface_reference (surface) : NULL;
      clear_scaled (self);
      self->has_region = self->dragging = FALSE;
    }
  const GazeCaption *caption = self->cursor != NULL ? gaze_cursor_get_caption (self->cursor) : NULL;
  guint maps = self->cursor != NULL ? gaze_cursor_get_maps (self->cursor) : 0;
  if (caption != self->caption
      || (maps != self->maps && self->style.layer != GAZE_OVERLAY_LAYER_ALPHA))
    {
      forget_overlays (self);
      self->caption = caption;
    }
  self->maps = maps;
  self->beam = self->cursor != NULL ? gaze_cursor_get_beam (self->cursor) : 0;
  self->word = self->cursor != NULL ? gaze_cursor_get_word (self->cursor) : -1;
  make_overlays (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gaze_photo_view_set_cursor (GazePhotoView *self, GazeCursor *cursor)
{
  g_return_if_fail (GAZE_IS_PHOTO_VIEW (self));
  g_return_if_fail (cursor == NULL || GAZE_IS_CURSOR (cursor));
  if (!gaze_cursor_follow (&self->cursor, self->cursor_signals, cursor))
    return;
  sync_cursor (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURSOR]);
}

/* ── Style ───────────────────────────────────────────────────────────────── */

void
gaze_photo_view_get_style (GazePhotoView *self, GazeOverlayStyle *style)
{
  g_return_if_fail (GAZE_IS_PHOTO_VIEW (self));
  *style = self->style;
}

/* Opacity is applied when painting; the rest changes the overlays. */
static void
restyle (GazePhotoView *self, gboolean overlays_change)
{
  if (overlays_change)
    {
      forget_overlays (self);
      make_overlays (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ── Drawing ─────────────────────────────────────────────────────────────── */

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

/* The overlay of the word shown; made here only when its worker has not
 * finished yet. */
static cairo_surface_t *
heat_surface (GazePhotoView *self)
{
  gpointer key = heat_key (self->beam, self->word);
  cairo_surface_t *heat = g_hash_table_lookup (self->heat, key);
  if (heat == NULL)
    {
      heat = gaze_render_heat_surface (self->caption, current_word (self),
                                       cairo_image_surface_get_width (self->photo),
                                       cairo_image_surface_get_height (self->photo), &self->style);
      g_hash_table_insert (self->heat, key, heat);
    }
  return heat;
}

/* The region's rectangle, dashed, and the cells it selects, outlined: those
 * are what steering will use. */
static void
draw_region (GazePhotoView *self, cairo_t *cr, int w, int h)
{
  int pw = cairo_image_surface_get_width (self->photo);
  int ph = cairo_image_surface_get_height (self->photo);
  double sx = (double) w / pw, sy = (double) h / ph;
  int n = self->caption != NULL ? self->caption->grid_size : 7;
  float cells[64 * 64];
  if (n <= 64
      && gaze_region_to_cells (n, pw, ph, self->region[0], self->region[1], self->region[2],
                               self->region[3], cells, NULL))
    {
      cairo_set_source_rgba (cr, 0.2, 0.6, 1.0, 0.9);
      cairo_set_line_width (cr, 2.0);
      for (int i = 0; i < n * n; i++)
        if (cells[i] > 0.5f)
          cairo_rectangle (cr, (i % n) * (double) w / n + 1, (i / n) * (double) h / n + 1,
                           (double) w / n - 2, (double) h / n - 2);
      cairo_stroke (cr);
    }
  double dashes[] = { 6.0, 4.0 };
  cairo_set_dash (cr, dashes, 2, 0.0);
  cairo_set_line_width (cr, 1.5);
  cairo_set_source_rgb (cr, 1.0, 1.0, 1.0);
  cairo_rectangle (cr, self->region[0] * sx, self->region[1] * sy,
                   (self->region[2] - self->region[0]) * sx,
                   (self->region[3] - self->region[1]) * sy);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0.0);
}

void
gaze_photo_view_draw (GazePhotoView *self, cairo_t *cr, int width, int height)
{
  g_return_if_fail (GAZE_IS_PHOTO_VIEW (self));
  if (self->photo == NULL || width < 1 || height < 1)
    return;
  int x, y, w, h;
  fit_photo (self, width, height, &x, &y, &w, &h);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_set_source_surface (cr, scaled_photo (self, w, h), 0, 0);
  cairo_paint (cr);
  const GazeWord *word = current_word (self);
  if (word != NULL && has_map (&self->style, word))
    gaze_render_overlay (cr, heat_surface (self), self->caption, word, &self->style, w, h);
  if (self->has_region)
    draw_region (self, cr, w, h);
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

/* ── Choosing a region ───────────────────────────────────────────────────── */

/* Widget coordinates to photo pixels, clamped to the photo. */
static void
to_photo (GazePhotoView *self, double x, double y, double *px, double *py)
{
  int fx, fy, fw, fh;
  fit_photo (self, gtk_widget_get_width (GTK_WIDGET (self)),
             gtk_widget_get_height (GTK_WIDGET (self)), &fx, &fy, &fw, &fh);
  int pw = cairo_image_surface_get_width (self->photo);
  int ph = cairo_image_surface_get_height (self->photo);
  *px = CLAMP ((x - fx) * pw / fw, 0.0, (double) pw);
  *py = CLAMP ((y - fy) * ph / fh, 0.0, (double) ph);
}

static void
set_region (GazePhotoView *self, double x0, double y0, double x1, double y1)
{
  double a[2], b[2];
  to_photo (self, x0, y0, &a[0], &a[1]);
  to_photo (self, x1, y1, &b[0], &b[1]);
  self->region[0] = MIN (a[0], b[0]);
  self->region[1] = MIN (a[1], b[1]);
  self->region[2] = MAX (a[0], b[0]);
  self->region[3] = MAX (a[1], b[1]);
  self->has_region = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
gaze_photo_view_get_region (GazePhotoView *self, double *x0, double *y0, double *x1, double *y1)
{
  g_return_val_if_fail (GAZE_IS_PHOTO_VIEW (self), FALSE);
  if (!self->has_region)
    return FALSE;
  *x0 = self->region[0], *y0 = self->region[1];
  *x1 = self->region[2], *y1 = self->region[3];
  return TRUE;
}

void
gaze_photo_view_clear_region (GazePhotoView *self)
{
  g_return_if_fail (GAZE_IS_PHOTO_VIEW (self));
  if (!self->has_region)
    return;
  self->has_region = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gaze_photo_view_choose_region (GazePhotoView *self, double x0, double y0, double x1, double y1)
{
  g_return_if_fail (GAZE_IS_PHOTO_VIEW (self));
  if (self->photo == NULL)
    return;
  set_region (self, x0, y0, x1, y1);
  g_signal_emit (self, signals[SIGNAL_REGION_CHOSEN], 0, self->region[0], self->region[1],
                 self->region[2], self->region[3], x1, y1);
}

void
gaze_photo_view_set_choosable (GazePhotoView *self, gboolean choosable)
{
  g_return_if_fail (GAZE_IS_PHOTO_VIEW (self));
  self->choosable = choosable;
  if (!choosable)
    gaze_photo_view_clear_region (self);
}

static void
drag_begin (GazePhotoView *self, double x, double y)
{
  self->dragging = self->choosable && self->photo != NULL && current_word (self) != NULL;
  self->drag_x = x, self->drag_y = y;
  if (self->dragging)
    set_region (self, x, y, x, y);
}

static void
drag_update (GazePhotoView *self, double dx, double dy)
{
  if (self->dragging)
    set_region (self, self->drag_x, self->drag_y, self->drag_x + dx, self->drag_y + dy);
}

static void
drag_end (GazePhotoView *self, double dx, double dy)
{
  if (!self->dragging)
    return;
  self->dragging = FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  /* A wobble of a few pixels is a click: one cell. */
  if (fabs (dx) < 4.0 && fabs (dy) < 4.0)
    dx = dy = 0.0;
  gaze_photo_view_choose_region (self, self->drag_x, self->drag_y, self->drag_x + dx,
                                 self->drag_y + dy);
}

/* ── GObject ─────────────────────────────────────────────────────────────── */

static void
gaze_photo_view_dispose (GObject *object)
{
  GazePhotoView *self = GAZE_PHOTO_VIEW (object);
  forget_overlays (self);
  gaze_paint_wait_stop (&self->paint);
  gaze_cursor_follow (&self->cursor, self->cursor_signals, NULL);
  self->caption = NULL;
  G_OBJECT_CLASS (gaze_photo_view_parent_class)->dispose (object);
}

static void
gaze_photo_view_finalize (GObject *object)
{
  GazePhotoView *self = GAZE_PHOTO_VIEW (object);
  g_clear_object (&self->cursor_signals);
  g_clear_pointer (&self->photo, cairo_surface_destroy);
  clear_scaled (self);
  g_hash_table_unref (self->heat);
  G_OBJECT_CLASS (gaze_photo_view_parent_class)->finalize (object);
}

static void
gaze_photo_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GazePhotoView *self = GAZE_PHOTO_VIEW (object);
  switch (prop_id)
    {
    case PROP_CURSOR:
      g_value_set_object (value, self->cursor);
      break;
    case PROP_OVERLAY_MODE:
      g_value_set_enum (value, self->style.mode);
      break;
    case PROP_LAYER:
      g_value_set_enum (value, self->style.layer);
      break;
    case PROP_COLORMAP:
      g_value_set_enum (value, self->style.colormap);
      break;
    case PROP_OPACITY:
      g_value_set_double (value, self->style.opacity);
      break;
    case PROP_SHOW_GRID:
      g_value_set_boolean (value, self->style.show_grid);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gaze_photo_view_set_property (GObject *object, guint prop_id, const GValue *value,
                              GParamSpec *pspec)
{
  GazePhotoView *self = GAZE_PHOTO_VIEW (object);
  switch (prop_id)
    {
    case PROP_CURSOR:
      gaze_photo_view_set_cursor (self, g_value_get_object (value));
      return;
    case PROP_OVERLAY_MODE:
      if (self->style.mode == (GazeOverlayMode) g_value_get_enum (value))
        return;
      self->style.mode = g_value_get_enum (value);
      restyle (self, TRUE);
      break;
    case PROP_LAYER:
      if (self->style.layer == (GazeOverlayLayer) g_value_get_enum (value))
        return;
      self->style.layer = g_value_get_enum (value);
      restyle (self, TRUE);
      break;
    case PROP_COLORMAP:
      if (self->style.colormap == (GazeColormap) g_value_get_enum (value))
        return;
      self->style.colormap = g_value_get_enum (value);
      restyle (self, TRUE);
      break;
    case PROP_OPACITY:
      if (self->style.opacity == g_value_get_double (value))
        return;
      self->style.opacity = g_value_get_double (value);
      restyle (self, FALSE);
      break;
    case PROP_SHOW_GRID:
      if (self->style.show_grid == g_value_get_boolean (value))
        return;
      self->style.show_grid = g_value_get_boolean (value);
      restyle (self, TRUE);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
gaze_photo_view_class_init (GazePhotoViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gaze_photo_view_dispose;
  object_class->finalize = gaze_photo_view_finalize;
  object_class->get_property = gaze_photo_view_get_property;
  object_class->set_property = gaze_photo_view_set_property;
  widget_class->snapshot = gaze_photo_view_snapshot;
  gtk_widget_class_set_css_name (widget_class, "photoview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);

  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  properties[PROP_CURSOR] = g_param_spec_object ("cursor", NULL, NULL, GAZE_TYPE_CURSOR, flags);
  properties[PROP_OVERLAY_MODE] = g_param_spec_enum ("overlay-mode", NULL, NULL,
                                                     GAZE_TYPE_OVERLAY_MODE, GAZE_OVERLAY_COLORMAP,
                                                     flags);
  properties[PROP_LAYER] = g_param_spec_enum ("layer", NULL, NULL, GAZE_TYPE_OVERLAY_LAYER,
                                              GAZE_OVERLAY_LAYER_ALPHA, flags);
  properties[PROP_COLORMAP] = g_param_spec_enum ("colormap", NULL, NULL, GAZE_TYPE_COLORMAP,
                                                 GAZE_COLORMAP_INFERNO, flags);
  properties[PROP_OPACITY] = g_param_spec_double ("opacity", NULL, NULL, 0.0, 1.0, 0.6, flags);
  properties[PROP_SHOW_GRID] = g_param_spec_boolean ("show-grid", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  /* (x0, y0, x1, y1) in photo pixels, then the point released in the widget. */
  signals[SIGNAL_REGION_CHOSEN]
      = g_signal_new ("region-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                      NULL, NULL, G_TYPE_NONE, 6, G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE,
                      G_TYPE_DOUBLE, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
}

static void
gaze_photo_view_init (GazePhotoView *self)
{
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  self->style = style;
  self->word = -1;
  self->making_beam = -1;
  self->choosable = TRUE;
  self->heat = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) cairo_surface_destroy);
  self->cursor_signals = g_signal_group_new (GAZE_TYPE_CURSOR);
  g_signal_group_connect_swapped (self->cursor_signals, "notify", G_CALLBACK (sync_cursor), self);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  GtkGesture *drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect_swapped (drag, "drag-begin", G_CALLBACK (drag_begin), self);
  g_signal_connect_swapped (drag, "drag-update", G_CALLBACK (drag_update), self);
  g_signal_connect_swapped (drag, "drag-end", G_CALLBACK (drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
}

GtkWidget *
gaze_photo_view_new (void)
{
  return g_object_new (GAZE_TYPE_PHOTO_VIEW, NULL);
}
