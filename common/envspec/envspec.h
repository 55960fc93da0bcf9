/*
 * envspec.h: an environment specification (schemas/environment.schema.json),
 * parsed, validated, defaulted and turned into its canonical JSON and digest.
 * Shared by the CLI (which builds images from it), airlockd (which registers
 * them) and the worker (which verifies what it fetched). See
 * docs/ENVIRONMENTS.md.
 *
 * Identity: an environment is named by
 *   digest = "sha256:" + hex(sha256("airlock-env-v1\n" || canonical spec
 *            without its name || "\n" || hex sha256 of the root tar))
 * so the same declaration built into the same tree has the same digest on
 * every machine, a rebuild that pulled newer packages gets a new one, and
 * renaming changes nothing.
 *
 * Ownership: envspec_parse() gives the caller an envspec_t freed with
 * envspec_destroy(&p) (NULL-safe, nulls *p); strings returned by
 * envspec_canonical() are malloc'd and the caller's.
 * Errors: AL_EINVAL naming the field and the rule ("packages[2]: ..."),
 * AL_ENOMEM.
 */
#ifndef AIRLOCK_ENVSPEC_H
#define AIRLOCK_ENVSPEC_H

#include <stddef.h>

#define ENVSPEC_MAX_JSON (1u << 20)
#define ENVSPEC_DIGEST_LEN 71             /* "sha256:" + 64 hex */
#define ENVSPEC_DEFAULT_MIRROR "http://deb.debian.org/debian"
#define ENVSPEC_SNAPSHOT_MIRROR "http://snapshot.debian.org/archive/debian/"

typedef struct {
    char **items;
    size_t n;
} envspec_strv_t;

typedef struct {
    char *key, *value;
} envspec_var_t;

typedef struct envspec {
    char *name;
    int imported;              /* 1: `import` given (a tree made elsewhere) */
    char *import_source;       /* imported: where it came from */
    char *suite;               /* built: default "bookworm" */
    char *mirror;              /* built: NULL = default (or snapshot's) */
    char *snapshot;            /* NULL when absent */
    envspec_strv_t components; /* built: default ["main"] */
    char *variant;             /* built: default "minbase" */
    envspec_strv_t packages;
    envspec_strv_t setup;
    envspec_var_t *env;        /* sorted by key */
    size_t n_env;
    char *user;                /* default "sandbox" */
} envspec_t;

int envspec_parse(const char *json, size_t len, envspec_t **out);
/* The same for the canonical form envspec_canonical(s, 0) makes (no name):
 * what airlockd stores and workers receive. */
int envspec_parse_nameless(const char *json, size_t len, envspec_t **out);
void envspec_destroy(envspec_t **p);

/* Canonical JSON: sorted keys, compact, defaults filled in; with_name 0
 * leaves the name out (the form the digest covers). NULL on ENOMEM. */
char *envspec_canonical(const envspec_t *s, int with_name);

/* The archive URL mmdebstrap is given: mirror, else the snapshot's URL, else
 * the default. Lent. */
const char *envspec_mirror_url(const envspec_t *s);

/* digest of the spec and the hex sha256 of its root tar into out. */
int envspec_digest(const envspec_t *s, const char *tree_sha256_hex, char out[ENVSPEC_DIGEST_LEN + 1]);

/* 1 for "sha256:<64 lower-case hex>". */
int envspec_is_digest(const char *s);
/* 1 for a valid environment name. */
int envspec_name_valid(const char *s);

#endif
