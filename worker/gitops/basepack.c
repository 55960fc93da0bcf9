/*
 * basepack.c: the one pack of a base tree's objects, written once per base
 * cache entry (basecache.c) and seen by every stage's sandbox repository on
 * that base as a lower layer of its overlay (`.git/objects/pack`, layer.c),
 * so a stage's own `.git` only adds what the stage's tree changed
 * (sandbox_repo.c).
 *
 * libgit2's packbuilder searches deltas over every object and compresses at
 * zlib's default level: minutes for a 78k-file tree. This pack holds every
 * tree and blob reachable from the tree exactly once (gitlinks are not
 * objects of this repository). An object stored in one of the repository's
 * or its mirror's packs whole, or as a delta against another object of this
 * pack, is copied as stored (packsrc.c; an offset delta gets its new
 * distance to its base, which source order writes first); any other is
 * inflated and deflated at Z_BEST_SPEED. The pack is written straight to its
 * file and its version 2 .idx from what was recorded on the way (id, offset,
 * CRC-32 of each entry): libgit2's indexer would inflate and hash every
 * object again and map a window per object. Both are written as tmp-base.*
 * and named pack-<checksum> only when whole. No commit and no tag: those
 * differ between commits with the same tree and go into each stage's own
 * pack.
 *
 * Owns: the object id set, the entry table, the zlib stream, the digest
 * context and the file descriptors of one call.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "common/error.h"
#include "common/log.h"
#include "worker/gitops/gitops_internal.h"

#define OUT_CHUNK (1u << 20)
#ifndef BASEPACK_ZLEVEL
#define BASEPACK_ZLEVEL Z_BEST_SPEED
#endif

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

static int s_set_has(const oidset_t *s, const git_oid *id)
{
    static const git_oid zero;
    for (size_t i = s_hash(id) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!memcmp(&s->slot[i], &zero, sizeof zero))
            return 0;
        if (git_oid_equal(&s->slot[i], id))
            return 1;
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

/* ---- the pack and its index ----------------------------------------------- */

typedef struct {
    git_oid id;
    uint64_t offset;        /* in the new pack */
    uint32_t crc;
    int found;              /* stored in a source pack, at src */
    gitops_packloc_t src;
} entry_t;

typedef struct {
    int fd;
    uint64_t pos;           /* bytes of the pack written so far */
    EVP_MD_CTX *md;         /* the pack's trailing checksum */
    z_stream z;
    unsigned char *out;     /* deflate output */
    unsigned char *buf;     /* write buffer */
    size_t buf_len;
    uint32_t crc;           /* of the current object's bytes */
    size_t reused;          /* entries copied from a source pack */
} packw_t;

static int s_flush(packw_t *w)
{
    for (size_t off = 0; off < w->buf_len;) {
        ssize_t n = write(w->fd, w->buf + off, w->buf_len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return al_err_set_errno(AL_EIO, "base pack: write");
        off += (size_t)n;
    }
    w->buf_len = 0;
    return 0;
}

static int s_emit(packw_t *w, const void *data, size_t len)
{
    if (EVP_DigestUpdate(w->md, data, len) != 1)
        return al_err_set(AL_ECRYPTO, "base pack: digest");
    w->crc = (uint32_t)crc32(w->crc, data, (uInt)len);
    w->pos += len;
    while (len > 0) {
        size_t n = OUT_CHUNK - w->buf_len < len ? OUT_CHUNK - w->buf_len : len;
        memcpy(w->buf + w->buf_len, data, n);
        w->buf_len += n;
        data = (const unsigned char *)data + n;
        len -= n;
        if (w->buf_len == OUT_CHUNK && s_flush(w) < 0)
            return AL_EIO;
    }
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

static int s_emit_object(packw_t *w, git_odb *odb, entry_t *e)
{
    git_odb_object *obj = NULL;
    int rc, zr = Z_OK;

    if (git_odb_read(&obj, odb, &e->id) < 0)
        return gitops_git_err(AL_EGIT, "base pack: read object");
    size_t size = git_odb_object_size(obj);
    e->offset = w->pos;
    w->crc = (uint32_t)crc32(0, NULL, 0);
    if ((uInt)size != size) {   /* git_odb reads whole objects */
        rc = al_err_set(AL_ELIMIT, "base pack: object larger than 4 GiB");
        goto done;
    }
    if ((rc = s_emit_header(w, git_odb_object_type(obj), size)) < 0)
        goto done;
    deflateReset(&w->z);
    w->z.next_in = (Bytef *)git_odb_object_data(obj);
    w->z.avail_in = (uInt)size;
    while (rc == 0 && zr != Z_STREAM_END) {
        w->z.next_out = w->out;
        w->z.avail_out = OUT_CHUNK;
        zr = deflate(&w->z, Z_FINISH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
            rc = al_err_set(AL_EIO, "base pack: deflate %d", zr);
        else if (OUT_CHUNK - w->z.avail_out > 0)
            rc = s_emit(w, w->out, OUT_CHUNK - w->z.avail_out);
    }
    e->crc = w->crc;
done:
    git_odb_object_free(obj);
    return rc;
}

/* ---- reuse: an entry's stored bytes copied from the source pack ------------- */

/* Length of the type/size header of a stored entry, 0 if it does not parse. */
static size_t s_entry_header(const unsigned char *d, size_t len, int *type)
{
    size_t i = 0;
    if (len < 2)
        return 0;
    unsigned char c = d[i++];
    *type = (c >> 4) & 7;
    while (c & 0x80) {
        if (i >= len || i > 10)
            return 0;
        c = d[i++];
    }
    return i;
}

static int s_loc_cmp(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->found != y->found)
        return x->found ? -1 : 1;
    if (x->src.pack != y->src.pack)
        return x->src.pack < y->src.pack ? -1 : 1;
    return x->src.offset < y->src.offset ? -1 : x->src.offset > y->src.offset;
}

/* An OFS_DELTA entry whose base was already copied: same header, the
 * distance to the base as it is in the new pack, the same delta data.
 * 1 done, 0 base not copied (the caller falls back), <0 error. */
static int s_reuse_ofs(packw_t *w, entry_t *e, size_t i, entry_t *done_list, const unsigned char *d, size_t len,
                       size_t h)
{
    size_t j = h;
    uint64_t rel = d[j] & 127;
    for (unsigned char c = d[j++]; c & 128;) {
        if (j >= len || j - h > 9)
            return 0;
        c = d[j++];
        rel = ((rel + 1) << 7) + (c & 127);
    }
    if (rel == 0 || rel > e->src.offset || j >= len)
        return 0;
    entry_t key = { .found = 1, .src = { e->src.pack, e->src.offset - rel } };
    entry_t *base = bsearch(&key, done_list, i, sizeof *done_list, s_loc_cmp);
    if (!base || base->crc == UINT32_MAX)   /* not in the base pack, or not copied */
        return 0;
    unsigned char v[16];
    size_t pos = sizeof v - 1;
    uint64_t nrel = w->pos - base->offset;
    v[pos] = nrel & 127;
    while (nrel >>= 7)
        v[--pos] = (unsigned char)(128 | (--nrel & 127));
    int rc;
    if ((rc = s_emit(w, d, h)) < 0 || (rc = s_emit(w, v + pos, sizeof v - pos)) < 0 ||
        (rc = s_emit(w, d + j, len - j)) < 0)
        return rc;
    return 1;
}

/* Entry i (e[0..i) already written, in source order) copied from its source
 * pack when its stored form stands alone or leans on an object of this pack.
 * 1 copied, 0 not (the caller inflates and deflates it), <0 error. */
static int s_reuse(packw_t *w, const gitops_packsrc_t *src, const oidset_t *set, entry_t *e, size_t i)
{
    const unsigned char *d;
    size_t len, h;
    int type, rc = 0;
    if (!src || !e[i].found || !gitops_packsrc_entry(src, &e[i].src, &d, &len) ||
        !(h = s_entry_header(d, len, &type)))
        return 0;
    uint64_t start = w->pos;
    w->crc = (uint32_t)crc32(0, NULL, 0);
    if (type >= GIT_OBJECT_COMMIT && type <= GIT_OBJECT_TAG)
        rc = s_emit(w, d, len) < 0 ? AL_EIO : 1;
    else if (type == GIT_OBJECT_REF_DELTA && len > h + 20) {
        git_oid b;
        memcpy(b.id, d + h, 20);
        rc = s_set_has(set, &b) ? (s_emit(w, d, len) < 0 ? AL_EIO : 1) : 0;
    } else if (type == GIT_OBJECT_OFS_DELTA)
        rc = s_reuse_ofs(w, &e[i], i, e, d, len, h);
    if (rc == 1) {
        e[i].offset = start;
        e[i].crc = w->crc;
    }
    return rc;
}

static int s_oid_cmp(const void *a, const void *b)
{
    return git_oid_cmp(&((const entry_t *)a)->id, &((const entry_t *)b)->id);
}

static void s_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The version 2 .idx of entries e[0..n) (sorted here) into fd: fan-out,
 * ids, CRC-32s, offsets (31 bits, else an index into the 64-bit table), the
 * pack's checksum, then the index's own SHA-1. */
static int s_write_idx(int fd, entry_t *e, size_t n, const unsigned char *pack_sum)
{
    size_t nlarge = 0, size = 8 + 1024 + n * 28 + 40;
    for (size_t i = 0; i < n; i++)
        nlarge += e[i].offset >= 0x80000000u;
    size += nlarge * 8;
    unsigned char *b = calloc(1, size), *p = b;
    if (!b)
        return al_err_set(AL_ENOMEM, "base pack index");
    qsort(e, n, sizeof *e, s_oid_cmp);
    memcpy(p, "\377tOc", 4), s_put32(p + 4, 2), p += 8;
    for (size_t i = 0, k = 0; i < 256; i++, p += 4) {
        while (k < n && e[k].id.id[0] <= i)
            k++;
        s_put32(p, (uint32_t)k);
    }
    for (size_t i = 0; i < n; i++, p += GIT_OID_RAWSZ)
        memcpy(p, e[i].id.id, GIT_OID_RAWSZ);
    for (size_t i = 0; i < n; i++, p += 4)
        s_put32(p, e[i].crc);
    unsigned char *large = p + 4 * n;
    for (size_t i = 0, l = 0; i < n; i++, p += 4) {
        if (e[i].offset < 0x80000000u) {
            s_put32(p, (uint32_t)e[i].offset);
            continue;
        }
        s_put32(p, 0x80000000u | (uint32_t)l);
        s_put32(large + 8 * l, (uint32_t)(e[i].offset >> 32));
        s_put32(large + 8 * l++ + 4, (uint32_t)e[i].offset);
    }
    p = large + 8 * nlarge;
    memcpy(p, pack_sum, 20), p += 20;
    unsigned len = 0;
    int rc = EVP_Digest(b, (size_t)(p - b), p, &len, EVP_sha1(), NULL) == 1 ? 0
             : al_err_set(AL_ECRYPTO, "base pack index: digest");
    for (size_t off = 0; rc == 0 && off < size;) {
        ssize_t k = write(fd, b + off, size - off);
        if (k <= 0 && errno != EINTR)
            rc = al_err_set_errno(AL_EIO, "base pack index: write");
        off += k > 0 ? (size_t)k : 0;
    }
    free(b);
    return rc;
}

/* pack_dir/tmp-<what> -> pack_dir/pack-<sum>.<what>, made read-only. */
static int s_publish(const char *pack_dir, const char *what, const char *hex)
{
    char from[PATH_MAX + 32], to[PATH_MAX + 64];
    snprintf(from, sizeof from, "%s/tmp-base.%s", pack_dir, what);
    snprintf(to, sizeof to, "%s/pack-%s.%s", pack_dir, hex, what);
    if (chmod(from, 0444) < 0 || rename(from, to) < 0)
        return al_err_set_errno(AL_EIO, "base pack: rename %s", to);
    return 0;
}

static int s_open_tmp(const char *pack_dir, const char *what)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/tmp-base.%s", pack_dir, what);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    return fd >= 0 ? fd : al_err_set_errno(AL_EIO, "create %s", path);
}

static int s_write(packw_t *w, git_odb *odb, const gitops_packsrc_t *src, const oidset_t *set,
                   const char *pack_dir)
{
    struct { uint32_t sig, version, count; } hdr = { htonl(0x5041434b), htonl(2), htonl((uint32_t)set->n) };
    unsigned char sum[EVP_MAX_MD_SIZE];
    char hex[2 * 20 + 1];
    unsigned sum_len = 0;
    entry_t *e = calloc(set->n ? set->n : 1, sizeof *e);
    int rc = e ? s_emit(w, &hdr, sizeof hdr) : al_err_set(AL_ENOMEM, "base pack entries");

    for (size_t i = 0; rc == 0 && i < set->n; i++) {
        e[i].id = set->order[i];
        e[i].crc = UINT32_MAX;   /* not written yet (s_reuse_ofs) */
        e[i].found = src && gitops_packsrc_find(src, &e[i].id, &e[i].src);
    }
    if (rc == 0)   /* source order: a delta's base (earlier in its pack) is copied first */
        qsort(e, set->n, sizeof *e, s_loc_cmp);
    for (size_t i = 0; rc == 0 && i < set->n; i++) {
        if ((rc = s_reuse(w, src, set, e, i)) == 0)
            rc = s_emit_object(w, odb, &e[i]);
        else if (rc == 1) {
            w->reused++;
            rc = 0;
        }
    }
    if (rc == 0 && EVP_DigestFinal_ex(w->md, sum, &sum_len) != 1)
        rc = al_err_set(AL_ECRYPTO, "base pack: digest");
    if (rc == 0 && (w->buf_len + sum_len > OUT_CHUNK ? s_flush(w) : 0) == 0) {
        memcpy(w->buf + w->buf_len, sum, sum_len);
        w->buf_len += sum_len;
        rc = s_flush(w);
    } else if (rc == 0) {
        rc = AL_EIO;
    }
    if (rc == 0 && fsync(w->fd) < 0)
        rc = al_err_set_errno(AL_EIO, "base pack: fsync");
    int ifd = rc == 0 ? s_open_tmp(pack_dir, "idx") : -1;
    if (rc == 0 && ifd < 0)
        rc = ifd;
    if (rc == 0 && (rc = s_write_idx(ifd, e, set->n, sum)) == 0 && fsync(ifd) < 0)
        rc = al_err_set_errno(AL_EIO, "base pack index: fsync");
    if (ifd >= 0)
        close(ifd);
    for (unsigned i = 0; i < 20; i++)
        snprintf(hex + 2 * i, 3, "%02x", sum[i]);
    if (rc == 0 && (rc = s_publish(pack_dir, "pack", hex)) == 0)
        rc = s_publish(pack_dir, "idx", hex);   /* the .idx last: git looks for packs by it */
    free(e);
    return rc;
}

int gitops_basepack_write(git_repository *repo, git_tree *tree, const char *pack_dir, size_t *count, size_t *reused)
{
    gitops_packsrc_t *src = NULL;
    oidset_t set = { 0 };
    packw_t w = { .fd = -1 };
    git_odb *odb = NULL;
    int rc = 0, z_ok = 0;

    if ((rc = s_set_put(&set, git_tree_id(tree))) < 0)
        goto done;
    if (git_tree_walk(tree, GIT_TREEWALK_PRE, s_collect, &set) < 0) {
        rc = git_error_last() ? gitops_git_err(AL_EGIT, "base pack: tree walk") : al_err_set(AL_ENOMEM, "base pack");
        goto done;
    }
    if (git_repository_odb(&odb, repo) < 0) {
        rc = gitops_git_err(AL_EGIT, "base pack: object database");
        goto done;
    }
    if (!(w.out = malloc(OUT_CHUNK)) || !(w.buf = malloc(OUT_CHUNK)) || !(w.md = EVP_MD_CTX_new()) ||
        EVP_DigestInit_ex(w.md, EVP_sha1(), NULL) != 1) {
        rc = al_err_set(AL_ENOMEM, "base pack buffers");
        goto done;
    }
    if (deflateInit(&w.z, BASEPACK_ZLEVEL) != Z_OK) {
        rc = al_err_set(AL_ENOMEM, "base pack: deflateInit");
        goto done;
    }
    z_ok = 1;
    if ((w.fd = s_open_tmp(pack_dir, "pack")) < 0) {
        rc = w.fd;
        goto done;
    }
    gitops_packsrc_open(&src, git_repository_path(repo));   /* none: every object inflated and deflated */
    if ((rc = s_write(&w, odb, src, &set, pack_dir)) == 0 && count)
        *count = set.n;
    if (rc == 0 && reused)
        *reused = w.reused;
done:
    gitops_packsrc_close(&src);
    if (w.fd >= 0)
        close(w.fd);
    if (z_ok)
        deflateEnd(&w.z);
    EVP_MD_CTX_free(w.md);
    free(w.out);
    free(w.buf);
    git_odb_free(odb);
    free(set.slot);
    free(set.order);
    return rc;
}
