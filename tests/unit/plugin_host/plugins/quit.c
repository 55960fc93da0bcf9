/* exits the process from analyze */
#define BROKEN_NAME "quit"
#define BROKEN_ANALYZE { (void)state; (void)in; _exit(0); }
#include "broken.h"
