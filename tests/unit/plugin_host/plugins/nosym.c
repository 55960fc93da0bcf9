/* exports the descriptor under another name */
#define BROKEN_NAME "nosym"
#define BROKEN_SYMBOL airlock_plugin_descriptor_v2
#define BROKEN_ANALYZE { return 0; }
#include "broken.h"
