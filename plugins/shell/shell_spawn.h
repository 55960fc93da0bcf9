/*
 * shell_spawn.h: commands that source files of other languages hand to a
 * shell. `execSync("curl … | sh")` in a JavaScript test helper,
 * `exec.Command("sh", "-c", "…")` in Go, `system("…")` in C or PHP,
 * `Runtime.getRuntime().exec("…")` in Java run a command line like any
 * script: the string literals inside a process-spawning call's parentheses
 * (over up to 8 lines) or its tagged template (zx's $`...`) are scanned as
 * commands, and so is the literal a name handed to the call was given
 * earlier in the file (`c := "…"; exec.Command("sh", "-c", c)`).
 */
#ifndef AIRLOCK_SHELL_SPAWN_H
#define AIRLOCK_SHELL_SPAWN_H

#include <stddef.h>

/* A spawning call still open at the end of a line (its parenthesis depth),
 * and how many more lines it may span. */
#define SH_SPAWN_ALIASES 4
#define SH_SPAWN_ALIAS_MAX 32
#define SH_SPAWN_VALUES 8
#define SH_SPAWN_VALUE_MAX 512

typedef struct {
    int depth;
    unsigned lines_left;
    /* other names of spawning calls, from an import or require of
     * child_process seen earlier (`import { execSync as run }`) */
    char alias[SH_SPAWN_ALIASES][SH_SPAWN_ALIAS_MAX];
    unsigned n_alias;
    /* names given a string literal earlier (`c := "curl … | sh"`, `char *c =
     * "…"`): a call handed the name gets the literal scanned */
    struct {
        char name[SH_SPAWN_ALIAS_MAX];
        char text[SH_SPAWN_VALUE_MAX];
        size_t len;
    } values[SH_SPAWN_VALUES];
    unsigned n_values;
} sh_spawn_t;

/* 1 when path is a source file of a language whose programs spawn commands
 * (JavaScript/TypeScript, Go, Java/Kotlin/Scala/Groovy, Ruby, PHP, C#, Rust,
 * Swift, Lua, Perl, C/C++). */
int shell_spawn_file(const char *path);

/* One line of such a file: every string literal (its text between the
 * quotes) inside a spawning call goes to scan (NULL: a context line, read
 * only for the calls it leaves open). Returns 0 or scan's first non-zero
 * value. */
int shell_spawn_line(sh_spawn_t *sp, const char *s, size_t n, int (*scan)(void *ctx, const char *lit, size_t len),
                     void *ctx);

#endif
