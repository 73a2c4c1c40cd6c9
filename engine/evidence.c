/* evidence.c — does a word depend on where the model looked?
 *
 * A map of α is only worth showing if the word depends on it.  For a caption
 * y_1 … y_n of one photo, teacher-forced (the caption so far is fed in as it
 * is), step t runs once as the model runs it and once more under each of a
 * set of attention masks, with h_{t−1}, c_{t−1} and y_{t−1} unchanged.  A
 * mask removes cells: their scores e_ti become −∞ and α is renormalised over
 * the rest (_gaze_attention_forward).  The evidence of a mask at step t is the drop
 *
 *   Δ_t = log p(y_t | y_<t, a) − log p_masked(y_t | y_<t, a),
 *
 * large when the removed cells carried what the word needs.  Only step t is
 * masked; step t + 1 continues from the unmasked state.
 *
 * Faithfulness compares the drop for removing the 3 cells of highest α with
 * the mean drop for removing 3 cells drawn at random (GAZE_FAITH_DRAWS draws
 * a word; photo i of a call and word t draw from a generator seeded by
 * (seed + i, t), so a caller that splits a split into batches passes seed +
 * the batch's first index and gets the same figure however it batches).
 * Faithfulness is the mean top-3 drop over the mean size |Δ| of the random
 * drops: removing random cells pushes the context in a random direction, so
 * their signed drops cancel to about 0 and a ratio over the signed mean is
 * noise (the first, nearly flat default model scores 37 on it on dev, and a
 * λ = 0 model's random drops averaged below 0 on the 12 photos); their size is
 * what a removal that does not single out the right cells does.  Uniform
 * attention scores about 0, the nearly flat first default 1.1, attention the
 * words depend on well above 1. */
#include "model.h"

#define FAITH_TOP 3 /* cells removed */

/* Fills masks [n_masks, L] for step t of image i, whose unmasked α is alpha. */
typedef void (*MaskFunc) (int image, int t, const float *alpha, int cells, float *masks,
                          gpointer user_data);

/* Runs the evidence of n_masks masks a step for each of the n_images captions
 * (words[i][0..n_words[i]−1], token ids without <start> and <end>) over grids
 * [n_images, L, C]; drops[i] receives [n_words[i], n_masks]. */
static void
evidence_run (const GazeModel *model, GazePool *pool, const float *grids, int n_images,
              int *const *words, const int *n_words, int n_masks, MaskFunc make_masks,
              gpointer user_data, float *const *drops)
{
  const GazeDecoder *dec = model->dec;
  const int L = dec->sizes.cells, H = dec->sizes.hidden, V = dec->sizes.vocab;
  const gboolean hard = model->attention == GAZE_ATTENTION_HARD;
  int T = 0;
  for (int i = 0; i < n_images; i++)
    T = MAX (T, n_words[i]);
  const gsize rows = (gsize) n_images * MAX (n_masks, 1);
  GazeDecoderState *st = _gaze_decoder_state_new (dec, (int) rows, n_images, pool);
  _gaze_decoder_encode (dec, st, grids, n_images);
  float *h = g_new (float, (gsize) n_images * H), *c = g_new (float, (gsize) n_images * H);
  float *mh = g_new (float, rows * H), *mc = g_new (float, rows * H);
  float *masks = g_new (float, rows * L), *alpha = g_new (float, (gsize) n_images * L);
  double *log_p = g_new (double, n_images);
  int *in = g_new (int, rows), *live = g_new (int, n_images), *mimg = g_new (int, rows);
  memcpy (h, st->h0, sizeof (float) * n_images * H);
  memcpy (c, st->c0, sizeof (float) * n_images * H);
  for (int t = 0; t < T; t++)
    {
      /* The images whose captions reach word t, packed into rows 0..m−1 (h
       * and c stay indexed by image). */
      int m = 0;
      for (int i = 0; i < n_images; i++)
        if (n_words[i] > t)
          live[m++] = i;
      float *hp = g_new (float, (gsize) m * H), *cp = g_new (float, (gsize) m * H);
      for (int r = 0; r < m; r++)
        {
          const int i = live[r];
          st->img[r] = i;
          in[r] = t == 0 ? GAZE_TOKEN_START : words[i][t - 1];
          memcpy (hp + (gsize) r * H, h + (gsize) i * H, sizeof (float) * H);
          memcpy (cp + (gsize) r * H, c + (gsize) i * H, sizeof (float) * H);
        }
      _gaze_decoder_step (dec, st, m, in, hp, cp, NULL, hard);
      for (int r = 0; r < m; r++)
        {
          const int i = live[r];
          log_p[r] = log (fmax ((double) st->logits[(gsize) r * V + words[i][t]], 1e-30));
          memcpy (alpha + (gsize) r * L, st->alpha + (gsize) r * L, sizeof (float) * L);
          memcpy (h + (gsize) i * H, st->h + (gsize) r * H, sizeof (float) * H);
          memcpy (c + (gsize) i * H, st->c + (gsize) r * H, sizeof (float) * H);
        }
      /* The same step again, once per mask. */
      for (int r = 0; r < m; r++)
        {
          make_masks (live[r], t, alpha + (gsize) r * L, L, masks + (gsize) r * n_masks * L,
                      user_data);
          for (int k = 0; k < n_masks; k++)
            {
              const gsize row = (gsize) r * n_masks + k;
              mimg[row] = live[r];
              in[row] = t == 0 ? GAZE_TOKEN_START : words[live[r]][t - 1];
              memcpy (mh + row * H, hp + (gsize) r * H, sizeof (float) * H);
              memcpy (mc + row * H, cp + (gsize) r * H, sizeof (float) * H);
            }
        }
      memcpy (st->img, mimg, sizeof (int) * m * n_masks);
      _gaze_decoder_step (dec, st, m * n_masks, in, mh, mc, masks, hard);
      for (int r = 0; r < m; r++)
        {
          const int i = live[r];
          for (int k = 0; k < n_masks; k++)
            {
              const gsize row = (gsize) r * n_masks + k;
              double lq = log (fmax ((double) st->logits[row * V + words[i][t]], 1e-30));
              drops[i][(gsize) t * n_masks + k] = (float) (log_p[r] - lq);
            }
        }
      g_free (hp);
      g_free (cp);
    }
  g_free (h), g_free (c), g_free (mh), g_free (mc), g_free (masks), g_free (alpha);
  g_free (log_p), g_free (in), g_free (live), g_free (mimg);
  _gaze_decoder_state_free (st);
}

/* ── Faithfulness ──────────────────────────────────────────────────────────── */

typedef struct {
  guint64 seed;
} FaithMasks;

/* Mask 0 removes the FAITH_TOP cells of highest α; masks 1.. remove as many
 * distinct cells drawn at random. */
static void
faith_masks (int image, int t, const float *alpha, int L, float *masks, gpointer user_data)
{
  const FaithMasks *fm = user_data;
  for (int k = 0; k < (1 + GAZE_FAITH_DRAWS) * L; k++)
    masks[k] = 1.0f;
  float *top = masks;
  for (int j = 0; j < FAITH_TOP; j++)
    {
      int best = -1;
      for (int i = 0; i < L; i++)
        if (top[i] != 0.0f && (best < 0 || alpha[i] > alpha[best]))
          best = i;
      top[best] = 0.0f;
    }
  GazeRng rng;
  _gaze_rng_seed (&rng, (fm->seed + (guint64) image) * 1000003u + (guint64) t);
  for (int d = 1; d <= GAZE_FAITH_DRAWS; d++)
    {
      float *mask = masks + (gsize) d * L;
      for (int j = 0; j < FAITH_TOP; j++)
        {
          int cell;
          do
            cell = (int) _gaze_rng_below (&rng, (guint32) L);
          while (mask[cell] == 0.0f);
          mask[cell] = 0.0f;
        }
    }
}

/* The token ids of beam's words; FALSE when one is not in the vocabulary. */
static gboolean
beam_token_ids (const GazeModel *model, const GazeBeam *beam, int *ids, GError **error)
{
  for (int t = 0; t < beam->n_words; t++)
    {
      ids[t] = gaze_vocab_lookup (model->vocab, beam->words[t].word);
      if (ids[t] == GAZE_TOKEN_UNK && strcmp (beam->words[t].word, "<unk>") != 0)
        {
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                       "the word \"%s\" is not in the model's vocabulary", beam->words[t].word);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
gaze_model_faithfulness (const GazeModel *model, const float *grids, int n_images,
                         const GazeBeam *const *beams, guint64 seed, int n_threads,
                         GazeFaithfulness *acc, GError **error)
{
  g_return_val_if_fail (model != NULL && grids != NULL && beams != NULL && acc != NULL, FALSE);
  if (model->dec->sizes.cells <= FAITH_TOP)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "faithfulness needs more than %d attention cells", FAITH_TOP);
      return FALSE;
    }
  const int n_masks = 1 + GAZE_FAITH_DRAWS;
  int **words = g_new0 (int *, n_images), *n_words = g_new0 (int, n_images);
  float **drops = g_new0 (float *, n_images);
  gboolean ok = TRUE;
  for (int i = 0; i < n_images && ok; i++)
    {
      n_words[i] = beams[i]->n_words;
      words[i] = g_new (int, MAX (n_words[i], 1));
      drops[i] = g_new (float, (gsize) MAX (n_words[i], 1) * n_masks);
      ok = beam_token_ids (model, beams[i], words[i], error);
    }
  if (ok)
    {
      GazePool *pool = n_threads > 1 ? _gaze_pool_new (n_threads) : NULL;
      FaithMasks fm = { seed };
      evidence_run (model, pool, grids, n_images, words, n_words, n_masks, faith_masks, &fm,
                    drops);
      if (pool != NULL)
        _gaze_pool_free (pool);
      for (int i = 0; i < n_images; i++)
        for (int t = 0; t < n_words[i]; t++)
          {
            const float *d = drops[i] + (gsize) t * n_masks;
            double random = 0.0, size = 0.0;
            for (int k = 1; k < n_masks; k++)
              {
                random += d[k];
                size += fabs (d[k]);
              }
            acc->drop_top += d[0];
            acc->drop_random += random / GAZE_FAITH_DRAWS;
            acc->abs_drop_random += size / GAZE_FAITH_DRAWS;
            acc->n_words++;
          }
    }
  for (int i = 0; i < n_images; i++)
    {
      g_free (words[i]);
      g_free (drops[i]);
    }
  g_free (words), g_free (n_words), g_free (drops);
  return ok;
}

double
gaze_faithfulness_ratio (const GazeFaithfulness *acc)
{
  if (acc->n_words == 0 || !(acc->abs_drop_random > 0.0))
    return NAN;
  return acc->drop_top / acc->abs_drop_random;
}

double
gaze_faithfulness_signed_ratio (const GazeFaithfulness *acc)
{
  if (acc->n_words == 0 || !(acc->drop_random > 0.0))
    return NAN;
  return acc->drop_top / acc->drop_random;
}
