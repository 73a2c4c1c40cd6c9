/* gaze-application.h — the application: one instance, opens photos, owns the
 * caption model (loaded once in the background and shared by the windows).
 *
 * Actions: app.quit  app.about  app.reload-model  app.model(s)
 * Every keyboard accelerator of Gaze is set in gaze-application.c. */
#pragma once

#include <adwaita.h>
#include "gaze-job.h"

G_BEGIN_DECLS

#define GAZE_TYPE_APPLICATION (gaze_application_get_type ())
G_DECLARE_FINAL_TYPE (GazeApplication, gaze_application, GAZE, APPLICATION, AdwApplication)

GazeApplication *gaze_application_new (void);
/* Picks GTK's Cairo renderer when there is no GPU (no DRM render node), where
 * GL would be Mesa's software rasteriser, many times slower at drawing the
 * window.  GSK_RENDERER, when set, wins.  Call before GTK starts. */
void gaze_application_choose_renderer (void);

/* The loaded model and encoder, or NULL while loading or after a failure. */
GazeRuntime *gaze_application_get_runtime (GazeApplication *app);
/* Why there is no runtime (NULL while loading or when loaded).  When nothing
 * is installed, G_IO_ERROR_NOT_FOUND with a message saying what to do. */
const GError *gaze_application_get_runtime_error (GazeApplication *app);
gboolean gaze_application_is_loading (GazeApplication *app);
/* The installed models (gaze_paths_list_models) and the one chosen. */
const char *const *gaze_application_get_models (GazeApplication *app);
const char *gaze_application_get_model_path (GazeApplication *app);
/* Loads another model in the background; "runtime" is notified when done. */
void gaze_application_load_model (GazeApplication *app, const char *model_path);

G_END_DECLS
