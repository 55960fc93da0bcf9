/*
 * fuzz_agent_frame.c: libFuzzer target for the guest agent codec
 * (worker/guest/agent_proto.c), which decodes what a possibly compromised
 * guest sends. The input is used twice: as the byte stream the host reads
 * from the guest's port (through agent_reader over a memfd, so frame
 * headers, size limits and partial frames are exercised), and as one frame
 * payload for agent_frame_decode. Invariants (abort on violation): every
 * message the decoder accepts encodes again, and its encoding decodes to a
 * message of the same type, id and vector/data sizes.
 */
#include "worker/guest/agent_proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_roundtrip(const agent_msg_t *m)
{
    char *frame = NULL;
    size_t len = 0;
    if (agent_frame_encode(m, &frame, &len) != 0 || len < 4)
        abort();
    agent_msg_t again;
    memset(&again, 0, sizeof again);
    if (agent_frame_decode(frame + 4, len - 4, &again) != 0)
        abort();
    if (again.type != m->type || again.id != m->id || again.argc != m->argc || again.envc != m->envc ||
        again.data_len != m->data_len || (m->data_len && memcmp(again.data, m->data, m->data_len) != 0))
        abort();
    agent_msg_clear(&again);
    free(frame);
}

static void s_stream(const uint8_t *data, size_t size)
{
    int fd = memfd_create("agent", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    lseek(fd, 0, SEEK_SET);
    agent_reader_t *r = agent_reader_new();
    if (!r)
        abort();
    for (int frames = 0; frames < 256;) {
        agent_msg_t m;
        memset(&m, 0, sizeof m);
        int rc = agent_reader_next(r, &m);
        if (rc < 0)
            break;                    /* malformed: the stream is lost, as on the host */
        if (rc == 1) {
            s_roundtrip(&m);
            agent_msg_clear(&m);
            frames++;
            continue;
        }
        if (agent_reader_fill(r, fd) != 0)
            break;                    /* EOF (a partial frame stays buffered) */
    }
    agent_reader_destroy(&r);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_stream(data, size);
    agent_msg_t m;
    memset(&m, 0, sizeof m);
    if (agent_frame_decode((const char *)data, size, &m) == 0)
        s_roundtrip(&m);
    agent_msg_clear(&m);
    return 0;
}
