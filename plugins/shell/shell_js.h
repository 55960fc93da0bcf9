/*
 * shell_js.h: JavaScript and TypeScript judged as `node -e` one-liners are
 * (shell_rules_decode.c, shell_rules_exfil.c), in the files node runs - a
 * test helper, a postinstall script, a config file:
 *   shell.decode_exec       critical  eval / Function / vm.run* of decoded text
 *                                     (atob, Buffer.from(…, 'base64'|'hex'),
 *                                     String.fromCharCode, unescape), on the line or
 *                                     through a name declared from one earlier
 *   shell.credential_exfil  high      the whole environment (process.env not
 *                                     followed by a name) on a line that sends to
 *                                     the network, or through a name declared from it
 */
#ifndef AIRLOCK_SHELL_JS_H
#define AIRLOCK_SHELL_JS_H

#include <stddef.h>

#include "an_core.h"

#define SH_JS_NAMES 8
#define SH_JS_NAME_MAX 48

/* Names declared (const/let/var) from decoded text or the whole
 * environment, earlier in the file. */
typedef struct {
    char decoded[SH_JS_NAMES][SH_JS_NAME_MAX];
    unsigned n_decoded;
    char env[SH_JS_NAMES][SH_JS_NAME_MAX];
    unsigned n_env;
} sh_js_t;

/* 1 for .js, .mjs, .cjs, .jsx, .ts, .tsx, .mts, .cts. */
int shell_js_file(const char *path);

/* One line of such a file. report: an added line (findings), else a context
 * line (names only). Returns 0 or emit's first non-zero value. */
int shell_js_line(sh_js_t *js, const char *s, size_t n, int report, an_emit_fn emit, void *ud, const char *file,
                  unsigned line);

#endif
