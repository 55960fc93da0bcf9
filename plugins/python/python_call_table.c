/*
 * python_call_table.c: the calls the `python` analyzer has a rule for
 * (python.h lists the rules): each name with its rule, severity, kind and
 * message, and the lookup that finds a name's rule. Read-only tables.
 */
#include "python_internal.h"

#include <string.h>

/* Names called bare (`eval(…)`), then dotted names (`os.system(…)`): a
 * lookup scans only the table its name's shape picks. */
static const call_rule_t s_bare_calls[] = {
    {"eval", 4, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"exec", 4, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"runsource", 9, "python.eval_exec", AN_SEV_HIGH, K_METHOD, MSG_EVAL, NULL},
    {"runcode", 7, "python.eval_exec", AN_SEV_HIGH, K_METHOD, MSG_EVAL, NULL},
    {"compile", 7, "python.compile", AN_SEV_MEDIUM, K_NONLITERAL, MSG_COMP, NULL},
    {"__import__", 10, "python.dynamic_import", AN_SEV_MEDIUM, K_NONLITERAL, MSG_IMP, NULL},
    {"system", 6, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
    {"popen", 5, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
};

static const call_rule_t s_calls[] = {
    {"builtins.eval", 13, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"builtins.exec", 13, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"builtins.compile", 16, "python.compile", AN_SEV_MEDIUM, K_NONLITERAL, MSG_COMP, NULL},
    {"importlib.import_module", 23, "python.dynamic_import", AN_SEV_MEDIUM, K_NONLITERAL, MSG_IMP, NULL},
    {"importlib.__import__", 20, "python.dynamic_import", AN_SEV_MEDIUM, K_NONLITERAL, MSG_IMP, NULL},
    {"os.system", 9, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
    {"os.popen", 8, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
    {"commands.getoutput", 18, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
    {"commands.getstatusoutput", 24, "python.os_system", AN_SEV_HIGH, K_SYSTEM, MSG_SYS, NULL},
    {"subprocess.getoutput", 20, "python.subprocess_shell", AN_SEV_HIGH, K_ALWAYS, MSG_SUB, NULL},
    {"subprocess.getstatusoutput", 26, "python.subprocess_shell", AN_SEV_HIGH, K_ALWAYS, MSG_SUB, NULL},
    {"asyncio.create_subprocess_shell", 31, "python.subprocess_shell", AN_SEV_HIGH, K_ALWAYS, MSG_SUB, NULL},
    {"pickle.load", 11, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"pickle.loads", 12, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"pickle.Unpickler", 16, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"cPickle.load", 12, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"cPickle.loads", 13, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"_pickle.loads", 13, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"marshal.load", 12, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"marshal.loads", 13, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"shelve.open", 11, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"dill.load", 9, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"dill.loads", 10, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"cloudpickle.load", 16, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"cloudpickle.loads", 17, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"jsonpickle.decode", 17, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"pandas.read_pickle", 18, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"pd.read_pickle", 14, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"joblib.load", 11, "python.deserialize", AN_SEV_HIGH, K_DESER, MSG_DES, NULL},
    {"torch.load", 10, "python.deserialize", AN_SEV_HIGH, K_DESER_UNLESS, MSG_DES, "weights_only"},
    {"np.load", 7, "python.deserialize", AN_SEV_HIGH, K_DESER_IF, MSG_DES, "allow_pickle"},
    {"numpy.load", 10, "python.deserialize", AN_SEV_HIGH, K_DESER_IF, MSG_DES, "allow_pickle"},
    /* the profilers and timeit run a statement given as source text */
    {"cProfile.run", 12, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"cProfile.runctx", 15, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"profile.run", 11, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"profile.runctx", 14, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"timeit.timeit", 13, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"timeit.repeat", 13, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    {"timeit.Timer", 12, "python.eval_exec", AN_SEV_HIGH, K_NONLITERAL, MSG_EVAL, NULL},
    /* pydoc's pagers hand their cmd to the shell */
    {"pydoc.pipepager", 15, "python.subprocess_shell", AN_SEV_HIGH, K_SHELLCMD, MSG_SUB, NULL},
    {"pydoc.tempfilepager", 19, "python.subprocess_shell", AN_SEV_HIGH, K_SHELLCMD, MSG_SUB, NULL},
    {"yaml.load", 9, "python.yaml_load", AN_SEV_HIGH, K_YAML, MSG_YAML, NULL},
    {"yaml.load_all", 13, "python.yaml_load", AN_SEV_HIGH, K_YAML, MSG_YAML, NULL},
    {"yaml.unsafe_load", 16, "python.yaml_load", AN_SEV_HIGH, K_ALWAYS, MSG_YAML, NULL},
    {"yaml.unsafe_load_all", 20, "python.yaml_load", AN_SEV_HIGH, K_ALWAYS, MSG_YAML, NULL},
};

/* Table lookup after a cheap (length, first byte) filter; no string scans for
 * the common names that are not in the table. */
const call_rule_t *py_call_lookup(const char *name, size_t n)
{
    static const char first[] = "_abcdeijmnoprsty"; /* first bytes of the tables' names */
    if (n < 4 || n > 31 || !memchr(first, name[0], sizeof first - 1))
        return NULL;
    const call_rule_t *table = s_calls;
    size_t count = sizeof s_calls / sizeof s_calls[0];
    if (!memchr(name, '.', n)) {
        table = s_bare_calls;
        count = sizeof s_bare_calls / sizeof s_bare_calls[0];
    }
    for (size_t i = 0; i < count; i++)
        if (table[i].len == n && table[i].name[0] == name[0] && memcmp(table[i].name, name, n) == 0)
            return &table[i];
    return NULL;
}
