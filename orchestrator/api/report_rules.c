/*
 * report_rules.c: what each rule means and what to do about it, for SARIF
 * rule descriptors and check-run annotations. Rule ids are the analyzers'
 * (plugins/: secrets, shell, python, paths, ci, unicode) plus Airlock's own outcomes
 * (airlock.*). An id not listed gets its family's entry, then a generic one,
 * so a new analyzer rule is reported (with less help) before it is listed.
 */
#include "orchestrator/api/report.h"

#include <string.h>

static const report_rule_t s_rules[] = {
    /* secrets */
    { "secrets.aws_access_key", "AwsAccessKey", "AWS access key id in the change", NULL },
    { "secrets.aws_secret_key", "AwsSecretKey", "AWS secret access key in the change", NULL },
    { "secrets.github_token", "GitHubToken", "GitHub token in the change", NULL },
    { "secrets.google_api_key", "GoogleApiKey", "Google API key in the change", NULL },
    { "secrets.slack_token", "SlackToken", "Slack token in the change", NULL },
    { "secrets.slack_webhook", "SlackWebhook", "Slack webhook URL in the change", NULL },
    { "secrets.stripe_key", "StripeKey", "Stripe key in the change", NULL },
    { "secrets.jwt", "JsonWebToken", "JSON Web Token in the change", NULL },
    { "secrets.private_key", "PrivateKey", "Private key block in the change", NULL },
    { "secrets.generic_assignment", "SecretAssignment", "High-entropy value assigned to a secret-like name", NULL },
    { "secrets.allow_marker", "SecretAllowMarker", "The change adds a marker that silences secret scanners",
      "The patch adds an inline allow marker (e.g. gitleaks:allow) or a scanner ignore file. A "
      "generated patch has no business deciding what secret scanning may skip: remove it." },
    { "secrets.allowlist_file", "SecretAllowlistFile", "The change edits a secret scanner's allowlist",
      "The patch edits a secret scanner's allowlist or ignore file. Review by hand; a generated patch "
      "should not widen what scanners skip." },
    { "secrets.", "Secret", "Credential in the change",
      "The patch adds text that looks like a credential. Treat it as leaked: remove it from the change "
      "and rotate it at its issuer. Keep credentials in a secret store or CI secrets, never in code." },
    /* shell */
    { "shell.curl_pipe_shell", "CurlPipeShell", "Downloaded script piped into a shell", NULL },
    { "shell.reverse_shell", "ReverseShell", "Reverse shell", NULL },
    { "shell.rm_catastrophic", "CatastrophicRemove", "Recursive removal of a root or home directory", NULL },
    { "shell.credential_read", "CredentialRead", "Reads credential files (ssh keys, cloud configs)", NULL },
    { "shell.credential_exfil", "CredentialExfiltration", "Sends credentials or environment to the network", NULL },
    { "shell.encode_to_network", "EncodeToNetwork", "Encodes data and sends it to the network", NULL },
    { "shell.history_wipe", "HistoryWipe", "Wipes shell history or logs", NULL },
    { "shell.startup_file_write", "StartupFileWrite", "Writes a shell startup file", NULL },
    { "shell.system_write", "SystemWrite", "Writes system directories", NULL },
    { "shell.crontab", "Crontab", "Installs a cron job", NULL },
    { "shell.sudo", "Sudo", "Uses sudo", NULL },
    { "shell.chmod_777", "WorldWritable", "Makes files world-writable", NULL },
    { "shell.", "ShellCommand", "Dangerous shell command",
      "A shell script or command in the patch or the job does something a build or test has no reason "
      "to do (download and run code, reach for credentials, persist, damage the system). Remove it, or "
      "if it is really needed, run it outside Airlock under review." },
    /* python */
    { "python.eval_exec", "PythonEvalExec", "eval/exec on dynamic input", NULL },
    { "python.os_system", "PythonOsSystem", "os.system / os.popen", NULL },
    { "python.subprocess_shell", "PythonSubprocessShell", "subprocess with shell=True", NULL },
    { "python.deserialize", "PythonUnsafeDeserialize", "Unsafe deserialization (pickle, marshal, ...)", NULL },
    { "python.yaml_load", "PythonYamlLoad", "yaml.load without a safe loader", NULL },
    { "python.dynamic_import", "PythonDynamicImport", "Import by computed name", NULL },
    { "python.compile", "PythonCompile", "compile() of dynamic code", NULL },
    { "python.reverse_shell", "PythonReverseShell", "Reverse shell (socket, dup2, a spawned shell)", NULL },
    { "python.credential_exfil", "PythonCredentialExfiltration", "Sends the environment or a credential file to the network", NULL },
    { "python.source_encoding", "PythonSourceEncoding", "Source encoding under which a comment hides code", NULL },
    { "python.", "PythonCode", "Dangerous Python construct",
      "The Python code in the patch runs strings as code, runs shell commands or deserializes untrusted "
      "data. Use the safe form (subprocess with a list and shell=False, yaml.safe_load, json instead of "
      "pickle) or justify the construct in review." },
    /* paths */
    { "paths.protected", "ProtectedPath", "Change to a protected path", NULL },
    { "paths.ci_config", "CiConfigPath", "Change to CI configuration", NULL },
    { "paths.symlink_escape", "SymlinkEscape", "Symlink leaving the repository", NULL },
    { "paths.submodule", "Submodule", "Submodule added or changed", NULL },
    { "paths.new_executable", "NewExecutable", "New executable file", NULL },
    { "paths.", "PathRule", "Risky path in the change",
      "The patch touches a path the policy protects or a path shape that can attack tools (absolute, "
      "'..', control characters, case collisions, symlinks out of the tree, submodules). Change the "
      "patch, or widen the job's policy deliberately." },
    /* ci */
    { "ci.unpinned_action", "UnpinnedAction", "Third-party action not pinned to a commit", NULL },
    { "ci.pull_request_target_checkout", "PullRequestTargetCheckout",
      "pull_request_target checks out the pull request's code", NULL },
    { "ci.script_injection", "ScriptInjection", "Untrusted expression expanded into a script", NULL },
    { "ci.permissions_write_all", "WriteAllPermissions", "Workflow grants write-all permissions", NULL },
    { "ci.secret_echo", "SecretEcho", "Workflow prints a secret", NULL },
    { "ci.curl_pipe_shell", "CiCurlPipeShell", "CI step pipes a download into a shell", NULL },
    { "ci.credential_exfil", "CiCredentialExfil", "CI step sends credentials to the network", NULL },
    { "ci.", "CiWorkflow", "Dangerous CI configuration",
      "The patch changes CI configuration in a way that can run untrusted code with the repository's "
      "tokens and secrets. Pin actions to commit ids, keep permissions minimal, never expand untrusted "
      "input into scripts." },
    /* unicode */
    { "unicode.bidi_control", "BidiControl", "Bidirectional control character (Trojan Source)", NULL },
    { "unicode.invisible", "InvisibleCharacter", "Invisible character in code", NULL },
    { "unicode.hidden_text", "HiddenText", "Text hidden in invisible Unicode characters", NULL },
    { "unicode.mixed_script", "MixedScriptWord", "Word mixing Latin with Cyrillic or Greek look-alikes", NULL },
    { "unicode.", "DeceptiveText", "Text that reads differently from what runs",
      "The patch or a command holds characters that make what a reviewer sees differ from what the "
      "compiler, interpreter or an AI model reads: bidirectional controls, invisible characters, hidden "
      "tag text or look-alike letters. The finding's evidence writes them as <U+XXXX>. Remove them, or "
      "write them as escapes where they are data." },
    /* analyzers that failed */
    { "plugin_error", "AnalyzerFailed", "An analyzer failed on this change",
      "An analyzer crashed, hung or produced too much output while reading the patch, so the patch was "
      "not fully analysed. The worker's log names the analyzer; such a job is not a clean bill of health." },
    /* Airlock's own outcomes */
    { "airlock.policy_violation", "PolicyViolation", "Change outside the job's path policy",
      "The patch, or the job's run commands, changed a file that the job's policy protects or that is "
      "outside its write_paths (or created a symlink out of the tree, a submodule, a mode change). "
      "Change the patch or the commands, or widen the policy deliberately." },
    { "airlock.egress_blocked", "EgressBlocked", "Network request refused by the egress policy",
      "A command tried to reach a host that is not in the job's policy.egress allowlist; the proxy "
      "refused it. Add the host to the allowlist if the job really needs it, or remove the download." },
    { "airlock.tests_failed", "TestsFailed", "A run or test command failed",
      "A command of the run stage or the test command exited non-zero in the sandbox. The stage, "
      "command and the tail of its output are in the message." },
    { "airlock.timeout", "Timeout", "A stage ran past its time limit",
      "A command ran past policy.limits.timeout_s and was killed. Make it faster or raise the limit." },
    { "airlock.resource_exceeded", "ResourceExceeded", "A stage exceeded its resource limits",
      "A command exceeded the job's memory, process or disk limits. Reduce its use or raise "
      "policy.limits." },
    { "airlock.apply_failed", "ApplyFailed", "The patch does not apply to the base commit",
      "A hunk of the patch did not match the base commit (file and hunk in the message). Rebase the "
      "patch on the job's base." },
    { "airlock.sandbox_error", "SandboxError", "The job could not be run",
      "Airlock could not run the job to the end (repository fetch, sandbox or worker failure, or every "
      "attempt lost). The reason says which; nothing is known about the patch itself." },
    { "airlock.cancelled", "Cancelled", "The job was cancelled", "A client cancelled the job." },
    { "airlock.", "Airlock", "Airlock outcome", "An outcome of the job as decided by Airlock." },
};

static const report_rule_t s_generic = {
    "", "Finding", "Finding", "An analyzer reported this about the change. See the message for details.",
};

const report_rule_t *report_rule_find(const char *rule_id)
{
    const report_rule_t *family = NULL;
    for (size_t i = 0; rule_id && i < sizeof s_rules / sizeof s_rules[0]; i++) {
        const char *id = s_rules[i].id;
        size_t n = strlen(id);
        if (id[n - 1] != '.' && strcmp(id, rule_id) == 0)
            return &s_rules[i];
        if (id[n - 1] == '.' && strncmp(id, rule_id, n) == 0 && !family)
            family = &s_rules[i];
    }
    return family ? family : &s_generic;
}

const char *report_rule_help(const char *rule_id)
{
    const report_rule_t *r = report_rule_find(rule_id);
    if (r->help)
        return r->help;
    char family[64];
    const char *dot = rule_id ? strchr(rule_id, '.') : NULL;
    if (!dot || (size_t)(dot - rule_id) + 2 > sizeof family)
        return s_generic.help;
    memcpy(family, rule_id, (size_t)(dot - rule_id) + 1);
    family[dot - rule_id + 1] = '\0';
    const report_rule_t *f = report_rule_find(family);
    return f->help ? f->help : s_generic.help;
}

const char *report_level(const char *severity)
{
    if (!severity)
        return "warning";
    if (strcmp(severity, "critical") == 0 || strcmp(severity, "high") == 0)
        return "error";
    if (strcmp(severity, "medium") == 0)
        return "warning";
    return "note";
}
