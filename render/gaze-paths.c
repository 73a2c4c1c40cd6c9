/* gaze-paths.c — the folders Gaze searches, and the encoder resolution. */
#include "config.h"

#include "gaze-paths.h"
#include "gaze.h"

#include <glib/gi18n.h>

static char **
data_dirs (const char *kind, gboolean with_source_tree)
{
  char **dirs = g_new0 (char *, 4);
  dirs[0] = g_build_filename (g_get_user_data_dir (), "gaze", kind, NULL);
  dirs[1] = g_build_filename (GAZE_PKGDATADIR, kind, NULL);
  if (with_source_tree)
    dirs[2] = g_build_filename (GAZE_SOURCE_DIR, "resources", kind, NULL);
  return dirs;
}

char **
gaze_paths_encoder_dirs (void)
{
  return data_dirs ("encoders", FALSE);
}

char *
gaze_paths_shared (const char *relative)
{
  const char *shared = g_getenv ("GAZE_SHARED_DIR");
  if (shared != NULL && *shared != '\0')
    return g_build_filename (shared, relative, NULL);
  return g_build_filename (GAZE_SOURCE_DIR, "..", "shared", relative, NULL);
}

/* $GAZE_ENCODER stands for the default encoder only: a model trained on
 * another one must not be paired with it by accident. */
static const char *
encoder_from_environment (const char *name)
{
  const char *env = g_getenv ("GAZE_ENCODER");
  if (env != NULL && *env != '\0' && g_strcmp0 (name, GAZE_DEFAULT_ENCODER) == 0)
    return env;
  return NULL;
}

char *
gaze_paths_find_encoder (const char *name)
{
  const char *env = encoder_from_environment (name);
  if (env != NULL)
    return g_strdup (env);

  g_auto (GStrv) dirs = gaze_paths_encoder_dirs ();
  g_autofree char *file = g_strconcat (name, ".tflite", NULL);
  for (char **dir = dirs; *dir != NULL; dir++)
    {
      char *path = g_build_filename (*dir, file, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
    }
  /* A development checkout: the read-only shared folder has the encoders. */
  g_autofree char *relative = g_build_filename ("models", file, NULL);
  char *shared = gaze_paths_shared (relative);
  if (g_file_test (shared, G_FILE_TEST_IS_REGULAR))
    return shared;
  g_free (shared);
  return g_build_filename (dirs[0], file, NULL);
}

char *
gaze_paths_resolve_encoder (const char *name, GError **error)
{
  char *path = gaze_paths_find_encoder (name);
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return path;
  if (encoder_from_environment (name) != NULL)
    g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO,
                 _("GAZE_ENCODER is set to %s, which is not a file. Point it at the encoder "
                   "“%s.tflite”, or unset it."),
                 path, name);
  else
    g_set_error (error, GAZE_ERROR, GAZE_ERROR_NOT_INSTALLED,
                 _("The encoder “%s” is not installed. Run “gaze-fetch-encoder” to install it."),
                 name);
  g_free (path);
  return NULL;
}

char **
gaze_paths_model_dirs (void)
{
  return data_dirs ("models", TRUE);
}

char **
gaze_paths_list_models (void)
{
  g_auto (GStrv) dirs = gaze_paths_model_dirs ();
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (char **dir = dirs; *dir != NULL; dir++)
    {
      g_autoptr (GDir) handle = g_dir_open (*dir, 0, NULL);
      if (handle == NULL)
        continue;
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while ((name = g_dir_read_name (handle)) != NULL)
        if (g_str_has_suffix (name, ".gzm"))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
      for (guint i = 0; i < names->len; i++)
        {
          const char *base = names->pdata[i];
          /* A model installed twice is listed once, from the folder searched first. */
          if (g_hash_table_contains (seen, base))
            continue;
          char *path = g_build_filename (*dir, base, NULL);
          g_hash_table_add (seen, g_strdup (base));
          if (g_strcmp0 (base, GAZE_DEFAULT_MODEL) == 0)
            g_ptr_array_insert (found, 0, path);
          else
            g_ptr_array_add (found, path);
        }
    }
  g_ptr_array_add (found, NULL);
  return (char **) g_ptr_array_steal (found, NULL);
}

char *
gaze_paths_default_model (void)
{
  const char *env = g_getenv ("GAZE_MODEL");
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  g_auto (GStrv) models = gaze_paths_list_models ();
  return models[0] != NULL ? g_strdup (models[0]) : NULL;
}
