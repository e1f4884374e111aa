"""Every dump of every sample opens in drgn and in crash, and holds the state truth.json names.

drgn: Debian's python3-drgn on this machine (bookworm: 0.0.22), unless the sample's kernel
line in samples/manifest says drgn=SUITE: drgn 0.0.22 cannot unwind stacks of 6.12 and 7.2
("unknown ORC entry type 3", vmcore-pipeline.md), so those kernels use the drgn of a
debootstrap chroot of their suite (trixie 0.0.31, sid 0.3.0).  crash: bookworm's 8.0.2 cannot
build the task table of 6.1.192 (kernel-facts / vmcore-pipeline.md: fixed in 8.0.4), so crash
runs from a trixie chroot (8.0.6) unless the manifest says crash=SUITE (7.2: sid's 9.0.2).
Chroots are built and cached by samples/scripts/toolchroot.sh.  Only the tools' own commands
are used here, never daxtriage.
"""
import json
import os
import re

from harness import SYS_PYTHON, TOP, Skip, hexint, per_sample, run
from frontend_truth import memmap_off_dump

TOOLCHROOT = os.path.join(TOP, "samples", "scripts", "toolchroot.sh")
CRASH_SUITE = os.environ.get("DAXTRIAGE_CRASH_SUITE", "trixie")


def drgn_available():
    r = run([SYS_PYTHON, "-c", "import drgn; print(drgn.__version__)"])
    if r.returncode:
        raise Skip(f"drgn does not import under {SYS_PYTHON}: {r.stderr.strip()[-200:]}")
    return r.stdout.strip()


def expected_panic_comm(s):
    # The panic scenario panics from the task holding the DAX state; a replica that oopses
    # (ref-exited, null-daxdev) from the oopsing task, as the crashed kernel's log names it
    # (truth.json "panic"); the others from /init (sysrq-c).
    if s.scenario == "panic":
        return "daxhold"
    return (s.truth.get("panic") or {}).get("comm") or "init"


def expected_panic_function(s):
    # where the panic stack is: the oopsing function of a replica that oopses (truth.json
    # "panic" rip), else sysrq-c's handler
    rip = (s.truth.get("panic") or {}).get("rip")
    return rip.split("+")[0] if rip else "sysrq_handle_crash"


def expected_panic_string(s):
    # a part of crash's PANIC: string: the "Oops: ..." line of a replica that oopses (truth's
    # "panic" has its BUG line), else sysrq-c's panic message
    return "Oops: " if (s.truth.get("panic") or {}).get("bug") else "sysrq"


def drgn_command(s):
    """The drgn this sample uses (manifest option drgn=host|SUITE): (argv prefix, version)."""
    suite = s.options.get("drgn", "host")
    if suite == "host":
        return [SYS_PYTHON, "-m", "drgn"], drgn_available()
    versions = tool_chroot(suite)
    probes = os.path.join(TOP, "tests", "probes")
    return ([TOOLCHROOT, "run", suite, "--bind", s.dir, "--bind", s.debuginfo, "--bind", probes,
             "--", "python3", "-m", "drgn"],
            f"{versions.get('drgn', '?')} ({suite} chroot)")


@per_sample
def test_drgn_opens_and_agrees(s):
    drgn, version = drgn_command(s)
    t = s.truth
    probe = os.path.join(TOP, "tests", "probes", "drgn_open.py")
    for dump in s.dumps():
        r = run([*drgn, "-q", "-c", s.path(dump), "-s", s.vmlinux,
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
            if p.get("valid") and memmap_off_dump(t, p["pfn"]):
                # on the device (map=dev): the kdump does not hold it
                g = got["pages"][str(hexint(p["pfn"]))]
                assert "error" in g, f"{dump}: pfn {p['pfn']}: struct page on the device read: {g}"
            elif p.get("valid"):
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
            stack = got.get("crashed_stack")
            assert stack and expected_panic_function(s) in stack, \
                f"drgn {version} {dump}: panic stack {stack} ({got.get('stack_error')})"


_chroots = {}


def tool_chroot(suite):
    """Make sure the chroot of SUITE exists (built and cached by toolchroot.sh) and return its
    tool versions {crash:, drgn:}; Skip if it cannot be had here (no debootstrap, no archive)."""
    if suite not in _chroots:
        r = run([TOOLCHROOT, "ensure", suite], timeout=1800)
        c = _chroots[suite] = {"ok": r.returncode == 0, "why": (r.stderr or r.stdout).strip()[-300:]}
        v = run([TOOLCHROOT, "versions", suite]) if c["ok"] else None
        c["versions"] = dict(w.split("=", 1) for w in v.stdout.split()) if v else {}
    c = _chroots[suite]
    if not c["ok"]:
        raise Skip(f"no {suite} chroot: {c['why']}")
    return c["versions"]


def crash_chroot(suite=CRASH_SUITE):
    v = tool_chroot(suite)
    return [f"crash={v.get('crash', '?')}", f"drgn={v.get('drgn', '?')}"]


def crash_suite(s):
    return s.options.get("crash", CRASH_SUITE)


def test_tool_versions():
    """Say which drgn and crash the dump tests use (per-kernel choices: samples/manifest)."""
    print(f"    drgn {drgn_available()} (host {SYS_PYTHON}); "
          f"{CRASH_SUITE} chroot: {' '.join(crash_chroot())}")


def crash_options(s):
    """Extra crash options for this kernel (manifest crash-opts=A,B: 7.2 needs --no_modules)."""
    return [o for o in s.options.get("crash-opts", "").split(",") if o]


def crash_session(s, dump, commands, suite=None, options=None):
    suite = suite or crash_suite(s)
    crash_chroot(suite)
    opts = crash_options(s) if options is None else options
    cmd = [TOOLCHROOT, "run", suite, "--bind", s.dir, "--bind", s.debuginfo, "--",
           "crash", *opts, "-s", s.vmlinux, s.path(dump)]
    return run(cmd, input="\n".join(commands + ["quit"]) + "\n", timeout=900)


# crash versions that cannot initialise on a kernel, and exactly how they fail (measured;
# docs/samples.md "Kernel matrix").  Keyed by kernel (major, minor): [(chroot suite, crash
# options, the error crash prints before it exits 1)].  The crash the tests use on these
# kernels (manifest crash=, crash-opts=) avoids them; test_crash_known_limitation proves each
# one is still exactly what it is.
KNOWN_CRASH_FAILURES = {
    (7, 2): [
        # crash 8.0.6: 7.2's SLUB kmem_cache has cpu_sheaves, no cpu_slab; crash then takes
        # it for SLAB and looks for SLAB's kmem_cache.num (7.2 DWARF, read with drgn).
        ("trixie", [], "crash: invalid structure member offset: kmem_cache_s_num"),
        # crash 9.0.2 initialises the kernel but not its module list: 7.2's struct module
        # has no num_gpl_syms (GPL-only symbols live in syms/num_syms).  With --no_modules
        # it works, without module debuginfo (no `mod -S`).
        ("sid", [], "crash: invalid structure member offset: module_num_gpl_syms"),
    ],
}


@per_sample
def test_crash_opens_and_agrees(s):
    t = s.truth
    holder = t["construction"]["holder_pid"]
    pinned = [p for p in t["kernel"]["pages"]["pages"]
              if p.get("valid") and p["refcount"] > 1 and not memmap_off_dump(t, p["pfn"])][:4]
    no_modules = "--no_modules" in crash_options(s)
    for dump in s.dumps():
        cmds = ["sys", f"ps {holder}", f"mod -S {s.debuginfo}", "bt"]
        for f in t["kernel"]["files"]:
            cmds.append(f"struct address_space.nrpages {f['mapping']}")
        for p in pinned:
            cmds.append(f"struct page._refcount {p['page']}")
        r = crash_session(s, dump, cmds)
        out = r.stdout
        who = f"crash {' '.join(crash_chroot(crash_suite(s))[:1])} ({crash_suite(s)} chroot)"
        assert r.returncode == 0, f"{who} on {dump}: exit {r.returncode}: {r.stderr.strip()[-400:]}"
        rel = re.search(r"RELEASE: (\S+)", out)
        assert rel and rel.group(1) == s.release, f"crash {dump}: RELEASE line: {rel and rel.group(0)}"
        assert re.search(rf"^\s*>?\s*{holder}\s+\d+\s+\d+\s+\S+\s+\S+\s+[\d.]+\s+\d+\s+\d+\s+daxhold",
                         out, re.M), f"crash {dump}: task {holder} (daxhold) not in ps"
        if no_modules:
            # The documented limitation (KNOWN_CRASH_FAILURES): no module access at all.
            assert "no kernel module access" in out + r.stderr, f"{who} {dump}: --no_modules?"
        else:
            for mod in ("nd_pmem", "device_dax"):
                assert re.search(rf"^\S+\s+{mod}\s+\S+\s+\d+\s+/", out, re.M), \
                    f"{who} {dump}: module debuginfo of {mod} not loaded by mod -S"
        got = [int(x) for x in re.findall(r"nrpages = (\d+)", out)]
        assert got == [f["nrpages"] for f in t["kernel"]["files"]], f"crash {dump}: nrpages {got}"
        refs = [int(x) for x in re.findall(r"_refcount = \{\s*counter = (-?\d+)", out)]
        assert refs == [p["refcount"] for p in pinned], f"crash {dump}: refcounts {refs}"
        if t["sample"]["dumps"][dump]["panic"]:
            m = re.search(r'PANIC: "([^"]*)"', out)
            assert m and expected_panic_string(s) in m.group(1), \
                f"crash {dump}: panic string {m and m.group(0)}"
            m = re.search(r'^PID: (\d+)\s+TASK: \S+\s+CPU: \d+\s+COMMAND: "([^"]*)"', out, re.M)
            assert m and m.group(2) == expected_panic_comm(s), f"crash {dump}: bt: {m and m.group(0)}"
            assert expected_panic_function(s) in out, \
                f"crash {dump}: bt does not show {expected_panic_function(s)}"


@per_sample(scenarios=("panic",))
def test_crash_known_limitation(s):
    """Where a crash version cannot initialise on this kernel (KNOWN_CRASH_FAILURES), it still
    fails exactly as documented: same message, exit 1, before any command runs."""
    known = KNOWN_CRASH_FAILURES.get(s.version)
    if not known:
        return  # no known failure on this kernel: test_crash_opens_and_agrees covers it
    for suite, opts, message in known:
        versions = crash_chroot(suite)
        r = crash_session(s, "vmcore", ["sys"], suite=suite, options=opts)
        out = r.stdout + r.stderr
        assert r.returncode == 1 and message in out, \
            f"crash {versions[0]} ({suite}) on {s.name}: expected exit 1 with {message!r}, " \
            f"got exit {r.returncode}: {out.strip()[-300:]}"
        assert "RELEASE:" not in out, f"crash {versions[0]} ({suite}) got further than documented"
        print(f"    {s.name}: {versions[0]} ({suite}{' ' + ' '.join(opts) if opts else ''}): "
              f"fails as documented: {message}")


@per_sample(scenarios=("panic",))
def test_drgn_host_known_limitation(s):
    """Kernels whose manifest line picks a chroot drgn do so because the host's drgn cannot
    unwind their stacks (drgn 0.0.22 on 6.12/7.2: "unknown ORC entry type 3",
    vmcore-pipeline.md).  Prove it is still exactly that, and that the rest of what the
    probe reads (tasks, entries, pages, pgmaps, the crashed thread) works with it."""
    if s.options.get("drgn", "host") == "host":
        return  # the host drgn is the one test_drgn_opens_and_agrees uses
    version = drgn_available()
    probe = os.path.join(TOP, "tests", "probes", "drgn_open.py")
    r = run([SYS_PYTHON, "-m", "drgn", "-q", "-c", s.path("vmcore"), "-s", s.vmlinux,
             probe, s.path("truth.json")], timeout=300)
    assert r.returncode == 0, f"host drgn {version}: {r.stderr.strip()[-400:]}"
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["crashed_pid"] is not None, f"host drgn {version}: {got.get('crashed_error')}"
    assert got["crashed_stack"] is None and "unknown ORC entry type 3" in got["stack_error"], \
        f"host drgn {version} on {s.name}: expected the ORC failure, got {got.get('crashed_stack')}" \
        f" / {got.get('stack_error')}"
    print(f"    {s.name}: host drgn {version}: data ok, stack unwinding fails as documented: "
          f"{got['stack_error']}")
