/*
 * jobspec_fields.c: THE field table of the job spec: every JSON field's path,
 * type, bounds, string rule, default and place in jobspec_t. The parser,
 * the canonical serializer and the schema agreement test all read this one
 * table; schemas/job.schema.json must say the same (test_jobspec_schema).
 */
#include "common/jobspec/jobspec_internal.h"

#include <stddef.h>

#define OFF(m) offsetof(jobspec_t, m)

static const char *const k_phases[] = { "run", "test", "both", "none", NULL };
static const char *const k_severities[] = { "info", "low", "medium", "high", "critical", NULL };
static const char *const k_drivers[] = { "any", "microvm", "ns", "gvisor", NULL };
/* weakest first: the enum value is the rank (jobspec_isolation_t) */
static const char *const k_isolations[] = { "none", "ns", "gvisor", "vm", "kvm", NULL };

static const char *const k_write_paths[] = { "**", NULL };
/* Never changeable by default: git metadata, ownership rules, CI and
 * automation that runs with the repository's secrets or on a developer's
 * machine (CI services, task runners, dev containers, editor tasks, git hook
 * managers) and Airlock's own config. Matched case-insensitively by
 * worker/gitops; plugins/paths mirrors the list (test_paths_defaults). */
const char *const jobspec_default_protected[] = {
    ".github/**", ".gitlab-ci.yml", ".gitlab/**", ".git", ".gitmodules", ".gitattributes",
    "CODEOWNERS", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml", ".husky/**", ".lefthook/**",
    "lefthook.yml", "lefthook.yaml", ".lefthook.yml", ".lefthook.yaml", "lefthook-local.yml",
    "lefthook-local.yaml", ".overcommit.yml", ".githooks/**", ".git-hooks/**",
    ".simple-git-hooks.json", ".simple-git-hooks.js", ".simple-git-hooks.cjs", ".circleci/**",
    "Jenkinsfile", "azure-pipelines.yml", "azure-pipelines.yaml", ".azure-pipelines/**",
    ".azuredevops/**", ".buildkite/**", ".travis.yml", ".drone.yml", ".drone.yaml", ".drone.star",
    "Taskfile.yml", "Taskfile.yaml", "Taskfile.dist.yml", "Taskfile.dist.yaml", ".devcontainer/**",
    ".devcontainer.json", ".vscode/tasks.json", "appveyor.yml", ".appveyor.yml",
    "bitbucket-pipelines.yml", "cloudbuild.yaml", "cloudbuild.yml", ".gitpod.yml", "buildspec.yml",
    ".woodpecker.yml", ".woodpecker/**", ".semaphore/**", "codemagic.yaml", ".forgejo/**", ".gitea/**",
    ".cirrus.yml", ".cirrus.star", ".builds/**", ".zuul.yaml", "zuul.d/**", ".zuul.d/**", ".tekton/**",
    ".envrc", ".airlock/**", ".airlock.json",
    ".harness/**", "action.yml", "action.yaml", "*.gitlab-ci.yml", "buildkite.yml", "buildkite.yaml",
    "cloudbuild.json", "codefresh.yml", ".drone.jsonnet", "lefthook.toml", ".lefthook.toml",
    ".mise.toml", "mise.toml", ".readthedocs.yaml", ".readthedocs.yml", "simple-git-hooks.json",
    ".woodpecker.yaml", "renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json",
    ".renovaterc.json5", NULL,
};
static const char *const k_none[] = { NULL };
static const char *const k_analyzers[] = { "secrets", "shell", "python", "paths", "ci", "unicode", NULL };

#define OBJ(p, req) { { p, JOBSPEC_T_OBJECT, req, 0, 0, 0, NULL }, 0, NULL, NULL, 0, NULL }
#define STR(p, req, lo, hi, m, chk) { { p, JOBSPEC_T_STRING, req, lo, hi, 0, NULL }, OFF(m), chk, NULL, 0, NULL }
#define INT(p, lo, hi, def, m) { { p, JOBSPEC_T_INTEGER, 0, lo, hi, 0, NULL }, OFF(m), NULL, NULL, def, NULL }
#define ENUM(p, vals, def, m) { { p, JOBSPEC_T_ENUM, 0, 0, 0, 0, vals }, OFF(m), NULL, NULL, def, NULL }
#define STRV(p, hi, item, m, chk, def) \
    { { p, JOBSPEC_T_STRING_ARRAY, 0, 0, hi, item, NULL }, OFF(m), chk, NULL, 0, def }

const jobspec_field_t jobspec_fields[] = {
    STR("repo", 1, 1, 4096, repo, jobspec_check_repo),
    STR("base", 1, 1, 256, base, jobspec_check_ref),
    STR("ref", 0, 1, 256, ref, jobspec_check_ref),
    STR("patch", 0, 0, JOBSPEC_MAX_PATCH, patch, NULL),
    STR("patch_b64", 0, 0, JOBSPEC_MAX_PATCH_B64, patch_b64, jobspec_check_base64),
    { { "run", JOBSPEC_T_COMMAND_ARRAY, 0, 0, 64, 0, NULL }, OFF(run), NULL, NULL, 0, NULL },
    { { "test", JOBSPEC_T_COMMAND, 1, 0, 0, 0, NULL }, OFF(test), NULL, NULL, 0, NULL },
    OBJ("policy", 0),
    STRV("policy.write_paths", 256, 1024, policy.write_paths, jobspec_check_glob, k_write_paths),
    STRV("policy.protected", 256, 1024, policy.protected_paths, jobspec_check_glob,
         jobspec_default_protected),
    STRV("policy.egress", 64, 255, policy.egress, jobspec_check_host, k_none),
    ENUM("policy.egress_phase", k_phases, JOBSPEC_PHASE_RUN, policy.egress_phase),
    OBJ("policy.limits", 0),
    INT("policy.limits.vcpus", 1, 16, 1, policy.limits.vcpus),
    INT("policy.limits.memory_mb", 64, 65536, 1024, policy.limits.memory_mb),
    INT("policy.limits.timeout_s", 1, 86400, 600, policy.limits.timeout_s),
    INT("policy.limits.max_output_bytes", 1024, 1073741824, 16777216, policy.limits.max_output_bytes),
    INT("policy.limits.max_procs", 1, 65536, 256, policy.limits.max_procs),
    INT("policy.limits.disk_mb", 16, 1048576, 2048, policy.limits.disk_mb),
    STRV("policy.analyzers", 32, 32, policy.analyzers, jobspec_check_name, k_analyzers),
    ENUM("policy.block_at", k_severities, JOBSPEC_SEV_HIGH, policy.block_at),
    ENUM("policy.min_isolation", k_isolations, JOBSPEC_ISO_NONE, policy.min_isolation),
    ENUM("driver", k_drivers, JOBSPEC_DRIVER_ANY, driver),
    { { "labels", JOBSPEC_T_STRING_MAP, 0, 0, 32, 256, NULL }, OFF(labels), jobspec_check_text,
      jobspec_check_label_key, 0, NULL },
    { { "worker_labels", JOBSPEC_T_STRING_MAP, 0, 0, 32, 256, NULL }, OFF(worker_labels),
      jobspec_check_text, jobspec_check_label_key, 0, NULL },
    STR("idempotency_key", 0, 1, 128, idempotency_key, jobspec_check_token),
    STR("environment", 0, 1, 71, environment, jobspec_check_environment),
};

const size_t jobspec_n_fields = sizeof jobspec_fields / sizeof jobspec_fields[0];

size_t jobspec_field_count(void) { return jobspec_n_fields; }

const jobspec_field_info_t *jobspec_field_at(size_t i)
{
    return i < jobspec_n_fields ? &jobspec_fields[i].info : NULL;
}

static const char *enum_name(const char *const *vals, int v, int n)
{
    return v >= 0 && v < n ? vals[v] : "?";
}

const char *jobspec_phase_name(int v) { return enum_name(k_phases, v, 4); }
const char *jobspec_severity_name(int v) { return enum_name(k_severities, v, 5); }
const char *jobspec_driver_name(int v) { return enum_name(k_drivers, v, 4); }
const char *jobspec_isolation_name(int v) { return enum_name(k_isolations, v, 5); }
