/*
 * python_sources.c: where outside data enters a Python file and which names
 * carry it (python_sources.h); also which calls decode hidden code.
 */
#include "python_sources.h"
#include "python_lex.h"

#include <string.h>

#include "an_text.h"

static int name_char(unsigned char c)
{
    return an_is_ident(c) || c == '.';
}

/* Modules whose functions return bytes from the network, and modules of
 * decoders: a name imported from one is a source or a decoder however the
 * import renames it. */
static int module_in(const char *m, size_t n, const char *const *list, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (strlen(list[k]) == n && memcmp(list[k], m, n) == 0)
            return 1;
    return 0;
}

static int network_module(const char *m, size_t n)
{
    static const char *const mods[] = {"requests", "httpx", "urllib.request", "urllib3", "aiohttp",
                                       "http.client", "socket", "pycurl"};
    return module_in(m, n, mods, sizeof mods / sizeof mods[0]);
}

static int decoder_module(const char *m, size_t n)
{
    static const char *const mods[] = {"base64", "binascii", "codecs", "zlib", "gzip", "bz2", "lzma", "marshal"};
    return module_in(m, n, mods, sizeof mods / sizeof mods[0]);
}

/* A decoder's name (b64decode, a2b_base64, unhexlify, decompress, loads),
 * not the module's other functions (`from gzip import open`). */
static int decoder_name(const char *s, size_t n)
{
    static const char *const parts[] = {"decode", "decompress", "a2b_", "unhexlify", "loads"};
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
        if (an_find(s, n, parts[k]) != (size_t)-1)
            return 1;
    return 0;
}

/* Keeps the name s[0, n) in list (of *count entries, PY_SRC_IMPORTED at most). */
static void remember_name(char list[][PY_SRC_NAME], unsigned *count, const char *s, size_t n)
{
    if (n == 0 || n >= PY_SRC_NAME || *count >= PY_SRC_IMPORTED)
        return;
    memcpy(list[*count], s, n);
    list[(*count)++][n] = '\0';
}

/* `import httpx as hx`, `import requests as r`: the local name of a network
 * module is a source like the module's own name. */
void py_sources_note_module_alias(py_sources_t *src, const char *s, size_t n)
{
    size_t i = an_skip_space(s, n, 0), m, l, e;
    if (n - i < 12 || memcmp(s + i, "import ", 7) != 0)
        return;
    i = an_skip_space(s, n, i + 7);
    for (m = i; m < n && name_char((unsigned char)s[m]); m++)
        ;
    if (m + 4 > n || memcmp(s + m, " as ", 4) != 0 || !network_module(s + i, m - i))
        return;
    l = an_skip_space(s, n, m + 4);
    for (e = l; e < n && an_is_ident((unsigned char)s[e]); e++)
        ;
    remember_name(src->net_name, &src->n_net, s + l, e - l);
}

/* Where outside data enters: user input, the request, the command line, the
 * environment, the network, uploads. A call whose arguments mention one of
 * these, an identifier named like user_cmd/payload/request_body, or a name
 * assigned from one earlier in the file, handles outside
 * data: its finding keeps the rule's severity. Otherwise the code runs,
 * loads or imports something the program built itself (the standard
 * library's namedtuple, runpy, importlib do so all the time): the finding is
 * an advisory (low), recorded, blocking only at block_at low. */
static const char *const s_sources[] = {
    "input(", "request.", "req.", "sys.argv", "argv[", "os.environ", "environ[", "environ.get(", "getenv(",
    "stdin", ".recv(", "recvfrom(", "urlopen(", "urllib.request", "requests.", "httpx.", "aiohttp",
    "socket.", "b64decode", "decompress(",
};
/* Identifiers starting with these name outside data (user_cmd, payload, request_body). */
static const char *const s_source_names[] = {
    "user", "payload", "request", "upload", "untrusted", "remote", "cookie",
};

/* has_source reads its text once: s_source_first[c] (built per scan by
 * source_table_build) holds a bit per s_sources entry starting with byte c,
 * SRC_NAME where an s_source_names prefix starts, SRC_QUOTE at a quote. */
#define SRC_NAME (1u << 30)
#define SRC_QUOTE (1u << 31)
_Static_assert(sizeof s_sources / sizeof s_sources[0] < 30, "one bit per source in source_first");

static void source_table_build(uint32_t first[256], uint8_t len[])
{
    memset(first, 0, 256 * sizeof first[0]);
    for (size_t k = 0; k < sizeof s_sources / sizeof s_sources[0]; k++) {
        first[(unsigned char)s_sources[k][0]] |= 1u << k;
        len[k] = (uint8_t)strlen(s_sources[k]);
    }
    for (size_t k = 0; k < sizeof s_source_names / sizeof s_source_names[0]; k++)
        first[(unsigned char)s_source_names[k][0]] |= SRC_NAME;
    first['"'] |= SRC_QUOTE;
    first['\''] |= SRC_QUOTE;
}

/* `stdin=subprocess.PIPE`, `stdin = …`: the bare name stdin given a value
 * (a child's stdin keyword, a local) reads nothing; `sys.stdin` does. */
static int stdin_keyword(const char *s, size_t n, size_t i, size_t len)
{
    size_t v;
    if (len != 5 || memcmp(s + i, "stdin", 5) != 0 || (i > 0 && (an_is_ident((unsigned char)s[i - 1]) || s[i - 1] == '.')))
        return 0;
    v = an_skip_space(s, n, i + 5);
    return v < n && s[v] == '=' && (v + 1 >= n || s[v + 1] != '=');
}

/* Whether one of the s_sources entries in mask occurs at s[i]. */
static int source_entry_at(const py_sources_t *src, const char *s, size_t n, size_t i, uint32_t mask)
{
    for (size_t k = 0; mask != 0; k++, mask >>= 1)
        if ((mask & 1u) && i + src->len[k] <= n && memcmp(s + i, s_sources[k], src->len[k]) == 0 &&
            !stdin_keyword(s, n, i, src->len[k]))
            return 1;
    return 0;
}

static int source_name_at(const char *s, size_t n, size_t i)
{
    if (i > 0 && an_is_ident((unsigned char)s[i - 1]))
        return 0;
    for (size_t k = 0; k < sizeof s_source_names / sizeof s_source_names[0]; k++) {
        size_t m = strlen(s_source_names[k]);
        if (i + m <= n && memcmp(s + i, s_source_names[k], m) == 0)
            return 1;
    }
    return 0;
}

/* The word w in s, not as an attribute of something else: `get(url)` after
 * `from requests import get`, not `config.get(key)`. */
static int name_not_attribute(const char *s, size_t n, const char *w)
{
    size_t m = strlen(w), off = 0, at;
    while (off < n && (at = an_find_word(s + off, n - off, w)) != (size_t)-1) {
        at += off;
        if (at == 0 || s[at - 1] != '.')
            return 1;
        off = at + m;
    }
    return 0;
}

/* A downloader named as a program at the quote s[i] (`["curl", URL]`,
 * `"wget -qO- URL"`): the command's output is outside data. */
static int fetch_command_at(const char *s, size_t n, size_t i)
{
    return i + 5 < n && (memcmp(s + i + 1, "curl", 4) == 0 || memcmp(s + i + 1, "wget", 4) == 0) &&
           (s[i + 5] == s[i] || s[i + 5] == ' ');
}

int py_sources_in(const py_sources_t *src, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t m = src->first[(unsigned char)s[i]];
        if (m == 0)
            continue;
        if (((m & SRC_NAME) && source_name_at(s, n, i)) || ((m & SRC_QUOTE) && fetch_command_at(s, n, i)) ||
            source_entry_at(src, s, n, i, m & ~(SRC_NAME | SRC_QUOTE)))
            return 1;
    }
    for (unsigned i = 0; i < src->n_taint; i++)
        if (an_find_word(s, n, src->taint[i]) != (size_t)-1)
            return 1;
    for (unsigned i = 0; i < src->n_net; i++)
        if (name_not_attribute(s, n, src->net_name[i]))
            return 1;
    return 0;
}

int py_sources_tainted(const py_sources_t *src, const char *name, size_t n)
{
    for (unsigned i = 0; i < src->n_taint; i++)
        if (n < PY_SRC_NAME && strncmp(src->taint[i], name, n) == 0 && src->taint[i][n] == '\0')
            return 1;
    return 0;
}

/* The right side at s[r] up to the line's end; for `compile(SRC, label,
 * mode)` only SRC: the file name is a label (pdb's '<stdin>'), not data. */
static size_t compiled_source_len(const char *s, size_t n, size_t r)
{
    size_t a = an_skip_space(s, n, r), end;
    if (n - a > 8 && memcmp(s + a, "compile(", 8) == 0 && (end = py_arg_end(s, n, a + 8)) != (size_t)-1)
        return end - r;
    return n - r;
}

/* NAME = <expr with a source>  /  with <source> as NAME: NAME is tainted. */
void py_sources_note_assignment(py_sources_t *src, const char *s, size_t n)
{
    size_t i = an_skip_space(s, n, 0), k = i, as;
    while (k < n && an_is_ident((unsigned char)s[k]))
        k++;
    size_t eq = an_skip_space(s, n, k);
    if ((as = an_find(s, n, " as ")) != (size_t)-1 && py_sources_in(src, s, as)) {
        i = as + 4;
        k = i;
        while (k < n && an_is_ident((unsigned char)s[k]))
            k++;
    } else if (!(k > i && eq < n && s[eq] == '=' && (eq + 1 >= n || s[eq + 1] != '=') &&
                 py_sources_in(src, s + eq + 1, compiled_source_len(s, n, eq + 1)))) {
        return;
    }
    if (k == i || k - i >= PY_SRC_NAME || src->n_taint == PY_SRC_TAINT || (s[i] >= '0' && s[i] <= '9'))
        return;
    memcpy(src->taint[src->n_taint], s + i, k - i);
    src->taint[src->n_taint++][k - i] = '\0';
}


/* Whether the call's arguments (the rest of the line) decode hidden code:
 * a decoder by name, or a decoder imported under another name. */
int py_sources_decodes(const py_sources_t *src, const char *s, size_t n)
{
    static const char *const words[] = {
        "b64decode", "decodebytes", "decodestring", "b32decode", "b16decode", "a85decode",
        "b85decode", "unhexlify", "fromhex", "decompress", "codecs.decode", "rot13", "rot_13",
        "marshal.loads", "'base64'", "\"base64\"", "chr(", "map(chr", "bytes([", "bytearray([", "a2b_",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (an_find(s, n, words[i]) != (size_t)-1)
            return 1;
    for (unsigned i = 0; i < src->n_decoder; i++)
        if (name_not_attribute(s, n, src->decoder[i]))
            return 1;
    return 0;
}

void py_sources_init(py_sources_t *src)
{
    memset(src, 0, sizeof *src);
    source_table_build(src->first, src->len);
}

void py_sources_reset(py_sources_t *src)
{
    src->n_taint = 0;
    src->n_net = 0;
    src->n_decoder = 0;
}

void py_sources_note_import(py_sources_t *src, const char *mod, size_t mlen, const char *name, size_t nlen,
                            const char *local, size_t llen)
{
    if (network_module(mod, mlen))
        remember_name(src->net_name, &src->n_net, local, llen);
    else if (decoder_module(mod, mlen) && decoder_name(name, nlen))
        remember_name(src->decoder, &src->n_decoder, local, llen);
}
