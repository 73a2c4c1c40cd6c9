/* gaze-paint-wait.h — run a callback after a frame clock's next paint.
 * Work that would take the cores from the frame showing a change (the
 * photo view's overlays, the window's evidence map) waits for that frame. */
#pragma once

#include <gtk/gtk.h>

typedef struct
{
  GdkFrameClock *clock; /* NULL: not waiting */
  gulong handler;
} GazePaintWait;

/* Calls after_paint (data) after each paint of clock until stopped. */
void gaze_paint_wait_start (GazePaintWait *wait, GdkFrameClock *clock, GCallback after_paint,
                            gpointer data);
/* Idempotent; also safe once the clock's surface is gone. */
void gaze_paint_wait_stop (GazePaintWait *wait);

static inline gboolean
gaze_paint_wait_is_waiting (const GazePaintWait *wait)
{
  return wait->clock != NULL;
}
