/* model-file.c — Gaze's model file: metadata and named tensors, checksummed.
 *
 * Format, version 1.  Every integer is unsigned and little-endian; strings
 * are UTF-8 without a terminating NUL; there is no padding.
 *
 *   offset  size  field
 *   0       8     magic "GAZEMODL"
 *   8       4     version (1)
 *   12      4     n_meta     (at most 4096)
 *   16      4     n_tensors  (at most 4096)
 *   20      8     file_size: the size of the whole file in bytes, checksum included
 *   28      …     n_meta entries, in the order they were set:
 *                   u32 key_len (1..256)   key (no control characters)
 *                   u32 value_len (< 64 MiB) value
 *           …     n_tensors entries, in the order they were added:
 *                   u32 name_len (1..256)  name (no control characters)
 *                   u32 dtype: 0 = float32, 1 = float16 (IEEE binary16)
 *                   u32 n_dims (1..8)
 *                   u32 dims[n_dims], each ≥ 1
 *                   data: dims[0] × … × dims[n_dims−1] elements, row-major,
 *                         4 (float32) or 2 (float16) bytes each
 *   size−32 32    SHA-256 of every byte before it
 *
 * Keys and tensor names are unique.  The metadata the trainer writes:
 *   vocabulary       the words, one a line, ids 0..n−1 (<pad> <start> <end> <unk> first)
 *   encoder.name, encoder.sha256, attention, hyperparameters (key=value lines),
 *   training.command, dev scores …
 *
 * Reading checks, in this order, each with a one-line error naming the file:
 * the size limit (2 GiB), the magic (GAZE_ERROR_CORRUPT), the version
 * (GAZE_ERROR_VERSION), the size against file_size (truncated or trailing
 * bytes), the checksum, then every length, count and string while parsing,
 * which must end exactly at the checksum.  Nothing is allocated from a count
 * before it is checked against the bytes that remain, so a damaged file can
 * neither crash the reader nor make it allocate more than the file's size.
 * Shapes are checked when a tensor is fetched (gaze_model_file_get_tensor). */
#include "gaze-train.h"
#include "io.h"
#include "model-file.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define MAGIC "GAZEMODL"
#define MAGIC_LEN 8
#define FORMAT_VERSION 1
#define HEADER_LEN 28
#define CHECKSUM_LEN 32
#define MAX_FILE_BYTES ((guint64) 2 << 30)
#define MAX_ENTRIES 4096
#define MAX_NAME_LEN 256
#define MAX_VALUE_LEN (64u << 20)

enum { DTYPE_F32 = 0, DTYPE_F16 = 1 };

typedef struct {
  char *name;
  int n_dims;
  int dims[GAZE_MODEL_FILE_MAX_DIMS];
  gboolean fp16;
  gsize n_elements;
  float *data;
} Tensor;

struct _GazeModelFile {
  char *path;          /* where it was read from, for messages; NULL when new */
  GPtrArray *meta_keys; /* insertion order; owned by meta */
  GHashTable *meta;     /* key → value */
  GPtrArray *tensors;   /* Tensor *, insertion order */
  GHashTable *by_name;  /* name (owned by the Tensor) → Tensor */
};

/* ── IEEE binary16 ───────────────────────────────────────────────────────── */

guint16
_gaze_half_from_float (float value)
{
  guint32 x;
  memcpy (&x, &value, sizeof x);
  guint32 sign = (x >> 16) & 0x8000;
  guint32 abs = x & 0x7fffffff;

  if (abs >= 0x7f800000) /* inf, or NaN with its top payload bits and the quiet bit */
    return sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 | ((abs >> 13) & 0x3ff) : 0);
  if (abs >= 0x477ff000) /* ≥ 65520, halfway above the largest half 65504: rounds to inf */
    return sign | 0x7c00;
  if (abs < 0x38800000) /* below 2^−14: a subnormal half, in units of 2^−24 */
    {
      if (abs < 0x33000000) /* below 2^−25, half the smallest subnormal: 0 */
        return sign;
      int exponent = abs >> 23;              /* 102..112 */
      guint32 mantissa = (abs & 0x7fffff) | 0x800000;
      int shift = 126 - exponent;            /* value × 2^24 = mantissa >> shift */
      guint32 half = mantissa >> shift;
      guint32 rest = mantissa & ((1u << shift) - 1);
      guint32 halfway = 1u << (shift - 1);
      if (rest > halfway || (rest == halfway && (half & 1)))
        half++;
      return sign | half;
    }
  /* Normal: rebias the exponent (127 → 15) and keep 10 of 23 mantissa bits;
   * a carry out of the mantissa correctly bumps the exponent. */
  guint32 half = (abs - 0x38000000) >> 13;
  guint32 rest = abs & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    half++;
  return sign | half;
}

float
_gaze_half_to_float (guint16 half)
{
  guint32 sign = (guint32) (half & 0x8000) << 16;
  guint32 exponent = (half >> 10) & 0x1f;
  guint32 mantissa = half & 0x3ff;
  guint32 x;
  if (exponent == 0) /* zero or subnormal: mantissa × 2^−24, exact in float */
    {
      float magnitude = ldexpf ((float) mantissa, -24);
      return sign ? -magnitude : magnitude;
    }
  if (exponent == 31)
    x = sign | 0x7f800000 | (mantissa << 13);
  else
    x = sign | ((exponent + 112) << 23) | (mantissa << 13);
  float value;
  memcpy (&value, &x, sizeof value);
  return value;
}

/* ── The object ──────────────────────────────────────────────────────────── */

static void
tensor_free (gpointer data)
{
  Tensor *t = data;
  g_free (t->name);
  g_free (t->data);
  g_free (t);
}

GazeModelFile *
gaze_model_file_new (void)
{
  GazeModelFile *file = g_new0 (GazeModelFile, 1);
  file->meta_keys = g_ptr_array_new ();
  file->meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  file->tensors = g_ptr_array_new_with_free_func (tensor_free);
  file->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return file;
}

void
gaze_model_file_free (GazeModelFile *file)
{
  if (file == NULL)
    return;
  g_hash_table_destroy (file->by_name);
  g_ptr_array_unref (file->tensors);
  g_ptr_array_unref (file->meta_keys);
  g_hash_table_destroy (file->meta);
  g_free (file->path);
  g_free (file);
}

/* Keys and tensor names: 1 to 256 bytes of UTF-8 without control
 * characters, so that an error message quoting one stays one line. */
static gboolean
name_is_valid (const char *name)
{
  size_t len = strlen (name);
  if (len < 1 || len > MAX_NAME_LEN || !g_utf8_validate (name, len, NULL))
    return FALSE;
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* Takes ownership of key and value. */
static void
set_meta (GazeModelFile *file, char *key, char *value)
{
  if (!g_hash_table_contains (file->meta, key))
    g_ptr_array_add (file->meta_keys, key);
  else
    {
      /* Keep the original key (meta_keys points at it); replace the value. */
      char *old_key = NULL, *old_value = NULL;
      g_hash_table_steal_extended (file->meta, key, (gpointer *) &old_key,
                                   (gpointer *) &old_value);
      g_free (old_value);
      g_free (key);
      key = old_key;
    }
  g_hash_table_insert (file->meta, key, value);
}

void
gaze_model_file_set_meta (GazeModelFile *file, const char *key, const char *value)
{
  g_return_if_fail (file != NULL && key != NULL && value != NULL);
  g_return_if_fail (name_is_valid (key));
  g_return_if_fail (strlen (value) < MAX_VALUE_LEN && g_utf8_validate (value, -1, NULL));
  set_meta (file, g_strdup (key), g_strdup (value));
}

const char *
gaze_model_file_get_meta (const GazeModelFile *file, const char *key)
{
  g_return_val_if_fail (file != NULL && key != NULL, NULL);
  return g_hash_table_lookup (file->meta, key);
}

/* Takes ownership of t; replaces a tensor of the same name. */
static void
add_tensor (GazeModelFile *file, Tensor *t)
{
  Tensor *old = g_hash_table_lookup (file->by_name, t->name);
  if (old != NULL)
    {
      g_hash_table_remove (file->by_name, old->name);
      g_ptr_array_remove (file->tensors, old);
    }
  g_ptr_array_add (file->tensors, t);
  g_hash_table_insert (file->by_name, t->name, t);
}

void
gaze_model_file_add_tensor (GazeModelFile *file, const char *name, int n_dims, const int *dims,
                            const float *data, gboolean fp16)
{
  g_return_if_fail (file != NULL && name != NULL && dims != NULL && data != NULL);
  g_return_if_fail (name_is_valid (name));
  g_return_if_fail (n_dims >= 1 && n_dims <= GAZE_MODEL_FILE_MAX_DIMS);

  Tensor *t = g_new0 (Tensor, 1);
  t->n_elements = 1;
  for (int i = 0; i < n_dims; i++)
    {
      if (dims[i] < 1 || t->n_elements > G_MAXUINT32 / (guint64) dims[i])
        {
          g_free (t);
          g_return_if_reached ();
        }
      t->dims[i] = dims[i];
      t->n_elements *= dims[i];
    }
  t->name = g_strdup (name);
  t->n_dims = n_dims;
  t->fp16 = fp16;
  t->data = g_new (float, t->n_elements);
  if (fp16) /* keep what the file will hold, so a written file reads back identical */
    for (gsize i = 0; i < t->n_elements; i++)
      t->data[i] = _gaze_half_to_float (_gaze_half_from_float (data[i]));
  else
    memcpy (t->data, data, t->n_elements * sizeof (float));
  add_tensor (file, t);
}

static char *
format_shape (int n_dims, const int *dims)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%d", i ? "×" : "", dims[i]);
  return g_string_free (s, FALSE);
}

static const char *
display_path (const GazeModelFile *file)
{
  return file->path ? file->path : "model";
}

const float *
gaze_model_file_get_tensor (const GazeModelFile *file, const char *name, int n_dims,
                            const int *dims, GError **error)
{
  g_return_val_if_fail (file != NULL && name != NULL, NULL);
  g_return_val_if_fail (n_dims >= 1 && dims != NULL, NULL);

  const Tensor *t = g_hash_table_lookup (file->by_name, name);
  if (t == NULL)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s: no tensor named '%s'",
                   display_path (file), name);
      return NULL;
    }
  if (t->n_dims != n_dims || memcmp (t->dims, dims, n_dims * sizeof (int)) != 0)
    {
      g_autofree char *have = format_shape (t->n_dims, t->dims);
      g_autofree char *want = format_shape (n_dims, dims);
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                   "%s: tensor '%s' has shape %s, expected %s", display_path (file), name, have,
                   want);
      return NULL;
    }
  return t->data;
}

int
gaze_model_file_get_tensor_shape (const GazeModelFile *file, const char *name, int *dims)
{
  g_return_val_if_fail (file != NULL && name != NULL, 0);
  const Tensor *t = g_hash_table_lookup (file->by_name, name);
  if (t == NULL)
    return 0;
  if (dims != NULL)
    memcpy (dims, t->dims, t->n_dims * sizeof (int));
  return t->n_dims;
}

/* ── Writing ─────────────────────────────────────────────────────────────── */

static void
put_u32 (GByteArray *out, guint32 v)
{
  guint32 le = GUINT32_TO_LE (v);
  g_byte_array_append (out, (const guint8 *) &le, 4);
}

static void
put_string (GByteArray *out, const char *s)
{
  guint32 len = strlen (s);
  put_u32 (out, len);
  g_byte_array_append (out, (const guint8 *) s, len);
}

gboolean
gaze_model_file_write (const GazeModelFile *file, const char *path, GError **error)
{
  g_return_val_if_fail (file != NULL && path != NULL, FALSE);

  GByteArray *out = g_byte_array_new ();
  g_byte_array_append (out, (const guint8 *) MAGIC, MAGIC_LEN);
  put_u32 (out, FORMAT_VERSION);
  put_u32 (out, file->meta_keys->len);
  put_u32 (out, file->tensors->len);
  guint64 size_slot = 0; /* filled in below */
  g_byte_array_append (out, (const guint8 *) &size_slot, 8);

  for (guint i = 0; i < file->meta_keys->len; i++)
    {
      const char *key = g_ptr_array_index (file->meta_keys, i);
      put_string (out, key);
      put_string (out, g_hash_table_lookup (file->meta, key));
    }
  for (guint i = 0; i < file->tensors->len; i++)
    {
      const Tensor *t = g_ptr_array_index (file->tensors, i);
      put_string (out, t->name);
      put_u32 (out, t->fp16 ? DTYPE_F16 : DTYPE_F32);
      put_u32 (out, t->n_dims);
      for (int d = 0; d < t->n_dims; d++)
        put_u32 (out, t->dims[d]);
      gsize start = out->len;
      g_byte_array_set_size (out, start + t->n_elements * (t->fp16 ? 2 : 4));
      for (gsize k = 0; k < t->n_elements; k++)
        if (t->fp16)
          {
            guint16 le = GUINT16_TO_LE (_gaze_half_from_float (t->data[k]));
            memcpy (out->data + start + 2 * k, &le, 2);
          }
        else
          {
            guint32 bits;
            memcpy (&bits, &t->data[k], 4);
            bits = GUINT32_TO_LE (bits);
            memcpy (out->data + start + 4 * k, &bits, 4);
          }
    }

  guint64 file_size = GUINT64_TO_LE ((guint64) out->len + CHECKSUM_LEN);
  memcpy (out->data + 20, &file_size, 8);
  GChecksum *sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, out->data, out->len);
  guint8 digest[CHECKSUM_LEN];
  gsize digest_len = sizeof digest;
  g_checksum_get_digest (sha, digest, &digest_len);
  g_checksum_free (sha);
  g_byte_array_append (out, digest, CHECKSUM_LEN);

  gboolean ok = TRUE;
  if ((guint64) out->len > MAX_FILE_BYTES)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, "%s: model larger than %d GiB", path,
                   (int) (MAX_FILE_BYTES >> 30));
      ok = FALSE;
    }
  else
    {
      /* A temporary file in the same folder, synced, then renamed over path:
       * readers see the old file or the new one, never half of one. */
      ok = _gaze_io_write_atomic (path, out->data, out->len, 0644, error);
    }
  g_byte_array_unref (out);
  return ok;
}

/* ── Reading ─────────────────────────────────────────────────────────────── */

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
} Reader;

static gboolean
get_u32 (Reader *r, guint32 *v)
{
  if (r->len - r->pos < 4)
    return FALSE;
  guint32 le;
  memcpy (&le, r->data + r->pos, 4);
  *v = GUINT32_FROM_LE (le);
  r->pos += 4;
  return TRUE;
}

/* A length-prefixed UTF-8 string of at most max_len bytes, without NULs. */
static char *
get_string (Reader *r, guint32 min_len, guint32 max_len)
{
  guint32 len;
  if (!get_u32 (r, &len) || len < min_len || len > max_len || r->len - r->pos < len)
    return NULL;
  const char *s = (const char *) r->data + r->pos;
  if (memchr (s, '\0', len) != NULL || !g_utf8_validate (s, len, NULL))
    return NULL;
  r->pos += len;
  return g_strndup (s, len);
}

/* Parses the entries between the header and the checksum into file. */
static gboolean
parse_body (GazeModelFile *file, Reader *r, guint32 n_meta, guint32 n_tensors, char **problem)
{
  for (guint32 i = 0; i < n_meta; i++)
    {
      char *key = get_string (r, 1, MAX_NAME_LEN);
      char *value = key && name_is_valid (key) ? get_string (r, 0, MAX_VALUE_LEN - 1) : NULL;
      if (value == NULL || g_hash_table_contains (file->meta, key))
        {
          *problem = g_strdup_printf ("bad metadata entry %u", i);
          g_free (key);
          g_free (value);
          return FALSE;
        }
      set_meta (file, key, value);
    }
  for (guint32 i = 0; i < n_tensors; i++)
    {
      g_autofree char *name = get_string (r, 1, MAX_NAME_LEN);
      guint32 dtype = 0, n_dims = 0;
      if (name == NULL || !name_is_valid (name) || g_hash_table_contains (file->by_name, name)
          || !get_u32 (r, &dtype)
          || !get_u32 (r, &n_dims))
        {
          *problem = g_strdup_printf ("bad tensor entry %u", i);
          return FALSE;
        }
      if (dtype != DTYPE_F32 && dtype != DTYPE_F16)
        {
          *problem = g_strdup_printf ("tensor '%s' has unknown type %u", name, dtype);
          return FALSE;
        }
      if (n_dims < 1 || n_dims > GAZE_MODEL_FILE_MAX_DIMS)
        {
          *problem = g_strdup_printf ("tensor '%s' has %u dimensions", name, n_dims);
          return FALSE;
        }
      Tensor shape = { .n_dims = n_dims, .n_elements = 1, .fp16 = dtype == DTYPE_F16 };
      for (guint32 d = 0; d < n_dims; d++)
        {
          guint32 dim = 0;
          /* Each dimension, and so the product, is bounded by the bytes left. */
          if (!get_u32 (r, &dim) || dim < 1 || dim > G_MAXINT
              || (guint64) shape.n_elements * dim > r->len)
            {
              *problem = g_strdup_printf ("tensor '%s' has a bad shape", name);
              return FALSE;
            }
          shape.dims[d] = dim;
          shape.n_elements *= dim;
        }
      gsize elem = shape.fp16 ? 2 : 4;
      if ((guint64) shape.n_elements * elem > r->len - r->pos)
        {
          *problem = g_strdup_printf ("tensor '%s' runs past the end", name);
          return FALSE;
        }
      Tensor *t = g_new (Tensor, 1);
      *t = shape;
      t->name = g_steal_pointer (&name);
      t->data = g_new (float, t->n_elements);
      const guint8 *src = r->data + r->pos;
      for (gsize k = 0; k < t->n_elements; k++)
        if (t->fp16)
          {
            guint16 le;
            memcpy (&le, src + 2 * k, 2);
            t->data[k] = _gaze_half_to_float (GUINT16_FROM_LE (le));
          }
        else
          {
            guint32 bits;
            memcpy (&bits, src + 4 * k, 4);
            bits = GUINT32_FROM_LE (bits);
            memcpy (&t->data[k], &bits, 4);
          }
      r->pos += t->n_elements * elem;
      add_tensor (file, t);
    }
  if (r->pos != r->len)
    {
      *problem = g_strdup_printf ("%" G_GSIZE_FORMAT " unexpected bytes after the tensors",
                                  r->len - r->pos);
      return FALSE;
    }
  return TRUE;
}

/* Validates and parses a whole file's bytes; on failure sets *problem (a
 * phrase without the file name) and *code. */
static GazeModelFile *
parse_file (const guint8 *data, gsize len, int *code, char **problem)
{
  *code = GAZE_ERROR_CORRUPT;
  gsize magic_part = MIN (len, MAGIC_LEN);
  if (memcmp (data, MAGIC, magic_part) != 0)
    {
      *problem = g_strdup ("not a Gaze model file (bad magic)");
      return NULL;
    }
  if (len < HEADER_LEN + CHECKSUM_LEN)
    {
      *problem = g_strdup_printf ("truncated: %" G_GSIZE_FORMAT " bytes", len);
      return NULL;
    }
  Reader header = { data, HEADER_LEN, MAGIC_LEN };
  guint32 version = 0, n_meta = 0, n_tensors = 0;
  get_u32 (&header, &version);
  get_u32 (&header, &n_meta);
  get_u32 (&header, &n_tensors);
  guint64 declared;
  memcpy (&declared, data + 20, 8);
  declared = GUINT64_FROM_LE (declared);
  if (version != FORMAT_VERSION)
    {
      *code = GAZE_ERROR_VERSION;
      *problem = g_strdup_printf ("model format version %u; this Gaze reads version %d",
                                  version, FORMAT_VERSION);
      return NULL;
    }
  if (declared != len)
    {
      *problem = declared > len
                   ? g_strdup_printf ("truncated: %" G_GSIZE_FORMAT " of %" G_GUINT64_FORMAT
                                      " bytes", len, declared)
                   : g_strdup_printf ("%" G_GUINT64_FORMAT " bytes expected, found %"
                                      G_GSIZE_FORMAT, declared, len);
      return NULL;
    }

  GChecksum *sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, data, len - CHECKSUM_LEN);
  guint8 digest[CHECKSUM_LEN];
  gsize digest_len = sizeof digest;
  g_checksum_get_digest (sha, digest, &digest_len);
  g_checksum_free (sha);
  if (memcmp (digest, data + len - CHECKSUM_LEN, CHECKSUM_LEN) != 0)
    {
      *problem = g_strdup ("checksum mismatch: the file is damaged");
      return NULL;
    }
  if (n_meta > MAX_ENTRIES || n_tensors > MAX_ENTRIES)
    {
      *problem = g_strdup_printf ("too many entries (%u metadata, %u tensors)", n_meta,
                                  n_tensors);
      return NULL;
    }

  GazeModelFile *file = gaze_model_file_new ();
  Reader body = { data, len - CHECKSUM_LEN, HEADER_LEN };
  if (!parse_body (file, &body, n_meta, n_tensors, problem))
    {
      gaze_model_file_free (file);
      return NULL;
    }
  return file;
}

GazeModelFile *
gaze_model_file_read (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: %s", path, g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: not a regular file", path);
      return NULL;
    }
  if ((guint64) st.st_size > MAX_FILE_BYTES)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s: larger than %d GiB", path,
                   (int) (MAX_FILE_BYTES >> 30));
      return NULL;
    }
  g_autofree char *contents = NULL;
  gsize len = 0;
  GError *local = NULL;
  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      _gaze_io_error (error, local);
      return NULL;
    }
  return _gaze_model_file_read_data ((const guint8 *) contents, len, path, error);
}

GazeModelFile *
_gaze_model_file_read_data (const guint8 *data, gsize len, const char *path, GError **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  if ((guint64) len > MAX_FILE_BYTES)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s: larger than %d GiB", path,
                   (int) (MAX_FILE_BYTES >> 30));
      return NULL;
    }
  int code = 0;
  g_autofree char *problem = NULL;
  GazeModelFile *file = parse_file (data, len, &code, &problem);
  if (file == NULL)
    {
      g_set_error (error, GAZE_ERROR, code, "%s: %s", path, problem);
      return NULL;
    }
  file->path = g_strdup (path);
  return file;
}
