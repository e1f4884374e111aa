# SPDX-License-Identifier: GPL-2.0-or-later
"""
oops
----

The ``daxtriage.oops`` module finds the oops a dump was taken for in the
kernel log, and maps a small fault address to the member of the DAX, pgmap or
percpu_ref structure a function dereferenced through a NULL pointer (check
CHK-D3 of kernel-facts.md G.6).  It is the twin of ``crash-ext/core/oops.c``
and ``oopsmap.c``: the same lines are parsed the same way.

A kdump does not save the fault address (CR2) anywhere but in the kernel's own
oops report: :linux:`arch/x86/mm/fault.c` ``show_fault_oops()`` prints ``BUG:
kernel NULL pointer dereference, address: ...`` (since v5.1; ``BUG: unable to
handle kernel NULL pointer dereference at ...`` before), ``__show_regs()`` the
``RIP: 0010:symbol+off/len`` line, and ``dump_stack_print_info()`` ``CPU: N
PID: P Comm: C``.  Only the first oops counts.
"""

import re
from typing import Iterable, List, NamedTuple, Optional

from drgn import Program

from .escape import escape_str

__all__ = (
    "Oops",
    "OopsMapHit",
    "oops_parse",
    "kernel_log_lines",
    "dump_oops",
    "oops_related",
    "oops_map",
)


class Oops(NamedTuple):
    """The first oops of a log (``found`` False if there is none)."""

    found: bool
    have_address: bool
    null_deref: bool
    address: int
    bug: str
    rip: str
    func: str
    pid: int
    comm: str
    panic: str
    lines: int


_TS = re.compile(r"^\[[^\]]*\]")


def _hex_after(line: str, marker: str) -> Optional[int]:
    i = line.find(marker)
    if i < 0:
        return None
    m = re.match(r" *([0-9a-fA-F]+)", line[i + len(marker):])
    return int(m.group(1), 16) if m else None


def oops_parse(lines: Iterable[str]) -> Oops:
    """
    Parse log lines (with or without ``[ timestamp]`` prefixes) like
    ``dt_oops_line()`` in the C core.

    >>> oops_parse(["BUG: kernel NULL pointer dereference, address: 0000000000000008",
    ...             "CPU: 1 PID: 156 Comm: sh Tainted: G O 6.1.0-56-amd64 #1",
    ...             "RIP: 0010:percpu_ref_kill_and_confirm+0x7c/0xb0"]).func
    'percpu_ref_kill_and_confirm'
    """
    o = dict(found=False, have_address=False, null_deref=False, address=0, bug="", rip="",
             func="", pid=-1, comm="", panic="", lines=0)
    for line in lines:
        o["lines"] += 1
        m = _TS.match(line)
        if m:
            line = line[m.end():]
        line = line.lstrip(" ")
        if line.startswith("Kernel panic - not syncing:") and not o["panic"]:
            o["panic"] = escape_str(line.rstrip("\r\n")[:159], 159)  # log text: display form
        if not o["found"]:
            if line.startswith("BUG: kernel NULL pointer dereference") or \
                    line.startswith("BUG: unable to handle"):
                o.update(found=True, bug=escape_str(line.rstrip("\r\n")[:159], 159),
                         null_deref="NULL pointer" in line)
                v = _hex_after(line, "address:")
                if v is None:
                    v = _hex_after(line, " at ")
                if v is not None:
                    o.update(address=v, have_address=True)
            elif line.startswith("Oops:"):
                o.update(found=True, bug=escape_str(line.rstrip("\r\n")[:159], 159))
            continue
        if o["rip"] and o["pid"] >= 0 and o["have_address"]:
            continue
        if o["pid"] < 0 and line.startswith("CPU: ") and " PID: " in line:
            m = re.match(r"\s*(\d+)", line[line.index(" PID: ") + 6:])
            o["pid"] = int(m.group(1)) if m else 0
            c = line.find(" Comm: ")
            if c >= 0:
                o["comm"] = escape_str(re.split(r"[ \r\n]", line[c + 7:])[0][:16], 64)
        elif not o["rip"] and (line.startswith("RIP: 0010:") or line.startswith("IP: ")):
            # "IP: sym+off/len" is the pre-4.17 show_fault_oops() line (seed 000)
            o["rip"] = line[4 if line.startswith("IP") else 10:].rstrip("\r\n")[:127]
            o["func"] = escape_str(re.split(r"[+ ]", o["rip"])[0][:95], 95)
            o["rip"] = escape_str(o["rip"], 127)
        elif not o["have_address"]:
            v = _hex_after(line, "CR2:")
            if v is not None:
                o.update(address=v, have_address=True)
    return Oops(**o)


# kernel/printk/printk_ringbuffer.h: DESC_ID_MASK (ids are longs less two state bits), and
# log_buf_len is limited to LOG_BUF_LEN_MAX (2 GiB) = 2^(31 - PRB_AVGBITS 5) descriptors.
_DESC_ID_MASK = (1 << 62) - 1
_PRB_MAX_COUNT_BITS = 26


def _printk_ring_bounded(prog: Program) -> None:
    # drgn's get_printk_records() steps descriptor ids one by one from tail_id to head_id
    # (drgn/helpers/linux/printk.py): on a corrupt id that is up to 2^62 steps, a hang. The
    # kernel keeps tail..head within the ring (count_bits); refuse a ring that does not.
    try:
        prb = prog["prb"]
    except KeyError:
        return  # before v5.10: the log_buf ring, which drgn walks within its length
    try:
        ring = prb.desc_ring
        bits = ring.count_bits.value_()
        head = ring.head_id.counter.value_() & _DESC_ID_MASK
        tail = ring.tail_id.counter.value_() & _DESC_ID_MASK
    except Exception as e:  # drgn raises FaultError, LookupError by version
        raise LookupError(f"the kernel log is not readable: printk ring buffer: {e}") from e
    if bits > _PRB_MAX_COUNT_BITS or (head - tail) & _DESC_ID_MASK >= 1 << bits:
        raise LookupError(
            f"the kernel log is not readable: printk ring buffer {prb.value_():#x} is "
            f"inconsistent (desc_ring count_bits {bits}, tail_id {tail:#x}, head_id {head:#x})"
        )


def kernel_log_lines(prog: Program) -> List[str]:
    """
    The text lines of the kernel log (printk records, oldest first), read with
    drgn's own printk helpers.  Raises ``LookupError`` when drgn cannot read
    the log of this kernel.

    >>> kernel_log_lines(prog)[-1]
    'sysrq: Trigger a crash'
    """
    from drgn.helpers.linux.printk import get_printk_records

    out: List[str] = []
    _printk_ring_bounded(prog)
    try:
        for r in get_printk_records(prog):
            # bytes kept (surrogateescape) for the display form (escape.py), as the C core
            text = r.text.decode(errors="surrogateescape") if isinstance(r.text, bytes) else str(r.text)
            out.extend(x for x in text.split("\n") if x)
    except Exception as e:  # drgn raises FaultError, LookupError, ValueError by version
        raise LookupError(f"the kernel log is not readable: {e}") from e
    return out


def dump_oops(prog: Program) -> Oops:
    """The first oops of the dump's kernel log, memoised in ``prog.cache``."""
    key = "daxtriage.oops"
    if key not in prog.cache:
        prog.cache[key] = oops_parse(kernel_log_lines(prog))
    return prog.cache[key]


class OopsMapHit(NamedTuple):
    """A structure a small fault address may be a member of."""

    type: str
    member: str  # "" if none of the known members holds the offset
    member_offset: int
    type_size: int


# Functions whose NULL dereferences are of these structures (oopsmap.c has the same table).
_OWNERS = (
    ("percpu_ref_", False, ("percpu_ref_data", "percpu_ref")),
    ("fs_dax_", False, ("dax_device", "dax_operations")),
    ("dax_", False, ("dax_device", "dax_operations")),
    ("kill_dax", True, ("dax_device",)),
    ("put_dax", True, ("dax_device",)),
    ("memunmap_pages", True, ("dev_pagemap", "percpu_ref")),
    ("memremap_pages", True, ("dev_pagemap", "percpu_ref")),
    ("devm_memremap_pages", True, ("dev_pagemap",)),
    ("get_dev_pagemap", True, ("dev_pagemap",)),
    ("pgmap_", False, ("dev_pagemap",)),
)

_MEMBERS = {
    "dax_device": ("list", "inode", "cdev", "private", "flags", "ops", "holder_data",
                   "holder_ops", "alive", "host", "pgmap"),
    "dax_operations": ("direct_access", "dax_supported", "copy_from_iter", "copy_to_iter",
                       "zero_page_range", "recovery_write", "fs_claim", "fs_release"),
    "percpu_ref": ("count", "percpu_count_ptr", "release", "confirm_switch", "force_atomic",
                   "allow_reinit", "rcu", "data"),
    "percpu_ref_data": ("count", "release", "confirm_switch", "force_atomic", "allow_reinit",
                        "rcu", "ref"),
    "dev_pagemap": ("altmap", "altmap_valid", "res", "range", "ranges", "ref", "internal_ref",
                    "done", "kill", "cleanup", "dev", "data", "type", "flags", "vmemmap_shift",
                    "ops", "owner", "nr_range", "page_fault", "page_free"),
}


def _owner(func: str):
    for prefix, exact, types in _OWNERS:
        if (func == prefix) if exact else func.startswith(prefix):
            return types
    return None


def oops_related(func: str) -> bool:
    """
    Return whether ``func`` is a DAX, pgmap or percpu_ref function whose
    small-address faults :func:`oops_map` maps (``dt_oopsmap()``'s
    ``related``, given an address below 4096).

    >>> oops_related("percpu_ref_kill_and_confirm"), oops_related("ext4_fill_super")
    (True, False)
    """
    return _owner(func) is not None


def _member(prog: Program, t, name: str):
    try:
        from drgn import offsetof, sizeof

        return offsetof(t, name), sizeof(t.member(name).type)
    except (LookupError, ValueError):
        return None


def oops_map(prog: Program, func: str, address: int) -> List[OopsMapHit]:
    """
    The members a fault at small ``address`` in ``func`` may have read, like
    ``dt_oopsmap()``: empty if ``func`` is not a DAX, pgmap or percpu_ref
    function or the address is not in the first page.

    >>> oops_map(prog, "dax_zero_page_range", 0x2e8)
    [OopsMapHit(type='dax_device', member='flags', member_offset=744, type_size=...)]
    """
    owner = _owner(func)
    if owner is None or address >= 4096:
        return []
    hits: List[OopsMapHit] = []
    for tname in owner:
        try:
            t = prog.type("struct " + tname)
            from drgn import sizeof

            size = sizeof(t)
        except (LookupError, ValueError):
            continue
        if size <= address:
            continue
        found = ("", -1)
        for m in _MEMBERS[tname]:
            r = _member(prog, t, m)
            if r and r[1] > 0 and r[0] <= address < r[0] + r[1]:
                found = (m, r[0])
                break
        hits.append(OopsMapHit(tname, found[0], found[1], size))
    return hits
