/* gaze — the window.  `gaze PHOTO...` opens photos in the running instance. */
#include "config.h"

#include <locale.h>
#include <malloc.h>
#include <glib/gi18n.h>

#include "gaze-application.h"
#include "gaze-blas.h"

/* The installed translations, or those built in po/ when this program is the
 * one in the build tree (so `LANGUAGE=ko build/app/gaze` is Korean). */
static char *
locale_dir (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *root = g_strconcat (GAZE_BUILD_ROOT, G_DIR_SEPARATOR_S, NULL);
  if (self != NULL && g_str_has_prefix (self, root))
    return g_build_filename (GAZE_BUILD_ROOT, "po", NULL);
  return g_strdup (LOCALEDIR);
}

int
main (int argc, char **argv)
{
  gaze_blas_ensure_fast_kernels (argv); /* before anything: it may restart the program */
  /* A fixed threshold: large blocks (models, encoders, photos) go back to the
   * system when freed.  glibc's default raises the threshold after the first
   * such free, and switching models then leaves the memory fragmented and
   * the window 70 MB larger after 200 photos (tests/ui/test-soak.c). */
  mallopt (M_MMAP_THRESHOLD, GAZE_MMAP_THRESHOLD);
  setlocale (LC_ALL, "");
  g_autofree char *locales = locale_dir ();
  bindtextdomain (GETTEXT_PACKAGE, locales);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gaze_application_choose_renderer ();
  g_autoptr (GazeApplication) app = gaze_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
