# SPDX-License-Identifier: GPL-2.0-or-later
"""
DAX devices
-----------

The ``daxtriage.daxdev`` module lists the DAX devices of a kernel and what
sits on them (kernel-facts F.1-F.5), as ``crash-ext/core/daxdev.c`` does:

``dax_device``
    every device inode of the dax pseudo-filesystem (``dax_superblock``,
    :linux:`drivers/dax/super.c`; ``S_ISCHR`` only,
    ``container_of(inode, struct dax_device, inode)``): flags by
    ``enum dax_device_flags`` enumerator name, ops, holder, private; its disk
    from ``dax_hosts`` (an XArray keyed by ``struct gendisk *``, 5.17+)
``dev_dax``
    every device of the ``dax`` bus (:linux:`drivers/dax/bus.c`): region,
    pgmap, ranges
``pmem_device``
    ``dax_dev->private`` of a pmem ``dax_device`` (ops ``pmem_dax_ops``,
    :linux:`drivers/nvdimm/pmem.c`)
superblocks
    ext4/ext2 ``s_daxdev``, xfs ``m_ddev_targp->bt_daxdev``, erofs ``dax_dev``

Module types (``struct dev_dax`` and ``struct dax_region`` when device-dax
is a module, ``struct pmem_device`` of ``nd_pmem``, ``struct ext4_sb_info``,
``struct xfs_mount``) need the modules' debuginfo (``drgn -s MODULE.ko``):
what is missing is listed in :attr:`DaxDevices.missing` and the rest is
still shown. Every list walk is bounded.
"""

from typing import List, Optional

from drgn import Program, ProgramFlags

from .memory import (
    read_u64 as _u64,
    read_u32 as _u32,
    read_u16 as _u16,
    kptr_ok as _kptr,
    read_str as _str,
)
from .layout import member_offset, member_size, type_size
from .symbols import symbol_address, symbol_name
from .tree import SLOT_POINTER, WalkStats, dax_tree_walk

__all__ = (
    "DAXDEV_MAX",
    "KIND_PMEM",
    "KIND_DEVDAX",
    "DaxDevice",
    "DevDax",
    "SbDax",
    "DaxDevices",
    "device_name",
    "bus_private",
    "dax_devices",
    "dax_device_find",
    "module_hint",
)

DAXDEV_MAX = 32  # DT_DAXDEV_MAX
DEVDAX_RANGES = 8  # DT_DEVDAX_RANGES
SBDAX_MAX = 32  # DT_SBDAX_MAX
MISSING_MAX = 8  # DT_MISSING_MAX
KIND_PMEM = "pmem"
KIND_DEVDAX = "devdax"
_S_IFMT = 0o170000
_S_IFCHR = 0o020000
# enum dax_device_flags (drivers/dax/super.c), by name: the bits moved over time
_FLAG_ENUMS = ("DAXDEV_ALIVE", "DAXDEV_WRITE_CACHE", "DAXDEV_SYNC", "DAXDEV_NOCACHE", "DAXDEV_NOMC")


def module_hint(module: str) -> str:
    """
    Return how to give drgn a module's debuginfo, as the front end words
    it in "debuginfo missing" messages (crash says ``"mod -S"``).

    >>> module_hint("nd_pmem")
    '"-s nd_pmem.ko"'

    :param module: module name
    """
    return f'"-s {module}.ko"'


class DaxDevice:
    """One ``struct dax_device`` (the fields of ``struct dt_daxdev``)."""

    def __init__(self, inode: int, d_inode: int) -> None:
        self.addr = inode - d_inode
        self.inode = inode
        self.i_mode = self.i_flags = self.rdev = 0
        self.i_cdev = self.cdev = 0  # inode->i_cdev and &dax_dev->cdev
        self.flags = 0
        self.alive = self.flags_known = False
        self.flag_names = ""  # "ALIVE|WRITE_CACHE" by enumerator name
        self.private = self.ops = self.holder_data = self.holder_ops = 0
        self.has_holder = False  # the kernel has holder_data/holder_ops (6.0+)
        self.kind: Optional[str] = None  # KIND_PMEM, KIND_DEVDAX or None
        self.name = ""  # disk name (pmem0) or device name (dax0.1)
        self.gendisk = 0  # from dax_hosts
        self.pmem_read = False  # the pmem_device was read (nd_pmem debuginfo)
        self.phys_addr = self.data_offset = self.size = self.pmem_pgmap = self.disk = 0
        self.devdax = -1  # index into DaxDevices.dev_dax, or -1


class DevDax:
    """One device of the ``dax`` bus (the fields of ``struct dt_devdax``)."""

    def __init__(self, dev: int) -> None:
        self.addr = 0
        self.dev = dev
        self.dax_dev = self.region = self.pgmap = 0
        self.name = ""
        self.read_ok = False
        self.align = self.id = self.target_node = self.nr_range = 0
        self.ranges: List[tuple] = []  # (pgoff, start, end inclusive)
        self.region_read = False
        self.region_id = self.region_align = 0
        self.res_start = self.res_end = 0
        self.region_dev = ""


class SbDax:
    """A mounted ext4/ext2/xfs/erofs superblock and its ``dax_device``."""

    def __init__(self, sb: int, fs: str) -> None:
        self.sb = sb
        self.fs = fs
        self.id = ""
        self.fs_info = 0
        self.daxdev = 0
        self.expect_holder = 0  # what holder_data should be (xfs: the xfs_mount)
        self.known = False  # the daxdev pointer could be read


class DaxDevices:
    """Everything :func:`dax_devices` found (``struct dt_daxdevs``)."""

    def __init__(self) -> None:
        self.devices: List[DaxDevice] = []
        self.dev_dax: List[DevDax] = []
        self.superblocks: List[SbDax] = []
        self.missing: List[str] = []  # debuginfo that was not there, and what it hides
        self.error = ""
        self.dax_superblock = 0


def _missing(s: DaxDevices, fmt: str, *args) -> None:
    # one line per gap: a message already listed (one per superblock of a
    # module's filesystem, say) is not repeated
    if len(s.missing) >= MISSING_MAX:
        return
    msg = (fmt % args if args else fmt)[:159]
    if msg not in s.missing:
        s.missing.append(msg)


def device_name(prog: Program, dev: int) -> str:
    """
    Return ``dev_name()`` of a ``struct device``: ``kobj.name``, else
    ``init_name``; ``""`` if neither reads.

    >>> device_name(prog, 0xffff8995022acc30)
    'dax0.1'

    :param dev: ``struct device *``
    """
    name = ""
    kobj, kname = member_offset(prog, "struct device", "kobj"), member_offset(
        prog, "struct kobject", "name"
    )
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


def _read_daxdev(prog: Program, l, inode: int, d_inode: int) -> DaxDevice:
    off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
    d = DaxDevice(inode, d_inode)
    d.i_mode = _u16(prog, inode + l.i_mode) or 0
    d.i_flags = _u32(prog, inode + l.i_flags) or 0
    rdev, icdev = off("struct inode", "i_rdev"), off("struct inode", "i_cdev")
    if rdev >= 0:
        d.rdev = _u32(prog, inode + rdev) or 0
    if icdev >= 0:
        d.i_cdev = _u64(prog, inode + icdev) or 0
    t = "struct dax_device"
    cdev, priv, flags = off(t, "cdev"), off(t, "private"), off(t, "flags")
    ops, hd, ho = off(t, "ops"), off(t, "holder_data"), off(t, "holder_ops")
    if cdev >= 0:
        d.cdev = d.addr + cdev
    if priv >= 0:
        d.private = _u64(prog, d.addr + priv) or 0
    # the disk name as alloc_dax() was given it, until "dax: simplify the
    # dax_device <-> gendisk association" (libnvdimm-for-5.17) removed host
    # (then: dax_hosts)
    host = off(t, "host")
    hp = _u64(prog, d.addr + host) if host >= 0 else None
    if _kptr(hp, 1):
        d.name = _str(prog, hp, 39)
    if ops >= 0:
        d.ops = _u64(prog, d.addr + ops) or 0
    # holder_data/holder_ops: "dax: introduce holder for dax_device" (v6.0)
    if hd >= 0 and ho >= 0:
        d.has_holder = True
        d.holder_data = _u64(prog, d.addr + hd) or 0
        d.holder_ops = _u64(prog, d.addr + ho) or 0
    v = _u64(prog, d.addr + flags) if flags >= 0 else None
    if v is not None:
        d.flags = v
        names, named = [], 0
        for i, en in enumerate(_FLAG_ENUMS):
            try:
                bit = prog.constant(en).value_()
            except (LookupError, ValueError):
                continue
            if bit < 0 or bit > 63:
                continue
            if i == 0:
                d.flags_known = True
            named |= 1 << bit
            if not v & (1 << bit):
                continue
            if i == 0:
                d.alive = True
            names.append(en[len("DAXDEV_"):])
        if v & ~named:
            names.append("%#x" % (v & ~named))
        d.flag_names = "|".join(names)[:127] or "-"
    return d


def _read_pmem(prog: Program, s: DaxDevices, d: DaxDevice) -> None:
    off = lambda m: member_offset(prog, "struct pmem_device", m)  # noqa: E731
    pa, sz, pg, dk, doff = off("phys_addr"), off("size"), off("pgmap"), off("disk"), off(
        "data_offset"
    )
    if pa < 0 or sz < 0:
        _missing(
            s,
            "struct pmem_device (module nd_pmem): pmem phys_addr, size and pgmap not shown; "
            "load it with " + module_hint("nd_pmem"),
        )
        return
    if not _kptr(d.private):
        return
    phys, size = _u64(prog, d.private + pa), _u64(prog, d.private + sz)
    if phys is None or size is None:
        return
    d.phys_addr, d.size = phys, size
    if doff >= 0:
        d.data_offset = _u64(prog, d.private + doff) or 0
    if pg >= 0:
        d.pmem_pgmap = d.private + pg
    if dk >= 0:
        d.disk = _u64(prog, d.private + dk) or 0
    d.pmem_read = True
    dn = member_offset(prog, "struct gendisk", "disk_name")
    if not d.name and _kptr(d.disk) and dn >= 0:
        d.name = _str(prog, d.disk + dn, 39)


def _read_hosts(prog: Program, l, s: DaxDevices) -> None:
    # disks: the dax_hosts XArray keyed by struct gendisk * (Christoph
    # Hellwig's "dax: simplify the dax_device <-> gendisk association", v5.17)
    hosts = symbol_address(prog, "dax_hosts")
    if not s.devices or not hosts:
        return
    dn = member_offset(prog, "struct gendisk", "disk_name")
    by_addr = {}
    for d in s.devices:
        by_addr.setdefault(d.addr, []).append(d)
    for leaf in dax_tree_walk(prog, hosts, l, "xarray", WalkStats(), 4096, 12):
        if leaf.kind != SLOT_POINTER:
            continue
        for d in by_addr.get(leaf.raw, ()):
            d.gendisk = leaf.index
            if dn >= 0:
                d.name = _str(prog, leaf.index + dn, 39)


def _read_devdax(prog: Program, s: DaxDevices, dev: int) -> DevDax:
    off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
    dd = DevDax(dev)
    dd.name = device_name(prog, dev)
    o_dev = off("struct dev_dax", "dev")
    if o_dev < 0:
        _missing(
            s,
            "struct dev_dax (dax bus, device_dax): device-dax region, pgmap and ranges not "
            "shown; load the dax modules with " + module_hint("device_dax"),
        )
        return dd
    dd.addr = dev - o_dev
    t = "struct dev_dax"
    reg, dx, al, id_ = off(t, "region"), off(t, "dax_dev"), off(t, "align"), off(t, "id")
    tn, pg, nr, rs = off(t, "target_node"), off(t, "pgmap"), off(t, "nr_range"), off(t, "ranges")
    region = _u64(prog, dd.addr + reg) if reg >= 0 else None
    dax_dev = _u64(prog, dd.addr + dx) if dx >= 0 and region is not None else None
    if region is None or dax_dev is None:
        return dd
    dd.region, dd.dax_dev, dd.read_ok = region, dax_dev, True
    v = _u32(prog, dd.addr + al) if al >= 0 else None
    if v is not None:
        dd.align = v
    for attr, o in (("id", id_), ("target_node", tn)):  # int
        v = _u32(prog, dd.addr + o) if o >= 0 else None
        if v is not None:
            setattr(dd, attr, v - (1 << 32) if v >> 31 else v)
    # pgmap: a pointer since "device-dax: make pgmap optional for instance
    # creation" (v5.10); embedded before (v5.3-v5.9)
    if pg >= 0 and member_size(prog, t, "pgmap") == 8:
        dd.pgmap = _u64(prog, dd.addr + pg) or 0
    elif pg >= 0:
        dd.pgmap = dd.addr + pg
    r_pgoff, r_range = off("struct dev_dax_range", "pgoff"), off("struct dev_dax_range", "range")
    r_size = type_size(prog, "struct dev_dax_range")
    if nr >= 0 and rs >= 0 and r_range >= 0 and r_size > 0:
        n, ranges = _u32(prog, dd.addr + nr), _u64(prog, dd.addr + rs)
        if n is not None and _kptr(ranges):
            dd.nr_range = n - (1 << 32) if n >> 31 else n
            for i in range(min(max(dd.nr_range, 0), DEVDAX_RANGES)):
                ra = ranges + i * r_size
                pgoff = (_u64(prog, ra + r_pgoff) or 0) if r_pgoff >= 0 else 0
                dd.ranges.append(
                    (pgoff, _u64(prog, ra + r_range) or 0, _u64(prog, ra + r_range + 8) or 0)
                )
    g = "struct dax_region"
    g_id, g_al, g_res, g_dev = off(g, "id"), off(g, "align"), off(g, "res"), off(g, "dev")
    rstart, rend = off("struct resource", "start"), off("struct resource", "end")
    v = _u32(prog, dd.region + g_id) if g_id >= 0 and _kptr(dd.region) else None
    if v is not None:
        dd.region_read = True
        dd.region_id = v - (1 << 32) if v >> 31 else v
        a = _u32(prog, dd.region + g_al) if g_al >= 0 else None
        if a is not None:
            dd.region_align = a
        if g_res >= 0 and rstart >= 0 and rend >= 0:
            dd.res_start = _u64(prog, dd.region + g_res + rstart) or 0
            dd.res_end = _u64(prog, dd.region + g_res + rend) or 0
        rdev = _u64(prog, dd.region + g_dev) if g_dev >= 0 else None
        if rdev is not None:
            dd.region_dev = device_name(prog, rdev)
    return dd


def bus_private(prog: Program, bus: int) -> int:
    """
    Return the ``struct subsys_private *`` of a ``struct bus_type``, or 0.

    It is ``bus->p`` before "driver core: bus: remove private pointer from
    struct bus_type" (v6.3); since then
    ``bus_to_subsys()`` looks it up in ``bus_kset``'s list, by
    ``subsys_private.bus`` (bounded: 1024 buses).

    >>> hex(bus_private(prog, prog.symbol("dax_bus_type").address))
    '0xffff899501819e00'

    :param bus: ``struct bus_type *``
    """
    off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
    bp = off("struct bus_type", "p")
    if bp >= 0:
        p = _u64(prog, bus + bp)
        return p if _kptr(p) else 0
    kl, kk, ke = off("struct kset", "list"), off("struct kset", "kobj"), off(
        "struct kobject", "entry"
    )
    ss, sb = off("struct subsys_private", "subsys"), off("struct subsys_private", "bus")
    ksp = symbol_address(prog, "bus_kset")
    if min(kl, kk, ke, ss, sb) < 0 or not ksp:
        return 0
    kset = _u64(prog, ksp)
    if not _kptr(kset):
        return 0
    head = kset + kl
    pos = _u64(prog, head)
    n = 0
    while pos is not None and pos != head and n < 1024 and _kptr(pos):
        n += 1
        sp = pos - ke - kk - ss
        if _u64(prog, sp + sb) == bus:
            return sp
        pos = _u64(prog, pos)
    return 0


def _walk_dax_bus(prog: Program, s: DaxDevices) -> None:
    # the bus's subsys_private->klist_devices.k_list: klist_node n_node in
    # device_private.knode_bus
    off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
    bus = symbol_address(prog, "dax_bus_type")
    if not bus:
        return  # no device-dax bus in this kernel
    kd, kl = off("struct subsys_private", "klist_devices"), off("struct klist", "k_list")
    nn, kb = off("struct klist_node", "n_node"), off("struct device_private", "knode_bus")
    dv = off("struct device_private", "device")
    p = bus_private(prog, bus) if min(kd, kl, nn, kb, dv) >= 0 else 0
    if not p:
        _missing(s, "bus_type/subsys_private/klist layout: device-dax instances not listed")
        return
    head = p + kd + kl
    pos = _u64(prog, head)
    n = 0
    while pos is not None and pos != head and n < 4096 and len(s.dev_dax) < DAXDEV_MAX:
        n += 1
        if not _kptr(pos):
            break
        dev = _u64(prog, pos - nn - kb + dv)
        if _kptr(dev):
            s.dev_dax.append(_read_devdax(prog, s, dev))
        pos = _u64(prog, pos)


def _read_fs(prog: Program, l, s: DaxDevices) -> None:
    if not l.super_blocks or l.sb_list < 0:
        return
    off = lambda t, m: member_offset(prog, t, m)  # noqa: E731
    fsi = off("struct super_block", "s_fs_info")
    head = l.super_blocks
    pos = _u64(prog, head) if fsi >= 0 else None
    n = 0
    while pos is not None and pos != head and n < 4096 and len(s.superblocks) < SBDAX_MAX:
        n += 1
        if not _kptr(pos):
            break
        sb = pos - l.sb_list
        fs = ""
        typ = _u64(prog, sb + l.sb_type)
        if _kptr(typ):
            name = _u64(prog, typ + l.fst_name)
            if _kptr(name, 1):
                fs = _str(prog, name, 15)
        ext, xfs, erofs = fs in ("ext4", "ext2"), fs == "xfs", fs == "erofs"
        if ext or xfs or erofs:
            x = SbDax(sb, fs)
            x.id = _str(prog, sb + l.sb_id, 31)
            x.fs_info = _u64(prog, sb + fsi) or 0
            if ext:
                ty = "ext4_sb_info" if fs[3] == "4" else "ext2_sb_info"
                o = off("struct " + ty, "s_daxdev")
                if o < 0:
                    _missing(
                        s,
                        "struct %s (module %s): which %s mounts sit on a dax_device is not "
                        "shown; load it with %s",
                        ty,
                        fs,
                        fs,
                        module_hint(fs),
                    )
                elif _kptr(x.fs_info):
                    v = _u64(prog, x.fs_info + o)
                    if v is not None:
                        x.daxdev, x.known = v, True
                # ext4/ext2 register no holder (fs_dax_get_by_bdev(.., NULL, NULL))
                x.expect_holder = 0
            elif xfs:
                o = off("struct xfs_mount", "m_ddev_targp")
                b = off("struct xfs_buftarg", "bt_daxdev")
                if o < 0 or b < 0:
                    _missing(
                        s,
                        "struct xfs_mount/xfs_buftarg (module xfs): which xfs mounts sit on a "
                        "dax_device is not shown; load it with " + module_hint("xfs"),
                    )
                elif _kptr(x.fs_info):
                    bt = _u64(prog, x.fs_info + o)
                    if _kptr(bt):
                        v = _u64(prog, bt + b)
                        if v is not None:
                            x.daxdev, x.known = v, True
                # xfs_setsize_buftarg: fs_dax_get_by_bdev(bdev, &off, mp,
                # &xfs_dax_holder_operations)
                x.expect_holder = x.fs_info
            else:
                o = off("struct erofs_sb_info", "dax_dev")
                if o >= 0 and _kptr(x.fs_info):
                    v = _u64(prog, x.fs_info + o)
                    if v is not None:
                        x.daxdev, x.known = v, True
            s.superblocks.append(x)
        pos = _u64(prog, pos)


def dax_devices(prog: Program, layout) -> DaxDevices:
    """
    Collect the ``dax_device`` s, the device-dax instances, the pmem
    devices and the ext4/ext2/xfs/erofs superblocks on them (bounded walks;
    memoised in ``prog.cache["daxtriage.daxdevs"]`` for vmcores, never for a
    live kernel).

    >>> s = dax_devices(prog, dax_layout(prog))
    >>> [(d.kind, d.name, d.alive) for d in s.devices]
    [('devdax', 'dax0.1', True), ('pmem', 'pmem0', True)]

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    """
    key = "daxtriage.daxdevs"
    live = bool(prog.flags & ProgramFlags.IS_LIVE)
    if not live and key in prog.cache:
        return prog.cache[key]
    l = layout
    s = DaxDevices()
    d_inode = member_offset(prog, "struct dax_device", "inode")
    sbp = symbol_address(prog, "dax_superblock")
    sb = _u64(prog, sbp) if sbp else None
    s.dax_superblock = sb or 0
    if not _kptr(sb):
        s.error = "no dax_superblock (DAX core not in this kernel or its symbols not loaded)"
    elif d_inode < 0:
        _missing(
            s,
            "struct dax_device (drivers/dax/super.c, dax module when CONFIG_DAX=m): "
            "dax_devices not shown; load it with " + module_hint("dax"),
        )
    else:
        ih = sb + l.sb_inodes
        ip = _u64(prog, ih)
        n = 0
        while ip is not None and ip != ih and n < 65536 and len(s.devices) < DAXDEV_MAX:
            n += 1
            if not _kptr(ip):
                break
            inode = ip - l.i_sb_list
            # the pseudo-fs root inode is from dax_cache too: S_ISCHR only
            mode = _u16(prog, inode + l.i_mode)
            if mode is not None and mode & _S_IFMT == _S_IFCHR:
                s.devices.append(_read_daxdev(prog, l, inode, d_inode))
            ip = _u64(prog, ip)
    _read_hosts(prog, l, s)
    _walk_dax_bus(prog, s)
    for d in s.devices:
        for k, dd in enumerate(s.dev_dax):
            if dd.dax_dev == d.addr and dd.read_ok:
                d.kind, d.devdax, d.name = KIND_DEVDAX, k, dd.name[:39]
        if d.kind is None and (symbol_name(prog, d.ops) or "").startswith("pmem_dax_ops"):
            d.kind = KIND_PMEM
            _read_pmem(prog, s, d)
    _read_fs(prog, l, s)
    if not live:
        prog.cache[key] = s
    return s


def dax_device_find(devs: DaxDevices, addr: int) -> Optional[DaxDevice]:
    """
    Return the ``dax_device`` at an address among those collected, or
    ``None``.

    >>> dax_device_find(dax_devices(prog, l), sb.daxdev).name
    'pmem0'

    :param devs: from :func:`dax_devices()`
    :param addr: ``struct dax_device *``
    """
    for d in devs.devices:
        if d.addr == addr:
            return d
    return None
