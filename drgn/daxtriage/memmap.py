# SPDX-License-Identifier: GPL-2.0-or-later
"""
Memmap
------

The ``daxtriage.memmap`` module reads ``struct page`` s
(:linux:`include/linux/mm_types.h`) in bulk and takes the page census of a
pgmap range.

drgn builds one ``Object`` and issues one read per member access; over the
hundreds of thousands of struct pages of a pmem namespace that costs
seconds. Here the memmap is read with one ``prog.read()`` per 512 struct
pages and decoded with a :class:`struct.Struct` precompiled from the member
offsets debuginfo gives (``prog.type("struct page")``). A chunk that does
not read is retried per 4 KiB vmemmap page (64 struct pages), so a memmap
that is not in the dump (``--map=dev``, or makedumpfile exclusion) costs
one failed read per 64 pages and is counted with the reason, never raised.
"""

import struct
from collections import Counter
from itertools import repeat
from operator import and_ as _and, itemgetter as _get
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from drgn import FaultError, Program

from .refmodel import MT_UNKNOWN, idle_refcount

__all__ = (
    "MEMMAP_CHUNK",
    "MemmapPage",
    "Census",
    "page_struct",
    "pfn_to_page_address",
    "page_decode",
    "page_read",
    "memmap_census",
)

MEMMAP_CHUNK = 512  # struct pages per read (crash's kmem -p reads 512 too)
# A census stops reading after this many unreadable pfns in a row and counts the rest unread
# (crash-ext/core/memmap.h DT_MEMMAP_UNREADABLE_RUN): a range end corrupted into terabytes
# would otherwise cost a failed read per chunk over up to 2^40 pfns.
MEMMAP_UNREADABLE_RUN = 1 << 20
_PAGE_SHIFT = 12


class MemmapPage(NamedTuple):
    """The fields of one ``struct page`` the tools use."""

    pfn: int
    addr: int  # struct page *
    flags: int
    word1: int  # compound_head / pgmap word (offset 8 in 4.18+)
    mapping: int
    index: int
    pgmap: int
    refcount: int  # _refcount (signed)
    mapcount_raw: int  # _mapcount (signed; -1 = not mapped)
    tail: bool  # compound_head has bit 0 set
    head: int  # the head page (itself unless tail)


class Census:
    """Page census of one pfn range (see :func:`memmap_census`)."""

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end  # exclusive
        self.pages = 0
        self.unreadable = 0
        self.tails = 0
        self.altmap_skipped = 0
        self.nonidle_total = 0
        self.nonidle_tails = 0
        self.reads = 0
        self.histogram: Dict[int, int] = {}  # at most 64 distinct refcounts
        self.histogram_other = 0
        self.unreadable_why = ""
        self.unread_from = 0  # pfn from which the rest was counted unread (0: none)


class _PageStruct:
    # Precompiled decoders over the struct page offsets of one program.
    def __init__(self, l) -> None:
        self.size = l.page_size
        w1 = l.pg_compound_head if l.pg_compound_head >= 0 else 8
        fields = [
            ("flags", l.pg_flags if l.pg_flags >= 0 else 0, "Q"),
            ("word1", w1, "Q"),
            ("mapping", l.pg_mapping, "Q"),
            ("index", l.pg_index, "Q"),
            ("pgmap", l.pg_pgmap, "Q"),
            ("refcount", l.pg_refcount, "i"),
            ("mapcount", l.pg_mapcount, "i"),
        ]
        self.has_tail = l.pg_compound_head >= 0
        self.compound_info = getattr(l, "pg_compound_info", False)
        self.full, self.full_idx = self._build(fields)
        # The census fast path: only word1 (tail bit) and _refcount.
        self.quick, self.quick_idx = self._build(
            [("word1", w1, "Q"), ("refcount", l.pg_refcount, "i")]
        )

    def _build(self, fields) -> Tuple[struct.Struct, Dict[str, int]]:
        slots: Dict[Tuple[int, str], int] = {}
        present = sorted({(o, f) for _, o, f in fields if o >= 0})
        fmt, pos = "<", 0
        for i, (o, f) in enumerate(present):
            if o < pos:
                raise ValueError(f"overlapping struct page members at offset {o}")
            fmt += f"{o - pos}x" if o > pos else ""
            fmt += f
            pos = o + struct.calcsize("<" + f)
            slots[(o, f)] = i
        if pos > self.size:
            raise ValueError("struct page members beyond sizeof(struct page)")
        fmt += f"{self.size - pos}x" if self.size > pos else ""
        idx = {name: slots[(o, f)] if o >= 0 else -1 for name, o, f in fields}
        return struct.Struct(fmt), idx


def page_struct(prog: Program, layout) -> _PageStruct:
    """
    Return the precompiled ``struct page`` decoder of a program (memoised in
    ``prog.cache["daxtriage.page_struct"]``).

    >>> page_struct(prog, dax_layout(prog)).full.format
    '<QQQQi4xi...'

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    """
    key = "daxtriage.page_struct"
    ps = prog.cache.get(key)
    if ps is None:
        ps = prog.cache[key] = _PageStruct(layout)
    return ps


def pfn_to_page_address(layout, pfn: int) -> Optional[int]:
    """
    Return the ``struct page *`` of a pfn (SPARSEMEM_VMEMMAP: a linear
    array from ``vmemmap``), or ``None`` if unknown.

    >>> hex(pfn_to_page_address(dax_layout(prog), 0x108603))
    '0xfffffb8c842180c0'

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param pfn: page frame number
    """
    if not layout.vmemmap:
        return None
    return (layout.vmemmap + pfn * layout.page_size) & ((1 << 64) - 1)


def page_decode(ps: _PageStruct, buf, off: int, pfn: int, addr: int) -> MemmapPage:
    """
    Decode the ``struct page`` at ``buf[off:]``.

    >>> page_decode(page_struct(prog, l), prog.read(a, 64), 0, pfn, a).refcount
    2

    :param ps: from :func:`page_struct()`
    :param buf: bytes read from the memmap
    :param off: offset of the page in ``buf``
    :param pfn: its pfn
    :param addr: its address
    """
    v = ps.full.unpack_from(buf, off)
    i = ps.full_idx
    word1 = v[i["word1"]]
    tail = ps.has_tail and bool(word1 & 1)
    head = addr
    if tail:
        head = word1 - 1
        if ps.compound_info and _is_high_mask(word1 - 1):
            head = addr & (word1 - 1)
    return MemmapPage(
        pfn,
        addr,
        v[i["flags"]],
        word1,
        v[i["mapping"]],
        v[i["index"]] if i["index"] >= 0 else 0,
        v[i["pgmap"]] if i["pgmap"] >= 0 else 0,
        v[i["refcount"]],
        v[i["mapcount"]] if i["mapcount"] >= 0 else -1,
        tail,
        head,
    )


def _is_high_mask(v: int) -> bool:
    # 0xffff...f000...: contiguous ones from bit 63 down (a compound_info mask)
    inv = ~v & ((1 << 64) - 1)
    return v >> 63 == 1 and inv & (inv + 1) == 0


def page_read(prog: Program, layout, pfn: int) -> Optional[MemmapPage]:
    """
    Read the ``struct page`` of one pfn, or ``None`` if it is not in the
    dump.

    >>> page_read(prog, dax_layout(prog), 0x108603).refcount
    2

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param pfn: page frame number
    """
    a = pfn_to_page_address(layout, pfn)
    if a is None or layout.page_size <= 0 or layout.page_size > 256:
        return None
    try:
        b = prog.read(a, layout.page_size)
    except (FaultError, ValueError):
        return None
    return page_decode(page_struct(prog, layout), b, 0, pfn, a)


_ODD = bytes(ord("b") if i & 1 else ord("a") for i in range(256))


class _IdleCheck:
    """
    The census's common case at C speed: a chunk whose every page is idle (head and base
    pages at the idle refcount, compound tails at 0) is recognised without building one
    Python object per page.  The _refcount fields of the chunk are gathered with one strided
    memoryview copy and compared with the bytes an all-idle chunk has, built from the tail
    bits (the low byte of compound_head, gathered the same way) with bytes.translate and
    bytes.replace.  Any other chunk goes through the per-page path.
    """

    def __init__(self, ps: "_PageStruct", l, idle_head: int, idle_tail: int) -> None:
        self.psz = ps.size
        self.rc_off = l.pg_refcount
        self.w1_off = l.pg_compound_head if ps.has_tail else -1
        self.head = struct.pack("<i", idle_head)
        self.tail = struct.pack("<i", idle_tail)
        self.idle_head, self.idle_tail = idle_head, idle_tail
        self.usable = (
            self.psz % 4 == 0 and self.rc_off % 4 == 0 and self.rc_off + 4 <= self.psz
            and not set(self.head + self.tail) & set(b"ab")
        )

    def all_idle(self, buf: bytes, k: int, hist: Dict[int, int], c: "Census") -> bool:
        """If every page of the chunk is idle, count it (histogram, tails) and say so."""
        if not self.usable:
            return False
        step = self.psz // 4
        rcs = memoryview(buf).cast("B").cast("i")[self.rc_off // 4 :: step].tobytes()
        if self.w1_off < 0:
            tails = 0
            if rcs != self.head * k:
                return False
            order = [(self.idle_head, k)]
        else:
            kinds = buf[self.w1_off :: self.psz].translate(_ODD)
            if rcs != kinds.replace(b"a", self.head).replace(b"b", self.tail):
                return False
            tails = kinds.count(b"b")
            counts = {self.idle_head: k - tails, self.idle_tail: tails}
            first = self.idle_tail if kinds[:1] == b"b" else self.idle_head
            order = [(first, counts[first])] + [
                (v, n) for v, n in counts.items() if v != first and n
            ]
            if self.idle_head == self.idle_tail:
                order = [(self.idle_head, k)]
        c.tails += tails
        for rc, cnt in order:
            if rc in hist:
                hist[rc] += cnt
            elif len(hist) < 64:
                hist[rc] = cnt
            else:
                c.histogram_other += cnt
        return True


def memmap_census(
    prog: Program,
    layout,
    pgmap,
    start: int,
    end: int,
    nonidle_cb: Optional[Callable[[MemmapPage, int], Optional[bool]]] = None,
) -> Census:
    """
    Take the census of pfns ``[start, end)`` of a pgmap: a refcount
    histogram of every struct page read, and each page that is not idle by
    the era's rule (head/base pages at the type's idle refcount, compound
    tails at 0) passed to ``nonidle_cb(page, idle)`` (return true to stop).
    The altmap-reserved pfns at the start of range 0 hold the memmap itself
    and are skipped.

    >>> c = memmap_census(prog, l, pm, 0x100000, 0x140000)
    >>> c.histogram, c.reads
    ({1: 262140, 2: 3, 3: 1}, 512)

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param pgmap: a :class:`daxtriage.pgmap.Pgmap` (or ``None``)
    :param start: first pfn
    :param end: end pfn (exclusive)
    :param nonidle_cb: called for every page that is not idle
    """
    c = Census(start, end)
    l = layout
    psz = l.page_size
    if psz <= 0 or psz > 256 or end < start:
        return c
    ps = page_struct(prog, l)
    quick, qi = ps.quick, ps.quick_idx
    iw, ir = qi["word1"], qi["refcount"]
    has_tail = ps.has_tail
    mtype = pgmap.type if pgmap is not None else MT_UNKNOWN
    idle_head = idle_refcount(l.refmodel, mtype, False)
    idle_tail = idle_refcount(l.refmodel, mtype, True)
    hist = c.histogram
    fast = _IdleCheck(ps, l, idle_head, idle_tail)
    altmap = pgmap is not None and pgmap.altmap_valid
    skip_to = pgmap.pfn_first[0] if pgmap is not None and pgmap.nr_range > 0 else start
    range0 = pgmap.start[0] >> _PAGE_SHIFT if pgmap is not None and pgmap.nr_range > 0 else 0
    stop = False
    run = 0  # unreadable pfns in a row
    pfn = start
    while pfn < end and not stop:
        n = min(end - pfn, MEMMAP_CHUNK)
        # altmap-reserved pfns at the start of range 0 hold the memmap itself: skipped in
        # one step (the offset is the dump's word, maybe corrupted into 2^60)
        if altmap and range0 <= pfn < skip_to:
            k = min(skip_to, end) - pfn
            c.altmap_skipped += k
            pfn += k
            continue
        if run >= MEMMAP_UNREADABLE_RUN:
            c.unread_from = pfn
            c.unreadable += end - pfn
            break
        unreadable_before = c.unreadable
        if altmap and pfn < skip_to < pfn + n:
            n = skip_to - pfn
        a = pfn_to_page_address(l, pfn)
        if a is None:
            c.unreadable += n
            if not c.unreadable_why:
                c.unreadable_why = f"no struct page address for pfn {pfn:#x}"
            run += n
            pfn += n
            continue
        c.reads += 1
        pieces: List[Tuple[int, int, Optional[bytes]]] = []
        try:
            pieces.append((0, n, prog.read(a, psz * n)))
        except (FaultError, ValueError):
            per = 4096 // psz
            for i in range(0, n, per):
                k = min(n - i, per)
                c.reads += 1
                try:
                    pieces.append((i, k, prog.read(a + i * psz, psz * k)))
                except (FaultError, ValueError):
                    pieces.append((i, k, None))
                    if not c.unreadable_why:
                        c.unreadable_why = (
                            f"struct pages at {a + i * psz:#x} (pfn {pfn + i:#x}) are not in "
                            "the dump (memmap on the device with map=dev, or excluded by "
                            "makedumpfile)"
                        )
        for i0, k, buf in pieces:
            if buf is None:
                c.unreadable += k
                continue
            c.pages += k
            if fast is not None and fast.all_idle(buf, k, hist, c):
                continue
            rows = list(quick.iter_unpack(buf))
            # C-level passes over the chunk: refcount histogram, tail count
            counts = Counter(map(_get(ir), rows))
            ntails = sum(map(_and, map(_get(iw), rows), repeat(1))) if has_tail else 0
            c.tails += ntails
            if ntails == 0:
                nonidle = k - counts.get(idle_head, 0)
                idxs = [j for j, r in enumerate(rows) if r[ir] != idle_head] if nonidle else []
            else:
                idxs = [
                    j
                    for j, r in enumerate(rows)
                    if r[ir] != (idle_tail if r[iw] & 1 else idle_head)
                ]
            for j in idxs:
                tail = has_tail and bool(rows[j][iw] & 1)
                c.nonidle_total += 1
                if tail:
                    c.nonidle_tails += 1
                if nonidle_cb is not None and not stop:
                    p = page_decode(ps, buf, j * psz, pfn + i0 + j, a + (i0 + j) * psz)
                    if nonidle_cb(p, idle_tail if tail else idle_head):
                        stop = True
            # merge in order of first appearance: the same 64 buckets as a
            # page-by-page count
            for rc, cnt in counts.items():
                if rc in hist:
                    hist[rc] += cnt
                elif len(hist) < 64:
                    hist[rc] = cnt
                else:
                    c.histogram_other += cnt
        run = run + n if c.unreadable - unreadable_before == n else 0
        pfn += n
    return c


WINDOW_BYTES = 4096


class MemmapWindow:
    """
    The struct pages of one 4 KiB vmemmap page at a time, for walks that visit the struct
    pages of neighbouring pfns one by one (the entries of a mapping, mostly in pfn order): a
    dump is read in whole pages anyway, so one ``prog.read`` per vmemmap page instead of one or
    two per entry costs a scattered walk nothing (``struct dt_memmap_window``,
    ``crash-ext/core/memmap.h``).  A window that does not read falls back to the struct page
    alone.

    >>> MemmapWindow(prog, dax_layout(prog)).get(0x108603).refcount
    2
    """

    def __init__(self, prog: Program, layout) -> None:
        self.prog = prog
        self.l = layout
        self.ps = page_struct(prog, layout)
        self.addr = -1
        self.buf: Optional[bytes] = None

    def get(self, pfn: int) -> Optional[MemmapPage]:
        """The struct page of ``pfn``, or ``None`` if it is not in the dump."""
        a = pfn_to_page_address(self.l, pfn)
        psz = self.l.page_size
        if a is None or psz <= 0 or psz > 256:
            return None
        win = a & ~(WINDOW_BYTES - 1)
        if a + psz <= win + WINDOW_BYTES:
            if win != self.addr:
                self.addr = win
                try:
                    self.buf = self.prog.read(win, WINDOW_BYTES)
                except (FaultError, ValueError):
                    self.buf = None
            if self.buf is not None:
                return page_decode(self.ps, self.buf, a - win, pfn, a)
        try:
            return page_decode(self.ps, self.prog.read(a, psz), 0, pfn, a)
        except (FaultError, ValueError):
            return None


__all__ += ("MemmapWindow", "WINDOW_BYTES")


def entry_page_scan(prog: Program, layout, pfn: int, n: int):
    """
    Yield ``(MemmapPage or None, count)`` runs over the struct pages of pfns
    ``[pfn, pfn + n)``, read in chunks of :data:`MEMMAP_CHUNK`: a page for
    each readable struct page, ``(None, k)`` for ``k`` pages not in the dump.

    >>> sum(1 for p, _ in entry_page_scan(prog, l, 0x108600, 512) if p and p.refcount != 1)
    1

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param pfn: first pfn
    :param n: number of pfns
    """
    ps = page_struct(prog, layout)
    psz = layout.page_size
    for i in range(0, n, MEMMAP_CHUNK):
        k = min(n - i, MEMMAP_CHUNK)
        a = pfn_to_page_address(layout, pfn + i)
        buf = None
        if a is not None:
            try:
                buf = prog.read(a, psz * k)
            except (FaultError, ValueError):
                buf = None
        if buf is None:
            yield None, k
            continue
        for j in range(k):
            yield page_decode(ps, buf, j * psz, pfn + i + j, a + j * psz), 1


__all__ += ("entry_page_scan",)
