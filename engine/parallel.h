/* parallel.h — a small pool of worker threads, the slices of work it hands
 * out, and the GEMMs split over it (internal).
 *
 * Why not OpenMP: libgomp's idle workers spin for a while after each parallel
 * region, and on a 2-core machine they take the cores from OpenBLAS's own
 * threads, which run the GEMMs in between: a MobileNetV2 forward pass took
 * 93 ms with OpenMP's default waiting and 18 ms with passive waiting.  These
 * workers wait on a condition variable, after a spin bounded in time that
 * the encoder asks for (its ops come in bursts) and training does not.
 */
#pragma once

#include <glib.h>

typedef struct _GazePool GazePool;

/* n_threads in all, the caller included; below 2, everything runs in the caller. */
GazePool *_gaze_pool_new (int n_threads);
/* The same, with workers that spin for up to spin_us after each job before
 * they sleep: for bursts of jobs too short to pay for a wake-up each. */
GazePool *_gaze_pool_new_spinning (int n_threads, int spin_us);
void _gaze_pool_free (GazePool *pool);
int _gaze_pool_get_n_threads (const GazePool *pool);

/* Calls func (begin, end, data) on contiguous slices of [0, n) in parallel and
 * returns when all are done.  Safe to call from several threads at once: a
 * call that finds the workers busy with another's job runs all of [0, n) in
 * its own thread, and so does a call from inside func. */
typedef void (*GazePoolFunc) (int begin, int end, gpointer data);
void _gaze_pool_run (GazePool *pool, int n, GazePoolFunc func, gpointer data);

/* ── Slices ──────────────────────────────────────────────────────────────────
 * func on slices of [0, n), each a multiple of align long (the last excepted),
 * handed out dynamically to the pool's threads; NULL pool: one call. */
void _gaze_run_slices (GazePool *pool, int n, int align, GazePoolFunc func, gpointer data);

/* ── GEMM helpers: out = op(a)·op(b) + beta·out, row-major, leading dims ────
 * With a pool (NULL: the caller's thread only), a large product is cut into
 * as many slices of output rows or columns as the pool has threads, each a
 * single-threaded cblas_sgemm: the training loop runs OpenBLAS with one
 * thread and does all its threading in the pool, whose idle workers sleep
 * instead of spinning (OpenBLAS's own workers spin with sched_yield between
 * calls, which on 2 cores starves the row-wise layers in between). */

/* out[m,n] (+)= a[m,k] · b[n,k]ᵀ */
void _gaze_gemm_nt (GazePool *pool, int m, int n, int k, const float *a, int lda, const float *b,
                   int ldb, float beta, float *out, int ldo);
/* out[m,n] (+)= a[m,k] · b[k,n] */
void _gaze_gemm_nn (GazePool *pool, int m, int n, int k, const float *a, int lda, const float *b,
                   int ldb, float beta, float *out, int ldo);
/* out[m,n] (+)= a[k,m]ᵀ · b[k,n] */
void _gaze_gemm_tn (GazePool *pool, int m, int n, int k, const float *a, int lda, const float *b,
                   int ldb, float beta, float *out, int ldo);
