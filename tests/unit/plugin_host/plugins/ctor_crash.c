/* ctor_crash: crashes in its constructor, i.e. at dlopen time. */
#define BROKEN_NAME "ctor_crash"
#define BROKEN_ANALYZE { return 0; }
#include "broken.h"

__attribute__((constructor)) static void boom(void)
{
    volatile int *volatile p = NULL;   /* both volatile: -O2 can drop neither the load nor the store */
    *p = 1;
}
