/* test-window.c — drives the real Gaze window under a (virtual) display.
 *
 * One application and one window for the whole run, as a user would have:
 * a missing and a corrupt model (the window says so and keeps working), an
 * unreadable photo, then — when a trained model is installed — the caption
 * flow: open a photo, wait for the caption, step through the words, change
 * the beam width, play, and export a word and a storyboard.  A screenshot of
 * the window is kept as a test artifact.  Run with LANGUAGE=ko, /window/korean
 * checks that the window speaks Korean. */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "gaze-application.h"
#include "gaze-inspector.h"
#include "gaze-paths.h"
#include "gaze-photo-view.h"
#include "gaze-window.h"
#include "test-util.h"
#include "window-util.h"

#define PHOTO "1022454332_6af2c1449a.jpg"

static GazeApplication *app;
static GazeCaptioner *captioner;
static GazeWindow *window;
static char *tmp_dir;

/* ── Helpers ─────────────────────────────────────────────────────────────── */

static gboolean
model_settled (void)
{
  return window_util_model_settled ();
}

/* Every listed model has its name from its metadata. */
static gboolean
names_read (void)
{
  GListModel *models = gaze_captioner_get_models (captioner);
  for (guint i = 0; i < g_list_model_get_n_items (models); i++)
    {
      g_autoptr (GazeModelInfo) info = g_list_model_get_item (models, i);
      if (gaze_model_info_get_description (info) == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
window_idle (void)
{
  return !gaze_window_is_busy (window);
}

static gboolean
has_caption (void)
{
  return gaze_window_get_caption (window) != NULL && !gaze_window_is_busy (window);
}

static gboolean
photo_shown_loaded (void)
{
  GazePhoto *photo = gaze_window_get_photo (window);
  return photo != NULL && gaze_photo_is_loaded (photo);
}

static void
load_model (const char *path)
{
  gaze_captioner_load_model (captioner, path);
  wait_for (model_settled, "the model to load");
  settle ();
}

static char *
photo_path (const char *name)
{
  return g_build_filename (g_getenv ("GAZE_SHARED_DIR"), "data", "photos", name, NULL);
}

static void
open_path (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  gaze_window_open_files (window, &file, 1);
  wait_for (window_idle, "the photo to load");
  settle ();
}

static gboolean
action_enabled (const char *name)
{
  return g_action_group_get_action_enabled (G_ACTION_GROUP (window), name);
}

static void
activate (const char *name, GVariant *parameter)
{
  window_util_activate (GTK_WIDGET (window), name, parameter);
}

/* The window as pixels, into $GAZE_TEST_OUTDIR. */
static void
save_screenshot (const char *name)
{
  window_util_screenshot (GTK_WINDOW (window), tmp_dir, name);
}

/* ── Without a usable model ──────────────────────────────────────────────── */

static void
test_no_model (void)
{
  load_model (NULL);
  const char *banner = gaze_window_get_banner (window);
  g_assert_nonnull (banner);
  /* It says how to get a model. */
  g_assert_nonnull (strstr (banner, ".gzm"));

  /* A missing model file: the message names it. */
  g_autofree char *missing = g_build_filename (tmp_dir, "missing.gzm", NULL);
  load_model (missing);
  banner = gaze_window_get_banner (window);
  g_assert_nonnull (banner);
  g_assert_nonnull (strstr (banner, "missing.gzm"));

  /* Photos still open and show, without a caption; nothing to export. */
  g_autofree char *path = photo_path (PHOTO);
  open_path (path);
  GazePhoto *photo = gaze_window_get_photo (window);
  g_assert_nonnull (photo);
  g_assert_true (gaze_photo_is_loaded (photo));
  g_assert_cmpstr (gaze_photo_get_title (photo), ==, PHOTO);
  g_assert_null (gaze_window_get_caption (window));
  g_assert_false (action_enabled ("export-png"));
  g_assert_false (action_enabled ("next-word"));
  save_screenshot ("screenshot-no-model.png");
}

static void
test_corrupt_model (void)
{
  g_autofree char *corrupt = g_build_filename (tmp_dir, "corrupt.gzm", NULL);
  g_assert_true (g_file_set_contents (corrupt, "GZM? this is not a model file", -1, NULL));
  load_model (corrupt);
  const char *banner = gaze_window_get_banner (window);
  g_assert_nonnull (banner);
  g_assert_cmpint (gaze_captioner_get_state (captioner), !=, GAZE_CAPTIONER_READY);
  /* The window still works: the photo is there. */
  g_assert_nonnull (gaze_window_get_photo (window));
}

static void
test_bad_photo (void)
{
  GazePhoto *before = gaze_window_get_photo (window);
  g_assert_nonnull (before);
  g_autofree char *bad = g_build_filename (tmp_dir, "broken.jpg", NULL);
  g_assert_true (g_file_set_contents (bad, "not a JPEG at all", -1, NULL));
  open_path (bad);
  /* The broken photo is dropped (with a toast) and the good one is back. */
  g_assert_true (gaze_window_get_photo (window) == before);
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-photo.png", NULL);
  open_path (missing);
  g_assert_true (gaze_window_get_photo (window) == before);
}

/* Whether widget has a shortcut of its own from trigger to action. */
static gboolean
has_shortcut (GtkWidget *widget, const char *trigger, const char *action)
{
  g_autoptr (GtkShortcutTrigger) want = gtk_shortcut_trigger_parse_string (trigger);
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);
      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutAction *named = gtk_shortcut_get_action (shortcut);
          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), want)
              && GTK_IS_NAMED_ACTION (named)
              && g_strcmp0 (gtk_named_action_get_action_name (GTK_NAMED_ACTION (named)), action)
                     == 0)
            return TRUE;
        }
    }
  return FALSE;
}

/* The keys are the actions' accelerators. */
static void
test_keys (void)
{
  static const char *keys[][2] = { { "win.prev-word", "Left" }, { "win.next-word", "Right" },
                                   { "win.first-word", "Home" }, { "win.last-word", "End" },
                                   { "win.export-png", "<Control>s" },
                                   { "win.export-storyboard", "<Control>e" },
                                   { "win.open", "<Control>o" }, { "win.paste", "<Control>v" },
                                   { "win.play", "F5" }, { "app.quit", "<Control>q" } };
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_auto (GStrv) accels
          = gtk_application_get_accels_for_action (GTK_APPLICATION (app), keys[i][0]);
      /* The word keys are the photo's and the caption's own (see
       * /window/keys-scoped); the others are the application's. */
      if (i < 4)
        {
          g_assert_true (has_shortcut (gaze_window_get_photo_view (window), keys[i][1], keys[i][0]));
          g_assert_true (has_shortcut (gaze_window_get_word_strip (window), keys[i][1], keys[i][0]));
        }
      else
        g_assert_true (g_strv_contains ((const char *const *) accels, keys[i][1]));
      /* And the window has every action it names. */
      if (g_str_has_prefix (keys[i][0], "win."))
        g_assert_true (g_action_group_has_action (G_ACTION_GROUP (window), keys[i][0] + 4));
    }

  /* The about window and the shortcuts window open (and close). */
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  activate ("show-help-overlay", NULL);
  settle ();
  int extra = 0;
  GListModel *toplevels = gtk_window_get_toplevels (); /* owned by GTK */
  for (guint i = g_list_model_get_n_items (toplevels); i-- > 0;)
    {
      g_autoptr (GtkWindow) other = g_list_model_get_item (toplevels, i);
      if (other == GTK_WINDOW (window) || !gtk_widget_get_visible (GTK_WIDGET (other)))
        continue;
      g_assert_true (ADW_IS_ABOUT_WINDOW (other) || GTK_IS_SHORTCUTS_WINDOW (other));
      extra++;
      gtk_window_close (other);
    }
  g_assert_cmpint (extra, ==, 2);
  settle ();
}

static gboolean
pasted_shown (void)
{
  GazePhoto *photo = gaze_window_get_photo (window);
  return photo != NULL && gaze_photo_get_file (photo) == NULL && gaze_photo_is_loaded (photo);
}

/* Ctrl+V: an image on the clipboard opens as a photo, transparency
 * flattened on white; text on the clipboard is refused with a toast. */
static void
test_paste (void)
{
  GazePhoto *before = gaze_window_get_photo (window);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (window));
  gdk_clipboard_set_text (clipboard, "not an image");
  activate ("paste", NULL);
  settle ();
  g_assert_true (gaze_window_get_photo (window) == before);

  /* 3 × 2 RGBA: red, green, blue; white, half-transparent blue, clear. */
  static const guint8 rgba[] = { 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255,
                                 255, 255, 255, 255, 0, 0, 255, 128, 0, 0, 0, 0 };
  g_autoptr (GBytes) bytes = g_bytes_new_static (rgba, sizeof rgba);
  g_autoptr (GdkTexture) texture = gdk_memory_texture_new (3, 2, GDK_MEMORY_R8G8B8A8, bytes, 12);
  gdk_clipboard_set_texture (clipboard, texture);
  activate ("paste", NULL);
  wait_for (pasted_shown, "the pasted image");
  GazePhoto *pasted = gaze_window_get_photo (window);
  g_assert_cmpstr (gaze_photo_get_title (pasted), ==, _("Pasted Image"));
  const GazeImage *image = gaze_photo_get_image (pasted);
  g_assert_cmpint (image->width, ==, 3);
  g_assert_cmpint (image->height, ==, 2);
  static const guint8 want[] = { 255, 0, 0, 0, 255, 0, 0, 0, 255,
                                 255, 255, 255, 127, 127, 255, 255, 255, 255 };
  for (gsize i = 0; i < sizeof want; i++)
    g_assert_cmpint (ABS (image->pixels[i] - want[i]), <=, 2);
  activate ("close-photo", NULL);
  g_assert_true (gaze_window_get_photo (window) == before);
}

/* Every button says what it does: a label or a tooltip (read by screen
 * readers as its description). */
static int
count_unlabelled (GtkWidget *widget, int *n_buttons)
{
  int missing = 0;
  if (GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget))
    {
      (*n_buttons)++;
      const char *label = GTK_IS_BUTTON (widget) ? gtk_button_get_label (GTK_BUTTON (widget)) : NULL;
      const char *tooltip = gtk_widget_get_tooltip_text (widget);
      /* Buttons inside a labelled composite (a menu button's, a split
       * button's, a spin button's) take their parent's words; GTK and
       * libadwaita label their window controls and toasts themselves. */
      GtkWidget *parent = gtk_widget_get_parent (widget);
      gboolean inner = parent != NULL
                       && (GTK_IS_MENU_BUTTON (parent) || ADW_IS_SPLIT_BUTTON (parent)
                           || GTK_IS_SPIN_BUTTON (parent) || GTK_IS_WINDOW_CONTROLS (parent)
                           || g_str_equal (G_OBJECT_TYPE_NAME (parent), "AdwToastWidget")
                           || gtk_widget_get_tooltip_text (parent) != NULL);
      if ((label == NULL || *label == '\0') && tooltip == NULL && !inner
          && gtk_widget_get_visible (widget))
        {
          g_test_message ("button without label or tooltip: %s in %s (%s)",
                          G_OBJECT_TYPE_NAME (widget), G_OBJECT_TYPE_NAME (parent),
                          gtk_widget_get_name (parent));
          missing++;
        }
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    missing += count_unlabelled (child, n_buttons);
  return missing;
}

static void
test_labels (void)
{
  int n_buttons = 0;
  g_assert_cmpint (count_unlabelled (GTK_WIDGET (window), &n_buttons), ==, 0);
  g_assert_cmpint (n_buttons, >=, 8);
}

/* ── The caption flow ────────────────────────────────────────────────────── */

static GdkPixbuf *
load_png (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  return pixbuf;
}

/* The share of the photo's pixels that the export changed. */
static double
changed_share (GdkPixbuf *export, const GazeImage *photo)
{
  int stride = gdk_pixbuf_get_rowstride (export), n = gdk_pixbuf_get_n_channels (export);
  const guint8 *pixels = gdk_pixbuf_read_pixels (export);
  int changed = 0;
  for (int y = 0; y < photo->height; y++)
    for (int x = 0; x < photo->width; x++)
      changed += memcmp (pixels + y * stride + x * n, photo->pixels + (y * photo->width + x) * 3, 3)
                 != 0;
  return (double) changed / (photo->width * photo->height);
}

static void
test_caption (void)
{
  g_autofree char *model = gaze_paths_default_model ();
  if (model == NULL)
    {
      g_test_skip ("no trained model (*.gzm) is installed or in resources/models: "
                   "the caption flow cannot be tested");
      return;
    }
  load_model (model);
  g_assert_null (gaze_window_get_banner (window));
  g_assert_cmpint (gaze_captioner_get_state (captioner), ==, GAZE_CAPTIONER_READY);

  gaze_window_set_beam_width (window, 3);
  g_autofree char *path = photo_path (PHOTO);
  open_path (path);
  wait_for (has_caption, "the caption");
  const GazeCaption *caption = gaze_window_get_caption (window);
  g_assert_cmpint (caption->n_beams, >=, 1);
  g_assert_cmpint (caption->n_beams, <=, 3);
  int n = caption->beams[0].n_words;
  g_assert_cmpint (n, >=, 2);
  g_test_message ("caption: %s", gaze_window_get_caption (window)->beams[0].words[0].word);

  /* Stepping, as the keys (see /window/keys) and buttons do. */
  g_assert_cmpint (gaze_window_get_word (window), ==, 0);
  g_assert_false (action_enabled ("prev-word"));
  activate ("next-word", NULL);
  g_assert_cmpint (gaze_window_get_word (window), ==, 1);
  activate ("last-word", NULL);
  g_assert_cmpint (gaze_window_get_word (window), ==, n - 1);
  g_assert_false (action_enabled ("next-word"));
  activate ("prev-word", NULL);
  g_assert_cmpint (gaze_window_get_word (window), ==, n - 2);
  activate ("first-word", NULL);
  g_assert_cmpint (gaze_window_get_word (window), ==, 0);
  activate ("select-word", g_variant_new_int32 (n - 1));
  g_assert_cmpint (gaze_window_get_word (window), ==, n - 1);

  /* Play from the end starts over and moves on by itself. */
  activate ("play", NULL);
  g_assert_cmpint (gaze_window_get_word (window), ==, 0);
  gboolean late = FALSE;
  guint timer = g_timeout_add (3000, timed_out, &late);
  while (gaze_window_get_word (window) == 0 && !late)
    g_main_context_iteration (NULL, TRUE);
  if (!late)
    g_source_remove (timer);
  g_assert_cmpint (gaze_window_get_word (window), >, 0);
  activate ("play", NULL); /* stop */

  /* Exports: the current word and the storyboard. */
  activate ("select-word", g_variant_new_int32 (1));
  const GazeImage *image = gaze_photo_get_image (gaze_window_get_photo (window));
  g_autoptr (GError) error = NULL;
  g_autofree char *word_path = g_build_filename (tmp_dir, "word.png", NULL);
  g_autoptr (GFile) word_file = g_file_new_for_path (word_path);
  g_assert_true (gaze_window_export (window, GAZE_EXPORT_WORD, word_file, 0, &error));
  g_assert_no_error (error);
  g_autoptr (GdkPixbuf) word_png = load_png (word_file);
  g_assert_cmpint (gdk_pixbuf_get_width (word_png), ==, image->width);
  g_assert_cmpint (gdk_pixbuf_get_height (word_png), >, image->height);
  g_assert_cmpfloat (changed_share (word_png, image), >, 0.9);

  g_autofree char *small_path = g_build_filename (tmp_dir, "word-800.png", NULL);
  g_autoptr (GFile) small_file = g_file_new_for_path (small_path);
  g_assert_true (gaze_window_export (window, GAZE_EXPORT_WORD, small_file, 800, &error));
  g_autoptr (GdkPixbuf) small_png = load_png (small_file);
  g_assert_cmpint (gdk_pixbuf_get_width (small_png), ==, 800);

  g_autofree char *board_path = g_build_filename (tmp_dir, "storyboard.png", NULL);
  g_autoptr (GFile) board_file = g_file_new_for_path (board_path);
  g_assert_true (gaze_window_export (window, GAZE_EXPORT_STORYBOARD, board_file, 0, &error));
  g_assert_no_error (error);
  g_autoptr (GdkPixbuf) board_png = load_png (board_file);
  int rows = (n + 3) / 4, cols = (n + rows - 1) / rows; /* as gaze-render lays it out */
  g_assert_cmpint (gdk_pixbuf_get_width (board_png), >=, MIN (cols * image->width, 8192) * 9 / 10);
  g_assert_cmpint (gdk_pixbuf_get_height (board_png), >, image->height);

  /* Another beam width is another caption; going back is served from the cache. */
  gaze_window_set_beam_width (window, 1);
  wait_for (has_caption, "the greedy caption");
  g_assert_cmpint (gaze_window_get_caption (window)->n_beams, ==, 1);
  gaze_window_set_beam_width (window, 3);
  g_assert_true (gaze_window_get_caption (window) == caption);
  g_assert_false (gaze_window_is_busy (window));
  if (caption->n_beams > 1)
    {
      activate ("select-beam", g_variant_new_int32 (1));
      g_assert_cmpint (gaze_window_get_word (window), ==, 0);
    }

  /* A second photo, then back to the first: cached, no work. */
  g_autofree char *second = photo_path ("103106960_e8a41d64f8.jpg");
  open_path (second);
  wait_for (has_caption, "the second caption");
  open_path (path);
  g_assert_true (gaze_window_get_caption (window) == caption);

  /* Opening another photo cancels the caption in flight: nothing is cached
   * for the photo left behind, and the new one gets its caption. */
  g_autofree char *third = photo_path ("1032122270_ea6f0beedb.jpg");
  g_autofree char *fourth = photo_path ("1034276567_49bb87c51c.jpg");
  g_autoptr (GFile) third_file = g_file_new_for_path (third);
  g_autoptr (GFile) fourth_file = g_file_new_for_path (fourth);
  gaze_window_open_files (window, &third_file, 1);
  GazePhoto *left = gaze_window_get_photo (window);
  wait_for (photo_shown_loaded, "the third photo to load"); /* its caption is now running */
  g_assert_true (gaze_window_is_busy (window));
  gaze_window_open_files (window, &fourth_file, 1);
  wait_for (has_caption, "the fourth caption");
  g_assert_true (gaze_window_get_photo (window) != left);
  g_assert_null (gaze_captioner_lookup (captioner, left, 3));
  g_assert_nonnull (gaze_captioner_lookup (captioner, gaze_window_get_photo (window), 3));
  open_path (path);

  /* Two models installed: the chooser appears, and picking the other one
   * captions the photo with it. */
  g_autofree char *models = g_build_filename (g_get_user_data_dir (), "gaze", "models", NULL);
  g_assert_cmpint (g_mkdir_with_parents (models, 0755), ==, 0);
  g_autofree char *contents = NULL;
  gsize length;
  g_assert_true (g_file_get_contents (model, &contents, &length, NULL));
  g_autofree char *copy = g_build_filename (models, "zz-second.gzm", NULL);
  g_assert_true (g_file_set_contents (copy, contents, length, NULL));
  g_action_group_activate_action (G_ACTION_GROUP (app), "reload-model", NULL);
  wait_for (model_settled, "the models to be listed");
  wait_for (names_read, "the models' names");
  GtkDropDown *chooser = GTK_DROP_DOWN (
      gtk_widget_get_template_child (GTK_WIDGET (window), GAZE_TYPE_WINDOW, "model_dropdown"));
  g_assert_true (gtk_widget_is_visible (GTK_WIDGET (chooser)));
  GListModel *names = gtk_drop_down_get_model (chooser);
  guint n_models = g_list_model_get_n_items (names);
  g_assert_cmpuint (n_models, >=, 2);
  guint second_model = n_models;
  for (guint i = 0; i < n_models; i++)
    {
      g_autoptr (GazeModelInfo) info = g_list_model_get_item (names, i);
      /* The same metadata as the default: told apart by the file name. */
      if (strstr (gaze_model_info_get_name (info), "zz-second") != NULL)
        second_model = i;
    }
  g_assert_cmpuint (second_model, <, n_models);
  gtk_drop_down_set_selected (chooser, second_model);
  wait_for (model_settled, "the second model");
  g_assert_cmpstr (gaze_captioner_get_model_path (captioner), ==, copy);
  wait_for (has_caption, "the second model's caption");
  g_assert_true (gaze_window_get_caption (window) != caption);
  g_unlink (copy);
  gaze_captioner_load_model (captioner, model);
  wait_for (has_caption, "the first model's caption again");
  g_assert_true (gaze_window_get_caption (window) == caption);

  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  gaze_window_set_style (window, &style);
  activate ("select-word", g_variant_new_int32 (1));
  save_screenshot ("screenshot.png");
  test_labels (); /* now with the word buttons and the beams */
  style.mode = GAZE_OVERLAY_SPOTLIGHT;
  style.opacity = 0.8;
  gaze_window_set_style (window, &style);
  save_screenshot ("screenshot-spotlight.png");
  style.mode = GAZE_OVERLAY_COLORMAP;
  style.show_grid = TRUE;
  gaze_window_set_style (window, &style);
  save_screenshot ("screenshot-grid.png");
}

/* ── What a new user hit (issue 10), each failing before its fix ────────── */

static GtkWidget *
inspector_child (const char *name)
{
  return window_util_inspector_child (window, name);
}

static GObject *
window_child (const char *name)
{
  return gtk_widget_get_template_child (GTK_WIDGET (window), GAZE_TYPE_WINDOW, name);
}

/* Opens the test photo with the default model and waits for its caption;
 * FALSE (the test skipped) when no model is installed. */
static gboolean
captioned_photo (void)
{
  g_autofree char *model = window_util_model_or_skip ();
  if (model == NULL)
    return FALSE;
  if (g_strcmp0 (gaze_captioner_get_model_path (captioner), model) != 0
      || gaze_captioner_get_state (captioner) != GAZE_CAPTIONER_READY)
    load_model (model);
  g_autofree char *path = photo_path (PHOTO);
  open_path (path);
  wait_for (has_caption, "the caption");
  return TRUE;
}

/* The encoder's own problems are called the encoder's (issue 11 §7):
 * $GAZE_ENCODER pointing nowhere names the variable and the path, and a
 * corrupt encoder is not "the caption model". */
static void
test_encoder_errors (void)
{
  g_autofree char *model = window_util_model_or_skip ();
  if (model == NULL)
    return;
  g_autofree char *encoder = g_strdup (g_getenv ("GAZE_ENCODER"));
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-encoder.tflite", NULL);
  g_setenv ("GAZE_ENCODER", missing, TRUE);
  load_model (model);
  const char *banner = gaze_window_get_banner (window);
  g_assert_nonnull (banner);
  g_assert_nonnull (strstr (banner, "GAZE_ENCODER"));
  g_assert_nonnull (strstr (banner, missing));
  g_assert_null (strstr (banner, "gaze-fetch-encoder"));

  g_autofree char *corrupt = g_build_filename (tmp_dir, "corrupt.tflite", NULL);
  g_assert_true (g_file_set_contents (corrupt, "TFL3 but not a model at all", -1, NULL));
  g_setenv ("GAZE_ENCODER", corrupt, TRUE);
  load_model (model);
  banner = gaze_window_get_banner (window);
  g_assert_nonnull (banner);
  g_assert_nonnull (strstr (banner, _("The encoder cannot be used")));
  g_assert_null (strstr (banner, _("caption model")));
  g_assert_nonnull (strstr (banner, "corrupt.tflite"));

  g_setenv ("GAZE_ENCODER", encoder, TRUE);
  load_model (model);
  g_assert_null (gaze_window_get_banner (window));
}

/* Left, Right, Home and End are not application-wide: with the opacity
 * slider or the beam width focused they move the slider or the text cursor. */
static void
test_keys_scoped (void)
{
  static const char *actions[] = { "win.prev-word", "win.next-word", "win.first-word",
                                   "win.last-word" };
  for (gsize i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      g_auto (GStrv) accels
          = gtk_application_get_accels_for_action (GTK_APPLICATION (app), actions[i]);
      g_assert_cmpuint (g_strv_length (accels), ==, 0);
    }
  /* The slider itself still takes them: nothing of Gaze's sits above it. */
  GtkWidget *scale = inspector_child ("opacity_scale");
  g_assert_false (gtk_widget_is_ancestor (scale, gaze_window_get_photo_view (window)));
  g_assert_false (gtk_widget_is_ancestor (scale, gaze_window_get_word_strip (window)));
}

/* Typing a beam width and pressing Tab (issue 11 §3): no critical (the suite
 * runs with G_DEBUG=fatal-criticals), no spinning, and the width is used;
 * and a width typed is applied when the focus leaves the field. */
static void
test_beam_typed (void)
{
  if (!captioned_photo ())
    return;
  GtkWidget *spin = inspector_child ("beam_width_spin");
  gtk_widget_grab_focus (spin);
  settle ();
  gtk_editable_set_text (GTK_EDITABLE (spin), "5");
  /* What the Tab key does. */
  g_signal_emit_by_name (window, "move-focus", GTK_DIR_TAB_FORWARD);
  gint64 start = g_get_monotonic_time ();
  wait_for (has_caption, "the caption at beam width 5");
  run_for (300);
  g_assert_cmpint (g_settings_get_int (gaze_window_get_settings (window), "beam-width"), ==, 5);
  g_assert_nonnull (gaze_captioner_lookup (captioner, gaze_window_get_photo (window), 5));
  g_assert_true (gaze_window_get_caption (window)
                 == gaze_captioner_lookup (captioner, gaze_window_get_photo (window), 5));
  g_test_message ("typed width applied in %.0f ms", (g_get_monotonic_time () - start) / 1e3);

  /* Typed, then the focus goes elsewhere (a click on the photo). */
  gtk_widget_grab_focus (spin);
  settle ();
  gtk_editable_set_text (GTK_EDITABLE (spin), "2");
  gtk_widget_grab_focus (gaze_window_get_photo_view (window));
  wait_for (has_caption, "the caption at beam width 2");
  g_assert_cmpint (g_settings_get_int (gaze_window_get_settings (window), "beam-width"), ==, 2);
  gaze_window_set_beam_width (window, 3);
  wait_for (has_caption, "the caption at beam width 3");
}

/* 800 × 600: the side panes fold away, the photo keeps the room, the window
 * can be narrower still, and the caption stays one line that scrolls. */
static void
test_narrow (void)
{
  if (!captioned_photo ())
    return;
  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  gboolean late = FALSE;
  guint timer = g_timeout_add (WAIT_MS, timed_out, &late);
  while (!gaze_window_is_folded (window) && !late)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (late);
  g_source_remove (timer);
  settle ();
  run_for (400); /* the flaps' animation */
  GtkWidget *view = gaze_window_get_photo_view (window);
  GtkWidget *strip = gaze_window_get_word_strip (window);
  g_test_message ("800×600: photo view %d×%d, word strip %d high", gtk_widget_get_width (view),
                  gtk_widget_get_height (view), gtk_widget_get_height (strip));
  /* The photo keeps the room: nearly the whole width (Xvfb, with no window
   * manager, keeps the window at the width it had when the panes folded). */
  g_assert_cmpint (gtk_widget_get_width (view), >=, gtk_widget_get_width (GTK_WIDGET (window)) * 85 / 100);
  g_assert_cmpint (gtk_widget_get_height (view), >=, 300);
  g_assert_cmpint (gtk_widget_get_height (strip), <=, 80);
  save_screenshot ("screenshot-800x600.png");
  /* Folded, the window can be narrower still. */
  int min_width;
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL,
                      NULL);
  g_assert_cmpint (min_width, <=, 600);
  /* Wide again: the panes come back. */
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 860);
  timer = g_timeout_add (WAIT_MS, timed_out, &late);
  while (gaze_window_is_folded (window) && !late)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (late);
  g_source_remove (timer);
  settle ();
}

/* Models are named from their metadata, and chosen in the header bar. */
static void
test_model_names (void)
{
  /* Listed afresh: the copy made by /window/caption is gone. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "reload-model", NULL);
  wait_for (model_settled, "the models to be listed");
  wait_for (names_read, "the models' names");
  GListModel *models = gaze_captioner_get_models (captioner);
  gboolean named = FALSE;
  for (guint i = 0; i < g_list_model_get_n_items (models); i++)
    {
      g_autoptr (GazeModelInfo) info = g_list_model_get_item (models, i);
      g_autofree char *base = g_path_get_basename (gaze_model_info_get_path (info));
      if (g_strcmp0 (base, GAZE_DEFAULT_MODEL) == 0)
        {
          g_assert_cmpstr (gaze_model_info_get_name (info), ==, "MobileNetV2 · soft attention");
          named = TRUE;
        }
    }
  if (!named)
    {
      g_test_skip ("the default model is not installed");
      return;
    }
  GtkWidget *chooser = GTK_WIDGET (window_child ("model_dropdown"));
  g_assert_nonnull (gtk_widget_get_ancestor (chooser, ADW_TYPE_HEADER_BAR));
}

/* Beam rows in plain words, the numbers in the tooltip; top-5 bars all one
 * colour; Colours insensitive in spotlight. */
static void
test_inspector_words (void)
{
  if (!captioned_photo ())
    return;
  GtkWidget *beams = inspector_child ("beam_list");
  int rows = 0;
  for (GtkWidget *row = gtk_widget_get_first_child (beams); row != NULL;
       row = gtk_widget_get_next_sibling (row), rows++)
    {
      const char *subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
      g_assert_null (strstr (subtitle, "Score"));
      g_assert_null (strstr (subtitle, "log p"));
      g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (row), "log p"));
    }
  g_assert_cmpint (rows, ==, gaze_window_get_caption (window)->n_beams);

  int bars = 0;
  GtkWidget *list = inspector_child ("alternatives_list");
  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *bar = gtk_widget_get_last_child (row);
      while (bar != NULL && !GTK_IS_LEVEL_BAR (bar))
        {
          GtkWidget *next = gtk_widget_get_first_child (bar);
          while (next != NULL && !GTK_IS_LEVEL_BAR (next) && gtk_widget_get_next_sibling (next))
            next = gtk_widget_get_next_sibling (next);
          bar = next;
        }
      if (bar == NULL)
        continue;
      double value;
      g_assert_false (gtk_level_bar_get_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH, &value));
      g_assert_false (gtk_level_bar_get_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW, &value));
      bars++;
    }
  g_assert_cmpint (bars, ==, GAZE_TOP_K);

  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  style.mode = GAZE_OVERLAY_SPOTLIGHT;
  gaze_window_set_style (window, &style);
  g_assert_false (gtk_widget_get_sensitive (inspector_child ("colormap_row")));
  style.mode = GAZE_OVERLAY_COLORMAP;
  gaze_window_set_style (window, &style);
  g_assert_true (gtk_widget_get_sensitive (inspector_child ("colormap_row")));
}

/* Toasts over the photo, never over the word strip. */
static void
test_toasts_clear_of_strip (void)
{
  GtkWidget *toasts = GTK_WIDGET (window_child ("toasts"));
  g_assert_true (gtk_widget_is_ancestor (gaze_window_get_photo_view (window), toasts));
  g_assert_false (gtk_widget_is_ancestor (gaze_window_get_word_strip (window), toasts));
}

/* Whether Recent Photos (the Open button's menu) offers path. */
static gboolean
recent_offers (const char *path)
{
  settle ();
  g_autoptr (GFile) file = g_file_new_for_path (path); /* canonical, as the window's */
  g_autofree char *uri = g_file_get_uri (file);
  GMenuModel *recent = G_MENU_MODEL (window_child ("recent_section"));
  for (int i = 0; i < g_menu_model_get_n_items (recent); i++)
    {
      g_autoptr (GVariant) target
          = g_menu_model_get_item_attribute_value (recent, i, G_MENU_ATTRIBUTE_TARGET, NULL);
      if (target != NULL && g_strcmp0 (g_variant_get_string (target, NULL), uri) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean recent_changed;

static void
note_recent_changed (void)
{
  recent_changed = TRUE;
}

static gboolean
has_recent_changed (void)
{
  return recent_changed;
}

/* Waits for the recent-files list to be written and read back. */
static void
wait_recent (void)
{
  recent_changed = FALSE;
  gulong id = g_signal_connect (gtk_recent_manager_get_default (), "changed",
                                G_CALLBACK (note_recent_changed), NULL);
  wait_for (has_recent_changed, "the recent files");
  g_signal_handler_disconnect (gtk_recent_manager_get_default (), id);
  settle ();
}

/* Recent Photos: what opened, not what failed, not Gaze's own exports.
 * Export is insensitive with no photo, and the Saved toast can open the file. */
static void
test_recent_and_export (void)
{
  if (!captioned_photo ())
    return;
  g_autofree char *good = photo_path (PHOTO);
  g_assert_true (recent_offers (good));

  /* A photo that looks fine to the file chooser but does not open. */
  g_autofree char *bad = g_build_filename (tmp_dir, "looks-fine.jpg", NULL);
  g_assert_true (g_file_set_contents (bad, "not a JPEG", -1, NULL));
  g_autofree char *bad_uri = g_filename_to_uri (bad, NULL, NULL);
  gtk_recent_manager_add_item (gtk_recent_manager_get_default (), bad_uri);
  wait_recent ();
  open_path (bad);
  wait_recent ();
  g_assert_false (recent_offers (bad));

  g_autofree char *export = g_build_filename (tmp_dir, "gaze-export.png", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (export);
  gaze_window_export_and_tell (window, GAZE_EXPORT_WORD, file, 400);
  g_assert_true (g_file_test (export, G_FILE_TEST_IS_REGULAR));
  AdwToast *toast = gaze_window_get_last_toast (window);
  g_assert_nonnull (toast);
  g_assert_cmpstr (adw_toast_get_action_name (toast), ==, "win.open-export");
  g_assert_nonnull (adw_toast_get_button_label (toast));
  g_autofree char *export_uri = g_filename_to_uri (export, NULL, NULL);
  g_assert_cmpstr (g_variant_get_string (adw_toast_get_action_target_value (toast), NULL), ==,
                   export_uri);
  wait_recent ();
  g_assert_false (recent_offers (export));
  g_assert_true (recent_offers (good));

  GtkWidget *export_button = GTK_WIDGET (window_child ("export_button"));
  g_assert_true (gtk_widget_get_sensitive (export_button));
  while (gaze_window_get_photo (window) != NULL)
    activate ("close-photo", NULL);
  g_assert_false (gtk_widget_get_sensitive (export_button));
}

/* The primary menu leaves Quit out (GNOME HIG); Ctrl+Q still quits. */
static void
test_menu_without_quit (void)
{
  GMenuModel *menu = G_MENU_MODEL (window_child ("primary_menu"));
  int actions = 0;
  for (int s = 0; s < g_menu_model_get_n_items (menu); s++)
    {
      g_autoptr (GMenuModel) section = g_menu_model_get_item_link (menu, s, G_MENU_LINK_SECTION);
      for (int i = 0; section != NULL && i < g_menu_model_get_n_items (section); i++)
        {
          g_autofree char *action = NULL;
          g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_ACTION, "s", &action);
          g_assert_cmpstr (action, !=, "app.quit");
          actions++;
        }
    }
  g_assert_cmpint (actions, >=, 5);
}

/* A setting survives the window: spotlight, viridis, beam 5 and the opacity
 * are there when a new window opens (GSettings' memory backend here). */
static void
test_settings_survive (void)
{
  GazeOverlayStyle style = { .mode = GAZE_OVERLAY_SPOTLIGHT, .colormap = GAZE_COLORMAP_VIRIDIS,
                             .opacity = 0.85, .show_grid = FALSE };
  gaze_window_set_style (window, &style);
  gaze_window_set_beam_width (window, 5);
  settle ();
  gtk_window_close (GTK_WINDOW (window));
  settle ();
  window = gaze_window_new (GTK_APPLICATION (app), captioner);
  gtk_window_present (GTK_WINDOW (window));
  settle ();
  GazeOverlayStyle shown;
  gaze_photo_view_get_style (GAZE_PHOTO_VIEW (gaze_window_get_photo_view (window)), &shown);
  g_assert_cmpint (shown.mode, ==, GAZE_OVERLAY_SPOTLIGHT);
  g_assert_cmpint (shown.colormap, ==, GAZE_COLORMAP_VIRIDIS);
  g_assert_cmpfloat_with_epsilon (shown.opacity, 0.85, 1e-9);
  AdwComboRow *mode = ADW_COMBO_ROW (inspector_child ("mode_row"));
  g_autoptr (AdwEnumListItem) item
      = g_list_model_get_item (adw_combo_row_get_model (mode), adw_combo_row_get_selected (mode));
  g_assert_cmpstr (adw_enum_list_item_get_nick (item), ==, "spotlight");
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (inspector_child ("beam_width_spin"))),
                     ==, 5);
  /* The chosen model is remembered by its file name, for the next start. */
  const char *chosen = gaze_captioner_get_model_path (captioner);
  g_autofree char *remembered = g_settings_get_string (gaze_window_get_settings (window), "model");
  g_autofree char *base = chosen != NULL ? g_path_get_basename (chosen) : g_strdup ("");
  g_assert_cmpstr (remembered, ==, base);
  /* The captioner outlives the old window: listing the models again must
   * reach only the new one. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "reload-model", NULL);
  wait_for (model_settled, "the models to be listed");
  wait_for (names_read, "the models' names");
  /* Back to the defaults for what follows. */
  GazeOverlayStyle defaults = GAZE_OVERLAY_STYLE_INIT;
  gaze_window_set_style (window, &defaults);
  gaze_window_set_beam_width (window, 3);
}

/* Closing the window while a photo loads or is captioned: the work ends
 * quietly (any warning would fail the test). Runs last: the window goes. */
static void
test_close_while_working (void)
{
  g_autofree char *path = photo_path ("1087539207_9f77ab3aaf.jpg");
  g_autoptr (GFile) file = g_file_new_for_path (path);
  gaze_window_open_files (window, &file, 1);
  g_assert_true (gaze_window_is_busy (window));
  gtk_window_destroy (GTK_WINDOW (window));
  window = NULL;
  /* Let the worker threads finish and their callbacks run. */
  gboolean done = FALSE;
  g_timeout_add (WAIT_MS / 30, timed_out, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* ── Korean ──────────────────────────────────────────────────────────────── */

static void
test_korean (void)
{
  const char *language = g_getenv ("LANGUAGE");
  if (language == NULL || !g_str_has_prefix (language, "ko"))
    {
      g_test_skip ("run with LANGUAGE=ko (the window-ko test does)");
      return;
    }
  AdwStatusPage *empty = ADW_STATUS_PAGE (
      gtk_widget_get_template_child (GTK_WIDGET (window), GAZE_TYPE_WINDOW, "empty_page"));
  g_assert_cmpstr (adw_status_page_get_title (empty), ==, "사진 열기");
  AdwPreferencesRow *beta = ADW_PREFERENCES_ROW (gtk_widget_get_template_child (
      gaze_window_get_inspector (window), GAZE_TYPE_INSPECTOR, "beta_row"));
  g_assert_cmpstr (adw_preferences_row_get_title (beta), ==, "게이트 β");
  /* Messages made in C, too. */
  load_model (NULL);
  g_assert_true (g_utf8_validate (gaze_window_get_banner (window), -1, NULL));
  g_assert_nonnull (strstr (gaze_window_get_banner (window), "모델"));
  save_screenshot ("screenshot-ko.png");
}

/* ── Set-up ──────────────────────────────────────────────────────────────── */

int
main (int argc, char **argv)
{
  if (!window_util_has_display ())
    return 77; /* skipped */
  tmp_dir = window_util_scratch ("gaze-window-XXXXXX");
  g_test_init (&argc, &argv, NULL);
  app = window_util_start ();
  window = GAZE_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  captioner = gaze_application_get_captioner (app);

  /* In this order: each builds on the window the one before left. */
  g_test_add_func ("/window/korean", test_korean);
  g_test_add_func ("/window/keys", test_keys);
  g_test_add_func ("/window/no-model", test_no_model);
  g_test_add_func ("/window/labels", test_labels);
  g_test_add_func ("/window/paste", test_paste);
  g_test_add_func ("/window/corrupt-model", test_corrupt_model);
  g_test_add_func ("/window/bad-photo", test_bad_photo);
  g_test_add_func ("/window/caption", test_caption);
  g_test_add_func ("/window/encoder-errors", test_encoder_errors);
  g_test_add_func ("/window/keys-scoped", test_keys_scoped);
  g_test_add_func ("/window/beam-typed", test_beam_typed);
  g_test_add_func ("/window/narrow", test_narrow);
  g_test_add_func ("/window/model-names", test_model_names);
  g_test_add_func ("/window/inspector-words", test_inspector_words);
  g_test_add_func ("/window/toasts-clear-of-strip", test_toasts_clear_of_strip);
  g_test_add_func ("/window/recent-and-export", test_recent_and_export);
  g_test_add_func ("/window/menu-without-quit", test_menu_without_quit);
  g_test_add_func ("/window/settings-survive", test_settings_survive);
  g_test_add_func ("/window/close-while-working", test_close_while_working);
  int status = g_test_run ();
  return window_util_finish (app, GTK_WINDOW (window), tmp_dir, status);
}
