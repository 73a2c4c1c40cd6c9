/* test-models.c — small random decoder models for the engine tests. */
#include "test-models.h"

GazeModel *
test_model_random (const GazeDecoderSizes *sizes, const char *const *words, int n_words,
                   GazeAttention attention, GazeRng *rng, const char *encoder_sha256)
{
  GazeDecoder *dec = _gaze_decoder_new (sizes);
  _gaze_decoder_init_params (dec, rng);
  for (gsize i = 0; i < dec->n_params; i++)
    dec->params[i] *= 3.0f;
  GazeVocab *vocab = gaze_vocab_new (words, n_words, NULL);
  g_assert_nonnull (vocab);
  return _gaze_model_new (dec, vocab, attention, "test", encoder_sha256);
}
