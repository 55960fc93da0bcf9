/*
 * shell_spawn.c: string literals handed to a process-spawning call in
 * source files of other languages (shell_spawn.h). A literal is the text
 * between matching quotes (", ' or `), escapes skipped, not unescaped.
 */
#include "shell_spawn.h"

#include <string.h>

#include "an_text.h"

#define SPAN_LINES 8   /* lines one call's parentheses may span */

static const char *const s_exts[] = {
    "js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts", "go", "java", "kt", "kts", "scala", "groovy",
    "rb", "php", "cs", "rs", "swift", "lua", "pl", "pm", "c", "cc", "cpp", "cxx", "h", "hpp",
};

/* Calls that run a command line or a program, by the name before their
 * parenthesis; `qual` is what must come right before that name ("" none). */
typedef struct {
    const char *name;
    size_t len;
    const char *qual;
    size_t qual_len;
} spawn_call_t;

#define SPAWN_NAME_MAX 16

#define CALL(name, qual) { name, sizeof name - 1, qual, sizeof qual - 1 }

static const spawn_call_t s_calls[] = {
    CALL("exec", ""), CALL("execSync", ""), CALL("execFile", ""), CALL("execFileSync", ""), CALL("spawn", ""),
    CALL("spawnSync", ""), CALL("fork", ""), CALL("system", ""), CALL("popen", ""), CALL("Popen", ""),
    CALL("shell_exec", ""), CALL("passthru", ""), CALL("proc_open", ""), CALL("pcntl_exec", ""),
    CALL("Command", ""), CALL("ProcessBuilder", ""), CALL("ProcessStartInfo", ""), CALL("execvp", ""),
    CALL("execlp", ""), CALL("execl", ""), CALL("execv", ""), CALL("execa", ""), CALL("execaSync", ""),
    CALL("execaCommand", ""), CALL("new", "Command::"), CALL("Start", "Process."), CALL("execute", "os."),
    CALL("run", "Deno."), CALL("x", "%"),
    CALL("arg", "."), CALL("args", "."),   /* Rust's builder: Command::new("sh").arg("-c").arg(CMD) */
};

int shell_spawn_file(const char *path)
{
    return AN_STR_IN(an_path_ext(path), s_exts);
}

static int spawn_name(const char *s, size_t len)
{
    for (size_t k = 0; k < sizeof s_calls / sizeof s_calls[0]; k++)
        if (!s_calls[k].qual_len && s_calls[k].len == len && !memcmp(s, s_calls[k].name, len))
            return 1;
    return 0;
}

/* `import { execSync as run } from "child_process"`, `const { exec: sh } =
 * require("child_process")`, `const run = require("child_process").execSync`:
 * run and sh are spawning calls from here on. */
static void note_aliases(sh_spawn_t *sp, const char *s, size_t n)
{
    if (an_find(s, n, "child_process") == (size_t)-1)
        return;
    for (size_t i = 0; i < n; i++) {
        size_t b = i, e, a, ae;
        if (!an_is_ident((unsigned char)s[i]) || (i > 0 && an_is_ident((unsigned char)s[i - 1])))
            continue;
        for (e = b; e < n && an_is_ident((unsigned char)s[e]); e++)
            ;
        i = e;
        if (!spawn_name(s + b, e - b))
            continue;
        a = an_skip_space(s, n, e);
        if (a + 3 <= n && !memcmp(s + a, "as ", 3))
            a = an_skip_space(s, n, a + 3);
        else if (a < n && s[a] == ':')
            a = an_skip_space(s, n, a + 1);
        else
            continue;
        for (ae = a; ae < n && an_is_ident((unsigned char)s[ae]); ae++)
            ;
        if (ae > a && ae - a < SH_SPAWN_ALIAS_MAX && sp->n_alias < SH_SPAWN_ALIASES) {
            memcpy(sp->alias[sp->n_alias], s + a, ae - a);
            sp->alias[sp->n_alias++][ae - a] = '\0';
        }
    }
    size_t eq = an_find(s, n, "= require("), dot;
    if (eq != (size_t)-1 && (dot = an_find(s + eq, n - eq, ").")) != (size_t)-1) {
        size_t nb = eq, ne, mb = eq + dot + 2, me;   /* NAME = require(…).MEMBER */
        while (nb > 0 && s[nb - 1] == ' ')
            nb--;
        ne = nb;
        while (nb > 0 && an_is_ident((unsigned char)s[nb - 1]))
            nb--;
        for (me = mb; me < n && an_is_ident((unsigned char)s[me]); me++)
            ;
        if (ne > nb && ne - nb < SH_SPAWN_ALIAS_MAX && spawn_name(s + mb, me - mb) && sp->n_alias < SH_SPAWN_ALIASES) {
            memcpy(sp->alias[sp->n_alias], s + nb, ne - nb);
            sp->alias[sp->n_alias++][ne - nb] = '\0';
        }
    }
}

/* Whether the name ending right before s[at] (a '(') is a spawning call. */
static int spawn_name_before(const sh_spawn_t *sp, const char *s, size_t at)
{
    size_t b = at;
    while (b > 0 && an_is_ident((unsigned char)s[b - 1]))
        b--;
    if (b == at || at - b > SPAWN_NAME_MAX)
        return 0;
    for (unsigned k = 0; k < sp->n_alias; k++)
        if (strlen(sp->alias[k]) == at - b && !memcmp(s + b, sp->alias[k], at - b) &&
            (b == 0 || s[b - 1] != '.'))
            return 1;
    for (size_t k = 0; k < sizeof s_calls / sizeof s_calls[0]; k++) {
        const spawn_call_t *c = &s_calls[k];
        if (c->len == at - b && c->name[0] == s[b] && !memcmp(s + b, c->name, c->len) &&
            (!c->qual_len || (b >= c->qual_len && !memcmp(s + b - c->qual_len, c->qual, c->qual_len))))
            return 1;
    }
    return 0;
}

/* The first spawning call in s[i, n): the offset of its '(' (or of the
 * backtick of zx's $`...` / zx`...`), or n. */
static size_t next_call(const sh_spawn_t *sp, const char *s, size_t n, size_t i)
{
    for (; i < n; i++) {
        if (s[i] == '(' && spawn_name_before(sp, s, i))
            return i;
        if (s[i] == '`' && i > 0 && (s[i - 1] == '$' || (i > 1 && s[i - 1] == 'x' && s[i - 2] == 'z')))
            return i;
    }
    return n;
}

/* `… NAME = "literal"` or `NAME := "literal"` (a declaration or an
 * assignment whose right side is one string literal): remembered. */
static void note_value(sh_spawn_t *sp, const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    size_t e, b, q, close;
    if (!eq || eq == s)
        return;
    e = (size_t)(eq - s);
    if (e + 1 < n && (s[e + 1] == '=' || s[e + 1] == '>'))
        return;   /* == and => */
    q = an_skip_space(s, n, e + 1);
    if (q >= n || (s[q] != '"' && s[q] != '\'' && s[q] != '`'))
        return;
    if (e > 0 && s[e - 1] == ':')
        e--;
    if (e > 0 && (s[e - 1] == '!' || s[e - 1] == '<' || s[e - 1] == '>'))
        return;   /* != <= >= */
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    for (b = e; b > 0 && (an_is_ident((unsigned char)s[b - 1]) || s[b - 1] == '$'); b--)
        ;
    for (close = q + 1; close < n && s[close] != s[q];)
        close += s[close] == '\\' && close + 1 < n ? 2 : 1;
    if (b == e || e - b >= SH_SPAWN_ALIAS_MAX || close >= n || close - q - 1 > SH_SPAWN_VALUE_MAX)
        return;
    unsigned slot = SH_SPAWN_VALUES;
    for (unsigned k = 0; k < sp->n_values && slot == SH_SPAWN_VALUES; k++)   /* a name given a new value */
        if (strlen(sp->values[k].name) == e - b && !memcmp(sp->values[k].name, s + b, e - b))
            slot = k;
    if (slot == SH_SPAWN_VALUES)
        slot = sp->n_values < SH_SPAWN_VALUES ? sp->n_values++ : SH_SPAWN_VALUES - 1;
    memcpy(sp->values[slot].name, s + b, e - b);
    sp->values[slot].name[e - b] = '\0';
    sp->values[slot].len = close - q - 1;
    memcpy(sp->values[slot].text, s + q + 1, sp->values[slot].len);
}

/* The name at s[i] inside a call: when it was given a literal, that
 * literal is scanned. Returns the offset of the name's last byte. */
static size_t value_used(const sh_spawn_t *sp, const char *s, size_t n, size_t i,
                         int (*scan)(void *, const char *, size_t), void *ctx, int *rc)
{
    size_t e = i;
    while (e < n && an_is_ident((unsigned char)s[e]))
        e++;
    if (i == 0 || s[i - 1] != '.')
        for (unsigned k = 0; k < sp->n_values && *rc == 0 && scan; k++)
            if (strlen(sp->values[k].name) == e - i && !memcmp(sp->values[k].name, s + i, e - i))
                *rc = scan(ctx, sp->values[k].text, sp->values[k].len);
    return e - 1;
}

/* The literal opened by the quote at s[i]: scanned; returns the offset of
 * its closing quote (or n). */
static size_t literal(const char *s, size_t n, size_t i, int (*scan)(void *, const char *, size_t), void *ctx,
                      int *rc)
{
    char q = s[i];
    size_t b = i + 1, e = b;
    while (e < n && s[e] != q)
        e += s[e] == '\\' && e + 1 < n ? 2 : 1;
    if (e > n)
        e = n;
    if (e > b && *rc == 0 && scan)
        *rc = scan(ctx, s + b, e - b);
    return e;
}

int shell_spawn_line(sh_spawn_t *sp, const char *s, size_t n, int (*scan)(void *ctx, const char *lit, size_t len),
                     void *ctx)
{
    int rc = 0;
    note_aliases(sp, s, n);
    note_value(sp, s, n);
    if (sp->depth == 0 && !memchr(s, '(', n) && !memchr(s, '`', n))
        return 0;
    if (sp->depth > 0 && sp->lines_left-- == 0)
        sp->depth = 0;   /* a call open too long: not followed further */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (sp->depth == 0) {   /* outside a call: on to the next one */
            if ((i = next_call(sp, s, n, i)) >= n)
                break;
            if (s[i] == '`') {
                i = literal(s, n, i, scan, ctx, &rc);
            } else {
                sp->depth = 1;
                sp->lines_left = SPAN_LINES;
            }
            continue;
        }
        if (s[i] == '(' || s[i] == ')')
            sp->depth += s[i] == '(' ? 1 : -1;
        else if (s[i] == '"' || s[i] == '\'' || s[i] == '`')
            i = literal(s, n, i, scan, ctx, &rc);
        else if (sp->n_values && an_is_ident((unsigned char)s[i]) && (i == 0 || !an_is_ident((unsigned char)s[i - 1])))
            i = value_used(sp, s, n, i, scan, ctx, &rc);
    }
    return rc;
}
