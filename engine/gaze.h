/* gaze.h — the public API of the Gaze engine.
 *
 * Show, Attend and Tell (Xu et al., 2015) in plain C: a photo goes in, a
 * caption comes out with, for every word, the 7×7 attention map α that the
 * decoder used to choose it.
 *
 *   photo ─gaze_image_load─▶ GazeImage
 *         ─gaze_encoder_encode_image─▶ grid[cells × channels]   (frozen CNN)
 *         ─gaze_model_caption─▶ GazeCaption { beams { words { α, β, p } } }
 *
 * The engine has no GTK and no global state.  Every object is immutable after
 * loading, so one GazeEncoder and one GazeModel may serve several threads.
 * Errors are reported through GError in the GAZE_ERROR domain, except that
 * cancelled work, whether through a GCancellable or a progress callback that
 * returned FALSE, is always G_IO_ERROR_CANCELLED, as GIO reports it.
 *
 * Training, datasets and metrics live in gaze-train.h.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* ── Errors ──────────────────────────────────────────────────────────────── */

#define GAZE_ERROR (gaze_error_quark ())
GQuark gaze_error_quark (void);

typedef enum {
  GAZE_ERROR_IO,          /* a file cannot be opened, read or written */
  GAZE_ERROR_CORRUPT,     /* malformed: bad magic, out-of-bounds offset, truncated, bad checksum */
  GAZE_ERROR_VERSION,     /* a file format version this build cannot read */
  GAZE_ERROR_UNSUPPORTED, /* well formed but not supported: an operator, a tensor type */
  GAZE_ERROR_IMAGE,       /* an unreadable, empty or too large image */
  GAZE_ERROR_MISMATCH,    /* a model and an encoder that do not belong together, wrong shapes */
  GAZE_ERROR_DATA,        /* a dataset problem: missing split, no captions */
  GAZE_ERROR_INVALID,     /* an invalid argument */
  GAZE_ERROR_NOT_INSTALLED, /* something Gaze needs (an encoder, a model) is not installed */
} GazeError;

/* ── Images ──────────────────────────────────────────────────────────────── */

/* Largest image accepted, in pixels; larger ones fail with GAZE_ERROR_IMAGE
 * before any pixel memory is allocated. */
#define GAZE_IMAGE_MAX_PIXELS (100 * 1000 * 1000)

typedef struct {
  int width;
  int height;
  guint8 *pixels; /* RGB, 3 bytes a pixel, rows packed: stride = 3 × width */
} GazeImage;

/* Any format GdkPixbuf reads; EXIF orientation applied, alpha flattened on white. */
GazeImage *gaze_image_load (const char *path, GError **error);
/* From memory (a clipboard texture, say): 3 or 4 channels, any stride. */
GazeImage *gaze_image_new_from_data (const guint8 *data, int width, int height,
                                     int stride, int n_channels, GError **error);
void gaze_image_free (GazeImage *image);
/* Mirrors the image left to right, in place (training's augmentation). */
void gaze_image_mirror (GazeImage *image);
/* Area-averaging resize to width × height, written as packed RGB into out. */
void gaze_image_resize (const GazeImage *image, int width, int height, guint8 *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeImage, gaze_image_free)

/* ── Encoder: a frozen TFLite CNN ────────────────────────────────────────── */

typedef struct _GazeEncoder GazeEncoder;

GazeEncoder *gaze_encoder_load (const char *path, GError **error);
/* The same, with each forward pass split over n_threads threads, the
 * caller's included (the encoder's own: below 1, as many as OpenBLAS is set
 * to use, which is what gaze_encoder_load does).  A pass that finds them
 * busy with another thread's pass runs in its caller's thread alone. */
GazeEncoder *gaze_encoder_load_with_threads (const char *path, int n_threads, GError **error);
int gaze_encoder_get_n_threads (const GazeEncoder *encoder);
void gaze_encoder_free (GazeEncoder *encoder);

const char *gaze_encoder_get_name (const GazeEncoder *encoder);   /* file name without .tflite */
const char *gaze_encoder_get_sha256 (const GazeEncoder *encoder); /* 64 lowercase hex digits */
int gaze_encoder_get_input_size (const GazeEncoder *encoder);     /* 224 */
int gaze_encoder_get_grid_size (const GazeEncoder *encoder);      /* 7: the grid is 7 × 7 cells */
int gaze_encoder_get_channels (const GazeEncoder *encoder);       /* 1280 */
int gaze_encoder_get_n_classes (const GazeEncoder *encoder);      /* size of the head's output */

/* Runs the graph on input_size² RGB pixels.  grid receives grid_size² ×
 * channels floats, cell-major (cell i = row × grid_size + column, channel c at
 * grid[i × channels + c]); probs receives n_classes floats.  Either may be NULL. */
gboolean gaze_encoder_forward (const GazeEncoder *encoder, const guint8 *rgb,
                               float *grid, float *probs, GError **error);
/* The same, after resizing image to the input size. */
gboolean gaze_encoder_encode_image (const GazeEncoder *encoder, const GazeImage *image,
                                    float *grid, float *probs, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeEncoder, gaze_encoder_free)

/* ── Model: the trained decoder ──────────────────────────────────────────── */

typedef enum {
  GAZE_ATTENTION_SOFT, /* deterministic soft attention, section 4.2 */
  GAZE_ATTENTION_HARD, /* stochastic hard attention, section 4.1 */
} GazeAttention;

typedef struct _GazeModel GazeModel;

GazeModel *gaze_model_load (const char *path, GError **error);
void gaze_model_free (GazeModel *model);

GazeAttention gaze_model_get_attention (const GazeModel *model);
const char *gaze_model_get_encoder_name (const GazeModel *model);
const char *gaze_model_get_encoder_sha256 (const GazeModel *model);
/* Fails with GAZE_ERROR_MISMATCH when model was trained on another encoder. */
gboolean gaze_model_check_encoder (const GazeModel *model, const GazeEncoder *encoder,
                                   GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeModel, gaze_model_free)

/* ── Captions ────────────────────────────────────────────────────────────── */

#define GAZE_TOP_K 5

typedef struct {
  char *word;
  float *alpha;      /* n_cells attention weights, summing to 1 */
  float beta;        /* the gate β_t = σ(f_β(h_{t−1})) */
  float prob;        /* p(word | photo, earlier words) */
  int attended_cell; /* argmax α; for a hard model, the cell it attended to */
  char *alternatives[GAZE_TOP_K]; /* most probable words at this step, best first */
  float alternative_probs[GAZE_TOP_K];
  gboolean steered;  /* this step ran under a mask that removed cells (GazeSteering) */
  /* Filled on request, NULL until then (n_cells floats each, in nats):
   * gaze_model_evidence and gaze_model_occlusion. */
  float *evidence;
  float *occlusion;
} GazeWord;

typedef struct {
  int n_words; /* without <start> and <end> */
  GazeWord *words;
  float log_prob; /* Σ log p over the words and <end> */
  float score;    /* the length-normalised score that ranked the beams, log_prob / √(n_words + 1) */
} GazeBeam;

typedef struct {
  int grid_size; /* 7 */
  int n_cells;   /* grid_size² */
  GazeAttention attention;
  int n_beams; /* best first; beams[0] is the caption */
  GazeBeam *beams;
} GazeCaption;

/* Beam search of width beam_width (1 is greedy decoding) over an encoder grid.
 * Cancellation is checked between steps and reported as G_IO_ERROR_CANCELLED. */
GazeCaption *gaze_model_caption (const GazeModel *model, const float *grid, int beam_width,
                                 GCancellable *cancellable, GError **error);
void gaze_caption_free (GazeCaption *caption);
/* The words of beam joined by spaces. */
char *gaze_beam_to_string (const GazeBeam *beam);
/* Whether the attention is "alive", over the n_words words of beam:
 *   mean_peak:   the largest of each word's n_cells weights α, averaged over
 *                the words (1/n_cells for uniform attention, 1 for one cell);
 *   mean_change: the total-variation distance ½ Σ_i |α_t,i − α_t−1,i| between
 *                consecutive words' maps, averaged over the n_words − 1 pairs
 *                (0 when every word looks at the same place, 1 at disjoint ones).
 * Each is 0 when there is nothing to average. */
void gaze_beam_attention_stats (const GazeBeam *beam, int n_cells, float *mean_peak,
                                float *mean_change);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GazeCaption, gaze_caption_free)

/* Reports progress of long work; return FALSE to cancel it. */
typedef gboolean (*GazeProgressFunc) (gint64 done, gint64 total, gpointer user_data);

/* ── Steering: what would it say if it looked here? ──────────────────────── */

/* An attention mask per decoding step.  Step t chooses word t (the step after
 * the last word chooses <end>).  masks[t × n_cells + i] is 1 to keep cell i in
 * step t's attention and 0 to remove it: its score e_ti becomes −∞ and α is
 * renormalised over the cells kept, for soft and hard attention alike (a hard
 * model attends to the best allowed cell).  Steps from n_masks on are free. */
typedef struct {
  /* Words kept as they are, teacher-forced before the search starts: the
   * caption up to the steered word.  Their α, β and p are recomputed (under
   * their masks, if any). */
  const char *const *prefix;
  int n_prefix;
  const float *masks; /* [n_masks, n_cells], or NULL */
  int n_masks;
} GazeSteering;

/* Beam search as gaze_model_caption, under steering (NULL: none).  Words
 * whose step removed a cell have steered = TRUE.  Deterministic.  Fails with
 * GAZE_ERROR_INVALID when a mask keeps no cell (the message names the word),
 * a prefix word is not in the model's vocabulary, or the prefix is longer
 * than a caption may be (20 words). */
GazeCaption *gaze_model_caption_steered (const GazeModel *model, const float *grid,
                                         int beam_width, const GazeSteering *steering,
                                         GCancellable *cancellable, GError **error);

/* The cells of the grid_size × grid_size grid over a width × height photo
 * (the encoder sees the whole photo, stretched to its input size) that the
 * rectangle x0 ≤ x ≤ x1, y0 ≤ y ≤ y1 in photo pixels covers: cells[i] = 1
 * for every cell it covers a quarter of, 0 for the rest.  A rectangle too
 * small to cover a quarter of any cell (a click: x0 = x1, y0 = y1) selects
 * the cell under its centre.  Fails with GAZE_ERROR_INVALID when x1 < x0 or
 * y1 < y0, or a corner lies outside the photo. */
gboolean gaze_region_to_cells (int grid_size, int width, int height, double x0, double y0,
                               double x1, double y1, float *cells, GError **error);

/* ── Evidence: does the word depend on where the model looked? ───────────── */

/* Drops in log p below this many nats everywhere mark a word as weakly
 * grounded: it comes from the language model more than from the photo.
 * Calibrated on the 12 photos of data/photos with the shipped soft model at
 * beam 3 (102 words; test-evidence -p /evidence/calibration --verbose prints
 * it): 38 words peak below 0.01 nats, every one of them a function word
 * ("a", "of", "is", "in", "the") or a word the words before it all but fix
 * ("people" after "a group of", "boy" after "little", "water" after "in
 * the"), with p 0.86 … 1 (mean 0.977, against 0.658 for the other 64
 * words); between 0.01 and 0.05 lie 26 words, many of them content words
 * whose evidence is spread over several cells ("three", "dogs", "field",
 * "man"), which occlusion shows do depend on the photo.  So 0.01 (p changes
 * by 1 %).  β does not mark these words on this model: its mean is 0.93 on
 * the weak words and 0.94 on the others. */
#define GAZE_EVIDENCE_WEAK 0.01f

/* For every word t of beam (a beam of a caption of grid by model), fills
 * beam->words[t].evidence[i] with the drop in log p(word t), the caption so
 * far teacher-forced, when cell i alone is removed from step t's attention.
 * Every step runs unmasked but for that one cell, whether or not the beam
 * was steered; an earlier map is replaced.  One batch of n_cells rows a
 * step.  Cancellation is checked between steps. */
gboolean gaze_model_evidence (const GazeModel *model, const float *grid, GazeBeam *beam,
                              GCancellable *cancellable, GError **error);

/* Occlusion: for every cell i, the part of the encoder's input under cell i
 * (the photo resized to input_size², rows and columns [i·s, (i+1)·s) with
 * s = input_size / grid_size) is painted mid grey (128), the photo
 * re-encoded and beam re-scored teacher-forced and unmasked, all grid_size²
 * re-scorings as one batch;
 * beam->words[t].occlusion[i] = log p(word t) − log p_occluded(word t).
 * Fails with GAZE_ERROR_MISMATCH when model and encoder do not belong
 * together.
 * grid_size² encodes; progress (may be NULL) is called after each, and
 * returning FALSE, or cancellable, stops it with G_IO_ERROR_CANCELLED. */
gboolean gaze_model_occlusion (const GazeModel *model, const GazeEncoder *encoder,
                               const GazeImage *image, GazeBeam *beam,
                               GazeProgressFunc progress, gpointer user_data,
                               GCancellable *cancellable, GError **error);

/* How far a word's α agrees with its evidence (either map). */
typedef struct {
  double rank_correlation;   /* Spearman's ρ over the cells, ties averaged; 0 when either
                              * map is constant (it ranks nothing) */
  gboolean top_alpha_in_top3; /* the cell of largest α is among the 3 of most evidence */
  int top_cells[3];          /* the 3 cells of most evidence, most first (ties: the first);
                              * −1 past n_cells */
  float alpha_on_top3;       /* α's mass on them: 3 / n_cells for uniform α */
  float peak_evidence;       /* the largest drop, nats */
  gboolean weak;             /* peak_evidence < GAZE_EVIDENCE_WEAK */
} GazeAgreement;

void gaze_evidence_agreement (const float *alpha, const float *evidence, int n_cells,
                              GazeAgreement *agreement);

/* ── Run time ────────────────────────────────────────────────────────────── */

/* One line on the linear algebra in use, for --version and the About
 * window's debug information: "OpenBLAS 0.3.21, SkylakeX kernels (chosen by
 * Gaze: …)", "(OPENBLAS_CORETYPE=… in the environment)" or "(detected)". */
char *gaze_blas_describe (void);

G_END_DECLS
