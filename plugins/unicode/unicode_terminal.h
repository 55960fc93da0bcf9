/*
 * unicode_terminal.h: terminal control bytes in a line that make a terminal
 * show it differently from what it holds (unicode_terminal.c).
 */
#ifndef AIRLOCK_UNICODE_TERMINAL_H
#define AIRLOCK_UNICODE_TERMINAL_H

#include <stddef.h>

#include "an_core.h"

/* The severity of the ESC or CR byte at s[i] of a line of n bytes: high for
 * a CSI sequence that moves the cursor up or back a line, erases in the line
 * or conceals (SGR 8); medium for one that clears the screen or moves the
 * cursor, an OSC sequence, or a carriage return inside the line; 0 else. */
an_severity_t uc_terminal_severity(const unsigned char *s, size_t n, size_t i);

#endif
