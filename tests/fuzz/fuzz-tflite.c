/* fuzz-tflite — libFuzzer target for the .tflite reader and the graph it
 * builds.
 *
 * Every input must give an encoder or a one-line error; an encoder small
 * enough is also run, so that a graph the reader accepted is checked to stay
 * inside its tensors.  ASan and UBSan report the rest.  Built with clang
 * -fsanitize=fuzzer when meson has -Dfuzz=true (.ci/fuzz); built with
 * replay.c instead of libFuzzer, it is the test that replays
 * tests/fuzz/corpus in the normal suite.
 */
#include <stdint.h>
#include <string.h>

#include "encoder.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  GazeEncoder *encoder = _gaze_encoder_new_from_data (data, size, "fuzz.tflite", &error);
  if (encoder == NULL)
    {
      if (error == NULL || strchr (error->message, '\n') != NULL)
        __builtin_trap ();
      g_error_free (error);
      return 0;
    }
  if (_gaze_encoder_get_macs (encoder) < 1e6)
    {
      int size_in = gaze_encoder_get_input_size (encoder);
      int grid = gaze_encoder_get_grid_size (encoder);
      gsize n_grid = (gsize) grid * grid * gaze_encoder_get_channels (encoder);
      guint8 *rgb = g_malloc0 ((gsize) size_in * size_in * 3);
      float *cells = g_new (float, n_grid);
      float *probs = g_new (float, gaze_encoder_get_n_classes (encoder));
      if (!gaze_encoder_forward (encoder, rgb, cells, probs, NULL))
        __builtin_trap ();
      g_free (rgb);
      g_free (cells);
      g_free (probs);
    }
  gaze_encoder_free (encoder);
  return 0;
}
