/* checkpoint.h — internal: the training checkpoint, a model file with the
 * optimiser's state besides the parameters (written by train.c every epoch,
 * read back by --resume, and fuzzed by tests/fuzz/fuzz-checkpoint.c). */
#pragma once

#include "adam.h"
#include "model.h"

typedef struct {
  int epoch;        /* epochs completed */
  int best_epoch;
  int bad_epochs;   /* since the best */
  double best_bleu4;
  float baseline;   /* hard attention's moving average */
  double wall_time; /* seconds of training, over all runs */
  gboolean normalised_grid; /* the parameters are those of standardised grids */
} GazeTrainProgress;

/* The model's parameters (float32), Adam's moments and step, the random
 * state and p (normalised_grid as checkpoint.grid), written atomically
 * (model-file.c) to path. */
gboolean _gaze_checkpoint_write (const char *path, const GazeModel *model, const GazeAdam *adam,
                                const GazeRng *rng, const GazeTrainProgress *p, GError **error);
/* Reads path into model's parameters, adam, rng and p; fails, changing
 * nothing, when the file is damaged, not a checkpoint (GAZE_ERROR_CORRUPT)
 * or one of another model (GAZE_ERROR_MISMATCH). */
gboolean _gaze_checkpoint_read (const char *path, const GazeModel *model, GazeAdam *adam,
                               GazeRng *rng, GazeTrainProgress *p, GError **error);
