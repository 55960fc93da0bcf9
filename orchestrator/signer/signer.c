/*
 * signer.c: one checkpoint of airlock-signer (signer.h): decide what it
 * chains to (the state file first, the database only to catch up), look for
 * signs of tampering, sign, store, remember. Owns nothing beyond one call.
 */
#include "orchestrator/signer/signer.h"

#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STATE_MAGIC "airlock-signer-state-v1"

/* What the next checkpoint chains to. */
typedef struct {
    int64_t seq;
    uint8_t chain[32];
    int64_t head_id;
    uint8_t head_hash[32];
} link_t;

static void s_tamper(const char *what, int64_t a, int64_t b)
{
    al_error("signer.tamper", "what=\"%s\" db=%" PRId64 " signer=%" PRId64, what, a, b);
}

static int s_state_read(const char *path, link_t *st, int *have)
{
    char line[512], chain[80], hash[80];
    size_t n1 = 0, n2 = 0;
    *have = 0;
    FILE *f = fopen(path, "re");
    if (!f)
        return errno == ENOENT ? 0 : al_err_set_errno(AL_EIO, "signer state %s", path);
    int ok = fgets(line, sizeof line, f) &&
             sscanf(line, STATE_MAGIC " seq=%" SCNd64 " chain=%70s head_id=%" SCNd64 " head_hash=%70s", &st->seq,
                    chain, &st->head_id, hash) == 4 &&
             store_unhex(chain, st->chain, 32, &n1) == 0 && n1 == 32 &&
             store_unhex(hash, st->head_hash, 32, &n2) == 0 && n2 == 32 && st->seq >= 1;
    fclose(f);
    if (!ok)
        return al_err_set(AL_ESTATE, "signer state %s is malformed: restore it, or remove it to continue "
                          "from the database's last checkpoint (docs/OPERATIONS.md \"Audit chain\")", path);
    *have = 1;
    return 0;
}

/* Written to a temporary file, synced, renamed over the old one. */
static int s_state_write(const char *path, const link_t *st)
{
    char tmp[4200], chain[65], hash[65];
    store_hex(st->chain, 32, chain);
    store_hex(st->head_hash, 32, hash);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return al_err_set_errno(AL_EIO, "signer state %s", tmp);
    FILE *f = fdopen(fd, "w");
    int ok = f && fprintf(f, STATE_MAGIC " seq=%" PRId64 " chain=%s head_id=%" PRId64 " head_hash=%s\n", st->seq,
                          chain, st->head_id, hash) > 0 && fflush(f) == 0 && fsync(fd) == 0;
    if (f)
        fclose(f);
    else
        close(fd);
    if (!ok || rename(tmp, path) != 0)
        return al_err_set_errno(AL_EIO, "signer state %s", path);
    return 0;
}

static int s_link_of(const store_checkpoint_t *c, link_t *l)
{
    l->seq = c->seq;
    l->head_id = c->head_id;
    memcpy(l->head_hash, c->head_hash, 32);
    return store_checkpoint_chain_hash(c, l->chain);
}

/* The state file says where we are; the database may be one ahead (stored,
 * then the state write failed) or show tampering. */
static int s_prev(const signer_t *s, link_t *p)
{
    store_checkpoint_t last;
    int have = 0, found = 0;
    int rc = s_state_read(s->state_file, p, &have);
    if (rc == 0)
        rc = store_checkpoint_last(s->db, &last, &found);
    if (rc != 0)
        return rc;
    link_t db = { 0 };
    if (found && (rc = s_link_of(&last, &db)) != 0)
        return rc;
    if (!have) {
        if (found && !store_checkpoint_signature_ok(&last, s->key))
            return al_err_set(AL_ESTATE, "the database's last audit checkpoint (seq %" PRId64 ") is not signed by "
                              "this key (another signer, or a forgery): refusing to continue its chain", last.seq);
        if (found)
            al_warn("signer.no_state", "file=%s continue_from=%" PRId64, s->state_file, last.seq);
        *p = found ? db : (link_t){ 0 };
        return 0;
    }
    if (found && db.seq == p->seq && memcmp(db.chain, p->chain, 32) == 0)
        return 0;
    if (found && db.seq == p->seq + 1 && memcmp(last.prev, p->chain, 32) == 0 &&
        store_checkpoint_signature_ok(&last, s->key)) {
        *p = db;   /* our own, stored before the state file was written */
        return 0;
    }
    s_tamper(found ? "the database's last checkpoint is not the one this signer made last" :
                     "the database holds no checkpoint, this signer made some", found ? db.seq : 0, p->seq);
    return 0;
}

int signer_checkpoint(const signer_t *s, int final, store_checkpoint_t *out)
{
    link_t p;
    store_checkpoint_t c = { 0 };
    int rc = s_prev(s, &p);
    if (rc == 0)
        rc = store_audit_head_read(s->db, &c.head_id, c.head_hash);
    if (rc == 0 && p.head_id > 0) {
        uint8_t now[32];
        int found = 0;
        rc = store_audit_row_hash_read(s->db, p.head_id, now, &found);
        if (rc == 0 && (!found || memcmp(now, p.head_hash, 32) != 0))
            s_tamper("the row the last checkpoint names is gone or was rewritten", p.head_id, p.head_id);
    }
    if (rc != 0)
        return rc;
    if (c.head_id < p.head_id)
        s_tamper("the audit head went back", c.head_id, p.head_id);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c.seq = p.seq + 1;
    c.signed_at_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    c.interval_s = s->interval_s;
    c.final = final;
    memcpy(c.prev, p.chain, 32);
    link_t next;
    rc = store_checkpoint_sign(&c, s->key);
    if (rc == 0)
        rc = store_checkpoint_insert(s->db, &c, NULL);
    if (rc == 0)
        rc = s_link_of(&c, &next);
    if (rc == 0)
        rc = s_state_write(s->state_file, &next);
    if (rc == 0) {
        al_info("signer.checkpoint", "seq=%" PRId64 " head_id=%" PRId64 " final=%d", c.seq, c.head_id, final);
        if (out)
            *out = c;
    }
    return rc;
}
