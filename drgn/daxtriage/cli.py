# SPDX-License-Identifier: GPL-2.0-or-later
"""
Commands
--------

The ``daxtriage.cli`` module holds the commands of ``drgn/daxtriage.py``:
the same commands, options, output and ``-j`` documents as the crash
extension ``dax.so`` (``help daxmap`` etc. in crash). Each command is a
function ``cmd_NAME(prog, args, out, err)`` registered in :data:`COMMANDS`
with its ``argparse`` parser; :func:`run` dispatches one command line.

    daxent [--era E|all] [-j] VALUE
    daxmap [-a] [-p] [-j] [--era E] [inode|address_space|file|dentry]
    pgmap  [-p] [-j] [address|pfn]
    daxpage [-j] PFN|PAGE
    daxdev [-j]
    daxcheck [-v] [-j]

On a live kernel everything is read-only (drgn only reads ``/proc/kcore``),
and values are read at different instants: counters may move between
reads. The commands say so on stderr and add ``"live": true`` to ``-j``
documents.
"""

import argparse
import struct
import sys
import time
from typing import Callable, Dict, List, Optional, TextIO, Tuple

from drgn import FaultError, Program, ProgramFlags

from .memory import read_u64 as _u64
from .encodings import (
    DAX_F_EMPTY,
    DAX_F_LOCKED,
    DAX_F_ZERO,
    DaxEra,
    dax_entry_decode,
    dax_era,
    dax_eras,
    dax_flag_letters,
    dax_flag_names,
)
from .check import (
    SEVERITY_ERROR,
    SEVERITY_INFO,
    SEVERITY_WARNING,
    Finding,
    Report,
    dax_check_all,
    finding_covers_pfn,
)
from .daxdev import dax_devices
from .debuginfo import explain_layout_error, vmlinux_mismatch
from .escape import escape_bytes
from .jsonout import SCHEMA, dumps, hexs
from .layout import DaxLayout, dax_layout
from .mapping import (
    DaxMapping,
    dax_entry_analyse,
    dax_era_choose,
    dax_mapping_load,
    for_each_dax_inode,
    resolve_mapping,
)
from .memmap import MemmapPage, memmap_census
from .owner import dax_owners, pgmap_owner_name
from .page import (
    inode_dentry,
    MAPPING_FILE,
    MAPPING_MARKER,
    MAPPING_NO_HOST,
    MAPPING_UNREADABLE,
    page_describe,
    page_to_pfn,
)
from .percpu_ref import PERCPU_REF_ATOMIC_DEAD
from .symbols import symbol_name
from .pgmap import MAX_RANGES, Pgmap, pgmap_of_pfn, pgmap_read, pgmaps_collect
from .refmodel import MT_UNKNOWN, idle_refcount
from .tree import dax_tree_load

__all__ = ("COMMANDS", "run", "main", "UsageError", "CommandError", "is_live")

_U64 = (1 << 64) - 1
_MAX_LISTED = 4096  # non-idle pages listed per mapping / census range (as dax.so)
_MAP_PENDING = 64


class UsageError(Exception):
    """Bad options: the message is the usage line."""


class CommandError(Exception):
    """A one-line error (garbage input, unreadable object): the command stops."""


def is_live(prog: Program) -> bool:
    """Return whether the program is the running kernel (values may race)."""
    return bool(prog.flags & ProgramFlags.IS_LIVE)


def _c(v: int) -> str:
    # C's %#llx: "0" for zero, else 0x...
    return "0" if v == 0 else "%#x" % v


def _x(v: int) -> str:
    # C's %llx
    return "%x" % (v & _U64)


def _kptr_ok(p: int, align: int = 8) -> bool:
    return p >= 0xFFFF000000000000 and (align == 0 or p & (align - 1) == 0)


def parse_hex(s: str) -> Optional[int]:
    """Parse a hexadecimal number as crash's commands take it (0x optional)."""
    t = s.strip()
    if t[:2].lower() == "0x":
        t = t[2:]
    if not t or any(ch not in "0123456789abcdefABCDEF" for ch in t):
        return None
    v = int(t, 16)
    return v if v <= _U64 else None


def _symname(prog: Program, addr: int) -> Optional[str]:
    # "name" or "name+0xoff" for an address, as crash's value_search prints it
    return symbol_name(prog, addr)


def _read_str(prog: Program, addr: int, maxlen: int) -> Optional[str]:
    # A NUL-terminated string of at most maxlen bytes; byte-wise fallback so
    # that a string ending before an unreadable page still reads.
    try:
        b = prog.read(addr, maxlen)
    except (FaultError, ValueError, OverflowError):
        b = bytearray()
        for i in range(maxlen):
            try:
                b += prog.read(addr + i, 1)
            except (FaultError, ValueError, OverflowError):
                if i == 0:
                    return None
                break
            if b[-1] == 0:
                break
        b = bytes(b)
    return escape_bytes(b.split(b"\0", 1)[0], maxlen)  # the display form (escape.py)


def _doc(prog: Program, command: str) -> dict:
    d = {"schema": SCHEMA, "command": command}
    if is_live(prog):
        d["live"] = True
    return d


# ---------------------------------------------------------------- daxent

_DAXENT_HDR = "%-13s %-18s %-5s %-5s %-5s %-24s %s\n"
_DAXENT_FMT = "%-13s %-18s %-5s %-5s %-5d %-24s %s\n"


def _daxent_json(era: DaxEra, raw: int) -> dict:
    e = dax_entry_decode(era, raw)
    d = {"era": era.id, "kernels": era.kernels, "raw": hexs(raw), "is_entry": e.is_entry}
    if e.is_entry:
        d["flags"] = dax_flag_letters(e.flags)
        d["flag_names"] = dax_flag_names(e)
        d["order"] = e.order
        d["pfn" if era.payload == "pfn" else "sector"] = e.payload
        d["unknown_bits"] = hexs(e.unknown_bits)
    return d


def _daxent_line(era: DaxEra, raw: int, out: TextIO) -> None:
    e = dax_entry_decode(era, raw)
    rawbuf = _c(raw)
    if not e.is_entry:
        out.write(
            "%-13s %-18s %s\n"
            % (
                era.id,
                rawbuf,
                "not an XArray value entry"
                if era.container == "xarray"
                else "not a radix exceptional entry",
            )
        )
        return
    pay = f"{'pfn' if era.payload == 'pfn' else 'sector'} {_c(e.payload)}"
    names = dax_flag_names(e)
    if e.unknown_bits:
        names += f" unknown:{_c(e.unknown_bits)}"
    out.write(
        _DAXENT_FMT
        % (
            era.id,
            rawbuf,
            "value" if era.container == "xarray" else "exc",
            dax_flag_letters(e.flags),
            e.order,
            pay,
            names,
        )
    )


def cmd_daxent(prog: Program, args, out: TextIO, err: TextIO) -> int:
    """daxent [--era E|all] [-j] VALUE: decode a DAX page-cache entry word."""
    raw = parse_hex(args.value)
    if raw is None:
        raise UsageError("daxent [--era E|all] [-j] VALUE")
    eras = dax_eras()
    if args.era == "all":
        chosen = list(eras)
    elif args.era:
        one = dax_era(args.era)
        if one is None:
            raise CommandError(
                f'unknown era "{args.era}"; known: ' + " ".join(e.id for e in eras)
            )
        chosen = [one]
    else:
        l = dax_layout(prog) if prog is not None else None
        if l is not None and l.ok:
            chosen = [l.era]
        else:
            if l is not None:
                err.write(f"daxent: {explain_layout_error(prog, l.error)}\n")
            chosen = list(eras)
    if args.json:
        d = _doc(prog, "daxent") if prog is not None else {"schema": SCHEMA, "command": "daxent"}
        d["decodings"] = [_daxent_json(e, raw) for e in eras if e in chosen]
        out.write(dumps(d))
        return 0
    out.write(_DAXENT_HDR % ("ERA", "RAW", "KIND", "FLAGS", "ORDER", "PAYLOAD", "DEFINES"))
    for e in eras:
        if e in chosen:
            _daxent_line(e, raw, out)
    return 0


# ---------------------------------------------------------------- daxmap

_MAP_HDR = "%10s  %-18s %-5s %3s  %-10s  %-16s %4s %4s  %-10s %s\n"
_MAP_FMT = "%10d  %-18s %-5s %3d  %-10s  %-16s %4s %4d  %-10s %s\n"
_PAGE_FMT = "%10s  %-18s %-5s %3s  %-10s  %-16s %4d %4s  mapcount:%d mapping:%s index:%s\n"


def _sb_names(prog: Program, l: DaxLayout, host: int) -> Tuple[int, Optional[str], Optional[str]]:
    sb, sid, fst = 0, None, None
    if _kptr_ok(host):
        v = _u64(prog, host + l.i_sb)
        if v is not None and _kptr_ok(v):
            sb = v
            sid = _read_str(prog, sb + l.sb_id, 39)
            t = _u64(prog, sb + l.sb_type)
            if t is not None and _kptr_ok(t):
                name = _u64(prog, t + l.fst_name)
                if name is not None:
                    fst = _read_str(prog, name, 31)
    elif host is not None:
        pass
    return sb, sid, fst


class _MapCtx:
    def __init__(self, prog, l, pgmaps, pages, json):
        self.prog = prog
        self.l = l
        self.pgmaps = pgmaps
        self.pages = pages
        self.json = json
        self.nr_listed = 0
        self.json_pages: List[dict] = []
        self.pend: List[MemmapPage] = []
        self.nover = 0

    def page_cb(self, me, p: MemmapPage, idle: int) -> None:
        if not self.pages:
            return
        self.nr_listed += 1
        if self.nr_listed > _MAX_LISTED:
            return
        if self.json:
            self.json_pages.append(
                {
                    "pfn": p.pfn,
                    "page": hexs(p.addr),
                    "refcount": p.refcount,
                    "idle_refcount": idle,
                    "mapcount_raw": p.mapcount_raw,
                    "mapping": hexs(p.mapping),
                    "index": p.index,
                    "tail": p.tail,
                }
            )
        elif len(self.pend) < _MAP_PENDING:
            self.pend.append(p)
        else:
            self.nover += 1


def _show_mapping(c: _MapCtx, m: DaxMapping, era: DaxEra, out: TextIO) -> Optional[dict]:
    prog, l = c.prog, c.l
    by_order: Dict[int, int] = {}
    locked = zero = empty = total = other = busy = mism = 0
    c.nr_listed = 0
    sb, sid, fst = _sb_names(prog, l, m.host)
    dentry, dname = inode_dentry(prog, l, m.host)
    if c.json:
        d = {
            "inode": hexs(m.host),
            "ino": m.ino,
            "sb": hexs(sb),
            "sb_id": sid if sid is not None else "",
            "fs": fst if fst is not None else "",
            "i_flags": hexs(m.i_flags),
            "dax": bool(m.i_flags & l.s_dax),
            "mapping": hexs(m.mapping),
            "i_pages": hexs(m.i_pages),
            "nrpages": m.nrpages,
            "dentry": hexs(dentry),
            "dentry_name": dname,
        }
        entries: List[dict] = []
    else:
        # the file's name in display form: one line per file whatever it holds (escape.py)
        out.write(
            "INODE: %s  INO: %d  SB: %s (%s)  MAPPING: %s  NRPAGES: %d  NAME: %s\n"
            % (
                _x(m.host),
                m.ino,
                sid if sid is not None else "?",
                fst if fst is not None else "?",
                _x(m.mapping),
                m.nrpages,
                '"%s"' % dname if dname is not None else "-",
            )
        )
        out.write(
            _MAP_HDR
            % ("INDEX", "RAW", "FLAGS", "ORD", "PFN", "PAGE", "REFS", "BUSY", "ASSOC", "PGMAP")
        )
    for leaf in m.leaves:
        c.json_pages = []
        c.pend, c.nover = [], 0
        me = dax_entry_analyse(
            prog, l, c.pgmaps, m, era, leaf, c.page_cb if c.pages else None
        )
        e = me.e
        if not e.is_entry:
            other += 1
            if c.json:
                ent = {"pages": []} if c.pages else {}
                ent.update(
                    index=leaf.index,
                    nr_indices=leaf.nr,
                    raw=hexs(leaf.raw),
                    kind=leaf.kind,
                    is_dax_entry=False,
                )
                entries.append(ent)
            else:
                out.write("%10d  %-18s not a DAX entry (%s)\n" % (leaf.index, _c(leaf.raw), leaf.kind))
            continue
        by_order[e.order & 63] = by_order.get(e.order & 63, 0) + 1
        total += 1 << e.order
        locked += bool(e.flags & DAX_F_LOCKED)
        zero += bool(e.flags & DAX_F_ZERO)
        empty += bool(e.flags & DAX_F_EMPTY)
        busy += me.busy
        mism += me.assoc == "mismatch"
        letters = dax_flag_letters(e.flags)
        if c.json:
            ent = {"pages": c.json_pages} if c.pages else {}
            ent.update(
                index=leaf.index,
                nr_indices=leaf.nr,
                raw=hexs(leaf.raw),
                kind=leaf.kind,
                is_dax_entry=True,
                flags=letters,
                flag_names=dax_flag_names(e),
                order=e.order,
                order_mismatch=me.order_mismatch,
            )
            if era.payload == "pfn":
                ent["pfn"] = me.pfn
                ent["page"] = hexs(me.page) if me.page else None
                ent["refcount"] = me.refcount if me.page_ok else None
                ent["mapcount_raw"] = me.mapcount_raw if me.page_ok else None
            else:
                ent["sector"] = e.payload
            ent["busy_pages"] = me.busy
            ent["unreadable_pages"] = me.unreadable
            ent["assoc"] = me.assoc
            if me.assoc == "mismatch":
                ent["assoc_first_bad_pfn"] = me.assoc_bad_pfn
            ent["pgmap"] = hexs(me.pgmap.addr) if me.pgmap is not None else None
            entries.append(ent)
            continue
        if me.page_ok:
            refs = "%d" % me.refcount
        else:
            refs = "n/a" if me.page else "-"
        out.write(
            _MAP_FMT
            % (
                leaf.index,
                _c(leaf.raw),
                letters,
                e.order,
                _c(e.payload) if era.payload == "pfn" else "sector",
                _x(me.page) if me.page else "-",
                refs,
                me.busy,
                me.assoc + ("!ord" if me.order_mismatch else ""),
                _x(me.pgmap.addr) if me.pgmap is not None else "-",
            )
        )
        for p in c.pend:
            out.write(
                _PAGE_FMT
                % ("", "  page", "", "", _c(p.pfn), _x(p.addr), p.refcount, "",
                   p.mapcount_raw + 1, _x(p.mapping), _c(p.index))
            )
        if c.nover:
            out.write("%10s    ... %d more pages that are not idle\n" % ("", c.nover))
    nentries = len(m.leaves) - other
    if c.json:
        d["entries"] = entries
        d["summary"] = {
            "entries": nentries,
            "by_order": {str(o): by_order[o] for o in sorted(by_order)},
            "locked": locked,
            "zero": zero,
            "empty": empty,
            "not_dax_entries": other,
            "busy_pages": busy,
            "assoc_mismatch": mism,
            "sum_pages": total,
            "nrpages_matches": total == m.nrpages,
        }
        d["walk"] = {
            "nodes": m.walk.nodes,
            "errors": m.walk.errors,
            "error": m.walk.error or None,
        }
        return d
    orders = ", ".join(f"order {o}: {by_order[o]}" for o in sorted(by_order))
    out.write(
        "  ENTRIES: %d (%s)  LOCKED: %d  ZERO: %d  EMPTY: %d  BUSY PAGES: %d\n"
        % (nentries, orders, locked, zero, empty, busy)
    )
    out.write(
        "  NRPAGES: %d %s sum of 2^order: %d%s\n"
        % (
            m.nrpages,
            "=" if total == m.nrpages else "!=",
            total,
            "  (plus slots that are not DAX entries)" if other else "",
        )
    )
    if m.walk.errors:
        out.write("  WALK: %s (%d errors)\n" % (m.walk.error, m.walk.errors))
    return None


def cmd_daxmap(prog: Program, args, out: TextIO, err: TextIO) -> int:
    """daxmap [-a] [-p] [-j] [--era E] [ADDRESS]: DAX entries of a file's page cache."""
    if args.all == (args.address is not None):
        raise UsageError("daxmap [-a] [-p] [-j] [--era E] [inode|address_space|file|dentry]")
    l = _layout_or_error(prog)
    forced = None
    if args.era:
        forced = dax_era(args.era)
        if forced is None:
            raise CommandError(f'unknown era "{args.era}" (daxent --era all lists them)')
    mappings: List[int] = []
    if args.all:
        errors: List[str] = []
        for sb, inode in for_each_dax_inode(prog, l, errors):
            mp = _u64(prog, inode + l.i_mapping)
            if mp is None or not _kptr_ok(mp):
                continue
            if len(mappings) >= 65536:
                break
            if mp not in mappings:  # a device inode may share the dax inode's mapping
                mappings.append(mp)
        for e in errors:
            err.write(f"daxmap: {e}\n")
    else:
        addr = parse_hex(args.address)
        if addr is None:
            raise CommandError(f'"{args.address}" is not a hexadecimal address')
        r = resolve_mapping(prog, l, addr)
        if r is None:
            raise CommandError(
                f"{_x(addr)} is not an inode, address_space, file or dentry "
                "(no host inode pointing back to a mapping)"
            )
        mappings.append(r[0])
    pgmaps = pgmaps_collect(prog, l)
    maps: List[DaxMapping] = []
    for mp in mappings:
        try:
            m = dax_mapping_load(prog, l, mp)
        except ValueError as e:
            err.write(f"daxmap: {e}\n")
            continue
        # with -a, list mappings that hold something
        if args.all and not m.leaves and m.nrpages == 0:
            continue
        maps.append(m)
    ch = dax_era_choose(l, pgmaps, maps, forced)
    c = _MapCtx(prog, l, pgmaps, args.pages, args.json)
    if args.json:
        d = _doc(prog, "daxmap")
        d["era"] = {"id": ch.era.id, "kernels": ch.era.kernels, "forced": ch.forced, "why": ch.why}
        d["mappings"] = [_show_mapping(c, m, ch.era, out) for m in maps]
        out.write(dumps(d))
        return 0
    out.write(ch.why + "\n")
    for i, m in enumerate(maps):
        if i:
            out.write("\n")
        _show_mapping(c, m, ch.era, out)
    if args.all and not maps:
        out.write("no DAX inode holds entries\n")
    return 0


# ---------------------------------------------------------------- pgmap

_PGMAP_HDR = "%-16s %-9s %-37s %8s %5s %-8s %10s %10s %-8s %s\n"
_PGMAP_FMT = "%-16s %-9s %-37s %8d %5d %-8s %10s %10s %-8s %s\n"
_NONIDLE_FMT = "  %10s  %16s %5d %9d  %16s %8d  %s\n"


def _short_type(t: str) -> str:
    return t[len("MEMORY_DEVICE_"):] if t.startswith("MEMORY_DEVICE_") else t


def _page_entry(prog: Program, l: DaxLayout, p: MemmapPage) -> Optional[int]:
    # The raw word of the DAX entry holding a page: page->mapping must be an
    # address_space whose host points back, and i_pages at page->index.
    if not _kptr_ok(p.mapping):
        return None
    host = _u64(prog, p.mapping + l.as_host)
    if host is None or not _kptr_ok(host) or _u64(prog, host + l.i_mapping) != p.mapping:
        return None
    try:
        return dax_tree_load(prog, p.mapping + l.as_i_pages, p.index, l)
    except ValueError:
        return None


def _census(prog: Program, l: DaxLayout, pm: Pgmap, json: bool, out: TextIO) -> Optional[list]:
    res = []
    for r in range(min(max(pm.nr_range, 0), MAX_RANGES)):
        start, end = pm.start[r] >> 12, (pm.end[r] + 1) >> 12
        listed: List[dict] = []
        count = [0]

        def cb(p: MemmapPage, idle: int) -> bool:
            count[0] += 1
            if count[0] > _MAX_LISTED:
                return False
            raw = None if p.tail else _page_entry(prog, l, p)
            if json:
                listed.append(
                    {
                        "pfn": p.pfn,
                        "page": hexs(p.addr),
                        "refcount": p.refcount,
                        "mapcount_raw": p.mapcount_raw,
                        "mapping": hexs(p.mapping),
                        "index": p.index,
                        "compound_head": hexs(p.head),
                        "tail": p.tail,
                        "entry": hexs(raw) if raw else None,
                    }
                )
                return False
            if raw:
                ent = _c(raw)
            elif p.tail:
                ent = f"tail of {_x(p.head)}"
            else:
                ent = "-"
            out.write(
                _NONIDLE_FMT
                % (_c(p.pfn), _x(p.addr), p.refcount, p.mapcount_raw + 1, _x(p.mapping),
                   p.index, ent)
            )
            return False

        if not json:
            out.write(
                "\nCENSUS %s range %d: pfn %s-%s\n" % (_x(pm.addr), r, _c(start), _c(end - 1))
            )
            out.write(
                "  NON-IDLE PAGES (idle refcount: %d, tails 0):\n"
                % idle_refcount(l.refmodel, pm.type, False)
            )
            out.write(
                "  %10s  %16s %5s %9s  %16s %8s  %s\n"
                % ("PFN", "PAGE", "REFS", "MAPCOUNT", "MAPPING", "INDEX", "DAX ENTRY")
            )
        t0 = time.monotonic()
        cz = memmap_census(prog, l, pm, start, end, cb)
        dt = time.monotonic() - t0
        if json:
            res.append(
                {
                    "nonidle": listed,
                    "start": cz.start,
                    "end": cz.end,
                    "pages": cz.pages,
                    "unreadable": cz.unreadable,
                    "unreadable_why": cz.unreadable_why or None,
                    "tails": cz.tails,
                    "altmap_skipped": cz.altmap_skipped,
                    "histogram": {str(k): v for k, v in sorted(cz.histogram.items())},
                    "histogram_other": cz.histogram_other,
                    "nonidle_total": cz.nonidle_total,
                    "nonidle_tails": cz.nonidle_tails,
                    "nonidle_truncated": cz.nonidle_total > _MAX_LISTED,
                    "reads": cz.reads,
                }
            )
            continue
        if cz.nonidle_total == 0:
            out.write("  (none)\n")
        elif cz.nonidle_total > _MAX_LISTED:
            out.write("  ... %d more not shown\n" % (cz.nonidle_total - _MAX_LISTED))
        out.write("  REFCOUNT HISTOGRAM:\n")
        for k in sorted(cz.histogram):
            out.write("  %10d  %d\n" % (k, cz.histogram[k]))
        if cz.histogram_other:
            out.write("  %10s  %d\n" % ("other", cz.histogram_other))
        out.write(
            "  PAGES: %d  TAILS: %d  NON-IDLE: %d  UNREADABLE: %d  ALTMAP: %d  (%d reads, %.3f s)\n"
            % (cz.pages, cz.tails, cz.nonidle_total, cz.unreadable, cz.altmap_skipped,
               cz.reads, dt)
        )
        if cz.unreadable:
            out.write("  UNREADABLE: %s\n" % cz.unreadable_why)
    return res if json else None


def _pgmap_owner(prog: Program, l: DaxLayout, pm: Pgmap) -> Optional[str]:
    """The device owning a pgmap: P2PDMA's providing PCI device, else the DAX device."""
    dm = pm.devmem
    if dm is not None and dm.p2p_read and dm.provider_name:
        return dm.provider_name
    return pgmap_owner_name(dax_owners(prog, l), pm.addr, pm.owner)


def _devmem_json(dm) -> Optional[dict]:
    """Device-private census and P2PDMA provider/pool (devmem.py); None if neither."""
    if dm is None or (not dm.census_read and not dm.p2p_read and not dm.error):
        return None
    d: dict = {}
    if dm.census_read:
        d.update(allocated_pages=dm.allocated, unmapped_allocated_pages=dm.unmapped,
                 unreadable_pages=dm.unreadable)
    if dm.p2p_read:
        d.update(provider=hexs(dm.provider), provider_name=dm.provider_name or None,
                 pool=hexs(dm.pool), pool_bytes=dm.pool_bytes,
                 pool_allocated_bytes=dm.pool_bytes - dm.pool_avail)
    d["error"] = dm.error or None
    return d


def _pgmap_json(prog: Program, l: DaxLayout, pm: Pgmap, census: bool, out: TextIO) -> dict:
    nr = min(max(pm.nr_range, 0), MAX_RANGES)
    d = {
        "address": hexs(pm.addr),
        "type": pm.type_value,
        "type_name": None if pm.type == MT_UNKNOWN else pm.type,
        "flags": hexs(pm.flags),
        "altmap_valid": pm.altmap_valid,
        "altmap": {
            "base_pfn": pm.am_base_pfn,
            "end_pfn": pm.am_end_pfn,
            "reserve": pm.am_reserve,
            "free": pm.am_free,
            "align": pm.am_align,
            "alloc": pm.am_alloc,
        },
        "altmap_offset": pm.altmap_offset,
        "vmemmap_shift": pm.vmemmap_shift,
        "nr_range": pm.nr_range,
        "ranges": [
            {
                "start": hexs(pm.start[r]),
                "end": hexs(pm.end[r]),
                "pfn_first": pm.pfn_first[r],
                "pfn_end": pm.pfn_end[r],
                "pfn_len": ((pm.pfn_end[r] - pm.pfn_first[r]) & _U64) >> pm.vmemmap_shift,
            }
            for r in range(nr)
        ],
        "registry": {"first_pfn": pm.reg_first, "last_pfn": pm.reg_last, "pfns": pm.reg_pfns},
        "ops": hexs(pm.ops),
        "ops_symbol": _symname(prog, pm.ops),
        "owner": hexs(pm.owner),
        "owner_symbol": _symname(prog, pm.owner),
        "owner_device": _pgmap_owner(prog, l, pm),
        "devmem": _devmem_json(pm.devmem),
        "done": pm.done,
    }
    ref: dict = {"address": hexs(pm.ref_addr)}
    if pm.ref is not None:
        r, s = pm.ref, pm.ref_state
        ref.update(
            percpu_count_ptr=hexs(r.percpu_count_ptr),
            data=hexs(r.data),
            flags=hexs(r.percpu_count_ptr & PERCPU_REF_ATOMIC_DEAD),
            atomic=hexs(r.count),
            release_symbol=_symname(prog, r.release),
            confirm_switch=hexs(r.confirm_switch),
            data_ref=hexs(r.data_ref),
            mode=s.mode,
            percpu=[
                {"cpu": cpu, "value": v - (1 << 64) if v >> 63 else v} for cpu, v in r.percpu
            ],
            percpu_sum=r.percpu_sum - (1 << 64) if r.percpu_sum >> 63 else r.percpu_sum,
            true_count=s.true_count if s.count_known else None,
            true_count_rule=s.rule,
            error=None,
        )
    else:
        ref.update(mode=None, true_count=None, error=pm.ref_error)
    d["ref"] = ref
    e = pm.expect
    d["expected"] = {
        "model": l.refmodel,
        "applies": e.applies,
        "count": e.expected if e.applies else None,
        "count_max": max(e.expected, e.expected_max) if e.applies else None,
        "bulk": e.bulk,
        "rule": e.rule,
    }
    d["verdict"] = pm.verdict
    if census:
        d["census"] = _census(prog, l, pm, True, out)
    return d


def _memmap_on_device_missing(prog: Program, l: DaxLayout, pm: Pgmap) -> bool:
    """A pgmap with a valid altmap (namespace ``--map=dev``) keeps its struct pages in the
    device's own memory, which a kdump of System RAM never holds: probed on the first pfn
    after the altmap's reserve (``vmem_altmap_offset()``).  As dax.c's."""
    if not pm.altmap_valid or pm.nr_range < 1:
        return False
    return page_describe(prog, l, (pm.start[0] >> 12) + pm.altmap_offset) is None


def _memmap_on_device(pm: Pgmap) -> str:
    return (
        f"struct pages of pgmap {_x(pm.addr)} (pfn {_c(pm.start[0] >> 12)}-{_c(pm.end[0] >> 12)})"
        " are in device memory (altmap, namespace map=dev) and not in this dump: no page "
        "refcounts, census or page checks for it; pgmap, percpu_ref and DAX entries are still read"
    )


def _pgmap_line(prog: Program, l: DaxLayout, pm: Pgmap, out: TextIO) -> None:
    nr = min(max(pm.nr_range, 0), MAX_RANGES)
    rng = f"{_c(pm.start[0])}-{_c(pm.end[0])}" if nr else "0-0"
    st = pm.ref_state
    tc = "%d" % st.true_count if st is not None and st.count_known else "-"
    ex = "%d" % pm.expect.expected if pm.expect.applies else "-"
    if pm.expect.applies and pm.expect.expected_max > pm.expect.expected:
        ex = "%d-%d" % (pm.expect.expected, pm.expect.expected_max)
    alt = "%d" % pm.altmap_offset if pm.altmap_valid else "-"
    pages = sum(((pm.end[r] + 1) >> 12) - (pm.start[r] >> 12) for r in range(nr))
    out.write(
        _PGMAP_FMT
        % (_x(pm.addr), _short_type(pm.type), rng, pages, pm.vmemmap_shift, alt, tc, ex,
           pm.verdict, st.mode if st is not None else pm.ref_error)
    )
    for r in range(1, nr):
        out.write("%-16s %-9s %s\n" % ("", "", f"{_c(pm.start[r])}-{_c(pm.end[r])}"))
    psum = pm.ref.percpu_sum if pm.ref is not None else 0
    psum = psum - (1 << 64) if psum >> 63 else psum
    on = _pgmap_owner(prog, l, pm)
    out.write(
        "%-16s %-9s device: %s  ops: %s  owner: %s  ref: %s (%s)  percpu sum: %d  rule: %s\n"
        % ("", "", on or "-", _symname(prog, pm.ops) or "-", _x(pm.owner), _x(pm.ref_addr),
           st.rule if st is not None else "unread", psum, pm.expect.rule)
    )
    osym = _symname(prog, pm.owner) if pm.owner else None
    if osym:
        out.write("%-16s %-9s owner: %s\n" % ("", "", osym))
    dm = pm.devmem
    if dm is not None and dm.census_read:
        out.write(
            "%-16s %-9s device-private: %d allocated pages (refcount 1, one pgmap ref each), "
            "%d of them mapped by no process\n" % ("", "", dm.allocated, dm.unmapped)
        )
    if dm is not None and dm.p2p_read:
        out.write(
            "%-16s %-9s p2pdma: provider %s (pci_dev %s), gen_pool %s: %d KiB, %d KiB allocated\n"
            % ("", "", dm.provider_name or "?", _x(dm.provider), _x(dm.pool),
               dm.pool_bytes >> 10, (dm.pool_bytes - dm.pool_avail) >> 10)
        )
    if dm is not None and dm.error:
        out.write("%-16s %-9s device memory: %s\n" % ("", "", dm.error))
    if _memmap_on_device_missing(prog, l, pm):
        out.write("%-16s %-9s %s\n" % ("", "", _memmap_on_device(pm)))


def cmd_pgmap(prog: Program, args, out: TextIO, err: TextIO) -> int:
    """pgmap [-p] [-j] [ADDRESS|PFN]: dev_pagemaps, percpu_ref true count, page census."""
    l = _layout_or_error(prog)
    want = None
    if args.target is not None:
        want = parse_hex(args.target)
        if want is None:
            raise CommandError(f'"{args.target}" is not a hexadecimal address or pfn')
    s = pgmaps_collect(prog, l)
    if s.error:
        err.write(f"pgmap: {s.error}\n")
    only: Optional[Pgmap] = None
    extra = False
    if want is not None:
        for pm in s.pgmaps:
            if pm.addr == want:
                only = pm
        if only is None and not _kptr_ok(want):
            only = pgmap_of_pfn(s, want)
        if only is None and _kptr_ok(want):
            try:
                only = pgmap_read(prog, l, want)
                extra = True
                err.write(f"pgmap: {_x(want)} is not in the pgmap registry; shown as read\n")
            except ValueError:
                only = None
        if only is None:
            raise CommandError(f"no pgmap at or holding {args.target}")
    shown = [pm for pm in s.pgmaps if only is None or pm is only]
    if extra:
        shown.append(only)
    if args.json:
        d = _doc(prog, "pgmap")
        d["refcount_model"] = l.refmodel
        d["pgmaps"] = [_pgmap_json(prog, l, pm, args.pages, out) for pm in shown]
        out.write(dumps(d))
        return 0
    out.write(
        _PGMAP_HDR
        % ("PGMAP", "TYPE", "RANGE (PHYSICAL, INCLUSIVE)", "PAGES", "SHIFT", "ALTMAP",
           "TRUE COUNT", "EXPECTED", "VERDICT", "REF MODE")
    )
    for pm in shown:
        _pgmap_line(prog, l, pm, out)
    if args.pages:
        for pm in shown:
            _census(prog, l, pm, False, out)
    return 0


# ---------------------------------------------------------------- daxpage, daxdev, daxcheck

_DAXDEV_HDR = "%-16s %-6s %-7s %-35s %-14s %-16s %s\n"
_DAXDEV_FMT = "%-16s %-6s %-7s %-35s %-14s %-16s %s\n"
_CHECK_INDENT = " " * 17


def _report(prog: Program, l: DaxLayout, fresh: bool) -> Report:
    # The last report, kept for daxpage: a dump does not change, so one
    # daxcheck run serves every daxpage; daxcheck always runs afresh, and on
    # a live kernel nothing is kept.
    key = "daxtriage.report"
    if not fresh and not is_live(prog) and key in prog.cache:
        return prog.cache[key]
    r = dax_check_all(prog, l)
    if not is_live(prog):
        prog.cache[key] = r
    return r


def _finding_json(r: Report, f: Finding) -> dict:
    bc = r.bug_class(f)
    return {
        "check": f.check.id,
        "severity": f.severity,
        "title": f.check.title,
        "headline": f.headline,
        "object": f.object,
        "evidence": f.evidence,
        "means": f.check.means,
        "next": f.check.next,
        "bug_class": {"name": bc.name, "thread": bc.thread} if bc is not None else None,
        "pfn": f.pfn if f.has_pfn else None,
        "page": hexs(f.page),
        "pgmap": hexs(f.pgmap),
        "mapping": hexs(f.mapping),
        "inode": hexs(f.inode),
        "ino": f.ino,
        "refcount": f.refcount if f.refcount >= 0 else None,
        "entry": {
            "index": f.entry_index,
            "raw": hexs(f.entry),
            "pfn": f.entry_pfn,
            "order": f.entry_order,
        }
        if f.has_entry
        else None,
        "fault": {
            "address": hexs(f.fault_address),
            "function": f.fault_function,
            "rip": f.fault_rip,
            "members": list(f.members),
        }
        if f.has_fault
        else None,
        "tasks": [
            {"pid": t.pid, "comm": t.comm, "state": t.state, "task": hexs(t.task), "frame": t.frame}
            for t in f.tasks
        ],
        "holders": [
            {
                "kind": "pipe",
                "pid": h.pid,
                "comm": h.comm,
                "fd": h.fd,
                "pipe": hexs(h.pipe),
                "slot": h.slot,
                "buffer_page": hexs(h.page),
                "ops": h.ops,
            }
            for h in f.holders
        ],
        "holders_note": f.holders_note or None,
    }


def _finding_text(f: Finding, verbose: bool, out: TextIO) -> None:
    ind = _CHECK_INDENT
    out.write("%-8s %-7s %s\n" % (f.severity, f.check.id, f.headline))
    out.write(f"{ind}object:   {f.object}\n")
    out.write(f"{ind}evidence: {f.evidence}\n")
    if f.dump_page:
        out.write(f"{ind}{f.dump_page}\n")
    if f.has_fault:
        members = ",".join(f" {m}" for m in f.members) or " no known member"
        out.write(f"{ind}fault:    {_c(f.fault_address)} in {f.fault_rip}:{members}\n")
    for t in f.tasks:
        out.write(
            f"{ind}task:     pid {t.pid} ({t.comm}) state {t.state} task {_x(t.task)} "
            f"in {t.frame}\n"
        )
    for h in f.holders:
        tail = f", tail page {_x(h.page)}" if h.page != f.page else ""
        out.write(
            f"{ind}holder:   pid {h.pid} ({h.comm}) fd {h.fd}: pipe {_x(h.pipe)} buffer {h.slot} "
            f"({h.ops}{tail})\n"
        )
    if f.holders_note:
        out.write(f"{ind}holder:   {f.holders_note}\n")
    if verbose or f.severity != SEVERITY_INFO:
        out.write(f"{ind}means:    {f.check.means}\n")
        out.write(f"{ind}next:     {f.check.next}\n")


def _by_severity(findings: List[Finding]) -> List[Finding]:
    # errors first, then warnings, then info; report order within each
    return [f for sev in (SEVERITY_ERROR, SEVERITY_WARNING, SEVERITY_INFO) for f in findings
            if f.severity == sev]  # fmt: skip


def cmd_daxcheck(prog: Program, args, out: TextIO, err: TextIO) -> int:
    """daxcheck [-v] [-j]: the triage checks of share/checks.json."""
    l = _layout_or_error(prog)
    t0 = time.monotonic()
    r = _report(prog, l, True)
    dt = time.monotonic() - t0
    era = r.era.era.id if r.era is not None else None
    if args.json:
        d = _doc(prog, "daxcheck")
        d["era"] = era
        d["refcount_model"] = l.refmodel
        d["scanned"] = {
            "pgmaps": r.pgmaps,
            "mappings": r.mappings,
            "entries": r.entries,
            "pages": r.pages,
            "tasks": r.tasks,
            "blocked_tasks": r.blocked_tasks,
            "dax_devices": r.daxdevs,
        }
        d["findings"] = [_finding_json(r, f) for f in r.findings]
        d["checks"] = [
            {
                "id": s.check.id,
                "severity": s.check.severity,
                "title": s.check.title,
                "evaluated": s.evaluated,
                "objects": s.objects,
                "note": s.note or None,
            }
            for s in r.states
        ]
        d["notes"] = list(r.notes)
        d["summary"] = {
            "error": r.count(SEVERITY_ERROR),
            "warning": r.count(SEVERITY_WARNING),
            "info": r.count(SEVERITY_INFO),
        }
        out.write(dumps(d))
        return 0
    out.write(
        "daxcheck: %d pgmaps, %d DAX mappings (%d entries), %d pages, %d tasks "
        "(%d breaking layouts), %d dax_devices; era %s, refcounts %s (%.2f s)\n"
        % (r.pgmaps, r.mappings, r.entries, r.pages, r.tasks, r.blocked_tasks, r.daxdevs,
           era or "?", l.refmodel, dt)
    )  # fmt: skip
    for f in _by_severity(r.findings):
        _finding_text(f, args.verbose, out)
    if args.verbose:
        out.write("\nCHECKS:\n")
        for s in r.states:
            n = sum(1 for f in r.findings if f.check.id == s.check.id)
            out.write(
                "  %-7s %-8s %-13s %3d finding%s  %s%s%s\n"
                % (s.check.id, s.check.severity, "evaluated" if s.evaluated else "not evaluated",
                   n, " " if n == 1 else "s", s.check.title, ": " if s.note else "", s.note)
            )  # fmt: skip
    for n in r.notes:
        out.write(f"NOTE: {n}\n")
    ne, nw = r.count(SEVERITY_ERROR), r.count(SEVERITY_WARNING)
    out.write(
        "SUMMARY: %d error%s, %d warning%s, %d info\n"
        % (ne, "" if ne == 1 else "s", nw, "" if nw == 1 else "s", r.count(SEVERITY_INFO))
    )
    return 0


def _kind_name(kind: Optional[str]) -> str:
    return kind if kind is not None else "?"


def cmd_daxdev(prog: Program, args, out: TextIO, err: TextIO) -> int:
    """daxdev [-j]: dax_devices, device-dax, pmem devices, the filesystems on them."""
    l = _layout_or_error(prog)
    s = dax_devices(prog, l)
    if args.json:
        d = _doc(prog, "daxdev")
        devs = []
        for x in s.devices:
            o = {
                "address": hexs(x.addr),
                "inode": hexs(x.inode),
                "kind": x.kind,
                "name": x.name or None,
                "major": x.rdev >> 20,
                "minor": x.rdev & 0xFFFFF,
                "flags": hexs(x.flags),
                "flag_names": x.flag_names if x.flags_known else None,
                "alive": x.alive,
                "ops": hexs(x.ops),
                "ops_symbol": _symname(prog, x.ops),
                "private": hexs(x.private),
            }
            if x.has_holder:
                o["holder_data"] = hexs(x.holder_data)
                o["holder_ops"] = hexs(x.holder_ops)
                o["holder_ops_symbol"] = _symname(prog, x.holder_ops)
            o["gendisk"] = hexs(x.gendisk)
            o["pmem"] = (
                {
                    "address": hexs(x.private),
                    "phys_addr": hexs(x.phys_addr),
                    "data_offset": hexs(x.data_offset),
                    "size": hexs(x.size),
                    "pgmap": hexs(x.pmem_pgmap),
                    "disk": hexs(x.disk),
                }
                if x.pmem_read
                else None
            )
            o["mounted"] = [
                {"sb": hexs(b.sb), "fs": b.fs, "id": b.id}
                for b in s.superblocks
                if b.known and b.daxdev == x.addr
            ]
            devs.append(o)
        d["dax_devices"] = devs
        dds = []
        for x in s.dev_dax:
            o = {"address": hexs(x.addr), "device": hexs(x.dev), "name": x.name or None,
                 "read": x.read_ok}  # fmt: skip
            if x.read_ok:
                o.update(
                    dax_dev=hexs(x.dax_dev),
                    pgmap=hexs(x.pgmap),
                    align=x.align,
                    id=x.id,
                    target_node=x.target_node,
                    ranges=[{"pgoff": p, "start": hexs(a), "end": hexs(b)} for p, a, b in x.ranges],
                    region=hexs(x.region),
                )
                if x.region_read:
                    o["region_info"] = {
                        "id": x.region_id,
                        "align": x.region_align,
                        "start": hexs(x.res_start),
                        "end": hexs(x.res_end),
                        "device": x.region_dev or None,
                    }
            dds.append(o)
        d["dev_dax"] = dds
        d["superblocks"] = [
            {"sb": hexs(b.sb), "fs": b.fs, "id": b.id, "known": b.known,
             "dax_dev": hexs(b.daxdev) if b.known else None}
            for b in s.superblocks
        ]  # fmt: skip
        d["missing_debuginfo"] = list(s.missing)
        d["error"] = s.error or None
        out.write(dumps(d))
        return 0
    if s.error:
        err.write(f"daxdev: {s.error}\n")
    out.write(_DAXDEV_HDR % ("DAX_DEVICE", "KIND", "NAME", "FLAGS", "OPS", "PRIVATE", "HOLDER"))
    for x in s.devices:
        if not x.has_holder:
            holder = "(no holder in this kernel)"
        elif not x.holder_data and not x.holder_ops:
            holder = "-"
        else:
            holder = f"{_x(x.holder_data)} {_symname(prog, x.holder_ops) or '-'}"
        out.write(
            _DAXDEV_FMT
            % (_x(x.addr), _kind_name(x.kind), x.name or "-",
               x.flag_names if x.flags_known else "?", _symname(prog, x.ops) or "-",
               _x(x.private), holder)
        )  # fmt: skip
        if x.pmem_read:
            out.write(
                f"  pmem_device {_x(x.private)}: phys_addr {_c(x.phys_addr)} size {_c(x.size)} "
                f"data_offset {_c(x.data_offset)} pgmap {_x(x.pmem_pgmap)} disk {_x(x.disk)}\n"
            )
        if x.devdax >= 0:
            dd = s.dev_dax[x.devdax]
            line = f"  dev_dax {_x(dd.addr)} {dd.name}: align {_c(dd.align)} pgmap {_x(dd.pgmap)}"
            for p, a, b in dd.ranges:
                line += f" range {_c(a)}-{_c(b)} (pgoff {p})"
            out.write(line + "\n")
            if dd.region_read:
                out.write(
                    f"  dax_region {_x(dd.region)}: id {dd.region_id} {dd.region_dev or '-'} "
                    f"align {_c(dd.region_align)} res {_c(dd.res_start)}-{_c(dd.res_end)}\n"
                )
        for b in s.superblocks:
            if b.known and b.daxdev == x.addr:
                out.write(f"  mounted: {b.fs} {b.id} (super_block {_x(b.sb)})\n")
    for dd in s.dev_dax:
        if not dd.read_ok:
            out.write(f"  dax bus device {_x(dd.dev)} {dd.name}: struct dev_dax not readable\n")
    for m in s.missing:
        out.write(f"DEBUGINFO MISSING: {m}\n")
    return 0


def cmd_daxpage(prog: Program, args, out: TextIO, err: TextIO) -> int:
    """daxpage [-j] PFN|PAGE: one page in dump_page() wording, its pgmap, entry and checks."""
    l = _layout_or_error(prog)
    v = parse_hex(args.target)
    if v is None:
        raise CommandError(f'"{args.target}" is not a hexadecimal pfn or struct page address')
    if _kptr_ok(v, 0):
        pfn = page_to_pfn(l, v)
        if pfn is None:
            raise CommandError(f"{_x(v)} is not a struct page address of the vmemmap")
    else:
        pfn = v
    pi = page_describe(prog, l, pfn)
    if pi is None:
        dev = pgmap_of_pfn(pgmaps_collect(prog, l), pfn)
        if dev is not None and _memmap_on_device_missing(prog, l, dev):
            raise CommandError(f"pfn {_c(pfn)}: {_memmap_on_device(dev)}")
        raise CommandError(
            f"struct page of pfn {_c(pfn)} is not in the dump (memmap on the device with "
            "map=dev, excluded by makedumpfile, or not a valid pfn)"
        )
    p, hp = pi.p, pi.hp
    pms = pgmaps_collect(prog, l)
    devs = dax_devices(prog, l)
    pm = pgmap_of_pfn(pms, pfn)
    owner = pgmap_owner_name(devs, pm.addr, pm.owner) if pm is not None else None
    # page_to_pgoff(): a tail's index is its head's plus its position
    pgoff = (hp.index + (pfn - hp.pfn)) & _U64 if p.tail else p.index
    raw, e, is_map, mode = 0, None, False, 0
    if _kptr_ok(hp.mapping):
        host = _u64(prog, hp.mapping + l.as_host)
        if host is not None and _kptr_ok(host) and _u64(prog, host + l.i_mapping) == hp.mapping:
            is_map = True
            try:
                mode = int.from_bytes(prog.read(host + l.i_mode, 2), "little")
            except (FaultError, ValueError):
                mode = 0
            try:
                raw = dax_tree_load(prog, hp.mapping + l.as_i_pages, pgoff, l)
            except ValueError:
                raw = 0
            if raw:
                e = dax_entry_decode(l.era, raw)
                if not e.is_entry:
                    e = None
    r = _report(prog, l, False)

    def covers(f: Finding) -> bool:
        return finding_covers_pfn(f, pfn) or (p.tail and finding_covers_pfn(f, hp.pfn))

    if args.json:
        d = _doc(prog, "daxpage")
        # the page's own words (as pgmap -p and truth.json), then dump_page()'s view
        d.update(
            pfn=pfn,
            page=hexs(p.addr),
            refcount=p.refcount,
            mapcount_raw=p.mapcount_raw,
            mapping=hexs(p.mapping),
            index=p.index,
            flags=hexs(p.flags),
        )
        d["dump_page"] = {
            "refcount": hp.refcount,
            "mapcount": pi.mapcount,
            "mapping": hexs(hp.mapping),
            "index": pgoff,
        }
        d["flags_decoded"] = pi.flagstr
        d["zone"] = pi.zone if pi.zone_known else None
        d["compound"] = pi.compound
        d["tail"] = p.tail
        d["head"] = hexs(pi.head)
        if pi.compound and pi.compound_known:
            d["order"] = pi.order
            d["compound_mapcount"] = pi.compound_mapcount
            d["compound_pincount"] = pi.compound_pincount
        else:
            d["order"] = None
        d["aops"] = pi.aops if pi.mapping_kind in (MAPPING_FILE, MAPPING_NO_HOST) else None
        d["ino"] = pi.ino if pi.mapping_kind == MAPPING_FILE else None
        d["dentry_name"] = pi.dname or None
        d["pgmap"] = (
            {
                "address": hexs(pm.addr),
                "type_name": None if pm.type == MT_UNKNOWN else pm.type,
                "start": hexs(pm.start[0] if pm.start else 0),
                "end": hexs(pm.end[0] if pm.end else 0),
                "owner_device": owner,
            }
            if pm is not None
            else None
        )
        d["entry"] = (
            {
                "index": pgoff & ~((1 << e.order) - 1),
                "raw": hexs(raw),
                "flags": dax_flag_letters(e.flags),
                "order": e.order,
                "pfn": e.payload,
            }
            if e is not None
            else None
        )
        d["findings"] = [_finding_json(r, f) for f in r.findings if covers(f)]
        out.write(dumps(d))
        return 0
    out.write(
        f"page:{_x(p.addr)} refcount:{hp.refcount} mapcount:{pi.mapcount} "
        f"mapping:{_x(hp.mapping)} index:{_c(pgoff)} pfn:{_c(pfn)}\n"
    )
    if pi.compound:
        order = "%d" % pi.order if pi.compound_known else "?"
        if pi.folio_wording:
            out.write(
                f"head:{_x(pi.head)} order:{order} entire_mapcount:{pi.compound_mapcount} "
                f"pincount:{pi.compound_pincount}\n"
            )
        else:
            out.write(
                f"head:{_x(pi.head)} order:{order} compound_mapcount:{pi.compound_mapcount} "
                f"compound_pincount:{pi.compound_pincount}\n"
            )
    if pi.mapping_kind == MAPPING_FILE and pi.dname:
        out.write(f'aops:{pi.aops} ino:{_x(pi.ino)} dentry name:"{pi.dname}"\n')
    elif pi.mapping_kind == MAPPING_FILE:
        out.write(f"aops:{pi.aops} ino:{_x(pi.ino)}\n")
    elif pi.mapping_kind == MAPPING_NO_HOST:
        out.write(f"aops:{pi.aops}\n")
    elif pi.mapping_kind == MAPPING_UNREADABLE:
        out.write("failed to read mapping contents, not a valid kernel address?\n")
    elif pi.mapping_kind == MAPPING_MARKER:
        out.write(
            f"mapping:{_x(hp.mapping)} is a marker (PAGE_MAPPING_ANON/MOVABLE bits; 0x1 is "
            "PAGE_MAPPING_DAX_COW on fsdax 6.0-6.1)\n"
        )
    out.write(f"flags: {pi.flagstr}\n")
    for k in range(0, len(pi.raw) - 31, 32):
        words = struct.unpack_from("<4Q", pi.raw, k)
        out.write("raw: " + " ".join("%016x" % w for w in words) + "\n")
    if pm is not None:
        out.write(
            f"pgmap:{_x(pm.addr)} type:{pm.type} range:{_c(pm.start[0] if pm.start else 0)}-"
            f"{_c(pm.end[0] if pm.end else 0)} owner:{owner or '-'}\n"
        )
    else:
        out.write(
            f"pgmap: none (pfn {_c(pfn)} is in no dev_pagemap range: not a ZONE_DEVICE page)\n"
        )
    if e is not None:
        first = pgoff & ~((1 << e.order) - 1)
        out.write(
            f"dax entry: {_c(raw)} at index {_c(pgoff)} (covers {_c(first)}-"
            f"{_c(first + (1 << e.order) - 1)}): {dax_flag_letters(e.flags)} order {e.order} "
            f"pfn {_c(e.payload)}; this is page {pfn - e.payload if pfn >= e.payload else 0} "
            "of the entry\n"
        )
    elif is_map and mode & 0o170000 == 0o020000:
        out.write(
            "dax entry: none (a device-dax mapping: dax_set_mapping() sets page->mapping, no "
            "entries are stored)\n"
        )
    elif is_map:
        out.write(f"dax entry: none at index {_c(pgoff)} of mapping {_x(hp.mapping)}\n")
    shown = [f for f in _by_severity(r.findings) if covers(f)]
    if shown:
        out.write("checks:\n")
        for f in shown:
            _finding_text(f, False, out)
    else:
        out.write("checks: none failed\n")
    return 0


# ---------------------------------------------------------------- dispatch


def _layout_or_error(prog: Program) -> DaxLayout:
    l = dax_layout(prog)
    if not l.ok:
        raise CommandError(explain_layout_error(prog, l.error))
    return l


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # no exit: the caller prints one line
        raise UsageError(f"{self.format_usage().strip()} ({message})")


def _parser_daxent() -> argparse.ArgumentParser:
    p = _Parser(prog="daxent", description="decode a DAX page-cache entry word")
    p.add_argument("--era", help="decode under era E, or all")
    p.add_argument("-j", dest="json", action="store_true", help="one JSON document")
    p.add_argument("value", help="the raw slot word, hexadecimal")
    return p


def _parser_daxmap() -> argparse.ArgumentParser:
    p = _Parser(prog="daxmap", description="DAX entries of a file's page cache")
    p.add_argument("-a", dest="all", action="store_true", help="every DAX inode")
    p.add_argument("-p", dest="pages", action="store_true", help="list non-idle pages")
    p.add_argument("-j", dest="json", action="store_true", help="one JSON document")
    p.add_argument("--era", help="force era E (see daxent)")
    p.add_argument("address", nargs="?", help="inode|address_space|file|dentry, hexadecimal")
    return p


def _parser_pgmap() -> argparse.ArgumentParser:
    p = _Parser(prog="pgmap", description="ZONE_DEVICE dev_pagemaps, percpu_ref, page census")
    p.add_argument("-p", dest="pages", action="store_true", help="page census")
    p.add_argument("-j", dest="json", action="store_true", help="one JSON document")
    p.add_argument("target", nargs="?", help="pgmap address or pfn, hexadecimal")
    return p


def _parser_daxpage() -> argparse.ArgumentParser:
    p = _Parser(prog="daxpage", description="one struct page as dump_page() prints it, "
                "with its pgmap, DAX entry and the checks it fails")  # fmt: skip
    p.add_argument("-j", dest="json", action="store_true", help="one JSON document")
    p.add_argument("target", help="pfn, or struct page address, hexadecimal")
    return p


def _parser_daxdev() -> argparse.ArgumentParser:
    p = _Parser(prog="daxdev", description="dax_devices, device-dax instances, pmem devices "
                "and the filesystems on them")  # fmt: skip
    p.add_argument("-j", dest="json", action="store_true", help="one JSON document")
    return p


def _parser_daxcheck() -> argparse.ArgumentParser:
    p = _Parser(prog="daxcheck", description="the DAX / ZONE_DEVICE triage checks "
                "(share/checks.json)")  # fmt: skip
    p.add_argument("-v", dest="verbose", action="store_true",
                   help="meaning and next step of info findings too, and every check: "
                   "evaluated on how many objects, or why not")  # fmt: skip
    p.add_argument("-j", dest="json", action="store_true", help="one JSON document")
    return p


# name -> (function, parser factory, one-line summary): the commands of dax.so
COMMANDS: Dict[str, Tuple[Callable, Callable[[], argparse.ArgumentParser], str]] = {
    "daxent": (cmd_daxent, _parser_daxent, "decode a DAX page-cache entry word"),
    "daxmap": (cmd_daxmap, _parser_daxmap, "DAX entries of a file's page cache"),
    "pgmap": (cmd_pgmap, _parser_pgmap, "ZONE_DEVICE dev_pagemaps, percpu_ref, page census"),
    "daxpage": (cmd_daxpage, _parser_daxpage, "one struct page, its pgmap, entry and checks"),
    "daxdev": (cmd_daxdev, _parser_daxdev, "DAX devices and the filesystems on them"),
    "daxcheck": (cmd_daxcheck, _parser_daxcheck, "the DAX / ZONE_DEVICE triage checks"),
}


def run(prog: Program, argv: List[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """
    Run one command line (``["daxmap", "-a", "-j"]``) against a program;
    return the exit status (0, 1 for a one-line error, 2 for usage).

    >>> run(prog, ["daxent", "0x3800007"])
    ERA           RAW                KIND  FLAGS ORDER PAYLOAD                  DEFINES
    4.20          0x3800007          value LP    9     pfn 0x1c0000             DAX_LOCKED|DAX_PMD
    0

    :param argv: the command and its options
    """
    if not argv or argv[0] not in COMMANDS:
        err.write(
            "usage: daxtriage.py COMMAND [options]   commands: "
            + ", ".join(f"{n} ({s})" for n, (_, _, s) in COMMANDS.items())
            + "\n"
        )
        return 2
    name = argv[0]
    fn, mk, _ = COMMANDS[name]
    parser = mk()
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        out.write(parser.format_help())
        return 0
    try:
        args = parser.parse_args(argv[1:])
    except UsageError as e:
        err.write(f"{e}\n")
        return 2
    if is_live(prog):
        err.write(
            f"{name}: live kernel: read-only; values are read at different instants "
            "and counters may move between reads (may race)\n"
        )
    # A vmlinux of another kernel reads garbage without failing: say so before anything is
    # read with it (daxent decodes a word without the dump, so it goes on).
    mismatch = vmlinux_mismatch(prog) if prog is not None else None
    if mismatch:
        err.write(f"{name}: {mismatch}\n")
        if name != "daxent":
            return 1
    try:
        return fn(prog, args, out, err)
    except UsageError as e:
        err.write(f"usage: {e}\n")
        return 2
    except CommandError as e:
        err.write(f"{name}: {e}\n")
        return 1


def main(prog: Program, argv: Optional[List[str]] = None) -> int:
    """Entry point of ``drgn/daxtriage.py``: :func:`run` on ``sys.argv[1:]``."""
    return run(prog, list(sys.argv[1:] if argv is None else argv))
