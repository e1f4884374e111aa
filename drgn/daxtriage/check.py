# SPDX-License-Identifier: GPL-2.0-or-later
"""
Triage checks
-------------

The ``daxtriage.check`` module runs the triage checks of kernel-facts G.6
over a whole dump, as ``crash-ext/core/check.c`` does, and says per check
whether it was evaluated, on how many objects, or why not.

The catalogue (id, severity, title, meaning, next step, bug class, eras) is
data: ``share/checks.json``, read here as it is; the crash extension has it
transcribed into C at build time. Both front ends therefore name, grade
and explain a finding the same way. :func:`dax_check_all` gathers the
pgmaps, the DAX inodes and their entries, the memmap of every pgmap range,
the tasks (stacks, pipes, wait tables, read from memory by
:mod:`daxtriage.tasks`) and the DAX devices, and produces the findings.

CHK-D3 reads the dump's kernel log (drgn's printk helpers, through
:mod:`daxtriage.oops`) for the oops the dump was taken for. Where the C core
does not evaluate a check yet (CHK-T6, CHK-P5, CHK-I2), this module says the
same, with the same reason.
"""

import bisect
import json
import os
from typing import Dict, List, NamedTuple, Optional, Tuple

from drgn import FaultError, Program

from .memory import read_u64 as _u64, kptr_ok as _kptr
from .daxdev import DaxDevices, dax_device_find, dax_devices, module_hint
from .daxdev import _str as _read_str
from .encodings import DAX_F_EMPTY, DAX_F_LOCKED, DAX_F_ZERO, dax_entry_decode, dax_entry_is_real
from .layout import DaxLayout
from .mapping import (
    DaxMapping,
    dax_entry_analyse,
    dax_era_choose,
    dax_mapping_load,
    for_each_dax_inode,
)
from .layout import member_offset, type_size
from .memmap import page_struct, pfn_to_page_address
from .oops import kernel_log_lines, oops_map, oops_parse, oops_related
from .page import folio_mapcount, page_describe, zone_shift
from .pgmap import MAX_RANGES, pgmaps_collect
from .refmodel import MT_FS_DAX, MT_GENERIC, RM_6_15, idle_refcount
from .symbols import symbol_address, symbol_name
from .tasks import (
    frames_match,
    for_each_task_in_memory,
    dax_entry_waiters,
    pipe_scan,
    task_frames,
    task_layout,
    var_waiters,
)

__all__ = (
    "SEVERITY_ERROR",
    "SEVERITY_WARNING",
    "SEVERITY_INFO",
    "Check",
    "BugClass",
    "Catalogue",
    "Finding",
    "CheckState",
    "Report",
    "checks_path",
    "check_catalogue",
    "dax_check_all",
    "finding_covers_pfn",
)

SEVERITY_ERROR, SEVERITY_WARNING, SEVERITY_INFO = "error", "warning", "info"
_SEVERITY_RANK = {SEVERITY_INFO: 0, SEVERITY_WARNING: 1, SEVERITY_ERROR: 2}

_PAGE_SHIFT = 12
_PMD_ORDER = 9  # x86_64 PMD_ORDER
# include/linux/fs.h (6.1): I_WILL_FREE (1 << 4), I_FREEING (1 << 5)
_I_WILL_FREE, _I_FREEING = 1 << 4, 1 << 5
# include/linux/mm.h: GUP_PIN_COUNTING_BIAS, what one FOLL_PIN pin adds to a
# small page's refcount (v5.7+, as the C core notes)
_GUP_PIN_COUNTING_BIAS = 1024
_PAGE_FINDINGS_MAX = 64  # per check and pgmap: then one summary finding
_BUSY_MAX = 4096
_MAPS_MAX = 4096
_EXTRA_MAPS_MAX = 256
_LOCKED_MAX = 1024
_NOTES_MAX = 12
_TASKS_KEPT = 8192
_BLOCKED_MAX = 16
_WAITERS_KEPT = 256
_HOLDER_PAGES_MAX = 256
_FINDING_TASKS, _FINDING_HOLDERS, _FINDING_MEMBERS = 4, 8, 4
_U64 = (1 << 64) - 1

# ------------------------------------------------------------------ catalogue


class BugClass(NamedTuple):
    """A reference-thread bug class of the catalogue."""

    key: str
    name: str
    thread: str  # shared/seeds file
    summary: str


class Check(NamedTuple):
    """One check of the catalogue (``struct dt_check``)."""

    id: str
    severity: str
    title: str
    means: str
    next: str
    bug_class: Optional[str]
    eras: str
    facts: str


class Catalogue(NamedTuple):
    """``share/checks.json``: the checks in order, and the bug classes by key."""

    checks: Tuple[Check, ...]
    bug_classes: Dict[str, BugClass]


def checks_path() -> str:
    """
    Return the path of ``share/checks.json``; ``$DAXTRIAGE_CHECKS``
    overrides it (for an installed copy).

    >>> checks_path().endswith("share/checks.json")
    True
    """
    env = os.environ.get("DAXTRIAGE_CHECKS")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "share", "checks.json"))


_catalogue_cache: Dict[str, Catalogue] = {}
_KEYS = ("id", "severity", "title", "means", "next", "bug_class", "eras", "facts")


def check_catalogue(path: Optional[str] = None) -> Catalogue:
    """
    Read the check catalogue (schema ``daxtriage-checks/1``) and check it
    as ``crash-ext/core/gen_checks.py`` does (every key present, ids unique,
    bug classes known). Cached per path.

    >>> [c.id for c in check_catalogue().checks][:3]
    ['CHK-T1', 'CHK-T2', 'CHK-T3']

    :param path: default :func:`checks_path()`
    :raises ValueError: the file is not a valid catalogue
    """
    p = path or checks_path()
    if p in _catalogue_cache:
        return _catalogue_cache[p]
    with open(p) as f:
        doc = json.load(f)
    if doc.get("schema") != "daxtriage-checks/1":
        raise ValueError(f"{p}: unknown schema {doc.get('schema')!r}")
    classes = {
        k: BugClass(k, c["name"], c["thread"], c["summary"]) for k, c in doc["bug_classes"].items()
    }
    checks, seen = [], set()
    for c in doc["checks"]:
        missing = [k for k in _KEYS if k not in c]
        if missing:
            raise ValueError(f"{p}: check {c.get('id')}: missing {missing}")
        if c["id"] in seen:
            raise ValueError(f"{p}: check {c['id']}: duplicate")
        if c["severity"] not in _SEVERITY_RANK:
            raise ValueError(f"{p}: check {c['id']}: severity {c['severity']!r}")
        if c["bug_class"] is not None and c["bug_class"] not in classes:
            raise ValueError(f"{p}: check {c['id']}: unknown bug class {c['bug_class']!r}")
        seen.add(c["id"])
        checks.append(Check(*(c[k] for k in _KEYS)))
    cat = _catalogue_cache[p] = Catalogue(tuple(checks), classes)
    return cat


# ------------------------------------------------------------------ report


def _fit(s: str, size: int) -> str:
    # what a C char[size] keeps of s (snprintf: size - 1 bytes)
    b = s.encode("utf-8", errors="surrogateescape")
    if len(b) < size:
        return s
    return b[: size - 1].decode("utf-8", errors="surrogateescape")


class FindingTask(NamedTuple):
    pid: int
    comm: str
    state: str
    task: int
    frame: str  # the layout-breaking frame, or the wait it is in


class FindingHolder(NamedTuple):
    pid: int
    comm: str
    fd: int
    pipe: int
    slot: int
    page: int  # the page in the pipe buffer (a tail of a compound page, maybe)
    ops: str


class Finding:
    """One finding (``struct dt_finding``)."""

    def __init__(self, check: Check, severity: str) -> None:
        self.check = check
        self.severity = severity
        self.headline = ""  # what, and the bug class it matches
        self.object = ""
        self.evidence = ""
        self.has_pfn = False
        self.pfn = self.page = self.mapping = self.inode = self.ino = self.pgmap = 0
        self.has_entry = False
        self.entry = self.entry_index = self.entry_pfn = 0
        self.entry_order = -1
        self.refcount = -1  # -1: not applicable
        self.tasks: List[FindingTask] = []
        self.holders: List[FindingHolder] = []
        self.holders_note = ""
        # the bug class when it is not the check's (CHK-D3 on a percpu_ref: seed 001)
        self.bug_class: Optional[str] = None
        # a page: the first line of the kernel's dump_page() (mm/debug.c wording)
        self.dump_page = ""
        # CHK-D3: the oops's fault address, function, RIP and the members it may have read
        self.has_fault = False
        self.fault_address = 0
        self.fault_function = self.fault_rip = ""
        self.members: List[str] = []  # "percpu_ref_data.release"


class CheckState:
    """Whether a catalogue check was evaluated, on how many objects, or why not."""

    def __init__(self, check: Check) -> None:
        self.check = check
        self.evaluated = False
        self.objects = 0
        self.note = ""


class Report:
    """What :func:`dax_check_all` found (``struct dt_report``)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.findings: List[Finding] = []
        self.states = [CheckState(c) for c in catalogue.checks[:64]]
        self.notes: List[str] = []
        self.pgmaps = self.mappings = self.tasks = self.blocked_tasks = self.daxdevs = 0
        self.entries = self.pages = 0
        self.era = None  # daxtriage.mapping.EraChoice

    def count(self, severity: str) -> int:
        """Return the number of findings of a severity."""
        return sum(1 for f in self.findings if f.severity == severity)

    def bug_class(self, f: Finding) -> Optional[BugClass]:
        """Return the bug class of a finding (its own, else its check's), or ``None``."""
        key = f.bug_class or f.check.bug_class
        return self.catalogue.bug_classes.get(key) if key else None


def finding_covers_pfn(f: Finding, pfn: int) -> bool:
    """
    Return whether a finding concerns a pfn: its page, or (without a page)
    a DAX entry holding it.

    >>> finding_covers_pfn(report.findings[0], 0x108604)
    True

    :param f: a :class:`Finding`
    :param pfn: page frame number
    """
    if f.has_pfn and f.pfn == pfn:
        return True
    return (
        f.has_entry
        and f.entry_order >= 0
        and f.entry_pfn <= pfn < f.entry_pfn + (1 << f.entry_order)
        and not f.has_pfn
    )


# ------------------------------------------------------------------ context


def _short_type(t: str) -> str:
    return t[len("MEMORY_DEVICE_"):] if t.startswith("MEMORY_DEVICE_") else t


def _c(v: int) -> str:  # %#llx
    return "0" if v == 0 else "%#x" % (v & _U64)


def _x(v: int) -> str:  # %llx
    return "%x" % (v & _U64)


def _enum(prog: Program, name: str) -> Optional[int]:
    try:
        return prog.constant(name).value_()
    except (LookupError, ValueError):
        return None


class _Busy(NamedTuple):
    pfn: int
    page: int
    mapping: int
    index: int
    pgmap: int
    refcount: int
    idle: int
    type: str


class _Ctx:
    def __init__(self, prog: Program, layout: DaxLayout, report: Report) -> None:
        self.prog = prog
        self.l = layout
        self.r = report
        self.states = {s.check.id: s for s in report.states}
        self.checks = {c.id: c for c in report.catalogue.checks}
        self.pms = None
        self.maps: List[DaxMapping] = []
        self.maps_by_addr: Dict[int, DaxMapping] = {}
        self.extra: Dict[int, Optional[DaxMapping]] = {}  # named by pages; None: unreadable
        self.slot_index: Dict[int, List[int]] = {}
        self.dd: Optional[DaxDevices] = None
        self.busy: List[_Busy] = []
        self.locked: List[tuple] = []  # (i_pages, index, raw, mapping)
        self.zero_pfn = self.huge_zero_pfn = None
        self.zs = None
        self.pg_reserved = None
        self.pg_head = None
        self.page_findings = [0] * 8
        self.tasks: Optional[list] = None  # the tasks walked (_task_checks)

    # -------- check states and findings (evaluated(), not_evaluated(), note(), add())

    def evaluated(self, cid: str, objects: int, note: Optional[str] = None) -> None:
        s = self.states.get(cid)
        if s is None:
            return
        s.evaluated = True
        s.objects += objects
        if note and not s.note:
            s.note = _fit(note, 200)

    def not_evaluated(self, cid: str, note: str) -> None:
        s = self.states.get(cid)
        if s is None or s.evaluated or s.note:
            return  # the first reason stands
        s.note = _fit(note, 200)

    def note(self, text: str) -> None:
        if len(self.r.notes) < _NOTES_MAX:
            self.r.notes.append(_fit(text, 240))

    def add(self, cid: str, severity: str) -> Optional[Finding]:
        if len(self.r.findings) >= 100000:
            return None
        f = Finding(self.checks[cid], severity)
        self.r.findings.append(f)
        return f

    def headline(self, f: Finding, text: str) -> None:
        # the specific statement, then the bug class it matches
        f.headline = _fit(text, 240)
        bc = self.r.bug_class(f)
        n = len(text.encode("utf-8", errors="surrogateescape"))
        if bc is not None and 0 < n < 240 and f.severity != SEVERITY_INFO:
            f.headline = _fit(f"{text} \u2014 the {bc.name} class of {bc.thread}", 240)

    # -------- mappings

    def find_mapping(self, mapping: int) -> Optional[DaxMapping]:
        m = self.maps_by_addr.get(mapping)
        if m is not None:
            return m
        if mapping in self.extra:
            return self.extra[mapping]
        if len(self.extra) >= _EXTRA_MAPS_MAX:
            return None
        try:
            m = dax_mapping_load(self.prog, self.l, mapping)
        except ValueError:
            m = None  # remembered as unreadable
        self.extra[mapping] = m
        return m

    def slot_at(self, m: Optional[DaxMapping], index: int):
        if m is None:
            return None
        starts = self.slot_index.get(id(m))
        if starts is None:
            starts = self.slot_index[id(m)] = [x.index for x in m.leaves]
        i = bisect.bisect_right(starts, index) - 1
        if i >= 0:
            s = m.leaves[i]
            if s.index <= index < s.index + s.nr:
                return s
        return None

    def describe_entry(self, f: Finding, m: Optional[DaxMapping], index: int) -> None:
        if m is None:
            return
        f.mapping, f.inode, f.ino = m.mapping, m.host, m.ino
        s = self.slot_at(m, index)
        if s is None:
            return
        e = dax_entry_decode(self.r.era.era, s.raw)
        if e.is_entry:
            f.has_entry = True
            f.entry, f.entry_index, f.entry_pfn, f.entry_order = s.raw, s.index, e.payload, e.order


# ------------------------------------------------------------------ pgmaps: R1-R4, M1


def _check_pgmaps(c: _Ctx) -> None:
    l = c.l
    pms = c.pms.pgmaps
    private_censused = 0
    for i, pm in enumerate(pms):
        rr, rs = pm.ref, pm.ref_state
        c.evaluated("CHK-R1", 1)
        obj = f"pgmap {_x(pm.addr)} ({_short_type(pm.type)})"
        if (
            not pm.ref_addr
            or rr is None
            or rs.mode == "never-initialised"
            or (rr.split and rr.data and rr.data_ref != pm.ref_addr)
        ):
            f = c.add("CHK-R1", SEVERITY_ERROR)
            if f:
                f.object, f.pgmap = obj, pm.addr
                if not pm.ref_addr or rr is None:
                    f.evidence = pm.ref_error or "ref not readable"
                elif rs.mode == "never-initialised":
                    f.evidence = (
                        f"percpu_ref at {_x(pm.ref_addr)} never initialised "
                        "(percpu_count_ptr 0, no data)"
                    )
                else:
                    f.evidence = (
                        f"percpu_ref_data {_x(rr.data)} ->ref is {_x(rr.data_ref)}, "
                        f"not the pgmap's ref {_x(pm.ref_addr)}"
                    )
                f.evidence = _fit(f.evidence, 600)
                c.headline(f, "pgmap reference missing or not initialised")
            continue
        c.evaluated("CHK-R2", 1)
        if rs.mode not in ("percpu", "exited"):
            f = c.add("CHK-R2", SEVERITY_WARNING)
            if f:
                f.object, f.pgmap = obj, pm.addr
                why = (
                    "references blocking device removal"
                    if rs.mode == "dead"
                    else "the ref left percpu mode: removal started"
                )
                f.evidence = f"ref mode {rs.mode}, true count {rs.true_count}: {why}"
                c.headline(f, f"pgmap reference is {rs.mode} while registered")
        if pm.expect.applies and rs.count_known:
            c.evaluated("CHK-R3", 1)
            if pm.verdict in ("excess", "deficit"):
                f = c.add("CHK-R3", SEVERITY_WARNING)
                if f:
                    f.object, f.pgmap = obj, pm.addr
                    f.evidence = _fit(
                        f"true count {rs.true_count}, expected {pm.expect.expected}"
                        f"{' or more' if pm.expect.expected_max > pm.expect.expected else ''} "
                        f"({pm.expect.rule})",
                        600,
                    )
                    c.headline(f, f"pgmap reference count {pm.verdict}")
        else:
            c.not_evaluated(
                "CHK-R3",
                f"the {l.refmodel} model gives no expected count for {_short_type(pm.type)}",
            )
        c.evaluated("CHK-R4", 1)
        if rs.mode == "exited" or (
            rs.mode == "dead" and rs.count_known and rs.true_count == 0 and not pm.done
        ):
            f = c.add("CHK-R4", SEVERITY_ERROR)
            if f:
                f.object, f.pgmap = obj, pm.addr
                f.evidence = f"ref {rs.mode}, done.done {pm.done}, still in pgmap_array"
                c.headline(f, "killed pgmap still registered")
        # H1: allocated device-private pages that no process maps (devmem.py)
        dm = pm.devmem
        if dm is not None and dm.census_read:
            private_censused += 1
            c.evaluated("CHK-H1", 1)
            if dm.unmapped:
                f = c.add("CHK-H1", SEVERITY_WARNING)
                if f:
                    f.object, f.pgmap = obj, pm.addr
                    f.evidence = (
                        f"{dm.unmapped} of {dm.allocated} allocated device pages are mapped by "
                        f"no process (_mapcount -1; first pfn {_c(dm.first_unmapped_pfn)})"
                    )
                    c.headline(f, "device-private pages held by the driver alone")
        # M1: the registry maps exactly the ranges' pfns to this pgmap
        if l.pgmap_array:
            pfns, lo, hi = 0, _U64, 0
            for k in range(min(max(pm.nr_range, 0), MAX_RANGES)):
                s, e = pm.start[k] >> _PAGE_SHIFT, pm.end[k] >> _PAGE_SHIFT
                pfns = (pfns + e - s + 1) & _U64
                lo, hi = min(s, lo), max(e, hi)
            c.evaluated("CHK-M1", 1)
            if pm.reg_pfns != pfns or pm.reg_first != lo or pm.reg_last != hi:
                f = c.add("CHK-M1", SEVERITY_ERROR)
                if f:
                    f.object, f.pgmap = obj, pm.addr
                    f.evidence = (
                        f"ranges hold {pfns} pfns {_c(lo)}-{_c(hi)}; pgmap_array maps "
                        f"{pm.reg_pfns} pfns {_c(pm.reg_first)}-{_c(pm.reg_last)} to it"
                    )
                    c.headline(f, "pgmap registry does not cover the pgmap's ranges")
            for o in pms[:i]:
                for a in range(min(max(pm.nr_range, 0), MAX_RANGES)):
                    for b in range(min(max(o.nr_range, 0), MAX_RANGES)):
                        if pm.start[a] <= o.end[b] and o.start[b] <= pm.end[a]:
                            f = c.add("CHK-M1", SEVERITY_ERROR)
                            if f:
                                f.object = f"pgmaps {_x(pm.addr)} and {_x(o.addr)}"
                                f.pgmap = pm.addr
                                f.evidence = (
                                    f"ranges {_c(pm.start[a])}-{_c(pm.end[a])} and "
                                    f"{_c(o.start[b])}-{_c(o.end[b])} overlap"
                                )
                                c.headline(f, "pgmap ranges overlap")
        else:
            c.not_evaluated("CHK-M1", "no pgmap_array (the radix registry is not checked)")
    if not pms:
        for cid in ("CHK-R1", "CHK-R2", "CHK-R3", "CHK-R4", "CHK-M1"):
            c.not_evaluated(cid, "no pgmap in the registry")
    if not private_censused:
        c.not_evaluated("CHK-H1", "no device-private pgmap with a memmap census (v6.1+)")


# ------------------------------------------------------------------ memmap: Z1, P4, G1, P2


def _page_limit(c: _Ctx, slot: int, cid: str, pm, pfn: int) -> bool:
    c.page_findings[slot] += 1
    if c.page_findings[slot] <= _PAGE_FINDINGS_MAX:
        return True
    if c.page_findings[slot] == _PAGE_FINDINGS_MAX + 1:
        f = c.add(cid, SEVERITY_WARNING)
        if f:
            f.object = f"pgmap {_x(pm.addr)}"
            f.evidence = (
                f"more than {_PAGE_FINDINGS_MAX} pages fail {cid} (from pfn {_c(pfn)} on): "
                "not listed one by one"
            )
            c.headline(f, f"too many pages fail {cid}")
    return False


def _dump_page_line(c: _Ctx, p) -> str:
    # the first line of dump_page() (mm/debug.c) for a head or small page, as
    # daxpage prints it but with the kernel's own field widths: "page:%px
    # refcount:%d mapcount:%d mapping:%px index:%#lx pfn:%#lx" (%px: 16 hex
    # digits; the kernel's %#lx of 0 is "0x0")
    pi = page_describe(c.prog, c.l, p.pfn)
    mapcount = pi.mapcount if pi is not None else p.mapcount_raw + 1
    return (
        f"page:{p.addr & _U64:016x} refcount:{p.refcount} mapcount:{mapcount} "
        f"mapping:{p.mapping & _U64:016x} index:0x{p.index & _U64:x} pfn:0x{p.pfn & _U64:x}"
    )[:199]


def _page_nonquiet(c: _Ctx, pm, p, idle: int) -> None:
    # P4, G1 and P2 of one head or small page (page_checks() after Z1)
    l = c.l
    rm615 = l.refmodel == RM_6_15
    fsdax = pm.type == MT_FS_DAX
    # the references its mappings hold: none before 6.15; from 6.15 (Linux
    # kernel commit 38607c62b34b ("fs/dax: properly refcount fs dax pages")
    # and "device/dax: properly refcount device dax pages when mapping") one
    # per mapping of an FS_DAX or device-dax folio, its folio_mapcount()
    mapped = 0
    if rm615 and pm.type in (MT_FS_DAX, MT_GENERIC):
        mapped = folio_mapcount(c.prog, p)
    # P4: an FS_DAX page at refcount 0 before 6.15 was freed by an extra put;
    # from 6.15 a folio with fewer references than mappings is the same bug
    # (seed 003)
    floor_broken = p.refcount < idle + mapped if rm615 else p.refcount <= 0
    if fsdax and floor_broken and _page_limit(c, 0, "CHK-P4", pm, p.pfn):
        f = c.add("CHK-P4", SEVERITY_ERROR)
        if f:
            f.object = f"page {_x(p.addr)} pfn {_c(p.pfn)}"
            f.has_pfn, f.pfn, f.page, f.pgmap, f.refcount = True, p.pfn, p.addr, pm.addr, p.refcount
            if rm615:
                f.evidence = (
                    f"refcount {p.refcount} below its {mapped} mapping{'' if mapped == 1 else 's'} "
                    f"(FS_DAX pages idle at {idle} and each mapping holds a reference in this "
                    f"era, {l.refmodel})"
                )
            else:
                f.evidence = (
                    f"refcount {p.refcount}, FS_DAX pages idle at {idle} in this era ({l.refmodel})"
                )
            f.dump_page = _dump_page_line(c, p)
            c.headline(f, f"FS_DAX page at refcount {p.refcount}")
    # G1: held beyond its mappings: refcount - idle - (6.15+) folio_mapcount()
    extra = p.refcount - idle - mapped
    if (fsdax or pm.type == MT_GENERIC) and extra > 0 and len(c.busy) < _BUSY_MAX:
        c.busy.append(
            _Busy(p.pfn, p.addr, p.mapping, p.index, pm.addr, p.refcount, idle, pm.type)
        )
        if _page_limit(c, 1, "CHK-G1", pm, p.pfn):
            f = c.add("CHK-G1", SEVERITY_INFO)
            if f:
                f.object = f"page {_x(p.addr)} pfn {_c(p.pfn)} ({_short_type(pm.type)})"
                f.has_pfn, f.pfn, f.page, f.pgmap = True, p.pfn, p.addr, pm.addr
                f.refcount = p.refcount
                pins, gets = extra // _GUP_PIN_COUNTING_BIAS, extra % _GUP_PIN_COUNTING_BIAS
                ev = (
                    f"refcount {p.refcount}, idle {idle}: {extra} extra reference"
                    f"{'' if extra == 1 else 's'} ({pins} FOLL_PIN pin{'' if pins == 1 else 's'} "
                    f"of {_GUP_PIN_COUNTING_BIAS}, {gets} get{'' if gets == 1 else 's'}); "
                    f"mapcount {mapped if rm615 else p.mapcount_raw + 1}; "
                    f"mapping {_x(p.mapping)} index {_c(p.index)}"
                )
                if pm.vmemmap_shift and pm.type == MT_GENERIC:
                    ev += (
                        f"; head of an order-{pm.vmemmap_shift} compound page: references to "
                        "any of its pages count here"
                    )
                f.evidence = _fit(ev, 600)
                if fsdax and _kptr(p.mapping):
                    c.describe_entry(f, c.find_mapping(p.mapping), p.index)
                elif _kptr(p.mapping):
                    f.mapping = p.mapping
                c.headline(f, f"pinned {'fsdax' if fsdax else 'devdax'} page")
    # P2: an FS_DAX page naming a mapping: that mapping holds an entry covering
    # it (heads and small pages only: from 6.15 a PMD entry is one folio whose
    # tails' words are folio fields, and its head names the mapping and the
    # entry's index)
    if fsdax and _kptr(p.mapping):
        c.page_findings[3] += 1
        m = c.find_mapping(p.mapping)
        s = c.slot_at(m, p.index)
        bad = None
        if m is None:
            bad = "the mapping is not readable (freed address_space?)"
        elif not m.i_flags & l.s_dax:
            bad = "the mapping's host inode is not S_DAX"
        else:
            e = dax_entry_decode(c.r.era.era, s.raw) if s is not None else None
            if e is None or not dax_entry_is_real(e):
                bad = "no DAX entry at page->index"
            elif (e.payload + (p.index - s.index)) & _U64 != p.pfn:
                bad = "the entry at page->index maps another pfn"
        if bad and _page_limit(c, 2, "CHK-P2", pm, p.pfn):
            f = c.add("CHK-P2", SEVERITY_ERROR)
            if f:
                f.object = f"page {_x(p.addr)} pfn {_c(p.pfn)}"
                f.has_pfn, f.pfn, f.page, f.pgmap = True, p.pfn, p.addr, pm.addr
                f.mapping, f.refcount = p.mapping, p.refcount
                f.evidence = f"page->mapping {_x(p.mapping)} index {_c(p.index)}: {bad}"
                c.headline(f, "FS_DAX page points at a mapping that does not hold it")


def _memmap_checks(c: _Ctx) -> None:
    from .memmap import MEMMAP_CHUNK, MEMMAP_UNREADABLE_RUN, page_decode

    prog, l = c.prog, c.l
    psz = l.page_size
    if psz <= 0 or psz > 256:
        return
    ps = page_struct(prog, l)
    full, fi = ps.full, ps.full_idx
    i_fl, i_w1, i_pg = fi["flags"], fi["word1"], fi["pgmap"]
    i_rc, i_map = fi["refcount"], fi["mapping"]
    i_mc = fi["mapcount"]
    has_tail = ps.has_tail
    rm615 = l.refmodel == RM_6_15
    head_bit = c.pg_head
    zs = c.zs
    pg_res = c.pg_reserved
    pages = unreadable = 0
    for pm in c.pms.pgmaps:
        zbad, zfirst, zwhy = 0, 0, ""
        # the caps of P4, G1 and P2 findings are per pgmap
        c.page_findings[0] = c.page_findings[1] = c.page_findings[2] = 0
        flags_why: Dict[int, Optional[str]] = {}
        check_pgmap = l.pg_pgmap >= 0
        idle = idle_refcount(l.refmodel, pm.type, False)
        fsdax = pm.type == MT_FS_DAX
        # from 6.15 mappings hold references (folio_mapcount: a small page's
        # _mapcount, a head's folio fields): an idle page is unmapped too
        counts_maps = rm615 and pm.type in (MT_FS_DAX, MT_GENERIC)

        def quiet(row) -> bool:
            # nothing for P4, G1 or P2 to say about a head or small page
            if row[i_rc] != idle or (fsdax and _kptr(row[i_map])):
                return False
            if counts_maps and (
                (i_mc >= 0 and row[i_mc] >= 0)
                or (head_bit is not None and (row[i_fl] >> head_bit) & 1)
            ):
                return False
            return True
        for r in range(min(max(pm.nr_range, 0), MAX_RANGES)):
            pfn, end = pm.pfn_first[r], pm.pfn_end[r]
            run = 0  # unreadable pfns in a row: bounded as a census (as core/check.c)
            while pfn < end:
                if run >= MEMMAP_UNREADABLE_RUN:
                    unreadable += end - pfn
                    break
                n = min(end - pfn, MEMMAP_CHUNK)
                a = pfn_to_page_address(l, pfn)
                try:
                    if a is None:
                        raise ValueError
                    buf = prog.read(a, psz * n)
                except (FaultError, ValueError, OverflowError):
                    unreadable += n
                    run += n
                    pfn += n
                    continue
                run = 0
                rows = list(full.iter_unpack(buf))
                # most struct pages of a range are byte-identical (idle, no
                # mapping; tails of one compound page): judge each distinct
                # row once, then visit only the pages of the rows that say something
                loud = set()
                for row in set(rows):
                    fl = row[i_fl]
                    why = flags_why.get(fl, 0)
                    if why == 0:
                        why = None
                        if zs is not None:
                            zone = (fl >> zs.zone_shift) & ((1 << zs.zone_bits) - 1)
                            if zone != zs.zone_device:
                                why = f"zone {zone}, not ZONE_DEVICE ({zs.zone_device})"
                        if why is None and pg_res is not None and not (fl >> pg_res) & 1:
                            why = "PG_reserved clear"
                        flags_why[fl] = why
                    tail = has_tail and row[i_w1] & 1
                    if why is None and not tail and check_pgmap and row[i_pg] != pm.addr:
                        why = f"page->pgmap {_x(row[i_pg])}, registry says {_x(pm.addr)}"
                    if why is not None or not (tail or quiet(row)):
                        loud.add(row)
                if not loud:
                    pages += n
                    pfn += n
                    continue
                for k, row in enumerate(rows):
                    if row not in loud:
                        continue
                    why = flags_why[row[i_fl]]
                    tail = has_tail and row[i_w1] & 1
                    if why is None and not tail and check_pgmap and row[i_pg] != pm.addr:
                        why = f"page->pgmap {_x(row[i_pg])}, registry says {_x(pm.addr)}"
                    if why is not None:
                        zbad += 1
                        if zbad == 1:
                            zfirst, zwhy = pfn + k, _fit(why, 120)
                    if tail:
                        continue
                    if quiet(row):
                        continue  # idle, unmapped, naming no mapping: nothing to say
                    p = page_decode(ps, buf, k * psz, pfn + k, a + k * psz)
                    _page_nonquiet(c, pm, p, idle)
                pages += n
                pfn += n
        if zbad:
            f = c.add("CHK-Z1", SEVERITY_ERROR)
            if f:
                f.object, f.pgmap = f"pgmap {_x(pm.addr)} ({_short_type(pm.type)})", pm.addr
                f.evidence = (
                    f"{zbad} page{'' if zbad == 1 else 's'} of the ranges; first pfn {_c(zfirst)}: "
                    f"{zwhy}"
                )
                c.headline(f, "pages of a pgmap range are not ZONE_DEVICE pages of that pgmap")
    c.r.pages = pages
    if unreadable:
        c.note(
            f"{unreadable} struct pages of pgmap ranges are not in the dump (memmap on the "
            "device with map=dev, or excluded): not checked"
        )
    if not c.pms.pgmaps:
        return
    c.evaluated(
        "CHK-Z1",
        pages,
        "zone%s, PG_reserved, page->pgmap of every page of every range"
        % ("" if zs is not None else " (zone not known: ZONES_PGSHIFT not derivable)"),
    )
    c.evaluated("CHK-P4", pages)
    c.evaluated("CHK-G1", pages)
    c.evaluated("CHK-P2", c.page_findings[3], "every FS_DAX head or small page naming a mapping")


# ------------------------------------------------------------------ entries: T1-T5, P1, P3


def _collect_mappings(c: _Ctx) -> None:
    errors: List[str] = []
    for _sb, inode in for_each_dax_inode(c.prog, c.l, errors):
        if len(c.maps) >= _MAPS_MAX:
            break
        m = _u64(c.prog, inode + c.l.i_mapping)
        if not _kptr(m) or m in c.maps_by_addr:
            continue
        try:
            dm = dax_mapping_load(c.prog, c.l, m)
        except ValueError:
            continue
        c.maps.append(dm)
        c.maps_by_addr[m] = dm
    if errors:
        c.note(f"DAX inodes: {errors[0]}")


def _entry_checks(c: _Ctx) -> None:
    prog, l = c.prog, c.l
    era = c.r.era.era
    as_exiting = _enum(prog, "AS_EXITING")
    entries = 0
    want = "value" if l.tree == "xarray" else "exceptional"
    for m in c.maps:
        total = busy = 0
        state = (_u64(prog, m.host + l.i_state) or 0) if l.i_state >= 0 else 0
        mflags = (_u64(prog, m.mapping + l.as_flags) or 0) if l.as_flags >= 0 else 0
        where = f"mapping {_x(m.mapping)} (ino {m.ino})"
        if m.walk.failed:
            f = c.add("CHK-T4", SEVERITY_ERROR)
            if f:
                f.object = where
                f.mapping, f.inode, f.ino = m.mapping, m.host, m.ino
                f.evidence = _fit(m.walk.error, 600)
                c.headline(f, "i_pages tree is broken")
        for s in m.leaves:
            entries += 1
            if s.kind != want:
                f = c.add("CHK-T1", SEVERITY_ERROR)
                if f:
                    f.object = f"{where} index {s.index}"
                    f.mapping, f.inode, f.ino = m.mapping, m.host, m.ino
                    f.evidence = f"slot {_c(s.raw)} is a {s.kind}, not a DAX entry"
                    c.headline(f, "DAX mapping holds a non-DAX entry")
                continue
            me = dax_entry_analyse(prog, l, c.pms, m, era, s)
            e = me.e
            if not e.is_entry:
                continue
            total += 1 << e.order
            busy += me.busy
            zero, empty = bool(e.flags & DAX_F_ZERO), bool(e.flags & DAX_F_EMPTY)
            bad = ""
            if zero and empty:
                bad = "ZERO_PAGE and EMPTY both set"
            elif empty and e.payload:
                bad = f"EMPTY entry with pfn {_c(e.payload)}"
            elif zero and e.order == 0 and c.zero_pfn is not None and e.payload != c.zero_pfn:
                bad = f"ZERO_PAGE entry with pfn {_c(e.payload)}, zero_pfn is {_c(c.zero_pfn)}"
            elif (
                zero and e.order and c.huge_zero_pfn is not None and e.payload != c.huge_zero_pfn
            ):
                bad = (
                    f"PMD ZERO_PAGE entry with pfn {_c(e.payload)}, huge_zero_pfn is "
                    f"{_c(c.huge_zero_pfn)}"
                )
            elif (
                not zero
                and not empty
                and era.payload == "pfn"
                and (me.pgmap is None or me.pgmap.type != MT_FS_DAX)
            ):
                bad = f"pfn {_c(e.payload)} is in no FS_DAX pgmap"
            elif not zero and not empty and e.order and e.payload & ((1 << e.order) - 1):
                bad = f"order-{e.order} entry with unaligned pfn {_c(e.payload)}"
            if bad:
                f = c.add("CHK-T2", SEVERITY_ERROR)
                if f:
                    f.object = f"{where} index {s.index}"
                    f.mapping, f.inode, f.ino = m.mapping, m.host, m.ino
                    f.has_entry, f.entry, f.entry_index = True, s.raw, s.index
                    f.entry_pfn, f.entry_order = e.payload, e.order
                    f.evidence = _fit(f"entry {_c(s.raw)}: {bad}", 600)
                    c.headline(f, "insane DAX entry")
            if (e.order == _PMD_ORDER and s.index & ((1 << _PMD_ORDER) - 1)) or me.order_mismatch:
                f = c.add("CHK-T3", SEVERITY_ERROR)
                if f:
                    f.object = f"{where} index {s.index}"
                    f.mapping, f.inode, f.ino = m.mapping, m.host, m.ino
                    f.has_entry, f.entry, f.entry_index = True, s.raw, s.index
                    f.evidence = (
                        f"order-{e.order} entry {_c(s.raw)} spans {s.nr} indices from index "
                        f"{s.index}"
                    )
                    c.headline(f, "broken multi-index DAX entry")
            # from 6.15 a tail of the folio an entry's first page heads counts as
            # associated (mapping.dax_entry_analyse)
            if me.assoc == "mismatch":
                f = c.add("CHK-P1", SEVERITY_ERROR)
                if f:
                    f.object = f"{where} index {s.index}"
                    f.mapping, f.inode, f.ino = m.mapping, m.host, m.ino
                    f.has_entry, f.entry, f.entry_index = True, s.raw, s.index
                    f.entry_pfn, f.entry_order = e.payload, e.order
                    f.evidence = (
                        f"entry {_c(s.raw)}: page of pfn {_c(me.assoc_bad_pfn)} does not point "
                        "back at mapping/index"
                    )
                    c.headline(f, "DAX entry pages not associated with the entry")
            if e.flags & DAX_F_LOCKED and len(c.locked) < _LOCKED_MAX:
                c.locked.append((m.i_pages, s.index, s.raw, m.mapping))
        # T5: nrpages counts every entry's pages (5.13+, no nrexceptional)
        if l.as_nrexceptional < 0:
            c.evaluated("CHK-T5", 1)
            if total != m.nrpages and not m.walk.failed:
                f = c.add("CHK-T5", SEVERITY_INFO)
                if f:
                    f.object = where
                    f.mapping, f.inode, f.ino = m.mapping, m.host, m.ino
                    f.evidence = f"nrpages {m.nrpages}, sum of 2^order over the entries {total}"
                    c.headline(f, "nrpages does not account for the entries")
        # P3: dying inode with busy pages
        dying = bool(state & (_I_FREEING | _I_WILL_FREE)) or (
            as_exiting is not None and 0 <= as_exiting < 64 and (mflags >> as_exiting) & 1
        )
        if dying and busy:
            f = c.add("CHK-P3", SEVERITY_ERROR)
            if f:
                f.object = f"inode {_x(m.host)} (ino {m.ino})"
                f.mapping, f.inode, f.ino = m.mapping, m.host, m.ino
                f.evidence = (
                    f"i_state {_c(state)}, mapping flags {_c(mflags)}, {busy} busy "
                    f"page{'' if busy == 1 else 's'}"
                )
                c.headline(f, "busy DAX pages under an inode being evicted")
    c.r.entries = entries
    c.r.mappings = len(c.maps)
    c.evaluated("CHK-T1", entries, "every leaf of every S_DAX inode's i_pages")
    c.evaluated("CHK-T2", entries)
    c.evaluated("CHK-T3", entries)
    c.evaluated(
        "CHK-P1",
        entries,
        "every page of every real entry (6.15+: tails of the entry's folio through its head)",
    )
    c.evaluated("CHK-P3", len(c.maps), "inodes with I_FREEING/I_WILL_FREE or AS_EXITING")
    c.evaluated(
        "CHK-T4",
        len(c.maps),
        "walker back-pointer and shape checks only (counts and marks not verified)",
    )
    if l.as_nrexceptional >= 0:
        c.not_evaluated("CHK-T5", "nrexceptional kernel (<= 5.12): rule not verified")


# ------------------------------------------------------------------ tasks: G2, L1, L2

# A task breaking layouts: first the filesystems' own waits (a sleeping task's
# live frame), then the common helpers, whose return addresses may be stale
# words left on the stack by a call that returned (5.10:
# dax_layout_busy_page_range under ext4_break_layouts). From v6.15 ("fs/dax:
# create a common implementation to break DAX layouts") the loop is
# dax_break_layout() and the wait the filesystem's callback
# (ext4_wait_dax_page, xfs_wait_dax_page: the 7.2 sample's truncate sleeps
# there). Then what it is doing; the DAX entry paths that may own a locked
# entry (kernel-facts A.7), unless waiting for one: waiters are not owners (a
# waiter is one queued in fs/dax.c's wait_table, or, without it, one with an
# entry wait on its stack: a stale return address of a wait that returned
# does not make a waiter); and the teardown that waits for a killed pgmap's
# last reference.
FS_BREAK_FRAMES = (
    "ext4_break_layouts", "xfs_break_dax_layouts", "xfs_break_layouts",
    "ext4_wait_dax_page", "xfs_wait_dax_page", "fuse_dax_break_layouts",
)  # fmt: skip
BREAK_FRAMES = (
    "dax_break_layout", "dax_break_layout_final", "dax_layout_busy_page",
    "dax_layout_busy_page_range", "__wait_var_event",
)  # fmt: skip
TRUNCATE_FRAMES = ("do_truncate", "ext4_setattr", "xfs_vn_setattr", "do_sys_ftruncate")
PUNCH_FRAMES = ("ext4_punch_hole", "ext4_fallocate", "xfs_file_fallocate", "vfs_fallocate")
DAX_FRAMES = (
    "dax_iomap_pte_fault", "dax_iomap_pmd_fault", "dax_iomap_fault", "dax_fault_iter",
    "grab_mapping_entry", "dax_writeback_one", "dax_lock_page", "dax_lock_folio",
    "dax_lock_mapping_entry", "memory_failure", "mf_dax_kill_procs", "dax_insert_entry",
)  # fmt: skip
# fs/dax.c's waits for an unlocked entry (get_unlocked_entry: faults, truncate,
# layout breaks; wait_entry_unlocked: dax_lock_page; wait_entry_unlocked_exclusive:
# v6.15+)
ENTRY_WAIT_FRAMES = ("get_unlocked_entry", "wait_entry_unlocked", "wait_entry_unlocked_exclusive")
# memunmap_pages() waits in wait_for_completion(&pgmap->done) for the last
# reference of the killed pgmap->ref (mm/memremap.c, v5.3+;
# devm_memremap_pages_release() before)
TEARDOWN_FRAMES = ("memunmap_pages", "devm_memremap_pages_release")


def _add_task(f: Finding, t, frame: str) -> None:
    if len(f.tasks) < _FINDING_TASKS:
        f.tasks.append(FindingTask(t.pid, t.comm, t.state, t.task, (frame or "")[:63]))


def _task_checks(c: _Ctx) -> None:
    prog, l, r = c.prog, c.l, c.r
    tl = task_layout(prog)
    if not tl.ok:
        c.note(f"tasks: {tl.error}: no blocked task or pin holder can be named")
        for cid in ("CHK-G2", "CHK-L1", "CHK-L2"):
            c.not_evaluated(cid, tl.error)
        return
    blocked = []  # (task, frame, op)
    dax_tasks = []  # in DAX entry paths or entry waits
    entry_waits = {}  # task address -> its entry wait frame
    teardown = []  # (task, frame): waiting for a killed pgmap's last reference
    by_addr = {}
    stacks_read = stacks_failed = 0
    errors: List[str] = []
    for t in for_each_task_in_memory(prog, tl, errors):
        r.tasks += 1
        if len(by_addr) < _TASKS_KEPT:
            by_addr.setdefault(t.task, t)
        if t.state in ("R", "X", "Z"):
            continue  # a running task's saved stack pointer is stale
        fr = task_frames(prog, t, tl)
        if fr is None:
            stacks_failed += 1
            continue
        stacks_read += 1
        m = frames_match(fr, FS_BREAK_FRAMES) or frames_match(fr, BREAK_FRAMES)
        if m and len(blocked) < _BLOCKED_MAX:
            op = (
                "truncate"
                if frames_match(fr, TRUNCATE_FRAMES)
                else "hole punch"
                if frames_match(fr, PUNCH_FRAMES)
                else "layout break"
            )
            blocked.append((t, m, op))
        w = frames_match(fr, ENTRY_WAIT_FRAMES)
        d = frames_match(fr, DAX_FRAMES)
        if w and len(entry_waits) < 16:
            entry_waits[t.task] = w
        if (d or w) and len(dax_tasks) < 16:
            dax_tasks.append((t, d or w))
        td = frames_match(fr, TEARDOWN_FRAMES)
        if td and len(teardown) < 16:
            teardown.append((t, td))
    if errors:
        c.note(f"tasks: {errors[0]}")
    c.note(
        f"tasks: {r.tasks} walked from init_task through memory (independent of the front "
        f"end's task table); {stacks_read} sleeping stacks scanned"
        + (", some not readable" if stacks_failed else "")
    )
    try:
        vw = var_waiters(prog)[:_WAITERS_KEPT]
        have_var = True
    except ValueError as e:
        vw, have_var = [], False
        c.note(f"wait_var_event waiters: {e}")
    try:
        dw = dax_entry_waiters(prog)[:_WAITERS_KEPT]
        have_dax = True
    except ValueError as e:
        dw, have_dax = [], False
        c.note(f"DAX entry waiters: {e}")

    # G2: a task breaking layouts waits for a busy FS_DAX page
    nfs = sum(1 for b in c.busy if b.type == MT_FS_DAX)
    for t, frame, op in blocked:
        r.blocked_tasks += 1
        # the page it waits for: its wait_var_event key is &page->_refcount
        # (<= 6.14) or the page itself (6.15+)
        bz = None
        for w in vw:
            if bz is not None:
                break
            if w.task != t.task or w.key1 != -1:
                continue
            for b in c.busy:
                if b.type == MT_FS_DAX and (w.key0 == b.page + l.pg_refcount or w.key0 == b.page):
                    bz = b  # the last match, as the C core
        if bz is None and not nfs:
            continue  # a stale frame: no FS_DAX page is busy
        f = c.add("CHK-G2", SEVERITY_ERROR)
        if f is None:
            break
        _add_task(f, t, frame)
        if bz is not None:
            f.has_pfn, f.pfn, f.page, f.pgmap = True, bz.pfn, bz.page, bz.pgmap
            f.refcount = bz.refcount
            c.describe_entry(f, c.find_mapping(bz.mapping), bz.index)
            f.object = f"page {_x(bz.page)} pfn {_c(bz.pfn)}, ino {f.ino} index {bz.index}"
            ev = (
                f"pid {t.pid} ({t.comm}) state {t.state} in {frame} waits on "
                f"{'the page' if l.refmodel == RM_6_15 else '&page->_refcount'} of pfn "
                f"{_c(bz.pfn)} (refcount {bz.refcount}, idle {bz.idle}); inode {_x(f.inode)} "
                f"ino {f.ino}"
            )
            if f.has_entry:
                ev += (
                    f"; entry i_pages[{f.entry_index}] = {_c(f.entry)} (order {f.entry_order}, "
                    f"pfn {_c(f.entry_pfn)})"
                )
            f.evidence = _fit(ev, 600)
        else:
            f.object = f"task pid {t.pid}"
            f.evidence = _fit(
                f"pid {t.pid} ({t.comm}) state {t.state} in {frame}; {nfs} busy FS_DAX "
                f"page{'' if nfs == 1 else 's'} (CHK-G1), the wait key could not be matched"
                + ("" if have_var else " (no bit_wait_table)"),
                600,
            )
        c.headline(f, f"pinned DAX page blocks {op}")
    # a wait_var_event waiter on a busy FS_DAX page that the stack scan missed
    seen = {t.task for t, _, _ in blocked}
    for w in vw:
        if w.key1 != -1 or w.task in seen:
            continue
        for b in c.busy:
            if b.type != MT_FS_DAX or w.key0 != b.page + l.pg_refcount:
                continue
            f = c.add("CHK-G2", SEVERITY_ERROR)
            if f is None:
                break
            tk = by_addr.get(w.task)
            if tk is not None:
                _add_task(f, tk, "wait_var_event")
            f.has_pfn, f.pfn, f.page, f.pgmap, f.refcount = True, b.pfn, b.page, b.pgmap, b.refcount
            c.describe_entry(f, c.find_mapping(b.mapping), b.index)
            f.object = f"page {_x(b.page)} pfn {_c(b.pfn)}, ino {f.ino} index {b.index}"
            f.evidence = (
                f"task {_x(w.task)} (pid {tk.pid if tk is not None else -1}) waits on "
                f"&page->_refcount of pfn {_c(b.pfn)} (refcount {b.refcount})"
            )
            c.headline(f, "pinned DAX page blocks a layout break")
    c.evaluated(
        "CHK-G2",
        r.tasks,
        "stacks of sleeping tasks for ext4_break_layouts/xfs_break_dax_layouts/"
        "dax_layout_busy_page frames" + (", bit_wait_table waiters" if have_var else ""),
    )

    # holders of pinned pages: pipe buffers of every task's pipes
    pinned = [f for f in r.findings if f.page and f.check.id in ("CHK-G1", "CHK-G2")]
    pages: List[int] = []
    for f in pinned:
        if len(pages) < _HOLDER_PAGES_MAX and f.page not in pages:
            pages.append(f.page)
    if pages:
        errs: List[str] = []
        for h in pipe_scan(prog, l, pages, errs):
            ops = symbol_name(prog, h.ops) if h.ops else None
            for f in pinned:
                if f.page != h.head or len(f.holders) >= _FINDING_HOLDERS:
                    continue
                f.holders.append(
                    FindingHolder(h.pid, h.comm, h.fd, h.pipe, h.slot, h.page,
                                  (ops or "-")[:63])
                )  # fmt: skip
        if errs:
            c.note(f"pin holders: {errs[0]}")
        for f in pinned:
            if not f.holders:
                f.holders_note = (
                    "no pipe holds it: GUP users (RDMA, io_uring, vfio, O_DIRECT in flight) are "
                    "not visible from here"
                )

    # L1: a LOCKED entry has an owner: a sleeping task in a DAX entry path
    # that is not itself waiting for an entry (which entry a path holds is
    # not on its stack: any such task may own it). The entry's waiters: tasks
    # queued in wait_table with its key {&i_pages, index} (4.20+), named with
    # the entry wait on their stack; without the wait_table, every task in an
    # entry wait. LOCKED, no owner, waiters: a leaked entry lock (A.7).
    queued_tasks = {w.task for w in dw}
    owners = sum(
        1
        for t, _ in dax_tasks
        if not (t.task in queued_tasks if have_dax else t.task in entry_waits)
    )
    for i_pages, index, raw, mapping in c.locked:
        queued = sum(1 for w in dw if w.key0 == i_pages and w.key1 == index)
        if owners:
            continue  # a task is in a DAX entry path: a possible owner
        f = c.add("CHK-L1", SEVERITY_ERROR)
        if f is None:
            break
        m = c.find_mapping(mapping)
        f.object = f"mapping {_x(mapping)} index {index}"
        c.describe_entry(f, m, index)
        if f.has_entry:  # the finding is about the entry's (first) page
            f.has_pfn, f.pfn = True, f.entry_pfn
        nwaiters = 0
        for tk in by_addr.values():
            frame = entry_waits.get(tk.task)
            keyed = any(
                w.task == tk.task and w.key0 == i_pages and w.key1 == index for w in dw
            )
            if not keyed and not (frame and not have_dax):
                continue
            nwaiters += 1
            _add_task(f, tk, frame or "wait_table")
        if nwaiters:
            s = "" if nwaiters == 1 else "s"
            f.evidence = _fit(
                f"entry {_c(raw)} LOCKED, no owner: no sleeping task is in a DAX entry path "
                f"but its {nwaiters} waiter{s} ({queued} queued in wait_table on i_pages "
                f"{_x(i_pages)} index {index})",
                600,
            )
            c.headline(
                f,
                f"leaked DAX entry lock: {nwaiters} task{s} wait{'s' if nwaiters == 1 else ''} "
                "for an entry nobody holds",
            )
        else:
            f.evidence = (
                f"entry {_c(raw)} LOCKED, no owner: no sleeping task is in a DAX entry path, "
                f"no waiter{' in wait_table' if have_dax else ' on a stack'}"
            )
            c.headline(f, "leaked DAX entry lock")
    locked = {(ip, ix) for ip, ix, _, _ in c.locked}
    for w in dw:
        if (w.key0, w.key1) in locked:
            continue
        f = c.add("CHK-L2", SEVERITY_WARNING)
        if f is None:
            continue
        tk = by_addr.get(w.task)
        if tk is not None:
            _add_task(f, tk, entry_waits.get(w.task) or "get_unlocked_entry")
        f.object = f"i_pages {_x(w.key0)} index {w.key1}"
        f.evidence = f"task {_x(w.task)} waits for an entry that is not locked"
        c.headline(f, "DAX entry waiter without a locked entry")
    c.evaluated(
        "CHK-L1",
        len(c.locked),
        "locked entries against tasks in DAX paths"
        + (" and wait_table waiters" if have_dax else ""),
    )
    if have_dax:
        c.evaluated("CHK-L2", len(dw), "wait_table waiters")
    else:
        c.not_evaluated("CHK-L2", "no fs/dax.c wait_table in debuginfo")

    # R2: a killed pgmap ref with references left while a task waits in the
    # teardown for the last one: device removal hangs (seed 001's topic, the
    # pgmap-leak replica)
    pgmaps = {pm.addr: pm for pm in c.pms.pgmaps}
    for f in r.findings if teardown else ():
        pm = pgmaps.get(f.pgmap) if f.pgmap else None
        if (
            f.check.id != "CHK-R2"
            or pm is None
            or pm.ref_state.mode != "dead"
            or not pm.ref_state.count_known
            or pm.ref_state.true_count <= 0
        ):
            continue
        f.severity = SEVERITY_ERROR
        for t, frame in teardown:
            _add_task(f, t, frame)
        t, frame = teardown[0]
        more = ", other tasks too" if len(teardown) > 1 else ""
        f.evidence = _fit(
            f"{f.evidence}; pid {t.pid} ({t.comm}) state {t.state} waits for them in {frame} "
            f"(wait_for_completion(&pgmap->done)){more}",
            600,
        )
        rc = pm.ref_state.true_count
        c.headline(
            f,
            f"device removal blocked: {rc} reference{'' if rc == 1 else 's'} to a killed pgmap "
            "never dropped",
        )
    c.tasks = list(by_addr.values())  # for the oops's task (CHK-D3)


# ------------------------------------------------------------------ devices: D1, D2, D4, I1


def _device_checks(c: _Ctx) -> None:
    prog, l, dd = c.prog, c.l, c.dd
    c.r.daxdevs = len(dd.devices)
    for m in dd.missing:
        c.note(f"debuginfo missing: {m}")
    if not dd.devices and dd.error:
        for cid in ("CHK-D1", "CHK-D2", "CHK-D4"):
            c.not_evaluated(cid, dd.error)
        return
    for d in dd.devices:
        c.evaluated("CHK-D4", 1)
        bad = (
            "i_flags lacks S_DAX"
            if not d.i_flags & l.s_dax
            else "i_cdev is not &dax_dev->cdev"
            if d.i_cdev != d.cdev
            else None
        )
        if bad:
            f = c.add("CHK-D4", SEVERITY_WARNING)
            if f:
                f.object = f"dax_device {_x(d.addr)} ({d.name})"
                f.evidence = f"inode {_x(d.inode)}: {bad}"
                c.headline(f, "dax inode not set up as dax_dev_get() does")
    mounts = 0
    for s in dd.superblocks:
        if not s.known:
            why = (
                f"{s.fs} superblock {s.id}: its dax_device pointer needs the {s.fs} module's "
                f"debuginfo ({module_hint(s.fs)[1:-1]})"
            )
            c.not_evaluated("CHK-D1", why)
            c.not_evaluated("CHK-D2", why)
            continue
        if not s.daxdev:
            continue
        mounts += 1
        d = dax_device_find(dd, s.daxdev)
        c.evaluated("CHK-D1", 1)
        if d is None or (d.flags_known and not d.alive):
            f = c.add("CHK-D1", SEVERITY_ERROR)
            if f:
                f.object = f"{s.fs} {s.id} (sb {_x(s.sb)})"
                f.evidence = f"dax_device {_x(s.daxdev)} " + (
                    "has DAXDEV_ALIVE clear (killed)"
                    if d is not None
                    else "is not among the dax pseudo-fs inodes"
                )
                c.headline(f, "mounted filesystem on a dead dax_device")
        if d is not None and not d.has_holder:
            c.not_evaluated(
                "CHK-D2",
                "no dax_device holder in this kernel (holder_data/holder_ops arrived in v6.0)",
            )
        if d is None or not d.has_holder:
            continue
        c.evaluated("CHK-D2", 1)
        hs = symbol_name(prog, d.holder_ops) if d.holder_ops else None
        xfs = s.fs == "xfs"
        why = None
        if d.holder_data != s.expect_holder:
            why = "holder_data is not the xfs_mount" if xfs else "a holder is registered"
        elif xfs and hs != "xfs_dax_holder_operations":
            why = "holder_ops is not xfs_dax_holder_operations"
        if why:
            f = c.add("CHK-D2", SEVERITY_WARNING)
            if f:
                f.object = f"dax_device {_x(d.addr)} ({d.name}) under {s.fs} {s.id}"
                f.evidence = (
                    f"{why}: holder_data {_x(d.holder_data)}, holder_ops {hs or '-'}, expected "
                    f"{_x(s.expect_holder)}"
                )
                c.headline(f, "inconsistent dax_device holder")
    if not mounts:
        c.not_evaluated("CHK-D1", "no mounted filesystem on a dax_device")
        c.not_evaluated("CHK-D2", "no mounted filesystem on a dax_device")
    # I1: S_DAX inodes of superblocks without a dax_device
    for m in c.maps:
        sb = _u64(prog, m.host + l.i_sb)
        if sb is None or sb == dd.dax_superblock:
            continue
        for s in dd.superblocks:
            if s.sb != sb or not s.known:
                continue
            c.evaluated("CHK-I1", 1)
            if not s.daxdev:
                f = c.add("CHK-I1", SEVERITY_WARNING)
                if f:
                    f.object = f"inode {_x(m.host)} (ino {m.ino}) on {s.fs} {s.id}"
                    f.inode, f.ino = m.host, m.ino
                    f.evidence = "S_DAX set, superblock has no dax_device"
                    c.headline(f, "S_DAX inode without a DAX device")


# ------------------------------------------------------------------ the oops: D3


def _no_daxdev_mounts(c: _Ctx) -> str:
    # "; ram0 (ext4) has no dax_device" for every mounted block-device
    # filesystem with no dax_device: its s_daxdev (ext4/ext2, xfs, erofs) is
    # NULL, or, where that pointer is not known, no dax_device is its disk's
    # (dax_hosts, 5.17+) or has its name
    prog, l, dd = c.prog, c.l, c.dd
    bd_disk = member_offset(prog, "struct block_device", "bd_disk")
    head = l.super_blocks
    pos = _u64(prog, head) if head and l.sb_list >= 0 and l.sb_bdev >= 0 else None
    out = ""
    n = 0
    while pos is not None and pos != head and n < 4096 and _kptr(pos):
        n += 1
        sb = pos - l.sb_list
        bdev = _u64(prog, sb + l.sb_bdev)
        if _kptr(bdev):
            fs = ""
            typ = _u64(prog, sb + l.sb_type)
            if _kptr(typ):
                name = _u64(prog, typ + l.fst_name)
                if _kptr(name, 1):
                    fs = _read_str(prog, name, 15)
            sid = _read_str(prog, sb + l.sb_id, 31)
            disk = (_u64(prog, bdev + bd_disk) or 0) if bd_disk >= 0 else 0
            known = has = False
            for x in dd.superblocks:
                if x.sb == sb and x.known:
                    known, has = True, x.daxdev != 0
            if not known:
                has = any(
                    (disk and d.gendisk == disk) or (d.name and d.name == sid) for d in dd.devices
                )
            if not has:
                out += f"; {sid} ({fs}) has no dax_device"
        pos = _u64(prog, pos)
    return out


def _oops_checks(c: _Ctx) -> None:
    # D3: the dump's first oops, from the kernel log (daxtriage.oops). A fault
    # at a small address in a DAX, pgmap or percpu_ref function is a member of
    # a NULL struct pointer, named from this kernel's debuginfo: seed 000's
    # dax_device, seed 001's percpu_ref. The task is the log's "CPU: N PID: P
    # Comm: C" one, its state read from memory; a NULL percpu_ref names the
    # registered pgmap whose ref is exited or missing, a NULL dax_device the
    # mounted block filesystems that have none.
    prog = c.prog
    # the C core reads the lockless ring buffer only (printk.c): say the same
    if type_size(prog, "struct printk_ringbuffer") < 0:
        c.not_evaluated(
            "CHK-D3",
            "the kernel log cannot be read: no lockless printk ring buffer in the debuginfo "
            "(kernels before 5.10 keep a log_buf this tool does not read)",
        )
        return
    try:
        o = oops_parse(kernel_log_lines(prog))
    except LookupError as e:
        c.not_evaluated("CHK-D3", f"the kernel log cannot be read: {e}")
        return
    if not o.found:
        if o.panic:
            c.evaluated(
                "CHK-D3", 1, f'no oops in the kernel log: the dump was taken for "{o.panic}"'
            )
        else:
            c.evaluated("CHK-D3", 1, "no oops and no panic in the kernel log")
        return
    hits = oops_map(prog, o.func, o.address) if o.have_address and o.rip else []
    related = o.have_address and o.rip and o.address < 4096 and oops_related(o.func)
    if not related:
        c.evaluated(
            "CHK-D3",
            1,
            f"the first oops ({o.bug}, RIP {o.rip or '?'}) is not a small-address fault in a "
            "DAX, pgmap or percpu_ref function",
        )
        return
    c.evaluated("CHK-D3", 1, "the first oops of the kernel log")
    f = c.add("CHK-D3", SEVERITY_ERROR)
    if f is None:
        return
    f.has_fault, f.fault_address = True, o.address
    f.fault_function, f.fault_rip = o.func[:95], o.rip[:127]
    what, typ = [], None
    for h in hits:
        if not h.member or len(f.members) >= _FINDING_MEMBERS:
            continue
        typ = typ or h.type
        f.members.append(f"{h.type}.{h.member}"[:79])
        what.append(f"{h.type}.{h.member} (offset {_c(h.member_offset)} of {h.type_size} bytes)")
    # the oopsing task, as memory has it
    tk = next((t for t in c.tasks or () if t.pid == o.pid), None)
    if tk is not None:
        _add_task(f, tk, o.rip)
    else:
        f.tasks.append(FindingTask(o.pid, o.comm, "?", 0, o.rip[:63]))
    ev = (
        f"{o.bug} at {o.rip} (pid {o.pid}, {o.comm}): {_c(o.address)} is "
        + (_fit(", ".join(what), 300) if what else "no member of the candidate structures")
    )
    pm = None
    if typ and typ.startswith("percpu_ref"):
        pm = next(
            (
                p
                for p in c.pms.pgmaps
                if not p.ref_addr or p.ref_state.mode in ("exited", "never-initialised")
            ),
            None,
        )
        f.bug_class = "pgmap-ref-lifecycle"
        if pm is not None:
            f.pgmap = pm.addr
            f.object = f"pgmap {_x(pm.addr)} ({_short_type(pm.type)})"
            ev += (
                f"; pgmap {_x(pm.addr)} ({_short_type(pm.type)}) is registered with "
                + (
                    "a NULL ref (pgmap->ref)"
                    if not pm.ref_addr
                    else "its ref exited (percpu_ref_exit() left ref->data NULL)"
                    if pm.ref_state.mode == "exited"
                    else "its ref never initialised (no percpu_count_ptr, no data)"
                )
                + ": killing it at device removal dereferences the NULL pointer"
            )
    elif typ == "dax_device":
        ev += (
            ": a NULL struct dax_device * (fs_dax_get_by_bdev() returns NULL for a block "
            "device without DAX)"
        )
        ev = _fit(ev, 600) + _no_daxdev_mounts(c)
    f.evidence = _fit(ev, 600)
    if pm is None:
        f.object = _fit(f"fault address {_c(o.address)} in {o.rip}", 160)
    c.headline(
        f, f"NULL {typ} dereferenced in {o.func}" if typ else f"small-address fault in {o.func}"
    )


# ------------------------------------------------------------------ all


def dax_check_all(
    prog: Program, layout: DaxLayout, catalogue: Optional[Catalogue] = None
) -> Report:
    """
    Run every check of the catalogue that the dump allows and return the
    :class:`Report`: the findings, per check whether it was evaluated (on how
    many objects, or why not), and the notes on what limited the run.

    >>> r = dax_check_all(prog, dax_layout(prog))
    >>> [(f.check.id, f.severity, hex(f.pfn)) for f in r.findings]
    [('CHK-G1', 'info', '0x108604'), ('CHK-G2', 'error', '0x108604')]

    :param layout: from :func:`daxtriage.layout.dax_layout()` (must be ``ok``)
    :param catalogue: default :func:`check_catalogue()`
    """
    r = Report(catalogue or check_catalogue())
    l = layout
    c = _Ctx(prog, l, r)
    for name, attr in (("zero_pfn", "zero_pfn"), ("huge_zero_pfn", "huge_zero_pfn")):
        a = symbol_address(prog, name)
        v = _u64(prog, a) if a else None
        if v is not None and not (name == "huge_zero_pfn" and v == _U64):
            setattr(c, attr, v)
    c.zs = zone_shift(prog)
    c.pg_reserved = _enum(prog, "PG_reserved")
    c.pg_head = _enum(prog, "PG_head")
    if c.pg_head is not None and not 0 <= c.pg_head <= 63:
        c.pg_head = None
    c.pms = pgmaps_collect(prog, l)
    if c.pms.failed:
        c.note(f"pgmaps: {c.pms.error}")
    r.pgmaps = len(c.pms.pgmaps)
    _collect_mappings(c)
    r.era = dax_era_choose(l, c.pms, c.maps)
    _check_pgmaps(c)
    _entry_checks(c)
    _memmap_checks(c)
    c.dd = dax_devices(prog, l)
    _task_checks(c)
    _device_checks(c)
    _oops_checks(c)
    c.not_evaluated("CHK-T6", "dirty/towrite marks are not read yet")
    c.not_evaluated("CHK-P5", "compound consistency is not checked yet")
    c.not_evaluated("CHK-I2", "raw block-device DAX (<= 4.x) is not looked for")
    c.not_evaluated(
        "CHK-I1", "no S_DAX inode on a superblock whose dax_device pointer is known"
    )
    return r
