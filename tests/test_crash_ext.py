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
from frontend_truth import check_mapping, check_pgmaps
from test_open import CRASH_SUITE, TOOLCHROOT, crash_chroot

EXT = os.path.join(TOP, "crash-ext")
HOST_CRASH = "/usr/bin/crash"
HOST_DEFS = "/usr/include/crash/defs.h"


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


def named_pfns(t):
    """The valid named pages of truth, each pfn once, in truth's order."""
    out = []
    for p in t["kernel"]["pages"]["pages"]:
        if p.get("valid") and p["pfn"] not in out:
            out.append(p["pfn"])
    return out


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
    cmds += [("all.json", "daxmap -a -j"), ("all.txt", "daxmap -a"),
             ("pgmap.json", "pgmap -p -j"), ("pgmap.txt", "pgmap -p"),
             ("daxent.txt", "daxent --era all 0x3800007"),
             # garbage and missing arguments: one-line errors, the session goes on
             ("bad1.txt", "daxmap ffffffffdeadbeef"), ("bad2.txt", "daxmap 0"),
             ("bad3.txt", "pgmap 0"), ("bad4.txt", "daxent --era nonsense 1"),
             ("bad5.txt", "daxpage ffffffffdeadbeef"), ("bad6.txt", "daxpage fffffffffffff"),
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
        # module debuginfo (pmem_device, ext4_sb_info, xfs_mount) in the 8.0.6 session; the
        # 8.0.2 session goes without it, to hold daxdev and daxcheck to what they say then
        mods = [f"mod -S {s.debuginfo}"] if kind == "trixie" else []
        script = [f"extend {so}"] + mods + [c for _, c in cmds] + ["quit"]
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
    for name in ("bad1.txt", "bad2.txt", "bad3.txt", "bad4.txt", "bad5.txt", "bad6.txt"):
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


# ---------------------------------------------------------------- daxpage, daxdev, daxcheck

def pgmap_of(t, pfn):
    for g in t["kernel"]["pgmaps"]:
        if any(hexint(r["start"]) >> 12 <= pfn <= hexint(r["end"]) >> 12 for r in g["ranges"]):
            return g
    return None


def truth_pages(t):
    out = {}
    for p in t["kernel"]["pages"]["pages"]:
        if p.get("valid"):
            out.setdefault(p["pfn"], p)
    return out


def check_daxpages(label, outs, t):
    """daxpage -j on every named page: the page's own words as the guest kernel read them,
    its pgmap by truth's ranges, and the DAX entry truth's i_pages holds at its index."""
    files = {hexint(f["mapping"]): f for f in t["kernel"]["files"]}
    for pfn, p in truth_pages(t).items():
        d = load_json(outs, f"page{pfn:x}.json")
        where = f"{label} daxpage {pfn:#x}"
        assert d["pfn"] == pfn and hexint(d["page"]) == hexint(p["page"]), f"{where}: page"
        assert d["refcount"] == p["refcount"], f"{where}: refcount {d['refcount']} != {p['refcount']}"
        assert d["mapcount_raw"] == p["mapcount_raw"], f"{where}: mapcount"
        assert hexint(d["mapping"]) == hexint(p["mapping"]), f"{where}: mapping"
        assert d["index"] == p["index"], f"{where}: index {d['index']} != {p['index']}"
        assert hexint(d["flags"]) == hexint(p["flags"]), f"{where}: flags"
        assert d["tail"] == p["tail"], f"{where}: tail"
        if p.get("zonenum") is not None:
            assert d["zone"] == p["zonenum"], f"{where}: zone {d['zone']} != {p['zonenum']}"
        if p["head"] or p["tail"]:
            assert d["order"] == p["order"], f"{where}: order {d['order']} != {p['order']}"
        g = pgmap_of(t, pfn)
        if g is None:
            assert d["pgmap"] is None, f"{where}: pgmap {d['pgmap']} for a pfn outside every range"
        else:
            assert hexint(d["pgmap"]["address"]) == hexint(g["address"]), f"{where}: pgmap"
            assert d["pgmap"]["type_name"] == g["type_name"], f"{where}: pgmap type"
        f = files.get(hexint(p["mapping"]))
        if f is not None and not p["tail"] and f["dax"] and f["entries"]:
            owner = [e for e in f["entries"]
                     if e["index"] <= p["index"] < e["index"] + (1 << e["order"])]
            if owner:
                assert d["entry"] and hexint(d["entry"]["raw"]) == hexint(owner[0]["raw"]), \
                    f"{where}: entry {d['entry']} != truth {owner[0]}"
                assert d["entry"]["index"] == owner[0]["index"], f"{where}: entry index"
            else:
                assert d["entry"] is None, f"{where}: entry {d['entry']} where truth has none"


def check_daxpage_text(label, outs, t):
    """daxpage PFN prints dump_page()'s first line for each pinned page: the head's refcount
    and mapping, page_to_pgoff() as index (kernel mm/debug.c wording)."""
    pages = truth_pages(t)
    by_addr = {hexint(p["page"]): p for p in pages.values()}
    files = {hexint(f["mapping"]): f for f in t["kernel"]["files"]}
    for pin in t["construction"].get("pins", []):
        pfn = hexint(pin["pfn"])
        p = pages[pfn]
        head = by_addr.get(hexint(p["compound_head"]), p) if p["tail"] else p
        index = head["index"] + (pfn - head["pfn"]) if p["tail"] else p["index"]
        text = outs.get(f"page{pfn:x}.txt") or ""
        want = (f"page:{hexint(p['page']):x} refcount:{head['refcount']} mapcount:0 "
                f"mapping:{hexint(head['mapping']):x} index:{index:#x} pfn:{pfn:#x}")
        assert want in text.splitlines(), f"{label} daxpage {pfn:#x}: no line {want!r} in {text[:300]}"
        f = files.get(hexint(head["mapping"]))
        if f and not f["path"].startswith("/dev/"):
            name = os.path.basename(f["path"])
            assert re.search(rf'^aops:\S+ ino:{f["ino"]:x} dentry name:"{re.escape(name)}"$', text,
                             re.M), f"{label} daxpage {pfn:#x}: aops/ino/dentry line: {text[:400]}"
        if p["tail"] or p["head"]:
            assert re.search(rf"^head:{hexint(head['page']):x} order:{p['order']} ", text, re.M), \
                f"{label} daxpage {pfn:#x}: head line"
        assert "checks:" in text and "CHK-G1" in text, f"{label} daxpage {pfn:#x}: no CHK-G1"


@per_sample
def test_daxpage_named_pages_match_truth(s):
    for dump in s.dumps():
        outs = session(s, dump)
        check_daxpages(dump, outs, s.truth)
        check_daxpage_text(dump, outs, s.truth)


def mib(size):
    """ndctl's "1022.00 MiB (1071.64 MB)" as bytes."""
    v, unit = size.split()[:2]
    return int(float(v) * {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit])


def check_daxdev(label, d, t, pgmap_doc, modules):
    devs = d["dax_devices"]
    pgmaps = {g["type_name"]: g for g in t["kernel"]["pgmaps"]}
    owners = {hexint(g["address"]): g.get("owner_device") for g in pgmap_doc["pgmaps"]}
    nss = [ns for r in t["namespaces"]["regions"] for ns in r["namespaces"]
           if ns["mode"] in ("fsdax", "devdax")]
    assert nss, f"{label}: truth has no fsdax/devdax namespace"
    for ns in nss:
        if ns["mode"] == "fsdax":
            name, g = ns["blockdev"], pgmaps["MEMORY_DEVICE_FS_DAX"]
            m = [x for x in devs if x["name"] == name]
            assert len(m) == 1, f"{label}: dax_device of {name}: {[x['name'] for x in devs]}"
            x = m[0]
            assert x["kind"] == "pmem" and x["alive"] and "ALIVE" in x["flag_names"].split("|")
            assert owners[hexint(g["address"])] == name, f"{label}: FS_DAX pgmap owner"
            if modules:
                pm = x["pmem"]
                assert pm, f"{label}: pmem_device of {name} not read"
                assert hexint(pm["pgmap"]) == hexint(g["address"]), f"{label}: pmem pgmap"
                assert hexint(pm["phys_addr"]) == hexint(g["ranges"][0]["start"])
                assert hexint(pm["size"]) - hexint(pm["data_offset"]) == mib(ns["size"]), \
                    f"{label}: pmem size {pm['size']} - {pm['data_offset']} != {ns['size']}"
                mounted = {(m_["fs"], m_["id"]) for m_ in x["mounted"]}
                for dev, _, fs, _ in t["mounts"]:
                    if dev == f"/dev/{name}":
                        assert (fs, name) in mounted, f"{label}: {fs} on {name} not found"
                        # xfs registers its mount as holder; ext4 (6.1) none
                        want = "xfs_dax_holder_operations" if fs == "xfs" else None
                        assert x["holder_ops_symbol"] == want, f"{label}: holder {x['holder_ops_symbol']}"
            else:
                assert x["pmem"] is None
                assert any("pmem_device" in w for w in d["missing_debuginfo"]), d["missing_debuginfo"]
        else:
            name, g = ns["chardev"], pgmaps["MEMORY_DEVICE_GENERIC"]
            m = [x for x in d["dev_dax"] if x["name"] == name]
            assert len(m) == 1 and m[0]["read"], f"{label}: dev_dax {name}: {d['dev_dax']}"
            x = m[0]
            assert hexint(x["pgmap"]) == hexint(g["address"]), f"{label}: dev_dax pgmap"
            assert x["align"] == ns["align"], f"{label}: align {x['align']} != {ns['align']}"
            size = sum(hexint(r["end"]) - hexint(r["start"]) + 1 for r in x["ranges"])
            assert size == mib(ns["size"]), f"{label}: dev_dax size {size:#x} != {ns['size']}"
            assert hexint(x["ranges"][-1]["end"]) == hexint(g["ranges"][-1]["end"])
            dx = [y for y in devs if y["name"] == name]
            assert len(dx) == 1 and dx[0]["kind"] == "devdax" and dx[0]["alive"]
            assert hexint(dx[0]["address"]) == hexint(x["dax_dev"])
            assert owners[hexint(g["address"])] == name, f"{label}: GENERIC pgmap owner"


@per_sample
def test_daxdev_matches_namespaces(s):
    for dump in s.dumps():
        outs = session(s, dump)
        check_daxdev(dump, load_json(outs, "daxdev.json"), s.truth,
                     load_json(outs, "pgmap.json"), modules=True)
        assert "DEBUGINFO MISSING" not in (outs["daxdev.txt"] or ""), outs["daxdev.txt"]


BREAK_LAYOUTS = ("ext4_break_layouts", "xfs_break_dax_layouts")
PHRASE = "pinned DAX page blocks truncate \u2014 the DAX-gup class of 004_b059be23803e822e.txt"


def expected_findings(t):
    """{(check, severity, pfn)} daxcheck must report, from the guest kernel's records: every
    page its census found held beyond idle (CHK-G1, info: vmsplice pins are legitimate), and,
    for every task the kernel shows waiting in a layout break, the pinned fsdax pages
    (CHK-G2, error).  Nothing else."""
    exp = set()
    for c in t["kernel"]["census"]:
        for n in c["nonidle"]:
            if not n["tail"] and n["refcount"] > 1:
                exp.add(("CHK-G1", "info", n["pfn"]))
    blocked = [pt for pt in t["kernel"]["proc_tasks"] if pt["wchan"] in BREAK_LAYOUTS]
    for _ in blocked:
        for pin in t["construction"].get("pins", []):
            g = pgmap_of(t, hexint(pin["pfn"]))
            if g and g["type_name"] == "MEMORY_DEVICE_FS_DAX":
                exp.add(("CHK-G2", "error", hexint(pin["pfn"])))
    return exp


def check_daxcheck(label, d, text, t, modules):
    findings = d["findings"]
    got = [(f["check"], f["severity"], f["pfn"]) for f in findings]
    exp = expected_findings(t)
    assert sorted(got) == sorted(exp), f"{label}: findings {sorted(got)} != expected {sorted(exp)}"
    assert d["scanned"]["pgmaps"] == len(t["kernel"]["pgmaps"])
    files = {f["path"]: f for f in t["kernel"]["files"]}
    pins = t["construction"].get("pins", [])
    holder = t["construction"].get("holder_pid")
    # CHK-G1: every pin is found in the pipes of the task that made it, once per count
    for pin in pins:
        pfn = hexint(pin["pfn"])
        g = pgmap_of(t, pfn)
        head = pfn >> g["vmemmap_shift"] << g["vmemmap_shift"]
        f = [x for x in findings if x["check"] == "CHK-G1" and x["pfn"] == head]
        assert len(f) == 1, f"{label}: no CHK-G1 for pin {pin}"
        n = sum(p["count"] for p in pins if hexint(p["pfn"]) >> g["vmemmap_shift"] == pfn >> g["vmemmap_shift"])
        mine = [h for h in f[0]["holders"] if h["pid"] == holder]
        assert len(mine) == n, f"{label}: pin {pin['pfn']}: holders {f[0]['holders']}, want {n} of pid {holder}"
    # CHK-G2: the blocked task, the inode, the entry, the holder
    blocked = [pt for pt in t["kernel"]["proc_tasks"] if pt["wchan"] in BREAK_LAYOUTS]
    for f in findings:
        if f["check"] != "CHK-G2":
            continue
        assert f["headline"] == PHRASE, f"{label}: headline {f['headline']!r}"
        assert f["bug_class"] == {"name": "DAX-gup", "thread": "004_b059be23803e822e.txt"}
        assert [x["pid"] for x in f["tasks"]] == [pt["pid"] for pt in blocked], f["tasks"]
        task = [x for x in t["kernel"]["tasks"] if x["pid"] == blocked[0]["pid"]][0]
        assert f["tasks"][0]["comm"] == task["comm"]
        assert f["tasks"][0]["frame"].split("+")[0] == blocked[0]["wchan"]
        pin = [p for p in pins if hexint(p["pfn"]) == f["pfn"]][0]
        tf = files[pin["path"]]
        assert hexint(f["inode"]) == hexint(tf["inode"]) and f["ino"] == tf["ino"]
        owner = [e for e in tf["entries"] if e["index"] <= pin["index"] < e["index"] + (1 << e["order"])]
        assert f["entry"] and hexint(f["entry"]["raw"]) == hexint(owner[0]["raw"])
        assert holder in [h["pid"] for h in f["holders"]], f"{label}: holders {f['holders']}"
        assert PHRASE in text, f"{label}: text output lacks the phrase"
    s = d["summary"]
    if not blocked:
        assert s["error"] == 0 and s["warning"] == 0, f"{label}: clean sample has {s}"
    states = {c["id"]: c for c in d["checks"]}
    must = ["CHK-T1", "CHK-T2", "CHK-T3", "CHK-T5", "CHK-P1", "CHK-P2", "CHK-P3", "CHK-P4",
            "CHK-G1", "CHK-G2", "CHK-R1", "CHK-R2", "CHK-R3", "CHK-R4", "CHK-M1", "CHK-Z1",
            "CHK-L1", "CHK-D4"] + (["CHK-D1", "CHK-D2"] if modules else [])
    for cid in must:
        assert states[cid]["evaluated"], f"{label}: {cid} not evaluated: {states[cid]['note']}"
    if not modules:
        assert not states["CHK-D1"]["evaluated"] and "mod -S" in states["CHK-D1"]["note"]


@per_sample
def test_daxcheck_findings_match_truth(s):
    for dump in s.dumps():
        outs = session(s, dump)
        check_daxcheck(dump, load_json(outs, "daxcheck.json"), outs["daxcheck.txt"] or "",
                       s.truth, modules=True)


@per_sample
def test_host_crash_8_0_2_daxcheck_without_module_debuginfo(s):
    """8.0.2, no mod -S: the same findings (tasks are walked through memory, not crash's
    task table), and daxdev says which module debuginfo it lacks."""
    outs = session(s, "vmcore", kind="host")
    check_daxcheck("8.0.2", load_json(outs, "daxcheck.json"), outs["daxcheck.txt"] or "",
                   s.truth, modules=False)
    check_daxdev("8.0.2", load_json(outs, "daxdev.json"), s.truth, load_json(outs, "pgmap.json"),
                  modules=False)
    check_daxpages("8.0.2", outs, s.truth)
