/* gaze-cursor.h — what the window points at: a photo, its caption, one of
 * the caption's beams and one word of it.
 *
 * The selection lives here once.  GazePhotoView, GazeWordStrip and
 * GazeInspector each take the cursor as their "cursor" property and follow
 * its notifications; the window's actions move it.  The caption is the
 * photo's (cached in it, never replaced), so the cursor keeps the photo. */
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

/* For a widget that follows a cursor: keeps cursor in *slot, points signals
 * (a GSignalGroup for GAZE_TYPE_CURSOR) at it, and says whether it changed. */
gboolean gaze_cursor_follow (GazeCursor **slot, GSignalGroup *signals, GazeCursor *cursor);

G_END_DECLS
