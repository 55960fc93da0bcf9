/*
 * basepack.c: the one pack of a base tree's objects, written once per base
 * cache entry (basecache.c) and seen by every stage's sandbox repository on
 * that base as a lower layer of its overlay (`.git/objects/pack`, layer.c),
 * so a stage's own `.git` only adds what the stage's tree changed
 * (sandbox_repo.c).
 *
 * libgit2's packbuilder searches deltas over every object and compresses at
 * zlib's default level: minutes for a 78k-file tree. This pack is written
 * for speed instead: every tree and blob reachable from the tree exactly once
 * (gitlinks are not objects of this repository), whole (no deltas), deflated
 * at Z_BEST_SPEED, streamed into libgit2's indexer, which checks the stream
 * and writes the .idx next to the .pack. No commit and no tag: those differ
 * between commits with the same tree and go into each stage's own pack.
 *
 * Owns: the object id set, the zlib stream, the digest context and the
 * indexer of one call.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "common/error.h"
#include "common/log.h"
#include "worker/gitops/gitops_internal.h"

#define OUT_CHUNK (1u << 20)

/* ---- a set of object ids (open addressing, grows at 1/2 full) ----------- */

typedef struct {
    git_oid *slot;      /* all-zero = empty (no object has the zero id) */
    size_t cap, n;
    git_oid *order;     /* insertion order: trees before what they hold */
    size_t order_cap;
} oidset_t;

static size_t s_hash(const git_oid *id)
{
    size_t h;
    memcpy(&h, id->id, sizeof h);   /* ids are uniformly distributed */
    return h;
}

static int s_set_put_raw(oidset_t *s, const git_oid *id)
{
    static const git_oid zero;
    for (size_t i = s_hash(id) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!memcmp(&s->slot[i], &zero, sizeof zero)) {
            s->slot[i] = *id;
            return 1;
        }
        if (git_oid_equal(&s->slot[i], id))
            return 0;
    }
}

/* 1 added, 0 already there, <0 error. */
static int s_set_put(oidset_t *s, const git_oid *id)
{
    if (2 * (s->n + 1) > s->cap) {
        oidset_t g = { calloc(s->cap ? 2 * s->cap : 4096, sizeof(git_oid)), s->cap ? 2 * s->cap : 4096, 0, 0, 0 };
        if (!g.slot)
            return al_err_set(AL_ENOMEM, "base pack object set");
        for (size_t i = 0; i < s->n; i++)
            s_set_put_raw(&g, &s->order[i]);
        free(s->slot);
        s->slot = g.slot;
        s->cap = g.cap;
    }
    if (!s_set_put_raw(s, id))
        return 0;
    if (s->n == s->order_cap) {
        size_t cap = s->order_cap ? 2 * s->order_cap : 4096;
        git_oid *o = realloc(s->order, cap * sizeof *o);
        if (!o)
            return al_err_set(AL_ENOMEM, "base pack object list");
        s->order = o;
        s->order_cap = cap;
    }
    s->order[s->n++] = *id;
    return 1;
}

static int s_collect(const char *root, const git_tree_entry *e, void *payload)
{
    (void)root;
    git_object_t t = git_tree_entry_type(e);
    if (t != GIT_OBJECT_TREE && t != GIT_OBJECT_BLOB)
        return 0;   /* a gitlink names another repository's commit */
    return s_set_put(payload, git_tree_entry_id(e)) < 0 ? -1 : 0;
}

/* ---- the pack stream ------------------------------------------------------ */

typedef struct {
    git_indexer *idx;
    git_indexer_progress stats;
    EVP_MD_CTX *md;
    z_stream z;
    unsigned char *out;
} packw_t;

static int s_emit(packw_t *w, const void *data, size_t len)
{
    if (EVP_DigestUpdate(w->md, data, len) != 1)
        return al_err_set(AL_ECRYPTO, "base pack: digest");
    if (git_indexer_append(w->idx, data, len, &w->stats) < 0)
        return gitops_git_err(AL_EGIT, "base pack: indexer");
    return 0;
}

/* Type and size header (pack format: 3 type bits, size in 4 + 7n bits). */
static int s_emit_header(packw_t *w, git_object_t type, size_t size)
{
    unsigned char hdr[16];
    size_t n = 0;
    unsigned char c = (unsigned char)((type << 4) | (size & 15));
    for (size >>= 4; size; size >>= 7) {
        hdr[n++] = c | 0x80;
        c = size & 0x7f;
    }
    hdr[n++] = c;
    return s_emit(w, hdr, n);
}

static int s_emit_object(packw_t *w, git_odb *odb, const git_oid *id)
{
    git_odb_object *obj = NULL;
    int rc, zr = Z_OK;

    if (git_odb_read(&obj, odb, id) < 0)
        return gitops_git_err(AL_EGIT, "base pack: read object");
    size_t size = git_odb_object_size(obj);
    if ((rc = s_emit_header(w, git_odb_object_type(obj), size)) < 0)
        goto done;
    deflateReset(&w->z);
    w->z.next_in = (Bytef *)git_odb_object_data(obj);
    w->z.avail_in = (uInt)size;   /* git_odb reads whole objects; a blob > 4 GiB is refused below */
    if ((uInt)size != size) {
        rc = al_err_set(AL_ELIMIT, "base pack: object larger than 4 GiB");
        goto done;
    }
    while (rc == 0 && zr != Z_STREAM_END) {
        w->z.next_out = w->out;
        w->z.avail_out = OUT_CHUNK;
        zr = deflate(&w->z, Z_FINISH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            rc = al_err_set(AL_EIO, "base pack: deflate %d", zr);
        else if (OUT_CHUNK - w->z.avail_out > 0)
            rc = s_emit(w, w->out, OUT_CHUNK - w->z.avail_out);
    }
done:
    git_odb_object_free(obj);
    return rc;
}

static int s_write(packw_t *w, git_odb *odb, const oidset_t *set)
{
    struct { uint32_t sig, version, count; } hdr = { htonl(0x5041434b), htonl(2), htonl((uint32_t)set->n) };
    unsigned char sum[EVP_MAX_MD_SIZE];
    unsigned sum_len = 0;
    int rc = s_emit(w, &hdr, sizeof hdr);

    for (size_t i = 0; rc == 0 && i < set->n; i++)
        rc = s_emit_object(w, odb, &set->order[i]);
    if (rc == 0 && EVP_DigestFinal_ex(w->md, sum, &sum_len) != 1)
        rc = al_err_set(AL_ECRYPTO, "base pack: digest");
    if (rc == 0 && git_indexer_append(w->idx, sum, sum_len, &w->stats) < 0)
        rc = gitops_git_err(AL_EGIT, "base pack: indexer");
    if (rc == 0 && git_indexer_commit(w->idx, &w->stats) < 0)
        rc = gitops_git_err(AL_EGIT, "base pack: index");
    return rc;
}

int gitops_basepack_write(git_repository *repo, git_tree *tree, const char *pack_dir, size_t *count)
{
    oidset_t set = { 0 };
    packw_t w = { 0 };
    git_odb *odb = NULL;
    git_indexer_options io;
    int rc = 0, z_ok = 0;

    if ((rc = s_set_put(&set, git_tree_id(tree))) < 0)
        goto done;
    if (git_tree_walk(tree, GIT_TREEWALK_PRE, s_collect, &set) < 0) {
        rc = git_error_last() ? gitops_git_err(AL_EGIT, "base pack: tree walk") : al_err_set(AL_ENOMEM, "base pack");
        goto done;
    }
    git_indexer_options_init(&io, GIT_INDEXER_OPTIONS_VERSION);
    if (git_repository_odb(&odb, repo) < 0 || git_indexer_new(&w.idx, pack_dir, 0444, NULL, &io) < 0) {
        rc = gitops_git_err(AL_EGIT, "base pack: indexer");
        goto done;
    }
    if (!(w.out = malloc(OUT_CHUNK)) || !(w.md = EVP_MD_CTX_new()) ||
        EVP_DigestInit_ex(w.md, EVP_sha1(), NULL) != 1) {
        rc = al_err_set(AL_ENOMEM, "base pack buffers");
        goto done;
    }
    if (deflateInit(&w.z, Z_BEST_SPEED) != Z_OK) {
        rc = al_err_set(AL_ENOMEM, "base pack: deflateInit");
        goto done;
    }
    z_ok = 1;
    if ((rc = s_write(&w, odb, &set)) == 0 && count)
        *count = set.n;
done:
    if (z_ok)
        deflateEnd(&w.z);
    EVP_MD_CTX_free(w.md);
    free(w.out);
    git_indexer_free(w.idx);
    git_odb_free(odb);
    free(set.slot);
    free(set.order);
    return rc;
}
