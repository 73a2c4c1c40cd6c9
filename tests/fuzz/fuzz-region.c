/* fuzz-region — libFuzzer target for gaze-cli caption's --look and --avoid
 * specs (app/cli-steer.c).  The first byte of the input chooses --avoid (odd)
 * or --look, the second and third the photo's width and height (1 … 4096),
 * the fourth the caption's length (0 … 20); the rest, up to its first NUL,
 * is the spec, given twice as two regions of that kind.  A spec that parses
 * must give masks of 0s and 1s over the grid, or a one-line error.
 * Replays tests/fuzz/corpus-region. */
#include "cli-steer.h"
#include "fuzz-util.h"

enum { GRID = 7 };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 4)
    return 0;
  const gboolean avoid = data[0] & 1;
  const int width = 1 + data[1] * 16, height = 1 + data[2] * 16, n_words = data[3] % 21;
  g_autofree char *spec = g_strndup ((const char *) data + 4, size - 4);
  GError *error = NULL;
  GazeCliRegion *region = gaze_cli_region_parse (spec, avoid, &error);
  if (region == NULL)
    {
      fuzz_check_error (error);
      return 0;
    }
  if (region->word < 1 || region->spec == NULL)
    __builtin_trap ();
  g_autoptr (GPtrArray) regions = g_ptr_array_new_with_free_func (
      (GDestroyNotify) gaze_cli_region_free);
  g_ptr_array_add (regions, region);
  g_ptr_array_add (regions, gaze_cli_region_parse (spec, avoid, NULL));
  int n_masks = 0, first = 0;
  float *masks = gaze_cli_regions_masks (regions, GRID, width, height, n_words, &n_masks, &first,
                                         &error);
  if (masks == NULL)
    {
      fuzz_check_error (error);
      return 0;
    }
  if (n_masks < 1 || first < 1 || first > n_words)
    __builtin_trap ();
  for (int i = 0; i < n_masks * GRID * GRID; i++)
    if (masks[i] != 0.0f && masks[i] != 1.0f)
      __builtin_trap ();
  g_free (masks);
  return 0;
}
