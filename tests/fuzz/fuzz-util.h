/* fuzz-util.h — what the fuzz targets share: a scratch folder, made once and
 * removed at exit, where a target writes its input as a file for readers
 * that take paths, and a check that every error is one line. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "gaze-train.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char *fuzz_dir;

static void
fuzz_remove_dir (void)
{
  GDir *dir = g_dir_open (fuzz_dir, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fuzz_dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          GDir *sub = g_dir_open (path, 0, NULL);
          const char *inner;
          while (sub != NULL && (inner = g_dir_read_name (sub)) != NULL)
            {
              g_autofree char *p = g_build_filename (path, inner, NULL);
              g_unlink (p);
            }
          if (sub != NULL)
            g_dir_close (sub);
          g_rmdir (path);
        }
      else
        g_unlink (path);
    }
  if (dir != NULL)
    g_dir_close (dir);
  g_rmdir (fuzz_dir);
}

/* The scratch folder (in /dev/shm, else $TMPDIR), made on first use. */
G_GNUC_UNUSED static const char *
fuzz_scratch_dir (void)
{
  if (fuzz_dir == NULL)
    {
      /* In memory when it can be: the disk's page cache is slower to churn. */
      if (g_getenv ("TMPDIR") == NULL && g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR)
          && access ("/dev/shm", W_OK) == 0)
        fuzz_dir = g_mkdtemp (g_strdup ("/dev/shm/gaze-fuzz-XXXXXX"));
      if (fuzz_dir == NULL)
        fuzz_dir = g_dir_make_tmp ("gaze-fuzz-XXXXXX", NULL);
      if (fuzz_dir == NULL)
        abort ();
      atexit (fuzz_remove_dir);
    }
  return fuzz_dir;
}

/* Writes data to name in the scratch folder; returns its path (static). */
G_GNUC_UNUSED static const char *
fuzz_write_file (const char *name, const uint8_t *data, size_t size)
{
  static char *paths[8];
  static const char *names[8];
  int slot = 0;
  while (slot < 8 && names[slot] != NULL && strcmp (names[slot], name) != 0)
    slot++;
  if (slot == 8)
    abort ();
  if (names[slot] == NULL)
    {
      names[slot] = name;
      paths[slot] = g_build_filename (fuzz_scratch_dir (), name, NULL);
    }
  /* Plainly written, not g_file_set_contents: its fsync would cost more
   * than the reader. */
  FILE *file = fopen (paths[slot], "wb");
  if (file == NULL || (size > 0 && fwrite (data, 1, size, file) != size) || fclose (file) != 0)
    abort ();
  return paths[slot];
}

/* A failure must be a GError with a one-line message (no \n, no \r). */
G_GNUC_UNUSED static void
fuzz_check_error (GError *error)
{
  if (error != NULL && g_getenv ("FUZZ_VERBOSE") != NULL) /* what a corpus exercises */
    fprintf (stderr, "  %s\n", error->message);
  if (error == NULL || strpbrk (error->message, "\r\n") != NULL)
    __builtin_trap ();
  g_error_free (error);
}

/* A folder of three photos (empty files: the dataset readers only check
 * that they exist), made on first use. */
G_GNUC_UNUSED static const char *
fuzz_images_dir (void)
{
  static char *dir;
  if (dir == NULL)
    {
      dir = g_build_filename (fuzz_scratch_dir (), "images", NULL);
      g_mkdir (dir, 0700);
      static const char *const names[] = { "1000_a.jpg", "2000_b.jpg", "x.png" };
      for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *path = g_build_filename (dir, names[i], NULL);
          g_file_set_contents (path, "", 0, NULL);
        }
    }
  return dir;
}

/* Checks what a dataset reader returned, and frees it. */
G_GNUC_UNUSED static void
fuzz_check_dataset (GazeDataset *ds, GError *error)
{
  if (ds == NULL)
    {
      fuzz_check_error (error);
      return;
    }
  if (ds->n_images < 1 || ds->n_skipped < 0)
    __builtin_trap ();
  for (int i = 0; i < ds->n_images; i++)
    {
      if (ds->image_ids[i] == NULL || ds->captions[i] == NULL || ds->captions[i][0] == NULL)
        __builtin_trap ();
      for (char **c = ds->captions[i]; *c != NULL; c++)
        if (!g_utf8_validate (*c, -1, NULL))
          __builtin_trap ();
    }
  GazeVocab *vocab = gaze_dataset_build_vocab (ds, 2);
  if (vocab == NULL || gaze_vocab_get_size (vocab) < 4)
    __builtin_trap ();
  /* Training drops the captions with no word in the vocabulary. */
  char *example = NULL;
  int n_images = ds->n_images;
  int n_dropped = gaze_dataset_drop_unknown_captions (ds, vocab, &example);
  if (n_dropped < 0 || ds->n_images > n_images || (n_dropped > 0) != (example != NULL)
      || ds->image_ids[ds->n_images] != NULL)
    __builtin_trap ();
  g_free (example);
  gaze_vocab_free (vocab);
  gaze_dataset_free (ds);
}


/* A copy of a model file (.gzm or checkpoint) with its declared size and its
 * SHA-256 made right, so that mutations reach the parser behind the
 * checksum; NULL when too short to hold them. */
G_GNUC_UNUSED static guint8 *
fuzz_repair_model_file (const uint8_t *data, size_t size)
{
  if (size < 60)
    return NULL;
  guint8 *copy = g_memdup2 (data, size);
  guint64 le = GUINT64_TO_LE ((guint64) size);
  memcpy (copy + 20, &le, 8);
  GChecksum *sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, copy, size - 32);
  gsize len = 32;
  g_checksum_get_digest (sha, copy + size - 32, &len);
  g_checksum_free (sha);
  return copy;
}
