/* gaze-inspector.h — the right-hand pane: the word's numbers (peak α, β, p,
 * the top 5), its evidence and how α agrees with it, the overlay's settings
 * and the beams.
 *
 * It shows what its cursor points at, and binds its rows to the window's
 * GSettings ("settings"): the overlay style, colour map, opacity, grid and
 * beam width live there, not here.  A beam row activates win.select-beam. */
#pragma once

#include <adwaita.h>
#include "gaze-cursor.h"

G_BEGIN_DECLS

#define GAZE_TYPE_INSPECTOR (gaze_inspector_get_type ())
G_DECLARE_FINAL_TYPE (GazeInspector, gaze_inspector, GAZE, INSPECTOR, GtkWidget)

GtkWidget *gaze_inspector_new (void);
void gaze_inspector_set_cursor (GazeInspector *inspector, GazeCursor *cursor);
/* Binds the rows to settings (the io.github.gaze.Gaze schema); once. */
void gaze_inspector_bind_settings (GazeInspector *inspector, GSettings *settings);
/* How the peak α of word reads: "0.031 · 1.6 × uniform". */
char *gaze_inspector_format_peak (const GazeWord *word, int n_cells);

/* How α of word agrees with its evidence map, in a phrase ("agrees with its
 * evidence: ρ 0.62, peak α cell in the top 3"). */
char *gaze_inspector_format_agreement (const GazeWord *word, int n_cells);

G_END_DECLS
