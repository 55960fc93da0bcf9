/*
 * fuzz_qmp_reply.c: libFuzzer target over the QMP line parser (a jailed or
 * compromised qemu writes these lines).
 */
#include "worker/sandbox/microvm_qmp_reply.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    microvm_qmp_reply_t r;
    if (microvm_qmp_reply_parse((const char *)data, size, &r) == 0 && r.kind == MICROVM_QMP_RETURN)
        (void)microvm_restore_step(r.status);
    return 0;
}
