"""Parity of the two front ends: on every dump of every sample, each command's `-j` document
from the drgn front end (drgn/daxtriage.py, drgn 0.0.22 on the host) equals the crash
extension's (dax.so in crash 8.0.6, the trixie chroot), after dropping the fields documented
as front-end specific in docs/drgn.md (FRONT_END_SPECIFIC below).  The text output of the
same commands must match too, but for the census timings.

Neither side is the reference: a difference is a bug in one of them (or an undocumented
front-end-specific field).
"""
import json
import os
import re
import shutil
import tempfile

from harness import TOP, hexint, per_sample, run
from frontend_truth import memmap_off_dump
from test_crash_ext import build
from test_drgn import run_drgn
from test_open import CRASH_SUITE, TOOLCHROOT

# Keys that only one front end writes, or whose value depends on the front end, with why.
# Keep in step with docs/drgn.md ("Fields that differ between the front ends") and
# docs/json-schema.md ("Front-end-specific values").
FRONT_END_SPECIFIC = {
    # drgn only, and only on a live kernel: values were read at different instants
    "live",
}

# Phrases inside strings that name the front end's own way of doing something: how to load
# a module's debuginfo ("mod -S" in crash, "-s MODULE.ko" for drgn), in daxdev's
# missing_debuginfo[], daxcheck's notes[] and checks[].note, and their text lines.  drgn's
# wording is replaced by crash's before comparing.
FRONT_END_PHRASES = [
    (re.compile(r'"-s [\w.-]+\.ko"'), '"mod -S"'),
    (re.compile(r"\(-s [\w.-]+\.ko\)"), "(mod -S)"),
]

# Text whose content is a measurement, not a decoding: census reads and times, daxcheck's
# run time.
TIMING_RE = re.compile(r"\((?:\d+ reads, )?[\d.]+ s\)")


def unphrase(text):
    for rx, crash_words in FRONT_END_PHRASES:
        text = rx.sub(crash_words, text)
    return text


def parity_commands(t):
    """(name, argv) of every command both front ends run; names ending .json are -j."""
    k = t["kernel"]
    c = [("daxent.json", ["daxent", "-j", "0x3800007"]),
         ("daxent_all.json", ["daxent", "--era", "all", "-j", "0x6f2209"]),
         ("daxent_417.json", ["daxent", "--era", "4.17", "-j", "0x700000a"]),
         ("daxent_seed.json", ["daxent", "--era", "seed002-pfn-t", "-j", "4000000001c0000e"]),
         ("daxent_all.txt", ["daxent", "--era", "all", "0x6f2209"])]
    for i, f in enumerate(k["files"]):
        c += [(f"file{i}.json", ["daxmap", "-j", f["mapping"]]),
              (f"file{i}_p.json", ["daxmap", "-p", "-j", f["mapping"]]),
              (f"file{i}_inode.json", ["daxmap", "-j", f["inode"]]),
              (f"file{i}_p.txt", ["daxmap", "-p", f["mapping"]])]
    c += [("all.json", ["daxmap", "-a", "-j"]), ("all_p.json", ["daxmap", "-a", "-p", "-j"]),
          ("all_417.json", ["daxmap", "-a", "-j", "--era", "4.17"]),
          ("all.txt", ["daxmap", "-a"]),
          ("pgmap.json", ["pgmap", "-j"]), ("pgmap_p.json", ["pgmap", "-p", "-j"]),
          ("pgmap.txt", ["pgmap"]), ("pgmap_p.txt", ["pgmap", "-p"])]
    for i, p in enumerate(k["pgmaps"]):
        first = hexint(p["ranges"][0]["start"]) >> 12
        c += [(f"pgmap{i}.json", ["pgmap", "-j", p["address"]]),
              (f"pgmap{i}_pfn.json", ["pgmap", "-p", "-j", f"{first + 3:x}"])]
        if memmap_off_dump(t, first):
            c += [(f"daxpage_first{i}.err", ["daxpage", f"{first:x}"])]
            continue
        c += [
              # the first page of each range: a compound head on devdax; and a tail
              (f"daxpage_first{i}.json", ["daxpage", "-j", f"{first:x}"]),
              (f"daxpage_first{i}.txt", ["daxpage", f"{first:x}"]),
              (f"daxpage_tail{i}.txt", ["daxpage", f"{first + 1:x}"])]
    c += [("daxdev.json", ["daxdev", "-j"]), ("daxdev.txt", ["daxdev"]),
          ("daxcheck.json", ["daxcheck", "-j"]), ("daxcheck_v.json", ["daxcheck", "-v", "-j"]),
          ("daxcheck.txt", ["daxcheck"]), ("daxcheck_v.txt", ["daxcheck", "-v"]),
          # a page of ordinary RAM (no pgmap), by pfn and by struct page address
          ("daxpage_ram.json", ["daxpage", "-j", "1000"]), ("daxpage_ram.txt", ["daxpage", "1000"])]
    for p in k["pages"]["pages"]:
        if not p.get("valid"):
            continue
        pfn = p["pfn"]
        if memmap_off_dump(t, pfn):
            # struct page on the device (map=dev): both answer in the same one error line
            c += [(f"daxpage{pfn:x}.err", ["daxpage", f"{pfn:x}"])]
            continue
        c += [(f"daxpage{pfn:x}.json", ["daxpage", "-j", f"{pfn:x}"]),
              (f"daxpage{pfn:x}.txt", ["daxpage", f"{pfn:x}"]),
              (f"daxpage{pfn:x}_addr.txt", ["daxpage", f"{hexint(p['page']):x}"])]
    # one name per command (truth may list a page twice)
    seen, out = set(), []
    for n, a in c:
        if n not in seen:
            seen.add(n)
            out.append((n, a))
    return out


def crash_outputs(s, dump, cmds):
    """Run the commands in one crash 8.0.6 session with dax.so; {name: text}."""
    so = build("trixie")
    outdir = tempfile.mkdtemp(prefix="daxtriage-parity-")
    try:
        # both front ends get the modules' debuginfo: drgn every .ko with -s, crash mod -S
        lines = [f"mod -S {s.debuginfo}", f"extend {so}"] + \
            [f"{' '.join(a)} > {os.path.join(outdir, n)}" for n, a in cmds]
        argv = [TOOLCHROOT, "run", CRASH_SUITE, "--bind", s.dir, "--bind", s.debuginfo,
                "--bind", TOP, "--bind", outdir, "--", "crash", "-s", s.vmlinux, s.path(dump)]
        r = run(argv, input="\n".join(lines + ["quit"]) + "\n", timeout=900)
        assert r.returncode == 0, f"crash on {dump}: exit {r.returncode}: {r.stderr[-400:]}"
        out = {}
        for n, _ in cmds:
            p = os.path.join(outdir, n)
            out[n] = open(p, errors="surrogateescape").read() if os.path.exists(p) else None
        return out
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def strip(doc):
    """The document without the front-end-specific keys, at any depth."""
    if isinstance(doc, dict):
        return {k: strip(v) for k, v in doc.items() if k not in FRONT_END_SPECIFIC}
    if isinstance(doc, list):
        return [strip(v) for v in doc]
    if isinstance(doc, str):
        return unphrase(doc)
    return doc


def first_difference(a, b, path="$"):
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                return f"{path}.{k}: only in {'crash' if k in a else 'drgn'}"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: crash {a!r} != drgn {b!r}"


# Where crash can only run without module symbols (7.2: sid's crash 9.0.2 --no_modules), the
# values that come from module symbols differ by construction: crash has no name for
# fsdax_pagemap_ops / ext4_dax_aops / the pmem dax_operations, and names a blocked task by its
# last vmlinux frame (dax_break_layout) where drgn, which reads the module symbols from the
# dump, names the module's (ext4_wait_dax_page).  drgn is given vmlinux only (no module .ko:
# neither front end has the modules' types), the module-symbol values are compared as
# placeholders and the "debuginfo missing:" notes (which say what each front end lacks) are
# left out (docs/drgn.md); everything else must be equal.
MODULE_SYMBOL_KEYS = {"ops_symbol", "page_free_symbol", "migrate_to_ram_symbol",
                      "memory_failure_symbol", "aops", "kind", "frame", "holder_ops_symbol",
                      "missing_debuginfo"}
FRAME_RE = re.compile(r"\b[A-Za-z_][\w.]*\+0x[0-9a-f]+(?:/0x[0-9a-f]+)?\b")


def mask_module_symbols(doc):
    if isinstance(doc, dict):
        return {k: ("<module symbol>" if k in MODULE_SYMBOL_KEYS else
                    [mask_module_symbols(n) for n in v if not str(n).startswith("debuginfo missing:")]
                    if k == "notes" and isinstance(v, list) else mask_module_symbols(v))
                for k, v in doc.items()}
    if isinstance(doc, list):
        return [mask_module_symbols(v) for v in doc]
    if isinstance(doc, str):
        return FRAME_RE.sub("<frame>", doc)
    return doc


def crash_outputs_no_modules(s, dump, cmds, suite, options):
    """The commands in one session of SUITE's crash with OPTIONS (no mod -S: no modules)."""
    so = build(suite)
    outdir = tempfile.mkdtemp(prefix="daxtriage-parity-")
    try:
        lines = [f"extend {so}"] + [f"{' '.join(a)} > {os.path.join(outdir, n)}" for n, a in cmds]
        argv = [TOOLCHROOT, "run", suite, "--bind", s.dir, "--bind", s.debuginfo, "--bind", TOP,
                "--bind", outdir, "--", "crash", *options, "-s", s.vmlinux, s.path(dump)]
        r = run(argv, input="\n".join(lines + ["quit"]) + "\n", timeout=900)
        assert r.returncode == 0, f"crash on {dump}: exit {r.returncode}: {r.stderr[-400:]}"
        out = {}
        for n, _ in cmds:
            p = os.path.join(outdir, n)
            out[n] = open(p, errors="surrogateescape").read() if os.path.exists(p) else None
        return out
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def crash_without_modules(s):
    return "--no_modules" in s.options.get("crash-opts", "").split(",")


@per_sample(when=crash_without_modules)
def test_json_equals_the_crash_extension_without_module_symbols(s):
    """On a kernel only a crash without module symbols opens (manifest crash-opts=--no_modules):
    every -j document of both front ends equal but for the module-symbol values."""
    opts = [o for o in s.options.get("crash-opts", "").split(",") if o]
    suite = s.options.get("crash", CRASH_SUITE)
    cmds = [(n, a) for n, a in parity_commands(s.truth) if n.endswith(".json")]
    total = 0
    for dump in s.dumps():
        c = crash_outputs_no_modules(s, dump, cmds, suite, opts)
        # drgn without the module .ko files either: neither has the modules' types
        d, _ = run_drgn(s, dump, cmds, "host", modules=False)
        for name, argv in cmds:
            where = f"{dump} `{' '.join(argv)}`"
            assert c[name], f"{where}: no crash output"
            assert d[name]["rc"] == 0, f"{where}: drgn exit {d[name]['rc']}: {d[name]['err'][-300:]}"
            cj = mask_module_symbols(strip(json.loads(c[name])))
            dj = mask_module_symbols(strip(json.loads(d[name]["out"])))
            diff = first_difference(cj, dj)
            assert diff is None, f"{where}: {diff}"
            total += 1
    print(f"    {total} documents equal but for module-symbol values ({suite} crash {' '.join(opts)})")


@per_sample(when=lambda s: not crash_without_modules(s))
def test_json_and_text_equal_the_crash_extension(s):
    """Every -j document and text output of drgn equals the crash extension's (crash 8.0.6 of
    the trixie chroot, module debuginfo on both sides).  Kernels only a crash without module
    symbols opens are compared by the test above."""
    cmds = parity_commands(s.truth)
    total = identical = 0
    for dump in s.dumps():
        c = crash_outputs(s, dump, cmds)
        d, _ = run_drgn(s, dump, cmds, "host")
        for name, argv in cmds:
            ctext = c[name]
            dres = d[name]
            where = f"{dump} `{' '.join(argv)}`"
            assert ctext, f"{where}: no crash output"
            if name.endswith(".err"):
                # a one-line refusal: crash writes it to the command's output, drgn to stderr
                assert dres["rc"] == 1 and ctext == dres["err"], \
                    f"{where}: refusals differ:\n--- crash\n{ctext[:600]}\n--- drgn\n{dres['err'][:600]}"
                total += 1
                identical += 1
                continue
            assert dres["rc"] == 0, f"{where}: drgn exit {dres['rc']}: {dres['err'][-300:]}"
            if name.endswith(".json"):
                cj, dj = json.loads(ctext), json.loads(dres["out"])
                diff = first_difference(strip(cj), strip(dj))
                assert diff is None, f"{where}: {diff}"
                identical += ctext == dres["out"]
            else:
                ct = TIMING_RE.sub("(…)", ctext)
                dt = TIMING_RE.sub("(…)", unphrase(dres["out"]))
                assert ct == dt, f"{where}: text differs:\n--- crash\n{ct[:1500]}\n--- drgn\n{dt[:1500]}"
                identical += 1
            total += 1
    print(f"    {total} outputs equal ({identical} byte for byte) on {', '.join(s.dumps())}")
