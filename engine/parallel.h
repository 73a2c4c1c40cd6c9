/* parallel.h — a small pool of worker threads for the encoder's own loops
 * (internal).
 *
 * Why not OpenMP: libgomp's idle workers spin for a while after each parallel
 * region, and on a 2-core machine they take the cores from OpenBLAS's own
 * threads, which run the GEMMs in between: a MobileNetV2 forward pass took
 * 93 ms with OpenMP's default waiting and 18 ms with passive waiting.  These
 * workers wait passively (GThreadPool, a condition variable).
 */
#pragma once

#include <glib.h>

typedef struct _GazePool GazePool;

/* n_threads in all, the caller included; below 2, everything runs in the caller. */
GazePool *gaze_pool_new (int n_threads);
void gaze_pool_free (GazePool *pool);
int gaze_pool_get_n_threads (const GazePool *pool);

/* Calls func (begin, end, data) on contiguous slices of [0, n) in parallel and
 * returns when all are done.  Safe to call from several threads at once. */
typedef void (*GazePoolFunc) (int begin, int end, gpointer data);
void gaze_pool_run (GazePool *pool, int n, GazePoolFunc func, gpointer data);
