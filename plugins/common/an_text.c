/*
 * an_text.c: text helpers and severity names for the built-in analyzers.
 */
#include "an_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const s_sev_names[] = {"info", "low", "medium", "high", "critical"};

const char *an_severity_name(an_severity_t sev)
{
    if ((unsigned)sev > AN_SEV_CRITICAL)
        return "?";
    return s_sev_names[sev];
}

int an_severity_parse(const char *text, size_t len, an_severity_t *out)
{
    for (unsigned i = 0; i <= AN_SEV_CRITICAL; i++) {
        const char *n = s_sev_names[i];
        if (strlen(n) == len && an_find_ci(text, len, n) == 0) {
            *out = (an_severity_t)i;
            return 0;
        }
    }
    return AN_EINVAL;
}

size_t an_find_ci(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    unsigned char first = (unsigned char)needle[0];
    unsigned char upper = (first >= 'a' && first <= 'z') ? (unsigned char)(first - 32) : first;
    if (m == 0)
        return 0;
    for (size_t i = 0; i + m <= n; i++) {
        unsigned char c = (unsigned char)hay[i];
        size_t k = 1;
        if (c != first && c != upper)
            continue;
        while (k < m && an_lower((unsigned char)hay[i + k]) == (unsigned char)needle[k])
            k++;
        if (k == m)
            return i;
    }
    return (size_t)-1;
}

size_t an_find(const char *hay, size_t n, const char *needle)
{
    const char *p = memmem(hay, n, needle, strlen(needle));
    return p ? (size_t)(p - hay) : (size_t)-1;
}

size_t an_find_word(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle), off = 0;
    while (off < n) {
        const char *p = memmem(hay + off, n - off, needle, m);
        size_t i;
        if (!p)
            break;
        i = (size_t)(p - hay);
        if ((i == 0 || !an_is_ident((unsigned char)hay[i - 1])) &&
            (i + m >= n || !an_is_ident((unsigned char)hay[i + m])))
            return i;
        off = i + 1;
    }
    return (size_t)-1;
}

double an_entropy(const char *s, size_t n)
{
    unsigned counts[256] = {0};
    double h = 0.0;
    if (n == 0)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        counts[(unsigned char)s[i]]++;
    for (unsigned c = 0; c < 256; c++) {
        if (counts[c]) {
            double p = (double)counts[c] / (double)n;
            h -= p * log2(p);
        }
    }
    return h;
}

size_t an_skip_space(const char *s, size_t n, size_t i)
{
    while (i < n && an_is_space((unsigned char)s[i]))
        i++;
    return i;
}

const char *an_path_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

const char *an_path_ext(const char *path)
{
    const char *base = an_path_base(path);
    const char *dot = strrchr(base, '.');
    return (dot && dot != base) ? dot + 1 : "";
}

int an_str_in(const char *s, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

int an_mem_in(const char *s, size_t len, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(set[i]) == len && memcmp(s, set[i], len) == 0)
            return 1;
    return 0;
}

int an_emit(an_emit_fn emit, void *ud, const char *rule_id, an_severity_t sev,
            const char *file, unsigned line, const char *message,
            const char *evidence, size_t evidence_len)
{
    an_finding_t f = {
        .rule_id = rule_id,
        .severity = sev,
        .file = file ? file : "",
        .line = line,
        .message = message,
        .evidence = evidence,
        .evidence_len = !evidence ? 0 : evidence_len < AN_EVIDENCE_MAX ? evidence_len
                                                                        : AN_EVIDENCE_MAX,
    };
    return emit(ud, &f);
}

char *an_command_label(char *dst, size_t size, const char *stage, unsigned index)
{
    if (!stage)
        stage = "";
    if (strcmp(stage, "run") == 0 || index > 0)
        snprintf(dst, size, "job:%s[%u]", stage, index);
    else
        snprintf(dst, size, "job:%s", stage);
    return dst;
}
