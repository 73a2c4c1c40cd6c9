/* test-metrics — BLEU, CIDEr-D and ROUGE-L on cases worked out by hand,
 * following pycocoevalcap's arithmetic (see engine/metrics.c). */
#include <math.h>

#include "gaze-train.h"

#define EPS 1e-6

static GazeScores
score (int n, const char *const *cands, char **const *refs)
{
  GazeScores s;
  gaze_metrics_score (n, cands, refs, &s);
  return s;
}

static void
test_identical (void)
{
  /* A candidate equal to its only reference: every clipped count is right,
   * BLEU-n = ((g + 1e−15)/(g + 1e−9))^… ≈ 1, and ROUGE-L's P = R = 1 gives 1. */
  const char *cands[] = { "a dog runs on the grass", "two children play in the snow" };
  char *r0[] = { "a dog runs on the grass", NULL };
  char *r1[] = { "two children play in the snow", NULL };
  char **refs[] = { r0, r1 };
  GazeScores s = score (2, cands, refs);
  for (int k = 0; k < 4; k++)
    g_assert_cmpfloat_with_epsilon (s.bleu[k], 1.0, EPS);
  g_assert_cmpfloat_with_epsilon (s.rouge_l, 1.0, EPS);
  /* CIDEr-D: N = 2 images, each n-gram in one image's references: df = 1 and
   * every weight log 2 − log 1 = log 2; cand = ref, so each order's cosine is
   * 1 and δ = 0: 10 × mean(1,1,1,1) / 1 reference = 10 for each image. */
  g_assert_cmpfloat_with_epsilon (s.cider_d, 10.0, EPS);
  g_assert_cmpfloat (s.meteor, <, 0); /* not computed, see metrics.c */
}

static void
test_bleu_brevity_and_smoothing (void)
{
  /* cand "a dog runs" (c = 3); refs "a dog is running", "the dog runs fast".
   *   1-grams: a (ref 1), dog, runs (ref 2): correct 3 of guess 3
   *   2-grams: "a dog" (ref 1), "dog runs" (ref 2): 2 of 2
   *   3-grams: "a dog runs": 0 of 1;  4-grams: 0 of 0
   *   r = 4 (both refs), ratio 3/4 < 1: BP = exp(1 − 4/3) = 0.7165313106
   *   BLEU-1 = 1 · BP = 0.7165313106;  BLEU-2 = (1·1)^½ · BP = 0.7165313106
   *   BLEU-3 = (1 · 1 · 1e−15/(1 + 1e−9))^⅓ · BP = 7.1653131e−6
   *   BLEU-4 = (1e−15/(1 + 1e−9) · 1e−15/1e−9)^¼ · BP = 4.0293517e−6 */
  const char *cands[] = { "a dog runs" };
  char *r0[] = { "a dog is running", "the dog runs fast", NULL };
  char **refs[] = { r0 };
  GazeScores s = score (1, cands, refs);
  g_assert_cmpfloat_with_epsilon (s.bleu[0], 0.7165313106, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.bleu[1], 0.7165313106, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.bleu[2] / 7.1653131e-6, 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (s.bleu[3] / 4.0293517e-6, 1.0, 1e-6);
}

static void
test_bleu_corpus_clipping (void)
{
  /* Sentence A: "the the the", ref "the cat": "the" counts 3 but is clipped to
   * the reference's 1: 1-grams 1/3, 2-grams 0/2, 3-grams 0/1, 4-grams 0/0.
   * Sentence B equals its first reference (6 words): 6/6, 5/5, 4/4, 3/3.
   * Corpus sums: 7/9, 5/7, 4/5, 3/3; c = 9, r = 2 + 6 (B's closest is 6, not
   * 8) = 8, no brevity penalty.
   *   BLEU-1 = 7/9 = 0.7777777778
   *   BLEU-2 = (7/9 · 5/7)^½ = (5/9)^½ = 0.7453559925
   *   BLEU-3 = (5/9 · 4/5)^⅓ = (4/9)^⅓ = 0.7631428284
   *   BLEU-4 = (4/9 · 3/3)^¼ = 0.8164965809
   * (Averaging per-sentence BLEU instead would give other numbers.) */
  const char *cands[] = { "the the the", "a cat sat on the mat" };
  char *ra[] = { "the cat", NULL };
  char *rb[] = { "a cat sat on the mat", "a cat is on a mat here ok", NULL };
  char **refs[] = { ra, rb };
  GazeScores s = score (2, cands, refs);
  g_assert_cmpfloat_with_epsilon (s.bleu[0], 0.7777777778, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.bleu[1], 0.7453559925, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.bleu[2], 0.7631428284, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.bleu[3], 0.8164965809, 1e-9);
}

static void
test_bleu_closest_tie (void)
{
  /* c = 5 with references of 4 and 6 words: both 1 away, the shorter (4)
   * is taken, so c > r and there is no penalty: BLEU-1 = 5/5 = 1.  Taking 6
   * would give exp(1 − 6/5) = 0.8187. */
  const char *cands[] = { "a b c d e" };
  char *r0[] = { "a b c d", "a b c d e f", NULL };
  char **refs[] = { r0 };
  GazeScores s = score (1, cands, refs);
  g_assert_cmpfloat_with_epsilon (s.bleu[0], 1.0, EPS);
  /* 2-grams: ab bc cd de all in the second reference: 4/4. */
  g_assert_cmpfloat_with_epsilon (s.bleu[1], 1.0, EPS);
}

static void
test_rouge_l (void)
{
  /* cand "a dog runs on grass" (5 words).
   *   ref 1 "a dog is running on the grass" (7): LCS "a dog on grass" = 4,
   *         P = 4/5 = 0.8, R = 4/7
   *   ref 2 "dog runs" (2): LCS 2, P = 2/5, R = 2/2 = 1
   *   max P = 0.8 (ref 1), max R = 1 (ref 2):
   *   F = (1 + 1.44) · 0.8 · 1 / (1 + 1.44 · 0.8) = 1.952 / 2.152 = 0.9070631970
   * Second image: an empty candidate scores 0.  Mean: 0.4535315985. */
  const char *cands[] = { "a dog runs on grass", "" };
  char *r0[] = { "a dog is running on the grass", "dog runs", NULL };
  char *r1[] = { "a cat", NULL };
  char **refs[] = { r0, r1 };
  GazeScores s = score (1, cands, refs);
  g_assert_cmpfloat_with_epsilon (s.rouge_l, 0.9070631970, 1e-9);
  s = score (2, cands, refs);
  g_assert_cmpfloat_with_epsilon (s.rouge_l, 0.9070631970 / 2, 1e-9);
  /* The empty candidate: no n-grams, zero BLEU counts, no crash. */
  g_assert_true (isfinite (s.bleu[3]) && isfinite (s.cider_d));
}

static void
test_cider_d_small (void)
{
  /* Two images; every n-gram of the references occurs in one image only, so
   * df = 1 and, with N = 2, every weight is w = log 2 − log 1 (an n-gram in no
   * reference also gets log 2 − log max(1, 0) = w).
   *   Image 1: cand "a dog"; refs "a dog", "a cat".
   *     vs "a dog": unigrams cos = 2w²/(√2w·√2w) = 1, bigram cos = 1
   *     vs "a cat": unigrams: only "a" shared: w²/(√2w·√2w) = 0.5; bigram 0
   *     both have 1 bigram: δ = 0, no penalty
   *     sum over refs per n: (1.5, 1, 0, 0); mean 0.625; / 2 refs × 10 = 3.125
   *   Image 2: cand "a bird"; ref "the bird": unigram cos 0.5, others 0:
   *     mean 0.125 × 10 = 1.25
   *   CIDEr-D = (3.125 + 1.25) / 2 = 2.1875 */
  const char *cands[] = { "a dog", "a bird" };
  char *r0[] = { "a dog", "a cat", NULL };
  char *r1[] = { "the bird", NULL };
  char **refs[] = { r0, r1 };
  GazeScores s = score (2, cands, refs);
  g_assert_cmpfloat_with_epsilon (s.cider_d, 2.1875, 1e-9);
}

static void
test_cider_d_clipping_idf_penalty (void)
{
  /* Three images, N = 3, L = log 3 = 1.0986122887:
   *   1: cand "dog dog",           ref "a dog runs"
   *   2: cand "a cat",             ref "a cat"
   *   3: cand "a bird flies high", ref "the bird"
   * "a" is in the references of images 1 and 2: df 2, weight
   * A = log 3 − log 2 = 0.4054651081; every other n-gram weighs L.
   *   1: cand unigram "dog" tf 2 → 2L, norm 2L; ref: a A, dog L, runs L,
   *      norm √(A² + 2L²) = 1.6057086.  Clipped: min(2L, L)·L = L² (without
   *      clipping 2L²).  cos₁ = L² / (2L · 1.6057086) = 0.3420946; the bigram
   *      "dog dog" is not in the ref; no 3-grams.  Lengths (bigrams) 1 and 2:
   *      δ = −1, penalty e^(−1/72).  Score = 10 · 0.3420946 · e^(−1/72) / 4
   *      = 0.8434433
   *   2: identical: cos₁ = cos₂ = 1, no 3- or 4-grams: 10 · 2/4 = 5
   *   3: cand unigrams a (A), bird, flies, high (L): norm √(A² + 3L²); only
   *      "bird" shared: cos₁ = L² / (√(A² + 3L²) · √2 L) = 0.3992827; lengths
   *      3 and 1: δ = 2, penalty e^(−4/72).  Score = 10 · cos₁ · e^(−4/72) / 4
   *      = 0.9442669
   *   CIDEr-D = (0.8434433 + 5 + 0.9442669) / 3 = 2.2625701 */
  const char *cands[] = { "dog dog", "a cat", "a bird flies high" };
  char *r0[] = { "a dog runs", NULL };
  char *r1[] = { "a cat", NULL };
  char *r2[] = { "the bird", NULL };
  char **refs[] = { r0, r1, r2 };
  GazeScores s = score (3, cands, refs);
  g_assert_cmpfloat_with_epsilon (s.cider_d, 2.2625700672, 1e-8);
}

/* The reward scorer gives each caption the score the corpus metric averages:
 * the same three images as above, one caption at a time.  Counting the end
 * as a word rewards a caption that ends, and rates one cut short lower. */
static void
test_cider_d_scorer (void)
{
  const double expected[] = { 0.8434433, 5.0, 0.9442669 };
  const char *cands[] = { "dog dog", "a cat", "a bird flies high" };
  char *r0[] = { "a dog runs", NULL };
  char *r1[] = { "a cat", NULL };
  char *r2[] = { "the bird", NULL };
  char **refs[] = { r0, r1, r2 };
  GazeCiderScorer *scorer = gaze_cider_scorer_new (3, refs, FALSE);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (gaze_cider_scorer_score (scorer, i, cands[i], TRUE),
                                    expected[i], 1e-6);
  gaze_cider_scorer_free (scorer);
  scorer = gaze_cider_scorer_new (3, refs, TRUE);
  /* "a cat <end>" matches its reference exactly: orders 1-3 have cosine 1 and
   * there is no 4-gram, so 10 · 3/4. */
  g_assert_cmpfloat_with_epsilon (gaze_cider_scorer_score (scorer, 1, "a cat", TRUE), 7.5, 1e-9);
  g_assert_cmpfloat (gaze_cider_scorer_score (scorer, 1, "a cat", FALSE), <,
                     gaze_cider_scorer_score (scorer, 1, "a cat", TRUE) - 1.0);
  gaze_cider_scorer_free (scorer);
}

static void
test_empty_corpus (void)
{
  GazeScores s = score (0, NULL, NULL);
  g_assert_cmpfloat (s.bleu[0], ==, 0);
  g_assert_cmpfloat (s.cider_d, ==, 0);
  g_assert_cmpfloat (s.meteor, <, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/identical", test_identical);
  g_test_add_func ("/metrics/bleu/brevity-smoothing", test_bleu_brevity_and_smoothing);
  g_test_add_func ("/metrics/bleu/corpus-clipping", test_bleu_corpus_clipping);
  g_test_add_func ("/metrics/bleu/closest-tie", test_bleu_closest_tie);
  g_test_add_func ("/metrics/rouge-l", test_rouge_l);
  g_test_add_func ("/metrics/cider-d/small", test_cider_d_small);
  g_test_add_func ("/metrics/cider-d/clipping-idf-penalty", test_cider_d_clipping_idf_penalty);
  g_test_add_func ("/metrics/cider-d/scorer", test_cider_d_scorer);
  g_test_add_func ("/metrics/empty", test_empty_corpus);
  return g_test_run ();
}
