/* gaze-settings.c — finding Gaze's settings schema. */
#include "config.h"

#include "gaze-settings.h"

GSettings *
gaze_settings_new (void)
{
  GSettingsSchemaSource *installed = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema
      = installed != NULL ? g_settings_schema_source_lookup (installed, APP_ID, TRUE) : NULL;
  if (schema == NULL)
    {
      g_autoptr (GSettingsSchemaSource) built = g_settings_schema_source_new_from_directory (
          GAZE_BUILD_SCHEMA_DIR, installed, FALSE, NULL);
      if (built != NULL)
        schema = g_settings_schema_source_lookup (built, APP_ID, FALSE);
    }
  if (schema == NULL)
    g_error ("the settings schema %s is not installed (meson install puts it in "
             "share/glib-2.0/schemas)", APP_ID);
  return g_settings_new_full (schema, NULL, NULL);
}
