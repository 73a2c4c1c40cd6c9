/* gaze-model-info.c — an installed model and its human name. */
#include "config.h"

#include "gaze-model-info.h"

#include <glib/gi18n.h>

struct _GazeModelInfo {
  GObject parent_instance;

  char *path;
  char *file_name;   /* without .gzm */
  char *description; /* from the metadata */
  char *name;
};

G_DEFINE_FINAL_TYPE (GazeModelInfo, gaze_model_info, G_TYPE_OBJECT)

enum { PROP_0, PROP_PATH, PROP_NAME, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* The encoders' names as their papers write them. */
static const struct {
  const char *prefix;
  const char *name;
} encoder_names[] = {
  { "mobilenet_v2", "MobileNetV2" },
  { "efficientnet_lite0", "EfficientNet-Lite0" },
};

static void
gaze_model_info_finalize (GObject *object)
{
  GazeModelInfo *self = GAZE_MODEL_INFO (object);
  g_free (self->path);
  g_free (self->file_name);
  g_free (self->description);
  g_free (self->name);
  G_OBJECT_CLASS (gaze_model_info_parent_class)->finalize (object);
}

static void
gaze_model_info_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GazeModelInfo *self = GAZE_MODEL_INFO (object);
  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gaze_model_info_class_init (GazeModelInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = gaze_model_info_finalize;
  object_class->get_property = gaze_model_info_get_property;
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gaze_model_info_init (GazeModelInfo *self)
{
}

GazeModelInfo *
gaze_model_info_new (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);
  GazeModelInfo *self = g_object_new (GAZE_TYPE_MODEL_INFO, NULL);
  self->path = g_strdup (path);
  self->file_name = g_path_get_basename (path);
  if (g_str_has_suffix (self->file_name, ".gzm"))
    self->file_name[strlen (self->file_name) - 4] = '\0';
  self->name = g_strdup (self->file_name);
  return self;
}

const char *
gaze_model_info_get_path (GazeModelInfo *self)
{
  g_return_val_if_fail (GAZE_IS_MODEL_INFO (self), NULL);
  return self->path;
}

const char *
gaze_model_info_get_name (GazeModelInfo *self)
{
  g_return_val_if_fail (GAZE_IS_MODEL_INFO (self), NULL);
  return self->name;
}

const char *
gaze_model_info_get_description (GazeModelInfo *self)
{
  g_return_val_if_fail (GAZE_IS_MODEL_INFO (self), NULL);
  return self->description;
}

void
gaze_model_info_set_metadata (GazeModelInfo *self, const char *encoder_name,
                              const char *attention, gboolean with_file)
{
  g_return_if_fail (GAZE_IS_MODEL_INFO (self));
  const char *encoder = encoder_name != NULL ? encoder_name : "?";
  for (gsize i = 0; i < G_N_ELEMENTS (encoder_names); i++)
    if (encoder_name != NULL && g_str_has_prefix (encoder_name, encoder_names[i].prefix))
      encoder = encoder_names[i].name;
  g_free (self->description);
  /* Translators: a caption model's name: its encoder, then its kind of attention. */
  self->description = g_strdup_printf (_("%s · %s"), encoder,
                                       g_strcmp0 (attention, "hard") == 0 ? _("hard attention")
                                                                          : _("soft attention"));
  g_free (self->name);
  self->name = with_file ? g_strdup_printf ("%s (%s)", self->description, self->file_name)
                         : g_strdup (self->description);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}
