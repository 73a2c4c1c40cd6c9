/* parallel.c — a pool of passively waiting worker threads. */
#include "parallel.h"

#include <cblas.h>

struct _GazePool {
  int n_threads;
  GThreadPool *workers; /* n_threads − 1 of them; NULL for one thread */
};

/* One call of _gaze_pool_run: how many slices are still running. */
typedef struct {
  GMutex lock;
  GCond done;
  int pending;
} Job;

typedef struct {
  Job *job;
  GazePoolFunc func;
  gpointer data;
  int begin, end;
} Slice;

static void
run_slice (gpointer item, gpointer user_data)
{
  Slice *s = item;
  s->func (s->begin, s->end, s->data);
  g_mutex_lock (&s->job->lock);
  if (--s->job->pending == 0)
    g_cond_signal (&s->job->done);
  g_mutex_unlock (&s->job->lock);
}

GazePool *
_gaze_pool_new (int n_threads)
{
  GazePool *pool = g_new0 (GazePool, 1);
  pool->n_threads = MAX (n_threads, 1);
  if (pool->n_threads > 1)
    pool->workers = g_thread_pool_new (run_slice, NULL, pool->n_threads - 1, TRUE, NULL);
  if (pool->workers == NULL)
    pool->n_threads = 1;
  return pool;
}

void
_gaze_pool_free (GazePool *pool)
{
  if (pool == NULL)
    return;
  if (pool->workers != NULL)
    g_thread_pool_free (pool->workers, FALSE, TRUE);
  g_free (pool);
}

int
_gaze_pool_get_n_threads (const GazePool *pool)
{
  return pool->n_threads;
}

void
_gaze_pool_run (GazePool *pool, int n, GazePoolFunc func, gpointer data)
{
  int n_slices = MIN (pool->n_threads, n);
  if (n_slices <= 1)
    {
      if (n > 0)
        func (0, n, data);
      return;
    }
  Job job = { .pending = n_slices };
  g_mutex_init (&job.lock);
  g_cond_init (&job.done);
  Slice *slices = g_newa (Slice, n_slices);
  for (int k = 0; k < n_slices; k++)
    slices[k] = (Slice) { &job, func, data, (int) ((gint64) n * k / n_slices),
                          (int) ((gint64) n * (k + 1) / n_slices) };
  /* The workers take slices 1…; the caller runs slice 0 itself. */
  for (int k = 1; k < n_slices; k++)
    g_thread_pool_push (pool->workers, &slices[k], NULL);
  run_slice (&slices[0], NULL);
  g_mutex_lock (&job.lock);
  while (job.pending > 0)
    g_cond_wait (&job.done, &job.lock);
  g_mutex_unlock (&job.lock);
  g_mutex_clear (&job.lock);
  g_cond_clear (&job.done);
}

/* ── Work on slices of rows, in a pool ─────────────────────────────────────── */

typedef struct {
  GazePoolFunc func;
  gpointer data;
  int n, chunk;
  gint next;
} Chunks;

/* Each thread takes the next chunk until none is left: when the machine is
 * busy and one thread starts late, the other does more of the chunks rather
 * than waiting for it. */
static void
chunk_worker (int begin, int end, gpointer data)
{
  Chunks *c = data;
  for (;;)
    {
      int first = g_atomic_int_add (&c->next, 1) * c->chunk;
      if (first >= c->n)
        break;
      c->func (first, MIN (first + c->chunk, c->n), c->data);
    }
}

void
_gaze_run_slices (GazePool *pool, int n, int align, GazePoolFunc func, gpointer data)
{
  const int threads = pool != NULL ? _gaze_pool_get_n_threads (pool) : 1;
  if (n <= 0)
    return;
  if (threads < 2 || n <= align)
    {
      func (0, n, data);
      return;
    }
  /* Two chunks a thread, each a multiple of align. */
  int chunk = (n + 2 * threads - 1) / (2 * threads);
  chunk = (chunk + align - 1) / align * align;
  Chunks c = { func, data, n, chunk, 0 };
  _gaze_pool_run (pool, threads, chunk_worker, &c);
}

/* ── GEMM helpers ──────────────────────────────────────────────────────────── */

/* Products smaller than this many multiply-adds stay in one thread. */
#define GEMM_SPLIT_MIN (1 << 18)

typedef struct {
  CBLAS_TRANSPOSE ta, tb;
  int m, n, k, lda, ldb, ldo;
  const float *a, *b;
  float beta;
  float *out;
  gboolean split_rows;
} GemmJob;

static void
gemm_slice (int begin, int end, gpointer data)
{
  const GemmJob *j = data;
  const float *a = j->a, *b = j->b;
  float *out = j->out;
  int m = j->m, n = j->n;
  if (j->split_rows)
    {
      /* Rows begin..end of out: rows of op(a). */
      a += j->ta == CblasNoTrans ? (gsize) begin * j->lda : (gsize) begin;
      out += (gsize) begin * j->ldo;
      m = end - begin;
    }
  else
    {
      /* Columns begin..end of out: columns of op(b). */
      b += j->tb == CblasTrans ? (gsize) begin * j->ldb : (gsize) begin;
      out += begin;
      n = end - begin;
    }
  cblas_sgemm (CblasRowMajor, j->ta, j->tb, m, n, j->k, 1.0f, a, j->lda, b, j->ldb, j->beta, out,
               j->ldo);
}

static void
gemm (GazePool *pool, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k,
      const float *a, int lda, const float *b, int ldb, float beta, float *out, int ldo)
{
  if (m <= 0 || n <= 0)
    return;
  GemmJob job = { ta, tb, m, n, k, lda, ldb, ldo, a, b, beta, out, m >= n };
  if ((gint64) m * n * k < GEMM_SPLIT_MIN)
    gemm_slice (0, job.split_rows ? m : n, &job);
  else
    /* Column slices a multiple of 16, the SIMD kernels' width. */
    _gaze_run_slices (pool, job.split_rows ? m : n, job.split_rows ? 4 : 16, gemm_slice, &job);
}

void
_gaze_gemm_nt (GazePool *pool, int m, int n, int k, const float *a, int lda, const float *b,
              int ldb, float beta, float *out, int ldo)
{
  gemm (pool, CblasNoTrans, CblasTrans, m, n, k, a, lda, b, ldb, beta, out, ldo);
}

void
_gaze_gemm_nn (GazePool *pool, int m, int n, int k, const float *a, int lda, const float *b,
              int ldb, float beta, float *out, int ldo)
{
  gemm (pool, CblasNoTrans, CblasNoTrans, m, n, k, a, lda, b, ldb, beta, out, ldo);
}

void
_gaze_gemm_tn (GazePool *pool, int m, int n, int k, const float *a, int lda, const float *b,
              int ldb, float beta, float *out, int ldo)
{
  gemm (pool, CblasTrans, CblasNoTrans, m, n, k, a, lda, b, ldb, beta, out, ldo);
}
