/* gaze-cli — caption photos, classify them, train and evaluate, from a terminal. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "gaze-blas.h"
#include "gaze-cli.h"
#include "gaze-paths.h"
#include "gaze.h"

typedef struct {
  const char *name;
  const char *summary;
  int (*run) (int argc, char **argv);
} GazeCliCommand;

/* One line a sub-command. */
static const GazeCliCommand commands[] = {
  { "classify", "print the top-5 ImageNet labels of photos", gaze_cli_classify },
  { "features", "cache the encoder's grids of a folder of photos", gaze_cli_features },
  { "eval", "caption a split and score it (BLEU, CIDEr-D, ROUGE-L)", gaze_cli_eval },
  { "train", "train the caption decoder (Flickr8k, Karpathy or COCO captions)", gaze_cli_train },
  { "caption", "caption photos or folders, with per-word attention", gaze_cli_caption },
  { "info", "describe decoder models: encoder, training, dev scores", gaze_cli_info },
  { "average", "average the weights of decoder models into one", gaze_cli_average },
};

char *
gaze_cli_shared_path (const char *relative)
{
  return gaze_paths_shared (relative);
}

char *
gaze_cli_encoder_path (const char *name)
{
  return gaze_paths_find_encoder (name);
}

int
gaze_cli_fail (const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  /* One line, whatever the message held. */
  g_strdelimit (message, "\r\n", ' ');
  fprintf (stderr, "gaze-cli: %s\n", message);
  return 1;
}

int
gaze_cli_fail_error (GError *error)
{
  int status = gaze_cli_fail ("%s", error->message);
  g_error_free (error);
  return status;
}

char *
gaze_cli_command_line (int argc, char **argv)
{
  GString *s = g_string_new ("gaze-cli");
  for (int i = 0; i < argc; i++)
    {
      g_string_append_c (s, ' ');
      /* Paths are recorded by their last component only: a model says how
       * it was trained, not where on the trainer's machine (--images=DIR). */
      const char *arg = argv[i];
      const char *eq = arg[0] == '-' ? strchr (arg, '=') : NULL;
      g_autofree char *shortened = NULL;
      if (strchr (eq != NULL ? eq + 1 : arg, '/') != NULL)
        {
          g_autofree char *base = g_path_get_basename (eq != NULL ? eq + 1 : arg);
          shortened = eq != NULL ? g_strdup_printf ("%.*s%s", (int) (eq + 1 - arg), arg, base)
                                 : g_steal_pointer (&base);
          arg = shortened;
        }
      g_autofree char *quoted = g_shell_quote (arg);
      /* Plain words stay unquoted, for readability. */
      gboolean plain = arg[0] != '\0' && strpbrk (arg, " '\"\\$`!*?;&|<>(){}") == NULL;
      g_string_append (s, plain ? arg : quoted);
    }
  return g_string_free (s, FALSE);
}

gboolean
gaze_cli_parse_options (const char *name, const char *summary, const GOptionEntry *entries,
                        gboolean takes_args, int *argc, char ***argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (summary);
  g_option_context_add_main_entries (context, entries, NULL);
  GError *error = NULL;
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      gaze_cli_fail_error (error);
      return FALSE;
    }
  if (!takes_args && *argc > 1)
    {
      gaze_cli_fail ("%s: unexpected argument '%s'", name, (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: gaze-cli COMMAND [OPTION…]\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'gaze-cli COMMAND --help' for a command's options.\n");
}

int
main (int argc, char **argv)
{
  gaze_blas_ensure_fast_kernels (argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      g_autofree char *blas = gaze_blas_describe ();
      printf ("gaze-cli %s\n%s\n", PACKAGE_VERSION, blas);
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  gaze_cli_fail ("unknown command '%s' (try 'gaze-cli --help')", argv[1]);
  return 2;
}
