/* never returns from analyze */
#define BROKEN_NAME "loop"
#define BROKEN_ANALYZE { volatile unsigned long n = 0; (void)state; (void)in; for (;;) n++; return 0; }
#include "broken.h"
