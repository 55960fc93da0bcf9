/* descriptor says abi_version 1: built against the ABI before the patch
 * model (its airlock_file_t had a different size), so it must be refused */
#define BROKEN_NAME "abi1"
#define BROKEN_ABI 1
#define BROKEN_ANALYZE { return 0; }
#include "broken.h"
