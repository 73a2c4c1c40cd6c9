/* tflite.h — a TensorFlow Lite model read into a float32 graph (internal).
 *
 * The reader follows tensorflow/lite/schema/schema.fbs.  Constant tensors are
 * dequantized once, at load, to float32 (w = scale·(q − zero_point), per tensor
 * or per channel); activations are float32 too, and their quantisation
 * parameters only say what range the quantized graph could represent.
 * Every operator is checked against its tensors' shapes here, so running the
 * graph never reads or writes outside a tensor.
 */
#pragma once

#include <glib.h>

/* BuiltinOperator codes from schema.fbs, those Gaze runs. */
enum {
  TFLITE_ADD = 0,
  TFLITE_AVERAGE_POOL_2D = 1,
  TFLITE_CONV_2D = 3,
  TFLITE_DEPTHWISE_CONV_2D = 4,
  TFLITE_DEQUANTIZE = 6,
  TFLITE_FULLY_CONNECTED = 9,
  TFLITE_MUL = 18,
  TFLITE_RESHAPE = 22,
  TFLITE_SOFTMAX = 25,
  TFLITE_MEAN = 40,
  TFLITE_QUANTIZE = 114,
};

/* TensorType codes from schema.fbs. */
enum {
  TFLITE_FLOAT32 = 0,
  TFLITE_INT32 = 2,
  TFLITE_UINT8 = 3,
  TFLITE_INT64 = 4,
  TFLITE_INT8 = 9,
};

typedef enum {
  TFLITE_ACT_NONE = 0,
  TFLITE_ACT_RELU = 1,
  TFLITE_ACT_RELU_N1_TO_1 = 2,
  TFLITE_ACT_RELU6 = 3,
} TfliteActivation;

#define TFLITE_MAX_DIMS 4

/* The geometry of a windowed op: input h×w×c, kernel kh×kw, output oh×ow×oc.
 * pad_top and pad_left are the leading padding; TensorFlow's SAME puts the odd
 * row and column at the bottom and right, which follows from oh and ow. */
typedef struct {
  int h, w, c;
  int kh, kw;
  int stride_h, stride_w;
  int pad_top, pad_left;
  int oh, ow, oc;
} TfliteWindow;

typedef struct {
  char *name;
  int type;
  int rank;
  int dims[TFLITE_MAX_DIMS];
  gsize n_elements;
  /* The first (or only) quantisation parameters; scale 0 when not quantized. */
  float scale;
  gint64 zero_point;
  /* Constant tensors: the dequantized values, else NULL. */
  float *data;
  /* Activations: where the tensor lives in the forward pass's arena (in floats). */
  gsize arena_offset;
  int producer;  /* index of the op writing it; −1 for constants and the input */
  int last_use;  /* index of the last op reading it */
} TfliteTensor;

typedef struct {
  int code;      /* BuiltinOperator */
  int n_inputs;  /* inputs[i] is −1 for an omitted optional input */
  int inputs[3];
  int output;
  /* Options, those the op has. */
  gboolean same_padding;
  int stride_w, stride_h;
  int filter_w, filter_h; /* AVERAGE_POOL_2D */
  TfliteActivation activation;
  float beta;         /* SOFTMAX */
  int reduce_axes;    /* MEAN: a bit mask of the axes reduced */
  /* Geometry worked out at load for the convolutions and pools. */
  TfliteWindow window;
  /* Floats of scratch memory the op needs (im2col). */
  gsize scratch;
} TfliteOp;

typedef struct {
  int n_tensors;
  TfliteTensor *tensors;
  int n_ops;
  TfliteOp *ops;
  int input;   /* the one input tensor */
  int output;  /* the first output tensor */
  double macs;        /* multiply-adds of one forward pass */
  gsize arena_size;   /* floats: the activations and the largest scratch */
  gsize scratch_offset;
} TfliteGraph;

/* Reads a model from memory; what names the model in error messages (a path). */
TfliteGraph *_gaze_tflite_graph_new (const guint8 *data, gsize size, const char *what, GError **error);
void _gaze_tflite_graph_free (TfliteGraph *graph);
/* Plans where each activation lives in the arena, keeping `keep` (a tensor
 * index, or −1) alive to the end besides the output. */
void _gaze_tflite_graph_plan (TfliteGraph *graph, int keep);
/* TensorFlow's output size along one axis of in samples, for a window of k
 * and a stride; *pad_before receives the leading padding.  SAME: ⌈in/stride⌉,
 * the odd padding row or column going at the end (bottom, right). */
int _gaze_tflite_window_geometry (gboolean same, int in, int k, int stride, int *pad_before);
/* The schema's name of a BuiltinOperator code, "operator N" when unknown (static). */
const char *_gaze_tflite_op_name (int code, char buffer[32]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TfliteGraph, _gaze_tflite_graph_free)
