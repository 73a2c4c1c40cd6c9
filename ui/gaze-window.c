/* gaze-window.c — the main window.
 *
 * State lives here; widgets only show it.  Every action and signal handler
 * calls one named function.  The photo being shown owns its caption (cached
 * per model and beam width); the engine's work runs in gaze-job.c's threads. */
#include "config.h"

#include "gaze-window.h"
#include "gaze-application.h"
#include "gaze-job.h"
#include "gaze-photo-view.h"
#include "gaze-word-strip.h"

#include <glib/gi18n.h>

#define PLAY_INTERVAL_MS 900
#define N_RECENT 8

/* One of the top-5 rows, made once and refilled for each word. */
typedef struct {
  GtkWidget *row;
  GtkLevelBar *bar;
  GtkLabel *percent;
} AlternativeRow;

struct _GazeWindow {
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwWindowTitle *window_title;
  GtkRevealer *banner;
  GtkLabel *banner_label;
  GtkWidget *banner_button;
  AdwToastOverlay *toasts;
  GtkStack *stack;
  GtkListBox *recent_list;
  GtkWidget *recent_group;
  GtkListBox *photo_list;
  GazePhotoView *photo_view;
  GtkWidget *busy_box;
  GtkSpinner *spinner;
  GazeWordStrip *word_strip;
  GtkToggleButton *play_button;
  GtkLabel *beta_label;
  GtkLabel *prob_label;
  GtkListBox *alternatives_list;
  GtkWidget *alternatives_group;
  GtkWidget *cell_row;
  GtkLabel *cell_label;
  AdwComboRow *mode_row;
  AdwComboRow *colormap_row;
  GtkAdjustment *opacity;
  GtkAdjustment *beam_width;
  GtkListBox *beam_list;
  GtkWidget *model_group;
  AdwComboRow *model_row;
  GMenu *recent_section;

  /* State */
  GListStore *photos;
  GazePhoto *photo;           /* shown */
  const GazeCaption *caption; /* of photo, owned by it */
  int beam, word;
  GazeOverlayStyle style;
  GCancellable *work;    /* the caption in flight; cancelled by the next photo */
  GCancellable *closing; /* everything, cancelled when the window goes */
  int n_jobs;
  guint play_source;
  gboolean updating_models;
  AlternativeRow alternatives[GAZE_TOP_K];
};

G_DEFINE_FINAL_TYPE (GazeWindow, gaze_window, ADW_TYPE_APPLICATION_WINDOW)

static void show_photo (GazeWindow *self, GazePhoto *photo);
static void update_placeholder (GazeWindow *self);
static void request_caption (GazeWindow *self);

static GazeApplication *
application (GazeWindow *self)
{
  return GAZE_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

/* Whether the window was closed (destroyed, or taken from the application)
 * while work for it was in flight. */
static gboolean
is_closed (GazeWindow *self)
{
  return g_cancellable_is_cancelled (self->closing) || application (self) == NULL;
}

static void
toast (GazeWindow *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toasts, toast);
}

static void
enable_action (GazeWindow *self, const char *name, gboolean enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), name);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static const GazeBeam *
current_beam (GazeWindow *self)
{
  if (self->caption == NULL || self->beam >= self->caption->n_beams)
    return NULL;
  return &self->caption->beams[self->beam];
}

static const GazeWord *
current_word (GazeWindow *self)
{
  const GazeBeam *beam = current_beam (self);
  if (beam == NULL || self->word < 0 || self->word >= beam->n_words)
    return NULL;
  return &beam->words[self->word];
}

/* ── Showing state ───────────────────────────────────────────────────────── */

static void
update_busy (GazeWindow *self)
{
  gboolean busy = self->n_jobs > 0;
  gtk_widget_set_visible (self->busy_box, busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  update_placeholder (self);
}

static void
update_actions (GazeWindow *self)
{
  const GazeBeam *beam = current_beam (self);
  int n = beam != NULL ? beam->n_words : 0;
  enable_action (self, "prev-word", n > 0 && self->word > 0);
  enable_action (self, "first-word", n > 0 && self->word > 0);
  enable_action (self, "next-word", n > 0 && self->word < n - 1);
  enable_action (self, "last-word", n > 0 && self->word < n - 1);
  enable_action (self, "select-word", n > 0);
  enable_action (self, "play", n > 1);
  enable_action (self, "export-png", n > 0);
  enable_action (self, "export-storyboard", n > 0);
  enable_action (self, "close-photo", self->photo != NULL);
}

/* What the caption bar says while there are no words to show. */
static void
update_placeholder (GazeWindow *self)
{
  GazeApplication *app = application (self);
  const char *text = NULL;
  if (self->photo == NULL)
    text = NULL;
  else if (self->n_jobs > 0)
    text = _("Describing the photo…");
  else if (app != NULL && gaze_application_is_loading (app))
    text = _("Loading the caption model…");
  else if (app != NULL && gaze_application_get_runtime (app) == NULL)
    text = _("No caption: the model is not available");
  gaze_word_strip_set_placeholder (self->word_strip, text);
}

static void
update_title (GazeWindow *self)
{
  update_placeholder (self);
  if (self->photo == NULL)
    {
      adw_window_title_set_title (self->window_title, _("Gaze"));
      adw_window_title_set_subtitle (self->window_title, NULL);
      return;
    }
  adw_window_title_set_title (self->window_title, gaze_photo_get_title (self->photo));
  const GazeBeam *beam = current_beam (self);
  g_autofree char *sentence = beam != NULL ? gaze_beam_to_string (beam) : NULL;
  adw_window_title_set_subtitle (self->window_title,
                                 sentence != NULL ? sentence
                                 : self->n_jobs > 0 ? _("Describing the photo…")
                                                    : NULL);
}

static void
alternative_row_init (AlternativeRow *alt, GtkListBox *list)
{
  alt->row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (alt->row), FALSE);
  alt->bar = GTK_LEVEL_BAR (gtk_level_bar_new_for_interval (0.0, 1.0));
  gtk_widget_set_size_request (GTK_WIDGET (alt->bar), 80, -1);
  gtk_widget_set_valign (GTK_WIDGET (alt->bar), GTK_ALIGN_CENTER);
  alt->percent = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (alt->percent), "numeric");
  gtk_label_set_width_chars (alt->percent, 7);
  gtk_label_set_xalign (alt->percent, 1.0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (alt->row), GTK_WIDGET (alt->bar));
  adw_action_row_add_suffix (ADW_ACTION_ROW (alt->row), GTK_WIDGET (alt->percent));
  gtk_list_box_append (list, alt->row);
}

static void
alternative_row_show (AlternativeRow *alt, const char *word, float prob, gboolean chosen)
{
  gtk_widget_set_visible (alt->row, word != NULL);
  if (word == NULL)
    return;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (alt->row), word);
  if (chosen)
    gtk_widget_add_css_class (alt->row, "chosen");
  else
    gtk_widget_remove_css_class (alt->row, "chosen");
  gtk_level_bar_set_value (alt->bar, CLAMP (prob, 0.0f, 1.0f));
  char text[32];
  g_snprintf (text, sizeof text, "%.1f %%", 100.0 * prob);
  gtk_label_set_text (alt->percent, text);
  g_autofree char *description = g_strdup_printf (_("%s, probability %.1f percent"), word,
                                                  100.0 * prob);
  gtk_accessible_update_property (GTK_ACCESSIBLE (alt->row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  description, -1);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
update_word_details (GazeWindow *self)
{
  const GazeWord *word = current_word (self);
  gtk_widget_set_visible (self->alternatives_group, word != NULL);
  gboolean hard = self->caption != NULL && self->caption->attention == GAZE_ATTENTION_HARD;
  gtk_widget_set_visible (self->cell_row, word != NULL && hard);
  if (word == NULL)
    {
      gtk_label_set_text (self->beta_label, "–");
      gtk_label_set_text (self->prob_label, "–");
      return;
    }
  char text[64];
  g_snprintf (text, sizeof text, "%.3f", word->beta);
  gtk_label_set_text (self->beta_label, text);
  g_snprintf (text, sizeof text, "%.1f %%", 100.0 * word->prob);
  gtk_label_set_text (self->prob_label, text);
  int n = self->caption->grid_size;
  /* Translators: the attended cell of the 7 × 7 grid, counted from the top left. */
  g_snprintf (text, sizeof text, _("row %d, column %d"), word->attended_cell / n + 1,
              word->attended_cell % n + 1);
  gtk_label_set_text (self->cell_label, text);
  for (int k = 0; k < GAZE_TOP_K; k++)
    alternative_row_show (&self->alternatives[k], word->alternatives[k],
                          word->alternative_probs[k],
                          g_strcmp0 (word->alternatives[k], word->word) == 0);
}

static void
update_accessible_view (GazeWindow *self)
{
  const GazeWord *word = current_word (self);
  g_autofree char *label = NULL;
  if (self->photo == NULL)
    label = g_strdup (_("No photo"));
  else if (word == NULL)
    label = g_strdup_printf (_("Photo %s"), gaze_photo_get_title (self->photo));
  else
    label = g_strdup_printf (_("Photo %s, showing where the model looked for “%s”"),
                             gaze_photo_get_title (self->photo), word->word);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->photo_view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

/* Shows word index of the current beam everywhere. */
static void
select_word (GazeWindow *self, int index)
{
  const GazeBeam *beam = current_beam (self);
  int n = beam != NULL ? beam->n_words : 0;
  self->word = n > 0 ? CLAMP (index, 0, n - 1) : -1;
  gaze_photo_view_set_word (self->photo_view, self->beam, self->word);
  gaze_word_strip_set_current (self->word_strip, self->word);
  update_word_details (self);
  update_accessible_view (self);
  update_actions (self);
}

static GtkWidget *
beam_row (const GazeBeam *beam, int index)
{
  g_autofree char *sentence = gaze_beam_to_string (beam);
  g_autofree char *score = g_strdup_printf (_("Score %.3f · log p %.2f"), beam->score,
                                            beam->log_prob);
  GtkWidget *row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), sentence);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), score);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.select-beam");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row), g_variant_new_int32 (index));
  g_autofree char *tooltip = g_strdup_printf (_("Show the attention of caption %d"), index + 1);
  gtk_widget_set_tooltip_text (row, tooltip);
  return row;
}

static void
select_beam (GazeWindow *self, int index)
{
  if (self->caption == NULL || index < 0 || index >= self->caption->n_beams)
    return;
  self->beam = index;
  gtk_list_box_select_row (self->beam_list, gtk_list_box_get_row_at_index (self->beam_list, index));
  gaze_word_strip_set_beam (self->word_strip, current_beam (self));
  select_word (self, 0);
  update_title (self);
}

/* Shows caption (of the current photo; NULL: none yet). */
static void
show_caption (GazeWindow *self, const GazeCaption *caption)
{
  self->caption = caption;
  self->beam = 0;
  gaze_photo_view_set_caption (self->photo_view, caption);
  clear_list (self->beam_list);
  if (caption != NULL)
    for (int b = 0; b < caption->n_beams; b++)
      gtk_list_box_append (self->beam_list, beam_row (&caption->beams[b], b));
  gtk_widget_set_visible (GTK_WIDGET (self->beam_list), caption != NULL);
  gaze_word_strip_set_beam (self->word_strip, current_beam (self));
  select_beam (self, 0);
  select_word (self, 0);
  update_title (self);
}

/* ── The model ───────────────────────────────────────────────────────────── */

static void
update_banner (GazeWindow *self)
{
  const GError *error = gaze_application_get_runtime_error (application (self));
  if (error != NULL)
    {
      /* Something not installed comes with what to do about it; the engine's
       * messages name the file and the problem. */
      g_autofree char *message
          = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)
                ? g_strdup (error->message)
                : g_strdup_printf (_("The caption model cannot be used (%s). Choose another "
                                     "model or reinstall Gaze; photos still open meanwhile."),
                                   error->message);
      gtk_label_set_text (self->banner_label, message);
    }
  gtk_revealer_set_reveal_child (self->banner, error != NULL);
}

static gboolean
same_strings (GListModel *a, GListModel *b)
{
  if (a == NULL || g_list_model_get_n_items (a) != g_list_model_get_n_items (b))
    return FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (a); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (a), i),
                   gtk_string_list_get_string (GTK_STRING_LIST (b), i))
        != 0)
      return FALSE;
  return TRUE;
}

static void
update_model_chooser (GazeWindow *self)
{
  const char *const *models = gaze_application_get_models (application (self));
  const char *chosen = gaze_application_get_model_path (application (self));
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
  guint selected = GTK_INVALID_LIST_POSITION, n = 0;
  for (; models != NULL && models[n] != NULL; n++)
    {
      g_autofree char *base = g_path_get_basename (models[n]);
      if (g_str_has_suffix (base, ".gzm"))
        base[strlen (base) - 4] = '\0';
      gtk_string_list_append (names, base);
      if (g_strcmp0 (models[n], chosen) == 0)
        selected = n;
    }
  /* The chooser only appears when there is a choice. */
  gtk_widget_set_visible (self->model_group, n > 1);
  GazeRuntime *runtime = gaze_application_get_runtime (application (self));
  adw_action_row_set_subtitle (
      ADW_ACTION_ROW (self->model_row),
      runtime == NULL ? NULL
      : gaze_model_get_attention (runtime->model) == GAZE_ATTENTION_HARD
          ? _("Hard attention: one cell a word (section 4.1)")
          : _("Soft attention: a weighted view of all cells (section 4.2)"));
  /* Replaced only when the list changed: this also runs while the row is
   * emitting its own selection change. */
  self->updating_models = TRUE;
  if (!same_strings (adw_combo_row_get_model (self->model_row), G_LIST_MODEL (names)))
    adw_combo_row_set_model (self->model_row, G_LIST_MODEL (names));
  if (adw_combo_row_get_selected (self->model_row) != selected)
    adw_combo_row_set_selected (self->model_row, selected);
  self->updating_models = FALSE;
}

static void
choose_model (GazeWindow *self)
{
  if (self->updating_models)
    return;
  guint selected = adw_combo_row_get_selected (self->model_row);
  const char *const *models = gaze_application_get_models (application (self));
  if (models == NULL || selected >= g_strv_length ((char **) models))
    return;
  if (g_strcmp0 (models[selected], gaze_application_get_model_path (application (self))) != 0)
    gaze_application_load_model (application (self), models[selected]);
}

/* The model finished loading, failed, or started loading another. */
static void
runtime_changed (GazeWindow *self)
{
  update_banner (self);
  update_model_chooser (self);
  if (self->photo != NULL && gaze_photo_is_loaded (self->photo))
    {
      if (self->work != NULL)
        g_cancellable_cancel (self->work);
      g_clear_object (&self->work);
      show_caption (self, NULL);
      request_caption (self);
    }
}

/* ── Jobs ────────────────────────────────────────────────────────────────── */

static void
caption_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GazeWindow) self = user_data;
  GazePhoto *photo = GAZE_PHOTO (source);
  g_autoptr (GError) error = NULL;
  const GazeCaption *caption = gaze_job_caption_finish (photo, result, &error);
  if (is_closed (self))
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
          toast (self, message);
        }
      update_title (self);
      return;
    }
  if (photo == self->photo)
    show_caption (self, caption);
}

/* Shows the cached caption of the photo for this model and beam width, or
 * starts working it out. */
static void
request_caption (GazeWindow *self)
{
  GazeRuntime *runtime = gaze_application_get_runtime (application (self));
  if (self->photo == NULL || !gaze_photo_is_loaded (self->photo) || runtime == NULL)
    {
      show_caption (self, NULL);
      return;
    }
  int beam_width = (int) gtk_adjustment_get_value (self->beam_width);
  const GazeCaption *cached
      = gaze_photo_lookup_caption (self->photo, runtime->model_path, beam_width);
  if (cached != NULL)
    {
      show_caption (self, cached);
      return;
    }
  show_caption (self, NULL);
  if (self->work != NULL)
    g_cancellable_cancel (self->work);
  g_clear_object (&self->work);
  self->work = g_cancellable_new ();
  self->n_jobs++;
  update_busy (self);
  update_title (self);
  gaze_job_caption_async (self->photo, runtime, beam_width, self->work, caption_done,
                          g_object_ref (self));
}

static void
remove_photo (GazeWindow *self, GazePhoto *photo)
{
  guint position;
  if (!g_list_store_find (self->photos, photo, &position))
    return;
  gboolean shown = photo == self->photo;
  g_list_store_remove (self->photos, position);
  if (!shown)
    return;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->photos));
  g_autoptr (GazePhoto) next
      = n > 0 ? g_list_model_get_item (G_LIST_MODEL (self->photos), MIN (position, n - 1)) : NULL;
  show_photo (self, next);
}

static void
photo_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GazeWindow) self = user_data;
  GazePhoto *photo = GAZE_PHOTO (source);
  g_autoptr (GError) error = NULL;
  gboolean loaded = gaze_job_load_photo_finish (photo, result, &error);
  if (is_closed (self))
    return;
  self->n_jobs--;
  update_busy (self);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (!loaded)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot open “%s”: %s"),
                                                  gaze_photo_get_title (photo), error->message);
      toast (self, message);
      remove_photo (self, photo);
      return;
    }
  if (photo == self->photo)
    show_photo (self, photo);
}

static void
load_photo (GazeWindow *self, GazePhoto *photo)
{
  self->n_jobs++;
  update_busy (self);
  gaze_job_load_photo_async (photo, self->closing, photo_loaded, g_object_ref (self));
}

/* ── Photos ──────────────────────────────────────────────────────────────── */

static void
stop_playing (GazeWindow *self)
{
  g_clear_handle_id (&self->play_source, g_source_remove);
  g_action_group_change_action_state (G_ACTION_GROUP (self), "play", g_variant_new_boolean (FALSE));
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
static void
show_photo (GazeWindow *self, GazePhoto *photo)
{
  if (photo != self->photo)
    {
      stop_playing (self);
      if (self->work != NULL)
        g_cancellable_cancel (self->work);
      g_clear_object (&self->work);
    }
  /* The caption shown belongs to the old photo, which may go with it. */
  show_caption (self, NULL);
  g_set_object (&self->photo, photo);
  select_photo_row (self, photo);
  gtk_stack_set_visible_child_name (self->stack, photo != NULL ? "photos" : "empty");
  gaze_photo_view_set_photo (self->photo_view,
                             photo != NULL ? gaze_photo_get_surface (photo) : NULL);
  update_title (self);
  if (photo != NULL && gaze_photo_is_loaded (photo))
    request_caption (self);
  update_accessible_view (self);
  update_actions (self);
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
  GazePhoto *last = NULL;
  for (int i = 0; i < n_files; i++)
    {
      GazePhoto *photo = find_photo (self, files[i]);
      if (photo == NULL)
        {
          photo = gaze_photo_new_for_file (files[i]);
          g_list_store_append (self->photos, photo);
          g_object_unref (photo); /* the store holds it */
          load_photo (self, photo);
        }
      g_autofree char *uri = g_file_get_uri (files[i]);
      gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
      last = photo;
    }
  if (last != NULL)
    show_photo (self, last);
}

void
gaze_window_open_image (GazeWindow *self, GazeImage *image, const char *title)
{
  g_autoptr (GazePhoto) photo = gaze_photo_new_for_image (image, title);
  g_list_store_append (self->photos, photo);
  show_photo (self, photo);
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
  if (photo != self->photo)
    show_photo (self, photo);
}

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
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("image-x-generic-symbolic"));
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

static void
update_recent (GazeWindow *self)
{
  GList *items = gtk_recent_manager_get_items (gtk_recent_manager_get_default ());
  g_autoptr (GPtrArray) photos = g_ptr_array_new ();
  for (GList *l = items; l != NULL; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      const char *mime = gtk_recent_info_get_mime_type (info);
      if (mime != NULL && g_str_has_prefix (mime, "image/") && gtk_recent_info_is_local (info)
          && gtk_recent_info_exists (info))
        g_ptr_array_add (photos, info);
    }
  g_ptr_array_sort (photos, compare_recent);

  clear_list (self->recent_list);
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

static void
open_dialog (GazeWindow *self)
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

static void
open_recent (GazeWindow *self, const char *uri)
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
  if (is_closed (self))
    return;
  if (texture == NULL)
    {
      toast (self, _("The clipboard holds no image"));
      return;
    }
  GazeImage *image = gaze_image_new_from_texture (texture, &error);
  if (image == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot paste the image: %s"), error->message);
      toast (self, message);
      return;
    }
  gaze_window_open_image (self, image, _("Pasted Image"));
}

static void
paste (GazeWindow *self)
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

/* ── Export ──────────────────────────────────────────────────────────────── */

gboolean
gaze_window_export (GazeWindow *self, GazeExportKind kind, GFile *file, int width,
                    GError **error)
{
  if (self->caption == NULL || current_word (self) == NULL)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, _("There is no caption to export yet"));
      return FALSE;
    }
  cairo_surface_t *photo = gaze_photo_get_surface (self->photo);
  cairo_surface_t *sheet
      = kind == GAZE_EXPORT_WORD
            ? gaze_render_word (photo, self->caption, self->beam, self->word, &self->style, width,
                                0, error)
            : gaze_render_storyboard (photo, self->caption, self->beam, &self->style, width, 0,
                                      error);
  if (sheet == NULL)
    return FALSE;
  g_autofree char *path = g_file_get_path (file);
  gboolean saved = path != NULL && gaze_render_save_png (sheet, path, TRUE, error);
  if (path == NULL)
    g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, _("Only local files can be written"));
  cairo_surface_destroy (sheet);
  return saved;
}

static void
export_response (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  GazeWindow *self = user_data;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      const char *size = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "size");
      int width = size != NULL ? atoi (size) : 0;
      GazeExportKind kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "kind"));
      g_autoptr (GError) error = NULL;
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *message
          = gaze_window_export (self, kind, file, width, &error)
                ? g_strdup_printf (_("Saved “%s”"), name)
                : g_strdup_printf (_("Cannot save “%s”: %s"), name, error->message);
      toast (self, message);
    }
  g_object_unref (dialog);
}

static void
export_dialog (GazeWindow *self, GazeExportKind kind)
{
  const GazeWord *word = current_word (self);
  if (word == NULL)
    return;
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (
      kind == GAZE_EXPORT_WORD ? _("Export Word as PNG") : _("Export Storyboard"),
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

  g_autofree char *stem = gaze_photo_get_export_stem (self->photo);
  /* A word can hold characters a file name should not. */
  g_autofree char *safe_word = g_strdelimit (g_strdup (word->word), "/\\:", '-');
  g_autofree char *name = kind == GAZE_EXPORT_WORD
                              ? g_strdup_printf ("%s-%d-%s.png", stem, self->word + 1, safe_word)
                              : g_strdup_printf (C_("file name", "%s-storyboard.png"), stem);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  GFile *folder = self->photo != NULL ? gaze_photo_get_file (self->photo) : NULL;
  g_autoptr (GFile) parent = folder != NULL ? g_file_get_parent (folder) : NULL;
  if (parent != NULL)
    gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), parent, NULL);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ── Playing ─────────────────────────────────────────────────────────────── */

static gboolean
play_step (gpointer user_data)
{
  GazeWindow *self = user_data;
  const GazeBeam *beam = current_beam (self);
  if (beam == NULL || self->word >= beam->n_words - 1)
    {
      self->play_source = 0;
      stop_playing (self);
      return G_SOURCE_REMOVE;
    }
  select_word (self, self->word + 1);
  return G_SOURCE_CONTINUE;
}

static void
set_playing (GazeWindow *self, gboolean playing)
{
  g_clear_handle_id (&self->play_source, g_source_remove);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "play");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (playing));
  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            playing ? "media-playback-pause-symbolic"
                                    : "media-playback-start-symbolic");
  if (!playing)
    return;
  const GazeBeam *beam = current_beam (self);
  /* From the end, play starts again at the first word. */
  if (beam != NULL && self->word >= beam->n_words - 1)
    select_word (self, 0);
  self->play_source = g_timeout_add (PLAY_INTERVAL_MS, play_step, self);
}

/* ── Overlay settings ────────────────────────────────────────────────────── */

static void
apply_style (GazeWindow *self)
{
  gaze_photo_view_set_style (self->photo_view, &self->style);
}

static void
read_style (GazeWindow *self)
{
  self->style.mode = adw_combo_row_get_selected (self->mode_row) == 1 ? GAZE_OVERLAY_SPOTLIGHT
                                                                       : GAZE_OVERLAY_COLORMAP;
  self->style.colormap = adw_combo_row_get_selected (self->colormap_row) == 1
                             ? GAZE_COLORMAP_VIRIDIS
                             : GAZE_COLORMAP_INFERNO;
  self->style.opacity = gtk_adjustment_get_value (self->opacity);
  apply_style (self);
}

void
gaze_window_set_style (GazeWindow *self, const GazeOverlayStyle *style)
{
  adw_combo_row_set_selected (self->mode_row, style->mode == GAZE_OVERLAY_SPOTLIGHT ? 1 : 0);
  adw_combo_row_set_selected (self->colormap_row, style->colormap == GAZE_COLORMAP_VIRIDIS ? 1 : 0);
  gtk_adjustment_set_value (self->opacity, style->opacity);
  g_action_group_change_action_state (G_ACTION_GROUP (self), "show-grid",
                                      g_variant_new_boolean (style->show_grid));
  read_style (self);
}

static void
set_show_grid (GazeWindow *self, gboolean show)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "show-grid");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (show));
  self->style.show_grid = show;
  apply_style (self);
}

void
gaze_window_set_beam_width (GazeWindow *self, int beam_width)
{
  gtk_adjustment_set_value (self->beam_width, beam_width);
}

/* ── Actions ─────────────────────────────────────────────────────────────── */

static void
action_open (GSimpleAction *a, GVariant *p, gpointer self)
{
  open_dialog (self);
}

static void
action_open_recent (GSimpleAction *a, GVariant *p, gpointer self)
{
  open_recent (self, g_variant_get_string (p, NULL));
}

static void
action_paste (GSimpleAction *a, GVariant *p, gpointer self)
{
  paste (self);
}

static void
action_close_photo (GSimpleAction *a, GVariant *p, gpointer self)
{
  remove_photo (self, GAZE_WINDOW (self)->photo);
}

static void
action_export_png (GSimpleAction *a, GVariant *p, gpointer self)
{
  export_dialog (self, GAZE_EXPORT_WORD);
}

static void
action_export_storyboard (GSimpleAction *a, GVariant *p, gpointer self)
{
  export_dialog (self, GAZE_EXPORT_STORYBOARD);
}

static void
action_prev_word (GSimpleAction *a, GVariant *p, gpointer self)
{
  select_word (self, GAZE_WINDOW (self)->word - 1);
}

static void
action_next_word (GSimpleAction *a, GVariant *p, gpointer self)
{
  select_word (self, GAZE_WINDOW (self)->word + 1);
}

static void
action_first_word (GSimpleAction *a, GVariant *p, gpointer self)
{
  select_word (self, 0);
}

static void
action_last_word (GSimpleAction *a, GVariant *p, gpointer self)
{
  select_word (self, G_MAXINT);
}

static void
action_select_word (GSimpleAction *a, GVariant *p, gpointer self)
{
  select_word (self, g_variant_get_int32 (p));
}

static void
action_select_beam (GSimpleAction *a, GVariant *p, gpointer self)
{
  select_beam (self, g_variant_get_int32 (p));
}

static void
action_play (GSimpleAction *a, GVariant *state, gpointer self)
{
  set_playing (self, g_variant_get_boolean (state));
}

static void
action_show_grid (GSimpleAction *a, GVariant *state, gpointer self)
{
  set_show_grid (self, g_variant_get_boolean (state));
}

static const GActionEntry win_actions[] = {
  { "open", action_open, NULL, NULL, NULL, { 0 } },
  { "open-recent", action_open_recent, "s", NULL, NULL, { 0 } },
  { "paste", action_paste, NULL, NULL, NULL, { 0 } },
  { "close-photo", action_close_photo, NULL, NULL, NULL, { 0 } },
  { "export-png", action_export_png, NULL, NULL, NULL, { 0 } },
  { "export-storyboard", action_export_storyboard, NULL, NULL, NULL, { 0 } },
  { "prev-word", action_prev_word, NULL, NULL, NULL, { 0 } },
  { "next-word", action_next_word, NULL, NULL, NULL, { 0 } },
  { "first-word", action_first_word, NULL, NULL, NULL, { 0 } },
  { "last-word", action_last_word, NULL, NULL, NULL, { 0 } },
  { "select-word", action_select_word, "i", NULL, NULL, { 0 } },
  { "select-beam", action_select_beam, "i", NULL, NULL, { 0 } },
  { "play", NULL, NULL, "false", action_play, { 0 } },
  { "show-grid", NULL, NULL, "false", action_show_grid, { 0 } },
};

/* ── Template callbacks ──────────────────────────────────────────────────── */

static void
on_photo_row_selected (GazeWindow *self, GtkListBoxRow *row)
{
  photo_row_selected (self, row);
}

static void
on_style_changed (GazeWindow *self)
{
  read_style (self);
}

static void
on_beam_width_changed (GazeWindow *self)
{
  request_caption (self);
}

static void
on_model_selected (GazeWindow *self)
{
  choose_model (self);
}

/* ── GObject ─────────────────────────────────────────────────────────────── */

static void
gaze_window_dispose (GObject *object)
{
  GazeWindow *self = GAZE_WINDOW (object);
  g_cancellable_cancel (self->closing);
  if (self->work != NULL)
    g_cancellable_cancel (self->work);
  g_clear_handle_id (&self->play_source, g_source_remove);
  g_signal_handlers_disconnect_by_data (gtk_recent_manager_get_default (), self);
  gtk_widget_dispose_template (GTK_WIDGET (self), GAZE_TYPE_WINDOW);
  G_OBJECT_CLASS (gaze_window_parent_class)->dispose (object);
}

static void
gaze_window_finalize (GObject *object)
{
  GazeWindow *self = GAZE_WINDOW (object);
  g_clear_object (&self->photos);
  g_clear_object (&self->photo);
  g_clear_object (&self->work);
  g_clear_object (&self->closing);
  G_OBJECT_CLASS (gaze_window_parent_class)->finalize (object);
}

static void
gaze_window_class_init (GazeWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gaze_window_dispose;
  object_class->finalize = gaze_window_finalize;

  g_type_ensure (GAZE_TYPE_PHOTO_VIEW);
  g_type_ensure (GAZE_TYPE_WORD_STRIP);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/gaze/Gaze/gaze-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, GazeWindow, name)
  BIND (window_title);
  BIND (banner);
  BIND (banner_label);
  BIND (banner_button);
  BIND (toasts);
  BIND (stack);
  BIND (recent_list);
  BIND (recent_group);
  BIND (photo_list);
  BIND (photo_view);
  BIND (busy_box);
  BIND (spinner);
  BIND (word_strip);
  BIND (play_button);
  BIND (beta_label);
  BIND (prob_label);
  BIND (alternatives_list);
  BIND (alternatives_group);
  BIND (cell_row);
  BIND (cell_label);
  BIND (mode_row);
  BIND (colormap_row);
  BIND (opacity);
  BIND (beam_width);
  BIND (beam_list);
  BIND (model_group);
  BIND (model_row);
  BIND (recent_section);
#undef BIND
  /* Reachable with gtk_widget_get_template_child (the tests read them). */
  gtk_widget_class_bind_template_child_full (widget_class, "empty_page", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "beta_row", FALSE, 0);
  gtk_widget_class_bind_template_callback (widget_class, on_photo_row_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_style_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_beam_width_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_model_selected);
}

static void
gaze_window_init (GazeWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  self->style = style;
  self->word = -1;
  self->photos = g_list_store_new (GAZE_TYPE_PHOTO);
  self->closing = g_cancellable_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions),
                                   self);
  for (int k = 0; k < GAZE_TOP_K; k++)
    alternative_row_init (&self->alternatives[k], self->alternatives_list);
  gtk_list_box_bind_model (self->photo_list, G_LIST_MODEL (self->photos), photo_row, NULL, NULL);

  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_files), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  g_signal_connect_swapped (gtk_recent_manager_get_default (), "changed",
                            G_CALLBACK (update_recent), self);
  update_recent (self);
  read_style (self);
  show_photo (self, NULL);
}

GazeWindow *
gaze_window_new (GtkApplication *app)
{
  GazeWindow *self = g_object_new (GAZE_TYPE_WINDOW, "application", app, NULL);
  /* The model is the application's: follow it. */
  g_signal_connect_object (app, "notify::runtime", G_CALLBACK (runtime_changed), self,
                           G_CONNECT_SWAPPED);
  update_banner (self);
  update_model_chooser (self);
  return self;
}

/* ── For tests and the benchmark ─────────────────────────────────────────── */

GazePhoto *
gaze_window_get_photo (GazeWindow *self)
{
  return self->photo;
}

const GazeCaption *
gaze_window_get_caption (GazeWindow *self)
{
  return self->caption;
}

int
gaze_window_get_word (GazeWindow *self)
{
  return self->word;
}

gboolean
gaze_window_is_busy (GazeWindow *self)
{
  return self->n_jobs > 0;
}

const char *
gaze_window_get_banner (GazeWindow *self)
{
  return gtk_revealer_get_reveal_child (self->banner) ? gtk_label_get_text (self->banner_label)
                                                      : NULL;
}

GtkWidget *
gaze_window_get_photo_view (GazeWindow *self)
{
  return GTK_WIDGET (self->photo_view);
}
