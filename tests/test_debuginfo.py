"""Wrong or missing debug info: both front ends say in one line what is missing and what is
still possible, instead of failing obscurely or printing empty tables.

  wrong vmlinux   another kernel's vmlinux (another sample's debuginfo) against this dump:
                  crash refuses by itself ("do not match"), before dax.so loads; the drgn
                  script (which drgn lets open it) says the vmlinux does not match the dump's
                  vmcoreinfo OSRELEASE and stops, daxent --era still decodes
  no module .ko   crash without `mod -S`, drgn with vmlinux only: daxdev and daxcheck name the
                  module whose debuginfo is missing (nd_pmem) and what is not shown; pgmap
                  still lists every pgmap of truth.json
  stripped DWARF  `objcopy --strip-debug` of vmlinux: crash refuses ("no debugging data"); the
                  drgn script names the missing types (struct page, ...) and that only
                  daxent --era E works
"""
import glob
import os
import re
import shutil
import tempfile

from harness import SAMPLES_OUT, SYS_PYTHON, TOP, Skip, hexint, per_sample, run
from test_crash_ext import build, crash_argv, primary
from test_open import drgn_available

SCRIPT = os.path.join(TOP, "drgn", "daxtriage.py")
# commands that read the dump, and the word-decoder that does not need it
DUMP_COMMANDS = (["pgmap"], ["daxmap", "-a"], ["daxdev"], ["daxcheck"], ["daxpage", "100000"])
DECODE = ["daxent", "--era", "all", "0x3800007"]


def drgn_script(s, symbols, argv):
    r = run([SYS_PYTHON, "-m", "drgn", "-q", "-c", s.path("vmcore")] +
            [w for f in symbols for w in ("-s", f)] + [SCRIPT] + argv, timeout=300)
    # drgn's own warnings (no module debuginfo, no DWARF) come before ours on stderr
    ours = [ln for ln in r.stderr.splitlines()
            if ln.split(":")[0] in ("daxent", "daxmap", "pgmap", "daxpage", "daxdev", "daxcheck")]
    assert "Traceback" not in r.stderr, f"{' '.join(argv)}: {r.stderr[-800:]}"
    return r, ours


def one_line_refusal(label, r, ours, must):
    assert r.returncode == 1, f"{label}: exit {r.returncode}: {r.stdout[:300]} {r.stderr[-300:]}"
    assert len(ours) == 1 and not r.stdout.strip(), \
        f"{label}: not one line: {ours} / stdout {r.stdout[:300]!r}"
    for m in must:
        assert m in ours[0], f"{label}: {m!r} not in {ours[0]!r}"


def crash_refuses(s, vmlinux, binds, pattern):
    """crash (the sample's) refuses this vmlinux before dax.so loads: exit 1 and the line."""
    kind = primary(s)
    so = build(kind)
    argv = crash_argv(s, "vmcore", kind, [], binds=binds)
    argv[-2] = vmlinux
    r = run(argv, input=f"extend {so}\nsys\nquit\n", timeout=600)
    out = r.stdout + r.stderr
    m = re.search(pattern, out)
    assert r.returncode == 1 and m and "shared object loaded" not in out, \
        f"crash on {vmlinux}: exit {r.returncode}, expected {pattern!r}: {out.strip()[-300:]}"
    print(f"    crash refuses: {m.group(0)}")


def other_kernel_vmlinux(s):
    for p in sorted(glob.glob(os.path.join(SAMPLES_OUT, "*", "*", "debuginfo", "vmlinux"))):
        rel = p.split(os.sep)[-4]
        if rel != s.release:
            return rel, os.path.realpath(p)
    raise Skip("no sample of another kernel (make check-all builds them) to take a vmlinux from")


@per_sample(scenarios=("fsdax-ext4",))
def test_wrong_vmlinux(s):
    """Another kernel's vmlinux: crash refuses; the drgn script says it does not match."""
    drgn_available()
    rel, vmlinux = other_kernel_vmlinux(s)
    for argv in DUMP_COMMANDS:
        r, ours = drgn_script(s, [vmlinux], argv)
        one_line_refusal(f"drgn {' '.join(argv)} with {rel}'s vmlinux", r, ours,
                         ["vmlinux does not match the dump", s.release, "OSRELEASE"])
    r, ours = drgn_script(s, [vmlinux], DECODE)
    assert r.returncode == 0 and "DAX_LOCKED|DAX_PMD" in r.stdout, r.stdout + r.stderr
    print(f"    drgn with {rel}'s vmlinux: {ours[0]}")
    crash_refuses(s, vmlinux, (os.path.dirname(vmlinux),), r"crash: \S+ and \S+ do not match!?")


@per_sample(scenarios=("fsdax-ext4",))
def test_missing_module_debuginfo(s):
    """No module debuginfo: both front ends name nd_pmem's and say what is not shown; pgmap
    still lists every pgmap."""
    drgn_available()
    want_pgmaps = [hexint(p["address"]) for p in s.truth["kernel"]["pgmaps"]]
    r, _ = drgn_script(s, [s.vmlinux], ["daxdev"])
    assert r.returncode == 0, r.stderr[-300:]
    outs = {"drgn daxdev": r.stdout}
    r, _ = drgn_script(s, [s.vmlinux], ["daxcheck", "-v"])
    outs["drgn daxcheck"] = r.stdout
    r, _ = drgn_script(s, [s.vmlinux], ["pgmap"])
    outs["drgn pgmap"] = r.stdout
    # crash without `mod -S` (the sample's own crash)
    kind = primary(s)
    so = build(kind)
    tmp = tempfile.mkdtemp(prefix="daxtriage-nomod-")
    try:
        script = [f"extend {so}"] + [f"{c} > {tmp}/{n}" for n, c in
                                     (("daxdev", "daxdev"), ("daxcheck", "daxcheck -v"),
                                      ("pgmap", "pgmap"))] + ["sys", "quit"]
        cr = run(crash_argv(s, "vmcore", kind, [], binds=(tmp,)), input="\n".join(script) + "\n",
                 timeout=600)
        assert cr.returncode == 0 and "RELEASE:" in cr.stdout, cr.stdout[-400:]
        for n in ("daxdev", "daxcheck", "pgmap"):
            outs[f"crash {n}"] = open(os.path.join(tmp, n), errors="replace").read()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for fe in ("drgn", "crash"):
        dd = outs[f"{fe} daxdev"]
        miss = [ln for ln in dd.splitlines() if ln.startswith("DEBUGINFO MISSING:")]
        assert any("(module nd_pmem)" in ln and "not shown" in ln for ln in miss), \
            f"{fe} daxdev does not name nd_pmem's missing debuginfo: {dd[-600:]}"
        assert re.search(r"^NOTE: debuginfo missing: .*\(module nd_pmem\)", outs[f"{fe} daxcheck"],
                         re.M), f"{fe} daxcheck: {outs[f'{fe} daxcheck'][-600:]}"
        for a in want_pgmaps:
            assert re.search(rf"^{a:x} ", outs[f"{fe} pgmap"], re.M), \
                f"{fe} pgmap without module debuginfo misses pgmap {a:x}"
        print(f"    {fe}: " + "; ".join(m.split(":")[1].strip().split(":")[0] for m in miss))


@per_sample(scenarios=("fsdax-ext4",))
def test_stripped_vmlinux(s):
    """vmlinux without DWARF: crash refuses; the drgn script names the missing types."""
    drgn_available()
    if not shutil.which("objcopy"):
        raise Skip("no objcopy (binutils)")
    tmp = tempfile.mkdtemp(prefix="daxtriage-strip-")
    try:
        stripped = os.path.join(tmp, "vmlinux")
        r = run(["objcopy", "--strip-debug", s.vmlinux, stripped], timeout=300)
        assert r.returncode == 0, r.stderr
        for argv in DUMP_COMMANDS:
            r, ours = drgn_script(s, [stripped], argv)
            one_line_refusal(f"drgn {' '.join(argv)} on a stripped vmlinux", r, ours,
                             ["no type struct page", "struct dev_pagemap", "daxent --era E"])
        r, ours = drgn_script(s, [stripped], DECODE)
        assert r.returncode == 0 and "DAX_LOCKED|DAX_PMD" in r.stdout, r.stdout + r.stderr
        print(f"    drgn: {ours[0] if ours else '(daxent --era all: no message)'}")
        crash_refuses(s, stripped, (tmp,), r"crash: \S+: no debugging data available")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
