/* steer.c — what would it say if it looked here?
 *
 * Steering confines or removes attention cells, step by step, and decodes
 * again: the words before the first steered one are kept (teacher-forced, so
 * their α, β and p are recomputed rather than copied), and beam search runs
 * on from there with each step's mask applied inside _gaze_attention_forward
 * (score −∞, α renormalised over the cells kept).  Nothing here is special to
 * a window or a command line: a caller that wants "look here from word 3 on"
 * builds masks 2, 3, … from gaze_region_to_cells.  Like
 * Sadler et al. (INLG 2019), who forced the attention of a captioner onto a
 * region and decoded again, the question is whether the words follow.
 *
 * The search is deterministic: no sampling, the same masks give the same
 * caption. */
#include "model.h"

#include <math.h>

#include "vocab.h"

/* One axis: the part of [lo, hi] inside [a, b], over b − a. */
static double
overlap (double lo, double hi, double a, double b)
{
  return fmax (0.0, fmin (hi, b) - fmax (lo, a)) / (b - a);
}

gboolean
gaze_region_to_cells (int grid_size, int width, int height, double x0, double y0, double x1,
                      double y1, float *cells, GError **error)
{
  g_return_val_if_fail (grid_size > 0 && cells != NULL, FALSE);
  if (width <= 0 || height <= 0)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID, "the photo is %d×%d pixels", width,
                   height);
      return FALSE;
    }
  /* (!(a <= b) also catches NaN.) */
  if (!(x0 <= x1) || !(y0 <= y1))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "the rectangle %g,%g,%g,%g has its corners the wrong way round (x1 < x0 or "
                   "y1 < y0)",
                   x0, y0, x1, y1);
      return FALSE;
    }
  if (x0 < 0 || y0 < 0 || x1 > width || y1 > height)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "the rectangle %g,%g,%g,%g is outside the photo (0,0,%d,%d)", x0, y0, x1, y1,
                   width, height);
      return FALSE;
    }
  /* Cell (r, c) covers [c w/g, (c+1) w/g] × [r h/g, (r+1) h/g] of the photo:
   * the encoder stretches the whole photo to its square input. */
  const int g = grid_size;
  gboolean any = FALSE;
  for (int r = 0; r < g; r++)
    for (int c = 0; c < g; c++)
      {
        double fx = overlap (x0, x1, (double) c * width / g, (double) (c + 1) * width / g);
        double fy = overlap (y0, y1, (double) r * height / g, (double) (r + 1) * height / g);
        /* A quarter: a rectangle drawn roughly around an object takes the
         * cells it mostly covers, not every cell it grazes. */
        cells[r * g + c] = fx * fy >= 0.25 ? 1.0f : 0.0f;
        any = any || cells[r * g + c] != 0.0f;
      }
  if (!any)
    {
      /* A click, or a sliver: the cell under the centre (the last one on
       * the photo's right and bottom edges). */
      int c = MIN ((int) ((x0 + x1) / 2 * g / width), g - 1);
      int r = MIN ((int) ((y0 + y1) / 2 * g / height), g - 1);
      cells[r * g + c] = 1.0f;
    }
  return TRUE;
}

GazeCaption *
gaze_model_caption_steered (const GazeModel *model, const float *grid, int beam_width,
                            const GazeSteering *steering, GCancellable *cancellable,
                            GError **error)
{
  g_return_val_if_fail (model != NULL && grid != NULL, NULL);
  if (steering == NULL)
    return _gaze_caption_steer (model, grid, beam_width, NULL, cancellable, error);
  g_return_val_if_fail (steering->n_prefix >= 0 && steering->n_masks >= 0, NULL);
  g_return_val_if_fail (steering->n_prefix == 0 || steering->prefix != NULL, NULL);
  g_return_val_if_fail (steering->n_masks == 0 || steering->masks != NULL, NULL);
  const int L = model->dec->sizes.cells;
  if (steering->n_prefix > GAZE_CAPTION_MAX_WORDS)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "a prefix of %d words is longer than a caption (%d words at most)",
                   steering->n_prefix, GAZE_CAPTION_MAX_WORDS);
      return NULL;
    }
  for (int t = 0; t < steering->n_masks; t++)
    {
      gboolean kept = FALSE;
      for (int i = 0; i < L && !kept; i++)
        kept = steering->masks[(gsize) t * L + i] != 0.0f;
      if (!kept)
        {
          /* Step t chooses word t + 1; a prefix word is named too. */
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                       "the attention mask of word %d%s%s%s keeps no cell: the model would have "
                       "nowhere to look",
                       t + 1, t < steering->n_prefix ? " (\"" : "",
                       t < steering->n_prefix ? steering->prefix[t] : "",
                       t < steering->n_prefix ? "\")" : "");
          return NULL;
        }
    }
  g_autofree int *prefix = g_new (int, MAX (steering->n_prefix, 1));
  for (int t = 0; t < steering->n_prefix; t++)
    {
      const char *word = steering->prefix[t];
      prefix[t] = gaze_vocab_lookup (model->vocab, word);
      /* Only words a caption may hold: not <pad>, <start>, <end> or <unk>. */
      if (prefix[t] < GAZE_VOCAB_N_SPECIAL)
        {
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                       "word %d of the prefix, \"%s\", is not in the model's vocabulary", t + 1,
                       word);
          return NULL;
        }
    }
  GazeSteer steer = { prefix, steering->n_prefix, steering->masks, steering->n_masks };
  return _gaze_caption_steer (model, grid, beam_width, &steer, cancellable, error);
}
