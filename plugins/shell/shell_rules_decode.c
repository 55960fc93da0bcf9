/*
 * shell_rules_decode.c: shell.decode_exec, hidden code decoded and run:
 * base64/xxd/openssl decoders, decompressors, tr/rev and escaped printf/echo
 * piped or substituted into a runner (or kept in a staged variable),
 * pwsh -EncodedCommand, and interpreter one-liners or $'\x..' strings that
 * execute decoded bytes.
 */
#include "shell_rules_internal.h"

#include "shell_runner.h"
#include "shell_staged.h"

/* Escapes that spell bytes: \xHH, \NNN (octal), \uHHHH. */
static unsigned count_escapes(const char *w, size_t n)
{
    unsigned k = 0;
    for (size_t i = 0; i + 3 < n; i++) {
        if (w[i] != '\\')
            continue;
        char c = w[i + 1];
        if ((c == 'x' || c == 'u') && strchr("0123456789abcdefABCDEF", w[i + 2]) && w[i + 2])
            k++;
        else if (c >= '0' && c <= '7' && w[i + 2] >= '0' && w[i + 2] <= '7')
            k++;
    }
    return k;
}

/* A short flag group (-d, -di, -rp) holding letter f, or the long flag. */
static int has_flag(const sh_stmt_t *st, unsigned i, char f, const char *lng)
{
    for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++) {
        const char *w = W(st, k);
        size_t n = T(st, k)->len;
        if (n > 1 && w[0] == '-' && w[1] != '-' && memchr(w + 1, f, n - 1))
            return 1;
        if (lng && strlen(lng) == n && memcmp(w, lng, n) == 0)
            return 1;
    }
    return 0;
}

/* `echo 'c-u-r-l …' | tr -d -`: literal text in the statement, not a file's
 * lines (`grep VERSION Makefile | tr -d ' '`). */
static int stmt_has_echo(const sh_stmt_t *st)
{
    for (unsigned k = 0; k < st->n; k++)
        if (T(st, k)->kind == SH_WORD && T(st, k)->cls == SH_C_ECHO)
            return 1;
    return 0;
}

/* Whether the command at token i turns its input (or argument) into other
 * bytes: base64 -d, xxd -r, uudecode, openssl ... -d, decompressors, rev,
 * tr, printf/echo of escaped bytes. */
static int is_decoder(const sh_stmt_t *st, unsigned i)
{
    const sh_tok_t *t = T(st, i);
    const char *w = W(st, i);
    size_t n = t->len;
    if (t->kind != SH_WORD)
        return 0;
    switch (t->cls) {
    case SH_C_ENCODER:
        if (an_find(w, n, "uudecode") != (size_t)-1)
            return 1;
        if (an_find(w, n, "xxd") != (size_t)-1)
            return has_flag(st, i, 'r', "-revert");
        if (an_find(w, n, "openssl") != (size_t)-1)
            return has_flag(st, i, 'd', NULL) && (word_in_stmt(st, i, "base64") || word_in_stmt(st, i, "enc"));
        if (an_find(w, n, "base") != (size_t)-1)
            return has_flag(st, i, 'd', "--decode") || has_flag(st, i, 'D', NULL);
        return 0;
    case SH_C_TRANSFORM:
        if (an_find(w, n, "tar") != (size_t)-1)
            return has_flag(st, i, 'O', "--to-stdout");
        if (n == 5 && memcmp(w, "unzip", 5) == 0)
            return has_flag(st, i, 'p', NULL);
        if (an_find(w, n, "gpg") != (size_t)-1 || (n == 3 && memcmp(w, "age", 3) == 0))
            return has_flag(st, i, 'd', "--decrypt");
        if (n == 2 && w[0] == 't' && w[1] == 'r' && (has_flag(st, i, 'd', "--delete") || has_flag(st, i, 's', NULL)))
            return stmt_has_echo(st);   /* deleting characters decodes only text written out here */
        if (an_find(w, n, "gzip") != (size_t)-1 || an_find(w, n, "bzip2") != (size_t)-1 ||
            (n >= 2 && w[n - 2] == 'x' && w[n - 1] == 'z') || (n >= 4 && !memcmp(w + n - 4, "zstd", 4)))
            return has_flag(st, i, 'd', "--decompress");
        return 1;
    case SH_C_ECHO:
        for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++)
            if (count_escapes(W(st, k), T(st, k)->len) >= 3)
                return 1;
        return 0;
    default:
        return 0;
    }
}

/* decoder | [...] | sh, or sh -c "$(decoder ...)", eval "$(...)", bash <(...). */
int sh_rule_decode(sh_ctx_t *c, const sh_stmt_t *st, unsigned d)
{
    unsigned open, r;
    if (!is_decoder(st, d))
        return 0;
    for (unsigned p = d + 1; p < st->n; p++) {
        unsigned j;
        if (T(st, p)->kind != SH_OP_PIPE)
            continue;
        if ((j = sh_piped_runner(c->staged, st, p)) < st->n)
            return sh_report(c, SH_R_DECODE_EXEC, st, d, j);
        j = sh_cmd_after(st, p);
        if (j < st->n && T(st, j)->cls == SH_C_PWSH && sh_runs_stdin(st, j))
            return sh_report(c, SH_R_DECODE_EXEC, st, d, j);
    }
    if ((open = sh_enclosing_subst(st, d)) < st->n && (r = sh_runner_before(st, open)) < st->n)
        return sh_report(c, SH_R_DECODE_EXEC, st, r, d);
    /* $(decoder ...) as the command itself: the decoded text is run */
    if (open == 0 && T(st, 0)->kind == SH_OP_SUBST)
        return sh_report(c, SH_R_DECODE_EXEC, st, 0, d);
    if (open < st->n && open >= 1)
        sh_staged_var(c->staged, st, open - 1, 1);   /* X=$(… | base64 -d) */
    sh_staged_decode(c->staged, st, d);
    return 0;
}

/* pwsh -EncodedCommand (any abbreviation: -e, -ec, -enc, ...). */
int sh_rule_pwsh(sh_ctx_t *c, const sh_stmt_t *st, unsigned i)
{
    for (unsigned k = i + 1; k < st->n && T(st, k)->kind == SH_WORD; k++) {
        const char *w = W(st, k);
        size_t n = T(st, k)->len;
        if (n >= 2 && w[0] == '-' && (w[1] == 'e' || w[1] == 'E') &&
            (n == 2 || an_find_ci(w, n, "-ec") == 0 || an_find_ci(w, n, "-en") == 0))
            return sh_report(c, SH_R_DECODE_EXEC, st, i, k);
    }
    return 0;
}

/* Line level: an interpreter one-liner that executes decoded bytes
 * (python -c "exec(base64.b64decode(...))", perl -e 'eval decode_base64 ...',
 * node -e "eval(Buffer.from(..., 'base64')...)"), and $'\x..' strings run
 * as a command or through sh -c / eval. */
int sh_line_decode_exec(sh_ctx_t *c)
{
    static const char *const run_words[] = {"exec(", "eval(", "eval ", "compile(", "Function(",
                                            "system(", "popen(", "spawn", "execSync("};
    static const char *const dec_words[] = {
        "b64decode", "decodebytes", "decodestring", "b32decode", "b16decode", "a85decode",
        "unhexlify", "fromhex", "decode_base64", "decode64", "'base64'", "\"base64\"", "atob(",
        "decompress", "codecs.decode", "rot13", "rot_13", "marshal.loads", "fromCharCode",
        "unpack(",
    };
    int run = 0, dec = 0;
    size_t q;
    if (c->emitted & (1u << SH_R_DECODE_EXEC))
        return 0;
    if (c->classes & (1u << SH_C_INTERP)) {
        for (size_t i = 0; !run && i < sizeof run_words / sizeof run_words[0]; i++)
            run = an_find(c->text, c->len, run_words[i]) != (size_t)-1;
        for (size_t i = 0; run && !dec && i < sizeof dec_words / sizeof dec_words[0]; i++)
            dec = an_find(c->text, c->len, dec_words[i]) != (size_t)-1;
        dec = dec || (run && count_escapes(c->text, c->len) >= 8);
    }
    if (!(run && dec) && (q = find_pair(c->text, c->len, '$', '\'')) != (size_t)-1) {
        const char *e = memchr(c->text + q + 2, '\'', c->len - q - 2);
        size_t n = e ? (size_t)(e - c->text) - q : c->len - q;
        size_t lead = an_skip_space(c->text, c->len, 0);
        run = (c->classes & ((1u << SH_C_SHELL) | (1u << SH_C_EVAL) | (1u << SH_C_EXEC) | (1u << SH_C_INTERP))) ||
              q == lead;
        dec = count_escapes(c->text + q, n) >= 3;
    }
    if (!(run && dec))
        return 0;
    return sh_report_line(c, SH_R_DECODE_EXEC);
}
