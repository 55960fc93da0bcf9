/* An analyzer that never returns from analyze (pipeline test: plugin_error). */
#define BROKEN_NAME "plloop"
#define BROKEN_ANALYZE { volatile unsigned long n = 0; (void)state; (void)in; for (;;) n++; return 0; }
#include "broken.h"
