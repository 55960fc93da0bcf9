/*
 * microvm_egress.c: the relay thread of a microVM bound to its task's egress
 * proxy (see microvm_egress.h). Owns the thread, its stop pipe and the copy
 * of the proxy socket path; the multiplexer (worker/guest/egress_mux.c) owns
 * the relayed connections.
 */
#include "worker/sandbox/microvm_egress.h"
#include "worker/guest/egress_mux.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct microvm_egress {
    pthread_t th;
    int stop[2];
    emux_t *mux;
    struct sockaddr_un sa;
    char task[64];
};

/* A new non-blocking connection to the proxy; -1 when it refuses (backlog full). */
static int s_dial(void *ctx)
{
    microvm_egress_t *e = ctx;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&e->sa, sizeof e->sa) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void *s_main(void *arg)
{
    microvm_egress_t *e = arg;
    int rc = emux_run(e->mux, e->stop[0]);
    emux_stats_t st;
    emux_stats(e->mux, &st);
    if (rc < 0)
        al_warn("sandbox.microvm.egress_ended", "task=%s err=%s msg=\"%s\" opened=%lu refused=%lu peak=%u", e->task,
                al_err_name(rc), al_err_msg(), st.opened, st.refused, st.peak);
    else
        al_debug("sandbox.microvm.egress_ended", "task=%s opened=%lu refused=%lu peak=%u", e->task, st.opened,
                 st.refused, st.peak);
    return NULL;
}

int microvm_egress_start(microvm_egress_t **out, int chan, const char *proxy_socket, const char *task_id)
{
    *out = NULL;
    microvm_egress_t *e = calloc(1, sizeof *e);
    if (!e)
        return al_err_set(AL_ENOMEM, "microvm: out of memory");
    e->stop[0] = e->stop[1] = -1;
    e->sa.sun_family = AF_UNIX;
    snprintf(e->task, sizeof e->task, "%s", task_id ? task_id : "-");
    int rc = 0;
    if (strlen(proxy_socket) >= sizeof e->sa.sun_path)
        rc = al_err_set(AL_EINVAL, "microvm: egress socket path too long: %s", proxy_socket);
    else
        memcpy(e->sa.sun_path, proxy_socket, strlen(proxy_socket) + 1);
    if (rc == 0 && pipe2(e->stop, O_CLOEXEC) < 0)
        rc = al_err_set_errno(AL_EIO, "microvm: egress stop pipe");
    emux_config_t cfg = { .role = EMUX_HOST, .chan = chan, .listen_fd = -1, .dial = s_dial, .dial_ctx = e,
                          .max_conns = MICROVM_EGRESS_MAX_CONNS };
    if (rc == 0 && !(e->mux = emux_new(&cfg)))
        rc = al_err_code();
    if (rc == 0 && (errno = pthread_create(&e->th, NULL, s_main, e)) != 0)
        rc = al_err_set_errno(AL_EIO, "microvm: egress relay thread");
    if (rc < 0) {
        emux_destroy(&e->mux);
        for (int i = 0; i < 2; i++)
            if (e->stop[i] >= 0)
                close(e->stop[i]);
        free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void microvm_egress_stop(microvm_egress_t **p)
{
    if (!p || !*p)
        return;
    microvm_egress_t *e = *p;
    *p = NULL;
    if (write(e->stop[1], "x", 1) < 0) {
        /* the pipe is ours and empty: cannot fail; the join below would hang */
    }
    pthread_join(e->th, NULL);
    emux_destroy(&e->mux);
    close(e->stop[0]);
    close(e->stop[1]);
    free(e);
}
