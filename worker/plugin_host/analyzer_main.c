/*
 * analyzer_main.c: airlock-analyzer, the analyzer host. The worker starts
 * one per plugin probe or run (runner.c, interface in plugin_host_child.h):
 * it confines itself (parent-death signal, no new privileges, only fds 0,
 * 3 and 4, rlimits on address space, CPU, file size and core dumps), maps
 * the view from its input memfd read-only, opens the plugin and, when
 * started as root, drops to ANALYZER_UID (no groups, no capabilities)
 * before a byte of the plugin runs, then hands over to child.c. Being an
 * exec, it holds none of the worker's memory and none of its locks.
 * Owns the input mapping and the decoded view until it exits.
 */
#include "worker/plugin_host/plugin_host_child.h"

#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <grp.h>
#include <unistd.h>

typedef struct {
    int run;
    const char *plugin;
    pid_t parent;
    uint64_t memory, cpu_s, max_findings;
} args_t;

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, args_t *a)
{
    uint64_t parent = 0;
    memset(a, 0, sizeof *a);
    a->run = argc == 7 && strcmp(argv[1], "run") == 0;
    if (!a->run && !(argc == 6 && strcmp(argv[1], "probe") == 0))
        return -1;
    a->plugin = argv[2];
    if (parse_u64(argv[3], INT32_MAX, &parent) != 0 || parent < 1
        || parse_u64(argv[4], UINT64_MAX / 2, &a->memory) != 0 || parse_u64(argv[5], 1u << 20, &a->cpu_s) != 0
        || (a->run && parse_u64(argv[6], 100000, &a->max_findings) != 0))
        return -1;
    a->parent = (pid_t)parent;
    return 0;
}

static uint64_t vm_size_bytes(void)
{
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void limit(int res, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = { soft, hard };
    setrlimit(res, &rl);
}

/* RLIMIT_AS counts what is mapped already (the input, a lot under ASan):
 * the budget is on top of the current size. */
static void set_limits(const args_t *a)
{
    uint64_t as = vm_size_bytes() + a->memory;
    limit(RLIMIT_AS, as, as);
    limit(RLIMIT_CPU, a->cpu_s, a->cpu_s + 1);
    limit(RLIMIT_FSIZE, 0, 0);
    limit(RLIMIT_CORE, 0, 0);
}

/* Maps fd 4 and decodes it; on failure reports on the pipe and exits. */
static void map_input(input_blob_view_t *v)
{
    struct stat st;
    const char *why = NULL;
    void *m = MAP_FAILED;
    if (fstat(CHILD_INPUT_FD, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
        why = "the input descriptor is not a non-empty file";
    else if ((m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, CHILD_INPUT_FD, 0)) == MAP_FAILED)
        why = "cannot map the input";
    else if (input_blob_read(m, (size_t)st.st_size, v) != 0)
        why = al_err_msg();
    close(CHILD_INPUT_FD);
    if (why) {
        wire_send_error(CHILD_FD, why);
        _exit(0);
    }
}

/* Read by AddressSanitizer's runtime when this program is built with it (the
 * ASan test build; unused otherwise): a plugin's crash must end the analyzer
 * host with its signal, as in a normal build, not with a report and exit
 * status 1; leaks do not matter in a process that ends in _exit. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:handle_sigill=0:detect_leaks=0";
}

/* Opens the plugin as the caller, then, when root, becomes ANALYZER_UID and
 * returns the path dlopen loads it by (/proc/self/fd/N: a process may
 * always open its own fds, whatever its uid). Failures are reported on the
 * pipe and end the process. */
static const char *drop_privileges(const char *plugin, char *buf, size_t size)
{
    if (geteuid() != 0)
        return plugin;
    int fd = open(plugin, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const char *slash = strrchr(plugin, '/');
        char msg[4400];
        snprintf(msg, sizeof msg, "plugin %s: cannot load: %s: %s", slash ? slash + 1 : plugin, plugin,
                 strerror(errno));
        wire_send_error(CHILD_FD, msg);
        _exit(0);
    }
    if (setgroups(0, NULL) != 0 || setresgid(ANALYZER_UID, ANALYZER_UID, ANALYZER_UID) != 0
        || setresuid(ANALYZER_UID, ANALYZER_UID, ANALYZER_UID) != 0 || getuid() != ANALYZER_UID) {
        wire_send_error(CHILD_FD, "cannot drop to the analyzer uid");
        _exit(0);
    }
    snprintf(buf, size, "/proc/self/fd/%d", fd);
    return buf;
}

int main(int argc, char **argv)
{
    args_t a;
    if (parse_args(argc, argv, &a) != 0) {
        fprintf(stderr, "usage: airlock-analyzer probe PLUGIN PARENT_PID MEMORY_BYTES CPU_S\n"
                        "       airlock-analyzer run PLUGIN PARENT_PID MEMORY_BYTES CPU_S MAX_FINDINGS\n"
                        "(started by airlock-worker: fd 3 is the result pipe, fd 4 the input)\n");
        return 2;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != a.parent)
        _exit(120); /* the worker is already gone */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || fcntl(CHILD_FD, F_GETFD) < 0)
        _exit(121);
    close_range(a.run ? CHILD_INPUT_FD + 1 : CHILD_FD + 1, ~0u, 0);
    input_blob_view_t view;
    if (a.run)
        map_input(&view);
    set_limits(&a);
    char fdpath[64];
    const char *load = drop_privileges(a.plugin, fdpath, sizeof fdpath);
    child_main(load, a.plugin, a.run ? &view : NULL, (unsigned)a.max_findings);
}
