/* gaze-paths.h — where the encoder and the decoder models are found.
 *
 * GLib only (and the engine's error domain), so that the window, gaze-cli,
 * the tests and the benchmarks all resolve files the same way. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GAZE_DEFAULT_ENCODER "mobilenet_v2_1.0_224_quant"
#define GAZE_DEFAULT_MODEL "gaze-mobilenet_v2-soft.gzm"

/* relative inside the read-only shared folder: $GAZE_SHARED_DIR, else
 * ../shared beside the source tree. */
char *gaze_paths_shared (const char *relative);
/* The folders searched for encoders, best first: $XDG_DATA_HOME/gaze/encoders,
 * then the installed pkgdatadir/encoders. */
char **gaze_paths_encoder_dirs (void);
/* The encoder file called name, as every program finds it:
 *   1. $GAZE_ENCODER, if set and name is the default encoder;
 *   2. the first <name>.tflite in the encoder folders;
 *   3. the shared folder's models/<name>.tflite (a development checkout);
 *   4. else the path where gaze-fetch-encoder puts it (which does not exist). */
char *gaze_paths_find_encoder (const char *name);
/* The same, but a file that is not there is an error: GAZE_ERROR_IO naming
 * the variable and the path when $GAZE_ENCODER points nowhere, else
 * GAZE_ERROR_NOT_INSTALLED saying to run gaze-fetch-encoder. */
char *gaze_paths_resolve_encoder (const char *name, GError **error);
/* The folders searched for models: $XDG_DATA_HOME/gaze/models, the installed
 * pkgdatadir/models, and the source tree's resources/models. */
char **gaze_paths_model_dirs (void);
/* Every *.gzm file in the model folders, default model first, without duplicates. */
char **gaze_paths_list_models (void);
/* $GAZE_MODEL if set, else the first of gaze_paths_list_models(), else NULL. */
char *gaze_paths_default_model (void);

G_END_DECLS
