/*
 * python_plugin.c: the `python` analyzer as a dlopen plugin (descriptor only;
 * the rules live in python.c and the files python_internal.h names); it reads
 * the patch, and the job's commands to learn which files they run with python
 * (python.c python_note_command).
 */
#include "an_plugin.h"
#include "python.h"

AN_PLUGIN_DEFINE_CAPS("python", "2.0.0", AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED | AIRLOCK_CAP_COMMANDS,
                      python_analyzer)
