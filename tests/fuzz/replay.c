/* replay — runs the fuzz target on every file of tests/fuzz/corpus (or of the
 * folders given), without libFuzzer: the corpus replay of the test suite.
 * Inputs that once crashed the reader are kept there and must stay harmless. */
#include <stdint.h>
#include <stdio.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
replay_dir (const char *dir)
{
  GError *error = NULL;
  g_autoptr (GDir) handle = g_dir_open (dir, 0, &error);
  if (handle == NULL)
    g_error ("%s", error->message);
  const char *name;
  int n = 0;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      gsize size;
      if (!g_file_get_contents (path, &data, &size, &error))
        g_error ("%s", error->message);
      /* Tiny hand-made or cut inputs only, never a real model. */
      if (size >= 4096)
        g_error ("%s: %" G_GSIZE_FORMAT " bytes; corpus inputs stay under 4 KiB", path, size);
      printf ("%s\n", name);
      fflush (stdout);
      LLVMFuzzerTestOneInput ((const uint8_t *) data, size);
      n++;
    }
  return n;
}

int
main (int argc, char **argv)
{
  int n = 0;
  if (argc > 1)
    for (int i = 1; i < argc; i++)
      n += replay_dir (argv[i]);
  else
    {
      g_autofree char *dir = g_build_filename (g_getenv ("GAZE_SOURCE_DIR"), "tests", "fuzz",
                                               "corpus", NULL);
      n = replay_dir (dir);
    }
  printf ("replayed %d inputs\n", n);
  return n > 0 ? 0 : 1;
}
