/*
 * shell_heredoc.h: here-documents whose body is text, not commands.
 *
 * `cat > INSTALL.md <<'EOF'` ... `EOF` writes prose, and `cat <<EOF` ...
 * `EOF` prints text (a usage message, Linux's mkspec printing an RPM spec);
 * a `curl … | sh` in it is an example for a reader, not a command. The
 * `shell` analyzer scans such a body without reporting it, and remembers it
 * as code when a line of it would have been a finding: the document as a
 * staged file (a later `sh INSTALL.md` still reports, shell_staged.h), the
 * printed text as a download printed to stdout (`f() { cat <<EOF … }` …
 * `f | sh` still reports, shell_compound.h). Only `cat` or `tee` writing a
 * file with a document's extension (.md, .txt, .rst, .adoc, .html), or
 * printing to stdout, stderr or /dev/null, on a line that does nothing else
 * (no pipe, `;`, `&`, substitution) opens one; a heredoc fed to sh, an
 * interpreter or any other command, or written to any other file, is code.
 * With an unquoted delimiter, body lines holding `$(` or a backtick run those
 * and are scanned as usual.
 */
#ifndef AIRLOCK_SHELL_HEREDOC_H
#define AIRLOCK_SHELL_HEREDOC_H

#include <stddef.h>

#define SH_HEREDOC_DELIM 32
#define SH_HEREDOC_TARGET 80

typedef struct {
    char delim[SH_HEREDOC_DELIM];
    char target[SH_HEREDOC_TARGET];   /* the document's path as written */
    unsigned char delim_len, target_len;
    unsigned char quoted;             /* 'EOF', "EOF", \EOF: the body is not expanded */
    unsigned char open;               /* inside the body */
    unsigned char printed;            /* to stdout/stderr/null, not a document (target empty) */
    unsigned char dangerous;          /* a body line would have been a finding */
} sh_heredoc_t;

/* Whether line s opens a document here-document (then h is filled, open). */
int sh_heredoc_opens(sh_heredoc_t *h, const char *s, size_t n);

/* Whether body line s is the delimiter (leading tabs allowed, as `<<-`). */
int sh_heredoc_ends(const sh_heredoc_t *h, const char *s, size_t n);

/* Whether an open body's line s runs something when the body is expanded:
 * a `$(` or backtick under an unquoted delimiter. */
int sh_heredoc_line_expands(const sh_heredoc_t *h, const char *s, size_t n);

#endif
