/* simd.h — sixteen floats as one value, for the encoder's kernels (internal).
 *
 * One AVX-512 register, two AVX ones: GCC lowers the vector type to whatever
 * -march offers.  Loads and stores go through memcpy (unaligned).
 */
#pragma once

#include <glib.h>
#include <string.h>

/* Built without AVX-512 (-Dnative=false), GCC warns that returning a 64-byte
 * vector changes the ABI; these functions are static and inlined, so no call
 * ever crosses an ABI boundary. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

typedef float F32x16 __attribute__ ((vector_size (64)));
typedef gint32 I32x16 __attribute__ ((vector_size (64)));

static inline F32x16
load16 (const float *p)
{
  F32x16 v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline void
store16 (float *p, F32x16 v)
{
  memcpy (p, &v, sizeof v);
}

/* x in every lane. */
static inline F32x16
splat16 (float x)
{
  return x - (F32x16) { 0 };
}

/* clamp (x, lo, hi) lane by lane, through masks: C has no vector ?:.  As
 * clampf, a NaN stays NaN. */
static inline F32x16
clamp16 (F32x16 x, F32x16 lo, F32x16 hi)
{
  I32x16 below = x < lo, above = x > hi;
  I32x16 bits = ((I32x16) x & ~below) | ((I32x16) lo & below);
  return (F32x16) ((bits & ~above) | ((I32x16) hi & above));
}
