/* test-ops — each TFLite operator against a naive reference on small random
 * tensors, and TensorFlow's SAME padding geometry. */
#include <math.h>
#include <string.h>

#include "ops.h"
#include "tflite.h"

static float *
random_floats (GRand *rand, gsize n)
{
  float *x = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (rand, -2.0, 2.0);
  return x;
}

static void
assert_close (const float *got, const float *want, gsize n, float tolerance)
{
  for (gsize i = 0; i < n; i++)
    if (fabsf (got[i] - want[i]) > tolerance * (1.0f + fabsf (want[i])))
      g_error ("element %" G_GSIZE_FORMAT ": got %g, want %g", i, got[i], want[i]);
}

static float
reference_activation (float x, TfliteActivation act)
{
  if (act == TFLITE_ACT_RELU)
    return MAX (x, 0.0f);
  if (act == TFLITE_ACT_RELU6)
    return CLAMP (x, 0.0f, 6.0f);
  if (act == TFLITE_ACT_RELU_N1_TO_1)
    return CLAMP (x, -1.0f, 1.0f);
  return x;
}

/* TensorFlow's SAME: out = ⌈in/stride⌉, total padding (out−1)·stride + k − in,
 * the odd one at the end (bottom/right). */
static void
test_same_padding (void)
{
  int pad;
  /* 224, 3×3, stride 2: 112 outputs, one padding row, at the bottom. */
  g_assert_cmpint (_gaze_tflite_window_geometry (TRUE, 224, 3, 2, &pad), ==, 112);
  g_assert_cmpint (pad, ==, 0);
  /* 7, 3×3, stride 2: 4 outputs, 2 padding rows, one at each end. */
  g_assert_cmpint (_gaze_tflite_window_geometry (TRUE, 7, 3, 2, &pad), ==, 4);
  g_assert_cmpint (pad, ==, 1);
  /* 14, 5×5, stride 2: 7 outputs, 3 padding rows, 1 at the top and 2 at the bottom. */
  g_assert_cmpint (_gaze_tflite_window_geometry (TRUE, 14, 5, 2, &pad), ==, 7);
  g_assert_cmpint (pad, ==, 1);
  /* Stride 1 keeps the size; 5×5 pads 2 on each side. */
  g_assert_cmpint (_gaze_tflite_window_geometry (TRUE, 9, 5, 1, &pad), ==, 9);
  g_assert_cmpint (pad, ==, 2);
  /* VALID never pads. */
  g_assert_cmpint (_gaze_tflite_window_geometry (FALSE, 8, 3, 2, &pad), ==, 3);
  g_assert_cmpint (pad, ==, 0);
  g_assert_cmpint (_gaze_tflite_window_geometry (FALSE, 2, 3, 1, &pad), ==, 0);
}

static GazeOpWindow
make_window (int h, int w, int c, int k, int stride, int oc, gboolean same)
{
  GazeOpWindow g = { .h = h, .w = w, .c = c, .kh = k, .kw = k, .stride_h = stride,
                     .stride_w = stride, .oc = oc };
  g.oh = _gaze_tflite_window_geometry (same, h, k, stride, &g.pad_top);
  g.ow = _gaze_tflite_window_geometry (same, w, k, stride, &g.pad_left);
  return g;
}

/* out[y][x][o] = b[o] + Σ in[y·s + i − pad_top][x·s + j − pad_left][c] · w[o][i][j][c],
 * where depthwise pairs output channel o with input channel o only. */
static void
reference_conv (const GazeOpWindow *g, const float *in, const float *w, const float *bias,
                gboolean depthwise, TfliteActivation act, float *out)
{
  for (int y = 0; y < g->oh; y++)
    for (int x = 0; x < g->ow; x++)
      for (int o = 0; o < g->oc; o++)
        {
          double acc = bias ? bias[o] : 0.0;
          for (int i = 0; i < g->kh; i++)
            for (int j = 0; j < g->kw; j++)
              {
                int iy = y * g->stride_h + i - g->pad_top, ix = x * g->stride_w + j - g->pad_left;
                if (iy < 0 || iy >= g->h || ix < 0 || ix >= g->w)
                  continue;
                const float *px = in + ((gsize) iy * g->w + ix) * g->c;
                if (depthwise)
                  acc += px[o] * w[(i * g->kw + j) * g->c + o];
                else
                  for (int c = 0; c < g->c; c++)
                    acc += px[c] * w[((gsize) (o * g->kh + i) * g->kw + j) * g->c + c];
              }
          out[((gsize) y * g->ow + x) * g->oc + o] = reference_activation ((float) acc, act);
        }
}

typedef struct {
  int size, c, k, stride, oc;
  gboolean same;
  TfliteActivation act;
} ConvCase;

static void
test_conv2d (void)
{
  static const ConvCase cases[] = {
    { 8, 3, 3, 2, 8, TRUE, TFLITE_ACT_RELU6 },   /* the stem: even input, asymmetric padding */
    { 7, 5, 3, 2, 4, TRUE, TFLITE_ACT_NONE },    /* odd input: symmetric */
    { 6, 16, 1, 1, 24, TRUE, TFLITE_ACT_NONE },  /* 1×1: a plain GEMM */
    { 6, 16, 1, 1, 24, TRUE, TFLITE_ACT_RELU },
    { 9, 4, 3, 1, 5, FALSE, TFLITE_ACT_RELU_N1_TO_1 },
    { 5, 2, 1, 2, 3, TRUE, TFLITE_ACT_NONE },    /* 1×1 stride 2 needs im2col */
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (1);
  for (gsize t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      const ConvCase *cc = &cases[t];
      GazeOpWindow g = make_window (cc->size, cc->size, cc->c, cc->k, cc->stride, cc->oc, cc->same);
      gsize n_out = (gsize) g.oh * g.ow * g.oc;
      g_autofree float *in = random_floats (rand, (gsize) g.h * g.w * g.c);
      g_autofree float *w = random_floats (rand, (gsize) g.oc * g.kh * g.kw * g.c);
      g_autofree float *bias = random_floats (rand, g.oc);
      g_autofree float *scratch = g_new (float, MAX (_gaze_op_conv2d_scratch (&g), 1));
      g_autofree float *got = g_new (float, n_out), *want = g_new (float, n_out);
      _gaze_op_conv2d_forward (&g, in, w, t % 2 ? NULL : bias, cc->act, scratch, got);
      reference_conv (&g, in, w, t % 2 ? NULL : bias, FALSE, cc->act, want);
      assert_close (got, want, n_out, 1e-4f);
    }
}

static void
test_depthwise_conv2d (void)
{
  /* 3×3 and 5×5, strides 1 and 2, channels that are and are not a multiple of 16. */
  static const ConvCase cases[] = {
    { 8, 32, 3, 1, 32, TRUE, TFLITE_ACT_RELU6 }, { 8, 32, 3, 2, 32, TRUE, TFLITE_ACT_RELU6 },
    { 9, 20, 5, 1, 20, TRUE, TFLITE_ACT_NONE },  { 10, 48, 5, 2, 48, TRUE, TFLITE_ACT_RELU },
    { 7, 3, 3, 2, 3, FALSE, TFLITE_ACT_NONE },   { 4, 17, 5, 2, 17, TRUE, TFLITE_ACT_RELU6 },
  };
  g_autoptr (GRand) rand = g_rand_new_with_seed (2);
  for (gsize t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      const ConvCase *cc = &cases[t];
      GazeOpWindow g = make_window (cc->size, cc->size, cc->c, cc->k, cc->stride, cc->oc, cc->same);
      gsize n_out = (gsize) g.oh * g.ow * g.oc;
      g_autofree float *in = random_floats (rand, (gsize) g.h * g.w * g.c);
      g_autofree float *w = random_floats (rand, (gsize) g.kh * g.kw * g.c);
      g_autofree float *bias = random_floats (rand, g.c);
      g_autofree float *got = g_new (float, n_out), *want = g_new (float, n_out);
      _gaze_op_depthwise_conv2d_forward (&g, in, w, t % 2 ? NULL : bias, cc->act, got);
      reference_conv (&g, in, w, t % 2 ? NULL : bias, TRUE, cc->act, want);
      assert_close (got, want, n_out, 1e-4f);
      /* Rows computed in two parts, as two threads would, give the same. */
      memset (got, 0, sizeof (float) * n_out);
      _gaze_op_depthwise_conv2d_rows (&g, in, w, t % 2 ? NULL : bias, cc->act, 0, g.oh / 2, got);
      _gaze_op_depthwise_conv2d_rows (&g, in, w, t % 2 ? NULL : bias, cc->act, g.oh / 2, g.oh, got);
      assert_close (got, want, n_out, 1e-4f);
    }
}

static void
test_average_pool (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  /* A global 7×7 pool, and a 3×3 stride-2 SAME pool that averages only the
   * inputs inside the image (TFLite does not count the padding). */
  GazeOpWindow cases[] = { make_window (7, 7, 5, 7, 1, 5, FALSE), make_window (6, 6, 4, 3, 2, 4, TRUE) };
  for (gsize t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      GazeOpWindow *g = &cases[t];
      gsize n_out = (gsize) g->oh * g->ow * g->c;
      g_autofree float *in = random_floats (rand, (gsize) g->h * g->w * g->c);
      g_autofree float *got = g_new (float, n_out), *want = g_new (float, n_out);
      for (int y = 0; y < g->oh; y++)
        for (int x = 0; x < g->ow; x++)
          for (int c = 0; c < g->c; c++)
            {
              double sum = 0;
              int count = 0;
              for (int iy = y * g->stride_h - g->pad_top; iy < y * g->stride_h - g->pad_top + g->kh; iy++)
                for (int ix = x * g->stride_w - g->pad_left; ix < x * g->stride_w - g->pad_left + g->kw; ix++)
                  if (iy >= 0 && iy < g->h && ix >= 0 && ix < g->w)
                    {
                      sum += in[((gsize) iy * g->w + ix) * g->c + c];
                      count++;
                    }
              want[((gsize) y * g->ow + x) * g->c + c] = (float) (sum / count);
            }
      _gaze_op_average_pool_forward (g, in, TFLITE_ACT_NONE, got);
      assert_close (got, want, n_out, 1e-5f);
    }
}

static void
test_add_mul (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (4);
  int out_dims[4] = { 1, 3, 4, 5 };
  /* Same shapes, a per-channel operand, and a scalar. */
  int b_shapes[3][4] = { { 1, 3, 4, 5 }, { 1, 1, 1, 5 }, { 1, 1, 1, 1 } };
  gsize n = 60;
  g_autofree float *a = random_floats (rand, n);
  g_autofree float *b = random_floats (rand, n);
  g_autofree float *got = g_new (float, n), *want = g_new (float, n);
  for (int s = 0; s < 3; s++)
    for (int mul = 0; mul < 2; mul++)
      {
        const int *bd = b_shapes[s];
        TfliteActivation act = s == 1 ? TFLITE_ACT_RELU6 : TFLITE_ACT_NONE;
        for (gsize i = 0; i < n; i++)
          {
            int c = (int) (i % 5), x = (int) (i / 5 % 4), y = (int) (i / 20);
            float bv = b[(bd[1] > 1 ? y * 20 : 0) + (bd[2] > 1 ? x * 5 : 0) + (bd[3] > 1 ? c : 0)];
            want[i] = reference_activation (mul ? a[i] * bv : a[i] + bv, act);
          }
        (mul ? _gaze_op_mul_forward : _gaze_op_add_forward) (a, out_dims, b, bd, out_dims, act, got);
        assert_close (got, want, n, 1e-6f);
      }
}

static void
test_mean (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  int dims[4] = { 1, 4, 3, 6 };
  g_autofree float *in = random_floats (rand, 72);
  float got[6], want[6] = { 0 };
  for (int i = 0; i < 72; i++)
    want[i % 6] += in[i] / 12.0f;
  _gaze_op_mean_forward (in, dims, (1 << 1) | (1 << 2), got);
  assert_close (got, want, 6, 1e-5f);
  /* Over the channels instead: one mean a pixel. */
  float got2[12], want2[12] = { 0 };
  for (int i = 0; i < 72; i++)
    want2[i / 6] += in[i] / 6.0f;
  _gaze_op_mean_forward (in, dims, 1 << 3, got2);
  assert_close (got2, want2, 12, 1e-5f);
}

static void
test_fully_connected (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);
  int batch = 2, n_in = 7, n_out = 5;
  g_autofree float *in = random_floats (rand, batch * n_in);
  g_autofree float *w = random_floats (rand, n_out * n_in);
  g_autofree float *bias = random_floats (rand, n_out);
  float got[10], want[10];
  for (int b = 0; b < batch; b++)
    for (int o = 0; o < n_out; o++)
      {
        double acc = bias[o];
        for (int i = 0; i < n_in; i++)
          acc += in[b * n_in + i] * w[o * n_in + i];
        want[b * n_out + o] = MAX ((float) acc, 0.0f);
      }
  _gaze_op_fully_connected_forward (in, batch, n_in, w, bias, n_out, TFLITE_ACT_RELU, got);
  assert_close (got, want, 10, 1e-5f);
}

static void
test_softmax (void)
{
  /* Large logits must not overflow; beta scales them; each row sums to 1. */
  float in[6] = { 1000.0f, 1001.0f, 1002.0f, -1.0f, 0.0f, 1.0f }, got[6];
  _gaze_op_softmax_forward (in, 2, 3, 2.0f, got);
  double z = 1 + exp (2.0) + exp (4.0);
  float want[6] = { (float) (1 / z), (float) (exp (2.0) / z), (float) (exp (4.0) / z),
                    (float) (1 / z), (float) (exp (2.0) / z), (float) (exp (4.0) / z) };
  assert_close (got, want, 6, 1e-5f);
}

static void
test_quantize_and_activation (void)
{
  float in[5] = { -3.0f, -0.5f, 0.5f, 5.0f, 9.0f }, got[5];
  _gaze_op_quantize_forward (in, 5, -1.0f, 6.0f, got);
  float want[5] = { -1.0f, -0.5f, 0.5f, 5.0f, 6.0f };
  assert_close (got, want, 5, 0);
  float relu6[5] = { -3.0f, -0.5f, 0.5f, 5.0f, 9.0f };
  _gaze_op_activation (relu6, 5, TFLITE_ACT_RELU6);
  float want6[5] = { 0.0f, 0.0f, 0.5f, 5.0f, 6.0f };
  assert_close (relu6, want6, 5, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/same-padding", test_same_padding);
  g_test_add_func ("/ops/conv2d", test_conv2d);
  g_test_add_func ("/ops/depthwise-conv2d", test_depthwise_conv2d);
  g_test_add_func ("/ops/average-pool", test_average_pool);
  g_test_add_func ("/ops/add-mul", test_add_mul);
  g_test_add_func ("/ops/mean", test_mean);
  g_test_add_func ("/ops/fully-connected", test_fully_connected);
  g_test_add_func ("/ops/softmax", test_softmax);
  g_test_add_func ("/ops/quantize-activation", test_quantize_and_activation);
  return g_test_run ();
}
