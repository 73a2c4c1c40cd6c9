/* gaze-word-strip.h — the caption as one row of word buttons, scrolling
 * sideways when it is wider than the window.
 *
 * It shows the beam its cursor (GazeCursor) points at and highlights the
 * word; each button activates win.select-word with its index. */
#pragma once

#include <gtk/gtk.h>
#include "gaze-cursor.h"

G_BEGIN_DECLS

#define GAZE_TYPE_WORD_STRIP (gaze_word_strip_get_type ())
G_DECLARE_FINAL_TYPE (GazeWordStrip, gaze_word_strip, GAZE, WORD_STRIP, GtkWidget)

GtkWidget *gaze_word_strip_new (void);
void gaze_word_strip_set_cursor (GazeWordStrip *strip, GazeCursor *cursor);
/* What the strip says while it has no words (NULL: nothing). */
void gaze_word_strip_set_placeholder (GazeWordStrip *strip, const char *text);

G_END_DECLS
