/* model-file.h — internal: IEEE half-float conversion, shared by the model
 * file format and its tests, and reading a model file from memory. */
#pragma once

#include "gaze-train.h"

/* float → binary16, rounding to nearest, ties to even; overflow gives ±inf,
 * NaN stays NaN.  Portable C: no F16C. */
guint16 _gaze_half_from_float (float value);
/* binary16 → float, exact. */
float _gaze_half_to_float (guint16 half);

/* gaze_model_file_read on bytes already in memory; path names them in errors
 * (the fuzz target's entry point). */
GazeModelFile *_gaze_model_file_read_data (const guint8 *data, gsize len, const char *path,
                                          GError **error);
