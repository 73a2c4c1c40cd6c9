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
#include <string.h>

#include <cblas.h>

#include "encoder.h"
#include "io.h"
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
  /* Threads for the depthwise convolutions, as many as OpenBLAS uses. */
  GazePool *pool;
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

GazeEncoder *
_gaze_encoder_new_from_data (const guint8 *data, gsize size, const char *path, GError **error)
{
  if (size == 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s: empty file", path);
      return NULL;
    }
  g_autoptr (GazeEncoder) e = g_new0 (GazeEncoder, 1);
  g_mutex_init (&e->lock);
  e->pool = _gaze_pool_new (openblas_get_num_threads ());
  e->graph = _gaze_tflite_graph_new (data, size, path, error);
  if (e->graph == NULL || !check_input (e, path, error) || !find_grid (e, path, error))
    return NULL;
  e->n_classes = (int) e->graph->tensors[e->graph->output].n_elements;
  /* Keep the grid alive to the end so one pass yields grid and probabilities. */
  _gaze_tflite_graph_plan (e->graph, e->grid_tensor);

  e->sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);
  g_autofree char *base = g_path_get_basename (path);
  e->name = g_str_has_suffix (base, ".tflite")
                ? g_strndup (base, strlen (base) - strlen (".tflite"))
                : g_strdup (base);
  return g_steal_pointer (&e);
}

GazeEncoder *
gaze_encoder_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr (GMappedFile) file = _gaze_io_map_file (path, error);
  if (file == NULL)
    return NULL;
  /* The weights are copied (dequantized) at load; the mapping goes after. */
  return _gaze_encoder_new_from_data ((const guint8 *) g_mapped_file_get_contents (file),
                                     g_mapped_file_get_length (file), path, error);
}

double
_gaze_encoder_get_macs (const GazeEncoder *encoder)
{
  return encoder->graph->macs;
}

void
gaze_encoder_free (GazeEncoder *encoder)
{
  if (encoder == NULL)
    return;
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
  return arena != NULL ? arena : g_malloc (sizeof (float) * MAX (e->graph->arena_size, 1));
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
} DepthwiseJob;

static void
depthwise_rows (int begin, int end, gpointer data)
{
  const DepthwiseJob *j = data;
  _gaze_op_depthwise_conv2d_rows (&j->op->window, j->in, j->weights, j->bias, j->op->activation,
                                 begin, end, j->out);
}

static void
run_op (const GazeEncoder *e, const TfliteOp *o, float *const *ptr, float *scratch)
{
  const TfliteGraph *g = e->graph;
  const TfliteTensor *out = &g->tensors[o->output];
  const TfliteTensor *a = &g->tensors[o->inputs[0]];
  const float *x = ptr[o->inputs[0]];
  const float *w = o->n_inputs > 1 && o->inputs[1] >= 0 ? ptr[o->inputs[1]] : NULL;
  const float *bias = o->n_inputs > 2 && o->inputs[2] >= 0 ? ptr[o->inputs[2]] : NULL;
  float *y = ptr[o->output];
  switch (o->code)
    {
    case TFLITE_CONV_2D:
      _gaze_op_conv2d_forward (&o->window, x, w, bias, o->activation, scratch, y);
      break;
    case TFLITE_DEPTHWISE_CONV_2D:
      {
        DepthwiseJob job = { o, x, w, bias, y };
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
  for (int k = 0; k <= last; k++)
    run_op (e, &g->ops[k], ptr, arena + g->scratch_offset);

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
