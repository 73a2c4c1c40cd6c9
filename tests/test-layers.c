/* test-layers.c — every layer's backward pass, and the whole decoder's, against
 * central finite differences of its forward pass, at tiny sizes.
 *
 * Each check builds a scalar loss  ℓ = Σ r ⊙ out  with fixed random weights r
 * (computed in double), perturbs every input entry by ±ε and compares
 * (ℓ(x+ε) − ℓ(x−ε)) / 2ε with the analytic gradient.  With float forward
 * passes and ε = 1e-3 the truncation error is O(ε²) ≈ 1e-6 and the rounding
 * error about 1e-4 (a larger ε may step over a ReLU's kink), so we require
 * |analytic − numeric| ≤ 1e-2·max(|a|,|n|) + 1e-3; the worst entries use
 * about 6% of that.  A wrong backward is off by O(1) and fails. */
#include <math.h>

#include "attention.h"
#include "decoder.h"
#include "layers.h"

#define EPS 1e-3f
#define REL_TOL 1e-2
#define ABS_TOL 1e-3

typedef double (*LossFunc) (gpointer ctx);

static GazeRng rng;

static float *
random_array (gsize n, float scale)
{
  float *x = g_new (float, n);
  for (gsize i = 0; i < n; i++)
    x[i] = scale * (2.0f * _gaze_rng_uniform (&rng) - 1.0f);
  return x;
}

static double
dot (const float *r, const float *x, gsize n)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s += (double) r[i] * x[i];
  return s;
}

/* Compares analytic[i] with the central difference of loss in x[i], for all i. */
static void
check_gradient (const char *what, LossFunc loss, gpointer ctx, float *x, const float *analytic,
                gsize n)
{
  double worst = 0.0;
  for (gsize i = 0; i < n; i++)
    {
      float saved = x[i];
      x[i] = saved + EPS;
      double plus = loss (ctx);
      x[i] = saved - EPS;
      double minus = loss (ctx);
      x[i] = saved;
      double numeric = (plus - minus) / (2.0 * EPS);
      double a = analytic[i];
      double err = fabs (a - numeric);
      double tol = REL_TOL * fmax (fabs (a), fabs (numeric)) + ABS_TOL;
      worst = fmax (worst, err / tol);
      if (err > tol)
        g_error ("%s[%" G_GSIZE_FORMAT "]: analytic %.6g, numeric %.6g", what, i, a, numeric);
    }
  g_test_message ("%s: %" G_GSIZE_FORMAT " entries, worst error %.3f of tolerance", what, n,
                  worst);
}

/* ── Linear ────────────────────────────────────────────────────────────────── */

typedef struct {
  int n, in, out;
  float *x, *w, *b, *r, *y;
} LinearCase;

static double
linear_loss (gpointer p)
{
  LinearCase *c = p;
  _gaze_linear_forward (NULL, c->y, c->x, c->w, c->b, c->n, c->in, c->out);
  return dot (c->r, c->y, (gsize) c->n * c->out);
}

static void
test_linear (void)
{
  LinearCase c = { .n = 3, .in = 4, .out = 5 };
  c.x = random_array (c.n * c.in, 1.0f);
  c.w = random_array (c.out * c.in, 1.0f);
  c.b = random_array (c.out, 1.0f);
  c.r = random_array (c.n * c.out, 1.0f);
  c.y = g_new (float, c.n * c.out);
  float *dx = g_new0 (float, c.n * c.in), *dw = g_new0 (float, c.out * c.in);
  float *db = g_new0 (float, c.out);
  /* dℓ/dy = r */
  _gaze_linear_backward (NULL, dx, dw, db, c.r, c.x, c.w, c.n, c.in, c.out);
  check_gradient ("linear.x", linear_loss, &c, c.x, dx, c.n * c.in);
  check_gradient ("linear.weight", linear_loss, &c, c.w, dw, c.out * c.in);
  check_gradient ("linear.bias", linear_loss, &c, c.b, db, c.out);
  /* Backward accumulates: a second call doubles the gradients. */
  float before = dw[3];
  _gaze_linear_backward (NULL, dx, dw, db, c.r, c.x, c.w, c.n, c.in, c.out);
  g_assert_cmpfloat_with_epsilon (dw[3], 2.0f * before, 1e-5f);
  g_free (c.x), g_free (c.w), g_free (c.b), g_free (c.r), g_free (c.y);
  g_free (dx), g_free (dw), g_free (db);
}

/* ── Centring over the cells ───────────────────────────────────────────────── */

typedef struct {
  int U, L, O;
  float *x, *b, *r, *y;
} CentringCase;

static double
centring_loss (gpointer p)
{
  CentringCase *c = p;
  gsize n = (gsize) c->U * c->L * c->O;
  memcpy (c->y, c->x, sizeof (float) * n);
  _gaze_cell_centring_forward (c->y, c->b, c->U, c->L, c->O);
  return dot (c->r, c->y, n);
}

static void
test_cell_centring (void)
{
  CentringCase c = { .U = 2, .L = 4, .O = 3 };
  const gsize n = (gsize) c.U * c.L * c.O;
  c.x = random_array (n, 1.0f);
  c.b = random_array (c.O, 1.0f);
  c.r = random_array (n, 1.0f);
  c.y = g_new (float, n);
  /* Each photo's output, less the bias, has mean 0 over its cells. */
  centring_loss (&c);
  for (int u = 0; u < c.U; u++)
    for (int o = 0; o < c.O; o++)
      {
        double m = 0.0;
        for (int i = 0; i < c.L; i++)
          m += c.y[((gsize) u * c.L + i) * c.O + o] - c.b[o];
        g_assert_cmpfloat (fabs (m), <, 1e-5);
      }
  g_autofree float *dx = g_memdup2 (c.r, sizeof (float) * n);
  g_autofree float *db = g_new0 (float, c.O);
  _gaze_cell_centring_backward (dx, db, c.U, c.L, c.O);
  check_gradient ("centring.x", centring_loss, &c, c.x, dx, n);
  check_gradient ("centring.bias", centring_loss, &c, c.b, db, c.O);
  g_free (c.x), g_free (c.b), g_free (c.r), g_free (c.y);
}

/* ── Pointwise ─────────────────────────────────────────────────────────────── */

typedef struct {
  gsize n;
  float *x, *r, *y;
  void (*forward) (float *, const float *, gsize);
} PointCase;

static double
point_loss (gpointer p)
{
  PointCase *c = p;
  c->forward (c->y, c->x, c->n);
  return dot (c->r, c->y, c->n);
}

static void
check_pointwise (const char *what, void (*forward) (float *, const float *, gsize),
                 void (*backward) (float *, const float *, const float *, gsize), float scale)
{
  PointCase c = { .n = 16, .forward = forward };
  c.x = random_array (c.n, scale);
  /* Keep ReLU's inputs away from the kink, where the derivative jumps. */
  for (gsize i = 0; i < c.n; i++)
    if (fabsf (c.x[i]) < 0.05f)
      c.x[i] = 0.3f;
  c.r = random_array (c.n, 1.0f);
  c.y = g_new (float, c.n);
  float *dx = g_new0 (float, c.n);
  forward (c.y, c.x, c.n);
  backward (dx, c.r, c.y, c.n);
  check_gradient (what, point_loss, &c, c.x, dx, c.n);
  g_free (c.x), g_free (c.r), g_free (c.y), g_free (dx);
}

static void
test_pointwise (void)
{
  check_pointwise ("relu", _gaze_relu_forward, _gaze_relu_backward, 1.0f);
  check_pointwise ("tanh", _gaze_tanh_forward, _gaze_tanh_backward, 3.0f);
  check_pointwise ("sigmoid", _gaze_sigmoid_forward, _gaze_sigmoid_backward, 4.0f);
}

static void
test_fast_math (void)
{
  /* The inline exp/tanh/σ against libm over a wide range. */
  for (float x = -30.0f; x <= 30.0f; x += 0.01234f)
    {
      g_assert_cmpfloat (fabsf (gaze_expf (x) - expf (x)), <=, 4e-7f * expf (x));
      g_assert_cmpfloat (fabsf (gaze_tanhf (x) - tanhf (x)), <=, 1e-7f + 3e-7f * fabsf (tanhf (x)));
      g_assert_cmpfloat (fabsf (gaze_sigmoidf (x) - 1.0f / (1.0f + expf (-x))), <=, 3e-7f);
    }
  g_assert_cmpfloat (gaze_expf (-200.0f), <, 1e-37f);
  g_assert_true (isfinite (gaze_expf (200.0f)));
  g_assert_cmpfloat (gaze_tanhf (1e-4f), ==, tanhf (1e-4f));
}

/* ── Embedding ─────────────────────────────────────────────────────────────── */

typedef struct {
  int n, dim;
  int *ids;
  float *table, *r, *y;
} EmbedCase;

static double
embed_loss (gpointer p)
{
  EmbedCase *c = p;
  _gaze_embedding_forward (c->y, c->ids, c->table, c->n, c->dim);
  return dot (c->r, c->y, (gsize) c->n * c->dim);
}

static void
test_embedding (void)
{
  int ids[] = { 2, 0, 2, 4 }; /* a repeated id must accumulate */
  EmbedCase c = { .n = 4, .dim = 3, .ids = ids };
  c.table = random_array (5 * c.dim, 1.0f);
  c.r = random_array (c.n * c.dim, 1.0f);
  c.y = g_new (float, c.n * c.dim);
  float *dt = g_new0 (float, 5 * c.dim);
  _gaze_embedding_backward (dt, c.r, ids, c.n, c.dim);
  check_gradient ("embedding", embed_loss, &c, c.table, dt, 5 * c.dim);
  g_free (c.table), g_free (c.r), g_free (c.y), g_free (dt);
}

/* ── LSTM cell ─────────────────────────────────────────────────────────────── */

typedef struct {
  int n, H;
  float *pre, *cp, *gates, *c, *tc, *h, *rh, *rc;
} LstmCase;

static double
lstm_loss (gpointer p)
{
  LstmCase *l = p;
  memcpy (l->gates, l->pre, sizeof (float) * l->n * 4 * l->H);
  _gaze_lstm_cell_forward (l->gates, l->cp, l->c, l->tc, l->h, l->n, l->H);
  return dot (l->rh, l->h, (gsize) l->n * l->H) + dot (l->rc, l->c, (gsize) l->n * l->H);
}

static void
test_lstm (void)
{
  LstmCase l = { .n = 2, .H = 3 };
  gsize nh = l.n * l.H;
  l.pre = random_array (nh * 4, 2.0f);
  l.cp = random_array (nh, 1.0f);
  l.gates = g_new (float, nh * 4);
  l.c = g_new (float, nh), l.tc = g_new (float, nh), l.h = g_new (float, nh);
  l.rh = random_array (nh, 1.0f);
  l.rc = random_array (nh, 1.0f);
  lstm_loss (&l);
  float *dpre = g_new0 (float, nh * 4), *dcp = g_new0 (float, nh);
  _gaze_lstm_cell_backward (dpre, dcp, l.rh, l.rc, l.gates, l.cp, l.tc, l.n, l.H);
  check_gradient ("lstm.gates", lstm_loss, &l, l.pre, dpre, nh * 4);
  check_gradient ("lstm.c_prev", lstm_loss, &l, l.cp, dcp, nh);
  g_free (l.pre), g_free (l.cp), g_free (l.gates), g_free (l.c), g_free (l.tc), g_free (l.h);
  g_free (l.rh), g_free (l.rc), g_free (dpre), g_free (dcp);
}

/* ── Attention, context, gate ──────────────────────────────────────────────── */

typedef struct {
  int n, U, L, A;
  int *img;
  float *pa, *ph, *v, *alpha, *u, *r;
  const float *mask;
} AttnCase;

static double
attn_loss (gpointer p)
{
  AttnCase *c = p;
  _gaze_attention_forward (c->alpha, c->u, c->pa, c->img, c->ph, c->v, c->mask, c->n, c->L, c->A);
  return dot (c->r, c->alpha, (gsize) c->n * c->L);
}

/* Three rows over two images of 4 cells, with random scores and a random
 * weighting r of α for the loss. */
static AttnCase
attn_case_new (int *img)
{
  AttnCase c = { .n = 3, .U = 2, .L = 4, .A = 5, .img = img };
  c.pa = random_array (c.U * c.L * c.A, 1.0f);
  c.ph = random_array (c.n * c.A, 1.0f);
  c.v = random_array (c.A, 2.0f);
  c.alpha = g_new (float, c.n * c.L);
  c.u = g_new (float, c.n * c.L * c.A);
  c.r = random_array (c.n * c.L, 1.0f);
  return c;
}

static void
test_attention (void)
{
  int img[] = { 1, 0, 1 };
  AttnCase c = attn_case_new (img);
  attn_loss (&c);
  for (int r = 0; r < c.n; r++)
    {
      float sum = 0.0f;
      for (int i = 0; i < c.L; i++)
        sum += c.alpha[r * c.L + i];
      g_assert_cmpfloat_with_epsilon (sum, 1.0f, 1e-6f);
    }
  float *dpa = g_new0 (float, c.U * c.L * c.A), *dph = g_new0 (float, c.n * c.A);
  float *dv = g_new0 (float, c.A);
  _gaze_attention_backward (dpa, dph, dv, c.r, c.alpha, c.u, img, c.v, c.n, c.L, c.A);
  check_gradient ("attention.pa", attn_loss, &c, c.pa, dpa, c.U * c.L * c.A);
  check_gradient ("attention.ph", attn_loss, &c, c.ph, dph, c.n * c.A);
  check_gradient ("attention.v", attn_loss, &c, c.v, dv, c.A);
  g_free (c.pa), g_free (c.ph), g_free (c.v), g_free (c.alpha), g_free (c.u), g_free (c.r);
  g_free (dpa), g_free (dph), g_free (dv);
}

/* A mask sets the removed cells' scores to −∞: α over the rest is the
 * unmasked α renormalised, the removed cells get exactly 0, and the gradient
 * still checks. */
static void
test_attention_mask (void)
{
  int img[] = { 1, 0, 1 };
  static const float mask[3 * 4] = { 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1 };
  AttnCase c = attn_case_new (img);
  float full[3 * 4];
  attn_loss (&c);
  memcpy (full, c.alpha, sizeof full);
  c.mask = mask;
  attn_loss (&c);
  for (int r = 0; r < c.n; r++)
    {
      double kept = 0.0;
      for (int i = 0; i < c.L; i++)
        kept += mask[r * c.L + i] * full[r * c.L + i];
      for (int i = 0; i < c.L; i++)
        {
          float expect = mask[r * c.L + i] != 0.0f ? (float) (full[r * c.L + i] / kept) : 0.0f;
          g_assert_cmpfloat_with_epsilon (c.alpha[r * c.L + i], expect, 1e-5f);
          if (mask[r * c.L + i] == 0.0f)
            g_assert_true (c.alpha[r * c.L + i] == 0.0f);
        }
    }
  /* A single allowed cell takes all the weight. */
  g_assert_cmpfloat (c.alpha[1 * c.L + 2], ==, 1.0f);
  float *dpa = g_new0 (float, c.U * c.L * c.A), *dph = g_new0 (float, c.n * c.A);
  float *dv = g_new0 (float, c.A);
  _gaze_attention_backward (dpa, dph, dv, c.r, c.alpha, c.u, img, c.v, c.n, c.L, c.A);
  check_gradient ("attention(masked).pa", attn_loss, &c, c.pa, dpa, c.U * c.L * c.A);
  check_gradient ("attention(masked).ph", attn_loss, &c, c.ph, dph, c.n * c.A);
  g_free (c.pa), g_free (c.ph), g_free (c.v), g_free (c.alpha), g_free (c.u), g_free (c.r);
  g_free (dpa), g_free (dph), g_free (dv);
}

typedef struct {
  int n, U, L, D, H;
  int *img;
  float *w, *a, *ctx, *h, *wb, *bb, *beta, *z, *r;
} CtxCase;

static double
ctx_loss (gpointer p)
{
  CtxCase *c = p;
  _gaze_context_forward (c->ctx, c->w, c->a, c->img, c->n, c->L, c->D);
  _gaze_gate_forward (c->z, c->beta, c->h, c->wb, c->bb, c->ctx, c->n, c->H, c->D);
  return dot (c->r, c->z, (gsize) c->n * c->D);
}

static void
test_context_gate (void)
{
  int img[] = { 0, 1, 0 };
  CtxCase c = { .n = 3, .U = 2, .L = 4, .D = 5, .H = 3, .img = img };
  c.w = random_array (c.n * c.L, 1.0f);
  c.a = random_array (c.U * c.L * c.D, 1.0f);
  c.ctx = g_new (float, c.n * c.D);
  c.h = random_array (c.n * c.H, 1.0f);
  c.wb = random_array (c.H, 1.0f);
  c.bb = random_array (1, 1.0f);
  c.beta = g_new (float, c.n);
  c.z = g_new (float, c.n * c.D);
  c.r = random_array (c.n * c.D, 1.0f);
  ctx_loss (&c);
  float *dw = g_new0 (float, c.n * c.L), *da = g_new0 (float, c.U * c.L * c.D);
  float *dctx = g_new0 (float, c.n * c.D), *dh = g_new0 (float, c.n * c.H);
  float *dwb = g_new0 (float, c.H), dbb = 0.0f;
  _gaze_gate_backward (dh, dwb, &dbb, dctx, c.r, c.beta, c.h, c.wb, c.ctx, c.n, c.H, c.D);
  _gaze_context_backward (dw, da, dctx, c.w, c.a, img, c.n, c.L, c.D);
  check_gradient ("context.w", ctx_loss, &c, c.w, dw, c.n * c.L);
  check_gradient ("context.a", ctx_loss, &c, c.a, da, c.U * c.L * c.D);
  check_gradient ("gate.h", ctx_loss, &c, c.h, dh, c.n * c.H);
  check_gradient ("gate.weight", ctx_loss, &c, c.wb, dwb, c.H);
  check_gradient ("gate.bias", ctx_loss, &c, c.bb, &dbb, 1);
  g_free (c.w), g_free (c.a), g_free (c.ctx), g_free (c.h), g_free (c.wb), g_free (c.bb);
  g_free (c.beta), g_free (c.z), g_free (c.r);
  g_free (dw), g_free (da), g_free (dctx), g_free (dh), g_free (dwb);
}

/* ── Softmax cross-entropy, dropout, doubly stochastic penalty ────────────── */

typedef struct {
  int n, V;
  int *tgt;
  float *x, *p;
  float smoothing;
} XentCase;

static double
xent_loss (gpointer p)
{
  XentCase *c = p;
  memcpy (c->p, c->x, sizeof (float) * c->n * c->V);
  return _gaze_softmax_xent_forward (c->p, c->tgt, c->n, c->V, c->smoothing);
}

static void
test_softmax_xent (void)
{
  int tgt[] = { 3, 0 };
  XentCase c = { .n = 2, .V = 6, .tgt = tgt };
  c.x = random_array (c.n * c.V, 3.0f);
  c.p = g_new (float, c.n * c.V);
  double loss = xent_loss (&c);
  g_assert_cmpfloat (loss, >, 0.0);
  float *dx = g_new0 (float, c.n * c.V);
  _gaze_softmax_xent_backward (dx, c.p, tgt, c.n, c.V, 0.0f, 1.0f);
  check_gradient ("softmax_xent", xent_loss, &c, c.x, dx, c.n * c.V);
  /* Label smoothing: the gradient of −Σ q log p with q = 0.8 onehot + 0.2/V. */
  c.smoothing = 0.2f;
  double smoothed = xent_loss (&c);
  memset (dx, 0, sizeof (float) * c.n * c.V);
  _gaze_softmax_xent_backward (dx, c.p, tgt, c.n, c.V, c.smoothing, 1.0f);
  check_gradient ("softmax_xent(smoothed)", xent_loss, &c, c.x, dx, c.n * c.V);
  /* By hand: 0.8 (−log p_y) + 0.2 mean_v (−log p_v), summed over the rows. */
  g_assert_cmpfloat (xent_loss (&c), ==, smoothed);
  double by_hand = 0.0;
  for (int r = 0; r < c.n; r++)
    for (int v = 0; v < c.V; v++)
      by_hand += -log (c.p[r * c.V + v]) * (0.2 / c.V + (v == tgt[r] ? 0.8 : 0.0));
  g_assert_cmpfloat_with_epsilon (smoothed, by_hand, 1e-5);
  g_assert_cmpfloat (smoothed, >, loss);
  c.smoothing = 0.0f;
  /* Uniform logits: the loss is n log V exactly. */
  memset (c.x, 0, sizeof (float) * c.n * c.V);
  g_assert_cmpfloat_with_epsilon (xent_loss (&c), 2.0 * log (6.0), 1e-5);
  g_free (c.x), g_free (c.p), g_free (dx);
}

typedef struct {
  gsize n;
  float *x, *mask, *y, *r;
} DropCase;

static double
drop_loss (gpointer p)
{
  DropCase *c = p;
  _gaze_dropout_forward (c->y, c->x, c->mask, c->n);
  return dot (c->r, c->y, c->n);
}

static void
test_dropout (void)
{
  DropCase c = { .n = 2000 };
  c.x = random_array (c.n, 1.0f);
  c.mask = g_new (float, c.n);
  c.y = g_new (float, c.n);
  c.r = random_array (c.n, 1.0f);
  _gaze_dropout_mask (c.mask, c.n, 0.5f, &rng);
  int kept = 0;
  for (gsize i = 0; i < c.n; i++)
    {
      g_assert_true (c.mask[i] == 0.0f || c.mask[i] == 2.0f);
      kept += c.mask[i] > 0.0f;
    }
  /* Binomial(2000, 0.5): 5 standard deviations is ±112. */
  g_assert_cmpint (abs (kept - 1000), <, 112);
  float *dx = g_new0 (float, c.n);
  _gaze_dropout_backward (dx, c.r, c.mask, c.n);
  check_gradient ("dropout", drop_loss, &c, c.x, dx, 50);
  g_free (c.x), g_free (c.mask), g_free (c.y), g_free (c.r), g_free (dx);
}

/* Annotation masks [U, L, D]: by channel, one draw a photo and channel,
 * repeated at every cell; by value, the cells of a photo differ. */
static void
test_annotation_dropout_mask (void)
{
  enum { U = 3, L = 49, D = 200 };
  float *mask = g_new (float, U * L * D);
  _gaze_annotation_dropout_mask (mask, U, L, D, 0.3f, TRUE, &rng);
  int dropped = 0;
  for (int u = 0; u < U; u++)
    {
      const float *m = mask + u * L * D;
      for (int i = 1; i < L; i++)
        g_assert_cmpmem (m + i * D, sizeof (float) * D, m, sizeof (float) * D);
      for (int d = 0; d < D; d++)
        {
          g_assert_true (m[d] == 0.0f || fabsf (m[d] - 1.0f / 0.7f) < 1e-6f);
          dropped += m[d] == 0.0f;
        }
      if (u > 0)
        g_assert_true (memcmp (m, mask, sizeof (float) * D) != 0);
    }
  /* Binomial(600, 0.3): 5 standard deviations is ±56. */
  g_assert_cmpint (abs (dropped - 180), <, 56);
  _gaze_annotation_dropout_mask (mask, U, L, D, 0.3f, FALSE, &rng);
  int differ = 0;
  for (int i = 1; i < L; i++)
    differ += memcmp (mask + i * D, mask, sizeof (float) * D) != 0;
  g_assert_cmpint (differ, ==, L - 1);
  g_free (mask);
}

typedef struct {
  float *s;
} DsCase;

static double
ds_loss (gpointer p)
{
  return _gaze_doubly_stochastic_forward (((DsCase *) p)->s, 2, 3, 0.7f);
}

static void
test_doubly_stochastic (void)
{
  DsCase c = { random_array (6, 2.0f) };
  float *ds = g_new0 (float, 6);
  _gaze_doubly_stochastic_backward (ds, c.s, 2, 3, 0.7f, 1.0f);
  check_gradient ("doubly_stochastic", ds_loss, &c, c.s, ds, 6);
  /* Summed, not averaged, over the cells: all-zero sums cost λ per cell. */
  float zeros[6] = { 0 };
  g_assert_cmpfloat_with_epsilon (_gaze_doubly_stochastic_forward (zeros, 2, 3, 0.7f), 6 * 0.7, 1e-6);
  g_free (c.s), g_free (ds);
}

/* ── The whole decoder ─────────────────────────────────────────────────────── */

typedef struct {
  GazeDecoder *dec;
  GazeDecoderWork *work;
  GazeDecoderBatch batch;
  GazeDecoderOptions opt;
  GazeRng rng0; /* restored before every forward: the same dropout mask each time */
  GazeRng rng;
} DecoderCase;

static double
decoder_loss (gpointer p)
{
  DecoderCase *c = p;
  c->rng = c->rng0;
  return _gaze_decoder_forward (c->dec, c->work, &c->batch, &c->opt);
}

/* The cells a hard model's rows use: fixed, or, for the mixed objective's
 * references, the last row's drawn (negative). */
static const int forced_all[3 * 6] = { 0, 3, 1, 2, 0, 0, 2, 2, 0, 0, 0, 0, 1, 3, 0, 0, 0, 0 };
static const int forced_but_last[3 * 6] = {
  0, 3, 1, 2, 0, 0, 2, 2, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1,
};

/* What a decoder gradient check runs: the kind of attention and every
 * option the training pass takes. */
typedef struct {
  GazeAttention attention;
  float dropout, annotation_dropout, smoothing;
  gboolean by_channel;
  const float *row_weight;
  const int *forced; /* hard attention's cells */
  const int *inputs; /* the words fed in instead of the tokens (scheduled sampling) */
  gboolean centre;   /* the squeeze on each photo's grid centred over its cells */
} DecoderCheck;

/* Three captions of two images, sorted longest first. */
static const int check_tokens[3 * 6] = {
  1, 4, 5, 6, 2, 0, /* <start> w w w <end> */
  1, 6, 4, 2, 0, 0,
  1, 5, 2, 0, 0, 0,
};
static const int check_lengths[3] = { 4, 3, 2 }, check_img[3] = { 1, 0, 1 };

/* A small decoder with larger weights than the initialisation, so that every
 * path matters, and the batch above; features: its two grids. */
static void
decoder_case_init (DecoderCase *c, float **features)
{
  GazeDecoderSizes sizes = {
    .vocab = 7, .channels = 6, .squeeze = 5, .embed = 4, .hidden = 3, .attn = 4, .cells = 4,
  };
  *c = (DecoderCase) { 0 };
  c->dec = _gaze_decoder_new (&sizes);
  _gaze_rng_seed (&c->rng0, 42);
  _gaze_decoder_init_params (c->dec, &c->rng0);
  for (gsize i = 0; i < c->dec->n_params; i++)
    c->dec->params[i] += 0.3f * (2.0f * _gaze_rng_uniform (&rng) - 1.0f);
  c->work = _gaze_decoder_work_new (1);
  *features = random_array (2 * sizes.cells * sizes.channels, 2.0f);
  c->batch = (GazeDecoderBatch) { .n = 3, .n_images = 2, .features = *features,
                                  .img = check_img, .lengths = check_lengths,
                                  .tokens = check_tokens, .stride = 6 };
}

static void
decoder_case_clear (DecoderCase *c, float *features)
{
  g_free (features);
  _gaze_decoder_work_free (c->work);
  _gaze_decoder_free (c->dec);
}

static void
check_decoder_with (const DecoderCheck *k)
{
  DecoderCase c;
  float *features;
  decoder_case_init (&c, &features);
  c.batch.inputs = k->inputs;
  c.dec->centre_cells = k->centre;
  c.opt = (GazeDecoderOptions) { .attention = k->attention, .dropout = k->dropout,
                                 .annotation_dropout = k->annotation_dropout,
                                 .annotation_dropout_by_channel = k->by_channel, .lambda = 1.0f,
                                 .smoothing = k->smoothing, .row_weight = k->row_weight,
                                 .rng = &c.rng };
  if (k->attention == GAZE_ATTENTION_HARD)
    /* Fixed locations and no score-function term (λ_r = 0): the pathwise
     * gradient of −log p(y|s,a) for the given s, plus the penalty, must be
     * exact.  A row that draws its cells draws the same ones at every
     * evaluation (the generator is reset), so the same holds for it. */
    c.opt.forced = k->forced != NULL ? k->forced : forced_all;

  double loss = decoder_loss (&c);
  g_assert_true (isfinite (loss) && (k->row_weight != NULL || loss > 0.0));
  if (k->annotation_dropout > 0.0f)
    {
      /* The mask must reach the loss (the next forward restores it). */
      c.opt.annotation_dropout = 0.0f;
      g_assert_cmpfloat (fabs (decoder_loss (&c) - loss), >, 1e-4);
      c.opt.annotation_dropout = k->annotation_dropout;
      loss = decoder_loss (&c);
    }
  if (k->inputs != NULL)
    {
      /* So must the inputs. */
      c.batch.inputs = NULL;
      g_assert_cmpfloat (fabs (decoder_loss (&c) - loss), >, 1e-4);
      c.batch.inputs = k->inputs;
      loss = decoder_loss (&c);
    }
  if (k->centre)
    {
      /* So must the centring; and what all cells of a photo share cannot:
       * the same vector added to every cell of a grid changes nothing. */
      c.dec->centre_cells = FALSE;
      g_assert_cmpfloat (fabs (decoder_loss (&c) - loss), >, 1e-4);
      c.dec->centre_cells = TRUE;
      const int L = c.dec->sizes.cells, C = c.dec->sizes.channels;
      g_autofree float *saved = g_memdup2 (features, sizeof (float) * 2 * L * C);
      for (int i = 0; i < L; i++)
        for (int ch = 0; ch < C; ch++)
          features[(gsize) i * C + ch] += 0.5f + 0.25f * (float) ch;
      g_assert_cmpfloat (fabs (decoder_loss (&c) - loss), <, 1e-5 * fabs (loss));
      memcpy (features, saved, sizeof (float) * 2 * L * C);
      loss = decoder_loss (&c);
    }
  float *grads = g_new0 (float, c.dec->n_params);
  _gaze_decoder_backward (c.dec, c.work, &c.opt, grads);
  for (int t_k = 0; t_k < GAZE_N_PARAMS; t_k++)
    {
      const GazeTensorInfo *t = &c.dec->tensors[t_k];
      g_autofree char *what = g_strdup_printf (
          "decoder(%s, dropout %.1f, annotation dropout %.1f%s%s%s%s, ε %.1f).%s",
          k->attention == GAZE_ATTENTION_HARD ? "hard" : "soft", k->dropout,
          k->annotation_dropout, k->by_channel ? " by channel" : "",
          k->row_weight ? ", weighted" : "", k->inputs ? ", own inputs" : "",
          k->centre ? ", centred grids" : "", k->smoothing, t->name);
      check_gradient (what, decoder_loss, &c, c.dec->params + t->offset, grads + t->offset,
                      t->size);
    }
  g_free (grads);
  decoder_case_clear (&c, features);
}

static void
check_decoder (GazeAttention attention, float dropout, const float *row_weight)
{
  check_decoder_with (&(DecoderCheck) { .attention = attention, .dropout = dropout,
                                        .row_weight = row_weight });
}

static void
test_decoder_soft (void)
{
  check_decoder (GAZE_ATTENTION_SOFT, 0.0f, NULL);
}

/* Label smoothing through the whole decoder. */
static void
test_decoder_soft_smoothing (void)
{
  check_decoder_with (&(DecoderCheck) { .attention = GAZE_ATTENTION_SOFT, .smoothing = 0.1f });
}

static void
test_decoder_soft_dropout (void)
{
  check_decoder (GAZE_ATTENTION_SOFT, 0.5f, NULL);
}

/* Dropout on the annotation vectors: the masked a_i feed the context, the
 * attention's projection and the mean that starts the LSTM. */
static void
test_decoder_soft_annotation_dropout (void)
{
  check_decoder_with (&(DecoderCheck) { .attention = GAZE_ATTENTION_SOFT, .dropout = 0.5f,
                                        .annotation_dropout = 0.4f });
}

/* Whole channels dropped, alike at every cell. */
static void
test_decoder_soft_annotation_channels (void)
{
  check_decoder_with (&(DecoderCheck) { .attention = GAZE_ATTENTION_SOFT, .dropout = 0.5f,
                                        .annotation_dropout = 0.4f, .by_channel = TRUE });
}

/* Scheduled sampling: other words fed in at some steps, the targets the
 * same; the embedding's gradient goes to the words fed in. */
static void
test_decoder_soft_inputs (void)
{
  static const int inputs[3 * 6] = {
    1, 6, 5, 4, 2, 0, /* two of the words fed in differ */
    1, 6, 5, 2, 0, 0,
    1, 5, 2, 0, 0, 0,
  };
  check_decoder_with (&(DecoderCheck) { .attention = GAZE_ATTENTION_SOFT, .dropout = 0.5f,
                                        .inputs = inputs });
}

/* The squeeze on centred grids, a_i = relu(W (f_i − f̄) + b), with dropout
 * on the annotations too. */
static void
test_decoder_soft_centred (void)
{
  check_decoder_with (&(DecoderCheck) { .attention = GAZE_ATTENTION_SOFT, .dropout = 0.5f,
                                        .annotation_dropout = 0.2f, .centre = TRUE });
}

/* The words fed in are drawn from the forward's p(y_{t−1}): with the output
 * bias all on word 5, every word input becomes 5 at P = 1, none changes at
 * P = 0, about half at P = 1/2; <start> and whatever lies past a caption's
 * end stay as they were. */
static void
test_decoder_sample_inputs (void)
{
  DecoderCase c;
  float *features;
  decoder_case_init (&c, &features);
  const GazeTensorInfo *bias = &c.dec->tensors[GAZE_P_OUT_B];
  for (gsize i = 0; i < bias->size; i++)
    c.dec->params[bias->offset + i] = i == 5 ? 60.0f : 0.0f;
  c.opt = (GazeDecoderOptions) { .attention = GAZE_ATTENTION_SOFT };
  decoder_loss (&c);
  int inputs[3 * 6];
  _gaze_decoder_work_sample_inputs (c.dec, c.work, &c.batch, 1.0f, &rng, inputs);
  for (int r = 0; r < 3; r++)
    for (int t = 0; t < 6; t++)
      g_assert_cmpint (inputs[r * 6 + t], ==,
                       t >= 1 && t < check_lengths[r] ? 5 : check_tokens[r * 6 + t]);
  _gaze_decoder_work_sample_inputs (c.dec, c.work, &c.batch, 0.0f, &rng, inputs);
  g_assert_cmpmem (inputs, sizeof inputs, check_tokens, sizeof check_tokens);
  /* Word inputs 3 + 2 + 1 a batch, 2 of them 5 already: over 200 batches the
   * 4 others show Binomial(800, 1/2) replacements, 5 deviations ±71. */
  int replaced = 0;
  for (int b = 0; b < 200; b++)
    {
      _gaze_decoder_work_sample_inputs (c.dec, c.work, &c.batch, 0.5f, &rng, inputs);
      for (int i = 0; i < 3 * 6; i++)
        replaced += inputs[i] != check_tokens[i];
    }
  g_assert_cmpint (abs (replaced - 400), <, 71);
  /* The probability rises from 0 to P over four epochs. */
  g_assert_cmpfloat (_gaze_scheduled_sampling_prob (0.4f, 0), ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (_gaze_scheduled_sampling_prob (0.4f, 2), 0.2f, 1e-7);
  g_assert_cmpfloat (_gaze_scheduled_sampling_prob (0.4f, 4), ==, 0.4f);
  g_assert_cmpfloat (_gaze_scheduled_sampling_prob (0.4f, 9), ==, 0.4f);
  decoder_case_clear (&c, features);
}

/* Self-critical training's per-caption weights (rewards minus the baseline,
 * of either sign) scale each caption's log-likelihood gradient. */
static void
test_decoder_row_weights (void)
{
  static const float weights[3] = { 0.7f, -1.3f, 0.4f };
  check_decoder (GAZE_ATTENTION_SOFT, 0.0f, weights);
}

static void
test_decoder_hard_pathwise (void)
{
  check_decoder (GAZE_ATTENTION_HARD, 0.0f, NULL);
}

/* A hard model's self-critical loss, −A_r log p(y, s|a) at the drawn cells:
 * with the cells fixed it is a smooth function of every parameter, so its
 * gradient (the words' and the cells' score function together) is exact. */
static void
test_decoder_hard_row_weights (void)
{
  static const float weights[3] = { 0.7f, -1.3f, 0.4f };
  check_decoder (GAZE_ATTENTION_HARD, 0.0f, weights);
}

/* The mixed objective on a hard model: two samples at their drawn cells and
 * one reference that draws its own.  The reference's cells are not part of
 * its loss (their REINFORCE term, weighted λ_r = 0 here, is checked for bias
 * in test-hard.c), so the gradient of the words' weighted −log p and of the
 * samples' −A_r log p(y, s|a) must be exact. */
static void
test_decoder_hard_mixed (void)
{
  static const float weights[3] = { 0.7f, -1.3f, 0.4f };
  check_decoder_with (&(DecoderCheck) { .attention = GAZE_ATTENTION_HARD, .row_weight = weights,
                                        .forced = forced_but_last });
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  _gaze_rng_seed (&rng, 1234);
  g_test_add_func ("/layers/fast-math", test_fast_math);
  g_test_add_func ("/layers/linear", test_linear);
  g_test_add_func ("/layers/pointwise", test_pointwise);
  g_test_add_func ("/layers/embedding", test_embedding);
  g_test_add_func ("/layers/lstm", test_lstm);
  g_test_add_func ("/layers/attention", test_attention);
  g_test_add_func ("/layers/attention-mask", test_attention_mask);
  g_test_add_func ("/layers/context-gate", test_context_gate);
  g_test_add_func ("/layers/softmax-xent", test_softmax_xent);
  g_test_add_func ("/layers/dropout", test_dropout);
  g_test_add_func ("/layers/annotation-dropout-mask", test_annotation_dropout_mask);
  g_test_add_func ("/layers/doubly-stochastic", test_doubly_stochastic);
  g_test_add_func ("/decoder/soft", test_decoder_soft);
  g_test_add_func ("/decoder/soft-dropout", test_decoder_soft_dropout);
  g_test_add_func ("/decoder/soft-annotation-dropout", test_decoder_soft_annotation_dropout);
  g_test_add_func ("/decoder/soft-annotation-channels", test_decoder_soft_annotation_channels);
  g_test_add_func ("/decoder/soft-smoothing", test_decoder_soft_smoothing);
  g_test_add_func ("/decoder/row-weights", test_decoder_row_weights);
  g_test_add_func ("/decoder/hard-pathwise", test_decoder_hard_pathwise);
  g_test_add_func ("/decoder/hard-row-weights", test_decoder_hard_row_weights);
  g_test_add_func ("/decoder/hard-mixed", test_decoder_hard_mixed);
  /* Last: the checks above draw their weights from the global generator,
   * and a kink of ReLU between a weight's two finite-difference points would
   * fail them, so their draws stay those they have always had. */
  g_test_add_func ("/decoder/soft-inputs", test_decoder_soft_inputs);
  g_test_add_func ("/decoder/sample-inputs", test_decoder_sample_inputs);
  g_test_add_func ("/layers/cell-centring", test_cell_centring);
  g_test_add_func ("/decoder/soft-centred", test_decoder_soft_centred);
  return g_test_run ();
}
