/* kill-on-write — an LD_PRELOAD shim for test-failed-writes.sh: the process
 * kills itself with SIGKILL in the middle of writing a file, as a power cut
 * or the OOM killer would.
 *   GAZE_KILL_ON_WRITE=SUBSTRING   files whose path contains it are watched
 *   GAZE_KILL_SKIP=N               let the first N such files be written whole (0)
 *   GAZE_KILL_AFTER=BYTES          bytes of the next one written before the kill (4096)
 * Only write(2) is watched, which is how GLib's g_file_set_contents writes. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t (*real_write) (int, const void *, size_t);
static char last_path[4096];
static int n_files;
static long long written;

ssize_t
write (int fd, const void *buf, size_t count)
{
  if (real_write == NULL)
    real_write = (ssize_t (*) (int, const void *, size_t)) dlsym (RTLD_NEXT, "write");
  const char *watch = getenv ("GAZE_KILL_ON_WRITE");
  if (watch != NULL && fd > 2)
    {
      char link[64], path[4096];
      snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
      ssize_t n = readlink (link, path, sizeof path - 1);
      if (n > 0)
        {
          path[n] = '\0';
          if (strstr (path, watch) != NULL)
            {
              if (strcmp (path, last_path) != 0)
                {
                  /* A new file: the previous one is done. */
                  snprintf (last_path, sizeof last_path, "%s", path);
                  n_files++;
                  written = 0;
                }
              const char *skip = getenv ("GAZE_KILL_SKIP");
              const char *after = getenv ("GAZE_KILL_AFTER");
              if (n_files > (skip ? atoi (skip) : 0))
                {
                  long long limit = after ? atoll (after) : 4096;
                  if (written + (long long) count > limit)
                    {
                      /* Half the file on disk, then gone. */
                      if (limit > written)
                        real_write (fd, buf, (size_t) (limit - written));
                      raise (SIGKILL);
                    }
                }
              written += (long long) count;
            }
        }
    }
  return real_write (fd, buf, count);
}
