/*
 * shell_rules.h: the rules of the `shell` analyzer over lexed statements.
 *
 * sh_ctx_t is the per-logical-line context; it is owned by the caller and
 * lives on its stack. Rules are reported at most once per logical line.
 */
#ifndef AIRLOCK_SHELL_RULES_H
#define AIRLOCK_SHELL_RULES_H

#include "an_core.h"
#include "shell_lex.h"
#include "shell_staged.h"

typedef struct {
    an_emit_fn emit;
    void *ud;
    const char *file;
    unsigned line;
    const char *text;   /* the logical line */
    size_t len;
    int dockerfile;     /* image build: no system_write / sudo findings */
    int powershell;     /* a PowerShell script (.ps1, .psm1): line_fetch_exec reads its cmdlets */
    int makefile;       /* a makefile: `$(eval $(shell curl …))` runs what it downloads */
    unsigned emitted;   /* rule bits already reported for this line */
    unsigned classes;   /* word classes seen on this line (1 << sh_class_t) */
    int pipes_to_shell; /* set by the first lexing pass */
    int replay;         /* the second pass over the line: state across statements stays */
    int no_prefilter;   /* tests: lex every line (checks the prefilter) */
    sh_staged_t *staged;/* per file or script; NULL: no tracking across statements */
} sh_ctx_t;

/* Runs every rule over one logical line. */
int sh_rules_line(sh_ctx_t *ctx);

#endif
