# SPDX-License-Identifier: GPL-2.0-or-later
"""
Reference-count model
---------------------

The ``daxtriage.refmodel`` module holds the era-aware rules for what a
``struct dev_pagemap``'s ``percpu_ref`` and a ZONE_DEVICE page's
``_refcount`` should read (:linux:`mm/memremap.c`, :linux:`mm/mm_init.c`,
:linux:`fs/dax.c`)::

    expected pgmap->ref true count, live pgmap (6.1-6.14):
      1 (initial) + sum over ranges of pfn_len(i)   [type not PRIVATE/COHERENT]
        + pages with refcount > 0                   [type PRIVATE/COHERENT]
    5.17-6.0: the bulk term for every type, no per-allocation term.
    <= 5.16: pgmap->ref is the owner's ref (pmem's q_usage_counter ...): report only.
    killed (DEAD): expected 0; what remains blocks device removal.
    pfn_len(i) = (pfn_end - pfn_first) >> vmemmap_shift

Which model applies is probed once (:func:`daxtriage.layout.dax_layout`).
Pure: no drgn import.
"""

from typing import NamedTuple, Optional, Sequence

__all__ = (
    "RM_UNKNOWN",
    "RM_4_5",
    "RM_4_14",
    "RM_5_17",
    "RM_6_1",
    "RM_6_15",
    "MT_UNKNOWN",
    "MT_PRIVATE",
    "MT_COHERENT",
    "MT_FS_DAX",
    "MT_GENERIC",
    "MT_PCI_P2PDMA",
    "MT_PUBLIC",
    "MT_HOST",
    "MEMORY_TYPE_NAMES",
    "PgmapExpect",
    "refmodel_name",
    "expected_pgmap_count",
    "count_verdict",
    "idle_refcount",
)

# The ZONE_DEVICE reference-count models (kernel-facts E.1-E.3).
RM_UNKNOWN = "unknown"
RM_4_5 = "4.5-4.13"  # page gets also take pgmap refs (get_zone_device_page)
RM_4_14 = "4.14-5.16"  # pgmap->ref is the owner's (pointer)
RM_5_17 = "5.17-6.0"  # embedded pgmap->ref: 1 + bulk refs for every type
RM_6_1 = "6.1-6.14"  # PRIVATE/COHERENT take one ref per allocated page
RM_6_15 = "6.15+"  # fsdax pages refcounted like file pages: idle = 0

# pgmap types by role; the numbers differ by era and are resolved by name.
MT_UNKNOWN = "unknown"
MT_PRIVATE = "MEMORY_DEVICE_PRIVATE"
MT_COHERENT = "MEMORY_DEVICE_COHERENT"
MT_FS_DAX = "MEMORY_DEVICE_FS_DAX"
MT_GENERIC = "MEMORY_DEVICE_GENERIC"
MT_PCI_P2PDMA = "MEMORY_DEVICE_PCI_P2PDMA"
MT_PUBLIC = "MEMORY_DEVICE_PUBLIC"
MT_HOST = "MEMORY_DEVICE_HOST"
MEMORY_TYPE_NAMES = (
    MT_PRIVATE,
    MT_COHERENT,
    MT_FS_DAX,
    MT_GENERIC,
    MT_PCI_P2PDMA,
    MT_PUBLIC,
    MT_HOST,
)


class PgmapExpect(NamedTuple):
    """What the era's model expects of a pgmap's reference count."""

    applies: bool  # the model gives a number for this era and type
    expected: int
    bulk: int  # sum of pfn_len
    rule: str
    # > expected: any count in [expected, expected_max] is ok (P2PDMA allocations)
    expected_max: int = -1


def refmodel_name(model: str) -> str:
    """
    Return the printed name of a model (the models are their names).

    >>> refmodel_name(RM_6_1)
    '6.1-6.14'

    :param model: one of the ``RM_*`` constants
    """
    return model


def expected_pgmap_count(
    model: str,
    mtype: str,
    dead: bool,
    pfn_first: Sequence[int],
    pfn_end: Sequence[int],
    vmemmap_shift: int,
    allocated_pages: int = 0,
    ref_internal: bool = False,
    p2p_pool_pages: Optional[int] = None,
) -> PgmapExpect:
    """
    Return the true count a pgmap's ``percpu_ref`` should have under the
    era's model.

    >>> expected_pgmap_count(RM_6_1, MT_FS_DAX, False, [0x100000], [0x140000], 0)
    PgmapExpect(applies=True, expected=262145, bulk=262144, rule='1 + sum pfn_len (memremap_pages bulk refs)')

    :param model: ``RM_*``
    :param mtype: ``MT_*`` (the ``enum memory_type`` enumerator name)
    :param dead: ``__PERCPU_REF_DEAD`` is set (the pgmap was killed)
    :param pfn_first: first pfn of each range (range 0 after the altmap)
    :param pfn_end: end pfn (exclusive) of each range
    :param vmemmap_shift: ``dev_pagemap.vmemmap_shift``
    :param allocated_pages: PRIVATE/COHERENT pages with refcount > 0
    :param ref_internal: (pointer era) ``pgmap->ref == &pgmap->internal_ref``
    :param p2p_pool_pages: P2PDMA: pages allocated from the provider's
        gen_pool (``None``: not read)
    """
    bulk = 0
    for first, end in zip(pfn_first, pfn_end):
        if end > first:
            bulk += (end - first) >> vmemmap_shift
    private = mtype in (MT_PRIVATE, MT_COHERENT)
    if model in (RM_6_1, RM_6_15):
        if dead:
            return PgmapExpect(
                True,
                0,
                bulk,
                "killed: expected 0 (memunmap_pages dropped initial and bulk refs)",
            )
        if private:
            # Linux kernel commit 0dc45ca1ce18 ("mm/memremap.c: take a pgmap
            # reference on page allocation") (in v6.1)
            return PgmapExpect(
                True,
                1 + allocated_pages,
                bulk,
                "1 + allocated pages (PRIVATE/COHERENT, v6.1+)",
            )
        if mtype == MT_PCI_P2PDMA and p2p_pool_pages is not None:
            # 6.1 drivers/pci/p2pdma.c pci_alloc_p2pmem(): one ref per
            # allocation, of at least one page each (devmem.py)
            return PgmapExpect(
                True,
                1 + bulk + (1 if p2p_pool_pages else 0),
                bulk,
                "1 + sum pfn_len + p2pmem allocations (1..pool pages, PCI_P2PDMA)",
                1 + bulk + p2p_pool_pages,
            )
        return PgmapExpect(
            True, 1 + bulk, bulk, "1 + sum pfn_len (memremap_pages bulk refs)"
        )
    if model == RM_5_17:
        if dead:
            return PgmapExpect(True, 0, bulk, "killed: expected 0")
        return PgmapExpect(
            True, 1 + bulk, bulk, "1 + sum pfn_len (every type, v5.17-v6.0)"
        )
    if model == RM_4_14:
        if ref_internal:
            # Linux kernel commit 24917f6b1041 ("memremap: provide an optional
            # internal refcount in struct dev_pagemap") (in v5.3):
            # memremap_pages() initialises &pgmap->internal_ref (count 1) when
            # the driver brings no ref, then takes pfn_end - pfn_first refs
            # per range, for every type
            if dead:
                return PgmapExpect(True, 0, bulk, "killed: expected 0")
            return PgmapExpect(
                True, 1 + bulk, bulk, "1 + sum pfn_len (&pgmap->internal_ref, v5.3-v5.16)"
            )
        return PgmapExpect(
            False,
            0,
            bulk,
            "owner's ref (pointer): also counts the owner's users; report only",
        )
    if model == RM_4_5:
        return PgmapExpect(
            False, 0, bulk, "owner's ref, page gets add pgmap refs; report only"
        )
    return PgmapExpect(False, 0, bulk, "unknown refcount model")


def count_verdict(expect: PgmapExpect, count_known: bool, true_count: int) -> str:
    """
    Return the verdict of a true count against the model: ``ok``, ``excess``
    (transient ``get_dev_pagemap`` holders or leaked refs), ``deficit``
    (over-put), ``residual`` (killed, references left) or ``n/a``.

    >>> count_verdict(expected_pgmap_count(RM_6_1, MT_GENERIC, False, [0], [512], 9), True, 3)
    'excess'

    :param expect: from :func:`expected_pgmap_count()`
    :param count_known: the true count could be computed
    :param true_count: the true count
    """
    if not expect.applies or not count_known:
        return "n/a"
    if expect.expected <= true_count <= max(expect.expected, expect.expected_max):
        return "ok"
    if expect.expected == 0:
        return "residual"
    return "excess" if true_count > expect.expected else "deficit"


def idle_refcount(model: str, mtype: str, tail: bool) -> int:
    """
    Return the ``_refcount`` of an idle page of a pgmap type (head or base
    page); compound tails idle at 0.

    >>> idle_refcount(RM_6_1, MT_FS_DAX, False), idle_refcount(RM_6_15, MT_FS_DAX, False)
    (1, 0)

    :param model: ``RM_*``
    :param mtype: ``MT_*``
    :param tail: the page is a compound tail
    """
    if tail:
        return 0
    if mtype == MT_FS_DAX:
        # 1-based until Linux kernel commit 38607c62b34b ("fs/dax: properly
        # refcount fs dax pages") (in v6.15)
        return 0 if model == RM_6_15 else 1
    if mtype in (MT_PRIVATE, MT_COHERENT):
        # Linux kernel commit ef233450898f ("mm: free device private pages
        # have zero refcount") (in v6.1)
        return 0 if model in (RM_6_1, RM_6_15) else 1
    return 1
