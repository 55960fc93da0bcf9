# expect: unicode.terminal_control high
# path: src/main.c
int ok; /* [1F[K */
