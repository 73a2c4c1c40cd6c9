/* gaze-inspector.c — the word's numbers, the overlay settings and the beams. */
#include "config.h"

#include "gaze-inspector.h"
#include "gaze-enums.h"
#include "gaze-render.h"

#include <glib/gi18n.h>
#include <math.h>

/* One of the top-5 rows, made once and refilled for each word. */
typedef struct {
  GtkWidget *row;
  GtkLevelBar *bar;
  GtkLabel *percent;
} AlternativeRow;

struct _GazeInspector {
  GtkWidget parent_instance;

  GazeCursor *cursor;
  GSignalGroup *cursor_signals;
  GSettings *settings;
  const GazeCaption *caption; /* whose beams the beam list shows */
  AlternativeRow alternatives[GAZE_TOP_K];

  /* Template widgets */
  GtkWidget *scroller;
  GtkWidget *word_group;
  GtkLabel *peak_label;
  GtkLabel *beta_label;
  GtkWidget *cell_row;
  GtkLabel *cell_label;
  GtkLabel *prob_label;
  GtkWidget *alternatives_group;
  GtkListBox *alternatives_list;
  GtkWidget *evidence_group;
  GtkLabel *agreement_label;
  GtkLabel *top_label;
  GtkLabel *strongest_label;
  AdwActionRow *weak_row;
  GtkWidget *steered_row;
  GtkLabel *occlusion_label;
  GtkWidget *occlusion_button;
  AdwComboRow *layer_row;
  AdwComboRow *mode_row;
  AdwComboRow *colormap_row;
  GtkAdjustment *opacity;
  GtkSwitch *grid_switch;
  GtkSpinButton *beam_width_spin;
  GtkAdjustment *beam_width;
  GtkListBox *beam_list;
};

G_DEFINE_FINAL_TYPE (GazeInspector, gaze_inspector, GTK_TYPE_WIDGET)

/* ── The word ────────────────────────────────────────────────────────────── */

static void
alternative_row_init (AlternativeRow *alt, GtkListBox *list)
{
  alt->row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (alt->row), FALSE);
  alt->bar = GTK_LEVEL_BAR (gtk_level_bar_new_for_interval (0.0, 1.0));
  /* One colour for every bar: GTK's default offsets would turn a bar green
   * at 75 %, a threshold that means nothing here. */
  gtk_level_bar_remove_offset_value (alt->bar, GTK_LEVEL_BAR_OFFSET_LOW);
  gtk_level_bar_remove_offset_value (alt->bar, GTK_LEVEL_BAR_OFFSET_HIGH);
  gtk_level_bar_remove_offset_value (alt->bar, GTK_LEVEL_BAR_OFFSET_FULL);
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

char *
gaze_inspector_format_peak (const GazeWord *word, int n_cells)
{
  g_return_val_if_fail (word != NULL && n_cells > 0, NULL);
  float peak = gaze_render_peak_alpha (word->alpha, n_cells);
  /* Translators: the word's largest attention weight, and how many times the
   * weight of uniform attention (1/49) that is. */
  return g_strdup_printf (_("%.3f · %.1f × uniform"), peak, peak * n_cells);
}

char *
gaze_inspector_format_agreement (const GazeWord *word, int n_cells)
{
  g_return_val_if_fail (word != NULL && n_cells > 0, NULL);
  if (word->evidence == NULL)
    return g_strdup (_("Evidence not worked out yet"));
  GazeAgreement agreement;
  gaze_evidence_agreement (word->alpha, word->evidence, n_cells, &agreement);
  if (agreement.weak)
    /* Translators: the word's evidence is weak everywhere; %.3f is the largest drop in nats. */
    return g_strdup_printf (_("weak evidence everywhere (at most %.3f nats)"),
                            agreement.peak_evidence);
  /* Translators: ρ is the rank correlation of α and the evidence. */
  return g_strdup_printf (agreement.top_alpha_in_top3
                              ? _("agrees with its evidence: ρ %.2f, peak α cell in the top 3")
                              : _("ρ %.2f with its evidence; the peak α cell is not in the top 3"),
                          agreement.rank_correlation);
}

/* The evidence rows: the agreement of α with the removal evidence, and with
 * occlusion once it is worked out. */
static void
show_evidence (GazeInspector *self, const GazeWord *word, const GazeCaption *caption)
{
  gtk_widget_set_visible (self->evidence_group, word != NULL);
  if (word == NULL)
    return;
  char text[64];
  GazeAgreement agreement;
  /* The maps are worked out on the model's own attention: a steered α is
   * not what they explain. */
  gtk_widget_set_visible (self->steered_row, word->steered);
  if (word->steered)
    {
      gtk_label_set_text (self->agreement_label, "–");
      gtk_label_set_text (self->top_label, "–");
    }
  if (word->evidence != NULL)
    {
      gaze_evidence_agreement (word->alpha, word->evidence, caption->n_cells, &agreement);
      g_snprintf (text, sizeof text, "ρ = %.2f", agreement.rank_correlation);
      if (!word->steered)
        {
          gtk_label_set_text (self->agreement_label, text);
          gtk_label_set_text (self->top_label, agreement.top_alpha_in_top3 ? _("Yes") : _("No"));
        }
      /* Translators: a drop in log-probability, in nats. */
      g_snprintf (text, sizeof text, _("%.3f nats"), agreement.peak_evidence);
      gtk_label_set_text (self->strongest_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->weak_row), agreement.weak);
      g_autofree char *weak = g_strdup_printf (
          _("No cell’s removal costs this word %.2f nats: it comes from the language model more "
            "than from the photo (its gate β is %.2f)"),
          GAZE_EVIDENCE_WEAK, word->beta);
      adw_action_row_set_subtitle (self->weak_row, weak);
    }
  else
    {
      if (!word->steered)
        {
          gtk_label_set_text (self->agreement_label, "…");
          gtk_label_set_text (self->top_label, "…");
        }
      gtk_label_set_text (self->strongest_label, "…");
      gtk_widget_set_visible (GTK_WIDGET (self->weak_row), FALSE);
    }
  gtk_widget_set_visible (self->occlusion_button, word->occlusion == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->occlusion_label), word->occlusion != NULL);
  if (word->occlusion != NULL && word->steered)
    gtk_label_set_text (self->occlusion_label, "–");
  else if (word->occlusion != NULL)
    {
      gaze_evidence_agreement (word->alpha, word->occlusion, caption->n_cells, &agreement);
      g_snprintf (text, sizeof text, "ρ = %.2f · %s", agreement.rank_correlation,
                  agreement.top_alpha_in_top3 ? _("top 3") : _("not top 3"));
      gtk_label_set_text (self->occlusion_label, text);
    }
}

static void
show_word (GazeInspector *self)
{
  const GazeWord *word = self->cursor != NULL ? gaze_cursor_get_current_word (self->cursor) : NULL;
  const GazeCaption *caption = self->cursor != NULL ? gaze_cursor_get_caption (self->cursor) : NULL;
  gtk_widget_set_visible (self->alternatives_group, word != NULL);
  gtk_widget_set_visible (self->cell_row,
                          word != NULL && caption->attention == GAZE_ATTENTION_HARD);
  show_evidence (self, word, caption);
  if (word == NULL)
    {
      gtk_label_set_text (self->peak_label, "–");
      gtk_label_set_text (self->beta_label, "–");
      gtk_label_set_text (self->prob_label, "–");
      return;
    }
  g_autofree char *peak = gaze_inspector_format_peak (word, caption->n_cells);
  gtk_label_set_text (self->peak_label, peak);
  char text[64];
  g_snprintf (text, sizeof text, "%.3f", word->beta);
  gtk_label_set_text (self->beta_label, text);
  g_snprintf (text, sizeof text, "%.1f %%", 100.0 * word->prob);
  gtk_label_set_text (self->prob_label, text);
  int n = caption->grid_size;
  /* Translators: the attended cell of the 7 × 7 grid, counted from the top left. */
  g_snprintf (text, sizeof text, _("row %d, column %d"), word->attended_cell / n + 1,
              word->attended_cell % n + 1);
  gtk_label_set_text (self->cell_label, text);
  for (int k = 0; k < GAZE_TOP_K; k++)
    alternative_row_show (&self->alternatives[k], word->alternatives[k],
                          word->alternative_probs[k],
                          g_strcmp0 (word->alternatives[k], word->word) == 0);
}

/* ── The beams ───────────────────────────────────────────────────────────── */

static GtkWidget *
beam_row (const GazeBeam *beam, int index, int n_beams)
{
  g_autofree char *sentence = gaze_beam_to_string (beam);
  /* Plain words in the row; the numbers for those who want them. */
  g_autofree char *rank = index == 0 ? g_strdup (_("The most likely caption"))
                                     : g_strdup_printf (_("Caption %d of %d"), index + 1, n_beams);
  g_autofree char *numbers = g_strdup_printf (
      _("Ranked by score %.3f: log p %.2f divided by √(words + 1)"), beam->score, beam->log_prob);
  GtkWidget *row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), sentence);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), rank);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.select-beam");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row), g_variant_new_int32 (index));
  g_autofree char *tooltip = g_strdup_printf (_("Show the attention of caption %d. %s"),
                                              index + 1, numbers);
  gtk_widget_set_tooltip_text (row, tooltip);
  return row;
}

static void
show_beams (GazeInspector *self, const GazeCaption *caption)
{
  self->caption = caption;
  /* A row about to go may hold the focus (Tab from the beam width lands
   * there): give the focus to the list first, so GTK never follows a
   * widget that is gone. */
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->beam_list)))
    gtk_widget_grab_focus (GTK_WIDGET (self->beam_width_spin));
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->beam_list))) != NULL)
    gtk_list_box_remove (self->beam_list, child);
  for (int b = 0; caption != NULL && b < caption->n_beams; b++)
    gtk_list_box_append (self->beam_list, beam_row (&caption->beams[b], b, caption->n_beams));
  gtk_widget_set_visible (GTK_WIDGET (self->beam_list), caption != NULL);
}

static void
sync_cursor (GazeInspector *self)
{
  const GazeCaption *caption = self->cursor != NULL ? gaze_cursor_get_caption (self->cursor) : NULL;
  if (caption != self->caption)
    show_beams (self, caption);
  if (caption != NULL)
    gtk_list_box_select_row (self->beam_list,
                             gtk_list_box_get_row_at_index (self->beam_list,
                                                            gaze_cursor_get_beam (self->cursor)));
  show_word (self);
}

void
gaze_inspector_set_cursor (GazeInspector *self, GazeCursor *cursor)
{
  g_return_if_fail (GAZE_IS_INSPECTOR (self));
  g_return_if_fail (cursor == NULL || GAZE_IS_CURSOR (cursor));
  if (!gaze_cursor_follow (&self->cursor, self->cursor_signals, cursor))
    return;
  sync_cursor (self);
}

/* ── Settings ────────────────────────────────────────────────────────────── */

static const char *
overlay_mode_label (int mode)
{
  return mode == GAZE_OVERLAY_SPOTLIGHT ? _("Spotlight") : _("Colour map");
}

static const char *
colormap_label (int colormap)
{
  return colormap == GAZE_COLORMAP_VIRIDIS ? _("Viridis") : _("Inferno");
}

static const char *
layer_label (int layer)
{
  switch (layer)
    {
    case GAZE_OVERLAY_LAYER_EVIDENCE:
      return _("Evidence: cells removed from attention");
    case GAZE_OVERLAY_LAYER_OCCLUSION:
      return _("Evidence: cells greyed in the photo");
    default:
      return _("Attention α");
    }
}

typedef const char *(*EnumLabelFunc) (int value);

static char *
enum_item_label (AdwEnumListItem *item, gpointer user_data)
{
  EnumLabelFunc label = (EnumLabelFunc) user_data;
  return g_strdup (label (adw_enum_list_item_get_value (item)));
}

/* A combo row listing the values of enum_type, in their order, named by label. */
static void
setup_enum_row (AdwComboRow *row, GType enum_type, EnumLabelFunc label)
{
  g_autoptr (AdwEnumListModel) model = adw_enum_list_model_new (enum_type);
  adw_combo_row_set_model (row, G_LIST_MODEL (model));
  GtkExpression *expression
      = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL, G_CALLBACK (enum_item_label),
                                     (gpointer) label, NULL);
  adw_combo_row_set_expression (row, expression);
  gtk_expression_unref (expression);
}

/* The setting's enum nick ↔ the row's position in its AdwEnumListModel. */
static gboolean
nick_to_position (GValue *value, GVariant *variant, gpointer user_data)
{
  AdwEnumListModel *model = ADW_ENUM_LIST_MODEL (adw_combo_row_get_model (user_data));
  g_autoptr (GEnumClass) klass = g_type_class_ref (adw_enum_list_model_get_enum_type (model));
  GEnumValue *found = g_enum_get_value_by_nick (klass, g_variant_get_string (variant, NULL));
  if (found == NULL)
    return FALSE;
  g_value_set_uint (value, adw_enum_list_model_find_position (model, found->value));
  return TRUE;
}

static GVariant *
position_to_nick (const GValue *value, const GVariantType *type, gpointer user_data)
{
  GListModel *model = adw_combo_row_get_model (user_data);
  g_autoptr (AdwEnumListItem) item = g_list_model_get_item (model, g_value_get_uint (value));
  return item != NULL ? g_variant_new_string (adw_enum_list_item_get_nick (item)) : NULL;
}

/* An integer key ↔ an adjustment's double value. */
static gboolean
int_to_double (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_double (value, g_variant_get_int32 (variant));
  return TRUE;
}

static GVariant *
double_to_int (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_int32 ((gint32) lround (g_value_get_double (value)));
}

static void
bind_enum_row (GSettings *settings, const char *key, AdwComboRow *row)
{
  g_settings_bind_with_mapping (settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                nick_to_position, position_to_nick, row, NULL);
}

/* The colour map has nothing to colour in spotlight, unless the grid shows. */
static void
update_colormap_row (GazeInspector *self)
{
  gboolean spotlight = g_settings_get_enum (self->settings, "overlay-style") == GAZE_OVERLAY_SPOTLIGHT;
  gtk_widget_set_sensitive (GTK_WIDGET (self->colormap_row),
                            !spotlight || g_settings_get_boolean (self->settings, "show-grid"));
}

/* A width typed in the field counts when the focus leaves it, as when Enter
 * is pressed. */
static void
beam_width_left (GazeInspector *self)
{
  gtk_spin_button_update (self->beam_width_spin);
}

void
gaze_inspector_bind_settings (GazeInspector *self, GSettings *settings)
{
  g_return_if_fail (GAZE_IS_INSPECTOR (self));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (self->settings == NULL);
  self->settings = g_object_ref (settings);
  bind_enum_row (settings, "overlay-layer", self->layer_row);
  bind_enum_row (settings, "overlay-style", self->mode_row);
  bind_enum_row (settings, "colormap", self->colormap_row);
  g_settings_bind (settings, "opacity", self->opacity, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "show-grid", self->grid_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "beam-width", self->beam_width, "value",
                                G_SETTINGS_BIND_DEFAULT, int_to_double, double_to_int, NULL, NULL);
  g_signal_connect_object (settings, "changed::overlay-style", G_CALLBACK (update_colormap_row),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::show-grid", G_CALLBACK (update_colormap_row), self,
                           G_CONNECT_SWAPPED);
  update_colormap_row (self);
}

/* ── GObject ─────────────────────────────────────────────────────────────── */

static void
gaze_inspector_dispose (GObject *object)
{
  GazeInspector *self = GAZE_INSPECTOR (object);
  gaze_cursor_follow (&self->cursor, self->cursor_signals, NULL);
  self->caption = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), GAZE_TYPE_INSPECTOR);
  G_OBJECT_CLASS (gaze_inspector_parent_class)->dispose (object);
}

static void
gaze_inspector_finalize (GObject *object)
{
  GazeInspector *self = GAZE_INSPECTOR (object);
  g_clear_object (&self->cursor_signals);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (gaze_inspector_parent_class)->finalize (object);
}

static void
gaze_inspector_class_init (GazeInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gaze_inspector_dispose;
  object_class->finalize = gaze_inspector_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inspector");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/gaze/Gaze/gaze-inspector.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, GazeInspector, name)
  BIND (scroller);
  BIND (word_group);
  BIND (peak_label);
  BIND (beta_label);
  BIND (cell_row);
  BIND (cell_label);
  BIND (prob_label);
  BIND (alternatives_group);
  BIND (alternatives_list);
  BIND (evidence_group);
  BIND (agreement_label);
  BIND (top_label);
  BIND (strongest_label);
  BIND (weak_row);
  BIND (steered_row);
  BIND (occlusion_label);
  BIND (occlusion_button);
  BIND (layer_row);
  BIND (mode_row);
  BIND (colormap_row);
  BIND (opacity);
  BIND (grid_switch);
  BIND (beam_width_spin);
  BIND (beam_width);
  BIND (beam_list);
#undef BIND
  /* Reachable with gtk_widget_get_template_child (the tests read them). */
  gtk_widget_class_bind_template_child_full (widget_class, "beta_row", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "peak_row", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "opacity_scale", FALSE, 0);
}

static void
gaze_inspector_init (GazeInspector *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cursor_signals = g_signal_group_new (GAZE_TYPE_CURSOR);
  g_signal_group_connect_swapped (self->cursor_signals, "notify", G_CALLBACK (sync_cursor), self);
  for (int k = 0; k < GAZE_TOP_K; k++)
    alternative_row_init (&self->alternatives[k], self->alternatives_list);
  setup_enum_row (self->layer_row, GAZE_TYPE_OVERLAY_LAYER, layer_label);
  setup_enum_row (self->mode_row, GAZE_TYPE_OVERLAY_MODE, overlay_mode_label);
  setup_enum_row (self->colormap_row, GAZE_TYPE_COLORMAP, colormap_label);
  GtkEventController *focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (beam_width_left), self);
  gtk_widget_add_controller (GTK_WIDGET (self->beam_width_spin), focus);
  show_word (self);
  show_beams (self, NULL);
}

GtkWidget *
gaze_inspector_new (void)
{
  return g_object_new (GAZE_TYPE_INSPECTOR, NULL);
}
