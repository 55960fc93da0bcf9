#!/usr/bin/env python3
"""gen_secrets_tables.py: secrets_rules.ini -> secrets_tables.h, secrets_tables.c.

The secrets analyzer's rules (ids, severities, messages, token prefixes and
body classes, the documentation examples it never reports) live in
secrets_rules.ini; this script turns them into C tables:

  secrets_rules[]    one entry per rule id (enum secrets_rule_id): severity,
                     message, whether the inline convention may allow it
  secrets_tokens[]   one entry per token prefix: class, length bounds, rule,
                     the check hook (enum secrets_check), grouped by the
                     first two bytes of the prefix (a "trigger group")
  secrets_first/second/after[256]
                     the candidate filter of the line scan: a position i can
                     start something only when
                     first[s[i]] & second[s[i+1]] & after[s[i-1]] != 0; each
                     bit is one trigger group, the assignment operators or a
                     secret-like keyword's first two letters
  secrets_allow_values[], secrets_allow_suffixes[]
                     the [allow] section

Usage: gen_secrets_tables.py [--out DIR] [--check]
  --out DIR   write into DIR (default: this script's directory)
  --check     write nothing; exit 1 when the files in --out differ
Deterministic: the same input gives the same bytes.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CLASSES = {
    "alnum": "A-Za-z0-9", "alpha": "A-Za-z", "upper_digit": "A-Z0-9", "hex": "0-9a-f",
    "hexdash": "0-9a-f-", "b64url": "A-Za-z0-9_-", "b64": "A-Za-z0-9+/=", "key": "A-Za-z0-9_",
    "slack": "A-Za-z0-9-", "hook": "A-Za-z0-9_/", "b64any": "A-Za-z0-9+/=_-",
    "b64digit": "A-Za-z0-9+/_-",   # a digit of base64 or base64url (no padding): secrets_encoded.c
}
SEVERITIES = ["info", "low", "medium", "high", "critical"]
# The secret-like keywords of the generic rule (secrets_checks.c keyword_at):
# their first two letters start a candidate.
KEYWORDS = ["secret", "token", "passwd", "password", "private_key", "auth", "api_key", "apikey",
            "api-key", "access_key", "credential", "client_key"]
# Allow markers of other scanners (and ours) start at these bytes: "nosec".
MARKER_BIGRAMS = ["no"]
# Hint bits: the line may hold an encoded value (secrets_encoded.c), so its
# decoders run only then. DECODE: b64/base64 and b32/base32 ("64", "32" after
# b or e), JavaScript's atob ("ob" after t), rot13 ("13" after t, _ or -), tr's
# N-ZA-M ("ZA" after -), .replace ("re" after .). HEX: hex, Hex ("ex" after h or H), xxd ("xd" after x).
# REVERSE: [::-1] ("::" after [), .reverse(), rev ("ev" after r). ESCAPE: a
# URL percent-escape or an HTML character reference of a token's character
# ("%2".."%7", "&#", after anything). A bit's
# previous-byte set is the union of its bigrams': a hint may come too often,
# never too rarely.
HINTS = [("DECODE", ["64", "32", "ob", "13", "ZA", "re"], "beBEtT_-."),
         ("HEX", ["ex", "xd"], "hHx"),
         ("REVERSE", ["::", "ev"], "[r"),
         ("ESCAPE", ["%2", "%3", "%4", "%5", "%6", "%7", "&#"], None)]



def fail(msg):
    sys.stderr.write("gen_secrets_tables: %s\n" % msg)
    sys.exit(2)


def parse(path):
    rules, order, tokens, allow_values, allow_suffixes = {}, [], [], [], []
    section, cur = None, None
    with open(path, encoding="utf-8") as f:
        for no, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = re.fullmatch(r"\[rule ([a-z0-9._-]+)\]", line)
            if m:
                section, cur = "rule", {"id": m.group(1), "line": no}
                tokens.append(cur)
                continue
            if line == "[allow]":
                section, cur = "allow", None
                continue
            m = re.fullmatch(r"([a-z_]+)(?: ([a-z0-9._-]+))?\s*=\s*(.*)", line)
            if not m or section is None:
                fail("%s:%d: cannot read %r" % (path, no, line))
            key, arg, val = m.group(1), m.group(2), m.group(3)
            if section == "allow":
                if key == "value" and not arg:
                    allow_values.append(val)
                elif key == "suffix" and arg:
                    allow_suffixes.append((arg, val))
                else:
                    fail("%s:%d: [allow] takes value = X or suffix <rule> = X" % (path, no))
                continue
            if key in cur:
                fail("%s:%d: %s given twice" % (path, no, key))
            cur[key] = val
    for t in tokens:
        rid = t["id"]
        if rid not in rules:
            if "severity" not in t or "message" not in t:
                fail("rule %s (line %d): first section needs severity and message" % (rid, t["line"]))
            if t["severity"] not in SEVERITIES:
                fail("rule %s: bad severity %s" % (rid, t["severity"]))
            rules[rid] = {"severity": SEVERITIES.index(t["severity"]), "message": t["message"],
                          "allowable": t.get("allowable", "no") == "yes"}
            order.append(rid)
        elif "severity" in t or "message" in t:
            fail("rule %s (line %d): severity/message belong to its first section" % (rid, t["line"]))
    for rid, _ in allow_suffixes:
        if rid not in rules:
            fail("[allow] suffix names unknown rule %s" % rid)
    return rules, order, tokens, allow_values, allow_suffixes


def c_str(s):
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            fail("non-ASCII byte in %r" % s)
    return '"' + "".join(out) + '"'


def ident(rid):
    return "SR_" + re.sub(r"[^A-Z0-9]", "_", rid.split(".", 1)[1].upper())


def expand_tokens(tokens):
    """One entry per prefix: (prefix, rule, cls, min, max, exact, word, contains, check)."""
    out = []
    for t in tokens:
        prefixes = t.get("prefix", "").split()
        check = t.get("check", "")
        if "body" in t:
            m = re.fullmatch(r"([a-z0-9_]+) (\d+)\.\.(\d+)", t["body"])
            if not m or m.group(1) not in CLASSES:
                fail("rule %s: bad body %r" % (t["id"], t["body"]))
            cls, lo, hi = m.group(1), int(m.group(2)), int(m.group(3))
            if lo > hi or hi > 65535:
                fail("rule %s: bad body bounds" % t["id"])
        else:
            cls, lo, hi = None, 0, 0
            if prefixes and not check:
                fail("rule %s: a prefix needs a body or a check" % t["id"])
        for p in prefixes:
            if len(p) < 2 or len(p) > 40:
                fail("rule %s: prefix %r must have 2..40 bytes" % (t["id"], p))
            out.append({"prefix": p, "rule": t["id"], "cls": cls, "min": lo, "max": hi,
                        "exact": t.get("exact", "no") == "yes",
                        "word": t.get("boundary", "word") == "word",
                        "contains": t.get("contains"), "check": check})
    out.sort(key=lambda e: (e["prefix"][:2], -len(e["prefix"]), e["prefix"]))
    return out


def is_alnum(c):
    return c.isascii() and c.isalnum()


def build_filter(entries):
    """Trigger groups (bits) and the three byte tables."""
    first, second, after = [0] * 256, [0] * 256, [0] * 256
    groups = []       # (bigram, word_boundary)
    for e in entries:
        key = (e["prefix"][:2], e["word"])
        if key not in groups:
            groups.append(key)
    kw_bigrams = sorted({k[:2] for k in KEYWORDS})
    nbits = len(groups) + 1 + len(MARKER_BIGRAMS) + 2 * len(kw_bigrams) + len(HINTS)
    if nbits > 64:
        fail("%d trigger bits do not fit 64" % nbits)
    bit = 0
    group_bit = {}
    for (bg, word) in groups:
        group_bit[(bg, word)] = bit
        first[ord(bg[0])] |= 1 << bit
        second[ord(bg[1])] |= 1 << bit
        for p in range(256):
            if not word or not is_alnum(chr(p)):
                after[p] |= 1 << bit
        bit += 1
    op_bit = bit
    for c in "=:":
        first[ord(c)] |= 1 << op_bit
    for x in range(256):
        second[x] |= 1 << op_bit
        after[x] |= 1 << op_bit
    bit += 1
    marker_mask = 0
    for bg in MARKER_BIGRAMS:
        first[ord(bg[0])] |= 1 << bit
        second[ord(bg[1])] |= 1 << bit
        for p in range(256):
            if not is_alnum(chr(p)):
                after[p] |= 1 << bit
        marker_mask |= 1 << bit
        bit += 1
    kw_mask = 0
    for bg in kw_bigrams:
        # lower-case start: only at a word start
        first[ord(bg[0])] |= 1 << bit
        second[ord(bg[1])] |= 1 << bit
        second[ord(bg[1].upper())] |= 1 << bit
        for p in range(256):
            if not is_alnum(chr(p)):
                after[p] |= 1 << bit
        kw_mask |= 1 << bit
        bit += 1
        # upper-case start (Secret, SECRET): a word start or a camelCase hump
        first[ord(bg[0].upper())] |= 1 << bit
        second[ord(bg[1])] |= 1 << bit
        second[ord(bg[1].upper())] |= 1 << bit
        for p in range(256):
            ch = chr(p)
            if not is_alnum(ch) or ("a" <= ch <= "z"):
                after[p] |= 1 << bit
        kw_mask |= 1 << bit
        bit += 1
    hint_masks = []
    for (_, bigrams, prev) in HINTS:
        mask = 1 << bit
        for bg in bigrams:
            first[ord(bg[0])] |= mask
            second[ord(bg[1])] |= mask
        for c in (prev if prev is not None else map(chr, range(256))):
            after[ord(c)] |= mask
        hint_masks.append(mask)
        bit += 1
    return groups, group_bit, op_bit, marker_mask, kw_mask, hint_masks, first, second, after


def class_table():
    """secrets_class[]: the body classes as bits, one bit per class."""
    names = sorted(CLASSES)
    table = [0] * 256
    for i, n in enumerate(names):
        spec = CLASSES[n]
        chars = set()
        k = 0
        while k < len(spec):
            if k + 2 < len(spec) and spec[k + 1] == "-":
                chars.update(chr(c) for c in range(ord(spec[k]), ord(spec[k + 2]) + 1))
                k += 3
            else:
                chars.add(spec[k])
                k += 1
        for c in chars:
            table[ord(c)] |= 1 << i
    return names, table


def hex_rows(vals, width, per_row):
    rows = []
    for i in range(0, 256, per_row):
        rows.append("    " + ", ".join("0x%0*x" % (width, v) for v in vals[i:i + per_row]) + ",")
    return "\n".join(rows)


HEADER_NOTE = ("GENERATED by plugins/secrets/gen_secrets_tables.py from secrets_rules.ini;\n"
               " * do not edit: edit the .ini and run the script (ctest secrets_tables_current\n"
               " * proves these files are current)")


def gen(ini):
    rules, order, tokens, allow_values, allow_suffixes = parse(ini)
    entries = expand_tokens(tokens)
    groups, group_bit, op_bit, marker_mask, kw_mask, hint_masks, first, second, after = build_filter(entries)
    cls_names, cls_table = class_table()
    checks = sorted({e["check"] for e in entries if e["check"]} |
                    {t.get("check") for t in tokens if t.get("check")})
    h = []
    h.append("/*\n * secrets_tables.h: the tables of the secrets analyzer.\n * %s.\n */" % HEADER_NOTE)
    h.append("#ifndef AIRLOCK_SECRETS_TABLES_H\n#define AIRLOCK_SECRETS_TABLES_H\n\n#include <stdint.h>\n")
    h.append("/* Rule ids, in secrets_rules.ini order. */\nenum secrets_rule_id {")
    for rid in order:
        h.append("    %s, /* %s */" % (ident(rid), rid))
    h.append("    SR_COUNT\n};\n")
    h.append("/* Rules implemented in code (secrets_checks.c), by `check` name. */\nenum secrets_check {")
    h.append("    SCHK_NONE = 0,")
    for c in checks:
        h.append("    SCHK_%s," % c.upper())
    h.append("};\n")
    h.append("/* Body classes: bit (1 << SCL_x) of secrets_class[]. */\nenum secrets_body_class {")
    for i, n in enumerate(cls_names):
        h.append("    SCL_%s = %d," % (n.upper(), i))
    h.append("};\n")
    h.append("""typedef struct {
    const char *id;
    uint8_t severity;          /* an_severity_t */
    uint8_t allowable;         /* the inline convention may allow it */
    const char *message;
} secrets_rule_info_t;

typedef struct {
    const char *prefix;
    uint8_t plen;
    uint8_t rule;              /* enum secrets_rule_id */
    uint8_t check;             /* enum secrets_check, SCHK_NONE for a plain token */
    uint8_t cls;               /* enum secrets_body_class; 255: no body (a check) */
    uint8_t exact;             /* the body must end at max */
    uint16_t min, max;         /* body length */
    const char *contains;      /* NULL or a literal the body must contain */
} secrets_token_t;

typedef struct {
    uint8_t rule;
    const char *suffix;
} secrets_allow_suffix_t;
""")
    h.append("#define SECRETS_N_GROUPS %d" % len(groups))
    h.append("#define SECRETS_OP_BIT %d" % op_bit)
    h.append("#define SECRETS_MARKER_MASK UINT64_C(0x%x)" % marker_mask)
    for (name, _, _), mask in zip(HINTS, hint_masks):
        h.append("#define SECRETS_HINT_%s UINT64_C(0x%x)" % (name, mask))
    h.append("#define SECRETS_HINT_MASK UINT64_C(0x%x)" % sum(hint_masks))
    h.append("#define SECRETS_KEYWORD_MASK UINT64_C(0x%x)" % kw_mask)
    h.append("""
extern const secrets_rule_info_t secrets_rules[SR_COUNT];
/* Token prefixes sorted by trigger group; group g is
 * secrets_tokens[secrets_group_first[g] .. + secrets_group_count[g]). */
extern const secrets_token_t secrets_tokens[];
extern const uint16_t secrets_group_first[SECRETS_N_GROUPS];
extern const uint16_t secrets_group_count[SECRETS_N_GROUPS];
extern const uint16_t secrets_class[256];  /* bit (1 << SCL_x): byte is in class x */
extern const uint64_t secrets_first[256];
extern const uint64_t secrets_second[256];
extern const uint64_t secrets_after[256];
extern const char *const secrets_allow_values[];        /* NULL-terminated */
extern const secrets_allow_suffix_t secrets_allow_suffixes[]; /* ends with suffix NULL */
""")
    h.append("#endif")
    c = []
    c.append("/*\n * secrets_tables.c: the tables of the secrets analyzer.\n * %s.\n */" % HEADER_NOTE)
    c.append('#include "secrets_tables.h"\n\n#include <stddef.h>\n')
    c.append("const secrets_rule_info_t secrets_rules[SR_COUNT] = {")
    for rid in order:
        r = rules[rid]
        c.append("    [%s] = {%s, %d, %d,\n        %s}," % (ident(rid), c_str(rid), r["severity"],
                                                            1 if r["allowable"] else 0, c_str(r["message"])))
    c.append("};\n")
    c.append("const secrets_token_t secrets_tokens[] = {")
    gfirst, gcount = [], []
    for gi, g in enumerate(groups):
        members = [e for e in entries if (e["prefix"][:2], e["word"]) == g]
        gfirst.append(len([e for e in entries if groups.index((e["prefix"][:2], e["word"])) < gi]))
        gcount.append(len(members))
    ordered = sorted(entries, key=lambda e: (groups.index((e["prefix"][:2], e["word"])),
                                             -len(e["prefix"]), e["prefix"]))
    for e in ordered:
        c.append("    {%s, %d, %s, SCHK_%s, %s, %d, %d, %d, %s}," % (
            c_str(e["prefix"]), len(e["prefix"]), ident(e["rule"]),
            e["check"].upper() if e["check"] else "NONE",
            ("SCL_" + e["cls"].upper()) if e["cls"] else "255", 1 if e["exact"] else 0,
            e["min"], e["max"], c_str(e["contains"]) if e["contains"] else "NULL"))
    c.append("    {NULL, 0, 0, 0, 0, 0, 0, 0, NULL},\n};\n")
    c.append("/* Trigger groups: " + ", ".join("%d=%r%s" % (i, g[0], "" if g[1] else "(any)")
                                                for i, g in enumerate(groups)) + " */")
    c.append("const uint16_t secrets_group_first[SECRETS_N_GROUPS] = {%s};" % ", ".join(map(str, gfirst)))
    c.append("const uint16_t secrets_group_count[SECRETS_N_GROUPS] = {%s};\n" % ", ".join(map(str, gcount)))
    c.append("const uint16_t secrets_class[256] = {\n%s\n};\n" % hex_rows(cls_table, 3, 12))
    for name, tab in (("first", first), ("second", second), ("after", after)):
        c.append("const uint64_t secrets_%s[256] = {\n%s\n};\n" % (name, hex_rows(tab, 16, 4)))
    c.append("const char *const secrets_allow_values[] = {")
    for v in sorted(allow_values):
        c.append("    %s," % c_str(v))
    c.append("    NULL,\n};\n")
    c.append("const secrets_allow_suffix_t secrets_allow_suffixes[] = {")
    for rid, suf in allow_suffixes:
        c.append("    {%s, %s}," % (ident(rid), c_str(suf)))
    c.append("    {0, NULL},\n};")
    return "\n".join(h) + "\n", "\n".join(c) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--ini", default=os.path.join(HERE, "secrets_rules.ini"))
    a = ap.parse_args()
    hdr, src = gen(a.ini)
    stale = []
    for name, text in (("secrets_tables.h", hdr), ("secrets_tables.c", src)):
        path = os.path.join(a.out, name)
        if a.check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(path)
            except OSError:
                stale.append(path)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if stale:
        sys.stderr.write("stale (run plugins/secrets/gen_secrets_tables.py): %s\n" % ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
