/*
 * python_plugin.c: the `python` analyzer as a dlopen plugin (descriptor only;
 * the rules live in python.c).
 */
#include "an_plugin.h"
#include "python.h"

AN_PLUGIN_DEFINE("python", "2.0.0", python_analyzer)
