/* a capability bit the host does not know */
#define BROKEN_NAME "unknown_cap"
#define BROKEN_CAPS (AIRLOCK_CAP_PATCH | (UINT64_C(1) << 40))
#define BROKEN_ANALYZE { return 0; }
#include "broken.h"
