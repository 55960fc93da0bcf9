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

#include "shell_compound.h"
#include "shell_lex.h"

#define SH_STAGED_MAX 8
#define SH_STAGED_NAME 80
#define SH_STAGED_CONST_NAME 40

/* What a remembered name holds. */
typedef enum {
    SH_STAGED_CODE = 0,   /* a file or `$X` holding downloaded or decoded bytes */
    SH_STAGED_RUNNER,     /* `$S` naming a shell or interpreter (`S=bash`) */
    SH_STAGED_FETCHER,    /* a function whose body prints a download */
} sh_staged_role_t;

typedef struct {
    struct {
        char name[SH_STAGED_NAME];
        unsigned char len;
        unsigned char decoded; /* written by a decoder, not a download */
        unsigned char role;    /* sh_staged_role_t */
        unsigned char in_path; /* written into a bin directory: runs by its bare name */
    } f[SH_STAGED_MAX];
    unsigned n, next;
    sh_compound_t cmp;         /* where the statements are (shell_compound.h) */
    struct {
        char name[SH_STAGED_CONST_NAME];   /* `$X` */
        unsigned char len;
    } konst[SH_STAGED_MAX];    /* variables assigned a value that cannot be empty */
    unsigned n_const, next_const;
} sh_staged_t;

/* The download at token a (curl, wget, aria2c, ...) writes a file, not a
 * pipe: `-o F`, `--output F`, `-sSLo F`, wget's `-O F` / `-qOF`,
 * `--output=F`, `> F`, lwp-download's second operand; curl's `-O` and
 * wget/aria2c/fetch/axel without an output name: the URL's base name. s may
 * be NULL (no tracking). Returns 1 when the bytes go to the statement's
 * standard output instead (no file, no pipe: `curl URL`, `wget -O- URL`). */
int sh_staged_fetch(sh_staged_t *s, const sh_stmt_t *st, unsigned a);

/* `scp HOST:F DEST`, `rsync HOST:F DEST`: the local destination (the last
 * operand, no `host:` in it) holds fetched bytes. */
void sh_staged_netcopy(sh_staged_t *s, const sh_stmt_t *st, unsigned a);

/* Assignments in the statement: `Y=$X` (or "$X", ${X}) of a remembered
 * variable remembers `$Y` as `$X`; `S=bash`, `S=/bin/sh` remembers `$S` as
 * naming a runner; a value that cannot be empty, as never empty. */
void sh_staged_assign(sh_staged_t *s, const sh_stmt_t *st);

/* Whether word i is `$X`/`${X}` of a variable assigned a value that cannot
 * be empty (`MNT=/mnt/huge`, `T="$BASE/tmp"`), or `${X:?}`: `rm -rf
 * "$X"/ *` cannot become `rm -rf / *`. Kept apart from the files, so many
 * assignments cannot push a remembered download out. */
int sh_staged_never_empty(const sh_staged_t *s, const sh_stmt_t *st, unsigned i);

/* Whether word i is `$S`/`${S}` remembered as naming a runner. */
int sh_staged_runner_var(const sh_staged_t *s, const sh_stmt_t *st, unsigned i);

/* Whether word i names a function remembered as printing a download. */
int sh_staged_fetcher(const sh_staged_t *s, const sh_stmt_t *st, unsigned i);

/* After each statement: the compound depth moves on (shell_compound.h), and
 * a function body that printed a download is remembered as a fetcher. */
void sh_staged_end(sh_staged_t *s, const sh_stmt_t *st);

/* Remembers the file named by word w as holding code (a document whose
 * here-document body would have been a finding: shell_heredoc.h). */
void sh_staged_file(sh_staged_t *s, const char *w, size_t n);

/* The same for a line the prefilter passes over (`NAME=value`, after
 * export/local/readonly/declare): only whether the value can be empty. */
void sh_staged_assign_line(sh_staged_t *s, const char *line, size_t n);

/* Whether anything is remembered (the line prefilter must not skip a line). */
int sh_staged_any(const sh_staged_t *s);

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
