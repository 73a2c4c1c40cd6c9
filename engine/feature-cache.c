/* feature-cache.c — encoder grids for a folder of images, in one file.
 *
 * Training reads every photo's 7×7×1280 grid once an epoch; the CNN costs far
 * more than the decoder, so the grids are computed once and kept in one file
 * outside the repository, keyed by the encoder's sha256.  The file is mapped
 * (GMappedFile), so a lookup is a pointer into it.
 *
 * Format, version 1 (integers little-endian; the floats in the machine's own
 * order, which the byte-order mark checks):
 *
 *   offset  size  field
 *   0       8     magic "GAZEFEAT"
 *   8       4     version (1)
 *   12      4     byte-order mark 0x01020304
 *   16      4     n_images
 *   20      4     n_cells   (49)
 *   24      4     channels  (1280)
 *   28      4     strings_len
 *   32      8     data_offset: where the grids start, a multiple of 64
 *   40      8     file_size
 *   48      64    the encoder's sha256, 64 hex digits (for the grids of the
 *                 photos mirrored left to right, gaze_feature_cache_mirrored_id)
 *   112     32    SHA-256 of bytes 0..111, the strings and the grid hashes
 *   144     …     strings: the images folder's absolute path, then the
 *                 n_images ids (file names without ".jpg", sorted), each
 *                 NUL-terminated; strings_len bytes in all
 *           …     grid hashes: n_images × u64, _gaze_feature_cache_hash of each grid
 *           …     zeros up to data_offset
 *   data_offset   n_images × n_cells × channels float32, image by image
 *
 * Opening checks the whole header (magic, version, sizes, the file's length,
 * the checksum, the strings) and the hashes of a sample of grids, which costs
 * a few milliseconds; gaze_feature_cache_verify() checks every grid.  A cache
 * from another encoder, another format version, or for another list of
 * images is stale; stale, damaged and missing caches are rebuilt.  Building
 * writes a temporary file beside the cache and renames it when complete, so
 * an interrupted build never leaves a half cache. */
#include "feature-cache.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "GAZEFEAT"
#define FORMAT_VERSION 1
#define BYTE_ORDER_MARK 0x01020304u
#define HEADER_LEN 144
#define CHECKSUMMED_HEADER_LEN 112
#define SHA_HEX_LEN 64
#define DATA_ALIGN 64
#define MAX_IMAGES (10 * 1000 * 1000)
#define MAX_CELLS 4096
#define MAX_CHANNELS 65536
#define MAX_STRINGS_LEN (256u << 20)
#define N_SAMPLED_GRIDS 32
/* Two workers, each decoding and encoding other photos, so that JPEG decoding
 * (single-threaded) overlaps the encoder's GEMMs.  bench/feature-cache.sh
 * compares 1 and 2 workers: on the 2-core development machine, busy with
 * other work, both gave about 10 photos/s, within the noise. */
#define DEFAULT_WORKERS 2

struct _GazeFeatureCache {
  GMappedFile *mapped;
  char *path;
  char encoder_sha256[SHA_HEX_LEN + 1];
  char *images_dir;
  int n_images;
  int n_cells;
  int channels;
  const char **ids;    /* n_images, pointing into the mapping */
  guint64 *hash_copy;  /* n_images grid hashes, copied out of the mapping */
  const float *grids;
  GHashTable *index; /* id → index + 1 */
};

/* ── Hashing ─────────────────────────────────────────────────────────────── */

/* FNV-1a over 64-bit words, four independent lanes (so the multiplies
 * overlap), then mixed.  It guards against damage, not against an attacker;
 * a flipped bit anywhere changes it. */
guint64
_gaze_feature_cache_hash (const void *data, gsize len)
{
  const guint64 prime = 0x100000001b3ull;
  guint64 lane[4] = { 0xcbf29ce484222325ull, 0x84222325cbf29ce4ull, 0x9e3779b97f4a7c15ull,
                      0xc2b2ae3d27d4eb4full };
  const guint8 *p = data;
  gsize i = 0;
  for (; i + 32 <= len; i += 32)
    for (int k = 0; k < 4; k++)
      {
        guint64 w;
        memcpy (&w, p + i + 8 * k, 8);
        lane[k] = (lane[k] ^ w) * prime;
      }
  guint64 h = len;
  for (int k = 0; k < 4; k++)
    h = (h ^ lane[k]) * prime;
  for (; i < len; i++)
    h = (h ^ p[i]) * prime;
  h ^= h >> 33; /* the final mix of MurmurHash3 */
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

/* ── Little-endian fields ────────────────────────────────────────────────── */

static guint32
load_u32 (const guint8 *p)
{
  guint32 v;
  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static guint64
load_u64 (const guint8 *p)
{
  guint64 v;
  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

static void
store_u32 (guint8 *p, guint32 v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static void
store_u64 (guint8 *p, guint64 v)
{
  v = GUINT64_TO_LE (v);
  memcpy (p, &v, 8);
}

/* SHA-256 of the header's first 112 bytes and the strings and hash table. */
static void
header_checksum (const guint8 *header, const void *tail, gsize tail_len, guint8 digest[32])
{
  GChecksum *sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sha, header, CHECKSUMMED_HEADER_LEN);
  g_checksum_update (sha, tail, tail_len);
  gsize len = 32;
  g_checksum_get_digest (sha, digest, &len);
  g_checksum_free (sha);
}

static guint64
align_up (guint64 n)
{
  return (n + DATA_ALIGN - 1) / DATA_ALIGN * DATA_ALIGN;
}

/* ── Listing the images ──────────────────────────────────────────────────── */

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The ids (file names without ".jpg") of the *.jpg files in dir, sorted. */
static GPtrArray *
list_images (const char *dir, GError **error)
{
  GError *local = NULL;
  GDir *listing = g_dir_open (dir, 0, &local);
  if (listing == NULL)
    {
      _gaze_io_error (error, local);
      return NULL;
    }
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (listing)) != NULL)
    if (g_str_has_suffix (name, ".jpg") && strlen (name) > strlen (".jpg"))
      g_ptr_array_add (ids, g_strndup (name, strlen (name) - strlen (".jpg")));
  g_dir_close (listing);
  g_ptr_array_sort (ids, compare_strings);
  if (ids->len == 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA, "%s: no *.jpg images", dir);
      g_ptr_array_unref (ids);
      return NULL;
    }
  return ids;
}

/* ── Writing ─────────────────────────────────────────────────────────────── */

typedef struct {
  char *path;
  char *tmp_path;
  int fd;
  int n_images;
  int n_cells;
  int channels;
  guint64 strings_len;
  guint64 data_offset;
  guint64 grid_bytes;
  guint8 *header;  /* HEADER_LEN + strings + hashes, written last */
  guint64 *hashes; /* n_images, native order until written */
} Writer;

static void
writer_free (Writer *w)
{
  if (w->fd >= 0)
    close (w->fd);
  if (w->tmp_path != NULL)
    g_unlink (w->tmp_path);
  g_free (w->tmp_path);
  g_free (w->path);
  g_free (w->header);
  g_free (w->hashes);
  g_free (w);
}

static gboolean
set_io_error (GError **error, const char *path, int saved_errno)
{
  g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: %s", path, g_strerror (saved_errno));
  return FALSE;
}

/* Creates the temporary file beside path, sized for the whole cache. */
static Writer *
writer_begin (const char *path, const char *encoder_sha256, const char *images_dir,
              int n_images, const char *const *ids, int n_cells, int channels, GError **error)
{
  g_return_val_if_fail (strlen (encoder_sha256) == SHA_HEX_LEN, NULL);
  g_return_val_if_fail (n_images > 0 && n_images <= MAX_IMAGES, NULL);
  g_return_val_if_fail (n_cells > 0 && n_cells <= MAX_CELLS, NULL);
  g_return_val_if_fail (channels > 0 && channels <= MAX_CHANNELS, NULL);

  g_autofree char *abs_dir = g_canonicalize_filename (images_dir, NULL);
  GString *strings = g_string_new (abs_dir);
  g_string_append_c (strings, '\0');
  for (int i = 0; i < n_images; i++)
    {
      g_string_append (strings, ids[i]);
      g_string_append_c (strings, '\0');
    }
  if (strings->len > MAX_STRINGS_LEN)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, "%s: image names too long", images_dir);
      g_string_free (strings, TRUE);
      return NULL;
    }

  Writer *w = g_new0 (Writer, 1);
  w->fd = -1;
  w->path = g_strdup (path);
  w->n_images = n_images;
  w->n_cells = n_cells;
  w->channels = channels;
  w->strings_len = strings->len;
  w->grid_bytes = (guint64) n_cells * channels * sizeof (float);
  w->data_offset = align_up (HEADER_LEN + w->strings_len + 8 * (guint64) n_images);
  guint64 file_size = w->data_offset + w->grid_bytes * n_images;

  w->header = g_malloc0 (w->data_offset);
  memcpy (w->header, MAGIC, 8);
  store_u32 (w->header + 8, FORMAT_VERSION);
  guint32 bom = BYTE_ORDER_MARK; /* native order, as the floats */
  memcpy (w->header + 12, &bom, 4);
  store_u32 (w->header + 16, n_images);
  store_u32 (w->header + 20, n_cells);
  store_u32 (w->header + 24, channels);
  store_u32 (w->header + 28, w->strings_len);
  store_u64 (w->header + 32, w->data_offset);
  store_u64 (w->header + 40, file_size);
  memcpy (w->header + 48, encoder_sha256, SHA_HEX_LEN);
  memcpy (w->header + HEADER_LEN, strings->str, strings->len);
  g_string_free (strings, TRUE);
  w->hashes = g_new0 (guint64, n_images);

  g_autofree char *dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      set_io_error (error, dir, errno);
      writer_free (w);
      return NULL;
    }
  w->tmp_path = g_strconcat (path, ".XXXXXX", NULL);
  w->fd = g_mkstemp_full (w->tmp_path, O_RDWR, 0644);
  if (w->fd < 0)
    {
      set_io_error (error, path, errno);
      g_clear_pointer (&w->tmp_path, g_free);
      writer_free (w);
      return NULL;
    }
  if (ftruncate (w->fd, file_size) != 0)
    {
      set_io_error (error, path, errno);
      writer_free (w);
      return NULL;
    }
  return w;
}

static gboolean
pwrite_all (int fd, const void *data, gsize len, guint64 offset)
{
  const guint8 *p = data;
  while (len > 0)
    {
      ssize_t n = pwrite (fd, p, len, offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      len -= n;
      offset += n;
    }
  return TRUE;
}

/* Stores image index's grid; threads may call it at once for other indices. */
static gboolean
writer_put_grid (Writer *w, int index, const float *grid, GError **error)
{
  w->hashes[index] = _gaze_feature_cache_hash (grid, w->grid_bytes);
  if (!pwrite_all (w->fd, grid, w->grid_bytes, w->data_offset + w->grid_bytes * index))
    return set_io_error (error, w->path, errno ? errno : ENOSPC);
  return TRUE;
}

/* Writes the header, syncs and renames the file into place; frees w. */
static gboolean
writer_commit (Writer *w, GError **error)
{
  guint8 *table = w->header + HEADER_LEN + w->strings_len;
  for (int i = 0; i < w->n_images; i++)
    store_u64 (table + 8 * i, w->hashes[i]);
  header_checksum (w->header, w->header + HEADER_LEN, w->strings_len + 8 * (gsize) w->n_images,
                   w->header + CHECKSUMMED_HEADER_LEN);
  gboolean ok = pwrite_all (w->fd, w->header, w->data_offset, 0) && fsync (w->fd) == 0;
  if (!ok)
    set_io_error (error, w->path, errno ? errno : ENOSPC);
  else if (g_rename (w->tmp_path, w->path) != 0)
    ok = set_io_error (error, w->path, errno);
  else
    g_clear_pointer (&w->tmp_path, g_free); /* renamed: nothing to remove */
  writer_free (w);
  return ok;
}

gboolean
_gaze_feature_cache_write_grids (const char *path, const char *encoder_sha256,
                                const char *images_dir, int n_images, const char *const *ids,
                                int n_cells, int channels, const float *grids, GError **error)
{
  Writer *w = writer_begin (path, encoder_sha256, images_dir, n_images, ids, n_cells, channels,
                            error);
  if (w == NULL)
    return FALSE;
  for (int i = 0; i < n_images; i++)
    if (!writer_put_grid (w, i, grids + (gsize) i * n_cells * channels, error))
      {
        writer_free (w);
        return FALSE;
      }
  return writer_commit (w, error);
}

/* ── Reading ─────────────────────────────────────────────────────────────── */

void
gaze_feature_cache_free (GazeFeatureCache *cache)
{
  if (cache == NULL)
    return;
  if (cache->index != NULL)
    g_hash_table_destroy (cache->index);
  g_free (cache->ids);
  g_free (cache->hash_copy);
  g_free (cache->images_dir);
  g_free (cache->path);
  if (cache->mapped != NULL)
    g_mapped_file_unref (cache->mapped);
  g_free (cache);
}

static GazeFeatureCache *
corrupt (GazeFeatureCache *cache, GError **error, const char *problem)
{
  g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s: %s", cache->path, problem);
  gaze_feature_cache_free (cache);
  return NULL;
}

/* No control characters: an id is quoted in one-line messages. */
static gboolean
name_is_printable (const char *s)
{
  for (; *s != '\0'; s = g_utf8_next_char (s))
    if (g_unichar_iscntrl (g_utf8_get_char (s)))
      return FALSE;
  return TRUE;
}

/* Whether grid i still has the hash it was written with. */
static gboolean
grid_is_intact (const GazeFeatureCache *cache, int i)
{
  gsize grid_bytes = (gsize) cache->n_cells * cache->channels * sizeof (float);
  return _gaze_feature_cache_hash (cache->grids + (gsize) i * cache->n_cells * cache->channels,
                                  grid_bytes)
         == cache->hash_copy[i];
}

GazeFeatureCache *
gaze_feature_cache_load (const char *path, const char *encoder_sha256, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  GMappedFile *mapped = _gaze_io_map_file (path, error);
  if (mapped == NULL)
    return NULL;
  GazeFeatureCache *cache = g_new0 (GazeFeatureCache, 1);
  cache->mapped = mapped;
  cache->path = g_strdup (path);
  const guint8 *data = (const guint8 *) g_mapped_file_get_contents (mapped);
  guint64 size = g_mapped_file_get_length (mapped);

  if (size < HEADER_LEN || memcmp (data, MAGIC, 8) != 0)
    return corrupt (cache, error, size < HEADER_LEN ? "truncated header" : "not a feature cache");
  if (load_u32 (data + 8) != FORMAT_VERSION)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_VERSION, "%s: feature cache version %u", path,
                   load_u32 (data + 8));
      gaze_feature_cache_free (cache);
      return NULL;
    }
  guint32 bom;
  memcpy (&bom, data + 12, 4);
  guint32 n_images = load_u32 (data + 16), n_cells = load_u32 (data + 20);
  guint32 channels = load_u32 (data + 24), strings_len = load_u32 (data + 28);
  guint64 data_offset = load_u64 (data + 32), file_size = load_u64 (data + 40);
  if (bom != BYTE_ORDER_MARK)
    return corrupt (cache, error, "written on a machine of the other byte order");
  if (n_images < 1 || n_images > MAX_IMAGES || n_cells < 1 || n_cells > MAX_CELLS
      || channels < 1 || channels > MAX_CHANNELS || strings_len > MAX_STRINGS_LEN
      || data_offset != align_up (HEADER_LEN + (guint64) strings_len + 8 * (guint64) n_images)
      || file_size != data_offset + (guint64) n_images * n_cells * channels * sizeof (float))
    return corrupt (cache, error, "inconsistent header");
  if (size != file_size)
    return corrupt (cache, error, size < file_size ? "truncated" : "trailing bytes");

  guint8 digest[32];
  header_checksum (data, data + HEADER_LEN, strings_len + 8 * (gsize) n_images, digest);
  if (memcmp (digest, data + CHECKSUMMED_HEADER_LEN, 32) != 0)
    return corrupt (cache, error, "header checksum mismatch");

  memcpy (cache->encoder_sha256, data + 48, SHA_HEX_LEN);
  cache->n_images = n_images;
  cache->n_cells = n_cells;
  cache->channels = channels;
  cache->grids = (const float *) (data + data_offset);

  /* The strings: the folder, then exactly n_images unique ids. */
  const char *strings = (const char *) data + HEADER_LEN;
  const char *end = strings + strings_len;
  if (strings_len == 0 || end[-1] != '\0' || !g_utf8_validate (strings, -1, NULL))
    return corrupt (cache, error, "bad image names");
  cache->images_dir = g_strdup (strings);
  cache->ids = g_new (const char *, n_images);
  cache->index = g_hash_table_new (g_str_hash, g_str_equal);
  const char *s = strings + strlen (strings) + 1;
  for (guint32 i = 0; i < n_images; i++)
    {
      if (s >= end || !g_utf8_validate (s, -1, NULL) || !name_is_printable (s)
          || !g_hash_table_insert (cache->index, (gpointer) s, GINT_TO_POINTER (i + 1)))
        return corrupt (cache, error, "bad image names");
      cache->ids[i] = s;
      s += strlen (s) + 1;
    }
  if (s != end)
    return corrupt (cache, error, "bad image names");

  cache->hash_copy = g_new (guint64, n_images);
  for (guint32 i = 0; i < n_images; i++)
    cache->hash_copy[i] = load_u64 (data + HEADER_LEN + strings_len + 8 * (gsize) i);

  /* A sample of the grids, spread over the file, first and last included. */
  int n_samples = MIN ((int) n_images, N_SAMPLED_GRIDS);
  for (int k = 0; k < n_samples; k++)
    {
      int i = n_samples == 1 ? 0 : (int) ((gint64) k * (n_images - 1) / (n_samples - 1));
      if (!grid_is_intact (cache, i))
        {
          g_autofree char *problem = g_strdup_printf ("the grid of %s is damaged", cache->ids[i]);
          return corrupt (cache, error, problem);
        }
    }

  if (encoder_sha256 != NULL && strcmp (encoder_sha256, cache->encoder_sha256) != 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                   "%s: grids of encoder %.16s…, not %.16s…", path, cache->encoder_sha256,
                   encoder_sha256);
      gaze_feature_cache_free (cache);
      return NULL;
    }
  return cache;
}

gboolean
gaze_feature_cache_verify (const GazeFeatureCache *cache, GazeProgressFunc progress,
                           gpointer user_data, GError **error)
{
  g_return_val_if_fail (cache != NULL, FALSE);
  for (int i = 0; i < cache->n_images; i++)
    {
      if (!grid_is_intact (cache, i))
        {
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s: the grid of %s is damaged",
                       cache->path, cache->ids[i]);
          return FALSE;
        }
      if (progress != NULL && !progress (i + 1, cache->n_images, user_data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s: verification cancelled",
                       cache->path);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
_gaze_feature_cache_is_current (const GazeFeatureCache *cache, const char *encoder_sha256,
                               int n_cells, int channels, const char *images_dir, GError **why)
{
  g_return_val_if_fail (cache != NULL && encoder_sha256 != NULL && images_dir != NULL, FALSE);
  if (strcmp (cache->encoder_sha256, encoder_sha256) != 0 || cache->n_cells != n_cells
      || cache->channels != channels)
    {
      g_set_error (why, GAZE_ERROR, GAZE_ERROR_MISMATCH, "%s: made by another encoder",
                   cache->path);
      return FALSE;
    }
  GPtrArray *ids = list_images (images_dir, why);
  if (ids == NULL)
    return FALSE;
  gboolean same = (int) ids->len == cache->n_images;
  for (guint i = 0; same && i < ids->len; i++)
    same = strcmp (g_ptr_array_index (ids, i), cache->ids[i]) == 0;
  g_ptr_array_unref (ids);
  if (!same)
    g_set_error (why, GAZE_ERROR, GAZE_ERROR_MISMATCH, "%s: made for other images than %s",
                 cache->path, images_dir);
  return same;
}

const float *
gaze_feature_cache_lookup (const GazeFeatureCache *cache, const char *image_id)
{
  g_return_val_if_fail (cache != NULL && image_id != NULL, NULL);
  int i = GPOINTER_TO_INT (g_hash_table_lookup (cache->index, image_id)) - 1;
  if (i < 0)
    return NULL;
  return cache->grids + (gsize) i * cache->n_cells * cache->channels;
}

int
gaze_feature_cache_get_n_images (const GazeFeatureCache *cache)
{
  return cache->n_images;
}

int
gaze_feature_cache_get_n_cells (const GazeFeatureCache *cache)
{
  return cache->n_cells;
}

int
gaze_feature_cache_get_channels (const GazeFeatureCache *cache)
{
  return cache->channels;
}

const char *
gaze_feature_cache_get_images_dir (const GazeFeatureCache *cache)
{
  return cache->images_dir;
}

char *
gaze_feature_cache_default_path (const GazeEncoder *encoder)
{
  g_return_val_if_fail (encoder != NULL, NULL);
  g_autofree char *name = g_strdup_printf ("features-%.16s.bin", gaze_encoder_get_sha256 (encoder));
  return g_build_filename (g_get_user_cache_dir (), "gaze", name, NULL);
}

char *
gaze_feature_cache_mirrored_id (const char *encoder_sha256)
{
  g_return_val_if_fail (encoder_sha256 != NULL, NULL);
  g_autofree char *what = g_strconcat ("mirrored left to right by ", encoder_sha256, NULL);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, what, -1);
}

char *
gaze_feature_cache_mirrored_path (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (g_str_has_suffix (path, ".bin"))
    return g_strdup_printf ("%.*s-mirrored.bin", (int) strlen (path) - 4, path);
  return g_strconcat (path, "-mirrored", NULL);
}

/* ── Building ────────────────────────────────────────────────────────────── */

typedef struct {
  const GazeEncoder *encoder;
  gboolean mirror; /* encode each photo mirrored left to right */
  const char *images_dir;
  GPtrArray *ids;
  Writer *writer;
  int n_workers;
  gint next;   /* the next image to take, atomically */
  GMutex lock; /* guards the fields below */
  GCond changed;
  int n_done;
  int n_running;
  gboolean stop;
  GError *error; /* the first failure */
} Build;

static void
build_fail (Build *b, GError *error)
{
  g_mutex_lock (&b->lock);
  if (b->error == NULL)
    b->error = error;
  else
    g_error_free (error);
  g_atomic_int_set (&b->stop, TRUE);
  g_cond_signal (&b->changed);
  g_mutex_unlock (&b->lock);
}

static gpointer
build_worker (gpointer data)
{
  Build *b = data;
  int n_cells = gaze_encoder_get_grid_size (b->encoder) * gaze_encoder_get_grid_size (b->encoder);
  float *grid = g_new (float, (gsize) n_cells * gaze_encoder_get_channels (b->encoder));

  for (;;)
    {
      int i = g_atomic_int_add (&b->next, 1);
      if (i >= (int) b->ids->len || g_atomic_int_get (&b->stop))
        break;
      g_autofree char *name = g_strconcat (g_ptr_array_index (b->ids, i), ".jpg", NULL);
      g_autofree char *path = g_build_filename (b->images_dir, name, NULL);
      GError *error = NULL;
      GazeImage *image = gaze_image_load (path, &error);
      if (image != NULL && b->mirror)
        gaze_image_mirror (image);
      gboolean ok = image != NULL
                    && gaze_encoder_encode_image (b->encoder, image, grid, NULL, &error)
                    && writer_put_grid (b->writer, i, grid, &error);
      gaze_image_free (image);
      if (!ok)
        {
          build_fail (b, error);
          break;
        }
      g_mutex_lock (&b->lock);
      b->n_done++;
      g_cond_signal (&b->changed);
      g_mutex_unlock (&b->lock);
    }
  g_free (grid);
  g_mutex_lock (&b->lock);
  b->n_running--;
  g_cond_signal (&b->changed);
  g_mutex_unlock (&b->lock);
  return NULL;
}

/* The grids of every photo in images_dir, keyed by id (the encoder's sha256,
 * or the mirrored id), mirrored first when mirror is set. */
static gboolean
build_grids (const char *path, const GazeEncoder *encoder, gboolean mirror, const char *id,
             const char *images_dir, int n_workers, GazeProgressFunc progress,
             gpointer user_data, GError **error)
{
  GPtrArray *ids = list_images (images_dir, error);
  if (ids == NULL)
    return FALSE;
  int grid_size = gaze_encoder_get_grid_size (encoder);
  Writer *writer = writer_begin (path, id, images_dir, ids->len,
                                 (const char *const *) ids->pdata, grid_size * grid_size,
                                 gaze_encoder_get_channels (encoder), error);
  if (writer == NULL)
    {
      g_ptr_array_unref (ids);
      return FALSE;
    }

  Build b = {
    .encoder = encoder,
    .mirror = mirror,
    .images_dir = images_dir,
    .ids = ids,
    .writer = writer,
    .n_workers = CLAMP (n_workers > 0 ? n_workers : DEFAULT_WORKERS, 1, (int) ids->len),
  };
  /* 0 of n first, so that a progress bar times the first image too. */
  if (progress != NULL && !progress (0, ids->len, user_data))
    {
      writer_free (writer);
      g_ptr_array_unref (ids);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                   "%s: building the feature cache was cancelled", path);
      return FALSE;
    }
  g_mutex_init (&b.lock);
  g_cond_init (&b.changed);
  b.n_running = b.n_workers;
  GThread **threads = g_new (GThread *, b.n_workers);
  for (int t = 0; t < b.n_workers; t++)
    threads[t] = g_thread_new ("gaze-features", build_worker, &b);

  /* Progress is reported from this thread only, so callers need no locks. */
  g_mutex_lock (&b.lock);
  int reported = 0;
  for (;;)
    {
      if (b.n_done != reported && !b.stop) /* report the last image too */
        {
          reported = b.n_done;
          g_mutex_unlock (&b.lock);
          gboolean go_on = progress == NULL || progress (reported, ids->len, user_data);
          g_mutex_lock (&b.lock);
          if (!go_on && !b.stop)
            {
              g_atomic_int_set (&b.stop, TRUE);
              g_set_error (&b.error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "%s: building the feature cache was cancelled", path);
            }
          continue;
        }
      if (b.n_running == 0)
        break;
      g_cond_wait (&b.changed, &b.lock);
    }
  g_mutex_unlock (&b.lock);
  for (int t = 0; t < b.n_workers; t++)
    g_thread_join (threads[t]);
  g_free (threads);
  g_mutex_clear (&b.lock);
  g_cond_clear (&b.changed);
  g_ptr_array_unref (ids);

  if (b.error != NULL)
    {
      writer_free (writer);
      g_propagate_error (error, b.error);
      return FALSE;
    }
  return writer_commit (writer, error);
}

gboolean
gaze_feature_cache_build (const char *path, const GazeEncoder *encoder, const char *images_dir,
                          int n_workers, GazeProgressFunc progress, gpointer user_data,
                          GError **error)
{
  g_return_val_if_fail (path != NULL && encoder != NULL && images_dir != NULL, FALSE);
  return build_grids (path, encoder, FALSE, gaze_encoder_get_sha256 (encoder), images_dir,
                      n_workers, progress, user_data, error);
}

/* Opens the cache at path if it holds the grids keyed id for images_dir,
 * or (re)builds it. */
static GazeFeatureCache *
cache_open (const char *path, const GazeEncoder *encoder, gboolean mirror, const char *id,
            const char *images_dir, GazeProgressFunc progress, gpointer user_data,
            GError **error)
{
  int grid_size = gaze_encoder_get_grid_size (encoder);
  GError *why = NULL;
  GazeFeatureCache *cache = gaze_feature_cache_load (path, NULL, &why);
  if (cache != NULL
      && _gaze_feature_cache_is_current (cache, id, grid_size * grid_size,
                                        gaze_encoder_get_channels (encoder), images_dir, &why))
    return cache;
  /* Missing, damaged, of another version or stale: build it anew. */
  g_debug ("rebuilding the feature cache: %s", why->message);
  g_error_free (why);
  gaze_feature_cache_free (cache);

  if (!build_grids (path, encoder, mirror, id, images_dir, 0, progress, user_data, error))
    return NULL;
  return gaze_feature_cache_load (path, id, error);
}

GazeFeatureCache *
gaze_feature_cache_open (const char *path, const GazeEncoder *encoder, const char *images_dir,
                         GazeProgressFunc progress, gpointer user_data, GError **error)
{
  g_return_val_if_fail (path != NULL && encoder != NULL && images_dir != NULL, NULL);
  return cache_open (path, encoder, FALSE, gaze_encoder_get_sha256 (encoder), images_dir,
                     progress, user_data, error);
}

GazeFeatureCache *
gaze_feature_cache_open_mirrored (const char *path, const GazeEncoder *encoder,
                                  const char *images_dir, GazeProgressFunc progress,
                                  gpointer user_data, GError **error)
{
  g_return_val_if_fail (path != NULL && encoder != NULL && images_dir != NULL, NULL);
  g_autofree char *id = gaze_feature_cache_mirrored_id (gaze_encoder_get_sha256 (encoder));
  return cache_open (path, encoder, TRUE, id, images_dir, progress, user_data, error);
}
