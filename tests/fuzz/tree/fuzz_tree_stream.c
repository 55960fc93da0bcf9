/*
 * fuzz_tree_stream.c: libFuzzer target for the decoder a guest's exported
 * workspace goes through on the host: agent frames (agent_proto.c), the
 * entry rules (worker/guest/tree.c) and the writer (worker/sandbox/
 * tree_sink.c), for real, into a scratch directory. The input is a byte
 * stream of frames, as airlock-tree-writer reads it. Invariants (abort on
 * violation): nothing appears beside the target (a canary directory next to
 * it stays empty), and the target holds only directories, regular files and
 * symlinks, none with a setuid, setgid or sticky bit.
 */
#include "worker/guest/agent_proto.h"
#include "worker/sandbox/tree_sink.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char s_root[64], s_target[96], s_canary[96];
static mode_t s_host_root_mode;   /* "/" must keep it: cleanup never acts through a link */

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    /* a deferred 0000 directory must still go; never chmod through a symlink
     * (chmod follows it: a fuzzed link to / made the host's root 0700) */
    if (flag == FTW_D || flag == FTW_DP || flag == FTW_DNR)
        chmod(path, 0700);
    remove(path);
    return 0;
}

static int s_check(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path, (void)flag, (void)ftw;
    if (!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode) && !S_ISLNK(st->st_mode))
        abort();
    if (!S_ISLNK(st->st_mode) && (st->st_mode & 07000))
        abort();
    return 0;
}

/* The scratch directory goes with the process (the canary and the root). */
static void s_cleanup(void)
{
    if (s_root[0]) {
        rmdir(s_canary);
        rmdir(s_root);
    }
}

static void s_setup(void)
{
    if (s_root[0])
        return;
    atexit(s_cleanup);
    snprintf(s_root, sizeof s_root, "/tmp/airlock-fuzz-tree-%d", (int)getpid());
    snprintf(s_target, sizeof s_target, "%s/target", s_root);
    snprintf(s_canary, sizeof s_canary, "%s/canary", s_root);
    struct stat st;
    if (stat("/", &st) < 0)
        abort();
    s_host_root_mode = st.st_mode;
    umask(0);
    if ((mkdir(s_root, 0700) < 0 && access(s_root, F_OK) < 0) || (mkdir(s_canary, 0700) < 0 && access(s_canary, F_OK) < 0))
        abort();
}

static void s_feed(tree_sink_t *sink, const uint8_t *data, size_t size)
{
    size_t off = 0;
    while (size - off >= 4) {
        size_t len = (size_t)data[off] << 24 | (size_t)data[off + 1] << 16 | (size_t)data[off + 2] << 8 | data[off + 3];
        off += 4;
        if (len > size - off)
            return;
        agent_msg_t m;
        if (agent_frame_decode((const char *)data + off, len, &m) == 0 && m.type == AGENT_MSG_TREE) {
            tree_entry_t e = { .kind = m.kind, .path = m.path, .mode = m.mode, .data = m.data, .len = m.data_len };
            tree_sink_put(sink, &e);
        }
        agent_msg_clear(&m);
        off += len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_setup();
    if (mkdir(s_target, 0700) < 0)
        abort();
    int fd = open(s_target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    tree_limits_t lim = { 1u << 20, 256 };
    tree_sink_t *sink = NULL;
    if (fd < 0 || tree_sink_new(&sink, fd, &lim) != 0)
        abort();
    s_feed(sink, data, size);
    tree_sink_finish(sink);
    tree_sink_destroy(&sink);
    nftw(s_target, s_check, 16, FTW_PHYS);
    DIR *d = opendir(s_canary);
    int outside = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        outside += e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, ".."));
    if (d)
        closedir(d);
    if (outside || access(s_root, F_OK) < 0)
        abort();
    chmod(s_target, 0700);
    nftw(s_target, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    struct stat st;
    if (stat("/", &st) < 0 || st.st_mode != s_host_root_mode)
        abort();
    return 0;
}
