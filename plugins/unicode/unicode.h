/*
 * unicode.h: the `unicode` analyzer core: text that reads differently from
 * what runs. A reviewer (or an AI reviewer) reading a patch sees rendered
 * characters; compilers, interpreters and models read code points. These
 * rules report code points that make the two disagree, in the lines a patch
 * adds and in the job's commands.
 *
 * Files of prose or translations (unicode_prose_path: .md, .rst, .txt, .po,
 * .xliff, ..., README, COPYING, LICENSE, ChangeLog and the like, or anything
 * under a locale/, locales/, i18n/, l10n/, translations/ directory)
 * legitimately hold right-to-left text, zero-width
 * characters (line-break hints in Thai or Japanese, joiners in Persian and
 * Indic scripts) and Cyrillic or Greek words, so there only overrides,
 * unbalanced bidirectional controls and hidden text are reported.
 *
 * Rules (rule_id, severity):
 *   unicode.bidi_control  high      a bidirectional embedding, override or
 *                                   isolate (U+202A..U+202E, U+2066..U+2069) in
 *                                   code: the line shows in another order than
 *                                   the compiler reads it (Trojan Source,
 *                                   CVE-2021-42574; rustc and GitHub refuse or
 *                                   warn on any)
 *                         medium    in prose: an override (U+202D, U+202E), or
 *                                   controls the line does not close
 *   unicode.invisible     high      in code, a character that draws nothing
 *                                   where it makes a name: a Hangul filler
 *                                   (U+115F, U+1160, U+3164, U+FFA0) or U+180E
 *                                   anywhere (JavaScript takes U+3164 as a
 *                                   variable name), and U+200B..U+200D,
 *                                   U+2060..U+2064, U+FEFF next to a letter,
 *                                   digit or '_' (two names that look alike
 *                                   differ, CVE-2021-42694)
 *                         medium    U+200B, U+2060..U+2064 or U+FEFF elsewhere in
 *                                   code (a byte-order mark at the start of a
 *                                   file is not reported; joiners between
 *                                   emoji or non-Latin letters are not either)
 *   unicode.hidden_text   high      Unicode tag characters (U+E0001,
 *                                   U+E0020..U+E007F) other than an emoji flag's
 *                                   tag sequence, or two or more variation
 *                                   selectors in a row (U+FE00..U+FE0F,
 *                                   U+E0100..U+E01EF): text no reader sees but
 *                                   tools and AI models read (instructions to
 *                                   a reviewer, a smuggled payload); in every
 *                                   file; the evidence is the decoded text
 *   unicode.terminal_control
 *                         high      an escape sequence a terminal obeys that moves the
 *                                   cursor up or back a line, erases in the line or
 *                                   conceals (CSI A, F, K; SGR 8): a reviewer reading the
 *                                   patch in a terminal (`git diff`, `less -R`) sees the
 *                                   line written over (unicode_terminal.c)
 *                         medium    one that clears the screen or moves the cursor, an OSC
 *                                   sequence (title, hyperlink), or a carriage return inside
 *                                   a line (what follows prints over what came before);
 *                                   colours and a CRLF file's line ends are not reported
 *   unicode.mixed_script  medium    in code, a word of ASCII letters with a
 *                                   Cyrillic or Greek letter that looks like a
 *                                   Latin one (`pаssword` with U+0430): a name
 *                                   that looks like another one
 *
 * The names of files the patch adds, renames or copies are read as code is
 * (line 0): `invoice<U+202E>fdp.exe` shows as invoiceexe.pdf.
 *
 * At most one finding per rule and line. Evidence is the line around the
 * first character found (up to 48 bytes each side), with every reported kind
 * of character (and, for mixed_script, each look-alike) written as <U+XXXX>;
 * hidden_text's is the decoded text. (The worker's plugin host keeps only the
 * first bytes of any analyzer's evidence; tests and bench/analyzers see it
 * whole.) A line with bytes that are not UTF-8 gets no mixed_script finding:
 * legacy encodings (Big5, KOI8-R) form two-byte sequences that decode as
 * Cyrillic or Greek by accident; the three- and four-byte characters of the
 * other rules do not.
 */
#ifndef AIRLOCK_UNICODE_H
#define AIRLOCK_UNICODE_H

#include <stddef.h>

#include "an_core.h"

extern const an_analyzer_t unicode_analyzer;

/* 1 when the path (NUL-terminated) names prose or a translation, 0 for code.
 * Exposed for tests. */
int unicode_prose_path(const char *path);

typedef enum {
    UNICODE_CODE = 0,  /* source, scripts, configuration, a job command */
    UNICODE_PROSE,     /* prose and translations (unicode_prose_path) */
    UNICODE_PATH,      /* the name of a file the patch adds, renames or copies */
} unicode_text_t;

/* Scans one line of text (no line end) of the given kind; bom_ok: a U+FEFF
 * at offset 0 is the file's byte-order mark. Returns 0 or the emit
 * callback's first non-zero value. */
int unicode_scan_line(const char *text, size_t len, unicode_text_t kind, int bom_ok, const char *file,
                      unsigned line, an_emit_fn emit, void *ud);

#endif
