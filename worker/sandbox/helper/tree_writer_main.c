/*
 * tree_writer_main.c: airlock-tree-writer, the unprivileged process that
 * writes an exported workspace on the host (worker/sandbox/tree_writer.h
 * starts it; docs/SANDBOX.md "Workspace export").
 *
 *   airlock-tree-writer MAX_BYTES MAX_ENTRIES
 *   fd 0  a stream socket of AGENT_MSG_TREE frames (agent_proto.h), until EOF
 *   fd 1  where the outcome goes: "ok <entries> <bytes>\n" or "error <text>\n"
 *   fd 3  the target directory (empty, owned by this process's uid)
 *
 * It is exec'd, never a fork of the worker: none of the worker's memory
 * (keys, tokens) is in this process, which parses what a guest sent. It
 * runs as a leased uid with no capabilities and no_new_privs (set by the
 * parent); each frame is decoded by the strict agent decoder and written
 * by tree_sink (openat2 beneath fd 3). Exit: 0 written, 1 refused, 2 usage.
 */
#include "worker/guest/agent_proto.h"
#include "worker/sandbox/tree_sink.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int s_report(int rc, const tree_sink_t *s)
{
    if (rc == 0)
        dprintf(1, "ok %llu %llu\n", (unsigned long long)tree_sink_entries(s),
                (unsigned long long)tree_sink_bytes(s));
    else
        dprintf(1, "error %s\n", al_err_msg());
    return rc == 0 ? 0 : 1;
}

static int s_frame(tree_sink_t *s, const agent_msg_t *m)
{
    if (m->type != AGENT_MSG_TREE)
        return al_err_set(AL_EPROTO, "tree writer: a %s frame in a tree stream", agent_msg_type_name(m->type));
    tree_entry_t e = { .kind = m->kind, .path = m->path, .mode = m->mode, .data = m->data, .len = m->data_len };
    return tree_sink_put(s, &e);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        dprintf(1, "error usage: airlock-tree-writer MAX_BYTES MAX_ENTRIES\n");
        return 2;
    }
    umask(0);
    tree_limits_t lim = { strtoull(argv[1], NULL, 10), strtoull(argv[2], NULL, 10) };
    tree_sink_t *s = NULL;
    agent_reader_t *rd = agent_reader_new();
    int rc = rd ? tree_sink_new(&s, 3, &lim) : al_err_code();
    while (rc == 0) {
        agent_msg_t m;
        int got = agent_reader_next(rd, &m);
        if (got < 0) {
            rc = got;
        } else if (got == 1) {
            rc = s_frame(s, &m);
            agent_msg_clear(&m);
        } else if ((got = agent_reader_fill(rd, 0)) == AL_EPROTO) { /* EOF */
            if (agent_reader_buffered(rd) == 0)
                break;  /* the stream is complete */
            rc = al_err_set(AL_EPROTO, "tree writer: the stream ends inside a frame");
        } else if (got < 0 && got != AL_EAGAIN) {
            rc = got;
        }
    }
    if (rc == 0)
        rc = tree_sink_finish(s);
    int status = s_report(rc, s);
    tree_sink_destroy(&s);
    agent_reader_destroy(&rd);
    return status;
}
