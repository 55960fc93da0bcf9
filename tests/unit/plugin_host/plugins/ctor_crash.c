/* ctor_crash: crashes in its constructor, i.e. at dlopen time. */
#define BROKEN_NAME "ctor_crash"
#define BROKEN_ANALYZE { return 0; }
#include "broken.h"

__attribute__((constructor)) static void boom(void)
{
    volatile int *p = NULL;
    *p = 1;
}
