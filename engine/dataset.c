/* dataset.c — Flickr8k-style captions: a token file, split lists, a vocabulary.
 *
 * Flickr8k.token.txt holds one caption a line, "IMAGE#N<TAB>caption", five a
 * photo; the split files (Flickr_8k.trainImages.txt …) list one image file
 * name a line.  A few caption lines name images that are not in the images
 * folder (Flickr8k's "2258277193_586949ec62.jpg.1", say): they are skipped and
 * counted in n_skipped, as are split entries naming missing images.  A
 * malformed line is an error naming the file and line; it never crashes. */
#include "dataset.h"
#include "io.h"
#include "vocab.h"

#include <string.h>

/* Far above Flickr30k's token file (~25 MB); refuses absurd inputs before
 * reading them. */
#define MAX_TEXT_FILE_BYTES (512 * 1024 * 1024)

typedef struct {
  const char *images_dir;
  GHashTable *exists;   /* image file name → GINT (1 present, 2 absent) */
  GHashTable *captions; /* image file name → GPtrArray of normalised captions */
  GPtrArray *order;     /* image file names with captions, first appearance first */
  GPtrArray *split;     /* the split's image file names (keys of captions), in order */
  GHashTable *in_split; /* the same, as a set */
  int n_skipped;
} Parser;

/* Maps the whole file; refuses files over MAX_TEXT_FILE_BYTES. */
static GMappedFile *
map_text_file (const char *path, GError **error)
{
  GMappedFile *mapped = _gaze_io_map_file (path, error);
  if (mapped == NULL)
    return NULL;
  if (g_mapped_file_get_length (mapped) > MAX_TEXT_FILE_BYTES)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA, "%s: larger than %d MiB", path,
                   MAX_TEXT_FILE_BYTES >> 20);
      g_mapped_file_unref (mapped);
      return NULL;
    }
  return mapped;
}

/* Calls line_func on every line (without its \n or \r\n) with its 1-based
 * number; stops at the first failure. */
typedef gboolean (*LineFunc) (Parser *parser, char *line, int number, GError **error);

static gboolean
for_each_line (GMappedFile *mapped, LineFunc line_func, Parser *parser, GError **error)
{
  const char *text = g_mapped_file_get_contents (mapped);
  gsize length = g_mapped_file_get_length (mapped);
  gsize start = 0;
  int number = 0;
  while (start < length)
    {
      const char *nl = memchr (text + start, '\n', length - start);
      gsize end = nl ? (gsize) (nl - text) : length;
      gsize line_end = end;
      if (line_end > start && text[line_end - 1] == '\r')
        line_end--;
      g_autofree char *line = g_strndup (text + start, line_end - start);
      number++;
      if (!line_func (parser, line, number, error))
        return FALSE;
      start = end + 1;
    }
  return TRUE;
}

gboolean
_gaze_dataset_photo_exists (const char *images_dir, const char *name)
{
  /* A name is a plain file name: "../x.jpg" or "a/b.jpg" never count. */
  if (name[0] == '\0' || strchr (name, '/') != NULL || strcmp (name, ".") == 0
      || strcmp (name, "..") == 0)
    return FALSE;
  g_autofree char *path = g_build_filename (images_dir, name, NULL);
  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* Whether images_dir holds the regular file name; remembered per name. */
static gboolean
image_exists (Parser *parser, const char *name)
{
  int state = GPOINTER_TO_INT (g_hash_table_lookup (parser->exists, name));
  if (state == 0)
    {
      state = _gaze_dataset_photo_exists (parser->images_dir, name) ? 1 : 2;
      g_hash_table_insert (parser->exists, g_strdup (name), GINT_TO_POINTER (state));
    }
  return state == 1;
}

static gboolean
parse_token_line (Parser *parser, char *line, int number, GError **error)
{
  if (line[strspn (line, " \t")] == '\0')
    return TRUE; /* blank */
  char *tab = strchr (line, '\t');
  char *hash = tab ? g_strrstr_len (line, tab - line, "#") : NULL;
  if (hash == NULL || hash == line)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA,
                   "line %d: expected IMAGE#N<TAB>caption", number);
      return FALSE;
    }
  *hash = '\0';
  const char *name = line;
  if (!image_exists (parser, name))
    {
      parser->n_skipped++;
      return TRUE;
    }
  _gaze_dataset_add_caption (parser->captions, parser->order, name, tab + 1);
  return TRUE;
}


/* A split line names one image file ("1000268201_693b08cb0e.jpg"). */
static gboolean
parse_split_line (Parser *parser, char *line, int number, GError **error)
{
  const char *name = g_strstrip (line);
  if (name[0] == '\0')
    return TRUE;
  if (!image_exists (parser, name))
    {
      parser->n_skipped++;
      return TRUE;
    }
  char *key = NULL;
  if (!g_hash_table_lookup_extended (parser->captions, name, (gpointer *) &key, NULL))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA, "line %d: image %s has no captions",
                   number, name);
      return FALSE;
    }
  if (g_hash_table_add (parser->in_split, key)) /* a repeated name counts once */
    g_ptr_array_add (parser->split, key);
  return TRUE;
}

/* Runs line_func over the lines of path; errors are prefixed with the path. */
static gboolean
parse_file (const char *path, LineFunc line_func, Parser *parser, GError **error)
{
  GMappedFile *mapped = map_text_file (path, error);
  if (mapped == NULL)
    return FALSE;
  GError *local = NULL;
  gboolean ok = for_each_line (mapped, line_func, parser, &local);
  g_mapped_file_unref (mapped);
  if (!ok)
    {
      g_strdelimit (local->message, "\r\n\v\f", ' '); /* it may quote the file */
      g_set_error (error, GAZE_ERROR, local->code, "%s: %s", path, local->message);
      g_error_free (local);
    }
  return ok;
}

void
_gaze_dataset_add_caption (GHashTable *captions, GPtrArray *order, const char *name,
                           const char *text)
{
  char *caption = gaze_text_normalize (text);
  if (caption[0] == '\0')
    {
      g_free (caption); /* nothing left to learn from */
      return;
    }
  GPtrArray *list = g_hash_table_lookup (captions, name);
  if (list == NULL)
    {
      char *key = g_strdup (name);
      list = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (captions, key, list);
      g_ptr_array_add (order, key);
    }
  g_ptr_array_add (list, caption);
}

GazeDataset *
_gaze_dataset_new_from_split (GPtrArray *split, GHashTable *captions, int n_skipped)
{
  GazeDataset *dataset = g_new0 (GazeDataset, 1);
  dataset->n_images = split->len;
  dataset->n_skipped = n_skipped;
  dataset->image_ids = g_new0 (char *, dataset->n_images + 1);
  dataset->captions = g_new0 (char **, dataset->n_images + 1);
  for (int i = 0; i < dataset->n_images; i++)
    {
      const char *name = g_ptr_array_index (split, i);
      GPtrArray *list = g_hash_table_lookup (captions, name);
      dataset->image_ids[i] = g_str_has_suffix (name, ".jpg")
                                ? g_strndup (name, strlen (name) - strlen (".jpg"))
                                : g_strdup (name);
      dataset->captions[i] = g_new0 (char *, list->len + 1);
      for (guint j = 0; j < list->len; j++)
        dataset->captions[i][j] = g_strdup (g_ptr_array_index (list, j));
    }
  return dataset;
}

GazeDataset *
gaze_dataset_load (const char *images_dir, const char *token_file, const char *split_file,
                   GError **error)
{
  g_return_val_if_fail (images_dir != NULL && token_file != NULL, NULL);

  if (!g_file_test (images_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: not a folder of images", images_dir);
      return NULL;
    }
  Parser parser = {
    .images_dir = images_dir,
    .exists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .captions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_ptr_array_unref),
    .order = g_ptr_array_new (),
    .split = g_ptr_array_new (),
    .in_split = g_hash_table_new (g_str_hash, g_str_equal),
  };
  GazeDataset *dataset = NULL;

  if (!parse_file (token_file, parse_token_line, &parser, error))
    goto out;
  if (split_file != NULL)
    {
      if (!parse_file (split_file, parse_split_line, &parser, error))
        goto out;
    }
  else /* no split: every image with captions, in token-file order */
    g_ptr_array_extend (parser.split, parser.order, NULL, NULL);

  if (parser.split->len == 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA, "%s: no captioned images found in %s",
                   split_file ? split_file : token_file, images_dir);
      goto out;
    }

  dataset = _gaze_dataset_new_from_split (parser.split, parser.captions, parser.n_skipped);

out:
  g_hash_table_destroy (parser.in_split);
  g_ptr_array_unref (parser.split);
  g_ptr_array_unref (parser.order);
  g_hash_table_destroy (parser.captions);
  g_hash_table_destroy (parser.exists);
  return dataset;
}

void
gaze_dataset_free (GazeDataset *dataset)
{
  if (dataset == NULL)
    return;
  for (int i = 0; i < dataset->n_images; i++)
    g_strfreev (dataset->captions[i]);
  g_free (dataset->captions);
  g_strfreev (dataset->image_ids);
  g_free (dataset);
}

int
gaze_dataset_drop_unknown_captions (GazeDataset *dataset, const GazeVocab *vocab, char **example)
{
  g_return_val_if_fail (dataset != NULL && vocab != NULL, 0);
  int n_dropped = 0, kept_images = 0;
  for (int i = 0; i < dataset->n_images; i++)
    {
      char **captions = dataset->captions[i];
      int kept = 0;
      for (int j = 0; captions[j] != NULL; j++)
        {
          gboolean known = FALSE;
          g_auto (GStrv) words = g_strsplit (captions[j], " ", -1);
          for (char **w = words; *w != NULL && !known; w++)
            known = (*w)[0] != '\0' && gaze_vocab_lookup (vocab, *w) != GAZE_TOKEN_UNK;
          if (known)
            captions[kept++] = captions[j];
          else
            {
              if (n_dropped++ == 0 && example != NULL)
                *example = g_strdup_printf ("%s: \"%s\"", dataset->image_ids[i], captions[j]);
              g_free (captions[j]);
            }
        }
      captions[kept] = NULL;
      if (kept == 0)
        {
          g_free (captions);
          g_free (dataset->image_ids[i]);
          continue;
        }
      dataset->captions[kept_images] = captions;
      dataset->image_ids[kept_images] = dataset->image_ids[i];
      kept_images++;
    }
  dataset->captions[kept_images] = NULL;
  dataset->image_ids[kept_images] = NULL;
  dataset->n_images = kept_images;
  return n_dropped;
}

typedef struct {
  const char *word;
  int count;
} WordCount;

/* Most frequent first; ties alphabetically (byte order), so the vocabulary is
 * the same on every machine and every run. */
static int
compare_word_counts (gconstpointer a, gconstpointer b)
{
  const WordCount *x = a, *y = b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp (x->word, y->word);
}

GazeVocab *
gaze_dataset_build_vocab (const GazeDataset *dataset, int min_count)
{
  g_return_val_if_fail (dataset != NULL, NULL);

  g_autoptr (GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < dataset->n_images; i++)
    for (char **c = dataset->captions[i]; *c != NULL; c++)
      {
        g_auto (GStrv) words = g_strsplit (*c, " ", -1);
        for (char **w = words; *w != NULL; w++)
          {
            if ((*w)[0] == '\0')
              continue;
            gpointer old = g_hash_table_lookup (counts, *w);
            g_hash_table_replace (counts, g_strdup (*w),
                                  GINT_TO_POINTER (GPOINTER_TO_INT (old) + 1));
          }
      }

  g_autoptr (GArray) kept = g_array_new (FALSE, FALSE, sizeof (WordCount));
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      WordCount wc = { key, GPOINTER_TO_INT (value) };
      gboolean special = FALSE;
      for (gsize s = 0; s < GAZE_VOCAB_N_SPECIAL; s++)
        special |= strcmp (wc.word, gaze_vocab_special_tokens[s]) == 0;
      if (wc.count >= min_count && !special)
        g_array_append_val (kept, wc);
    }
  g_array_sort (kept, compare_word_counts);

  int n_words = GAZE_VOCAB_N_SPECIAL + kept->len;
  g_autofree const char **words = g_new (const char *, n_words);
  for (gsize s = 0; s < GAZE_VOCAB_N_SPECIAL; s++)
    words[s] = gaze_vocab_special_tokens[s];
  for (guint i = 0; i < kept->len; i++)
    words[GAZE_VOCAB_N_SPECIAL + i] = g_array_index (kept, WordCount, i).word;
  /* The words are normalised captions' words: never empty, never with
   * spaces, never repeated, so this cannot fail. */
  return gaze_vocab_new (words, n_words, NULL);
}
