/* test-util.c — small helpers shared by the tests. */
#include "test-util.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

int
test_util_run (const char *program, const char *const *args, char **out, char **err)
{
  GPtrArray *argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) program);
  for (const char *const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);
  int status = -1;
  g_autoptr (GError) error = NULL;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                &status, &error);
  g_assert_no_error (error);
  g_ptr_array_unref (argv);
  return g_spawn_check_wait_status (status, NULL) ? 0 : WEXITSTATUS (status);
}

void
test_util_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        test_util_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
test_util_assert_contains (const char *text, const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("expected '%s' in:\n%s", part, text);
}

void
test_util_assert_one_line (const char *message, const char *prefix, const char *part)
{
  if (!g_str_has_prefix (message, prefix))
    g_error ("expected '%s' to start with '%s'", message, prefix);
  g_assert_null (strchr (message, '\n'));
  if (part != NULL)
    test_util_assert_contains (message, part);
}
