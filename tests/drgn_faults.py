#!/usr/bin/python3
"""A fault-injecting memory source for the drgn front end, and the campaign that runs every
command of drgn/daxtriage over thousands of corrupted variants of a real sample.

    /usr/bin/python3 tests/drgn_faults.py SAMPLE_DIR [--seconds S] [--seed N] [--json OUT]

How the faults reach the code under test: the sample's dump is opened twice with drgn, a
clean Program and the Program the commands run on.  The second gets one extra memory segment
over the whole kernel half of the address space; drgn (libdrgn memory_reader.c) lets a segment
added later take precedence over the ones set_core_dump() added, so every read the commands
make -- prog.read(), Object values, drgn's own helpers -- goes through FaultyDump._read, which
reads the true bytes from the clean Program and applies the variant's faults.  Nothing of
drgn/daxtriage is patched: only the memory source differs, as it would for a corrupt dump.
Between variants prog.cache is emptied, so each variant starts as a fresh open of its dump.

Fault kinds: bit flips, words replaced by garbage / non-canonical / poisoned / self pointers,
reads that fail as on a page makedumpfile excluded (drgn.FaultError), and cycles: list_heads
of super_blocks and s_inodes pointing back, xa_node slots and parents pointing at their own
node, page->compound_head pointing at itself or at a neighbour that points back, dev_pagemap
ranges that are inverted or absurdly many, percpu_ref pointers that point at themselves.
Targets come from a walk of the clean Program (the sample's truth.json names the DAX inodes,
the pgmaps and the pinned pages) and from the reads each command made on the clean dump, so
every variant corrupts bytes the command actually reads.

Each variant runs in this process under an interval timer (a hang is a walk that outlives the
bound) and an address-space limit (a garbage count must not allocate the machine away).  An
uncaught exception is a crash; the outcome is also checked for shape: -j output is valid
JSON; every stderr line is one line starting "COMMAND: " that names the object (an address
or a kernel symbol) and the reason.  The summary is one JSON document on stdout.
"""
import argparse
import bisect
import io
import json
import os
import random
import re
import resource
import signal
import sys
import time
import traceback

import drgn
from drgn import FaultError, Program, offsetof

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "drgn"))
from daxtriage.cli import run  # noqa: E402 - the code under test
from daxtriage.layout import dax_layout  # noqa: E402

KERNEL_HALF = 0xFFFF800000000000
PAGE = 4096
U64 = (1 << 64) - 1


class Hang(BaseException):
    """The per-variant time bound expired (BaseException: no `except Exception` hides it)."""


# ---------------------------------------------------------------- the faulty memory source


class Fault:
    """One corruption: 'flip' (bit of a byte), 'word' (8 bytes replaced by value), 'fail'
    (reads overlapping [addr, addr+size) raise FaultError, as an excluded page does)."""

    def __init__(self, kind, addr, size=8, value=0, label=""):
        self.kind, self.addr, self.size, self.value, self.label = kind, addr, size, value, label
        self.hit = False

    def __repr__(self):
        v = f"={self.value:#x}" if self.kind in ("word", "flip") else f"+{self.size:#x}"
        return f"{self.kind}@{self.addr:#x}{v} {self.label}".strip()


class FaultyDump:
    """A drgn Program on a sample's dump whose reads pass through the current faults."""

    def __init__(self, sample_dir, dump="vmcore"):
        self.clean = open_program(sample_dir, dump)
        self.prog = open_program(sample_dir, dump)
        self.faults = []
        self.trace = None
        self.expired = False
        self.prog.add_memory_segment(KERNEL_HALF, (1 << 64) - KERNEL_HALF, self._read, False)
        # dax_layout() (types, symbols, module kallsyms) is a function of the bytes it reads:
        # a variant that corrupts none of them may start from the clean one, which saves
        # most of a short command's time; any other variant probes it again from its bytes
        self.trace = []
        dax_layout(self.prog)
        self.layout_reads = Reads(self.trace)
        self.layout_cache = dict(self.prog.cache)
        self.trace = None
        self.prog.cache.clear()

    def _read(self, address, count, offset, physical):
        if self.expired:
            # past the time bound: drgn may have turned the Hang into a plain Exception that
            # the code under test caught; every further read fails so that the walk ends
            raise Hang()
        end = address + count
        for f in self.faults:
            if f.kind == "fail" and f.addr < end and address < f.addr + f.size:
                f.hit = True
                raise FaultError("injected: page excluded from the dump", max(address, f.addr))
        if self.trace is not None:
            self.trace.append((address, count))
        data = self.clean.read(address, count, physical)  # the dump's own holes stay holes
        if not self.faults:
            return data
        buf = None
        for f in self.faults:
            if f.kind == "fail" or not (f.addr < end and address < f.addr + f.size):
                continue
            f.hit = True
            buf = buf if buf is not None else bytearray(data)
            if f.kind == "flip":
                buf[f.addr - address] ^= f.value
            else:
                word = f.value.to_bytes(8, "little")
                for i in range(8):
                    if address <= f.addr + i < end:
                        buf[f.addr + i - address] = word[i]
        return bytes(buf) if buf is not None else data

    def read_failures_faithful(self):
        """Whether a FaultError raised by the segment callback reaches Object reads as a
        FaultError, as a page missing from the dump does.  drgn 0.0.22 turns it into a
        plain Exception everywhere but Program.read (python/error.c drgn_error_from_python
        formats it unless drgn_in_python); later drgn translates it back.  Where it is not
        faithful, injected read failures would be false crashes, so they are not made."""
        a = self.clean["super_blocks"].address_
        self.faults = [Fault("fail", a, 8)]
        try:
            drgn.Object(self.prog, "unsigned long *", a)[0].value_()
            return False
        except FaultError:
            return True
        except Exception:  # noqa: BLE001 - the lost type is what we probe for
            return False
        finally:
            self.faults = []

    def run(self, argv, faults, bound):
        """Run one command line with faults; return (rc, out, err, crash, hang, seconds)."""
        self.faults = faults
        self.prog.cache.clear()
        if faults and not any(self.layout_reads.overlaps(f.addr, f.size) for f in faults):
            self.prog.cache.update(self.layout_cache)
        out, err = io.StringIO(), io.StringIO()
        rc, crash = None, None
        self.expired = False

        def on_alarm(signum, frame):
            self.expired = True
            raise Hang()
        old = signal.signal(signal.SIGALRM, on_alarm)
        t0 = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, bound, 0.5)  # and again until the run ends
        try:
            rc = run(self.prog, argv, out, err)
        except Hang:
            pass
        except (Exception, RecursionError) as e:  # noqa: BLE001 - a crash is the finding
            crash = "".join(traceback.format_exception(type(e), e, e.__traceback__)[-4:])
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
            self.faults = []
        hang, self.expired = self.expired, False
        if hang:
            crash = None  # a Hang drgn re-raised as another exception is still the hang
        return rc, out.getvalue(), err.getvalue(), crash, hang, time.monotonic() - t0


def open_program(sample_dir, dump):
    d = os.path.join(sample_dir, "debuginfo")
    prog = Program()
    prog.set_core_dump(os.path.join(sample_dir, dump))
    files = [os.path.join(d, "vmlinux")] + sorted(
        os.path.join(d, k) for k in os.listdir(d) if k.endswith(".ko"))
    try:
        prog.load_debug_info(files)
    except drgn.MissingDebugInfoError:
        pass  # modules the dump did not load: as drgn -s does
    return prog


# ---------------------------------------------------------------- targets from the clean dump


def _h(v):
    return int(v, 16) if isinstance(v, str) else int(v)


def _words(base, size, label):
    return [(base + o, f"{label}+{o:#x}") for o in range(0, size, 8)]


def find_targets(clean, truth):
    """Named fault sites: [(addr, label)] words to corrupt, and [Fault] cycles / holes built
    from the structure of the clean dump.  Each family is skipped when the debuginfo lacks it
    (another kernel era), so the campaign still runs."""
    words, cycles, families = [], [], {}

    def family(fn):
        n = len(words) + len(cycles)
        try:
            fn()
            families[fn.__name__] = len(words) + len(cycles) - n
        except (LookupError, FaultError, ValueError, TypeError, AttributeError) as e:
            families[fn.__name__] = f"skipped: {type(e).__name__}: {e}"

    def sb_lists():
        head = clean["super_blocks"].address_
        words.append((head, "super_blocks.next"))
        sb_t = clean.type("struct super_block")
        in_t = clean.type("struct inode")
        s_list, s_inodes = offsetof(sb_t, "s_list"), offsetof(sb_t, "s_inodes")
        i_sb_list = offsetof(in_t, "i_sb_list")
        pos, n = clean.read_u64(head), 0
        nodes = [head]
        while pos != head and n < 64:
            nodes.append(pos)
            sb = pos - s_list
            words.extend(_words(sb, 0x40, f"super_block {sb:#x}"))
            ih = sb + s_inodes
            words.append((ih, f"super_block {sb:#x} s_inodes.next"))
            # cycles: an inode's i_sb_list.next back to the first inode, or to itself
            first = clean.read_u64(ih)
            ip, k = first, 0
            while ip != ih and k < 8:
                cycles.append([Fault("word", ip, value=first, label=f"s_inodes cycle at {ip:#x}")])
                cycles.append([Fault("word", ip, value=ip, label=f"s_inodes self {ip:#x}")])
                words.append((ip - i_sb_list + offsetof(in_t, "i_flags"), "inode i_flags"))
                ip, k = clean.read_u64(ip), k + 1
            pos, n = clean.read_u64(pos), n + 1
        for a in nodes[1:]:
            cycles.append([Fault("word", a, value=nodes[1], label=f"super_blocks cycle at {a:#x}")])
            cycles.append([Fault("word", a, value=a, label=f"super_blocks self {a:#x}")])

    def dax_inodes():
        node_t = clean.type("struct xa_node")
        o_slots, o_parent = offsetof(node_t, "slots"), offsetof(node_t, "parent")
        nslots = node_t.member("slots").type.length
        for f in truth["kernel"]["files"]:
            inode, mapping = _h(f["inode"]), _h(f["mapping"])
            words.extend(_words(inode, 0x100, f"inode {inode:#x}"))
            ipages = mapping + offsetof(clean.type("struct address_space"), "i_pages")
            words.extend(_words(ipages, 16, f"mapping {mapping:#x} i_pages"))
            stack = [clean.read_u64(ipages + 8)]  # xa_head
            seen = 0
            while stack and seen < 32:
                v = stack.pop()
                if v & 3 != 2 or v < KERNEL_HALF:
                    continue
                node, seen = v - 2, seen + 1
                words.extend(_words(node, o_slots + 8 * nslots, f"xa_node {node:#x}"))
                cycles.append([Fault("word", node + o_parent, value=node,
                                     label=f"xa_node {node:#x} parent self")])
                for i in range(nslots):
                    s = clean.read_u64(node + o_slots + 8 * i)
                    if s:
                        cycles.append([Fault("word", node + o_slots + 8 * i, value=node | 2,
                                             label=f"xa_node {node:#x} slot {i} -> own node")])
                        stack.append(s)
                cycles.append([Fault("fail", node, size=node_t.size, label=f"xa_node {node:#x} unreadable")])

    def pgmaps():
        pm_t = clean.type("struct dev_pagemap")
        for p in truth["kernel"]["pgmaps"]:
            a = _h(p["address"])
            words.extend(_words(a, pm_t.size, f"dev_pagemap {a:#x}"))
            cycles.append([Fault("fail", a, size=pm_t.size, label=f"dev_pagemap {a:#x} unreadable")])
            ref = a + offsetof(pm_t, "ref")
            cycles.append([Fault("word", ref, value=ref, label=f"percpu_ref {ref:#x} count_ptr self")])
            cycles.append([Fault("word", ref + 8, value=ref, label=f"percpu_ref {ref:#x} data -> ref")])
            data = clean.read_u64(ref + 8)
            if data >= KERNEL_HALF:
                words.extend(_words(data, 0x38, f"percpu_ref_data {data:#x}"))
                cycles.append([Fault("word", data + 0x30, value=data,
                                     label=f"percpu_ref_data {data:#x} ref -> data")])
            pcp = clean.read_u64(ref) & ~3
            if pcp:
                for cpu_off in truth["kernel"]["cpus"]["per_cpu_offset"]:
                    c = (pcp + _h(cpu_off)) & U64
                    words.append((c, f"percpu count {c:#x}"))
                    cycles.append([Fault("fail", c & ~(PAGE - 1), size=PAGE, label=f"percpu page {c:#x} excluded")])
            rng = a + offsetof(pm_t, "range")
            nr = a + offsetof(pm_t, "nr_range")
            start, end = clean.read_u64(rng), clean.read_u64(rng + 8)
            cycles.extend([
                [Fault("word", rng, value=end + 1, label=f"dev_pagemap {a:#x} range inverted")],
                [Fault("word", rng + 8, value=U64, label=f"dev_pagemap {a:#x} range end ~0")],
                [Fault("word", rng + 8, value=(1 << 46) - 1,
                       label=f"dev_pagemap {a:#x} range end 2^46-1")],
                [Fault("word", rng, value=0, label=f"dev_pagemap {a:#x} range from 0")],
                [Fault("word", nr, value=0xFFFFFFFF, label=f"dev_pagemap {a:#x} nr_range huge")],
                [Fault("word", nr, value=0, label=f"dev_pagemap {a:#x} nr_range 0")],
            ])
            for q in truth["kernel"]["pgmaps"]:
                if q is not p:  # two pgmaps over the same pfns
                    b = _h(q["address"]) + offsetof(pm_t, "range")
                    cycles.append([Fault("word", rng, value=clean.read_u64(b), label="pgmap ranges overlap"),
                                   Fault("word", rng + 8, value=clean.read_u64(b + 8), label="")])
            del start

    def pages():
        vmemmap = clean["vmemmap_base"].value_()
        psz = clean.type("struct page").size
        pfns = {_h(p["pfn"]) for p in truth["kernel"]["pages"]["pages"]}
        pfns |= {_h(p["pfn"]) for p in truth["construction"].get("pins", [])}
        for pfn in sorted(pfns):
            pg = vmemmap + pfn * psz
            words.extend(_words(pg, psz, f"page {pg:#x} (pfn {pfn:#x})"))
            nb = pg + psz
            cycles.extend([
                [Fault("word", pg + 8, value=pg | 1, label=f"page {pg:#x} compound_head self")],
                [Fault("word", pg + 8, value=nb | 1, label=f"page {pg:#x} compound_head <-> {nb:#x}"),
                 Fault("word", nb + 8, value=pg | 1, label="")],
                [Fault("fail", pg & ~(PAGE - 1), size=PAGE, label=f"memmap page of {pg:#x} excluded")],
            ])

    for fn in (sb_lists, dax_inodes, pgmaps, pages):
        family(fn)
    return words, cycles, families


# ---------------------------------------------------------------- variants


def garbage_values(rng, addr, trace_starts):
    other = trace_starts[rng.randrange(len(trace_starts))] if trace_starts else addr
    return [0, U64, 0xDEAD000000000100, 0xDEAD000000000122, 0x00007FFFDEADBEEF,
            0x8000000000000000, 0x0000800000000000, addr, addr | 1, addr | 2, addr - 8,
            other, other | 2, other | 1, rng.getrandbits(64), 1, 0xFFFFFFFF,
            0x7FFFFFFF, KERNEL_HALF + rng.getrandbits(40) * 8]


class Reads:
    """The reads a command made on the clean dump: which fault sites it would see."""

    def __init__(self, trace):
        spans = sorted(set(trace))
        self.spans = spans
        self.starts = [a for a, _ in spans]
        merged = []
        for a, n in spans:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], a + n)
            else:
                merged.append([a, a + n])
        self.merged = merged
        self.mstarts = [m[0] for m in merged]

    def covers(self, addr):
        i = bisect.bisect_right(self.mstarts, addr) - 1
        return i >= 0 and addr < self.merged[i][1]

    def overlaps(self, addr, size):
        i = bisect.bisect_right(self.mstarts, addr + size - 1) - 1
        return i >= 0 and addr < self.merged[i][1]


def make_variant(rng, reads, words, cycles, fail=True):
    """One variant: a list of Faults (hitting bytes the command reads); fail=False leaves
    out read failures."""
    r = rng.random()
    seen_words = [w for w in words if reads.covers(w[0])]
    seen_cycles = [c for c in cycles if reads.covers(c[0].addr)
                   and (fail or all(f.kind != "fail" for f in c))]
    if r < 0.25 and seen_cycles:
        return [Fault(f.kind, f.addr, f.size, f.value, f.label) for f in rng.choice(seen_cycles)]
    if r < 0.6 and seen_words:
        addr, label = rng.choice(seen_words)
    else:
        a, n = reads.spans[rng.randrange(len(reads.spans))]
        addr = a + rng.randrange(max(n, 1))
        label = f"read {a:#x}+{n:#x}"
    k = rng.random()
    if k < 0.3:
        bit = rng.randrange(8)
        return [Fault("flip", addr, 1, 1 << bit, f"{label} bit {bit}")]
    if k < 0.85 or not fail:
        addr &= ~7
        return [Fault("word", addr, 8, rng.choice(garbage_values(rng, addr, reads.starts)), label)]
    if k < 0.95:
        return [Fault("fail", addr & ~(PAGE - 1), PAGE, 0, f"{label}: page excluded")]
    return [Fault("fail", addr & ~7, 8, 0, f"{label}: word unreadable")]


# ---------------------------------------------------------------- checking one outcome

_HEXRE = re.compile(r"(?:0x)?[0-9a-f]{4,}|\b[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*|\(\))|"
                    r"\b(?:super_blocks|s_inodes|vmemmap|pgmap|dev_pagemap|percpu_ref|inode|"
                    r"page|xa_node|mapping|debuginfo|pfn|address|dax_device|task)\b")


def shape_problems(name, argv, rc, out, err):
    """What is wrong with an outcome's shape (not its values: the dump is corrupt)."""
    probs = []
    if rc not in (0, 1):
        probs.append(f"exit {rc}")
    if "-j" in argv and (rc == 0 or out.strip()):
        try:
            json.loads(out)
        except ValueError as e:
            probs.append(f"-j output is not JSON ({e})")
    if "Traceback" in out or "Traceback" in err:
        probs.append("a traceback in the output")
    for line in err.splitlines():
        if "live kernel: read-only" in line:
            continue
        if not line.startswith(f"{name}: ") or len(line) > 400:
            probs.append(f"stderr line not 'COMMAND: object reason': {line[:200]!r}")
        elif not _HEXRE.search(line[len(name) + 2:]):
            probs.append(f"stderr line names no object: {line[:200]!r}")
    if err and not err.endswith("\n"):
        probs.append("stderr does not end with a newline")
    return probs


# ---------------------------------------------------------------- the campaign


def regressions(clean, cycles):
    """Fixed variants run before the random ones: the faults that hung or crashed the
    front end once (docs/reliability.md), so each stays covered whatever the seed draws."""
    def first(label):
        return next(([Fault(f.kind, f.addr, f.size, f.value, f.label) for f in c]
                     for c in cycles if label in c[0].label), None)
    out = {"daxmap -a": [first("s_inodes cycle")], "pgmap -p": [first("range end ~0")],
           "pgmap -p -j": [first("range end 2^46-1")]}
    try:
        a = clean["nr_cpu_ids"].address_
        out["pgmap"] = [[Fault("word", a, value=clean.read_u64(a) & ~0xFFFFFFFF | 0xC0693900,
                               label="nr_cpu_ids garbage")]]
    except (KeyError, FaultError):
        pass
    try:
        ring = clean["prb"].desc_ring
        out["daxcheck -j"] = [[Fault("word", ring.tail_id.address_, value=0x7FFFFFFF12345,
                                     label="printk desc_ring tail_id garbage")]]
    except (KeyError, LookupError, FaultError):
        pass
    return {k: [v for v in vs if v] for k, vs in out.items()}


def command_lines(truth):
    f = truth["kernel"]["files"][0] if truth["kernel"]["files"] else None
    pins = truth["construction"].get("pins") or truth["kernel"]["pages"]["pages"]
    pfn = "%x" % _h(pins[0]["pfn"]) if pins else "0"
    pgmaps = truth["kernel"]["pgmaps"]
    cmds = [("daxmap -a", ["daxmap", "-a"]), ("daxmap -a -j", ["daxmap", "-a", "-j"])]
    if f:
        cmds.append(("daxmap -p INODE", ["daxmap", "-p", f["inode"]]))
        cmds.append(("daxmap -j MAPPING", ["daxmap", "-j", f["mapping"]]))
    cmds += [("pgmap", ["pgmap"]), ("pgmap -j", ["pgmap", "-j"]), ("pgmap -p", ["pgmap", "-p"]),
             ("pgmap -p -j", ["pgmap", "-p", "-j"])]
    if pgmaps:
        cmds.append(("pgmap ADDRESS", ["pgmap", pgmaps[0]["address"]]))
    cmds += [("daxpage PFN", ["daxpage", pfn]), ("daxpage -j PFN", ["daxpage", "-j", pfn]),
             ("daxdev", ["daxdev"]), ("daxdev -j", ["daxdev", "-j"]),
             ("daxcheck -v", ["daxcheck", "-v"]), ("daxcheck -j", ["daxcheck", "-j"]),
             ("daxent", ["daxent", "--era", "all", "0x3800007"])]
    return cmds


def campaign(sample_dir, seconds, seed, dump="vmcore", examples=3):
    with open(os.path.join(sample_dir, "truth.json")) as f:
        truth = json.load(f)
    t_open = time.monotonic()
    fd = FaultyDump(sample_dir, dump)
    words, cycles, families = find_targets(fd.clean, truth)
    fail = fd.read_failures_faithful()
    t_open = time.monotonic() - t_open

    # a garbage count must fail as MemoryError, not take the machine: 3 GiB over what is mapped
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    mapped = int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = mapped + (3 << 30)
    if hard == resource.RLIM_INFINITY or limit < hard:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))

    cmds = command_lines(truth)
    # clean runs first: each command's reads, its time (the hang bound), and that it is sound
    clean = {}
    for name, argv in cmds:
        fd.trace = []
        rc, out, err, crash, hang, secs = fd.run(argv, [], 60.0)
        reads = Reads(fd.trace)
        fd.trace = None
        clean[name] = dict(rc=rc, seconds=secs, reads=len(reads.spans), crash=crash, hang=hang,
                           problems=shape_problems(argv[0], argv, rc, out, err), r=reads)
    total_clean = sum(c["seconds"] for c in clean.values()) or 1.0
    # canary: the head of super_blocks poisoned must change what daxmap -a says, or the
    # faults do not reach the code under test and the campaign proves nothing
    sb = fd.clean["super_blocks"].address_
    rc, out, err, crash, hang, _ = fd.run(["daxmap", "-a"], [Fault("word", sb, value=0xDEAD000000000100)], 60.0)
    canary = dict(fault="super_blocks.next = LIST_POISON1", rc=rc, stderr=err.strip()[-300:],
                  crash=bool(crash), hang=hang)
    canary["detected"] = bool(rc == 1 or "super_blocks" in err)
    results = {}
    error_lines = []
    fixed_variants = regressions(fd.clean, cycles)
    for name, argv in cmds:
        c = clean[name]
        res = results[name] = dict(variants=0, hit=0, errors_reported=0, crashes=0, hangs=0,
                                   bad_shape=0, clean_seconds=round(c["seconds"], 3),
                                   clean_reads=c["reads"], seconds=0.0, examples=[])
        if c["crash"] or c["hang"] or c["problems"] or not c["reads"]:
            res["clean_failure"] = c["crash"] or ("hang" if c["hang"] else None) or \
                c["problems"] or "no reads"
            if c["crash"] or c["hang"] or c["problems"]:
                continue
        # time shares: the same number of seconds each, at least 3 variants for slow commands
        budget = seconds / len(cmds) if argv[0] != "daxent" else min(1.0, seconds / len(cmds))
        bound = max(15.0, 10 * c["seconds"])
        rng = random.Random(f"{seed}:{name}")
        t0 = time.monotonic()
        # daxent reads only the release the vmlinux check compares: a few hundred suffice
        cap = 200 if argv[0] == "daxent" else 1 << 30
        fixed = list(fixed_variants.get(name, []))
        res["fixed"] = len(fixed)
        while (time.monotonic() - t0 < budget or res["variants"] < 3 or fixed) and c["reads"] \
                and res["variants"] < cap:
            faults = fixed.pop(0) if fixed else make_variant(rng, c["r"], words, cycles, fail)
            rc, out, err, crash, hang, secs = fd.run(argv, faults, bound)
            res["variants"] += 1
            res["hit"] += any(f.hit for f in faults)
            res["errors_reported"] += bool(rc == 1 or (err and "live kernel" not in err))
            for line in err.splitlines():  # the distinct error lines, addresses elided
                shape = re.sub(r"0x[0-9a-f]+|\b[0-9a-f]{8,}\b", "X", line)[:110]
                if shape not in error_lines and len(error_lines) < 40:
                    error_lines.append(shape)
            probs = [] if crash or hang else shape_problems(argv[0], argv, rc, out, err)
            what = None
            if crash:
                res["crashes"] += 1
                what = "crash: " + crash.strip().splitlines()[-1]
            elif hang:
                res["hangs"] += 1
                what = f"hang: over {bound:.1f}s"
            elif probs:
                res["bad_shape"] += 1
                what = "; ".join(probs)
            if what and len(res["examples"]) < examples:
                res["examples"].append(dict(faults=[repr(f) for f in faults], problem=what,
                                            detail=(crash or "")[-1500:]))
        res["seconds"] = round(time.monotonic() - t0, 1)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    return dict(sample=sample_dir, dump=dump, seed=seed, drgn=drgn.__version__,
                read_failures=fail, canary=canary, error_lines=error_lines,
                open_seconds=round(t_open, 1), fault_sites=len(words), cycle_faults=len(cycles), families=families,
                total_clean_seconds=round(total_clean, 2), commands=results)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sample_dir")
    ap.add_argument("--seconds", type=float, default=50.0, help="time for all variants")
    ap.add_argument("--seed", default="daxtriage")
    ap.add_argument("--dump", default="vmcore")
    ap.add_argument("--json", help="write the summary here instead of stdout")
    a = ap.parse_args()
    s = campaign(a.sample_dir, a.seconds, a.seed, a.dump)
    text = json.dumps(s, indent=1)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text)
    else:
        print(text)
    sys.stdout.flush()
    # drgn 0.0.22 may crash tearing down a Program with a Python memory segment; the
    # summary is written, so leave without the teardown
    os._exit(0)


if __name__ == "__main__":
    main()
