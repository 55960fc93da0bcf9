/*
 * args.h: the command line and start-up shared by airlockd and
 * airlock-worker: getopt_long over -c/--config FILE, --set KEY=VALUE (any
 * number), --print-config, --help, --version and a program's own boolean
 * flags; then the settings in precedence order (defaults, file, AIRLOCK_*
 * environment, --set and flags) and validation; then logging from the
 * log_level and log_format settings.
 *
 * An unknown option, a missing value or a stray argument is a usage error
 * (exit code 2) naming it.
 */
#ifndef AIRLOCK_ARGS_H
#define AIRLOCK_ARGS_H

#include <stddef.h>
#include <stdio.h>

#include "common/config.h"

/* Version of every Airlock program (CMake project version). */
const char *al_version(void);

typedef struct {
    const char *flag;            /* "insecure-host-driver": --insecure-host-driver */
    const char *key;             /* setting it sets to true */
} al_args_flag_t;

/* Parses argv into cfg. Returns -1 when the program should go on, else the
 * exit code to leave with now (0 after --help/--version/--print-config,
 * which print what they show; 2 on a usage or settings error, printed on
 * stderr as "<prog>: <reason>"). usage() prints the program's help. */
int al_args_parse(al_config_t *cfg, int argc, char **argv, const char *prog,
                  const al_args_flag_t *flags, size_t nflags, void (*usage)(FILE *out));

/* al_log_init from the settings log_level and log_format (text or json). */
int al_args_log_init(const al_config_t *cfg, const char *prog);

#endif
