/* gaze-application.h — the application: one instance, opens photos, and
 * owns the GazeCaptioner that its windows bind to (the model is loaded once,
 * in the background, and shared by the windows).
 *
 * Actions: app.quit  app.about  app.reload-model
 * Every application-wide keyboard accelerator of Gaze is set in
 * gaze-application.c; the word keys are the photo view's and the word
 * strip's own (gaze-window-actions.c). */
#pragma once

#include <adwaita.h>
#include "gaze-captioner.h"

G_BEGIN_DECLS

#define GAZE_TYPE_APPLICATION (gaze_application_get_type ())
G_DECLARE_FINAL_TYPE (GazeApplication, gaze_application, GAZE, APPLICATION, AdwApplication)

GazeApplication *gaze_application_new (void);
/* Picks GTK's Cairo renderer when there is no GPU (no DRM render node), where
 * GL would be Mesa's software rasteriser, many times slower at drawing the
 * window.  GSK_RENDERER, when set, wins.  Call before GTK starts. */
void gaze_application_choose_renderer (void);

/* The mmap threshold (bytes) that the programs showing the window set with
 * mallopt (M_MMAP_THRESHOLD, …): see app/gaze.c. */
#define GAZE_MMAP_THRESHOLD (1 << 20)

/* The models and the captioning work (made at start-up). */
GazeCaptioner *gaze_application_get_captioner (GazeApplication *app);

G_END_DECLS
