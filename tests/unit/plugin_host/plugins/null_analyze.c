/* analyze is NULL */
#define BROKEN_NAME "null_analyze"
#define BROKEN_ANALYZE_FN NULL
#define BROKEN_ANALYZE { return 0; }
#include "broken.h"
