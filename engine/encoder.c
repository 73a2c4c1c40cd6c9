/* encoder.c — the frozen CNN of Show, Attend and Tell (section 3.1.1): a TFLite
 * image backbone whose last convolutional feature map, L = grid² annotation
 * vectors of D channels, is what the decoder attends over.
 *
 * The graph's activations live in one arena planned at load (tflite.c); a
 * forward pass borrows an arena from a small pool, so that one encoder can
 * serve several threads without allocating on every call.
 */
#include "gaze.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "encoder.h"
#include "io.h"
#include "kernels.h"
#include "ops.h"
#include "parallel.h"
#include "tflite.h"

struct _GazeEncoder {
  char *name;
  char *sha256;
  TfliteGraph *graph;
  int input_size;
  int grid_tensor;  /* the feature grid: [1, grid, grid, channels] */
  int grid_op;      /* the op that writes it */
  int grid_size;
  int channels;
  int n_classes;
  /* Input normalisation: real = in_scale · (q − in_zero), q the uint8 pixel. */
  float in_scale, in_zero;
  /* Free arenas; the mutex guards the list, not the (immutable) rest. */
  GMutex lock;
  GSList *arenas;
  /* The threads every op is split over (see gaze_encoder_load_with_threads). */
  GazePool *pool;
  /* Per op: the weights packed for kernels-gemm.c, or NULL where the op runs
   * as ops.c defines it.  All NULL in the reference path. */
  GazePacked **packed;
  /* A row of zeros as wide as the widest depthwise input: its padding rows. */
  float *zeros;
  /* fused[k]: op k, a 1×1 expansion, runs inside op k + 1, the depthwise
   * conv that alone reads its output, a few rows at a time (see fused_rows).
   * Each slice of such an op has a ring of ring_floats in the arena, after
   * the graph's own arena_size floats; arena_floats in all. */
  gboolean *fused;
  gsize ring_floats, arena_floats;
  gboolean reference;
  /* GAZE_ENCODER_PROFILE set at load: each op's time, summed over the passes
   * (under lock) and printed to stderr when the encoder is freed. */
  gboolean profile;
  gint64 *op_ns, *op_min_ns;
  gint64 n_passes;
};

static gboolean
is_global_pool (const TfliteGraph *g, const TfliteOp *o)
{
  const TfliteTensor *out = &g->tensors[o->output];
  if (o->code == TFLITE_MEAN)
    return (o->reduce_axes & 6) == 6;
  return o->code == TFLITE_AVERAGE_POOL_2D && out->dims[1] == 1 && out->dims[2] == 1;
}

/* The grid: the output of the last convolution with a spatial extent above
 * 1×1 before the first global pooling. */
static gboolean
find_grid (GazeEncoder *e, const char *path, GError **error)
{
  const TfliteGraph *g = e->graph;
  e->grid_op = -1;
  for (int k = 0; k < g->n_ops; k++)
    {
      const TfliteOp *o = &g->ops[k];
      if (is_global_pool (g, o))
        break;
      const TfliteTensor *t = &g->tensors[o->output];
      if ((o->code == TFLITE_CONV_2D || o->code == TFLITE_DEPTHWISE_CONV_2D) && t->dims[1] > 1
          && t->dims[2] > 1)
        e->grid_op = k;
    }
  if (e->grid_op < 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_UNSUPPORTED,
                   "%s: no convolutional feature grid before the global pooling", path);
      return FALSE;
    }
  e->grid_tensor = g->ops[e->grid_op].output;
  const TfliteTensor *t = &g->tensors[e->grid_tensor];
  if (t->dims[1] != t->dims[2])
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_UNSUPPORTED,
                   "%s: the feature grid %d×%d is not square", path, t->dims[1], t->dims[2]);
      return FALSE;
    }
  e->grid_size = t->dims[1];
  e->channels = t->dims[3];
  return TRUE;
}

static gboolean
check_input (GazeEncoder *e, const char *path, GError **error)
{
  const TfliteTensor *in = &e->graph->tensors[e->graph->input];
  if (in->rank != 4 || in->dims[0] != 1 || in->dims[1] != in->dims[2] || in->dims[3] != 3)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_UNSUPPORTED,
                   "%s: the input is not one square RGB image", path);
      return FALSE;
    }
  e->input_size = in->dims[1];
  switch (in->type)
    {
    case TFLITE_UINT8:
      e->in_scale = in->scale;
      e->in_zero = (float) in->zero_point;
      break;
    case TFLITE_INT8:
      /* The pixel q is fed as the int8 q − 128. */
      e->in_scale = in->scale;
      e->in_zero = (float) in->zero_point + 128.0f;
      break;
    case TFLITE_FLOAT32:
      /* A float model without quantisation parameters: pixels in [−1, 1]. */
      e->in_scale = in->scale > 0 ? in->scale : 1.0f / 127.5f;
      e->in_zero = in->scale > 0 ? (float) in->zero_point : 127.5f;
      break;
    default:
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_UNSUPPORTED,
                   "%s: the input tensor has an unsupported type", path);
      return FALSE;
    }
  if (e->in_scale <= 0 || !isfinite (e->in_zero))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_UNSUPPORTED,
                   "%s: the uint8 input has no quantisation scale", path);
      return FALSE;
    }
  return TRUE;
}

/* Packs the weights of the ops kernels-gemm.c runs: the convolutions of
 * few inputs an output and the fully connected layers. */
static void
pack_weights (GazeEncoder *e)
{
  const TfliteGraph *g = e->graph;
  e->packed = g_new0 (GazePacked *, g->n_ops);
  gsize zeros = 0;
  for (int k = 0; k < g->n_ops; k++)
    {
      const TfliteOp *o = &g->ops[k];
      if (o->code == TFLITE_DEPTHWISE_CONV_2D)
        zeros = MAX (zeros, (gsize) o->window.w * o->window.c);
      const TfliteTensor *w = o->n_inputs > 1 && o->inputs[1] >= 0 ? &g->tensors[o->inputs[1]] : NULL;
      const float *bias = o->n_inputs > 2 && o->inputs[2] >= 0 ? g->tensors[o->inputs[2]].data : NULL;
      if (o->code == TFLITE_CONV_2D && _gaze_kernel_conv2d_supported (&o->window))
        e->packed[k] = _gaze_packed_new (w->data, bias, o->window.oc,
                                         o->window.kh * o->window.kw * o->window.c);
      else if (o->code == TFLITE_FULLY_CONNECTED)
        e->packed[k] = _gaze_packed_new (w->data, bias, w->dims[0], w->dims[1]);
    }
  e->zeros = g_new0 (float, MAX (zeros, 1));
}

/* Expanded tensors from this size on are never written whole: at 112² × 96
 * (4.8 MB) and 56² × 144 (1.8 MB) they leave the L2 cache between the
 * expansion that writes them and the depthwise conv that reads them back.
 * Smaller ones stay in cache anyway, and fusing them would recompute the
 * rows that the slices of a short op share. */
#define FUSE_MIN_BYTES (1 << 20)

static void
plan_fusion (GazeEncoder *e)
{
  TfliteGraph *g = e->graph;
  e->fused = g_new0 (gboolean, g->n_ops);
  for (int k = 0; k + 1 < g->n_ops; k++)
    {
      const TfliteOp *a = &g->ops[k], *b = &g->ops[k + 1];
      const TfliteTensor *t = &g->tensors[a->output];
      if (e->packed[k] != NULL && a->code == TFLITE_CONV_2D
          && _gaze_op_conv2d_is_gemm (&a->window) && b->code == TFLITE_DEPTHWISE_CONV_2D
          && b->inputs[0] == a->output && t->last_use == k + 1 && a->output != e->grid_tensor
          && a->output != g->output && _gaze_kernel_depthwise_supported (&b->window)
          && t->n_elements * sizeof (float) >= FUSE_MIN_BYTES)
        {
          e->fused[k] = TRUE;
          e->ring_floats = MAX (e->ring_floats,
                                (gsize) b->window.kh * b->window.w * b->window.c);
          /* The expansion's input is read while the depthwise conv's output
           * is written: the arena must not put them in the same place. */
          TfliteTensor *in = &g->tensors[a->inputs[0]];
          in->last_use = MAX (in->last_use, k + 1);
        }
    }
}

static GazeEncoder *
encoder_new (const guint8 *data, gsize size, const char *path, int n_threads, gboolean reference,
             GError **error)
{
  if (size == 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s: empty file", path);
      return NULL;
    }
  g_autoptr (GazeEncoder) e = g_new0 (GazeEncoder, 1);
  g_mutex_init (&e->lock);
  /* Workers that spin 200 µs between ops: a pass's ops follow each other
   * within microseconds, and a wake-up costs as much as a small op. */
  e->pool = _gaze_pool_new_spinning (n_threads > 0 ? n_threads : openblas_get_num_threads (), 200);
  e->profile = g_getenv ("GAZE_ENCODER_PROFILE") != NULL;
  e->reference = reference || g_strcmp0 (g_getenv ("GAZE_ENCODER_REFERENCE"), "1") == 0;
  e->graph = _gaze_tflite_graph_new (data, size, path, error);
  if (e->graph == NULL || !check_input (e, path, error) || !find_grid (e, path, error))
    return NULL;
  e->n_classes = (int) e->graph->tensors[e->graph->output].n_elements;
  if (!e->reference)
    {
      pack_weights (e);
      plan_fusion (e);
    }
  /* Keep the grid alive to the end so one pass yields grid and probabilities. */
  _gaze_tflite_graph_plan (e->graph, e->grid_tensor);
  /* Two slices a thread at the most (parallel.c), each with its ring. */
  e->arena_floats = e->graph->arena_size
                    + 2 * (gsize) _gaze_pool_get_n_threads (e->pool) * e->ring_floats;
  if (e->profile)
    {
      e->op_ns = g_new0 (gint64, e->graph->n_ops);
      e->op_min_ns = g_new0 (gint64, e->graph->n_ops);
    }

  e->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);
  g_autofree char *base = g_path_get_basename (path);
  e->name = g_str_has_suffix (base, ".tflite")
                ? g_strndup (base, strlen (base) - strlen (".tflite"))
                : g_strdup (base);
  return g_steal_pointer (&e);
}

GazeEncoder *
_gaze_encoder_new_from_data (const guint8 *data, gsize size, const char *path, GError **error)
{
  return encoder_new (data, size, path, 0, FALSE, error);
}

static GazeEncoder *
load (const char *path, int n_threads, gboolean reference, GError **error)
{
  g_autoptr (GMappedFile) file = _gaze_io_map_file (path, error);
  if (file == NULL)
    return NULL;
  /* The weights are copied (dequantized) at load; the mapping goes after. */
  return encoder_new ((const guint8 *) g_mapped_file_get_contents (file),
                      g_mapped_file_get_length (file), path, n_threads, reference, error);
}

GazeEncoder *
gaze_encoder_load_with_threads (const char *path, int n_threads, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  return load (path, n_threads, FALSE, error);
}

GazeEncoder *
gaze_encoder_load (const char *path, GError **error)
{
  return gaze_encoder_load_with_threads (path, 0, error);
}

GazeEncoder *
_gaze_encoder_load_reference (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  return load (path, 1, TRUE, error);
}

int
gaze_encoder_get_n_threads (const GazeEncoder *encoder)
{
  return _gaze_pool_get_n_threads (encoder->pool);
}

double
_gaze_encoder_get_macs (const GazeEncoder *encoder)
{
  return encoder->graph->macs;
}

/* One line an op (mean time a pass, its share, and the fastest pass's time,
 * which a busy machine disturbs less), then the same for each kind of op:
 * where a forward pass spends its time. */
static void
print_profile (const GazeEncoder *e)
{
  const TfliteGraph *g = e->graph;
  if (e->n_passes == 0)
    return;
  gint64 total = 0, total_min = 0, by_code[128] = { 0 }, min_by_code[128] = { 0 };
  for (int k = 0; k < g->n_ops; k++)
    {
      total += e->op_ns[k];
      total_min += e->op_min_ns[k];
    }
  char buf[32];
  fprintf (stderr, "%s: %" G_GINT64_FORMAT " passes, %d threads, %.3f ms a pass (ops' minima: %.3f ms)\n",
           e->name, e->n_passes, _gaze_pool_get_n_threads (e->pool), total / 1e6 / e->n_passes,
           total_min / 1e6);
  for (int k = 0; k < g->n_ops; k++)
    {
      const TfliteOp *o = &g->ops[k];
      const TfliteTensor *out = &g->tensors[o->output], *in = &g->tensors[o->inputs[0]];
      by_code[CLAMP (o->code, 0, 127)] += e->op_ns[k];
      min_by_code[CLAMP (o->code, 0, 127)] += e->op_min_ns[k];
      fprintf (stderr, "  op %3d %-18s %4d×%-4d %5d→%-5d k%d s%d %8.3f ms %5.1f%% min %7.3f ms\n", k,
               _gaze_tflite_op_name (o->code, buf), out->rank == 4 ? out->dims[1] : 1,
               out->rank == 4 ? out->dims[2] : 1, in->dims[in->rank - 1],
               out->dims[out->rank - 1], o->window.kh, o->window.stride_h,
               e->op_ns[k] / 1e6 / e->n_passes, 100.0 * e->op_ns[k] / MAX (total, 1),
               e->op_min_ns[k] / 1e6);
    }
  for (int code = 0; code < 128; code++)
    if (by_code[code] > 0)
      fprintf (stderr, "  %-18s %8.3f ms %5.1f%% min %7.3f ms\n", _gaze_tflite_op_name (code, buf),
               by_code[code] / 1e6 / e->n_passes, 100.0 * by_code[code] / MAX (total, 1),
               min_by_code[code] / 1e6);
}

void
gaze_encoder_free (GazeEncoder *encoder)
{
  if (encoder == NULL)
    return;
  if (encoder->op_ns != NULL)
    print_profile (encoder);
  g_free (encoder->op_ns);
  g_free (encoder->op_min_ns);
  for (int k = 0; encoder->packed != NULL && k < encoder->graph->n_ops; k++)
    _gaze_packed_free (encoder->packed[k]);
  g_free (encoder->packed);
  g_free (encoder->zeros);
  g_free (encoder->fused);
  _gaze_tflite_graph_free (encoder->graph);
  g_slist_free_full (encoder->arenas, g_free);
  _gaze_pool_free (encoder->pool);
  g_mutex_clear (&encoder->lock);
  g_free (encoder->name);
  g_free (encoder->sha256);
  g_free (encoder);
}

const char *
gaze_encoder_get_name (const GazeEncoder *encoder)
{
  return encoder->name;
}

const char *
gaze_encoder_get_sha256 (const GazeEncoder *encoder)
{
  return encoder->sha256;
}

int
gaze_encoder_get_input_size (const GazeEncoder *encoder)
{
  return encoder->input_size;
}

int
gaze_encoder_get_grid_size (const GazeEncoder *encoder)
{
  return encoder->grid_size;
}

int
gaze_encoder_get_channels (const GazeEncoder *encoder)
{
  return encoder->channels;
}

int
gaze_encoder_get_n_classes (const GazeEncoder *encoder)
{
  return encoder->n_classes;
}

static float *
arena_take (GazeEncoder *e)
{
  g_mutex_lock (&e->lock);
  float *arena = NULL;
  if (e->arenas != NULL)
    {
      arena = e->arenas->data;
      e->arenas = g_slist_delete_link (e->arenas, e->arenas);
    }
  g_mutex_unlock (&e->lock);
  return arena != NULL ? arena : g_malloc (sizeof (float) * MAX (e->arena_floats, 1));
}

static void
arena_give_back (GazeEncoder *e, float *arena)
{
  g_mutex_lock (&e->lock);
  e->arenas = g_slist_prepend (e->arenas, arena);
  g_mutex_unlock (&e->lock);
}

/* A tensor's shape right-aligned into 4 dims, for the element-wise ops. */
static void
dims4 (const TfliteTensor *t, int dims[4])
{
  for (int d = 0; d < 4; d++)
    dims[d] = d < 4 - t->rank ? 1 : t->dims[d - (4 - t->rank)];
}

/* The range a quantized tensor can represent, [scale·(qmin − zp), scale·(qmax − zp)]. */
static void
quantized_range (const TfliteTensor *t, float *lo, float *hi)
{
  *lo = -INFINITY;
  *hi = INFINITY;
  if (t->scale <= 0 || t->type == TFLITE_FLOAT32)
    return;
  float qmin = t->type == TFLITE_INT8 ? -128.0f : 0.0f;
  *lo = t->scale * (qmin - (float) t->zero_point);
  *hi = t->scale * (qmin + 255.0f - (float) t->zero_point);
}

typedef struct {
  const TfliteOp *op;
  const float *in, *weights, *bias;
  float *out;
  const float *zeros; /* NULL: the reference kernel */
} DepthwiseJob;

static void
depthwise_rows (int begin, int end, gpointer data)
{
  const DepthwiseJob *j = data;
  if (j->zeros != NULL)
    {
      float lo, hi;
      _gaze_op_activation_range (j->op->activation, &lo, &hi);
      _gaze_kernel_depthwise (&j->op->window, j->in, j->weights, j->bias, lo, hi, j->zeros, begin,
                              end, j->out);
    }
  else
    _gaze_op_depthwise_conv2d_rows (&j->op->window, j->in, j->weights, j->bias,
                                   j->op->activation, begin, end, j->out);
}

/* A GEMM-shaped op (kernels-gemm.c) split over the pool: by tiles of rows
 * when there are many rows, else by blocks of 16 outputs (the 7×7 layers
 * have 49 rows and hundreds of outputs; the classifier, one row). */
typedef struct {
  const TfliteWindow *window; /* NULL for a fully connected layer */
  const GazePacked *p;
  const float *in;
  float *out;
  float lo, hi;
  int rows;
  gboolean by_rows;
} GemmJob;

static void
gemm_part (int begin, int end, gpointer data)
{
  const GemmJob *j = data;
  int m_begin = 0, m_end = j->rows, j_begin = 0, j_end = j->p->n_blocks;
  if (j->by_rows)
    {
      m_begin = begin * GAZE_KERNEL_MR;
      m_end = MIN (end * GAZE_KERNEL_MR, j->rows);
    }
  else
    {
      j_begin = begin;
      j_end = end;
    }
  if (j->window != NULL)
    _gaze_kernel_conv2d (j->window, j->p, j->in, j->lo, j->hi, m_begin, m_end, j_begin, j_end,
                         j->out);
  else
    _gaze_kernel_gemm (j->p, j->in, j->p->k, j->lo, j->hi, m_begin, m_end, j_begin, j_end,
                       j->out, j->p->n);
}

static void
run_gemm (const GazeEncoder *e, const TfliteOp *o, const GazePacked *p, const float *in,
          int rows, float *out)
{
  const int threads = _gaze_pool_get_n_threads (e->pool);
  const int tiles = (rows + GAZE_KERNEL_MR - 1) / GAZE_KERNEL_MR;
  GemmJob job = { o->code == TFLITE_CONV_2D ? &o->window : NULL, p, in, out, 0, 0, rows,
                  tiles >= 8 * threads || p->n_blocks < 2 * threads };
  _gaze_op_activation_range (o->activation, &job.lo, &job.hi);
  _gaze_pool_run (e->pool, job.by_rows ? tiles : p->n_blocks, gemm_part, &job);
}

/* An expansion (1×1 conv) and the depthwise conv after it, by output rows
 * of the latter: each slice keeps the kh rows of the expanded tensor that
 * its next output row reads in a ring (row iy in slot iy mod kh), computing
 * each row once as the window moves down, so that the expanded tensor is
 * never written whole.  The same sums as the two ops one after the other. */
typedef struct {
  const GazeEncoder *e;
  const TfliteOp *expand, *dw;
  const float *in, *w, *bias;
  float *out, *rings;
  gint next_ring;
} FusedJob;

static void
fused_rows (int begin, int end, gpointer data)
{
  FusedJob *j = data;
  const TfliteWindow *g = &j->dw->window;
  const GazePacked *p = j->e->packed[j->expand - j->e->graph->ops];
  const int K = g->kh, c_in = j->expand->window.c;
  const gsize row = (gsize) g->w * g->c;
  float *ring = j->rings + (gsize) g_atomic_int_add (&j->next_ring, 1) * j->e->ring_floats;
  float elo, ehi, lo, hi;
  _gaze_op_activation_range (j->expand->activation, &elo, &ehi);
  _gaze_op_activation_range (j->dw->activation, &lo, &hi);
  int next = MAX (0, begin * g->stride_h - g->pad_top);
  for (int y = begin; y < end; y++)
    {
      int top = y * g->stride_h - g->pad_top;
      for (; next < MIN (g->h, top + K); next++)
        _gaze_kernel_gemm (p, j->in + (gsize) next * g->w * c_in, c_in, elo, ehi, 0, g->w, 0,
                           p->n_blocks, ring + (gsize) (next % K) * row, g->c);
      const float *rows[5];
      for (int i = 0; i < K; i++)
        rows[i] = top + i >= 0 && top + i < g->h ? ring + (gsize) ((top + i) % K) * row
                                                 : j->e->zeros;
      _gaze_kernel_depthwise_row (g, rows, j->e->zeros, j->w, j->bias, lo, hi, y, j->out);
    }
}

static void
run_op (const GazeEncoder *e, int index, float *const *ptr, float *scratch)
{
  const TfliteOp *o = &e->graph->ops[index];
  const TfliteGraph *g = e->graph;
  const TfliteTensor *out = &g->tensors[o->output];
  const TfliteTensor *a = &g->tensors[o->inputs[0]];
  const float *x = ptr[o->inputs[0]];
  const float *w = o->n_inputs > 1 && o->inputs[1] >= 0 ? ptr[o->inputs[1]] : NULL;
  const float *bias = o->n_inputs > 2 && o->inputs[2] >= 0 ? ptr[o->inputs[2]] : NULL;
  float *y = ptr[o->output];
  if (e->fused != NULL && e->fused[index])
    return; /* run by the next op */
  if (e->fused != NULL && index > 0 && e->fused[index - 1])
    {
      const TfliteOp *expand = o - 1;
      FusedJob job = { e, expand, o, ptr[expand->inputs[0]], w, bias, y,
                       scratch + (e->graph->arena_size - e->graph->scratch_offset), 0 };
      _gaze_pool_run (e->pool, o->window.oh, fused_rows, &job);
      return;
    }
  const GazePacked *packed = e->packed != NULL ? e->packed[index] : NULL;
  if (packed != NULL)
    {
      int rows = o->code == TFLITE_CONV_2D ? o->window.oh * o->window.ow
                                           : (int) (a->n_elements / packed->k);
      run_gemm (e, o, packed, x, rows, y);
      return;
    }
  switch (o->code)
    {
    case TFLITE_CONV_2D:
      _gaze_op_conv2d_forward (&o->window, x, w, bias, o->activation, scratch, y);
      break;
    case TFLITE_DEPTHWISE_CONV_2D:
      {
        gboolean fast = e->zeros != NULL && _gaze_kernel_depthwise_supported (&o->window);
        DepthwiseJob job = { o, x, w, bias, y, fast ? e->zeros : NULL };
        _gaze_pool_run (e->pool, o->window.oh, depthwise_rows, &job);
        break;
      }
    case TFLITE_AVERAGE_POOL_2D:
      _gaze_op_average_pool_forward (&o->window, x, o->activation, y);
      break;
    case TFLITE_ADD:
    case TFLITE_MUL:
      {
        int da[4], db[4], dout[4];
        dims4 (a, da);
        dims4 (&g->tensors[o->inputs[1]], db);
        dims4 (out, dout);
        (o->code == TFLITE_ADD ? _gaze_op_add_forward : _gaze_op_mul_forward) (
            x, da, w, db, dout, o->activation, y);
        break;
      }
    case TFLITE_MEAN:
      {
        int da[4];
        dims4 (a, da);
        /* The axes mask counts from the first of a's own dims. */
        _gaze_op_mean_forward (x, da, o->reduce_axes << (4 - a->rank), y);
        break;
      }
    case TFLITE_FULLY_CONNECTED:
      {
        const TfliteTensor *wt = &g->tensors[o->inputs[1]];
        int n_in = wt->dims[1];
        _gaze_op_fully_connected_forward (x, (int) (a->n_elements / n_in), n_in, w, bias,
                                         wt->dims[0], o->activation, y);
        break;
      }
    case TFLITE_SOFTMAX:
      {
        int n = a->dims[a->rank - 1];
        _gaze_op_softmax_forward (x, a->n_elements / n, n, o->beta, y);
        break;
      }
    case TFLITE_RESHAPE:
      memcpy (y, x, sizeof (float) * out->n_elements);
      break;
    case TFLITE_QUANTIZE:
    case TFLITE_DEQUANTIZE:
      {
        float lo, hi;
        quantized_range (out, &lo, &hi);
        _gaze_op_quantize_forward (x, out->n_elements, lo, hi, y);
        break;
      }
    default:
      g_assert_not_reached ();
    }
}

static gint64
now_ns (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (gint64) t.tv_sec * 1000000000 + t.tv_nsec;
}

gboolean
gaze_encoder_forward (const GazeEncoder *encoder, const guint8 *rgb, float *grid, float *probs,
                      GError **error)
{
  g_return_val_if_fail (encoder != NULL && rgb != NULL, FALSE);
  GazeEncoder *e = (GazeEncoder *) encoder; /* only the arena pool changes */
  const TfliteGraph *g = e->graph;
  float *arena = arena_take (e);
  g_autofree float **ptr = g_new (float *, g->n_tensors);
  for (int i = 0; i < g->n_tensors; i++)
    ptr[i] = g->tensors[i].data != NULL ? g->tensors[i].data : arena + g->tensors[i].arena_offset;

  float *input = ptr[g->input];
  gsize n_in = (gsize) e->input_size * e->input_size * 3;
  for (gsize i = 0; i < n_in; i++)
    input[i] = e->in_scale * ((float) rgb[i] - e->in_zero);

  /* Without probabilities, the head after the grid is not run. */
  int last = probs != NULL ? g->n_ops - 1 : e->grid_op;
  g_autofree gint64 *ns = e->profile ? g_new (gint64, last + 1) : NULL;
  for (int k = 0; k <= last; k++)
    {
      gint64 start = ns != NULL ? now_ns () : 0;
      run_op (e, k, ptr, arena + g->scratch_offset);
      if (ns != NULL)
        ns[k] = now_ns () - start;
    }
  if (ns != NULL)
    {
      g_mutex_lock (&e->lock);
      for (int k = 0; k <= last; k++)
        {
          e->op_ns[k] += ns[k];
          if (e->n_passes == 0 || ns[k] < e->op_min_ns[k])
            e->op_min_ns[k] = ns[k];
        }
      e->n_passes++;
      g_mutex_unlock (&e->lock);
    }

  if (grid != NULL)
    memcpy (grid, ptr[e->grid_tensor],
            sizeof (float) * e->grid_size * e->grid_size * e->channels);
  if (probs != NULL)
    memcpy (probs, ptr[g->output], sizeof (float) * e->n_classes);
  arena_give_back (e, arena);
  return TRUE;
}

gboolean
gaze_encoder_encode_image (const GazeEncoder *encoder, const GazeImage *image, float *grid,
                           float *probs, GError **error)
{
  g_return_val_if_fail (encoder != NULL && image != NULL, FALSE);
  int size = encoder->input_size;
  g_autofree guint8 *rgb = g_malloc ((gsize) size * size * 3);
  gaze_image_resize (image, size, size, rgb);
  return gaze_encoder_forward (encoder, rgb, grid, probs, error);
}
