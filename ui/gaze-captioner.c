/* gaze-captioner.c — models, their loading, and captioning in worker threads. */
#include "config.h"

#include "gaze-captioner.h"
#include "gaze-enums.h"
#include "gaze-job.h"
#include "gaze-paths.h"
#include "gaze-train.h"

#include <gtk/gtk.h>

#include <glib/gi18n.h>

/* A loaded model with the encoder it was trained on.  Reference counted, so a
 * caption in flight keeps it alive while the user switches models. */
typedef struct {
  char *model_path;
  GazeModel *model;
  GazeEncoder *encoder;
} Runtime;

struct _GazeCaptioner {
  GObject parent_instance;

  GListStore *models; /* GazeModelInfo */
  guint selected;
  char *model_path;
  Runtime *runtime; /* NULL unless READY */
  GazeCaptionerState state;
  GError *error;
  GCancellable *loading;  /* the load in flight */
  GCancellable *listing;  /* the metadata being read */
  guint n_steered;        /* steered captions made, for their cache keys */
};

G_DEFINE_FINAL_TYPE (GazeCaptioner, gaze_captioner, G_TYPE_OBJECT)

enum { PROP_0, PROP_MODELS, PROP_SELECTED, PROP_STATE, PROP_ERROR, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* ── Cache keys: the only place that knows them ──────────────────────────── */

/* A grid depends on the encoder alone. */
static char *
grid_key (const Runtime *runtime)
{
  return g_strconcat ("grid:", gaze_encoder_get_sha256 (runtime->encoder), NULL);
}

/* A caption depends on the model file and the beam width. */
static char *
caption_key (const Runtime *runtime, int beam)
{
  return g_strdup_printf ("caption:%d:%s", beam, runtime->model_path);
}

/* A steered caption is kept under a key of its own, one per steer. */
static char *
steer_key (const Runtime *runtime, guint serial)
{
  return g_strdup_printf ("steer:%u:%s", serial, runtime->model_path);
}

/* ── Runtime ─────────────────────────────────────────────────────────────── */

static void
runtime_clear (gpointer data)
{
  Runtime *runtime = data;
  g_free (runtime->model_path);
  g_clear_pointer (&runtime->model, gaze_model_free);
  g_clear_pointer (&runtime->encoder, gaze_encoder_free);
}

static Runtime *
runtime_ref (Runtime *runtime)
{
  return g_atomic_rc_box_acquire (runtime);
}

static void
runtime_unref (Runtime *runtime)
{
  g_atomic_rc_box_release_full (runtime, runtime_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Runtime, runtime_unref)

/* Says which file failed: the model and its encoder are fixed differently. */
static void
prefix_error (GError *error, const char *what)
{
  g_autofree char *message = g_strdup_printf (what, error->message);
  g_free (error->message);
  error->message = g_steal_pointer (&message);
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *model_path = task_data;
  GError *error = NULL;
  g_autoptr (Runtime) runtime = g_atomic_rc_box_new0 (Runtime);
  runtime->model_path = g_strdup (model_path);
  runtime->model = gaze_model_load (model_path, &error);
  if (runtime->model == NULL)
    {
      prefix_error (error, _("The caption model cannot be used (%s). Choose another model or "
                             "reinstall Gaze; photos still open meanwhile."));
      g_task_return_error (task, error);
      return;
    }
  /* A missing encoder's message says what to do: it stands as it is. */
  g_autofree char *encoder_path
      = gaze_paths_resolve_encoder (gaze_model_get_encoder_name (runtime->model), &error);
  if (encoder_path == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  runtime->encoder = gaze_encoder_load (encoder_path, &error);
  if (runtime->encoder == NULL
      || !gaze_model_check_encoder (runtime->model, runtime->encoder, &error))
    {
      prefix_error (error, _("The encoder cannot be used (%s). Run “gaze-fetch-encoder” to "
                             "install it again; photos still open meanwhile."));
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&runtime), (GDestroyNotify) runtime_unref);
}

static void
set_state (GazeCaptioner *self, GazeCaptionerState state, Runtime *runtime, GError *error)
{
  g_clear_pointer (&self->runtime, runtime_unref);
  g_clear_error (&self->error);
  self->runtime = runtime;
  self->error = error;
  self->state = state;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GazeCaptioner) self = user_data;
  GError *error = NULL;
  Runtime *runtime = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Another model was chosen meanwhile; its load reports. */
      g_error_free (error);
      return;
    }
  if (runtime != NULL)
    set_state (self, GAZE_CAPTIONER_READY, runtime, NULL);
  else
    set_state (self,
               g_error_matches (error, GAZE_ERROR, GAZE_ERROR_NOT_INSTALLED)
                   ? GAZE_CAPTIONER_MISSING
                   : GAZE_CAPTIONER_FAILED,
               NULL, error);
}

static guint
find_model (GazeCaptioner *self, const char *path)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->models));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GazeModelInfo) info = g_list_model_get_item (G_LIST_MODEL (self->models), i);
      if (g_strcmp0 (gaze_model_info_get_path (info), path) == 0)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

void
gaze_captioner_load_model (GazeCaptioner *self, const char *path)
{
  g_return_if_fail (GAZE_IS_CAPTIONER (self));
  if (self->loading != NULL)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  g_free (self->model_path);
  self->model_path = g_strdup (path);

  guint position = path != NULL ? find_model (self, path) : GTK_INVALID_LIST_POSITION;
  if (path != NULL && position == GTK_INVALID_LIST_POSITION)
    {
      /* A model from elsewhere ($GAZE_MODEL, say) is listed first. */
      g_autoptr (GazeModelInfo) info = gaze_model_info_new (path);
      g_list_store_insert (self->models, 0, info);
      position = 0;
    }
  if (position != self->selected)
    {
      self->selected = position;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
    }

  if (path == NULL)
    {
      g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "gaze", "models", NULL);
      set_state (self, GAZE_CAPTIONER_MISSING, NULL,
                 g_error_new (GAZE_ERROR, GAZE_ERROR_NOT_INSTALLED,
                              _("No caption model is installed, so photos open without "
                                "captions. Install Gaze with its models (“meson install”) "
                                "or put a .gzm model in %s."),
                              folder));
      return;
    }
  set_state (self, GAZE_CAPTIONER_LOADING, NULL, NULL);
  self->loading = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (NULL, self->loading, loaded, g_object_ref (self));
  g_task_set_source_tag (task, gaze_captioner_load_model);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, load_thread);
}

/* ── The list of models ──────────────────────────────────────────────────── */

typedef struct {
  char *encoder_name;
  char *attention;
} Metadata;

static void
metadata_free (gpointer data)
{
  Metadata *meta = data;
  for (Metadata *m = meta; m->attention != NULL || m->encoder_name != NULL; m++)
    {
      g_free (m->encoder_name);
      g_free (m->attention);
    }
  g_free (meta);
}

/* Reads each model's metadata (paths: a NULL-terminated array). */
static void
metadata_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  char **paths = task_data;
  guint n = g_strv_length (paths);
  Metadata *meta = g_new0 (Metadata, n + 1);
  for (guint i = 0; i < n && !g_cancellable_is_cancelled (cancellable); i++)
    {
      g_autoptr (GazeModelFile) file = gaze_model_file_read (paths[i], NULL);
      const char *encoder = file != NULL ? gaze_model_file_get_meta (file, "encoder.name") : NULL;
      const char *attention = file != NULL ? gaze_model_file_get_meta (file, "attention") : NULL;
      /* An unreadable model keeps its file name; loading it says why. */
      meta[i].encoder_name = g_strdup (encoder != NULL ? encoder : "");
      meta[i].attention = g_strdup (attention != NULL ? attention : "");
    }
  g_task_return_pointer (task, meta, metadata_free);
}

static void
metadata_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GazeCaptioner) self = user_data;
  g_autoptr (GError) error = NULL;
  Metadata *meta = g_task_propagate_pointer (G_TASK (result), &error);
  if (meta == NULL)
    return;
  char **paths = g_task_get_task_data (G_TASK (result));
  guint n = g_strv_length (paths);
  /* Two models with the same metadata are told apart by their file names. */
  g_autoptr (GHashTable) count = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < n; i++)
    if (*meta[i].encoder_name != '\0')
      {
        g_autofree char *key = g_strconcat (meta[i].encoder_name, "/", meta[i].attention, NULL);
        guint c = GPOINTER_TO_UINT (g_hash_table_lookup (count, key));
        g_hash_table_replace (count, g_steal_pointer (&key), GUINT_TO_POINTER (c + 1));
      }
  for (guint i = 0; i < n; i++)
    {
      guint position = find_model (self, paths[i]);
      if (position == GTK_INVALID_LIST_POSITION || *meta[i].encoder_name == '\0')
        continue;
      g_autofree char *key = g_strconcat (meta[i].encoder_name, "/", meta[i].attention, NULL);
      g_autoptr (GazeModelInfo) info = g_list_model_get_item (G_LIST_MODEL (self->models), position);
      gaze_model_info_set_metadata (info, meta[i].encoder_name, meta[i].attention,
                                    GPOINTER_TO_UINT (g_hash_table_lookup (count, key)) > 1);
    }
  metadata_free (meta);
}

/* Lists the installed models (and keep listing the chosen one). */
static void
list_models (GazeCaptioner *self)
{
  g_auto (GStrv) installed = gaze_paths_list_models ();
  GStrvBuilder *builder = g_strv_builder_new ();
  if (self->model_path != NULL
      && !g_strv_contains ((const char *const *) installed, self->model_path))
    g_strv_builder_add (builder, self->model_path);
  g_strv_builder_addv (builder, (const char **) installed);
  g_auto (GStrv) paths = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);

  guint n = g_strv_length (paths);
  g_autoptr (GPtrArray) infos = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (infos, gaze_model_info_new (paths[i]));
  guint old = g_list_model_get_n_items (G_LIST_MODEL (self->models));
  g_list_store_splice (self->models, 0, old, infos->pdata, infos->len);
  guint selected = self->model_path != NULL ? find_model (self, self->model_path)
                                            : GTK_INVALID_LIST_POSITION;
  if (selected != self->selected)
    {
      self->selected = selected;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
    }

  if (self->listing != NULL)
    g_cancellable_cancel (self->listing);
  g_clear_object (&self->listing);
  self->listing = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (NULL, self->listing, metadata_read, g_object_ref (self));
  g_task_set_task_data (task, g_strdupv (paths), (GDestroyNotify) g_strfreev);
  g_task_run_in_thread (task, metadata_thread);
}

void
gaze_captioner_reload (GazeCaptioner *self)
{
  g_return_if_fail (GAZE_IS_CAPTIONER (self));
  g_autofree char *path = self->model_path != NULL ? g_strdup (self->model_path)
                                                   : gaze_paths_default_model ();
  g_free (self->model_path);
  self->model_path = g_strdup (path);
  list_models (self);
  gaze_captioner_load_model (self, path);
}

/* ── Captions ────────────────────────────────────────────────────────────── */

typedef struct {
  Runtime *runtime;
  GazePhoto *photo;
  const float *cached_grid; /* the photo's */
  int beam;
  /* Results */
  float *grid; /* set when the grid was computed here */
  GazeCaption *caption;
} CaptionJob;

static void
caption_job_free (gpointer data)
{
  CaptionJob *job = data;
  runtime_unref (job->runtime);
  g_object_unref (job->photo);
  g_free (job->grid);
  g_clear_pointer (&job->caption, gaze_caption_free);
  g_free (job);
}

static void
caption_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CaptionJob *job = task_data;
  GError *error = NULL;
  const float *grid = job->cached_grid;
  if (grid == NULL)
    {
      const GazeEncoder *encoder = job->runtime->encoder;
      int cells = gaze_encoder_get_grid_size (encoder) * gaze_encoder_get_grid_size (encoder);
      job->grid = g_new (float, (gsize) cells * gaze_encoder_get_channels (encoder));
      if (!gaze_encoder_encode_image (encoder, gaze_photo_get_image (job->photo), job->grid, NULL,
                                      &error))
        {
          g_task_return_error (task, error);
          return;
        }
      grid = job->grid;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  job->caption = gaze_model_caption (job->runtime->model, grid, job->beam, cancellable, &error);
  if (job->caption == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

const GazeCaption *
gaze_captioner_lookup (GazeCaptioner *self, GazePhoto *photo, int beam)
{
  g_return_val_if_fail (GAZE_IS_CAPTIONER (self), NULL);
  g_return_val_if_fail (GAZE_IS_PHOTO (photo), NULL);
  if (self->runtime == NULL)
    return NULL;
  g_autofree char *key = caption_key (self->runtime, beam);
  return gaze_photo_lookup (photo, key);
}

void
gaze_captioner_caption_async (GazeCaptioner *self, GazePhoto *photo, int beam,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (GAZE_IS_CAPTIONER (self));
  g_return_if_fail (GAZE_IS_PHOTO (photo) && gaze_photo_is_loaded (photo));
  g_return_if_fail (beam >= 1);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gaze_captioner_caption_async);
  if (self->runtime == NULL)
    {
      if (self->error != NULL)
        g_task_return_error (task, g_error_copy (self->error));
      else
        g_task_return_new_error (task, GAZE_ERROR, GAZE_ERROR_NOT_INSTALLED,
                                 _("The caption model is still loading"));
      return;
    }
  CaptionJob *job = g_new0 (CaptionJob, 1);
  job->runtime = runtime_ref (self->runtime);
  job->photo = g_object_ref (photo);
  g_autofree char *key = grid_key (self->runtime);
  job->cached_grid = gaze_photo_lookup (photo, key);
  job->beam = beam;
  g_task_set_task_data (task, job, caption_job_free);
  g_task_run_in_thread (task, caption_thread);
}

const GazeCaption *
gaze_captioner_caption_finish (GazeCaptioner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  CaptionJob *job = g_task_get_task_data (G_TASK (result));
  if (job->grid != NULL)
    {
      g_autofree char *key = grid_key (job->runtime);
      gaze_photo_store (job->photo, key, g_steal_pointer (&job->grid), g_free);
    }
  g_autofree char *key = caption_key (job->runtime, job->beam);
  return gaze_photo_store (job->photo, key, g_steal_pointer (&job->caption),
                           (GDestroyNotify) gaze_caption_free);
}

/* ── Questioning a caption ───────────────────────────────────────────────── */

/* Steps a "from this word on" mask covers: more than any caption has. */
#define STEER_STEPS 64

/* The work on a caption already made: it needs the runtime that made it and
 * the photo's grid, cached when the caption was. */
typedef struct {
  Runtime *runtime;
  GazePhoto *photo;
  const GazeCaption *caption;
  const float *grid;
  int beam;
  /* Steering: from word `word` on, the words before it kept */
  int word;
  float *masks; /* [STEER_STEPS, n_cells] */
  int beam_width;
  GazeCaption *steered;
  /* Evidence: the beam's words copied, to be filled in the worker and
   * handed to the caption's words on the main thread. */
  GazeBeam copy;
  gboolean occlusion;
  GazeCaptionerProgress progress;
  gpointer progress_data;
  GMainContext *context;
  GCancellable *cancellable;
} QuestionJob;

static void
question_job_free (gpointer data)
{
  QuestionJob *job = data;
  runtime_unref (job->runtime);
  g_object_unref (job->photo);
  g_free (job->masks);
  g_clear_pointer (&job->steered, gaze_caption_free);
  for (int t = 0; job->copy.words != NULL && t < job->copy.n_words; t++)
    {
      g_free (job->copy.words[t].evidence);
      g_free (job->copy.words[t].occlusion);
    }
  g_free (job->copy.words);
  g_clear_pointer (&job->context, g_main_context_unref);
  g_clear_object (&job->cancellable);
  g_free (job);
}

/* A job on beam of caption, or NULL with the task answered. */
static QuestionJob *
question_job_new (GazeCaptioner *self, GTask *task, GazePhoto *photo, const GazeCaption *caption,
                  int beam)
{
  if (self->runtime == NULL)
    {
      g_task_return_new_error (task, GAZE_ERROR, GAZE_ERROR_NOT_INSTALLED,
                               _("The caption model is still loading"));
      return NULL;
    }
  g_autofree char *key = grid_key (self->runtime);
  const float *grid = gaze_photo_lookup (photo, key);
  if (grid == NULL || beam < 0 || beam >= caption->n_beams)
    {
      g_task_return_new_error (task, GAZE_ERROR, GAZE_ERROR_INVALID,
                               _("The photo has no caption by this model yet"));
      return NULL;
    }
  QuestionJob *job = g_new0 (QuestionJob, 1);
  job->runtime = runtime_ref (self->runtime);
  job->photo = g_object_ref (photo);
  job->caption = caption;
  job->grid = grid;
  job->beam = beam;
  g_task_set_task_data (task, job, question_job_free);
  return job;
}

static void
steer_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  QuestionJob *job = task_data;
  const GazeBeam *beam = &job->caption->beams[job->beam];
  const int word = job->word;
  g_autofree const char **prefix = g_new0 (const char *, MAX (word, 1));
  for (int t = 0; t < word; t++)
    prefix[t] = beam->words[t].word;
  GazeSteering steering = { prefix, word, job->masks, STEER_STEPS };
  GError *error = NULL;
  job->steered = gaze_model_caption_steered (job->runtime->model, job->grid, job->beam_width,
                                             &steering, cancellable, &error);
  if (job->steered == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
gaze_captioner_steer_async (GazeCaptioner *self, GazePhoto *photo, const GazeCaption *caption,
                            int beam, int word, const float *masks, int n_masks,
                            const float *cells, GazeSteerKind kind, gboolean onwards,
                            int beam_width, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (GAZE_IS_CAPTIONER (self));
  g_return_if_fail (GAZE_IS_PHOTO (photo) && caption != NULL && cells != NULL);
  g_return_if_fail (masks == NULL || n_masks <= STEER_STEPS);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gaze_captioner_steer_async);
  QuestionJob *job = question_job_new (self, task, photo, caption, beam);
  if (job == NULL)
    return;
  if (word < 0 || word >= caption->beams[beam].n_words)
    {
      g_task_return_new_error (task, GAZE_ERROR, GAZE_ERROR_INVALID,
                               _("Word %d is past the caption’s %d words"), word + 1,
                               caption->beams[beam].n_words);
      return;
    }
  /* What was asked before stands; the new region narrows it further. */
  const int L = caption->n_cells;
  job->masks = g_new (float, (gsize) STEER_STEPS * L);
  for (gsize k = 0; k < (gsize) STEER_STEPS * L; k++)
    job->masks[k] = masks != NULL && k < (gsize) n_masks * L ? masks[k] : 1.0f;
  for (int t = word; t < (onwards ? STEER_STEPS : word + 1); t++)
    for (int i = 0; i < L; i++)
      job->masks[(gsize) t * L + i] *= kind == GAZE_STEER_LOOK ? cells[i] : 1.0f - cells[i];
  job->beam_width = beam_width;
  job->word = word;
  g_task_run_in_thread (task, steer_thread);
}

const GazeCaption *
gaze_captioner_steer_finish (GazeCaptioner *self, GAsyncResult *result, float **masks,
                             int *n_masks, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  QuestionJob *job = g_task_get_task_data (G_TASK (result));
  if (masks != NULL)
    *masks = g_steal_pointer (&job->masks);
  if (n_masks != NULL)
    *n_masks = STEER_STEPS;
  g_autofree char *key = steer_key (job->runtime, self->n_steered++);
  return gaze_photo_store (job->photo, key, g_steal_pointer (&job->steered),
                           (GDestroyNotify) gaze_caption_free);
}

/* The words of beam, to be filled in a worker without touching the caption
 * that the window is drawing. */
static void
copy_words (QuestionJob *job)
{
  const GazeBeam *beam = &job->caption->beams[job->beam];
  job->copy = *beam;
  job->copy.words = g_new (GazeWord, MAX (beam->n_words, 1));
  for (int t = 0; t < beam->n_words; t++)
    {
      job->copy.words[t] = beam->words[t];
      job->copy.words[t].evidence = job->copy.words[t].occlusion = NULL;
    }
}

/* The caption's words take the maps worked out (on the main thread; the
 * caption's other fields never change). */
static void
attach_maps (QuestionJob *job)
{
  GazeWord *words = job->caption->beams[job->beam].words;
  for (int t = 0; t < job->copy.n_words; t++)
    {
      float **slot = job->occlusion ? &words[t].occlusion : &words[t].evidence;
      float **made = job->occlusion ? &job->copy.words[t].occlusion : &job->copy.words[t].evidence;
      if (*slot == NULL)
        *slot = g_steal_pointer (made);
    }
}

static void
evidence_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  QuestionJob *job = task_data;
  GError *error = NULL;
  if (gaze_model_evidence (job->runtime->model, job->grid, &job->copy, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
gaze_captioner_evidence_async (GazeCaptioner *self, GazePhoto *photo, const GazeCaption *caption,
                               int beam, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (GAZE_IS_CAPTIONER (self));
  g_return_if_fail (GAZE_IS_PHOTO (photo) && caption != NULL);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gaze_captioner_evidence_async);
  QuestionJob *job = question_job_new (self, task, photo, caption, beam);
  if (job == NULL)
    return;
  copy_words (job);
  g_task_run_in_thread (task, evidence_thread);
}

gboolean
gaze_captioner_evidence_finish (GazeCaptioner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  attach_maps (g_task_get_task_data (G_TASK (result)));
  return TRUE;
}

typedef struct {
  QuestionJob *job; /* kept alive by task */
  GTask *task;
  int done, total;
} ProgressReport;

static gboolean
report_progress (gpointer data)
{
  ProgressReport *report = data;
  if (!g_cancellable_is_cancelled (report->job->cancellable))
    report->job->progress (report->done, report->total, report->job->progress_data);
  return G_SOURCE_REMOVE;
}

static void
progress_report_free (gpointer data)
{
  ProgressReport *report = data;
  g_object_unref (report->task);
  g_free (report);
}

/* In the worker: tells the main thread how far occlusion is. */
static gboolean
occlusion_progress (gint64 done, gint64 total, gpointer user_data)
{
  GTask *task = user_data;
  QuestionJob *job = g_task_get_task_data (task);
  if (job->progress != NULL)
    {
      ProgressReport *report = g_new (ProgressReport, 1);
      *report = (ProgressReport) { job, g_object_ref (task), (int) done, (int) total };
      g_main_context_invoke_full (job->context, G_PRIORITY_DEFAULT, report_progress, report,
                                  progress_report_free);
    }
  return !g_cancellable_is_cancelled (job->cancellable);
}

static void
occlusion_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  QuestionJob *job = task_data;
  GError *error = NULL;
  if (gaze_model_occlusion (job->runtime->model, job->runtime->encoder,
                            gaze_photo_get_image (job->photo), &job->copy, occlusion_progress,
                            task, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
gaze_captioner_occlusion_async (GazeCaptioner *self, GazePhoto *photo, const GazeCaption *caption,
                                int beam, GazeCaptionerProgress progress, gpointer progress_data,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (GAZE_IS_CAPTIONER (self));
  g_return_if_fail (GAZE_IS_PHOTO (photo) && caption != NULL);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gaze_captioner_occlusion_async);
  QuestionJob *job = question_job_new (self, task, photo, caption, beam);
  if (job == NULL)
    return;
  copy_words (job);
  job->occlusion = TRUE;
  job->progress = progress;
  job->progress_data = progress_data;
  job->context = g_main_context_ref_thread_default ();
  job->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  g_task_run_in_thread (task, occlusion_thread);
}

gboolean
gaze_captioner_occlusion_finish (GazeCaptioner *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  attach_maps (g_task_get_task_data (G_TASK (result)));
  return TRUE;
}

/* ── Properties ──────────────────────────────────────────────────────────── */

GListModel *
gaze_captioner_get_models (GazeCaptioner *self)
{
  g_return_val_if_fail (GAZE_IS_CAPTIONER (self), NULL);
  return G_LIST_MODEL (self->models);
}

guint
gaze_captioner_get_selected (GazeCaptioner *self)
{
  g_return_val_if_fail (GAZE_IS_CAPTIONER (self), GTK_INVALID_LIST_POSITION);
  return self->selected;
}

void
gaze_captioner_set_selected (GazeCaptioner *self, guint position)
{
  g_return_if_fail (GAZE_IS_CAPTIONER (self));
  if (position == self->selected)
    return;
  g_autoptr (GazeModelInfo) info = g_list_model_get_item (G_LIST_MODEL (self->models), position);
  if (info != NULL)
    gaze_captioner_load_model (self, gaze_model_info_get_path (info));
}

const char *
gaze_captioner_get_model_path (GazeCaptioner *self)
{
  g_return_val_if_fail (GAZE_IS_CAPTIONER (self), NULL);
  return self->model_path;
}

GazeCaptionerState
gaze_captioner_get_state (GazeCaptioner *self)
{
  g_return_val_if_fail (GAZE_IS_CAPTIONER (self), GAZE_CAPTIONER_FAILED);
  return self->state;
}

const GError *
gaze_captioner_get_error (GazeCaptioner *self)
{
  g_return_val_if_fail (GAZE_IS_CAPTIONER (self), NULL);
  return self->error;
}

GazeAttention
gaze_captioner_get_attention (GazeCaptioner *self)
{
  g_return_val_if_fail (GAZE_IS_CAPTIONER (self), GAZE_ATTENTION_SOFT);
  return self->runtime != NULL ? gaze_model_get_attention (self->runtime->model)
                               : GAZE_ATTENTION_SOFT;
}

static void
gaze_captioner_dispose (GObject *object)
{
  GazeCaptioner *self = GAZE_CAPTIONER (object);
  if (self->loading != NULL)
    g_cancellable_cancel (self->loading);
  if (self->listing != NULL)
    g_cancellable_cancel (self->listing);
  G_OBJECT_CLASS (gaze_captioner_parent_class)->dispose (object);
}

static void
gaze_captioner_finalize (GObject *object)
{
  GazeCaptioner *self = GAZE_CAPTIONER (object);
  g_clear_object (&self->models);
  g_free (self->model_path);
  g_clear_pointer (&self->runtime, runtime_unref);
  g_clear_error (&self->error);
  g_clear_object (&self->loading);
  g_clear_object (&self->listing);
  G_OBJECT_CLASS (gaze_captioner_parent_class)->finalize (object);
}

static void
gaze_captioner_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GazeCaptioner *self = GAZE_CAPTIONER (object);
  switch (prop_id)
    {
    case PROP_MODELS:
      g_value_set_object (value, self->models);
      break;
    case PROP_SELECTED:
      g_value_set_uint (value, self->selected);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gaze_captioner_set_property (GObject *object, guint prop_id, const GValue *value,
                             GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SELECTED:
      gaze_captioner_set_selected (GAZE_CAPTIONER (object), g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gaze_captioner_class_init (GazeCaptionerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  object_class->dispose = gaze_captioner_dispose;
  object_class->finalize = gaze_captioner_finalize;
  object_class->get_property = gaze_captioner_get_property;
  object_class->set_property = gaze_captioner_set_property;
  properties[PROP_MODELS] = g_param_spec_object ("models", NULL, NULL, G_TYPE_LIST_MODEL,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED] = g_param_spec_uint (
      "selected", NULL, NULL, 0, G_MAXUINT, GTK_INVALID_LIST_POSITION,
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STATE] = g_param_spec_enum (
      "state", NULL, NULL, GAZE_TYPE_CAPTIONER_STATE, GAZE_CAPTIONER_MISSING,
      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS
                                                   | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gaze_captioner_init (GazeCaptioner *self)
{
  self->models = g_list_store_new (GAZE_TYPE_MODEL_INFO);
  self->selected = GTK_INVALID_LIST_POSITION;
  self->state = GAZE_CAPTIONER_MISSING;
}

GazeCaptioner *
gaze_captioner_new (void)
{
  GazeCaptioner *self = g_object_new (GAZE_TYPE_CAPTIONER, NULL);
  list_models (self);
  return self;
}
