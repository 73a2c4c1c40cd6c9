/* checkpoint.c — the training checkpoint: a model file (model-file.c) with
 * the parameters as float32, two more tensors, adam.m and adam.v, and three
 * metadata entries:
 *   checkpoint.adam_step   Adam's step count
 *   checkpoint.rng         the trainer's xoshiro state, four 64-bit hex words
 *   checkpoint.progress    epoch best_epoch bad_epochs best_bleu4 baseline wall_time
 *                          (the doubles as %a, so that they round-trip exactly)
 * and, when the parameters expect standardised grids (grid-norm.h), a fourth:
 *   checkpoint.grid        "standardised"
 * A resumed run continues bit for bit where the checkpoint left off. */
#include "checkpoint.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void
set_meta_printf (GazeModelFile *file, const char *key, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static void
set_meta_printf (GazeModelFile *file, const char *key, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *value = g_strdup_vprintf (format, args);
  va_end (args);
  gaze_model_file_set_meta (file, key, value);
}

gboolean
_gaze_checkpoint_write (const char *path, const GazeModel *model, const GazeAdam *adam,
                       const GazeRng *rng, const GazeTrainProgress *p, GError **error)
{
  g_autoptr (GazeModelFile) file = _gaze_model_to_file (model, FALSE);
  int dims[1] = { (int) adam->n };
  gaze_model_file_add_tensor (file, "adam.m", 1, dims, adam->m, FALSE);
  gaze_model_file_add_tensor (file, "adam.v", 1, dims, adam->v, FALSE);
  set_meta_printf (file, "checkpoint.adam_step", "%" G_GINT64_FORMAT, adam->step);
  set_meta_printf (file, "checkpoint.rng", "%016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER
                   "x %016" G_GINT64_MODIFIER "x %016" G_GINT64_MODIFIER "x",
                   rng->s[0], rng->s[1], rng->s[2], rng->s[3]);
  set_meta_printf (file, "checkpoint.progress", "%d %d %d %a %a %a", p->epoch, p->best_epoch,
                   p->bad_epochs, p->best_bleu4, (double) p->baseline, p->wall_time);
  if (p->normalised_grid)
    gaze_model_file_set_meta (file, "checkpoint.grid", "standardised");
  return gaze_model_file_write (file, path, error);
}

/* Adam's moments: finite, and the second ones never negative (√v). */
static gboolean
moments_are_valid (const float *m, const float *v, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (m[i]) || !isfinite (v[i]) || v[i] < 0.0f)
      return FALSE;
  return TRUE;
}

gboolean
_gaze_checkpoint_read (const char *path, const GazeModel *model, GazeAdam *adam, GazeRng *rng,
                      GazeTrainProgress *p, GError **error)
{
  g_autoptr (GazeModelFile) file = gaze_model_file_read (path, error);
  if (file == NULL)
    return FALSE;
  g_autoptr (GazeModel) saved = _gaze_model_from_file (file, path, error);
  if (saved == NULL)
    return FALSE;
  const GazeDecoderSizes *a = &saved->dec->sizes, *b = &model->dec->sizes;
  if (memcmp (a, b, sizeof *a) != 0 || saved->attention != model->attention)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                   "%s: the checkpoint holds another model (sizes, vocabulary or attention "
                   "differ from these options)", path);
      return FALSE;
    }
  if (saved->dec->centre_cells != model->dec->centre_cells)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_MISMATCH,
                   "%s: the checkpoint's weights are for %s grids, not %s ones: resume with the "
                   "centring it was trained with (--centre-grid)", path,
                   saved->dec->centre_cells ? "centred" : "raw",
                   model->dec->centre_cells ? "centred" : "raw");
      return FALSE;
    }
  int dims[1] = { (int) adam->n };
  const float *m = gaze_model_file_get_tensor (file, "adam.m", 1, dims, error);
  const float *v = m ? gaze_model_file_get_tensor (file, "adam.v", 1, dims, error) : NULL;
  if (v == NULL)
    return FALSE;
  const char *step_text = gaze_model_file_get_meta (file, "checkpoint.adam_step");
  const char *rs = gaze_model_file_get_meta (file, "checkpoint.rng");
  const char *ps = gaze_model_file_get_meta (file, "checkpoint.progress");
  const char *grid = gaze_model_file_get_meta (file, "checkpoint.grid");
  /* Into locals first: a bad checkpoint leaves the caller's state alone. */
  GazeTrainProgress q = { 0 };
  double baseline = 0.0;
  gint64 step = 0;
  guint64 s[4];
  if (step_text == NULL || rs == NULL || ps == NULL
      || sscanf (step_text, "%" G_GINT64_FORMAT, &step) != 1
      || sscanf (rs, "%" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER
                 "x %" G_GINT64_MODIFIER "x", &s[0], &s[1], &s[2], &s[3]) != 4
      || sscanf (ps, "%d %d %d %la %la %la", &q.epoch, &q.best_epoch, &q.bad_epochs,
                 &q.best_bleu4, &baseline, &q.wall_time) != 6
      || q.epoch < 0 || q.best_epoch < 0 || q.best_epoch > q.epoch || q.bad_epochs < 0
      || q.bad_epochs > q.epoch || step < 0 || !isfinite (q.best_bleu4) || !isfinite (baseline)
      || !isfinite (q.wall_time) || q.wall_time < 0.0
      || (s[0] | s[1] | s[2] | s[3]) == 0 /* xoshiro's one forbidden state */
      || (grid != NULL && strcmp (grid, "standardised") != 0)
      || !moments_are_valid (m, v, adam->n))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_CORRUPT, "%s: not a training checkpoint", path);
      return FALSE;
    }
  q.baseline = (float) baseline;
  q.normalised_grid = grid != NULL;
  *p = q;
  adam->step = step;
  memcpy (rng->s, s, sizeof s);
  memcpy (model->dec->params, saved->dec->params, sizeof (float) * model->dec->n_params);
  memcpy (adam->m, m, sizeof (float) * adam->n);
  memcpy (adam->v, v, sizeof (float) * adam->n);
  return TRUE;
}
