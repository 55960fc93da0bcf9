/*
 * python.h: the `python` analyzer core (dangerous Python calls added by a patch).
 *
 * Scans the added lines of *.py / *.pyw files, SConstruct and SConscript
 * (SCons runs them as Python), files whose first added line is a python #!
 * line and files the job's commands run with python; the `import` lines of
 * *.pth files (site.py runs them at every interpreter start); the code cells
 * of Jupyter notebooks (*.ipynb, python_notebook.c). Line-oriented with light tokenization: string
 * literals (including prefixed and triple-quoted strings spanning lines) and
 * comments are skipped, so names inside them never match; calls are
 * recognised as a (dotted) name followed by '('.
 *
 * Outside data (taint, lite): a call whose arguments mention user input,
 * the request, argv/args, the environment, stdin, the network, an upload
 * (or a name assigned from one earlier in the file: `code = requests.get(u).text`)
 * handles outside data and keeps the severity below; otherwise the program
 * runs, loads or imports what it built itself, as the standard library does
 * (namedtuple, runpy, importlib): such findings are advisories (low).
 *
 * Rules (rule_id, severity):
 *   python.decode_exec       critical eval()/exec()/compile() of decoded or decompressed
 *                                    bytes (base64, hex, zlib, rot13, marshal ...)
 *   python.eval_exec         high    eval()/exec() of outside data, getattr(x, "eval"/"exec")
 *                                    (also spelled as joined literals), exec/eval by subscript
 *                                    (`__builtins__.__dict__["exec"](…)`) or on the builtins
 *                                    module, under another name (`run = exec`), handed to a
 *                                    call as a value with outside data (`map(exec, …)`); a file
 *                                    a download wrote earlier in the file, run (`run_path`,
 *                                    `exec(open(F)…)`, `["python3", F]`, `ctypes.CDLL(F)`);
 *                                    cProfile/profile.run(ctx) and timeit.timeit/repeat/Timer
 *                                    of outside data (they exec their statement); executable
 *                                    memory (PROT_EXEC) and a ctypes CFUNCTYPE in one file
 *                                    exec/eval/compile of a file read from /tmp, /var/tmp,
 *                                    /dev/shm or a home (python_read_origin.c)
 *                            low     ... of anything else but a plain string literal, exec/eval
 *                                    handed to a call as a value without outside data
 *                                    (importlib's `_call_with_frames_removed(exec, code, …)`),
 *                                    exec of the repository's own file whatever its path's words
 *                                    (setup.py's `exec(open('src/pkg/version.py').read())`)
 *   python.source_encoding   high    a PEP 263 declaration on line 1 or 2 (added or context)
 *                                    of utf-7, unicode_escape or raw_unicode_escape: under
 *                                    them `+AAo-` / `\n` in a comment is a newline and the
 *                                    code after it runs (python_coding.c)
 *   python.os_system         high    os.system/os.popen/commands.* with outside data,
 *                                    system/popen on another module object (an alias of
 *                                    os), getattr(x, "system"/"popen") (also as joined
 *                                    literals, `.lower()`ed or reversed), operator.methodcaller
 *                                    ("system", …), ["system"](…) by subscript, os.system
 *                                    handed over as a value with outside data
 *                                    (`partial(os.system, cmd)`, `Thread(target=os.system, …)`)
 *                            medium  ... with another computed command
 *                            low     ... with a constant string
 *   python.subprocess_shell  high    any call with shell=True (also across lines: run, call,
 *                                    Popen, check_call/check_output opened on an earlier line
 *                                    are judged by all their lines; another call, or one whose
 *                                    opening the patch does not show, counts as unseen),
 *                                    subprocess.getoutput/getstatusoutput (also on a module
 *                                    object), asyncio.create_subprocess_shell, an argv
 *                                    list `["sh", "-c", …]` (or python/perl/ruby/node -c/-e),
 *                                    `["sh"]` fed outside data (`input=`, `stdin=`),
 *                                    shell=not False, pydoc.pipepager/tempfilepager whose
 *                                    command fetches and runs code or holds outside data
 *                            medium  shell=True on a command the program computed (nothing
 *                                    outside in the call; `stdin=PIPE` names no data)
 *                            low     ... pydoc's pagers with another command, shell=True on
 *                                    a constant command
 *   python.deserialize       high    pickle/cPickle/marshal/dill/cloudpickle load(s),
 *                                    pickle.Unpickler, shelve.open, jsonpickle.decode,
 *                                    pandas.read_pickle, joblib.load, torch.load (unless
 *                                    weights_only=True), np.load(…, allow_pickle=True) of
 *                                    outside data
 *                            low     ... of anything else
 *   python.yaml_load         high    yaml.load/load_all without SafeLoader/CSafeLoader/
 *                                    BaseLoader in the call (an unsafe loader imported under
 *                                    a safe one's name does not count), yaml.unsafe_load
 *   python.dynamic_import    medium  __import__/importlib.import_module of outside data
 *                            low     ... of another computed name
 *   python.compile           medium  compile() of outside data in its source argument (its
 *                                    file name is a label: pdb's '<stdin>'; re.compile etc.
 *                                    are methods and do not match)
 *                            low     ... of other computed source
 *   python.credential_exfil  high    the whole environment (dict(os.environ), os.environ.copy(),
 *                                    json.dumps(os.environ)) or a credential file (~/.ssh/id_*,
 *                                    ~/.aws/credentials, .netrc, ...) handed to a network send
 *                                    (post/put/patch, urlopen/Request with data, send/sendall)
 *                                    on one line, or by a name bound to it earlier in the file
 *   python.reverse_shell     critical a socket connected, a descriptor dup2'ed from it (or
 *                                    given as a child's stdin), and a shell spawned, in one
 *                                    file's added lines; or a connection, a line read, and a
 *                                    shell whose -c program is computed (asyncio streams)
 */
#ifndef AIRLOCK_PYTHON_H
#define AIRLOCK_PYTHON_H

#include "an_core.h"

extern const an_analyzer_t python_analyzer;

#endif
