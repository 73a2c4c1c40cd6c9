/* tflite.c — reads a .tflite file (tensorflow/lite/schema/schema.fbs) into a
 * float32 graph.
 *
 * Model (root): 0 version, 1 operator_codes, 2 subgraphs, 4 buffers.
 * OperatorCode: 0 deprecated_builtin_code (byte), 1 custom_code, 3 builtin_code (int).
 * SubGraph: 0 tensors, 1 inputs, 2 outputs, 3 operators.
 * Tensor: 0 shape, 1 type, 2 buffer, 3 name, 4 quantization.
 * QuantizationParameters: 2 scale, 3 zero_point, 4 details_type, 6 quantized_dimension.
 * Operator: 0 opcode_index, 1 inputs, 2 outputs, 3 builtin_options_type, 4 builtin_options.
 * Buffer: 0 data, 1 offset, 2 size (offset/size: data stored after the FlatBuffer).
 */
#include "tflite.h"

#include <math.h>
#include <string.h>

#include "flatbuffer.h"
#include "gaze.h"
#include "ops.h"

/* Limits that no sane image backbone comes near; beyond them a file is refused
 * rather than allowed to allocate or compute without bound. */
#define MAX_DIM (1 << 20)
#define MAX_ELEMENTS ((gsize) 1 << 26)      /* one tensor: 256 MiB of floats */
#define MAX_ARENA ((gsize) 1 << 27)         /* all live activations: 512 MiB */
#define MAX_MACS 100e9                      /* multiply-adds of one forward pass */
#define MAX_OPS 4096
#define MAX_TENSORS 65536

static const char *const op_names[] = {
  "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE",
  "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP",
  "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC",
  "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1", "RELU6", "RESHAPE",
  "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS",
  "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
  "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND",
  "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM",
  "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT", "LOG_SOFTMAX",
  "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM", "ARG_MAX", "MINIMUM",
  "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN",
  "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG",
  "SUM", "SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX",
  "PACK", "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
  "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE",
  "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS",
  "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK",
  "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND",
};

const char *
_gaze_tflite_op_name (int code, char buffer[32])
{
  if (code >= 0 && code < (int) G_N_ELEMENTS (op_names))
    return op_names[code];
  g_snprintf (buffer, 32, "operator %d", code);
  return buffer;
}

/* BuiltinOptions union members (their index in the union, from 1). */
enum {
  OPT_CONV_2D = 1,
  OPT_DEPTHWISE_CONV_2D = 2,
  OPT_POOL_2D = 5,
  OPT_FULLY_CONNECTED = 8,
  OPT_SOFTMAX = 9,
  OPT_ADD = 11,
  OPT_RESHAPE = 17,
  OPT_MUL = 21,
  OPT_REDUCER = 27,
};

typedef struct {
  const char *what; /* the file, for messages */
  FbBuffer fb;
  TfliteGraph *graph;
  /* Per tensor: the raw bytes of its buffer (NULL for activations). */
  const guint8 **raw;
  gsize *raw_size;
  /* Per tensor: its quantisation, kept for dequantizing constants. */
  FbVector *scales;
  FbVector *zero_points;
  int *quant_dim;
  gsize constant_floats; /* dequantized so far */
} Reader;

static void
reader_clear (Reader *r)
{
  g_free (r->raw);
  g_free (r->raw_size);
  g_free (r->scales);
  g_free (r->zero_points);
  g_free (r->quant_dim);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reader, reader_clear)

/* Sets error to "<file>: <message>" with code; returns FALSE. */
static gboolean
reader_fail (Reader *r, GError **error, int code, const char *format, va_list args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);
  g_set_error (error, GAZE_ERROR, code, "%s: %s", r->what, message);
  return FALSE;
}

static gboolean corrupt (Reader *r, GError **error, const char *format, ...) G_GNUC_PRINTF (3, 4);
static gboolean unsupported (Reader *r, GError **error, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

/* A malformed file. */
static gboolean
corrupt (Reader *r, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  reader_fail (r, error, GAZE_ERROR_CORRUPT, format, args);
  va_end (args);
  return FALSE;
}

/* A well-formed file asking for what Gaze does not run. */
static gboolean
unsupported (Reader *r, GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  reader_fail (r, error, GAZE_ERROR_UNSUPPORTED, format, args);
  va_end (args);
  return FALSE;
}

/* A FlatBuffer error, prefixed with the file's name. */
static gboolean
fb_failed (Reader *r, GError **error)
{
  g_prefix_error (error, "%s: ", r->what);
  return FALSE;
}

void
_gaze_tflite_graph_free (TfliteGraph *graph)
{
  if (graph == NULL)
    return;
  for (int i = 0; i < graph->n_tensors; i++)
    {
      g_free (graph->tensors[i].name);
      g_free (graph->tensors[i].data);
    }
  g_free (graph->tensors);
  g_free (graph->ops);
  g_free (graph);
}

static int
type_size (int type)
{
  switch (type)
    {
    case TFLITE_FLOAT32:
    case TFLITE_INT32:
      return 4;
    case TFLITE_UINT8:
    case TFLITE_INT8:
      return 1;
    case TFLITE_INT64:
      return 8;
    default:
      return 0;
    }
}

static const char *
type_name (int type)
{
  static const char *const names[] = { "FLOAT32", "FLOAT16", "INT32",   "UINT8",    "INT64",
                                       "STRING",  "BOOL",    "INT16",   "COMPLEX64", "INT8" };
  return type >= 0 && type < (int) G_N_ELEMENTS (names) ? names[type] : "unknown type";
}

static gboolean
read_buffer (Reader *r, const FbVector *buffers, guint32 index, const guint8 **raw, gsize *size,
             GError **error)
{
  *raw = NULL;
  *size = 0;
  if (index == 0)
    return TRUE; /* buffer 0 is the empty sentinel */
  if (index >= buffers->length)
    return corrupt (r, error, "buffer index %u out of bounds (%u buffers)", index,
                    buffers->length);
  FbTable buffer;
  FbVector data;
  guint64 offset, length;
  if (!_gaze_fb_vector_table (buffers, index, &buffer, error)
      || !_gaze_fb_table_vector (&buffer, 0, 1, &data, error)
      || !_gaze_fb_table_u64 (&buffer, 1, 0, &offset, error)
      || !_gaze_fb_table_u64 (&buffer, 2, 0, &length, error))
    return fb_failed (r, error);
  if (data.length > 0)
    {
      *raw = _gaze_fb_vector_data (&data);
      *size = data.length;
    }
  else if (offset > 1)
    {
      /* Large models keep their weights after the FlatBuffer, at a file offset. */
      if (offset > r->fb.size || length > r->fb.size - offset)
        return corrupt (r, error, "buffer %u out of bounds", index);
      *raw = r->fb.data + offset;
      *size = length;
    }
  return TRUE;
}

static gboolean
read_tensor (Reader *r, const FbVector *tensors, const FbVector *buffers, int i, GError **error)
{
  TfliteTensor *t = &r->graph->tensors[i];
  FbTable table, quant;
  FbVector shape;
  guint8 type;
  guint32 buffer;
  const char *name;
  gboolean has_quant;
  t->producer = -1;
  t->last_use = -1;
  if (!_gaze_fb_vector_table (tensors, i, &table, error) || !_gaze_fb_table_vector (&table, 0, 4, &shape, error)
      || !_gaze_fb_table_u8 (&table, 1, 0, &type, error) || !_gaze_fb_table_u32 (&table, 2, 0, &buffer, error)
      || !_gaze_fb_table_string (&table, 3, &name, error)
      || !_gaze_fb_table_table (&table, 4, &quant, &has_quant, error))
    return fb_failed (r, error);
  t->name = g_utf8_make_valid (name, -1);
  t->type = type;
  if (shape.length > TFLITE_MAX_DIMS)
    return unsupported (r, error, "tensor \"%s\" has %u dimensions (at most %d)", t->name,
                        shape.length, TFLITE_MAX_DIMS);
  t->rank = (int) shape.length;
  t->n_elements = 1;
  for (int d = 0; d < t->rank; d++)
    {
      gint32 dim = _gaze_fb_vector_i32 (&shape, d);
      if (dim < 1 || dim > MAX_DIM)
        return corrupt (r, error, "tensor \"%s\" has an absurd dimension %d", t->name, dim);
      t->dims[d] = dim;
      t->n_elements *= (gsize) dim;
      if (t->n_elements > MAX_ELEMENTS)
        return corrupt (r, error, "tensor \"%s\" has an absurd shape (over %" G_GSIZE_FORMAT
                        " elements)", t->name, MAX_ELEMENTS);
    }

  r->scales[i] = (FbVector) { &r->fb, 0, 0, 4 };
  r->zero_points[i] = (FbVector) { &r->fb, 0, 0, 8 };
  r->quant_dim[i] = 0;
  if (has_quant)
    {
      guint8 details;
      gint32 quant_dim;
      if (!_gaze_fb_table_vector (&quant, 2, 4, &r->scales[i], error)
          || !_gaze_fb_table_vector (&quant, 3, 8, &r->zero_points[i], error)
          || !_gaze_fb_table_u8 (&quant, 4, 0, &details, error)
          || !_gaze_fb_table_i32 (&quant, 6, 0, &quant_dim, error))
        return fb_failed (r, error);
      if (details != 0)
        return unsupported (r, error, "tensor \"%s\" uses custom quantisation", t->name);
      r->quant_dim[i] = quant_dim;
      if (r->scales[i].length > 0)
        {
          t->scale = _gaze_fb_vector_f32 (&r->scales[i], 0);
          if (!isfinite (t->scale) || t->scale < 0)
            return corrupt (r, error, "tensor \"%s\" has an invalid scale", t->name);
        }
      if (r->zero_points[i].length > 0)
        t->zero_point = _gaze_fb_vector_i64 (&r->zero_points[i], 0);
    }
  return read_buffer (r, buffers, buffer, &r->raw[i], &r->raw_size[i], error);
}

static float
raw_value (const guint8 *raw, int type, gsize e)
{
  switch (type)
    {
    case TFLITE_UINT8:
      return raw[e];
    case TFLITE_INT8:
      return (gint8) raw[e];
    case TFLITE_INT32:
      {
        gint32 v;
        memcpy (&v, raw + 4 * e, 4);
        return (float) GINT32_FROM_LE (v);
      }
    case TFLITE_INT64:
      {
        gint64 v;
        memcpy (&v, raw + 8 * e, 8);
        return (float) GINT64_FROM_LE (v);
      }
    default:
      {
        guint32 bits;
        float v;
        memcpy (&bits, raw + 4 * e, 4);
        bits = GUINT32_FROM_LE (bits);
        memcpy (&v, &bits, 4);
        return v;
      }
    }
}

/* Turns constant tensor i into float32 once: w = scale·(q − zero_point), with
 * one scale per tensor or one per slice along quantized_dimension. */
static gboolean
dequantize (Reader *r, int i, GError **error)
{
  TfliteTensor *t = &r->graph->tensors[i];
  if (t->data != NULL)
    return TRUE;
  int size = type_size (t->type);
  if (size == 0)
    return unsupported (r, error, "tensor \"%s\" has type %s", t->name, type_name (t->type));
  if (r->raw_size[i] / (gsize) size < t->n_elements)
    return corrupt (r, error, "buffer too small for tensor \"%s\" (%" G_GSIZE_FORMAT
                    " bytes, needs %" G_GSIZE_FORMAT ")", t->name, r->raw_size[i],
                    t->n_elements * size);
  /* Tensors may share buffers; a hostile file must not multiply memory by that. */
  r->constant_floats += t->n_elements;
  if (r->constant_floats > 2 * r->fb.size + 4096)
    return corrupt (r, error, "constant tensors larger than the file");

  const FbVector *scales = &r->scales[i], *zero_points = &r->zero_points[i];
  gsize n_channels = 1, inner = 1;
  if (scales->length > 1)
    {
      int qd = r->quant_dim[i];
      if (qd < 0 || qd >= t->rank || (gsize) t->dims[qd] != scales->length)
        return corrupt (r, error, "tensor \"%s\" has %u scales for its quantized dimension %d",
                        t->name, scales->length, qd);
      n_channels = scales->length;
      for (int d = qd + 1; d < t->rank; d++)
        inner *= (gsize) t->dims[d];
    }
  if (zero_points->length > 1 && zero_points->length != scales->length)
    return corrupt (r, error, "tensor \"%s\" has %u zero points for %u scales", t->name,
                    zero_points->length, scales->length);
  gboolean quantized = scales->length > 0 && t->type != TFLITE_FLOAT32;

  t->data = g_new (float, t->n_elements);
  for (gsize e = 0; e < t->n_elements; e++)
    {
      float q = raw_value (r->raw[i], t->type, e);
      if (!quantized)
        {
          t->data[e] = q;
          continue;
        }
      gsize c = n_channels > 1 ? (e / inner) % n_channels : 0;
      float scale = _gaze_fb_vector_f32 (scales, (guint32) c);
      float zero = zero_points->length == 0 ? 0.0f
                   : (float) _gaze_fb_vector_i64 (zero_points, zero_points->length > 1 ? (guint32) c : 0);
      t->data[e] = scale * (q - zero);
    }
  for (gsize e = 0; e < t->n_elements; e++)
    if (!isfinite (t->data[e]))
      return corrupt (r, error, "tensor \"%s\" holds a value that is not finite", t->name);
  return TRUE;
}

static gboolean
read_option_tables (Reader *r, const FbTable *op, int code, guint8 expected, FbTable *options,
                    gboolean *present, GError **error)
{
  guint8 type;
  char buf[32];
  if (!_gaze_fb_table_u8 (op, 3, 0, &type, error) || !_gaze_fb_table_table (op, 4, options, present, error))
    return fb_failed (r, error);
  if (*present && type != expected)
    return corrupt (r, error, "%s has options of the wrong type %u", _gaze_tflite_op_name (code, buf),
                    type);
  return TRUE;
}

static gboolean
check_activation (Reader *r, int code, guint8 act, TfliteOp *o, GError **error)
{
  static const char *const names[] = { "NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH",
                                       "SIGN_BIT" };
  char buf[32];
  if (act > TFLITE_ACT_RELU6)
    return unsupported (r, error, "%s with fused activation %s", _gaze_tflite_op_name (code, buf),
                        act < G_N_ELEMENTS (names) ? names[act] : "unknown");
  o->activation = act;
  return TRUE;
}

/* The options of the ops Gaze runs (schema.fbs, table <Op>Options). */
static gboolean
read_options (Reader *r, const FbTable *op, TfliteOp *o, GError **error)
{
  FbTable t;
  gboolean present;
  guint8 padding = 0, act = 0;
  gint32 stride_w = 1, stride_h = 1, fw = 1, fh = 1, dil_w = 1, dil_h = 1, mult = 1;
  char buf[32];
  const char *name = _gaze_tflite_op_name (o->code, buf);
  o->beta = 1.0f;
  switch (o->code)
    {
    case TFLITE_CONV_2D:
      if (!read_option_tables (r, op, o->code, OPT_CONV_2D, &t, &present, error))
        return FALSE;
      if (present
          && (!_gaze_fb_table_u8 (&t, 0, 0, &padding, error) || !_gaze_fb_table_i32 (&t, 1, 0, &stride_w, error)
              || !_gaze_fb_table_i32 (&t, 2, 0, &stride_h, error) || !_gaze_fb_table_u8 (&t, 3, 0, &act, error)
              || !_gaze_fb_table_i32 (&t, 4, 1, &dil_w, error) || !_gaze_fb_table_i32 (&t, 5, 1, &dil_h, error)))
        return fb_failed (r, error);
      break;
    case TFLITE_DEPTHWISE_CONV_2D:
      if (!read_option_tables (r, op, o->code, OPT_DEPTHWISE_CONV_2D, &t, &present, error))
        return FALSE;
      if (present
          && (!_gaze_fb_table_u8 (&t, 0, 0, &padding, error) || !_gaze_fb_table_i32 (&t, 1, 0, &stride_w, error)
              || !_gaze_fb_table_i32 (&t, 2, 0, &stride_h, error) || !_gaze_fb_table_i32 (&t, 3, 1, &mult, error)
              || !_gaze_fb_table_u8 (&t, 4, 0, &act, error) || !_gaze_fb_table_i32 (&t, 5, 1, &dil_w, error)
              || !_gaze_fb_table_i32 (&t, 6, 1, &dil_h, error)))
        return fb_failed (r, error);
      break;
    case TFLITE_AVERAGE_POOL_2D:
      if (!read_option_tables (r, op, o->code, OPT_POOL_2D, &t, &present, error))
        return FALSE;
      if (present
          && (!_gaze_fb_table_u8 (&t, 0, 0, &padding, error) || !_gaze_fb_table_i32 (&t, 1, 0, &stride_w, error)
              || !_gaze_fb_table_i32 (&t, 2, 0, &stride_h, error) || !_gaze_fb_table_i32 (&t, 3, 0, &fw, error)
              || !_gaze_fb_table_i32 (&t, 4, 0, &fh, error) || !_gaze_fb_table_u8 (&t, 5, 0, &act, error)))
        return fb_failed (r, error);
      break;
    case TFLITE_FULLY_CONNECTED:
      {
        guint8 format = 0;
        if (!read_option_tables (r, op, o->code, OPT_FULLY_CONNECTED, &t, &present, error))
          return FALSE;
        if (present
            && (!_gaze_fb_table_u8 (&t, 0, 0, &act, error) || !_gaze_fb_table_u8 (&t, 1, 0, &format, error)))
          return fb_failed (r, error);
        if (format != 0)
          return unsupported (r, error, "%s with shuffled weights", name);
        break;
      }
    case TFLITE_SOFTMAX:
      if (!read_option_tables (r, op, o->code, OPT_SOFTMAX, &t, &present, error))
        return FALSE;
      if (present && !_gaze_fb_table_f32 (&t, 0, 1.0f, &o->beta, error))
        return fb_failed (r, error);
      if (!isfinite (o->beta) || o->beta <= 0 || o->beta > 1e6)
        return corrupt (r, error, "%s has an invalid beta", name);
      break;
    case TFLITE_ADD:
    case TFLITE_MUL:
      if (!read_option_tables (r, op, o->code, o->code == TFLITE_ADD ? OPT_ADD : OPT_MUL, &t,
                               &present, error))
        return FALSE;
      if (present && !_gaze_fb_table_u8 (&t, 0, 0, &act, error))
        return fb_failed (r, error);
      break;
    case TFLITE_RESHAPE:
      if (!read_option_tables (r, op, o->code, OPT_RESHAPE, &t, &present, error))
        return FALSE;
      break;
    case TFLITE_MEAN:
      if (!read_option_tables (r, op, o->code, OPT_REDUCER, &t, &present, error))
        return FALSE;
      break;
    default:
      break;
    }
  if (stride_w < 1 || stride_h < 1 || stride_w > 1024 || stride_h > 1024)
    return corrupt (r, error, "%s has invalid strides %d×%d", name, stride_w, stride_h);
  if (dil_w != 1 || dil_h != 1)
    return unsupported (r, error, "%s with dilation %d×%d", name, dil_w, dil_h);
  if (mult != 1)
    return unsupported (r, error, "%s with depth multiplier %d", name, mult);
  if (padding > 1)
    return corrupt (r, error, "%s has an unknown padding %u", name, padding);
  o->same_padding = padding == 0;
  o->stride_w = stride_w;
  o->stride_h = stride_h;
  o->filter_w = fw;
  o->filter_h = fh;
  return check_activation (r, o->code, act, o, error);
}

static TfliteTensor *
op_tensor (TfliteGraph *g, const TfliteOp *o, int k)
{
  return k < o->n_inputs && o->inputs[k] >= 0 ? &g->tensors[o->inputs[k]] : NULL;
}

static gboolean
shape_is (const TfliteTensor *t, int rank, const int *dims)
{
  if (t->rank != rank)
    return FALSE;
  for (int d = 0; d < rank; d++)
    if (t->dims[d] != dims[d])
      return FALSE;
  return TRUE;
}

static char *
shape_string (const TfliteTensor *t)
{
  GString *s = g_string_new ("[");
  for (int d = 0; d < t->rank; d++)
    g_string_append_printf (s, d ? "×%d" : "%d", t->dims[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static gboolean
bad_shape (Reader *r, const TfliteOp *o, const TfliteTensor *t, GError **error)
{
  char buf[32];
  g_autofree char *shape = shape_string (t);
  return corrupt (r, error, "%s: tensor \"%s\" has an unexpected shape %s",
                  _gaze_tflite_op_name (o->code, buf), t->name, shape);
}

/* TensorFlow's output size and leading padding along one axis.  SAME: out =
 * ⌈in / stride⌉ and the padding total is split with the odd one at the end
 * (bottom, right).  VALID: out = ⌊(in − k) / stride⌋ + 1, no padding. */
int
_gaze_tflite_window_geometry (gboolean same, int in, int k, int stride, int *pad_before)
{
  if (same)
    {
      int out = (in + stride - 1) / stride;
      int total = MAX ((out - 1) * stride + k - in, 0);
      *pad_before = total / 2;
      return out;
    }
  *pad_before = 0;
  return in >= k ? (in - k) / stride + 1 : 0;
}

/* Checks a windowed op (conv, depthwise, pool) of kernel kh×kw: input [1,H,W,C],
 * output [1,OH,OW,out_c]; fills in o->window. */
static gboolean
check_window (Reader *r, TfliteOp *o, const TfliteTensor *in, const TfliteTensor *out, int kh,
              int kw, int out_c, GError **error)
{
  if (in->rank != 4 || in->dims[0] != 1)
    return bad_shape (r, o, in, error);
  TfliteWindow *g = &o->window;
  *g = (TfliteWindow) { .h = in->dims[1], .w = in->dims[2], .c = in->dims[3], .kh = kh, .kw = kw,
                        .stride_h = o->stride_h, .stride_w = o->stride_w, .oc = out_c };
  g->oh = _gaze_tflite_window_geometry (o->same_padding, g->h, kh, o->stride_h, &g->pad_top);
  g->ow = _gaze_tflite_window_geometry (o->same_padding, g->w, kw, o->stride_w, &g->pad_left);
  int dims[4] = { 1, g->oh, g->ow, out_c };
  if (!shape_is (out, 4, dims))
    return bad_shape (r, o, out, error);
  return TRUE;
}

/* Whether a (right-aligned) broadcasts to out, numpy style. */
static gboolean
broadcasts (const TfliteTensor *a, const TfliteTensor *out)
{
  if (a->rank > out->rank)
    return FALSE;
  for (int d = 0; d < a->rank; d++)
    {
      int ad = a->dims[a->rank - 1 - d], od = out->dims[out->rank - 1 - d];
      if (ad != od && ad != 1)
        return FALSE;
    }
  return TRUE;
}

/* Checks op o's tensors against each other and works out its geometry. */
static gboolean
check_op (Reader *r, TfliteOp *o, double *macs, GError **error)
{
  TfliteGraph *g = r->graph;
  TfliteTensor *in = op_tensor (g, o, 0), *w = op_tensor (g, o, 1), *bias = op_tensor (g, o, 2);
  TfliteTensor *out = &g->tensors[o->output];
  char buf[32];
  const char *name = _gaze_tflite_op_name (o->code, buf);
  if (in == NULL)
    return corrupt (r, error, "%s has no input", name);

  switch (o->code)
    {
    case TFLITE_CONV_2D:
    case TFLITE_DEPTHWISE_CONV_2D:
      {
        if (w == NULL || w->data == NULL)
          return corrupt (r, error, "%s needs constant weights", name);
        if (w->rank != 4 || in->rank != 4)
          return bad_shape (r, o, w->rank != 4 ? w : in, error);
        gboolean depthwise = o->code == TFLITE_DEPTHWISE_CONV_2D;
        int c = in->dims[3], oc = depthwise ? w->dims[3] : w->dims[0];
        if (depthwise ? (w->dims[0] != 1 || oc != c) : w->dims[3] != c)
          return bad_shape (r, o, w, error);
        if (bias != NULL && (bias->data == NULL || bias->n_elements != (gsize) oc))
          return bad_shape (r, o, bias, error);
        if (!check_window (r, o, in, out, w->dims[1], w->dims[2], oc, error))
          return FALSE;
        double per_output = (double) w->dims[1] * w->dims[2] * (depthwise ? 1 : c);
        *macs += per_output * (double) out->n_elements;
        if (!depthwise)
          {
            o->scratch = _gaze_op_conv2d_scratch (&o->window);
            if (o->scratch > MAX_ELEMENTS)
              return corrupt (r, error, "%s needs an absurd amount of memory", name);
          }
        break;
      }
    case TFLITE_AVERAGE_POOL_2D:
      if (o->filter_h < 1 || o->filter_w < 1 || o->filter_h > MAX_DIM || o->filter_w > MAX_DIM)
        return corrupt (r, error, "%s has an invalid filter %d×%d", name, o->filter_h,
                        o->filter_w);
      if (!check_window (r, o, in, out, o->filter_h, o->filter_w, in->rank == 4 ? in->dims[3] : 0,
                         error))
        return FALSE;
      *macs += (double) o->filter_h * o->filter_w * (double) out->n_elements;
      break;
    case TFLITE_ADD:
    case TFLITE_MUL:
      if (w == NULL)
        return corrupt (r, error, "%s needs two inputs", name);
      if (!broadcasts (in, out))
        return bad_shape (r, o, in, error);
      if (!broadcasts (w, out))
        return bad_shape (r, o, w, error);
      for (int d = 0; d < out->rank; d++)
        {
          /* The output is exactly the broadcast shape. */
          int k = out->rank - 1 - d;
          int a = d < in->rank ? in->dims[in->rank - 1 - d] : 1;
          int b = d < w->rank ? w->dims[w->rank - 1 - d] : 1;
          if (out->dims[k] != MAX (a, b))
            return bad_shape (r, o, out, error);
        }
      break;
    case TFLITE_MEAN:
      {
        if (w == NULL || w->data == NULL)
          return corrupt (r, error, "%s needs constant axes", name);
        if (w->n_elements > TFLITE_MAX_DIMS)
          return bad_shape (r, o, w, error);
        o->reduce_axes = 0;
        gsize kept = 1;
        for (gsize k = 0; k < w->n_elements; k++)
          {
            float a = w->data[k];
            if (a != floorf (a) || a < -in->rank || a >= in->rank)
              return corrupt (r, error, "%s has an invalid axis %g", name, a);
            o->reduce_axes |= 1 << (((int) a + in->rank) % in->rank);
          }
        for (int d = 0; d < in->rank; d++)
          if (!(o->reduce_axes & (1 << d)))
            kept *= (gsize) in->dims[d];
        if (out->n_elements != kept)
          return bad_shape (r, o, out, error);
        break;
      }
    case TFLITE_FULLY_CONNECTED:
      if (w == NULL || w->data == NULL || w->rank != 2)
        return corrupt (r, error, "%s needs constant 2-D weights", name);
      if (in->n_elements % (gsize) w->dims[1] != 0)
        return bad_shape (r, o, in, error);
      if (bias != NULL && (bias->data == NULL || bias->n_elements != (gsize) w->dims[0]))
        return bad_shape (r, o, bias, error);
      if (out->n_elements != in->n_elements / w->dims[1] * w->dims[0])
        return bad_shape (r, o, out, error);
      *macs += (double) w->n_elements * (double) (in->n_elements / w->dims[1]);
      break;
    case TFLITE_SOFTMAX:
      if (!shape_is (out, in->rank, in->dims) || in->rank < 1)
        return bad_shape (r, o, out, error);
      break;
    case TFLITE_RESHAPE:
    case TFLITE_QUANTIZE:
    case TFLITE_DEQUANTIZE:
      if (out->n_elements != in->n_elements)
        return bad_shape (r, o, out, error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (*macs > MAX_MACS)
    return corrupt (r, error, "absurd amount of computation (over %.0f multiply-adds)", MAX_MACS);
  return TRUE;
}

static gboolean
is_supported (int code)
{
  switch (code)
    {
    case TFLITE_ADD:
    case TFLITE_AVERAGE_POOL_2D:
    case TFLITE_CONV_2D:
    case TFLITE_DEPTHWISE_CONV_2D:
    case TFLITE_DEQUANTIZE:
    case TFLITE_FULLY_CONNECTED:
    case TFLITE_MUL:
    case TFLITE_RESHAPE:
    case TFLITE_SOFTMAX:
    case TFLITE_MEAN:
    case TFLITE_QUANTIZE:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Reads operator k: its code, tensors and options.  An op may read constants,
 * the graph's input, or what an earlier op wrote; RESHAPE's shape input is
 * not read (the output tensor has the shape). */
static gboolean
read_operator (Reader *r, const FbVector *operators, const FbVector *codes, int k,
               double *macs, GError **error)
{
  TfliteGraph *g = r->graph;
  TfliteOp *o = &g->ops[k];
  FbTable op, code_table;
  FbVector inputs, outputs;
  guint32 opcode;
  if (!_gaze_fb_vector_table (operators, k, &op, error) || !_gaze_fb_table_u32 (&op, 0, 0, &opcode, error)
      || !_gaze_fb_table_vector (&op, 1, 4, &inputs, error)
      || !_gaze_fb_table_vector (&op, 2, 4, &outputs, error))
    return fb_failed (r, error);
  if (opcode >= codes->length)
    return corrupt (r, error, "operator %d has opcode index %u out of bounds", k, opcode);

  guint8 deprecated_code;
  gint32 builtin_code;
  const char *custom;
  if (!_gaze_fb_vector_table (codes, opcode, &code_table, error)
      || !_gaze_fb_table_u8 (&code_table, 0, 0, &deprecated_code, error)
      || !_gaze_fb_table_string (&code_table, 1, &custom, error)
      || !_gaze_fb_table_i32 (&code_table, 3, 0, &builtin_code, error))
    return fb_failed (r, error);
  /* Codes past 127 live in builtin_code; older files only fill the byte. */
  o->code = MAX ((int) (gint8) deprecated_code, builtin_code);
  char buf[32];
  if (o->code == 32 /* CUSTOM */)
    {
      g_autofree char *valid = g_utf8_make_valid (custom, -1);
      return unsupported (r, error, "unsupported custom operator \"%s\"", valid);
    }
  if (!is_supported (o->code))
    return unsupported (r, error, "unsupported operator %s", _gaze_tflite_op_name (o->code, buf));
  const char *name = _gaze_tflite_op_name (o->code, buf);

  if (inputs.length < 1 || inputs.length > G_N_ELEMENTS (o->inputs))
    return corrupt (r, error, "%s has %u inputs", name, inputs.length);
  if (outputs.length != 1)
    return corrupt (r, error, "%s has %u outputs", name, outputs.length);
  o->n_inputs = (int) inputs.length;
  int n_read = o->code == TFLITE_RESHAPE ? 1 : o->n_inputs;
  for (int i = 0; i < o->n_inputs; i++)
    {
      gint32 t = _gaze_fb_vector_i32 (&inputs, i);
      if (t < -1 || t >= g->n_tensors)
        return corrupt (r, error, "%s input %d: tensor index %d out of bounds", name, i, t);
      o->inputs[i] = i < n_read ? t : -1;
      if (i >= n_read || t < 0)
        continue;
      TfliteTensor *tensor = &g->tensors[t];
      if (r->raw[t] != NULL)
        {
          if (!dequantize (r, t, error))
            return FALSE;
        }
      else if (t != g->input && tensor->producer < 0)
        return corrupt (r, error, "%s reads tensor \"%s\" before anything writes it", name,
                        tensor->name);
      else
        tensor->last_use = k;
    }
  gint32 t = _gaze_fb_vector_i32 (&outputs, 0);
  if (t < 0 || t >= g->n_tensors)
    return corrupt (r, error, "%s output: tensor index %d out of bounds", name, t);
  TfliteTensor *out = &g->tensors[t];
  if (r->raw[t] != NULL || t == g->input || out->producer >= 0)
    return corrupt (r, error, "%s writes tensor \"%s\", which is already set", name, out->name);
  int type = out->type;
  if (type != TFLITE_FLOAT32 && type != TFLITE_UINT8 && type != TFLITE_INT8)
    return unsupported (r, error, "%s writes a tensor of type %s", name, type_name (type));
  out->producer = k;
  out->last_use = k;
  o->output = t;
  return read_options (r, &op, o, error) && check_op (r, o, macs, error);
}

static int
compare_by_size (gconstpointer a, gconstpointer b, gpointer data)
{
  const TfliteTensor *tensors = data;
  gsize sa = tensors[*(const int *) a].n_elements, sb = tensors[*(const int *) b].n_elements;
  return sa < sb ? 1 : sa > sb ? -1 : *(const int *) a - *(const int *) b;
}

typedef struct {
  gsize begin, end;
} Extent;

static int
compare_extents (gconstpointer a, gconstpointer b)
{
  gsize x = ((const Extent *) a)->begin, y = ((const Extent *) b)->begin;
  return (x > y) - (x < y);
}

/* Floats a tensor takes in the arena: rounded up to 16 (64 bytes), so that
 * every tensor starts on a cache line. */
static gsize
arena_floats (const TfliteTensor *t)
{
  return (t->n_elements + 15) & ~(gsize) 15;
}

/* Greedy arena planning: the biggest tensors first, each at the lowest offset
 * where it overlaps no tensor alive at the same time (from the op that writes
 * it to the last op that reads it). */
void
_gaze_tflite_graph_plan (TfliteGraph *g, int keep)
{
  g_autofree int *order = g_new (int, g->n_tensors);
  g_autofree int *last = g_new (int, g->n_tensors);
  g_autofree Extent *busy = g_new (Extent, g->n_tensors);
  int n = 0;
  for (int i = 0; i < g->n_tensors; i++)
    {
      last[i] = i == keep || i == g->output ? g->n_ops : g->tensors[i].last_use;
      if (g->tensors[i].producer >= 0 || i == g->input)
        order[n++] = i;
    }
  g_qsort_with_data (order, n, sizeof (int), compare_by_size, g->tensors);
  gsize end = 0;
  for (int k = 0; k < n; k++)
    {
      TfliteTensor *t = &g->tensors[order[k]];
      int n_busy = 0;
      for (int j = 0; j < k; j++)
        {
          const TfliteTensor *u = &g->tensors[order[j]];
          if (t->producer <= last[order[j]] && u->producer <= last[order[k]])
            busy[n_busy++] = (Extent) { u->arena_offset, u->arena_offset + arena_floats (u) };
        }
      qsort (busy, n_busy, sizeof (Extent), compare_extents);
      gsize offset = 0, size = arena_floats (t);
      for (int j = 0; j < n_busy && busy[j].begin < offset + size; j++)
        offset = MAX (offset, busy[j].end);
      t->arena_offset = offset;
      end = MAX (end, offset + size);
    }
  gsize scratch = 0;
  for (int k = 0; k < g->n_ops; k++)
    scratch = MAX (scratch, g->ops[k].scratch);
  g->scratch_offset = end;
  g->arena_size = end + scratch;
}

TfliteGraph *
_gaze_tflite_graph_new (const guint8 *data, gsize size, const char *what, GError **error)
{
  g_auto (Reader) r = { .what = what, .fb = { data, size } };
  FbTable model, subgraph;
  FbVector codes, subgraphs, buffers, tensors, inputs, outputs, operators;
  guint32 version;
  if (!_gaze_fb_root (&r.fb, "TFL3", &model, error) || !_gaze_fb_table_u32 (&model, 0, 0, &version, error)
      || !_gaze_fb_table_vector (&model, 1, 4, &codes, error)
      || !_gaze_fb_table_vector (&model, 2, 4, &subgraphs, error)
      || !_gaze_fb_table_vector (&model, 4, 4, &buffers, error))
    {
      fb_failed (&r, error);
      return NULL;
    }
  if (version != 3)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_VERSION, "%s: TFLite schema version %u (expected 3)",
                   what, version);
      return NULL;
    }
  if (subgraphs.length < 1)
    {
      corrupt (&r, error, "no subgraph");
      return NULL;
    }
  if (!_gaze_fb_vector_table (&subgraphs, 0, &subgraph, error)
      || !_gaze_fb_table_vector (&subgraph, 0, 4, &tensors, error)
      || !_gaze_fb_table_vector (&subgraph, 1, 4, &inputs, error)
      || !_gaze_fb_table_vector (&subgraph, 2, 4, &outputs, error)
      || !_gaze_fb_table_vector (&subgraph, 3, 4, &operators, error))
    {
      fb_failed (&r, error);
      return NULL;
    }
  if (operators.length > MAX_OPS || tensors.length > MAX_TENSORS)
    {
      unsupported (&r, error, "absurd graph of %u operators and %u tensors", operators.length,
                   tensors.length);
      return NULL;
    }
  if (inputs.length != 1 || outputs.length < 1 || operators.length < 1)
    {
      corrupt (&r, error, "%u inputs, %u outputs and %u operators (expected 1 input)",
               inputs.length, outputs.length, operators.length);
      return NULL;
    }

  g_autoptr (TfliteGraph) g = g_new0 (TfliteGraph, 1);
  r.graph = g;
  g->n_tensors = (int) tensors.length;
  g->tensors = g_new0 (TfliteTensor, g->n_tensors);
  g->n_ops = (int) operators.length;
  g->ops = g_new0 (TfliteOp, g->n_ops);
  r.raw = g_new0 (const guint8 *, g->n_tensors);
  r.raw_size = g_new0 (gsize, g->n_tensors);
  r.scales = g_new0 (FbVector, g->n_tensors);
  r.zero_points = g_new0 (FbVector, g->n_tensors);
  r.quant_dim = g_new0 (int, g->n_tensors);

  for (int i = 0; i < g->n_tensors; i++)
    if (!read_tensor (&r, &tensors, &buffers, i, error))
      return NULL;
  g->input = _gaze_fb_vector_i32 (&inputs, 0);
  g->output = _gaze_fb_vector_i32 (&outputs, 0);
  if (g->input < 0 || g->input >= g->n_tensors || g->output < 0 || g->output >= g->n_tensors)
    {
      corrupt (&r, error, "input or output tensor index out of bounds");
      return NULL;
    }
  if (r.raw[g->input] != NULL)
    {
      corrupt (&r, error, "the input tensor is a constant");
      return NULL;
    }
  double macs = 0;
  for (int k = 0; k < g->n_ops; k++)
    if (!read_operator (&r, &operators, &codes, k, &macs, error))
      return NULL;
  g->macs = macs;
  if (g->tensors[g->output].producer < 0)
    {
      corrupt (&r, error, "no operator writes the output tensor");
      return NULL;
    }
  _gaze_tflite_graph_plan (g, -1);
  if (g->arena_size > MAX_ARENA)
    {
      corrupt (&r, error, "activations need an absurd amount of memory");
      return NULL;
    }
  return g_steal_pointer (&g);
}
