/*
 * fuzz_proto_decode.c: libFuzzer target for the protocol decoder.
 *
 * Every input is decoded on both channels. A decode must never crash or
 * leak (ASan/LSan/UBSan watch). When it succeeds, the message must encode
 * (the decoder accepts nothing the encoder refuses), the encoding must decode
 * to an equal message, and encoding that again must give identical bytes.
 * Any violation aborts, which libFuzzer reports as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/proto/proto.h"

static void s_die(const char *what, proto_channel_t ch)
{
    fprintf(stderr, "fuzz_proto_decode: %s on channel %s: %s\n", what, proto_channel_name(ch), al_err_msg());
    abort();
}

static void s_check(proto_channel_t ch, const uint8_t *data, size_t size)
{
    proto_msg_t *msg = NULL, *again = NULL;
    char *bytes = NULL, *bytes2 = NULL;
    size_t len = 0, len2 = 0;
    if (proto_decode(ch, data, size, &msg) != 0) {
        if (msg || proto_last_error() == PROTO_ERR_NONE)
            s_die("failed decode left a message or no error class", ch);
        return;
    }
    if (proto_type_channel(msg->type) != ch)
        s_die("decoded a message of the other channel", ch);
    if (proto_encode(msg, &bytes, &len) != 0)
        s_die("decoded message does not encode", ch);
    if (len > size)
        s_die("canonical encoding is longer than the input", ch);
    if (proto_decode(ch, bytes, len, &again) != 0)
        s_die("re-encoded message does not decode", ch);
    if (!proto_msg_equal(msg, again))
        s_die("re-decoded message differs", ch);
    if (proto_encode(again, &bytes2, &len2) != 0 || len2 != len || memcmp(bytes, bytes2, len) != 0)
        s_die("encoding is not stable", ch);
    free(bytes);
    free(bytes2);
    proto_msg_destroy(&msg);
    proto_msg_destroy(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    s_check(PROTO_CH_WORKER, data, size);
    s_check(PROTO_CH_CLIENT, data, size);
    return 0;
}
