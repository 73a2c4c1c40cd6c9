/* gaze-captioner.h — the caption models and the work done with them.
 *
 * The application makes one captioner; windows bind to it.  It lists the
 * installed models ("models", a GListModel of GazeModelInfo), loads the one
 * "selected" (with its encoder) in a worker thread, says how that went
 * ("state", "error"), and captions photos in worker threads.  The encoder
 * grids and the captions are cached in each GazePhoto under keys made here,
 * and only here.
 *
 * Errors, as the window sees them: GAZE_ERROR_NOT_INSTALLED when no model or
 * no encoder is installed (the message says what to do), G_IO_ERROR_CANCELLED
 * for cancelled work (from the engine too), and the engine's codes for the rest. */
#pragma once

#include <gio/gio.h>
#include "gaze.h"
#include "gaze-model-info.h"
#include "gaze-photo.h"

G_BEGIN_DECLS

typedef enum {
  GAZE_CAPTIONER_LOADING, /* a model is loading */
  GAZE_CAPTIONER_READY,   /* photos can be captioned */
  GAZE_CAPTIONER_MISSING, /* no model, or its encoder, is installed */
  GAZE_CAPTIONER_FAILED,  /* the model or its encoder cannot be used: see "error" */
} GazeCaptionerState;

#define GAZE_TYPE_CAPTIONER (gaze_captioner_get_type ())
G_DECLARE_FINAL_TYPE (GazeCaptioner, gaze_captioner, GAZE, CAPTIONER, GObject)

/* Lists the installed models; loads none yet (state MISSING until told). */
GazeCaptioner *gaze_captioner_new (void);

GListModel *gaze_captioner_get_models (GazeCaptioner *captioner);
/* The position of the chosen model in "models" (GTK_INVALID_LIST_POSITION: none). */
guint gaze_captioner_get_selected (GazeCaptioner *captioner);
/* Chooses and loads the model at position (notifies "selected" and "state"). */
void gaze_captioner_set_selected (GazeCaptioner *captioner, guint position);
/* Loads the model file path (added to "models" when not listed; NULL: no
 * model, state MISSING).  A load in flight is cancelled. */
void gaze_captioner_load_model (GazeCaptioner *captioner, const char *path);
/* Lists the installed models again and reloads the chosen one. */
void gaze_captioner_reload (GazeCaptioner *captioner);
/* The chosen model's file, or NULL. */
const char *gaze_captioner_get_model_path (GazeCaptioner *captioner);

GazeCaptionerState gaze_captioner_get_state (GazeCaptioner *captioner);
/* Why the state is MISSING or FAILED; NULL otherwise. */
const GError *gaze_captioner_get_error (GazeCaptioner *captioner);
/* The loaded model's attention (soft until one is loaded). */
GazeAttention gaze_captioner_get_attention (GazeCaptioner *captioner);

/* The caption of photo with the loaded model at beam width, when it has been
 * worked out already; NULL otherwise. */
const GazeCaption *gaze_captioner_lookup (GazeCaptioner *captioner, GazePhoto *photo, int beam);
/* Encodes the loaded photo (unless its grid is cached) and captions it with
 * beam beams in a worker thread.  Fails with GAZE_ERROR_NOT_INSTALLED or the
 * model's error when the state is not READY. */
void gaze_captioner_caption_async (GazeCaptioner *captioner, GazePhoto *photo, int beam,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
/* The caption, cached in the photo (which owns it). */
const GazeCaption *gaze_captioner_caption_finish (GazeCaptioner *captioner, GAsyncResult *result,
                                                  GError **error);

/* ── Questioning a caption ───────────────────────────────────────────────
 * Each works on a caption of photo by the loaded model (the cursor's), in
 * a worker thread, from the photo's cached grid. */

typedef enum {
  GAZE_STEER_LOOK,  /* attention confined to the region's cells */
  GAZE_STEER_AVOID, /* the region's cells removed from attention */
} GazeSteerKind;

/* Decodes beam `beam` of caption again from word `word` on, the words before
 * it kept: at that word (or, with onwards, at every word from it on) the
 * attention looks only at, or avoids, the cells (n_cells floats, 1 for a cell
 * of the region, from gaze_region_to_cells).  masks (n_masks × n_cells, or
 * NULL) are the masks caption was decoded under, so that steering a steered
 * caption keeps what was asked before. */
void gaze_captioner_steer_async (GazeCaptioner *captioner, GazePhoto *photo,
                                 const GazeCaption *caption, int beam, int word,
                                 const float *masks, int n_masks, const float *cells,
                                 GazeSteerKind kind, gboolean onwards, int beam_width,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
/* The steered caption (the photo owns it), and in *masks (g_free) the
 * n_masks × n_cells masks it was decoded under. */
const GazeCaption *gaze_captioner_steer_finish (GazeCaptioner *captioner, GAsyncResult *result,
                                                float **masks, int *n_masks, GError **error);

/* Works out the evidence of every word of beam `beam` of caption (each
 * cell's removal drop, gaze_model_evidence); finishing attaches it to the
 * words, on the main thread. */
void gaze_captioner_evidence_async (GazeCaptioner *captioner, GazePhoto *photo,
                                    const GazeCaption *caption, int beam,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean gaze_captioner_evidence_finish (GazeCaptioner *captioner, GAsyncResult *result,
                                         GError **error);

/* Called on the main thread as occlusion goes: done of total cells. */
typedef void (*GazeCaptionerProgress) (int done, int total, gpointer user_data);

/* The same with occlusion (gaze_model_occlusion: the photo re-encoded with
 * each cell greyed), which takes 49 encodes; progress (may be NULL) hears
 * of each.  Cancelling stops it between encodes. */
void gaze_captioner_occlusion_async (GazeCaptioner *captioner, GazePhoto *photo,
                                     const GazeCaption *caption, int beam,
                                     GazeCaptionerProgress progress, gpointer progress_data,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean gaze_captioner_occlusion_finish (GazeCaptioner *captioner, GAsyncResult *result,
                                          GError **error);

G_END_DECLS
