/* fuzz-flickr8k — libFuzzer target for the Flickr8k token and split readers
 * (dataset.c).  The input is the token file, then, after the first NUL byte
 * (if any), the split file; the images folder holds three photos (empty
 * files: the reader only checks that they exist).  A dataset that loads must
 * be consistent, and its vocabulary buildable.  Replays tests/fuzz/corpus-flickr8k. */
#include "fuzz-util.h"
#include "gaze-train.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nul = memchr (data, '\0', size);
  size_t token_len = nul ? (size_t) (nul - data) : size;
  const char *tokens = fuzz_write_file ("tokens.txt", data, token_len);
  const char *split = nul ? fuzz_write_file ("split.txt", nul + 1, size - token_len - 1) : NULL;
  GError *error = NULL;
  GazeDataset *ds = gaze_dataset_load (fuzz_images_dir (), tokens, split, &error);
  fuzz_check_dataset (ds, error);
  return 0;
}
