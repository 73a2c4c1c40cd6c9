/* test-photos.h — the 12 photos of $GAZE_SHARED_DIR/data/photos and the
 * shipped models, for the engine tests that need real pictures. */
#pragma once

#include "gaze.h"

G_BEGIN_DECLS

typedef struct {
  int n_photos;
  char **names;       /* file names, sorted */
  GazeImage **images; /* the photos themselves */
  float *grids;       /* [n_photos, cells, channels] */
  int n_cells;
  gsize grid_floats;  /* cells × channels */
  GazeEncoder *encoder;
} TestPhotos;

/* Loads and encodes the photos with the encoder $GAZE_SHARED_DIR/models/
 * ENCODER_NAME.tflite, MobileNetV2 when NULL (fails the test if they are
 * missing). */
void test_photos_load (TestPhotos *photos, const char *encoder_name);
void test_photos_clear (TestPhotos *photos);
/* resources/models/NAME, loaded and checked against the encoder; NULL and the
 * case skipped, saying so, when the file is not there. */
GazeModel *test_photos_model_or_skip (const TestPhotos *photos, const char *name);

G_END_DECLS
