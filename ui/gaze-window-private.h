/* gaze-window-private.h — the window's state, shared by gaze-window.c (the
 * flow from a photo to what is shown), gaze-window-actions.c (the GActions),
 * gaze-window-open.c (open, paste, drop, recent photos) and
 * gaze-window-steer.c (steering, evidence and occlusion). */
#pragma once

#include "gaze-window.h"
#include "gaze-captioner.h"
#include "gaze-compare-view.h"
#include "gaze-cursor.h"
#include "gaze-inspector.h"
#include "gaze-paint-wait.h"
#include "gaze-photo-view.h"
#include "gaze-word-strip.h"

G_BEGIN_DECLS

struct _GazeWindow {
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwWindowTitle *window_title;
  GtkRevealer *banner;
  GtkLabel *banner_label;
  AdwToastOverlay *toasts;       /* over the photo */
  AdwToastOverlay *empty_toasts; /* over the empty page */
  GtkStack *stack;
  GtkListBox *recent_list;
  GtkWidget *recent_group;
  GtkListBox *photo_list;
  AdwFlap *sidebar_flap;
  AdwFlap *inspector_flap;
  GazeInspector *inspector;
  GazePhotoView *photo_view;
  GtkWidget *busy_box;
  GtkSpinner *spinner;
  GazeWordStrip *word_strip;
  GtkToggleButton *play_button;
  GtkWidget *export_button;
  GtkWidget *paste_button;
  GtkDropDown *model_dropdown;
  GMenu *recent_section;
  GMenuModel *steer_menu;
  GtkWidget *occlusion_box;
  GtkProgressBar *occlusion_bar;
  GtkWidget *undo_steer_button;
  GazeCompareView *compare_view;
  GtkWidget *compare_button;

  /* State: what is shown is the cursor's; the style is the settings'. */
  GazeCaptioner *captioner;
  GSettings *settings;
  GazeCursor *cursor;
  GListStore *photos;
  GCancellable *work;    /* the caption in flight; cancelled by the next photo */
  GCancellable *closing; /* everything, cancelled when the window goes */
  int n_jobs;
  guint play_source;
  guint caption_source; /* a caption request waiting for the main loop */
  guint layout_source;  /* a fold waiting for the main loop */
  gboolean folded;
  AdwToast *last_toast; /* weak */
  gboolean export_beside; /* exports put α beside an evidence map shown */

  /* Questioning the caption (gaze-window-steer.c) */
  GtkWidget *steer_popover;
  GCancellable *steering;      /* the steer in flight */
  GCancellable *evidence_work; /* the evidence map in flight … */
  GCancellable *occluding;     /* … and the occlusion map */
  const GazeCaption *map_caption[2]; /* what each is for: [0] evidence, [1] occlusion */
  int map_beam[2];
  GazePaintWait paint; /* whose next paint starts the evidence map */
  gint64 evidence_asked; /* when the map waiting for that paint was wanted */
  gint64 last_steer_us, last_evidence_us, last_occlusion_us; /* for the benchmark */
};

/* gaze-window.c */
void _gaze_window_toast (GazeWindow *self, AdwToast *toast);
void _gaze_window_toast_text (GazeWindow *self, const char *message);
void _gaze_window_show_photo (GazeWindow *self, GazePhoto *photo);
void _gaze_window_remove_photo (GazeWindow *self, GazePhoto *photo);
void _gaze_window_load_photo (GazeWindow *self, GazePhoto *photo);
void _gaze_window_select_word (GazeWindow *self, int index);
void _gaze_window_set_playing (GazeWindow *self, gboolean playing);
gboolean _gaze_window_is_closed (GazeWindow *self);
gboolean _gaze_window_is_comparing (GazeWindow *self);
void _gaze_window_set_comparing (GazeWindow *self, gboolean comparing);

/* gaze-window-actions.c */
void _gaze_window_add_actions (GazeWindow *self);
void _gaze_window_enable_action (GazeWindow *self, const char *name, gboolean enabled);
void _gaze_window_scope_word_keys (GtkWidget *widget);
void _gaze_window_export_dialog (GazeWindow *self, GazeExportKind kind);

/* gaze-window-steer.c */
void _gaze_window_init_steer (GazeWindow *self);
void _gaze_window_offer_steer (GazeWindow *self, double x, double y);
void _gaze_window_steer (GazeWindow *self, GazeSteerKind kind);
void _gaze_window_undo_steer (GazeWindow *self);
void _gaze_window_update_maps (GazeWindow *self);
void _gaze_window_run_occlusion (GazeWindow *self);
void _gaze_window_cancel_occlusion (GazeWindow *self);
void _gaze_window_cancel_questions (GazeWindow *self);

/* gaze-window-open.c */
void _gaze_window_init_open (GazeWindow *self);
void _gaze_window_update_recent (GazeWindow *self);
void _gaze_window_photo_failed (GazeWindow *self, GazePhoto *photo);
void _gaze_window_photo_opened (GazeWindow *self, GazePhoto *photo);
void _gaze_window_open_dialog (GazeWindow *self);
void _gaze_window_open_recent (GazeWindow *self, const char *uri);
void _gaze_window_paste (GazeWindow *self);
/* Marks path as written by Gaze, so that Recent Photos leaves it out. */
void _gaze_window_note_export (GazeWindow *self, const char *path);

G_END_DECLS
