/* test-models.h — small random decoder models for the engine tests that
 * need a model whose every output is known to come from its weights. */
#pragma once

#include "decoder.h"
#include "model.h"

G_BEGIN_DECLS

/* A model of SIZES over WORDS, its weights drawn from RNG as the trainer
 * initialises them and then tripled, so that its distributions are far from
 * uniform and its captions depend on the weights. */
GazeModel *test_model_random (const GazeDecoderSizes *sizes, const char *const *words,
                              int n_words, GazeAttention attention, GazeRng *rng,
                              const char *encoder_sha256);

G_END_DECLS
