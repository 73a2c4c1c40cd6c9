/* blas-info.c — which OpenBLAS kernels this process runs, and why. */
#include "gaze.h"

#include <cblas.h>
#include <string.h>

char *
gaze_blas_describe (void)
{
  /* "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH …": the first two words. */
  g_auto (GStrv) config = g_strsplit (openblas_get_config (), " ", 3);
  g_autofree char *version = config[0] && config[1] ? g_strjoin (" ", config[0], config[1], NULL)
                                                    : g_strdup ("OpenBLAS");
  const char *core = openblas_get_corename ();
  const char *set = g_getenv ("OPENBLAS_CORETYPE");
  const char *detected = g_getenv ("GAZE_OPENBLAS_DETECTED");
  g_autofree char *why = NULL;
  if (set != NULL && detected != NULL)
    why = g_strdup_printf ("chosen by Gaze: OpenBLAS detected %s, slower kernels, on this CPU",
                           detected);
  else if (set != NULL)
    why = g_strdup_printf ("OPENBLAS_CORETYPE=%s in the environment", set);
  else
    why = g_strdup ("detected");
  return g_strdup_printf ("%s, %s kernels (%s)", version, core, why);
}
