/* test-cli-progress — the progress bar's lines when stderr is not a terminal
 * (as under meson test): quiet between the ~10 s log lines, and a final line
 * with the bar, the count, the detail and the elapsed time. */
#include <string.h>

#include "cli-progress.h"

static void
run_bar (void)
{
  GazeCliProgress *p = gaze_cli_progress_new ("encoding", 40);
  for (int i = 1; i <= 10; i++)
    gaze_cli_progress_update (p, i, "12.5 photos/s");
  gaze_cli_progress_finish (p);
}

static void
run_unknown_total (void)
{
  GazeCliProgress *p = gaze_cli_progress_new ("reading", 0);
  gaze_cli_progress_update (p, 7, NULL);
  gaze_cli_progress_finish (p);
}

static void
run_adapter (void)
{
  GazeCliProgress *p = gaze_cli_progress_new ("verifying", 1);
  gaze_cli_progress_update (p, 0, "kept");
  /* The adapter learns the total and keeps the detail; it never cancels. */
  if (!gaze_cli_progress_func (5, 5, p))
    return;
  gaze_cli_progress_finish (p);
}

static void
test_lines (void)
{
  g_test_trap_subprocess ("/cli-progress/subprocess/bar", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* 10 of 40: a quarter of the 24-character bar, and only the final line
   * (the updates came well within the 10 s between log lines). */
  g_test_trap_assert_stderr ("encoding [######..................]  25% 10/40  12.5 photos/s  done in 0.0s\n");

  g_test_trap_subprocess ("/cli-progress/subprocess/unknown", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("reading 7  done in 0.0s\n");

  g_test_trap_subprocess ("/cli-progress/subprocess/adapter", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("verifying [########################] 100% 5/5  kept  done in 0.0s\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-progress/lines", test_lines);
  g_test_add_func ("/cli-progress/subprocess/bar", run_bar);
  g_test_add_func ("/cli-progress/subprocess/unknown", run_unknown_total);
  g_test_add_func ("/cli-progress/subprocess/adapter", run_adapter);
  return g_test_run ();
}
