/* cli-caption.c — gaze-cli caption: caption photos from the command line.
 *
 *   gaze-cli caption [--model FILE] [--encoder FILE] [--beam K] [--json] PHOTO...
 *   gaze-cli caption PHOTO --export OUT.png [--storyboard] [--word N] [--size WxH] [--force]
 *
 * Plain output is, per photo, the caption ("PHOTO: caption" when there are
 * several) and a line saying whether its attention is alive: the mean peak α
 * and the mean change of α between consecutive words
 * (gaze_beam_attention_stats).  --json prints an array with, per photo, the
 * caption, those two numbers, every word's 7×7 α grid, β, probability,
 * attended cell and top-5 alternatives, and all k beams with their
 * log-probabilities and length-normalised scores.
 *
 * Structure: options are parsed into CaptionOptions; each photo is encoded
 * and captioned once (caption_photo), then every requested output runs on
 * that result (emit_*), so another output (an export, a storyboard) is one
 * more option and one more emit function. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli-json.h"
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
} CaptionOptions;

static void
caption_options_clear (CaptionOptions *o)
{
  g_free (o->model_path);
  g_free (o->encoder_path);
  g_free (o->export_path);
  g_free (o->size);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CaptionOptions, caption_options_clear)


/* The photo's grid through the encoder, then beam search. */
static GazeCaption *
caption_photo (const CaptionOptions *o, const GazeModel *model, const GazeEncoder *encoder,
               const char *photo, GError **error)
{
  g_autoptr (GazeImage) image = gaze_image_load (photo, error);
  if (image == NULL)
    return NULL;
  const int cells = gaze_encoder_get_grid_size (encoder) * gaze_encoder_get_grid_size (encoder);
  g_autofree float *grid = g_new (float, (gsize) cells * gaze_encoder_get_channels (encoder));
  if (!gaze_encoder_encode_image (encoder, image, grid, NULL, error))
    return NULL;
  return gaze_model_caption (model, grid, o->beam, NULL, error);
}

static void
emit_text (const char *photo, const GazeCaption *caption, gboolean with_name)
{
  g_autofree char *text = gaze_beam_to_string (&caption->beams[0]);
  if (with_name)
    printf ("%s: %s\n", photo, text);
  else
    printf ("%s\n", text);
  float mean_peak, mean_change;
  gaze_beam_attention_stats (&caption->beams[0], caption->n_cells, &mean_peak, &mean_change);
  printf ("  attention: mean peak α %.3f (uniform %.3f), mean change between words %.3f\n",
          mean_peak, 1.0 / caption->n_cells, mean_change);
}

static void
append_word_json (GString *out, const GazeWord *w, int grid_size)
{
  g_string_append (out, "{\"word\": ");
  gaze_json_append_string (out, w->word);
  g_string_append (out, ", \"prob\": ");
  gaze_json_append_float (out, w->prob);
  g_string_append (out, ", \"beta\": ");
  gaze_json_append_float (out, w->beta);
  g_string_append_printf (out, ", \"attended_cell\": %d, \"alpha\": [", w->attended_cell);
  for (int r = 0; r < grid_size; r++)
    {
      g_string_append (out, r > 0 ? ", [" : "[");
      for (int c = 0; c < grid_size; c++)
        {
          if (c > 0)
            g_string_append (out, ", ");
          gaze_json_append_float (out, w->alpha[r * grid_size + c]);
        }
      g_string_append_c (out, ']');
    }
  g_string_append (out, "], \"alternatives\": [");
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

static void
append_caption_json (GString *out, const char *photo, const GazeCaption *caption)
{
  g_autofree char *text = gaze_beam_to_string (&caption->beams[0]);
  g_string_append (out, "{\"photo\": ");
  gaze_json_append_string (out, photo);
  g_string_append (out, ", \"caption\": ");
  gaze_json_append_string (out, text);
  g_string_append_printf (out, ", \"attention\": \"%s\", \"grid_size\": %d",
                          caption->attention == GAZE_ATTENTION_HARD ? "hard" : "soft",
                          caption->grid_size);
  const GazeBeam *best = &caption->beams[0];
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
      append_word_json (out, &best->words[i], caption->grid_size);
    }
  g_string_append (out, "],\n  \"beams\": [");
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
  g_string_append (out, "]}");
}

/* --export: the annotated PNG of one word of the best caption, or its
 * storyboard; an existing file is replaced only with --force. */
static int
emit_export (const CaptionOptions *o, const char *photo, const GazeCaption *caption)
{
  GError *error = NULL;
  g_autoptr (GazeImage) image = gaze_image_load (photo, &error);
  if (image == NULL)
    return gaze_cli_fail_error (error);
  cairo_surface_t *surface = gaze_render_image_surface (image);
  GazeOverlayStyle style = GAZE_OVERLAY_STYLE_INIT;
  cairo_surface_t *sheet
      = o->storyboard
            ? gaze_render_storyboard (surface, caption, 0, &style, o->width, o->height, &error)
            : gaze_render_word (surface, caption, 0, o->word - 1, &style, o->width, o->height,
                                &error);
  cairo_surface_destroy (surface);
  if (sheet == NULL)
    {
      int status = gaze_cli_fail ("%s: %s", photo, error->message);
      g_error_free (error);
      return status;
    }
  gboolean saved = gaze_render_save_png (sheet, o->export_path, o->force, &error);
  cairo_surface_destroy (sheet);
  return saved ? 0 : gaze_cli_fail_error (error);
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
    { "storyboard", 0, 0, G_OPTION_ARG_NONE, &o.storyboard,
      "With --export: one tile per word instead of one word", NULL },
    { "word", 0, 0, G_OPTION_ARG_INT, &o.word, "With --export: the word to show (default 1)", "N" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &o.size,
      "With --export: the PNG's size (default: the photo's full resolution)", "WxH" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &o.force, "With --export: replace an existing file", NULL },
    { NULL },
  };
  if (!gaze_cli_parse_options ("caption", "PHOTO… — caption photos", entries, TRUE, &argc, &argv))
    return 1;
  GError *error = NULL;
  if (argc < 2)
    return gaze_cli_fail ("caption: no photo given (gaze-cli caption PHOTO…)");
  if (o.beam < 1 || o.beam > 20)
    return gaze_cli_fail ("caption: --beam takes 1 to 20, not %d", o.beam);
  if (o.export_path == NULL && (o.storyboard || o.size != NULL || o.force || o.word != 1))
    return gaze_cli_fail ("caption: --storyboard, --word, --size and --force go with --export");
  if (o.export_path != NULL && argc != 2)
    return gaze_cli_fail ("caption: --export takes exactly one photo");
  if (o.word < 1)
    return gaze_cli_fail ("caption: --word counts from 1, not %d", o.word);
  if (o.size != NULL && !gaze_render_parse_size (o.size, &o.width, &o.height, &error))
    return gaze_cli_fail_error (error);
  if (o.export_path != NULL && !o.force && g_file_test (o.export_path, G_FILE_TEST_EXISTS))
    return gaze_cli_fail ("%s: the file already exists (pass --force to replace it)",
                          o.export_path);
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

  int status = 0;
  GString *json = g_string_new ("[");
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GazeCaption) caption = caption_photo (&o, model, encoder, argv[i], &error);
      if (caption == NULL)
        {
          /* One bad photo does not stop the others; the exit status says so. */
          status = gaze_cli_fail_error (error);
          error = NULL;
          continue;
        }
      if (o.json)
        {
          g_string_append (json, json->len > 1 ? ",\n " : "\n ");
          append_caption_json (json, argv[i], caption);
        }
      else
        emit_text (argv[i], caption, argc > 2);
      if (o.export_path != NULL && emit_export (&o, argv[i], caption) != 0)
        status = 1;
    }
  if (o.json)
    {
      g_string_append (json, "\n]\n");
      fputs (json->str, stdout);
    }
  g_string_free (json, TRUE);
  return status;
}
