/* test-steer.c — steering: what would it say if it looked here?
 *
 * On hand cases, gaze_region_to_cells: whole photos, cells, the quarter
 * rule, clicks, edges and every error.  On the 12 real photos with the
 * shipped default (resources/models/gaze-mobilenet_v2-soft.gzm):
 *   - blocking the 2 × 2 cells the model attends to most for a noun lowers
 *     p(noun) (the caption before it teacher-forced) by more than blocking a
 *     2 × 2 block drawn at random, over the photos;
 *   - "look here" confines α: on every steered step α is exactly 0 outside
 *     the region, and sums to 1 inside;
 *   - the words before the steered one are kept verbatim, with the α, β and p
 *     the unsteered search gave them;
 *   - steering is deterministic, and an all-ones mask steers nothing;
 *   - a mask that keeps no cell, and a prefix word the model does not know,
 *     fail with GAZE_ERROR_INVALID naming the word;
 * and the shipped hard model attends inside the allowed cells. */
#include <math.h>
#include <string.h>

#include "test-photos.h"

static TestPhotos photos;

enum { GRID = 7, CELLS = GRID * GRID };

/* ── Regions ───────────────────────────────────────────────────────────── */

static int
count_cells (const float *cells)
{
  int n = 0;
  for (int i = 0; i < CELLS; i++)
    n += cells[i] != 0.0f;
  return n;
}

static void
test_region_cells (void)
{
  float cells[CELLS];
  g_autoptr (GError) error = NULL;
  /* The whole photo, whatever its shape. */
  g_assert_true (gaze_region_to_cells (GRID, 500, 375, 0, 0, 500, 375, cells, &error));
  g_assert_cmpint (count_cells (cells), ==, CELLS);
  /* Exactly cell (2, 3) of a 700 × 350 photo: columns 300-400, rows 100-150. */
  g_assert_true (gaze_region_to_cells (GRID, 700, 350, 300, 100, 400, 150, cells, &error));
  g_assert_cmpint (count_cells (cells), ==, 1);
  g_assert_cmpfloat (cells[2 * GRID + 3], ==, 1.0f);
  /* Half of cell 3 across and half down: a quarter, taken; a little less, not. */
  g_assert_true (gaze_region_to_cells (GRID, 700, 700, 350, 350, 450, 450, cells, &error));
  g_assert_cmpint (count_cells (cells), ==, 4); /* cells (3,3) (3,4) (4,3) (4,4), each ¼ */
  g_assert_true (gaze_region_to_cells (GRID, 700, 700, 300, 300, 349, 400, cells, &error));
  /* Cell (3,3) 49 % across, full down: 0.49 ≥ ¼; (4,3) none. */
  g_assert_cmpint (count_cells (cells), ==, 1);
  g_assert_cmpfloat (cells[3 * GRID + 3], ==, 1.0f);
  /* A thin band along row 0 that covers less than a quarter of any cell
   * falls back to the cell under its centre. */
  g_assert_true (gaze_region_to_cells (GRID, 700, 700, 0, 0, 700, 20, cells, &error));
  g_assert_cmpint (count_cells (cells), ==, 1);
  g_assert_cmpfloat (cells[3], ==, 1.0f);
  g_assert_no_error (error);
}

static void
test_region_clicks (void)
{
  float cells[CELLS];
  g_autoptr (GError) error = NULL;
  const struct {
    double x, y;
    int cell;
  } clicks[] = {
    { 0, 0, 0 },                    /* top left corner */
    { 500, 375, CELLS - 1 },        /* bottom right corner: the last cell, not past it */
    { 500, 0, GRID - 1 },           /* top right */
    { 0, 375, (GRID - 1) * GRID },  /* bottom left */
    { 250, 187.5, 3 * GRID + 3 },   /* the centre */
    { 71.43, 53.58, 1 * GRID + 1 }, /* just past the first cell's corner */
    { 71.42, 53.56, 0 },            /* just before it */
  };
  for (gsize k = 0; k < G_N_ELEMENTS (clicks); k++)
    {
      g_assert_true (gaze_region_to_cells (GRID, 500, 375, clicks[k].x, clicks[k].y, clicks[k].x,
                                           clicks[k].y, cells, &error));
      g_assert_no_error (error);
      g_assert_cmpint (count_cells (cells), ==, 1);
      g_assert_cmpfloat (cells[clicks[k].cell], ==, 1.0f);
    }
}

static void
test_region_errors (void)
{
  float cells[CELLS];
  const struct {
    double x0, y0, x1, y1;
    const char *part;
  } bad[] = {
    { 0, 0, 501, 375, "outside the photo" },  { -1, 0, 10, 10, "outside the photo" },
    { 0, 0, 10, 376, "outside the photo" },   { 0, -0.5, 10, 10, "outside the photo" },
    { 600, 400, 700, 500, "outside the photo" }, { 10, 0, 5, 10, "wrong way round" },
    { 0, 10, 10, 5, "wrong way round" },     { NAN, 0, 10, 10, "wrong way round" },
    { 0, 0, INFINITY, 10, "outside the photo" },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_false (gaze_region_to_cells (GRID, 500, 375, bad[k].x0, bad[k].y0, bad[k].x1,
                                            bad[k].y1, cells, &error));
      g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, bad[k].part));
      g_assert_null (strchr (error->message, '\n'));
    }
  g_autoptr (GError) error = NULL;
  g_assert_false (gaze_region_to_cells (GRID, 0, 375, 0, 0, 0, 0, cells, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
}

/* ── Steering on the real photos ─────────────────────────────────────────── */

static const char *const nouns[] = {
  "girl", "boy", "dogs", "dog", "man", "woman", "person", "children", "skateboarder", "group",
  "table", "field", "water", "beach", "street", "playground", "store", "toy", "lake", "shirt",
  "people", "dress", "air",
};

/* The first noun of beam (past word 1), or −1. */
static int
first_noun (const GazeBeam *beam)
{
  for (int t = 1; t < beam->n_words; t++)
    for (gsize k = 0; k < G_N_ELEMENTS (nouns); k++)
      if (strcmp (beam->words[t].word, nouns[k]) == 0)
        return t;
  return -1;
}

static GazeCaption *
caption_of (const GazeModel *model, int p, int beam_width)
{
  g_autoptr (GError) error = NULL;
  GazeCaption *caption
      = gaze_model_caption (model, photos.grids + p * photos.grid_floats, beam_width, NULL, &error);
  g_assert_no_error (error);
  return caption;
}

/* The caption of photo p under steering, which must succeed. */
static GazeCaption *
steer (const GazeModel *model, int p, int beam_width, const GazeSteering *steering)
{
  g_autoptr (GError) error = NULL;
  GazeCaption *caption = gaze_model_caption_steered (
      model, photos.grids + p * photos.grid_floats, beam_width, steering, NULL, &error);
  g_assert_no_error (error);
  return caption;
}

/* The words of beam as a prefix (borrowed strings). */
static const char **
prefix_of (const GazeBeam *beam)
{
  const char **prefix = g_new (const char *, beam->n_words + 1);
  for (int t = 0; t < beam->n_words; t++)
    prefix[t] = beam->words[t].word;
  return prefix;
}

/* Masks [n_steps, CELLS], every cell kept. */
static float *
all_kept (int n_steps)
{
  float *masks = g_new (float, (gsize) n_steps * CELLS);
  for (int i = 0; i < n_steps * CELLS; i++)
    masks[i] = 1.0f;
  return masks;
}

/* log p(word t of beam) with the 2 × 2 block at (row, col) removed from step
 * t's attention, words 0 … t teacher-forced. */
static double
log_p_blocked (const GazeModel *model, int p, const GazeBeam *beam, int t, int row, int col)
{
  g_autofree const char **prefix = prefix_of (beam);
  g_autofree float *masks = all_kept (t + 1);
  for (int r = row; r < row + 2; r++)
    for (int c = col; c < col + 2; c++)
      masks[(gsize) t * CELLS + r * GRID + c] = 0.0f;
  GazeSteering steering = { prefix, t + 1, masks, t + 1 };
  g_autoptr (GazeCaption) steered = steer (model, p, 1, &steering);
  const GazeWord *w = &steered->beams[0].words[t];
  g_assert_cmpstr (w->word, ==, beam->words[t].word);
  g_assert_true (w->steered);
  return log (w->prob);
}

static void
test_block_most_attended (void)
{
  g_autoptr (GazeModel) model = test_photos_model_or_skip (&photos, "gaze-mobilenet_v2-soft.gzm");
  if (model == NULL)
    return;
  g_autoptr (GRand) rand = g_rand_new_with_seed (9);
  double top_sum = 0.0, random_sum = 0.0;
  int n = 0, wins = 0;
  for (int p = 0; p < photos.n_photos; p++)
    {
      g_autoptr (GazeCaption) caption = caption_of (model, p, 1);
      const GazeBeam *beam = &caption->beams[0];
      int t = first_noun (beam);
      if (t < 0)
        continue;
      const GazeWord *w = &beam->words[t];
      /* The 2 × 2 block of most α. */
      int best_r = 0, best_c = 0;
      float best = -1.0f;
      for (int r = 0; r + 1 < GRID; r++)
        for (int c = 0; c + 1 < GRID; c++)
          {
            float sum = w->alpha[r * GRID + c] + w->alpha[r * GRID + c + 1]
                        + w->alpha[(r + 1) * GRID + c] + w->alpha[(r + 1) * GRID + c + 1];
            if (sum > best)
              best = sum, best_r = r, best_c = c;
          }
      const double lp = log (w->prob);
      double top = lp - log_p_blocked (model, p, beam, t, best_r, best_c);
      /* Random blocks of the same size elsewhere. */
      double random = 0.0;
      const int draws = 6;
      for (int d = 0; d < draws; d++)
        {
          int r, c;
          do
            r = g_rand_int_range (rand, 0, GRID - 1), c = g_rand_int_range (rand, 0, GRID - 1);
          while (r == best_r && c == best_c);
          random += fabs (lp - log_p_blocked (model, p, beam, t, r, c)) / draws;
        }
      g_test_message ("%s: \"%s\" (word %d): top block drop %.4f, random |drop| %.4f",
                      photos.names[p], w->word, t + 1, top, random);
      top_sum += top;
      random_sum += random;
      wins += top > random;
      n++;
    }
  g_assert_cmpint (n, >=, 8);
  g_test_message ("over %d nouns: top block %.4f, random %.4f; top larger on %d", n, top_sum / n,
                  random_sum / n, wins);
  g_assert_cmpfloat (top_sum / n, >, random_sum / n);
  g_assert_cmpint (wins, >, n / 2);
}

/* "Look here" on cells 16, 17, 23, 24 (rows 2-3, columns 2-3) from word 1 on. */
static float *
look_masks (int n_steps, float *region)
{
  float cells[CELLS];
  g_autoptr (GError) error = NULL;
  /* A 500 × 375 photo's cells (2,2)-(3,3). */
  g_assert_true (gaze_region_to_cells (GRID, 500, 375, 2 * 500.0 / 7, 2 * 375.0 / 7,
                                       4 * 500.0 / 7, 4 * 375.0 / 7, cells, &error));
  g_assert_cmpint (count_cells (cells), ==, 4);
  float *masks = g_new (float, (gsize) n_steps * CELLS);
  for (int t = 0; t < n_steps; t++)
    memcpy (masks + (gsize) t * CELLS, cells, sizeof cells);
  if (region != NULL)
    memcpy (region, cells, sizeof cells);
  return masks;
}

/* Steps from on attended only inside region (for a hard model too: its
 * attended cell is the argmax of the renormalised α); those before, freely. */
static void
check_confined (const GazeCaption *caption, const float *region, int from)
{
  const GazeBeam *beam = &caption->beams[0];
  g_assert_cmpint (beam->n_words, >, from);
  for (int t = from; t < beam->n_words; t++)
    {
      const GazeWord *w = &beam->words[t];
      g_assert_true (w->steered);
      double inside = 0.0;
      for (int i = 0; i < CELLS; i++)
        if (region[i] == 0.0f)
          g_assert_cmpfloat (w->alpha[i], ==, 0.0f);
        else
          inside += w->alpha[i];
      g_assert_cmpfloat_with_epsilon (inside, 1.0, 1e-5);
      g_assert_cmpfloat (region[w->attended_cell], ==, 1.0f);
    }
  for (int t = 0; t < from; t++)
    g_assert_false (beam->words[t].steered);
}

static void
test_look_confines (void)
{
  g_autoptr (GazeModel) model = test_photos_model_or_skip (&photos, "gaze-mobilenet_v2-soft.gzm");
  if (model == NULL)
    return;
  float region[CELLS];
  g_autofree float *masks = look_masks (64, region);
  for (int p = 0; p < 4; p++)
    {
      GazeSteering steering = { NULL, 0, masks, 64 };
      g_autoptr (GazeCaption) steered = steer (model, p, 3, &steering);
      check_confined (steered, region, 0);
      g_autofree char *text = gaze_beam_to_string (&steered->beams[0]);
      g_test_message ("%s: looking at the centre: %s", photos.names[p], text);
    }
}

static void
test_hard_inside (void)
{
  g_autoptr (GazeModel) model = test_photos_model_or_skip (&photos, "gaze-mobilenet_v2-hard.gzm");
  if (model == NULL)
    return;
  float region[CELLS];
  g_autofree float *masks = look_masks (64, region);
  for (int p = 0; p < 4; p++)
    {
      g_autoptr (GazeCaption) caption = caption_of (model, p, 3);
      /* From word 3 on, words 1 and 2 kept. */
      g_autofree const char **prefix = prefix_of (&caption->beams[0]);
      g_autofree float *from3 = g_memdup2 (masks, sizeof (float) * 64 * CELLS);
      for (int i = 0; i < 2 * CELLS; i++)
        from3[i] = 1.0f;
      GazeSteering steering = { prefix, 2, from3, 64 };
      g_autoptr (GazeCaption) steered = steer (model, p, 3, &steering);
      g_assert_cmpint (steered->attention, ==, GAZE_ATTENTION_HARD);
      check_confined (steered, region, 2);
    }
}

static void
test_prefix_kept (void)
{
  g_autoptr (GazeModel) model = test_photos_model_or_skip (&photos, "gaze-mobilenet_v2-soft.gzm");
  if (model == NULL)
    return;
  for (int p = 0; p < photos.n_photos; p += 3)
    {
      g_autoptr (GazeCaption) caption = caption_of (model, p, 3);
      const GazeBeam *beam = &caption->beams[0];
      g_autofree const char **prefix = prefix_of (beam);
      /* Steer from word 3 on: avoid its most attended cell. */
      g_autofree float *masks = all_kept (3);
      masks[2 * CELLS + beam->words[2].attended_cell] = 0.0f;
      GazeSteering steering = { prefix, 2, masks, 3 };
      g_autoptr (GazeCaption) steered = steer (model, p, 3, &steering);
      const GazeBeam *s = &steered->beams[0];
      g_assert_cmpint (s->n_words, >=, 3);
      for (int t = 0; t < 2; t++)
        {
          g_assert_cmpstr (s->words[t].word, ==, beam->words[t].word);
          g_assert_false (s->words[t].steered);
          g_assert_cmpfloat_with_epsilon (s->words[t].prob, beam->words[t].prob, 1e-5);
          g_assert_cmpfloat_with_epsilon (s->words[t].beta, beam->words[t].beta, 1e-5);
          for (int i = 0; i < CELLS; i++)
            g_assert_cmpfloat_with_epsilon (s->words[t].alpha[i], beam->words[t].alpha[i], 1e-6);
        }
      g_assert_true (s->words[2].steered);
      g_assert_cmpfloat (s->words[2].alpha[beam->words[2].attended_cell], ==, 0.0f);
      /* Only step 3 was masked. */
      for (int t = 3; t < s->n_words; t++)
        g_assert_false (s->words[t].steered);

      /* The whole caption as the prefix, no masks: the caption itself. */
      GazeSteering whole = { prefix, beam->n_words, NULL, 0 };
      g_autoptr (GazeCaption) same = steer (model, p, 3, &whole);
      g_autofree char *a = gaze_beam_to_string (beam), *b = gaze_beam_to_string (&same->beams[0]);
      g_assert_cmpstr (a, ==, b);
    }
}

static void
test_deterministic (void)
{
  g_autoptr (GazeModel) model = test_photos_model_or_skip (&photos, "gaze-mobilenet_v2-soft.gzm");
  if (model == NULL)
    return;
  g_autofree float *masks = look_masks (64, NULL);
  GazeSteering steering = { NULL, 0, masks, 64 };
  g_autoptr (GazeCaption) a = steer (model, 0, 3, &steering);
  g_autoptr (GazeCaption) b = steer (model, 0, 3, &steering);
  g_assert_cmpint (a->n_beams, ==, b->n_beams);
  for (int k = 0; k < a->n_beams; k++)
    {
      g_assert_cmpint (a->beams[k].n_words, ==, b->beams[k].n_words);
      g_assert_cmpfloat (a->beams[k].log_prob, ==, b->beams[k].log_prob);
      for (int t = 0; t < a->beams[k].n_words; t++)
        {
          g_assert_cmpstr (a->beams[k].words[t].word, ==, b->beams[k].words[t].word);
          g_assert_cmpmem (a->beams[k].words[t].alpha, sizeof (float) * CELLS,
                           b->beams[k].words[t].alpha, sizeof (float) * CELLS);
        }
    }
  /* Masks that keep every cell steer nothing: the caption is unchanged and
   * no word is marked. */
  g_autofree float *ones = all_kept (64);
  GazeSteering none = { NULL, 0, ones, 64 };
  g_autoptr (GazeCaption) plain = caption_of (model, 0, 3);
  g_autoptr (GazeCaption) free_run = steer (model, 0, 3, &none);
  g_autofree char *x = gaze_beam_to_string (&plain->beams[0]);
  g_autofree char *y = gaze_beam_to_string (&free_run->beams[0]);
  g_assert_cmpstr (x, ==, y);
  for (int t = 0; t < free_run->beams[0].n_words; t++)
    g_assert_false (free_run->beams[0].words[t].steered);
}

static void
test_errors (void)
{
  g_autoptr (GazeModel) model = test_photos_model_or_skip (&photos, "gaze-mobilenet_v2-soft.gzm");
  if (model == NULL)
    return;
  g_autoptr (GazeCaption) caption = caption_of (model, 0, 3);
  g_autofree const char **prefix = prefix_of (&caption->beams[0]);
  /* Word 3's mask keeps nothing. */
  g_autofree float *masks = all_kept (5);
  memset (masks + 2 * CELLS, 0, sizeof (float) * CELLS);
  GazeSteering steering = { NULL, 0, masks, 5 };
  g_autoptr (GError) error = NULL;
  g_assert_null (gaze_model_caption_steered (model, photos.grids, 3, &steering, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "word 3 keeps no cell"));
  g_clear_error (&error);
  /* The same inside the prefix names the word. */
  GazeSteering in_prefix = { prefix, 3, masks, 5 };
  g_assert_null (gaze_model_caption_steered (model, photos.grids, 3, &in_prefix, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_autofree char *named = g_strdup_printf ("word 3 (\"%s\") keeps no cell", prefix[2]);
  g_assert_nonnull (strstr (error->message, named));
  g_clear_error (&error);
  /* Words the model does not know, or may not write. */
  const char *const unknown[] = { "a", "zebroid" }, *const special[] = { "<end>" };
  GazeSteering bad_word = { unknown, 2, NULL, 0 };
  g_assert_null (gaze_model_caption_steered (model, photos.grids, 3, &bad_word, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "\"zebroid\""));
  g_clear_error (&error);
  GazeSteering bad_special = { special, 1, NULL, 0 };
  g_assert_null (gaze_model_caption_steered (model, photos.grids, 3, &bad_special, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);
  /* A prefix longer than any caption. */
  const char *long_prefix[21];
  for (int t = 0; t < 21; t++)
    long_prefix[t] = "a";
  GazeSteering too_long = { long_prefix, 21, NULL, 0 };
  g_assert_null (gaze_model_caption_steered (model, photos.grids, 3, &too_long, NULL, &error));
  g_assert_error (error, GAZE_ERROR, GAZE_ERROR_INVALID);
  g_clear_error (&error);
  /* Cancelled before it starts. */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_assert_null (gaze_model_caption_steered (model, photos.grids, 3, NULL, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/steer/region/cells", test_region_cells);
  g_test_add_func ("/steer/region/clicks", test_region_clicks);
  g_test_add_func ("/steer/region/errors", test_region_errors);
  test_photos_load (&photos, NULL);
  g_test_add_func ("/steer/block-most-attended", test_block_most_attended);
  g_test_add_func ("/steer/look-confines", test_look_confines);
  g_test_add_func ("/steer/hard-inside", test_hard_inside);
  g_test_add_func ("/steer/prefix-kept", test_prefix_kept);
  g_test_add_func ("/steer/deterministic", test_deterministic);
  g_test_add_func ("/steer/errors", test_errors);
  int status = g_test_run ();
  test_photos_clear (&photos);
  return status;
}
