"""Every dump of every sample opens in drgn and in crash, and holds the state truth.json names.

drgn: Debian's python3-drgn on this machine (bookworm: 0.0.22).  crash: bookworm's 8.0.2
cannot build the task table of 6.1.192 (kernel-facts / vmcore-pipeline.md: fixed in 8.0.4), so
crash runs from a trixie debootstrap chroot (8.0.6), built and cached by
samples/scripts/toolchroot.sh.  Only the tools' own commands are used here, never daxtriage.
"""
import json
import os
import re

from harness import SYS_PYTHON, TOP, Skip, hexint, per_sample, run

TOOLCHROOT = os.path.join(TOP, "samples", "scripts", "toolchroot.sh")
CRASH_SUITE = os.environ.get("DAXTRIAGE_CRASH_SUITE", "trixie")


def drgn_available():
    r = run([SYS_PYTHON, "-c", "import drgn; print(drgn.__version__)"])
    if r.returncode:
        raise Skip(f"drgn does not import under {SYS_PYTHON}: {r.stderr.strip()[-200:]}")
    return r.stdout.strip()


def expected_panic_comm(s):
    # The panic scenario panics from the task holding the DAX state; the others from /init.
    return "daxhold" if s.scenario == "panic" else "init"


@per_sample
def test_drgn_opens_and_agrees(s):
    version = drgn_available()
    t = s.truth
    probe = os.path.join(TOP, "tests", "probes", "drgn_open.py")
    for dump in s.dumps():
        r = run([SYS_PYTHON, "-m", "drgn", "-q", "-c", s.path(dump), "-s", s.vmlinux,
                 probe, s.path("truth.json")], timeout=300)
        assert r.returncode == 0, f"drgn {version} on {dump}: {r.stderr.strip()[-400:]}"
        got = json.loads(r.stdout.strip().splitlines()[-1])
        assert got["release"] == s.release, f"{dump}: release {got['release']}"
        holder = t["construction"]["holder_pid"]
        assert got["tasks"].get(str(holder)) == "daxhold", f"{dump}: task {holder} not found"
        for f in t["kernel"]["files"]:
            g = got["files"][f["path"]]
            assert "error" not in g, f"{dump}: {f['path']}: {g.get('error')}"
            want = [[e["index"], hex(hexint(e["raw"]))] for e in f["entries"]]
            assert g["entries"] == want, f"{dump}: {f['path']} entries differ"
            assert g["nrpages"] == f["nrpages"]
        for p in t["kernel"]["pages"]["pages"]:
            if p.get("valid"):
                g = got["pages"][str(hexint(p["pfn"]))]
                assert g.get("refcount") == p["refcount"], f"{dump}: pfn {p['pfn']}: {g}"
                assert hexint(g["mapping"]) == hexint(p["mapping"]), f"{dump}: pfn {p['pfn']} mapping"
        for pg in t["kernel"]["pgmaps"]:
            g = got["pgmaps"][pg["address"]]
            assert g["type"] == pg["type"] and g["nr_range"] == pg["nr_range"]
            assert [[hexint(a), hexint(b)] for a, b in g["ranges"]] == \
                [[hexint(r["start"]), hexint(r["end"])] for r in pg["ranges"]]
        if t["sample"]["dumps"][dump]["panic"]:
            assert got["crashed_pid"] is not None, f"{dump}: no crashed thread: {got.get('crashed_error')}"
            comm = got["tasks"].get(str(got["crashed_pid"]))
            assert comm == expected_panic_comm(s), f"{dump}: panic task is {comm}"


_chroot = {}


def crash_chroot():
    """Make sure the crash chroot exists (built and cached by toolchroot.sh); Skip if it
    cannot be had here (no debootstrap, no archive)."""
    if "ok" not in _chroot:
        r = run([TOOLCHROOT, "ensure", CRASH_SUITE], timeout=1800)
        _chroot["ok"] = r.returncode == 0
        _chroot["why"] = (r.stderr or r.stdout).strip()[-300:]
        v = run([TOOLCHROOT, "versions", CRASH_SUITE]) if _chroot["ok"] else None
        _chroot["versions"] = v.stdout.split() if v else []
    if not _chroot["ok"]:
        raise Skip(f"no {CRASH_SUITE} chroot for crash: {_chroot['why']}")
    return _chroot["versions"]


def test_tool_versions():
    """Say which drgn and crash the dump tests use."""
    print(f"    drgn {drgn_available()} (host {SYS_PYTHON}); "
          f"{CRASH_SUITE} chroot: {' '.join(crash_chroot())}")


def crash_session(s, dump, commands):
    crash_chroot()
    cmd = [TOOLCHROOT, "run", CRASH_SUITE, "--bind", s.dir, "--bind", s.debuginfo, "--",
           "crash", "-s", s.vmlinux, s.path(dump)]
    return run(cmd, input="\n".join(commands + ["quit"]) + "\n", timeout=900)


@per_sample
def test_crash_opens_and_agrees(s):
    t = s.truth
    holder = t["construction"]["holder_pid"]
    pinned = [p for p in t["kernel"]["pages"]["pages"]
              if p.get("valid") and p["refcount"] > 1][:4]
    for dump in s.dumps():
        cmds = ["sys", f"ps {holder}", f"mod -S {s.debuginfo}", "bt"]
        for f in t["kernel"]["files"]:
            cmds.append(f"struct address_space.nrpages {f['mapping']}")
        for p in pinned:
            cmds.append(f"struct page._refcount {p['page']}")
        r = crash_session(s, dump, cmds)
        out = r.stdout
        assert r.returncode == 0, f"crash on {dump}: exit {r.returncode}: {r.stderr.strip()[-400:]}"
        rel = re.search(r"RELEASE: (\S+)", out)
        assert rel and rel.group(1) == s.release, f"crash {dump}: RELEASE line: {rel and rel.group(0)}"
        assert re.search(rf"^\s*>?\s*{holder}\s+\d+\s+\d+\s+\S+\s+\S+\s+[\d.]+\s+\d+\s+\d+\s+daxhold",
                         out, re.M), f"crash {dump}: task {holder} (daxhold) not in ps"
        for mod in ("nd_pmem", "device_dax"):
            assert re.search(rf"^\S+\s+{mod}\s+\S+\s+\d+\s+/", out, re.M), \
                f"crash {dump}: module debuginfo of {mod} not loaded by mod -S"
        got = [int(x) for x in re.findall(r"nrpages = (\d+)", out)]
        assert got == [f["nrpages"] for f in t["kernel"]["files"]], f"crash {dump}: nrpages {got}"
        refs = [int(x) for x in re.findall(r"_refcount = \{\s*counter = (-?\d+)", out)]
        assert refs == [p["refcount"] for p in pinned], f"crash {dump}: refcounts {refs}"
        if t["sample"]["dumps"][dump]["panic"]:
            m = re.search(r'PANIC: "([^"]*)"', out)
            assert m and "sysrq" in m.group(1), f"crash {dump}: panic string {m and m.group(0)}"
            m = re.search(r'^PID: (\d+)\s+TASK: \S+\s+CPU: \d+\s+COMMAND: "([^"]*)"', out, re.M)
            assert m and m.group(2) == expected_panic_comm(s), f"crash {dump}: bt: {m and m.group(0)}"
            assert "sysrq_handle_crash" in out, f"crash {dump}: bt does not show sysrq_handle_crash"
