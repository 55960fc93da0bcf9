/*
 * curve.c: certificate files, the zauth authenticator and CURVE socket options.
 */
#include "common/curve.h"
#include "common/error.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int curve_keygen(const char *dir, const char *name, const char *role)
{
    if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return al_err_set(AL_EINVAL, "keygen: invalid certificate name '%s'", name ? name : "");
    if (!role || (strcmp(role, CURVE_ROLE_WORKER) && strcmp(role, CURVE_ROLE_CLIENT) &&
                  strcmp(role, CURVE_ROLE_SERVER)))
        return al_err_set(AL_EINVAL, "keygen: role must be worker, client or server");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "keygen: mkdir %s", dir);
    char pub[4096], sec[4200];
    snprintf(pub, sizeof pub, "%s/%s.key", dir, name);
    snprintf(sec, sizeof sec, "%s_secret", pub);
    if (access(sec, F_OK) == 0)
        return al_err_set(AL_EEXISTS, "keygen: %s exists; remove it first to make a new key", sec);
    zcert_t *cert = zcert_new();
    if (!cert)
        return al_err_set(AL_ECRYPTO, "keygen: zcert_new failed (libzmq without CURVE?)");
    zcert_set_meta(cert, "name", "%s", name);
    zcert_set_meta(cert, "role", "%s", role);
    mode_t old = umask(0077);
    int rc = zcert_save(cert, pub);
    umask(old);
    zcert_destroy(&cert);
    if (rc != 0)
        return al_err_set_errno(AL_EIO, "keygen: cannot write %s", pub);
    chmod(pub, 0644);
    return AL_OK;
}

int curve_cert_load(const char *path, zcert_t **out)
{
    *out = zcert_load(path);
    if (!*out)
        return al_err_set(AL_EIO, "cannot load certificate %s", path);
    return AL_OK;
}

int curve_public_key_resolve(const char *v, char out[41])
{
    uint8_t raw[32];
    struct stat st;
    if (v && stat(v, &st) == 0 && S_ISREG(st.st_mode)) {
        zcert_t *c = zcert_load(v);
        if (!c)
            return al_err_set(AL_ECONFIG, "%s is not a CURVE certificate", v);
        snprintf(out, 41, "%s", zcert_public_txt(c));
        zcert_destroy(&c);
        return AL_OK;
    }
    if (v && strlen(v) == 40 && zmq_z85_decode(raw, v)) {
        snprintf(out, 41, "%s", v);
        return AL_OK;
    }
    return al_err_set(AL_ECONFIG, "server key '%s' is neither a certificate file nor 40 Z85 "
                                  "characters", v ? v : "");
}

int curve_auth_start(const char *certdir, zactor_t **out)
{
    *out = NULL;
    struct stat st;
    if (stat(certdir, &st) != 0 || !S_ISDIR(st.st_mode))
        return al_err_set_errno(AL_ECONFIG, "certificate directory %s", certdir);
    zactor_t *auth = zactor_new(zauth, NULL);
    if (!auth)
        return al_err_set(AL_ECRYPTO, "cannot start zauth");
    if (zstr_sendx(auth, "CURVE", certdir, NULL) != 0 || zsock_wait(auth) != 0) {
        zactor_destroy(&auth);
        return al_err_set(AL_ECRYPTO, "zauth refused certificate directory %s", certdir);
    }
    *out = auth;
    return AL_OK;
}

void curve_auth_stop(zactor_t **auth)
{
    if (auth && *auth)
        zactor_destroy(auth);
}

int curve_server_apply(zsock_t *sock, zcert_t *server_cert)
{
    static const uint8_t zero[32];
    if (!server_cert || memcmp(zcert_secret_key(server_cert), zero, sizeof zero) == 0)
        return al_err_set(AL_ECRYPTO, "server certificate has no secret key (load the .key_secret file)");
    zcert_apply(server_cert, sock);
    zsock_set_curve_server(sock, 1);
    zsock_set_zap_domain(sock, "airlock");
    return AL_OK;
}

int curve_client_apply(zsock_t *sock, zcert_t *own_cert, const char *server_public_z85)
{
    uint8_t key[32];
    if (!server_public_z85 || strlen(server_public_z85) != 40 ||
        !zmq_z85_decode(key, server_public_z85))
        return al_err_set(AL_ECRYPTO, "server public key must be 40 Z85 characters");
    zcert_apply(own_cert, sock);
    zsock_set_curve_serverkey(sock, server_public_z85);
    return AL_OK;
}

const char *curve_peer_key(zframe_t *frame)
{
    const char *v = frame ? zframe_meta(frame, "User-Id") : NULL;
    return (v && *v) ? v : NULL;
}

const char *curve_peer_role(zframe_t *frame)
{
    const char *v = frame ? zframe_meta(frame, "role") : NULL;
    return (v && *v) ? v : NULL;
}
