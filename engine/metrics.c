/* metrics.c — caption scores as the COCO caption evaluation computes them.
 *
 * The numbers papers report come from the pycocoevalcap package (Chen et al.,
 * "Microsoft COCO Captions: Data Collection and Evaluation Server", 2015).
 * Each function below follows its scorer's arithmetic, including the small
 * constants and quirks, so that our numbers are comparable with the papers':
 *
 * BLEU-1..4 (bleu_scorer.py, option "closest"; Papineni et al. 2002):
 *   per candidate, n-gram counts are clipped by the largest count in any one
 *   reference, then correct_n and guess_n = max(0, len − n + 1) are summed
 *   over the whole corpus, as are the candidate length c and the reference
 *   length r, where each sentence's r is the reference length closest to its
 *   own (on a tie, the shorter).  Then
 *     BLEU-N = (Π_{n≤N} (correct_n + 1e−15) / (guess_n + 1e−9))^{1/N} · BP,
 *     BP = exp(1 − 1/ratio) when ratio = (c + 1e−15) / (r + 1e−9) < 1, else 1.
 *
 * CIDEr-D (the "CIDEr" reported by the COCO server; Vedantam et al. 2015):
 *   n = 1..4; the document frequency df of an n-gram is the number of images
 *   whose references hold it, over the evaluated set; with N images each
 *   n-gram's weight is tf · (log N − log max(1, df)).  For each image and each
 *   reference, per n: the clipped cosine
 *     Σ_g min(v_cand(g), v_ref(g)) · v_ref(g) / (‖v_cand‖ ‖v_ref‖)
 *   (the division only when both norms are non-zero), times the length
 *   penalty exp(−δ² / (2σ²)), σ = 6, where δ is the difference of the two
 *   sentences' "lengths" — which that code counts as their numbers of
 *   bigrams (words − 1), a quirk kept here.  An image scores 10 × the mean
 *   over n of the sum over references, divided by the number of references;
 *   the corpus score is the mean over images.
 *
 * ROUGE-L (rouge.py; Lin 2004): per image, the longest common subsequence
 *   with each reference gives P = lcs / |cand| and R = lcs / |ref|; with the
 *   maximum P and the maximum R over the references (not necessarily from
 *   the same one), F = (1 + β²) P R / (R + β² P), β = 1.2 (0 when P or R is
 *   0).  The corpus score is the mean over images.
 *
 * METEOR is not computed (scores->meteor = −1).  The COCO number comes from
 * the METEOR 1.5 Java program: besides exact matches it aligns words by
 * Porter stems, WordNet synonyms and a paraphrase table, with tuned weights
 * (α 0.85, β 0.2, γ 0.6, δ 0.75; module weights 1.0 0.6 0.8 0.6) and
 * function-word lists.  Without WordNet and its paraphrase tables (not
 * available to this build) any imitation — exact matches only, say — gives
 * other numbers under the same name, so Gaze reports none rather than a
 * misleading one.
 *
 * Captions are normalised (gaze_text_normalize) before scoring, in place of
 * the PTB tokenizer the COCO code runs: words are the space-separated tokens. */
#include "gaze-train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_N 4
#define CIDER_SIGMA 6.0
#define ROUGE_BETA 1.2
#define BLEU_TINY 1e-15
#define BLEU_SMALL 1e-9

/* A sentence: its words, and its n-gram counts for n = 1..4, keyed by the
 * n words joined with single spaces (words never hold spaces, so the key
 * says which n it is). */
typedef struct {
  char **words;
  int n_words;
  GHashTable *counts; /* key → GINT count */
} Sentence;

static void
sentence_init (Sentence *s, const char *text)
{
  char **all = g_strsplit (text, " ", -1);
  int n = 0;
  for (int i = 0; all[i] != NULL; i++)
    if (all[i][0] != '\0')
      all[n++] = all[i];
    else
      g_free (all[i]);
  all[n] = NULL;
  s->words = all;
  s->n_words = n;
  s->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GString *key = g_string_new (NULL);
  for (int len = 1; len <= MAX_N; len++)
    for (int i = 0; i + len <= n; i++)
      {
        g_string_assign (key, s->words[i]);
        for (int k = 1; k < len; k++)
          {
            g_string_append_c (key, ' ');
            g_string_append (key, s->words[i + k]);
          }
        gpointer old = g_hash_table_lookup (s->counts, key->str);
        g_hash_table_replace (s->counts, g_strdup (key->str),
                              GINT_TO_POINTER (GPOINTER_TO_INT (old) + 1));
      }
  g_string_free (key, TRUE);
}

static void
sentence_clear (Sentence *s)
{
  g_strfreev (s->words);
  g_hash_table_destroy (s->counts);
}

/* 1 for a word, 2 for a bigram, …: one more than the spaces in the key. */
static int
ngram_order (const char *key)
{
  int n = 1;
  for (const char *p = key; *p; p++)
    n += *p == ' ';
  return n;
}

/* An image: the candidate and its references, tokenised once. */
typedef struct {
  Sentence cand;
  Sentence *refs;
  int n_refs;
} Item;

/* ── BLEU ────────────────────────────────────────────────────────────────── */

static void
score_bleu (const Item *items, int n, double bleu[MAX_N])
{
  double correct[MAX_N] = { 0 }, guess[MAX_N] = { 0 };
  double test_len = 0, ref_len = 0;

  for (int i = 0; i < n; i++)
    {
      const Item *it = &items[i];
      int c = it->cand.n_words;
      /* The reference length closest to c; on a tie the shorter. */
      int closest = it->refs[0].n_words;
      for (int r = 1; r < it->n_refs; r++)
        {
          int l = it->refs[r].n_words;
          if (abs (l - c) < abs (closest - c) || (abs (l - c) == abs (closest - c) && l < closest))
            closest = l;
        }
      test_len += c;
      ref_len += closest;
      for (int k = 0; k < MAX_N; k++)
        guess[k] += MAX (0, c - k);

      /* Each n-gram counts at most as often as in the reference that has
       * it most often. */
      GHashTableIter iter;
      gpointer key, value;
      g_hash_table_iter_init (&iter, it->cand.counts);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          int max_ref = 0;
          for (int r = 0; r < it->n_refs; r++)
            max_ref = MAX (max_ref, GPOINTER_TO_INT (g_hash_table_lookup (it->refs[r].counts, key)));
          correct[ngram_order (key) - 1] += MIN (GPOINTER_TO_INT (value), max_ref);
        }
    }

  double product = 1.0;
  for (int k = 0; k < MAX_N; k++)
    {
      product *= (correct[k] + BLEU_TINY) / (guess[k] + BLEU_SMALL);
      bleu[k] = pow (product, 1.0 / (k + 1));
    }
  double ratio = (test_len + BLEU_TINY) / (ref_len + BLEU_SMALL);
  if (ratio < 1)
    for (int k = 0; k < MAX_N; k++)
      bleu[k] *= exp (1 - 1 / ratio);
}

/* ── CIDEr-D ─────────────────────────────────────────────────────────────── */

/* A sentence's tf-idf vectors, one an order, with their norms. */
typedef struct {
  GHashTable *weights; /* key → double*, every order together */
  double norm[MAX_N];
  int length; /* the number of bigrams, as the reference code counts "length" */
} TfIdf;

static void
tfidf_init (TfIdf *v, const Sentence *s, GHashTable *df, double log_n)
{
  v->weights = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  memset (v->norm, 0, sizeof v->norm);
  v->length = 0;
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, s->counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      int tf = GPOINTER_TO_INT (value);
      int order = ngram_order (key);
      double doc_freq = GPOINTER_TO_INT (g_hash_table_lookup (df, key));
      double *w = g_new (double, 1);
      *w = tf * (log_n - log (MAX (1.0, doc_freq)));
      g_hash_table_insert (v->weights, key, w);
      v->norm[order - 1] += *w * *w;
      if (order == 2)
        v->length += tf;
    }
  for (int k = 0; k < MAX_N; k++)
    v->norm[k] = sqrt (v->norm[k]);
}

static void
tfidf_clear (TfIdf *v)
{
  g_hash_table_destroy (v->weights);
}

/* The clipped, length-penalised cosine for each order, added to val. */
static void
cider_similarity (const TfIdf *cand, const TfIdf *ref, double val[MAX_N])
{
  double sim[MAX_N] = { 0 };
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, cand->weights);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const double *r = g_hash_table_lookup (ref->weights, key);
      if (r != NULL)
        sim[ngram_order (key) - 1] += MIN (*(const double *) value, *r) * *r;
    }
  double delta = cand->length - ref->length;
  double penalty = exp (-(delta * delta) / (2 * CIDER_SIGMA * CIDER_SIGMA));
  for (int k = 0; k < MAX_N; k++)
    {
      if (cand->norm[k] != 0 && ref->norm[k] != 0)
        sim[k] /= cand->norm[k] * ref->norm[k];
      val[k] += sim[k] * penalty;
    }
}

static double
score_cider_d (const Item *items, int n)
{
  /* Document frequency: in how many images' references each n-gram occurs. */
  GHashTable *df = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (int i = 0; i < n; i++)
    {
      g_hash_table_remove_all (seen);
      for (int r = 0; r < items[i].n_refs; r++)
        {
          GHashTableIter iter;
          gpointer key;
          g_hash_table_iter_init (&iter, items[i].refs[r].counts);
          while (g_hash_table_iter_next (&iter, &key, NULL))
            if (g_hash_table_add (seen, key))
              g_hash_table_insert (df, key,
                                   GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (df, key)) + 1));
        }
    }
  g_hash_table_destroy (seen);

  double log_n = log ((double) n);
  double total = 0;
  for (int i = 0; i < n; i++)
    {
      TfIdf cand;
      tfidf_init (&cand, &items[i].cand, df, log_n);
      double val[MAX_N] = { 0 };
      for (int r = 0; r < items[i].n_refs; r++)
        {
          TfIdf ref;
          tfidf_init (&ref, &items[i].refs[r], df, log_n);
          cider_similarity (&cand, &ref, val);
          tfidf_clear (&ref);
        }
      tfidf_clear (&cand);
      double mean = (val[0] + val[1] + val[2] + val[3]) / MAX_N;
      total += mean / items[i].n_refs * 10.0;
    }
  g_hash_table_destroy (df);
  return total / n;
}

/* ── CIDEr-D as a reward (self-critical training) ───────────────────────────
 * The same arithmetic as score_cider_d, with the document frequencies fixed
 * to those of a reference corpus (the training captions, as Rennie et al.
 * 2017 do) and each image's reference vectors built once, so that one
 * candidate at a time can be scored quickly. */

struct _GazeCiderScorer {
  int n_images;
  gboolean with_end;
  GHashTable *df;   /* key (owned by keys) → GINT count */
  GPtrArray *keys;  /* the n-gram strings df points to */
  double log_n;
  TfIdf **refs;     /* [n_images] arrays of n_refs[i] vectors */
  Sentence **ref_sentences;
  int *n_refs;
};

/* text, with " <end>" appended when the scorer counts the end of a caption. */
static char *
scorer_text (const GazeCiderScorer *s, const char *text, gboolean ended)
{
  return s->with_end && ended ? g_strconcat (text, *text ? " " : "", "<end>", NULL)
                              : g_strdup (text);
}

GazeCiderScorer *
gaze_cider_scorer_new (int n, char **const *references, gboolean with_end)
{
  g_return_val_if_fail (n > 0 && references != NULL, NULL);
  GazeCiderScorer *s = g_new0 (GazeCiderScorer, 1);
  s->n_images = n;
  s->with_end = with_end;
  s->df = g_hash_table_new (g_str_hash, g_str_equal);
  s->keys = g_ptr_array_new_with_free_func (g_free);
  s->log_n = log ((double) n);
  s->refs = g_new0 (TfIdf *, n);
  s->ref_sentences = g_new0 (Sentence *, n);
  s->n_refs = g_new0 (int, n);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (int i = 0; i < n; i++)
    {
      s->n_refs[i] = g_strv_length (references[i]);
      s->ref_sentences[i] = g_new0 (Sentence, s->n_refs[i]);
      g_hash_table_remove_all (seen);
      for (int r = 0; r < s->n_refs[i]; r++)
        {
          g_autofree char *text = scorer_text (s, references[i][r], TRUE);
          sentence_init (&s->ref_sentences[i][r], text);
          GHashTableIter iter;
          gpointer key;
          g_hash_table_iter_init (&iter, s->ref_sentences[i][r].counts);
          while (g_hash_table_iter_next (&iter, &key, NULL))
            if (g_hash_table_add (seen, key))
              {
                gpointer stored, count;
                if (g_hash_table_lookup_extended (s->df, key, &stored, &count))
                  g_hash_table_insert (s->df, stored, GINT_TO_POINTER (GPOINTER_TO_INT (count) + 1));
                else
                  {
                    char *copy = g_strdup (key);
                    g_ptr_array_add (s->keys, copy);
                    g_hash_table_insert (s->df, copy, GINT_TO_POINTER (1));
                  }
              }
        }
    }
  g_hash_table_destroy (seen);
  for (int i = 0; i < n; i++)
    {
      s->refs[i] = g_new0 (TfIdf, s->n_refs[i]);
      for (int r = 0; r < s->n_refs[i]; r++)
        tfidf_init (&s->refs[i][r], &s->ref_sentences[i][r], s->df, s->log_n);
    }
  return s;
}

void
gaze_cider_scorer_free (GazeCiderScorer *s)
{
  if (s == NULL)
    return;
  for (int i = 0; i < s->n_images; i++)
    {
      for (int r = 0; r < s->n_refs[i]; r++)
        {
          tfidf_clear (&s->refs[i][r]);
          sentence_clear (&s->ref_sentences[i][r]);
        }
      g_free (s->refs[i]);
      g_free (s->ref_sentences[i]);
    }
  g_free (s->refs);
  g_free (s->ref_sentences);
  g_free (s->n_refs);
  g_hash_table_destroy (s->df);
  g_ptr_array_unref (s->keys);
  g_free (s);
}

double
gaze_cider_scorer_score (const GazeCiderScorer *s, int image, const char *candidate,
                         gboolean ended)
{
  g_return_val_if_fail (s != NULL && image >= 0 && image < s->n_images, 0.0);
  g_autofree char *text = scorer_text (s, candidate, ended);
  Sentence cand;
  sentence_init (&cand, text);
  TfIdf v;
  tfidf_init (&v, &cand, s->df, s->log_n);
  double val[MAX_N] = { 0 };
  for (int r = 0; r < s->n_refs[image]; r++)
    cider_similarity (&v, &s->refs[image][r], val);
  tfidf_clear (&v);
  sentence_clear (&cand);
  double mean = (val[0] + val[1] + val[2] + val[3]) / MAX_N;
  return s->n_refs[image] > 0 ? mean / s->n_refs[image] * 10.0 : 0.0;
}

/* ── ROUGE-L ─────────────────────────────────────────────────────────────── */

/* Length of the longest common subsequence of two word lists. */
static int
lcs_length (char **a, int n_a, char **b, int n_b)
{
  /* One row of the dynamic programme at a time. */
  int *prev = g_new0 (int, n_b + 1), *row = g_new0 (int, n_b + 1);
  for (int i = 1; i <= n_a; i++)
    {
      for (int j = 1; j <= n_b; j++)
        row[j] = strcmp (a[i - 1], b[j - 1]) == 0 ? prev[j - 1] + 1 : MAX (prev[j], row[j - 1]);
      int *t = prev;
      prev = row;
      row = t;
    }
  int length = prev[n_b];
  g_free (prev);
  g_free (row);
  return length;
}

static double
score_rouge_l (const Item *items, int n)
{
  double total = 0;
  for (int i = 0; i < n; i++)
    {
      const Sentence *c = &items[i].cand;
      double best_p = 0, best_r = 0;
      for (int r = 0; r < items[i].n_refs && c->n_words > 0; r++)
        {
          const Sentence *ref = &items[i].refs[r];
          if (ref->n_words == 0)
            continue;
          int lcs = lcs_length (ref->words, ref->n_words, c->words, c->n_words);
          best_p = MAX (best_p, (double) lcs / c->n_words);
          best_r = MAX (best_r, (double) lcs / ref->n_words);
        }
      if (best_p != 0 && best_r != 0)
        total += (1 + ROUGE_BETA * ROUGE_BETA) * best_p * best_r
                 / (best_r + ROUGE_BETA * ROUGE_BETA * best_p);
    }
  return total / n;
}

/* ── All together ────────────────────────────────────────────────────────── */

void
gaze_metrics_score (int n, const char *const *candidates, char **const *references,
                    GazeScores *scores)
{
  g_return_if_fail (scores != NULL);
  memset (scores, 0, sizeof *scores);
  scores->meteor = -1; /* not computed: see the comment at the top */
  g_return_if_fail (n >= 0);
  if (n == 0)
    return;
  g_return_if_fail (candidates != NULL && references != NULL);
  for (int i = 0; i < n; i++)
    g_return_if_fail (candidates[i] != NULL && references[i] != NULL && references[i][0] != NULL);

  Item *items = g_new0 (Item, n);
  for (int i = 0; i < n; i++)
    {
      sentence_init (&items[i].cand, candidates[i]);
      items[i].n_refs = g_strv_length (references[i]);
      items[i].refs = g_new0 (Sentence, items[i].n_refs);
      for (int r = 0; r < items[i].n_refs; r++)
        sentence_init (&items[i].refs[r], references[i][r]);
    }

  score_bleu (items, n, scores->bleu);
  scores->cider_d = score_cider_d (items, n);
  scores->rouge_l = score_rouge_l (items, n);

  for (int i = 0; i < n; i++)
    {
      sentence_clear (&items[i].cand);
      for (int r = 0; r < items[i].n_refs; r++)
        sentence_clear (&items[i].refs[r]);
      g_free (items[i].refs);
    }
  g_free (items);
}
