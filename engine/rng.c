/* rng.c — the engine's random numbers (see rng.h). */
#include "rng.h"

#include <math.h>

/* ── Random numbers: xoshiro256**, seeded by splitmix64 ─────────────────────── */

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void
_gaze_rng_seed (GazeRng *rng, guint64 seed)
{
  guint64 x = seed;
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

gboolean
_gaze_rng_keyed_coin (guint64 seed, guint64 a, guint64 b)
{
  guint64 x = seed;
  guint64 h = splitmix64 (&x) ^ a;
  h = splitmix64 (&h) ^ b;
  return splitmix64 (&h) >> 63;
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

guint64
_gaze_rng_next (GazeRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

float
_gaze_rng_uniform (GazeRng *rng)
{
  return (float) (_gaze_rng_next (rng) >> 40) * (1.0f / 16777216.0f);
}

float
_gaze_rng_normal (GazeRng *rng)
{
  /* Box-Muller; 1 − u keeps the logarithm finite. */
  double u1 = 1.0 - (double) (_gaze_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
  double u2 = (double) (_gaze_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
  return (float) (sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2));
}

guint32
_gaze_rng_below (GazeRng *rng, guint32 n)
{
  /* Lemire's multiply-shift; the bias for n ≪ 2³² is negligible here. */
  return (guint32) (((_gaze_rng_next (rng) >> 32) * (guint64) n) >> 32);
}
