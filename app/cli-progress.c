/* cli-progress.c — a terminal progress bar; see cli-progress.h. */
#include "cli-progress.h"

#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define BAR_WIDTH 24
#define TTY_INTERVAL_US (G_USEC_PER_SEC / 10) /* at most ~10 redraws a second */
#define LOG_INTERVAL_US (10 * G_USEC_PER_SEC) /* a plain line every ~10 s */

struct _GazeCliProgress {
  char *label;
  gint64 total;
  gint64 done;
  char *detail;
  gint64 start_us;
  gint64 last_draw_us; /* 0: never drawn */
  gboolean tty;
};

GazeCliProgress *
gaze_cli_progress_new (const char *label, gint64 total)
{
  GazeCliProgress *p = g_new0 (GazeCliProgress, 1);
  p->label = g_strdup (label ? label : "");
  p->total = total;
  p->start_us = g_get_monotonic_time ();
  p->tty = isatty (fileno (stderr));
  return p;
}

/* "4.2s", "42s", "1m23s", "2h05m". */
static void
append_duration (GString *s, gint64 us)
{
  gint64 secs = MAX (us, 0) / G_USEC_PER_SEC;
  if (secs < 10)
    g_string_append_printf (s, "%.1fs", MAX (us, 0) / (double) G_USEC_PER_SEC);
  else if (secs < 60)
    g_string_append_printf (s, "%" G_GINT64_FORMAT "s", secs);
  else if (secs < 3600)
    g_string_append_printf (s, "%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", secs / 60,
                            secs % 60);
  else
    g_string_append_printf (s, "%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m", secs / 3600,
                            secs / 60 % 60);
}

static int
terminal_width (void)
{
  struct winsize ws;
  if (ioctl (fileno (stderr), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
    return ws.ws_col;
  return 80;
}

/* The whole line, without \r or \n; final adds the elapsed time instead of the ETA. */
static char *
format_line (const GazeCliProgress *p, gint64 now_us, gboolean final)
{
  GString *s = g_string_new (p->label);
  gint64 elapsed = now_us - p->start_us;
  if (p->total > 0)
    {
      gint64 done = CLAMP (p->done, 0, p->total);
      int filled = (int) (BAR_WIDTH * done / p->total);
      g_string_append (s, " [");
      for (int i = 0; i < BAR_WIDTH; i++)
        g_string_append_c (s, i < filled ? '#' : '.');
      g_string_append_printf (s, "] %3d%% %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                              (int) (100 * done / p->total), p->done, p->total);
    }
  else
    g_string_append_printf (s, " %" G_GINT64_FORMAT, p->done);
  if (p->detail != NULL && p->detail[0] != '\0')
    g_string_append_printf (s, "  %s", p->detail);
  if (final)
    {
      g_string_append (s, "  done in ");
      append_duration (s, elapsed);
    }
  else if (p->total > 0)
    {
      g_string_append (s, "  ETA ");
      if (p->done > 0 && p->done <= p->total)
        append_duration (s, (gint64) ((double) elapsed * (p->total - p->done) / p->done));
      else
        g_string_append (s, "--");
    }
  else
    {
      g_string_append (s, "  ");
      append_duration (s, elapsed);
    }
  return g_string_free (s, FALSE);
}

static void
draw (GazeCliProgress *p, gint64 now_us, gboolean final)
{
  g_autofree char *line = format_line (p, now_us, final);
  if (p->tty)
    {
      /* Cut to the terminal's width, or \r could not redraw a wrapped line. */
      glong max_chars = terminal_width () - 1;
      if (g_utf8_strlen (line, -1) > max_chars)
        *g_utf8_offset_to_pointer (line, max_chars) = '\0';
      fprintf (stderr, "\r%s\033[K%s", line, final ? "\n" : "");
    }
  else
    fprintf (stderr, "%s\n", line);
  fflush (stderr);
  p->last_draw_us = now_us;
}

void
gaze_cli_progress_update (GazeCliProgress *p, gint64 done, const char *detail)
{
  g_return_if_fail (p != NULL);
  p->done = done;
  if (g_strcmp0 (detail, p->detail) != 0)
    {
      g_free (p->detail);
      p->detail = g_strdup (detail);
    }
  gint64 now = g_get_monotonic_time ();
  gint64 interval = p->tty ? TTY_INTERVAL_US : LOG_INTERVAL_US;
  if (p->last_draw_us == 0 ? p->tty || now - p->start_us >= interval
                           : now - p->last_draw_us >= interval)
    draw (p, now, FALSE);
}

void
gaze_cli_progress_finish (GazeCliProgress *p)
{
  if (p == NULL)
    return;
  draw (p, g_get_monotonic_time (), TRUE);
  g_free (p->detail);
  g_free (p->label);
  g_free (p);
}

gboolean
gaze_cli_progress_func (gint64 done, gint64 total, gpointer progress)
{
  GazeCliProgress *p = progress;
  p->total = total;
  gaze_cli_progress_update (p, done, p->detail);
  return TRUE;
}
