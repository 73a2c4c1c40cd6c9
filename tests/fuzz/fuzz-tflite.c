/* fuzz-tflite — libFuzzer target for the .tflite reader.
 *
 * Built only with meson -Dfuzz=true and clang (see .ci/fuzz).  Every input
 * must give a graph or a one-line error; ASan and UBSan report the rest.
 * Inputs that once crashed it go to tests/fuzz/corpus/, which test-tflite
 * replays in the normal test suite.
 */
#include <stdint.h>
#include <string.h>

#include "gaze.h"
#include "tflite.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  TfliteGraph *graph = tflite_graph_new (data, size, "fuzz.tflite", &error);
  if (graph == NULL)
    {
      /* An error, and a one-line one. */
      if (error == NULL || strchr (error->message, '\n') != NULL)
        __builtin_trap ();
      g_error_free (error);
      return 0;
    }
  if (graph->arena_size == 0 || graph->n_ops < 1)
    __builtin_trap ();
  tflite_graph_free (graph);
  return 0;
}
