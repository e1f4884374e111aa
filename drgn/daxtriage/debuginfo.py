# SPDX-License-Identifier: GPL-2.0-or-later
"""
Debuginfo
---------

The ``daxtriage.debuginfo`` module says, in one line, what is wrong with the
debug information a program was opened with, before a command reads the
dump with it:

- a vmlinux of another kernel: drgn opens it without complaint, every symbol
  address is then wrong and the commands would print empty tables. The
  dump's own release (vmcoreinfo ``OSRELEASE``, which drgn exposes as
  ``UTS_RELEASE``) is compared with ``init_uts_ns.name.release`` read from
  the dump at the vmlinux's address of ``init_uts_ns`` -- the check crash
  makes before it refuses ("vmlinux and vmcore do not match").
- a vmlinux without DWARF (``objcopy --strip-debug``, or the image instead of
  the debug package): the types every command needs are missing; the line
  names them and what still works (``daxent --era E``).

Missing module debuginfo (``nd_pmem``, ``device_dax``, ``ext4``, ...) is
reported by the commands it degrades (``daxdev``, ``daxcheck``: "DEBUGINFO
MISSING: struct pmem_device (module nd_pmem) ...").
"""

from typing import List, Optional

from drgn import FaultError, Program

from .escape import escape_bytes

__all__ = ("vmlinux_mismatch", "missing_types", "explain_layout_error")

# The types without which no command but `daxent --era E` can run (layout.py probes their
# members); one of each tuple is enough (xa_node: v4.20+, radix_tree_node before).
_REQUIRED_TYPES = (
    ("struct page",),
    ("struct address_space",),
    ("struct xa_node", "struct radix_tree_node"),
    ("struct dev_pagemap",),
)


def _has_type(prog: Program, name: str) -> bool:
    try:
        prog.type(name)
        return True
    except (LookupError, ValueError):
        return False


def missing_types(prog: Program) -> List[str]:
    """The required types (see ``_REQUIRED_TYPES``) the debuginfo does not define."""
    return [" or ".join(alts) for alts in _REQUIRED_TYPES
            if not any(_has_type(prog, t) for t in alts)]


def vmlinux_mismatch(prog: Program) -> Optional[str]:
    """
    One line if the vmlinux is not the dump's kernel, else None (also when
    either side cannot be read: no vmcoreinfo, no ``init_uts_ns`` type).

    :param prog: the program
    """
    try:
        want = escape_bytes(prog["UTS_RELEASE"].string_())
    except (LookupError, ValueError, FaultError):
        return None
    try:
        uts = prog["init_uts_ns"]
    except (LookupError, ValueError):
        return None
    try:
        got = '"' + escape_bytes(uts.name.release.string_()) + '"'
    except (FaultError, LookupError, ValueError):
        got = "nothing (not in the dump)"
    if got == f'"{want}"':
        return None
    return (f"vmlinux does not match the dump: the dump is {want} (vmcoreinfo OSRELEASE) but "
            f"init_uts_ns.name.release at this vmlinux's address {uts.address_:#x} reads {got}; "
            f"open the dump with the vmlinux of {want} (same build-id as vmcoreinfo BUILD-ID); "
            "nothing read with this one is reliable, only daxent --era E decodes")


def explain_layout_error(prog: Program, error: str) -> str:
    """The layout's one-line error, with the required types that are missing, if any."""
    gone = missing_types(prog)
    if not gone:
        return error
    return (f"{error}: the debuginfo has no type {', '.join(gone)} (vmlinux without DWARF, "
            "e.g. stripped?); open the dump with the kernel's debug vmlinux; only "
            "daxent --era E works")
