/*
 * proc_launch.h: starting the real processes of a test or benchmark
 * (airlockd, workers, the signer, helper servers) the one way: a loopback
 * port nobody listens on, and a child in its own process group with its
 * output in a log file that dies with the test.
 */
#ifndef AIRLOCK_TEST_PROC_LAUNCH_H
#define AIRLOCK_TEST_PROC_LAUNCH_H

#include <stdarg.h>
#include <sys/types.h>

/* A loopback TCP port that was just bound and closed without listening (so
 * the next bind gets it, and connecting to it meanwhile is refused); -1 on
 * failure. */
int launch_unused_port(void);

/* fork + execv(argv[0], argv): the child gets SIGKILL when the caller dies,
 * its own process group, stdout and stderr appended to log_path. The pid, or
 * -1 when fork failed (exec failures exit the child with 127). */
pid_t launch_spawn(const char *const *argv, const char *log_path);

/* system() of a printf-formatted command line (at most 8 KiB): 0, or -1 with
 * the command and its status on stderr. */
int launch_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int launch_shellv(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
