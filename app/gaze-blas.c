/* gaze-blas.c — full-speed OpenBLAS kernels at every entry point; see gaze-blas.h. */
#include "gaze-blas.h"

#include <cblas.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

guint
gaze_blas_cpu_features (void)
{
  guint features = 0;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    features |= GAZE_CPU_AVX2_FMA;
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512cd")
      && __builtin_cpu_supports ("avx512bw") && __builtin_cpu_supports ("avx512dq")
      && __builtin_cpu_supports ("avx512vl"))
    features |= GAZE_CPU_AVX512;
#if defined(__GNUC__) && __GNUC__ >= 12
  if ((features & GAZE_CPU_AVX512) && __builtin_cpu_supports ("avx512bf16"))
    features |= GAZE_CPU_AVX512_BF16;
#endif
#endif
  return features;
}

/* OpenBLAS 0.3.21's x86-64 core names (driver/others/dynamic.c) whose
 * kernels use SSE only or AVX without AVX2: what it falls back to on a CPU it
 * does not know.  Any other name is left alone. */
static const char *const slow_cores[] = {
  "Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Opteron", "Opteron(SSE3)",
  "Barcelona", "Nano", "Bobcat", "Sandybridge", "Bulldozer", "Piledriver", "Steamroller",
  "Excavator", "Katmai", "Coppermine", "Northwood", "Banias", "Athlon", "Unknown",
};

const char *
gaze_blas_choose_coretype (const char *detected, guint features)
{
  gboolean slow = FALSE;
  for (gsize i = 0; detected != NULL && i < G_N_ELEMENTS (slow_cores); i++)
    slow |= g_ascii_strcasecmp (detected, slow_cores[i]) == 0;
  if (!slow)
    return NULL;
  if (features & GAZE_CPU_AVX512_BF16)
    return "Cooperlake";
  if (features & GAZE_CPU_AVX512)
    return "SkylakeX";
  if (features & GAZE_CPU_AVX2_FMA)
    return "Haswell";
  return NULL;
}

void
gaze_blas_ensure_fast_kernels (char **argv)
{
  if (getenv ("OPENBLAS_CORETYPE") != NULL || g_strcmp0 (getenv ("GAZE_OPENBLAS_AUTO"), "0") == 0)
    return;
  const char *detected = openblas_get_corename ();
  const char *core = gaze_blas_choose_coretype (detected, gaze_blas_cpu_features ());
  if (core == NULL)
    return;
  g_autofree char *was = g_strdup (detected);
  if (setenv ("OPENBLAS_CORETYPE", core, 1) != 0 || setenv ("GAZE_OPENBLAS_DETECTED", was, 1) != 0)
    return;
  execv ("/proc/self/exe", argv);
  /* Still here: the restart failed; run on, slower, as before. */
  int saved = errno;
  unsetenv ("OPENBLAS_CORETYPE");
  unsetenv ("GAZE_OPENBLAS_DETECTED");
  fprintf (stderr, "%s: could not restart with OPENBLAS_CORETYPE=%s (%s); running with "
           "OpenBLAS's %s kernels\n", argv[0], core, g_strerror (saved), was);
}
