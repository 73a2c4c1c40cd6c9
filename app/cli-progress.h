/* cli-progress.h — a terminal progress bar for long work (feature caching,
 * training, evaluation).
 *
 *   label [#####.....]  45% 1234/5000  <detail>  ETA 1m23s
 *
 * On a terminal the line is redrawn in place (with \r) at most about ten
 * times a second; when stderr is not a terminal (a log file, CI) a plain line
 * is printed about every ten seconds instead, so logs stay readable. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GazeCliProgress GazeCliProgress;

/* total <= 0 means unknown: no bar, percentage or ETA, only the count. */
GazeCliProgress *gaze_cli_progress_new (const char *label, gint64 total);
/* Records that done of total units are finished; detail (may be NULL) is shown
 * after the count, e.g. "loss 3.21  812 tok/s". Redraws when due. */
void gaze_cli_progress_update (GazeCliProgress *p, gint64 done, const char *detail);
/* Prints the final line with the elapsed time and a newline, then frees p. */
void gaze_cli_progress_finish (GazeCliProgress *p);
/* A GazeProgressFunc adapter: progress is a GazeCliProgress.  Never cancels. */
gboolean gaze_cli_progress_func (gint64 done, gint64 total, gpointer progress);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeCliProgress, gaze_cli_progress_finish)

G_END_DECLS
