/*
 * shell_lex.h: a tiny shell-line lexer for the `shell` analyzer.
 *
 * Splits one logical line (continuations already joined) into statements
 * (separated by ; && || & and newlines) made of word and operator tokens,
 * drops comments, and classifies each word once (command names by basename,
 * paths by what they point at). It is not a shell parser: quotes only
 * separate words (quoted text is still scanned, because `sh -c '...'`,
 * `eval "..."` and JSON/YAML strings carry commands), except that the quoted
 * arguments of echo/printf are dropped unless the line pipes into a shell.
 *
 * Everything is lent: tokens point into the caller's line.
 */
#ifndef AIRLOCK_SHELL_LEX_H
#define AIRLOCK_SHELL_LEX_H

#include <stddef.h>
#include <stdint.h>

#define SH_MAX_TOKENS 96

typedef enum {
    SH_WORD = 0,
    SH_OP_PIPE,      /* | */
    SH_OP_SUBST,     /* $( or ` */
    SH_OP_PROCSUB,   /* <( or >( */
    SH_OP_GROUP,     /* ( { */
    SH_OP_CLOSE,     /* ) */
    SH_OP_REDIR_OUT, /* > >> >| &> */
    SH_OP_REDIR_IN,  /* < << <<< */
    SH_OP_REDIR_DUP, /* >& <& */
    SH_OP_RW,        /* <> */
} sh_tok_kind_t;

/* Word classes (one per word; commands by basename). */
typedef enum {
    SH_C_NONE = 0,
    SH_C_RM, SH_C_FETCH, SH_C_SHELL, SH_C_INTERP, SH_C_NC, SH_C_SOCAT, SH_C_TELNET,
    SH_C_MKFIFO, SH_C_CHMOD, SH_C_SUDO, SH_C_CRONTAB, SH_C_HISTORY, SH_C_ENCODER,
    SH_C_EVAL, SH_C_TEE, SH_C_COPY, SH_C_UNSET, SH_C_NETCOPY, SH_C_ENV, SH_C_ECHO,
    SH_C_EXEC, SH_C_SED, SH_C_WIPE, SH_C_TRANSFORM, SH_C_PWSH,
    SH_C_FETCHCMD,   /* a downloader only as the command (`fetch`, `http`); the lexer
                        makes it SH_C_FETCH there and SH_C_NONE elsewhere */
    SH_C_FILEATTR,   /* touches a file's directory, owner or times, never its bytes */
} sh_class_t;

/* Path facts of a word (bit set). */
enum {
    SH_P_DEVNET = 1u << 0,   /* /dev/tcp/ or /dev/udp/ */
    SH_P_SYSTEM = 1u << 1,   /* /etc, /usr, /boot, /bin, /sbin, /lib... */
    SH_P_STARTUP = 1u << 2,  /* shell start-up file, authorized_keys, profile.d */
    SH_P_CRED = 1u << 3,     /* ~/.ssh, ~/.aws, .netrc, /etc/shadow, ... */
    SH_P_DOTENV = 1u << 4,   /* .env files */
    SH_P_CRON = 1u << 5,     /* /etc/cron*, /var/spool/cron */
    SH_P_HISTORY = 1u << 6,  /* .bash_history, .zsh_history, HISTFILE=, HISTSIZE=0 */
};

typedef struct {
    uint32_t start, len;
    uint8_t kind;    /* sh_tok_kind_t */
    uint8_t cls;     /* sh_class_t (words) */
    uint8_t paths;   /* SH_P_* (words) */
    uint8_t cmd_pos; /* word in command position */
} sh_tok_t;

typedef struct {
    const char *line;
    size_t line_len;    /* the whole logical line: a quoted program may run past `;` */
    sh_tok_t tok[SH_MAX_TOKENS];
    unsigned n;
    unsigned classes;   /* 1 << sh_class_t of every word */
    unsigned paths;     /* SH_P_* of every word */
} sh_stmt_t;

/* Called once per statement. Returns 0 to continue. */
typedef int (*sh_stmt_fn)(void *ud, const sh_stmt_t *st);

/* Lexes `s` and calls fn per statement (a statement with more than
 * SH_MAX_TOKENS tokens loses the words no rule looks at, then its middle;
 * it is never split). keep_echo_strings forces
 * quoted echo/printf arguments to be kept. Returns fn's first non-zero. */
int sh_lex(const char *s, size_t n, int keep_echo_strings, sh_stmt_fn fn, void *ud);

/* Whether a word names standard input as a file: /dev/stdin, /dev/fd/0,
 * /proc/self/fd/0 (a closing quote allowed). */
int sh_stdin_path(const char *w, size_t n);

/* Whether token i starts a command: first of its statement, after a pipe,
 * an opening or a closing, a keyword (then, do, else, `{`, Dockerfile's
 * RUN...) or a wrapper (sudo, env, exec, nohup...). */
int sh_command_start(const sh_stmt_t *st, unsigned i);

/* 0 when no rule can fire on the line (a cheap, conservative prefilter). */
int sh_line_may_match(const char *s, size_t n);

/* Classifies a word (used by sh_lex; exposed for tests). */
sh_class_t sh_word_class(const char *w, size_t n);
unsigned sh_word_paths(const char *w, size_t n);

#endif
