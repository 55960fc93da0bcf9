/*
 * shell_heredoc.c: here-documents whose body is a document's text
 * (shell_heredoc.h).
 */
#include "shell_heredoc.h"

#include <string.h>

#include "an_text.h"

static int is_doc_ext(const char *w, size_t n)
{
    static const char *const exts[] = {".md", ".markdown", ".txt", ".rst", ".adoc", ".asciidoc", ".html", ".htm"};
    for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++) {
        size_t m = strlen(exts[k]);
        if (n > m && memcmp(w + n - m, exts[k], m) == 0)
            return 1;
    }
    return 0;
}

/* Where printed text stays text: the standard streams (`>&2`, /dev/stderr)
 * and /dev/null. */
static int is_stream(const char *w, size_t n)
{
    static const char *const streams[] = {"&1", "&2", "/dev/stdout", "/dev/stderr", "/dev/null"};
    return AN_MEM_IN(w, n, streams);
}

/* The word at s[*i] (quotes dropped), its length; *i moves past it. */
static size_t word_at(const char *s, size_t n, size_t *i, const char **w)
{
    size_t b;
    while (*i < n && an_is_space((unsigned char)s[*i]))
        (*i)++;
    if (*i < n && (s[*i] == '"' || s[*i] == '\'')) {
        char q = s[(*i)++];
        b = *i;
        while (*i < n && s[*i] != q)
            (*i)++;
        *w = s + b;
        return (*i)++ - b;
    }
    b = *i;
    while (*i < n && !an_is_space((unsigned char)s[*i]) && s[*i] != '<' && s[*i] != '>')
        (*i)++;
    *w = s + b;
    return *i - b;
}

/* A line that does one thing: no pipe, list, background or substitution
 * (`>&2` is a redirection). */
static int simple_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '|' || s[i] == ';' || (s[i] == '&' && (i == 0 || s[i - 1] != '>')) || s[i] == '`' ||
            (s[i] == '$' && i + 1 < n && s[i + 1] == '('))
            return 0;
    return 1;
}

/* The delimiter after `<<` / `<<-` at s[i]; 0 when there is none. */
static int read_delim(sh_heredoc_t *h, const char *s, size_t n, size_t i)
{
    const char *w;
    size_t m;
    if (i < n && s[i] == '-')
        i++;
    while (i < n && an_is_space((unsigned char)s[i]))
        i++;
    h->quoted = i < n && (s[i] == '\'' || s[i] == '"' || s[i] == '\\');
    if (i < n && s[i] == '\\')
        i++;
    m = word_at(s, n, &i, &w);
    if (m == 0 || m >= sizeof h->delim)
        return 0;
    for (size_t k = 0; k < m; k++)
        if (!an_is_ident((unsigned char)w[k]) && w[k] != '-' && w[k] != '.')
            return 0;
    memcpy(h->delim, w, m);
    h->delim_len = (unsigned char)m;
    return 1;
}

int sh_heredoc_opens(sh_heredoc_t *h, const char *s, size_t n)
{
    const char *w, *target = NULL;
    size_t i = 0, m, target_len = 0;
    int tee, have_delim = 0;
    m = word_at(s, n, &i, &w);
    tee = m == 3 && memcmp(w, "tee", 3) == 0;
    if ((!tee && !(m == 3 && memcmp(w, "cat", 3) == 0)) || !simple_line(s, n))
        return 0;   /* the command first: most lines are neither cat nor tee */
    while (n > 0 && an_is_space((unsigned char)s[n - 1]))
        n--;
    if (n > 0 && s[n - 1] == '\\')
        return 0;   /* continued: the next line (`| sh`) is the command's, the body follows */
    while (i < n) {
        while (i < n && an_is_space((unsigned char)s[i]))
            i++;
        if (i >= n)
            break;   /* trailing blanks */
        if (i + 1 < n && s[i] == '<' && s[i + 1] == '<') {
            if (i + 2 < n && s[i + 2] == '<')
                return 0;   /* a here-string */
            have_delim = read_delim(h, s, n, i + 2);
            if (!have_delim)
                return 0;
            i += 2;
            if (i < n && s[i] == '-')
                i++;
            while (i < n && an_is_space((unsigned char)s[i]))
                i++;
            word_at(s, n, &i, &w);
            continue;
        }
        if (s[i] == '>') {
            while (i < n && s[i] == '>')
                i++;
            m = word_at(s, n, &i, &w);
        } else if (s[i] == '<') {
            return 0;   /* input from a file: not a here-document's text */
        } else {
            m = word_at(s, n, &i, &w);
            if (!tee || (m > 0 && w[0] == '-'))
                continue;   /* cat's operands and options, tee's options */
        }
        if (m == 0 || target)
            return 0;   /* two files: keep it simple */
        target = w;
        target_len = m;
    }
    if (target && is_stream(target, target_len))
        target_len = 0;   /* printed: as no target */
    if (!have_delim || (target_len && (target_len >= sizeof h->target || !is_doc_ext(target, target_len))))
        return 0;
    if (target_len)
        memcpy(h->target, target, target_len);
    h->target_len = (unsigned char)target_len;
    h->printed = target_len == 0;
    h->open = 1;
    h->dangerous = 0;
    return 1;
}

int sh_heredoc_ends(const sh_heredoc_t *h, const char *s, size_t n)
{
    while (n > 0 && s[0] == '\t') {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    return n == h->delim_len && memcmp(s, h->delim, n) == 0;
}

int sh_heredoc_line_expands(const sh_heredoc_t *h, const char *s, size_t n)
{
    return !h->quoted && (memchr(s, '`', n) || an_find(s, n, "$(") != (size_t)-1);
}
