/* gaze-paths.h — where the encoder and the decoder models are found. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GAZE_DEFAULT_ENCODER "mobilenet_v2_1.0_224_quant"
#define GAZE_DEFAULT_MODEL "gaze-mobilenet_v2-soft.gzm"

/* The folders searched for encoders, best first: $XDG_DATA_HOME/gaze/encoders,
 * then the installed pkgdatadir/encoders. */
char **gaze_paths_encoder_dirs (void);
/* $GAZE_ENCODER if set, else the first <name>.tflite in the encoder folders,
 * else the path where gaze-fetch-encoder puts it (which may not exist yet). */
char *gaze_paths_find_encoder (const char *name);
/* The folders searched for models: $XDG_DATA_HOME/gaze/models, the installed
 * pkgdatadir/models, and the source tree's resources/models. */
char **gaze_paths_model_dirs (void);
/* Every *.gzm file in the model folders, default model first, without duplicates. */
char **gaze_paths_list_models (void);
/* $GAZE_MODEL if set, else the first of gaze_paths_list_models(), else NULL. */
char *gaze_paths_default_model (void);

G_END_DECLS
