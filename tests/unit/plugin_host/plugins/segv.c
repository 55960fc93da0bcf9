/* dereferences NULL in analyze */
#define BROKEN_NAME "segv"
#define BROKEN_ANALYZE { volatile int *volatile p = NULL; (void)state; (void)in; return *p; }
#include "broken.h"
