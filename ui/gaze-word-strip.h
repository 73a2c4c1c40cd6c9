/* gaze-word-strip.h — the caption as a row of word buttons.
 *
 * Each button activates win.select-word with its index; the current word is
 * highlighted. */
#pragma once

#include <gtk/gtk.h>
#include "gaze.h"

G_BEGIN_DECLS

#define GAZE_TYPE_WORD_STRIP (gaze_word_strip_get_type ())
G_DECLARE_FINAL_TYPE (GazeWordStrip, gaze_word_strip, GAZE, WORD_STRIP, GtkWidget)

GtkWidget *gaze_word_strip_new (void);
/* The words of beam (borrowed; NULL: none). */
void gaze_word_strip_set_beam (GazeWordStrip *strip, const GazeBeam *beam);
/* What the strip says while it has no words (NULL: nothing). */
void gaze_word_strip_set_placeholder (GazeWordStrip *strip, const char *text);
/* Highlights word index (−1: none). */
void gaze_word_strip_set_current (GazeWordStrip *strip, int index);

G_END_DECLS
