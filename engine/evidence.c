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
 * [n_images, L, C]; drops[i] receives [n_words[i], n_masks].  log_probs
 * (NULL: not wanted) receives log_probs[i][t], the unmasked teacher-forced
 * log p of word t: with n_masks 0 (drops NULL) that alone is the run, which
 * is how occlusion re-scores a caption on many grids at once.  Cancellation
 * is checked between steps (FALSE, G_IO_ERROR_CANCELLED). */
static gboolean
evidence_run (const GazeModel *model, GazePool *pool, const float *grids, int n_images,
              int *const *words, const int *n_words, int n_masks, MaskFunc make_masks,
              gpointer user_data, float *const *drops, float *const *log_probs,
              GCancellable *cancellable, GError **error)
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
  gboolean ok = TRUE;
  for (int t = 0; t < T && ok; t++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
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
          if (log_probs != NULL)
            log_probs[i][t] = (float) log_p[r];
          memcpy (alpha + (gsize) r * L, st->alpha + (gsize) r * L, sizeof (float) * L);
          memcpy (h + (gsize) i * H, st->h + (gsize) r * H, sizeof (float) * H);
          memcpy (c + (gsize) i * H, st->c + (gsize) r * H, sizeof (float) * H);
        }
      /* The same step again, once per mask. */
      for (int r = 0; r < m; r++)
        {
          if (n_masks > 0)
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
      if (n_masks > 0)
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
  return ok;
}

/* Marks the k cells of largest x (ties: the first) with 0 in mask, which
 * holds 1 elsewhere; cells (NULL: not wanted) receives them, largest first. */
static void
mask_top_cells (const float *x, int n, int k, float *mask, int *cells)
{
  for (int j = 0; j < k; j++)
    {
      int best = -1;
      for (int i = 0; i < n; i++)
        if (mask[i] != 0.0f && (best < 0 || x[i] > x[best]))
          best = i;
      mask[best] = 0.0f;
      if (cells != NULL)
        cells[j] = best;
    }
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
  mask_top_cells (alpha, L, FAITH_TOP, masks, NULL);
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
                    drops, NULL, NULL, NULL);
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

/* ── The evidence map of a caption ─────────────────────────────────────────── */

/* Mask i removes cell i alone. */
static void
one_cell_masks (int image, int t, const float *alpha, int L, float *masks, gpointer user_data)
{
  for (int k = 0; k < L; k++)
    for (int i = 0; i < L; i++)
      masks[k * L + i] = i == k ? 0.0f : 1.0f;
}

/* Puts the n_words × L values of map into each word's evidence (or
 * occlusion) array, replacing what an earlier call left there. */
static void
beam_take_map (GazeBeam *beam, const float *map, int L, gboolean occlusion)
{
  for (int t = 0; t < beam->n_words; t++)
    {
      float **slot = occlusion ? &beam->words[t].occlusion : &beam->words[t].evidence;
      g_free (*slot);
      *slot = g_memdup2 (map + (gsize) t * L, sizeof (float) * L);
    }
}

gboolean
gaze_model_evidence (const GazeModel *model, const float *grid, GazeBeam *beam,
                     GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (model != NULL && grid != NULL && beam != NULL, FALSE);
  const int L = model->dec->sizes.cells, n = beam->n_words;
  g_autofree int *ids = g_new (int, MAX (n, 1));
  if (!beam_token_ids (model, beam, ids, error))
    return FALSE;
  g_autofree float *drops = g_new (float, (gsize) MAX (n, 1) * L);
  int *words[1] = { ids };
  float *out[1] = { drops };
  if (!evidence_run (model, NULL, grid, 1, words, &n, L, one_cell_masks, NULL, out, NULL,
                     cancellable, error))
    return FALSE;
  beam_take_map (beam, drops, L, FALSE);
  return TRUE;
}

/* ── Occlusion ─────────────────────────────────────────────────────────────── */

#define OCCLUSION_GREY 128

gboolean
gaze_model_occlusion (const GazeModel *model, const GazeEncoder *encoder, const GazeImage *image,
                      GazeBeam *beam, GazeProgressFunc progress, gpointer user_data,
                      GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (model != NULL && encoder != NULL && image != NULL && beam != NULL, FALSE);
  if (!gaze_model_check_encoder (model, encoder, error))
    return FALSE;
  const int L = model->dec->sizes.cells, C = model->dec->sizes.channels, n = beam->n_words;
  const int size = gaze_encoder_get_input_size (encoder), g = gaze_encoder_get_grid_size (encoder);
  g_autofree int *ids = g_new (int, MAX (n, 1));
  if (!beam_token_ids (model, beam, ids, error))
    return FALSE;
  /* Grid 0 is the photo as it is, grid 1 + i the photo with cell i grey; all
   * are encoded from the one resized input, so only the grey differs. */
  const gsize floats = (gsize) L * C, bytes = (gsize) size * size * 3;
  g_autofree guint8 *rgb = g_malloc (bytes), *occluded = g_malloc (bytes);
  g_autofree float *grids = g_new (float, (gsize) (L + 1) * floats);
  gaze_image_resize (image, size, size, rgb);
  if (!gaze_encoder_forward (encoder, rgb, grids, NULL, error))
    return FALSE;
  for (int i = 0; i < L; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      memcpy (occluded, rgb, bytes);
      /* Cell (r, c) is the input's rows [r s, (r+1) s) and columns [c s,
       * (c+1) s), s = size / g (rounded per edge when it does not divide). */
      const int r = i / g, c = i % g;
      for (int y = r * size / g; y < (r + 1) * size / g; y++)
        memset (occluded + ((gsize) y * size + c * size / g) * 3, OCCLUSION_GREY,
                (gsize) ((c + 1) * size / g - c * size / g) * 3);
      if (!gaze_encoder_forward (encoder, occluded, grids + (gsize) (i + 1) * floats, NULL, error))
        return FALSE;
      if (progress != NULL && !progress (i + 1, L, user_data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "occlusion cancelled");
          return FALSE;
        }
    }
  /* The caption re-scored, teacher-forced, on all L + 1 grids as one batch. */
  g_autofree int **words = g_new (int *, L + 1);
  g_autofree int *n_words = g_new (int, L + 1);
  g_autofree float **log_probs = g_new (float *, L + 1);
  g_autofree float *scores = g_new (float, (gsize) (L + 1) * MAX (n, 1));
  for (int k = 0; k <= L; k++)
    {
      words[k] = ids;
      n_words[k] = n;
      log_probs[k] = scores + (gsize) k * MAX (n, 1);
    }
  if (!evidence_run (model, NULL, grids, L + 1, words, n_words, 0, NULL, NULL, NULL, log_probs,
                     cancellable, error))
    return FALSE;
  g_autofree float *map = g_new (float, (gsize) MAX (n, 1) * L);
  for (int t = 0; t < n; t++)
    for (int i = 0; i < L; i++)
      map[(gsize) t * L + i] = log_probs[0][t] - log_probs[1 + i][t];
  beam_take_map (beam, map, L, TRUE);
  return TRUE;
}

/* ── Agreement of α with a map ─────────────────────────────────────────────── */

/* ranks[i] = the rank of x[i] among the n values, 1 … n, ties given the mean
 * of the ranks they span (Spearman's convention). */
static void
average_ranks (const float *x, int n, double *ranks)
{
  for (int i = 0; i < n; i++)
    {
      int below = 0, equal = 0;
      for (int j = 0; j < n; j++)
        {
          below += x[j] < x[i];
          equal += x[j] == x[i];
        }
      ranks[i] = below + (equal + 1) / 2.0;
    }
}

void
gaze_evidence_agreement (const float *alpha, const float *evidence, int n_cells,
                         GazeAgreement *agreement)
{
  g_return_if_fail (alpha != NULL && evidence != NULL && n_cells > 0 && agreement != NULL);
  const int n = n_cells;
  g_autofree double *ra = g_new (double, n), *re = g_new (double, n);
  average_ranks (alpha, n, ra);
  average_ranks (evidence, n, re);
  /* Pearson's r of the ranks (exact with ties, unlike 1 − 6Σd²/(n(n²−1))). */
  const double mean = (n + 1) / 2.0;
  double sab = 0.0, saa = 0.0, sbb = 0.0;
  for (int i = 0; i < n; i++)
    {
      sab += (ra[i] - mean) * (re[i] - mean);
      saa += (ra[i] - mean) * (ra[i] - mean);
      sbb += (re[i] - mean) * (re[i] - mean);
    }
  agreement->rank_correlation = saa > 0.0 && sbb > 0.0 ? sab / sqrt (saa * sbb) : 0.0;
  /* In the top 3 unless 3 cells have strictly more evidence: a tie at third
   * place counts as in. */
  const int top = _gaze_attention_argmax (alpha, n);
  int above = 0;
  float peak = evidence[0];
  for (int i = 0; i < n; i++)
    {
      above += evidence[i] > evidence[top];
      peak = MAX (peak, evidence[i]);
    }
  agreement->top_alpha_in_top3 = above < 3;
  g_autofree float *mask = g_new (float, n);
  for (int i = 0; i < n; i++)
    mask[i] = 1.0f;
  const int k = MIN (3, n);
  mask_top_cells (evidence, n, k, mask, agreement->top_cells);
  agreement->alpha_on_top3 = 0.0f;
  for (int j = 0; j < 3; j++)
    {
      if (j >= k)
        agreement->top_cells[j] = -1;
      else
        agreement->alpha_on_top3 += alpha[agreement->top_cells[j]];
    }
  agreement->peak_evidence = peak;
  agreement->weak = peak < GAZE_EVIDENCE_WEAK;
}

/* ── Grounding ─────────────────────────────────────────────────────────────── */

/* A word's top cells, its α on them and its hit are gaze_evidence_agreement's. */
G_STATIC_ASSERT (GAZE_GROUNDING_TOP == G_N_ELEMENTS (((GazeAgreement *) 0)->top_cells));

void
gaze_grounding_init (GazeGrounding *acc, int n_cells)
{
  g_return_if_fail (acc != NULL && n_cells > GAZE_GROUNDING_TOP);
  *acc = (GazeGrounding) { .n_cells = n_cells, .alpha_sum = g_new0 (double, n_cells),
                           .top_count = g_new0 (double, n_cells) };
}

void
gaze_grounding_clear (GazeGrounding *acc)
{
  g_free (acc->alpha_sum);
  g_free (acc->top_count);
  memset (acc, 0, sizeof *acc);
}

void
gaze_grounding_add (GazeGrounding *acc, const GazeBeam *beam)
{
  g_return_if_fail (acc != NULL && acc->n_cells > 0 && beam != NULL);
  const int L = acc->n_cells;
  for (int t = 0; t < beam->n_words; t++)
    {
      const GazeWord *w = &beam->words[t];
      GazeAgreement agreement;
      if (w->occlusion != NULL)
        gaze_evidence_agreement (w->alpha, w->occlusion, L, &agreement);
      if (w->occlusion == NULL || !(agreement.peak_evidence >= GAZE_GROUNDING_MIN_DROP))
        {
          acc->n_skipped++;
          continue;
        }
      for (int i = 0; i < L; i++)
        acc->alpha_sum[i] += w->alpha[i];
      for (int j = 0; j < GAZE_GROUNDING_TOP; j++)
        acc->top_count[agreement.top_cells[j]]++;
      acc->mass += agreement.alpha_on_top3;
      acc->hits += agreement.top_alpha_in_top3;
      acc->n_words++;
    }
}

void
gaze_grounding_figures (const GazeGrounding *acc, GazeGroundingFigures *figures)
{
  g_return_if_fail (acc != NULL && figures != NULL);
  const double n = (double) acc->n_words;
  if (acc->n_words == 0)
    {
      *figures = (GazeGroundingFigures) { NAN, NAN, NAN, NAN, NAN };
      return;
    }
  /* The mean map's mass on each word's top cells, summed over the words:
   * Σ_w Σ_{i ∈ top(w)} ᾱ_i = Σ_i top_count_i ᾱ_i. */
  double mean_map = 0.0;
  for (int i = 0; i < acc->n_cells; i++)
    mean_map += acc->top_count[i] * (acc->alpha_sum[i] / n);
  *figures = (GazeGroundingFigures) {
    .mass = acc->mass / n,
    .mass_mean_map = mean_map / n,
    .mass_uniform = (double) GAZE_GROUNDING_TOP / acc->n_cells,
    .hit_rate = (double) acc->hits / n,
    .hit_chance = (double) GAZE_GROUNDING_TOP / acc->n_cells,
  };
}
