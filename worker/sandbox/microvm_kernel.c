/*
 * microvm_kernel.c: the guest kernel's build config checked against what the
 * guest agent and the driver use (microvm_kernel.h). Owns nothing.
 */
#include "worker/sandbox/microvm_kernel.h"
#include "common/error.h"

#include <stdio.h>
#include <string.h>

/* Built in (=y): the guest loads no modules. */
static const char *const s_needed[] = {
    "VIRTIO_MMIO",    /* every device of -M microvm */
    "VIRTIO_BLK",     /* workspace and environment disks */
    "VIRTIO_CONSOLE", /* the agent's "cmd" port and the "egress" port */
    "NET_9P_VIRTIO",  /* /usr from qemu's 9p server */
    "9P_FS",
    "EXT4_FS",        /* the workspace */
    "EROFS_FS",       /* environments */
};
#define N_NEEDED (sizeof s_needed / sizeof s_needed[0])

static void s_mark(const char *line, int *have)
{
    for (size_t i = 0; i < N_NEEDED; i++) {
        size_t n = strlen(s_needed[i]);
        if (strncmp(line, "CONFIG_", 7) == 0 && strncmp(line + 7, s_needed[i], n) == 0 &&
            strcmp(line + 7 + n, "=y\n") == 0)
            have[i] = 1;
    }
}

int microvm_kernel_check(const char *kernel)
{
    char path[1024], line[256];
    const char *slash = strrchr(kernel, '/');
    int dir = slash ? (int)(slash - kernel) : 1;
    if (snprintf(path, sizeof path, "%.*s/config", dir, slash ? kernel : ".") >= (int)sizeof path)
        return al_err_set(AL_EINVAL, "microvm: guest kernel path too long: %s", kernel);
    FILE *f = fopen(path, "re");
    if (!f)
        return al_err_set(AL_ENOTFOUND, "microvm: no build config beside the guest kernel (%s): build the kernel "
                                        "with scripts/build-guest-kernel, which writes it", path);
    int have[N_NEEDED] = { 0 };
    while (fgets(line, sizeof line, f))
        s_mark(line, have);
    fclose(f);
    char missing[256] = "";
    for (size_t i = 0; i < N_NEEDED; i++)
        if (!have[i] && strlen(missing) + strlen(s_needed[i]) + 10 < sizeof missing)
            strcat(missing, missing[0] ? ", CONFIG_" : "CONFIG_"), strcat(missing, s_needed[i]);
    if (missing[0])
        return al_err_set(AL_EINVAL, "microvm: the guest kernel %s lacks %s (built in, =y; see %s): build it "
                                     "with scripts/build-guest-kernel", kernel, missing, path);
    return 0;
}
