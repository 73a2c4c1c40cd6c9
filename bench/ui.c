/* bench/ui.c — how fast the window feels (run by bench/ui.sh under Xvfb).
 *
 *   show     opening a photo until it is drawn in the view   (goal < 100 ms)
 *   caption  opening a photo until its caption and the first
 *            word's attention are drawn                       (goal < 500 ms)
 *   step     stepping to a word: the action and the window's
 *            next frame, overlays cached per word             (goal < 16.7 ms)
 *   step-new the same, the first time a word is shown (its overlay made)
 *   view     the photo view's own drawing of a cached word
 *   answer   "look here" chosen in the steer menu (the centre cell, from
 *            word 2 on) until the window has the steered caption, decoded
 *            in a worker
 *   steer    the same until the steered caption is drawn      (goal < 33.3 ms:
 *            "within a frame or two")
 *   evidence a caption shown until its evidence map is ready, before
 *            anything else is asked of the window             (goal < 100 ms)
 *   occlude  the occlusion layer chosen until its map is drawn (goal < 2000 ms)
 *
 * Each is measured over the dev photos in ../shared/data/photos and printed
 * as a median, with the minimum and maximum. */
#include "config.h"

#include <stdio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "bench-util.h"
#include "gaze-application.h"
#include "gaze-paths.h"
#include "gaze-photo-view.h"
#include "gaze-window.h"

#define VIEW_WIDTH 900
#define VIEW_HEIGHT 640
#define STEP_ROUNDS 5

static GazeApplication *app;
static GazeCaptioner *captioner;
static GazeWindow *window;

/* Spins the main loop until ready (window) is TRUE or 120 s pass. */
static gboolean
spin_until (gboolean (*ready) (void))
{
  gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (!ready ())
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static gboolean
photo_loaded (void)
{
  GazePhoto *photo = gaze_window_get_photo (window);
  return photo != NULL && gaze_photo_is_loaded (photo);
}

static gboolean
caption_shown (void)
{
  return gaze_window_get_caption (window) != NULL && !gaze_window_is_busy (window);
}

static gboolean
model_ready (void)
{
  return gaze_captioner_get_state (captioner) != GAZE_CAPTIONER_LOADING;
}

/* One frame of the photo view, as its snapshot draws it; returns seconds. */
static double
draw_view (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, VIEW_WIDTH, VIEW_HEIGHT);
  cairo_t *cr = cairo_create (surface);
  gint64 start = g_get_monotonic_time ();
  gaze_photo_view_draw (GAZE_PHOTO_VIEW (gaze_window_get_photo_view (window)), cr, VIEW_WIDTH,
                        VIEW_HEIGHT);
  cairo_surface_flush (surface);
  double seconds = (g_get_monotonic_time () - start) / 1e6;
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return seconds;
}

static void
report (const char *name, GArray *ms, double goal)
{
  if (ms->len == 0)
    {
      printf ("%-8s  not measured\n", name);
      return;
    }
  bench_sort_doubles ((double *) ms->data, ms->len);
  double median = g_array_index (ms, double, ms->len / 2);
  printf ("%-8s  median %8.2f ms   min %8.2f   max %8.2f   n %3u   goal < %.1f ms: %s\n", name,
          median, g_array_index (ms, double, 0), g_array_index (ms, double, ms->len - 1), ms->len,
          goal, median < goal ? "met" : "MISSED");
}

/* Whole-window frames: GTK's layout and painting, from the frame clock. */
static gint64 paint_start;
static double last_paint_ms;
static guint n_paints;

static void
before_paint (GdkFrameClock *clock, gpointer data)
{
  paint_start = g_get_monotonic_time ();
}

static void
after_paint (GdkFrameClock *clock, gpointer data)
{
  last_paint_ms = (g_get_monotonic_time () - paint_start) / 1e3;
  n_paints++;
}

static guint paints_before;

static gboolean
painted_again (void)
{
  return n_paints > paints_before;
}

/* Steps to word w as the Right key does, and returns the milliseconds of
 * work it costs: the action (labels, word strip, alternatives) plus the
 * whole window's next frame (layout and drawing). */
static double
step_to_word (int w)
{
  gint64 start = g_get_monotonic_time ();
  g_action_group_activate_action (G_ACTION_GROUP (window), "select-word", g_variant_new_int32 (w));
  double action_ms = (g_get_monotonic_time () - start) / 1e3;
  paints_before = n_paints;
  spin_until (painted_again);
  return action_ms + last_paint_ms;
}

/* Opens path as a new photo and returns the seconds until ready() holds. */
static double
open_and_time (const char *path, gboolean (*ready) (void))
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  gint64 start = g_get_monotonic_time ();
  gaze_window_open_files (window, &file, 1);
  if (!spin_until (ready))
    g_error ("%s: timed out", path);
  draw_view ();
  return (g_get_monotonic_time () - start) / 1e6;
}

/* The steered caption is the one shown (its evidence map comes after). */
static gboolean
steered_shown (void)
{
  return gaze_window_is_steered (window);
}

static gboolean
questions_done (void)
{
  return !gaze_window_is_questioning (window);
}

static gboolean
occlusion_shown (void)
{
  const GazeCaption *c = gaze_window_get_caption (window);
  return c != NULL && c->beams[0].words[0].occlusion != NULL && questions_done ();
}

/* Waits for the next frame and returns the milliseconds since start. */
static double
frame_after (gint64 start)
{
  paints_before = n_paints;
  gtk_widget_queue_draw (GTK_WIDGET (window));
  spin_until (painted_again);
  return (g_get_monotonic_time () - start) / 1e3;
}

/* Steers word 2 on to the centre of the photo, as a click and the menu do,
 * and returns the milliseconds until the steered caption is drawn; *answer_ms
 * gets those until the window has it (decoded in a worker). */
static double
steer_and_time (double *answer_ms)
{
  GtkWidget *view = gaze_window_get_photo_view (window);
  double x = gtk_widget_get_width (view) / 2.0, y = gtk_widget_get_height (view) / 2.0;
  g_action_group_activate_action (G_ACTION_GROUP (window), "select-word", g_variant_new_int32 (1));
  /* The click opens the steer menu; the clock starts at the menu's choice,
   * which closes it, as a click on the item does. */
  gaze_photo_view_choose_region (GAZE_PHOTO_VIEW (view), x, y, x, y);
  frame_after (g_get_monotonic_time ());
  frame_after (g_get_monotonic_time ());
  gint64 start = g_get_monotonic_time ();
  gtk_popover_popdown (GTK_POPOVER (gaze_window_get_steer_popover (window)));
  g_action_group_activate_action (G_ACTION_GROUP (window), "steer", g_variant_new_string ("look"));
  if (!spin_until (steered_shown))
    g_error ("the steered caption timed out");
  double ms = frame_after (start);
  gint64 steer_us, evidence_us, occlusion_us;
  gaze_window_get_question_times (window, &steer_us, &evidence_us, &occlusion_us);
  *answer_ms = steer_us / 1e3;
  g_action_group_activate_action (G_ACTION_GROUP (window), "undo-steer", NULL);
  gaze_photo_view_clear_region (GAZE_PHOTO_VIEW (view));
  spin_until (questions_done);
  return ms;
}

/* Chooses the occlusion layer and returns the milliseconds until its map is
 * drawn; back to α after. */
static double
occlusion_and_time (void)
{
  GSettings *settings = gaze_window_get_settings (window);
  gint64 start = g_get_monotonic_time ();
  g_settings_set_enum (settings, "overlay-layer", GAZE_OVERLAY_LAYER_OCCLUSION);
  if (!spin_until (occlusion_shown))
    g_error ("the occlusion map timed out");
  double ms = frame_after (start);
  g_settings_set_enum (settings, "overlay-layer", GAZE_OVERLAY_LAYER_ALPHA);
  return ms;
}

static void
close_photo (void)
{
  g_action_group_activate_action (G_ACTION_GROUP (window), "close-photo", NULL);
}

int
main (int argc, char **argv)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  if (shared == NULL)
    {
      fprintf (stderr, "bench-ui: set GAZE_SHARED_DIR to the shared folder\n");
      return 2;
    }
  g_autofree char *encoder
      = g_build_filename (shared, "models", GAZE_DEFAULT_ENCODER ".tflite", NULL);
  g_setenv ("GAZE_ENCODER", encoder, FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* Recent files go to a scratch folder, not the user's list. */
  g_autofree char *scratch = g_dir_make_tmp ("gaze-bench-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", scratch, TRUE);
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_setenv ("GTK_A11Y", "none", TRUE);

  g_autofree char *folder = g_build_filename (shared, "data", "photos", NULL);
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  g_autoptr (GPtrArray) photos = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".jpg"))
      g_ptr_array_add (photos, g_build_filename (folder, name, NULL));
  g_ptr_array_sort (photos, (GCompareFunc) g_strcmp0);
  if (photos->len == 0)
    {
      fprintf (stderr, "bench-ui: no photos in %s\n", folder);
      return 1;
    }

  gaze_application_choose_renderer ();
  app = gaze_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, NULL))
    return 1;
  g_application_activate (G_APPLICATION (app));
  window = GAZE_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  captioner = gaze_application_get_captioner (app);
  spin_until (model_ready);
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint), NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint), NULL);
  gboolean have_model = gaze_captioner_get_state (captioner) == GAZE_CAPTIONER_READY;
  printf ("bench-ui: %u photos, view %d×%d, model %s, %d threads\n", photos->len, VIEW_WIDTH,
          VIEW_HEIGHT, have_model ? gaze_captioner_get_model_path (captioner) : "(none)",
          (int) g_get_num_processors ());

  /* Show: photos open and drawn, without captioning in the way. */
  g_autoptr (GArray) show = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) caption = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) step = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) first = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) view_only = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) steer = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) steer_answer = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) evidence = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) occlude = g_array_new (FALSE, FALSE, sizeof (double));
  if (have_model)
    gaze_captioner_load_model (captioner, NULL); /* photos only */
  for (guint i = 0; i < photos->len; i++)
    {
      double ms = 1e3 * open_and_time (photos->pdata[i], photo_loaded);
      g_array_append_val (show, ms);
      close_photo ();
    }

  if (have_model)
    {
      g_autofree char *model = gaze_paths_default_model ();
      gaze_captioner_load_model (captioner, model);
      spin_until (model_ready);
      /* One photo first, so the first measurement is not a cold start. */
      open_and_time (photos->pdata[0], caption_shown);
      close_photo ();
      for (guint i = 0; i < photos->len; i++)
        {
          double ms = 1e3 * open_and_time (photos->pdata[i], caption_shown);
          g_array_append_val (caption, ms);

          /* The evidence map, asked for with the caption, before anything
           * else competes for the cores. */
          spin_until (questions_done);
          gint64 steer_us, evidence_us, occlusion_us;
          gaze_window_get_question_times (window, &steer_us, &evidence_us, &occlusion_us);
          double evidence_ms = evidence_us / 1e3;
          g_array_append_val (evidence, evidence_ms);

          /* Stepping: the first pass through the words makes each overlay,
           * the next passes reuse them. */
          const GazeCaption *c = gaze_window_get_caption (window);
          for (int round = 0; round < STEP_ROUNDS; round++)
            for (int w = 0; w < c->beams[0].n_words; w++)
              {
                double frame = step_to_word (w);
                g_array_append_val (round == 0 ? first : step, frame);
                double view = 1e3 * draw_view ();
                g_array_append_val (view_only, view);
              }

          if (c->beams[0].n_words >= 2)
            {
              double answer_ms, steer_ms = steer_and_time (&answer_ms);
              g_array_append_val (steer, steer_ms);
              g_array_append_val (steer_answer, answer_ms);
            }
          double occlusion_ms = occlusion_and_time ();
          g_array_append_val (occlude, occlusion_ms);
          close_photo ();
        }
    }

  report ("show", show, 100.0);
  report ("caption", caption, 500.0);
  report ("step", step, 1000.0 / 60);
  report ("step-new", first, 1000.0 / 60);
  report ("view", view_only, 1000.0 / 60);
  report ("answer", steer_answer, 2000.0 / 60);
  report ("steer", steer, 2000.0 / 60);
  report ("evidence", evidence, 100.0);
  report ("occlude", occlude, 2000.0);
  gtk_window_destroy (GTK_WINDOW (window));
  g_object_unref (app);
  g_autofree char *recent = g_build_filename (scratch, "recently-used.xbel", NULL);
  g_unlink (recent);
  g_rmdir (scratch);
  return 0;
}
