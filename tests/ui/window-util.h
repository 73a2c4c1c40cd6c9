/* window-util.h — running the main loop in the window tests. */
#pragma once

#include <gtk/gtk.h>
#include "gaze-application.h"
#include "gaze-window.h"

G_BEGIN_DECLS

#define WAIT_MS 90000 /* encoding and beam search on a busy 2-core machine */

typedef gboolean (*Condition) (void);

/* A GSourceFunc that sets the gboolean at flag. */
gboolean timed_out (gpointer flag);
/* Runs the main loop until condition holds; fails the test after WAIT_MS. */
void wait_for (Condition condition, const char *what);
/* A few rounds of the main loop, for layout and drawing to catch up. */
void settle (void);
/* Runs the main loop for ms milliseconds. */
void run_for (int ms);

/* Whether there is a display to run on (else says so: run under xvfb-run). */
gboolean window_util_has_display (void);
/* A scratch folder (from template) for recent files, settings (GSettings'
 * memory backend) and outputs; points GAZE_ENCODER at the shared folder's
 * default encoder and binds the translations built in po/. */
char *window_util_scratch (const char *template);
/* The application, registered (not unique) and activated: one window. */
GazeApplication *window_util_start (void);

/* Closes window (if any), lets the work end, drops app and the scratch
 * folder (freed); returns status. */
int window_util_finish (GazeApplication *app, GtkWindow *window, char *scratch, int status);
/* Whether the application's captioner is done loading a model (started by
 * window_util_start). */
gboolean window_util_model_settled (void);
/* Activates the window's action name, which must be enabled. */
void window_util_activate (GtkWidget *window, const char *name, GVariant *parameter);
/* A template child of the window's inspector, by its id. */
GtkWidget *window_util_inspector_child (GazeWindow *window, const char *name);
/* The default model, or NULL with the test marked skipped (none installed). */
char *window_util_model_or_skip (void);

/* window as pixels, from its own snapshot, into $GAZE_TEST_OUTDIR (else
 * fallback_dir) as name, once it is mapped and has drawn a fresh frame. */
void window_util_screenshot (GtkWindow *window, const char *fallback_dir, const char *name);

G_END_DECLS
