/* gaze-window.c — the main window: from a photo to what is shown.
 *
 * The flow, each file passed once and never returned to:
 *
 *   win.open / drop / paste / recent ─▶ gaze_window_open_files (gaze-window-open.c)
 *     ─▶ a GazePhoto in the sidebar's list, its decoding started
 *        (_gaze_window_load_photo), and _gaze_window_show_photo: the cursor
 *        points at the photo, with no caption
 *     ─▶ photo_loaded: the photo view draws it; request_caption asks the
 *        GazeCaptioner (cached in the photo, or captioned in a worker thread)
 *     ─▶ caption_done: the cursor gets the caption, and the photo view, the
 *        word strip and the inspector, bound to the cursor, show it.
 *
 * Opening another photo cancels the caption in flight.  Stepping through the
 * words only moves the cursor.  The overlay style and beam width are
 * GSettings keys that the inspector's rows and the photo view bind to; a new
 * beam width or model asks for a caption again, from the main loop, never
 * from inside a signal of the widget that changed it. */
#include "config.h"

#include "gaze-window-private.h"
#include "gaze-job.h"
#include "gaze-settings.h"

#include <glib/gi18n.h>

#define FOLD_WIDTH 1000 /* below this the side panes fold away */

G_DEFINE_FINAL_TYPE (GazeWindow, gaze_window, ADW_TYPE_APPLICATION_WINDOW)

static void request_caption (GazeWindow *self);

gboolean
_gaze_window_is_closed (GazeWindow *self)
{
  return g_cancellable_is_cancelled (self->closing)
         || gtk_window_get_application (GTK_WINDOW (self)) == NULL;
}

void
_gaze_window_toast (GazeWindow *self, AdwToast *toast)
{
  /* Over the photo, above the word strip; or over the empty page. */
  gboolean photos = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "photos") == 0;
  g_set_weak_pointer (&self->last_toast, toast);
  adw_toast_overlay_add_toast (photos ? self->toasts : self->empty_toasts, toast);
}

void
_gaze_window_toast_text (GazeWindow *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  _gaze_window_toast (self, toast);
}

/* ── Showing state ───────────────────────────────────────────────────────── */

/* What the caption bar says while there are no words to show. */
static void
update_placeholder (GazeWindow *self)
{
  const char *text = NULL;
  GazeCaptionerState state = gaze_captioner_get_state (self->captioner);
  if (gaze_cursor_get_photo (self->cursor) == NULL)
    text = NULL;
  else if (self->n_jobs > 0)
    text = _("Describing the photo…");
  else if (state == GAZE_CAPTIONER_LOADING)
    text = _("Loading the caption model…");
  else if (state != GAZE_CAPTIONER_READY)
    text = _("No caption: the model is not available");
  gaze_word_strip_set_placeholder (self->word_strip, text);
}

static void
update_busy (GazeWindow *self)
{
  gboolean busy = self->n_jobs > 0;
  gtk_widget_set_visible (self->busy_box, busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  update_placeholder (self);
}

static void
update_title (GazeWindow *self)
{
  GazePhoto *photo = gaze_cursor_get_photo (self->cursor);
  if (photo == NULL)
    {
      adw_window_title_set_title (self->window_title, _("Gaze"));
      adw_window_title_set_subtitle (self->window_title, NULL);
      return;
    }
  adw_window_title_set_title (self->window_title, gaze_photo_get_title (photo));
  const GazeBeam *beam = gaze_cursor_get_current_beam (self->cursor);
  g_autofree char *sentence = beam != NULL ? gaze_beam_to_string (beam) : NULL;
  adw_window_title_set_subtitle (self->window_title,
                                 sentence != NULL ? sentence
                                 : self->n_jobs > 0 ? _("Describing the photo…")
                                                    : NULL);
}

static void
update_actions (GazeWindow *self)
{
  int n = gaze_cursor_get_n_words (self->cursor), word = gaze_cursor_get_word (self->cursor);
  _gaze_window_enable_action (self, "prev-word", n > 0 && word > 0);
  _gaze_window_enable_action (self, "first-word", n > 0 && word > 0);
  _gaze_window_enable_action (self, "next-word", n > 0 && word < n - 1);
  _gaze_window_enable_action (self, "last-word", n > 0 && word < n - 1);
  _gaze_window_enable_action (self, "select-word", n > 0);
  _gaze_window_enable_action (self, "select-beam", n > 0);
  _gaze_window_enable_action (self, "play", n > 1);
  _gaze_window_enable_action (self, "export-png", n > 0);
  _gaze_window_enable_action (self, "export-storyboard", n > 0);
  _gaze_window_enable_action (self, "steer", n > 0);
  _gaze_window_enable_action (self, "undo-steer", gaze_cursor_is_steered (self->cursor));
  _gaze_window_enable_action (self, "occlusion", n > 0);
  _gaze_window_enable_action (self, "cancel-occlusion", self->occluding != NULL);
  _gaze_window_enable_action (self, "export-compare", n > 0 && _gaze_window_is_comparing (self));
  gtk_widget_set_visible (self->undo_steer_button, gaze_cursor_is_steered (self->cursor));
  _gaze_window_enable_action (self, "close-photo", gaze_cursor_get_photo (self->cursor) != NULL);
  /* A menu button does not follow its menu's actions: say it plainly. */
  gtk_widget_set_sensitive (self->export_button, n > 0);
}

static void
update_accessible_view (GazeWindow *self)
{
  GazePhoto *photo = gaze_cursor_get_photo (self->cursor);
  const GazeWord *word = gaze_cursor_get_current_word (self->cursor);
  g_autofree char *label = NULL;
  if (photo == NULL)
    label = g_strdup (_("No photo"));
  else if (word == NULL)
    label = g_strdup_printf (_("Photo %s"), gaze_photo_get_title (photo));
  else
    label = g_strdup_printf (_("Photo %s, showing where the model looked for “%s”"),
                             gaze_photo_get_title (photo), word->word);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->photo_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

/* The cursor moved: what is not bound to it follows here. */
static void
cursor_moved (GazeWindow *self)
{
  update_title (self);
  update_actions (self);
  update_accessible_view (self);
  _gaze_window_update_maps (self);
}

void
_gaze_window_select_word (GazeWindow *self, int index)
{
  gaze_cursor_set_word (self->cursor, index);
}

/* ── The model ───────────────────────────────────────────────────────────── */

static void
update_banner (GazeWindow *self)
{
  const GError *error = gaze_captioner_get_error (self->captioner);
  if (error != NULL)
    gtk_label_set_text (self->banner_label, error->message);
  gtk_revealer_set_reveal_child (self->banner, error != NULL);
}

/* The chooser appears when there is a choice. */
static void
update_model_chooser (GazeWindow *self)
{
  GListModel *models = gaze_captioner_get_models (self->captioner);
  gtk_widget_set_visible (GTK_WIDGET (self->model_dropdown), g_list_model_get_n_items (models) > 1);
  gtk_widget_set_tooltip_text (
      GTK_WIDGET (self->model_dropdown),
      gaze_captioner_get_state (self->captioner) != GAZE_CAPTIONER_READY ? _("Caption Model")
      : gaze_captioner_get_attention (self->captioner) == GAZE_ATTENTION_HARD
          ? _("Hard attention: one cell a word (section 4.1)")
          : _("Soft attention: a weighted view of all cells (section 4.2)"));
}

/* The chooser's rows: a model's name, shortened to fit a narrow header bar. */
static void
setup_model_item (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GtkWidget *label = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_width_chars (GTK_LABEL (label), 10);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_list_item_set_child (item, label);
}

static void
bind_model_item (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GazeModelInfo *info = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  g_object_bind_property (info, "name", label, "label", G_BINDING_SYNC_CREATE);
  gtk_widget_set_tooltip_text (label, gaze_model_info_get_path (info));
}

/* The model finished loading, failed, or started loading another. */
static void
captioner_changed (GazeWindow *self)
{
  update_banner (self);
  update_model_chooser (self);
  update_placeholder (self);
  request_caption (self);
}

/* ── Captions ────────────────────────────────────────────────────────────── */

static void
cancel_work (GazeWindow *self)
{
  if (self->work != NULL)
    g_cancellable_cancel (self->work);
  g_clear_object (&self->work);
}

/* A caption asked for: the answer may come after the window moved on. */
typedef struct {
  GazeWindow *window;
  GazePhoto *photo;
} CaptionRequest;

static void
caption_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CaptionRequest *request = user_data;
  g_autoptr (GazeWindow) self = request->window;
  g_autoptr (GazePhoto) photo = request->photo;
  g_free (request);
  g_autoptr (GError) error = NULL;
  const GazeCaption *caption
      = gaze_captioner_caption_finish (GAZE_CAPTIONER (source), result, &error);
  if (_gaze_window_is_closed (self))
    return;
  self->n_jobs--;
  update_busy (self);
  if (caption == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message = g_strdup_printf (_("Cannot describe “%s”: %s"),
                                                      gaze_photo_get_title (photo),
                                                      error->message);
          _gaze_window_toast_text (self, message);
        }
      update_title (self);
      return;
    }
  if (photo == gaze_cursor_get_photo (self->cursor))
    gaze_cursor_set (self->cursor, photo, caption);
}

/* Shows the cached caption of the photo for this model and beam width, or
 * starts working it out. */
static void
request_caption (GazeWindow *self)
{
  g_clear_handle_id (&self->caption_source, g_source_remove);
  GazePhoto *photo = gaze_cursor_get_photo (self->cursor);
  if (photo == NULL || !gaze_photo_is_loaded (photo)
      || gaze_captioner_get_state (self->captioner) != GAZE_CAPTIONER_READY)
    {
      cancel_work (self);
      gaze_cursor_set (self->cursor, photo, NULL);
      return;
    }
  int beam = g_settings_get_int (self->settings, "beam-width");
  const GazeCaption *cached = gaze_captioner_lookup (self->captioner, photo, beam);
  if (cached != NULL)
    {
      cancel_work (self);
      gaze_cursor_set (self->cursor, photo, cached);
      return;
    }
  gaze_cursor_set (self->cursor, photo, NULL);
  cancel_work (self);
  self->work = g_cancellable_new ();
  self->n_jobs++;
  update_busy (self);
  update_title (self);
  CaptionRequest *request = g_new (CaptionRequest, 1);
  request->window = g_object_ref (self);
  request->photo = g_object_ref (photo);
  gaze_captioner_caption_async (self->captioner, photo, beam, self->work, caption_done, request);
}

static gboolean
caption_from_idle (gpointer data)
{
  GazeWindow *self = data;
  self->caption_source = 0;
  request_caption (self);
  return G_SOURCE_REMOVE;
}

/* The beam width changed, perhaps by a spin button losing the focus: the
 * widgets that the new caption replaces must not go while GTK is still
 * moving the focus, so the request waits for the main loop. */
static void
beam_width_changed (GazeWindow *self)
{
  if (self->caption_source == 0)
    self->caption_source = g_idle_add (caption_from_idle, self);
}

/* ── Photos ──────────────────────────────────────────────────────────────── */

static void
photo_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GazeWindow) self = user_data;
  GazePhoto *photo = GAZE_PHOTO (source);
  g_autoptr (GError) error = NULL;
  gboolean loaded = gaze_job_load_photo_finish (photo, result, &error);
  if (_gaze_window_is_closed (self))
    return;
  self->n_jobs--;
  update_busy (self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!loaded)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot open “%s”: %s"),
                                                  gaze_photo_get_title (photo), error->message);
      _gaze_window_toast_text (self, message);
      _gaze_window_photo_failed (self, photo);
      _gaze_window_remove_photo (self, photo);
      return;
    }
  _gaze_window_photo_opened (self, photo);
  if (photo == gaze_cursor_get_photo (self->cursor))
    {
      gtk_widget_queue_draw (GTK_WIDGET (self->photo_view));
      request_caption (self);
    }
}

void
_gaze_window_load_photo (GazeWindow *self, GazePhoto *photo)
{
  self->n_jobs++;
  update_busy (self);
  gaze_job_load_photo_async (photo, self->closing, photo_loaded, g_object_ref (self));
}

static void
select_photo_row (GazeWindow *self, GazePhoto *photo)
{
  guint position;
  if (photo != NULL && g_list_store_find (self->photos, photo, &position))
    gtk_list_box_select_row (self->photo_list,
                             gtk_list_box_get_row_at_index (self->photo_list, position));
}

/* Shows photo (NULL: none); opening another photo cancels the work in flight. */
void
_gaze_window_show_photo (GazeWindow *self, GazePhoto *photo)
{
  if (photo == gaze_cursor_get_photo (self->cursor))
    return;
  _gaze_window_set_playing (self, FALSE);
  cancel_work (self);
  gaze_cursor_set (self->cursor, photo, NULL);
  select_photo_row (self, photo);
  gtk_stack_set_visible_child_name (self->stack, photo != NULL ? "photos" : "empty");
  if (photo != NULL && gaze_photo_is_loaded (photo))
    request_caption (self);
  update_placeholder (self);
}

void
_gaze_window_remove_photo (GazeWindow *self, GazePhoto *photo)
{
  guint position;
  if (photo == NULL || !g_list_store_find (self->photos, photo, &position))
    return;
  g_autoptr (GazePhoto) held = g_object_ref (photo);
  gboolean shown = photo == gaze_cursor_get_photo (self->cursor);
  g_list_store_remove (self->photos, position);
  if (!shown)
    return;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->photos));
  g_autoptr (GazePhoto) next
      = n > 0 ? g_list_model_get_item (G_LIST_MODEL (self->photos), MIN (position, n - 1)) : NULL;
  _gaze_window_show_photo (self, next);
}

static GtkWidget *
photo_row (gpointer item, gpointer user_data)
{
  GazePhoto *photo = item;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  GtkWidget *picture = gtk_picture_new ();
  gtk_widget_set_size_request (picture, 120, 80);
  gtk_widget_add_css_class (picture, "thumbnail");
  g_object_bind_property (photo, "thumbnail", picture, "paintable", G_BINDING_SYNC_CREATE);
  GtkWidget *label = gtk_label_new (gaze_photo_get_title (photo));
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (label, "caption");
  gtk_box_append (GTK_BOX (box), picture);
  gtk_box_append (GTK_BOX (box), label);
  GtkWidget *row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_tooltip_text (row, gaze_photo_get_title (photo));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gaze_photo_get_title (photo), -1);
  return row;
}

static void
photo_row_selected (GazeWindow *self, GtkListBoxRow *row)
{
  if (row == NULL)
    return;
  g_autoptr (GazePhoto) photo
      = g_list_model_get_item (G_LIST_MODEL (self->photos), gtk_list_box_row_get_index (row));
  _gaze_window_show_photo (self, photo);
}

static GazePhoto *
find_photo (GazeWindow *self, GFile *file)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->photos));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GazePhoto) photo = g_list_model_get_item (G_LIST_MODEL (self->photos), i);
      GFile *other = gaze_photo_get_file (photo);
      if (other != NULL && g_file_equal (other, file))
        return photo;
    }
  return NULL;
}

void
gaze_window_open_files (GazeWindow *self, GFile **files, int n_files)
{
  g_return_if_fail (GAZE_IS_WINDOW (self));
  g_return_if_fail (n_files == 0 || files != NULL);
  GazePhoto *last = NULL;
  for (int i = 0; i < n_files; i++)
    {
      GazePhoto *photo = find_photo (self, files[i]);
      if (photo == NULL)
        {
          photo = gaze_photo_new_for_file (files[i]);
          g_list_store_append (self->photos, photo);
          g_object_unref (photo); /* the store holds it */
          _gaze_window_load_photo (self, photo);
        }
      last = photo;
    }
  if (last != NULL)
    _gaze_window_show_photo (self, last);
}

void
gaze_window_open_image (GazeWindow *self, GazeImage *image, const char *title)
{
  g_return_if_fail (GAZE_IS_WINDOW (self));
  g_return_if_fail (image != NULL);
  g_autoptr (GazePhoto) photo = gaze_photo_new_for_image (image, title);
  g_list_store_append (self->photos, photo);
  _gaze_window_show_photo (self, photo);
}

/* ── Playing ─────────────────────────────────────────────────────────────── */

static gboolean
play_step (gpointer user_data)
{
  GazeWindow *self = user_data;
  int n = gaze_cursor_get_n_words (self->cursor), word = gaze_cursor_get_word (self->cursor);
  if (n == 0 || word >= n - 1)
    {
      self->play_source = 0;
      _gaze_window_set_playing (self, FALSE);
      return G_SOURCE_REMOVE;
    }
  gaze_cursor_set_word (self->cursor, word + 1);
  return G_SOURCE_CONTINUE;
}

void
_gaze_window_set_playing (GazeWindow *self, gboolean playing)
{
  g_clear_handle_id (&self->play_source, g_source_remove);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "play");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (playing));
  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            playing ? "media-playback-pause-symbolic"
                                    : "media-playback-start-symbolic");
  if (!playing)
    return;
  int n = gaze_cursor_get_n_words (self->cursor);
  /* From the end, play starts again at the first word. */
  if (n > 0 && gaze_cursor_get_word (self->cursor) >= n - 1)
    gaze_cursor_set_word (self->cursor, 0);
  self->play_source = g_timeout_add (900, play_step, self);
}

/* ── Comparing two models ────────────────────────────────────────────────── */

gboolean
_gaze_window_is_comparing (GazeWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "compare");
  g_autoptr (GVariant) state = g_action_get_state (action);
  return g_variant_get_boolean (state);
}

/* The model compared with, unless one was chosen before: the first installed
 * model other than the window's. */
static void
choose_compare_model (GazeWindow *self)
{
  g_autofree char *chosen = g_settings_get_string (self->settings, "compare-model");
  const char *mine = gaze_captioner_get_model_path (self->captioner);
  if (*chosen != '\0' && g_file_test (chosen, G_FILE_TEST_EXISTS) && g_strcmp0 (chosen, mine) != 0)
    return;
  GListModel *models = gaze_captioner_get_models (self->captioner);
  for (guint i = 0; i < g_list_model_get_n_items (models); i++)
    {
      g_autoptr (GazeModelInfo) info = g_list_model_get_item (models, i);
      if (g_strcmp0 (gaze_model_info_get_path (info), mine) != 0)
        {
          g_settings_set_string (self->settings, "compare-model", gaze_model_info_get_path (info));
          return;
        }
    }
}

void
_gaze_window_set_comparing (GazeWindow *self, gboolean comparing)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "compare");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (comparing));
  if (comparing)
    choose_compare_model (self);
  gaze_compare_view_set_active (self->compare_view, comparing);
  update_actions (self);
}

/* ── Layout ──────────────────────────────────────────────────────────────── */

static void
set_folded (GazeWindow *self, gboolean folded)
{
  self->folded = folded;
  AdwFlapFoldPolicy policy = folded ? ADW_FLAP_FOLD_POLICY_ALWAYS : ADW_FLAP_FOLD_POLICY_NEVER;
  adw_flap_set_fold_policy (self->sidebar_flap, policy);
  adw_flap_set_fold_policy (self->inspector_flap, policy);
  /* Room for the title in a narrow header bar; Paste and Compare stay in
   * the menu and on Ctrl+V and Ctrl+K. */
  gtk_widget_set_visible (self->paste_button, !folded);
  gtk_widget_set_visible (self->compare_button, !folded);
  /* Folded, the panes slide over the photo on demand; unfolded, they are
   * where the user last left them. */
  adw_flap_set_reveal_flap (self->sidebar_flap,
                            !folded && g_settings_get_boolean (self->settings, "sidebar-visible"));
  adw_flap_set_reveal_flap (self->inspector_flap,
                            !folded && g_settings_get_boolean (self->settings, "inspector-visible"));
}

static gboolean
layout_from_idle (gpointer data)
{
  GazeWindow *self = data;
  self->layout_source = 0;
  gboolean folded = gtk_widget_get_width (GTK_WIDGET (self)) < FOLD_WIDTH;
  if (folded != self->folded)
    set_folded (self, folded);
  return G_SOURCE_REMOVE;
}

static void
gaze_window_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  GazeWindow *self = GAZE_WINDOW (widget);
  GTK_WIDGET_CLASS (gaze_window_parent_class)->size_allocate (widget, width, height, baseline);
  /* Folding changes the layout: not from inside the allocation. */
  if ((width < FOLD_WIDTH) != self->folded && self->layout_source == 0)
    self->layout_source = g_idle_add (layout_from_idle, self);
}

/* A size asked for (a saved one, or by a program): fold first, so that the
 * narrower size is not refused for the unfolded panes' sake. */
static void
default_size_changed (GazeWindow *self)
{
  int width, height;
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width > 0 && (width < FOLD_WIDTH) != self->folded)
    set_folded (self, width < FOLD_WIDTH);
}

/* A pane shown or hidden by the user in a wide window is remembered. */
static void
pane_toggled (GazeWindow *self)
{
  if (self->folded)
    return;
  g_settings_set_boolean (self->settings, "sidebar-visible",
                          adw_flap_get_reveal_flap (self->sidebar_flap));
  g_settings_set_boolean (self->settings, "inspector-visible",
                          adw_flap_get_reveal_flap (self->inspector_flap));
}

static gboolean
gaze_window_close_request (GtkWindow *window)
{
  GazeWindow *self = GAZE_WINDOW (window);
  int width, height;
  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  return GTK_WINDOW_CLASS (gaze_window_parent_class)->close_request (window);
}

/* ── Settings ────────────────────────────────────────────────────────────── */

void
gaze_window_set_style (GazeWindow *self, const GazeOverlayStyle *style)
{
  g_return_if_fail (GAZE_IS_WINDOW (self));
  g_return_if_fail (style != NULL);
  g_settings_set_enum (self->settings, "overlay-style", style->mode);
  g_settings_set_enum (self->settings, "colormap", style->colormap);
  g_settings_set_double (self->settings, "opacity", style->opacity);
  g_settings_set_boolean (self->settings, "show-grid", style->show_grid);
  g_settings_set_enum (self->settings, "overlay-layer", style->layer);
}

void
gaze_window_set_beam_width (GazeWindow *self, int beam_width)
{
  g_return_if_fail (GAZE_IS_WINDOW (self));
  g_return_if_fail (beam_width >= 1 && beam_width <= 10);
  g_settings_set_int (self->settings, "beam-width", beam_width);
  /* Asked for directly (not by a widget): answered at once. */
  request_caption (self);
}

/* The style keys, by their enum nicks, into the photo view's properties. */
static void
bind_settings (GazeWindow *self)
{
  g_settings_bind (self->settings, "overlay-style", self->photo_view, "overlay-mode",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "colormap", self->photo_view, "colormap", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "opacity", self->photo_view, "opacity", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "show-grid", self->photo_view, "show-grid",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "overlay-layer", self->photo_view, "layer",
                   G_SETTINGS_BIND_GET);
  gaze_inspector_bind_settings (self->inspector, self->settings);
  gaze_compare_view_bind_settings (self->compare_view, self->settings);
  g_signal_connect_object (self->settings, "changed::beam-width", G_CALLBACK (beam_width_changed),
                           self, G_CONNECT_SWAPPED);
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");
  gtk_window_set_default_size (GTK_WINDOW (self), MAX (width, 360), MAX (height, 360));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  set_folded (self, MAX (width, 360) < FOLD_WIDTH);
}

/* ── Template callbacks ──────────────────────────────────────────────────── */

static void
on_photo_row_selected (GazeWindow *self, GtkListBoxRow *row)
{
  photo_row_selected (self, row);
}

/* ── GObject ─────────────────────────────────────────────────────────────── */

static void
gaze_window_dispose (GObject *object)
{
  GazeWindow *self = GAZE_WINDOW (object);
  g_cancellable_cancel (self->closing);
  cancel_work (self);
  _gaze_window_cancel_questions (self);
  g_clear_pointer (&self->steer_popover, gtk_widget_unparent);
  g_clear_handle_id (&self->play_source, g_source_remove);
  g_clear_handle_id (&self->caption_source, g_source_remove);
  g_clear_handle_id (&self->layout_source, g_source_remove);
  g_clear_weak_pointer (&self->last_toast);
  g_signal_handlers_disconnect_by_data (gtk_recent_manager_get_default (), self);
  if (self->captioner != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->captioner, self);
      g_signal_handlers_disconnect_by_data (gaze_captioner_get_models (self->captioner), self);
    }
  if (self->cursor != NULL)
    g_signal_handlers_disconnect_by_data (self->cursor, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), GAZE_TYPE_WINDOW);
  g_clear_object (&self->cursor);
  g_clear_object (&self->captioner);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (gaze_window_parent_class)->dispose (object);
}

static void
gaze_window_finalize (GObject *object)
{
  GazeWindow *self = GAZE_WINDOW (object);
  g_clear_object (&self->photos);
  g_clear_object (&self->closing);
  G_OBJECT_CLASS (gaze_window_parent_class)->finalize (object);
}

static void
gaze_window_class_init (GazeWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  object_class->dispose = gaze_window_dispose;
  object_class->finalize = gaze_window_finalize;
  widget_class->size_allocate = gaze_window_size_allocate;
  window_class->close_request = gaze_window_close_request;

  g_type_ensure (GAZE_TYPE_PHOTO_VIEW);
  g_type_ensure (GAZE_TYPE_WORD_STRIP);
  g_type_ensure (GAZE_TYPE_INSPECTOR);
  g_type_ensure (GAZE_TYPE_COMPARE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/gaze/Gaze/gaze-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, GazeWindow, name)
  BIND (window_title);
  BIND (banner);
  BIND (banner_label);
  BIND (toasts);
  BIND (empty_toasts);
  BIND (stack);
  BIND (recent_list);
  BIND (recent_group);
  BIND (photo_list);
  BIND (sidebar_flap);
  BIND (inspector_flap);
  BIND (inspector);
  BIND (photo_view);
  BIND (busy_box);
  BIND (spinner);
  BIND (word_strip);
  BIND (play_button);
  BIND (export_button);
  BIND (paste_button);
  BIND (model_dropdown);
  BIND (recent_section);
  BIND (steer_menu);
  BIND (occlusion_box);
  BIND (occlusion_bar);
  BIND (undo_steer_button);
  BIND (compare_view);
  BIND (compare_button);
#undef BIND
  /* Reachable with gtk_widget_get_template_child (the tests read them). */
  gtk_widget_class_bind_template_child_full (widget_class, "empty_page", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "primary_menu", FALSE, 0);
  gtk_widget_class_bind_template_callback (widget_class, on_photo_row_selected);
}

static void
gaze_window_init (GazeWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->photos = g_list_store_new (GAZE_TYPE_PHOTO);
  self->closing = g_cancellable_new ();
  self->cursor = gaze_cursor_new ();
  self->settings = gaze_settings_new ();
  _gaze_window_add_actions (self);
  gtk_list_box_bind_model (self->photo_list, G_LIST_MODEL (self->photos), photo_row, NULL, NULL);

  /* The selection lives in the cursor; these show it. */
  gaze_photo_view_set_cursor (self->photo_view, self->cursor);
  gaze_word_strip_set_cursor (self->word_strip, self->cursor);
  gaze_inspector_set_cursor (self->inspector, self->cursor);
  gaze_compare_view_set_cursor (self->compare_view, self->cursor);
  g_signal_connect_swapped (self->cursor, "notify", G_CALLBACK (cursor_moved), self);
  _gaze_window_scope_word_keys (GTK_WIDGET (self->photo_view));
  _gaze_window_scope_word_keys (GTK_WIDGET (self->word_strip));

  bind_settings (self);
  g_signal_connect_swapped (self, "notify::default-width", G_CALLBACK (default_size_changed), self);
  g_signal_connect_swapped (self->sidebar_flap, "notify::reveal-flap", G_CALLBACK (pane_toggled),
                            self);
  g_signal_connect_swapped (self->inspector_flap, "notify::reveal-flap",
                            G_CALLBACK (pane_toggled), self);
  _gaze_window_init_open (self);
  cursor_moved (self);
}

/* After the captioner is known: the steering needs it. */
static void
init_questions (GazeWindow *self)
{
  _gaze_window_init_steer (self);
}

GazeWindow *
gaze_window_new (GtkApplication *app, GazeCaptioner *captioner)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (GAZE_IS_CAPTIONER (captioner), NULL);
  GazeWindow *self = g_object_new (GAZE_TYPE_WINDOW, "application", app, NULL);
  self->captioner = g_object_ref (captioner);
  init_questions (self);
  g_signal_connect_swapped (captioner, "notify::state", G_CALLBACK (captioner_changed), self);
  g_signal_connect_swapped (gaze_captioner_get_models (captioner), "items-changed",
                            G_CALLBACK (update_model_chooser), self);
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_model_item), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_model_item), NULL);
  gtk_drop_down_set_factory (self->model_dropdown, factory);
  gtk_drop_down_set_model (self->model_dropdown, gaze_captioner_get_models (captioner));
  g_object_bind_property (captioner, "selected", self->model_dropdown, "selected",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  update_banner (self);
  update_model_chooser (self);
  update_placeholder (self);
  return self;
}

/* ── For tests and the benchmark ─────────────────────────────────────────── */

GazePhoto *
gaze_window_get_photo (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return gaze_cursor_get_photo (self->cursor);
}

const GazeCaption *
gaze_window_get_caption (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return gaze_cursor_get_caption (self->cursor);
}

int
gaze_window_get_word (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), -1);
  return gaze_cursor_get_word (self->cursor);
}

gboolean
gaze_window_is_busy (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), FALSE);
  return self->n_jobs > 0 || self->caption_source != 0;
}

const char *
gaze_window_get_banner (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return gtk_revealer_get_reveal_child (self->banner) ? gtk_label_get_text (self->banner_label)
                                                      : NULL;
}

AdwToast *
gaze_window_get_last_toast (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return self->last_toast;
}

GtkWidget *
gaze_window_get_photo_view (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->photo_view);
}

GtkWidget *
gaze_window_get_word_strip (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->word_strip);
}

GtkWidget *
gaze_window_get_inspector (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->inspector);
}

GazeCaptioner *
gaze_window_get_captioner (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return self->captioner;
}

GSettings *
gaze_window_get_settings (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return self->settings;
}

gboolean
gaze_window_is_folded (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), FALSE);
  return self->folded;
}

GtkWidget *
gaze_window_get_compare_view (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->compare_view);
}

GtkWidget *
gaze_window_get_steer_popover (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return self->steer_popover;
}

gboolean
gaze_window_is_steered (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), FALSE);
  return gaze_cursor_is_steered (self->cursor);
}

const GazeCaption *
gaze_window_get_original_caption (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), NULL);
  return gaze_cursor_get_original (self->cursor);
}

gboolean
gaze_window_is_questioning (GazeWindow *self)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), FALSE);
  return self->steering != NULL || self->evidence_work != NULL || self->occluding != NULL
         || gaze_paint_wait_is_waiting (&self->paint);
}

void
gaze_window_get_question_times (GazeWindow *self, gint64 *steer_us, gint64 *evidence_us,
                                gint64 *occlusion_us)
{
  g_return_if_fail (GAZE_IS_WINDOW (self));
  *steer_us = self->last_steer_us;
  *evidence_us = self->last_evidence_us;
  *occlusion_us = self->last_occlusion_us;
}
