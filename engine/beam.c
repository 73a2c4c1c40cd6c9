/* beam.c — greedy decoding and beam search, with the k beams batched.
 *
 * Every step runs the decoder once on all live beams as one n-row batch (one
 * GEMM per layer), then keeps the k best continuations among the n × V
 * candidates by total log-probability.  A continuation that ends with <end>
 * is set aside as finished and the width shrinks by one, as in the usual
 * Show-Attend-Tell beam search; the finished beams are ranked by their
 * length-normalised score, log p / (words + 1).  With k = 1 this is exactly
 * greedy decoding.  Every step records, per beam, α, β, p and the top-5
 * alternatives, so that the caption can be shown word by word.
 */
#include "model.h"

#define MAX_WORDS 20               /* a caption stops after this many words */
#define MAX_STEPS (MAX_WORDS + 1)  /* … plus <end> */
#define GAZE_MAX_BEAM 64

typedef struct {
  int parent; /* slot at the previous step */
  int word;
  float prob, beta;
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

static int
compare_finished (const void *a, const void *b, gpointer user_data)
{
  const Finished *x = a, *y = b;
  double sx = x->log_prob / (x->n_words + 1), sy = y->log_prob / (y->n_words + 1);
  return sx < sy ? 1 : sx > sy ? -1 : 0;
}

static void
fill_word (GazeWord *w, const Record *rec, const float *alpha, int L, const GazeVocab *vocab)
{
  w->word = g_strdup (gaze_vocab_get_word (vocab, rec->word));
  w->alpha = g_memdup2 (alpha, sizeof (float) * L);
  w->beta = rec->beta;
  w->prob = rec->prob;
  /* The argmax cell: for a hard model, the cell its context used. */
  int best = 0;
  for (int i = 1; i < L; i++)
    if (alpha[i] > alpha[best])
      best = i;
  w->attended_cell = best;
  for (int j = 0; j < GAZE_TOP_K; j++)
    {
      w->alternatives[j] = rec->alt[j] >= 0 ? g_strdup (gaze_vocab_get_word (vocab, rec->alt[j]))
                                            : NULL;
      w->alternative_probs[j] = rec->alt_prob[j];
    }
}

GazeCaption *
gaze_model_caption (const GazeModel *model, const float *grid, int beam_width,
                    GCancellable *cancellable, GError **error)
{
  const GazeDecoder *dec = model->dec;
  const GazeDecoderSizes *s = &dec->sizes;
  const int V = s->vocab, H = s->hidden, L = s->cells;
  if (beam_width < 1 || beam_width > GAZE_MAX_BEAM || beam_width > V - 3)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, "beam width %d is not in 1..%d",
                   beam_width, MIN (GAZE_MAX_BEAM, V - 3));
      return NULL;
    }
  const int k = beam_width;
  const gboolean hard = model->attention == GAZE_ATTENTION_HARD;

  GazeDecoderState *st = gaze_decoder_state_new (dec, k);
  gaze_decoder_encode (dec, st, grid);
  float *h = g_new (float, (gsize) k * H), *c = g_new (float, (gsize) k * H);
  float *h_next = g_new (float, (gsize) k * H), *c_next = g_new (float, (gsize) k * H);
  memcpy (h, st->h0, sizeof (float) * H);
  memcpy (c, st->c0, sizeof (float) * H);
  /* Live rows: the word each one fed in, its log-probability, words so far,
   * and the record slot (at the previous step) it continues. */
  int words[GAZE_MAX_BEAM], n_words[GAZE_MAX_BEAM], slot_of[GAZE_MAX_BEAM];
  double log_prob[GAZE_MAX_BEAM];
  words[0] = GAZE_TOKEN_START, n_words[0] = 0, slot_of[0] = -1, log_prob[0] = 0.0;
  Record *records = g_new0 (Record, (gsize) MAX_STEPS * k);
  float *alphas = g_new0 (float, (gsize) MAX_STEPS * k * L);
  Finished *finished = g_new0 (Finished, k);
  Candidate best[GAZE_MAX_BEAM];
  int n_finished = 0, live = 1, width = k;
  gboolean cancelled = FALSE;

  for (int t = 0; t < MAX_STEPS && width > 0; t++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          cancelled = TRUE;
          break;
        }
      gaze_decoder_step (dec, st, live, words, h, c, hard);
      /* The best `width` continuations of all live beams. */
      int n_best = 0;
      for (int r = 0; r < live; r++)
        {
          const float *p = st->logits + (gsize) r * V;
          for (int v = 0; v < V; v++)
            {
              /* After MAX_WORDS words only <end> may follow. */
              if (!word_allowed (v) || (t == MAX_STEPS - 1 && v != GAZE_TOKEN_END))
                continue;
              top_insert (best, &n_best, width, log_prob[r] + log (fmax (p[v], 1e-30)), r, v);
            }
        }
      int next = 0, next_words[GAZE_MAX_BEAM], next_n_words[GAZE_MAX_BEAM];
      int next_slot[GAZE_MAX_BEAM];
      double next_log_prob[GAZE_MAX_BEAM];
      for (int b = 0; b < n_best; b++)
        {
          const int r = best[b].row;
          const float *p = st->logits + (gsize) r * V;
          Record *rec = &records[(gsize) t * k + b];
          rec->parent = slot_of[r];
          rec->word = best[b].word;
          rec->prob = p[best[b].word];
          rec->beta = st->beta[r];
          top_words (p, V, rec->alt, rec->alt_prob);
          memcpy (alphas + ((gsize) t * k + b) * L, st->alpha + (gsize) r * L,
                  sizeof (float) * L);
          if (best[b].word == GAZE_TOKEN_END)
            {
              finished[n_finished++] = (Finished) { t, b, best[b].score, n_words[r] };
              width--;
              continue;
            }
          memcpy (h_next + (gsize) next * H, st->h + (gsize) r * H, sizeof (float) * H);
          memcpy (c_next + (gsize) next * H, st->c + (gsize) r * H, sizeof (float) * H);
          next_words[next] = best[b].word;
          next_n_words[next] = n_words[r] + 1;
          next_log_prob[next] = best[b].score;
          next_slot[next] = b;
          next++;
        }
      live = next;
      memcpy (words, next_words, sizeof (int) * next);
      memcpy (n_words, next_n_words, sizeof (int) * next);
      memcpy (slot_of, next_slot, sizeof (int) * next);
      memcpy (log_prob, next_log_prob, sizeof (double) * next);
      float *tmp = h;
      h = h_next, h_next = tmp;
      tmp = c, c = c_next, c_next = tmp;
    }

  GazeCaption *caption = NULL;
  if (!cancelled)
    {
      g_qsort_with_data (finished, n_finished, sizeof (Finished), compare_finished, NULL);
      caption = g_new0 (GazeCaption, 1);
      caption->grid_size = model->grid_size;
      caption->n_cells = L;
      caption->attention = model->attention;
      caption->n_beams = n_finished;
      caption->beams = g_new0 (GazeBeam, n_finished);
      for (int i = 0; i < n_finished; i++)
        {
          const Finished *f = &finished[i];
          GazeBeam *beam = &caption->beams[i];
          beam->n_words = f->n_words;
          beam->log_prob = (float) f->log_prob;
          beam->score = (float) (f->log_prob / (f->n_words + 1));
          beam->words = g_new0 (GazeWord, MAX (f->n_words, 1));
          /* Walk back from <end> (not a word of the caption) through the parents. */
          int slot = records[(gsize) f->step * k + f->slot].parent;
          for (int t = f->step - 1; t >= 0; t--)
            {
              const Record *rec = &records[(gsize) t * k + slot];
              fill_word (&beam->words[t], rec, alphas + ((gsize) t * k + slot) * L, L,
                         model->vocab);
              slot = rec->parent;
            }
        }
    }
  g_free (h), g_free (c), g_free (h_next), g_free (c_next);
  g_free (records), g_free (alphas), g_free (finished);
  gaze_decoder_state_free (st);
  return caption;
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
