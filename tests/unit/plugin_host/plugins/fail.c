/* analyze reports failure */
#define BROKEN_NAME "fail"
#define BROKEN_ANALYZE { (void)state; (void)in; return 5; }
#include "broken.h"
