# SPDX-License-Identifier: GPL-2.0-or-later
"""
Layout and era probes
---------------------

The ``daxtriage.layout`` module probes, once per program, the member offsets
and the era decisions the other helpers need: which page-cache tree
(XArray or radix), the default DAX entry era, where ``struct page``,
``struct dev_pagemap`` and ``struct percpu_ref`` keep their fields, the
``enum memory_type`` values, and the ZONE_DEVICE reference-count model.

Every decision comes from debuginfo (a type, a member, a symbol, an
enumerator), never from a version number; the commit that made the
difference is cited next to each probe, and :attr:`DaxLayout.why` says in
words what was chosen. The result is memoised in
``prog.cache["daxtriage.layout"]``.

It mirrors ``crash-ext/core/layout.c`` member for member so that both front
ends decide alike; offsets are ``-1`` when a member is absent.
"""

from typing import Dict, List, Optional

from drgn import FaultError, Program, offsetof, sizeof

from .encodings import DaxEra, dax_era
from .symbols import symbol_address
from .refmodel import (
    MEMORY_TYPE_NAMES,
    MT_GENERIC,
    MT_UNKNOWN,
    RM_4_14,
    RM_4_5,
    RM_5_17,
    RM_6_1,
    RM_6_15,
)

__all__ = (
    "DaxLayout",
    "DaxLayoutError",
    "dax_layout",
    "member_offset",
    "member_size",
    "type_size",
    "symbol_address",
    "memory_type_name",
)

NO = -1

# S_DAX: 1 << 13 in include/linux/fs.h since DAX arrived (v4.0); a #define.
S_DAX = 1 << 13


class DaxLayoutError(Exception):
    """The debuginfo lacks something every command needs."""


def member_offset(prog: Program, type_name: str, member: str) -> int:
    """
    Return the byte offset of a member (anonymous unions included), or -1.

    >>> member_offset(prog, "struct page", "pgmap")
    8

    :param type_name: e.g. ``"struct page"``
    :param member: member name or designator
    """
    try:
        return offsetof(prog.type(type_name), member)
    except (LookupError, ValueError):
        return NO


def member_size(prog: Program, type_name: str, member: str) -> int:
    """
    Return the size of a member's type, or -1.

    >>> member_size(prog, "struct xa_node", "slots")
    512

    :param type_name: e.g. ``"struct xa_node"``
    :param member: member name
    """
    try:
        return sizeof(prog.type(type_name).member(member).type)
    except (LookupError, ValueError, TypeError):
        return NO


def type_size(prog: Program, type_name: str) -> int:
    """
    Return the size of a type, or -1 if debuginfo does not have it.

    >>> type_size(prog, "struct page")
    64

    :param type_name: e.g. ``"struct page"``
    """
    try:
        return sizeof(prog.type(type_name))
    except (LookupError, ValueError, TypeError):
        return NO


def _enum(prog: Program, name: str) -> Optional[int]:
    try:
        return prog.constant(name).value_()
    except (LookupError, ValueError):
        return None


class DaxLayout:
    """
    Offsets and era decisions of one program (see :func:`dax_layout`).

    Attribute names follow ``struct dt_layout`` of the C core.
    """

    def __init__(self) -> None:
        self.ok = False
        self.error = ""
        self.why: List[str] = []
        self.tree = "xarray"  # or "radix"
        self.era: Optional[DaxEra] = None
        self.mtype_value: Dict[str, int] = {}
        self.refmodel = "unknown"
        self.fsdax_idle_refcount = 1
        self.pgmap_array = 0
        self.pgmap_radix = 0
        self.page_map_pgmap = 0
        self.super_blocks = 0
        self.s_dax = S_DAX
        # radix-era probes (v4.5-v4.6 path nodes; altmap before v5.3)
        self.n_path = self.root_height = NO
        self.pmd_single_slot = False
        self.pm_altmap_valid = NO
        self.pm_altmap_is_ptr = False

    def mtype_of(self, value: int) -> str:
        """Return the ``MT_*`` name of an ``enum memory_type`` value."""
        for name in MEMORY_TYPE_NAMES:
            if self.mtype_value.get(name) == value:
                return name
        return MT_UNKNOWN


def memory_type_name(layout: DaxLayout, value: int) -> Optional[str]:
    """
    Return the ``enum memory_type`` enumerator name of a value, or ``None``.

    The numbers differ by era (``MEMORY_DEVICE_FS_DAX`` is 3, then 2 in
    v5.3, then 3 again in v6.0), so they are resolved by name.

    >>> memory_type_name(dax_layout(prog), 3)
    'MEMORY_DEVICE_FS_DAX'

    :param layout: from :func:`dax_layout()`
    :param value: ``dev_pagemap.type``
    """
    m = layout.mtype_of(value)
    return None if m == MT_UNKNOWN else m


def _probe_tree(prog: Program, l: DaxLayout) -> None:
    off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
    l.as_host = off("struct address_space", "host")
    l.as_nrpages = off("struct address_space", "nrpages")
    l.as_flags = off("struct address_space", "flags")
    # nrexceptional: v4.8..v5.12; gone with "mm: remove nrexceptional from
    # inode" (v5.13).
    l.as_nrexceptional = off("struct address_space", "nrexceptional")
    if type_size(prog, "struct xa_node") > 0:
        # struct xa_node exists from Linux kernel commit f8d5d0cc145c
        # ("xarray: Add definition of struct xarray") and the page cache
        # became an XArray in the same release (in v4.20).
        l.tree = "xarray"
        l.as_i_pages = off("struct address_space", "i_pages")
        l.xa_head = off("struct xarray", "xa_head")
        l.xa_flags = off("struct xarray", "xa_flags")
        node = "struct xa_node"
        l.n_values = off(node, "nr_values")
        l.n_array = off(node, "array")
        l.n_marks = off(node, "marks")
        l.radix_shift_nodes = True
        l.n_path = l.root_height = NO
        l.pmd_single_slot = False
        l.era = dax_era("4.20")
        l.why.append(
            "tree: XArray (struct xa_node exists: XArray page cache since v4.20, f8d5d0cc145c)"
        )
    else:
        l.tree = "radix"
        l.as_i_pages = off("struct address_space", "i_pages")
        i_pages = l.as_i_pages >= 0
        if not i_pages:
            # Linux kernel commit b93b016313b3 ("page cache: use xa_lock")
            # renamed page_tree to i_pages (in v4.17).
            l.as_i_pages = off("struct address_space", "page_tree")
        l.xa_head = off("struct radix_tree_root", "rnode")
        l.xa_flags = NO
        node = "struct radix_tree_node"
        l.n_values = off(node, "exceptional")
        l.n_array = off(node, "root")
        l.n_marks = off(node, "tags")
        l.radix_shift_nodes = off(node, "shift") >= 0
        # Before "radix-tree: replace node->height with node->shift" and
        # "radix-tree: remove root->height" (v4.7) a node kept its height in
        # the low bits of node->path and the root its height in
        # radix_tree_root.height. DAX of that era inserted PMD entries with
        # radix_tree_insert() (order 0) at the PMD-aligned index: fs/dax.c
        # dax_radix_entry(), v4.5-v4.6.
        l.n_path = NO if l.radix_shift_nodes else off(node, "path")
        l.root_height = off("struct radix_tree_root", "height")
        l.pmd_single_slot = not l.radix_shift_nodes and l.n_path >= 0
        if i_pages:
            l.era = dax_era("4.17")
            l.why.append(
                "tree: radix i_pages (b93b016313b3, v4.17): pfn entries (3fe0791c295c, v4.17)"
            )
        elif l.n_values >= 0:
            l.era = dax_era("4.14")
            l.why.append(
                "tree: radix page_tree with node->exceptional (v4.10+): sector entries, "
                "4.14 names (HZP/ZERO_PAGE share bit 0x10); pfn backports are caught by consistency"
            )
        elif l.radix_shift_nodes:
            l.era = dax_era("4.7")
            l.why.append(
                "tree: radix page_tree, nodes with shift, no exceptional count: v4.7-v4.9"
            )
        else:
            l.era = dax_era("4.5")
            l.why.append(
                "tree: radix page_tree with height/path nodes: v4.5-v4.6 (PMD entries "
                "are single slots)"
            )
    l.n_shift = off(node, "shift")
    l.n_offset = off(node, "offset")
    l.n_count = off(node, "count")
    l.n_parent = off(node, "parent")
    l.n_slots = off(node, "slots")
    l.n_size = type_size(prog, node)
    ss = member_size(prog, node, "slots")
    l.chunk_size = ss // 8 if ss > 0 else 64
    l.chunk_shift = 0
    for s in range(8):
        if 1 << s == l.chunk_size:
            l.chunk_shift = s


def _probe_vfs_page(prog: Program, l: DaxLayout) -> None:
    off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
    for attr, m in (
        ("i_mapping", "i_mapping"),
        ("i_flags", "i_flags"),
        ("i_mode", "i_mode"),
        ("i_ino", "i_ino"),
        ("i_sb", "i_sb"),
        ("i_sb_list", "i_sb_list"),
        ("i_state", "i_state"),
        ("i_size", "i_size"),
        ("i_data", "i_data"),
    ):
        setattr(l, attr, off("struct inode", m))
    l.sb_list = off("struct super_block", "s_list")
    l.sb_inodes = off("struct super_block", "s_inodes")
    l.sb_id = off("struct super_block", "s_id")
    l.sb_type = off("struct super_block", "s_type")
    l.sb_bdev = off("struct super_block", "s_bdev")
    l.fst_name = off("struct file_system_type", "name")
    l.f_mapping = off("struct file", "f_mapping")
    l.f_inode = off("struct file", "f_inode")
    l.d_inode = off("struct dentry", "d_inode")
    dn, qn = off("struct dentry", "d_name"), off("struct qstr", "name")
    l.d_name_name = dn + qn if dn >= 0 and qn >= 0 else NO

    l.page_size = type_size(prog, "struct page")
    l.pg_flags = off("struct page", "flags")
    l.pg_compound_head = off("struct page", "compound_head")
    l.pg_compound_info = False
    if l.pg_compound_head < 0:
        # The tail word became compound_info in the compound_head() rework
        # (first seen in the 7.2 sample; commit and release not verified):
        # bit 0 still marks a tail; the rest is the head pointer, or a mask
        # applied to the tail's own address (power-of-two struct page).
        l.pg_compound_head = off("struct page", "compound_info")
        l.pg_compound_info = l.pg_compound_head >= 0
    l.pg_mapping = off("struct page", "mapping")
    l.pg_index = off("struct page", "index")
    if l.pg_index < 0:
        # "mm: rename page->index to page->__folio_index" (Matthew Wilcox,
        # 2025; first seen in the 7.2 sample; release not verified)
        l.pg_index = off("struct page", "__folio_index")
    # page->pgmap: in the lru union (offset 0x20) before Willy's struct page
    # rework, in the ZONE_DEVICE struct at offset 8 from v4.18; DWARF gives
    # whichever is there.
    l.pg_pgmap = off("struct page", "pgmap")
    if l.pg_pgmap < 0:
        # Alistair Popple's "mm: allow compound zone device pages" (v6.15)
        # moved it to folio->pgmap: the same word of a head or small page (a
        # tail's holds compound_head there)
        l.pg_pgmap = off("struct folio", "pgmap")
    l.pg_mapcount = off("struct page", "_mapcount")
    l.pg_refcount = off("struct page", "_refcount")
    if l.pg_refcount < 0:
        # "mm: rename _count, field of the struct page, to _refcount" (v4.7)
        l.pg_refcount = off("struct page", "_count")


def _probe_pgmap(prog: Program, l: DaxLayout) -> None:
    off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
    pm = "struct dev_pagemap"
    l.pm_size = type_size(prog, pm)
    l.pm_altmap = off(pm, "altmap")
    # Before PGMAP_ALTMAP_VALID (flags, v5.3) the altmap was a pointer,
    # non-NULL when valid (<= v4.15), then embedded with a bool altmap_valid
    # (v4.16-v5.2).
    l.pm_altmap_is_ptr = member_size(prog, pm, "altmap") == 8
    l.pm_altmap_valid = off(pm, "altmap_valid")
    l.pm_ref = off(pm, "ref")
    l.pm_ref_size = member_size(prog, pm, "ref")
    # A pointer until hch's "memremap: remove support for external pgmap
    # refcounts" embedded the ref (libnvdimm-for-5.17 pull, in v5.17).
    l.pm_ref_is_ptr = l.pm_ref_size == 8
    # Linux kernel commit 24917f6b1041 ("memremap: provide an optional internal
    # refcount in struct dev_pagemap") (in v5.3) to v5.16: pgmap->ref points
    # here unless the driver brought its own ref
    l.pm_internal_ref = off(pm, "internal_ref")
    l.pm_done = off(pm, "done")
    l.pm_type = off(pm, "type")
    l.pm_flags = off(pm, "flags")
    l.pm_vmemmap_shift = off(pm, "vmemmap_shift")
    l.pm_ops = off(pm, "ops")
    l.pm_owner = off(pm, "owner")
    # "mm/memremap_pages: convert to 'struct range'" (v5.10) replaced res by
    # range(s) + nr_range.
    l.pm_nr_range = off(pm, "nr_range")
    l.pm_range = off(pm, "range")
    if l.pm_range < 0:
        l.pm_range = off(pm, "ranges")
    l.pm_res = off(pm, "res")
    # <= v4.15: const struct resource *res (embedded from v4.16)
    l.pm_res_is_ptr = member_size(prog, pm, "res") == 8
    l.range_size = type_size(prog, "struct range")
    l.range_start = off("struct range", "start")
    l.range_end = off("struct range", "end")
    l.res_start = off("struct resource", "start")
    l.res_end = off("struct resource", "end")
    am = "struct vmem_altmap"
    l.am_base_pfn = off(am, "base_pfn")
    l.am_end_pfn = off(am, "end_pfn")
    l.am_reserve = off(am, "reserve")
    l.am_free = off(am, "free")
    l.am_align = off(am, "align")
    l.am_alloc = off(am, "alloc")
    l.completion_done = off("struct completion", "done")

    # Linux kernel commit 2b0d3d3e4fcf ("percpu_ref: reduce memory footprint
    # of percpu_ref in fast path") (in v5.9) moved count/release/
    # confirm_switch into struct percpu_ref_data.
    l.pr_pcp = off("struct percpu_ref", "percpu_count_ptr")
    l.pr_data = off("struct percpu_ref", "data")
    l.pref_split = l.pr_data >= 0
    if l.pref_split:
        d = "struct percpu_ref_data"
        l.prd_count = off(d, "count")
        l.prd_release = off(d, "release")
        l.prd_confirm = off(d, "confirm_switch")
        l.prd_ref = off(d, "ref")
        l.pr_count = l.pr_release = l.pr_confirm = NO
    else:
        l.pr_count = off("struct percpu_ref", "count")
        l.pr_release = off("struct percpu_ref", "release")
        l.pr_confirm = off("struct percpu_ref", "confirm_switch")
        l.prd_count = l.prd_release = l.prd_confirm = l.prd_ref = NO

    # enum memory_type, by name: FS_DAX is 3, then 2 (v5.3), then 3 (v6.0).
    for name in MEMORY_TYPE_NAMES:
        if name == MT_GENERIC:
            # MEMORY_DEVICE_DEVDAX (v5.3) was renamed MEMORY_DEVICE_GENERIC
            # (v5.10).
            for n in ("MEMORY_DEVICE_GENERIC", "MEMORY_DEVICE_DEVDAX"):
                v = _enum(prog, n)
                if v is not None:
                    l.mtype_value[name] = v
                    break
        else:
            v = _enum(prog, name)
            if v is not None:
                l.mtype_value[name] = v

    # The refcount model (kernel-facts E, probes P-E1).
    has = lambda s: symbol_address(prog, s) != 0  # noqa: E731
    if has("get_zone_device_page"):
        l.refmodel = RM_4_5
        l.why.append(
            "refcounts: get_zone_device_page exists: page gets take pgmap refs (v4.5-v4.13)"
        )
    elif l.pm_ref_is_ptr:
        l.refmodel = RM_4_14
        l.why.append(
            "refcounts: dev_pagemap.ref is a pointer (before v5.17): the owner's ref, one per pfn"
        )
    elif has("free_zone_device_folio") and not has("devmap_managed_key"):
        # Linux kernel commit 38607c62b34b ("fs/dax: properly refcount fs dax
        # pages") (in v6.15)
        l.refmodel = RM_6_15
        l.why.append(
            "refcounts: free_zone_device_folio without devmap_managed_key: fsdax pages idle at 0 "
            "(38607c62b34b, v6.15)"
        )
    elif has("zone_device_page_init"):
        # Linux kernel commit 0dc45ca1ce18 ("mm/memremap.c: take a pgmap
        # reference on page allocation") (in v6.1)
        l.refmodel = RM_6_1
        l.why.append(
            "refcounts: zone_device_page_init exists (0dc45ca1ce18, v6.1): 1 + bulk refs except "
            "PRIVATE/COHERENT; fsdax idle = 1"
        )
    else:
        l.refmodel = RM_5_17
        l.why.append(
            "refcounts: embedded dev_pagemap.ref (v5.17): 1 + bulk refs for every type"
        )
    l.fsdax_idle_refcount = 0 if l.refmodel == RM_6_15 else 1

    l.pgmap_array = symbol_address(prog, "pgmap_array")
    if l.pgmap_array:
        l.why.append("pgmaps: pgmap_array (XArray keyed by pfn)")
    else:
        l.pgmap_radix = symbol_address(prog, "pgmap_radix")
        if l.pgmap_radix:
            l.why.append("pgmaps: pgmap_radix (radix tree, v4.5-v4.19)")
            # <= v4.15 the radix holds struct page_map * with the pgmap inside
            po = member_offset(prog, "struct page_map", "pgmap")
            l.page_map_pgmap = po if po > 0 else 0
        else:
            l.why.append(
                "pgmaps: neither pgmap_array nor pgmap_radix: no ZONE_DEVICE registry in this kernel"
            )
    l.super_blocks = symbol_address(prog, "super_blocks")


def _vmemmap(prog: Program, l: DaxLayout) -> None:
    # The struct page address of pfn 0 under SPARSEMEM_VMEMMAP (x86_64
    # vmemmap_base, a variable under KASLR): drgn's pfn_to_page() knows it.
    from drgn.helpers.linux.mm import pfn_to_page

    try:
        l.vmemmap = pfn_to_page(prog, 0).value_()
    except (LookupError, FaultError, ValueError):
        l.vmemmap = 0


def dax_layout(prog: Program) -> DaxLayout:
    """
    Probe (once) and return the layout and era decisions of a program.

    :attr:`DaxLayout.ok` is false, with :attr:`DaxLayout.error` set, when
    the debuginfo lacks the minimum (page-cache tree and ``struct page``).

    >>> l = dax_layout(prog)
    >>> l.tree, l.era.id, l.refmodel
    ('xarray', '4.20', '6.1-6.14')

    :param prog: the program
    """
    key = "daxtriage.layout"
    l = prog.cache.get(key)
    if l is not None:
        return l
    l = DaxLayout()
    _probe_tree(prog, l)
    _probe_vfs_page(prog, l)
    _probe_pgmap(prog, l)
    _vmemmap(prog, l)
    missing = None
    if l.era is None:
        missing = "DAX era"
    elif l.as_i_pages < 0:
        missing = "address_space.i_pages"
    elif l.xa_head < 0 or l.n_slots < 0 or (l.n_shift < 0 and l.n_path < 0) or l.n_size <= 0:
        missing = "page-cache tree node layout"
    elif l.page_size <= 0 or l.pg_refcount < 0 or l.pg_mapping < 0:
        missing = "struct page layout"
    elif l.chunk_size not in (64, 16):
        missing = "tree chunk size"
    if missing:
        l.error = f"debuginfo lacks {missing}"
    else:
        l.ok = True
    prog.cache[key] = l
    return l


def require_layout(prog: Program) -> DaxLayout:
    """
    Return :func:`dax_layout()`, raising :class:`DaxLayoutError` (one line:
    what debuginfo lacks) if it is unusable.

    >>> require_layout(prog).page_size
    64

    :param prog: the program
    """
    l = dax_layout(prog)
    if not l.ok:
        raise DaxLayoutError(l.error)
    return l


__all__ += ("require_layout", "S_DAX")
