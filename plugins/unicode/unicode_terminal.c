/*
 * unicode_terminal.c: control bytes a terminal obeys when a reviewer reads
 * the patch there (`git diff`, `less -R`, `cat`): an escape sequence that
 * moves the cursor up, erases a line or conceals text writes over what was
 * shown, and a carriage return inside a line prints what follows it over
 * what came before. Colours and other sequences are left alone (scripts
 * print them on purpose; dpkg's error helpers hold them raw).
 */
#include "unicode_terminal.h"

#define CSI_PARAMS_MAX 32

/* A CSI sequence at s[i] (ESC '['): its final byte, and whether one of its
 * numeric parameters is 8 (SGR 8 conceals). 0 when there is none. */
static unsigned char csi_final(const unsigned char *s, size_t n, size_t i, int *has8)
{
    size_t k = i + 2, start = k;
    unsigned param = 0;
    int digits = 0;
    *has8 = 0;
    for (; k < n && k - start < CSI_PARAMS_MAX; k++) {
        unsigned char c = s[k];
        if (c >= '0' && c <= '9') {
            param = param * 10 + (c - '0');
            digits = 1;
            continue;
        }
        if (c == ';' || c == ':' || c == '?') {
            *has8 |= digits && param == 8;
            param = 0;
            digits = 0;
            continue;
        }
        *has8 |= digits && param == 8;
        return c >= 0x40 && c <= 0x7E ? c : 0;
    }
    return 0;
}

an_severity_t uc_terminal_severity(const unsigned char *s, size_t n, size_t i)
{
    int has8;
    if (s[i] == '\r')   /* one that ends the line is a CRLF file's */
        return i + 1 < n ? AN_SEV_MEDIUM : 0;
    if (s[i] != 0x1B || i + 1 >= n)
        return 0;
    if (s[i + 1] == ']')   /* OSC: a window title, a hyperlink whose text is not its target */
        return AN_SEV_MEDIUM;
    if (s[i + 1] != '[')
        return 0;
    switch (csi_final(s, n, i, &has8)) {
    case 'A': case 'F': case 'K': return AN_SEV_HIGH;       /* up a line, back a line, erase in line */
    case 'm': return has8 ? AN_SEV_HIGH : 0;                 /* SGR 8: concealed */
    case 'J': case 'H': case 'f': case 'd': return AN_SEV_MEDIUM;   /* clear, move the cursor */
    default: return 0;
    }
}
