/*
 * env_image.h: makes an environment image on the client's machine
 * (docs/ENVIRONMENTS.md): a root tree as an uncompressed tar (what the digest
 * covers) and the same tar compressed with zstd (what is uploaded).
 *
 *   env_image_build()   from a spec, with mmdebstrap (Debian's repositories):
 *                       the packages, the `user` account (uid/gid 1000, home
 *                       /workspace), then the setup commands, run as root in
 *                       the new root; /dev excluded; reproducible given the
 *                       same archive state (SOURCE_DATE_EPOCH fixed).
 *   env_image_import()  from a directory (tarred with sorted names, numeric
 *                       owners, fixed times) or a tarball (.tar, .tar.gz,
 *                       .tar.xz, .tar.zst) made elsewhere, e.g. `docker export`.
 *
 * Every external tool runs with an argv (no shell over user data) and its
 * output goes to <workdir>/build.log, which error messages name.
 * Ownership: the files live in the caller's workdir; env_image_t holds paths
 * into it and the digests.
 */
#ifndef AIRLOCK_CLI_ENV_IMAGE_H
#define AIRLOCK_CLI_ENV_IMAGE_H

#include <stdint.h>

#include "common/envspec/envspec.h"

typedef struct {
    char tar[4200];                 /* <workdir>/root.tar */
    char blob[4200];                /* <workdir>/root.tar.zst */
    char tree_sha256[65], blob_sha256[65];
    uint64_t tree_bytes, blob_bytes;
    char digest[ENVSPEC_DIGEST_LEN + 1];
} env_image_t;

/* workdir exists and is empty; cache_dir (may be NULL) keeps built blobs by
 * the digest of the canonical spec and reuses them (for tests and the demo). */
int env_image_build(const envspec_t *spec, const char *workdir, const char *cache_dir, env_image_t *out);
int env_image_import(const envspec_t *spec, const char *source, const char *workdir, env_image_t *out);

#endif
