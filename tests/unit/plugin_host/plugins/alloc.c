/* allocates and touches memory without bound */
#define BROKEN_NAME "alloc"
#define BROKEN_ANALYZE { (void)state; (void)in; for (;;) { char *p = malloc(1 << 20); if (!p) abort(); memset(p, 1, 1 << 20); } return 0; }
#include "broken.h"
