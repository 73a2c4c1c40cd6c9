/* gaze-window-open.c — photos coming in: the Open dialog, Recent Photos,
 * drag and drop, and paste.  Every way ends in gaze_window_open_files or
 * gaze_window_open_image (gaze-window.c). */
#include "config.h"

#include "gaze-window-private.h"
#include "gaze-job.h"

#include <glib/gi18n.h>

#define N_RECENT 8
/* The recent-files group of what Gaze itself wrote: not photos to reopen. */
#define EXPORT_GROUP "gaze-export"

/* ── Recent photos ───────────────────────────────────────────────────────── */

static GtkWidget *
recent_row (GtkRecentInfo *info)
{
  GtkWidget *row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), gtk_recent_info_get_display_name (info));
  g_autofree char *location = gtk_recent_info_get_uri_display (info);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), location);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("image-x-generic-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.open-recent");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row),
                                          g_variant_new_string (gtk_recent_info_get_uri (info)));
  return row;
}

static int
compare_recent (gconstpointer a, gconstpointer b)
{
  GDateTime *ta = gtk_recent_info_get_modified (*(GtkRecentInfo **) a);
  GDateTime *tb = gtk_recent_info_get_modified (*(GtkRecentInfo **) b);
  return g_date_time_compare (tb, ta);
}

/* A photo worth offering again: an image that is there, not one of Gaze's
 * own exports. */
static gboolean
is_recent_photo (GtkRecentInfo *info)
{
  const char *mime = gtk_recent_info_get_mime_type (info);
  return mime != NULL && g_str_has_prefix (mime, "image/") && gtk_recent_info_is_local (info)
         && gtk_recent_info_exists (info) && !gtk_recent_info_has_group (info, EXPORT_GROUP);
}

void
_gaze_window_update_recent (GazeWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr (GPtrArray) photos = g_ptr_array_new ();
  for (GList *l = items; l != NULL; l = l->next)
    if (is_recent_photo (l->data))
      g_ptr_array_add (photos, l->data);
  g_ptr_array_sort (photos, compare_recent);

  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))) != NULL)
    gtk_list_box_remove (self->recent_list, child);
  g_menu_remove_all (self->recent_section);
  for (guint i = 0; i < MIN (photos->len, N_RECENT); i++)
    {
      GtkRecentInfo *info = photos->pdata[i];
      gtk_list_box_append (self->recent_list, recent_row (info));
      g_autoptr (GMenuItem) item = g_menu_item_new (gtk_recent_info_get_display_name (info), NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (gtk_recent_info_get_uri (info)));
      g_menu_append_item (self->recent_section, item);
    }
  gtk_widget_set_visible (self->recent_group, photos->len > 0);
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

/* Only a photo that opened goes into Recent Photos. */
void
_gaze_window_photo_opened (GazeWindow *self, GazePhoto *photo)
{
  GFile *file = gaze_photo_get_file (photo);
  if (file == NULL)
    return;
  g_autofree char *uri = g_file_get_uri (file);
  gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
}

/* A photo that did not open is not offered again (the file chooser may have
 * listed it). */
void
_gaze_window_photo_failed (GazeWindow *self, GazePhoto *photo)
{
  GFile *file = gaze_photo_get_file (photo);
  if (file == NULL)
    return;
  g_autofree char *uri = g_file_get_uri (file);
  GtkRecentManager *recent = gtk_recent_manager_get_default ();
  if (gtk_recent_manager_has_item (recent, uri))
    gtk_recent_manager_remove_item (recent, uri, NULL);
}

void
_gaze_window_note_export (GazeWindow *self, const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  if (uri == NULL)
    return;
  static const char *groups[] = { EXPORT_GROUP, NULL };
  GtkRecentData data = {
    .mime_type = (char *) "image/png",
    .app_name = (char *) g_get_application_name (),
    .app_exec = (char *) "gaze %u",
    .groups = (char **) groups,
  };
  gtk_recent_manager_add_full (gtk_recent_manager_get_default (), uri, &data);
}

/* ── Opening ─────────────────────────────────────────────────────────────── */

static void
open_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  GazeWindow *self = user_data;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      guint n = g_list_model_get_n_items (files);
      g_autoptr (GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (array, g_list_model_get_item (files, i));
      gaze_window_open_files (self, (GFile **) array->pdata, (int) array->len);
    }
  g_object_unref (dialog);
}

void
_gaze_window_open_dialog (GazeWindow *self)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (
      _("Open Photos"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (dialog), TRUE);
  GtkFileFilter *images = gtk_file_filter_new ();
  gtk_file_filter_set_name (images, _("Photos"));
  gtk_file_filter_add_pixbuf_formats (images);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), images);
  g_object_unref (images);
  g_signal_connect (dialog, "response", G_CALLBACK (open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
_gaze_window_open_recent (GazeWindow *self, const char *uri)
{
  g_autoptr (GFile) file = g_file_new_for_uri (uri);
  gaze_window_open_files (self, &file, 1);
}

static void
paste_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GazeWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) texture
      = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  if (_gaze_window_is_closed (self))
    return;
  if (texture == NULL)
    {
      _gaze_window_toast_text (self, _("The clipboard holds no image"));
      return;
    }
  GazeImage *image = gaze_image_new_from_texture (texture, &error);
  if (image == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot paste the image: %s"), error->message);
      _gaze_window_toast_text (self, message);
      return;
    }
  gaze_window_open_image (self, image, _("Pasted Image"));
}

void
_gaze_window_paste (GazeWindow *self)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  gdk_clipboard_read_texture_async (clipboard, NULL, paste_done, g_object_ref (self));
}

static gboolean
drop_files (GtkDropTarget *target, const GValue *value, double x, double y, gpointer user_data)
{
  GazeWindow *self = user_data;
  GSList *list = g_value_get_boxed (value);
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  for (GSList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (files, l->data);
  gaze_window_open_files (self, (GFile **) files->pdata, (int) files->len);
  return files->len > 0;
}

void
_gaze_window_init_open (GazeWindow *self)
{
  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_files), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  g_signal_connect_swapped (gtk_recent_manager_get_default (), "changed",
                            G_CALLBACK (_gaze_window_update_recent), self);
  _gaze_window_update_recent (self);
}
