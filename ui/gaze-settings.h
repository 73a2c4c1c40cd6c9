/* gaze-settings.h — Gaze's GSettings (schema io.github.gaze.Gaze). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The installed schema, else the one compiled into the build tree (so that
 * programs and tests run from there have it).  Keys: see
 * resources/io.github.gaze.Gaze.gschema.xml. */
GSettings *gaze_settings_new (void);

G_END_DECLS
