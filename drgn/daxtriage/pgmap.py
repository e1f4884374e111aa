# SPDX-License-Identifier: GPL-2.0-or-later
"""
dev_pagemap
-----------

The ``daxtriage.pgmap`` module enumerates every ``struct dev_pagemap``
(:linux:`include/linux/memremap.h`) from the kernel's registry and reads its
state: type by enumerator name, ranges, altmap, ``vmemmap_shift``, ops,
owner, and the ``percpu_ref`` with its true count against the era's
expected count.

The registry is ``pgmap_array`` (an XArray keyed by pfn whose multi-index
entries ``xa_store_range()`` writes, one per range), or ``pgmap_radix`` on
kernels before the XArray conversion (values are ``struct page_map *`` up to
v4.15). Each pgmap appears in many slots; they are deduplicated by pointer.
"""

import struct
from typing import Dict, List, Optional

from drgn import FaultError, Program

from .percpu_ref import (
    PERCPU_REF_DEAD,
    PercpuRefRaw,
    PercpuRefState,
    percpu_ref_evaluate,
    percpu_ref_read,
)
from .refmodel import MT_UNKNOWN, PgmapExpect, count_verdict, expected_pgmap_count
from .tree import SLOT_POINTER, WalkStats, dax_tree_walk

__all__ = (
    "PGMAP_MAX",
    "PGMAP_ALTMAP_VALID",
    "MAX_RANGES",
    "Pgmap",
    "PgmapSet",
    "pgmap_read",
    "for_each_pgmap",
    "pgmaps_collect",
    "pgmap_of_pfn",
)

PGMAP_MAX = 64
PGMAP_ALTMAP_VALID = 1  # PGMAP_ALTMAP_VALID, include/linux/memremap.h (v5.3+)
MAX_RANGES = 16
_PAGE_SHIFT = 12
_PHYS_LIMIT = 1 << 52  # MAX_PHYSMEM_BITS with 5-level paging (arch/x86/include/asm/sparsemem.h)


class Pgmap:
    """One ``struct dev_pagemap`` as read (attributes of ``struct dt_pgmap``)."""

    def __init__(self, addr: int) -> None:
        self.addr = addr
        self.type_value = 0
        self.type = "unknown"  # MT_*
        self.flags = 0
        self.altmap_valid = False
        self.am_base_pfn = self.am_end_pfn = self.am_reserve = 0
        self.am_free = self.am_align = self.am_alloc = 0
        self.altmap_offset = 0  # vmem_altmap_offset(): reserve + free
        self.vmemmap_shift = 0
        self.ops = 0
        self.owner = 0
        self.done = 0  # completion.done
        self.nr_range = 0  # as stored
        self.start: List[int] = []  # struct range: end inclusive
        self.end: List[int] = []
        self.pfn_first: List[int] = []
        self.pfn_end: List[int] = []
        self.reg_first = self.reg_last = self.reg_pfns = 0
        self.ref_addr = 0
        self.ref: Optional[PercpuRefRaw] = None
        self.ref_state: Optional[PercpuRefState] = None
        self.ref_error = ""
        self.devmem = None  # daxtriage.devmem.DevMem
        self.expect: Optional[PgmapExpect] = None
        self.verdict = "n/a"

    @property
    def ref_read(self) -> bool:
        return self.ref is not None


def _u64(b: bytes, off: int) -> int:
    return struct.unpack_from("<Q", b, off)[0]


def _u32(b: bytes, off: int) -> int:
    return struct.unpack_from("<I", b, off)[0]


def pgmap_read(prog: Program, layout, addr: int) -> Pgmap:
    """
    Read the ``struct dev_pagemap`` at an address (also one that is not in
    the registry) with its ``percpu_ref`` and expected count.

    >>> pm = pgmap_read(prog, dax_layout(prog), 0xffff8acd022890b0)
    >>> pm.type, pm.ref_state.true_count, pm.expect.expected, pm.verdict
    ('MEMORY_DEVICE_FS_DAX', 262145, 262145, 'ok')

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param addr: ``struct dev_pagemap *``
    :raises ValueError: no layout, or the pgmap is not readable
    """
    l = layout
    pm = Pgmap(addr)
    if l.pm_size <= 0 or l.pm_size > 4096:
        raise ValueError("no struct dev_pagemap layout in debuginfo")
    if not _kptr_ok(addr, 8):
        raise ValueError(f"dev_pagemap {_c(addr)} not readable")
    try:
        b = prog.read(addr, l.pm_size)
    except (FaultError, ValueError):
        raise ValueError(f"dev_pagemap {_c(addr)} not readable")
    # enum memory_type arrived with HMM (v4.14); before it every pgmap is
    # host memory
    pm.type_value = struct.unpack_from("<i", b, l.pm_type)[0] if l.pm_type >= 0 else -1
    pm.type = l.mtype_of(pm.type_value) if l.pm_type >= 0 else MT_UNKNOWN
    if l.pm_flags >= 0:
        pm.flags = _u32(b, l.pm_flags)
    if l.pm_vmemmap_shift >= 0:
        pm.vmemmap_shift = _u64(b, l.pm_vmemmap_shift) & 0xFFFFFFFF
    if l.pm_ops >= 0:
        pm.ops = _u64(b, l.pm_ops)
    if l.pm_owner >= 0:
        pm.owner = _u64(b, l.pm_owner)
    if l.pm_done >= 0 and l.completion_done >= 0:
        pm.done = _u32(b, l.pm_done + l.completion_done)
    if l.pm_altmap >= 0 and l.am_reserve >= 0:
        # Valid when PGMAP_ALTMAP_VALID is in flags (v5.3+), when the bool
        # altmap_valid is set (v4.16-v5.2), or when the altmap pointer is not
        # NULL (<= v4.15: the kernel's pfn_first() then adds
        # vmem_altmap_offset()).
        am: Optional[bytes] = b
        a = l.pm_altmap
        if l.pm_flags >= 0:
            pm.altmap_valid = bool(pm.flags & PGMAP_ALTMAP_VALID)
        elif l.pm_altmap_is_ptr:
            ap = _u64(b, l.pm_altmap)
            am, a = None, 0
            if ap:
                try:
                    if not _kptr_ok(ap, 8):
                        raise ValueError
                    am = prog.read(ap, max(l.am_alloc, l.am_free) + 8)
                except (FaultError, ValueError):
                    raise ValueError(f"dev_pagemap {_c(addr)}: altmap {_c(ap)} not readable")
            pm.altmap_valid = ap != 0
        elif l.pm_altmap_valid >= 0:
            pm.altmap_valid = b[l.pm_altmap_valid] != 0
        else:
            am = None
        if am is not None:
            pm.am_base_pfn = _u64(am, a + l.am_base_pfn)
            if l.am_end_pfn >= 0:
                pm.am_end_pfn = _u64(am, a + l.am_end_pfn)
            pm.am_reserve = _u64(am, a + l.am_reserve)
            pm.am_free = _u64(am, a + l.am_free)
            pm.am_align = _u64(am, a + l.am_align)
            pm.am_alloc = _u64(am, a + l.am_alloc)
        if pm.altmap_valid:
            pm.altmap_offset = pm.am_reserve + pm.am_free
    if l.pm_nr_range >= 0 and l.pm_range >= 0 and l.range_size > 0:
        # "mm/memremap_pages: convert to 'struct range'" (v5.10)
        nr = struct.unpack_from("<i", b, l.pm_nr_range)[0]
        pm.nr_range = nr
        for i in range(min(nr, MAX_RANGES)):
            ra = addr + l.pm_range + i * l.range_size
            try:
                pm.start.append(_u64(prog.read(ra + l.range_start, 8), 0))
                pm.end.append(_u64(prog.read(ra + l.range_end, 8), 0))
            except (FaultError, ValueError):
                raise ValueError(f"dev_pagemap {_c(addr)} range {i} not readable")
    elif l.pm_res >= 0 and l.res_start >= 0:
        ra = addr + l.pm_res
        if l.pm_res_is_ptr:
            # <= v4.15: const struct resource *res (embedded from v4.16)
            try:
                ra = _u64(prog.read(ra, 8), 0)
            except (FaultError, ValueError):
                ra = 0
        pm.nr_range = 1
        try:
            if not ra:
                raise ValueError
            pm.start.append(_u64(prog.read(ra + l.res_start, 8), 0))
            pm.end.append(_u64(prog.read(ra + l.res_end, 8), 0))
        except (FaultError, ValueError):
            raise ValueError(f"dev_pagemap {_c(addr)} resource not readable")
    nr = min(max(pm.nr_range, 0), MAX_RANGES)
    for i in range(nr):
        # A corrupt range would send the memmap census over up to 2^52 pfns: the kernel
        # maps no range beyond 2^MAX_PHYSMEM_BITS (at most 52: mhp_range_allowed()), and
        # struct range's end is inclusive (include/linux/range.h); as dt_pgmap_read().
        if pm.start[i] > pm.end[i] or pm.end[i] >= _PHYS_LIMIT:
            raise ValueError(
                f"dev_pagemap {_c(addr)} range {i} {_c(pm.start[i])}-{_c(pm.end[i])} "
                "is not a physical address range"
            )
        pm.pfn_first.append((pm.start[i] >> _PAGE_SHIFT) + (pm.altmap_offset if i == 0 else 0))
        pm.pfn_end.append((pm.end[i] + 1) >> _PAGE_SHIFT)

    if l.pm_ref >= 0:
        pm.ref_addr = addr + l.pm_ref
        if l.pm_ref_is_ptr:
            pm.ref_addr = _u64(b, l.pm_ref)
        if not pm.ref_addr:
            pm.ref_error = "pgmap->ref is NULL (the seed 001 state)"
        else:
            try:
                pm.ref = percpu_ref_read(prog, pm.ref_addr, l)
                pm.ref_state = percpu_ref_evaluate(pm.ref)
            except ValueError as e:
                pm.ref_error = str(e)
    dead = pm.ref is not None and bool(pm.ref.percpu_count_ptr & PERCPU_REF_DEAD)
    # pointer era: the ref is the pgmap's own internal_ref (v5.3-v5.16) or the driver's
    internal = getattr(l, "pm_internal_ref", -1)
    ref_internal = l.pm_ref_is_ptr and internal >= 0 and pm.ref_addr == addr + internal
    # device-private: allocated pages; P2PDMA: the provider's pool (devmem.py)
    from .devmem import devmem_read

    pm.devmem = devmem_read(prog, l, pm)
    pm.expect = expected_pgmap_count(
        l.refmodel, pm.type, dead, pm.pfn_first, pm.pfn_end, pm.vmemmap_shift,
        allocated_pages=pm.devmem.allocated, ref_internal=ref_internal,
        p2p_pool_pages=pm.devmem.pool_pages,
    )
    st = pm.ref_state
    pm.verdict = count_verdict(
        pm.expect, st is not None and st.count_known, st.true_count if st else 0
    )
    return pm


class PgmapSet:
    """Every pgmap of the registry (see :func:`pgmaps_collect`)."""

    def __init__(self) -> None:
        self.pgmaps: List[Pgmap] = []
        self.truncated = False
        self.registry_errors = 0
        self.failed = False  # no registry, or its walk failed (the C core's -1)
        self.error = ""


def pgmaps_collect(prog: Program, layout) -> PgmapSet:
    """
    Walk the pgmap registry (bounded) and read every pgmap, in registry
    order, with what the registry maps to each (first/last pfn, pfns).
    Memoised in ``prog.cache["daxtriage.pgmaps"]`` for vmcores (never for a
    live kernel, whose state moves).

    >>> [hex(pm.addr) for pm in pgmaps_collect(prog, dax_layout(prog)).pgmaps]
    ['0xffff8acd022890b0', '0xffff8acd048e2c00']

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    """
    from drgn import ProgramFlags

    key = "daxtriage.pgmaps"
    live = bool(prog.flags & ProgramFlags.IS_LIVE)
    if not live and key in prog.cache:
        return prog.cache[key]
    s = PgmapSet()
    l = layout
    addrs: List[int] = []
    first: Dict[int, int] = {}
    last: Dict[int, int] = {}
    pfns: Dict[int, int] = {}
    st = WalkStats()
    if l.pgmap_array:
        root, cont, voff = l.pgmap_array, "xarray", 0
    elif l.pgmap_radix:
        root, cont, voff = l.pgmap_radix, "radix", l.page_map_pgmap
    else:
        s.error = "no pgmap registry (pgmap_array/pgmap_radix)"
        s.failed = True
        return s
    for leaf in dax_tree_walk(prog, root, l, cont, st, 1 << 16, 12):
        if leaf.kind != SLOT_POINTER:
            s.registry_errors += 1
            continue
        a = leaf.raw + voff
        if a not in first:
            if len(addrs) == PGMAP_MAX:
                s.truncated = True
                continue
            addrs.append(a)
            first[a], last[a], pfns[a] = leaf.index, leaf.index + leaf.nr - 1, 0
        first[a] = min(first[a], leaf.index)
        last[a] = max(last[a], leaf.index + leaf.nr - 1)
        pfns[a] += leaf.nr
    if st.failed:
        s.error = f"pgmap registry walk: {st.error[:200]}"
        s.failed = True
    for a in addrs:
        try:
            pm = pgmap_read(prog, l, a)
        except ValueError as e:
            if not s.error:
                s.error = str(e)
            continue
        pm.reg_first, pm.reg_last, pm.reg_pfns = first[a], last[a], pfns[a]
        s.pgmaps.append(pm)
    if not live:
        prog.cache[key] = s
    return s


def for_each_pgmap(prog: Program):
    """
    Iterate over every ``struct dev_pagemap`` of the registry, as
    :class:`Pgmap` s.

    >>> for pm in for_each_pgmap(prog):
    ...     print(hex(pm.addr), pm.type, pm.ref_state.mode)
    0xffff8acd022890b0 MEMORY_DEVICE_FS_DAX percpu
    0xffff8acd048e2c00 MEMORY_DEVICE_GENERIC percpu

    :param prog: the program
    """
    from .layout import require_layout

    yield from pgmaps_collect(prog, require_layout(prog)).pgmaps


def pgmap_of_pfn(pgmaps: PgmapSet, pfn: int) -> Optional[Pgmap]:
    """
    Return the pgmap whose ranges hold a pfn, or ``None``.

    >>> hex(pgmap_of_pfn(pgmaps_collect(prog, l), 0x108603).addr)
    '0xffff8acd022890b0'

    :param pgmaps: from :func:`pgmaps_collect()`
    :param pfn: page frame number
    """
    # the range of the last answer first: a mapping's entries come in runs of one pgmap
    last = getattr(pgmaps, "_last_hit", None)
    if last is not None and last[0] <= pfn <= last[1]:
        return last[2]
    for pm in pgmaps.pgmaps:
        for r in range(min(max(pm.nr_range, 0), MAX_RANGES)):
            if pm.start[r] >> _PAGE_SHIFT <= pfn <= pm.end[r] >> _PAGE_SHIFT:
                pgmaps._last_hit = (pm.start[r] >> _PAGE_SHIFT, pm.end[r] >> _PAGE_SHIFT, pm)
                return pm
    return None


def _c(v: int) -> str:
    return "0" if v == 0 else hex(v)


def _kptr_ok(p: int, align: int) -> bool:
    return p >= 0xFFFF000000000000 and (align == 0 or p & (align - 1) == 0)
