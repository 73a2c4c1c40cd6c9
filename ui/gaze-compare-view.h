/* gaze-compare-view.h — a second model's view of the photo shown, beside it.
 *
 * The compare view follows the window's cursor ("cursor"): the same photo,
 * and the word of its own caption nearest the word selected there
 * (gaze_compare_align_word).  It holds its own GazeCaptioner for the second
 * model, chosen from the installed ones with its own drop-down, and its own
 * cursor, which its photo view follows; the overlay style comes from the same
 * GSettings as the window's.  It shows the word's α, β and the agreement of α
 * with the word's evidence. */
#pragma once

#include <gtk/gtk.h>
#include "gaze-captioner.h"
#include "gaze-cursor.h"

G_BEGIN_DECLS

#define GAZE_TYPE_COMPARE_VIEW (gaze_compare_view_get_type ())
G_DECLARE_FINAL_TYPE (GazeCompareView, gaze_compare_view, GAZE, COMPARE_VIEW, GtkWidget)

GtkWidget *gaze_compare_view_new (void);
/* Follows cursor (the window's; NULL: none) while active. */
void gaze_compare_view_set_cursor (GazeCompareView *view, GazeCursor *cursor);
/* Binds the overlay style, beam width and compared model to settings; once. */
void gaze_compare_view_bind_settings (GazeCompareView *view, GSettings *settings);
/* Starts (loading the second model, captioning) or stops following. */
void gaze_compare_view_set_active (GazeCompareView *view, gboolean active);

GazeCaptioner *gaze_compare_view_get_captioner (GazeCompareView *view);
/* The second model's cursor: its caption of the photo and the word aligned. */
GazeCursor *gaze_compare_view_get_cursor (GazeCompareView *view);
/* The second model's name, as its drop-down shows it. */
const char *gaze_compare_view_get_model_name (GazeCompareView *view);

/* The word of b nearest word `word` of a: the same word where b has it (its
 * occurrence nearest in position), otherwise the word at the same relative
 * position.  −1 when b has no words. */
int gaze_compare_align_word (const GazeBeam *a, int word, const GazeBeam *b);

G_END_DECLS
