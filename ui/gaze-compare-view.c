/* gaze-compare-view.c — the second model's caption and attention, beside the first. */
#include "config.h"

#include "gaze-compare-view.h"
#include "gaze-inspector.h"
#include "gaze-model-info.h"
#include "gaze-photo-view.h"

#include <glib/gi18n.h>

struct _GazeCompareView {
  GtkWidget parent_instance;

  GazeCursor *main;        /* the window's */
  GSignalGroup *main_signals;
  GazeCursor *cursor;      /* this side's */
  GazeCaptioner *captioner;
  GSettings *settings;
  gboolean active;
  GCancellable *work;      /* the caption or evidence in flight */
  GazePhoto *working_for;  /* … for this photo */

  /* Template widgets */
  GtkWidget *box;
  GtkDropDown *model_dropdown;
  GazePhotoView *photo_view;
  GtkLabel *caption_label;
  GtkLabel *numbers_label;
};

G_DEFINE_FINAL_TYPE (GazeCompareView, gaze_compare_view, GTK_TYPE_WIDGET)

/* ── Aligning the words ──────────────────────────────────────────────────── */

int
gaze_compare_align_word (const GazeBeam *a, int word, const GazeBeam *b)
{
  if (b == NULL || b->n_words == 0)
    return -1;
  if (a == NULL || a->n_words == 0 || word < 0)
    return 0;
  word = MIN (word, a->n_words - 1);
  int best = -1;
  for (int j = 0; j < b->n_words; j++)
    if (g_strcmp0 (a->words[word].word, b->words[j].word) == 0
        && (best < 0 || ABS (j - word) < ABS (best - word)))
      best = j;
  if (best >= 0)
    return best;
  if (a->n_words == 1)
    return 0;
  return (int) lround ((double) word * (b->n_words - 1) / (a->n_words - 1));
}

/* ── What this side shows ────────────────────────────────────────────────── */

static void
show_caption (GazeCompareView *self)
{
  const GazeBeam *beam = gaze_cursor_get_current_beam (self->cursor);
  const GazeWord *word = gaze_cursor_get_current_word (self->cursor);
  const GazeCaption *caption = gaze_cursor_get_caption (self->cursor);
  if (beam == NULL)
    {
      GazeCaptionerState state = gaze_captioner_get_state (self->captioner);
      const GError *error = gaze_captioner_get_error (self->captioner);
      gtk_label_set_text (self->caption_label, "");
      gtk_label_set_text (self->numbers_label,
                          state == GAZE_CAPTIONER_LOADING ? _("Loading the model…")
                          : error != NULL                  ? error->message
                          : self->work != NULL             ? _("Describing the photo…")
                                                           : "");
      return;
    }
  GString *markup = g_string_new (NULL);
  for (int t = 0; t < beam->n_words; t++)
    {
      g_autofree char *escaped = g_markup_escape_text (beam->words[t].word, -1);
      if (t > 0)
        g_string_append_c (markup, ' ');
      if (t == gaze_cursor_get_word (self->cursor))
        g_string_append_printf (markup, "<b><u>%s</u></b>", escaped);
      else
        g_string_append (markup, escaped);
    }
  gtk_label_set_markup (self->caption_label, markup->str);
  g_string_free (markup, TRUE);
  if (word == NULL)
    return;
  g_autofree char *peak = gaze_inspector_format_peak (word, caption->n_cells);
  g_autofree char *agreement = gaze_inspector_format_agreement (word, caption->n_cells);
  /* Translators: the compared model's word: its peak α, its gate β and how
   * well α agrees with the word's evidence. */
  g_autofree char *numbers = g_strdup_printf (_("“%s”: peak α %s · β %.3f\n%s"), word->word,
                                              peak, word->beta, agreement);
  gtk_label_set_text (self->numbers_label, numbers);
}

/* The main cursor's word, mapped onto this side's caption. */
static void
align (GazeCompareView *self)
{
  const GazeBeam *mine = gaze_cursor_get_current_beam (self->cursor);
  if (mine != NULL)
    gaze_cursor_set_word (self->cursor,
                          gaze_compare_align_word (gaze_cursor_get_current_beam (self->main),
                                                   gaze_cursor_get_word (self->main), mine));
  show_caption (self);
}

static void request_caption (GazeCompareView *self);

typedef struct {
  GazeCompareView *view;
  GazePhoto *photo;
} Request;

static void
request_free (Request *request)
{
  g_object_unref (request->view);
  g_object_unref (request->photo);
  g_free (request);
}

static void
evidence_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  GazeCompareView *self = request->view;
  g_autoptr (GError) error = NULL;
  gboolean done = gaze_captioner_evidence_finish (GAZE_CAPTIONER (source), result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_object (&self->work);
      if (done)
        gaze_cursor_maps_changed (self->cursor);
      show_caption (self);
    }
  request_free (request);
}

/* The evidence behind the caption's words, for the agreement. */
static void
request_evidence (GazeCompareView *self, GazePhoto *photo, const GazeCaption *caption)
{
  if (caption->n_beams == 0 || caption->beams[0].n_words == 0
      || caption->beams[0].words[0].evidence != NULL)
    return;
  self->work = g_cancellable_new ();
  Request *request = g_new (Request, 1);
  request->view = g_object_ref (self);
  request->photo = g_object_ref (photo);
  gaze_captioner_evidence_async (self->captioner, photo, caption, 0, self->work, evidence_done,
                                 request);
}

static void
show_photo_caption (GazeCompareView *self, GazePhoto *photo, const GazeCaption *caption)
{
  gaze_cursor_set (self->cursor, photo, caption);
  align (self);
  if (caption != NULL)
    request_evidence (self, photo, caption);
}

static void
caption_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Request *request = user_data;
  GazeCompareView *self = request->view;
  g_autoptr (GError) error = NULL;
  const GazeCaption *caption
      = gaze_captioner_caption_finish (GAZE_CAPTIONER (source), result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_object (&self->work);
      if (caption != NULL && request->photo == gaze_cursor_get_photo (self->main))
        show_photo_caption (self, request->photo, caption);
      else if (caption == NULL)
        gtk_label_set_text (self->numbers_label, error->message);
    }
  request_free (request);
}

static void
cancel_work (GazeCompareView *self)
{
  if (self->work != NULL)
    g_cancellable_cancel (self->work);
  g_clear_object (&self->work);
  g_clear_object (&self->working_for);
}

/* This side's caption of the main cursor's photo: cached, or worked out. */
static void
request_caption (GazeCompareView *self)
{
  GazePhoto *photo = self->main != NULL ? gaze_cursor_get_photo (self->main) : NULL;
  if (!self->active || photo == NULL || !gaze_photo_is_loaded (photo)
      || gaze_captioner_get_state (self->captioner) != GAZE_CAPTIONER_READY)
    {
      cancel_work (self);
      gaze_cursor_set (self->cursor, photo != NULL && gaze_photo_is_loaded (photo) ? photo : NULL,
                       NULL);
      show_caption (self);
      return;
    }
  int beam = self->settings != NULL ? g_settings_get_int (self->settings, "beam-width") : 3;
  const GazeCaption *cached = gaze_captioner_lookup (self->captioner, photo, beam);
  if (cached != NULL)
    {
      if (cached != gaze_cursor_get_caption (self->cursor))
        {
          cancel_work (self);
          show_photo_caption (self, photo, cached);
        }
      return;
    }
  if (self->working_for == photo && self->work != NULL)
    return;
  cancel_work (self);
  gaze_cursor_set (self->cursor, photo, NULL);
  self->work = g_cancellable_new ();
  g_set_object (&self->working_for, photo);
  Request *request = g_new (Request, 1);
  request->view = g_object_ref (self);
  request->photo = g_object_ref (photo);
  gaze_captioner_caption_async (self->captioner, photo, beam, self->work, caption_done, request);
  show_caption (self);
}

/* The window's cursor moved: a new photo or caption asks for this side's
 * caption; a new word only aligns. */
static void
main_moved (GazeCompareView *self)
{
  if (!self->active)
    return;
  request_caption (self);
  align (self);
}

/* ── The second model ────────────────────────────────────────────────────── */

static void
model_setting_changed (GazeCompareView *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "compare-model");
  if (!self->active || *path == '\0'
      || g_strcmp0 (path, gaze_captioner_get_model_path (self->captioner)) == 0)
    return;
  gaze_captioner_load_model (self->captioner, path);
}

/* A model chosen in the drop-down is remembered. */
static void
model_selected (GazeCompareView *self)
{
  const char *path = gaze_captioner_get_model_path (self->captioner);
  if (self->settings != NULL && path != NULL)
    g_settings_set_string (self->settings, "compare-model", path);
}

static void
captioner_changed (GazeCompareView *self)
{
  request_caption (self);
}

static void
setup_model_item (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GtkWidget *label = gtk_label_new (NULL);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_list_item_set_child (item, label);
}

static void
bind_model_item (GtkSignalListItemFactory *factory, GtkListItem *item)
{
  GazeModelInfo *info = gtk_list_item_get_item (item);
  g_object_bind_property (info, "name", gtk_list_item_get_child (item), "label",
                          G_BINDING_SYNC_CREATE);
}

/* ── Public ──────────────────────────────────────────────────────────────── */

void
gaze_compare_view_set_cursor (GazeCompareView *self, GazeCursor *cursor)
{
  g_return_if_fail (GAZE_IS_COMPARE_VIEW (self));
  if (gaze_cursor_follow (&self->main, self->main_signals, cursor))
    main_moved (self);
}

void
gaze_compare_view_bind_settings (GazeCompareView *self, GSettings *settings)
{
  g_return_if_fail (GAZE_IS_COMPARE_VIEW (self));
  g_return_if_fail (self->settings == NULL);
  self->settings = g_object_ref (settings);
  g_settings_bind (settings, "overlay-style", self->photo_view, "overlay-mode",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "overlay-layer", self->photo_view, "layer", G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "colormap", self->photo_view, "colormap", G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "opacity", self->photo_view, "opacity", G_SETTINGS_BIND_GET);
  g_settings_bind (settings, "show-grid", self->photo_view, "show-grid", G_SETTINGS_BIND_GET);
  g_signal_connect_object (settings, "changed::compare-model", G_CALLBACK (model_setting_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::beam-width", G_CALLBACK (request_caption), self,
                           G_CONNECT_SWAPPED);
}

void
gaze_compare_view_set_active (GazeCompareView *self, gboolean active)
{
  g_return_if_fail (GAZE_IS_COMPARE_VIEW (self));
  if (self->active == active)
    return;
  self->active = active;
  gtk_widget_set_visible (GTK_WIDGET (self), active);
  if (active && self->settings != NULL)
    model_setting_changed (self);
  if (active)
    main_moved (self);
  else
    cancel_work (self);
}

GazeCaptioner *
gaze_compare_view_get_captioner (GazeCompareView *self)
{
  g_return_val_if_fail (GAZE_IS_COMPARE_VIEW (self), NULL);
  return self->captioner;
}

GazeCursor *
gaze_compare_view_get_cursor (GazeCompareView *self)
{
  g_return_val_if_fail (GAZE_IS_COMPARE_VIEW (self), NULL);
  return self->cursor;
}

const char *
gaze_compare_view_get_model_name (GazeCompareView *self)
{
  g_return_val_if_fail (GAZE_IS_COMPARE_VIEW (self), NULL);
  GazeModelInfo *info = gtk_drop_down_get_selected_item (self->model_dropdown);
  return info != NULL ? gaze_model_info_get_name (info) : "";
}

/* ── GObject ─────────────────────────────────────────────────────────────── */

static void
gaze_compare_view_dispose (GObject *object)
{
  GazeCompareView *self = GAZE_COMPARE_VIEW (object);
  cancel_work (self);
  gaze_cursor_follow (&self->main, self->main_signals, NULL);
  if (self->captioner != NULL)
    g_signal_handlers_disconnect_by_data (self->captioner, self);
  gaze_photo_view_set_cursor (self->photo_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), GAZE_TYPE_COMPARE_VIEW);
  g_clear_object (&self->cursor);
  g_clear_object (&self->captioner);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (gaze_compare_view_parent_class)->dispose (object);
}

static void
gaze_compare_view_finalize (GObject *object)
{
  GazeCompareView *self = GAZE_COMPARE_VIEW (object);
  g_clear_object (&self->main_signals);
  G_OBJECT_CLASS (gaze_compare_view_parent_class)->finalize (object);
}

static void
gaze_compare_view_class_init (GazeCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gaze_compare_view_dispose;
  object_class->finalize = gaze_compare_view_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "compareview");
  g_type_ensure (GAZE_TYPE_PHOTO_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gaze/Gaze/gaze-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GazeCompareView, box);
  gtk_widget_class_bind_template_child (widget_class, GazeCompareView, model_dropdown);
  gtk_widget_class_bind_template_child (widget_class, GazeCompareView, photo_view);
  gtk_widget_class_bind_template_child (widget_class, GazeCompareView, caption_label);
  gtk_widget_class_bind_template_child (widget_class, GazeCompareView, numbers_label);
}

static void
gaze_compare_view_init (GazeCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cursor = gaze_cursor_new ();
  self->captioner = gaze_captioner_new ();
  self->main_signals = g_signal_group_new (GAZE_TYPE_CURSOR);
  g_signal_group_connect_swapped (self->main_signals, "notify", G_CALLBACK (main_moved), self);
  gaze_photo_view_set_cursor (self->photo_view, self->cursor);
  /* Steering is the window's side: this one only shows. */
  gaze_photo_view_set_choosable (self->photo_view, FALSE);
  g_signal_connect_swapped (self->captioner, "notify::state", G_CALLBACK (captioner_changed),
                            self);
  g_signal_connect_swapped (self->captioner, "notify::selected", G_CALLBACK (model_selected),
                            self);
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_model_item), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_model_item), NULL);
  gtk_drop_down_set_factory (self->model_dropdown, factory);
  gtk_drop_down_set_model (self->model_dropdown, gaze_captioner_get_models (self->captioner));
  g_object_bind_property (self->captioner, "selected", self->model_dropdown, "selected",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
}

GtkWidget *
gaze_compare_view_new (void)
{
  return g_object_new (GAZE_TYPE_COMPARE_VIEW, NULL);
}
