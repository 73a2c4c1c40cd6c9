/* gaze-blas.h — full-speed OpenBLAS kernels however Gaze is started.
 *
 * Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) does not know some newer CPUs and
 * runs its SSE3 "Prescott" kernels on them, 2–3× slower than the AVX2 or
 * AVX-512 kernels the CPU can run.  It reads OPENBLAS_CORETYPE only as it
 * loads, so the choice must be made before main: when OpenBLAS reports such
 * a fallback on a CPU with AVX2 or AVX-512, the program starts itself again
 * (execv /proc/self/exe) with OPENBLAS_CORETYPE set, and
 * GAZE_OPENBLAS_DETECTED saying what OpenBLAS had chosen (for
 * gaze_blas_describe).  Nothing changes when OpenBLAS knows the CPU, when
 * OPENBLAS_CORETYPE is already set, or when GAZE_OPENBLAS_AUTO=0. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* CPU features that decide the kernels. */
enum {
  GAZE_CPU_AVX2_FMA = 1 << 0,    /* AVX2 and FMA3: Haswell kernels */
  GAZE_CPU_AVX512 = 1 << 1,      /* AVX-512 F, CD, BW, DQ, VL: SkylakeX kernels */
  GAZE_CPU_AVX512_BF16 = 1 << 2, /* and BF16: Cooperlake kernels */
};

/* This CPU's features (GCC's __builtin_cpu_supports, which also checks that
 * the OS saves the registers). */
guint gaze_blas_cpu_features (void);
/* The OPENBLAS_CORETYPE to ask for when OpenBLAS detected core on a CPU with
 * features, or NULL to leave OpenBLAS as it is: only an SSE or AVX-only core
 * on a CPU with AVX2 or AVX-512 is replaced. */
const char *gaze_blas_choose_coretype (const char *detected, guint features);
/* Called first in main: restarts the program with the faster kernels when
 * that applies; returns when it does not (or when the restart fails, said
 * on stderr). */
void gaze_blas_ensure_fast_kernels (char **argv);

G_END_DECLS
