/* writes more than the byte bound into the result pipe */
#define BROKEN_NAME "bigwire"
#define BROKEN_ANALYZE { static char buf[65536]; (void)state; (void)in; for (;;) if (write(3, buf, sizeof buf) < 0) return 1; return 0; }
#include "broken.h"
