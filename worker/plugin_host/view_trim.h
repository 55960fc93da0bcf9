/*
 * view_trim.h: cuts a patch view down to what one plugin's capabilities
 * allow it to see (view_trim.c). Used where the view is built in-process
 * (view.c) and in the analyzer host before a plugin runs (child.c).
 */
#ifndef AIRLOCK_VIEW_TRIM_H
#define AIRLOCK_VIEW_TRIM_H

#include "airlock_plugin.h"

/* In place: `files` is in->files as a writable array (n = in->n_files). */
void view_trim(airlock_input_t *in, airlock_file_t *files, uint64_t caps);

#endif
