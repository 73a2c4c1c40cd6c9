/* flatbuffer.h — a bounds-checked reader for FlatBuffers (internal).
 *
 * Every offset, vector and string is checked against the buffer before it is
 * read, so a hostile file yields an error, never an out-of-bounds read.  The
 * reader is iterative (no recursion) and reads unaligned little-endian data
 * with memcpy.  Errors are GAZE_ERROR_CORRUPT without the file's name: the
 * caller prefixes it.
 */
#pragma once

#include <glib.h>

typedef struct {
  const guint8 *data;
  gsize size;
} FbBuffer;

/* A table: its position and its vtable, both already checked. */
typedef struct {
  const FbBuffer *fb;
  gsize pos;
  gsize vtable;
  guint vtable_size;
  guint table_size;
} FbTable;

/* A vector: the position of its first element and its length; the whole
 * length × element size lies inside the buffer. */
typedef struct {
  const FbBuffer *fb;
  gsize pos;
  guint32 length;
  guint elem_size;
} FbVector;

/* The root table; checks the 4-byte file identifier when identifier != NULL. */
gboolean _gaze_fb_root (const FbBuffer *fb, const char *identifier, FbTable *root, GError **error);

/* Where field's value (size bytes) lies, 0 when absent; fails when it does
 * not fit inside the table. */
gboolean _gaze_fb_table_field_pos (const FbTable *t, guint field, gsize size, gsize *pos,
                             GError **error);
/* Scalars: the default when the field is absent. */
gboolean _gaze_fb_table_u8 (const FbTable *t, guint field, guint8 def, guint8 *out, GError **error);
gboolean _gaze_fb_table_i32 (const FbTable *t, guint field, gint32 def, gint32 *out, GError **error);
gboolean _gaze_fb_table_u32 (const FbTable *t, guint field, guint32 def, guint32 *out, GError **error);
gboolean _gaze_fb_table_u64 (const FbTable *t, guint field, guint64 def, guint64 *out, GError **error);
gboolean _gaze_fb_table_f32 (const FbTable *t, guint field, float def, float *out, GError **error);

/* A sub-table; *present is FALSE when the field is absent. */
gboolean _gaze_fb_table_table (const FbTable *t, guint field, FbTable *out, gboolean *present,
                         GError **error);
/* A vector of elem_size-byte elements (4 for tables and offsets); absent is empty. */
gboolean _gaze_fb_table_vector (const FbTable *t, guint field, guint elem_size, FbVector *out,
                          GError **error);
/* A string: NUL-terminated inside the buffer; absent gives "". */
gboolean _gaze_fb_table_string (const FbTable *t, guint field, const char **out, GError **error);

/* Elements of a vector; i must be below v->length (the caller's loop bound). */
gboolean _gaze_fb_vector_table (const FbVector *v, guint32 i, FbTable *out, GError **error);
gint32 _gaze_fb_vector_i32 (const FbVector *v, guint32 i);
gint64 _gaze_fb_vector_i64 (const FbVector *v, guint32 i);
float _gaze_fb_vector_f32 (const FbVector *v, guint32 i);
const guint8 *_gaze_fb_vector_data (const FbVector *v);
