/*
 * secrets_plugin.c: the `secrets` analyzer as a dlopen plugin (descriptor only;
 * the rules live in secrets.c).
 */
#include "an_plugin.h"
#include "secrets.h"

AN_PLUGIN_DEFINE("secrets", "2.0.0", secrets_analyzer)
