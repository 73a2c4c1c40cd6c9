/* test-question.c — questioning the caption in the real window, under a
 * (virtual) display: steer the attention to a region and away from one, and
 * undo; the evidence and occlusion maps, with cancelling; and the second
 * model compared beside the first.  Screenshots for the README are kept in
 * $GAZE_TEST_OUTDIR. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "gaze-application.h"
#include "gaze-compare-view.h"
#include "gaze-inspector.h"
#include "gaze-paths.h"
#include "gaze-photo-view.h"
#include "gaze-window.h"
#include "test-util.h"
#include "window-util.h"

/* Two children with a ball on wet pavement (the photo of issue 8). */
#define PHOTO "1056249424_ef2a2e041c.jpg"

static GazeApplication *app;
static GazeCaptioner *captioner;
static GazeWindow *window;
static char *tmp_dir;

/* ── Helpers ─────────────────────────────────────────────────────────────── */

static gboolean
window_idle (void)
{
  return !gaze_window_is_busy (window) && !gaze_window_is_questioning (window);
}

static gboolean
has_caption (void)
{
  return gaze_window_get_caption (window) != NULL && window_idle ();
}

static void
activate (const char *name, GVariant *parameter)
{
  window_util_activate (GTK_WIDGET (window), name, parameter);
}

static GtkWidget *
inspector_child (const char *name)
{
  return window_util_inspector_child (window, name);
}

static const GazeBeam *
shown_beam (void)
{
  return &gaze_window_get_caption (window)->beams[0];
}

static char *
shown_sentence (void)
{
  return gaze_beam_to_string (shown_beam ());
}

static int
argmax (const float *v, int n)
{
  int best = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[best])
      best = i;
  return best;
}

/* Clicks the centre of grid cell `cell` of the photo view, as a user would
 * to pick one cell. */
static void
click_cell (int cell)
{
  GazePhotoView *view = GAZE_PHOTO_VIEW (gaze_window_get_photo_view (window));
  const GazeImage *image = gaze_photo_get_image (gaze_window_get_photo (window));
  const GazeCaption *caption = gaze_window_get_caption (window);
  int n = caption->grid_size;
  double w = gtk_widget_get_width (GTK_WIDGET (view)), h = gtk_widget_get_height (GTK_WIDGET (view));
  double scale = MIN (w / image->width, h / image->height);
  double x0 = (w - image->width * scale) / 2, y0 = (h - image->height * scale) / 2;
  double x = x0 + (cell % n + 0.5) * image->width * scale / n;
  double y = y0 + (cell / n + 0.5) * image->height * scale / n;
  gaze_photo_view_choose_region (view, x, y, x, y);
}

/* ── Aligning two captions ───────────────────────────────────────────────── */

static GazeBeam
beam_of (const char *sentence, GazeWord *storage, char ***words)
{
  *words = g_strsplit (sentence, " ", -1);
  int n = (int) g_strv_length (*words);
  for (int i = 0; i < n; i++)
    storage[i] = (GazeWord) { .word = (*words)[i] };
  return (GazeBeam) { .n_words = n, .words = storage };
}

static void
test_align (void)
{
  GazeWord wa[16], wb[16];
  g_auto (GStrv) sa = NULL, sb = NULL;
  GazeBeam a = beam_of ("a dog runs through the grass", wa, &sa);
  GazeBeam b = beam_of ("a brown dog is running on the grass", wb, &sb);
  /* The same word where the other caption has it. */
  g_assert_cmpint (gaze_compare_align_word (&a, 1, &b), ==, 2); /* dog */
  g_assert_cmpint (gaze_compare_align_word (&a, 5, &b), ==, 7); /* grass */
  g_assert_cmpint (gaze_compare_align_word (&a, 4, &b), ==, 6); /* the */
  /* Otherwise the same relative position: "runs" is word 2 of 0..5, so 2 × 7 / 5. */
  g_assert_cmpint (gaze_compare_align_word (&a, 2, &b), ==, 3);
  g_assert_cmpint (gaze_compare_align_word (&a, 99, &b), ==, 7);
  g_assert_cmpint (gaze_compare_align_word (&a, 0, NULL), ==, -1);
}

/* ── Steering ────────────────────────────────────────────────────────────── */

static gboolean
is_steered (void)
{
  return gaze_window_is_steered (window) && window_idle ();
}

static gboolean
is_original (void)
{
  return !gaze_window_is_steered (window) && window_idle ();
}

static void
test_steer (void)
{
  g_autofree char *model = window_util_model_or_skip ();
  if (model == NULL)
    return;
  gaze_captioner_load_model (captioner, model);
  wait_for (window_util_model_settled, "the model to load");
  gaze_window_set_beam_width (window, 3);
  g_autofree char *path = g_build_filename (g_getenv ("GAZE_SHARED_DIR"), "data", "photos",
                                            PHOTO, NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  gaze_window_open_files (window, &file, 1);
  wait_for (has_caption, "the caption");
  settle ();
  const GazeCaption *original = gaze_window_get_caption (window);
  const GazeBeam *beam = &original->beams[0];
  const int L = original->n_cells;
  g_assert_cmpint (beam->n_words, >=, 4);
  g_autofree char *before = shown_sentence ();
  g_test_message ("caption: %s", before);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "undo-steer"));

  /* "Look here", from word 2 on, at the cell word 2 attended least. */
  activate ("select-word", g_variant_new_int32 (1));
  int far = 0;
  for (int i = 1; i < L; i++)
    if (beam->words[1].alpha[i] < beam->words[1].alpha[far])
      far = i;
  click_cell (far);
  settle ();
  g_assert_true (gtk_widget_get_visible (gaze_window_get_steer_popover (window)));
  g_settings_set_boolean (gaze_window_get_settings (window), "steer-onwards", TRUE);
  activate ("steer", g_variant_new_string ("look"));
  wait_for (is_steered, "the steered caption");
  settle ();
  const GazeCaption *steered = gaze_window_get_caption (window);
  g_assert_true (steered != original);
  g_assert_true (gaze_window_get_original_caption (window) == original);
  g_assert_cmpint (gaze_window_get_word (window), ==, 1);
  g_autofree char *after = shown_sentence ();
  g_test_message ("looking at cell %d from word 2: %s", far, after);
  g_assert_cmpstr (after, !=, before);
  /* The word before is kept; from word 2 on all attention is on the cell. */
  g_assert_cmpstr (shown_beam ()->words[0].word, ==, beam->words[0].word);
  g_assert_false (shown_beam ()->words[0].steered);
  for (int t = 1; t < shown_beam ()->n_words; t++)
    {
      g_assert_true (shown_beam ()->words[t].steered);
      g_assert_cmpfloat_with_epsilon (shown_beam ()->words[t].alpha[far], 1.0, 1e-5);
    }
  /* Its evidence explains the model's own attention, not the steered α:
   * the inspector says so instead of comparing them. */
  g_assert_true (gtk_widget_get_visible (inspector_child ("steered_row")));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (inspector_child ("agreement_label"))), ==, "–");
  /* The word strip marks them and says what it was before. */
  window_util_screenshot (GTK_WINDOW (window), tmp_dir, "screenshot-steer.png");

  /* One step undoes it. */
  activate ("undo-steer", NULL);
  wait_for (is_original, "the original caption");
  g_assert_true (gaze_window_get_caption (window) == original);
  g_assert_false (gtk_widget_get_visible (inspector_child ("steered_row")));

  /* The same gesture gives the same caption. */
  click_cell (far);
  activate ("steer", g_variant_new_string ("look"));
  wait_for (is_steered, "the steered caption again");
  g_autofree char *again = shown_sentence ();
  g_assert_cmpstr (again, ==, after);
  activate ("undo-steer", NULL);
  wait_for (is_original, "the original caption again");

  /* "Don't look here", at word 2 only, at the cell it attended most. */
  activate ("select-word", g_variant_new_int32 (1));
  int top = argmax (beam->words[1].alpha, L);
  click_cell (top);
  g_settings_set_boolean (gaze_window_get_settings (window), "steer-onwards", FALSE);
  activate ("steer", g_variant_new_string ("avoid"));
  wait_for (is_steered, "the caption avoiding a cell");
  g_assert_true (shown_beam ()->words[1].steered);
  g_assert_cmpfloat (shown_beam ()->words[1].alpha[top], ==, 0.0f);
  for (int t = 2; t < shown_beam ()->n_words; t++)
    g_assert_false (shown_beam ()->words[t].steered);
  activate ("undo-steer", NULL);
  wait_for (is_original, "the original caption once more");
  g_settings_set_boolean (gaze_window_get_settings (window), "steer-onwards", TRUE);
  gaze_photo_view_clear_region (GAZE_PHOTO_VIEW (gaze_window_get_photo_view (window)));
}

/* ── Evidence ────────────────────────────────────────────────────────────── */

static gboolean
has_evidence (void)
{
  const GazeCaption *caption = gaze_window_get_caption (window);
  return caption != NULL && caption->beams[0].words[0].evidence != NULL && window_idle ();
}

/* The photo view drawn off screen, as ARGB pixels. */
static cairo_surface_t *
draw_view (void)
{
  GazePhotoView *view = GAZE_PHOTO_VIEW (gaze_window_get_photo_view (window));
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 300);
  cairo_t *cr = cairo_create (surface);
  gaze_photo_view_draw (view, cr, 400, 300);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static double
mean_difference (cairo_surface_t *a, cairo_surface_t *b)
{
  const guint8 *pa = cairo_image_surface_get_data (a), *pb = cairo_image_surface_get_data (b);
  gsize n = (gsize) cairo_image_surface_get_stride (a) * cairo_image_surface_get_height (a);
  double sum = 0.0;
  for (gsize i = 0; i < n; i++)
    sum += abs ((int) pa[i] - (int) pb[i]);
  return sum / n;
}

static void
test_evidence (void)
{
  if (gaze_window_get_caption (window) == NULL)
    {
      g_test_skip ("no caption (no model installed)");
      return;
    }
  /* Worked out for every caption shown, without asking. */
  wait_for (has_evidence, "the evidence map");
  settle ();
  const GazeBeam *beam = shown_beam ();
  int L = gaze_window_get_caption (window)->n_cells;
  for (int t = 0; t < beam->n_words; t++)
    for (int i = 0; i < L; i++)
      g_assert_true (isfinite (beam->words[t].evidence[i]));
  activate ("select-word", g_variant_new_int32 (1));
  settle ();
  const char *agreement = gtk_label_get_text (GTK_LABEL (inspector_child ("agreement_label")));
  g_test_message ("agreement of word 2: %s", agreement);
  g_assert_true (g_str_has_prefix (agreement, "ρ = "));

  /* The evidence layer draws something else than α. */
  GSettings *settings = gaze_window_get_settings (window);
  cairo_surface_t *alpha = draw_view ();
  g_settings_set_enum (settings, "overlay-layer", GAZE_OVERLAY_LAYER_EVIDENCE);
  settle ();
  cairo_surface_t *evidence = draw_view ();
  double difference = mean_difference (alpha, evidence);
  g_test_message ("α and evidence overlays differ by %.2f per byte", difference);
  g_assert_cmpfloat (difference, >, 0.5);
  cairo_surface_destroy (alpha);
  cairo_surface_destroy (evidence);
  window_util_screenshot (GTK_WINDOW (window), tmp_dir, "screenshot-evidence.png");

  /* Exports take the map shown, in place of α or beside it. */
  int widths[2];
  for (int beside = 0; beside < 2; beside++)
    {
      g_autofree char *out = g_build_filename (tmp_dir, beside ? "beside.png" : "instead.png", NULL);
      g_autoptr (GFile) file = g_file_new_for_path (out);
      g_autoptr (GError) error = NULL;
      gaze_window_set_export_beside (window, beside);
      g_assert_true (gaze_window_export (window, GAZE_EXPORT_WORD, file, 0, &error));
      g_assert_no_error (error);
      cairo_surface_t *png = cairo_image_surface_create_from_png (out);
      g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
      widths[beside] = cairo_image_surface_get_width (png);
      cairo_surface_destroy (png);
    }
  gaze_window_set_export_beside (window, FALSE);
  g_assert_cmpint (widths[1], >, widths[0]);
}

static gboolean
occluding (void)
{
  return gaze_window_is_questioning (window);
}

static gboolean
has_occlusion (void)
{
  return shown_beam ()->words[0].occlusion != NULL && window_idle ();
}

static void
test_occlusion (void)
{
  if (gaze_window_get_caption (window) == NULL)
    {
      g_test_skip ("no caption (no model installed)");
      return;
    }
  GSettings *settings = gaze_window_get_settings (window);
  /* Choosing the layer starts it, with progress; cancelling stops it. */
  g_settings_set_enum (settings, "overlay-layer", GAZE_OVERLAY_LAYER_OCCLUSION);
  g_assert_true (occluding ());
  activate ("cancel-occlusion", NULL);
  wait_for (window_idle, "the occlusion to stop");
  run_for (200);
  g_assert_null (shown_beam ()->words[0].occlusion);
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "cancel-occlusion"));
  /* Asked for again, it finishes. */
  activate ("occlusion", NULL);
  wait_for (has_occlusion, "the occlusion map");
  settle ();
  const GazeBeam *beam = shown_beam ();
  int L = gaze_window_get_caption (window)->n_cells;
  for (int t = 0; t < beam->n_words; t++)
    for (int i = 0; i < L; i++)
      g_assert_true (isfinite (beam->words[t].occlusion[i]));
  g_assert_true (gtk_widget_get_visible (inspector_child ("occlusion_label")));
  g_assert_false (gtk_widget_get_visible (inspector_child ("occlusion_button")));
  g_settings_set_enum (settings, "overlay-layer", GAZE_OVERLAY_LAYER_ALPHA);
  settle ();
}

/* ── Comparing ───────────────────────────────────────────────────────────── */

static GazeCompareView *
compare_view (void)
{
  return GAZE_COMPARE_VIEW (gaze_window_get_compare_view (window));
}

static gboolean
compare_has_caption (void)
{
  GazeCursor *other = gaze_compare_view_get_cursor (compare_view ());
  const GazeCaption *caption = gaze_cursor_get_caption (other);
  return caption != NULL && caption->beams[0].words[0].evidence != NULL;
}

static void
test_compare (void)
{
  if (gaze_window_get_caption (window) == NULL)
    {
      g_test_skip ("no caption (no model installed)");
      return;
    }
  GListModel *models = gaze_captioner_get_models (captioner);
  if (g_list_model_get_n_items (models) < 2)
    {
      g_test_skip ("only one model is installed");
      return;
    }
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (compare_view ())));
  activate ("compare", NULL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (compare_view ())));
  wait_for (compare_has_caption, "the second model's caption");
  settle ();
  GazeCaptioner *other = gaze_compare_view_get_captioner (compare_view ());
  g_assert_cmpstr (gaze_captioner_get_model_path (other), !=,
                   gaze_captioner_get_model_path (captioner));
  GazeCursor *cursor = gaze_compare_view_get_cursor (compare_view ());
  g_autofree char *theirs = gaze_beam_to_string (gaze_cursor_get_current_beam (cursor));
  g_autofree char *mine = shown_sentence ();
  g_test_message ("%s: %s | %s", gaze_compare_view_get_model_name (compare_view ()), mine, theirs);
  /* One selection drives both. */
  for (int w = 0; w < shown_beam ()->n_words; w++)
    {
      activate ("select-word", g_variant_new_int32 (w));
      g_assert_cmpint (gaze_cursor_get_word (cursor), ==,
                       gaze_compare_align_word (shown_beam (), w,
                                                gaze_cursor_get_current_beam (cursor)));
    }
  activate ("select-word", g_variant_new_int32 (1));
  window_util_screenshot (GTK_WINDOW (window), tmp_dir, "screenshot-compare.png");

  /* One PNG of both storyboards. */
  g_autofree char *out = g_build_filename (tmp_dir, "comparison.png", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (out);
  g_autoptr (GError) error = NULL;
  g_assert_true (gaze_window_export (window, GAZE_EXPORT_COMPARISON, file, 1600, &error));
  g_assert_no_error (error);
  cairo_surface_t *png = cairo_image_surface_create_from_png (out);
  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, 1600);
  cairo_surface_destroy (png);

  activate ("compare", NULL);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (compare_view ())));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (window), "export-compare"));
}

/* ── Set-up ──────────────────────────────────────────────────────────────── */

int
main (int argc, char **argv)
{
  if (!window_util_has_display ())
    return 77; /* skipped */
  tmp_dir = window_util_scratch ("gaze-question-XXXXXX");
  g_test_init (&argc, &argv, NULL);
  app = window_util_start ();
  window = GAZE_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  captioner = gaze_application_get_captioner (app);

  /* In this order: each questions the caption the one before left. */
  g_test_add_func ("/question/align", test_align);
  g_test_add_func ("/question/steer", test_steer);
  g_test_add_func ("/question/evidence", test_evidence);
  g_test_add_func ("/question/occlusion", test_occlusion);
  g_test_add_func ("/question/compare", test_compare);
  int status = g_test_run ();
  return window_util_finish (app, GTK_WINDOW (window), tmp_dir, status);
}
