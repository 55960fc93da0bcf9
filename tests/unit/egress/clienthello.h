/*
 * clienthello.h: builds TLS ClientHello records for the egress tests (unit
 * tests of the SNI parser and the proxy's SNI check).
 */
#ifndef AIRLOCK_TEST_CLIENTHELLO_H
#define AIRLOCK_TEST_CLIENTHELLO_H

#include <stddef.h>
#include <stdint.h>

/* Writes one handshake record holding a ClientHello with server_name `sni`
 * (NULL: no server_name extension) and a supported_versions extension.
 * Returns its length, or 0 when cap is too small. */
size_t test_client_hello(uint8_t *out, size_t cap, const char *sni);

/* The first flight of a real OpenSSL client (TLS 1.2-1.3, default
 * extensions, key shares) with SNI `sni` (NULL: none). Returns its length,
 * or 0 on failure or when cap is too small. */
size_t test_client_hello_openssl(uint8_t *out, size_t cap, const char *sni);

#endif
