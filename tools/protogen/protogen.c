/*
 * protogen: generates the C side of Airlock's wire protocol from its single
 * definition, schemas/protocol.json.
 *
 *   protogen SCHEMA.json OUT.h OUT.c OUT.md
 *
 * OUT.h: PROTO_VERSION, the proto_type_t enum, one struct per struct type
 *        and per message body, the tagged proto_msg_t, typed list helpers.
 * OUT.c: the descriptor tables the generic codec (common/proto) walks.
 * OUT.md: the message reference included in docs/PROTOCOL.md.
 *
 * The output is a pure function of the JSON: no time stamps, no paths. The
 * definition is validated strictly (unknown keys, bad identifiers, duplicate
 * names or codes, missing or meaningless limits are errors) so a mistake in
 * the schema fails the build with a message naming the place. Owns nothing
 * beyond its own run; every jansson reference is released before exit.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

typedef struct {
    json_t *root;       /* owned */
    json_t *structs;    /* borrowed from root */
    json_t *channels;   /* borrowed from root */
    FILE *h, *c, *md;   /* borrowed */
} gen_t;

static int s_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int s_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("protogen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

/* ---- validation ---------------------------------------------------------- */

static bool s_ident_ok(const char *s, bool upper)
{
    static const char *const reserved[] = {
        "auto", "break", "case", "char", "const", "continue", "default", "do",
        "double", "else", "enum", "extern", "float", "for", "goto", "if",
        "inline", "int", "long", "register", "restrict", "return", "short",
        "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
        "unsigned", "void", "volatile", "while", "bool", "true", "false", NULL,
    };
    if (!s || !*s || strlen(s) > 48 || !(upper ? isupper((unsigned char)*s) : islower((unsigned char)*s)))
        return false;
    for (const char *p = s; *p; p++) {
        bool ok = upper ? (isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')
                        : (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_');
        if (!ok)
            return false;
    }
    for (size_t i = 0; reserved[i]; i++)
        if (strcmp(s, reserved[i]) == 0)
            return false;
    return strncmp(s, "has_", 4) != 0;
}

/* Refuses keys of obj not in the NULL-terminated list allowed. */
static int s_keys_check(json_t *obj, const char *where, const char *const *allowed)
{
    const char *key;
    json_t *v;
    if (!json_is_object(obj))
        return s_fail("%s: must be an object", where);
    json_object_foreach(obj, key, v) {
        bool ok = false;
        for (size_t i = 0; allowed[i]; i++)
            ok = ok || strcmp(key, allowed[i]) == 0;
        if (!ok)
            return s_fail("%s: unknown key \"%s\"", where, key);
    }
    return 0;
}

static const char *s_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_int_t s_int(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

static json_t *s_struct_find(gen_t *g, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(g->structs, i, s) {
        const char *sname = s_str(s, "name");
        if (sname && strcmp(sname, name) == 0)
            return s;
    }
    return NULL;
}

/* Splits a field type: kind is one of str bin uint int bool list<str>
 * map<str,str> struct structlist; *ref gets the struct name when there is one
 * (pointer into a static buffer of the caller's size). */
static const char *s_type_kind(const char *type, char *ref, size_t ref_size)
{
    static const char *const scalars[] = {"str", "bin", "uint", "int", "bool", "list<str>", "map<str,str>", NULL};
    size_t n = strlen(type);
    ref[0] = '\0';
    for (size_t i = 0; scalars[i]; i++)
        if (strcmp(type, scalars[i]) == 0)
            return scalars[i];
    if (n > 6 && strncmp(type, "list<", 5) == 0 && type[n - 1] == '>' && n - 6 < ref_size) {
        memcpy(ref, type + 5, n - 6);
        ref[n - 6] = '\0';
        return "structlist";
    }
    if (n < ref_size) {
        memcpy(ref, type, n + 1);
        return "struct";
    }
    return NULL;
}

static int s_field_limits_check(json_t *f, const char *where, const char *kind)
{
    bool wants_max = strcmp(kind, "str") == 0 || strcmp(kind, "bin") == 0 ||
                     strcmp(kind, "list<str>") == 0 || strcmp(kind, "map<str,str>") == 0 ||
                     strcmp(kind, "structlist") == 0;
    bool wants_item = strcmp(kind, "list<str>") == 0;
    bool wants_kv = strcmp(kind, "map<str,str>") == 0;
    if (wants_max != (json_object_get(f, "max") != NULL) || (wants_max && s_int(f, "max") <= 0))
        return s_fail("%s: \"max\" (a positive integer) is %s for type %s", where,
                      wants_max ? "required" : "not allowed", kind);
    if (wants_item != (json_object_get(f, "item_max") != NULL) || (wants_item && s_int(f, "item_max") <= 0))
        return s_fail("%s: \"item_max\" is %s for type %s", where, wants_item ? "required" : "not allowed", kind);
    if (wants_kv != (json_object_get(f, "key_max") != NULL) || (wants_kv && s_int(f, "key_max") <= 0) ||
        wants_kv != (json_object_get(f, "value_max") != NULL) || (wants_kv && s_int(f, "value_max") <= 0))
        return s_fail("%s: \"key_max\" and \"value_max\" are %s for type %s", where,
                      wants_kv ? "required" : "not allowed", kind);
    return 0;
}

/* Checks one field list; struct references must name an earlier struct
 * (before_index structs are visible). */
static int s_fields_check(gen_t *g, json_t *fields, const char *owner, size_t visible)
{
    static const char *const allowed[] = {"name", "type", "optional", "max", "item_max", "key_max",
                                          "value_max", "doc", NULL};
    char where[256], ref[64];
    size_t i, j;
    json_t *f, *f2;
    if (!json_is_array(fields) || json_array_size(fields) == 0 || json_array_size(fields) > 64)
        return s_fail("%s: \"fields\" must be an array of 1..64 fields", owner);
    json_array_foreach(fields, i, f) {
        snprintf(where, sizeof where, "%s.fields[%zu]", owner, i);
        if (s_keys_check(f, where, allowed) != 0)
            return -1;
        const char *name = s_str(f, "name"), *type = s_str(f, "type");
        if (!s_ident_ok(name, false) || !type || !s_str(f, "doc"))
            return s_fail("%s: needs a lower_case \"name\" (not a C keyword, not has_*), a \"type\" and a \"doc\"", where);
        snprintf(where, sizeof where, "%s.%s", owner, name);
        json_t *opt = json_object_get(f, "optional");
        if (opt && !json_is_boolean(opt))
            return s_fail("%s: \"optional\" must be a boolean", where);
        const char *kind = s_type_kind(type, ref, sizeof ref);
        if (!kind)
            return s_fail("%s: unknown type \"%s\"", where, type);
        if (ref[0]) {
            json_t *s = s_struct_find(g, ref);
            size_t idx = s ? json_array_size(g->structs) : 0;
            for (size_t k = 0; s && k < json_array_size(g->structs); k++)
                if (json_array_get(g->structs, k) == s)
                    idx = k;
            if (!s || idx >= visible)
                return s_fail("%s: type \"%s\" names no struct defined before it", where, type);
        }
        if (s_field_limits_check(f, where, kind) != 0)
            return -1;
        json_array_foreach(fields, j, f2) {
            if (j < i && strcmp(s_str(f2, "name"), name) == 0)
                return s_fail("%s: duplicate field name", where);
        }
    }
    return 0;
}

static int s_structs_check(gen_t *g)
{
    static const char *const allowed[] = {"name", "doc", "fields", NULL};
    size_t i, j;
    json_t *s, *s2;
    char where[128];
    if (!json_is_array(g->structs))
        return s_fail("\"structs\" must be an array");
    json_array_foreach(g->structs, i, s) {
        snprintf(where, sizeof where, "structs[%zu]", i);
        if (s_keys_check(s, where, allowed) != 0)
            return -1;
        const char *name = s_str(s, "name");
        if (!s_ident_ok(name, false) || !s_str(s, "doc"))
            return s_fail("%s: needs a lower_case \"name\" and a \"doc\"", where);
        json_array_foreach(g->structs, j, s2) {
            if (j < i && strcmp(s_str(s2, "name"), name) == 0)
                return s_fail("%s: duplicate struct name \"%s\"", where, name);
        }
        snprintf(where, sizeof where, "struct %s", name);
        if (s_fields_check(g, json_object_get(s, "fields"), where, i) != 0)
            return -1;
    }
    return 0;
}

static bool s_code_used(gen_t *g, json_int_t code, json_t *self)
{
    size_t i, j;
    json_t *ch, *m;
    json_array_foreach(g->channels, i, ch) {
        json_array_foreach(json_object_get(ch, "messages"), j, m) {
            if (m != self && s_int(m, "code") == code)
                return true;
        }
    }
    return false;
}

static int s_messages_check(gen_t *g, json_t *ch, const char *chname)
{
    static const char *const allowed[] = {"name", "code", "dir", "doc", "fields", NULL};
    json_t *msgs = json_object_get(ch, "messages"), *m, *m2;
    size_t i, j;
    char where[128];
    if (!json_is_array(msgs) || json_array_size(msgs) == 0)
        return s_fail("channel %s: \"messages\" must be a non-empty array", chname);
    json_array_foreach(msgs, i, m) {
        snprintf(where, sizeof where, "channel %s messages[%zu]", chname, i);
        if (s_keys_check(m, where, allowed) != 0)
            return -1;
        const char *name = s_str(m, "name"), *dir = s_str(m, "dir");
        json_int_t code = s_int(m, "code");
        if (!s_ident_ok(name, true) || !s_str(m, "doc") || code < 1 || code > 0x7fffffff)
            return s_fail("%s: needs an UPPER_CASE \"name\", a \"doc\" and a \"code\" in 1..2^31-1", where);
        if (!dir || (strcmp(dir, "to_server") && strcmp(dir, "to_peer") && strcmp(dir, "both")))
            return s_fail("%s (%s): \"dir\" must be to_server, to_peer or both", where, name);
        if (s_code_used(g, code, m))
            return s_fail("%s (%s): code %lld is used twice (codes are unique across channels)",
                          where, name, (long long)code);
        json_array_foreach(msgs, j, m2) {
            if (j < i && strcmp(s_str(m2, "name"), name) == 0)
                return s_fail("%s: duplicate message name \"%s\"", where, name);
        }
        snprintf(where, sizeof where, "%s", name);
        if (s_fields_check(g, json_object_get(m, "fields"), where, json_array_size(g->structs)) != 0)
            return -1;
    }
    return 0;
}

static int s_channels_check(gen_t *g)
{
    static const char *const allowed[] = {"name", "prefix", "doc", "messages", NULL};
    size_t i;
    json_t *ch;
    char where[64];
    if (!json_is_array(g->channels) || json_array_size(g->channels) != 2)
        return s_fail("\"channels\" must be an array of the two channels worker and client");
    json_array_foreach(g->channels, i, ch) {
        snprintf(where, sizeof where, "channels[%zu]", i);
        if (s_keys_check(ch, where, allowed) != 0)
            return -1;
        const char *name = s_str(ch, "name"), *prefix = s_str(ch, "prefix");
        const char *want = i == 0 ? "worker" : "client", *want_prefix = i == 0 ? "W" : "C";
        if (!name || strcmp(name, want) || !prefix || strcmp(prefix, want_prefix) || !s_str(ch, "doc"))
            return s_fail("%s: must be {\"name\": \"%s\", \"prefix\": \"%s\", \"doc\": ...}", where, want, want_prefix);
        if (s_messages_check(g, ch, name) != 0)
            return -1;
    }
    return 0;
}

static int s_root_check(gen_t *g)
{
    static const char *const allowed[] = {"protocol", "version", "doc", "max_message_bytes", "structs",
                                          "channels", NULL};
    if (s_keys_check(g->root, "top level", allowed) != 0)
        return -1;
    if (!s_str(g->root, "protocol") || strcmp(s_str(g->root, "protocol"), "airlock") != 0)
        return s_fail("top level: \"protocol\" must be \"airlock\"");
    if (s_int(g->root, "version") < 1 || s_int(g->root, "version") > 0xffff)
        return s_fail("top level: \"version\" must be an integer in 1..65535");
    if (s_int(g->root, "max_message_bytes") < 64)
        return s_fail("top level: \"max_message_bytes\" must be an integer >= 64");
    g->structs = json_object_get(g->root, "structs");
    g->channels = json_object_get(g->root, "channels");
    if (s_structs_check(g) != 0 || s_channels_check(g) != 0)
        return -1;
    return 0;
}

/* ---- emission ------------------------------------------------------------ */

static void s_lower(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < size; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

static const char *s_ctype(const char *type, char *buf, size_t size)
{
    char ref[64];
    const char *kind = s_type_kind(type, ref, sizeof ref);
    if (strcmp(kind, "str") == 0) return "char *";
    if (strcmp(kind, "bin") == 0) return "proto_bin_t ";
    if (strcmp(kind, "uint") == 0) return "uint64_t ";
    if (strcmp(kind, "int") == 0) return "int64_t ";
    if (strcmp(kind, "bool") == 0) return "bool ";
    if (strcmp(kind, "list<str>") == 0) return "proto_strlist_t ";
    if (strcmp(kind, "map<str,str>") == 0) return "proto_strmap_t ";
    snprintf(buf, size, strcmp(kind, "struct") == 0 ? "proto_%s_t " : "proto_%s_list_t ", ref);
    return buf;
}

static const char *s_kind_enum(const char *type)
{
    char ref[64];
    const char *kind = s_type_kind(type, ref, sizeof ref);
    static const char *const map[][2] = {
        {"str", "PROTO_F_STR"}, {"bin", "PROTO_F_BIN"}, {"uint", "PROTO_F_UINT"}, {"int", "PROTO_F_INT"},
        {"bool", "PROTO_F_BOOL"}, {"list<str>", "PROTO_F_STRLIST"}, {"map<str,str>", "PROTO_F_STRMAP"},
        {"struct", "PROTO_F_STRUCT"}, {"structlist", "PROTO_F_STRUCTLIST"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(kind, map[i][0]) == 0)
            return map[i][1];
    return "0";
}

static void s_emit_struct_h(gen_t *g, json_t *fields, const char *cname, const char *doc)
{
    size_t i;
    json_t *f;
    char buf[96];
    fprintf(g->h, "/* %s */\ntypedef struct {\n", doc);
    json_array_foreach(fields, i, f) {
        fprintf(g->h, "    %s%s;\n", s_ctype(s_str(f, "type"), buf, sizeof buf), s_str(f, "name"));
        if (json_is_true(json_object_get(f, "optional")))
            fprintf(g->h, "    bool has_%s;\n", s_str(f, "name"));
    }
    fprintf(g->h, "} %s;\n\n", cname);
}

static void s_emit_fields_c(gen_t *g, json_t *fields, const char *cname, const char *arr)
{
    size_t i;
    json_t *f;
    char ref[64];
    fprintf(g->c, "static const proto_field_desc_t %s[] = {\n", arr);
    json_array_foreach(fields, i, f) {
        const char *name = s_str(f, "name"), *type = s_str(f, "type");
        const char *kind = s_type_kind(type, ref, sizeof ref);
        bool opt = json_is_true(json_object_get(f, "optional"));
        bool list = strcmp(kind, "structlist") == 0;
        json_int_t max = s_int(f, "max"), item = s_int(f, "item_max"), key = s_int(f, "key_max");
        if (item < 0) item = s_int(f, "value_max");
        fprintf(g->c, "    {\"%s\", %s, %s, %lldu, %lldu, %lldu, offsetof(%s, %s%s), ", name, s_kind_enum(type),
                opt ? "true" : "false", max < 0 ? 0LL : (long long)max, item < 0 ? 0LL : (long long)item,
                key < 0 ? 0LL : (long long)key, cname, name, list ? ".items" : "");
        if (list) fprintf(g->c, "offsetof(%s, %s.count), ", cname, name);
        else fprintf(g->c, "0, ");
        if (opt) fprintf(g->c, "offsetof(%s, has_%s), ", cname, name);
        else fprintf(g->c, "0, ");
        if (ref[0]) fprintf(g->c, "&proto_struct_%s},\n", ref);
        else fprintf(g->c, "NULL},\n");
    }
    fprintf(g->c, "};\n\n");
}

static void s_emit_structs(gen_t *g)
{
    size_t i;
    json_t *s;
    char cname[96], arr[96];
    json_array_foreach(g->structs, i, s) {
        const char *name = s_str(s, "name");
        json_t *fields = json_object_get(s, "fields");
        snprintf(cname, sizeof cname, "proto_%s_t", name);
        s_emit_struct_h(g, fields, cname, s_str(s, "doc"));
        fprintf(g->h, "/* list<%s> */\ntypedef struct {\n    %s *items;\n    size_t count;\n} proto_%s_list_t;\n\n",
                name, cname, name);
        fprintf(g->h, "extern const proto_struct_desc_t proto_struct_%s;\n", name);
        fprintf(g->h, "/* Appends a zeroed element (owned by the list) and returns it; NULL and AL_ENOMEM on failure. */\n");
        fprintf(g->h, "%s *proto_%s_list_add(proto_%s_list_t *list);\n\n", cname, name, name);
        snprintf(arr, sizeof arr, "s_%s_fields", name);
        s_emit_fields_c(g, fields, cname, arr);
        fprintf(g->c, "const proto_struct_desc_t proto_struct_%s = {\"%s\", sizeof(%s), %zu, %s};\n\n",
                name, name, cname, json_array_size(fields), arr);
        fprintf(g->c, "%s *proto_%s_list_add(proto_%s_list_t *list)\n{\n"
                      "    return proto_list_grow((void **)&list->items, &list->count, sizeof(%s));\n}\n\n",
                cname, name, name, cname);
    }
}

/* Calls fn for every message with its channel object. */
typedef void (*s_msg_fn)(gen_t *g, json_t *ch, json_t *m, const char *lname);
static void s_each_message(gen_t *g, s_msg_fn fn)
{
    size_t i, j;
    json_t *ch, *m;
    char lname[96], low[64];
    json_array_foreach(g->channels, i, ch) {
        json_array_foreach(json_object_get(ch, "messages"), j, m) {
            s_lower(low, sizeof low, s_str(m, "name"));
            snprintf(lname, sizeof lname, "%c_%s", tolower((unsigned char)s_str(ch, "prefix")[0]), low);
            fn(g, ch, m, lname);
        }
    }
}

static void s_emit_enum_item(gen_t *g, json_t *ch, json_t *m, const char *lname)
{
    fprintf(g->h, "    PROTO_%s_%s = %lld, /* %s */\n", s_str(ch, "prefix"), s_str(m, "name"),
            (long long)s_int(m, "code"), s_str(m, "dir"));
}

static void s_emit_body(gen_t *g, json_t *ch, json_t *m, const char *lname)
{
    char cname[128], arr[128], doc[512];
    snprintf(cname, sizeof cname, "proto_%s_t", lname);
    snprintf(doc, sizeof doc, "%s %s (%s): %s", s_str(ch, "name"), s_str(m, "name"), s_str(m, "dir"), s_str(m, "doc"));
    s_emit_struct_h(g, json_object_get(m, "fields"), cname, doc);
    snprintf(arr, sizeof arr, "s_%s_fields", lname);
    s_emit_fields_c(g, json_object_get(m, "fields"), cname, arr);
    fprintf(g->c, "static const proto_struct_desc_t s_%s_body = {\"%s\", sizeof(%s), %zu, %s};\n\n", lname,
            s_str(m, "name"), cname, json_array_size(json_object_get(m, "fields")), arr);
}

static void s_emit_union_item(gen_t *g, json_t *ch, json_t *m, const char *lname)
{
    fprintf(g->h, "        proto_%s_t %s;\n", lname, lname);
}

static void s_emit_table_item(gen_t *g, json_t *ch, json_t *m, const char *lname)
{
    const char *dir = s_str(m, "dir");
    fprintf(g->c, "    {PROTO_%s_%s, \"%s\", \"PROTO_%s_%s\", PROTO_CH_%s, %s, &s_%s_body},\n",
            s_str(ch, "prefix"), s_str(m, "name"), s_str(m, "name"), s_str(ch, "prefix"), s_str(m, "name"),
            strcmp(s_str(ch, "name"), "worker") == 0 ? "WORKER" : "CLIENT",
            strcmp(dir, "to_server") == 0 ? "PROTO_DIR_TO_SERVER"
            : strcmp(dir, "to_peer") == 0 ? "PROTO_DIR_TO_PEER" : "PROTO_DIR_BOTH", lname);
}

static size_t s_message_count(gen_t *g)
{
    size_t i, n = 0;
    json_t *ch;
    json_array_foreach(g->channels, i, ch)
        n += json_array_size(json_object_get(ch, "messages"));
    return n;
}

static void s_emit_code(gen_t *g)
{
    static const char *banner = "/* GENERATED by tools/protogen from schemas/protocol.json. Do not edit. */\n";
    fprintf(g->h, "%s#ifndef AIRLOCK_PROTO_GEN_H\n#define AIRLOCK_PROTO_GEN_H\n\n"
                  "#include \"common/proto/proto_types.h\"\n\n", banner);
    fprintf(g->h, "#define PROTO_VERSION %lldu\n#define PROTO_MAX_MSG_BYTES %lldu\n#define PROTO_TYPE_COUNT %zu\n\n",
            (long long)s_int(g->root, "version"), (long long)s_int(g->root, "max_message_bytes"), s_message_count(g));
    fprintf(g->h, "typedef enum {\n");
    s_each_message(g, s_emit_enum_item);
    fprintf(g->h, "} proto_type_t;\n\n");
    fprintf(g->c, "%s#include \"common/proto/proto.h\"\n#include \"common/proto/proto_internal.h\"\n\n"
                  "#include <stddef.h>\n\n", banner);
    s_emit_structs(g);
    s_each_message(g, s_emit_body);
    fprintf(g->h, "/* A message: type selects the member of body. Owns everything it points to. */\n"
                  "typedef struct {\n    proto_type_t type;\n    union {\n");
    s_each_message(g, s_emit_union_item);
    fprintf(g->h, "    } body;\n} proto_msg_t;\n\n#endif\n");
    fprintf(g->c, "const proto_msg_desc_t proto_msg_table[PROTO_TYPE_COUNT] = {\n");
    s_each_message(g, s_emit_table_item);
    fprintf(g->c, "};\n");
}

static void s_md_type(json_t *f, char *buf, size_t size)
{
    const char *type = s_str(f, "type");
    json_int_t max = s_int(f, "max");
    if (json_object_get(f, "key_max"))
        snprintf(buf, size, "`%s`, <= %lld entries, keys <= %lld B, values <= %lld B", type, (long long)max,
                 (long long)s_int(f, "key_max"), (long long)s_int(f, "value_max"));
    else if (json_object_get(f, "item_max"))
        snprintf(buf, size, "`%s`, <= %lld items of <= %lld B", type, (long long)max, (long long)s_int(f, "item_max"));
    else if (max > 0)
        snprintf(buf, size, "`%s`, <= %lld %s", type, (long long)max,
                 strncmp(type, "list", 4) == 0 ? "items" : "B");
    else
        snprintf(buf, size, "`%s`", type);
}

static void s_md_fields(gen_t *g, json_t *fields)
{
    size_t i;
    json_t *f;
    char type[160];
    fprintf(g->md, "| field | type | req | meaning |\n|---|---|---|---|\n");
    json_array_foreach(fields, i, f) {
        s_md_type(f, type, sizeof type);
        fprintf(g->md, "| `%s` | %s | %s | %s |\n", s_str(f, "name"), type,
                json_is_true(json_object_get(f, "optional")) ? "optional" : "required", s_str(f, "doc"));
    }
    fprintf(g->md, "\n");
}

static void s_md_message(gen_t *g, json_t *ch, json_t *m, const char *lname)
{
    fprintf(g->md, "#### %s %s (code %lld, %s, `PROTO_%s_%s`)\n\n%s\n\n", s_str(ch, "name"), s_str(m, "name"),
            (long long)s_int(m, "code"), s_str(m, "dir"), s_str(ch, "prefix"), s_str(m, "name"), s_str(m, "doc"));
    s_md_fields(g, json_object_get(m, "fields"));
}

static void s_emit_md(gen_t *g)
{
    size_t i;
    json_t *s;
    fprintf(g->md, "<!-- GENERATED by tools/protogen from schemas/protocol.json. Do not edit. -->\n"
                   "### Message reference (protocol version %lld, messages <= %lld bytes)\n\n",
            (long long)s_int(g->root, "version"), (long long)s_int(g->root, "max_message_bytes"));
    s_each_message(g, s_md_message);
    json_array_foreach(g->structs, i, s) {
        fprintf(g->md, "#### struct %s\n\n%s\n\n", s_str(s, "name"), s_str(s, "doc"));
        s_md_fields(g, json_object_get(s, "fields"));
    }
}

static FILE *s_open(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        s_fail("cannot write %s: %s", path, strerror(errno));
    return f;
}

int main(int argc, char **argv)
{
    gen_t g = {0};
    json_error_t jerr;
    int rc = 1;
    if (argc != 5) {
        fprintf(stderr, "usage: protogen SCHEMA.json OUT.h OUT.c OUT.md\n");
        return 2;
    }
    g.root = json_load_file(argv[1], JSON_REJECT_DUPLICATES, &jerr);
    if (!g.root) {
        s_fail("%s:%d:%d: %s", argv[1], jerr.line, jerr.column, jerr.text);
        goto done;
    }
    if (s_root_check(&g) != 0)
        goto done;
    if (!(g.h = s_open(argv[2])) || !(g.c = s_open(argv[3])) || !(g.md = s_open(argv[4])))
        goto done;
    s_emit_code(&g);
    s_emit_md(&g);
    rc = 0;
done:
    if (g.h && fclose(g.h) != 0) rc = 1;
    if (g.c && fclose(g.c) != 0) rc = 1;
    if (g.md && fclose(g.md) != 0) rc = 1;
    if (rc != 0) {
        for (int i = 2; i < argc && i < 5; i++)
            remove(argv[i]);
    }
    json_decref(g.root);
    return rc;
}
