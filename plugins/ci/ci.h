/*
 * ci.h: the `ci` analyzer core (dangerous changes to CI workflow files).
 *
 * Files: .github/workflows/<name>.yml|yaml (and Forgejo's, Gitea's),
 * action.yml|yaml at any depth (composite actions), .gitlab-ci.yml and
 * *.gitlab-ci.yml anywhere (included files), .gitlab/<...>.yml,
 * .circleci/config.yml, azure-pipelines.yml|yaml and .azure-pipelines/,
 * Jenkinsfile. A light, line-oriented YAML reader follows `run:`, `script:`,
 * `before_script:`, `after_script:` and `command:` (Azure: also `bash:`,
 * `pwsh:`, `powershell:`) values and blocks, quoted keys ('run':), `run:` in
 * a flow-mapping step (`- {name: x, run: …}`), and blocks defined under a
 * YAML anchor (`x: &a |`) once a script key aliases them (`run: *a`).
 * Context lines keep the block state right and record the env names that
 * carry event text (`env: {T: ${{ github.event… }}}`; step outputs written
 * from the event are taken from added lines); only added lines report, except the checkout rule, which needs
 * both halves and reports when either is added. In a Jenkinsfile every added
 * line is treated as script. Not followed (it would need a YAML parser):
 * list-valued anchors (`.x: &a` over a list or mapping).
 *
 * Rules (rule_id, severity):
 *   ci.pull_request_target_checkout  critical  pull_request_target trigger plus a checkout
 *                                              of the PR head (head.sha/head.ref/head_ref,
 *                                              refs/pull/, gh pr checkout, git fetch
 *                                              pull/N/head, repository: the head repo);
 *                                              also issue_comment / workflow_run with
 *                                              secrets in the file and such a checkout
 *                                              (workflow_run.head_sha as ref:)
 *   ci.unpinned_action               high      uses: owner/repo@tag-or-branch (not a 40-hex sha),
 *                                              docker://image:tag (not @sha256:<digest>),
 *                                              also in a flow mapping `- {uses: …}`;
 *                                              GitLab include of a remote URL without
 *                                              integrity:, CircleCI orb @volatile / @dev:
 *                                   medium    ... for GitHub-owned actions/..., github/...
 *   ci.curl_pipe_shell               critical  curl|wget ... | sh and friends in a script
 *                                              (the shell analyzer's rule, reused)
 *   ci.decode_exec                   critical  base64 -d | sh and other decode-and-execute
 *                                              forms in a script (shell.decode_exec, reused)
 *   ci.secret_echo                   high      echo/printf/print/stdout.write of
 *                                              ${{ secrets.* }}, a here-string of it into
 *                                              an encoder (base64 <<< …), an env
 *                                              variable holding a secret piped or
 *                                              here-string'd into an encoder
 *                                              (echo "$T" | base64; env: before or
 *                                              after the run:), or
 *                                              toJSON(secrets) anywhere; not ::add-mask::
 *                                              nor output redirected to a file
 *   ci.credential_exfil              high      a script sends credential files or the whole
 *                                              environment to the network (shell.credential_exfil,
 *                                              reused)
 *   ci.permissions_write_all         high      permissions: write-all
 *   ci.script_injection              high      ${{ github.event.* }} / ${{ github.head_ref }}
 *                                              expanded inside a script (attacker-controlled
 *                                              text becomes shell code), also inside
 *                                              toJSON()/format(), bracket syntax, the whole
 *                                              github.event too, ${{ env.X }} and
 *                                              ${{ steps.s.outputs.y }} set from the event;
 *                                              ids, numbers, shas, booleans, counts, enums
 *                                              and the base branch are not reported.
 *                                              CircleCI << pipeline.git.branch >>, Azure
 *                                              $(System.PullRequest.SourceBranch) /
 *                                              $(Build.SourceVersionMessage), Jenkins
 *                                              sh "…${env.CHANGE_BRANCH}…" likewise
 */
#ifndef AIRLOCK_CI_H
#define AIRLOCK_CI_H

#include "an_core.h"

extern const an_analyzer_t ci_analyzer;

/* Whether the path is a CI file this analyzer reads (exposed for tests). */
int ci_path_is_ci(const char *path);

#endif
