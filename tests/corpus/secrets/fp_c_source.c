# expect: none
# path: src/auth.c
static int auth_token_verify(const char *token, size_t token_len)
{
    char password_buf[128];
    int secret_len = (int)strlen(secret);
    token_len = token_len > 64 ? 64 : token_len;
    api_key_t *key = api_key_lookup(ctx->keys, token);
    return memcmp(token, expected_token_value, token_len) == 0;
}
