/* gaze-window.h — the main window: open photos, their captions, attention.
 *
 * Actions (gaze-window-actions.c; accelerators in gaze-application.c):
 *   win.open  win.paste  win.close-photo  win.open-recent(s)
 *   win.export-png  win.export-storyboard  win.open-export(s)
 *   win.prev-word  win.next-word  win.first-word  win.last-word  win.select-word(i)
 *   win.play (a toggle)  win.select-beam(i)  win.show-grid (a toggle)
 * Left, Right, Home and End step through the words only while the photo or
 * the word strip has the focus, so that they still move a text cursor or a
 * slider elsewhere. */
#pragma once

#include <adwaita.h>
#include "gaze-captioner.h"
#include "gaze-photo.h"
#include "gaze-render.h"

G_BEGIN_DECLS

#define GAZE_TYPE_WINDOW (gaze_window_get_type ())
G_DECLARE_FINAL_TYPE (GazeWindow, gaze_window, GAZE, WINDOW, AdwApplicationWindow)

typedef enum {
  GAZE_EXPORT_WORD,       /* the current word, annotated */
  GAZE_EXPORT_STORYBOARD, /* one tile per word */
  GAZE_EXPORT_COMPARISON, /* both models' storyboards, side by side */
} GazeExportKind;

/* A window of application that captions with captioner; it restores its
 * size and the overlay settings from GSettings. */
GazeWindow *gaze_window_new (GtkApplication *application, GazeCaptioner *captioner);

/* Adds the photos to the sidebar (a photo already open is not added twice)
 * and shows the last one. */
void gaze_window_open_files (GazeWindow *window, GFile **files, int n_files);
/* Adds an image already in memory (a pasted one) and shows it. */
void gaze_window_open_image (GazeWindow *window, GazeImage *image, const char *title);
/* Saves the current beam's word or storyboard to file (replacing it: the file
 * chooser has asked), width pixels wide, or at full resolution when 0. */
/* Whether exports of an evidence or occlusion map put α beside it (the
 * export dialog's choice; FALSE at first). */
void gaze_window_set_export_beside (GazeWindow *window, gboolean beside);
gboolean gaze_window_export (GazeWindow *window, GazeExportKind kind, GFile *file, int width,
                             GError **error);
/* The same, then says so in a toast ("Saved", with an Open button) or why not. */
void gaze_window_export_and_tell (GazeWindow *window, GazeExportKind kind, GFile *file,
                                  int width);

/* What the window shows, for tests and the benchmark. */
GazePhoto *gaze_window_get_photo (GazeWindow *window);
const GazeCaption *gaze_window_get_caption (GazeWindow *window);
int gaze_window_get_word (GazeWindow *window);
gboolean gaze_window_is_busy (GazeWindow *window);
/* The message shown in the banner, or NULL when it is hidden. */
const char *gaze_window_get_banner (GazeWindow *window);
/* The last toast shown (NULL: none, or it has gone). */
AdwToast *gaze_window_get_last_toast (GazeWindow *window);
void gaze_window_set_beam_width (GazeWindow *window, int beam_width);
void gaze_window_set_style (GazeWindow *window, const GazeOverlayStyle *style);
GtkWidget *gaze_window_get_photo_view (GazeWindow *window);
GtkWidget *gaze_window_get_word_strip (GazeWindow *window);
GtkWidget *gaze_window_get_inspector (GazeWindow *window);
GazeCaptioner *gaze_window_get_captioner (GazeWindow *window);
GSettings *gaze_window_get_settings (GazeWindow *window);
/* Whether the side panes are folded away (a window narrower than 1000 px). */
gboolean gaze_window_is_folded (GazeWindow *window);
/* The second model's side (hidden until win.compare), and the steer menu. */
GtkWidget *gaze_window_get_compare_view (GazeWindow *window);
GtkWidget *gaze_window_get_steer_popover (GazeWindow *window);
/* Whether the caption shown is steered, and the caption before steering. */
gboolean gaze_window_is_steered (GazeWindow *window);
const GazeCaption *gaze_window_get_original_caption (GazeWindow *window);
/* Whether an evidence (or occlusion) map is being worked out. */
gboolean gaze_window_is_questioning (GazeWindow *window);
/* How long, in µs, the last steer, evidence map and occlusion map took,
 * from the request to the answer on the main thread (0: none yet). */
void gaze_window_get_question_times (GazeWindow *window, gint64 *steer_us, gint64 *evidence_us,
                                     gint64 *occlusion_us);

G_END_DECLS
