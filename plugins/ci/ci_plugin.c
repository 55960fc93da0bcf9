/*
 * ci_plugin.c: the `ci` analyzer as a dlopen plugin (descriptor only; the
 * rules live in ci.c and the ci_*.c files it calls).
 */
#include "an_plugin.h"
#include "ci.h"

AN_PLUGIN_DEFINE("ci", "2.0.0", ci_analyzer)
