/* gaze-application.c — the GtkApplication: windows, the model, accelerators. */
#include "config.h"

#include "gaze-application.h"
#include "gaze-paths.h"
#include "gaze-window.h"

#include <glib/gi18n.h>

struct _GazeApplication {
  AdwApplication parent_instance;

  char **models;
  char *model_path;
  GazeRuntime *runtime;
  GError *runtime_error;
  gboolean loading;
  GCancellable *loading_cancel;
};

G_DEFINE_FINAL_TYPE (GazeApplication, gaze_application, ADW_TYPE_APPLICATION)

enum { PROP_0, PROP_RUNTIME, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* Every keyboard accelerator of the application, in one place. */
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
  { "win.prev-word", { "Left", NULL } },
  { "win.next-word", { "Right", NULL } },
  { "win.first-word", { "Home", NULL } },
  { "win.last-word", { "End", NULL } },
  { "win.play", { "F5", NULL } },
  { "win.show-grid", { "<Control>g", NULL } },
  { "win.show-help-overlay", { "<Control>question", NULL } },
};

/* ── The model ───────────────────────────────────────────────────────────── */

static void
set_runtime (GazeApplication *self, GazeRuntime *runtime, GError *error)
{
  g_clear_pointer (&self->runtime, gaze_runtime_unref);
  g_clear_error (&self->runtime_error);
  self->runtime = runtime;
  self->runtime_error = error;
  self->loading = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNTIME]);
}

static void
runtime_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GazeApplication) self = user_data;
  GError *error = NULL;
  GazeRuntime *runtime = gaze_runtime_load_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Another model was chosen meanwhile; its load reports. */
      g_error_free (error);
      return;
    }
  set_runtime (self, runtime, error);
}

void
gaze_application_load_model (GazeApplication *self, const char *model_path)
{
  if (self->loading_cancel != NULL)
    g_cancellable_cancel (self->loading_cancel);
  g_clear_object (&self->loading_cancel);
  g_free (self->model_path);
  self->model_path = g_strdup (model_path);
  if (model_path == NULL)
    {
      g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "gaze", "models", NULL);
      set_runtime (self, NULL,
                   g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                _("No caption model is installed, so photos open without "
                                  "captions. Install Gaze with its models (“meson install”) "
                                  "or put a .gzm model in %s."),
                                folder));
      return;
    }
  g_clear_pointer (&self->runtime, gaze_runtime_unref);
  g_clear_error (&self->runtime_error);
  self->loading = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNTIME]);
  self->loading_cancel = g_cancellable_new ();
  gaze_runtime_load_async (model_path, self->loading_cancel, runtime_loaded, g_object_ref (self));
}

GazeRuntime *
gaze_application_get_runtime (GazeApplication *self)
{
  return self->runtime;
}

const GError *
gaze_application_get_runtime_error (GazeApplication *self)
{
  return self->runtime_error;
}

gboolean
gaze_application_is_loading (GazeApplication *self)
{
  return self->loading;
}

const char *const *
gaze_application_get_models (GazeApplication *self)
{
  return (const char *const *) self->models;
}

const char *
gaze_application_get_model_path (GazeApplication *self)
{
  return self->model_path;
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

/* The installed models, with chosen (say, from $GAZE_MODEL) first when it
 * lives elsewhere. */
static void
list_models (GazeApplication *self, const char *chosen)
{
  g_strfreev (self->models);
  self->models = gaze_paths_list_models ();
  if (chosen != NULL && !g_strv_contains ((const char *const *) self->models, chosen))
    {
      GStrvBuilder *builder = g_strv_builder_new ();
      g_strv_builder_add (builder, chosen);
      g_strv_builder_addv (builder, (const char **) self->models);
      g_strfreev (self->models);
      self->models = g_strv_builder_end (builder);
      g_strv_builder_unref (builder);
    }
}

static void
reload_model_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GazeApplication *self = user_data;
  g_autofree char *path = self->model_path != NULL ? g_strdup (self->model_path)
                                                   : gaze_paths_default_model ();
  list_models (self, path);
  gaze_application_load_model (self, path);
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
    window = GTK_WINDOW (gaze_window_new (GTK_APPLICATION (self)));
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
  g_autofree char *model = gaze_paths_default_model ();
  list_models (self, model);
  gaze_application_load_model (self, model);
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
  if (self->loading_cancel != NULL)
    g_cancellable_cancel (self->loading_cancel);
  G_APPLICATION_CLASS (gaze_application_parent_class)->shutdown (application);
}

static void
gaze_application_finalize (GObject *object)
{
  GazeApplication *self = GAZE_APPLICATION (object);
  g_strfreev (self->models);
  g_free (self->model_path);
  g_clear_pointer (&self->runtime, gaze_runtime_unref);
  g_clear_error (&self->runtime_error);
  g_clear_object (&self->loading_cancel);
  G_OBJECT_CLASS (gaze_application_parent_class)->finalize (object);
}

static void
gaze_application_get_property (GObject *object, guint prop_id, GValue *value,
                               GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_RUNTIME:
      g_value_set_pointer (value, GAZE_APPLICATION (object)->runtime);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gaze_application_class_init (GazeApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  object_class->finalize = gaze_application_finalize;
  object_class->get_property = gaze_application_get_property;
  app_class->startup = gaze_application_startup;
  app_class->activate = gaze_application_activate;
  app_class->open = gaze_application_open;
  app_class->shutdown = gaze_application_shutdown;

  /* Notified whenever the model's state changes: loading, loaded or failed. */
  properties[PROP_RUNTIME] = g_param_spec_pointer ("runtime", NULL, NULL,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
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
