/* bench-train — training throughput of one decoder step (forward, backward,
 * clipping, Adam) on synthetic mini-batches shaped like Flickr8k's: 64
 * captions, lengths drawn from 6..25 steps (mean ≈ 12), 2 captions per image
 * on average, vocabulary 2540, default sizes.  Prints tokens/s, median of
 * the timed batches.  Usage: bench-train [BATCHES [VOCAB]]  (OPENBLAS_NUM_THREADS,
 * OMP_NUM_THREADS select the threads). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>

#include "adam.h"
#include "bench-util.h"
#include "decoder.h"
#include "gaze-train.h"

static int
compare_desc (const void *a, const void *b)
{
  return *(const int *) b - *(const int *) a;
}

int
main (int argc, char **argv)
{
  int n_batches = argc > 1 ? atoi (argv[1]) : 20;
  int vocab = argc > 2 ? atoi (argv[2]) : 2540;
  GazeDecoderSizes sizes = { .vocab = vocab, .channels = 1280, .squeeze = 256, .embed = 256,
                             .hidden = 512, .attn = 256, .cells = 49 };
  GazeRng rng;
  _gaze_rng_seed (&rng, 1);
  GazeDecoder *dec = _gaze_decoder_new (&sizes);
  _gaze_decoder_init_params (dec, &rng);
  enum { B = 64, U = 32, STRIDE = 27 };
  float *features = g_new (float, (gsize) U * 49 * 1280);
  for (gsize i = 0; i < (gsize) U * 49 * 1280; i++)
    features[i] = _gaze_rng_uniform (&rng) < 0.7f ? 0.0f : 3.0f * _gaze_rng_uniform (&rng);
  int tokens[B * STRIDE], lengths[B], img[B];
  /* OPENBLAS_NUM_THREADS threads, in the decoder's pool; OpenBLAS itself
   * runs single-threaded slices, as in gaze_train. */
  int threads = openblas_get_num_threads ();
  openblas_set_num_threads (1);
  GazeDecoderWork *work = _gaze_decoder_work_new (threads);
  GazeAdam *adam = _gaze_adam_new (dec->n_params);
  float *grads = g_new (float, dec->n_params);
  GazeDecoderOptions opt = { .attention = GAZE_ATTENTION_SOFT, .dropout = 0.5f, .lambda = 1.0f,
                             .rng = &rng };
  double *rates = g_new (double, n_batches), *cpu_rates = g_new (double, n_batches);
  for (int b = -2; b < n_batches; b++)
    {
      /* Flickr8k-like lengths: 6 + a sum of uniforms, 6..25, mean ≈ 12. */
      for (int r = 0; r < B; r++)
        lengths[r] = 6 + (int) (_gaze_rng_below (&rng, 7) + _gaze_rng_below (&rng, 7)
                                + _gaze_rng_below (&rng, 7)) * 19 / 18;
      qsort (lengths, B, sizeof (int), compare_desc);
      int n_tok = 0;
      for (int r = 0; r < B; r++)
        {
          img[r] = (int) _gaze_rng_below (&rng, U);
          for (int t = 0; t < STRIDE; t++)
            tokens[r * STRIDE + t] = 4 + (int) _gaze_rng_below (&rng, vocab - 4);
          tokens[r * STRIDE] = GAZE_TOKEN_START;
          n_tok += lengths[r];
        }
      GazeDecoderBatch batch = { .n = B, .n_images = U, .features = features, .img = img,
                                 .lengths = lengths, .tokens = tokens, .stride = STRIDE };
      gint64 t0 = g_get_monotonic_time ();
      struct timespec c0, c1;
      clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &c0);
      _gaze_decoder_forward (dec, work, &batch, &opt);
      memset (grads, 0, sizeof (float) * dec->n_params);
      _gaze_decoder_backward (dec, work, &opt, grads);
      _gaze_clip_grad_norm (grads, dec->n_params, 5.0f);
      _gaze_adam_update (adam, dec->params, grads, 1e-3f);
      double s = (g_get_monotonic_time () - t0) * 1e-6;
      clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &c1);
      double cpu = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9;
      if (b >= 0)
        rates[b] = n_tok / s, cpu_rates[b] = n_tok / cpu;
    }
  bench_sort_doubles (rates, n_batches);
  bench_sort_doubles (cpu_rates, n_batches);
  /* Tokens per CPU-second: with one thread, the speed on an idle machine
   * even when other work shares it. */
  printf ("gaze train step, %d thread%s: median %.0f tokens/s (%.0f tokens per CPU-second) "
          "over %d batches of %d captions\n", threads, threads > 1 ? "s" : "",
          rates[n_batches / 2], cpu_rates[n_batches / 2], n_batches, B);
  return 0;
}
