/* fuzz-model — libFuzzer target for the .gzm model reader: the file format
 * (model-file.c) and the model it describes (model.c).  A model file is
 * what a user downloads from a stranger.  Every input must give a model or a
 * one-line error; a small model that loads is also run (beam search on a
 * zero grid), so that the sizes it declares are checked against its tensors.
 * Built with replay.c instead of libFuzzer, it replays tests/fuzz/corpus-model;
 * run with FUZZ_WRITE_SEED=PATH, it writes a valid tiny model there instead. */
#include "fuzz-util.h"
#include "model-file.h"
#include "model.h"

static void
write_seed (const char *path)
{
  static const char *const words[] = { "<pad>", "<start>", "<end>", "<unk>", "a", "dog" };
  GazeVocab *vocab = gaze_vocab_new (words, G_N_ELEMENTS (words), NULL);
  GazeDecoderSizes sizes = { .vocab = G_N_ELEMENTS (words), .channels = 3, .squeeze = 2,
                             .embed = 2, .hidden = 3, .attn = 2, .cells = 4 };
  GazeDecoder *dec = _gaze_decoder_new (&sizes);
  GazeRng rng;
  _gaze_rng_seed (&rng, 5);
  _gaze_decoder_init_params (dec, &rng);
  GazeModel *model = _gaze_model_new (dec, vocab, GAZE_ATTENTION_SOFT, "fuzz",
                                     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  if (!gaze_model_save (model, path, NULL))
    abort ();
  gaze_model_free (model);
}

static void
read_model (const uint8_t *data, size_t size);

/* Every input twice: as it is, and with its size and checksum repaired, so
 * that mutations of the body are parsed rather than stopped by the checksum. */
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static gboolean started;
  if (!started)
    {
      started = TRUE;
      if (g_getenv ("FUZZ_WRITE_SEED") != NULL)
        {
          write_seed (g_getenv ("FUZZ_WRITE_SEED"));
          exit (0);
        }
    }
  read_model (data, size);
  guint8 *repaired = fuzz_repair_model_file (data, size);
  if (repaired != NULL)
    read_model (repaired, size);
  g_free (repaired);
  return 0;
}

static void
read_model (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  GazeModelFile *file = _gaze_model_file_read_data (data, size, "fuzz.gzm", &error);
  if (file == NULL)
    {
      fuzz_check_error (error);
      return;
    }
  GazeModel *model = _gaze_model_from_file (file, "fuzz.gzm", &error);
  gaze_model_file_free (file);
  if (model == NULL)
    {
      fuzz_check_error (error);
      return;
    }
  const GazeDecoderSizes *s = &model->dec->sizes;
  if (model->dec->n_params < 200000 && s->vocab <= 1000)
    {
      float *grid = g_new0 (float, (gsize) s->cells * s->channels);
      GazeCaption *caption = gaze_model_caption (model, grid, 2, NULL, &error);
      if (caption == NULL)
        fuzz_check_error (error);
      else
        {
          char *text = gaze_beam_to_string (&caption->beams[0]);
          g_free (text);
          gaze_caption_free (caption);
        }
      g_free (grid);
    }
  gaze_model_free (model);
}
