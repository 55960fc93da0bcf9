# expect: unicode.invisible medium
# note: a byte-order mark opening a later line: where two files were joined; reported, not blocking
# path: src/joined.c
int a;
﻿int b;
