# SPDX-License-Identifier: GPL-2.0-or-later
"""
Page-cache trees
----------------

The ``daxtriage.tree`` module classifies the slots of an XArray
(:linux:`include/linux/xarray.h`, v4.20+) or radix tree
(:linux:`include/linux/radix-tree.h`, v4.5-v4.19: nodes with a height in
``path`` up to v4.6, with a ``shift`` from v4.7) and walks one over raw
memory with a bounded walker.

drgn's own ``xa_for_each()`` is correct, but a triage tool must survive a
tree that is not: this walker caps the number of nodes and the depth,
remembers every node it visited (a cycle stops the walk), checks each
node's shift, offset, parent and array back-pointers, and reports the first
problem in one line instead of raising. It reports value, exceptional,
retry, zero and pointer slots alike (``address_space_for_each_page()``
would drop the DAX value entries) and reads each node in one
``prog.read()``.

It mirrors ``crash-ext/core/tree.c`` so that both front ends count the same
nodes and name the same errors.
"""

import struct
from typing import Iterator, NamedTuple, Optional, Set, Tuple

__all__ = (
    "SLOT_EMPTY",
    "SLOT_VALUE",
    "SLOT_EXCEPTIONAL",
    "SLOT_POINTER",
    "SLOT_NODE",
    "SLOT_SIBLING",
    "SLOT_RETRY",
    "SLOT_ZERO",
    "SLOT_BAD",
    "XA_RETRY_ENTRY",
    "XA_ZERO_ENTRY",
    "xa_slot_classify",
    "radix_slot_classify",
    "TreeLeaf",
    "WalkStats",
    "dax_tree_walk",
    "dax_tree_load",
)

# Slot kinds; the strings are those the JSON output uses ("kind").
SLOT_EMPTY = "empty"
SLOT_VALUE = "value"  # XArray value entry (low bit 1): DAX or shadow entry
SLOT_EXCEPTIONAL = "exceptional"  # radix exceptional entry (low bits 10)
SLOT_POINTER = "pointer"  # plain pointer (struct page *, struct dev_pagemap *, ...)
SLOT_NODE = "node"  # child node
SLOT_SIBLING = "sibling"  # multi-index sibling naming the canonical slot
SLOT_RETRY = "retry"  # XA_RETRY_ENTRY (transient)
SLOT_ZERO = "zero"  # XA_ZERO_ENTRY (reserved)
SLOT_BAD = "bad"  # internal entry that cannot be in a slot

# include/linux/xarray.h: xa_mk_internal(v) = v << 2 | 2
XA_RETRY_ENTRY = 0x402  # xa_mk_internal(256)
XA_ZERO_ENTRY = 0x406  # xa_mk_internal(257)
_XA_NODE_MIN = 4096  # xa_is_node(): internal and > 4096
# RADIX_TREE_INTERNAL_NODE (4.7+; RADIX_TREE_INDIRECT_PTR before) and
# RADIX_TREE_EXCEPTIONAL_ENTRY: include/linux/radix-tree.h
_RADIX_INTERNAL_NODE = 1
_RADIX_ENTRY_MASK = 3
_RADIX_EXCEPTIONAL = 2

_U64 = (1 << 64) - 1


def xa_slot_classify(w: int, chunk_size: int = 64) -> Tuple[str, int]:
    """
    Classify an XArray slot word; return ``(kind, sibling)`` where
    ``sibling`` is the canonical offset a sibling names (else -1).

    >>> xa_slot_classify(0x3800007)
    ('value', -1)
    >>> xa_slot_classify(0x22)   # xa_mk_sibling(8)
    ('sibling', 8)

    :param w: the slot word (``void *`` as an integer)
    :param chunk_size: ``XA_CHUNK_SIZE`` (64, 16 with ``CONFIG_BASE_SMALL``)
    """
    if w == 0:
        return SLOT_EMPTY, -1
    if w & 1:
        return SLOT_VALUE, -1  # xa_is_value()
    if w & 3 == 0:
        return SLOT_POINTER, -1
    # internal: w & 3 == 2
    if w > _XA_NODE_MIN:
        return SLOT_NODE, -1  # xa_is_node(), node = w - 2
    v = w >> 2  # xa_to_internal()
    if v < chunk_size - 1:  # xa_is_sibling(): < xa_mk_sibling(XA_CHUNK_SIZE - 1)
        return SLOT_SIBLING, v
    if w == XA_RETRY_ENTRY:
        return SLOT_RETRY, -1
    if w == XA_ZERO_ENTRY:
        return SLOT_ZERO, -1
    return SLOT_BAD, -1


def radix_slot_classify(w: int, slots_addr: int, chunk_size: int = 64) -> Tuple[str, int]:
    """
    Classify a radix-tree slot word of the node whose ``slots[]`` start at
    ``slots_addr`` (4.7+: ``RADIX_TREE_INTERNAL_NODE`` = 1,
    ``RADIX_TREE_EXCEPTIONAL_ENTRY`` = 2); a sibling is an internal pointer
    into the same ``slots[]``.

    >>> radix_slot_classify(0x700000a, 0xffff888001234028)
    ('exceptional', -1)

    :param w: the slot word
    :param slots_addr: address of the node's ``slots[0]``
    :param chunk_size: ``RADIX_TREE_MAP_SIZE``
    """
    if w == 0:
        return SLOT_EMPTY, -1
    if w & _RADIX_ENTRY_MASK == _RADIX_EXCEPTIONAL:
        return SLOT_EXCEPTIONAL, -1
    if w & _RADIX_ENTRY_MASK == 0:
        return SLOT_POINTER, -1
    if w & _RADIX_ENTRY_MASK == _RADIX_INTERNAL_NODE:
        p = w & ~1
        if slots_addr <= p < slots_addr + 8 * chunk_size:
            if (p - slots_addr) % 8:
                return SLOT_BAD, -1
            return SLOT_SIBLING, (p - slots_addr) // 8
        if w == 1:
            return SLOT_RETRY, -1  # RADIX_TREE_RETRY: internal NULL
        return SLOT_NODE, -1
    return SLOT_BAD, -1


class TreeLeaf(NamedTuple):
    """One leaf of a tree: a multi-index entry once, at its first index."""

    index: int  # first index
    nr: int  # indices covered: (1 + siblings) << shift
    raw: int  # the slot word
    kind: str  # SLOT_*
    node: int  # the node holding it (0: the root pointer itself)
    slot: int


class WalkStats:
    """What a walk saw: ``nodes``, ``entries``, ``siblings``, ``errors`` and
    the first ``error`` in words ("" if none)."""

    def __init__(self) -> None:
        self.nodes = 0
        self.entries = 0
        self.siblings = 0
        self.errors = 0
        self.error = ""
        self.failed = False

    def _err(self, msg: str) -> None:
        self.errors += 1
        if not self.error:
            self.error = msg


def _max_shift(chunk_shift: int) -> int:
    # The top node of a tree of 64-bit indices has shift 60 with 64 slots (11
    # levels): the largest multiple of the chunk shift below 64 (dax_hosts is
    # keyed by struct gendisk pointers).
    return ((64 + chunk_shift - 1) // chunk_shift - 1) * chunk_shift


def _c(v: int) -> str:
    # C's %#llx: "0" for zero, else 0x...
    return "0" if v == 0 else hex(v)


def _path_height_shift(chunk_shift: int) -> int:
    # v4.5-v4.6 radix nodes have no shift: node->path holds the height in its
    # low RADIX_TREE_HEIGHT_SHIFT = RADIX_TREE_MAX_PATH + 1 bits (12 with
    # 64-slot nodes) and the offset in the parent above them
    # (include/linux/radix-tree.h, v4.5).
    return (64 + chunk_shift - 1) // chunk_shift + 1


def _node_shift(l, word: int) -> Tuple[int, int]:
    # (shift, offset recorded in the path) of a node from its shift byte
    # (v4.7+) or path word (v4.5-v4.6); shift -1 if the height is impossible.
    if l.n_shift >= 0:
        return word, -1
    hs = _path_height_shift(l.chunk_shift)
    height = word & ((1 << hs) - 1)
    if height == 0 or height > 64:
        return -1, word >> hs
    return (height - 1) * l.chunk_shift, word >> hs


def _radix_classify(l, w: int, slots_addr: int, shift: int) -> Tuple[str, int]:
    k, sib = radix_slot_classify(w, slots_addr, l.chunk_size)
    # v4.5 tags only root->rnode: child pointers inside nodes are plain until
    # Linux kernel commit 339e6353046d ("radix_tree: tag all internal tree
    # nodes as indirect pointers") (in v4.6), and the walk is driven by the
    # height. Page-cache and pgmap_radix items of that era sit in height-1
    # nodes only (DAX inserts with radix_tree_insert(), order 0).
    if k == SLOT_POINTER and l.n_shift < 0 and l.n_path >= 0 and shift > 0:
        k = SLOT_NODE
    return k, sib


class _Stop(Exception):
    pass


class _Walk:
    def __init__(self, prog, layout, container, root, max_nodes, max_depth, st):
        self.prog = prog
        self.l = layout
        self.xa = container == "xarray"
        self.root = root
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.st = st
        self.seen: Set[int] = set()
        n = layout.chunk_size
        self.slots_fmt = struct.Struct(f"<{n}Q")

    def classify(self, v: int, node: int, shift: int) -> Tuple[str, int]:
        if self.xa:
            return xa_slot_classify(v, self.l.chunk_size)
        return _radix_classify(self.l, v, node + self.l.n_slots, shift)

    def node_of(self, v: int) -> int:
        return (v - 2) & _U64 if self.xa else v & ~1

    def walk(self, node, parent, poff, expect_shift, base, depth) -> Iterator[TreeLeaf]:
        from drgn import FaultError

        l, st = self.l, self.st
        if depth >= self.max_depth:
            st._err(f"tree deeper than the cap at node {_c(node)} (depth {depth})")
            return
        if st.nodes >= self.max_nodes:
            st._err(f"node cap reached at node {_c(node)} ({st.nodes} nodes)")
            raise _Stop
        if not _kptr_ok(node, 8):
            st._err(f"bad node pointer {_c(node)} under node {_c(parent)}")
            return
        if node in self.seen:
            st._err(f"cycle: node {_c(node)} reached twice (under {_c(parent)})")
            raise _Stop
        self.seen.add(node)
        try:
            b = self.prog.read(node, l.n_size)
        except (FaultError, ValueError):
            st._err(f"node {_c(node)} not readable (under {_c(parent)})")
            return
        st.nodes += 1
        word = b[l.n_shift] if l.n_shift >= 0 else struct.unpack_from("<I", b, l.n_path)[0]
        shift, path_off = _node_shift(l, word)
        if shift < 0:
            st._err(
                f"node {_c(node)} has height "
                f"{word & ((1 << _path_height_shift(l.chunk_shift)) - 1)} in its path field"
            )
            return
        if l.n_shift < 0 and parent and path_off != poff:
            st._err(f"node {_c(node)}: path offset disagrees with its slot in parent {_c(parent)}")
        cs = l.chunk_shift
        if shift % cs or shift > _max_shift(cs) or (expect_shift >= 0 and shift != expect_shift):
            st._err(f"node {_c(node)} has shift {shift}, not what its parent implies")
            return
        if l.n_offset >= 0 and parent and b[l.n_offset] != poff:
            st._err(
                f"node {_c(node)}: offset field disagrees with its slot in parent {_c(parent)}"
            )
        if l.n_parent >= 0 and struct.unpack_from("<Q", b, l.n_parent)[0] != parent:
            st._err(f"node {_c(node)}: parent field is not {_c(parent)}")
        if l.n_array >= 0 and self.xa:
            arr = struct.unpack_from("<Q", b, l.n_array)[0]
            if arr != self.root:
                st._err(
                    f"node {_c(node)} belongs to another array ({_c(arr)}): freed or reused node"
                )
                return
        slots = self.slots_fmt.unpack_from(b, l.n_slots)
        n = l.chunk_size
        kinds = [self.classify(v, node, shift) for v in slots]
        for i in range(n):
            v = slots[i]
            k, sib = kinds[i]
            idx = base + (i << shift)
            if k == SLOT_EMPTY:
                continue
            if k == SLOT_SIBLING:
                st.siblings += 1
                if sib >= i:
                    st._err(f"node {_c(node)}: sibling slot {i} points forward")
                continue
            if k == SLOT_NODE:
                if shift == 0:
                    st._err(f"node {_c(node)}: node pointer in a leaf slot {i}")
                    continue
                yield from self.walk(self.node_of(v), node, i, shift - cs, idx, depth + 1)
                continue
            j = i + 1
            while j < n and kinds[j][0] == SLOT_SIBLING and kinds[j][1] == i:
                j += 1
            st.entries += 1
            yield TreeLeaf(idx, (j - i) << shift, v, k, node, i)


def dax_tree_walk(
    prog,
    root: int,
    layout,
    container: Optional[str] = None,
    stats: Optional[WalkStats] = None,
    max_nodes: int = 1 << 16,
    max_depth: int = 12,
) -> Iterator[TreeLeaf]:
    """
    Iterate over the leaves of the XArray or radix tree rooted at an
    address, in index order, with a bounded walker. Problems do not raise:
    they are counted in ``stats`` (first one in words) and the walk goes on
    where it can.

    >>> st = WalkStats()
    >>> for leaf in dax_tree_walk(prog, mapping.i_pages.address_of_().value_(), dax_layout(prog), stats=st):
    ...     print(leaf.index, hex(leaf.raw), leaf.kind, leaf.nr)
    0 0x2108005 value 512
    512 0x210c005 value 512

    :param root: ``struct xarray *`` (or ``struct radix_tree_root *``)
    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param container: ``"xarray"`` or ``"radix"``; default the layout's tree
    :param stats: a :class:`WalkStats` to fill
    :param max_nodes: node cap
    :param max_depth: depth cap
    """
    from drgn import FaultError

    st = stats if stats is not None else WalkStats()
    l = layout
    container = container or l.tree
    if container == "radix" and l.n_shift < 0 and l.n_path < 0:
        st.error = "radix_tree_node has neither shift nor path in debuginfo"
        st.errors = 1
        st.failed = True
        return
    try:
        (head,) = struct.unpack("<Q", prog.read(root + l.xa_head, 8))
    except (FaultError, ValueError, OverflowError):
        st.error = f"tree root {_c(root)} not readable"
        st.errors = 1
        st.failed = True
        return
    if container == "xarray":
        k, _ = xa_slot_classify(head, l.chunk_size)
    elif head & 3 == 1 and head != 1:
        k = SLOT_NODE
    else:
        k, _ = radix_slot_classify(head, 0, 0)
    if k == SLOT_EMPTY:
        return
    if k != SLOT_NODE:  # a single entry at index 0
        st.entries += 1
        yield TreeLeaf(0, 1, head, k, 0, 0)
        return
    top_shift = -1
    if container == "radix" and l.n_shift < 0 and l.root_height >= 0:
        # v4.5-v4.6: root->height says how deep the tree is (the rnode tag
        # says a node)
        try:
            (height,) = struct.unpack("<I", prog.read(root + l.root_height, 4))
        except (FaultError, ValueError, OverflowError):
            height = 0
        if height == 0 or height > 64:
            st.error = f"radix root {_c(root)}: height not readable or 0 under a node pointer"
            st.errors = 1
            st.failed = True
            return
        top_shift = (height - 1) * l.chunk_shift
    w = _Walk(prog, l, container, root, max_nodes, max_depth, st)
    try:
        yield from w.walk(w.node_of(head), 0, 0, top_shift, 0, 0)
    except _Stop:
        pass
    if st.errors:
        st.failed = True


def dax_tree_load(prog, root: int, index: int, layout, container: Optional[str] = None) -> int:
    """
    Look up one index (like ``xa_load()``, siblings resolved) and return the
    raw word of the entry covering it, 0 if none.

    >>> hex(dax_tree_load(prog, i_pages, 515, dax_layout(prog)))
    '0x210c005'

    :param root: ``struct xarray *`` (or ``struct radix_tree_root *``)
    :param index: the index
    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :param container: ``"xarray"`` or ``"radix"``; default the layout's tree
    :raises ValueError: a node or the root is not readable or is bad
    """
    from drgn import FaultError

    l = layout
    xa = (container or l.tree) == "xarray"
    rd = lambda a: struct.unpack("<Q", prog.read(a, 8))[0]  # noqa: E731
    try:
        v = rd(root + l.xa_head)
    except (FaultError, ValueError, OverflowError):
        raise ValueError(f"tree root {_c(root)} not readable")
    is_node = xa_slot_classify(v, l.chunk_size)[0] == SLOT_NODE if xa else (v & 3 == 1 and v != 1)
    if not is_node:
        return v if index == 0 else 0
    node = (v - 2) & _U64 if xa else v & ~1
    cs = l.chunk_shift
    if not xa and l.n_shift < 0 and l.n_path < 0:
        raise ValueError("radix_tree_node has neither shift nor path in debuginfo")
    for depth in range(12):
        try:
            if not _kptr_ok(node, 8):
                raise ValueError
            if l.n_shift >= 0:
                word = prog.read(node + l.n_shift, 1)[0]
            else:
                (word,) = struct.unpack("<I", prog.read(node + l.n_path, 4))
        except (FaultError, ValueError, OverflowError):
            raise ValueError(f"node {_c(node)} not readable")
        shift, _ = _node_shift(l, word)
        if shift < 0 or shift > _max_shift(cs) or shift % cs:
            raise ValueError(f"node {_c(node)}: bad shift")
        if depth == 0 and shift + cs < 64 and index >> (shift + cs):
            return 0  # beyond the tree's reach
        offset = (index >> shift) & (l.chunk_size - 1)
        slots = node + l.n_slots
        try:
            v = rd(slots + 8 * offset)
        except (FaultError, ValueError):
            raise ValueError(f"node {_c(node)} slot not readable")
        cls = (
            (lambda w: xa_slot_classify(w, l.chunk_size))
            if xa
            else (lambda w: _radix_classify(l, w, slots, shift))
        )
        k, sib = cls(v)
        if k == SLOT_SIBLING:
            try:
                v = rd(slots + 8 * sib)
            except (FaultError, ValueError):
                raise ValueError(f"node {_c(node)} slot not readable")
            k, _ = cls(v)
        if k == SLOT_NODE and shift > 0:
            node = (v - 2) & _U64 if xa else v & ~1
            continue
        return 0 if k in (SLOT_NODE, SLOT_RETRY, SLOT_ZERO) else v
    raise ValueError("tree deeper than 12 levels")


def _kptr_ok(p: int, align: int) -> bool:
    # A plausible kernel pointer (x86_64 / arm64 kernel half, aligned).
    return p >= 0xFFFF000000000000 and (align == 0 or p & (align - 1) == 0)
