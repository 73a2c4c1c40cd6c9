/* gaze-window-steer.c — questioning the caption shown: steering its
 * attention, and the evidence behind each word.
 *
 *   drag or click on the photo ─▶ "region-chosen" ─▶ the steer menu
 *     ─▶ win.steer('look' | 'avoid') ─▶ gaze_captioner_steer_async, from the
 *        word shown, the words before it kept ─▶ the cursor pushes the
 *        steered caption (the word strip shows the original above it)
 *     ─▶ win.undo-steer pops it.
 *
 *   a caption or beam shown without evidence ─▶ gaze_captioner_evidence_async
 *     (about as costly as the caption) ─▶ the maps attached to the words
 *     ─▶ gaze_cursor_maps_changed: the inspector's agreement and an
 *        evidence overlay follow.
 *
 *   the occlusion layer chosen (or win.occlusion) ─▶ 49 encodes in a
 *     worker, with progress over the photo and win.cancel-occlusion. */
#include "config.h"

#include "gaze-window-private.h"

#include <glib/gi18n.h>

/* ── Steering ────────────────────────────────────────────────────────────── */

void
_gaze_window_offer_steer (GazeWindow *self, double x, double y)
{
  if (gaze_cursor_get_current_word (self->cursor) == NULL)
    return;
  GdkRectangle point = { (int) x, (int) y, 1, 1 };
  gtk_popover_set_pointing_to (GTK_POPOVER (self->steer_popover), &point);
  gtk_popover_popup (GTK_POPOVER (self->steer_popover));
}

static void
region_chosen (GazeWindow *self, double x0, double y0, double x1, double y1, double x, double y)
{
  _gaze_window_offer_steer (self, x, y);
}

typedef struct {
  GazeWindow *window;
  GazePhoto *photo;
  gint64 started;
} SteerRequest;

static void
steer_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SteerRequest *request = user_data;
  g_autoptr (GazeWindow) self = request->window;
  g_autoptr (GazePhoto) photo = request->photo;
  gint64 started = request->started;
  g_free (request);
  g_autoptr (GError) error = NULL;
  g_autofree float *masks = NULL;
  int n_masks = 0;
  const GazeCaption *caption = gaze_captioner_steer_finish (GAZE_CAPTIONER (source), result,
                                                            &masks, &n_masks, &error);
  if (_gaze_window_is_closed (self) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->steering);
  if (caption == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot steer the attention: %s"),
                                                  error->message);
      _gaze_window_toast_text (self, message);
      return;
    }
  if (photo != gaze_cursor_get_photo (self->cursor))
    return;
  self->last_steer_us = g_get_monotonic_time () - started;
  gaze_cursor_push_steered (self->cursor, caption, masks, n_masks);
}

void
_gaze_window_steer (GazeWindow *self, GazeSteerKind kind)
{
  GazePhoto *photo = gaze_cursor_get_photo (self->cursor);
  const GazeCaption *caption = gaze_cursor_get_caption (self->cursor);
  double x0, y0, x1, y1;
  if (photo == NULL || caption == NULL || gaze_cursor_get_current_word (self->cursor) == NULL
      || !gaze_photo_view_get_region (self->photo_view, &x0, &y0, &x1, &y1))
    return;
  const GazeImage *image = gaze_photo_get_image (photo);
  g_autofree float *cells = g_new (float, caption->n_cells);
  g_autoptr (GError) error = NULL;
  if (!gaze_region_to_cells (caption->grid_size, image->width, image->height, x0, y0, x1, y1,
                             cells, &error))
    {
      _gaze_window_toast_text (self, error->message);
      return;
    }
  if (self->steering != NULL)
    g_cancellable_cancel (self->steering);
  g_clear_object (&self->steering);
  self->steering = g_cancellable_new ();
  int n_masks;
  const float *masks = gaze_cursor_get_masks (self->cursor, &n_masks);
  SteerRequest *request = g_new (SteerRequest, 1);
  request->window = g_object_ref (self);
  request->photo = g_object_ref (photo);
  request->started = g_get_monotonic_time ();
  gaze_captioner_steer_async (self->captioner, photo, caption, gaze_cursor_get_beam (self->cursor),
                              gaze_cursor_get_word (self->cursor), masks, n_masks, cells, kind,
                              g_settings_get_boolean (self->settings, "steer-onwards"),
                              g_settings_get_int (self->settings, "beam-width"), self->steering,
                              steer_done, request);
}

void
_gaze_window_undo_steer (GazeWindow *self)
{
  if (self->steering != NULL)
    g_cancellable_cancel (self->steering);
  g_clear_object (&self->steering);
  gaze_cursor_undo_steer (self->cursor);
}

/* ── Evidence and occlusion ──────────────────────────────────────────────── */

static const GazeBeam *
shown_beam (GazeWindow *self)
{
  return gaze_cursor_get_current_beam (self->cursor);
}

typedef struct {
  GazeWindow *window;
  gboolean occlusion;
  gint64 started;
} MapRequest;

static void
map_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MapRequest *request = user_data;
  g_autoptr (GazeWindow) self = request->window;
  gboolean occlusion = request->occlusion;
  gint64 started = request->started;
  g_free (request);
  g_autoptr (GError) error = NULL;
  gboolean done = occlusion
                      ? gaze_captioner_occlusion_finish (GAZE_CAPTIONER (source), result, &error)
                      : gaze_captioner_evidence_finish (GAZE_CAPTIONER (source), result, &error);
  /* A cancelled map was replaced, or its caption left: the work in flight
   * now, if any, is another's. */
  if (_gaze_window_is_closed (self) || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (occlusion)
    {
      g_clear_object (&self->occluding);
      gtk_widget_set_visible (self->occlusion_box, FALSE);
      _gaze_window_enable_action (self, "cancel-occlusion", FALSE);
    }
  else
    g_clear_object (&self->evidence_work);
  if (!done)
    {
      g_autofree char *message
          = g_strdup_printf (occlusion ? _("Cannot work out the occlusion map: %s")
                                       : _("Cannot work out the evidence map: %s"),
                             error->message);
      _gaze_window_toast_text (self, message);
      return;
    }
  gint64 elapsed = g_get_monotonic_time () - started;
  if (occlusion)
    self->last_occlusion_us = elapsed;
  else
    self->last_evidence_us = elapsed;
  gaze_cursor_maps_changed (self->cursor);
}

static void
occlusion_progress (int done, int total, gpointer user_data)
{
  GazeWindow *self = user_data;
  gtk_progress_bar_set_fraction (self->occlusion_bar, total > 0 ? (double) done / total : 0.0);
  g_autofree char *text = g_strdup_printf (_("Greying cell %d of %d"), MIN (done + 1, total), total);
  gtk_progress_bar_set_text (self->occlusion_bar, text);
}

static void
start_map (GazeWindow *self, gboolean occlusion)
{
  GazePhoto *photo = gaze_cursor_get_photo (self->cursor);
  const GazeCaption *caption = gaze_cursor_get_caption (self->cursor);
  GCancellable **work = occlusion ? &self->occluding : &self->evidence_work;
  if (*work != NULL)
    g_cancellable_cancel (*work);
  g_clear_object (work);
  *work = g_cancellable_new ();
  MapRequest *request = g_new (MapRequest, 1);
  request->window = g_object_ref (self);
  request->occlusion = occlusion;
  /* A map that waited for a paint counts from when it was wanted. */
  request->started = !occlusion && self->evidence_asked != 0 ? self->evidence_asked
                                                               : g_get_monotonic_time ();
  if (!occlusion)
    self->evidence_asked = 0;
  int beam = gaze_cursor_get_beam (self->cursor);
  if (occlusion)
    {
      gtk_progress_bar_set_fraction (self->occlusion_bar, 0.0);
      occlusion_progress (0, caption->n_cells, self);
      gtk_widget_set_visible (self->occlusion_box, TRUE);
      _gaze_window_enable_action (self, "cancel-occlusion", TRUE);
      gaze_captioner_occlusion_async (self->captioner, photo, caption, beam, occlusion_progress,
                                      self, *work, map_done, request);
    }
  else
    gaze_captioner_evidence_async (self->captioner, photo, caption, beam, *work, map_done,
                                   request);
  self->map_caption[occlusion] = caption;
  self->map_beam[occlusion] = beam;
}

/* Whether the beam shown lacks a map that is not being worked out already. */
static gboolean
wants_map (GazeWindow *self, gboolean occlusion)
{
  const GazeBeam *beam = shown_beam (self);
  if (beam == NULL || beam->n_words == 0
      || (occlusion ? beam->words[0].occlusion : beam->words[0].evidence) != NULL)
    return FALSE;
  GCancellable *work = occlusion ? self->occluding : self->evidence_work;
  return work == NULL || self->map_caption[occlusion] != gaze_cursor_get_caption (self->cursor)
         || self->map_beam[occlusion] != gaze_cursor_get_beam (self->cursor);
}

static void
stop_waiting_for_paint (GazeWindow *self)
{
  self->evidence_asked = 0;
  gaze_paint_wait_stop (&self->paint);
}

static void
evidence_after_paint (GazeWindow *self)
{
  gint64 asked = self->evidence_asked;
  stop_waiting_for_paint (self);
  self->evidence_asked = asked;
  if (wants_map (self, FALSE))
    start_map (self, FALSE);
  else
    self->evidence_asked = 0;
}

void
_gaze_window_update_maps (GazeWindow *self)
{
  if (self->captioner == NULL || gaze_captioner_get_state (self->captioner) != GAZE_CAPTIONER_READY)
    return;
  /* The evidence map waits for the frame that shows the caption, so that
   * its worker does not take the cores from it. */
  GdkFrameClock *clock = gtk_widget_get_mapped (GTK_WIDGET (self))
                             ? gtk_widget_get_frame_clock (GTK_WIDGET (self))
                             : NULL;
  if (wants_map (self, FALSE) && clock == NULL)
    start_map (self, FALSE);
  else if (wants_map (self, FALSE) && !gaze_paint_wait_is_waiting (&self->paint))
    {
      self->evidence_asked = g_get_monotonic_time ();
      gaze_paint_wait_start (&self->paint, clock, G_CALLBACK (evidence_after_paint), self);
    }
  /* Occlusion costs 49 encodes: only while its layer is shown. */
  if (g_settings_get_enum (self->settings, "overlay-layer") == GAZE_OVERLAY_LAYER_OCCLUSION
      && wants_map (self, TRUE))
    start_map (self, TRUE);
  else if (self->occluding != NULL
           && (self->map_caption[TRUE] != gaze_cursor_get_caption (self->cursor)
               || self->map_beam[TRUE] != gaze_cursor_get_beam (self->cursor)))
    _gaze_window_cancel_occlusion (self);
}

void
_gaze_window_run_occlusion (GazeWindow *self)
{
  if (wants_map (self, TRUE))
    start_map (self, TRUE);
}

void
_gaze_window_cancel_occlusion (GazeWindow *self)
{
  if (self->occluding != NULL)
    g_cancellable_cancel (self->occluding);
  g_clear_object (&self->occluding);
  gtk_widget_set_visible (self->occlusion_box, FALSE);
  _gaze_window_enable_action (self, "cancel-occlusion", FALSE);
}

void
_gaze_window_cancel_questions (GazeWindow *self)
{
  stop_waiting_for_paint (self);
  GCancellable **work[] = { &self->steering, &self->evidence_work, &self->occluding };
  for (gsize i = 0; i < G_N_ELEMENTS (work); i++)
    {
      if (*work[i] != NULL)
        g_cancellable_cancel (*work[i]);
      g_clear_object (work[i]);
    }
}

void
_gaze_window_init_steer (GazeWindow *self)
{
  self->steer_popover = gtk_popover_menu_new_from_model (self->steer_menu);
  gtk_widget_set_parent (self->steer_popover, GTK_WIDGET (self->photo_view));
  gtk_popover_set_position (GTK_POPOVER (self->steer_popover), GTK_POS_BOTTOM);
  g_signal_connect_swapped (self->photo_view, "region-chosen", G_CALLBACK (region_chosen), self);
  g_signal_connect_object (self->settings, "changed::overlay-layer",
                           G_CALLBACK (_gaze_window_update_maps), self, G_CONNECT_SWAPPED);
}
