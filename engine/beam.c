/* beam.c — greedy decoding and beam search, with the k beams batched.
 *
 * Every step runs the decoder once on all live beams (of one photo, or of
 * many: gaze_model_caption_batch) as one batch, one GEMM per layer, then keeps
 * for each photo the k best continuations among its n × V candidates by total
 * log-probability.  A continuation that ends with <end> is set aside as
 * finished and the width shrinks by one, as in the usual Show-Attend-Tell beam
 * search; the finished beams are ranked by their length-normalised score,
 * log p / √(words + 1).  (The square root: on the Flickr8k dev set, dividing
 * by the full length favoured long captions and cost 0.5-0.9 BLEU-4 against
 * the raw log p; √ did as well as the raw log p at beams 3 and 5.)  With
 * k = 1 this is exactly greedy decoding.  Every step records, per beam, α, β,
 * p and the top-5 alternatives, so that the caption can be shown word by word.
 *
 * Steering (steer.c) enters here and nowhere else: a prefix of words is
 * chosen as the only continuation of the single live row, so that its α, β
 * and p are those the model gives them, and each step's rows attend under
 * that step's mask; the search widens to k after the prefix.
 */
#include "model.h"

#define MAX_WORDS GAZE_CAPTION_MAX_WORDS
#define MAX_STEPS (MAX_WORDS + 1)  /* … plus <end> */
#define GAZE_MAX_BEAM 64

typedef struct {
  int parent; /* slot at the previous step */
  int word;
  float prob, beta;
  gboolean steered; /* the step's mask removed a cell */
  int alt[GAZE_TOP_K];
  float alt_prob[GAZE_TOP_K];
} Record;

typedef struct {
  int step, slot; /* the last record */
  double log_prob;
  int n_words;
} Finished;

typedef struct {
  double score;
  int row, word;
} Candidate;

/* Words a caption may contain: not <pad>, <start> or <unk>. */
static gboolean
word_allowed (int v)
{
  return v != GAZE_TOKEN_PAD && v != GAZE_TOKEN_START && v != GAZE_TOKEN_UNK;
}

/* Inserts (score, row, word) into best[0..*n−1], sorted by score, keeping k. */
static void
top_insert (Candidate *best, int *n, int k, double score, int row, int word)
{
  if (*n == k && score <= best[k - 1].score)
    return;
  int i = *n < k ? (*n)++ : k - 1;
  while (i > 0 && best[i - 1].score < score)
    {
      best[i] = best[i - 1];
      i--;
    }
  best[i] = (Candidate) { score, row, word };
}

static void
top_words (const float *p, int V, int *ids, float *probs)
{
  Candidate best[GAZE_TOP_K];
  int n = 0;
  for (int v = 0; v < V; v++)
    if (word_allowed (v))
      top_insert (best, &n, GAZE_TOP_K, p[v], 0, v);
  for (int i = 0; i < GAZE_TOP_K; i++)
    {
      ids[i] = i < n ? best[i].word : -1;
      probs[i] = i < n ? (float) best[i].score : 0.0f;
    }
}

/* The length-normalised score of a caption of n_words words (and <end>). */
static double
beam_score (double log_prob, int n_words)
{
  return log_prob / sqrt ((double) n_words + 1.0);
}

static int
compare_finished (const void *a, const void *b, gpointer user_data)
{
  const Finished *x = a, *y = b;
  double sx = beam_score (x->log_prob, x->n_words), sy = beam_score (y->log_prob, y->n_words);
  return sx < sy ? 1 : sx > sy ? -1 : 0;
}

static void
fill_word (GazeWord *w, const Record *rec, const float *alpha, int L, const GazeVocab *vocab)
{
  w->word = g_strdup (gaze_vocab_get_word (vocab, rec->word));
  w->alpha = g_memdup2 (alpha, sizeof (float) * L);
  w->beta = rec->beta;
  w->prob = rec->prob;
  w->steered = rec->steered;
  /* The argmax cell: for a hard model, the cell its context used. */
  w->attended_cell = _gaze_attention_argmax (alpha, L);
  for (int j = 0; j < GAZE_TOP_K; j++)
    {
      w->alternatives[j] = rec->alt[j] >= 0 ? g_strdup (gaze_vocab_get_word (vocab, rec->alt[j]))
                                            : NULL;
      w->alternative_probs[j] = rec->alt_prob[j];
    }
}

/* One image's search. */
typedef struct {
  Record *records; /* [MAX_STEPS, k] */
  float *alphas;   /* [MAX_STEPS, k, L] */
  Finished *finished;
  int n_finished, width, live;
  /* Live rows: the word each one feeds in, its log-probability, its words so
   * far, and the record slot (at the previous step) it continues. */
  int words[GAZE_MAX_BEAM], n_words[GAZE_MAX_BEAM], slot_of[GAZE_MAX_BEAM];
  double log_prob[GAZE_MAX_BEAM];
} Search;

/* Picks the best continuations of image s's live rows (rows row0.. of the
 * step just run) and moves the live ones to rows next0.. of h_next, c_next.
 * forced ≥ 0 (a word of a steering prefix, with one live row) is the only
 * continuation.  Returns how many stay live. */
static int
search_advance (Search *s, int t, int k, const GazeDecoderState *st, int row0, int V, int H,
                int L, int forced, gboolean steered, float *h_next, float *c_next, int next0)
{
  Candidate best[GAZE_MAX_BEAM];
  int n_best = 0;
  if (forced >= 0)
    {
      const double p = st->logits[(gsize) row0 * V + forced];
      top_insert (best, &n_best, 1, s->log_prob[0] + log (fmax (p, 1e-30)), 0, forced);
    }
  for (int r = 0; forced < 0 && r < s->live; r++)
    {
      const float *p = st->logits + (gsize) (row0 + r) * V;
      for (int v = 0; v < V; v++)
        {
          /* After MAX_WORDS words only <end> may follow. */
          if (!word_allowed (v) || (t == MAX_STEPS - 1 && v != GAZE_TOKEN_END))
            continue;
          top_insert (best, &n_best, s->width, s->log_prob[r] + log (fmax (p[v], 1e-30)), r, v);
        }
    }
  int next = 0, next_words[GAZE_MAX_BEAM], next_n_words[GAZE_MAX_BEAM];
  int next_slot[GAZE_MAX_BEAM];
  double next_log_prob[GAZE_MAX_BEAM];
  for (int b = 0; b < n_best; b++)
    {
      const int r = best[b].row, row = row0 + r;
      const float *p = st->logits + (gsize) row * V;
      Record *rec = &s->records[(gsize) t * k + b];
      rec->parent = s->slot_of[r];
      rec->word = best[b].word;
      rec->prob = p[best[b].word];
      rec->beta = st->beta[row];
      rec->steered = steered;
      top_words (p, V, rec->alt, rec->alt_prob);
      memcpy (s->alphas + ((gsize) t * k + b) * L, st->alpha + (gsize) row * L,
              sizeof (float) * L);
      if (best[b].word == GAZE_TOKEN_END)
        {
          s->finished[s->n_finished++] = (Finished) { t, b, best[b].score, s->n_words[r] };
          s->width--;
          continue;
        }
      memcpy (h_next + (gsize) (next0 + next) * H, st->h + (gsize) row * H, sizeof (float) * H);
      memcpy (c_next + (gsize) (next0 + next) * H, st->c + (gsize) row * H, sizeof (float) * H);
      next_words[next] = best[b].word;
      next_n_words[next] = s->n_words[r] + 1;
      next_log_prob[next] = best[b].score;
      next_slot[next] = b;
      next++;
    }
  s->live = next;
  memcpy (s->words, next_words, sizeof (int) * next);
  memcpy (s->n_words, next_n_words, sizeof (int) * next);
  memcpy (s->slot_of, next_slot, sizeof (int) * next);
  memcpy (s->log_prob, next_log_prob, sizeof (double) * next);
  return next;
}

/* The finished beams of s as a caption, best first. */
static GazeCaption *
search_caption (const GazeModel *model, Search *s, int k)
{
  const int L = model->dec->sizes.cells;
  g_qsort_with_data (s->finished, s->n_finished, sizeof (Finished), compare_finished, NULL);
  GazeCaption *caption = g_new0 (GazeCaption, 1);
  caption->grid_size = model->grid_size;
  caption->n_cells = L;
  caption->attention = model->attention;
  caption->n_beams = s->n_finished;
  caption->beams = g_new0 (GazeBeam, s->n_finished);
  for (int i = 0; i < s->n_finished; i++)
    {
      const Finished *f = &s->finished[i];
      GazeBeam *beam = &caption->beams[i];
      beam->n_words = f->n_words;
      beam->log_prob = (float) f->log_prob;
      beam->score = (float) beam_score (f->log_prob, f->n_words);
      beam->words = g_new0 (GazeWord, MAX (f->n_words, 1));
      /* Walk back from <end> (not a word of the caption) through the parents. */
      int slot = s->records[(gsize) f->step * k + f->slot].parent;
      for (int t = f->step - 1; t >= 0; t--)
        {
          const Record *rec = &s->records[(gsize) t * k + slot];
          fill_word (&beam->words[t], rec, s->alphas + ((gsize) t * k + slot) * L, L,
                     model->vocab);
          slot = rec->parent;
        }
    }
  return caption;
}

/* Whether mask [L] removes a cell. */
static gboolean
mask_removes (const float *mask, int L)
{
  for (int i = 0; i < L; i++)
    if (mask[i] == 0.0f)
      return TRUE;
  return FALSE;
}

/* Beam search over n_images grids at once: every step runs the decoder on the
 * live beams of all the images as one batch.  steer (NULL: none) holds for
 * every image: its prefix is teacher-forced, one row per image, before the
 * search widens, and step t's rows all attend under its mask t. */
static GazeCaption **
caption_batch (const GazeModel *model, const float *grids, int n_images, int k, GazePool *pool,
               const GazeSteer *steer, GCancellable *cancellable, GError **error)
{
  const GazeDecoder *dec = model->dec;
  const GazeDecoderSizes *sz = &dec->sizes;
  const int V = sz->vocab, H = sz->hidden, L = sz->cells;
  if (k < 1 || k > GAZE_MAX_BEAM || k > V - 3)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, "beam width %d is not in 1..%d", k,
                   MIN (GAZE_MAX_BEAM, V - 3));
      return NULL;
    }
  const gboolean hard = model->attention == GAZE_ATTENTION_HARD;
  const int rows = n_images * k;
  GazeDecoderState *st = _gaze_decoder_state_new (dec, rows, n_images, pool);
  _gaze_decoder_encode (dec, st, grids, n_images);
  float *h = g_new (float, (gsize) rows * H), *c = g_new (float, (gsize) rows * H);
  float *h_next = g_new (float, (gsize) rows * H), *c_next = g_new (float, (gsize) rows * H);
  int *words = g_new (int, rows);
  float *masks = steer != NULL && steer->n_masks > 0 ? g_new (float, (gsize) rows * L) : NULL;
  Search *search = g_new0 (Search, n_images);
  for (int i = 0; i < n_images; i++)
    {
      Search *s = &search[i];
      s->records = g_new0 (Record, (gsize) MAX_STEPS * k);
      s->alphas = g_new0 (float, (gsize) MAX_STEPS * k * L);
      s->finished = g_new0 (Finished, k);
      s->width = k;
      s->live = 1;
      s->words[0] = GAZE_TOKEN_START;
      s->slot_of[0] = -1;
      memcpy (h + (gsize) i * H, st->h0 + (gsize) i * H, sizeof (float) * H);
      memcpy (c + (gsize) i * H, st->c0 + (gsize) i * H, sizeof (float) * H);
    }
  gboolean cancelled = FALSE;
  for (int t = 0; t < MAX_STEPS; t++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          cancelled = TRUE;
          break;
        }
      /* The live rows of every image, image after image (h and c are laid
       * out so already). */
      int total = 0;
      for (int i = 0; i < n_images; i++)
        for (int r = 0; r < search[i].live; r++)
          {
            st->img[total] = i;
            words[total++] = search[i].words[r];
          }
      if (total == 0)
        break;
      const gboolean masked = masks != NULL && t < steer->n_masks;
      const float *mask_t = masked ? steer->masks + (gsize) t * L : NULL;
      for (int r = 0; masked && r < total; r++)
        memcpy (masks + (gsize) r * L, mask_t, sizeof (float) * L);
      _gaze_decoder_step (dec, st, total, words, h, c, masked ? masks : NULL, hard);
      const int forced = steer != NULL && t < steer->n_prefix ? steer->prefix[t] : -1;
      const gboolean steered = masked && mask_removes (mask_t, L);
      int row0 = 0, next0 = 0;
      for (int i = 0; i < n_images; i++)
        {
          int live = search[i].live;
          if (live > 0)
            next0 += search_advance (&search[i], t, k, st, row0, V, H, L, forced, steered, h_next,
                                     c_next, next0);
          row0 += live;
        }
      float *tmp = h;
      h = h_next, h_next = tmp;
      tmp = c, c = c_next, c_next = tmp;
    }

  GazeCaption **captions = NULL;
  if (!cancelled)
    {
      captions = g_new0 (GazeCaption *, n_images + 1);
      for (int i = 0; i < n_images; i++)
        captions[i] = search_caption (model, &search[i], k);
    }
  for (int i = 0; i < n_images; i++)
    {
      g_free (search[i].records);
      g_free (search[i].alphas);
      g_free (search[i].finished);
    }
  g_free (search);
  g_free (words);
  g_free (masks);
  g_free (h), g_free (c), g_free (h_next), g_free (c_next);
  _gaze_decoder_state_free (st);
  return captions;
}

GazeCaption *
_gaze_caption_steer (const GazeModel *model, const float *grid, int beam_width,
                     const GazeSteer *steer, GCancellable *cancellable, GError **error)
{
  GazeCaption **captions
      = caption_batch (model, grid, 1, beam_width, NULL, steer, cancellable, error);
  if (captions == NULL)
    return NULL;
  GazeCaption *caption = captions[0];
  g_free (captions);
  return caption;
}

GazeCaption *
gaze_model_caption (const GazeModel *model, const float *grid, int beam_width,
                    GCancellable *cancellable, GError **error)
{
  return _gaze_caption_steer (model, grid, beam_width, NULL, cancellable, error);
}

GazeCaption **
_gaze_caption_batch_in_pool (const GazeModel *model, const float *grids, int n_images, int beam_width,
                       GazePool *pool, GError **error)
{
  return caption_batch (model, grids, n_images, beam_width, pool, NULL, NULL, error);
}

GazeCaption **
gaze_model_caption_batch (const GazeModel *model, const float *grids, int n_images,
                          int beam_width, int n_threads, GCancellable *cancellable,
                          GError **error)
{
  g_return_val_if_fail (n_images >= 1, NULL);
  GazePool *pool = n_threads > 1 ? _gaze_pool_new (n_threads) : NULL;
  GazeCaption **captions
    = caption_batch (model, grids, n_images, beam_width, pool, NULL, cancellable, error);
  if (pool != NULL)
    _gaze_pool_free (pool);
  return captions;
}

void
gaze_caption_free (GazeCaption *caption)
{
  if (caption == NULL)
    return;
  for (int b = 0; b < caption->n_beams; b++)
    {
      GazeBeam *beam = &caption->beams[b];
      for (int i = 0; i < beam->n_words; i++)
        {
          g_free (beam->words[i].word);
          g_free (beam->words[i].alpha);
          g_free (beam->words[i].evidence);
          g_free (beam->words[i].occlusion);
          for (int j = 0; j < GAZE_TOP_K; j++)
            g_free (beam->words[i].alternatives[j]);
        }
      g_free (beam->words);
    }
  g_free (caption->beams);
  g_free (caption);
}

char *
gaze_beam_to_string (const GazeBeam *beam)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < beam->n_words; i++)
    {
      if (i > 0)
        g_string_append_c (s, ' ');
      g_string_append (s, beam->words[i].word);
    }
  return g_string_free (s, FALSE);
}

/* ── Sampling (self-critical training) ─────────────────────────────────────── */

void
_gaze_sample_captions (const GazeModel *model, GazePool *pool, const float *grids, int n_images,
                       int n_samples, GazeRng *rng, int stride, int *tokens, int *lengths,
                       int *cells)
{
  _gaze_sample_captions_masked (model, pool, grids, NULL, n_images, n_samples, rng, stride, tokens,
                                lengths, cells);
}

void
_gaze_sample_captions_masked (const GazeModel *model, GazePool *pool, const float *grids,
                              const float *amask, int n_images, int n_samples, GazeRng *rng,
                              int stride, int *tokens, int *lengths, int *cells)
{
  const GazeDecoder *dec = model->dec;
  const int V = dec->sizes.vocab, H = dec->sizes.hidden;
  const int rows = n_images * n_samples, max_words = MIN (MAX_WORDS, stride - 2);
  const gboolean hard = model->attention == GAZE_ATTENTION_HARD;
  GazeDecoderState *st = _gaze_decoder_state_new (dec, rows, n_images, pool);
  _gaze_decoder_encode_masked (dec, st, grids, n_images, amask);
  float *h = g_new (float, (gsize) rows * H), *c = g_new (float, (gsize) rows * H);
  float *h_next = g_new (float, (gsize) rows * H), *c_next = g_new (float, (gsize) rows * H);
  int *live = g_new (int, rows), *words = g_new (int, rows), *step_cells = g_new (int, rows);
  int n_live = rows;
  for (int r = 0; r < rows; r++)
    {
      const int i = r / n_samples;
      live[r] = r;
      memcpy (h + (gsize) r * H, st->h0 + (gsize) i * H, sizeof (float) * H);
      memcpy (c + (gsize) r * H, st->c0 + (gsize) i * H, sizeof (float) * H);
      int *row = tokens + (gsize) r * stride;
      memset (row, 0, sizeof (int) * stride);
      if (hard && cells != NULL)
        memset (cells + (gsize) r * stride, 0, sizeof (int) * stride);
      row[0] = GAZE_TOKEN_START;
      lengths[r] = max_words; /* unless it ends sooner */
    }
  for (int t = 0; t < max_words && n_live > 0; t++)
    {
      for (int j = 0; j < n_live; j++)
        {
          st->img[j] = live[j] / n_samples;
          words[j] = tokens[(gsize) live[j] * stride + t];
        }
      /* A hard model's policy draws the cell too, s_t ~ Multinoulli(α_t). */
      if (hard)
        _gaze_decoder_step_sampled (dec, st, n_live, words, h, c, rng, step_cells);
      else
        _gaze_decoder_step (dec, st, n_live, words, h, c, NULL, FALSE);
      int next = 0;
      for (int j = 0; j < n_live; j++)
        {
          const int r = live[j];
          const float *p = st->logits + (gsize) j * V;
          if (hard && cells != NULL)
            cells[(gsize) r * stride + t] = step_cells[j];
          /* w ~ p(· | y_<t, a): the policy whose gradient the samples estimate. */
          int w = V - 1;
          float u = _gaze_rng_uniform (rng), acc = 0.0f;
          for (int v = 0; v < V; v++)
            {
              acc += p[v];
              if (u < acc)
                {
                  w = v;
                  break;
                }
            }
          tokens[(gsize) r * stride + t + 1] = w;
          /* After max_words words a caption without <end> is cut. */
          if (w == GAZE_TOKEN_END)
            {
              lengths[r] = t + 1;
              continue;
            }
          live[next] = r;
          memcpy (h_next + (gsize) next * H, st->h + (gsize) j * H, sizeof (float) * H);
          memcpy (c_next + (gsize) next * H, st->c + (gsize) j * H, sizeof (float) * H);
          next++;
        }
      n_live = next;
      float *tmp = h;
      h = h_next, h_next = tmp;
      tmp = c, c = c_next, c_next = tmp;
    }
  g_free (h), g_free (c), g_free (h_next), g_free (c_next), g_free (live), g_free (words);
  g_free (step_cells);
  _gaze_decoder_state_free (st);
}
