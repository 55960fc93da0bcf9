/* descriptor struct_size shorter than ABI 2 needs */
#define BROKEN_NAME "short"
#define BROKEN_SIZE offsetof(airlock_plugin_t, reserved)
#define BROKEN_ANALYZE { return 0; }
#include "broken.h"
