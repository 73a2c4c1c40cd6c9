/* gaze-cursor.c — the photo, caption, beam and word the window shows. */
#include "config.h"

#include "gaze-cursor.h"

struct _GazeCursor {
  GObject parent_instance;

  GazePhoto *photo;
  const GazeCaption *caption; /* the photo's */
  int beam, word;
  /* Steering: the captions under the shown one, oldest first (the original
   * at 0), and the masks of each steered caption, shown one included. */
  GPtrArray *below;  /* const GazeCaption * */
  GPtrArray *masks;  /* GBytes of floats, one per steered caption */
  guint maps;        /* evidence attached so far */
};

G_DEFINE_FINAL_TYPE (GazeCursor, gaze_cursor, G_TYPE_OBJECT)

enum { PROP_0, PROP_PHOTO, PROP_CAPTION, PROP_BEAM, PROP_WORD, PROP_N_WORDS, PROP_STEERED, PROP_MAPS, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
gaze_cursor_dispose (GObject *object)
{
  GazeCursor *self = GAZE_CURSOR (object);
  self->caption = NULL;
  g_ptr_array_set_size (self->below, 0);
  g_ptr_array_set_size (self->masks, 0);
  g_clear_object (&self->photo);
  G_OBJECT_CLASS (gaze_cursor_parent_class)->dispose (object);
}

static void
gaze_cursor_finalize (GObject *object)
{
  GazeCursor *self = GAZE_CURSOR (object);
  g_ptr_array_unref (self->below);
  g_ptr_array_unref (self->masks);
  G_OBJECT_CLASS (gaze_cursor_parent_class)->finalize (object);
}

static void
gaze_cursor_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GazeCursor *self = GAZE_CURSOR (object);
  switch (prop_id)
    {
    case PROP_PHOTO:
      g_value_set_object (value, self->photo);
      break;
    case PROP_CAPTION:
      g_value_set_pointer (value, (gpointer) self->caption);
      break;
    case PROP_BEAM:
      g_value_set_int (value, self->beam);
      break;
    case PROP_WORD:
      g_value_set_int (value, self->word);
      break;
    case PROP_N_WORDS:
      g_value_set_int (value, gaze_cursor_get_n_words (self));
      break;
    case PROP_STEERED:
      g_value_set_boolean (value, gaze_cursor_is_steered (self));
      break;
    case PROP_MAPS:
      g_value_set_uint (value, self->maps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gaze_cursor_class_init (GazeCursorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = gaze_cursor_dispose;
  object_class->finalize = gaze_cursor_finalize;
  object_class->get_property = gaze_cursor_get_property;
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  properties[PROP_PHOTO] = g_param_spec_object ("photo", NULL, NULL, GAZE_TYPE_PHOTO, flags);
  /* A const GazeCaption *, owned by the photo. */
  properties[PROP_CAPTION] = g_param_spec_pointer ("caption", NULL, NULL, flags);
  properties[PROP_BEAM] = g_param_spec_int ("beam", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_WORD] = g_param_spec_int ("word", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_N_WORDS] = g_param_spec_int ("n-words", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_STEERED] = g_param_spec_boolean ("steered", NULL, NULL, FALSE, flags);
  properties[PROP_MAPS] = g_param_spec_uint ("maps", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gaze_cursor_init (GazeCursor *self)
{
  self->word = -1;
  self->below = g_ptr_array_new ();
  self->masks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
}

GazeCursor *
gaze_cursor_new (void)
{
  return g_object_new (GAZE_TYPE_CURSOR, NULL);
}

const GazeBeam *
gaze_cursor_get_current_beam (GazeCursor *self)
{
  g_return_val_if_fail (GAZE_IS_CURSOR (self), NULL);
  if (self->caption == NULL || self->beam >= self->caption->n_beams)
    return NULL;
  return &self->caption->beams[self->beam];
}

int
gaze_cursor_get_n_words (GazeCursor *self)
{
  const GazeBeam *beam = gaze_cursor_get_current_beam (self);
  return beam != NULL ? beam->n_words : 0;
}

const GazeWord *
gaze_cursor_get_current_word (GazeCursor *self)
{
  const GazeBeam *beam = gaze_cursor_get_current_beam (self);
  if (beam == NULL || self->word < 0 || self->word >= beam->n_words)
    return NULL;
  return &beam->words[self->word];
}

/* Sets beam and word, notifying only what changed. */
static void
move (GazeCursor *self, int beam, int word, gboolean beam_changed)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (beam != self->beam || beam_changed)
    {
      self->beam = beam;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BEAM]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_WORDS]);
    }
  if (word != self->word)
    {
      self->word = word;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORD]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
gaze_cursor_set (GazeCursor *self, GazePhoto *photo, const GazeCaption *caption)
{
  g_return_if_fail (GAZE_IS_CURSOR (self));
  g_return_if_fail (photo == NULL || GAZE_IS_PHOTO (photo));
  g_return_if_fail (caption == NULL || photo != NULL);
  if (photo == self->photo && caption == self->caption && self->below->len == 0)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (self->below->len > 0)
    {
      g_ptr_array_set_size (self->below, 0);
      g_ptr_array_set_size (self->masks, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEERED]);
    }
  /* The old caption may belong to the old photo: drop it first. */
  gboolean caption_changed = caption != self->caption;
  self->caption = caption;
  if (g_set_object (&self->photo, photo))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PHOTO]);
  if (caption_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTION]);
  int n = caption != NULL && caption->n_beams > 0 ? caption->beams[0].n_words : 0;
  move (self, 0, n > 0 ? 0 : -1, caption_changed);
  g_object_thaw_notify (G_OBJECT (self));
}

void
gaze_cursor_set_beam (GazeCursor *self, int beam)
{
  g_return_if_fail (GAZE_IS_CURSOR (self));
  if (self->caption == NULL || beam < 0 || beam >= self->caption->n_beams)
    return;
  move (self, beam, self->caption->beams[beam].n_words > 0 ? 0 : -1, TRUE);
}

void
gaze_cursor_set_word (GazeCursor *self, int word)
{
  g_return_if_fail (GAZE_IS_CURSOR (self));
  int n = gaze_cursor_get_n_words (self);
  move (self, self->beam, n > 0 ? CLAMP (word, 0, n - 1) : -1, FALSE);
}

/* Shows caption in place of the one shown, at its best beam and, as far as
 * it goes, the same word. */
static void
replace_caption (GazeCursor *self, const GazeCaption *caption)
{
  g_object_freeze_notify (G_OBJECT (self));
  int word = self->word;
  self->caption = caption;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPTION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEERED]);
  int n = caption->n_beams > 0 ? caption->beams[0].n_words : 0;
  move (self, 0, n > 0 ? CLAMP (word, 0, n - 1) : -1, TRUE);
  g_object_thaw_notify (G_OBJECT (self));
}

void
gaze_cursor_push_steered (GazeCursor *self, const GazeCaption *caption, const float *masks,
                          int n_masks)
{
  g_return_if_fail (GAZE_IS_CURSOR (self));
  g_return_if_fail (caption != NULL && self->caption != NULL);
  g_return_if_fail (masks != NULL && n_masks > 0);
  g_ptr_array_add (self->below, (gpointer) self->caption);
  g_ptr_array_add (self->masks,
                   g_bytes_new (masks, sizeof (float) * (gsize) n_masks * caption->n_cells));
  replace_caption (self, caption);
}

gboolean
gaze_cursor_undo_steer (GazeCursor *self)
{
  g_return_val_if_fail (GAZE_IS_CURSOR (self), FALSE);
  if (self->below->len == 0)
    return FALSE;
  const GazeCaption *caption = g_ptr_array_steal_index (self->below, self->below->len - 1);
  g_ptr_array_set_size (self->masks, self->masks->len - 1);
  replace_caption (self, caption);
  return TRUE;
}

gboolean
gaze_cursor_is_steered (GazeCursor *self)
{
  g_return_val_if_fail (GAZE_IS_CURSOR (self), FALSE);
  return self->below->len > 0;
}

const GazeCaption *
gaze_cursor_get_original (GazeCursor *self)
{
  g_return_val_if_fail (GAZE_IS_CURSOR (self), NULL);
  return self->below->len > 0 ? self->below->pdata[0] : self->caption;
}

const float *
gaze_cursor_get_masks (GazeCursor *self, int *n_masks)
{
  g_return_val_if_fail (GAZE_IS_CURSOR (self), NULL);
  if (self->masks->len == 0)
    {
      if (n_masks != NULL)
        *n_masks = 0;
      return NULL;
    }
  GBytes *bytes = self->masks->pdata[self->masks->len - 1];
  gsize size;
  const float *masks = g_bytes_get_data (bytes, &size);
  if (n_masks != NULL)
    *n_masks = (int) (size / sizeof (float) / self->caption->n_cells);
  return masks;
}

void
gaze_cursor_maps_changed (GazeCursor *self)
{
  g_return_if_fail (GAZE_IS_CURSOR (self));
  self->maps++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAPS]);
}

guint
gaze_cursor_get_maps (GazeCursor *self)
{
  g_return_val_if_fail (GAZE_IS_CURSOR (self), 0);
  return self->maps;
}

GazePhoto *
gaze_cursor_get_photo (GazeCursor *self)
{
  g_return_val_if_fail (GAZE_IS_CURSOR (self), NULL);
  return self->photo;
}

const GazeCaption *
gaze_cursor_get_caption (GazeCursor *self)
{
  g_return_val_if_fail (GAZE_IS_CURSOR (self), NULL);
  return self->caption;
}

int
gaze_cursor_get_beam (GazeCursor *self)
{
  g_return_val_if_fail (GAZE_IS_CURSOR (self), 0);
  return self->beam;
}

int
gaze_cursor_get_word (GazeCursor *self)
{
  g_return_val_if_fail (GAZE_IS_CURSOR (self), -1);
  return self->word;
}

gboolean
gaze_cursor_follow (GazeCursor **slot, GSignalGroup *signals, GazeCursor *cursor)
{
  g_return_val_if_fail (cursor == NULL || GAZE_IS_CURSOR (cursor), FALSE);
  if (!g_set_object (slot, cursor))
    return FALSE;
  g_signal_group_set_target (signals, cursor);
  return TRUE;
}
