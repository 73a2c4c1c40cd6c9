/* gaze-cli.h — the sub-commands of gaze-cli, one file each (cli-<name>.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each returns the process exit status; argv[0] is the sub-command's name. */
int gaze_cli_classify (int argc, char **argv);
int gaze_cli_info (int argc, char **argv);
int gaze_cli_features (int argc, char **argv);
int gaze_cli_eval (int argc, char **argv);
int gaze_cli_train (int argc, char **argv);
int gaze_cli_caption (int argc, char **argv);
int gaze_cli_average (int argc, char **argv);

/* gaze_paths_shared and gaze_paths_find_encoder (render/gaze-paths.h), under
 * the names the sub-commands use. */
char *gaze_cli_shared_path (const char *relative);
char *gaze_cli_encoder_path (const char *name);

/* Parses the sub-command name's options (summary follows "Usage: … [OPTION…]"
 * in --help); prints the error and returns FALSE on a bad option or, unless
 * takes_args (the arguments are left in argv[1 … *argc - 1]), an argument no
 * entry takes. */
gboolean gaze_cli_parse_options (const char *name, const char *summary,
                                 const GOptionEntry *entries, gboolean takes_args, int *argc,
                                 char ***argv);
/* "gaze-cli NAME ARG…" as a model records the command that made it: each
 * path by its last component only (a model says how it was made, not where
 * on that machine), plain words unquoted. */
char *gaze_cli_command_line (int argc, char **argv);
/* Prints "gaze-cli: <message>" as one line on stderr and returns 1. */
int gaze_cli_fail (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* The same for a GError, which it frees. */
int gaze_cli_fail_error (GError *error);

G_END_DECLS
