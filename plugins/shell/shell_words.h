/*
 * shell_words.h: the command names the shell analyzer knows, as a generated
 * jump table (shell_words.c). Internal to plugins/shell.
 */
#ifndef AIRLOCK_SHELL_WORDS_H
#define AIRLOCK_SHELL_WORDS_H

#include <stddef.h>

#include "shell_lex.h"

/* Class of a command name (a basename, n bytes); SH_C_NONE when unknown. */
sh_class_t sh_command_class(const char *w, size_t n);

#endif
