/* descriptor says abi_version 7 */
#define BROKEN_NAME "abi7"
#define BROKEN_ABI 7
#define BROKEN_ANALYZE { return 0; }
#include "broken.h"
