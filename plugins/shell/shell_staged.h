/*
 * shell_staged.h: files written by a download or a decoder, then run - the
 * `shell` analyzer's memory across statements and lines of one file or
 * script (plugins/common/README.md, "Written to a file, then run").
 *
 * `curl -o i.sh URL` ... `sh i.sh` runs downloaded code as surely as
 * `curl URL | sh`. sh_staged_fetch/_decode remember the file a download or a
 * decoder at a token writes (by base name); sh_staged_run finds a statement
 * that runs one. The set is the caller's (per file), a ring of
 * SH_STAGED_MAX names: the newest replace the oldest. No allocation.
 */
#ifndef AIRLOCK_SHELL_STAGED_H
#define AIRLOCK_SHELL_STAGED_H

#include "shell_lex.h"

#define SH_STAGED_MAX 8
#define SH_STAGED_NAME 80

typedef struct {
    struct {
        char name[SH_STAGED_NAME];
        unsigned char len;
        unsigned char decoded; /* written by a decoder, not a download */
    } f[SH_STAGED_MAX];
    unsigned n, next;
} sh_staged_t;

/* The download at token a (curl, wget, aria2c) writes a file, not a pipe:
 * `-o F`, `--output F`, `-sSLo F`, wget's `-O F` / `-qOF`, `--output=F`,
 * `> F`; curl's `-O` and wget/aria2c without an output name: the URL's base
 * name. s may be NULL (no tracking). */
void sh_staged_fetch(sh_staged_t *s, const sh_stmt_t *st, unsigned a);

/* The decoder at token d writes a file: `> F` anywhere after it in the
 * statement (`| gunzip > F` too), uudecode's `-o F`, openssl's `-out F`. */
void sh_staged_decode(sh_staged_t *s, const sh_stmt_t *st, unsigned d);

/* The word at w assigns a command substitution that downloads or decodes
 * (`X=$(curl …)`): `$X` is remembered, and `eval "$X"`, `sh -c "$X"` run it. */
void sh_staged_var(sh_staged_t *s, const sh_stmt_t *st, unsigned w, int decoded);

/* The entry of the remembered variable word i names (`$X`, `${X}`), or -1. */
int sh_staged_var_at(const sh_staged_t *s, const sh_stmt_t *st, unsigned i);

/* A statement that copies, renames or links a remembered file (`cp`, `mv`,
 * `ln`, `install` with the destination last, `dd if= of=`) remembers the
 * destination too, as downloaded or decoded as its source. Downloads and
 * decodes piped into `tee F` are remembered by sh_staged_fetch/_decode. */
void sh_staged_copy(sh_staged_t *s, const sh_stmt_t *st);

/* A statement that runs a remembered file: `sh F`, `bash -x F`,
 * `python3 F`, `. F`, `source F`, or `./F` / `/tmp/F` as a command (also
 * behind a wrapper or a keyword). Returns the entry's index with *cmd and
 * *arg the tokens to quote, or -1. */
int sh_staged_run(const sh_staged_t *s, const sh_stmt_t *st, unsigned *cmd, unsigned *arg);

#endif
