/*
 * redact.h: the one redaction function of the control plane (issue 12).
 * Everything a worker reports (event data: outputs, commands, exec argv,
 * artifacts such as result.diff, findings; result summaries and reasons)
 * passes through it in airlockd before it is stored, so neither the typed
 * tables, task_events nor audit_log.detail (written from the same data) ever
 * hold a secret; a finished job's spec is masked the same way (redact_sweep).
 *
 * What is a secret: exactly what the `secrets` analyzer reports (its core,
 * plugins/secrets, is linked here: the same rules, one definition), run over
 * each line of the text as if a code file added it: token formats of the
 * known providers, private key headers, JWTs, AWS secrets by context, and
 * high-entropy literals assigned to secret-like names. Each match is
 * replaced by its first four bytes and "[redacted:<rule>]" (so a reader
 * still sees which key it was), wherever it occurs in the text.
 *
 * Limits: text in a base64 blob (blob_b64 of an event) is not decoded;
 * evidence longer than 256 bytes is masked only up to that length; a secret
 * of a shape no rule knows is not found.
 *
 * Ownership: results are malloc'd and owned by the caller. Errors: AL_ENOMEM,
 * AL_EINVAL (redact_json: not JSON).
 */
#ifndef AIRLOCK_ORCH_REDACT_H
#define AIRLOCK_ORCH_REDACT_H

#include <stddef.h>

#define REDACT_MARK "[redacted:"

/* *out = the text with every secret masked, or NULL when it holds none. */
int redact_text(const char *text, size_t len, char **out);
/* The same for every string (keys and values) of a JSON text; *out NULL when
 * nothing changed. */
int redact_json(const char *json, char **out);
/* Replaces *json (malloc'd) by its redacted form when it holds a secret;
 * keeps it when redaction fails (logged: the data is still needed). */
void redact_json_inplace(char **json);

struct airlockd;
/* Masks the spec of up to `limit` ended jobs not masked yet (jobs.spec,
 * sql/0074); the number done into *done. AL_EDB / AL_EAGAIN from the store. */
int redact_sweep(struct airlockd *d, int limit, int *done);

#endif
