# expect: unicode.terminal_control medium
# note: Linux perf has this very line: reported, not blocking
# path: src/top.h
#define CONSOLE_CLEAR "[H[2J"
