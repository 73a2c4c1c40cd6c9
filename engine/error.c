#include "gaze.h"

G_DEFINE_QUARK (gaze-error-quark, gaze_error)
