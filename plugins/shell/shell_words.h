/*
 * shell_words.h: the command names the shell analyzer knows and its line
 * prefilter, as tables GENERATED into shell_words.c by gen_shell_words.py
 * from shell_words.txt. Internal to plugins/shell.
 */
#ifndef AIRLOCK_SHELL_WORDS_H
#define AIRLOCK_SHELL_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "shell_lex.h"

/* Class of a command name (a basename, n bytes); SH_C_NONE when unknown. */
sh_class_t sh_command_class(const char *w, size_t n);

/* The line prefilter (see shell_lex.h sh_line_may_match). */
extern const uint32_t sh_pf_first[256];
extern const uint32_t sh_pf_second[256];
extern const uint32_t sh_pf_after[256];

#endif
