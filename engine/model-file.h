/* model-file.h — internal: IEEE half-float conversion, shared by the model
 * file format and its tests. */
#pragma once

#include <glib.h>

/* float → binary16, rounding to nearest, ties to even; overflow gives ±inf,
 * NaN stays NaN.  Portable C: no F16C. */
guint16 gaze_half_from_float (float value);
/* binary16 → float, exact. */
float gaze_half_to_float (guint16 half);
