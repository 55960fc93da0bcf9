/*
 * sni.h: a bounded parser for the first TLS record of a client, returning the
 * server_name (SNI) of a ClientHello. Internal to worker/egress (tests and
 * fuzzing include it). Reads only buf[0..len), never allocates, never trusts a
 * length field; every input gives one of the results below.
 */
#ifndef AIRLOCK_EGRESS_SNI_H
#define AIRLOCK_EGRESS_SNI_H

#include <stddef.h>
#include <stdint.h>

#define EGRESS_TLS_RECORD_MAX (5 + 16384) /* header + largest plaintext record */

typedef enum {
    EGRESS_TLS_SNI = 0,       /* ClientHello with a host_name; copied to out */
    EGRESS_TLS_NO_SNI,        /* well-formed ClientHello without server_name */
    EGRESS_TLS_NEED_MORE,     /* a TLS handshake record so far; read more bytes */
    EGRESS_TLS_NOT_TLS,       /* the bytes are not a TLS handshake record */
    EGRESS_TLS_MALFORMED,     /* looks like TLS but breaks a length or field rule,
                                 or the ClientHello does not fit in the first record */
} egress_tls_result_t;

/* out receives the SNI (NUL-terminated, as sent) when the result is
 * EGRESS_TLS_SNI; outsz must be >= 256. */
egress_tls_result_t egress_sni_parse(const uint8_t *buf, size_t len, char *out, size_t outsz);

const char *egress_tls_result_name(egress_tls_result_t r);

#endif
