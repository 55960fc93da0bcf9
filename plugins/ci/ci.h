/*
 * ci.h: the `ci` analyzer core (dangerous changes to CI workflow files).
 *
 * Files: .github/workflows/<name>.yml|yaml, action.yml|yaml under .github/,
 * .gitlab-ci.yml, .gitlab/<...>.yml, .circleci/config.yml, Jenkinsfile.
 * A light, line-oriented YAML reader follows `run:`, `script:`,
 * `before_script:`, `after_script:` and `command:` values and blocks (context
 * lines keep the block state right; only added lines report, except the
 * pull_request_target rule, which needs both halves and reports when either
 * is added). In a Jenkinsfile every added line is treated as script.
 *
 * Rules (rule_id, severity):
 *   ci.pull_request_target_checkout  critical  pull_request_target trigger plus a checkout
 *                                              of the PR head (head.sha/head.ref/head_ref,
 *                                              refs/pull/): untrusted code with secrets
 *   ci.unpinned_action               high      uses: owner/repo@tag-or-branch (not a 40-hex sha),
 *                                              docker://image:tag (not @sha256:<digest>),
 *                                              also in a flow mapping `- {uses: …}`
 *                                   medium    ... for GitHub-owned actions/..., github/...
 *   ci.curl_pipe_shell               critical  curl|wget ... | sh and friends in a script
 *                                              (the shell analyzer's rule, reused)
 *   ci.decode_exec                   critical  base64 -d | sh and other decode-and-execute
 *                                              forms in a script (shell.decode_exec, reused)
 *   ci.secret_echo                   high      echo/printf/print of ${{ secrets.* }}, or
 *                                              toJSON(secrets) anywhere
 *   ci.credential_exfil              high      a script sends credential files or the whole
 *                                              environment to the network (shell.credential_exfil,
 *                                              reused)
 *   ci.permissions_write_all         high      permissions: write-all
 *   ci.script_injection              high      ${{ github.event.* }} / ${{ github.head_ref }}
 *                                              expanded inside a script (attacker-controlled
 *                                              text becomes shell code), also inside
 *                                              toJSON()/format(), the whole github.event
 *                                              too; ids, numbers and shas are not reported
 */
#ifndef AIRLOCK_CI_H
#define AIRLOCK_CI_H

#include "an_core.h"

extern const an_analyzer_t ci_analyzer;

/* Whether the path is a CI file this analyzer reads (exposed for tests). */
int ci_path_is_ci(const char *path);

#endif
