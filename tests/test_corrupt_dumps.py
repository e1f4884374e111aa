"""crash session survival: dax.so on corrupted dumps, `sys` after every command.

The corrupted dumps are made at test time from the default kernel's samples:
  patched   copies of fsdax-ext4's kdump vmcore with the objects the commands walk
            overwritten (tests/probes/corrupt_dump.py under drgn, tests/kdump_patch.py), four
            copies, independent objects sharing one: garbage over the xa_nodes and an
            inode's i_sb_list with zeroes over the dev_pagemaps, percpu_ref_data and pinned
            struct pages; garbage over those pgmap objects and 2 MiB of memmap with zeroes
            over an xa_node; cycles (xa_node slots and parent to themselves, super_blocks /
            s_inodes / i_sb_list looping on a non-head element); bit flips over all of them
  truncated copies of the kdump vmcore cut at several lengths: crash refuses most before any
            extension runs (docs/reliability.md); a refusal is crash's, recorded, and not a
            variant of ours -- only sessions that loaded dax.so count
  map=dev   the fsdax-mapdev sample as the in-guest kdump (makedumpfile -d 31) wrote it: the
            fsdax pgmap's struct pages live in its altmap on the device, not in the dump
For every variant one crash session (the sample's crash, trixie 8.0.6 by default) runs every
command -- daxmap of each file and -a, pgmap with and without -p and of one pgmap, daxpage,
daxdev, daxcheck, daxent, their -j forms and garbage arguments -- each followed by `sys`.
Asserted per command: crash still answers `sys` after it (alive), the session does not time
out (no hang), every line our command writes in its own name ("daxmap: ...") is one line
that names an object (an address or pfn) or an argument, no crash read error escapes from
our commands, and every -j output is one JSON document (or, when the command refuses, one
error line).  Printed: per command, how many variants it ran on, crashes, hangs.
"""
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from harness import SYS_PYTHON, TOP, hexint, per_sample
from test_crash_ext import build, commands_for, crash_argv, loads_module_debuginfo, primary
from test_open import drgn_available

PROBE = os.path.join(TOP, "tests", "probes", "corrupt_dump.py")
SESSION_TIMEOUT = 300       # a session of ~60 commands takes 15-30 s; beyond this it hangs
TRUNCATE_AT = (0.5, 0.99)
OURS = ("daxmap", "pgmap", "daxpage", "daxdev", "daxcheck", "daxent")
HEX_OR_NAME = re.compile(r"\b(?:0x)?[0-9a-f]{5,16}\b|\"[^\"]*\"|\bpfn\b|\bpmem\d|\bdax\d")
SUMMARY = re.compile(r"daxcheck: \d+ pgmaps, ")     # daxcheck's first line: counts, no error
CRASH_READ_ERROR = re.compile(r"^crash: |read error: kernel virtual address", re.M)


def session_commands(t, outdir):
    """(name, command) of one session: test_crash_ext's commands (every file, -j forms,
    garbage arguments) and pgmap without -p, of one pgmap, -j; each redirected to a file."""
    cmds = commands_for(t, outdir)
    pm = t["kernel"]["pgmaps"][0]["address"]
    more = [("pgmap_plain.txt", "pgmap"), ("pgmap_one.txt", f"pgmap {hexint(pm):x}"),
            ("pgmap_one.json", f"pgmap -j {hexint(pm):x}"), ("pgmap_plain.json", "pgmap -j"),
            ("all_p.txt", "daxmap -a -p"), ("daxent.json", "daxent -j 0x3800007")]
    return cmds + [(n, f"{c} > {os.path.join(outdir, n)}") for n, c in more]


def command_key(cmd):
    """'daxpage -j 108292 > /tmp/x' -> 'daxpage -j PFN|ADDR': the command as counted."""
    words = cmd.split(" > ")[0].split()
    return " ".join(w if w.startswith("-") or w in OURS or w in ("all",) else "ARG"
                    for w in words)


def run_session(s, dump, kind, binds, outdir):
    """One crash session on a dump path; returns (cmds, returncode or 'timeout', stdout)."""
    so = build(kind)
    cmds = session_commands(s.truth, outdir)
    script = [f"extend {so}"]
    if loads_module_debuginfo(s, kind):
        script.append(f"mod -S {s.debuginfo}")
    for name, c in cmds:
        script += [c, f"sys > {os.path.join(outdir, name)}.sys"]
    script.append("quit")
    argv = crash_argv(s, dump, kind, [], binds=binds)
    # own process group: a hang is killed with everything under it (chroot, crash)
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = p.communicate("\n".join(script) + "\n", timeout=SESSION_TIMEOUT)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        rc = "timeout"
    return cmds, rc, out


class Tally:
    """Per command: variants tried, crashes, hangs, refusals (-j gave one error line)."""

    def __init__(self):
        self.n = collections.Counter()          # runs (a command runs once per file, pfn..)
        self.variants = collections.defaultdict(set)
        self.crashes = collections.Counter()
        self.hangs = collections.Counter()
        self.refused = collections.Counter()
        self.problems = []

    def judge(self, label, cmds, rc, stdout, outdir):
        """Hold one session's outputs to the rules; record what each command did."""
        for name, c in cmds:
            key = command_key(c)
            out_p = os.path.join(outdir, name)
            sys_p = out_p + ".sys"
            if not os.path.exists(sys_p):
                # the session ended during this command (or its sys): crash or hang here
                (self.hangs if rc == "timeout" else self.crashes)[key] += 1
                self.n[key] += 1
                self.variants[key].add(label)
                self.problems.append(f"{label}: `{key}` {'hung' if rc == 'timeout' else 'crashed crash'}"
                                     f" (exit {rc}): {stdout.strip()[-300:]}")
                return
            self.n[key] += 1
            self.variants[key].add(label)
            if "RELEASE:" not in open(sys_p, errors="replace").read():
                self.problems.append(f"{label}: `sys` after `{key}` did not answer")
            text = open(out_p, errors="replace").read() if os.path.exists(out_p) else ""
            if CRASH_READ_ERROR.search(text):
                self.problems.append(f"{label}: `{key}`: a crash error escaped: "
                                     f"{CRASH_READ_ERROR.search(text).group(0)!r}: {text[:200]}")
            args = [w for w in c.split(" > ")[0].split()[1:] if not w.startswith("-")]
            for line in text.splitlines():
                if line.split(":")[0] in OURS and not SUMMARY.match(line) \
                        and not HEX_OR_NAME.search(line) \
                        and not any(a in line for a in args):
                    self.problems.append(f"{label}: `{key}`: message names no object: {line!r}")
                if len(line) > 600:
                    self.problems.append(f"{label}: `{key}`: line of {len(line)} characters")
            if name.endswith(".json") and not name.startswith("bad"):
                self.judge_json(label, key, text)
        if rc != 0:
            self.problems.append(f"{label}: crash exit {rc} after every command ran")

    def judge_json(self, label, key, text):
        if text.lstrip().startswith("{"):
            try:
                d = json.loads(text)
                if d.get("schema") != "daxtriage/1":
                    self.problems.append(f"{label}: `{key}`: schema {d.get('schema')}")
            except ValueError as e:
                self.problems.append(f"{label}: `{key}`: -j output is not JSON ({e}): {text[:200]}")
        elif len([ln for ln in text.splitlines() if ln.strip()]) == 1:
            self.refused[key] += 1      # refused in one line (the object is unusable)
        else:
            self.problems.append(f"{label}: `{key}`: -j gave neither JSON nor one error line: "
                                 f"{text[:300]!r}")

    def report(self, variants):
        print(f"    {variants} variants ran; per command: variants tried, runs, crashes, hangs, "
              "-j refused in one line:")
        for key in sorted(self.n):
            print(f"      {key:24s} variants {len(self.variants[key]):2d}  runs {self.n[key]:3d}  "
                  f"crashes {self.crashes[key]}  hangs {self.hangs[key]}  refused {self.refused[key]}")
        print(f"    total: {sum(self.n.values())} command runs, {sum(self.crashes.values())} crashes, "
              f"{sum(self.hangs.values())} hangs")
        assert not self.problems, f"{len(self.problems)} problems:\n  " + "\n  ".join(self.problems[:20])


def make_variants(s, workdir):
    """Patched copies (drgn probe) and truncated copies of the sample's kdump vmcore:
    [(name, path, what)]."""
    drgn_available()
    env = dict(os.environ, DT_VMCORE=s.path("vmcore"))
    r = subprocess.run([SYS_PYTHON, "-m", "drgn", "-c", s.path("vmcore"), "-s", s.vmlinux, PROBE,
                        s.path("truth.json"), workdir], capture_output=True, text=True,
                       timeout=300, env=env)
    assert r.returncode == 0, f"corrupt_dump.py: {r.stderr.strip()[-600:]}"
    out = []
    for v in json.load(open(os.path.join(workdir, "variants.json"))):
        assert v["pages_patched"] == v["pages_wanted"] > 0, \
            f"{v['name']}: {v['pages_patched']} of {v['pages_wanted']} pages patched"
        out.append((v["name"], os.path.join(workdir, v["name"] + ".vmcore"), v["what"]))
    size = os.path.getsize(s.path("vmcore"))
    for frac in TRUNCATE_AT:
        p = os.path.join(workdir, f"truncated-{int(frac * 100)}.vmcore")
        with open(s.path("vmcore"), "rb") as src, open(p, "wb") as dst:
            dst.write(src.read(int(size * frac)))
        out.append((f"truncated-{int(frac * 100)}", p, f"the first {frac:.0%} of the file"))
    return out


def run_variants(s, variants, workdir, also=None):
    """Every variant in its own session, two at a time (the machine's two cores); print the
    tally and fail on any problem."""
    kind = primary(s)
    build(kind)
    tally, ran, refused = Tally(), 0, []

    def one(v):
        name, path, _ = v
        outdir = tempfile.mkdtemp(prefix=f"o-{name}-", dir=workdir)
        return v, outdir, run_session(s, path, kind, (workdir,), outdir)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, variants))
    for (name, _, what), outdir, (cmds, rc, stdout) in results:
        load = re.search(r"^extend: .*", stdout, re.M)
        assert not load, f"{name}: dax.so did not load: {load.group(0)}"
        if "shared object loaded" not in stdout:
            # crash itself refused the dump before any extension ran: not our variant
            why = [ln for ln in stdout.splitlines() if ln.startswith("crash:")]
            assert rc != "timeout", f"{name}: crash hung before loading the extension"
            last = [ln for ln in stdout.splitlines() if ln.strip()][-1:] or ["(no output)"]
            refused.append(f"{name}: exit {rc}: {why[-1] if why else last[0][:160]}")
            continue
        ran += 1
        tally.judge(f"{s.name} {name} ({what})", cmds, rc, stdout, outdir)
        if also:
            also(outdir)
    for r in refused:
        print(f"    crash refused (before dax.so): {r}")
    assert ran, "no variant got as far as loading dax.so"
    tally.report(ran)


@per_sample(scenarios=("fsdax-ext4",))
def test_crash_survives_corrupted_dumps(s):
    """Patched and truncated copies of fsdax-ext4's kdump: 0 crashes, 0 hangs, sys answers."""
    workdir = tempfile.mkdtemp(prefix="daxtriage-corrupt-")
    try:
        run_variants(s, make_variants(s, workdir), workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def altmap_lines(s, label, pgmap_text, daxpage_text):
    """Both front ends' one line: the pgmap truth records with a valid altmap has its struct
    pages in device memory, not in the dump (pgmap, under the pgmap; daxpage of a pinned pfn
    in it, as its one-line answer)."""
    pms = [p for p in s.truth["kernel"]["pgmaps"] if p["altmap_valid"]]
    assert pms, f"{s.name}: truth has no pgmap with a valid altmap: not a map=dev sample"
    for pm in pms:
        want = (f"struct pages of pgmap {hexint(pm['address']):x} "
                f"(pfn {hexint(pm['ranges'][0]['start']) >> 12:#x}-"
                f"{hexint(pm['ranges'][0]['end']) >> 12:#x}) are in device memory (altmap")
        assert want in pgmap_text, f"{label} pgmap: no line {want!r}: {pgmap_text[:600]}"
        lines = [ln for ln in daxpage_text.splitlines() if ln.strip()]
        assert len(lines) == 1 and want in lines[0] and lines[0].startswith("daxpage: pfn "), \
            f"{label} daxpage: {daxpage_text[:400]!r}"
    print(f"    {label}: {want} ...")


def pin_in_altmap(s):
    for pin in s.truth["construction"].get("pins", []):
        pfn = hexint(pin["pfn"])
        if any(p["altmap_valid"] and any(hexint(r["start"]) >> 12 <= pfn <= hexint(r["end"]) >> 12
                                         for r in p["ranges"]) for p in s.truth["kernel"]["pgmaps"]):
            return pfn
    raise AssertionError(f"{s.name}: no pinned pfn in the altmap pgmap")


@per_sample(scenarios=("fsdax-mapdev",))
def test_crash_survives_mapdev_dump(s):
    """The map=dev sample (makedumpfile -d 31: no memmap of the fsdax pgmap in the dump):
    the session survives, and both front ends say in one line where the struct pages are."""
    pfn = pin_in_altmap(s)
    drgn_available()
    base = [SYS_PYTHON, "-m", "drgn", "-q", "-c", s.path("vmcore"), "-s", s.vmlinux,
            os.path.join(TOP, "drgn", "daxtriage.py")]
    pg = subprocess.run(base + ["pgmap"], capture_output=True, text=True, timeout=300)
    dp = subprocess.run(base + ["daxpage", f"{pfn:x}"], capture_output=True, text=True, timeout=300)
    assert pg.returncode == 0 and dp.returncode == 1, f"drgn: {pg.stderr[-300:]} {dp.stderr[-300:]}"
    altmap_lines(s, "drgn", pg.stdout, dp.stderr)
    workdir = tempfile.mkdtemp(prefix="daxtriage-mapdev-")
    try:
        run_variants(s, [("map=dev", s.path("vmcore"), "fsdax namespace --map=dev, -d 31")],
                     workdir, also=lambda outdir: altmap_lines(
                         s, "crash", open(os.path.join(outdir, "pgmap_plain.txt")).read(),
                         open(os.path.join(outdir, f"page{pfn:x}.txt")).read()))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
