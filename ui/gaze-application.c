/* gaze-application.c — the GtkApplication: windows, the captioner, accelerators. */
#include "config.h"

#include "gaze-application.h"
#include "gaze-paths.h"
#include "gaze-settings.h"
#include "gaze-window.h"

#include <glib/gi18n.h>

struct _GazeApplication {
  AdwApplication parent_instance;

  GazeCaptioner *captioner;
  GSettings *settings;
};

G_DEFINE_FINAL_TYPE (GazeApplication, gaze_application, ADW_TYPE_APPLICATION)

/* Every application-wide keyboard accelerator, in one place.  The word keys
 * (Left, Right, Home, End) are not here: they belong to the photo view and the
 * word strip. */
static const struct {
  const char *action;
  const char *accels[3];
} accelerators[] = {
  { "app.quit", { "<Control>q", NULL } },
  { "win.open", { "<Control>o", NULL } },
  { "win.paste", { "<Control>v", NULL } },
  { "win.close-photo", { "<Control>w", NULL } },
  { "win.export-png", { "<Control>s", NULL } },
  { "win.export-storyboard", { "<Control>e", NULL } },
  { "win.play", { "F5", NULL } },
  { "win.show-grid", { "<Control>g", NULL } },
  { "win.compare", { "<Control>k", NULL } },
  { "win.show-help-overlay", { "<Control>question", NULL } },
};

GazeCaptioner *
gaze_application_get_captioner (GazeApplication *self)
{
  g_return_val_if_fail (GAZE_IS_APPLICATION (self), NULL);
  return self->captioner;
}

/* ── The model ───────────────────────────────────────────────────────────── */

/* $GAZE_MODEL, else the model chosen last time when it is still installed,
 * else the default. */
static char *
model_to_load (GazeApplication *self)
{
  if (g_getenv ("GAZE_MODEL") != NULL && *g_getenv ("GAZE_MODEL") != '\0')
    return gaze_paths_default_model ();
  g_autofree char *chosen = g_settings_get_string (self->settings, "model");
  g_auto (GStrv) models = gaze_paths_list_models ();
  for (char **m = models; *chosen != '\0' && *m != NULL; m++)
    {
      g_autofree char *base = g_path_get_basename (*m);
      if (g_strcmp0 (base, chosen) == 0)
        return g_strdup (*m);
    }
  return gaze_paths_default_model ();
}

/* The choice is remembered by file name, which survives reinstalling. */
static void
remember_model (GazeApplication *self)
{
  const char *path = gaze_captioner_get_model_path (self->captioner);
  g_autofree char *base = path != NULL ? g_path_get_basename (path) : g_strdup ("");
  g_settings_set_string (self->settings, "model", base);
}

/* ── Actions ─────────────────────────────────────────────────────────────── */

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Gaze developers", NULL };
  g_autofree char *blas = gaze_blas_describe (); /* the kernels in use, for bug reports */
  GtkWidget *about = g_object_new (
      ADW_TYPE_ABOUT_WINDOW, "transient-for", gtk_application_get_active_window (app),
      "application-name", _("Gaze"), "application-icon", APP_ID, "version", PACKAGE_VERSION,
      "developer-name", _("The Gaze developers"), "developers", developers,
      "license-type", GTK_LICENSE_APACHE_2_0, "website", "https://github.com/gaze/gaze",
      "comments",
      _("Writes a caption for a photo and shows, word by word, where in the photo the model "
        "looked. An implementation of “Show, Attend and Tell” (Xu et al., 2015)."),
      "translator-credits", _("translator-credits"), "debug-info", blas, NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
reload_model_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  gaze_captioner_reload (GAZE_APPLICATION (user_data)->captioner);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "reload-model", reload_model_activated, NULL, NULL, NULL, { 0 } },
};

/* ── GApplication ────────────────────────────────────────────────────────── */

static GazeWindow *
ensure_window (GazeApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    window = GTK_WINDOW (gaze_window_new (GTK_APPLICATION (self), self->captioner));
  gtk_window_present (window);
  return GAZE_WINDOW (window);
}

static void
gaze_application_startup (GApplication *application)
{
  GazeApplication *self = GAZE_APPLICATION (application);
  G_APPLICATION_CLASS (gaze_application_parent_class)->startup (application);
  /* The recent-files list records who opened a file and how to run it. */
  g_set_application_name (_("Gaze"));
  if (g_get_prgname () == NULL)
    g_set_prgname ("gaze");

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  for (gsize i = 0; i < G_N_ELEMENTS (accelerators); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accelerators[i].action,
                                           accelerators[i].accels);

  /* The model loads once, in the background, while the window opens. */
  self->settings = gaze_settings_new ();
  self->captioner = gaze_captioner_new ();
  g_autofree char *model = model_to_load (self);
  gaze_captioner_load_model (self->captioner, model);
  g_signal_connect_object (self->captioner, "notify::selected", G_CALLBACK (remember_model), self,
                           G_CONNECT_SWAPPED);
}

static void
gaze_application_activate (GApplication *application)
{
  ensure_window (GAZE_APPLICATION (application));
}

static void
gaze_application_open (GApplication *application, GFile **files, int n_files, const char *hint)
{
  gaze_window_open_files (ensure_window (GAZE_APPLICATION (application)), files, n_files);
}

static void
gaze_application_shutdown (GApplication *application)
{
  GazeApplication *self = GAZE_APPLICATION (application);
  if (self->captioner != NULL)
    g_object_run_dispose (G_OBJECT (self->captioner));
  G_APPLICATION_CLASS (gaze_application_parent_class)->shutdown (application);
}

static void
gaze_application_finalize (GObject *object)
{
  GazeApplication *self = GAZE_APPLICATION (object);
  g_clear_object (&self->captioner);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (gaze_application_parent_class)->finalize (object);
}

static void
gaze_application_class_init (GazeApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  object_class->finalize = gaze_application_finalize;
  app_class->startup = gaze_application_startup;
  app_class->activate = gaze_application_activate;
  app_class->open = gaze_application_open;
  app_class->shutdown = gaze_application_shutdown;
}

static void
gaze_application_init (GazeApplication *self)
{
}

void
gaze_application_choose_renderer (void)
{
  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  g_autoptr (GDir) dri = g_dir_open ("/dev/dri", 0, NULL);
  const char *name;
  while (dri != NULL && (name = g_dir_read_name (dri)) != NULL)
    if (g_str_has_prefix (name, "renderD"))
      return;
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
}

GazeApplication *
gaze_application_new (void)
{
  return g_object_new (GAZE_TYPE_APPLICATION, "application-id", APP_ID, "flags",
                       G_APPLICATION_HANDLES_OPEN, "resource-base-path", "/io/github/gaze/Gaze",
                       NULL);
}
