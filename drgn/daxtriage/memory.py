# SPDX-License-Identifier: GPL-2.0-or-later
"""
memory
------

The ``daxtriage.memory`` module holds the checked reads every other module
uses on a dump that may be truncated, filtered or corrupt: each returns
``None`` (or stops) instead of raising when the bytes are not in the dump,
like the C core's ``dt_read_*()`` (``crash-ext/core/target.c``).
"""

import struct
from typing import Optional

from drgn import FaultError, Program

__all__ = ("read_u64", "read_u32", "read_u16", "read_str", "kptr_ok")

_ERRORS = (FaultError, ValueError, OverflowError)


def read_u64(prog: Program, a: int) -> Optional[int]:
    """
    The little-endian ``u64`` at ``a``, or ``None`` if it is not in the dump.

    >>> read_u64(prog, prog.symbol("init_task").address) is not None
    True
    """
    try:
        return struct.unpack("<Q", prog.read(a, 8))[0]
    except _ERRORS:
        return None


def read_u32(prog: Program, a: int) -> Optional[int]:
    """The ``u32`` at ``a``, or ``None``."""
    try:
        return struct.unpack("<I", prog.read(a, 4))[0]
    except _ERRORS:
        return None


def read_u16(prog: Program, a: int) -> Optional[int]:
    """The ``u16`` at ``a``, or ``None``."""
    try:
        return struct.unpack("<H", prog.read(a, 2))[0]
    except _ERRORS:
        return None


def read_str(prog: Program, a: int, maxlen: int) -> str:
    """
    The NUL-terminated string at ``a``, at most ``maxlen`` bytes, read byte by
    byte as ``dt_read_str()`` does, so that a string ending just before an
    unreadable page still reads.
    """
    b = bytearray()
    for i in range(maxlen):
        try:
            c = prog.read(a + i, 1)
        except _ERRORS:
            break
        if c == b"\0":
            break
        b += c
    return b.decode("utf-8", errors="surrogateescape")


def kptr_ok(p: Optional[int], align: int = 8) -> bool:
    """A plausible kernel pointer: in the kernel half, aligned to ``align``
    (``dt_kptr_ok()``)."""
    return p is not None and p >= 0xFFFF000000000000 and (align <= 1 or p & (align - 1) == 0)
