/* parallel.c — a pool of worker threads that spin a while, then wait passively. */
#include "parallel.h"

#include <cblas.h>

/* The workers are persistent threads.  A call publishes its job and bumps
 * `generation`; a worker that finished the last job spins on the counter for
 * up to spin_us before it sleeps on the condition variable, so that the next
 * of a burst of short jobs (an encoder's ops, tens of microseconds each)
 * starts without a wake-up (a futex round trip costs about as much as such
 * an op).  With spin_us 0 they wait passively at once. */
#define MAX_SLICES 64
#define JOB_MASK 0x7fff /* so that 2·job + 1 stays a positive int */

struct _GazePool {
  int n_threads;
  int spin_us;
  GThread **threads; /* n_threads − 1 of them */
  GMutex busy;       /* held by the one caller whose job the workers run */
  GMutex lock;       /* guards sleeping, quit and the condition variables */
  GCond wake, done_cond;
  int sleeping;      /* workers waiting on wake */
  gboolean caller_waits; /* the caller waits on done_cond */
  gboolean quit;
  /* The job, written before generation is bumped.  Slice i belongs to
   * thread i · n_threads / n_slices (the caller is thread 0), which runs its
   * own first, in order, so that consecutive ops split the same way find
   * their rows in the cache of the core that wrote them; then each thread
   * takes, from the end, whatever slices are still unclaimed, so that a
   * worker that a busy machine leaves unscheduled delays the call by no more
   * than the slice it has claimed.  claims[i] is 2·job while slice i is free
   * and 2·job + 1 once claimed (job: the generation's low 15 bits): a worker
   * that wakes late for a finished job claims nothing of the next. */
  GazePoolFunc func;
  gpointer data;
  int n;
  gint generation;
  gint n_slices;
  gint claims[MAX_SLICES];
  gint done; /* slices of the job finished */
};

typedef struct {
  GazePool *pool;
  int index; /* 1 … n_threads − 1 */
} Worker;

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

/* Spins until *value differs from old, for at most spin_us; whether it did. */
static gboolean
spin_while_equal (const gint *value, int old, int spin_us)
{
  if (spin_us <= 0)
    return g_atomic_int_get (value) != old;
  gint64 deadline = 0;
  for (int i = 0;; i++)
    {
      if (g_atomic_int_get (value) != old)
        return TRUE;
      cpu_relax ();
      if ((i & 255) == 255)
        {
          gint64 now = g_get_monotonic_time ();
          if (deadline == 0)
            deadline = now + spin_us;
          else if (now >= deadline)
            return FALSE;
        }
    }
}

static void
run_slice (GazePool *pool, int job, int index, int n_slices)
{
  int free = 2 * (job & JOB_MASK);
  if (!g_atomic_int_compare_and_exchange (&pool->claims[index], free, free + 1))
    return;
  /* Slice index of this job: the caller waits for it, so func and data stay
   * this job's until it is done. */
  int begin = (int) ((gint64) pool->n * index / n_slices);
  int end = (int) ((gint64) pool->n * (index + 1) / n_slices);
  pool->func (begin, end, pool->data);
  if (g_atomic_int_add (&pool->done, 1) + 1 == n_slices)
    {
      g_mutex_lock (&pool->lock);
      if (pool->caller_waits)
        g_cond_signal (&pool->done_cond);
      g_mutex_unlock (&pool->lock);
    }
}

/* Thread `thread`'s slices of job (a generation), then the others still free. */
static void
run_slices (GazePool *pool, int job, int thread)
{
  int n_slices = g_atomic_int_get (&pool->n_slices);
  for (int i = 0; i < n_slices; i++)
    if ((gint64) i * pool->n_threads / n_slices == thread)
      run_slice (pool, job, i, n_slices);
  for (int i = n_slices - 1; i >= 0; i--)
    run_slice (pool, job, i, n_slices);
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  GazePool *pool = w->pool;
  int seen = 0;
  for (;;)
    {
      if (!spin_while_equal (&pool->generation, seen, pool->spin_us))
        {
          g_mutex_lock (&pool->lock);
          pool->sleeping++;
          while (g_atomic_int_get (&pool->generation) == seen && !pool->quit)
            g_cond_wait (&pool->wake, &pool->lock);
          pool->sleeping--;
          gboolean quit = pool->quit;
          g_mutex_unlock (&pool->lock);
          if (quit)
            break;
        }
      seen = g_atomic_int_get (&pool->generation);
      run_slices (pool, seen, w->index);
    }
  g_free (w);
  return NULL;
}

GazePool *
_gaze_pool_new_spinning (int n_threads, int spin_us)
{
  GazePool *pool = g_new0 (GazePool, 1);
  pool->n_threads = CLAMP (n_threads, 1, 256);
  pool->spin_us = MAX (spin_us, 0);
  g_mutex_init (&pool->busy);
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_cond_init (&pool->done_cond);
  pool->threads = g_new0 (GThread *, pool->n_threads);
  for (int k = 1; k < pool->n_threads; k++)
    {
      Worker *w = g_new (Worker, 1);
      *w = (Worker) { pool, k };
      pool->threads[k - 1] = g_thread_try_new ("gaze-pool", worker_main, w, NULL);
      if (pool->threads[k - 1] == NULL)
        {
          /* Fewer threads than asked for: the slices follow n_threads. */
          g_free (w);
          pool->n_threads = k;
          break;
        }
    }
  return pool;
}

GazePool *
_gaze_pool_new (int n_threads)
{
  return _gaze_pool_new_spinning (n_threads, 0);
}

void
_gaze_pool_free (GazePool *pool)
{
  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (int k = 0; k < pool->n_threads - 1; k++)
    g_thread_join (pool->threads[k]);
  g_free (pool->threads);
  g_mutex_clear (&pool->busy);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_cond_clear (&pool->done_cond);
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
  if (n <= 0)
    return;
  /* One thread, one slice, or the workers busy with another caller's job (a
   * second thread sharing the pool, or func calling back into it): the whole
   * of [0, n) here.  The slices never change what is computed, only where. */
  if (pool->n_threads < 2 || n < 2 || !g_mutex_trylock (&pool->busy))
    {
      func (0, n, data);
      return;
    }
  /* Two slices a thread, so that a late worker leaves less to wait for. */
  int n_slices = MIN (MIN (n, 2 * pool->n_threads), MAX_SLICES);
  /* Generations wrap around (in unsigned arithmetic) and stay positive. */
  int job = (int) (((guint) g_atomic_int_get (&pool->generation) + 1) & G_MAXINT);
  pool->func = func;
  pool->data = data;
  pool->n = n;
  g_atomic_int_set (&pool->done, 0);
  g_atomic_int_set (&pool->n_slices, n_slices);
  for (int i = 0; i < n_slices; i++)
    g_atomic_int_set (&pool->claims[i], 2 * (job & JOB_MASK));
  g_atomic_int_set (&pool->generation, job);
  g_mutex_lock (&pool->lock);
  if (pool->sleeping > 0)
    g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);

  run_slices (pool, job, 0);
  if (g_atomic_int_get (&pool->done) != n_slices)
    {
      /* Spin as the workers do, then sleep until the last slice signals. */
      gint64 deadline = g_get_monotonic_time () + pool->spin_us;
      while (g_atomic_int_get (&pool->done) != n_slices && g_get_monotonic_time () < deadline)
        cpu_relax ();
      g_mutex_lock (&pool->lock);
      pool->caller_waits = TRUE;
      while (g_atomic_int_get (&pool->done) != n_slices)
        g_cond_wait (&pool->done_cond, &pool->lock);
      pool->caller_waits = FALSE;
      g_mutex_unlock (&pool->lock);
    }
  g_mutex_unlock (&pool->busy);
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
