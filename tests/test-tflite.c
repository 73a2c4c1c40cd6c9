/* test-tflite — the .tflite reader on the two real models and on hostile
 * variants of them: truncated, wrong identifier, an unsupported operator,
 * absurd shapes, short buffers, random mutations of the tables.  The fuzz
 * corpus is replayed by test-fuzz-replay. */
#include <glib/gstdio.h>
#include <string.h>

#include "flatbuffer.h"
#include "gaze.h"
#include "test-util.h"
#include "tflite.h"

#define MOBILENET "mobilenet_v2_1.0_224_quant"
#define LITE0 "efficientnet_lite0_int8_feature_extractor"

static char *
model_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".tflite", NULL);
  return g_build_filename (g_getenv ("GAZE_SHARED_DIR"), "models", file, NULL);
}

static GBytes *
read_model (const char *name)
{
  g_autofree char *path = model_path (name);
  GError *error = NULL;
  GMappedFile *file = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  GBytes *bytes = g_mapped_file_get_bytes (file);
  g_mapped_file_unref (file);
  return bytes;
}

/* Loads data and expects an error of code, one line, naming "test.tflite". */
static void
expect_error (const guint8 *data, gsize size, int code, const char *fragment)
{
  GError *error = NULL;
  TfliteGraph *graph = _gaze_tflite_graph_new (data, size, "test.tflite", &error);
  g_assert_null (graph);
  g_assert_error (error, GAZE_ERROR, code);
  test_util_assert_one_line (error->message, "test.tflite: ", fragment);
  g_error_free (error);
}

static void
test_models_load (void)
{
  const char *names[] = { MOBILENET, LITE0 };
  const char *sha256[] = { "7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776",
                           "5f573ad22b335ce21286b4fea5efa08dace810e3ecb5c16e2062d0cf160a3b2d" };
  const int n_classes[] = { 1001, 3 };
  for (int m = 0; m < 2; m++)
    {
      g_autofree char *path = model_path (names[m]);
      GError *error = NULL;
      g_autoptr (GazeEncoder) encoder = gaze_encoder_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (gaze_encoder_get_name (encoder), ==, names[m]);
      g_assert_cmpstr (gaze_encoder_get_sha256 (encoder), ==, sha256[m]);
      g_assert_cmpint (gaze_encoder_get_input_size (encoder), ==, 224);
      /* Found from the graph: the last feature map before the global pooling. */
      g_assert_cmpint (gaze_encoder_get_grid_size (encoder), ==, 7);
      g_assert_cmpint (gaze_encoder_get_channels (encoder), ==, 1280);
      g_assert_cmpint (gaze_encoder_get_n_classes (encoder), ==, n_classes[m]);

      /* A grey picture: the grid is finite, ReLU6'd, not all zero, and the
       * same whether or not the head runs. */
      g_autofree guint8 *rgb = g_malloc (224 * 224 * 3);
      memset (rgb, 128, 224 * 224 * 3);
      g_autofree float *grid = g_new (float, 49 * 1280), *grid2 = g_new (float, 49 * 1280);
      g_autofree float *probs = g_new (float, n_classes[m]);
      g_assert_true (gaze_encoder_forward (encoder, rgb, grid, probs, &error));
      g_assert_true (gaze_encoder_forward (encoder, rgb, grid2, NULL, &error));
      g_assert_cmpmem (grid, 49 * 1280 * sizeof (float), grid2, 49 * 1280 * sizeof (float));
      double sum = 0, p = 0;
      for (int i = 0; i < 49 * 1280; i++)
        {
          g_assert_true (grid[i] >= 0.0f && grid[i] <= 6.0f);
          sum += grid[i];
        }
      g_assert_cmpfloat (sum, >, 0);
      for (int i = 0; i < n_classes[m]; i++)
        p += probs[i];
      g_assert_cmpfloat_with_epsilon (p, 1.0, 1e-4);
    }
}

typedef struct {
  GazeEncoder *encoder;
  guint8 *rgb;
  float *grid;
} ForwardJob;

static gpointer
forward_thread (gpointer data)
{
  ForwardJob *job = data;
  for (int i = 0; i < 3; i++)
    g_assert_true (gaze_encoder_forward (job->encoder, job->rgb, job->grid, NULL, NULL));
  return NULL;
}

/* One encoder serving several threads at once gives each the grid it would
 * have got alone (each forward pass borrows its own arena). */
static void
test_threads (void)
{
  g_autofree char *path = model_path (MOBILENET);
  g_autoptr (GazeEncoder) encoder = gaze_encoder_load (path, NULL);
  g_assert_nonnull (encoder);
  gsize n_grid = 49 * 1280, n_rgb = 224 * 224 * 3;
  ForwardJob jobs[3];
  for (int t = 0; t < 3; t++)
    {
      jobs[t].encoder = encoder;
      jobs[t].rgb = g_malloc (n_rgb);
      for (gsize i = 0; i < n_rgb; i++)
        jobs[t].rgb[i] = (guint8) (i * (t + 3) / 7);
      jobs[t].grid = g_new (float, n_grid);
    }
  GThread *threads[3];
  for (int t = 0; t < 3; t++)
    threads[t] = g_thread_new ("forward", forward_thread, &jobs[t]);
  for (int t = 0; t < 3; t++)
    g_thread_join (threads[t]);
  g_autofree float *alone = g_new (float, n_grid);
  for (int t = 0; t < 3; t++)
    {
      g_assert_true (gaze_encoder_forward (encoder, jobs[t].rgb, alone, NULL, NULL));
      g_assert_cmpmem (alone, n_grid * sizeof (float), jobs[t].grid, n_grid * sizeof (float));
      g_free (jobs[t].rgb);
      g_free (jobs[t].grid);
    }
}

static const TfliteTensor *
find_tensor (const TfliteGraph *graph, const char *name)
{
  for (int i = 0; i < graph->n_tensors; i++)
    if (strcmp (graph->tensors[i].name, name) == 0)
      return &graph->tensors[i];
  g_error ("no tensor %s", name);
}

static TfliteGraph *
load_seed (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("GAZE_SOURCE_DIR"), "tests", "fuzz",
                                            "corpus", name, NULL);
  g_autofree char *data = NULL;
  gsize size;
  g_assert_true (g_file_get_contents (path, &data, &size, NULL));
  GError *error = NULL;
  TfliteGraph *graph = _gaze_tflite_graph_new ((const guint8 *) data, size, name, &error);
  g_assert_no_error (error);
  return graph;
}

/* w = scale·(q − zero_point): uint8 per tensor, int8 per channel along
 * quantized_dimension 0 (a conv filter) and 3 (a depthwise filter), int32
 * biases.  The quantized bytes are those tests/fuzz/make-corpus.py wrote. */
static void
test_dequantize (void)
{
  g_autoptr (TfliteGraph) u8 = load_seed ("seed-valid-uint8.fuzz");
  const TfliteTensor *conv = find_tensor (u8, "conv/w");
  g_assert_cmpuint (conv->n_elements, ==, 108);
  for (int e = 0; e < 108; e++)
    g_assert_cmpfloat_with_epsilon (conv->data[e], 0.02f * (100 + (e * 37) % 41 - 120), 1e-6);
  const float bias[4] = { 5, -3, 0, 7 };
  const TfliteTensor *b = find_tensor (u8, "conv/b");
  for (int e = 0; e < 4; e++)
    g_assert_cmpfloat_with_epsilon (b->data[e], bias[e] * (0.02f / 128), 1e-9);

  g_autoptr (TfliteGraph) i8 = load_seed ("seed-valid-int8.fuzz");
  const TfliteTensor *pw = find_tensor (i8, "pw/w"); /* [4,1,1,3], a scale per output channel */
  for (int e = 0; e < 12; e++)
    g_assert_cmpfloat_with_epsilon (pw->data[e], 0.01f * (e / 3 + 1) * (gint8) ((e * 29) % 200),
                                    1e-6);
  const TfliteTensor *dw = find_tensor (i8, "dw/w"); /* [1,5,5,4], a scale per channel (dim 3) */
  for (int e = 0; e < 100; e++)
    g_assert_cmpfloat_with_epsilon (dw->data[e], 0.01f * (e % 4 + 1) * ((e * 13) % 100), 1e-6);
}

static void
test_truncated (void)
{
  g_autoptr (GBytes) bytes = read_model (MOBILENET);
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  const gsize lengths[] = { 0, 1, 4, 7, 8, 12, 33, 64, 1000, 4096, size / 3, size / 2, size / 10 * 9 };
  for (gsize i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      /* A copy of exactly that length, so that ASan sees any read past it. */
      g_autofree guint8 *copy = g_memdup2 (data, MAX (lengths[i], 1));
      expect_error (copy, lengths[i], GAZE_ERROR_CORRUPT, NULL);
    }
  expect_error (data, 7, GAZE_ERROR_CORRUPT, "too short");
}

static void
test_wrong_identifier (void)
{
  g_autoptr (GBytes) bytes = read_model (MOBILENET);
  gsize size;
  g_autofree guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (bytes), &size);
  memcpy (copy + 4, "TFL2", 4);
  expect_error (copy, size, GAZE_ERROR_CORRUPT, "wrong file identifier \"TFL2\"");
}

/* Positions inside a copy of the real model, found with the reader itself. */
typedef struct {
  guint8 *data;
  gsize size;
  FbBuffer fb;
  FbTable model, subgraph;
  FbVector codes, tensors, operators;
} Model;

static void
model_open (Model *m, const char *name)
{
  g_autoptr (GBytes) bytes = read_model (name);
  m->data = g_bytes_unref_to_data (g_bytes_ref (bytes), &m->size);
  m->fb = (FbBuffer) { m->data, m->size };
  FbVector subgraphs;
  GError *error = NULL;
  g_assert_true (_gaze_fb_root (&m->fb, "TFL3", &m->model, &error));
  g_assert_true (_gaze_fb_table_vector (&m->model, 1, 4, &m->codes, &error));
  g_assert_true (_gaze_fb_table_vector (&m->model, 2, 4, &subgraphs, &error));
  g_assert_true (_gaze_fb_vector_table (&subgraphs, 0, &m->subgraph, &error));
  g_assert_true (_gaze_fb_table_vector (&m->subgraph, 0, 4, &m->tensors, &error));
  g_assert_true (_gaze_fb_table_vector (&m->subgraph, 3, 4, &m->operators, &error));
  g_assert_no_error (error);
}

static void
put_i32 (guint8 *p, gint32 v)
{
  v = GINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static void
test_unsupported_operator (void)
{
  Model m;
  model_open (&m, MOBILENET);
  /* Every operator code becomes RESIZE_BILINEAR (23). */
  for (guint32 i = 0; i < m.codes.length; i++)
    {
      FbTable code;
      gsize pos;
      g_assert_true (_gaze_fb_vector_table (&m.codes, i, &code, NULL));
      g_assert_true (_gaze_fb_table_field_pos (&code, 0, 1, &pos, NULL));
      if (pos != 0)
        m.data[pos] = 23;
      g_assert_true (_gaze_fb_table_field_pos (&code, 3, 4, &pos, NULL));
      if (pos != 0)
        put_i32 (m.data + pos, 23);
    }
  expect_error (m.data, m.size, GAZE_ERROR_UNSUPPORTED, "unsupported operator RESIZE_BILINEAR");
  g_free (m.data);
}

/* The shape vector of tensor i. */
static FbVector
tensor_shape (Model *m, guint32 i)
{
  FbTable tensor;
  FbVector shape;
  g_assert_true (_gaze_fb_vector_table (&m->tensors, i, &tensor, NULL));
  g_assert_true (_gaze_fb_table_vector (&tensor, 0, 4, &shape, NULL));
  return shape;
}

/* The first input (tensor index) of operator k. */
static gint32
operator_input (Model *m, guint32 k, guint32 input)
{
  FbTable op;
  FbVector inputs;
  g_assert_true (_gaze_fb_vector_table (&m->operators, k, &op, NULL));
  g_assert_true (_gaze_fb_table_vector (&op, 1, 4, &inputs, NULL));
  return _gaze_fb_vector_i32 (&inputs, input);
}

static void
test_absurd_shape (void)
{
  Model m;
  model_open (&m, MOBILENET);
  /* The input image claims 100 million rows. */
  FbVector shape = tensor_shape (&m, (guint32) operator_input (&m, 0, 0));
  put_i32 (m.data + shape.pos + 4, 100000000);
  expect_error (m.data, m.size, GAZE_ERROR_CORRUPT, "absurd");
  /* Or 65536 × 65536 pixels: each dimension is fine, the product is not. */
  put_i32 (m.data + shape.pos + 4, 65536);
  put_i32 (m.data + shape.pos + 8, 65536);
  expect_error (m.data, m.size, GAZE_ERROR_CORRUPT, "absurd shape");
  /* Or −1 rows. */
  put_i32 (m.data + shape.pos + 4, -1);
  expect_error (m.data, m.size, GAZE_ERROR_CORRUPT, "absurd dimension -1");
  g_free (m.data);
}

static void
test_buffer_too_small (void)
{
  Model m;
  model_open (&m, MOBILENET);
  /* The first convolution's filter claims twice its output channels. */
  FbVector shape = tensor_shape (&m, (guint32) operator_input (&m, 0, 1));
  put_i32 (m.data + shape.pos, 2 * _gaze_fb_vector_i32 (&shape, 0));
  expect_error (m.data, m.size, GAZE_ERROR_CORRUPT, "buffer too small for tensor");
  g_free (m.data);
}

static void
test_wrong_shape (void)
{
  Model m;
  model_open (&m, MOBILENET);
  /* The first convolution's output claims 113 rows where SAME gives 112. */
  FbTable op;
  FbVector outputs;
  g_assert_true (_gaze_fb_vector_table (&m.operators, 0, &op, NULL));
  g_assert_true (_gaze_fb_table_vector (&op, 2, 4, &outputs, NULL));
  FbVector shape = tensor_shape (&m, (guint32) _gaze_fb_vector_i32 (&outputs, 0));
  put_i32 (m.data + shape.pos + 4, 113);
  expect_error (m.data, m.size, GAZE_ERROR_CORRUPT, "unexpected shape");
  g_free (m.data);
}

/* Random bytes written over the tables (not the weights): every result is a
 * graph or an error, never a crash (ASan and UBSan builds check the reads). */
static void
test_mutations (void)
{
  const char *names[] = { MOBILENET, LITE0 };
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  int failures = 0, total = 0;
  for (int n = 0; n < 2; n++)
    {
      Model m;
      model_open (&m, names[n]);
      g_autofree guint8 *pristine = g_memdup2 (m.data, m.size);
      for (int round = 0; round < 60; round++)
        {
          memcpy (m.data, pristine, m.size);
          for (int k = 0; k < 4; k++)
            {
              FbTable t;
              gboolean tensor = g_rand_boolean (rand);
              const FbVector *v = tensor ? &m.tensors : &m.operators;
              g_assert_true (_gaze_fb_vector_table (v, g_rand_int_range (rand, 0, (gint32) v->length), &t, NULL));
              gsize pos = t.pos + g_rand_int_range (rand, -8, (gint32) t.table_size + 24);
              if (pos < m.size)
                m.data[pos] = (guint8) g_rand_int (rand);
            }
          GError *error = NULL;
          TfliteGraph *graph = _gaze_tflite_graph_new (m.data, m.size, "test.tflite", &error);
          g_assert_true ((graph == NULL) == (error != NULL));
          if (error != NULL)
            {
              g_assert_null (strchr (error->message, '\n'));
              failures++;
            }
          total++;
          g_clear_error (&error);
          _gaze_tflite_graph_free (graph);
        }
      g_free (m.data);
    }
  /* Most mutations of the tables are caught. */
  g_assert_cmpint (failures, >, total / 4);
}

static void
test_encoder_errors (void)
{
  GError *error = NULL;
  g_assert_null (gaze_encoder_load ("/nonexistent/model.tflite", &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/model.tflite"));
  g_clear_error (&error);

  g_autofree char *dir = g_dir_make_tmp ("gaze-tflite-XXXXXX", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.tflite", NULL);
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_null (gaze_encoder_load (empty, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT);
  g_assert_true (g_str_has_prefix (error->message, empty));
  g_clear_error (&error);
  g_unlink (empty);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tflite/models-load", test_models_load);
  g_test_add_func ("/tflite/threads", test_threads);
  g_test_add_func ("/tflite/dequantize", test_dequantize);
  g_test_add_func ("/tflite/truncated", test_truncated);
  g_test_add_func ("/tflite/wrong-identifier", test_wrong_identifier);
  g_test_add_func ("/tflite/unsupported-operator", test_unsupported_operator);
  g_test_add_func ("/tflite/absurd-shape", test_absurd_shape);
  g_test_add_func ("/tflite/buffer-too-small", test_buffer_too_small);
  g_test_add_func ("/tflite/wrong-shape", test_wrong_shape);
  g_test_add_func ("/tflite/mutations", test_mutations);
  g_test_add_func ("/tflite/encoder-errors", test_encoder_errors);
  return g_test_run ();
}
