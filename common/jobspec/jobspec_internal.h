/*
 * jobspec_internal.h: the field table shared by the parser (jobspec.c), the
 * serializer and the introspection API, and the string checks
 * (jobspec_check.c). Not installed; only common/jobspec/ includes it.
 */
#ifndef AIRLOCK_JOBSPEC_INTERNAL_H
#define AIRLOCK_JOBSPEC_INTERNAL_H

#include "common/jobspec/jobspec.h"

/* A string check: validates *s (owned, may be replaced by a canonical form,
 * e.g. a lower-cased hostname) and returns NULL when valid, else the rule
 * broken ("not a valid hostname"). */
typedef const char *(*jobspec_check_fn)(char **s);

typedef struct {
    jobspec_field_info_t info;
    size_t offset;                   /* into jobspec_t; unused for objects */
    jobspec_check_fn check;          /* strings, array items, map values */
    jobspec_check_fn key_check;      /* map keys */
    int64_t def_int;                 /* integer / enum default */
    const char *const *def_list;     /* string array default (NULL-terminated) */
} jobspec_field_t;

extern const jobspec_field_t jobspec_fields[];
extern const size_t jobspec_n_fields;

const char *jobspec_check_repo(char **s);
const char *jobspec_check_ref(char **s);
const char *jobspec_check_glob(char **s);
const char *jobspec_check_host(char **s);
const char *jobspec_check_name(char **s);
const char *jobspec_check_label_key(char **s);
const char *jobspec_check_text(char **s);
const char *jobspec_check_base64(char **s);
const char *jobspec_check_script(char **s);
const char *jobspec_check_token(char **s);
const char *jobspec_check_environment(char **s);

#endif
