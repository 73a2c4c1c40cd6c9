/* gaze-word-strip.c — the caption as word buttons. */
#include "config.h"

#include "gaze-word-strip.h"

#include <glib/gi18n.h>

struct _GazeWordStrip {
  GtkWidget parent_instance;

  GtkWidget *flow;
  GtkWidget *placeholder; /* shown instead of the words when there are none */
  GPtrArray *buttons;
  int current;
};

G_DEFINE_FINAL_TYPE (GazeWordStrip, gaze_word_strip, GTK_TYPE_WIDGET)

static void
gaze_word_strip_dispose (GObject *object)
{
  GazeWordStrip *self = GAZE_WORD_STRIP (object);
  g_clear_pointer (&self->flow, gtk_widget_unparent);
  g_clear_pointer (&self->placeholder, gtk_widget_unparent);
  G_OBJECT_CLASS (gaze_word_strip_parent_class)->dispose (object);
}

static void
gaze_word_strip_finalize (GObject *object)
{
  g_ptr_array_unref (GAZE_WORD_STRIP (object)->buttons);
  G_OBJECT_CLASS (gaze_word_strip_parent_class)->finalize (object);
}

static void
gaze_word_strip_class_init (GazeWordStripClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = gaze_word_strip_dispose;
  object_class->finalize = gaze_word_strip_finalize;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "wordstrip");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
gaze_word_strip_init (GazeWordStrip *self)
{
  self->buttons = g_ptr_array_new ();
  self->current = -1;
  self->flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (self->flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (self->flow), FALSE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (self->flow), 64);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (self->flow), 4);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (self->flow), 4);
  gtk_widget_set_valign (self->flow, GTK_ALIGN_CENTER);
  gtk_widget_set_parent (self->flow, GTK_WIDGET (self));
  self->placeholder = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->placeholder, "dim-label");
  gtk_label_set_ellipsize (GTK_LABEL (self->placeholder), PANGO_ELLIPSIZE_END);
  gtk_widget_set_parent (self->placeholder, GTK_WIDGET (self));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Caption words"), -1);
}

GtkWidget *
gaze_word_strip_new (void)
{
  return g_object_new (GAZE_TYPE_WORD_STRIP, NULL);
}

static GtkWidget *
word_button (const GazeWord *word, int index, int n_words)
{
  GtkWidget *button = gtk_button_new_with_label (word->word);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "win.select-word");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_int32 (index));
  gtk_widget_add_css_class (button, "word");
  g_autofree char *tooltip = g_strdup_printf (_("Show where the model looked for “%s” "
                                                "(word %d of %d)"),
                                              word->word, index + 1, n_words);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  tooltip, -1);
  return button;
}

void
gaze_word_strip_set_beam (GazeWordStrip *self, const GazeBeam *beam)
{
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (self->flow)) != NULL)
    gtk_flow_box_remove (GTK_FLOW_BOX (self->flow), child);
  g_ptr_array_set_size (self->buttons, 0);
  self->current = -1;
  gtk_widget_set_visible (self->placeholder, beam == NULL || beam->n_words == 0);
  if (beam == NULL)
    return;
  for (int i = 0; i < beam->n_words; i++)
    {
      GtkWidget *button = word_button (&beam->words[i], i, beam->n_words);
      gtk_flow_box_append (GTK_FLOW_BOX (self->flow), button);
      /* The flow box child is only a frame: the button takes the focus. */
      gtk_widget_set_focusable (gtk_widget_get_parent (button), FALSE);
      g_ptr_array_add (self->buttons, button);
    }
}

void
gaze_word_strip_set_current (GazeWordStrip *self, int index)
{
  if (self->current >= 0 && self->current < (int) self->buttons->len)
    gtk_widget_remove_css_class (self->buttons->pdata[self->current], "current");
  self->current = index;
  if (index >= 0 && index < (int) self->buttons->len)
    gtk_widget_add_css_class (self->buttons->pdata[index], "current");
}

void
gaze_word_strip_set_placeholder (GazeWordStrip *self, const char *text)
{
  gtk_label_set_text (GTK_LABEL (self->placeholder), text);
}
