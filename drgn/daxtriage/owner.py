# SPDX-License-Identifier: GPL-2.0-or-later
"""
pgmap owners
------------

The ``daxtriage.owner`` module names the device that owns a
``struct dev_pagemap``: the device-dax instance (``dax0.1``) whose
``dev_dax->pgmap`` it is, or the pmem disk (``pmem0``) whose
``struct pmem_device`` embeds it (or, 6.0+, is its ``pgmap->owner``).

The devices are found as the crash extension finds them
(``crash-ext/core/daxdev.c``): device-dax instances on the ``dax`` bus
(``dax_bus_type``'s klist, :linux:`drivers/dax/bus.c`), ``dax_device`` s as the
character inodes of the dax pseudo-filesystem (``dax_superblock``,
:linux:`drivers/dax/super.c`), their disks from ``dax_hosts`` (an XArray
keyed by ``struct gendisk *``, 5.17+). Every list walk is bounded. Module
types (``struct dev_dax`` in ``device_dax``/``dax``, ``struct pmem_device``
in ``nd_pmem``) need the modules' debuginfo (``-s MODULE.ko``); without it
the owner is simply unknown.
"""

import struct
from typing import Dict, List, NamedTuple, Optional

from drgn import FaultError, Program

from .layout import member_offset, member_size
from .symbols import symbol_address, symbol_name
from .tree import SLOT_POINTER, WalkStats, dax_tree_walk

__all__ = ("DaxOwners", "dax_owners", "pgmap_owner_name")

_MAX_DEVS = 32  # DT_DAXDEV_MAX
_S_IFMT = 0o170000
_S_IFCHR = 0o020000


class _DevDax(NamedTuple):
    name: str
    pgmap: int
    dax_dev: int


class _DaxDev(NamedTuple):
    addr: int
    private: int
    ops: int


class DaxOwners:
    """The device-dax instances and pmem ``dax_device`` s, enough to name pgmap owners."""

    def __init__(self) -> None:
        self.devdax: List[_DevDax] = []
        # pmem dax_devices: (name, pmem_pgmap or 0, private)
        self.pmem: List[tuple] = []


def _u64(prog: Program, a: int) -> Optional[int]:
    try:
        return struct.unpack("<Q", prog.read(a, 8))[0]
    except (FaultError, ValueError, OverflowError):
        return None


def _kptr(p: Optional[int], align: int = 8) -> bool:
    return p is not None and p >= 0xFFFF000000000000 and p & (align - 1) == 0


def _str(prog: Program, a: int, maxlen: int) -> str:
    b = bytearray()
    for i in range(maxlen):
        try:
            c = prog.read(a + i, 1)
        except (FaultError, ValueError, OverflowError):
            break
        if c == b"\0":
            break
        b += c
    return b.decode("utf-8", errors="surrogateescape")


def _device_name(prog: Program, dev: int) -> str:
    # dev_name(): kobj.name, else init_name
    kobj, kname = member_offset(prog, "struct device", "kobj"), member_offset(
        prog, "struct kobject", "name"
    )
    name = ""
    if _kptr(dev) and kobj >= 0 and kname >= 0:
        p = _u64(prog, dev + kobj + kname)
        if _kptr(p, 1):
            name = _str(prog, p, 39)
    init = member_offset(prog, "struct device", "init_name")
    if not name and init >= 0:
        p = _u64(prog, dev + init)
        if _kptr(p, 1):
            name = _str(prog, p, 39)
    return name


def _walk_dax_bus(prog: Program, out: DaxOwners) -> None:
    # dax_bus_type.p->klist_devices.k_list: klist_node n_node in
    # device_private.knode_bus
    off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
    bus = symbol_address(prog, "dax_bus_type")
    if not bus:
        return  # no device-dax bus in this kernel
    bp, kd = off("struct bus_type", "p"), off("struct subsys_private", "klist_devices")
    kl, nn = off("struct klist", "k_list"), off("struct klist_node", "n_node")
    kb, dv = off("struct device_private", "knode_bus"), off("struct device_private", "device")
    if min(bp, kd, kl, nn, kb, dv) < 0:
        return
    p = _u64(prog, bus + bp)
    if not _kptr(p):
        return
    head = p + kd + kl
    pos = _u64(prog, head)
    o_dev = off("struct dev_dax", "dev")
    reg, dx, pg = off("struct dev_dax", "region"), off("struct dev_dax", "dax_dev"), off(
        "struct dev_dax", "pgmap"
    )
    # pgmap: a pointer since "device-dax: make pgmap optional for instance
    # creation" (v5.10); embedded before (5.3-5.9)
    pg_ptr = member_size(prog, "struct dev_dax", "pgmap") == 8
    n = 0
    while pos is not None and pos != head and n < 4096 and len(out.devdax) < _MAX_DEVS:
        n += 1
        if not _kptr(pos):
            break
        dev = _u64(prog, pos - nn - kb + dv)
        if _kptr(dev):
            name = _device_name(prog, dev)
            if o_dev >= 0 and reg >= 0 and dx >= 0:
                a = dev - o_dev
                region, dax_dev = _u64(prog, a + reg), _u64(prog, a + dx)
                if region is not None and dax_dev is not None:
                    pgmap = 0
                    if pg >= 0:
                        pgmap = (_u64(prog, a + pg) or 0) if pg_ptr else a + pg
                    out.devdax.append(_DevDax(name, pgmap, dax_dev))
        pos = _u64(prog, pos)


def _symname(prog: Program, addr: int) -> str:
    return symbol_name(prog, addr) or ""


def _pmem_devices(prog: Program, layout, out: DaxOwners) -> None:
    l = layout
    off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
    sbp = symbol_address(prog, "dax_superblock")
    sb = _u64(prog, sbp) if sbp else None
    d_inode = off("struct dax_device", "inode")
    if not _kptr(sb) or d_inode < 0:
        return
    devs: List[_DaxDev] = []
    priv, ops = off("struct dax_device", "private"), off("struct dax_device", "ops")
    ih = sb + l.sb_inodes
    ip = _u64(prog, ih)
    n = 0
    while ip is not None and ip != ih and n < 65536 and len(devs) < _MAX_DEVS:
        n += 1
        if not _kptr(ip):
            break
        inode = ip - l.i_sb_list
        try:
            mode = struct.unpack("<H", prog.read(inode + l.i_mode, 2))[0]
        except (FaultError, ValueError):
            mode = 0
        # the pseudo-fs root inode is from dax_cache too: S_ISCHR only
        if mode & _S_IFMT == _S_IFCHR:
            a = inode - d_inode
            devs.append(
                _DaxDev(
                    a,
                    (_u64(prog, a + priv) or 0) if priv >= 0 else 0,
                    (_u64(prog, a + ops) or 0) if ops >= 0 else 0,
                )
            )
        ip = _u64(prog, ip)
    # disks: dax_hosts XArray keyed by struct gendisk * (5.17+)
    names: Dict[int, str] = {}
    hosts = symbol_address(prog, "dax_hosts")
    dn = off("struct gendisk", "disk_name")
    if devs and hosts:
        addrs = {d.addr for d in devs}
        for leaf in dax_tree_walk(prog, hosts, l, "xarray", WalkStats(), 4096, 12):
            if leaf.kind == SLOT_POINTER and leaf.raw in addrs and dn >= 0:
                names[leaf.raw] = _str(prog, leaf.index + dn, 39)
    devdax_of = {d.dax_dev for d in out.devdax}
    pa, sz = off("struct pmem_device", "phys_addr"), off("struct pmem_device", "size")
    pg, dk = off("struct pmem_device", "pgmap"), off("struct pmem_device", "disk")
    for d in devs:
        if d.addr in devdax_of or not _symname(prog, d.ops).startswith("pmem_dax_ops"):
            continue
        name = names.get(d.addr, "")
        pmem_pgmap = 0
        if (
            pa >= 0
            and sz >= 0
            and _kptr(d.private)
            and _u64(prog, d.private + pa) is not None
            and _u64(prog, d.private + sz) is not None
        ):
            if pg >= 0:
                pmem_pgmap = d.private + pg
            disk = _u64(prog, d.private + dk) if dk >= 0 else None
            if not name and _kptr(disk) and dn >= 0:
                name = _str(prog, disk + dn, 39)
        out.pmem.append((name, pmem_pgmap, d.private))


def dax_owners(prog: Program, layout) -> DaxOwners:
    """
    Collect the device-dax instances and pmem ``dax_device`` s (bounded walks;
    memoised in ``prog.cache["daxtriage.owners"]`` for vmcores).

    >>> [d.name for d in dax_owners(prog, dax_layout(prog)).devdax]
    ['dax0.1']

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    """
    from drgn import ProgramFlags

    key = "daxtriage.owners"
    live = bool(prog.flags & ProgramFlags.IS_LIVE)
    if not live and key in prog.cache:
        return prog.cache[key]
    out = DaxOwners()
    _walk_dax_bus(prog, out)
    _pmem_devices(prog, layout, out)
    if not live:
        prog.cache[key] = out
    return out


def pgmap_owner_name(owners: DaxOwners, pgmap: int, owner: int) -> Optional[str]:
    """
    Return the name of the device owning a pgmap (``"pmem0"``, ``"dax0.1"``),
    or ``None``.

    >>> pgmap_owner_name(dax_owners(prog, l), 0xffff8acd022890b0, 0xffff8acd02289028)
    'pmem0'

    :param owners: from :func:`dax_owners()`
    :param pgmap: ``struct dev_pagemap *``
    :param owner: ``pgmap->owner`` (the ``pmem_device`` from 6.0)
    """
    for d in owners.devdax:
        if d.pgmap == pgmap and d.name:
            return d.name
    for name, pmem_pgmap, private in owners.pmem:
        if not name:
            continue
        # container_of(pgmap, struct pmem_device, pgmap), or pgmap->owner = pmem (6.0+)
        if (pmem_pgmap and pmem_pgmap == pgmap) or (owner and owner == private):
            return name
    return None
