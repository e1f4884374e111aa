# SPDX-License-Identifier: GPL-2.0-or-later
"""
One struct page
---------------

The ``daxtriage.page`` module describes one ``struct page``
(:linux:`include/linux/mm_types.h`) the way the kernel's ``dump_page()``
(:linux:`mm/debug.c`) prints it: refcount, mapcount, mapping, index and pfn;
head, order, compound mapcount and pincount of a compound page; the
``a_ops`` symbol, inode number and first dentry name of a file mapping; the
flags by ``PG_*`` enumerator name with the node and zone.

It mirrors ``crash-ext/core/page.c`` so that ``daxpage`` prints the same
lines in crash and drgn. Which wording the compound line takes is probed:
6.1's ``compound_mapcount``/``compound_pincount`` while ``struct page`` has
``compound_pincount``, else the folio wording of 6.2+ (``entire_mapcount``,
``pincount``).
"""

from typing import List, NamedTuple, Optional, Tuple

from drgn import FaultError, Program

from .memory import (
    read_u64 as _u64,
    read_u32 as _u32,
    kptr_ok as _kptr,
    read_str as _str,
)
from .layout import member_offset, member_size, type_size
from .memmap import MemmapPage, page_decode, page_struct, pfn_to_page_address
from .symbols import symbol_name

__all__ = (
    "PAGE_FLAG_NAMES",
    "ZoneShift",
    "PageInfo",
    "inode_dentry",
    "zone_shift",
    "page_to_pfn",
    "page_flags_describe",
    "page_describe",
    "folio_mapcount",
)

# include/trace/events/mmflags.h names, looked up as PG_<name> enumerators
# (the same list, in the same order, as crash-ext/core/page.c).
PAGE_FLAG_NAMES = (
    "locked", "waiters", "error", "referenced", "uptodate", "dirty", "lru", "active",
    "workingset", "owner_priv_1", "arch_1", "reserved", "private", "private_2",
    "writeback", "head", "mappedtodisk", "reclaim", "swapbacked", "unevictable", "mlocked",
    "uncached", "hwpoison", "young", "idle", "arch_2", "arch_3",
)  # fmt: skip

# mapping kinds of PageInfo.mapping_kind (struct dt_page_info.mapping_kind)
MAPPING_NONE, MAPPING_FILE, MAPPING_MARKER, MAPPING_UNREADABLE, MAPPING_NO_HOST = range(5)
_MAX_PAGE_SIZE = 256


class ZoneShift(NamedTuple):
    """Where ``page->flags`` keeps the zone and the node."""

    zone_shift: int  # ZONES_PGSHIFT
    zone_bits: int  # ZONES_WIDTH
    node_shift: int  # NODES_SHIFT (the node is the top NODES_SHIFT bits)
    zone_device: int  # the ZONE_DEVICE enumerator


def _enum(prog: Program, name: str) -> Optional[int]:
    try:
        return prog.constant(name).value_()
    except (LookupError, ValueError):
        return None


def zone_shift(prog: Program) -> Optional[ZoneShift]:
    """
    Return ``ZONES_PGSHIFT``, ``ZONES_WIDTH`` and ``NODES_SHIFT`` derived from
    debuginfo, or ``None`` if they cannot be (memoised in
    ``prog.cache["daxtriage.zone_shift"]``).

    With ``SPARSEMEM_VMEMMAP`` (``SECTIONS_WIDTH`` 0) the zone sits below the
    node at the top of ``page->flags``: ``ZONES_PGSHIFT = 64 - NODES_SHIFT -
    ZONES_WIDTH``. ``NODES_SHIFT`` is read from the size of ``nodemask_t``
    (``MAX_NUMNODES`` bits rounded up to longs: exact from 64 nodes; below
    that the size cannot tell and 6 is assumed), ``ZONES_WIDTH`` from
    ``__MAX_NR_ZONES`` (kernel-facts C.4, option a).

    >>> zone_shift(prog)
    ZoneShift(zone_shift=51, zone_bits=3, node_shift=10, zone_device=4)

    :param prog: the program
    """
    key = "daxtriage.zone_shift"
    if key in prog.cache:
        return prog.cache[key]
    out = None
    nm = type_size(prog, "nodemask_t")
    if nm <= 0:
        nm = member_size(prog, "struct task_struct", "mems_allowed")
    maxz, zdev = _enum(prog, "__MAX_NR_ZONES"), _enum(prog, "ZONE_DEVICE")
    if maxz is not None and zdev is not None and nm > 0 and maxz >= 2:
        ns = 0
        while 8 * nm > 1 << ns:
            ns += 1
        ns = max(ns, 6)  # below 64 nodes the size cannot tell: NODES_SHIFT <= 6 [assumed 6]
        zb = 0
        while 1 << zb < maxz:
            zb += 1
        out = ZoneShift(64 - ns - zb, zb, ns, zdev)
    prog.cache[key] = out
    return out


def page_to_pfn(layout, page: int) -> Optional[int]:
    """
    Return the pfn of a ``struct page *`` of the linear vmemmap
    (``SPARSEMEM_VMEMMAP``), or ``None`` if the address is not one.

    >>> page_to_pfn(dax_layout(prog), 0xfffffb3c44218100)
    1082884

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param page: ``struct page *``
    """
    base = pfn_to_page_address(layout, 0)
    psz = layout.page_size
    if psz <= 0 or base is None or page < base or (page - base) % psz:
        return None
    return (page - base) // psz


class _PageLayout:
    # The offsets daxpage needs beyond dax_layout(), probed once.
    def __init__(self, prog: Program) -> None:
        off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
        self.pg_head = _enum(prog, "PG_head")
        self.nr_pageflags = _enum(prog, "__NR_PAGEFLAGS")
        self.flag_bits: List[tuple] = []
        for name in PAGE_FLAG_NAMES:
            bit = _enum(prog, "PG_" + name)
            if bit is not None:
                self.flag_bits.append((name, bit))
        # Where a compound page keeps its order, mapcounts and pincount, as
        # offsets from its head (the C core's folio.c, probed alike):
        # <= 6.1 the first tail page's compound_order, compound_mapcount,
        # compound_pincount (5.x: hpage_pinned_refcount of the second tail,
        # "mm/gup: page->hpage_pinned_refcount: exact pin counts for huge
        # pages", v5.7); 6.2+ the folio's own fields: _folio_order until
        # Linux kernel commit ebc1baf5c9b4 ("mm: free up a word in the first
        # tail page") (in v6.6) moved the order to the low byte of _flags_1
        # (folio_order() = folio->_flags_1 & 0xff), _entire_mapcount,
        # _pincount, and _large_mapcount (folio_mapcount() of a large folio,
        # "mm: track mapcount of large folios in single value", v6.10).
        psz = type_size(prog, "struct page")
        in_page = lambda n, m: (  # noqa: E731
            n * psz + off("struct page", m) if psz > 0 and off("struct page", m) >= 0 else -1
        )
        self.fo_large_mapcount = -1
        self.fo_order = in_page(1, "compound_order")
        if self.fo_order >= 0:
            self.fo_entire = in_page(1, "compound_mapcount")
            self.fo_pincount = in_page(1, "compound_pincount")
            if self.fo_pincount < 0:
                self.fo_pincount = in_page(2, "hpage_pinned_refcount")
            self.folio_wording = False
        else:
            self.fo_order = off("struct folio", "_folio_order")
            if self.fo_order < 0:
                self.fo_order = off("struct folio", "_flags_1")
            self.fo_entire = off("struct folio", "_entire_mapcount")
            self.fo_pincount = off("struct folio", "_pincount")
            self.fo_large_mapcount = off("struct folio", "_large_mapcount")
            self.folio_wording = self.fo_order >= 0
        self.a_ops = off("struct address_space", "a_ops")
        self.i_dentry = off("struct inode", "i_dentry")
        # the first alias: hlist_node d_alias, heading the named union d_u
        # (6.1); in the 7.2 sample the union is anonymous (first release not
        # verified)
        self.d_alias = off("struct dentry", "d_alias")
        if self.d_alias < 0:
            self.d_alias = off("struct dentry", "d_u.d_alias")


def _page_layout(prog: Program) -> _PageLayout:
    key = "daxtriage.page_layout"
    pl = prog.cache.get(key)
    if pl is None:
        pl = prog.cache[key] = _PageLayout(prog)
    return pl


class PageInfo:
    """
    One struct page as :func:`page_describe` found it (the fields of
    ``struct dt_page_info``).
    """

    def __init__(self, page: MemmapPage, raw: bytes) -> None:
        self.p = page  # the page's own words
        self.raw = raw  # its bytes
        self.compound = False  # PG_head set, or a tail
        self.head = page.addr
        self.hp = page  # the head page (the page itself unless a tail)
        self.order = -1  # -1: unknown
        self.compound_mapcount = 0  # +1 applied
        self.compound_pincount = 0
        self.compound_known = False
        self.folio_wording = False
        self.mapcount = 0  # page_mapcount()
        self.mapping_kind = MAPPING_NONE
        self.host = self.a_ops = self.ino = self.dentry = 0
        self.aops = ""
        self.dname = ""
        self.flagstr = ""
        self.zone = self.node = 0
        self.zone_known = False
        self.reserved = -1  # PG_reserved set (1/0), -1 unknown


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def page_flags_describe(prog: Program, flags: int) -> tuple:
    """
    Return ``page->flags`` as ``dump_page()`` prints it, ``"0x…(names|node=N|zone=N)"``,
    with the zone (or ``None``), the node and whether ``PG_reserved`` is set
    (-1 if unknown).

    >>> page_flags_describe(prog, 0x27ffffc0001002)[0]
    '0x27ffffc0001002(referenced|reserved|node=0|zone=4)'

    :param flags: ``page->flags`` (``unsigned long``)
    """
    pl = _page_layout(prog)
    names = []
    reserved = -1
    nr = pl.nr_pageflags
    if nr is not None and 0 < nr < 64:
        for name, bit in pl.flag_bits:
            if bit < 0 or bit >= nr:
                continue
            if name == "reserved":
                reserved = (flags >> bit) & 1
            if (flags >> bit) & 1:
                names.append(name)
    s = ("0" if flags == 0 else "%#x" % flags) + "(" + "|".join(names)
    zs = zone_shift(prog)
    zone = node = None
    if zs is not None:
        zone = (flags >> zs.zone_shift) & ((1 << zs.zone_bits) - 1)
        node = flags >> (64 - zs.node_shift)
        s += ("|" if names else "") + "node=%d|zone=%d)" % (node, zone)
    else:
        s += ")"
    return s[:255], zone, node, reserved


def _describe_mapping(prog: Program, layout, pi: PageInfo) -> None:
    pl = _page_layout(prog)
    m = pi.hp.mapping
    if not m:
        return
    if m & 3:  # PAGE_MAPPING_ANON 1, PAGE_MAPPING_MOVABLE 2; 0x1 = PAGE_MAPPING_DAX_COW
        pi.mapping_kind = MAPPING_MARKER
        return
    host = _u64(prog, m + layout.as_host)
    ops = _u64(prog, m + pl.a_ops) if pl.a_ops >= 0 else 0
    if host is None or ops is None:
        pi.mapping_kind = MAPPING_UNREADABLE
        return
    pi.host, pi.a_ops = host, ops
    name = symbol_name(prog, ops) if ops else None
    pi.aops = name if name is not None else ("0" if ops == 0 else "%#x" % ops)
    if pi.aops.endswith("+0x0"):
        pi.aops = pi.aops[:-4]
    if not host:
        pi.mapping_kind = MAPPING_NO_HOST
        return
    pi.mapping_kind = MAPPING_FILE
    pi.ino = _u64(prog, host + layout.i_ino) or 0
    pi.dentry, name = inode_dentry(prog, layout, host)
    pi.dname = name or ""


def inode_dentry(prog: Program, layout, inode: int) -> Tuple[int, Optional[str]]:
    """
    Return the first dentry of an inode (its ``i_dentry`` alias list) and
    that dentry's name in display form (``escape.py``; ``""`` if unreadable),
    or ``(0, None)`` if it has none (``dt_inode_dentry()``).

    >>> d, name = inode_dentry(prog, dax_layout(prog), 0xffff8ced851b53c8)
    >>> hex(d), name
    ('0xffff8ced8512c600', 'pte.dat')

    :param layout: :func:`dax_layout`
    :param inode: a struct inode address
    """
    pl = _page_layout(prog)
    if pl.i_dentry < 0 or pl.d_alias < 0 or not _kptr(inode):
        return 0, None
    first = _u64(prog, inode + pl.i_dentry)
    if not _kptr(first):
        return 0, None
    dentry = first - pl.d_alias  # hlist_node d_alias in the d_u union
    name = ""
    if layout.d_name_name >= 0:
        name_p = _u64(prog, dentry + layout.d_name_name)
        if _kptr(name_p, 1):
            name = _str(prog, name_p, 1023)  # dname[1024]: NAME_MAX 255 bytes, escaped
    return dentry, name


def page_describe(prog: Program, layout, pfn: int) -> Optional[PageInfo]:
    """
    Describe the struct page of a pfn as ``dump_page()`` does, or return
    ``None`` if that struct page is not in the dump (memmap on the device
    with ``map=dev``, excluded by makedumpfile, or not a valid pfn).

    >>> pi = page_describe(prog, dax_layout(prog), 0x108604)
    >>> pi.hp.refcount, pi.mapcount, pi.aops, pi.dname
    (2, 0, 'ext4_dax_aops', 'victim.dat')

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param pfn: page frame number
    """
    l = layout
    psz = l.page_size
    a = pfn_to_page_address(l, pfn)
    if psz <= 0 or psz > _MAX_PAGE_SIZE or a is None:
        return None
    try:
        raw = prog.read(a, psz)
    except (FaultError, ValueError, OverflowError):
        return None
    ps = page_struct(prog, l)
    p = page_decode(ps, raw, 0, pfn, a)
    pi = PageInfo(p, raw)
    pl = _page_layout(prog)
    if pl.pg_head is not None and 0 <= pl.pg_head < 64 and (p.flags >> pl.pg_head) & 1:
        pi.compound = True
    if p.tail:
        pi.compound = True
        pi.head = p.head
        hpfn = page_to_pfn(l, p.head)
        if hpfn is not None:
            try:
                pi.hp = page_decode(ps, prog.read(p.head, psz), 0, hpfn, p.head)
            except (FaultError, ValueError, OverflowError):
                pass
    pi.mapcount = p.mapcount_raw + 1
    if pi.compound:
        # order, entire mapcount and pincount live in the head's tail pages
        pi.folio_wording = pl.folio_wording
        fo = _folio_read(prog, pl, pi.head)
        if fo is not None:
            pi.order, pi.compound_mapcount, pi.compound_pincount, _ = fo
            pi.compound_known = True
        pi.mapcount = _s32(pi.mapcount + pi.compound_mapcount)
    _describe_mapping(prog, l, pi)
    pi.flagstr, zone, node, pi.reserved = page_flags_describe(prog, pi.hp.flags)
    if zone is not None:
        pi.zone, pi.node, pi.zone_known = zone, node, True
    return pi


def _folio_read(prog: Program, pl: _PageLayout, head: int):
    # (order, entire mapcount + 1, pincount, folio_mapcount or -1) of the large
    # folio at head, or None if its order cannot be read (dt_folio_read)
    if pl.fo_order < 0:
        return None
    try:
        order = prog.read(head + pl.fo_order, 1)[0]
    except (FaultError, ValueError, OverflowError):
        return None
    if order > 63:
        return None
    entire = pin = 0
    mapcount = -1
    if pl.fo_entire >= 0:
        v = _u32(prog, head + pl.fo_entire)
        if v is not None:
            entire = _s32(v + 1)
    if pl.fo_pincount >= 0:
        v = _u32(prog, head + pl.fo_pincount)
        if v is not None:
            pin = _s32(v)
    if pl.fo_large_mapcount >= 0:
        v = _u32(prog, head + pl.fo_large_mapcount)
        if v is not None:
            mapcount = _s32(v + 1)
    return order, entire, pin, mapcount


def folio_mapcount(prog: Program, page: MemmapPage) -> int:
    """
    Return how many page-table mappings hold the folio a head or small page
    heads, as ``folio_mapcount()`` counts them: ``_large_mapcount + 1`` for a
    large folio (``PG_head``; a PMD-mapped DAX folio counts 1 there, not in
    the head's ``_mapcount``), else ``_mapcount + 1``. From v6.15 an fsdax or
    device-dax page is held by its mappings, so what exceeds this count is
    pinned.

    >>> folio_mapcount(prog, page_read(prog, l, 0x101400))   # a PMD-mapped fsdax folio (7.2)
    1

    :param page: a head or small page (:func:`daxtriage.memmap.page_read()`)
    """
    pl = _page_layout(prog)
    if pl.pg_head is not None and 0 <= pl.pg_head < 64 and (page.flags >> pl.pg_head) & 1:
        fo = _folio_read(prog, pl, page.addr)
        if fo is not None and fo[3] >= 0:
            return fo[3]
    return page.mapcount_raw + 1 if page.mapcount_raw >= 0 else 0
