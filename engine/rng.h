/* rng.h — random numbers for training and sampling (internal).
 *
 * Every generator belongs to its user (the trainer, a test), so that a seed
 * fixes a run and nothing is shared between threads or runs. */
#pragma once

#include <glib.h>

/* ── A small random generator, private to its owner (no global state) ──────── */

typedef struct {
  guint64 s[4]; /* xoshiro256** */
} GazeRng;

void _gaze_rng_seed (GazeRng *rng, guint64 seed);
guint64 _gaze_rng_next (GazeRng *rng);
float _gaze_rng_uniform (GazeRng *rng);             /* [0, 1) */
float _gaze_rng_normal (GazeRng *rng);              /* N(0, 1) */
guint32 _gaze_rng_below (GazeRng *rng, guint32 n);  /* [0, n) */
/* A fair coin fixed by (seed, a, b) alone, with no generator state: the same
 * toss whenever it is asked, in any order. */
gboolean _gaze_rng_keyed_coin (guint64 seed, guint64 a, guint64 b);
