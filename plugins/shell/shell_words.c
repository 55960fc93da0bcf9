/*
 * shell_words.c: command name -> class (generated from the list in
 * shell_lex.h's sh_class_t): a switch on the length, then on the first byte,
 * so a word costs one or two jumps and at most a few memcmp.
 */
#include "shell_words.h"

#include <string.h>

/* Command names by length, then first byte: a jump table, no string scans. */
#define IS(lit, c) if (memcmp(w, lit, sizeof(lit) - 1) == 0) return SH_C_##c
sh_class_t sh_command_class(const char *w, size_t n)
{
    switch (n) {
    case 1:
        switch (w[0]) {
        case '.':
            IS(".", EVAL);
            break;
        default:
            break;
        }
        break;
    case 2:
        switch (w[0]) {
        case 'c':
            IS("cp", COPY);
            break;
        case 'd':
            IS("dd", COPY);
            break;
        case 'l':
            IS("ln", COPY);
            break;
        case 'm':
            IS("mv", COPY);
            break;
        case 'n':
            IS("nc", NC);
            break;
        case 'o':
            IS("od", ENCODER);
            break;
        case 'r':
            IS("rm", RM);
            break;
        case 's':
            IS("sh", SHELL);
            break;
        default:
            break;
        }
        break;
    case 3:
        switch (w[0]) {
        case 'a':
            IS("ash", SHELL);
            break;
        case 'e':
            IS("env", ENV);
            break;
        case 'f':
            IS("ftp", NETCOPY);
            break;
        case 'k':
            IS("ksh", SHELL);
            break;
        case 'l':
            IS("lua", INTERP);
            break;
        case 'p':
            IS("php", INTERP);
            break;
        case 's':
            IS("scp", NETCOPY);
            IS("ssh", NETCOPY);
            IS("sed", SED);
            break;
        case 't':
            IS("tee", TEE);
            break;
        case 'x':
            IS("xxd", ENCODER);
            break;
        case 'z':
            IS("zsh", SHELL);
            break;
        default:
            break;
        }
        break;
    case 4:
        switch (w[0]) {
        case 'b':
            IS("bash", SHELL);
            break;
        case 'c':
            IS("curl", FETCH);
            break;
        case 'd':
            IS("dash", SHELL);
            IS("doas", SUDO);
            break;
        case 'e':
            IS("eval", EVAL);
            IS("echo", ECHO);
            IS("exec", EXEC);
            break;
        case 'f':
            IS("fish", SHELL);
            break;
        case 'n':
            IS("node", INTERP);
            IS("ncat", NC);
            break;
        case 'p':
            IS("perl", INTERP);
            break;
        case 'r':
            IS("ruby", INTERP);
            break;
        case 's':
            IS("sudo", SUDO);
            IS("sftp", NETCOPY);
            break;
        case 'w':
            IS("wget", FETCH);
            break;
        default:
            break;
        }
        break;
    case 5:
        switch (w[0]) {
        case 'c':
            IS("chmod", CHMOD);
            break;
        case 'm':
            IS("mknod", MKFIFO);
            break;
        case 'r':
            IS("rsync", NETCOPY);
            break;
        case 's':
            IS("socat", SOCAT);
            IS("shred", WIPE);
            break;
        case 'u':
            IS("unset", UNSET);
            break;
        default:
            break;
        }
        break;
    case 6:
        switch (w[0]) {
        case 'a':
            IS("aria2c", FETCH);
            break;
        case 'b':
            IS("base64", ENCODER);
            IS("base32", ENCODER);
            break;
        case 'e':
            IS("export", ENV);
            break;
        case 'm':
            IS("mkfifo", MKFIFO);
            break;
        case 'n':
            IS("netcat", NC);
            break;
        case 'p':
            IS("python", INTERP);
            IS("printf", ECHO);
            break;
        case 's':
            IS("source", EVAL);
            break;
        case 't':
            IS("telnet", TELNET);
            break;
        default:
            break;
        }
        break;
    case 7:
        switch (w[0]) {
        case 'c':
            IS("crontab", CRONTAB);
            break;
        case 'h':
            IS("history", HISTORY);
            IS("hexdump", ENCODER);
            break;
        case 'i':
            IS("install", COPY);
            break;
        case 'p':
            IS("python2", INTERP);
            IS("python3", INTERP);
            break;
        default:
            break;
        }
        break;
    case 8:
        switch (w[0]) {
        case 't':
            IS("truncate", WIPE);
            break;
        case 'u':
            IS("uuencode", ENCODER);
            break;
        default:
            break;
        }
        break;
    default:
        break;
    }
    return SH_C_NONE;
}
#undef IS

