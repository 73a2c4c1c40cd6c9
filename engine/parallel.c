/* parallel.c — a pool of passively waiting worker threads. */
#include "parallel.h"

struct _GazePool {
  int n_threads;
  GThreadPool *workers; /* n_threads − 1 of them; NULL for one thread */
};

/* One call of gaze_pool_run: how many slices are still running. */
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
gaze_pool_new (int n_threads)
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
gaze_pool_free (GazePool *pool)
{
  if (pool == NULL)
    return;
  if (pool->workers != NULL)
    g_thread_pool_free (pool->workers, FALSE, TRUE);
  g_free (pool);
}

int
gaze_pool_get_n_threads (const GazePool *pool)
{
  return pool->n_threads;
}

void
gaze_pool_run (GazePool *pool, int n, GazePoolFunc func, gpointer data)
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
