/* test-model-file — the model file format: round trips, every error path, and
 * thousands of damaged files that must all fail cleanly. */
#define _GNU_SOURCE /* memmem */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gaze-train.h"
#include "model-file.h"
#include "test-util.h"

static char *scratch_dir;

static char *
scratch_path (const char *name)
{
  return g_build_filename (scratch_dir, name, NULL);
}

/* ── Half floats ─────────────────────────────────────────────────────────── */

static float
from_bits (guint32 bits)
{
  float f;
  memcpy (&f, &bits, 4);
  return f;
}

static void
test_half_cases (void)
{
  /* Worked by hand: 1 = 0 01111 0000000000; the largest half 65504 = 0x7bff. */
  g_assert_cmphex (_gaze_half_from_float (1.0f), ==, 0x3c00);
  g_assert_cmphex (_gaze_half_from_float (-2.0f), ==, 0xc000);
  g_assert_cmphex (_gaze_half_from_float (65504.0f), ==, 0x7bff);
  /* 65519.99 is below the midpoint 65520 between 65504 and 65536: stays. */
  g_assert_cmphex (_gaze_half_from_float (65519.99f), ==, 0x7bff);
  /* 65520 is the tie; 0x7bff is odd, so it rounds up to infinity. */
  g_assert_cmphex (_gaze_half_from_float (65520.0f), ==, 0x7c00);
  g_assert_cmphex (_gaze_half_from_float (1e10f), ==, 0x7c00);
  g_assert_cmphex (_gaze_half_from_float (-INFINITY), ==, 0xfc00);
  g_assert_true (isnan (_gaze_half_to_float (_gaze_half_from_float (NAN))));
  /* The spacing of halves in [1, 2) is 2^−10; 1 + 2^−11 is a tie between
   * 0x3c00 (even) and 0x3c01: to even.  1 + 3×2^−11 ties 0x3c01/0x3c02: to 0x3c02. */
  g_assert_cmphex (_gaze_half_from_float (1.0f + ldexpf (1, -11)), ==, 0x3c00);
  g_assert_cmphex (_gaze_half_from_float (1.0f + 3 * ldexpf (1, -11)), ==, 0x3c02);
  g_assert_cmphex (_gaze_half_from_float (1.0f + ldexpf (1, -11) + ldexpf (1, -20)), ==, 0x3c01);
  /* Subnormals are multiples of 2^−24: 2^−24 → 1, 2^−25 is the tie with 0
   * (even) → 0, 1.5×2^−25 → 1, 3×2^−25 ties 1/2 → 2. */
  g_assert_cmphex (_gaze_half_from_float (ldexpf (1, -24)), ==, 0x0001);
  g_assert_cmphex (_gaze_half_from_float (ldexpf (1, -25)), ==, 0x0000);
  g_assert_cmphex (_gaze_half_from_float (1.5f * ldexpf (1, -25)), ==, 0x0001);
  g_assert_cmphex (_gaze_half_from_float (3 * ldexpf (1, -25)), ==, 0x0002);
  g_assert_cmphex (_gaze_half_from_float (-ldexpf (1, -14)), ==, 0x8400); /* smallest normal */
  /* Just below 2^−14, rounding up carries into the smallest normal. */
  g_assert_cmphex (_gaze_half_from_float (ldexpf (1, -14) - ldexpf (1, -30)), ==, 0x0400);
  g_assert_cmphex (_gaze_half_from_float (-0.0f), ==, 0x8000);
  g_assert_cmpfloat (_gaze_half_to_float (0x0001), ==, ldexpf (1, -24));
  g_assert_cmpfloat (_gaze_half_to_float (0x3555), ==, 0.333251953125f);
}

static void
test_half_exhaustive (void)
{
  /* Every half survives half → float → half. */
  for (guint32 h = 0; h < 65536; h++)
    {
      float f = _gaze_half_to_float (h);
      if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0)
        g_assert_true (isnan (f));
      else
        g_assert_cmphex (_gaze_half_from_float (f), ==, h);
    }
#if defined(__FLT16_MAX__)
  /* The compiler's float → _Float16 conversion rounds to nearest even: ours
   * must agree on random bit patterns (all exponents) and on values near ties. */
  GRand *rand = g_rand_new_with_seed (7);
  for (int i = 0; i < 2000000; i++)
    {
      float f = from_bits (g_rand_int (rand));
      if (i & 1) /* near a half's rounding boundary: low 13 bits about 0x1000 */
        f = from_bits ((g_rand_int (rand) & 0xc7ffe000u) | (0x0ff8 + g_rand_int_range (rand, 0, 16)));
      if (isnan (f))
        continue;
      _Float16 ref = (_Float16) f;
      guint16 ref_bits;
      memcpy (&ref_bits, &ref, 2);
      if (_gaze_half_from_float (f) != ref_bits)
        g_error ("%a: got 0x%04x, _Float16 gives 0x%04x", f, _gaze_half_from_float (f), ref_bits);
    }
  g_rand_free (rand);
#else
  (void) from_bits;
#endif
}

/* ── Round trips ─────────────────────────────────────────────────────────── */

static const char vocabulary[] = "<pad>\n<start>\n<end>\n<unk>\na\ndog\nüber";

static GazeModelFile *
make_model (void)
{
  GazeModelFile *file = gaze_model_file_new ();
  gaze_model_file_set_meta (file, "vocabulary", vocabulary);
  gaze_model_file_set_meta (file, "encoder.sha256", "7aad0c74");
  gaze_model_file_set_meta (file, "empty", "");
  gaze_model_file_set_meta (file, "encoder.sha256", "7aad0c74c5e3"); /* replaces */

  int dims_w[2] = { 3, 4 };
  float w[12];
  for (int i = 0; i < 12; i++)
    w[i] = (i - 5.5f) / 3.0f;
  w[0] = -0.0f;
  w[1] = ldexpf (1, -140); /* a float subnormal */
  w[2] = INFINITY;
  w[3] = 3e38f;
  gaze_model_file_add_tensor (file, "decoder.W", 2, dims_w, w, FALSE);
  int dims_b[1] = { 5 };
  float b[5] = { 1e-3f, -12345.678f, 0.1f, 2.0f / 3.0f, 60000.0f };
  gaze_model_file_add_tensor (file, "decoder.b", 1, dims_b, b, TRUE);
  int dims_e[3] = { 2, 1, 3 };
  float e[6] = { 1, 2, 3, 4, 5, 6 };
  gaze_model_file_add_tensor (file, "embedding", 3, dims_e, e, TRUE);
  return file;
}

static void
test_round_trip (void)
{
  g_autofree char *path = scratch_path ("round.gzm");
  g_autoptr (GError) error = NULL;
  g_autoptr (GazeModelFile) file = make_model ();
  g_assert_true (gaze_model_file_write (file, path, &error));
  g_assert_no_error (error);

  g_autoptr (GazeModelFile) back = gaze_model_file_read (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gaze_model_file_get_meta (back, "vocabulary"), ==, vocabulary);
  g_assert_cmpstr (gaze_model_file_get_meta (back, "encoder.sha256"), ==, "7aad0c74c5e3");
  g_assert_cmpstr (gaze_model_file_get_meta (back, "empty"), ==, "");
  g_assert_null (gaze_model_file_get_meta (back, "absent"));

  /* float32 is bit-exact, -0, subnormals and infinity included. */
  int dims_w[2] = { 3, 4 };
  const float *w0 = gaze_model_file_get_tensor (file, "decoder.W", 2, dims_w, &error);
  const float *w1 = gaze_model_file_get_tensor (back, "decoder.W", 2, dims_w, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (w0, 12 * sizeof (float), w1, 12 * sizeof (float));
  g_assert_true (signbit (w1[0]));

  /* float16 within 2^−11 relative (the rounding of 10 mantissa bits). */
  int dims_b[1] = { 5 };
  float b[5] = { 1e-3f, -12345.678f, 0.1f, 2.0f / 3.0f, 60000.0f };
  const float *b1 = gaze_model_file_get_tensor (back, "decoder.b", 1, dims_b, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 5; i++)
    g_assert_cmpfloat (fabsf (b1[i] - b[i]), <=, 1e-3f * fabsf (b[i]));
  /* The in-memory copy of an fp16 tensor already holds the rounded values, so
   * what one writes is what one reads back. */
  const float *b0 = gaze_model_file_get_tensor (file, "decoder.b", 1, dims_b, &error);
  g_assert_cmpmem (b0, 5 * sizeof (float), b1, 5 * sizeof (float));

  int dims[GAZE_MODEL_FILE_MAX_DIMS];
  g_assert_cmpint (gaze_model_file_get_tensor_shape (back, "embedding", dims), ==, 3);
  g_assert_cmpint (dims[0], ==, 2);
  g_assert_cmpint (dims[2], ==, 3);
  g_assert_cmpint (gaze_model_file_get_tensor_shape (back, "nothing", dims), ==, 0);

  /* Writing the read file again gives the same bytes. */
  g_autofree char *again = scratch_path ("again.gzm");
  g_assert_true (gaze_model_file_write (back, again, &error));
  g_autofree char *bytes0 = NULL, *bytes1 = NULL;
  gsize len0, len1;
  g_assert_true (g_file_get_contents (path, &bytes0, &len0, NULL));
  g_assert_true (g_file_get_contents (again, &bytes1, &len1, NULL));
  g_assert_cmpmem (bytes0, len0, bytes1, len1);

  /* Replacing a tensor keeps one of that name. */
  float one = 1;
  int dims_1[1] = { 1 };
  gaze_model_file_add_tensor (back, "embedding", 1, dims_1, &one, FALSE);
  g_assert_cmpint (gaze_model_file_get_tensor_shape (back, "embedding", NULL), ==, 1);
  g_assert_true (gaze_model_file_write (back, again, &error));
  g_autoptr (GazeModelFile) third = gaze_model_file_read (again, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (*gaze_model_file_get_tensor (third, "embedding", 1, dims_1, &error), ==, 1);

  g_remove (path);
  g_remove (again);
}

/* ── Error paths ─────────────────────────────────────────────────────────── */

static GBytes *
valid_bytes (void)
{
  g_autofree char *path = scratch_path ("valid.gzm");
  g_autoptr (GazeModelFile) file = make_model ();
  g_assert_true (gaze_model_file_write (file, path, NULL));
  char *bytes;
  gsize len;
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  g_remove (path);
  return g_bytes_new_take (bytes, len);
}

/* Recomputes the size field and the SHA-256 trailer, so that a mutation
 * reaches the parser instead of failing the checksum. */
static void
fix_up (guint8 *data, gsize len)
{
  guint64 size = GUINT64_TO_LE ((guint64) len);
  memcpy (data + 20, &size, 8);
  GChecksum *sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, data, len - 32);
  gsize digest_len = 32;
  g_checksum_get_digest (sha, data + len - 32, &digest_len);
  g_checksum_free (sha);
}

/* Writes data to a file and reads it: returns the error (never a model). */
static GError *
read_bytes (const guint8 *data, gsize len, const char *path)
{
  /* Plain stdio: g_file_set_contents would fsync thousands of times. */
  FILE *out = fopen (path, "wb");
  g_assert_nonnull (out);
  g_assert_cmpuint (fwrite (data, 1, len, out), ==, len);
  g_assert_cmpint (fclose (out), ==, 0);
  GError *error = NULL;
  GazeModelFile *file = gaze_model_file_read (path, &error);
  if (file != NULL)
    {
      gaze_model_file_free (file);
      return NULL;
    }
  g_assert_nonnull (error);
  return error;
}

static void
assert_read_fails (const guint8 *data, gsize len, int code, const char *words)
{
  g_autofree char *path = scratch_path ("broken.gzm");
  g_autoptr (GError) error = read_bytes (data, len, path);
  g_assert_nonnull (error);
  g_assert_error (error, GAZE_ERROR, code);
  /* One line that names the file and says what is wrong. */
  test_util_assert_one_line (error->message, path, words);
  g_remove (path);
}

static void
test_errors (void)
{
  g_autoptr (GBytes) bytes = valid_bytes ();
  gsize len;
  const guint8 *valid = g_bytes_get_data (bytes, &len);
  g_autofree guint8 *data = g_memdup2 (valid, len);

  /* Wrong magic. */
  data[0] = 'X';
  assert_read_fails (data, len, GAZE_ERROR_CORRUPT, "bad magic");
  assert_read_fails ((const guint8 *) "PNG\x89", 4, GAZE_ERROR_CORRUPT, "bad magic");
  memcpy (data, valid, len);

  /* An unknown version: said before anything else is checked. */
  data[8] = 2;
  assert_read_fails (data, len, GAZE_ERROR_VERSION, "version 2");
  memcpy (data, valid, len);

  /* Truncated, at several places, and trailing bytes. */
  assert_read_fails (data, 0, GAZE_ERROR_CORRUPT, "truncated");
  assert_read_fails (data, 5, GAZE_ERROR_CORRUPT, "truncated");
  assert_read_fails (data, 40, GAZE_ERROR_CORRUPT, "truncated");
  assert_read_fails (data, len - 1, GAZE_ERROR_CORRUPT, "truncated");
  g_autofree guint8 *longer = g_malloc0 (len + 3);
  memcpy (longer, valid, len);
  assert_read_fails (longer, len + 3, GAZE_ERROR_CORRUPT, "bytes expected");

  /* One flipped bit in a tensor, or in the checksum itself. */
  data[len - 40] ^= 0x10;
  assert_read_fails (data, len, GAZE_ERROR_CORRUPT, "checksum");
  memcpy (data, valid, len);
  data[len - 1] ^= 1;
  assert_read_fails (data, len, GAZE_ERROR_CORRUPT, "checksum");
  memcpy (data, valid, len);

  /* Well checksummed but malformed: an absurd entry count, an unknown dtype,
   * a string running past the end. */
  guint32 many = GUINT32_TO_LE (1u << 30);
  memcpy (data + 16, &many, 4);
  fix_up (data, len);
  assert_read_fails (data, len, GAZE_ERROR_CORRUPT, "too many entries");
  memcpy (data, valid, len);

  guint8 *dtype = memmem (data, len, "decoder.W", 9);
  g_assert_nonnull (dtype);
  dtype[9] = 7;
  fix_up (data, len);
  assert_read_fails (data, len, GAZE_ERROR_CORRUPT, "unknown type 7");
  memcpy (data, valid, len);

  guint32 huge = GUINT32_TO_LE (0x7fffffff);
  memcpy (data + 28, &huge, 4); /* the first key's length */
  fix_up (data, len);
  assert_read_fails (data, len, GAZE_ERROR_CORRUPT, "bad metadata entry 0");

  /* Not there, or a folder. */
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = scratch_path ("missing.gzm");
  g_assert_null (gaze_model_file_read (missing, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, missing));
  g_clear_error (&error);
  g_assert_null (gaze_model_file_read (scratch_dir, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);

  /* Writing into a folder that does not exist fails and leaves nothing. */
  g_autoptr (GazeModelFile) file = make_model ();
  g_autofree char *nowhere = scratch_path ("no/such/dir/m.gzm");
  g_assert_false (gaze_model_file_write (file, nowhere, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_IO);
  g_clear_error (&error);

  /* Shapes are checked on fetch: missing is CORRUPT, another shape MISMATCH
   * with both shapes in the message. */
  int dims[2] = { 4, 3 };
  g_assert_null (gaze_model_file_get_tensor (file, "decoder.W", 2, dims, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
  g_assert_nonnull (strstr (error->message, "3×4"));
  g_assert_nonnull (strstr (error->message, "4×3"));
  g_clear_error (&error);
  g_assert_null (gaze_model_file_get_tensor (file, "decoder.W", 1, dims, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH);
  g_clear_error (&error);
  g_assert_null (gaze_model_file_get_tensor (file, "lstm.W", 2, dims, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "lstm.W"));
}

/* Overwriting is atomic: a reader sees the old file or the new one, and no
 * temporary file is left behind. */
static void
test_atomic_write (void)
{
  g_autofree char *dir = scratch_path ("atomic");
  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_autofree char *path = g_build_filename (dir, "m.gzm", NULL);
  g_autoptr (GazeModelFile) file = make_model ();
  g_assert_true (gaze_model_file_write (file, path, NULL));
  gaze_model_file_set_meta (file, "extra", "yes");
  g_assert_true (gaze_model_file_write (file, path, NULL));
  g_autoptr (GazeModelFile) back = gaze_model_file_read (path, NULL);
  g_assert_cmpstr (gaze_model_file_get_meta (back, "extra"), ==, "yes");

  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  int n = 0;
  while (g_dir_read_name (listing) != NULL)
    n++;
  g_assert_cmpint (n, ==, 1);
  g_remove (path);
  g_rmdir (dir);
}

/* ── Fuzzing ─────────────────────────────────────────────────────────────── */

static void
test_fuzz (void)
{
  g_autoptr (GBytes) bytes = valid_bytes ();
  gsize len;
  const guint8 *valid = g_bytes_get_data (bytes, &len);
  g_autofree guint8 *data = g_malloc (len);
  g_autofree char *path = scratch_path ("fuzz.gzm");
  GRand *rand = g_rand_new_with_seed (12345);
  int n_parsed = 0;

  for (int i = 0; i < 6000; i++)
    {
      memcpy (data, valid, len);
      gsize n = len;
      int kind = i % 3;
      if (kind == 0) /* truncate anywhere */
        n = g_rand_int_range (rand, 0, len);
      else /* flip 1..4 random bytes */
        for (int k = g_rand_int_range (rand, 1, 5); k > 0; k--)
          data[g_rand_int_range (rand, 0, len)] ^= 1 + g_rand_int_range (rand, 0, 255);
      /* Every other flip gets a fresh size and checksum, so that the damage
       * reaches the parser rather than the checksum check. */
      gboolean fixed = kind == 2 && n >= 60 && memcmp (data, "GAZEMODL", 8) == 0;
      if (fixed)
        fix_up (data, n);

      GError *error = read_bytes (data, n, path);
      if (error == NULL)
        {
          /* Only a fixed-up flip inside float data or a value's text may
           * still parse; it must then be a whole, consistent model. */
          g_assert_true (fixed);
          n_parsed++;
          continue;
        }
      g_assert_true (error->domain == GAZE_ERROR);
      g_assert_null (strchr (error->message, '\n'));
      g_assert_true (g_str_has_prefix (error->message, path));
      g_error_free (error);
    }
  g_test_message ("%d of 6000 mutated files parsed", n_parsed);
  g_rand_free (rand);
  g_remove (path);
  /* Most fixed-up mutations land in float data and parse; the rest fail. */
  g_assert_cmpint (n_parsed, >, 0);
  g_assert_cmpint (n_parsed, <, 2000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autoptr (GError) error = NULL;
  scratch_dir = g_dir_make_tmp ("gaze-test-model-file-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/model-file/half/cases", test_half_cases);
  g_test_add_func ("/model-file/half/exhaustive", test_half_exhaustive);
  g_test_add_func ("/model-file/round-trip", test_round_trip);
  g_test_add_func ("/model-file/errors", test_errors);
  g_test_add_func ("/model-file/atomic-write", test_atomic_write);
  g_test_add_func ("/model-file/fuzz", test_fuzz);
  int status = g_test_run ();
  g_rmdir (scratch_dir);
  g_free (scratch_dir);
  return status;
}
