/*
 * unicode.c: the `unicode` analyzer core (rules in unicode.h): one pass over
 * each added line and each job command, in code points, reporting at most
 * one finding per rule and line. Lines of ASCII only are skipped after a
 * word-at-a-time check, so the cost is in the few lines that hold other text.
 *
 * Per-scan state: the emit callback and whether the current file is prose.
 * Names of files the patch adds, renames or copies are read too (line 0).
 */
#include "unicode.h"

#include <stdio.h>
#include <string.h>

#include "an_input.h"
#include "an_text.h"
#include "unicode_chars.h"
#include "unicode_terminal.h"

#define EVIDENCE_SIDE 48
#define FLAG_TAG_MIN 2        /* an emoji flag's tag letters: gbeng, usca, ... */
#define FLAG_TAG_MAX 7
#define BLACK_FLAG 0x1F3F4u

typedef struct {
    an_emit_fn emit;
    void *ud;
    int prose;
} unicode_state_t;
_Static_assert(sizeof(unicode_state_t) <= AN_STATE_MAX, "unicode state must fit the driver's buffer");

/* What one line holds, gathered in the pass and reported at its end. */
typedef struct {
    int bidi_depth, bidi_unbalanced, bidi_override;
    size_t bidi_off;          /* first bidirectional control; SIZE_MAX: none */
    an_severity_t inv_sev;    /* 0: nothing invisible to report */
    size_t inv_off;
    size_t mixed_off;         /* SIZE_MAX: no mixed word */
    int hidden_done;
    int ill_formed;           /* bytes that are not UTF-8: the line may be in another encoding */
    an_severity_t term_sev;   /* 0: no terminal control to report */
    size_t term_off;
    /* the word being read: an ASCII letter, and a look-alike next to one */
    int word_ascii, word_conf;
    size_t word_conf_off;
} line_facts_t;

typedef struct {
    const unsigned char *s;
    size_t n;
    unicode_text_t kind;
    int bom_ok;
    const char *file;
    unsigned line;
    an_emit_fn emit;
    void *ud;
} line_t;

static const char *const s_prose_ext[] = {
    "md", "markdown", "mdx", "rst", "txt", "text", "adoc", "asciidoc", "tex", "po", "pot", "xliff", "xlf",
    "strings", "stringsdict", "arb", "resx", "properties", "html", "htm", "csv", "tsv", "srt", "vtt", "ftl",
};
static const char *const s_prose_name[] = {
    "readme", "copying", "license", "licence", "news", "authors", "changelog", "changes", "thanks",
    "copyright", "contributors", "notice", "todo", "history", "credits",
};
static const char *const s_prose_dir[] = {
    "locale", "locales", "i18n", "l10n", "translations", "translation", "lang", "langs", "po",
};

/* Whether s, folded to lower case, is one of set. */
static int lower_in(const char *s, size_t n, const char *const *set, size_t count)
{
    char low[16];
    if (!n || n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)an_lower((unsigned char)s[i]);
    low[n] = '\0';
    return an_str_in(low, set, count);
}

int unicode_prose_path(const char *path)
{
    const char *ext = an_path_ext(path), *base = an_path_base(path);
    if ((ext && lower_in(ext, strlen(ext), s_prose_ext, sizeof s_prose_ext / sizeof s_prose_ext[0])) ||
        lower_in(base, strlen(base), s_prose_name, sizeof s_prose_name / sizeof s_prose_name[0]))
        return 1;
    for (const char *p = path; *p;) {
        const char *slash = strchr(p, '/');
        if (!slash)
            break;
        if (lower_in(p, (size_t)(slash - p), s_prose_dir, sizeof s_prose_dir / sizeof s_prose_dir[0]))
            return 1;
        p = slash + 1;
    }
    return 0;
}

static uint32_t cp_at(const line_t *l, size_t i, size_t *len)
{
    return uc_decode(l->s + i, l->n - i, len);
}

/* The code point before offset i (0 at the start of the line). */
static uint32_t cp_before(const line_t *l, size_t i)
{
    size_t j = i, len;
    if (i == 0)
        return 0;
    while (j > 0 && i - j < 4 && (l->s[j - 1] & 0xC0) == 0x80)
        j--;
    j = j > 0 ? j - 1 : 0;
    uint32_t cp = cp_at(l, j, &len);
    return j + len == i ? cp : 0xFFFD;
}

static int ascii_ident(uint32_t cp)
{
    return cp < 0x80 && an_is_ident((unsigned char)cp);
}

static int ascii_letter(uint32_t cp)
{
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

/* The line around offset `at`, each reported character as <U+XXXX> (and
 * each look-alike letter when `confusables`). */
static size_t render_window(const line_t *l, size_t at, int confusables, char *out, size_t cap)
{
    size_t start = at > EVIDENCE_SIDE ? at - EVIDENCE_SIDE : 0, end = at + EVIDENCE_SIDE, o = 0, len;
    while (start < at && (l->s[start] & 0xC0) == 0x80)
        start++;
    if (end > l->n)
        end = l->n;
    for (size_t i = start; i < end; i += len) {
        uint32_t cp = cp_at(l, i, &len);
        char esc[16];
        const char *piece = (const char *)l->s + i;
        size_t pn = len;
        uc_class_t cls = uc_classify(cp);
        if (uc_reported(cls) || cp == 0xFFFD || (confusables && cls == UC_CONFUSABLE)) {
            pn = (size_t)snprintf(esc, sizeof esc, "<U+%04X>", (unsigned)cp);
            piece = esc;
        }
        if (o + pn > cap)
            break;
        memcpy(out + o, piece, pn);
        o += pn;
    }
    return o;
}

static int report_window(const line_t *l, const char *rule, an_severity_t sev, const char *msg, size_t at)
{
    char ev[AN_EVIDENCE_MAX];
    size_t n = render_window(l, at, !strcmp(rule, "unicode.mixed_script"), ev, sizeof ev);
    return an_emit(l->emit, l->ud, rule, sev, l->file, l->line, msg, ev, n);
}

/* A run of tag characters or variation selectors from i; sets *end. Returns
 * 1 when it hides text (the emoji flag and one-selector cases do not). */
static int hidden_run(const line_t *l, size_t i, uc_class_t cls, size_t *end, char *dec, size_t *dec_n)
{
    size_t j = i, len, count = 0, letters = 0, o = 0;
    uint32_t last = 0;
    int flag_letters = 1;
    while (j < l->n) {
        uint32_t cp = cp_at(l, j, &len);
        if (uc_classify(cp) != cls)
            break;
        unsigned char b = uc_hidden_byte(cp);
        if (cp != 0xE007F && cp != 0xE0001) {
            letters++;
            if (!((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')))
                flag_letters = 0;
        }
        if (o < AN_EVIDENCE_MAX && cp != 0xE0001 && cp != 0xE007F)
            dec[o++] = b >= 0x20 && b < 0x7F ? (char)b : '.';
        last = cp;
        count++;
        j += len;
    }
    *end = j;
    *dec_n = o;
    if (cls == UC_VARIATION)
        return count >= 2;
    return !(cp_before(l, i) == BLACK_FLAG && last == 0xE007F && flag_letters && letters >= FLAG_TAG_MIN &&
             letters <= FLAG_TAG_MAX && count == letters + 1);
}

static void word_end(line_facts_t *f)
{
    if (f->word_ascii && f->word_conf && f->mixed_off == SIZE_MAX)
        f->mixed_off = f->word_conf_off;
    f->word_ascii = f->word_conf = 0;
}

static void note_bidi(line_facts_t *f, uc_class_t cls, size_t off)
{
    if (f->bidi_off == SIZE_MAX)
        f->bidi_off = off;
    if (cls == UC_BIDI_OPEN || cls == UC_BIDI_OVERRIDE)
        f->bidi_depth++;
    else if (f->bidi_depth > 0)
        f->bidi_depth--;
    else
        f->bidi_unbalanced = 1;
    if (cls == UC_BIDI_OVERRIDE)
        f->bidi_override = 1;
}

static void note_invisible(const line_t *l, line_facts_t *f, uc_class_t cls, size_t i, size_t len, uint32_t cp)
{
    size_t nl;
    if (l->kind == UNICODE_PROSE || (cp == 0xFEFF && i == 0 && l->bom_ok))
        return;
    /* a byte-order mark opening a later line is where files were joined */
    int near_name = !(cp == 0xFEFF && i == 0) &&
                    (ascii_ident(cp_before(l, i)) || (i + len < l->n && ascii_ident(cp_at(l, i + len, &nl))));
    an_severity_t sev = cls == UC_FILLER || near_name ? AN_SEV_HIGH : cls == UC_INVISIBLE ? AN_SEV_MEDIUM : 0;
    if (sev > f->inv_sev) {
        f->inv_sev = sev;
        f->inv_off = i;
    }
}

static int report_line(const line_t *l, const line_facts_t *f)
{
    int rc = 0;
    if (f->bidi_off != SIZE_MAX && l->kind != UNICODE_PROSE)
        rc = report_window(l, "unicode.bidi_control", AN_SEV_HIGH,
                           l->kind == UNICODE_PATH
                               ? "bidirectional control character in a file name: it shows in another order "
                                 "than it is stored (evil<U+202E>txt.sh reads as evilhs.txt)"
                               : "bidirectional control character in code: the line shows in another order "
                                 "than the compiler reads it (Trojan Source, CVE-2021-42574)",
                           f->bidi_off);
    else if (f->bidi_off != SIZE_MAX && (f->bidi_override || f->bidi_unbalanced || f->bidi_depth))
        rc = report_window(l, "unicode.bidi_control", AN_SEV_MEDIUM,
                           "bidirectional override, or a control the line does not close: the text shows in "
                           "another order than it is stored", f->bidi_off);
    if (!rc && f->inv_sev)
        rc = report_window(l, "unicode.invisible", f->inv_sev,
                           l->kind == UNICODE_PATH
                               ? "invisible character in a file name: two names that look the same differ"
                           : f->inv_sev == AN_SEV_HIGH
                               ? "invisible character in or next to a name: two names that look the same "
                                 "differ (CVE-2021-42694)"
                               : "invisible character in code: the line holds text a reader cannot see",
                           f->inv_off);
    if (!rc && f->term_sev)
        rc = report_window(l, "unicode.terminal_control", f->term_sev,
                           "terminal control in the line (an escape sequence that moves the cursor, erases "
                           "or conceals; a carriage return inside it): a terminal shows the patch "
                           "differently from what it holds", f->term_off);
    if (!rc && f->mixed_off != SIZE_MAX && l->kind != UNICODE_PROSE && !f->ill_formed)
        rc = report_window(l, "unicode.mixed_script", AN_SEV_MEDIUM,
                           "a word mixing Latin letters with a Cyrillic or Greek look-alike: a name that "
                           "looks like another one", f->mixed_off);
    return rc;
}

int unicode_scan_line(const char *text, size_t len, unicode_text_t kind, int bom_ok, const char *file,
                      unsigned line, an_emit_fn emit, void *ud)
{
    if (!uc_worth_scanning(text, len))
        return 0;
    line_t l = {(const unsigned char *)text, len, kind, bom_ok, file, line, emit, ud};
    line_facts_t f = {.bidi_off = SIZE_MAX, .mixed_off = SIZE_MAX};
    size_t i = 0, n;
    while (i < len) {
        uint32_t cp = cp_at(&l, i, &n);
        uc_class_t cls = uc_classify(cp);
        if (cp == 0xFFFD && n == 1)
            f.ill_formed = 1;
        if (cls == UC_WORD || cls == UC_CONFUSABLE) {
            size_t nn;
            f.word_ascii |= ascii_letter(cp);
            if (cls == UC_CONFUSABLE && !f.word_conf &&
                (ascii_letter(cp_before(&l, i)) || (i + n < len && ascii_letter(cp_at(&l, i + n, &nn))))) {
                f.word_conf = 1;
                f.word_conf_off = i;
            }
            i += n;
            continue;
        }
        word_end(&f);
        if (cls == UC_TAG || cls == UC_VARIATION) {
            char dec[AN_EVIDENCE_MAX];
            size_t end, dn;
            if (hidden_run(&l, i, cls, &end, dec, &dn) && !f.hidden_done) {
                f.hidden_done = 1;
                int rc = an_emit(emit, ud, "unicode.hidden_text", AN_SEV_HIGH, file, line,
                                 "text hidden in Unicode tag characters or variation selectors: no reader "
                                 "sees it, tools and AI models read it (the evidence is the decoded text)",
                                 dec, dn);
                if (rc)
                    return rc;
            }
            i = end;
            continue;
        }
        if (cls == UC_TERMINAL) {
            an_severity_t sev = uc_terminal_severity(l.s, len, i);
            if (sev > f.term_sev) {
                f.term_sev = sev;
                f.term_off = i;
            }
        } else if (cls >= UC_BIDI_OPEN && cls <= UC_BIDI_POP_ISO)
            note_bidi(&f, cls, i);
        else if (cls == UC_FILLER || cls == UC_INVISIBLE || cls == UC_JOINER)
            note_invisible(&l, &f, cls, i, n, cp);
        i += n;
    }
    word_end(&f);
    return report_line(&l, &f);
}

static int unicode_on_file(void *ud, const an_file_t *f)
{
    unicode_state_t *st = ud;
    const char *path = an_file_path(f);
    st->prose = unicode_prose_path(path);
    if (!(f->flags & (AN_FILE_NEW | AN_FILE_RENAMED | AN_FILE_COPIED)))
        return 0;   /* a name the base already has is not the patch's */
    return unicode_scan_line(path, strlen(path), UNICODE_PATH, 0, path, 0, st->emit, st->ud);
}

static int unicode_on_line(void *ud, const an_file_t *f, an_line_kind_t kind, unsigned lineno,
                           const char *text, size_t len)
{
    unicode_state_t *st = ud;
    if (kind != AN_LINE_ADDED)
        return 0;
    return unicode_scan_line(text, len, st->prose ? UNICODE_PROSE : UNICODE_CODE, lineno == 1, an_file_path(f),
                             lineno, st->emit, st->ud);
}

/* A job command: code; lines numbered from 1 when it has several. */
static int unicode_command(const char *text, size_t len, const char *label, an_emit_fn emit, void *ud)
{
    int multi = memchr(text, '\n', len) != NULL;
    unsigned line = 1;
    for (size_t i = 0; i < len; line++) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        int rc = unicode_scan_line(text + i, end - i, UNICODE_CODE, 0, label, multi ? line : 0, emit, ud);
        if (rc)
            return rc;
        i = end + 1;
    }
    return 0;
}

static void unicode_begin(void *state, an_emit_fn emit, void *ud)
{
    unicode_state_t *st = state;
    memset(st, 0, sizeof *st);
    st->emit = emit;
    st->ud = ud;
}

static const an_patch_visitor_t s_visitor = {
    .on_file = unicode_on_file,
    .on_line = unicode_on_line,
};

const an_analyzer_t unicode_analyzer = {
    .name = "unicode",
    .version = "1.0.0",
    .state_size = sizeof(unicode_state_t),
    .begin = unicode_begin,
    .visitor = &s_visitor,
    .command = unicode_command,
};
