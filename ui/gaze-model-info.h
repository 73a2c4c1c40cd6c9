/* gaze-model-info.h — one installed caption model, as the model chooser
 * lists it: its file and a name a person can read ("MobileNetV2 · soft
 * attention"), made from the model's metadata once that has been read. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GAZE_TYPE_MODEL_INFO (gaze_model_info_get_type ())
G_DECLARE_FINAL_TYPE (GazeModelInfo, gaze_model_info, GAZE, MODEL_INFO, GObject)

/* Named after its file until gaze_model_info_set_metadata. */
GazeModelInfo *gaze_model_info_new (const char *path);
const char *gaze_model_info_get_path (GazeModelInfo *info);
/* The property "name": what the chooser shows. */
const char *gaze_model_info_get_name (GazeModelInfo *info);
/* What the model's file says: its encoder (file name without .tflite) and its
 * attention ("soft" or "hard"); with_file adds the file name, which tells
 * apart two models with the same metadata. */
void gaze_model_info_set_metadata (GazeModelInfo *info, const char *encoder_name,
                                   const char *attention, gboolean with_file);
/* The metadata's part of the name, or NULL while it is not known. */
const char *gaze_model_info_get_description (GazeModelInfo *info);

G_END_DECLS
