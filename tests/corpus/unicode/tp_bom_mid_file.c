# expect: unicode.invisible high
# note: a byte-order mark inside code, next to a name
# path: src/util.c
int util(void)
{
    int ﻿count = 0;
    return count;
}
