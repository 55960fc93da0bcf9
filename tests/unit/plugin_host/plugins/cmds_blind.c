/* cmds_blind.c: the cmds plugin WITHOUT AIRLOCK_CAP_COMMANDS: the host must
 * hand it no commands (n_commands 0, commands NULL). */
#define CMDS_NAME "cmds_blind"
#define CMDS_CAPS AIRLOCK_CAP_PATCH
#include "cmds.c"
