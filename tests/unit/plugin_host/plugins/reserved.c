/* a reserved slot is set */
#define BROKEN_NAME "reserved"
#define BROKEN_RESERVED { 0, 0, 0, (void *)&desc }
#define BROKEN_ANALYZE { return 0; }
#include "broken.h"
