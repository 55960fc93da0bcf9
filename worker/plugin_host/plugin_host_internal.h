/*
 * plugin_host_internal.h: pieces of the plugin host shared between its files
 * (not for callers): the parsed patch view (patch_input.c) and the
 * child<->parent wire (wire.c).
 */
#ifndef AIRLOCK_PLUGIN_HOST_INTERNAL_H
#define AIRLOCK_PLUGIN_HOST_INTERNAL_H

#include "worker/plugin_host/plugin_host.h"

/* The patch parsed once, in the airlock_input_t form, with everything it
 * points to owned here (patch_input.c builds it, postimage.c adds the
 * post-images, commands.c the commands). */
typedef struct {
    airlock_input_t in;
    airlock_file_t *files;
    char *arena;          /* hunk line texts (each a copy of a slice of the patch) */
    size_t arena_used, arena_cap;
    int parsed;           /* 1 when libgit2 parsed the patch */
    airlock_command_t *cmds; /* the job's commands; each argv is one block with its strings and text */
    size_t content_total; /* bytes of post-images held */
    int preview_failed;   /* the patch did not apply to the base tree */
} plugin_input_t;

/* What the view needs besides the source: which post-images to produce
 * (text files for AIRLOCK_CAP_FILES, binary files for CAP_PARSED or FILES)
 * and their bounds. */
typedef struct {
    int want_text, want_binary;
    size_t max_file_bytes, max_total_bytes;
} plugin_input_opts_t;

/* Parses src's patch with libgit2 and fills pi: files, hunk lines, added
 * lines, post-images (postimage.c). A patch libgit2 cannot parse gives
 * parsed = 0 and no files (not an error). Errors: AL_ENOMEM, AL_EINVAL. */
int plugin_input_build(plugin_input_t *pi, const plugin_source_t *src, const plugin_input_opts_t *o);
void plugin_input_free(plugin_input_t *pi);

/* postimage.c: the post-image of every file of diff that o asks for, into
 * pi->files[i].content (the flags say why one is missing). */
struct git_diff;
int plugin_postimages(plugin_input_t *pi, struct git_diff *diff, const plugin_source_t *src,
                      const plugin_input_opts_t *o);

/* view.c: the options that serve plugins of capabilities `caps` (an OR
 * over a set). */
plugin_input_opts_t plugin_input_opts(uint64_t caps, const plugin_limits_t *lim);

/* Checks the caller's commands against the bounds of plugin_host.h
 * (commands.c). Errors: AL_EINVAL (message names the command and field),
 * AL_ELIMIT. */
int plugin_commands_check(const plugin_command_t *cmds, size_t n);
/* Copies checked commands into pi (argv, text as the shell sees it);
 * released by plugin_input_free. Errors: AL_ENOMEM. */
int plugin_commands_build(plugin_input_t *pi, const plugin_command_t *cmds, size_t n);
/* Frees what plugin_commands_build added (called by plugin_input_free). */
void plugin_commands_free(plugin_input_t *pi);

/* ---- wire: msgpack arrays, child -> parent ---------------------------------- */
enum {
    WIRE_FINDING = 0,     /* [0, rule_id, severity, file|nil, line, message, evidence|nil] */
    WIRE_LOG = 1,         /* [1, level, message] */
    WIRE_DONE = 2,        /* [2, init_rc, analyze_rc, dropped] */
    WIRE_INFO = 3,        /* [3, name, version, capabilities]   (probe) */
    WIRE_ERROR = 4,       /* [4, message]                        (probe: load refused) */
};

typedef struct {
    int type;
    char *s1, *s2, *s3, *s4;  /* strings by position; NULL for nil */
    int64_t i1, i2, i3;
    uint64_t u1;
} wire_msg_t;

/* Writes one message to fd (blocking, whole). Returns 0 or -1. */
int wire_send_finding(int fd, const airlock_finding_t *f);
int wire_send_log(int fd, int level, const char *msg);
int wire_send_done(int fd, int init_rc, int analyze_rc, uint64_t dropped);
int wire_send_info(int fd, const airlock_plugin_t *d);
int wire_send_error(int fd, const char *msg);

/* Decodes the next message of buf[*off..len). Returns 1 with *m filled
 * (free with wire_msg_clear), 0 at the end of the buffer, or AL_EPROTO with
 * the reason (malformed, truncated, wrong type, oversize string). */
int wire_next(const char *buf, size_t len, size_t *off, wire_msg_t *m);
void wire_msg_clear(wire_msg_t *m);

#endif
