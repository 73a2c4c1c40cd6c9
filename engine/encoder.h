/* encoder.h — the encoder's internals that tests and the fuzz target use. */
#pragma once

#include "gaze.h"

/* gaze_encoder_load from bytes in memory; path names the model in errors. */
GazeEncoder *_gaze_encoder_new_from_data (const guint8 *data, gsize size, const char *path,
                                         GError **error);
/* Multiply-adds of one forward pass, as the reader counted them. */
double _gaze_encoder_get_macs (const GazeEncoder *encoder);
/* The encoder as ops.c defines each op (im2col and cblas_sgemm, one
 * thread): the slow reference that the fast kernels are tested against. */
GazeEncoder *_gaze_encoder_load_reference (const char *path, GError **error);
