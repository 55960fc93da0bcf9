/*
 * config.h: table-driven configuration: defaults, a `key = value` file, then
 * environment overrides, validated once at start.
 *
 * Each program declares its settings as a const table of al_config_def_t.
 * Sources, lowest precedence first: the table's defaults, the file given to
 * al_config_load_file(), environment variables AIRLOCK_<KEY> (key upper-cased,
 * '.' and '-' become '_'), then al_config_set() (command-line flags).
 * al_config_validate() checks types, ranges and required keys; getters are
 * only meaningful after it succeeded. Settings flagged AL_CFG_SECRET are
 * printed as "<redacted>" by al_config_print().
 *
 * Ownership: al_config_new() returns a config the caller owns; it keeps a
 * pointer to the definition table (which must outlive it) and copies every
 * value. Strings returned by getters are lent until the next set/load/destroy.
 * Errors: AL_ECONFIG naming the key, the source (file:line or env var) and the
 * rule broken; AL_EIO when a file cannot be read.
 */
#ifndef AIRLOCK_CONFIG_H
#define AIRLOCK_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    AL_CFG_STR = 0,
    AL_CFG_INT = 1,   /* int64 within [min, max] */
    AL_CFG_BOOL = 2,  /* true/false/yes/no/on/off/1/0 */
} al_config_type_t;

enum {
    AL_CFG_SECRET = 1u << 0,   /* never printed */
    AL_CFG_REQUIRED = 1u << 1, /* must be set and non-empty after all sources */
};

typedef struct {
    const char *key;          /* e.g. "worker_endpoint" */
    al_config_type_t type;
    const char *def;          /* default as text, NULL = unset */
    int64_t min, max;         /* for AL_CFG_INT */
    unsigned flags;
    const char *help;         /* one line, shown by --help */
} al_config_def_t;

typedef struct al_config al_config_t;

al_config_t *al_config_new(const al_config_def_t *defs, size_t count);
void al_config_destroy(al_config_t **cfg);

/* Reads `key = value` lines; '#' starts a comment line; values may be
 * double-quoted. Unknown keys and malformed lines are errors. */
int al_config_load_file(al_config_t *cfg, const char *path);

/* Applies AIRLOCK_<KEY> variables from the environment for every known key. */
int al_config_load_env(al_config_t *cfg);

/* Sets one value (e.g. from a command-line flag). Unknown key: AL_ECONFIG. */
int al_config_set(al_config_t *cfg, const char *key, const char *value);

int al_config_validate(al_config_t *cfg);

const char *al_config_str(const al_config_t *cfg, const char *key); /* NULL if unset */
int64_t al_config_int(const al_config_t *cfg, const char *key);
int al_config_bool(const al_config_t *cfg, const char *key);

/* Writes `key = value` for every setting, secrets redacted, with the source. */
void al_config_print(const al_config_t *cfg, FILE *out);

/* Writes the table as help text: key, type, default, help. */
void al_config_print_help(const al_config_def_t *defs, size_t count, FILE *out);

#endif
