/* window-util.c — running the main loop in the window tests. */
#include "config.h"

#include "window-util.h"
#include "gaze-paths.h"
#include "gaze-inspector.h"
#include "gaze-window.h"
#include "test-util.h"

#include <locale.h>
#include <glib/gi18n.h>

gboolean
timed_out (gpointer flag)
{
  *(gboolean *) flag = TRUE;
  return G_SOURCE_REMOVE;
}

void
wait_for (Condition condition, const char *what)
{
  gboolean late = FALSE;
  guint timer = g_timeout_add (WAIT_MS, timed_out, &late);
  while (!condition () && !late)
    g_main_context_iteration (NULL, TRUE);
  if (late)
    g_error ("timed out waiting for %s", what);
  g_source_remove (timer);
}

void
settle (void)
{
  for (int i = 0; i < 20; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

void
run_for (int ms)
{
  gboolean done = FALSE;
  g_timeout_add (ms, timed_out, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

gboolean
window_util_has_display (void)
{
  if (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL)
    return TRUE;
  g_printerr ("no display: run under xvfb-run (as .ci/test does)\n");
  return FALSE;
}

char *
window_util_scratch (const char *template)
{
  /* Without a session bus GTK's accessibility warns, and g_test makes
   * warnings fatal: then leave accessibility out. */
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("GTK_A11Y", "none", TRUE);
  char *dir = g_dir_make_tmp (template, NULL);
  g_assert_nonnull (dir);
  /* Recent files and settings go to the scratch folder, not the user's. */
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* The default encoder, from the read-only models. */
  g_autofree char *encoder = g_build_filename (g_getenv ("GAZE_SHARED_DIR"), "models",
                                               GAZE_DEFAULT_ENCODER ".tflite", NULL);
  g_setenv ("GAZE_ENCODER", encoder, TRUE);

  setlocale (LC_ALL, "");
  const char *locales = g_getenv ("GAZE_TEST_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, locales != NULL ? locales : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  return dir;
}

static GazeApplication *started;

gboolean
window_util_model_settled (void)
{
  return gaze_captioner_get_state (gaze_application_get_captioner (started))
         != GAZE_CAPTIONER_LOADING;
}

GazeApplication *
window_util_start (void)
{
  gaze_application_choose_renderer ();
  GazeApplication *app = gaze_application_new ();
  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_application_activate (G_APPLICATION (app));
  g_assert_nonnull (gtk_application_get_active_window (GTK_APPLICATION (app)));
  started = app;
  wait_for (window_util_model_settled, "the start-up model");
  return app;
}

char *
window_util_model_or_skip (void)
{
  char *model = gaze_paths_default_model ();
  if (model == NULL)
    g_test_skip ("no trained model (*.gzm) is installed or in resources/models");
  return model;
}

void
window_util_activate (GtkWidget *window, const char *name, GVariant *parameter)
{
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (window), name));
  g_action_group_activate_action (G_ACTION_GROUP (window), name, parameter);
}

GtkWidget *
window_util_inspector_child (GazeWindow *window, const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (gaze_window_get_inspector (window),
                                                    GAZE_TYPE_INSPECTOR, name));
}

static GazeWindow *finishing;

static gboolean
window_quiet (void)
{
  return !gaze_window_is_busy (finishing) && !gaze_window_is_questioning (finishing);
}

int
window_util_finish (GazeApplication *app, GtkWindow *window, char *scratch, int status)
{
  /* Nothing of the window's left running in a worker as the process ends. */
  if (GAZE_IS_WINDOW (window))
    {
      finishing = GAZE_WINDOW (window);
      wait_for (window_quiet, "the window's work to end");
    }
  if (window != NULL)
    gtk_window_destroy (window);
  settle ();
  g_object_unref (app);
  test_util_remove_tree (scratch);
  g_free (scratch);
  return status;
}

static gboolean painted;

static void
after_paint (GdkFrameClock *clock, gpointer data)
{
  painted = TRUE;
}

static gboolean
has_painted (void)
{
  return painted;
}

static GtkWindow *shot_window;

static gboolean
is_drawn (void)
{
  return gtk_widget_get_mapped (GTK_WIDGET (shot_window))
         && gtk_widget_get_width (GTK_WIDGET (shot_window)) > 0;
}

void
window_util_screenshot (GtkWindow *window, const char *fallback_dir, const char *name)
{
  shot_window = window;
  wait_for (is_drawn, "the window to be mapped");
  /* Let CSS transitions (a highlighted word button, 200 ms) finish. */
  run_for (300);
  /* A fresh frame, so that what is saved is what is on screen. */
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), NULL);
  painted = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (window));
  wait_for (has_painted, "the window to be drawn");
  g_signal_handler_disconnect (clock, handler);
  GtkWidget *widget = GTK_WIDGET (window);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  g_autoptr (GdkTexture) texture
      = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  const char *dir = g_getenv ("GAZE_TEST_OUTDIR");
  g_autofree char *path = g_build_filename (dir != NULL ? dir : fallback_dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}
