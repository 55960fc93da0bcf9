/*
 * python_sources.h: outside data in a Python file (taint, lite), for
 * python.c. A call whose arguments mention where outside data enters (user
 * input, the request, argv, the environment, stdin, the network, an upload,
 * a downloader's output), a name like user_cmd/payload, or a name assigned
 * from one earlier in the file, handles outside data and keeps its rule's
 * severity; otherwise it is an advisory. Names imported from a network
 * module (`from requests import get`, `import httpx as hx`) are sources
 * however the import renames them; names imported from a decoder module
 * (`from base64 import b64decode as unpack`) are decoders.
 *
 * Recognised by name, not by data flow. No allocation: py_sources_t is part
 * of the caller's per-scan state.
 */
#ifndef AIRLOCK_PYTHON_SOURCES_H
#define AIRLOCK_PYTHON_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#define PY_SRC_TAINT 16     /* names assigned from a source, per file */
#define PY_SRC_NAME 32      /* a remembered name's size, NUL included */
#define PY_SRC_IMPORTED 4   /* names imported from network / decoder modules, per file */

typedef struct {
    char taint[PY_SRC_TAINT][PY_SRC_NAME];
    unsigned n_taint;
    char net_name[PY_SRC_IMPORTED][PY_SRC_NAME];
    unsigned n_net;
    char decoder[PY_SRC_IMPORTED][PY_SRC_NAME];
    unsigned n_decoder;
    /* the sources' first bytes (a bit per source), so a text is read once */
    uint32_t first[256];
    uint8_t len[32];
} py_sources_t;

/* Once per scan: the byte table; no names. */
void py_sources_init(py_sources_t *src);
/* Per file: forgets the names. */
void py_sources_reset(py_sources_t *src);

/* Whether s[0, n) (a call's arguments, an assignment's right side)
 * mentions outside data. */
int py_sources_in(const py_sources_t *src, const char *s, size_t n);

/* `NAME = <expr with a source>` / `with <source> as NAME`: NAME carries
 * outside data from now on. */
void py_sources_note_assignment(py_sources_t *src, const char *s, size_t n);

/* Whether NAME (n bytes) was assigned from outside data earlier in the file. */
int py_sources_tainted(const py_sources_t *src, const char *name, size_t n);

/* `import httpx as hx`: hx is a source like httpx. */
void py_sources_note_module_alias(py_sources_t *src, const char *s, size_t n);

/* `from MOD import NAME as LOCAL`: LOCAL is a source (MOD a network module)
 * or a decoder (MOD a decoder module, NAME a decoding function). */
void py_sources_note_import(py_sources_t *src, const char *mod, size_t mlen, const char *name, size_t nlen,
                            const char *local, size_t llen);

/* Whether a call's arguments decode hidden code (b64decode, a2b_*,
 * unhexlify, decompress, rot13, chr joins, a decoder imported under
 * another name). */
int py_sources_decodes(const py_sources_t *src, const char *s, size_t n);

#endif
