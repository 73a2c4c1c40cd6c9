/* cli-caption.c — gaze-cli caption: caption photos from the command line.
 *
 *   gaze-cli caption [--model FILE] [--encoder FILE] [--beam K] [--json] PHOTO|DIR...
 *   gaze-cli caption PHOTO --export OUT.png [--storyboard] [--word N] [--size WxH] [--force]
 *   gaze-cli caption DIR... [--out results.json] [--export-dir DIR [--storyboard] …] [--force]
 *
 * A folder is searched recursively for photos (by extension; hidden entries
 * and links to folders are left out), in name order.  With a folder, or
 * --out or --export-dir, a progress bar with an ETA runs on stderr; --out
 * writes the captions as COCO results ([{"image_id", "file_name",
 * "caption"}]), --export-dir one annotated PNG (or storyboard) per photo,
 * in the photo's relative folder.  A file that cannot be read is named, skipped
 * and counted.  No file is replaced without --force: every output path is
 * checked before the first photo.  SIGINT (Ctrl+C) or SIGTERM stops after
 * the photo in hand; what is done is kept (the exports, and --out with the
 * photos captioned so far) and the exit status is 130.
 *
 * Plain output is, per photo, the caption ("PHOTO: caption" when there are
 * several) and a line saying whether its attention is alive: the mean peak α
 * and the mean change of α between consecutive words
 * (gaze_beam_attention_stats).  --json prints an array with, per photo, the
 * caption, those two numbers, every word's 7×7 α grid, β, probability,
 * attended cell and top-5 alternatives, and all k beams with their
 * log-probabilities and length-normalised scores.
 *
 * Steering (--look, --avoid; the specs are in cli-steer.h): the caption is
 * decoded first as usual, then again from the first steered word N, words
 * 1 … N−1 kept, under the regions' attention masks; plain output prints the
 * steered caption after the original with its steered words in [brackets],
 * --json adds a "steered" object whose words carry "steered": true or false.
 * --evidence adds to every word the drop in log p when each cell alone is
 * removed from its attention (gaze_model_evidence) and its agreement with α;
 * --occlusion the same for greying out each cell of the photo
 * (gaze_model_occlusion, 49 encodes, with a progress bar).  --show chooses
 * the map an export draws: alpha, evidence, occlusion, alpha+evidence or
 * alpha+occlusion (the two side by side); an export of a steered photo shows
 * the steered caption.
 *
 * Structure: options are parsed into CaptionOptions; each photo is encoded
 * and captioned once (caption_photo), then every requested output runs on
 * that result (emit_*), so another output (an export, a storyboard) is one
 * more option and one more emit function. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli-json.h"
#include "cli-progress.h"
#include "cli-steer.h"
#include "gaze-cli.h"
#include "gaze-paths.h"
#include "gaze-train.h"
#include "gaze-render.h"

typedef struct {
  char *model_path;
  char *encoder_path;
  int beam;
  gboolean json;
  /* --export: drawn by render/gaze-render.c, as the window's Ctrl+S and Ctrl+E */
  char *export_path;
  gboolean storyboard;
  int word; /* counted from 1 */
  char *size;
  int width, height;
  gboolean force;
  /* folders of photos */
  char *out_path;   /* --out: COCO results */
  char *export_dir; /* --export-dir: one PNG per photo */
  /* Steering and evidence */
  char **look, **avoid;
  GPtrArray *regions; /* GazeCliRegion, parsed from look and avoid */
  gboolean evidence, occlusion;
  char *show;
  GazeOverlayLayer layer;
  gboolean beside_alpha;
  gboolean progress; /* a bar for occlusion (not inside a folder's bar) */
} CaptionOptions;

/* What one photo gives. */
typedef struct {
  GazeCaption *caption;
  GazeCaption *steered; /* NULL without --look or --avoid */
  int first_steered;    /* the first word steered, from 1 */
  GazeImage *image;     /* kept for an export */
} PhotoResult;

static void
photo_result_clear (PhotoResult *r)
{
  gaze_caption_free (r->caption);
  gaze_caption_free (r->steered);
  gaze_image_free (r->image);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PhotoResult, photo_result_clear)

static void
caption_options_clear (CaptionOptions *o)
{
  g_free (o->model_path);
  g_free (o->encoder_path);
  g_free (o->export_path);
  g_free (o->size);
  g_free (o->out_path);
  g_free (o->export_dir);
  g_strfreev (o->look);
  g_strfreev (o->avoid);
  g_clear_pointer (&o->regions, g_ptr_array_unref);
  g_free (o->show);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CaptionOptions, caption_options_clear)


/* The evidence and occlusion maps the options ask for, of beam. */
static gboolean
add_maps (const CaptionOptions *o, const GazeModel *model, const GazeEncoder *encoder,
          const GazeImage *image, const float *grid, GazeBeam *beam, gboolean evidence,
          gboolean occlusion, GError **error)
{
  if (evidence && !gaze_model_evidence (model, grid, beam, NULL, error))
    return FALSE;
  if (!occlusion)
    return TRUE;
  g_autoptr (GazeCliProgress) bar
      = o->progress ? gaze_cli_progress_new ("occlusion", 0) : NULL;
  return gaze_model_occlusion (model, encoder, image, beam,
                               bar != NULL ? gaze_cli_progress_func : NULL, bar, NULL, error);
}

static gboolean steer_and_map (const CaptionOptions *o, const GazeModel *model,
                               const GazeEncoder *encoder, const float *grid,
                               PhotoResult *result, GError **error);

/* The photo's grid through the encoder, then beam search, then the steered
 * search and the maps the options ask for; on failure the error names the
 * photo. */
static gboolean
caption_photo (const CaptionOptions *o, const GazeModel *model, const GazeEncoder *encoder,
               const char *photo, PhotoResult *result, GError **error)
{
  result->image = gaze_image_load (photo, error);
  if (result->image == NULL)
    return FALSE;
  const int g = gaze_encoder_get_grid_size (encoder), cells = g * g;
  g_autofree float *grid = g_new (float, (gsize) cells * gaze_encoder_get_channels (encoder));
  if (!gaze_encoder_encode_image (encoder, result->image, grid, NULL, error))
    return FALSE;
  result->caption = gaze_model_caption (model, grid, o->beam, NULL, error);
  if (result->caption == NULL)
    return FALSE;
  gboolean ok = steer_and_map (o, model, encoder, grid, result, error);
  if (!ok)
    g_prefix_error (error, "%s: ", photo);
  return ok;
}

/* The steered caption and the maps, after the caption. */
static gboolean
steer_and_map (const CaptionOptions *o, const GazeModel *model, const GazeEncoder *encoder,
               const float *grid, PhotoResult *result, GError **error)
{
  const int g = gaze_encoder_get_grid_size (encoder);
  GazeBeam *best = &result->caption->beams[0];
  const gboolean evidence = o->evidence || o->layer == GAZE_OVERLAY_LAYER_EVIDENCE;
  const gboolean occlusion = o->occlusion || o->layer == GAZE_OVERLAY_LAYER_OCCLUSION;
  if (o->regions->len > 0)
    {
      int n_masks;
      g_autofree float *masks
          = gaze_cli_regions_masks (o->regions, g, result->image->width, result->image->height,
                                    best->n_words, &n_masks, &result->first_steered, error);
      if (masks == NULL)
        return FALSE;
      /* Words 1 … N−1 of the original, kept. */
      g_autofree const char **prefix = g_new (const char *, MAX (best->n_words, 1));
      for (int t = 0; t < result->first_steered - 1; t++)
        prefix[t] = best->words[t].word;
      GazeSteering steering = { prefix, result->first_steered - 1, masks, n_masks };
      result->steered
          = gaze_model_caption_steered (model, grid, o->beam, &steering, NULL, error);
      if (result->steered == NULL
          || !add_maps (o, model, encoder, result->image, grid, &result->steered->beams[0],
                        evidence, occlusion, error))
        return FALSE;
    }
  return add_maps (o, model, encoder, result->image, grid, best, evidence, occlusion, error);
}

/* ── Plain output ────────────────────────────────────────────────────────── */

static void
print_attention (const GazeCaption *caption, const GazeBeam *beam)
{
  float mean_peak, mean_change;
  gaze_beam_attention_stats (beam, caption->n_cells, &mean_peak, &mean_change);
  printf ("  attention: mean peak α %.3f (uniform %.3f), mean change between words %.3f\n",
          mean_peak, 1.0 / caption->n_cells, mean_change);
}

/* One line a word for a map: its peak, its agreement with α, weak or not. */
static void
print_map (const char *name, const GazeBeam *beam, int n_cells, gboolean occlusion)
{
  printf ("  %s (drop in log p, nats): word, peak, Spearman ρ with α, top α cell in the top 3, "
          "α on the top 3\n", name);
  for (int t = 0; t < beam->n_words; t++)
    {
      const GazeWord *w = &beam->words[t];
      GazeAgreement a;
      gaze_evidence_agreement (w->alpha, occlusion ? w->occlusion : w->evidence, n_cells, &a);
      printf ("    %2d %-14s %7.3f  %+.2f  %-3s  %.3f%s\n", t + 1, w->word, a.peak_evidence,
              a.rank_correlation, a.top_alpha_in_top3 ? "yes" : "no", a.alpha_on_top3,
              a.weak ? "  weak: from the language model" : "");
    }
}

static void
print_maps (const CaptionOptions *o, const GazeCaption *caption, const GazeBeam *beam)
{
  if (o->evidence)
    print_map ("evidence", beam, caption->n_cells, FALSE);
  if (o->occlusion)
    print_map ("occlusion", beam, caption->n_cells, TRUE);
}

static void
emit_text (const CaptionOptions *o, const char *photo, const PhotoResult *r, gboolean with_name)
{
  g_autofree char *text = gaze_beam_to_string (&r->caption->beams[0]);
  if (with_name)
    printf ("%s: %s\n", photo, text);
  else
    printf ("%s\n", text);
  print_attention (r->caption, &r->caption->beams[0]);
  print_maps (o, r->caption, &r->caption->beams[0]);
  if (r->steered == NULL)
    return;
  const GazeBeam *beam = &r->steered->beams[0];
  g_autoptr (GString) line = g_string_new ("steered (");
  for (guint k = 0; k < o->regions->len; k++)
    {
      const GazeCliRegion *region = g_ptr_array_index (o->regions, k);
      g_string_append_printf (line, "%s%s %s", k > 0 ? ", " : "",
                              region->avoid ? "avoid" : "look", region->shown);
    }
  g_string_append (line, "):");
  for (int t = 0; t < beam->n_words; t++)
    g_string_append_printf (line, beam->words[t].steered ? " [%s]" : " %s", beam->words[t].word);
  printf ("%s\n", line->str);
  print_attention (r->steered, beam);
  print_maps (o, r->steered, beam);
}

/* ── JSON ────────────────────────────────────────────────────────────────── */

static void
append_grid_json (GString *out, const float *values, int grid_size)
{
  g_string_append_c (out, '[');
  for (int r = 0; r < grid_size; r++)
    {
      g_string_append (out, r > 0 ? ", [" : "[");
      for (int c = 0; c < grid_size; c++)
        {
          if (c > 0)
            g_string_append (out, ", ");
          gaze_json_append_float (out, values[r * grid_size + c]);
        }
      g_string_append_c (out, ']');
    }
  g_string_append_c (out, ']');
}

/* , "NAME": [[…]], "NAME_agreement": {…} for a map the word has. */
static void
append_map_json (GString *out, const char *name, const GazeWord *w, const float *map,
                 int grid_size)
{
  if (map == NULL)
    return;
  GazeAgreement a;
  gaze_evidence_agreement (w->alpha, map, grid_size * grid_size, &a);
  g_string_append_printf (out, ", \"%s\": ", name);
  append_grid_json (out, map, grid_size);
  g_string_append_printf (out, ", \"%s_agreement\": {\"rank_correlation\": ", name);
  gaze_json_append_float (out, a.rank_correlation);
  g_string_append_printf (out, ", \"top_alpha_in_top3\": %s, \"top_cells\": [%d, %d, %d], "
                          "\"alpha_on_top3\": ", a.top_alpha_in_top3 ? "true" : "false",
                          a.top_cells[0], a.top_cells[1], a.top_cells[2]);
  gaze_json_append_float (out, a.alpha_on_top3);
  g_string_append (out, ", \"peak\": ");
  gaze_json_append_float (out, a.peak_evidence);
  g_string_append_printf (out, ", \"weak\": %s}", a.weak ? "true" : "false");
}

/* steered: whether to say, per word, if it was steered (the steered caption). */
static void
append_word_json (GString *out, const GazeWord *w, int grid_size, gboolean steered)
{
  g_string_append (out, "{\"word\": ");
  gaze_json_append_string (out, w->word);
  if (steered)
    g_string_append_printf (out, ", \"steered\": %s", w->steered ? "true" : "false");
  g_string_append (out, ", \"prob\": ");
  gaze_json_append_float (out, w->prob);
  g_string_append (out, ", \"beta\": ");
  gaze_json_append_float (out, w->beta);
  g_string_append_printf (out, ", \"attended_cell\": %d, \"alpha\": ", w->attended_cell);
  append_grid_json (out, w->alpha, grid_size);
  append_map_json (out, "evidence", w, w->evidence, grid_size);
  append_map_json (out, "occlusion", w, w->occlusion, grid_size);
  g_string_append (out, ", \"alternatives\": [");
  for (int j = 0; j < GAZE_TOP_K && w->alternatives[j] != NULL; j++)
    {
      g_string_append (out, j > 0 ? ", {\"word\": " : "{\"word\": ");
      gaze_json_append_string (out, w->alternatives[j]);
      g_string_append (out, ", \"prob\": ");
      gaze_json_append_float (out, w->alternative_probs[j]);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}");
}

/* "caption", the attention figures and "words" of caption's best beam. */
static void
append_best_json (GString *out, const GazeCaption *caption, gboolean steered)
{
  const GazeBeam *best = &caption->beams[0];
  g_autofree char *text = gaze_beam_to_string (best);
  g_string_append (out, "\"caption\": ");
  gaze_json_append_string (out, text);
  float mean_peak, mean_change;
  gaze_beam_attention_stats (best, caption->n_cells, &mean_peak, &mean_change);
  g_string_append (out, ", \"mean_peak_alpha\": ");
  gaze_json_append_float (out, mean_peak);
  g_string_append (out, ", \"mean_alpha_change\": ");
  gaze_json_append_float (out, mean_change);
  g_string_append (out, ", \"words\": [");
  for (int i = 0; i < best->n_words; i++)
    {
      g_string_append (out, i > 0 ? ",\n    " : "\n    ");
      append_word_json (out, &best->words[i], caption->grid_size, steered);
    }
  g_string_append_c (out, ']');
}

static void
append_steered_json (GString *out, const CaptionOptions *o, const PhotoResult *r)
{
  g_string_append_printf (out, ",\n  \"steered\": {\"from_word\": %d, \"regions\": [",
                          r->first_steered);
  const int g = r->caption->grid_size;
  g_autofree float *cells = g_new (float, g * g);
  for (guint k = 0; k < o->regions->len; k++)
    {
      const GazeCliRegion *region = g_ptr_array_index (o->regions, k);
      g_string_append_printf (out, "%s{\"kind\": \"%s\", \"spec\": ", k > 0 ? ", " : "",
                              region->avoid ? "avoid" : "look");
      gaze_json_append_string (out, region->spec);
      g_string_append (out, ", \"cells\": [");
      /* Checked already by gaze_cli_regions_masks. */
      gaze_cli_region_cells (region, g, r->image->width, r->image->height, cells, NULL);
      for (int i = 0, n = 0; i < g * g; i++)
        if (cells[i] != 0.0f)
          g_string_append_printf (out, n++ > 0 ? ", %d" : "%d", i);
      g_string_append (out, "]}");
    }
  g_string_append (out, "],\n  ");
  append_best_json (out, r->steered, TRUE);
  g_string_append (out, ", \"log_prob\": ");
  gaze_json_append_float (out, r->steered->beams[0].log_prob);
  g_string_append_c (out, '}');
}

static void
append_caption_json (GString *out, const CaptionOptions *o, const char *photo,
                     const PhotoResult *r)
{
  const GazeCaption *caption = r->caption;
  g_string_append (out, "{\"photo\": ");
  gaze_json_append_string (out, photo);
  g_string_append_printf (out, ", \"attention\": \"%s\", \"grid_size\": %d, ",
                          caption->attention == GAZE_ATTENTION_HARD ? "hard" : "soft",
                          caption->grid_size);
  append_best_json (out, caption, FALSE);
  g_string_append (out, ",\n  \"beams\": [");
  for (int b = 0; b < caption->n_beams; b++)
    {
      g_autofree char *beam_text = gaze_beam_to_string (&caption->beams[b]);
      g_string_append (out, b > 0 ? ", {\"caption\": " : "{\"caption\": ");
      gaze_json_append_string (out, beam_text);
      g_string_append (out, ", \"log_prob\": ");
      gaze_json_append_float (out, caption->beams[b].log_prob);
      g_string_append (out, ", \"score\": ");
      gaze_json_append_float (out, caption->beams[b].score);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
  if (r->steered != NULL)
    append_steered_json (out, o, r);
  g_string_append_c (out, '}');
}

/* The annotated PNG of one word of the best caption, or its storyboard, to
 * path; an existing file is replaced only with --force.  On failure the
 * error names the photo or the file. */
static gboolean
export_png (const CaptionOptions *o, const GazeImage *image, const char *photo,
            const GazeCaption *caption, const char *path, GError **error)
{
  cairo_surface_t *surface = gaze_render_image_surface (image);
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  style.layer = o->layer;
  style.beside_alpha = o->beside_alpha;
  cairo_surface_t *sheet
      = o->storyboard
            ? gaze_render_storyboard (surface, caption, 0, &style, o->width, o->height, error)
            : gaze_render_word (surface, caption, 0, o->word - 1, &style, o->width, o->height,
                                error);
  cairo_surface_destroy (surface);
  if (sheet == NULL)
    {
      g_prefix_error (error, "%s: ", photo);
      return FALSE;
    }
  gboolean saved = gaze_render_save_png (sheet, path, o->force, error);
  cairo_surface_destroy (sheet);
  return saved;
}

/* ── Folders of photos ───────────────────────────────────────────────────── */

typedef struct {
  char *path;     /* as opened */
  char *relative; /* inside the folder given (the file name for a photo given) */
} Photo;

static void
photo_free (gpointer data)
{
  Photo *p = data;
  g_free (p->path);
  g_free (p->relative);
  g_free (p);
}

static gboolean
has_photo_extension (const char *name)
{
  static const char *const extensions[] = { ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif",
                                            ".tiff", ".webp", ".ppm", ".pgm", ".pnm",
                                            ".heic", ".avif", ".jxl" };
  g_autofree char *lower = g_ascii_strdown (name, -1);
  for (gsize i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_str_has_suffix (lower, extensions[i]) && strlen (lower) > strlen (extensions[i]))
      return TRUE;
  return FALSE;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Adds the photos under dir (relative: its path inside the folder given, ""
 * at the top), in name order; an unreadable folder is named and counted. */
static void
collect_folder (const char *dir, const char *relative, GPtrArray *photos, int *n_unreadable)
{
  GError *error = NULL;
  g_autoptr (GDir) handle = g_dir_open (dir, 0, &error);
  if (handle == NULL)
    {
      gaze_cli_fail_error (error);
      (*n_unreadable)++;
      return;
    }
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (handle)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      const char *entry = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *rel = relative[0] ? g_build_filename (relative, entry, NULL)
                                         : g_strdup (entry);
      /* A link to a folder could make a loop; links to photos are followed. */
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK))
            collect_folder (path, rel, photos, n_unreadable);
        }
      else if (has_photo_extension (entry))
        {
          Photo *p = g_new (Photo, 1);
          p->path = g_steal_pointer (&path);
          p->relative = g_steal_pointer (&rel);
          g_ptr_array_add (photos, p);
        }
    }
}

/* The export path of photo: its relative path under export_dir with the
 * extension replaced by .png, unless another photo took that name. */
static char *
export_path_for (const char *export_dir, const Photo *photo, GHashTable *taken)
{
  g_autofree char *stem = g_strdup (photo->relative);
  char *dot = strrchr (stem, '.');
  char *slash = strrchr (stem, '/');
  g_autofree char *ext = NULL;
  if (dot != NULL && (slash == NULL || dot > slash))
    {
      ext = g_strdup (dot + 1);
      *dot = '\0';
    }
  g_autofree char *name = g_strconcat (stem, ".png", NULL);
  if (g_hash_table_contains (taken, name) && ext != NULL)
    {
      g_free (name);
      name = g_strdup_printf ("%s-%s.png", stem, ext);
    }
  g_hash_table_add (taken, g_strdup (name));
  return g_build_filename (export_dir, name, NULL);
}

/* The COCO image id of a photo: its relative path without the extension. */
static char *
image_id_for (const Photo *photo)
{
  char *id = g_strdup (photo->relative);
  char *dot = strrchr (id, '.');
  if (dot != NULL && dot != id && (strrchr (id, '/') == NULL || dot > strrchr (id, '/')))
    *dot = '\0';
  return id;
}

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal (int signum)
{
  stop_requested = signum;
}

/* SIGINT and SIGTERM stop the work after the photo in hand; a second one
 * ends the process at once (SA_RESETHAND). */
static void
catch_stop_signals (void)
{
  struct sigaction action = { 0 };
  action.sa_handler = on_stop_signal;
  action.sa_flags = SA_RESETHAND | SA_RESTART; /* no EINTR in the writes under way */
  sigemptyset (&action.sa_mask);
  sigaction (SIGINT, &action, NULL);
  sigaction (SIGTERM, &action, NULL);
}

/* --show MAP: the layer drawn and whether α is drawn beside it. */
static gboolean
parse_show (const char *text, GazeOverlayLayer *layer, gboolean *beside_alpha)
{
  const char *map = g_str_has_prefix (text, "alpha+") ? text + strlen ("alpha+") : text;
  *beside_alpha = map != text;
  for (int l = 0; l < GAZE_N_OVERLAY_LAYERS; l++)
    if (strcmp (map, gaze_overlay_layer_to_string (l)) == 0
        && !(*beside_alpha && l == GAZE_OVERLAY_LAYER_ALPHA))
      {
        *layer = l;
        return TRUE;
      }
  return FALSE;
}

int
gaze_cli_caption (int argc, char **argv)
{
  g_auto (CaptionOptions) o = { .beam = 3, .word = 1 };
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &o.model_path,
      "The decoder model (default: the installed default model)", "FILE" },
    { "encoder", 0, 0, G_OPTION_ARG_FILENAME, &o.encoder_path,
      "The TFLite encoder (default: the one the model was trained on)", "FILE" },
    { "beam", 0, 0, G_OPTION_ARG_INT, &o.beam, "Beam width; 1 is greedy (default 3)", "K" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json,
      "Print per word α, β, probability and alternatives, and the beams, as JSON", NULL },
    { "export", 0, 0, G_OPTION_ARG_FILENAME, &o.export_path,
      "Write a PNG of the photo with a word's attention and the caption", "OUT.png" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &o.out_path,
      "Write the captions as COCO results JSON", "results.json" },
    { "export-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.export_dir,
      "Write one PNG per photo into DIR (its folders mirror the photos')", "DIR" },
    { "storyboard", 0, 0, G_OPTION_ARG_NONE, &o.storyboard,
      "With --export or --export-dir: one tile per word instead of one word", NULL },
    { "word", 0, 0, G_OPTION_ARG_INT, &o.word,
      "With --export or --export-dir: the word to show (default 1)", "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &o.size,
      "With --export or --export-dir: the PNG's size (default: the photo's full resolution)",
      "WxH" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &o.force,
      "Replace existing files (--export, --out, --export-dir)", NULL },
    { "look", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.look,
      "Decode again with the attention confined to a rectangle: integers are pixels, numbers "
      "with a decimal point fractions of the photo; @N word N only, @N+ from word N on, no @ "
      "every word (repeatable)",
      "X0,Y0,X1,Y1[@N[+]]" },
    { "avoid", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.avoid,
      "Decode again with a rectangle's cells removed from the attention (as --look)",
      "X0,Y0,X1,Y1[@N[+]]" },
    { "evidence", 0, 0, G_OPTION_ARG_NONE, &o.evidence,
      "Per word, how much log p drops when each cell alone is removed from the attention, and "
      "its agreement with α",
      NULL },
    { "occlusion", 0, 0, G_OPTION_ARG_NONE, &o.occlusion,
      "The same with each cell of the photo greyed out and the photo encoded again (slower)",
      NULL },
    { "show", 0, 0, G_OPTION_ARG_STRING, &o.show,
      "With --export or --export-dir: the map drawn, alpha (default), evidence, occlusion, "
      "alpha+evidence or alpha+occlusion",
      "MAP" },
    { NULL },
  };
  if (!gaze_cli_parse_options ("caption", "PHOTO|DIR… — caption photos", entries, TRUE, &argc,
                               &argv))
    return 1;
  GError *error = NULL;
  gboolean exporting = o.export_path != NULL || o.export_dir != NULL;
  if (argc < 2)
    return gaze_cli_fail ("caption: no photo given (gaze-cli caption PHOTO|DIR…)");
  if (o.beam < 1 || o.beam > 20)
    return gaze_cli_fail ("caption: --beam takes 1 to 20, not %d", o.beam);
  if (!exporting && (o.storyboard || o.size != NULL || o.word != 1))
    return gaze_cli_fail ("caption: --storyboard, --word and --size go with --export or "
                          "--export-dir");
  if (o.force && !exporting && o.out_path == NULL)
    return gaze_cli_fail ("caption: --force goes with --export, --export-dir or --out");
  if (o.export_path != NULL && o.export_dir != NULL)
    return gaze_cli_fail ("caption: --export writes one photo's PNG, --export-dir one per "
                          "photo: give one of them");
  if (o.export_path != NULL && (argc != 2 || g_file_test (argv[1], G_FILE_TEST_IS_DIR)))
    return gaze_cli_fail ("caption: --export takes exactly one photo (use --export-dir for "
                          "more)");
  if (o.word < 1)
    return gaze_cli_fail ("caption: --word counts from 1, not %d", o.word);
  if (o.show != NULL && !exporting)
    return gaze_cli_fail ("caption: --show goes with --export or --export-dir");
  if (o.show != NULL && !parse_show (o.show, &o.layer, &o.beside_alpha))
    return gaze_cli_fail ("caption: --show takes alpha, evidence, occlusion, alpha+evidence or "
                          "alpha+occlusion, not '%s'",
                          o.show);
  o.regions = g_ptr_array_new_with_free_func ((GDestroyNotify) gaze_cli_region_free);
  for (int avoid = 0; avoid < 2; avoid++)
    for (char **spec = avoid ? o.avoid : o.look; spec != NULL && *spec != NULL; spec++)
      {
        GazeCliRegion *region = gaze_cli_region_parse (*spec, avoid, &error);
        if (region == NULL)
          {
            g_prefix_error (&error, "caption: ");
            return gaze_cli_fail_error (error);
          }
        g_ptr_array_add (o.regions, region);
      }
  if (o.out_path != NULL && (o.regions->len > 0 || o.evidence || o.occlusion))
    return gaze_cli_fail ("caption: --look, --avoid, --evidence and --occlusion go with the "
                          "plain, --json or export output, not --out");
  if (o.size != NULL && !gaze_render_parse_size (o.size, &o.width, &o.height, &error))
    return gaze_cli_fail_error (error);
  if (o.export_path != NULL && !o.force && g_file_test (o.export_path, G_FILE_TEST_EXISTS))
    return gaze_cli_fail ("%s: the file already exists (pass --force to replace it)",
                          o.export_path);
  if (o.out_path != NULL && !o.force && g_file_test (o.out_path, G_FILE_TEST_EXISTS))
    return gaze_cli_fail ("%s: the file already exists (pass --force to replace it)",
                          o.out_path);
  if (o.export_dir != NULL && g_file_test (o.export_dir, G_FILE_TEST_EXISTS)
      && !g_file_test (o.export_dir, G_FILE_TEST_IS_DIR))
    return gaze_cli_fail ("%s: not a folder", o.export_dir);

  /* The photos: each argument, or every photo under it when it is a folder. */
  g_autoptr (GPtrArray) photos = g_ptr_array_new_with_free_func (photo_free);
  int n_skipped = 0;
  gboolean folders = FALSE;
  for (int i = 1; i < argc; i++)
    if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
      {
        folders = TRUE;
        collect_folder (argv[i], "", photos, &n_skipped);
      }
    else
      {
        Photo *p = g_new (Photo, 1);
        p->path = g_strdup (argv[i]);
        p->relative = g_path_get_basename (argv[i]);
        g_ptr_array_add (photos, p);
      }
  if (photos->len == 0)
    return gaze_cli_fail ("caption: no photos found in %s%s", argv[1], argc > 2 ? " …" : "");
  gboolean batch = folders || o.out_path != NULL || o.export_dir != NULL;
  o.progress = !batch; /* a folder has its own bar */

  /* Every export path, checked before the first photo: nothing is replaced
   * without --force, and a refusal costs no work. */
  g_autoptr (GPtrArray) export_paths = g_ptr_array_new_with_free_func (g_free);
  if (o.export_dir != NULL)
    {
      g_autoptr (GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (guint i = 0; i < photos->len; i++)
        {
          char *path = export_path_for (o.export_dir, g_ptr_array_index (photos, i), taken);
          g_ptr_array_add (export_paths, path);
          if (!o.force && g_file_test (path, G_FILE_TEST_EXISTS))
            return gaze_cli_fail ("%s: the file already exists (pass --force to replace it)",
                                  path);
        }
    }

  if (o.model_path == NULL)
    o.model_path = gaze_paths_default_model ();
  if (o.model_path == NULL)
    return gaze_cli_fail ("caption: no model installed; pass --model FILE or train one with "
                          "gaze-cli train");
  g_autoptr (GazeModel) model = gaze_model_load (o.model_path, &error);
  if (model == NULL)
    return gaze_cli_fail_error (error);
  if (o.encoder_path == NULL
      && (o.encoder_path = gaze_paths_resolve_encoder (gaze_model_get_encoder_name (model),
                                                       &error))
             == NULL)
    return gaze_cli_fail_error (error);
  g_autoptr (GazeEncoder) encoder = gaze_encoder_load (o.encoder_path, &error);
  if (encoder == NULL || !gaze_model_check_encoder (model, encoder, &error))
    return gaze_cli_fail_error (error);

  if (batch)
    catch_stop_signals ();
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  GazeCliProgress *bar = batch ? gaze_cli_progress_new ("captioning", photos->len) : NULL;
  gint64 start_us = g_get_monotonic_time ();
  gboolean print_text = !o.json && (!batch || o.out_path == NULL);
  gboolean failed_write = FALSE;
  int n_done = 0;
  if (o.json)
    fputs ("[", stdout);
  for (guint i = 0; i < photos->len && !stop_requested && !failed_write; i++)
    {
      const Photo *photo = g_ptr_array_index (photos, i);
      g_auto (PhotoResult) result = { 0 };
      if (!caption_photo (&o, model, encoder, photo->path, &result, &error))
        {
          /* One bad photo does not stop the others; it is named and counted. */
          gaze_cli_fail_error (error);
          error = NULL;
          n_skipped++;
        }
      else
        {
          n_done++;
          if (o.json)
            {
              g_autoptr (GString) json = g_string_new (n_done > 1 ? ",\n " : "\n ");
              append_caption_json (json, &o, photo->path, &result);
              fputs (json->str, stdout);
            }
          else if (print_text)
            emit_text (&o, photo->path, &result, photos->len > 1);
          /* An export shows what was asked for: the steered caption if any. */
          const GazeCaption *caption = result.steered != NULL ? result.steered : result.caption;
          const char *export_to = o.export_dir != NULL ? g_ptr_array_index (export_paths, i)
                                                       : o.export_path;
          if (export_to != NULL)
            {
              g_autofree char *dir = g_path_get_dirname (export_to);
              if (g_mkdir_with_parents (dir, 0755) != 0)
                {
                  int saved = errno;
                  failed_write = TRUE;
                  gaze_cli_fail ("%s: %s", dir, g_strerror (saved));
                }
              else if (!export_png (&o, result.image, photo->path, caption, export_to, &error))
                {
                  /* A write that fails (a full disk) or a size too small would
                   * fail for the photos after it too: stop. */
                  failed_write = TRUE;
                  gaze_cli_fail_error (error);
                  error = NULL;
                }
            }
          g_ptr_array_add (ids, image_id_for (photo));
          g_ptr_array_add (names, g_strdup (photo->path));
          g_ptr_array_add (texts, gaze_beam_to_string (&result.caption->beams[0]));
        }
      if (bar != NULL)
        {
          double seconds = (g_get_monotonic_time () - start_us) / 1e6;
          g_autofree char *detail = g_strdup_printf ("%.1f photos/s", (i + 1) / seconds);
          gaze_cli_progress_update (bar, i + 1, detail);
        }
    }
  if (o.json)
    fputs ("\n]\n", stdout);
  fflush (stdout);
  g_clear_pointer (&bar, gaze_cli_progress_finish);

  int status = n_skipped > 0 || failed_write ? 1 : 0;
  if (o.out_path != NULL)
    {
      if (!gaze_json_write_results (o.out_path, ids->len, (char *const *) ids->pdata,
                                    (char *const *) names->pdata, (char *const *) texts->pdata,
                                    &error))
        status = gaze_cli_fail_error (error);
    }
  if (batch)
    {
      double seconds = (g_get_monotonic_time () - start_us) / 1e6;
      fprintf (stderr, "captioned %d of %u photos in %.1f s (%.2f photos/s)", n_done,
               photos->len, seconds, n_done / MAX (seconds, 1e-9));
      if (n_skipped > 0)
        fprintf (stderr, "; skipped %d unreadable (named above)", n_skipped);
      if (o.out_path != NULL && status == 0)
        fprintf (stderr, "; results in %s", o.out_path);
      fprintf (stderr, "\n");
    }
  if (stop_requested)
    {
      gaze_cli_fail ("caption: stopped by %s after %d photos; what was done is kept",
                     stop_requested == SIGINT ? "Ctrl+C" : "SIGTERM", n_done);
      return 130;
    }
  return status;
}
