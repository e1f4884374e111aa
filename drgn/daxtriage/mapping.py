# SPDX-License-Identifier: GPL-2.0-or-later
"""
DAX mappings
------------

The ``daxtriage.mapping`` module reads the DAX entries of an
``address_space`` (:linux:`include/linux/fs.h`, :linux:`fs/dax.c`), checks
each against its struct pages and pgmap, finds the DAX inodes of every
superblock, and chooses the entry era by consistency.

The entry bit layout is a ``#define``, not in DWARF: the tree container is
probed from debuginfo, then every candidate era of that container decodes
every entry and the one whose pfns land in pgmap ranges with sane flags
wins (``--era`` overrides it).
"""

import struct
from typing import Iterator, List, NamedTuple, Optional, Sequence, Tuple

from drgn import FaultError, Program

from .memory import CycleCheck
from .memory import read_u64 as _u64
from .encodings import (
    DAX_F_EMPTY,
    DAX_F_ZERO,
    DaxEntry,
    DaxEra,
    dax_entry_decode,
    dax_entry_is_real,
    dax_eras,
)
from .memmap import WINDOW_BYTES, MemmapWindow, entry_page_scan, page_read, pfn_to_page_address
from .pgmap import Pgmap, PgmapSet, pgmap_of_pfn
from .refmodel import MT_FS_DAX, RM_6_15, idle_refcount
from .tree import TreeLeaf, WalkStats, dax_tree_walk

__all__ = (
    "PAGE_MAPPING_DAX_COW",
    "DaxMapping",
    "EraChoice",
    "MapEntry",
    "dax_mapping_load",
    "resolve_mapping",
    "dax_era_choose",
    "dax_entry_analyse",
    "for_each_dax_inode",
    "dax_mapping_entries",
)

# include/linux/page-flags.h (6.0-6.1): the whole page->mapping of a shared
# (reflinked) fsdax page, with page->index as the share count.
PAGE_MAPPING_DAX_COW = 0x1
# Leaves and nodes a mapping walk collects (crash-ext/core/mapping.c MAX_LEAVES, MAX_NODES).
_MAX_LEAVES = 1 << 23
_MAX_NODES = 1 << 18


def _kptr_ok(p: Optional[int], align: int = 8) -> bool:
    return p is not None and p >= 0xFFFF000000000000 and p & (align - 1) == 0


def _c(v: int) -> str:
    return "0" if v == 0 else hex(v)


def _span_mismatch(layout, e: DaxEntry, nr: int) -> bool:
    # Does the tree span of an entry disagree with its decoded order? v4.5-v4.6
    # kernels store a PMD entry in one slot at the PMD-aligned index
    # (layout.pmd_single_slot).
    if not e.order:
        return nr != 1
    return nr != 1 << e.order and not (layout.pmd_single_slot and nr == 1)


class DaxMapping:
    """One ``address_space`` and the leaves of its page-cache tree."""

    def __init__(self, mapping: int) -> None:
        self.mapping = mapping
        self.host = 0
        self.i_pages = 0
        self.nrpages = 0
        self.ino = 0
        self.i_flags = 0
        self.i_mode = 0
        self.leaves: List[TreeLeaf] = []
        self.walk = WalkStats()
        self.window: Optional[MemmapWindow] = None  # the entries' struct pages


def dax_mapping_load(prog: Program, layout, mapping: int) -> DaxMapping:
    """
    Read an ``address_space`` (host, ``nrpages``, the host's ino and flags)
    and collect every leaf of its tree with the bounded walker.

    >>> m = dax_mapping_load(prog, dax_layout(prog), 0xffff8acd7f9af5d8)
    >>> m.nrpages, [(x.index, hex(x.raw)) for x in m.leaves][:2]
    (2048, [(0, '0x2108005'), (512, '0x210c005')])

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param mapping: ``struct address_space *``
    :raises ValueError: the address_space is not readable
    """
    l = layout
    m = DaxMapping(mapping)
    m.i_pages = mapping + l.as_i_pages
    host = _u64(prog, mapping + l.as_host) if _kptr_ok(mapping) else None
    nrpages = _u64(prog, mapping + l.as_nrpages) if host is not None else None
    if host is None or nrpages is None:
        raise ValueError(f"address_space {_c(mapping)} not readable")
    m.host, m.nrpages = host, nrpages
    if _kptr_ok(host):
        m.ino = _u64(prog, host + l.i_ino) or 0
        try:
            m.i_flags = struct.unpack("<I", prog.read(host + l.i_flags, 4))[0]
        except (FaultError, ValueError):
            pass
        try:
            m.i_mode = struct.unpack("<H", prog.read(host + l.i_mode, 2))[0]
        except (FaultError, ValueError):
            pass
    for leaf in dax_tree_walk(prog, m.i_pages, l, l.tree, m.walk, _MAX_NODES, 12):
        if len(m.leaves) >= _MAX_LEAVES:
            # the leaf cap, not the end of the tree: say so rather than show a short mapping
            if not m.walk.errors:
                m.walk.error = (
                    f"stopped after {len(m.leaves)} leaves (the walk's cap); the rest is not shown"
                )
            m.walk.errors += 1
            break
        m.leaves.append(leaf)
    return m


def _is_mapping(prog: Program, l, a: int) -> bool:
    # a is an address_space if its host inode points back to it
    if not _kptr_ok(a):
        return False
    host = _u64(prog, a + l.as_host)
    if not _kptr_ok(host):
        return False
    return _u64(prog, host + l.i_mapping) == a


def resolve_mapping(prog: Program, layout, addr: int) -> Optional[Tuple[int, str]]:
    """
    Say what an address given by a user is: an ``address_space``, or an
    inode, file or dentry leading to one. Return ``(mapping, kind)`` or
    ``None``.

    >>> resolve_mapping(prog, dax_layout(prog), 0xffff8acd7f9af460)
    (18446616395519784408, 'inode')

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param addr: the address
    """
    l = layout
    if not _kptr_ok(addr):
        return None
    if _is_mapping(prog, l, addr):
        return addr, "address_space"
    v = _u64(prog, addr + l.i_mapping)
    if v is not None and _is_mapping(prog, l, v):
        return v, "inode"
    if l.f_mapping >= 0:
        v = _u64(prog, addr + l.f_mapping)
        if v is not None and _is_mapping(prog, l, v):
            return v, "file"
    if l.d_inode >= 0:
        ino = _u64(prog, addr + l.d_inode)
        if _kptr_ok(ino):
            v = _u64(prog, ino + l.i_mapping)
            if v is not None and _is_mapping(prog, l, v):
                return v, "dentry"
    return None


# The era is chosen from the first ERA_SAMPLE leaves of each mapping (crash-ext/core/mapping.h
# DT_ERA_SAMPLE): thousands of entries are evidence enough, and a mapping of millions would
# otherwise be decoded once per era before it is shown.
ERA_SAMPLE = 4096


class EraChoice(NamedTuple):
    era: DaxEra
    forced: bool
    real: int  # real entries under the chosen era
    consistent: int  # those whose pfn lands in a pgmap range
    why: str


def dax_era_choose(
    layout,
    pgmaps: Optional[PgmapSet],
    maps: Sequence[DaxMapping],
    forced: Optional[DaxEra] = None,
) -> EraChoice:
    """
    Choose the entry era by consistency among the eras of the layout's
    container: each decodes the first ``ERA_SAMPLE`` leaves of each mapping;
    unknown bits, ZERO with EMPTY, or a
    tree span that disagrees with the order cost points, a real entry whose
    pfn lands (aligned) in a pgmap range earns them; ties keep the probed
    default.

    >>> dax_era_choose(l, pgmaps_collect(prog, l), [m]).why
    'era 4.20 (4.20-current ...): container probed from debuginfo; 2/2 real entries land in pgmap ranges'

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param pgmaps: from :func:`daxtriage.pgmap.pgmaps_collect()`
    :param maps: mappings from :func:`dax_mapping_load()`
    :param forced: an era given with ``--era``
    """
    l = layout
    if forced is not None:
        return EraChoice(forced, True, 0, 0, f"era {forced.id} forced with --era")
    best, best_score, best_real, best_cons = None, -(1 << 30), 0, 0
    for era in dax_eras():
        if era.container != l.tree:
            continue
        score = real = cons = 0
        for m in maps:
            for leaf in m.leaves[:ERA_SAMPLE]:
                e = dax_entry_decode(era, leaf.raw)
                if not e.is_entry:
                    continue
                if (
                    e.unknown_bits
                    or (e.flags & DAX_F_ZERO and e.flags & DAX_F_EMPTY)
                    or (e.order and _span_mismatch(layout, e, leaf.nr))
                ):
                    score -= 2
                    continue
                if not dax_entry_is_real(e):
                    continue
                real += 1
                if (
                    era.payload == "pfn"
                    and pgmaps is not None
                    and pgmap_of_pfn(pgmaps, e.payload) is not None
                    and e.payload & ((1 << e.order) - 1) == 0
                ):
                    cons += 1
                    score += 2
        # mainline eras first in the table: ties keep the probed default
        if era == l.era:
            score += 1
        if score > best_score:
            best, best_score, best_real, best_cons = era, score, real, cons
    era = best if best is not None else l.era
    if era == l.era:
        why = (
            f"era {era.id} ({era.kernels}): container probed from debuginfo; "
            f"{best_cons}/{best_real} real entries land in pgmap ranges"
        )
    else:
        why = (
            f"era {era.id} ({era.kernels}) chosen over the probed {l.era.id} by consistency: "
            f"{best_cons}/{best_real} real entries land in pgmap ranges with sane flags"
        )
    return EraChoice(era, False, best_real, best_cons, why[:239])


class MapEntry:
    """One analysed leaf (attributes of ``struct dt_map_entry``)."""

    # one per entry of a mapping of millions: slots make them cheaper to build
    __slots__ = ("leaf", "e", "order_mismatch", "pfn", "page", "page_ok", "refcount",
                 "mapcount_raw", "busy", "unreadable", "assoc", "assoc_bad_pfn", "pgmap")

    def __init__(self, leaf: TreeLeaf, entry: DaxEntry) -> None:
        self.leaf = leaf
        self.e = entry
        self.order_mismatch = False  # tree span disagrees with the order
        self.pfn = 0
        self.page = 0  # struct page of pfn, 0 if unknown
        self.page_ok = False
        self.refcount = 0
        self.mapcount_raw = 0
        self.busy = 0  # pages of the entry that are not idle
        self.unreadable = 0  # struct pages not in the dump
        self.assoc = "-"  # ok, shared, mismatch, unreadable, -
        self.assoc_bad_pfn = 0
        self.pgmap: Optional[Pgmap] = None


def dax_entry_analyse(
    prog: Program,
    layout,
    pgmaps: Optional[PgmapSet],
    m: DaxMapping,
    era: DaxEra,
    leaf: TreeLeaf,
    page_cb=None,
) -> MapEntry:
    """
    Decode one leaf under an era and check it: the struct page of its pfn,
    the pages of the entry that are not idle (``page_cb(entry, page, idle)``
    for each), and the forward association (CHK-P1): every page's
    ``mapping``/``index`` points back at this entry, or carries
    ``PAGE_MAPPING_DAX_COW`` (shared).

    >>> me = dax_entry_analyse(prog, l, pgmaps, m, choice.era, m.leaves[1])
    >>> me.busy, me.assoc
    (1, 'ok')

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param pgmaps: from :func:`daxtriage.pgmap.pgmaps_collect()`
    :param m: from :func:`dax_mapping_load()`
    :param era: from :func:`dax_era_choose()`
    :param leaf: one of ``m.leaves``
    :param page_cb: called for each non-idle page of the entry
    """
    l = layout
    out = MapEntry(leaf, dax_entry_decode(era, leaf.raw))
    e = out.e
    if not e.is_entry:
        return out
    if _span_mismatch(layout, e, leaf.nr):
        out.order_mismatch = True
    if era.payload != "pfn":
        return out
    out.pfn = e.payload
    out.pgmap = pgmap_of_pfn(pgmaps, out.pfn) if pgmaps is not None else None
    n = min(1 << e.order, 1 << 18)
    small = n * l.page_size <= WINDOW_BYTES
    if small and m.window is None:
        m.window = MemmapWindow(prog, l)
    p = m.window.get(out.pfn) if small else page_read(prog, l, out.pfn)
    if p is not None:
        out.page_ok = True
        out.page = p.addr
        out.refcount = p.refcount
        out.mapcount_raw = p.mapcount_raw
    else:
        out.page = pfn_to_page_address(l, out.pfn) or 0
    if not dax_entry_is_real(e):
        return out
    mtype = out.pgmap.type if out.pgmap is not None else MT_FS_DAX
    mism = shared = 0
    if n == 1:
        scan = ((p, 1),)  # a 4 KiB entry (most of a big mapping): its page is read already
    elif small:
        # small entries through the window, the head already read
        scan = ((p if i == 0 else m.window.get(out.pfn + i), 1) for i in range(n))
    else:
        scan = entry_page_scan(prog, l, out.pfn, n)
    for pg, k in scan:
        if pg is None:
            out.unreadable += k
            continue
        idle = idle_refcount(l.refmodel, mtype, pg.tail)
        if pg.refcount != idle:
            out.busy += 1
            if page_cb is not None:
                page_cb(out, pg, idle)
        if pg.mapping == m.mapping and pg.index == leaf.index + (pg.pfn - out.pfn):
            continue
        if pg.tail and out.page_ok and pg.head == out.page:
            # A tail of the folio the entry's first page heads: from v6.15
            # ("fs/dax: properly refcount fs dax pages", 38607c62b34b) a PMD
            # entry is one compound folio and only its head carries
            # mapping/index (kernel-facts CHK-P1).
            continue
        # shared (reflinked): mapping PAGE_MAPPING_DAX_COW / _SHARED (0x1,
        # v6.0-v6.14) with the share count in index; from "fs/dax: remove
        # PAGE_MAPPING_DAX_SHARED mapping flag" (v6.15) mapping NULL and
        # folio->share (the same word) > 0
        if (
            pg.mapping == PAGE_MAPPING_DAX_COW or (pg.mapping == 0 and l.refmodel == RM_6_15)
        ) and pg.index >= 1:
            shared += 1
            continue
        if not mism:
            out.assoc_bad_pfn = pg.pfn
        mism += 1
    if out.unreadable == n:
        out.assoc = "unreadable"
    elif mism:
        out.assoc = "mismatch"
    elif shared:
        out.assoc = "shared"
    else:
        out.assoc = "ok"
    return out


def for_each_dax_inode(
    prog: Program, layout, errors: Optional[List[str]] = None
) -> Iterator[Tuple[int, int]]:
    """
    Iterate over ``(super_block, inode)`` of every inode with ``S_DAX`` on
    every superblock (bounded: 4096 superblocks, 4M inodes each). A broken
    ``super_blocks`` list ends the walk, a broken ``s_inodes`` list the walk
    of that superblock only; the reason is appended to ``errors`` (one: the
    first broken ``s_inodes``, unless ``super_blocks`` itself broke).

    >>> [hex(i) for sb, i in for_each_dax_inode(prog, dax_layout(prog))][:2]
    ['0xffff8acd7f9ac5d0', '0xffff8acd7f9af460']

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param errors: a list that receives the first error, in words
    """
    l = layout
    errs = errors if errors is not None else []
    if not l.super_blocks or l.sb_list < 0 or l.sb_inodes < 0 or l.i_sb_list < 0:
        errs.append("super_blocks or list members not in debuginfo")
        return
    head = l.super_blocks
    pos = _u64(prog, head)
    if pos is None:
        errs.append("super_blocks list not readable")
        return
    nsb = 0
    broken = None  # an s_inodes list ended early: the others are still walked
    sb_cycle = CycleCheck()  # a next pointing back into the list, not at its head
    while pos != head:
        # the checks and their words as the C core's dt_for_each_dax_inode()
        if sb_cycle.seen(pos):
            errs.append(f"super_blocks list: cycle at {_c(pos)} that misses the head")
            return
        if nsb > 4096 or not _kptr_ok(pos):
            errs.append(f"super_blocks list broken or too long at {_c(pos)}")
            return
        nsb += 1
        sb = pos - l.sb_list
        ih = sb + l.sb_inodes
        ip = _u64(prog, ih)
        ni = 0
        # 4M inodes bound the walk, but a loop that misses the head would take
        # minutes to hit that bound: detect it instead
        i_cycle = CycleCheck()
        while ip is not None and ip != ih:
            if i_cycle.seen(ip):
                if broken is None:
                    broken = f"s_inodes list of sb {_c(sb)}: cycle at {_c(ip)} that misses the list head"
                break
            if ni > 1 << 22 or not _kptr_ok(ip):
                if broken is None:
                    broken = f"s_inodes list of sb {_c(sb)} broken"
                break
            ni += 1
            inode = ip - l.i_sb_list
            try:
                fl = struct.unpack("<I", prog.read(inode + l.i_flags, 4))[0]
            except (FaultError, ValueError):
                fl = 0
            if fl & l.s_dax:
                yield sb, inode
            ip = _u64(prog, ip)
        nxt = _u64(prog, pos)
        if nxt is None:
            errs.append(f"super_blocks list not readable at {_c(pos)}")
            return
        pos = nxt
    if broken is not None:
        errs.append(broken)


def dax_mapping_entries(prog: Program, mapping) -> Iterator[Tuple[int, DaxEntry]]:
    """
    Iterate over ``(index, entry)`` of the DAX entries of one address_space,
    decoded under the era chosen by consistency (a REPL convenience over
    :func:`dax_mapping_load` and :func:`dax_era_choose`).

    >>> for index, e in dax_mapping_entries(prog, inode.i_mapping):
    ...     print(index, dax_flag_letters(e.flags), hex(e.payload))
    0 P 0x108400

    :param mapping: ``struct address_space *`` (an Object or an address)
    """
    from .layout import require_layout
    from .pgmap import pgmaps_collect

    l = require_layout(prog)
    addr = mapping if isinstance(mapping, int) else mapping.value_()
    m = dax_mapping_load(prog, l, addr)
    choice = dax_era_choose(l, pgmaps_collect(prog, l), [m])
    for leaf in m.leaves:
        e = dax_entry_decode(choice.era, leaf.raw)
        if e.is_entry:
            yield leaf.index, e


