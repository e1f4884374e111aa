# SPDX-License-Identifier: GPL-2.0-or-later
"""
Device memory
-------------

The ``daxtriage.devmem`` module reads the device memory behind a pgmap that
is not DAX, as ``crash-ext/core/devmem.c`` does: device-private memory
(HMM: ``lib/test_hmm.c``, nouveau) and PCI P2PDMA.

Device-private (v6.1+, ef233450898f "mm: free device private pages have
zero refcount"): a free page sits in the driver's allocator at refcount 0;
``zone_device_page_init()`` sets 1 and takes one pgmap reference per
allocated page, ``free_zone_device_page()`` drops it (6.1
mm/memremap.c). An allocated page is normally mapped by the process it was
migrated from (a device-private swap entry, counted in ``_mapcount``); one
that no process maps is held by the driver alone.

P2PDMA (6.1 drivers/pci/p2pdma.c): the pgmap lives in ``struct
pci_p2pdma_pagemap { pgmap; provider; bus_offset }``; its pages idle at 1
with the bulk references of every type, and each ``pci_alloc_p2pmem()``
takes one more pgmap reference that ``pci_free_p2pmem()`` drops.
Allocations come from the provider's ``gen_pool`` (``pdev->p2pdma->pool``,
granule ``PAGE_SIZE``), so the outstanding allocations number between 1 and
the allocated pages when any page is allocated, else 0.
"""

from typing import Optional

from drgn import FaultError, Program

from .memmap import memmap_census
from .memory import read_str
from .refmodel import MT_COHERENT, MT_PCI_P2PDMA, MT_PRIVATE, RM_6_1, RM_6_15

__all__ = ("DevMem", "devmem_read")

_GEN_POOL_MAX_CHUNKS = 64
_PAGE_SHIFT = 12


class DevMem:
    """Device-private census and P2PDMA provider/pool of one pgmap."""

    def __init__(self) -> None:
        self.census_read = False
        self.allocated = 0  # pages with refcount != 0
        self.unmapped = 0  # of those, _mapcount -1: mapped by no process
        self.first_unmapped_pfn = 0
        self.unreadable = 0
        self.p2p_read = False
        self.provider = 0  # struct pci_dev *
        self.provider_name = ""
        self.pool = 0  # struct gen_pool *
        self.pool_bytes = 0
        self.pool_avail = 0
        self.error = ""

    @property
    def pool_pages(self) -> Optional[int]:
        """Pages allocated from the P2PDMA pool, ``None`` if not read."""
        if not self.p2p_read:
            return None
        return (self.pool_bytes - self.pool_avail) >> _PAGE_SHIFT


def _private_census(prog: Program, layout, pm, dm: DevMem) -> None:
    def cb(p, idle) -> bool:
        # every page whose refcount is not the idle 0 is allocated
        if not p.tail:
            dm.allocated += 1
            if p.mapcount_raw == -1:
                if dm.unmapped == 0:
                    dm.first_unmapped_pfn = p.pfn
                dm.unmapped += 1
        return False

    for r in range(min(max(pm.nr_range, 0), len(pm.start))):
        c = memmap_census(prog, layout, pm, pm.start[r] >> _PAGE_SHIFT,
                          (pm.end[r] >> _PAGE_SHIFT) + 1, cb)
        dm.unreadable += c.unreadable
    dm.census_read = True


def _off(prog: Program, type_name: str, member: str) -> int:
    try:
        return prog.type("struct " + type_name).member(member).offset
    except (LookupError, ValueError):
        raise ValueError(f"no {type_name}.{member} in debuginfo")


def _u64(prog: Program, addr: int) -> int:
    return prog.read_u64(addr)


def _p2pdma_read(prog: Program, pm, dm: DevMem) -> None:
    o_pgmap = _off(prog, "pci_p2pdma_pagemap", "pgmap")
    o_prov = _off(prog, "pci_p2pdma_pagemap", "provider")
    o_dev = _off(prog, "pci_dev", "dev")
    o_kobj = _off(prog, "device", "kobj")
    o_name = _off(prog, "kobject", "name")
    o_p2p = _off(prog, "pci_dev", "p2pdma")
    o_pool = _off(prog, "pci_p2pdma", "pool")
    o_chunks = _off(prog, "gen_pool", "chunks")
    o_next = _off(prog, "gen_pool_chunk", "next_chunk")
    o_avail = _off(prog, "gen_pool_chunk", "avail")
    o_start = _off(prog, "gen_pool_chunk", "start_addr")
    o_end = _off(prog, "gen_pool_chunk", "end_addr")
    # container_of(pgmap, struct pci_p2pdma_pagemap, pgmap)
    base = pm.addr - o_pgmap
    try:
        dm.provider = _u64(prog, base + o_prov)
    except FaultError:
        dm.provider = 0
    if dm.provider < 0xFFFF000000000000 or dm.provider & 7:
        raise ValueError(f"pci_p2pdma_pagemap {base:#x}: provider unreadable")
    try:
        namep = _u64(prog, dm.provider + o_dev + o_kobj + o_name)
        # dev_name() in its display form, as dt_read_str() gives the C core (char [48])
        dm.provider_name = read_str(prog, namep, 47)
    except (FaultError, ValueError):
        dm.provider_name = ""
    try:
        p2p = _u64(prog, dm.provider + o_p2p)
        dm.pool = _u64(prog, p2p + o_pool)
    except FaultError:
        dm.pool = 0
    if dm.pool < 0xFFFF000000000000 or dm.pool & 7:
        raise ValueError(f"pci_dev {dm.provider:#x}: p2pdma pool unreadable")
    # gen_pool.chunks: list of gen_pool_chunk by next_chunk; end_addr is inclusive
    head = dm.pool + o_chunks
    try:
        pos = _u64(prog, head)
        n = 0
        while pos and pos != head:
            if n == _GEN_POOL_MAX_CHUNKS:
                raise FaultError("too many chunks", pos)
            ch = pos - o_next
            avail = _u64(prog, ch + o_avail)
            s, e = _u64(prog, ch + o_start), _u64(prog, ch + o_end)
            if e < s:
                raise FaultError("bad chunk", ch)
            dm.pool_bytes += e - s + 1
            dm.pool_avail += avail
            pos = _u64(prog, pos)
            n += 1
    except FaultError:
        raise ValueError(f"gen_pool {dm.pool:#x}: chunk list unreadable")
    dm.p2p_read = True


def devmem_read(prog: Program, layout, pm) -> DevMem:
    """
    Read the device memory behind a pgmap: for device-private/coherent
    pgmaps (v6.1+) the allocated pages, for P2PDMA the providing PCI device
    and its pool. Other types: nothing. Errors go to ``DevMem.error``.

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param pm: a :class:`daxtriage.pgmap.Pgmap` with its ranges read
    """
    dm = DevMem()
    try:
        if pm.type in (MT_PRIVATE, MT_COHERENT):
            # the per-page rule is v6.1+; before, these pages idle at 1
            if layout.refmodel in (RM_6_1, RM_6_15):
                _private_census(prog, layout, pm, dm)
        elif pm.type == MT_PCI_P2PDMA:
            _p2pdma_read(prog, pm, dm)
    except ValueError as e:
        dm.error = str(e)[:160]
    return dm
