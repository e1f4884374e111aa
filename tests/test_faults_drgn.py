"""The drgn front end on corrupt dumps, and its read-only use of a live kernel.

Fault injection (tests/drgn_faults.py): every command of drgn/daxtriage runs in-process over
seeded variants of a real sample whose reads go through a fault-injecting memory segment (bit
flips, garbage / non-canonical / self pointers, cycles in super_blocks, s_inodes, xa_node
slots, compound_head, pgmap ranges and percpu_ref, reads failing as an excluded page).  A
variant passes when the command neither raises (crash) nor outlives its time bound (hang),
-j output stays JSON and every stderr line is one line naming the object and the reason.
On the host's drgn 0.0.22 a FaultError raised by a Python memory segment loses its type on
every path but Program.read, so injected read failures are made on trixie's drgn 0.0.31
(drgn_faults.FaultyDump.read_failures_faithful says which drgn can).

Live use is read-only: the package never calls a memory-writing or program-opening API and
opens no file for writing (static), and drgn/daxtriage.py on this machine's /proc/kcore
opens it O_RDONLY and writes nothing to it or to /dev/mem (strace).
"""
import ast
import glob
import json
import os
import re
import shutil
import tempfile

from harness import SYS_PYTHON, TOP, Skip, per_sample, run
from test_open import TOOLCHROOT, drgn_available, tool_chroot

CAMPAIGN = os.path.join(TOP, "tests", "drgn_faults.py")
DRGN_DIR = os.path.join(TOP, "drgn")
# Seconds of variants per campaign (the clean runs and the open come on top, ~15 s).
SECONDS = float(os.environ.get("DAXTRIAGE_FAULT_SECONDS", "20"))
SEED = os.environ.get("DAXTRIAGE_FAULT_SEED", "daxtriage")


def run_campaign(s, where="host"):
    tmp = tempfile.mkdtemp(prefix="daxtriage-faults-")
    try:
        out = os.path.join(tmp, "summary.json")
        argv = [CAMPAIGN, s.dir, "--seconds", str(SECONDS), "--seed", SEED, "--json", out]
        if where == "host":
            r = run([SYS_PYTHON] + argv, timeout=SECONDS * 6 + 300)
        else:
            tool_chroot(where)
            r = run([TOOLCHROOT, "run", where, "--bind", s.dir, "--bind", s.debuginfo,
                     "--bind", TOP, "--bind", tmp, "--", "python3"] + argv,
                    timeout=SECONDS * 6 + 300)
        assert os.path.exists(out), \
            f"fault campaign ({where}) wrote no summary, exit {r.returncode}: {r.stderr[-1500:]}"
        with open(out) as f:
            return json.load(f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_campaign(label, d):
    """Print per-command counts; fail on any crash, hang or badly shaped outcome, and on a
    campaign that could not have found one (no variant reached the command's reads)."""
    print(f"    {label}: drgn {d['drgn']}, read failures {'on' if d['read_failures'] else 'off'}, "
          f"{d['fault_sites']} fault sites + {d['cycle_faults']} cycles/holes "
          f"({d['families']}), open {d['open_seconds']}s")
    bad, total, fixed = [], 0, 0
    for name, r in d["commands"].items():
        total += r["variants"]
        fixed += r.get("fixed", 0)
        print(f"    {name:18} {r['variants']:5} variants ({r['hit']} hit, {r.get('fixed', 0)} fixed), "
              f"{r['errors_reported']:4} reported an error, {r['crashes']} crashes, "
              f"{r['hangs']} hangs, {r['bad_shape']} bad output  [{r['seconds']}s; "
              f"clean {r['clean_seconds']}s, {r['clean_reads']} reads]")
        if r.get("clean_failure"):
            bad.append(f"{name}: fails on the clean dump: {r['clean_failure']}")
        for e in r["examples"]:
            bad.append(f"{name}: {e['problem']} with {e['faults']}\n{e['detail'][-700:]}")
        if not r["variants"] or r["hit"] < r["variants"] // 2:
            bad.append(f"{name}: {r['variants']} variants, only {r['hit']} reached its reads")
    print(f"    {label}: {total} variants in all; error lines seen (addresses elided):")
    for line in d.get("error_lines", [])[:8]:
        print(f"      {line}")
    for fam, n in d["families"].items():
        if not isinstance(n, int) or n == 0:
            bad.append(f"no fault sites from {fam}: {n}")
    if fixed < 2:  # the s_inodes loop and the pgmap range ending at ~0 exist on every kernel
        bad.append(f"only {fixed} fixed regression variants ran")
    if not d["canary"]["detected"]:
        bad.append(f"canary fault not seen: {d['canary']}")
    assert not bad, f"{label}: " + "\n".join(bad[:8])


def drgn_suite(s):
    # the drgn the sample's kernel is tested with (samples/manifest drgn=SUITE; test_open.py)
    return s.options.get("drgn", "host")


@per_sample(scenarios=["truncate-pinned", "fsdax-ext4"])
def test_drgn_fault_injection(s):
    where = drgn_suite(s)
    if where == "host":
        drgn_available()
    check_campaign(f"{s.name} {where}", run_campaign(s, where))


@per_sample(scenarios=["truncate-pinned"], when=lambda s: drgn_suite(s) == "host")
def test_drgn_fault_injection_read_failures(s):
    """The same campaign on trixie's drgn, where injected read failures are faithful."""
    d = run_campaign(s, "trixie")
    if not d["read_failures"]:
        raise Skip(f"drgn {d['drgn']} of trixie cannot inject read failures faithfully")
    check_campaign(f"{s.name} trixie", d)


# ---------------------------------------------------------------- live use is read-only

# drgn Program methods that open or change what a Program reads; the front end takes the
# Program drgn's own CLI opened (read-only: /proc/kcore O_RDONLY) and must call none of them.
_PROGRAM_MUTATORS = {"set_kernel", "set_pid", "set_core_dump", "add_memory_segment",
                     "write", "write_memory", "write_u64", "write_u32", "write_u8"}
_FORBIDDEN_MODULES = {"ctypes", "mmap", "fcntl", "ptrace", "subprocess", "cffi"}
# (process_vm_writev and ptrace have no Python API: they would need ctypes, refused above)
_FORBIDDEN_STRINGS = ("/dev/mem", "/dev/kmem", "/dev/port")
_STREAMS = {"out", "err", "sys.stdout", "sys.stderr"}


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def readonly_violations(path):
    """What in one source file could write kernel memory or open something for writing."""
    tree = ast.parse(open(path).read(), path)
    bad = []
    for node in ast.walk(tree):
        where = f"{os.path.relpath(path, TOP)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            for n in names:
                if n.split(".")[0] in _FORBIDDEN_MODULES:
                    bad.append(f"{where}: imports {n}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for s in _FORBIDDEN_STRINGS:
                if s in node.value:
                    bad.append(f"{where}: mentions {s}")
        elif isinstance(node, ast.Call):
            fn = _dotted(node.func) or ""
            last = fn.rsplit(".", 1)[-1]
            if last in _PROGRAM_MUTATORS and not (last == "write" and fn.rsplit(".", 1)[0] in _STREAMS):
                bad.append(f"{where}: calls {fn}()")
            if fn in ("open", "io.open", "builtins.open", "os.fdopen"):
                mode = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "mode"), None)
                if mode is not None and not (isinstance(mode, ast.Constant)
                                             and not set(str(mode.value)) & set("wax+")):
                    bad.append(f"{where}: open() with mode {ast.unparse(mode)}")
            if fn in ("os.open", "os.write", "os.pwrite", "os.writev", "os.truncate",
                      "os.ftruncate", "os.system", "os.popen") or fn.startswith("os.exec"):
                bad.append(f"{where}: calls {fn}()")
            if fn.endswith(".write_bytes") or fn.endswith(".write_text"):
                bad.append(f"{where}: calls {fn}()")
    return bad


def test_drgn_live_readonly_static():
    """No code of the drgn front end writes memory, opens a program or a file for writing."""
    files = [os.path.join(DRGN_DIR, "daxtriage.py")] + sorted(
        glob.glob(os.path.join(DRGN_DIR, "daxtriage", "*.py")))
    bad = [v for f in files for v in readonly_violations(f)]
    assert not bad, "the drgn front end may not be read-only:\n" + "\n".join(bad)
    # the checker itself must see a violation when there is one
    probe = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
    try:
        probe.write("import ctypes\nprog.set_kernel()\nf = open('/dev/mem', 'r+b')\n"
                    "prog.write(0, b'x')\nout.write('ok')\n")
        probe.close()
        found = readonly_violations(probe.name)
    finally:
        os.unlink(probe.name)
    assert len(found) == 5 and not any("out.write" in v for v in found), found
    print(f"    {len(files)} files: no write API, no program opened, no file opened for writing")


_OPEN_RE = re.compile(r'^(\d+)\s+(?:openat\(\w+, |open\()"([^"]*)", ([A-Z_|]+)[^)]*\)\s*=\s*(-?\d+)')
_WRITE_RE = re.compile(r'^(\d+)\s+(pwrite64|write|writev|pwritev2?|process_vm_writev|ptrace)\((\d+)?')


def test_drgn_live_readonly_strace():
    """drgn/daxtriage.py on this machine's own kernel: /proc/kcore opened O_RDONLY only, no
    write to it or to /dev/mem, no process_vm_writev or ptrace.  Without /proc/kcore (a
    container) drgn stops at the open, which is still traced and checked."""
    drgn_available()
    strace = shutil.which("strace")
    if not strace:
        raise Skip("strace is not installed (scripts/deps.sh installs it)")
    tmp = tempfile.mkdtemp(prefix="daxtriage-live-")
    try:
        opened, lines = [], []
        for argv in (["pgmap"], ["daxmap", "-a"], ["daxcheck", "-j"]):
            log = os.path.join(tmp, f"{argv[0]}.strace")
            r = run([strace, "-f", "-qq", "-o", log, "-e",
                     "trace=openat,open,write,pwrite64,writev,pwritev,pwritev2,"
                     "process_vm_writev,ptrace",
                     SYS_PYTHON, "-m", "drgn", os.path.join(DRGN_DIR, "daxtriage.py")] + argv,
                    timeout=600)
            assert os.path.exists(log), f"strace wrote no log: {r.stderr[-300:]}"
            fds = {}  # fd -> path, of the files that matter
            for line in open(log):
                lines.append(line)
                m = _OPEN_RE.match(line)
                if m:
                    pid, path, flags, fd = m.groups()
                    if path in ("/proc/kcore", "/dev/mem", "/dev/kmem") or \
                            re.fullmatch(r"/proc/\d+/mem", path):
                        opened.append((" ".join(argv), path, flags, int(fd)))
                        if int(fd) >= 0:
                            fds[(pid, int(fd))] = path
                    continue
                w = _WRITE_RE.match(line)
                if w:
                    pid, call, fd = w.groups()
                    assert call not in ("process_vm_writev", "ptrace"), f"{argv}: {line.strip()}"
                    target = fds.get((pid, int(fd))) if fd else None
                    assert target is None, f"{argv}: writes to {target}: {line.strip()}"
        kcore = [o for o in opened if o[1] == "/proc/kcore"]
        assert kcore, "drgn never tried to open /proc/kcore: live mode not exercised"
        for cmd, path, flags, fd in opened:
            assert path == "/proc/kcore", f"{cmd}: opens {path} ({flags})"
            assert "O_RDONLY" in flags.split("|") and not {"O_RDWR", "O_WRONLY", "O_CREAT",
                                                         "O_TRUNC"} & set(flags.split("|")), \
                f"{cmd}: opens {path} with {flags}"
        opened_ok = [o for o in kcore if o[3] >= 0]
        print(f"    {len(kcore)} opens of /proc/kcore, all O_RDONLY "
              f"({len(opened_ok)} succeeded{'' if opened_ok else ': no /proc/kcore here, drgn stopped at the open'}); "
              f"{len(lines)} traced calls, no write to kcore or /dev/mem, no process_vm_writev/ptrace")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
