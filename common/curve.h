/*
 * curve.h: CurveZMQ certificates and socket security for Airlock.
 *
 * Every Airlock socket is encrypted and authenticated with CURVE. airlockd holds
 * a server certificate (public + secret); workers and clients each hold their own.
 * airlockd authorizes peers by a certificate directory: one public certificate
 * file per allowed peer, carrying metadata `role = worker` or `role = client`.
 * Removing a file revokes the peer (for new connections). The authenticator
 * (czmq zauth) must run BEFORE any socket binds: libzmq 4.3 lets CURVE clients in
 * unauthenticated when no ZAP handler is present.
 *
 * Certificate files are czmq's ZPL format: `<name>.key` (public) and
 * `<name>.key_secret` (public + secret, mode 0600).
 *
 * Ownership: curve_auth_start() returns an actor the caller owns
 * (curve_auth_stop()). Loaded zcert_t are owned by the caller (zcert_destroy).
 * Errors: AL_ECRYPTO / AL_EIO / AL_EINVAL with the reason in al_err_msg().
 */
#ifndef AIRLOCK_CURVE_H
#define AIRLOCK_CURVE_H

#include <czmq.h>

#define CURVE_ROLE_WORKER "worker"
#define CURVE_ROLE_CLIENT "client"
#define CURVE_ROLE_SERVER "server"

/* Creates `<dir>/<name>.key` and `<dir>/<name>.key_secret` with metadata
 * role=<role>, name=<name>. Refuses to overwrite an existing secret file. */
int curve_keygen(const char *dir, const char *name, const char *role);

/* Loads a certificate (secret file for our own identity, public file for a peer). */
int curve_cert_load(const char *path, zcert_t **out);

/* Resolves a server public key given either as the path of a certificate
 * file (tried first: a path can itself be 40 valid Z85 characters long) or
 * as 40 Z85 characters. out receives the Z85 text. AL_ECONFIG otherwise. */
int curve_public_key_resolve(const char *path_or_z85, char out[41]);

/* Starts zauth for CURVE with `certdir` as the allowed-peer directory. Call
 * before binding any CURVE server socket. */
int curve_auth_start(const char *certdir, zactor_t **out);
void curve_auth_stop(zactor_t **auth);

/* Makes `sock` a CURVE server with `server_cert` (needs the secret key) in the
 * ZAP domain "airlock". Call before bind. */
int curve_server_apply(zsock_t *sock, zcert_t *server_cert);

/* Makes `sock` a CURVE client with its own certificate and the server's public key
 * (Z85 text, 40 chars). Call before connect. */
int curve_client_apply(zsock_t *sock, zcert_t *own_cert, const char *server_public_z85);

/* The authenticated peer of a received frame: its public key (Z85) and role from the
 * certificate metadata. Both lent by the frame; NULL when the frame carries none. */
const char *curve_peer_key(zframe_t *frame);
const char *curve_peer_role(zframe_t *frame);

#endif
