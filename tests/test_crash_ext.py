"""The crash extension dax.so on every sample, held to truth.json.

dax.so is built twice: against the host's crash 8.0.2 defs.h (bookworm) and inside the
trixie chroot against crash 8.0.6's.  Every dump of every sample is opened once in crash
8.0.6 (the chroot) with the extension loaded; each command writes its output to its own file
(crash's `> FILE` redirection), and the tests compare it with the guest kernel's own records
in truth.json.  The expected values always come from truth.json (or from the kernel's
definitions, for the flags of a raw word), never from daxtriage.  The host's crash 8.0.2,
whose task table is broken on 6.1.192 but whose memory access works, loads the host build
and must give the same answers.
"""
import json
import os
import re
import shutil
import tempfile

from harness import TOP, Skip, hexint, per_sample, run
from test_open import CRASH_SUITE, TOOLCHROOT, crash_chroot

EXT = os.path.join(TOP, "crash-ext")
HOST_CRASH = "/usr/bin/crash"
HOST_DEFS = "/usr/include/crash/defs.h"

# fs/dax.c (6.1): DAX_SHIFT 4; DAX_LOCKED 1, DAX_PMD 2, DAX_ZERO_PAGE 4, DAX_EMPTY 8 in the
# value; xa_mk_value(v) = v << 1 | 1.  PMD_ORDER 9 on x86_64.
KERNEL_DAX_FLAGS = [(1, "L"), (2, "P"), (4, "Z"), (8, "E")]


def kernel_decode(raw):
    """Decode a 6.1 DAX entry word with the kernel's own definitions (not daxtriage's table)."""
    v = raw >> 1
    letters = "".join(c for bit, c in KERNEL_DAX_FLAGS if v & bit) or "-"
    return letters, v >> 4, 9 if v & 2 else 0


_builds = {}


def build(kind):
    """Build dax.so for 'host' (crash 8.0.2 headers) or 'trixie' (8.0.6, in the chroot);
    return its path.  Fails on any compiler warning."""
    if kind not in _builds:
        if kind == "host":
            if not os.path.exists(HOST_DEFS):
                _builds[kind] = (None, f"no {HOST_DEFS} (crash-dev headers) on this host")
            else:
                r = run(["make", "-C", EXT, "BUILD=build/host"], timeout=600)
                _builds[kind] = (r, None)
        else:
            crash_chroot()
            r = run([TOOLCHROOT, "run", CRASH_SUITE, "--bind", TOP, "--", "make", "-C", EXT,
                     "BUILD=build/trixie"], timeout=900)
            _builds[kind] = (r, None)
    r, why = _builds[kind]
    if why:
        raise Skip(why)
    out = r.stdout + r.stderr
    assert r.returncode == 0, f"dax.so ({kind}) does not build: {out.strip()[-600:]}"
    assert "warning" not in out.lower(), f"dax.so ({kind}) builds with warnings: {out[-600:]}"
    return os.path.join(EXT, "build", kind, "dax.so")


def test_builds_warning_free_against_crash_8_0_2_and_8_0_6():
    build("host")
    build("trixie")


def commands_for(t, outdir):
    """(name, command) pairs for one session; every command writes outdir/name."""
    cmds = []
    for i, f in enumerate(t["kernel"]["files"]):
        cmds.append((f"file{i}.json", f"daxmap -j {f['mapping']}"))
        cmds.append((f"file{i}.txt", f"daxmap {f['mapping']}"))
    cmds += [("all.json", "daxmap -a -j"), ("all.txt", "daxmap -a"),
             ("pgmap.json", "pgmap -p -j"), ("pgmap.txt", "pgmap -p"),
             ("daxent.txt", "daxent --era all 0x3800007"),
             # garbage and missing arguments: one-line errors, the session goes on
             ("bad1.txt", "daxmap ffffffffdeadbeef"), ("bad2.txt", "daxmap 0"),
             ("bad3.txt", "pgmap 0"), ("bad4.txt", "daxent --era nonsense 1"),
             ("after.txt", "daxent 0x17")]
    return [(n, f"{c} > {os.path.join(outdir, n)}") for n, c in cmds]


_sessions = {}


def session(s, dump, kind="trixie"):
    """Run one crash session on a dump with dax.so loaded; return {name: output text}."""
    key = (s.name, dump, kind)
    if key in _sessions:
        return _sessions[key]
    so = build(kind)
    outdir = tempfile.mkdtemp(prefix="daxtriage-crash-")
    try:
        cmds = commands_for(s.truth, outdir)
        script = [f"extend {so}"] + [c for _, c in cmds] + ["quit"]
        if kind == "host":
            if not os.path.exists(HOST_CRASH):
                raise Skip(f"no {HOST_CRASH}")
            argv = [HOST_CRASH, "-s", s.vmlinux, s.path(dump)]
        else:
            argv = [TOOLCHROOT, "run", CRASH_SUITE, "--bind", s.dir, "--bind", s.debuginfo,
                    "--bind", TOP, "--bind", outdir, "--", "crash", "-s", s.vmlinux,
                    s.path(dump)]
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


def check_mapping(label, f, m, t):
    """One daxmap mapping object against truth's file record f."""
    assert hexint(m["mapping"]) == hexint(f["mapping"]), f"{label}: mapping"
    assert m["nrpages"] == f["nrpages"], f"{label}: nrpages {m['nrpages']} != {f['nrpages']}"
    assert hexint(m["inode"]) == hexint(f["host"]), f"{label}: host inode"
    assert m["ino"] == f["host_ino"], f"{label}: ino"
    got = [(e["index"], hexint(e["raw"])) for e in m["entries"]]
    want = [(e["index"], hexint(e["raw"])) for e in f["entries"]]
    assert not f["entries_truncated"]
    assert got == want, f"{label}: entries {got} != truth {want}"
    pages = {p["pfn"]: p for p in t["kernel"]["pages"]["pages"] if p.get("valid")}
    touched = {}
    for mp in t["construction"]["mappings"]:
        if mp["path"] == f["path"]:
            touched = {x["index"]: hexint(x["pfn"]) for x in mp["touched"] if x["write"]}
    for e, te in zip(m["entries"], f["entries"]):
        letters, pfn, order = kernel_decode(hexint(te["raw"]))
        where = f"{label} index {e['index']}"
        assert e["is_dax_entry"], f"{where}: not decoded as a DAX entry"
        assert e["order"] == te["order"] == order, f"{where}: order {e['order']} != {te['order']}"
        assert e["flags"] == letters, f"{where}: flags {e['flags']} != {letters}"
        assert e["pfn"] == pfn, f"{where}: pfn {e['pfn']:#x} != {pfn:#x}"
        assert e["nr_indices"] == 1 << order, f"{where}: spans {e['nr_indices']} indices"
        # pfn as the page tables map it, for written (real) entries
        for idx, tpfn in touched.items():
            if e["index"] <= idx < e["index"] + (1 << order):
                assert e["pfn"] + idx - e["index"] == tpfn, \
                    f"{where}: pfn {e['pfn']:#x} vs page tables {tpfn:#x} at index {idx}"
        p = pages.get(e["pfn"])
        if p is not None:
            assert hexint(e["page"]) == hexint(p["page"]), f"{where}: struct page"
            assert e["refcount"] == p["refcount"], \
                f"{where}: refcount {e['refcount']} != truth {p['refcount']}"
            if "Z" not in letters and hexint(p["mapping"]) == hexint(f["mapping"]):
                assert e["assoc"] == "ok", f"{where}: assoc {e['assoc']}"
    # named pages inside multi-page entries: busy pages are counted
    for e in m["entries"]:
        if e["flags"] in ("-", "P"):
            want_busy = sum(1 for pfn, p in pages.items()
                            if e["pfn"] <= pfn < e["pfn"] + (1 << e["order"])
                            and p["refcount"] != 1)
            assert e["busy_pages"] >= want_busy, \
                f"{label} index {e['index']}: busy {e['busy_pages']} < {want_busy} named pinned pages"


def dax_files(t):
    return [f for f in t["kernel"]["files"] if f["dax"]]


@per_sample
def test_daxmap_entries_match_truth(s):
    for dump in s.dumps():
        outs = session(s, dump)
        for i, f in enumerate(s.truth["kernel"]["files"]):
            d = load_json(outs, f"file{i}.json")
            assert d["era"]["id"] == "4.20" and not d["era"]["forced"], f"{dump}: era {d['era']}"
            assert len(d["mappings"]) == 1
            check_mapping(f"{dump} {f['path']}", f, d["mappings"][0], s.truth)
            txt = outs[f"file{i}.txt"] or ""
            assert re.search(rf"NRPAGES: {f['nrpages']}\b", txt), f"{dump} {f['path']}: text output"


@per_sample
def test_daxmap_all_finds_every_dax_file(s):
    for dump in s.dumps():
        d = load_json(session(s, dump), "all.json")
        by_mapping = {hexint(m["mapping"]): m for m in d["mappings"]}
        for f in dax_files(s.truth):
            if not f["entries"] and not f["nrpages"]:
                continue        # listed only when it holds entries (the devdax inode)
            m = by_mapping.get(hexint(f["mapping"]))
            assert m is not None, f"{dump}: daxmap -a misses {f['path']} ({f['mapping']})"
            check_mapping(f"{dump} -a {f['path']}", f, m, s.truth)


def check_pgmaps(label, d, t, census=True):
    got = {hexint(p["address"]): p for p in d["pgmaps"]}
    assert len(got) == len(t["kernel"]["pgmaps"]), f"{label}: {len(got)} pgmaps"
    for tp in t["kernel"]["pgmaps"]:
        p = got.get(hexint(tp["address"]))
        where = f"{label} pgmap {tp['address']}"
        assert p is not None, f"{where}: missing"
        assert p["type"] == tp["type"] and p["type_name"] == tp["type_name"], f"{where}: type"
        assert p["vmemmap_shift"] == tp["vmemmap_shift"] and p["nr_range"] == tp["nr_range"]
        assert p["altmap_valid"] == tp["altmap_valid"]
        assert [(hexint(r["start"]), hexint(r["end"])) for r in p["ranges"]] == \
            [(hexint(r["start"]), hexint(r["end"])) for r in tp["ranges"]], f"{where}: ranges"
        assert [r["pfn_len"] for r in p["ranges"]] == [r["pfn_len"] for r in tp["ranges"]]
        ref, tref = p["ref"], tp["ref"]
        assert hexint(ref["address"]) == hexint(tref["address"]), f"{where}: ref address"
        assert ref["mode"] == tref["mode"], f"{where}: mode {ref['mode']} != {tref['mode']}"
        assert ref["true_count"] == tref["true_count"], \
            f"{where}: true count {ref['true_count']} != truth {tref['true_count']}"
        assert ref["percpu_sum"] == tref["percpu_sum"], f"{where}: per-CPU sum"
        assert [(c["cpu"], c["value"]) for c in ref["percpu"]] == \
            [(c["cpu"], c["value"]) for c in tref["percpu"]], f"{where}: per-CPU counters"
        assert hexint(ref["atomic"]) == hexint(tref["atomic"])
        if tp["expected_bulk_applies"]:
            assert p["expected"]["bulk"] == tp["expected_bulk"], f"{where}: bulk"
            assert p["expected"]["count"] == 1 + tp["expected_bulk"], f"{where}: expected"
        assert p["verdict"] == ("ok" if tref["true_count"] == 1 + tp["expected_bulk"] else "excess")
        if not census:
            continue
        cen = {(c["start"], c["end"]): c for c in p["census"]}
        for tc in t["kernel"]["census"]:
            if not any(hexint(r["start"]) >> 12 == tc["start"] for r in tp["ranges"]):
                continue
            c = cen.get((tc["start"], tc["end"]))
            cw = f"{where} census {tc['start']:#x}-{tc['end']:#x}"
            assert c is not None, f"{cw}: missing"
            assert c["histogram"] == tc["histogram"], \
                f"{cw}: histogram {c['histogram']} != truth {tc['histogram']}"
            assert c["pages"] + c["unreadable"] == tc["end"] - tc["start"]
            assert c["unreadable"] == tc["invalid"] == 0
            assert c["tails"] == tc["tails"], f"{cw}: tails {c['tails']} != {tc['tails']}"
            assert c["nonidle_total"] == tc["nonidle_total"], f"{cw}: non-idle total"
            assert not tc["nonidle_truncated"]
            key = lambda x: (x["pfn"], x["refcount"], x["mapcount_raw"], hexint(x["mapping"]),
                             x["index"], x["tail"])
            assert sorted(map(key, c["nonidle"])) == sorted(map(key, tc["nonidle"])), \
                f"{cw}: non-idle pages differ"
            # every non-idle fsdax page names the DAX entry holding it
            files = {hexint(f["mapping"]): f for f in t["kernel"]["files"]}
            for n in c["nonidle"]:
                f = files.get(hexint(n["mapping"]))
                if f and p["type_name"] == "MEMORY_DEVICE_FS_DAX":
                    owner = [e for e in f["entries"]
                             if e["index"] <= n["index"] < e["index"] + (1 << e["order"])]
                    assert owner and n["entry"] and hexint(n["entry"]) == hexint(owner[0]["raw"]), \
                        f"{cw}: pfn {n['pfn']:#x}: entry {n['entry']}"


@per_sample
def test_pgmap_census_matches_truth(s):
    for dump in s.dumps():
        outs = session(s, dump)
        check_pgmaps(dump, load_json(outs, "pgmap.json"), s.truth)


@per_sample
def test_pgmap_census_is_fast(s):
    """pgmap -p reads the memmap in bulk: each 1 GiB range well under a second."""
    for dump in s.dumps():
        txt = session(s, dump)["pgmap.txt"] or ""
        times = re.findall(r"PAGES: (\d+) .*\((\d+) reads, ([\d.]+) s\)", txt)
        assert len(times) == len(s.truth["kernel"]["census"]), f"{dump}: census lines {times}"
        for pages, reads, secs in times:
            assert int(reads) <= int(pages) // 512 + 1, f"{dump}: {reads} reads for {pages} pages"
            assert float(secs) < 0.5, f"{dump}: census of {pages} pages took {secs} s"
        print(f"    {dump}: " + ", ".join(f"{int(p) >> 8} MiB of pfns in {t} s" for p, _, t in times))


@per_sample
def test_session_survives_bad_input(s):
    dump = s.dumps()[0]
    outs = session(s, dump)
    for name in ("bad1.txt", "bad2.txt", "bad3.txt", "bad4.txt"):
        text = outs[name] or ""
        assert text.count("\n") <= 3, f"{name}: more than a one-line error: {text[:300]}"
    assert "not an inode, address_space, file or dentry" in outs["_stdout"] + (outs["bad1.txt"] or "")
    after = outs["after.txt"] or ""
    assert "DAX_LOCKED|DAX_PMD|DAX_EMPTY" in after, f"session did not survive: {after[:200]}"
    allera = outs["daxent.txt"] or ""
    assert re.search(r"^4\.20\s+0x3800007\s+value\s+LP\s+9\s+pfn 0x1c0000", allera, re.M), allera


@per_sample
def test_host_crash_8_0_2_loads_and_agrees(s):
    """bookworm's crash 8.0.2: task table broken on 6.1.192, memory and extensions work."""
    outs = session(s, "vmcore", kind="host")
    for i, f in enumerate(s.truth["kernel"]["files"]):
        d = load_json(outs, f"file{i}.json")
        check_mapping(f"8.0.2 {f['path']}", f, d["mappings"][0], s.truth)
    check_pgmaps("8.0.2", load_json(outs, "pgmap.json"), s.truth)
