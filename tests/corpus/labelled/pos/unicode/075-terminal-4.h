# expect: unicode.terminal_control medium
# path: src/term.h
#define CLEAR "[H[2J"
