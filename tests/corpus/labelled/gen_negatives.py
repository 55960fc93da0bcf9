#!/usr/bin/env python3
"""gen_negatives.py: the negative half of the labelled analyzer corpus.

Negatives are real files nobody here wrote, which no analyzer may fire on:
Debian-packaged sources on this machine (the Python standard library, shell
scripts and Makefiles under /usr/share and /usr/lib, C headers, JSON/YAML,
Perl modules, documentation) and files of the corpus bundles
(/work/shared/corpus: inih in C, more-itertools in Python, with their CI
workflows). They are not copied into the tree (third-party code under its
own licence): negatives.manifest pins each one by sha256, and the readers
(tests/unit/analyzers/labelled.c) take a file only when its bytes match.

The selection is deterministic: per category, the candidates (size 256 B ..
200 KiB, text) are ordered by sha1 of their path and the first N kept.

Only files of packages scripts/setup installs (and their dependencies) are
taken, so a CI machine set up by that script holds the same files.

Usage: gen_negatives.py [--bundles DIR] [--out FILE]
Manifest lines: <sha256> <size> deb <package> <absolute path>
                <sha256> <size> bundle <name> <commit> <path in the repository>
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MIN, MAX = 256, 200 * 1024

CATEGORIES = [
    # (name, roots, predicate, count)
    ("python", ["/usr/lib/python3.11"], lambda p: p.endswith(".py") and "/test/" not in p, 120),
    ("shell", ["/usr/share", "/usr/lib"], lambda p: p.endswith(".sh"), 45),
    ("shebang", ["/usr/lib/git-core", "/usr/share/debconf", "/usr/lib/dpkg", "/usr/sbin", "/usr/bin"],
     lambda p: "." not in os.path.basename(p), 25),
    ("make", ["/usr/share", "/usr/lib"], lambda p: os.path.basename(p) in ("Makefile", "GNUmakefile") or
     p.endswith(".mk"), 25),
    ("c", ["/usr/include"], lambda p: p.endswith(".h"), 40),
    ("config", ["/usr/share", "/usr/lib/python3.11"], lambda p: p.endswith((".json", ".yml", ".yaml", ".toml",
                                                                            ".ini", ".cfg")), 25),
    ("perl", ["/usr/share/perl5", "/usr/share/perl"], lambda p: p.endswith(".pm"), 20),
    ("docs", ["/usr/share/doc", "/usr/lib/python3.11"], lambda p: p.endswith((".md", ".rst", ".txt")), 20),
]
BUNDLES = {"inih": None, "more-itertools": None}


def is_text(data):
    return b"\0" not in data[:8192]


def setup_packages():
    """The packages scripts/setup installs, and everything they depend on."""
    text = open(os.path.join(HERE, "../../../scripts/setup"), encoding="utf-8").read()
    block = text.split("packages=(", 1)[1].split(")", 1)[0]
    names = [w for line in block.split("\n") for w in line.split("#", 1)[0].split()]
    out = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                          "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"] + names,
                         check=True, capture_output=True, text=True).stdout
    return sorted({l.strip() for l in out.split("\n") if l and not l.startswith(" ") and "<" not in l})


def owned_files():
    """path -> package, for the packages of setup_packages() installed here."""
    owner = {}
    for pkg in setup_packages():
        r = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
        for p in r.stdout.split("\n"):
            if p.startswith("/"):
                owner.setdefault(p, pkg)
    return owner


def candidates(roots, pred, owner):
    seen = set()
    for root in roots:
        for d, dirs, names in os.walk(root):
            dirs.sort()
            for n in sorted(names):
                p = os.path.join(d, n)
                if p in seen or p not in owner or os.path.islink(p) or not pred(p):
                    continue
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                if MIN <= st.st_size <= MAX:
                    seen.add(p)
                    yield p


def pick(paths, n):
    return sorted(paths, key=lambda p: hashlib.sha1(p.encode()).hexdigest())[:n]


def deb_entries():
    out = []
    owner = owned_files()
    for name, roots, pred, n in CATEGORIES:
        got = 0
        for p in pick(list(candidates(roots, pred, owner)), n * 3):
            data = open(p, "rb").read()
            if not is_text(data) or (name == "shebang" and not data.startswith(b"#!")):
                continue
            out.append((hashlib.sha256(data).hexdigest(), len(data), "deb", "%s %s" % (owner[p], p)))
            got += 1
            if got == n:
                break
    return out


def bundle_entries(bundles):
    out = []
    for name in sorted(BUNDLES):
        path = os.path.join(bundles, name + ".bundle")
        if not os.path.exists(path):
            sys.stderr.write("gen_negatives: %s missing, skipped\n" % path)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["git", "clone", "-q", "--bare", path, tmp + "/r"], check=True)
            git = ["git", "--git-dir", tmp + "/r"]
            head = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True,
                                  text=True).stdout.strip()
            files = subprocess.run(git + ["ls-tree", "-r", "--name-only", head], check=True, capture_output=True,
                                   text=True).stdout.split("\n")
            for f in sorted(x for x in files if x):
                data = subprocess.run(git + ["show", "%s:%s" % (head, f)], check=True,
                                      capture_output=True).stdout
                if MIN <= len(data) <= MAX and is_text(data):
                    out.append((hashlib.sha256(data).hexdigest(), len(data), "bundle", "%s %s %s" % (name, head, f)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundles", default=os.path.normpath(os.path.join(HERE, "../../../../shared/corpus")))
    ap.add_argument("--out", default=os.path.join(HERE, "negatives.manifest"))
    a = ap.parse_args()
    entries = deb_entries() + bundle_entries(a.bundles)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("# negatives.manifest: generated by gen_negatives.py; real files no analyzer may fire on,\n"
                "# pinned by sha256 (see the script's header). <sha256> <size> deb <package> <path> |\n"
                "# <sha256> <size> bundle <name> <commit> <path>\n")
        for sha, size, kind, where in entries:
            f.write("%s %d %s %s\n" % (sha, size, kind, where))
    print("wrote %d negatives to %s" % (len(entries), a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
