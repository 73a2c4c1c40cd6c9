/* fuzz-checkpoint — libFuzzer target for the training-checkpoint reader
 * (checkpoint.c), which --resume runs on MODEL.gzm.ckpt: the input is
 * written as a file and read into a tiny model of the sizes the seeds
 * (tests/fuzz/corpus-checkpoint) were written with.  A checkpoint that reads
 * must leave finite parameters and moments.  Run with FUZZ_WRITE_SEED=PATH
 * it writes a valid seed there instead. */
#include <math.h>

#include "checkpoint.h"
#include "fuzz-util.h"

static GazeModel *
tiny_model (void)
{
  static const char *const words[] = { "<pad>", "<start>", "<end>", "<unk>", "a", "dog" };
  GazeVocab *vocab = gaze_vocab_new (words, G_N_ELEMENTS (words), NULL);
  GazeDecoderSizes sizes = { .vocab = G_N_ELEMENTS (words), .channels = 2, .squeeze = 2,
                             .embed = 2, .hidden = 2, .attn = 2, .cells = 4 };
  GazeDecoder *dec = _gaze_decoder_new (&sizes);
  GazeRng rng;
  _gaze_rng_seed (&rng, 7);
  _gaze_decoder_init_params (dec, &rng);
  return _gaze_model_new (dec, vocab, GAZE_ATTENTION_SOFT, "fuzz",
                         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}

static void
write_seed (const char *path)
{
  GazeModel *model = tiny_model ();
  GazeAdam *adam = _gaze_adam_new (model->dec->n_params);
  for (gsize i = 0; i < adam->n; i++)
    adam->m[i] = 0.01f * (float) i, adam->v[i] = 0.001f * (float) i;
  adam->step = 12;
  GazeRng rng;
  _gaze_rng_seed (&rng, 3);
  GazeTrainProgress p = { .epoch = 2, .best_epoch = 1, .bad_epochs = 1, .best_bleu4 = 0.125,
                          .baseline = -3.5f, .wall_time = 42.0 };
  if (!_gaze_checkpoint_write (path, model, adam, &rng, &p, NULL))
    abort ();
  _gaze_adam_free (adam);
  gaze_model_free (model);
}

static void read_checkpoint (GazeModel *model, GazeAdam *adam, const uint8_t *data,
                             size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static GazeModel *model;
  static GazeAdam *adam;
  if (model == NULL)
    {
      const char *seed = g_getenv ("FUZZ_WRITE_SEED");
      if (seed != NULL)
        {
          write_seed (seed);
          exit (0);
        }
      model = tiny_model ();
      adam = _gaze_adam_new (model->dec->n_params);
    }
  read_checkpoint (model, adam, data, size);
  /* And with the size and checksum repaired, to reach the parser behind them. */
  guint8 *repaired = fuzz_repair_model_file (data, size);
  if (repaired != NULL)
    read_checkpoint (model, adam, repaired, size);
  g_free (repaired);
  return 0;
}

static void
read_checkpoint (GazeModel *model, GazeAdam *adam, const uint8_t *data, size_t size)
{
  const char *path = fuzz_write_file ("train.ckpt", data, size);
  GazeRng rng = { { 1, 2, 3, 4 } };
  GazeTrainProgress p = { 0 };
  GError *error = NULL;
  if (!_gaze_checkpoint_read (path, model, adam, &rng, &p, &error))
    {
      fuzz_check_error (error);
      return;
    }
  for (gsize i = 0; i < adam->n; i++)
    if (!isfinite (model->dec->params[i]) || !isfinite (adam->m[i]) || !(adam->v[i] >= 0.0f))
      __builtin_trap ();
  if (p.epoch < 0 || p.best_epoch > p.epoch)
    __builtin_trap ();
}
