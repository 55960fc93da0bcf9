/*
 * workload_seccomp.h: the one syscall filter every workload runs under (ns,
 * gVisor, and the microVM guest's commands): a default-allow filter with a deny
 * list of kernel attack surface and namespace escapes, an allow-list of socket
 * families (AF_UNIX, AF_INET, AF_INET6, NETLINK_ROUTE), native x86-64 only.
 * workload_seccomp.c says what and why. Self-contained (libseccomp and
 * common/error only) so that the static guest agent links it too.
 */
#ifndef AIRLOCK_WORKLOAD_SECCOMP_H
#define AIRLOCK_WORKLOAD_SECCOMP_H

#include <linux/filter.h>
#include <linux/seccomp.h>

typedef struct {
    struct sock_filter *filter;  /* owned */
    unsigned short len;
} workload_bpf_t;

/* Compiles the filter into *out (allocates; free with workload_seccomp_free).
 * 0 or AL_ESANDBOX / AL_ENOMEM with the reason recorded. */
int workload_seccomp_build(workload_bpf_t *out);
/* The process's one compiled program, built on first use (thread-safe) and
 * kept for the life of the process: every sandbox of a driver applies the
 * same filter, so it is compiled once, not per sandbox. *out is lent, never
 * freed. 0 or AL_ESANDBOX / AL_ENOMEM with the reason recorded (every call). */
int workload_seccomp_shared(const workload_bpf_t **out);
/* Frees the program; NULL-safe, idempotent. */
void workload_seccomp_free(workload_bpf_t *bpf);
/* In the process about to exec the workload: sets no_new_privs and loads the
 * program. Allocates nothing (safe after fork). 0 or -errno. */
int workload_seccomp_apply(const workload_bpf_t *bpf);

#endif
