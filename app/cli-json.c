/* cli-json.c — JSON string escaping (RFC 8259, section 7). */
#include "cli-json.h"

#include <math.h>

#include "gaze.h"

void
gaze_json_append_string (GString *out, const char *s)
{
  g_autofree char *valid = g_utf8_make_valid (s, -1);
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) valid; *p != '\0'; p++)
    switch (*p)
      {
      case '"':
        g_string_append (out, "\\\"");
        break;
      case '\\':
        g_string_append (out, "\\\\");
        break;
      case '\n':
        g_string_append (out, "\\n");
        break;
      case '\r':
        g_string_append (out, "\\r");
        break;
      case '\t':
        g_string_append (out, "\\t");
        break;
      case '\b':
        g_string_append (out, "\\b");
        break;
      case '\f':
        g_string_append (out, "\\f");
        break;
      default:
        if (*p < 0x20)
          g_string_append_printf (out, "\\u%04x", *p);
        else
          g_string_append_c (out, (char) *p);
      }
  g_string_append_c (out, '"');
}

void
gaze_json_append_float (GString *out, double value)
{
  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  /* g_ascii_formatd ignores the locale: always a '.' decimal point. */
  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.6g", value));
}

gboolean
gaze_json_write_results (const char *path, int n, char *const *ids, char *const *file_names,
                         char *const *captions, GError **error)
{
  g_autoptr (GString) out = g_string_new ("[\n");
  for (int i = 0; i < n; i++)
    {
      g_string_append (out, "  {\"image_id\": ");
      gaze_json_append_string (out, ids[i]);
      if (file_names != NULL)
        {
          g_string_append (out, ", \"file_name\": ");
          gaze_json_append_string (out, file_names[i]);
        }
      g_string_append (out, ", \"caption\": ");
      gaze_json_append_string (out, captions[i]);
      g_string_append (out, i + 1 < n ? "},\n" : "}\n");
    }
  g_string_append (out, "]\n");
  g_autoptr (GError) local = NULL;
  if (!g_file_set_contents_full (path, out->str, out->len, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                 &local))
    {
      /* GLib names its temporary file; the user knows the file they asked for. */
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: not written: %s", path, local->message);
      return FALSE;
    }
  return TRUE;
}
