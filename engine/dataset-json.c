/* dataset-json.c — the JSON caption files that captioning code reads:
 *
 *   Karpathy's split files (dataset_flickr8k.json, dataset_flickr30k.json,
 *   dataset_coco.json):
 *     {"images": [{"filename": "x.jpg", "filepath": "val2014", "split": "train",
 *                  "sentences": [{"tokens": ["a", "dog"], "raw": "A dog."}, …]}, …]}
 *   COCO's caption annotations (captions_train2014.json, …), one split a file:
 *     {"images": [{"id": 42, "file_name": "x.jpg"}, …],
 *      "annotations": [{"image_id": 42, "caption": "A dog."}, …]}
 *
 * The format is told from the content: "annotations" makes it COCO, else
 * "images" Karpathy.  Parsed with json-glib.  Captions go through
 * gaze_text_normalize as Flickr8k's do (a Karpathy sentence's tokens joined
 * by spaces, or its "raw" text when it has no tokens).  Photos that are not
 * in the images folder are skipped and counted, as in dataset.c; a missing
 * or mistyped field, an annotation of an unknown image and an empty split
 * are one-line errors naming the file and the entry. */
#include "dataset.h"
#include "io.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* Far above dataset_coco.json (~150 MB); refuses absurd inputs before parsing. */
#define MAX_JSON_FILE_BYTES (1024u * 1024 * 1024)

const char *
gaze_dataset_format_to_string (GazeDatasetFormat format)
{
  switch (format)
    {
    case GAZE_DATASET_KARPATHY:
      return "Karpathy split JSON";
    case GAZE_DATASET_COCO:
      return "COCO captions JSON";
    case GAZE_DATASET_FLICKR8K:
    default:
      return "Flickr8k";
    }
}

typedef struct {
  const char *path;
  const char *images_dir;
  GHashTable *captions; /* file name → GPtrArray of normalised captions */
  GPtrArray *split;     /* file names (keys of captions), first appearance first */
  GHashTable *missing;  /* file names not in images_dir, counted once each */
  GHashTable *present;  /* file names found, checked once each */
} Reader;

static gboolean
fail (GError **error, const Reader *r, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, const Reader *r, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  /* The names quoted come from the file: one line, whatever they hold. */
  g_strdelimit (message, "\r\n\v\f", ' ');
  g_set_error (error, GAZE_ERROR, GAZE_ERROR_DATA, "%s: %s", r->path, message);
  return FALSE;
}

/* The member name of object as a node of type type, or NULL. */
static JsonNode *
member (JsonObject *object, const char *name, JsonNodeType type)
{
  JsonNode *node = json_object_get_member (object, name);
  return node != NULL && JSON_NODE_TYPE (node) == type ? node : NULL;
}

static const char *
string_member (JsonObject *object, const char *name)
{
  JsonNode *node = member (object, name, JSON_NODE_VALUE);
  return node != NULL && json_node_get_value_type (node) == G_TYPE_STRING
           ? json_node_get_string (node)
           : NULL;
}

/* An image id, an integer (COCO) or a string, as a string key; NULL if neither. */
static char *
id_member (JsonObject *object, const char *name)
{
  JsonNode *node = member (object, name, JSON_NODE_VALUE);
  if (node == NULL)
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return NULL;
}

/* Adds caption to photo name when the photo is in images_dir, else counts it
 * once as missing. */
static void
add_caption (Reader *r, const char *name, const char *text)
{
  if (g_hash_table_contains (r->missing, name))
    return;
  if (!g_hash_table_contains (r->present, name))
    {
      if (!_gaze_dataset_photo_exists (r->images_dir, name))
        {
          g_hash_table_add (r->missing, g_strdup (name));
          return;
        }
      g_hash_table_add (r->present, g_strdup (name));
    }
  _gaze_dataset_add_caption (r->captions, r->split, name, text);
}

static gboolean
in_split (const char *wanted, const char *split)
{
  return wanted == NULL || strcmp (wanted, split) == 0
         || (strcmp (wanted, "train") == 0 && strcmp (split, "restval") == 0);
}

/* One Karpathy sentence as text: its tokens joined, else its raw caption. */
static char *
sentence_text (JsonObject *sentence)
{
  JsonNode *tokens = member (sentence, "tokens", JSON_NODE_ARRAY);
  if (tokens == NULL)
    {
      const char *raw = string_member (sentence, "raw");
      return raw ? g_strdup (raw) : NULL;
    }
  JsonArray *array = json_node_get_array (tokens);
  GString *text = g_string_new (NULL);
  for (guint k = 0; k < json_array_get_length (array); k++)
    {
      JsonNode *token = json_array_get_element (array, k);
      if (JSON_NODE_TYPE (token) != JSON_NODE_VALUE
          || json_node_get_value_type (token) != G_TYPE_STRING)
        {
          g_string_free (text, TRUE);
          return NULL;
        }
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, json_node_get_string (token));
    }
  return g_string_free (text, FALSE);
}

/* Every image is checked, whatever its split, so that a damaged file fails
 * the same way for training and dev; *n_in_split counts the split's images. */
static gboolean
read_karpathy (Reader *r, JsonArray *images, const char *split, int *n_in_split, GError **error)
{
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonNode *node = json_array_get_element (images, i);
      if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
        return fail (error, r, "images[%u] is not an object", i);
      JsonObject *image = json_node_get_object (node);
      const char *filename = string_member (image, "filename");
      const char *image_split = string_member (image, "split");
      JsonNode *sentences = member (image, "sentences", JSON_NODE_ARRAY);
      if (filename == NULL)
        return fail (error, r, "images[%u] has no \"filename\" string", i);
      if (image_split == NULL)
        return fail (error, r, "images[%u] (%.200s) has no \"split\" string", i, filename);
      if (sentences == NULL)
        return fail (error, r, "images[%u] (%.200s) has no \"sentences\" array", i, filename);
      JsonArray *list = json_node_get_array (sentences);
      gboolean wanted = in_split (split, image_split);
      *n_in_split += wanted;
      for (guint j = 0; j < json_array_get_length (list); j++)
        {
          JsonNode *s = json_array_get_element (list, j);
          g_autofree char *text = JSON_NODE_TYPE (s) == JSON_NODE_OBJECT
                                    ? sentence_text (json_node_get_object (s))
                                    : NULL;
          if (text == NULL)
            return fail (error, r,
                         "images[%u].sentences[%u] (%.200s) has no \"tokens\" list of strings "
                         "or \"raw\" string", i, j, filename);
          if (wanted)
            add_caption (r, filename, text);
        }
    }
  return TRUE;
}

static gboolean
read_coco (Reader *r, JsonArray *images, JsonArray *annotations, int *n_in_split,
           GError **error)
{
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonNode *node = json_array_get_element (images, i);
      if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
        return fail (error, r, "images[%u] is not an object", i);
      JsonObject *image = json_node_get_object (node);
      char *id = id_member (image, "id");
      const char *file_name = string_member (image, "file_name");
      if (id == NULL || file_name == NULL)
        {
          g_free (id);
          return fail (error, r, "images[%u] has no %s", i,
                       file_name == NULL ? "\"file_name\" string" : "integer \"id\"");
        }
      /* The name lives as long as the parsed file. */
      g_hash_table_replace (names, id, (gpointer) file_name);
    }
  *n_in_split = g_hash_table_size (names);
  for (guint i = 0; i < json_array_get_length (annotations); i++)
    {
      JsonNode *node = json_array_get_element (annotations, i);
      if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
        return fail (error, r, "annotations[%u] is not an object", i);
      JsonObject *annotation = json_node_get_object (node);
      g_autofree char *id = id_member (annotation, "image_id");
      const char *caption = string_member (annotation, "caption");
      if (id == NULL)
        return fail (error, r, "annotations[%u] has no integer \"image_id\"", i);
      if (caption == NULL)
        return fail (error, r, "annotations[%u] has no \"caption\" string", i);
      const char *file_name = g_hash_table_lookup (names, id);
      if (file_name == NULL)
        return fail (error, r, "annotations[%u]: image_id %.40s is not in \"images\"", i, id);
      add_caption (r, file_name, caption);
    }
  return TRUE;
}

GazeDataset *
_gaze_dataset_load_json_data (const char *images_dir, const char *data, gsize len,
                             const char *path, const char *split, GazeDatasetFormat *format,
                             GError **error)
{
  g_return_val_if_fail (images_dir != NULL && path != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  Reader r = { .path = path, .images_dir = images_dir };
  if (!g_file_test (images_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_IO, "%s: not a folder of images", images_dir);
      return NULL;
    }
  if (len > G_MAXSSIZE || len > MAX_JSON_FILE_BYTES)
    {
      fail (error, &r, "larger than %u MiB", MAX_JSON_FILE_BYTES >> 20);
      return NULL;
    }
  if (len > 0 && memchr (data, '\0', len) != NULL)
    {
      fail (error, &r, "not a JSON caption file (it holds NUL bytes)");
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  GError *local = NULL;
  if (!json_parser_load_from_data (parser, len > 0 ? data : "", len, &local))
    {
      g_strdelimit (local->message, "\r\n", ' ');
      fail (error, &r, "not valid JSON: %s", local->message);
      g_error_free (local);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *top = root != NULL && JSON_NODE_TYPE (root) == JSON_NODE_OBJECT
                      ? json_node_get_object (root)
                      : NULL;
  JsonNode *images = top ? member (top, "images", JSON_NODE_ARRAY) : NULL;
  JsonNode *annotations = top ? json_object_get_member (top, "annotations") : NULL;
  if (images == NULL)
    {
      fail (error, &r, "neither a Karpathy split file nor COCO captions (no \"images\" array)");
      return NULL;
    }
  GazeDatasetFormat found = annotations != NULL ? GAZE_DATASET_COCO : GAZE_DATASET_KARPATHY;
  if (format != NULL)
    *format = found;
  if (annotations != NULL && JSON_NODE_TYPE (annotations) != JSON_NODE_ARRAY)
    {
      fail (error, &r, "COCO captions: \"annotations\" is not an array");
      return NULL;
    }

  r.captions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_ptr_array_unref);
  r.split = g_ptr_array_new ();
  r.missing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r.present = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int n_in_split = 0;
  gboolean ok = found == GAZE_DATASET_COCO
                  ? read_coco (&r, json_node_get_array (images), json_node_get_array (annotations),
                               &n_in_split, error)
                  : read_karpathy (&r, json_node_get_array (images), split, &n_in_split, error);
  GazeDataset *dataset = NULL;
  if (!ok)
    ;
  else if (n_in_split == 0 && found == GAZE_DATASET_KARPATHY && split != NULL)
    fail (error, &r, "no photos in split \"%s\"", split);
  else if (n_in_split == 0)
    fail (error, &r, "no photos");
  else if (r.split->len == 0 && g_hash_table_size (r.missing) > 0)
    fail (error, &r, "none of its %u captioned photos is in %s", g_hash_table_size (r.missing),
          images_dir);
  else if (r.split->len == 0)
    fail (error, &r, "none of its %d photos has a caption", n_in_split);
  else
    dataset = _gaze_dataset_new_from_split (r.split, r.captions,
                                           (int) g_hash_table_size (r.missing));
  g_hash_table_destroy (r.present);
  g_hash_table_destroy (r.missing);
  g_ptr_array_unref (r.split);
  g_hash_table_destroy (r.captions);
  return dataset;
}

GazeDataset *
gaze_dataset_load_json (const char *images_dir, const char *json_file, const char *split,
                        GazeDatasetFormat *format, GError **error)
{
  g_return_val_if_fail (images_dir != NULL && json_file != NULL, NULL);
  GMappedFile *mapped = _gaze_io_map_file (json_file, error);
  if (mapped == NULL)
    return NULL;
  GazeDataset *dataset = _gaze_dataset_load_json_data (images_dir,
                                                      g_mapped_file_get_contents (mapped),
                                                      g_mapped_file_get_length (mapped),
                                                      json_file, split, format, error);
  g_mapped_file_unref (mapped);
  return dataset;
}
