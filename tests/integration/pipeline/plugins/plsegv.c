/* An analyzer that dereferences NULL in analyze (pipeline test: plugin_error). */
#define BROKEN_NAME "plsegv"
#define BROKEN_ANALYZE { volatile int *volatile p = NULL; (void)state; (void)in; return *p; }
#include "broken.h"
