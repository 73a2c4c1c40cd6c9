/* vocab.c — the decoder's vocabulary: word ↔ id.
 *
 * Ids 0..3 are always <pad> <start> <end> <unk> (GAZE_TOKEN_*); the other
 * words follow in the order given, which gaze_dataset_build_vocab() makes
 * deterministic (count descending, then alphabetical).  A model file stores
 * the vocabulary as its words joined by newlines, so a word may not be empty
 * nor hold white space. */
#include "gaze-train.h"
#include "vocab.h"

#include <string.h>

struct _GazeVocab {
  int n_words;
  char **words;      /* n_words + 1, NULL-terminated */
  GHashTable *index; /* word (borrowed from words) → id + 1 */
};

const char *const gaze_vocab_special_tokens[GAZE_VOCAB_N_SPECIAL] = {
  "<pad>", "<start>", "<end>", "<unk>",
};

static gboolean
word_is_valid (const char *word)
{
  if (word[0] == '\0' || !g_utf8_validate (word, -1, NULL))
    return FALSE;
  for (const char *p = word; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        return FALSE;
    }
  return TRUE;
}

GazeVocab *
gaze_vocab_new (const char *const *words, int n_words, GError **error)
{
  g_return_val_if_fail (words != NULL || n_words == 0, NULL);

  if (n_words < GAZE_VOCAB_N_SPECIAL)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "a vocabulary needs at least the 4 special tokens, got %d words", n_words);
      return NULL;
    }
  for (int i = 0; i < GAZE_VOCAB_N_SPECIAL; i++)
    if (g_strcmp0 (words[i], gaze_vocab_special_tokens[i]) != 0)
      {
        g_autofree char *shown = g_strescape (words[i] ? words[i] : "(null)", NULL);
        g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                     "vocabulary word %d is '%.64s', expected '%s'", i, shown,
                     gaze_vocab_special_tokens[i]);
        return NULL;
      }

  g_autoptr (GazeVocab) vocab = g_new0 (GazeVocab, 1);
  vocab->n_words = n_words;
  vocab->words = g_new0 (char *, n_words + 1);
  vocab->index = g_hash_table_new (g_str_hash, g_str_equal);
  for (int i = 0; i < n_words; i++)
    {
      if (words[i] == NULL || !word_is_valid (words[i]))
        {
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                       "vocabulary word %d is empty, not UTF-8 or holds white space", i);
          return NULL;
        }
      vocab->words[i] = g_strdup (words[i]);
      if (!g_hash_table_insert (vocab->index, vocab->words[i], GINT_TO_POINTER (i + 1)))
        {
          g_autofree char *shown = g_strescape (words[i], NULL);
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                       "vocabulary word '%.64s' appears twice", shown);
          return NULL;
        }
    }
  return g_steal_pointer (&vocab);
}

void
gaze_vocab_free (GazeVocab *vocab)
{
  if (vocab == NULL)
    return;
  if (vocab->index != NULL)
    g_hash_table_destroy (vocab->index);
  g_strfreev (vocab->words);
  g_free (vocab);
}

int
gaze_vocab_get_size (const GazeVocab *vocab)
{
  g_return_val_if_fail (vocab != NULL, 0);
  return vocab->n_words;
}

const char *
gaze_vocab_get_word (const GazeVocab *vocab, int id)
{
  g_return_val_if_fail (vocab != NULL, NULL);
  g_return_val_if_fail (id >= 0 && id < vocab->n_words, NULL);
  return vocab->words[id];
}

int
gaze_vocab_lookup (const GazeVocab *vocab, const char *word)
{
  g_return_val_if_fail (vocab != NULL && word != NULL, GAZE_TOKEN_UNK);
  int id = GPOINTER_TO_INT (g_hash_table_lookup (vocab->index, word)) - 1;
  return id >= 0 ? id : GAZE_TOKEN_UNK;
}

int
gaze_vocab_encode (const GazeVocab *vocab, const char *caption, int *ids, int max_ids)
{
  g_return_val_if_fail (vocab != NULL && caption != NULL, 0);
  g_return_val_if_fail (ids != NULL || max_ids <= 0, 0);

  /* caption is normalised: words separated by single spaces; runs of spaces
   * are tolerated all the same.  At most max_ids ids are written. */
  int n = 0;
  const char *p = caption;
  char word[256];
  while (*p != '\0' && n < max_ids)
    {
      while (*p == ' ')
        p++;
      const char *end = strchr (p, ' ');
      size_t len = end ? (size_t) (end - p) : strlen (p);
      if (len == 0)
        break;
      if (len < sizeof word)
        {
          memcpy (word, p, len);
          word[len] = '\0';
          ids[n++] = gaze_vocab_lookup (vocab, word);
        }
      else
        {
          g_autofree char *long_word = g_strndup (p, len);
          ids[n++] = gaze_vocab_lookup (vocab, long_word);
        }
      p += len;
    }
  return n;
}
