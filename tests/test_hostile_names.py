"""Hostile names (issue 7): data from the dump never takes over a terminal or breaks a JSON
document, and the exact bytes of a name can be read back from either output.

The hostile-names sample (samples/guest/scenarios/daxhold.c scenario_hostile) holds DAX files
whose names carry a newline, ESC sequences, other C0 controls and DEL, C1 controls as UTF-8,
invalid UTF-8, valid non-ASCII UTF-8, JSON syntax with a backslash and 255 bytes, and a pin
holder whose comm is hostile too.  truth.json has the names' bytes (construction.mappings[]
name_hex, by construction) and the comm as the kernel recorded it (kernel.tasks[], one code
point per byte).  Both front ends -- dax.so in the sample's own crash (test_crash_ext's
session) and the drgn script as a user runs it (bytes from its stdout) -- must print every
name in the display form of docs/json-schema.md: no control byte but the line ends, one line
per file, and -j documents that are strict UTF-8 JSON whose names decode back to the truth
bytes; the files' entries are truth's.  The display rule itself: the shared vectors
(share/test-vectors/decoders.json display_escape, also run by the C unit tests) and a
round trip over random bytes.
"""
import json
import os
import random
import re
import subprocess
import sys

from harness import SYS_PYTHON, Skip, hexint, per_sample
from frontend_truth import display_bytes, named_pfns
from test_drgn import DRGN_DIR, SCRIPT, run_drgn, symbol_args, vectors
from test_open import drgn_available

sys.path.insert(0, DRGN_DIR)

SCENARIOS = ("hostile-names",)


# ---------------------------------------------------------------- the rule (drgn helper)

def test_display_escape_shared_vectors():
    """drgn's escape_bytes gives the shared vectors' text, truncation included (the C core's
    dt_escape runs the same vectors in crash-ext/tests/test_vectors.c)."""
    from daxtriage.escape import escape_bytes
    vs = vectors()["display_escape"]
    assert vs, "no display_escape vectors"
    for v in vs:
        got = escape_bytes(bytes.fromhex(v["bytes"]), v["cap"])
        assert got == v["text"], f"{v['bytes']} cap {v['cap']}: {got!r} != {v['text']!r}"


def assert_display_safe(label, text):
    """No C0 control but '\\n' line ends, no DEL, no C1 control, no lone surrogate (a byte
    that was not UTF-8 in a str), no U+FFFD (one replaced when the output was decoded)."""
    for i, ch in enumerate(text):
        o = ord(ch)
        if (o < 0x20 and ch != "\n") or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF or o == 0xFFFD:
            raise AssertionError(f"{label}: raw U+{o:04X} at {i}: {text[max(0, i - 60):i + 20]!r}")


def test_display_escape_round_trip():
    """Any bytes: the display form is safe, valid UTF-8, and decodes (the documented reader,
    frontend_truth.display_bytes) back to the bytes; escape_str agrees on surrogateescape'd
    str; unescape is that reader."""
    from daxtriage.escape import escape_bytes, escape_str, unescape
    rnd = random.Random(7)
    pool = [bytes([b]) for b in range(256)] + [b"\xc3\xa9", b"\xe6\x97\xa5", b"\xf0\x9f\x93\x81",
                                               b"\xc2\x9b", b"\\x41", b"\\\\"]
    for n in range(3000):
        b = b"".join(rnd.choice(pool) for _ in range(rnd.randrange(0, 40)))
        s = escape_bytes(b)
        assert_display_safe(f"{b!r}", s)
        s.encode("utf-8")  # strict: no surrogate left
        assert display_bytes(s) == b, f"{b!r} -> {s!r} -> {display_bytes(s)!r}"
        assert unescape(s) == b
        assert escape_str(b.decode("utf-8", errors="surrogateescape")) == s


# ---------------------------------------------------------------- the sample, both front ends

def truth_files(t):
    """[(name bytes, kernel file record)] of the sample's files: construction's name_hex joined
    to the kernel's record by path."""
    files = {f["path"]: f for f in t["kernel"]["files"]}
    out = []
    for m in t["construction"]["mappings"]:
        assert "name_hex" in m, f"{m['path']}: no name_hex in truth"
        out.append((bytes.fromhex(m["name_hex"]), files[m["path"]]))
    return out


def truth_comm(task):
    """A comm as daxtruth recorded it: every byte outside printable ASCII as \\u00XX, so one
    code point per byte."""
    return bytes(ord(c) for c in task["comm"])


def hostile_holder(t):
    """The pin holder with a hostile comm: (pid, comm bytes)."""
    for task in t["kernel"]["tasks"]:
        b = truth_comm(task)
        if any(c < 0x20 or c >= 0x7F for c in b):
            return task["pid"], b
    raise AssertionError("truth records no task with a hostile comm")


def check_outputs(label, outs, t):
    """outs: {name: text} with all.txt/all.json (daxmap -a), file{i}.txt/.json (daxmap of
    file i), daxcheck.txt/.json, page{pfn}.json and page{pin}.txt."""
    for name, text in outs.items():
        if text is not None and not name.startswith("_"):
            assert_display_safe(f"{label} {name}", text)
    files = truth_files(t)
    assert len(files) >= 8, f"{label}: truth holds {len(files)} files"

    # daxmap -a: one header line per file, the name on it; the name on no other line
    lines = outs["all.txt"].splitlines()
    heads = {}
    for line in lines:
        if line.startswith("INODE: "):
            m = re.match(r'INODE: [0-9a-f]+  .*  MAPPING: ([0-9a-f]+)  NRPAGES: \d+  NAME: "(.*)"$',
                         line)
            assert m, f"{label}: daxmap -a header {line!r}"
            heads[int(m[1], 16)] = m[2]
    for nb, f in files:
        shown = heads.get(hexint(f["mapping"]))
        assert shown is not None, f"{label}: daxmap -a has no header for {nb!r}"
        assert display_bytes(shown) == nb, f"{label}: daxmap -a shows {shown!r} for {nb!r}"
        on = [line for line in lines if f'"{shown}"' in line]
        assert len(on) == 1, f"{label}: {nb!r} on {len(on)} lines"

    # daxmap -a -j: strict JSON, names back to the bytes, entries as truth's
    doc = json.loads(outs["all.json"])
    by_mapping = {hexint(m["mapping"]): m for m in doc["mappings"]}
    for nb, f in files:
        m = by_mapping.get(hexint(f["mapping"]))
        assert m is not None, f"{label}: daxmap -a -j misses {nb!r}"
        assert display_bytes(m["dentry_name"]) == nb, f"{label}: -j {m['dentry_name']!r} != {nb!r}"
        assert_display_safe(f"{label} -j dentry_name", m["dentry_name"])  # the display form itself
        got = [(e["index"], hexint(e["raw"])) for e in m["entries"]]
        want = [(e["index"], hexint(e["raw"])) for e in f["entries"]]
        assert want and got == want, f"{label}: {nb!r} entries {got} != truth {want}"

    # daxmap of each file (text and -j), as test_crash_ext and test_drgn name them
    for i, f in enumerate(t["kernel"]["files"]):
        nb = dict((fr["path"], n) for n, fr in files)[f["path"]]
        d = json.loads(outs[f"file{i}.json"])
        assert display_bytes(d["mappings"][0]["dentry_name"]) == nb, f"{label}: file{i}.json"
        heads = [x for x in outs[f"file{i}.txt"].splitlines() if x.startswith("INODE: ")]
        assert len(heads) == 1 and display_bytes(heads[0].split('  NAME: "', 1)[1][:-1]) == nb, \
            f"{label}: file{i}.txt header {heads}"

    # daxpage -j of every named page of a file: its dentry name
    by_map = {hexint(f["mapping"]): nb for nb, f in files}
    pages = {p["pfn"]: p for p in t["kernel"]["pages"]["pages"]}
    seen = 0
    for pfn in named_pfns(t):
        nb = by_map.get(hexint(pages[pfn]["mapping"]))
        if nb is None:
            continue
        d = json.loads(outs[f"page{pfn:x}.json"])
        assert display_bytes(d["dentry_name"]) == nb, f"{label}: daxpage {pfn:#x} {d['dentry_name']!r}"
        seen += 1
    assert seen >= len(files), f"{label}: {seen} daxpage documents name a file"

    # the hostile comm of the pin holder: daxcheck -j and text
    pid, comm = hostile_holder(t)
    doc = json.loads(outs["daxcheck.json"])
    holders = [h for f in doc["findings"] for h in f.get("holders") or [] if h["pid"] == pid]
    assert holders, f"{label}: daxcheck names no holder pid {pid}"
    for h in holders:
        assert display_bytes(h["comm"]) == comm, f"{label}: holder comm {h['comm']!r} != {comm!r}"
        assert_display_safe(f"{label} -j comm", h["comm"])
    m = re.search(rf"pid {pid} \((.*)\) fd ", outs["daxcheck.txt"])
    assert m and display_bytes(m[1]) == comm, f"{label}: daxcheck text holder {m and m[1]!r}"


def drgn_commands(t):
    cmds = [("all.txt", ["daxmap", "-a"]), ("all.json", ["daxmap", "-a", "-j"]),
            ("daxcheck.txt", ["daxcheck", "-v"]), ("daxcheck.json", ["daxcheck", "-j"])]
    for i, f in enumerate(t["kernel"]["files"]):
        cmds += [(f"file{i}.txt", ["daxmap", f["mapping"]]),
                 (f"file{i}.json", ["daxmap", "-j", f["mapping"]])]
    cmds += [(f"page{pfn:x}.json", ["daxpage", "-j", f"{pfn:x}"]) for pfn in named_pfns(t)]
    return cmds


@per_sample(scenarios=SCENARIOS)
def test_drgn_script_output_is_safe_and_exact(s):
    """The drgn front end: daxmap -a and daxmap -a -j as a user runs drgn/daxtriage.py (stdout's
    bytes strict UTF-8, in the C locale), the other commands in one drgn process
    (test_drgn.run_drgn); no control byte; names, comms and entries as truth has them."""
    drgn_available()
    base = [SYS_PYTHON, "-m", "drgn", "-q", "-c", s.path("vmcore")] + symbol_args(s) + [SCRIPT]
    env = dict(os.environ, LC_ALL="C", LANG="C")  # no UTF-8 locale: the output must not care
    outs = {}
    for name, argv in (("all.txt", ["daxmap", "-a"]), ("all.json", ["daxmap", "-a", "-j"])):
        r = subprocess.run(base + argv, capture_output=True, timeout=600, env=env)
        assert r.returncode == 0, f"drgn {' '.join(argv)}: exit {r.returncode}: {r.stderr[-400:]!r}"
        try:
            outs[name] = r.stdout.decode("utf-8")  # strict
        except UnicodeDecodeError as e:
            raise AssertionError(f"drgn {' '.join(argv)}: stdout is not UTF-8: {e}")
    res, _ = run_drgn(s, "vmcore", drgn_commands(s.truth))
    for name, o in res.items():
        assert o["rc"] == 0, f"drgn {name}: exit {o['rc']}: {o['err'][-400:]}"
        o["out"].encode("utf-8")  # strict: a byte that was not UTF-8 stays a lone surrogate
        outs[name + " (in-process)" if name in outs else name] = o["out"]
    assert outs["all.txt (in-process)"] == outs["all.txt"], "drgn daxmap -a: script != in-process"
    check_outputs("drgn", outs, s.truth)


@per_sample(scenarios=SCENARIOS)
def test_crash_extension_output_is_safe_and_exact(s):
    """dax.so in the sample's own crash (test_crash_ext's session: daxmap -a [-j], daxmap of
    each file, daxpage, daxcheck): the same, on the files crash wrote."""
    from test_crash_ext import primary, session
    outs = session(s, "vmcore", primary(s))
    check_outputs(f"crash ({primary(s)})", outs, s.truth)
