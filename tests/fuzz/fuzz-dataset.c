/* fuzz-dataset — libFuzzer target for the JSON caption readers
 * (dataset-json.c): Karpathy split files and COCO caption annotations, told
 * apart by their content.  The input is the file; the first byte chooses the
 * split asked for (train, val, test or all).  Replays tests/fuzz/corpus-dataset. */
#include "dataset.h"
#include "fuzz-util.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const splits[] = { "train", "val", "test", NULL };
  if (size == 0)
    return 0;
  const char *split = splits[data[0] & 3];
  GError *error = NULL;
  GazeDatasetFormat format;
  GazeDataset *ds = _gaze_dataset_load_json_data (fuzz_images_dir (), (const char *) data + 1,
                                                 size - 1, "fuzz.json", split, &format, &error);
  fuzz_check_dataset (ds, error);
  return 0;
}
