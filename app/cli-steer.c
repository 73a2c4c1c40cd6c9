/* cli-steer.c — --look and --avoid; see cli-steer.h. */
#include "cli-steer.h"

#include <string.h>

/* More steps than the engine's longest caption (20 words and <end>), so that
 * "from word N on" reaches the end of any caption. */
#define STEER_STEPS 32

void
gaze_cli_region_free (GazeCliRegion *region)
{
  if (region == NULL)
    return;
  g_free (region->spec);
  g_free (region->shown);
  g_free (region);
}

static const char *
option_name (gboolean avoid)
{
  return avoid ? "--avoid" : "--look";
}

/* One coordinate: [-]digits for pixels, [-]digits.digits for a fraction. */
static gboolean
parse_number (const char *text, double *value, gboolean *fraction)
{
  const char *p = text + (*text == '-');
  int digits = 0, dots = 0;
  for (; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (*p == '.')
        dots++;
      else
        return FALSE;
    }
  if (digits == 0 || dots > 1 || strlen (text) > 32)
    return FALSE;
  *value = g_ascii_strtod (text, NULL);
  *fraction = dots == 1;
  return TRUE;
}

/* "N" or "N+", N from 1. */
static gboolean
parse_word (const char *text, int *word, gboolean *onwards)
{
  gsize n = strlen (text);
  *onwards = n > 0 && text[n - 1] == '+';
  if (*onwards)
    n--;
  if (n == 0 || n > 6)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (text[i]))
      return FALSE;
  *word = (int) g_ascii_strtoll (text, NULL, 10);
  return *word >= 1;
}

GazeCliRegion *
gaze_cli_region_parse (const char *spec, gboolean avoid, GError **error)
{
  g_autoptr (GazeCliRegion) region = g_new0 (GazeCliRegion, 1);
  region->avoid = avoid;
  region->spec = g_strdup (spec);
  region->shown = g_strescape (spec, NULL); /* one line, whatever it holds */
  region->word = 1;
  region->onwards = TRUE;
  const char *shown = region->shown;
  const char *at = strchr (spec, '@');
  g_autofree char *rect = at != NULL ? g_strndup (spec, at - spec) : g_strdup (spec);
  if (at != NULL && !parse_word (at + 1, &region->word, &region->onwards))
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "%s '%s': the word after @ is N (word N alone) or N+ (word N on), N from 1",
                   option_name (avoid), shown);
      return NULL;
    }
  g_auto (GStrv) parts = g_strsplit (rect, ",", -1);
  gboolean ok = g_strv_length (parts) == 4;
  int n_fractions = 0;
  for (int i = 0; ok && i < 4; i++)
    {
      gboolean fraction;
      ok = parse_number (g_strstrip (parts[i]), &region->v[i], &fraction);
      n_fractions += fraction;
    }
  if (!ok)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "%s '%s': not X0,Y0,X1,Y1[@N|@N+] (integers are pixels, numbers with a "
                   "decimal point fractions of the photo)",
                   option_name (avoid), shown);
      return NULL;
    }
  if (n_fractions != 0 && n_fractions != 4)
    {
      g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                   "%s '%s': mixes pixels (integers) and fractions (with a decimal point); "
                   "write all four one way",
                   option_name (avoid), shown);
      return NULL;
    }
  region->fractions = n_fractions == 4;
  return g_steal_pointer (&region);
}

gboolean
gaze_cli_region_cells (const GazeCliRegion *region, int grid_size, int width, int height,
                       float *cells, GError **error)
{
  double v[4];
  memcpy (v, region->v, sizeof v);
  if (region->fractions)
    {
      for (int i = 0; i < 4; i++)
        if (v[i] < 0.0 || v[i] > 1.0)
          {
            g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                         "%s %s: the rectangle is outside the photo (fractions go from 0 to 1)",
                         option_name (region->avoid), region->shown);
            return FALSE;
          }
      v[0] *= width, v[2] *= width, v[1] *= height, v[3] *= height;
    }
  if (!gaze_region_to_cells (grid_size, width, height, v[0], v[1], v[2], v[3], cells, error))
    {
      g_prefix_error (error, "%s %s: ", option_name (region->avoid), region->shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
region_applies (const GazeCliRegion *region, int word)
{
  return region->onwards ? word >= region->word : word == region->word;
}

float *
gaze_cli_regions_masks (GPtrArray *regions, int grid_size, int width, int height, int n_words,
                        int *n_masks, int *first, GError **error)
{
  const int L = grid_size * grid_size;
  g_autofree float *cells = g_new (float, (gsize) regions->len * L);
  *first = G_MAXINT;
  *n_masks = 0;
  for (guint k = 0; k < regions->len; k++)
    {
      const GazeCliRegion *region = g_ptr_array_index (regions, k);
      if (!gaze_cli_region_cells (region, grid_size, width, height, cells + (gsize) k * L, error))
        return NULL;
      if (region->word > n_words)
        {
          g_set_error (error, GAZE_ERROR, GAZE_ERROR_INVALID,
                       "%s %s: word %d is past the caption (%d words)",
                       option_name (region->avoid), region->shown, region->word, n_words);
          return NULL;
        }
      *first = MIN (*first, region->word);
      *n_masks = MAX (*n_masks, region->onwards ? STEER_STEPS : region->word);
    }
  float *masks = g_new (float, (gsize) *n_masks * L);
  for (int t = 0; t < *n_masks; t++)
    {
      float *mask = masks + (gsize) t * L;
      gboolean looked = FALSE;
      for (int i = 0; i < L; i++)
        mask[i] = 0.0f;
      for (guint k = 0; k < regions->len; k++)
        {
          const GazeCliRegion *region = g_ptr_array_index (regions, k);
          if (region->avoid || !region_applies (region, t + 1))
            continue;
          looked = TRUE;
          for (int i = 0; i < L; i++)
            mask[i] = MAX (mask[i], cells[(gsize) k * L + i]);
        }
      for (int i = 0; !looked && i < L; i++)
        mask[i] = 1.0f;
      for (guint k = 0; k < regions->len; k++)
        {
          const GazeCliRegion *region = g_ptr_array_index (regions, k);
          if (!region->avoid || !region_applies (region, t + 1))
            continue;
          for (int i = 0; i < L; i++)
            if (cells[(gsize) k * L + i] != 0.0f)
              mask[i] = 0.0f;
        }
    }
  return masks;
}
