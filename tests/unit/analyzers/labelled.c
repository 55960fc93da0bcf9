/*
 * labelled.c: reading the labelled analyzer corpus (see labelled.h): the
 * generated and hand-written positives, the hand-written false-positive
 * cases and the pinned real files of negatives.manifest (sha256-checked;
 * bundle files read from a bare clone of the bundle with libgit2).
 */
#include "labelled.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "an_input.h"
#include "paths.h"
#include "common/digest.h"

static int push(labelled_case_t **v, size_t *n, labelled_case_t *c)
{
    labelled_case_t *nv = realloc(*v, (*n + 1) * sizeof **v);
    if (!nv)
        return -1;
    *v = nv;
    nv[(*n)++] = *c;
    return 0;
}

/* Builds the case's patch model (content cases), with a corpus case's `# run:`
 * commands when cc is given. A patch libgit2 refuses would be no test at
 * all: it is reported. */
static int with_view(labelled_case_t *c, const char *patch, size_t len, const corpus_case_t *cc)
{
    c->patch_len = len;
    if ((cc ? analyzer_view_case(&c->view, cc) : analyzer_view(&c->view, patch, len)) != 0)
        return -1;
    if (!plugin_view_parsed(c->view))
        fprintf(stderr, "labelled: %s: libgit2 does not parse its patch\n", c->name);
    return 0;
}

static int from_corpus(labelled_t *l, const char *file, const char *analyzer, int want_tp, char *err, size_t es)
{
    corpus_case_t cc;
    labelled_case_t c;
    if (corpus_case_load(file, &cc, err, es) != 0)
        return -1;
    if ((cc.expect_none ? 0 : 1) != want_tp) {
        corpus_case_free(&cc);
        return 0;
    }
    memset(&c, 0, sizeof c);
    snprintf(c.name, sizeof c.name, "%s/%s", analyzer, cc.name);
    snprintf(c.analyzer, sizeof c.analyzer, "%s", analyzer); /* a hand-written fp_ case is its analyzer's */
    snprintf(c.path, sizeof c.path, "%s", cc.path);
    memcpy(c.expect, cc.expect, sizeof c.expect);
    c.n_expect = cc.n_expect;
    c.commands = cc.commands;
    c.body = cc.body;
    c.body_len = cc.body_len;
    cc.body = NULL;
    int rc = cc.commands ? (c.patch_len = c.body_len, 0) : with_view(&c, cc.patch, cc.patch_len, &cc);
    corpus_case_free(&cc);
    if (rc == 0 && push(want_tp ? &l->pos : &l->neg, want_tp ? &l->n_pos : &l->n_neg, &c) == 0)
        return 0;
    snprintf(err, es, "%s: cannot build its view", file);
    free(c.body);
    plugin_view_destroy(&c.view);
    return -1;
}

static int from_dir(labelled_t *l, const char *dir, const char *analyzer, int prefix_filter, char *err, size_t es)
{
    char **names = NULL, file[2048];
    size_t n = 0;
    int rc = 0;
    if (corpus_list(dir, &names, &n) != 0) {
        snprintf(err, es, "%s: cannot list", dir);
        return -1;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int tp = strncmp(names[i], "tp_", 3) == 0, fp = strncmp(names[i], "fp_", 3) == 0;
        snprintf(file, sizeof file, "%s/%s", dir, names[i]);
        if (!prefix_filter)
            rc = from_corpus(l, file, analyzer, 1, err, es);
        else if (tp || fp)
            rc = from_corpus(l, file, analyzer, tp, err, es);
    }
    corpus_list_free(names, n);
    return rc;
}

/* ---- pinned real files ------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL)
        *len = fread(buf, 1, (size_t)n, f);
    if (f)
        fclose(f);
    return buf;
}

typedef struct {
    char name[64];
    git_repository *repo;
} bundle_t;

/* A bare clone of <bundles>/<name>.bundle in a scratch directory (kept open). */
static git_repository *bundle_repo(bundle_t *b, size_t *nb, const char *bundles, const char *name, char *scratch)
{
    char cmd[4096], dir[1200];
    for (size_t i = 0; i < *nb; i++)
        if (!strcmp(b[i].name, name))
            return b[i].repo;
    if (*nb == 8)
        return NULL;
    snprintf(dir, sizeof dir, "%s/%s.git", scratch, name);
    snprintf(cmd, sizeof cmd, "test -f '%s/%s.bundle' && git clone -q --bare '%s/%s.bundle' '%s' 2>/dev/null",
             bundles, name, bundles, name, dir);
    snprintf(b[*nb].name, sizeof b[*nb].name, "%s", name);
    b[*nb].repo = NULL;
    if (system(cmd) == 0)
        git_repository_open(&b[*nb].repo, dir);
    return b[(*nb)++].repo;
}

static char *bundle_blob(git_repository *repo, const char *commit, const char *path, size_t *len)
{
    char spec[1200];
    git_object *o = NULL;
    char *buf = NULL;
    snprintf(spec, sizeof spec, "%s:%s", commit, path);
    if (repo && git_revparse_single(&o, repo, spec) == 0 && git_object_type(o) == GIT_OBJECT_BLOB) {
        *len = (size_t)git_blob_rawsize((git_blob *)o);
        if ((buf = malloc(*len + 1)) != NULL)
            memcpy(buf, git_blob_rawcontent((git_blob *)o), *len);
    }
    git_object_free(o);
    return buf;
}

/* One manifest line: the file's bytes when present and unchanged. */
static char *pinned_bytes(char *line, bundle_t *b, size_t *nb, const char *bundles, char *scratch, char *path,
                          size_t psize, size_t *len)
{
    char sha[65], got[65], kind[16], a1[64], a2[500], a3[500];
    size_t size = 0;
    char *data = NULL;
    int k = sscanf(line, "%64s %zu %15s %63s %499s %499s", sha, &size, kind, a1, a2, a3);
    if (k >= 5 && !strcmp(kind, "deb")) {
        snprintf(path, psize, "%s", a2[0] == '/' ? a2 + 1 : a2);
        data = read_file(a2, len);
    } else if (k == 6 && !strcmp(kind, "bundle")) {
        snprintf(path, psize, "%s", a3);
        data = bundle_blob(bundle_repo(b, nb, bundles, a1, scratch), a2, a3, len);
    }
    if (data)
        al_sha256_hex(data, *len, got);
    if (data && (*len != size || strcmp(got, sha) != 0)) {
        free(data);
        data = NULL;
    }
    return data;
}

static int from_manifest(labelled_t *l, const char *manifest, const char *bundles, char *err, size_t es)
{
    FILE *f = fopen(manifest, "r");
    char line[4096], scratch[] = "/tmp/airlock-labelled-XXXXXX", cmd[600];
    bundle_t b[8];
    size_t nb = 0;
    int rc = 0;
    if (!f || !mkdtemp(scratch)) {
        snprintf(err, es, "%s: cannot read (or no scratch directory)", manifest);
        if (f)
            fclose(f);
        return -1;
    }
    git_libgit2_init();
    while (rc == 0 && fgets(line, sizeof line, f)) {
        labelled_case_t c;
        char *patch = NULL;
        size_t len = 0, plen = 0;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        l->neg_pinned++;
        memset(&c, 0, sizeof c);
        line[strcspn(line, "\n")] = '\0';
        snprintf(c.name, sizeof c.name, "%s", strstr(line, " deb ") ? strstr(line, " deb ") + 1
                                                                        : strstr(line, " bundle ") + 1);
        char *data = pinned_bytes(line, b, &nb, bundles, scratch, c.path, sizeof c.path, &len);
        if (!data) {
            l->neg_missing++;
            continue;
        }
        c.body = data;
        c.body_len = len;
        if (corpus_new_file_patch(c.path, data, len, &patch, &plen) != 0 || with_view(&c, patch, plen, NULL) != 0 ||
            push(&l->neg, &l->n_neg, &c) != 0) {
            snprintf(err, es, "%s: out of memory", c.name);
            free(data);
            plugin_view_destroy(&c.view);
            rc = -1;
        }
        free(patch);
    }
    fclose(f);
    for (size_t i = 0; i < nb; i++)
        git_repository_free(b[i].repo);
    git_libgit2_shutdown();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "labelled: could not remove %s\n", scratch);
    return rc;
}

int labelled_load(labelled_t *l, const char *src, const char *bundles, char *err, size_t es)
{
    char dir[1024];
    int rc = 0;
    memset(l, 0, sizeof *l);
    git_libgit2_init(); /* held until labelled_free: views are built and rebuilt cheaply */
    for (size_t a = 0; rc == 0 && a < analyzer_entries_count; a++) {
        const char *name = analyzer_entries[a].name;
        snprintf(dir, sizeof dir, "%s/tests/corpus/labelled/pos/%s", src, name);
        rc = from_dir(l, dir, name, 0, err, es);
        snprintf(dir, sizeof dir, "%s/tests/corpus/%s", src, name);
        if (rc == 0)
            rc = from_dir(l, dir, name, 1, err, es);
    }
    snprintf(dir, sizeof dir, "%s/tests/corpus/labelled/negatives.manifest", src);
    if (rc == 0)
        rc = from_manifest(l, dir, bundles, err, es);
    if (rc != 0)
        labelled_free(l);
    return rc;
}

static void cases_free(labelled_case_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].body);
        plugin_view_destroy(&v[i].view);
    }
    free(v);
}

void labelled_free(labelled_t *l)
{
    cases_free(l->pos, l->n_pos);
    cases_free(l->neg, l->n_neg);
    memset(l, 0, sizeof *l);
    git_libgit2_shutdown();
}

int labelled_run(const analyzer_entry_t *a, const labelled_case_t *c, an_emit_fn emit, void *ud)
{
    corpus_case_t cc;
    if (c->view)
        return an_run_input(a->analyzer, plugin_view_input(c->view), emit, ud);
    memset(&cc, 0, sizeof cc);
    cc.commands = c->commands;
    cc.body = c->body;
    cc.body_len = c->body_len;
    return analyzer_entry_run(a, &cc, emit, ud);
}

/* ---- scoring ------------------------------------------------------------------- */

#define MAX_SEEN 64

typedef struct {
    const char *prefix;
    struct { char rule[64]; int sev; } got[MAX_SEEN];
    unsigned n;
    const char *first_file;
    unsigned first_line;
} seen_t;

static int seen_emit(void *ud, const an_finding_t *f)
{
    seen_t *s = ud;
    if (s->n < MAX_SEEN) {
        snprintf(s->got[s->n].rule, sizeof s->got[0].rule, "%s", f->rule_id);
        s->got[s->n].sev = f->severity;
        if (s->n == 0) {
            s->first_file = f->file;
            s->first_line = f->line;
        }
        s->n++;
    }
    return 0;
}

static rule_score_t *rule_slot(analyzer_score_t *o, const char *rule)
{
    for (unsigned i = 0; i < o->n_rules; i++)
        if (!strcmp(o->rules[i].rule, rule))
            return &o->rules[i];
    if (o->n_rules == LABELLED_MAX_RULES)
        return NULL;
    rule_score_t *r = &o->rules[o->n_rules++];
    memset(r, 0, sizeof *r);
    snprintf(r->rule, sizeof r->rule, "%s", rule);
    return r;
}

static int score_positive(const analyzer_entry_t *a, const labelled_case_t *c, analyzer_score_t *o, FILE *log)
{
    seen_t s = { a->prefix, {{ "", 0 }}, 0, NULL, 0 };
    int ran = 0;
    for (unsigned k = 0; k < c->n_expect; k++) {
        const corpus_expect_t *e = &c->expect[k];
        rule_score_t *r;
        if (strncmp(e->rule, a->prefix, strlen(a->prefix)) != 0 || !(r = rule_slot(o, e->rule)))
            continue;
        if (!ran++ && labelled_run(a, c, seen_emit, &s) != 0)
            return -1;
        int hit = 0;
        for (unsigned i = 0; i < s.n && !hit; i++)
            hit = !strcmp(s.got[i].rule, e->rule) && s.got[i].sev == (int)e->sev;
        r->labels++;
        o->labels++;
        r->hits += (unsigned)hit;
        o->hits += (unsigned)hit;
        if (!hit && log)
            fprintf(log, "  miss %s: %s %s\n", c->name, e->rule, an_severity_name(e->sev));
    }
    return 0;
}

static int score_negative(const analyzer_entry_t *a, const labelled_case_t *c, analyzer_score_t *o, FILE *log)
{
    seen_t s = { a->prefix, {{ "", 0 }}, 0, NULL, 0 };
    int max = -1;
    if ((c->analyzer[0] && strcmp(c->analyzer, a->name) != 0) || (!strcmp(a->name, "paths") && paths_protected(c->path)))
        return 0;
    if (labelled_run(a, c, seen_emit, &s) != 0)
        return -1;
    o->neg_files++;
    for (unsigned i = 0; i < s.n; i++)
        max = s.got[i].sev > max ? s.got[i].sev : max;
    if (s.n == 0)
        return 0;
    if (max < AN_SEV_MEDIUM) {
        o->neg_advisory++;
        if (log)
            fprintf(log, "  advisory on negative %s: %s %s at %s:%u\n", c->name, s.got[0].rule,
                    an_severity_name((an_severity_t)s.got[0].sev), s.first_file ? s.first_file : "", s.first_line);
        return 0;
    }
    o->neg_fired++;
    for (unsigned i = 0; i < s.n; i++) {
        rule_score_t *r = rule_slot(o, s.got[i].rule);
        int dup = 0;
        for (unsigned j = 0; j < i; j++)
            dup |= !strcmp(s.got[j].rule, s.got[i].rule);
        if (r && !dup)
            r->neg_files++;
    }
    if (log)
        fprintf(log, "  false positive %s: %s %s at %s:%u\n", c->name, s.got[0].rule,
                an_severity_name((an_severity_t)s.got[0].sev), s.first_file ? s.first_file : "", s.first_line);
    return 0;
}

int labelled_score(const labelled_t *l, const analyzer_entry_t *a, analyzer_score_t *o, FILE *log)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < l->n_pos; i++)
        if (score_positive(a, &l->pos[i], o, log) != 0)
            return -1;
    for (size_t i = 0; i < l->n_neg; i++)
        if (score_negative(a, &l->neg[i], o, log) != 0)
            return -1;
    return 0;
}
