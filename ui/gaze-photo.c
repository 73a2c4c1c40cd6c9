/* gaze-photo.c — one open photo and its cached grids and captions. */
#include "config.h"

#include "gaze-photo.h"
#include "gaze-render.h"

#include <glib/gi18n.h>

#define THUMBNAIL_SIDE 96

struct _GazePhoto {
  GObject parent_instance;

  GFile *file;
  char *title;
  GazeImage *image;
  cairo_surface_t *surface;
  GdkTexture *thumbnail;
  GHashTable *cache; /* key (from GazeCaptioner) → CacheEntry */
};

G_DEFINE_FINAL_TYPE (GazePhoto, gaze_photo, G_TYPE_OBJECT)

typedef struct {
  gpointer data;
  GDestroyNotify destroy;
} CacheEntry;

static void
cache_entry_free (gpointer data)
{
  CacheEntry *entry = data;
  if (entry->destroy != NULL)
    entry->destroy (entry->data);
  g_free (entry);
}

enum { PROP_0, PROP_TITLE, PROP_THUMBNAIL, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
gaze_photo_finalize (GObject *object)
{
  GazePhoto *self = GAZE_PHOTO (object);
  g_clear_object (&self->file);
  g_free (self->title);
  g_clear_pointer (&self->image, gaze_image_free);
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  g_clear_object (&self->thumbnail);
  g_hash_table_unref (self->cache);
  G_OBJECT_CLASS (gaze_photo_parent_class)->finalize (object);
}

static void
gaze_photo_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GazePhoto *self = GAZE_PHOTO (object);
  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gaze_photo_class_init (GazePhotoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->finalize = gaze_photo_finalize;
  object_class->get_property = gaze_photo_get_property;
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_THUMBNAIL] = g_param_spec_object (
      "thumbnail", NULL, NULL, GDK_TYPE_TEXTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gaze_photo_init (GazePhoto *self)
{
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cache_entry_free);
}

GazePhoto *
gaze_photo_new_for_file (GFile *file)
{
  GazePhoto *self = g_object_new (GAZE_TYPE_PHOTO, NULL);
  self->file = g_object_ref (file);
  self->title = g_file_get_basename (file);
  return self;
}

GazePhoto *
gaze_photo_new_for_image (GazeImage *image, const char *title)
{
  GazePhoto *self = g_object_new (GAZE_TYPE_PHOTO, NULL);
  self->title = g_strdup (title);
  gaze_photo_set_image (self, image, NULL);
  return self;
}

GFile *
gaze_photo_get_file (GazePhoto *self)
{
  return self->file;
}

const char *
gaze_photo_get_title (GazePhoto *self)
{
  return self->title;
}

char *
gaze_photo_get_export_stem (GazePhoto *self)
{
  const char *dot = strrchr (self->title, '.');
  if (self->file != NULL && dot != NULL && dot != self->title)
    return g_strndup (self->title, dot - self->title);
  /* A pasted image: its title is a sentence, not a file name. */
  return g_strdup (C_("file name", "pasted-image"));
}

gboolean
gaze_photo_is_loaded (GazePhoto *self)
{
  return self->image != NULL;
}

const GazeImage *
gaze_photo_get_image (GazePhoto *self)
{
  return self->image;
}

cairo_surface_t *
gaze_photo_get_surface (GazePhoto *self)
{
  return self->surface;
}

GdkTexture *
gaze_photo_get_thumbnail (GazePhoto *self)
{
  return self->thumbnail;
}

/* A small copy of the photo, area-averaged by the engine, for the sidebar. */
static GdkTexture *
make_thumbnail (const GazeImage *image)
{
  double scale = MIN (1.0, (double) THUMBNAIL_SIDE / MAX (image->width, image->height));
  int width = MAX ((int) (image->width * scale), 1), height = MAX ((int) (image->height * scale), 1);
  guint8 *pixels = g_malloc ((gsize) width * height * 3);
  gaze_image_resize (image, width, height, pixels);
  g_autoptr (GBytes) bytes = g_bytes_new_take (pixels, (gsize) width * height * 3);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8, bytes, (gsize) width * 3);
}

void
gaze_photo_set_image (GazePhoto *self, GazeImage *image, cairo_surface_t *surface)
{
  g_return_if_fail (self->image == NULL);
  self->image = image;
  self->surface = surface != NULL ? surface : gaze_render_image_surface (image);
  self->thumbnail = make_thumbnail (image);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL]);
}

gconstpointer
gaze_photo_lookup (GazePhoto *self, const char *key)
{
  CacheEntry *entry = g_hash_table_lookup (self->cache, key);
  return entry != NULL ? entry->data : NULL;
}

gconstpointer
gaze_photo_store (GazePhoto *self, const char *key, gpointer data, GDestroyNotify destroy)
{
  CacheEntry *entry = g_hash_table_lookup (self->cache, key);
  if (entry != NULL)
    {
      if (destroy != NULL)
        destroy (data);
      return entry->data;
    }
  entry = g_new (CacheEntry, 1);
  entry->data = data;
  entry->destroy = destroy;
  g_hash_table_insert (self->cache, g_strdup (key), entry);
  return data;
}
