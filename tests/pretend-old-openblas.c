/* pretend-old-openblas — an LD_PRELOAD shim for test-blas-kernels.sh: while
 * OPENBLAS_CORETYPE is unset, openblas_get_corename() says "Prescott", as
 * Debian's OpenBLAS 0.3.21 does on a CPU it does not know, so that the
 * restart with faster kernels (app/gaze-blas.c) is tested on any machine. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

char *openblas_get_corename (void);

char *
openblas_get_corename (void)
{
  if (getenv ("OPENBLAS_CORETYPE") == NULL)
    return (char *) "Prescott";
  char *(*real) (void) = (char *(*) (void)) dlsym (RTLD_NEXT, "openblas_get_corename");
  return real ();
}
