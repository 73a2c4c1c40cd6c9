/* gaze-window-actions.c — the window's GActions, its word keys and exports.
 * Each action calls one named function. */
#include "config.h"

#include "gaze-window-private.h"
#include "gaze-compare.h"

#include <glib/gi18n.h>

void
_gaze_window_enable_action (GazeWindow *self, const char *name, gboolean enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

/* Word stepping and undoing a steer belong to the photo and the caption: the
 * keys act only while widget (or a child) has the focus, so that they still
 * move a slider or a text cursor, or undo typing, elsewhere. */
void
_gaze_window_scope_word_keys (GtkWidget *widget)
{
  static const struct {
    const char *trigger, *action;
  } keys[] = {
    { "Left", "win.prev-word" },
    { "Right", "win.next-word" },
    { "Home", "win.first-word" },
    { "End", "win.last-word" },
    { "<Control>z", "win.undo-steer" },
  };
  GtkEventController *controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_name (controller, "gaze-word-keys");
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller),
                                     GTK_SHORTCUT_SCOPE_LOCAL);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_shortcut_controller_add_shortcut (
        GTK_SHORTCUT_CONTROLLER (controller),
        gtk_shortcut_new (gtk_shortcut_trigger_parse_string (keys[i].trigger),
                          gtk_named_action_new (keys[i].action)));
  gtk_widget_add_controller (widget, controller);
}

/* ── Export ──────────────────────────────────────────────────────────────── */

/* Both models' storyboards on one sheet, each under its model's name. */
static cairo_surface_t *
comparison_sheet (GazeWindow *self, cairo_surface_t *photo, const GazeOverlayStyle *style,
                  int width, GError **error)
{
  GazeCursor *other = gaze_compare_view_get_cursor (self->compare_view);
  const GazeCaption *theirs = gaze_cursor_get_caption (other);
  if (!_gaze_window_is_comparing (self) || theirs == NULL
      || gaze_cursor_get_photo (other) != gaze_cursor_get_photo (self->cursor))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   _("The compared model has no caption of this photo yet"));
      return NULL;
    }
  cairo_surface_t *mine = gaze_render_storyboard (photo, gaze_cursor_get_caption (self->cursor),
                                                  gaze_cursor_get_beam (self->cursor), style, 0,
                                                  0, error);
  if (mine == NULL)
    return NULL;
  cairo_surface_t *yours = gaze_render_storyboard (photo, theirs, 0, style, 0, 0, error);
  if (yours == NULL)
    {
      cairo_surface_destroy (mine);
      return NULL;
    }
  GazeModelInfo *info = gtk_drop_down_get_selected_item (self->model_dropdown);
  cairo_surface_t *sheet = gaze_render_side_by_side (
      mine, info != NULL ? gaze_model_info_get_name (info) : "", yours,
      gaze_compare_view_get_model_name (self->compare_view), width);
  cairo_surface_destroy (mine);
  cairo_surface_destroy (yours);
  return sheet;
}

void
gaze_window_set_export_beside (GazeWindow *self, gboolean beside)
{
  g_return_if_fail (GAZE_IS_WINDOW (self));
  self->export_beside = beside;
}

gboolean
gaze_window_export (GazeWindow *self, GazeExportKind kind, GFile *file, int width,
                    GError **error)
{
  g_return_val_if_fail (GAZE_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  const GazeCaption *caption = gaze_cursor_get_caption (self->cursor);
  if (caption == NULL || gaze_cursor_get_current_word (self->cursor) == NULL)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, _("There is no caption to export yet"));
      return FALSE;
    }
  GazeOverlayStyle style;
  gaze_photo_view_get_style (self->photo_view, &style);
  style.beside_alpha = self->export_beside && style.layer != GAZE_OVERLAY_LAYER_ALPHA;
  cairo_surface_t *photo = gaze_photo_get_surface (gaze_cursor_get_photo (self->cursor));
  int beam = gaze_cursor_get_beam (self->cursor);
  cairo_surface_t *sheet = NULL;
  if (kind == GAZE_EXPORT_WORD)
    sheet = gaze_render_word (photo, caption, beam, gaze_cursor_get_word (self->cursor), &style,
                              width, 0, error);
  else if (kind == GAZE_EXPORT_STORYBOARD)
    sheet = gaze_render_storyboard (photo, caption, beam, &style, width, 0, error);
  else
    sheet = comparison_sheet (self, photo, &style, width, error);
  if (sheet == NULL)
    return FALSE;
  g_autofree char *path = g_file_get_path (file);
  gboolean saved = path != NULL && gaze_render_save_png (sheet, path, TRUE, error);
  if (path == NULL)
    g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, _("Only local files can be written"));
  cairo_surface_destroy (sheet);
  if (saved)
    _gaze_window_note_export (self, path);
  return saved;
}

void
gaze_window_export_and_tell (GazeWindow *self, GazeExportKind kind, GFile *file, int width)
{
  g_return_if_fail (GAZE_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  if (!gaze_window_export (self, kind, file, width, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Cannot save “%s”: %s"), name, error->message);
      _gaze_window_toast_text (self, message);
      return;
    }
  g_autofree char *message = g_strdup_printf (_("Saved “%s”"), name);
  g_autofree char *uri = g_file_get_uri (file);
  AdwToast *toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_set_button_label (toast, _("_Open"));
  adw_toast_set_action_name (toast, "win.open-export");
  adw_toast_set_action_target_value (toast, g_variant_new_string (uri));
  _gaze_window_toast (self, toast);
}

static void
export_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  GazeWindow *self = user_data;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      const char *size = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "size");
      const char *beside = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "beside");
      GazeExportKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "kind"));
      gaze_window_set_export_beside (self, g_strcmp0 (beside, "true") == 0);
      gaze_window_export_and_tell (self, kind, file, size != NULL ? atoi (size) : 0);
    }
  g_object_unref (dialog);
}

void
_gaze_window_export_dialog (GazeWindow *self, GazeExportKind kind)
{
  const GazeWord *word = gaze_cursor_get_current_word (self->cursor);
  GazePhoto *photo = gaze_cursor_get_photo (self->cursor);
  if (word == NULL)
    return;
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (
      kind == GAZE_EXPORT_WORD         ? _("Export Word as PNG")
      : kind == GAZE_EXPORT_STORYBOARD ? _("Export Storyboard")
                                       : _("Export the Comparison"),
      GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  g_object_set_data (G_OBJECT (dialog), "kind", GINT_TO_POINTER (kind));
  GtkFileFilter *png = gtk_file_filter_new ();
  gtk_file_filter_set_name (png, _("PNG images"));
  gtk_file_filter_add_mime_type (png, "image/png");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), png);
  g_object_unref (png);

  static const char *size_ids[] = { "0", "1920", "1280", "800", NULL };
  const char *size_labels[] = { _("Full resolution"), _("1920 pixels wide"),
                                _("1280 pixels wide"), _("800 pixels wide"), NULL };
  gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (dialog), "size", _("Size"), size_ids,
                               size_labels);
  gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (dialog), "size", "0");
  /* An evidence map shown can go beside α instead of in its place. */
  GazeOverlayStyle style;
  gaze_photo_view_get_style (self->photo_view, &style);
  if (style.layer != GAZE_OVERLAY_LAYER_ALPHA)
    {
      gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (dialog), "beside",
                                   _("Put α beside the map shown"), NULL, NULL);
      gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (dialog), "beside",
                                   self->export_beside ? "true" : "false");
    }

  g_autofree char *stem = gaze_photo_get_export_stem (photo);
  /* A word can hold characters a file name should not. */
  g_autofree char *safe_word = g_strdelimit (g_strdup (word->word), "/\\:", '-');
  int index = gaze_cursor_get_word (self->cursor);
  g_autofree char *name
      = kind == GAZE_EXPORT_WORD         ? g_strdup_printf ("%s-%d-%s.png", stem, index + 1, safe_word)
      : kind == GAZE_EXPORT_STORYBOARD ? g_strdup_printf (C_("file name", "%s-storyboard.png"), stem)
                                       : g_strdup_printf (C_("file name", "%s-comparison.png"), stem);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  GFile *source = gaze_photo_get_file (photo);
  g_autoptr (GFile) parent = source != NULL ? g_file_get_parent (source) : NULL;
  if (parent != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), parent, NULL);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
open_export (GazeWindow *self, const char *uri)
{
  gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
}

/* ── Actions ─────────────────────────────────────────────────────────────── */

static void
action_open (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_open_dialog (self);
}

static void
action_open_recent (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_open_recent (self, g_variant_get_string (p, NULL));
}

static void
action_paste (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_paste (self);
}

static void
action_close_photo (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_remove_photo (self, gaze_window_get_photo (self));
}

static void
action_export_png (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_export_dialog (self, GAZE_EXPORT_WORD);
}

static void
action_export_storyboard (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_export_dialog (self, GAZE_EXPORT_STORYBOARD);
}

static void
action_open_export (GSimpleAction *a, GVariant *p, gpointer self)
{
  open_export (self, g_variant_get_string (p, NULL));
}

static void
action_prev_word (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_select_word (self, gaze_window_get_word (self) - 1);
}

static void
action_next_word (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_select_word (self, gaze_window_get_word (self) + 1);
}

static void
action_first_word (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_select_word (self, 0);
}

static void
action_last_word (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_select_word (self, G_MAXINT);
}

static void
action_select_word (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_select_word (self, g_variant_get_int32 (p));
}

static void
action_select_beam (GSimpleAction *a, GVariant *p, gpointer self)
{
  gaze_cursor_set_beam (GAZE_WINDOW (self)->cursor, g_variant_get_int32 (p));
}

static void
action_play (GSimpleAction *a, GVariant *state, gpointer self)
{
  _gaze_window_set_playing (self, g_variant_get_boolean (state));
}

static void
action_show_grid (GSimpleAction *a, GVariant *state, gpointer self)
{
  g_settings_set_boolean (GAZE_WINDOW (self)->settings, "show-grid", g_variant_get_boolean (state));
}

static void
action_steer (GSimpleAction *a, GVariant *p, gpointer self)
{
  const char *kind = g_variant_get_string (p, NULL);
  _gaze_window_steer (self, g_str_equal (kind, "avoid") ? GAZE_STEER_AVOID : GAZE_STEER_LOOK);
}

static void
action_undo_steer (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_undo_steer (self);
}

static void
action_occlusion (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_run_occlusion (self);
}

static void
action_cancel_occlusion (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_cancel_occlusion (self);
}

static void
action_compare (GSimpleAction *a, GVariant *state, gpointer self)
{
  _gaze_window_set_comparing (self, g_variant_get_boolean (state));
}

static void
action_export_compare (GSimpleAction *a, GVariant *p, gpointer self)
{
  _gaze_window_export_dialog (self, GAZE_EXPORT_COMPARISON);
}

static const GActionEntry win_actions[] = {
  { "open", action_open, NULL, NULL, NULL, { 0 } },
  { "open-recent", action_open_recent, "s", NULL, NULL, { 0 } },
  { "paste", action_paste, NULL, NULL, NULL, { 0 } },
  { "close-photo", action_close_photo, NULL, NULL, NULL, { 0 } },
  { "export-png", action_export_png, NULL, NULL, NULL, { 0 } },
  { "export-storyboard", action_export_storyboard, NULL, NULL, NULL, { 0 } },
  { "open-export", action_open_export, "s", NULL, NULL, { 0 } },
  { "prev-word", action_prev_word, NULL, NULL, NULL, { 0 } },
  { "next-word", action_next_word, NULL, NULL, NULL, { 0 } },
  { "first-word", action_first_word, NULL, NULL, NULL, { 0 } },
  { "last-word", action_last_word, NULL, NULL, NULL, { 0 } },
  { "select-word", action_select_word, "i", NULL, NULL, { 0 } },
  { "select-beam", action_select_beam, "i", NULL, NULL, { 0 } },
  { "play", NULL, NULL, "false", action_play, { 0 } },
  { "show-grid", NULL, NULL, "false", action_show_grid, { 0 } },
  { "steer", action_steer, "s", NULL, NULL, { 0 } },
  { "undo-steer", action_undo_steer, NULL, NULL, NULL, { 0 } },
  { "occlusion", action_occlusion, NULL, NULL, NULL, { 0 } },
  { "cancel-occlusion", action_cancel_occlusion, NULL, NULL, NULL, { 0 } },
  { "compare", NULL, NULL, "false", action_compare, { 0 } },
  { "export-compare", action_export_compare, NULL, NULL, NULL, { 0 } },
};

/* The grid's toggle follows the setting, however it was changed. */
static void
show_grid_changed (GazeWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "show-grid");
  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_boolean (g_settings_get_boolean (self->settings,
                                                                            "show-grid")));
}

void
_gaze_window_add_actions (GazeWindow *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions),
                                   self);
  g_autoptr (GAction) onwards = g_settings_create_action (self->settings, "steer-onwards");
  g_action_map_add_action (G_ACTION_MAP (self), onwards);
  g_signal_connect_object (self->settings, "changed::show-grid", G_CALLBACK (show_grid_changed),
                           self, G_CONNECT_SWAPPED);
  show_grid_changed (self);
}
