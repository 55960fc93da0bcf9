/* writes garbage into the result pipe (fd 3) */
#define BROKEN_NAME "garbage"
#define BROKEN_ANALYZE { static const unsigned char junk[] = { 0x97, 0x00, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x41 }; (void)state; (void)in; if (write(3, junk, sizeof junk) < 0) return 1; return 0; }
#include "broken.h"
