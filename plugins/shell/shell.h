/*
 * shell.h: the `shell` analyzer core (dangerous shell commands added by a
 * patch or run by the job).
 *
 * Scanned: added lines of shell-ish files (*.sh and friends, files whose
 * first added line is a #! line naming a shell, Makefiles and *.mk,
 * Dockerfiles/Containerfiles, package.json, Jenkinsfile, Vagrantfile,
 * justfiles, git hooks (.husky/, .githooks/), CI files (.github/workflows/,
 * .gitlab-ci.yml, .circleci/, .travis.yml, azure-pipelines, bitbucket,
 * .drone.yml)) and the job's run/test commands through shell_scan_command();
 * in source files of other languages (JavaScript/TypeScript, Go, Java, Ruby,
 * PHP, C#, Rust, C/C++, ...) the string literals handed to a process-
 * spawning call (`execSync("…")`, `exec.Command("sh", "-c", "…")`,
 * `system("…")`, also through a name given the literal earlier, shell_spawn.c)
 * are scanned as commands, and JavaScript and
 * TypeScript are judged as `node -e` one-liners are: decoded text run
 * (decode_exec) and the whole environment sent out (credential_exfil), on a
 * line or through a name declared earlier (shell_js.c).
 * Unquoted `$IFS` / `${IFS…}` split words as the shell splits them
 * (`curl${IFS}-s${IFS}URL|sh`). Backslash continuations are joined, and so
 * are lines ending in a pipe or
 * `&&` / `||` (the shell reads on; not for a line holding `#`, which could
 * hide the next line in a comment); comments are skipped; quoted text is
 * scanned (it may run through sh -c / eval) except the quoted arguments of
 * echo/printf, which only print, unless the line pipes into a shell.
 * Documentation (*.md, *.rst, *.txt) is not shell and is not scanned.
 *
 * Rules (rule_id, severity):
 *   shell.rm_catastrophic      critical  rm -r of the root (also with a glob), ~, $HOME, system dirs,
 *                                        --no-preserve-root
 *   shell.curl_pipe_shell      critical  curl|wget ... | sh/bash/python...,
 *                                        sh -c "$(curl ...)", bash <(curl ...),
 *                                        eval "$(curl ...)"
 *   shell.decode_exec          critical  decoded bytes run: base64 -d/xxd -r/uudecode/openssl -d/
 *                                        gunzip/rev/tr/printf or echo of \x escapes piped into a
 *                                        shell or interpreter, or inside sh -c "$(...)", eval
 *                                        "$(...)", bash <(...); python/perl/node/ruby one-liners
 *                                        that exec/eval decoded data; $'\x..' strings run as
 *                                        commands; pwsh -EncodedCommand
 *   shell.reverse_shell        critical  /dev/tcp with -i or fd duplication, nc -e,
 *                                        socat exec:, mkfifo + nc, telnet | sh,
 *                                        interpreter one-liners with socket + pty/exec
 *   shell.credential_exfil     high      ~/.ssh, ~/.aws, .netrc, .env, /etc/shadow,
 *                                        /proc/self/environ... or the whole environment
 *                                        (`env | curl`, `--data "$(env)"`) in a command
 *                                        that talks to the network
 *   shell.encode_to_network    high      base64/xxd/od output sent to curl/wget/nc...
 *   shell.system_write         high      writes into /etc, /usr, /boot, /bin, /lib
 *                                        (not reported for Dockerfiles: image builds
 *                                        write /etc as a matter of course)
 *   shell.startup_file_write   high      writes to ~/.bashrc, ~/.profile, .zshrc,
 *                                        /etc/profile.d, authorized_keys...
 *   shell.history_wipe         high      history -c, unset HISTFILE, HISTFILE=/dev/null,
 *                                        removing or truncating shell history
 *   shell.credential_read      medium    reads of credential files (no network)
 *   shell.chmod_777            medium    chmod [-R] 777 / a+rwx / o+w
 *   shell.sudo                 medium    sudo/doas/su (not in Dockerfiles)
 *   shell.crontab              medium    crontab, writes to /etc/cron* or spool
 */
#ifndef AIRLOCK_SHELL_H
#define AIRLOCK_SHELL_H

#include <stddef.h>

#include "an_core.h"
#include "shell_staged.h"

extern const an_analyzer_t shell_analyzer;

/* Scans one job command (the text the shell sees) with the rules of script
 * lines. label is the finding's file ("job:run[0]", "job:test", see
 * an_command_label). A one-line command reports line 0; a multi-line script
 * is scanned line by line (continuations joined, as in a shell file) and
 * reports the 1-based line within the text. Trailing newlines do not make a
 * script. Returns 0 or the emit callback's first non-zero. */
int shell_scan_command(const char *cmd, size_t len, const char *label,
                       an_emit_fn emit, void *ud);

/* shell_scan_command for a script that another analyzer feeds in pieces
 * (ci's workflow run blocks): `staged` carries the files downloaded or
 * decoded by earlier pieces (shell_staged.h), zeroed by the caller at the
 * start of the script. */
int shell_scan_command_staged(const char *cmd, size_t len, const char *label,
                              an_emit_fn emit, void *ud, sh_staged_t *staged);

/* Whether a path is scanned as shell (exposed for tests). */
int shell_path_is_shellish(const char *path);

#endif
