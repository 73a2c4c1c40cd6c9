/* text.c — caption normalisation.
 *
 * Every caption, whether it comes from Flickr8k.token.txt, from the decoder or
 * from a user, goes through gaze_text_normalize() before it is counted,
 * looked up or scored, so that "A dog's ball ." and "a dogs ball" are the
 * same three words everywhere:
 *
 *   - the text is lowercased (Unicode-aware, g_utf8_strdown);
 *   - punctuation, symbols and invisible format characters (zero-width
 *     space, say) are deleted, not turned into spaces, so that
 *     "dog's" → "dogs" and "t-shirt" → "tshirt" (as Python's
 *     str.translate(…, string.punctuation) does in the usual Flickr8k scripts);
 *   - any run of white space or control characters becomes one space, with
 *     none at either end.
 *
 * Invalid UTF-8 is repaired first (g_utf8_make_valid), so the result is always
 * valid UTF-8. */
#include "gaze-train.h"

#include <string.h>

char *
gaze_text_normalize (const char *caption)
{
  g_return_val_if_fail (caption != NULL, NULL);

  g_autofree char *valid = g_utf8_make_valid (caption, -1);
  g_autofree char *lower = g_utf8_strdown (valid, -1);
  GString *out = g_string_sized_new (strlen (lower));
  gboolean pending_space = FALSE;

  for (const char *p = lower; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        pending_space = out->len > 0;
      else if (g_unichar_ispunct (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
        continue; /* punctuation, symbols and invisible format marks: deleted */
      else
        {
          if (pending_space)
            g_string_append_c (out, ' ');
          pending_space = FALSE;
          g_string_append_unichar (out, c);
        }
    }
  return g_string_free (out, FALSE);
}

/* The words that trade places when a photo is mirrored left to right. */
static const char *const mirror_pairs[][2] = { { "left", "right" } };

/* word's mirror image: the other word of its pair, or itself. */
static const char *
mirror_word (const char *word)
{
  for (gsize k = 0; k < G_N_ELEMENTS (mirror_pairs); k++)
    for (int side = 0; side < 2; side++)
      if (strcmp (word, mirror_pairs[k][side]) == 0)
        return mirror_pairs[k][1 - side];
  return word;
}

char *
gaze_text_mirror (const char *caption)
{
  g_return_val_if_fail (caption != NULL, NULL);
  g_auto (GStrv) words = g_strsplit (caption, " ", -1);
  GString *out = g_string_new (NULL);
  for (char **w = words; *w != NULL; w++)
    {
      if (w != words)
        g_string_append_c (out, ' ');
      g_string_append (out, mirror_word (*w));
    }
  return g_string_free (out, FALSE);
}
