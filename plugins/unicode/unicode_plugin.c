/*
 * unicode_plugin.c: the `unicode` analyzer as a dlopen plugin (descriptor
 * only; the rules live in unicode.c). It scans the job's commands too.
 */
#include "an_plugin.h"
#include "unicode.h"

AN_PLUGIN_DEFINE_CAPS("unicode", "1.0.0", AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED | AIRLOCK_CAP_COMMANDS,
                      unicode_analyzer)
