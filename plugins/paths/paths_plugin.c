/*
 * paths_plugin.c: the `paths` analyzer as a dlopen plugin (descriptor only;
 * the rules live in paths.c).
 */
#include "an_plugin.h"
#include "paths.h"

AN_PLUGIN_DEFINE("paths", "2.0.0", paths_analyzer)
