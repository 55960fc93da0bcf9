/*
 * corpus.c: loading analyzer corpus files (format in corpus.h).
 */
#include "corpus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "an_text.h"

char *corpus_read_file(const char *file, size_t *len)
{
    FILE *fp = fopen(file, "rb");
    char *buf = NULL;
    long n;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)n, fp);
        buf[*len] = '\0';
    }
    fclose(fp);
    return buf;
}

static int parse_expect(corpus_case_t *c, const char *v, size_t n, char *err, size_t es)
{
    const char *sp = memchr(v, ' ', n);
    corpus_expect_t *e;
    if (n == 4 && memcmp(v, "none", 4) == 0) {
        c->expect_none = 1;
        return 0;
    }
    if (!sp || c->n_expect >= CORPUS_MAX_EXPECT || (size_t)(sp - v) >= sizeof e->rule) {
        snprintf(err, es, "%s: bad '# expect:' line", c->name);
        return -1;
    }
    e = &c->expect[c->n_expect++];
    memcpy(e->rule, v, (size_t)(sp - v));
    e->rule[sp - v] = '\0';
    if (an_severity_parse(sp + 1, n - (size_t)(sp + 1 - v), &e->sev) != 0) {
        snprintf(err, es, "%s: bad severity in '# expect:' line", c->name);
        return -1;
    }
    return 0;
}

/* Consumes the header lines; returns the offset of the body. */
static long parse_header(corpus_case_t *c, const char *buf, size_t len, char *err, size_t es)
{
    size_t off = 0;
    while (off < len) {
        const char *nl = memchr(buf + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - buf) - off : len - off;
        const char *l = buf + off;
        if (n >= 10 && memcmp(l, "# expect: ", 10) == 0) {
            if (parse_expect(c, l + 10, n - 10, err, es) != 0)
                return -1;
        } else if (n >= 8 && memcmp(l, "# path: ", 8) == 0 && n - 8 < sizeof c->path) {
            memcpy(c->path, l + 8, n - 8);
            c->path[n - 8] = '\0';
        } else if (n >= 7 && memcmp(l, "# run: ", 7) == 0) {
            if (c->n_runs == CORPUS_MAX_RUNS || n - 7 >= sizeof c->runs[0]) {
                snprintf(err, es, "%s: too many or too long '# run:' lines", c->name);
                return -1;
            }
            memcpy(c->runs[c->n_runs], l + 7, n - 7);
            c->runs[c->n_runs++][n - 7] = '\0';
        } else if (!(n >= 7 && memcmp(l, "# note:", 7) == 0)) {
            break;
        }
        off += n + (nl ? 1 : 0);
    }
    if (!c->expect_none && c->n_expect == 0) {
        snprintf(err, es, "%s: no '# expect:' line", c->name);
        return -1;
    }
    return (long)off;
}

int corpus_new_file_patch(const char *path, const char *body, size_t len, char **patch, size_t *patch_len)
{
    size_t lines = 0, cap, o;
    int eol = len == 0 || body[len - 1] == '\n';
    char *p;
    for (size_t i = 0; i < len; i++)
        lines += body[i] == '\n';
    if (!eol)
        lines++;
    cap = len + lines + 2 * strlen(path) + 300;
    if (!(p = malloc(cap)))
        return -1;
    o = (size_t)snprintf(p, cap, "diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n"
                         "+++ b/%s\n@@ -0,0 +1,%zu @@\n", path, path, path, lines);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(body + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - body) - i : len - i;
        p[o++] = '+';
        memcpy(p + o, body + i, n);
        o += n;
        p[o++] = '\n';
        i += n + 1;
    }
    if (!eol)
        o += (size_t)snprintf(p + o, cap - o, "\\ No newline at end of file\n");
    *patch = p;
    *patch_len = o;
    return 0;
}

/* Turns plain content into a git patch that adds it as a new file. */
static int synth_patch(corpus_case_t *c)
{
    return corpus_new_file_patch(c->path, c->body, c->body_len, &c->patch, &c->patch_len);
}

int corpus_case_load(const char *file, corpus_case_t *c, char *err, size_t es)
{
    size_t len = 0;
    char *buf;
    const char *base = strrchr(file, '/');
    long body;
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", base ? base + 1 : file);
    snprintf(c->path, sizeof c->path, "%s", c->name);
    if (!(buf = corpus_read_file(file, &len))) {
        snprintf(err, es, "%s: cannot read", file);
        return -1;
    }
    body = parse_header(c, buf, len, err, es);
    if (body < 0) {
        free(buf);
        return -1;
    }
    c->body_len = len - (size_t)body;
    memmove(buf, buf + body, c->body_len + 1);
    c->body = buf;
    c->commands = strcmp(c->path, "<job.run>") == 0   ? CORPUS_CMDS_RUN
                  : strcmp(c->path, "<job.test>") == 0 ? CORPUS_CMDS_TEST
                                                       : 0;
    if (strncmp(c->body, "diff ", 5) == 0 || strncmp(c->body, "--- ", 4) == 0) {
        c->patch = malloc(c->body_len + 1);
        if (c->patch)
            memcpy(c->patch, c->body, c->body_len + 1);
        c->patch_len = c->body_len;
    } else if (synth_patch(c) != 0) {
        c->patch = NULL;
    }
    if (!c->patch) {
        corpus_case_free(c);
        snprintf(err, es, "%s: out of memory", file);
        return -1;
    }
    return 0;
}

void corpus_case_free(corpus_case_t *c)
{
    free(c->patch);
    free(c->body);
    c->patch = c->body = NULL;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int corpus_list(const char *dir, char ***names, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **v = NULL;
    size_t k = 0;
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL) {
        char **nv;
        if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || strcmp(de->d_name, "..") == 0))
            continue;
        if (!(nv = realloc(v, (k + 1) * sizeof *v)) || !(nv[k] = strdup(de->d_name))) {
            v = nv ? nv : v;
            corpus_list_free(v, k);
            closedir(d);
            return -1;
        }
        v = nv;
        k++;
    }
    closedir(d);
    if (k)
        qsort(v, k, sizeof *v, cmp_names);
    *names = v;
    *n = k;
    return 0;
}

void corpus_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
