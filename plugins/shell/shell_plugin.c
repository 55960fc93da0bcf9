/*
 * shell_plugin.c: the `shell` analyzer as a dlopen plugin (descriptor only;
 * the rules live in shell_rules.c); it reads the patch and the job's commands.
 */
#include "an_plugin.h"
#include "shell.h"

/* Also the job's own run/test commands (AIRLOCK_CAP_COMMANDS). */
AN_PLUGIN_DEFINE_CAPS("shell", "2.0.0", AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED | AIRLOCK_CAP_COMMANDS, shell_analyzer)
