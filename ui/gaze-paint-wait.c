/* gaze-paint-wait.c — see gaze-paint-wait.h. */
#include "config.h"

#include "gaze-paint-wait.h"

void
gaze_paint_wait_start (GazePaintWait *wait, GdkFrameClock *clock, GCallback after_paint,
                       gpointer data)
{
  gaze_paint_wait_stop (wait);
  wait->clock = g_object_ref (clock);
  wait->handler = g_signal_connect_swapped (clock, "after-paint", after_paint, data);
}

void
gaze_paint_wait_stop (GazePaintWait *wait)
{
  if (wait->clock == NULL)
    return;
  /* A destroyed surface disposes its frame clock, which drops the handler
   * while the reference here keeps the clock itself. */
  if (g_signal_handler_is_connected (wait->clock, wait->handler))
    g_signal_handler_disconnect (wait->clock, wait->handler);
  wait->handler = 0;
  g_clear_object (&wait->clock);
}
