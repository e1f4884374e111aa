#!/usr/bin/python3
"""make bench: the census and the entry walks of both front ends against their anchors, on one
sample, in one run (docs/performance.md).

    scripts/bench.py [--set bench] [--sample DIR] [--reps N] [--write docs/performance.md]

Measured on the same dump, each REPS times, reported as median and spread (min-max):
  crash (the sample's crash chroot, dax.so built against it), one session:
    pgmap -p         the census of every pgmap range (output discarded)
    raw read         the same memmap bytes, one readmem per census chunk (pgmap --raw-read)
    kmem -p          crash's own walk of every struct page (output discarded; per page)
    daxmap MAPPING   the largest DAX mapping of the sample (output discarded; per entry)
    memory           VmHWM - VmRSS around the census (peak reset with clear_refs 5)
  drgn (host python3-drgn), one child process per measurement:
    pgmap -p         the same census through daxtriage.cli.run (output discarded)
    raw read         prog.read of the same memmap bytes, one read per census chunk
    Object loop      one drgn Object per struct page: _refcount, flags, mapping
    daxmap MAPPING   the same mapping
    memory           ru_maxrss growth across the census runs
Every figure is checked against truth.json first (census pages and histograms, entry count):
a fast wrong answer is not a result.  The timing of a crash command is the wall time between
two `!echo` markers, less the markers' own cost (measured the same way).
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests"))
from harness import SYS_PYTHON, Sample, expected_samples, hexint  # noqa: E402

TOOLCHROOT = os.path.join(TOP, "samples", "scripts", "toolchroot.sh")
EXT = os.path.join(TOP, "crash-ext")
DRGN_DIR = os.path.join(TOP, "drgn")
OBJECT_PAGES = 1 << 17   # pages of the per-Object anchor (it costs ~1 us/page or more)

TARGETS = """\
Targets (issue 8): crash census >= 50 % of the raw read rate and >= 3x faster per page than
kmem -p; drgn census >= 25 % of the raw read rate and >= 5x faster than the per-Object loop;
daxmap of 1 M entries < 1 s (crash), < 10 s (drgn); census memory independent of the pages."""


def say(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


# ------------------------------------------------------------------------- the sample

class Workload:
    """What the bench runs on, from truth.json: the census ranges and the largest mapping."""

    def __init__(self, s):
        t = s.truth
        self.sample = s
        self.ranges = [(c["start"], c["end"]) for c in t["kernel"]["census"]]
        self.pages = sum(e - b for b, e in self.ranges)
        self.census_truth = {(c["start"], c["end"]): c for c in t["kernel"]["census"]}
        f = max(t["kernel"]["files"], key=lambda f: f.get("entries_count", 0))
        self.mapping = hexint(f["mapping"])
        self.path = f["path"]
        self.entries = f["entries_count"]
        self.by_order = f.get("entries_by_order") or {}
        if not self.by_order:
            for e in f.get("entries", []):
                k = str(e["order"])
                self.by_order[k] = self.by_order.get(k, 0) + 1
        self.kernel = t["sample"]["kernel_release"]
        self.dump = s.path("vmcore")
        self.dump_bytes = os.path.getsize(self.dump)


def find_sample(args):
    if args.sample:
        d = os.path.realpath(args.sample)
        return Sample(os.path.basename(os.path.dirname(d)), os.path.basename(d))
    got = expected_samples(args.set)
    if not got:
        raise SystemExit(f"bench: no samples/out/{args.set}.list: run "
                         f"samples/scripts/make-samples.sh {args.set} first")
    return got[0]


# ------------------------------------------------------------------------- statistics

def med(xs):
    return statistics.median(xs)


def spread(xs):
    return f"{min(xs):.3g}-{max(xs):.3g}"


# ------------------------------------------------------------------------- crash

def crash_build(suite):
    r = run([TOOLCHROOT, "run", suite, "--bind", TOP, "--", "make", "-s", "-C", EXT,
             f"BUILD=build/{suite}"], timeout=900)
    if r.returncode:
        raise SystemExit(f"bench: dax.so does not build in the {suite} chroot: {r.stderr[-400:]}")
    return os.path.join(EXT, "build", suite, "dax.so")


def crash_session(w, suite, reps):
    s = w.sample
    so = crash_build(suite)
    # wall clock, and crash's own CPU time (utime + stime, in clock ticks)
    mark = lambda name: f'!echo @@T {name} $(date +%s.%N) $(cut -d" " -f14,15 /proc/$PPID/stat)'  # noqa: E731
    mem = '!echo @@M $(grep -E "^(VmRSS|VmHWM)" /proc/$PPID/status | tr -s " \\t" " ")'
    raw = [f"pgmap --raw-read {b:x} {e:x}" for b, e in w.ranges]
    script = [f"extend {so}",
              "pgmap > /dev/null",            # first command: layout discovery, not measured
              "!echo @@KMEM", "kmem -p | wc -l",
              "!echo @@PGMAP", "pgmap -p",
              "!echo @@RAW", *raw,
              "!echo @@DAXMAP", f"daxmap {w.mapping:x} | tail -3",
              "!echo @@END"]
    for r in range(reps):
        script += [mark(f"m0.{r}"), mark(f"m1.{r}"),
                   "!echo 5 > /proc/$PPID/clear_refs", mem,
                   mark(f"census0.{r}"), "pgmap -p > /dev/null", mark(f"census1.{r}"), mem,
                   mark(f"raw0.{r}"), *[c + " > /dev/null" for c in raw], mark(f"raw1.{r}"),
                   mark(f"daxmap0.{r}"), f"daxmap {w.mapping:x} > /dev/null", mark(f"daxmap1.{r}"),
                   mark(f"kmem0.{r}"), "kmem -p > /dev/null", mark(f"kmem1.{r}")]
    script.append("quit")
    argv = [TOOLCHROOT, "run", suite, "--bind", s.dir, "--bind", s.debuginfo, "--bind", TOP,
            "--", "crash", "-s", s.vmlinux, w.dump]
    say(f"crash ({suite}): one session, {reps} rounds")
    v = run([TOOLCHROOT, "versions", suite]).stdout.split()
    version = dict(x.split("=", 1) for x in v if "=" in x).get("crash", "?")
    r = run(argv, input="\n".join(script) + "\n", timeout=7200)
    if r.returncode:
        raise SystemExit(f"bench: crash exited {r.returncode}: {(r.stdout + r.stderr)[-800:]}")
    out = r.stdout
    if "shared object loaded" not in out:
        raise SystemExit(f"bench: extend failed: {out[-800:]}")
    res = parse_crash(w, out, reps)
    res["version"] = version
    return res


def section(out, a, b):
    return out.split(f"@@{a}\n", 1)[1].split(f"@@{b}\n", 1)[0]


def parse_crash(w, out, reps):
    res = {}
    kmem_lines = int(section(out, "KMEM", "PGMAP").split()[0])
    res["kmem_pages"] = kmem_lines - 1   # the header line
    pg = section(out, "PGMAP", "RAW")
    got = re.findall(r"CENSUS \S+ range \d+: pfn (0x[0-9a-f]+)-(0x[0-9a-f]+)\n(?:.*\n)*?"
                     r"  PAGES: (\d+)  TAILS: (\d+)  NON-IDLE: (\d+)  UNREADABLE: (\d+)"
                     r".*\((\d+) reads, ([\d.]+) s\)", pg)
    check_census("crash", w, {(int(a, 16), int(b, 16) + 1): (int(p), int(nonidle), int(unr))
                              for a, b, p, _, nonidle, unr, _, _ in got})
    res["census_reads"] = sum(int(x[6]) for x in got)
    res["census_inner_s"] = sum(float(x[7]) for x in got)
    rr = re.findall(r"RAW-READ: (\d+) pages, (\d+) bytes, (\d+) reads \((\d+) failed\)",
                    section(out, "RAW", "DAXMAP"))
    res["raw_bytes"] = sum(int(x[1]) for x in rr)
    res["raw_reads"] = sum(int(x[2]) for x in rr)
    dm = section(out, "DAXMAP", "END")
    m = re.search(r"ENTRIES: (\d+)", dm)
    if not m or int(m.group(1)) != w.entries:
        raise SystemExit(f"bench: crash daxmap found {m and m.group(1)} entries, "
                         f"truth.json says {w.entries}: {dm[-300:]}")
    marks = re.findall(r"@@T (\S+) ([\d.]+) (\d+) (\d+)", out)
    t = {k: float(v) for k, v, _, _ in marks}
    tick = os.sysconf("SC_CLK_TCK")
    cpu = {k: (int(u) + int(s)) / tick for k, _, u, s in marks}
    overhead = med([t[f"m1.{r}"] - t[f"m0.{r}"] for r in range(reps)])
    res["marker_s"] = overhead
    for name in ("census", "raw", "daxmap", "kmem"):
        res[name] = [max(t[f"{name}1.{r}"] - t[f"{name}0.{r}"] - overhead, 1e-6)
                     for r in range(reps)]
        res[name + "_cpu"] = [max(cpu[f"{name}1.{r}"] - cpu[f"{name}0.{r}"], 1.0 / tick)
                              for r in range(reps)]
    mems = re.findall(r"@@M VmHWM: (\d+) kB VmRSS: (\d+) kB", out)
    # pairs: (before census: after the reset, HWM == RSS), (after the census)
    res["rss_kb"] = [int(mems[2 * r][1]) for r in range(reps)]
    res["census_peak_kb"] = [int(mems[2 * r + 1][0]) - int(mems[2 * r][1]) for r in range(reps)]
    return res


def check_census(who, w, got):
    """The census each front end took must be the kernel's: pages per range (the truth's
    census counts every pfn of the range) and the non-idle count."""
    for rng, c in w.census_truth.items():
        if rng not in got:
            raise SystemExit(f"bench: {who} census has no range {rng}: {sorted(got)}")
        pages, nonidle, unreadable = got[rng]
        if pages + unreadable != rng[1] - rng[0] or unreadable:
            raise SystemExit(f"bench: {who} census of {rng}: {pages} pages, {unreadable} unreadable")
        if nonidle != c["nonidle_total"]:
            raise SystemExit(f"bench: {who} census of {rng}: {nonidle} non-idle pages, "
                             f"truth.json says {c['nonidle_total']}")


# ------------------------------------------------------------------------- drgn

DRGN_CHILD = r'''
import io, json, os, resource, struct, sys, time
mode, vmcore, vmlinux, drgn_dir, reps = sys.argv[1:6]
reps = int(reps)
spec = json.loads(sys.argv[6])
sys.path.insert(0, drgn_dir)
import drgn
from drgn import FaultError
prog = drgn.Program()
prog.set_core_dump(vmcore)
prog.load_debug_info([vmlinux])
from daxtriage.cli import run
from daxtriage.layout import dax_layout
from daxtriage.memmap import MEMMAP_CHUNK, pfn_to_page_address
null = open(os.devnull, "w")
def maxrss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
run(prog, ["pgmap"], out=null, err=null)   # layout discovery, as the first command of crash
l = dax_layout(prog)
res = {"drgn": drgn.__version__, "times": [], "cpu": [], "chunk": MEMMAP_CHUNK}
rss0 = maxrss()
def census():
    run(prog, ["pgmap", "-p"], out=null, err=null)
def daxmap():
    run(prog, ["daxmap", hex(spec["mapping"])], out=null, err=null)
def raw():
    ps = l.page_size
    chunk = spec.get("chunk") or MEMMAP_CHUNK
    for b, e in spec["ranges"]:
        for pfn in range(b, e, chunk):
            n = min(chunk, e - pfn)
            prog.read(pfn_to_page_address(l, pfn), ps * n)
def objects():
    from drgn.helpers.linux.mm import pfn_to_page
    b = spec["ranges"][0][0]
    hist = {}
    for pfn in range(b, b + spec["object_pages"]):
        page = pfn_to_page(prog, pfn)
        rc = page._refcount.counter.value_()
        page.flags.value_()
        page.mapping.value_()
        hist[rc] = hist.get(rc, 0) + 1
    return hist
fn = {"census": census, "daxmap": daxmap, "raw": raw, "objects": objects}[mode]
for r in range(reps):
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    res["times"].append(time.perf_counter() - t0)
    res["cpu"].append(time.process_time() - c0)
res["rss0_kb"] = rss0
res["peak_kb"] = maxrss() - rss0
if mode == "census":
    buf = io.StringIO()
    run(prog, ["pgmap", "-p", "-j"], out=buf, err=null)
    res["census"] = [c for p in json.loads(buf.getvalue())["pgmaps"] for c in p.get("census") or []]
if mode == "daxmap":
    buf = io.StringIO()
    run(prog, ["daxmap", hex(spec["mapping"])], out=buf, err=null)
    res["tail"] = buf.getvalue()[-400:]
print("@@RESULT " + json.dumps(res))
'''


def drgn_child(w, mode, reps, **extra):
    spec = {"ranges": w.ranges, "mapping": w.mapping, "object_pages": OBJECT_PAGES, **extra}
    tmp = tempfile.mkdtemp(prefix="daxtriage-bench-")
    try:
        p = os.path.join(tmp, "child.py")
        with open(p, "w") as f:
            f.write(DRGN_CHILD)
        say(f"drgn: {mode}{' ' + json.dumps(extra) if extra else ''}, {reps} runs")
        r = run([SYS_PYTHON, p, mode, w.dump, w.sample.vmlinux, DRGN_DIR, str(reps),
                 json.dumps(spec)], timeout=7200)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    m = re.search(r"^@@RESULT (.*)$", r.stdout, re.M)
    if r.returncode or not m:
        raise SystemExit(f"bench: drgn {mode} failed: {(r.stdout + r.stderr)[-800:]}")
    return json.loads(m.group(1))


def drgn_all(w, reps):
    res = {}
    c = drgn_child(w, "census", reps)
    check_census("drgn", w, {(x["start"], x["end"]): (x["pages"], x["nonidle_total"], x["unreadable"])
                             for x in c["census"]})
    res["census"], res["census_peak_kb"], res["rss_kb"] = c["times"], c["peak_kb"], c["rss0_kb"]
    res["census_cpu"] = c["cpu"]
    res["census_reads"] = sum(x["reads"] for x in c["census"])
    res["version"], res["chunk"] = c["drgn"], c["chunk"]
    for name, extra in (("raw", {}), ("raw_big", {"chunk": 8192}), ("objects", {})):
        x = drgn_child(w, name.replace("_big", ""), reps, **extra)
        res[name], res[name + "_cpu"] = x["times"], x["cpu"]
    d = drgn_child(w, "daxmap", reps)
    m = re.search(r"ENTRIES: (\d+)", d["tail"])
    if not m or int(m.group(1)) != w.entries:
        raise SystemExit(f"bench: drgn daxmap found {m and m.group(1)} entries, truth.json "
                         f"says {w.entries}: {d['tail'][-300:]}")
    res["daxmap"], res["daxmap_cpu"], res["daxmap_peak_kb"] = d["times"], d["cpu"], d["peak_kb"]
    return res


# ------------------------------------------------------------------------- report

def report(w, cr, dr, reps, load):
    P, E = w.pages, w.entries
    us = lambda xs, n: [x / n * 1e6 for x in xs]  # noqa: E731
    rows = []

    def row(tool, what, res, key, n, unit):
        times, cpus = res[key], res[key + "_cpu"]
        per = us(cpus, n)
        rows.append((tool, what, f"{med(times):.3f}", spread(times), f"{med(cpus):.3f}",
                     spread(cpus), f"{n:,}", f"{med(per):.3f}",
                     f"{n / med(cpus) / 1e6:.2f} M{unit}/s"))
        return med(per)

    c_census = row("crash", "pgmap -p (census)", cr, "census", P, "pages")
    c_raw = row("crash", "raw readmem, same memmap bytes", cr, "raw", P, "pages")
    c_kmem = row("crash", "kmem -p (every struct page)", cr, "kmem", cr["kmem_pages"], "pages")
    row("crash", f"daxmap ({E:,} entries)", cr, "daxmap", E, "entries")
    d_census = row("drgn", "pgmap -p (census)", dr, "census", P, "pages")
    d_raw = row("drgn", f"raw prog.read, {dr['chunk']}-page chunks", dr, "raw", P, "pages")
    row("drgn", "raw prog.read, 8192-page chunks", dr, "raw_big", P, "pages")
    d_obj = row("drgn", "Object per page (_refcount, flags, mapping)", dr, "objects",
                OBJECT_PAGES, "pages")
    row("drgn", f"daxmap ({E:,} entries)", dr, "daxmap", E, "entries")
    hdr = ("tool", "measurement", "wall s", "wall spread", "CPU s", "CPU spread", "items",
           "CPU us/item", "CPU rate")
    widths = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
    fmt = lambda r: "| " + " | ".join(str(v).ljust(widths[i]) for i, v in enumerate(r)) + " |"  # noqa: E731
    lines = [fmt(hdr), "|" + "|".join("-" * (wd + 2) for wd in widths) + "|"] + [fmt(r) for r in rows]

    def verdict(ok):
        return "met" if ok else "NOT MET"
    ratios = [
        ("crash census / raw read rate", c_raw / c_census, ">= 0.5", c_raw / c_census >= 0.5),
        ("crash census speed-up over kmem -p (per page)", c_kmem / c_census, ">= 3",
         c_kmem / c_census >= 3),
        ("drgn census / raw read rate", d_raw / d_census, ">= 0.25", d_raw / d_census >= 0.25),
        ("drgn census speed-up over the Object loop", d_obj / d_census, ">= 5",
         d_obj / d_census >= 5),
        ("crash daxmap of the big mapping, CPU s", med(cr["daxmap_cpu"]), "< 1",
         med(cr["daxmap_cpu"]) < 1),
        ("drgn daxmap of the big mapping, CPU s", med(dr["daxmap_cpu"]), "< 10",
         med(dr["daxmap_cpu"]) < 10),
        ("crash census / drgn census rate", d_census / c_census, "", None),
    ]
    rl = ["| ratio | value | target | |", "|---|---|---|---|"]
    for name, v, tgt, ok in ratios:
        rl.append(f"| {name} | {v:.2f} | {tgt} | {'' if ok is None else verdict(ok)} |")
    mem = ["| front end | process RSS before | census peak growth (median, spread) |",
           "|---|---|---|",
           f"| crash | {med(cr['rss_kb']) / 1024:.0f} MiB | {med(cr['census_peak_kb']) / 1024:.1f} MiB "
           f"({spread([x / 1024 for x in cr['census_peak_kb']])}) |",
           f"| drgn | {dr['rss_kb'] / 1024:.0f} MiB | {dr['census_peak_kb'] / 1024:.1f} MiB over "
           f"{reps} censuses (ru_maxrss) |"]
    head = [f"Sample: {w.sample.name} (kernel {w.kernel}), vmcore {w.dump_bytes / 2**20:.0f} MiB "
            f"(kdump-compressed, in-guest makedumpfile -c -d 31)",
            f"Census: {len(w.ranges)} pgmap ranges, {P:,} struct pages "
            f"({P * 64 / 2**20:.0f} MiB of memmap); crash {cr['census_reads']} reads, "
            f"drgn {dr['census_reads']} reads",
            f"Mapping: {w.path}: {E:,} entries by order {json.dumps(w.by_order)}",
            f"kmem -p walks {cr['kmem_pages']:,} struct pages (RAM and ZONE_DEVICE)",
            f"Tools: crash {cr['version']} (trixie chroot, dax.so built against it), "
            f"drgn {dr['version']} (host {SYS_PYTHON}, Python {platform.python_version()})",
            f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, load average "
            f"{load[0]} at start, {load[1]} at end; {reps} runs each (median, spread min-max); "
            f"crash marker cost {cr['marker_s'] * 1e3:.1f} ms subtracted from wall times; "
            f"ratios and rates from CPU time (the process's own: on a shared machine wall time "
            f"measures the neighbours too)"]
    return head, lines, rl, mem


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", default="bench")
    ap.add_argument("--sample", help="a sample directory instead of the set's first sample")
    ap.add_argument("--reps", type=int, default=int(os.environ.get("DAXTRIAGE_BENCH_REPS", 5)))
    ap.add_argument("--crash-suite", default="trixie")
    ap.add_argument("--write", help="also write the report (markdown) to this file")
    args = ap.parse_args()
    w = Workload(find_sample(args))
    load0 = " ".join(open("/proc/loadavg").read().split()[:3])
    say(f"{w.sample.name}: {w.pages:,} struct pages in {len(w.ranges)} ranges, "
        f"mapping {w.mapping:#x} with {w.entries:,} entries; load {load0}")
    cr = crash_session(w, args.crash_suite, args.reps)
    dr = drgn_all(w, args.reps)
    load1 = " ".join(open("/proc/loadavg").read().split()[:3])
    head, table, ratios, mem = report(w, cr, dr, args.reps, (load0, load1))
    text = "\n".join("- " + h for h in head) + "\n\n" + "\n".join(table) + "\n\n" + "\n".join(ratios) + \
        "\n\n" + "\n".join(mem) + "\n\n" + TARGETS + "\n"
    print(text)
    if args.write:
        write_doc(args.write, text)
        say(f"wrote {args.write}")


def write_doc(path, text):
    """Replace the measured part of docs/performance.md (between the markers), keep the rest."""
    begin, end = "<!-- bench: begin -->", "<!-- bench: end -->"
    block = f"{begin}\n```\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n```\n\n{text}{end}"
    old = open(path).read() if os.path.exists(path) else f"# Performance\n\n{begin}\n{end}\n"
    if begin in old and end in old:
        new = old.split(begin)[0] + block + old.split(end, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(new)


if __name__ == "__main__":
    main()
