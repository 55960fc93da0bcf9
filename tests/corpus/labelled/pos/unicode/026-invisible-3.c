# expect: unicode.invisible high
# path: src/util.c
int util(void)
{
    int ﻿count = 0;
    return count;
}
