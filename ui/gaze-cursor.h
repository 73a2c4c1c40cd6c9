/* gaze-cursor.h — what the window points at: a photo, its caption, one of
 * the caption's beams and one word of it.
 *
 * The selection lives here once.  GazePhotoView, GazeWordStrip and
 * GazeInspector each take the cursor as their "cursor" property and follow
 * its notifications; the window's actions move it.  The caption is the
 * photo's (cached in it, never replaced), so the cursor keeps the photo.
 * Steered captions stack on top of the photo's caption ("steered"). */
#pragma once

#include "gaze-photo.h"

G_BEGIN_DECLS

#define GAZE_TYPE_CURSOR (gaze_cursor_get_type ())
G_DECLARE_FINAL_TYPE (GazeCursor, gaze_cursor, GAZE, CURSOR, GObject)

GazeCursor *gaze_cursor_new (void);

/* Points at photo (NULL: none) with caption (photo's; NULL: none yet), at
 * its first beam and first word.  Nothing is notified when nothing changes. */
void gaze_cursor_set (GazeCursor *cursor, GazePhoto *photo, const GazeCaption *caption);
/* Moves to beam (its first word); out of range is ignored. */
void gaze_cursor_set_beam (GazeCursor *cursor, int beam);
/* Moves to word, clamped to the beam's words. */
void gaze_cursor_set_word (GazeCursor *cursor, int word);

GazePhoto *gaze_cursor_get_photo (GazeCursor *cursor);
const GazeCaption *gaze_cursor_get_caption (GazeCursor *cursor);
int gaze_cursor_get_beam (GazeCursor *cursor);
/* −1 when there are no words. */
int gaze_cursor_get_word (GazeCursor *cursor);
/* The beam and word pointed at, or NULL. */
const GazeBeam *gaze_cursor_get_current_beam (GazeCursor *cursor);
const GazeWord *gaze_cursor_get_current_word (GazeCursor *cursor);
int gaze_cursor_get_n_words (GazeCursor *cursor);

/* Steering.  The caption set by gaze_cursor_set is the photo's original;
 * each steer pushes the caption re-decoded under the attention masks
 * (n_masks × n_cells, 1 keeps a cell: see GazeSteering), which the cursor
 * then shows at its best beam and the same word.  Undo goes back one.
 * The captions are the photo's, as the original is; the masks are copied. */
void gaze_cursor_push_steered (GazeCursor *cursor, const GazeCaption *caption,
                               const float *masks, int n_masks);
/* FALSE when there is nothing to undo. */
gboolean gaze_cursor_undo_steer (GazeCursor *cursor);
gboolean gaze_cursor_is_steered (GazeCursor *cursor);
/* The caption before any steering (the shown one when none). */
const GazeCaption *gaze_cursor_get_original (GazeCursor *cursor);
/* The masks of the caption shown, or NULL when it is not steered. */
const float *gaze_cursor_get_masks (GazeCursor *cursor, int *n_masks);

/* Evidence or occlusion maps were attached to the words of the caption
 * shown: "maps" (a count) is notified, so that what draws them redraws. */
void gaze_cursor_maps_changed (GazeCursor *cursor);
guint gaze_cursor_get_maps (GazeCursor *cursor);

/* For a widget that follows a cursor: keeps cursor in *slot, points signals
 * (a GSignalGroup for GAZE_TYPE_CURSOR) at it, and says whether it changed. */
gboolean gaze_cursor_follow (GazeCursor **slot, GSignalGroup *signals, GazeCursor *cursor);

G_END_DECLS
