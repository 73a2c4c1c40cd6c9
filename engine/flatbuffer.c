/* flatbuffer.c — a bounds-checked FlatBuffers reader.
 *
 * The format (flatbuffers.dev, "internals"): a buffer starts with a uoffset
 * to the root table, optionally followed by a 4-byte file identifier.  A table
 * starts with an soffset to its vtable (vtable = table − soffset); the vtable
 * holds its own size, the table's size, then one uint16 offset a field (0:
 * absent).  Offsets to tables, vectors and strings are uint32, relative to
 * where they are stored.  A vector is a uint32 length and its elements.
 */
#include "flatbuffer.h"

#include <string.h>

#include "gaze.h"

static gboolean
fail (GError **error, const char *what, gsize pos)
{
  g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s out of bounds at byte %" G_GSIZE_FORMAT,
               what, pos);
  return FALSE;
}

/* Whether [pos, pos + len) lies inside the buffer, without overflow. */
static inline gboolean
inside (const FbBuffer *fb, gsize pos, gsize len)
{
  return pos <= fb->size && len <= fb->size - pos;
}

static inline guint32
read_u32 (const FbBuffer *fb, gsize pos)
{
  guint32 v;
  memcpy (&v, fb->data + pos, 4);
  return GUINT32_FROM_LE (v);
}

static inline guint16
read_u16 (const FbBuffer *fb, gsize pos)
{
  guint16 v;
  memcpy (&v, fb->data + pos, 2);
  return GUINT16_FROM_LE (v);
}

static gboolean
table_at (const FbBuffer *fb, gsize pos, FbTable *out, GError **error)
{
  if (!inside (fb, pos, 4))
    return fail (error, "table", pos);
  gint32 soffset = (gint32) read_u32 (fb, pos);
  gint64 vtable = (gint64) pos - soffset;
  if (vtable < 0 || !inside (fb, (gsize) vtable, 4))
    return fail (error, "vtable", pos);
  guint vtable_size = read_u16 (fb, (gsize) vtable);
  guint table_size = read_u16 (fb, (gsize) vtable + 2);
  if (vtable_size < 4 || (vtable_size & 1) != 0 || !inside (fb, (gsize) vtable, vtable_size))
    return fail (error, "vtable", (gsize) vtable);
  if (table_size < 4 || !inside (fb, pos, table_size))
    return fail (error, "table", pos);
  *out = (FbTable) { fb, pos, (gsize) vtable, vtable_size, table_size };
  return TRUE;
}

gboolean
_gaze_fb_root (const FbBuffer *fb, const char *identifier, FbTable *root, GError **error)
{
  if (fb->size < 8)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT,
                   "too short for a FlatBuffer (%" G_GSIZE_FORMAT " bytes)", fb->size);
      return FALSE;
    }
  if (identifier != NULL && memcmp (fb->data + 4, identifier, 4) != 0)
    {
      char found[5];
      for (int i = 0; i < 4; i++)
        found[i] = g_ascii_isprint (fb->data[4 + i]) ? (char) fb->data[4 + i] : '?';
      found[4] = '\0';
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT,
                   "wrong file identifier \"%s\" (expected \"%s\")", found, identifier);
      return FALSE;
    }
  return table_at (fb, read_u32 (fb, 0), root, error);
}

gboolean
_gaze_fb_table_field_pos (const FbTable *t, guint field, gsize size, gsize *pos, GError **error)
{
  gsize entry = 4 + 2 * (gsize) field;
  *pos = 0;
  if (entry + 2 > t->vtable_size)
    return TRUE;
  guint offset = read_u16 (t->fb, t->vtable + entry);
  if (offset == 0)
    return TRUE;
  if (offset + size > t->table_size)
    return fail (error, "field", t->pos + offset);
  *pos = t->pos + offset;
  return TRUE;
}

#define SCALAR_GETTER(name, type, from_le)                                        \
  gboolean name (const FbTable *t, guint field, type def, type *out, GError **error) \
  {                                                                               \
    gsize pos;                                                                    \
    if (!_gaze_fb_table_field_pos (t, field, sizeof (type), &pos, error))                        \
      return FALSE;                                                               \
    if (pos == 0)                                                                 \
      {                                                                           \
        *out = def;                                                               \
        return TRUE;                                                              \
      }                                                                           \
    type v;                                                                       \
    memcpy (&v, t->fb->data + pos, sizeof v);                                     \
    *out = from_le (v);                                                           \
    return TRUE;                                                                  \
  }

#define SAME(x) (x)
SCALAR_GETTER (_gaze_fb_table_u8, guint8, SAME)
SCALAR_GETTER (_gaze_fb_table_i32, gint32, GINT32_FROM_LE)
SCALAR_GETTER (_gaze_fb_table_u32, guint32, GUINT32_FROM_LE)
SCALAR_GETTER (_gaze_fb_table_u64, guint64, GUINT64_FROM_LE)
#undef SAME

gboolean
_gaze_fb_table_f32 (const FbTable *t, guint field, float def, float *out, GError **error)
{
  guint32 bits, def_bits;
  memcpy (&def_bits, &def, 4);
  if (!_gaze_fb_table_u32 (t, field, def_bits, &bits, error))
    return FALSE;
  memcpy (out, &bits, 4);
  return TRUE;
}

/* Follows the uoffset stored in field; 0 when absent. */
static gboolean
follow (const FbTable *t, guint field, gsize *target, GError **error)
{
  gsize pos;
  *target = 0;
  if (!_gaze_fb_table_field_pos (t, field, 4, &pos, error))
    return FALSE;
  if (pos == 0)
    return TRUE;
  guint32 offset = read_u32 (t->fb, pos);
  if (offset == 0 || !inside (t->fb, pos + offset, 4))
    return fail (error, "offset", pos);
  *target = pos + offset;
  return TRUE;
}

gboolean
_gaze_fb_table_table (const FbTable *t, guint field, FbTable *out, gboolean *present, GError **error)
{
  gsize target;
  *present = FALSE;
  if (!follow (t, field, &target, error))
    return FALSE;
  if (target == 0)
    return TRUE;
  if (!table_at (t->fb, target, out, error))
    return FALSE;
  *present = TRUE;
  return TRUE;
}

static gboolean
vector_at (const FbBuffer *fb, gsize pos, guint elem_size, FbVector *out, GError **error)
{
  guint32 length = read_u32 (fb, pos);
  if (!inside (fb, pos + 4, (gsize) length * elem_size))
    return fail (error, "vector", pos);
  *out = (FbVector) { fb, pos + 4, length, elem_size };
  return TRUE;
}

gboolean
_gaze_fb_table_vector (const FbTable *t, guint field, guint elem_size, FbVector *out, GError **error)
{
  gsize target;
  *out = (FbVector) { t->fb, 0, 0, elem_size };
  if (!follow (t, field, &target, error))
    return FALSE;
  if (target == 0)
    return TRUE;
  return vector_at (t->fb, target, elem_size, out, error);
}

gboolean
_gaze_fb_table_string (const FbTable *t, guint field, const char **out, GError **error)
{
  FbVector v;
  *out = "";
  if (!_gaze_fb_table_vector (t, field, 1, &v, error))
    return FALSE;
  if (v.pos == 0)
    return TRUE;
  /* The terminating NUL must be inside the buffer, right after the bytes. */
  if (!inside (t->fb, v.pos + v.length, 1) || t->fb->data[v.pos + v.length] != '\0')
    return fail (error, "string", v.pos);
  *out = (const char *) t->fb->data + v.pos;
  return TRUE;
}

gboolean
_gaze_fb_vector_table (const FbVector *v, guint32 i, FbTable *out, GError **error)
{
  g_assert (i < v->length && v->elem_size == 4);
  gsize pos = v->pos + 4 * (gsize) i;
  guint32 offset = read_u32 (v->fb, pos);
  if (offset == 0 || !inside (v->fb, pos + offset, 4))
    return fail (error, "offset", pos);
  return table_at (v->fb, pos + offset, out, error);
}

gint32
_gaze_fb_vector_i32 (const FbVector *v, guint32 i)
{
  g_assert (i < v->length && v->elem_size == 4);
  return (gint32) read_u32 (v->fb, v->pos + 4 * (gsize) i);
}

gint64
_gaze_fb_vector_i64 (const FbVector *v, guint32 i)
{
  g_assert (i < v->length && v->elem_size == 8);
  guint64 x;
  memcpy (&x, v->fb->data + v->pos + 8 * (gsize) i, 8);
  return (gint64) GUINT64_FROM_LE (x);
}

float
_gaze_fb_vector_f32 (const FbVector *v, guint32 i)
{
  guint32 bits = (guint32) _gaze_fb_vector_i32 (v, i);
  float x;
  memcpy (&x, &bits, 4);
  return x;
}

const guint8 *
_gaze_fb_vector_data (const FbVector *v)
{
  return v->fb->data + v->pos;
}
