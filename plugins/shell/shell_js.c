/*
 * shell_js.c: decoded text run, and the environment sent out, by
 * JavaScript and TypeScript source (shell_js.h). Word lists, one line at a
 * time, and the names declared from either earlier in the file.
 */
#include "shell_js.h"

#include <string.h>

#include "an_text.h"
#include "shell_rules_internal.h"

static const char *const s_exts[] = {"js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts"};
static const char *const s_run[] = {"eval(", "Function(", "runInThisContext(", "runInNewContext(", "exec(",
                                    "execSync(", "spawn(", "spawnSync(", "execFile(",
                                    "runInContext(", "vm.Script(", "compileFunction("};
static const char *const s_decode[] = {"atob(", "fromCharCode", "unescape("};
static const char *const s_net[] = {"fetch(", "request(", ".post(", ".put(", "sendBeacon(", "axios",
                                    "connect(", "createConnection(", "WebSocket(", ".send(", "got(",
                                    "XMLHttpRequest", "dgram"};

int shell_js_file(const char *path)
{
    return AN_STR_IN(an_path_ext(path), s_exts);
}

static int any_of(const char *s, size_t n, const char *const *words, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (an_find(s, n, words[i]) != (size_t)-1)
            return 1;
    return 0;
}
#define ANY_OF(s, n, words) any_of((s), (n), (words), sizeof(words) / sizeof((words)[0]))

/* Decoded text on the line: a decoder, or Buffer.from with base64 or hex. */
static int decodes(const char *s, size_t n)
{
    return ANY_OF(s, n, s_decode) ||
           (an_find(s, n, "Buffer.from(") != (size_t)-1 &&
            (an_find(s, n, "base64") != (size_t)-1 || an_find(s, n, "'hex'") != (size_t)-1 ||
             an_find(s, n, "\"hex\"") != (size_t)-1));
}

/* process.env as a whole: not followed by `.NAME`, `[`, `?.`. */
static int whole_env(const char *s, size_t n)
{
    for (size_t from = 0, at; from < n && (at = an_find(s + from, n - from, "process.env")) != (size_t)-1;) {
        size_t e = from + at + 11;
        if ((from + at == 0 || !an_is_ident((unsigned char)s[from + at - 1])) &&
            (e == n || (s[e] != '.' && s[e] != '[' && s[e] != '?' && !an_is_ident((unsigned char)s[e]))))
            return 1;
        from = e;
    }
    return 0;
}

/* `const|let|var NAME =`: the name's slice, or 0. */
static size_t declared(const char *s, size_t n, const char **name)
{
    static const char *const kw[] = {"const ", "let ", "var "};
    size_t i = an_skip_space(s, n, 0);
    for (size_t k = 0; k < sizeof kw / sizeof kw[0]; k++) {
        size_t kl = strlen(kw[k]), b, e;
        if (n - i < kl || memcmp(s + i, kw[k], kl) != 0)
            continue;
        b = an_skip_space(s, n, i + kl);
        for (e = b; e < n && (an_is_ident((unsigned char)s[e]) || s[e] == '$'); e++)
            ;
        if (e == b || e - b >= SH_JS_NAME_MAX || an_skip_space(s, n, e) >= n || s[an_skip_space(s, n, e)] != '=')
            return 0;
        *name = s + b;
        return e - b;
    }
    return 0;
}

static void remember(char (*names)[SH_JS_NAME_MAX], unsigned *count, const char *name, size_t len)
{
    unsigned slot = *count < SH_JS_NAMES ? (*count)++ : SH_JS_NAMES - 1;
    memcpy(names[slot], name, len);
    names[slot][len] = '\0';
}

/* One of the names used as a value on the line: a whole word, not a
 * property (`process.env` does not use a name `env`). */
static int names_used(char (*names)[SH_JS_NAME_MAX], unsigned count, const char *s, size_t n)
{
    for (unsigned i = 0; i < count; i++) {
        size_t len = strlen(names[i]);
        for (size_t from = 0, at; from < n && (at = an_find(s + from, n - from, names[i])) != (size_t)-1;) {
            size_t b = from + at, e = b + len;
            if ((b == 0 || (!an_is_ident((unsigned char)s[b - 1]) && s[b - 1] != '.' && s[b - 1] != '$')) &&
                (e == n || !an_is_ident((unsigned char)s[e])))
                return 1;
            from = b + 1;
        }
    }
    return 0;
}

int shell_js_line(sh_js_t *js, const char *s, size_t n, int report, an_emit_fn emit, void *ud, const char *file,
                  unsigned line)
{
    const char *name = NULL;
    size_t name_len = declared(s, n, &name);
    int dec = decodes(s, n), env = whole_env(s, n), rc = 0;
    int run = ANY_OF(s, n, s_run), net = ANY_OF(s, n, s_net);
    if (report && run && (dec || names_used(js->decoded, js->n_decoded, s, n)))
        rc = sh_report_text(emit, ud, SH_R_DECODE_EXEC, file, line, s, n);
    if (rc == 0 && report && net && (env || names_used(js->env, js->n_env, s, n)))
        rc = sh_report_text(emit, ud, SH_R_CRED_EXFIL, file, line, s, n);
    if (name_len && dec && !run)
        remember(js->decoded, &js->n_decoded, name, name_len);
    if (name_len && env && !net)
        remember(js->env, &js->n_env, name, name_len);
    return rc;
}
