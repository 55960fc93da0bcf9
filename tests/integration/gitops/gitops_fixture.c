/*
 * gitops_fixture.c: builds the repositories of gitops_fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/error.h"
#include "gitops_fixture.h"

#define GIT "git -c user.name=airlock-test -c user.email=test@airlock.invalid -c init.defaultBranch=main " \
            "-c core.autocrlf=false -c commit.gpgsign=false"

void fx_sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

char *fx_sh_out(size_t *len, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    FILE *p;
    char *buf = NULL;
    size_t n = 0, cap = 0;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_non_null(p = popen(cmd, "r"));
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 8192;
            assert_non_null(buf = realloc(buf, cap));
        }
        size_t r = fread(buf + n, 1, cap - n - 1, p);
        if (r == 0)
            break;
        n += r;
    }
    buf[n] = '\0';
    if (pclose(p) != 0)
        fail_msg("command failed: %s", cmd);
    if (len)
        *len = n;
    return buf;
}

static void rev(const char *repo, const char *what, char out[41])
{
    char *s = fx_sh_out(NULL, GIT " -C %s rev-parse %s", repo, what);
    assert_true(strlen(s) >= 40);
    memcpy(out, s, 40);
    out[40] = '\0';
    free(s);
}

static void make_source(fx_t *fx)
{
    fx_sh(GIT " init -q %s", fx->src);
    fx_sh("cd %s && mkdir -p src .github/workflows && printf 'hello\\n' > README.md && "
          "printf '#include <stdio.h>\\nint main(void)\\n{\\n    puts(\"one\");\\n    puts(\"two\");\\n"
          "    puts(\"three\");\\n    return 0;\\n}\\n' > src/main.c && "
          "printf 'print(1)\\n' > src/util.py && printf 'all:\\n\\tcc -o main src/main.c\\n' > Makefile && "
          "printf '*.log\\nbuild/\\n' > .gitignore && printf 'on: push\\n' > .github/workflows/ci.yml && "
          "printf '#!/bin/sh\\necho run\\n' > run.sh && chmod +x run.sh && "
          "printf 'docs\\n' > notes.txt && ln -s README.md readme-link",
          fx->src);
    fx_sh("cd %s && " GIT " add -A && " GIT " commit -q -m one && " GIT " tag v1", fx->src);
    rev(fx->src, "HEAD", fx->c1);
    fx_sh("cd %s && printf 'hello\\nworld\\n' > README.md && " GIT " commit -q -am two", fx->src);
    rev(fx->src, "HEAD", fx->c2);
    fx_sh(GIT " clone -q %s %s", fx->src, fx->scratch);
}

int fx_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof(*fx));
    const char *tmp = getenv("TMPDIR");
    if (!fx)
        return -1;
    snprintf(fx->root, sizeof(fx->root), "%s/gitops-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->root))
        return -1;
    snprintf(fx->src, sizeof(fx->src), "%s/src", fx->root);
    snprintf(fx->cache, sizeof(fx->cache), "%s/cache", fx->root);
    snprintf(fx->scratch, sizeof(fx->scratch), "%s/scratch", fx->root);
    make_source(fx);
    assert_int_equal(gitops_init(), 0);
    *state = fx;
    return 0;
}

int fx_teardown(void **state)
{
    fx_t *fx = *state;
    int rc = gitops_dir_remove(fx->root);
    free(fx);
    return rc;
}

char *fx_patch(fx_t *fx, const char *base, const char *cmds, size_t *len)
{
    fx_sh("cd %s && " GIT " checkout -q -f %s && " GIT " clean -qffdx", fx->scratch, base);
    fx_sh("cd %s && %s", fx->scratch, cmds);
    fx_sh("cd %s && " GIT " add -A", fx->scratch);
    return fx_sh_out(len, "cd %s && " GIT " diff --cached --binary %s", fx->scratch, base);
}

void fx_dir(fx_t *fx, char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s-%d", fx->root, name, ++fx->seq);
}

gitops_workspace_t *fx_ws(fx_t *fx, const char *base, int use_cache)
{
    gitops_source_t src = GITOPS_SOURCE_INIT;
    gitops_workspace_t *ws = NULL;
    char dir[256];
    int rc;

    fx_dir(fx, dir, sizeof(dir), "ws");
    src.url = fx->src;
    src.base = base;
    src.cache_dir = use_cache ? fx->cache : NULL;
    src.task_id = "test";
    rc = gitops_workspace_new(&ws, &src, dir);
    if (rc != 0)
        fail_msg("gitops_workspace_new: %s", al_err_msg());
    return ws;
}

int fx_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

char *fx_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    if (!f)
        return NULL;
    assert_non_null(buf = calloc(1, 65536));
    n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}
