/*
 * shell_plugin.c: the `shell` analyzer as a dlopen plugin (descriptor only;
 * the rules live in shell_rules.c).
 */
#include "an_plugin.h"
#include "shell.h"

AN_PLUGIN_DEFINE("shell", "1.0.0", shell_analyzer)
