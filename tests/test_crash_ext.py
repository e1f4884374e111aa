"""The crash extension dax.so on every sample and with every crash, held to truth.json.

Three toolsets, each with dax.so built against its own crash's defs.h (warning-free with
-Wall -Wextra) and loaded with `extend`:
  host    bookworm's crash 8.0.2 (/usr/include/crash/defs.h)         crash-ext/build/host
  trixie  crash 8.0.6 in the trixie chroot (toolchroot.sh)           crash-ext/build/trixie
  sid     crash 9.0.2 in the sid chroot                              crash-ext/build/sid
Each sample's own crash (manifest crash=SUITE, default trixie; crash-opts=, 7.2:
--no_modules) opens every dump of the sample, with the module debuginfo loaded (`mod -S`)
unless it has no module access; the per-command tests below hold its output to the guest
kernel's records.  Every toolset -- the sample's own included -- then opens the kdump vmcore
in its own cell test and must give the same truth-based answers (the host's 8.0.2 without
`mod -S`, to hold daxdev and daxcheck to what they say without module debuginfo), or, where
that crash cannot open the kernel at all, fail exactly as KNOWN_TOOLSET_FAILURES says.  The
expected values always come from truth.json (or from the kernel's definitions, for the flags
of a raw word), never from daxtriage: the comparators are tests/frontend_truth.py's, shared
with the drgn front end's tests.
"""
import json
import os
import re
import shutil
import tempfile

from harness import TOP, Skip, hexint, per_sample, run
from frontend_truth import (check_daxcheck, check_daxdev, check_daxpage_text, check_daxpages,
                            check_known_gaps, check_mapping, check_pgmaps, named_pfns)
from test_open import CRASH_SUITE, TOOLCHROOT, crash_chroot, crash_options

EXT = os.path.join(TOP, "crash-ext")
HOST_CRASH = "/usr/bin/crash"
HOST_DEFS = "/usr/include/crash/defs.h"
TOOLSETS = ("host", "trixie", "sid")

HOST_MISTRANSLATES = (r'crash: (?:page excluded|seek error): kernel virtual address: [0-9a-f]+\s+'
                      r'type: "page_offset_base"|crash: \S+/vmlinux and \S+/vmcore do not match!')

# Toolsets that cannot open a kernel at all, and exactly how they fail (measured on every
# sample; docs/samples.md "Kernel matrix").  Keyed by (toolset, kernel (major, minor)):
# (crash options, a regex of the line crash prints before it exits 1).  The cell test proves
# each is still exactly what it is, with the extension in the script: it never loads.
KNOWN_TOOLSET_FAILURES = {
    # crash 8.0.2 translates kernel virtual addresses of these dumps (made by sid's
    # makedumpfile 1.7.8) wrongly: page_offset_base, the first variable it reads, is
    # unreadable ("page excluded" or "seek error", by sample), or reads as garbage and the
    # utsname check fails ("do not match!"); it exits 1 and says why only with -d1 (without
    # it: the gdb banner, then exit 1, nothing else)
    ("host", (6, 12)): (["-d", "1"], HOST_MISTRANSLATES),
    ("host", (7, 2)): (["-d", "1"], HOST_MISTRANSLATES),
    # crash 8.0.6: 7.2's SLUB kmem_cache has no cpu_slab, crash takes it for SLAB
    # (test_open.KNOWN_CRASH_FAILURES, the same failure without the extension)
    ("trixie", (7, 2)): ([], r"crash: invalid structure member offset: kmem_cache_s_num"),
}


def primary(s):
    """The toolset the sample's manifest line names (crash=SUITE, default trixie)."""
    return s.options.get("crash", CRASH_SUITE)


def session_options(s, kind):
    """crash options of a toolset on this sample: the manifest's crash-opts for the sample's
    own crash (7.2: --no_modules), none otherwise."""
    return crash_options(s) if kind == primary(s) else []


def module_access(s, kind):
    """crash reads the module list (and the modules' symbols) unless --no_modules."""
    return "--no_modules" not in session_options(s, kind)


def loads_module_debuginfo(s, kind):
    """mod -S in the session: every chroot crash with module access; never the host's 8.0.2,
    whose session holds daxdev and daxcheck to what they say without module debuginfo."""
    return kind != "host" and module_access(s, kind)


_builds = {}


def build(kind):
    """Build dax.so for a toolset against its crash's defs.h (host: crash-dev's; trixie, sid:
    inside the chroot, with the chroot's gcc); return its path.  Fails on any warning."""
    if kind not in _builds:
        bdir = f"BUILD=build/{kind}"
        if kind == "host":
            if not os.path.exists(HOST_DEFS):
                _builds[kind] = (None, f"no {HOST_DEFS} (crash-dev headers) on this host")
            else:
                _builds[kind] = (run(["make", "-C", EXT, bdir], timeout=600), None)
        else:
            crash_chroot(kind)
            r = run([TOOLCHROOT, "run", kind, "--bind", TOP, "--", "make", "-C", EXT, bdir],
                    timeout=900)
            _builds[kind] = (r, None)
    r, why = _builds[kind]
    if why:
        raise Skip(why)
    out = r.stdout + r.stderr
    assert r.returncode == 0, f"dax.so ({kind}) does not build: {out.strip()[-600:]}"
    assert "warning" not in out.lower(), f"dax.so ({kind}) builds with warnings: {out[-600:]}"
    return os.path.join(EXT, "build", kind, "dax.so")


def test_builds_warning_free_against_every_crash():
    """dax.so builds with -Wall -Wextra and no warning against crash 8.0.2 (host), 8.0.6
    (trixie, gcc 14) and 9.0.2 (sid, gcc 16)."""
    for kind in TOOLSETS:
        build(kind)


def commands_for(t, outdir):
    """(name, command) pairs for one session; every command writes outdir/name."""
    cmds = []
    for i, f in enumerate(t["kernel"]["files"]):
        cmds.append((f"file{i}.json", f"daxmap -j {f['mapping']}"))
        cmds.append((f"file{i}.txt", f"daxmap {f['mapping']}"))
    cmds += [("daxcheck.json", "daxcheck -j"), ("daxcheck.txt", "daxcheck -v"),
             ("daxdev.json", "daxdev -j"), ("daxdev.txt", "daxdev")]
    for pfn in named_pfns(t):
        cmds.append((f"page{pfn:x}.json", f"daxpage -j {pfn:x}"))
    for pin in t["construction"].get("pins", []):
        cmds.append((f"page{hexint(pin['pfn']):x}.txt", f"daxpage {hexint(pin['pfn']):x}"))
    # the read rate the census is bounded by: the same memmap bytes, the same chunks
    for i, c in enumerate(t["kernel"].get("census", [])):
        cmds.append((f"rawread{i}.txt", f"pgmap --raw-read {c['start']:x} {c['end']:x}"))
    cmds += [("all.json", "daxmap -a -j"), ("all.txt", "daxmap -a"),
             ("pgmap.json", "pgmap -p -j"), ("pgmap.txt", "pgmap -p"),
             ("daxent.txt", "daxent --era all 0x3800007"),
             # garbage and missing arguments: one-line errors, the session goes on
             ("bad1.txt", "daxmap ffffffffdeadbeef"), ("bad2.txt", "daxmap 0"),
             ("bad3.txt", "pgmap 0"), ("bad4.txt", "daxent --era nonsense 1"),
             ("bad5.txt", "daxpage ffffffffdeadbeef"), ("bad6.txt", "daxpage fffffffffffff"),
             ("after.txt", "daxent 0x17")]
    return [(n, f"{c} > {os.path.join(outdir, n)}") for n, c in cmds]


def crash_argv(s, dump, kind, options, binds=()):
    if kind == "host":
        if not os.path.exists(HOST_CRASH):
            raise Skip(f"no {HOST_CRASH}")
        return [HOST_CRASH, *options, "-s", s.vmlinux, s.path(dump)]
    crash_chroot(kind)
    bind = [w for b in (s.dir, s.debuginfo, TOP, *binds) for w in ("--bind", b)]
    return [TOOLCHROOT, "run", kind, *bind, "--", "crash", *options, "-s", s.vmlinux,
            s.path(dump)]


_sessions = {}


def session(s, dump, kind):
    """Run one crash session of a toolset on a dump with dax.so loaded; return
    {name: output text}."""
    key = (s.name, dump, kind)
    if key in _sessions:
        return _sessions[key]
    so = build(kind)
    outdir = tempfile.mkdtemp(prefix="daxtriage-crash-")
    try:
        cmds = commands_for(s.truth, outdir)
        mods = [f"mod -S {s.debuginfo}"] if loads_module_debuginfo(s, kind) else []
        script = [f"extend {so}"] + mods + [c for _, c in cmds] + ["quit"]
        argv = crash_argv(s, dump, kind, session_options(s, kind), binds=(outdir,))
        r = run(argv, input="\n".join(script) + "\n", timeout=900)
        assert r.returncode == 0, f"crash ({kind}) on {dump}: exit {r.returncode}: {r.stderr[-400:]}"
        assert "shared object loaded" in r.stdout, f"extend failed ({kind}): {r.stdout[-400:]}"
        outs = {"_stdout": r.stdout}
        for name, _ in cmds:
            p = os.path.join(outdir, name)
            outs[name] = open(p, errors="replace").read() if os.path.exists(p) else None
        _sessions[key] = outs
        return outs
    finally:
        shutil.rmtree(outdir, ignore_errors=True)


def load_json(outs, name):
    text = outs.get(name)
    assert text, f"{name}: no output"
    try:
        d = json.loads(text)
    except ValueError as e:
        raise AssertionError(f"{name}: not JSON ({e}): {text[:300]}")
    assert d.get("schema") == "daxtriage/1", f"{name}: schema {d.get('schema')}"
    return d


def dax_files(t):
    return [f for f in t["kernel"]["files"] if f["dax"]]


# ---------------------------------------------------------------- the sample's own crash, every dump

def check_daxmaps(label, outs, t):
    for i, f in enumerate(t["kernel"]["files"]):
        d = load_json(outs, f"file{i}.json")
        assert d["era"]["id"] == "4.20" and not d["era"]["forced"], f"{label}: era {d['era']}"
        assert len(d["mappings"]) == 1
        check_mapping(f"{label} {f['path']}", f, d["mappings"][0], t)
        txt = outs[f"file{i}.txt"] or ""
        assert re.search(rf"NRPAGES: {f['nrpages']}\b", txt), f"{label} {f['path']}: text output"


def check_daxmap_all(label, outs, t):
    d = load_json(outs, "all.json")
    by_mapping = {hexint(m["mapping"]): m for m in d["mappings"]}
    for f in dax_files(t):
        if not f["entries"] and not f["nrpages"]:
            continue        # listed only when it holds entries (the devdax inode)
        m = by_mapping.get(hexint(f["mapping"]))
        assert m is not None, f"{label}: daxmap -a misses {f['path']} ({f['mapping']})"
        check_mapping(f"{label} -a {f['path']}", f, m, t)


@per_sample
def test_daxmap_entries_match_truth(s):
    for dump in s.dumps():
        check_daxmaps(dump, session(s, dump, primary(s)), s.truth)


@per_sample
def test_daxmap_all_finds_every_dax_file(s):
    for dump in s.dumps():
        check_daxmap_all(dump, session(s, dump, primary(s)), s.truth)


@per_sample
def test_pgmap_census_matches_truth(s):
    for dump in s.dumps():
        check_pgmaps(dump, load_json(session(s, dump, primary(s)), "pgmap.json"), s.truth)


@per_sample
def test_pgmap_census_is_fast(s):
    """pgmap -p reads the memmap in bulk: each 1 GiB range well under a second."""
    for dump in s.dumps():
        txt = session(s, dump, primary(s))["pgmap.txt"] or ""
        times = re.findall(r"PAGES: (\d+) .*UNREADABLE: (\d+) .*\((\d+) reads, ([\d.]+) s\)", txt)
        assert len(times) == len(s.truth["kernel"]["census"]), f"{dump}: census lines {times}"
        for pages, unreadable, reads, secs in times:
            # struct pages not in the dump (map=dev) cost the failed bulk read of their 512
            # and one failed read per 64 pages (crash-ext/core/memmap.h)
            n, bad = int(pages), int(unreadable)
            assert int(reads) <= n // 512 + bad // 512 + bad // 64 + 1, \
                f"{dump}: {reads} reads for {pages} pages ({unreadable} unreadable)"
            assert float(secs) < 0.5, f"{dump}: census of {pages} pages took {secs} s"
        # and within a generous factor of reading the same memmap bytes with nothing decoded
        # (pgmap --raw-read: the physical limit of this dump in this crash, so the bound moves
        # with the machine); make bench measures ~1.2-1.5x, 6x + 20 ms leaves room for noise
        # and still catches a census that reads page by page
        raw = 0.0
        for i, c in enumerate(s.truth["kernel"]["census"]):
            m = re.search(r"RAW-READ: (\d+) pages, \d+ bytes, \d+ reads \(\d+ failed\), ([\d.]+) s",
                          session(s, dump, primary(s)).get(f"rawread{i}.txt") or "")
            assert m and int(m.group(1)) == c["end"] - c["start"], f"{dump}: raw read {i}: {m}"
            raw += float(m.group(2))
        census = sum(float(x[3]) for x in times)
        if not any(int(x[1]) for x in times):
            assert census <= 6 * raw + 0.02 * len(times), \
                f"{dump}: census {census:.3f} s, raw read of the same memmap {raw:.3f} s"
        print(f"    {dump}: " + ", ".join(f"{int(p) >> 8} MiB of pfns in {t} s" for p, _, _, t in times))


def check_bad_input(label, outs):
    for name in ("bad1.txt", "bad2.txt", "bad3.txt", "bad4.txt", "bad5.txt", "bad6.txt"):
        text = outs[name] or ""
        assert text.count("\n") <= 3, f"{label} {name}: more than a one-line error: {text[:300]}"
    assert "not an inode, address_space, file or dentry" in outs["_stdout"] + (outs["bad1.txt"] or "")
    after = outs["after.txt"] or ""
    assert "DAX_LOCKED|DAX_PMD|DAX_EMPTY" in after, f"{label}: session did not survive: {after[:200]}"
    allera = outs["daxent.txt"] or ""
    assert re.search(r"^4\.20\s+0x3800007\s+value\s+LP\s+9\s+pfn 0x1c0000", allera, re.M), allera


@per_sample
def test_session_survives_bad_input(s):
    dump = s.dumps()[0]
    check_bad_input(dump, session(s, dump, primary(s)))


@per_sample
def test_daxpage_named_pages_match_truth(s):
    for dump in s.dumps():
        outs = session(s, dump, primary(s))
        check_daxpages(dump, lambda name: load_json(outs, name), s.truth)
        check_daxpage_text(dump, lambda name: outs.get(name), s.truth)


def check_devices(label, outs, s, kind):
    modules = loads_module_debuginfo(s, kind)
    check_daxdev(label, load_json(outs, "daxdev.json"), s.truth, load_json(outs, "pgmap.json"),
                 modules=modules, module_symbols=module_access(s, kind))
    if modules:
        assert "DEBUGINFO MISSING" not in (outs["daxdev.txt"] or ""), outs["daxdev.txt"]


def check_checks(label, outs, s, kind):
    d = load_json(outs, "daxcheck.json")
    check_daxcheck(label, d, outs["daxcheck.txt"] or "", s.truth,
                   modules=loads_module_debuginfo(s, kind))
    check_known_gaps(label, d)


@per_sample
def test_daxdev_matches_namespaces(s):
    for dump in s.dumps():
        check_devices(dump, session(s, dump, primary(s)), s, primary(s))


@per_sample
def test_daxcheck_findings_match_truth(s):
    for dump in s.dumps():
        check_checks(dump, session(s, dump, primary(s)), s, primary(s))


# ---------------------------------------------------------------- every toolset: the cells

_versions = {}


def toolset_name(kind):
    if kind not in _versions:
        if kind == "host":
            r = run([HOST_CRASH, "--version"]) if os.path.exists(HOST_CRASH) else None
            m = re.search(r"crash (\S+)", r.stdout) if r else None
            _versions[kind] = f"crash {m.group(1) if m else '?'} (host)"
        else:
            _versions[kind] = f"crash {crash_chroot(kind)[0].split('=', 1)[1]} ({kind} chroot)"
    return _versions[kind]


def known_failure(s, kind, options, pattern):
    """The toolset still fails on this kernel exactly as documented: exit 1 with the line,
    before the extension loads or any command runs."""
    so = build(kind)
    r = run(crash_argv(s, "vmcore", kind, options), input=f"extend {so}\nsys\nquit\n",
            timeout=900)
    out = r.stdout + r.stderr
    who = f"{toolset_name(kind)}{' ' + ' '.join(options) if options else ''} on {s.name}"
    m = re.search(pattern, out)
    assert r.returncode == 1 and m, \
        f"{who}: expected exit 1 with {pattern!r}, got exit {r.returncode}: {out.strip()[-300:]}"
    assert "shared object loaded" not in out and "RELEASE:" not in out, \
        f"{who} got further than documented"
    print(f"    {who}: fails as documented: {m.group(0)}")


def cell(s, kind):
    """One kernel x toolset cell: the kdump opened by this toolset's crash with its own
    dax.so, every command held to truth (the sample's own toolset: the same session the tests
    above used), or the documented failure."""
    known = KNOWN_TOOLSET_FAILURES.get((kind, s.version))
    if known:
        known_failure(s, kind, *known)
        return
    outs = session(s, "vmcore", kind)
    label = f"{toolset_name(kind)} vmcore"
    check_daxmaps(label, outs, s.truth)
    check_daxmap_all(label, outs, s.truth)
    check_pgmaps(label, load_json(outs, "pgmap.json"), s.truth)
    check_daxpages(label, lambda name: load_json(outs, name), s.truth)
    check_daxpage_text(label, lambda name: outs.get(name), s.truth)
    check_devices(label, outs, s, kind)
    check_checks(label, outs, s, kind)
    check_bad_input(label, outs)


# The other crash versions' cells run on the samples that stand for a kernel's DAX state; the
# two samples about bad input (hostile names, struct pages off the dump) are held to truth by
# the sample's own crash above and by their own tests, not once more per crash version.
def version_cell_sample(s):
    return s.scenario not in ("hostile-names", "fsdax-mapdev")


@per_sample(when=version_cell_sample)
def test_cell_host_crash_8_0_2(s):
    """bookworm's crash 8.0.2, without module debuginfo: its task table is broken on 6.1.192
    (daxcheck walks tasks through memory), memory and extensions work; it cannot open the
    6.12 and 7.2 dumps."""
    cell(s, "host")


@per_sample
def test_cell_trixie_crash_8_0_6(s):
    """trixie's crash 8.0.6 with module debuginfo; it cannot initialise on 7.2."""
    cell(s, "trixie")


@per_sample(when=version_cell_sample)
def test_cell_sid_crash_9_0_2(s):
    """sid's crash 9.0.2 with module debuginfo; on 7.2 with --no_modules (its module list
    fails there, test_open.KNOWN_CRASH_FAILURES): no module symbols, no module debuginfo."""
    cell(s, "sid")
