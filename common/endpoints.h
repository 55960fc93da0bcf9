/*
 * endpoints.h: a list of airlockd endpoints, comma separated
 * ("tcp://a:7701,tcp://b:7701"), as clients and workers are configured for
 * several airlockd instances (one active, the others standing by: see
 * docs/ARCHITECTURE.md "Several airlockd"). A peer talks to one endpoint at a
 * time and moves to the next when its airlockd stops answering.
 *
 * Blanks around entries are ignored; empty entries are skipped.
 */
#ifndef AIRLOCK_COMMON_ENDPOINTS_H
#define AIRLOCK_COMMON_ENDPOINTS_H

#include <stddef.h>

/* Number of endpoints in list (0 for NULL or only blanks/commas). */
unsigned al_endpoints_count(const char *list);

/* Copies entry idx % count into out. Returns 0, AL_EINVAL for an empty list,
 * AL_ELIMIT when the entry does not fit in size bytes. */
int al_endpoints_pick(const char *list, unsigned idx, char *out, size_t size);

#endif
