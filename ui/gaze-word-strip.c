/* gaze-word-strip.c — the caption as word buttons. */
#include "config.h"

#include "gaze-word-strip.h"

#include <glib/gi18n.h>

struct _GazeWordStrip {
  GtkWidget parent_instance;

  GazeCursor *cursor;
  GSignalGroup *cursor_signals;
  GtkWidget *scroller;
  GtkWidget *row;         /* the buttons, in one line */
  GtkWidget *placeholder; /* shown instead of the words when there are none */
  GtkWidget *original;    /* the caption before steering, above the steered one */
  GPtrArray *buttons;
  const GazeBeam *beam; /* the beam whose buttons these are */
  int current;
};

G_DEFINE_FINAL_TYPE (GazeWordStrip, gaze_word_strip, GTK_TYPE_WIDGET)

static GtkWidget *
word_button (const GazeWord *word, int index, int n_words)
{
  GtkWidget *button = gtk_button_new_with_label (word->word);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.select-word");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_int32 (index));
  gtk_widget_add_css_class (button, "word");
  if (word->steered)
    gtk_widget_add_css_class (button, "steered");
  g_autofree char *tooltip
      = word->steered ? g_strdup_printf (_("Show where the model looked for “%s” (word %d of %d, "
                                           "its attention steered)"),
                                         word->word, index + 1, n_words)
                      : g_strdup_printf (_("Show where the model looked for “%s” "
                                           "(word %d of %d)"),
                                         word->word, index + 1, n_words);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  tooltip, -1);
  return button;
}

static void
show_beam (GazeWordStrip *self, const GazeBeam *beam)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (self->row)) != NULL)
    gtk_box_remove (GTK_BOX (self->row), child);
  g_ptr_array_set_size (self->buttons, 0);
  self->beam = beam;
  self->current = -1;
  gtk_widget_set_visible (self->placeholder, beam == NULL || beam->n_words == 0);
  gtk_widget_set_visible (self->scroller, beam != NULL && beam->n_words > 0);
  for (int i = 0; beam != NULL && i < beam->n_words; i++)
    {
      GtkWidget *button = word_button (&beam->words[i], i, beam->n_words);
      gtk_box_append (GTK_BOX (self->row), button);
      g_ptr_array_add (self->buttons, button);
    }
}

/* Scrolls the current word into view once the row has its size. */
static void
reveal_current (GazeWordStrip *self)
{
  if (self->current < 0 || self->current >= (int) self->buttons->len)
    return;
  graphene_rect_t bounds;
  if (!gtk_widget_compute_bounds (self->buttons->pdata[self->current], self->row, &bounds))
    return;
  GtkAdjustment *h = gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (self->scroller));
  gtk_adjustment_clamp_page (h, bounds.origin.x, bounds.origin.x + bounds.size.width);
}

/* A steered caption is shown with the original above it. */
static void
show_original (GazeWordStrip *self)
{
  gboolean steered = self->cursor != NULL && gaze_cursor_is_steered (self->cursor);
  gtk_widget_set_visible (self->original, steered);
  if (!steered)
    return;
  const GazeCaption *original = gaze_cursor_get_original (self->cursor);
  g_autofree char *sentence
      = original->n_beams > 0 ? gaze_beam_to_string (&original->beams[0]) : g_strdup ("");
  /* Translators: the caption before its attention was steered. */
  g_autofree char *text = g_strdup_printf (_("Before steering: %s"), sentence);
  gtk_label_set_text (GTK_LABEL (self->original), text);
}

static void
sync_cursor (GazeWordStrip *self)
{
  const GazeBeam *beam = self->cursor != NULL ? gaze_cursor_get_current_beam (self->cursor) : NULL;
  if (beam != self->beam)
    {
      show_beam (self, beam);
      show_original (self);
    }
  int index = self->cursor != NULL ? gaze_cursor_get_word (self->cursor) : -1;
  if (index == self->current)
    return;
  if (self->current >= 0 && self->current < (int) self->buttons->len)
    gtk_widget_remove_css_class (self->buttons->pdata[self->current], "current");
  self->current = index;
  if (index >= 0 && index < (int) self->buttons->len)
    gtk_widget_add_css_class (self->buttons->pdata[index], "current");
  reveal_current (self);
}

void
gaze_word_strip_set_cursor (GazeWordStrip *self, GazeCursor *cursor)
{
  g_return_if_fail (GAZE_IS_WORD_STRIP (self));
  g_return_if_fail (cursor == NULL || GAZE_IS_CURSOR (cursor));
  if (!gaze_cursor_follow (&self->cursor, self->cursor_signals, cursor))
    return;
  sync_cursor (self);
}

void
gaze_word_strip_set_placeholder (GazeWordStrip *self, const char *text)
{
  g_return_if_fail (GAZE_IS_WORD_STRIP (self));
  gtk_label_set_text (GTK_LABEL (self->placeholder), text);
}

static void
gaze_word_strip_dispose (GObject *object)
{
  GazeWordStrip *self = GAZE_WORD_STRIP (object);
  gaze_cursor_follow (&self->cursor, self->cursor_signals, NULL);
  self->beam = NULL;
  g_ptr_array_set_size (self->buttons, 0);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  g_clear_pointer (&self->placeholder, gtk_widget_unparent);
  g_clear_pointer (&self->original, gtk_widget_unparent);
  G_OBJECT_CLASS (gaze_word_strip_parent_class)->dispose (object);
}

static void
gaze_word_strip_finalize (GObject *object)
{
  GazeWordStrip *self = GAZE_WORD_STRIP (object);
  g_ptr_array_unref (self->buttons);
  g_clear_object (&self->cursor_signals);
  G_OBJECT_CLASS (gaze_word_strip_parent_class)->finalize (object);
}

static void
gaze_word_strip_class_init (GazeWordStripClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = gaze_word_strip_dispose;
  object_class->finalize = gaze_word_strip_finalize;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "wordstrip");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
gaze_word_strip_init (GazeWordStrip *self)
{
  self->buttons = g_ptr_array_new ();
  self->current = -1;
  self->cursor_signals = g_signal_group_new (GAZE_TYPE_CURSOR);
  g_signal_group_connect_swapped (self->cursor_signals, "notify", G_CALLBACK (sync_cursor), self);

  gtk_orientable_set_orientation (
      GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))), GTK_ORIENTATION_VERTICAL);
  self->original = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->original, "dim-label");
  gtk_widget_add_css_class (self->original, "caption");
  gtk_label_set_ellipsize (GTK_LABEL (self->original), PANGO_ELLIPSIZE_END);
  gtk_widget_set_visible (self->original, FALSE);
  gtk_widget_set_parent (self->original, GTK_WIDGET (self));

  /* One line that scrolls sideways: a long caption never pushes the photo. */
  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_NEVER);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (self->scroller), TRUE);
  gtk_widget_set_hexpand (self->scroller, TRUE);
  gtk_widget_set_visible (self->scroller, FALSE);
  self->row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_widget_set_valign (self->row, GTK_ALIGN_CENTER);
  gtk_widget_set_halign (self->row, GTK_ALIGN_CENTER);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), self->row);
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));

  self->placeholder = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->placeholder, "dim-label");
  gtk_label_set_ellipsize (GTK_LABEL (self->placeholder), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (self->placeholder, TRUE);
  gtk_widget_set_parent (self->placeholder, GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Caption words"), -1);
}

GtkWidget *
gaze_word_strip_new (void)
{
  return g_object_new (GAZE_TYPE_WORD_STRIP, NULL);
}
