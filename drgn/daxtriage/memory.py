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

from .escape import escape_bytes

__all__ = ("read_u64", "read_u32", "read_u16", "read_str", "kptr_ok", "CycleCheck")

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
    unreadable page still reads; in its display form (``escape.py``: controls
    and invalid UTF-8 as ``\\xNN``), at most ``maxlen`` bytes of it.
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
    return escape_bytes(bytes(b), maxlen)


def kptr_ok(p: Optional[int], align: int = 8) -> bool:
    """A plausible kernel pointer: in the kernel half, aligned to ``align``
    (``dt_kptr_ok()``)."""
    return p is not None and p >= 0xFFFF000000000000 and (align <= 1 or p & (align - 1) == 0)


class CycleCheck:
    """
    Brent's cycle detection for a pointer walk: :meth:`seen` returns True
    once the walk has come back to a node it already visited, within about
    twice the walk's length. A corrupt ``next`` pointing back into the middle
    of a list (not at its head) otherwise loops until the walk's count bound,
    which for a bound of millions is a hang; this costs two integers.

    >>> cc = CycleCheck()
    >>> [cc.seen(p) for p in (1, 2, 3, 2, 3, 2, 3)][-1]
    True
    """

    __slots__ = ("_mark", "_power", "_steps")

    def __init__(self) -> None:
        self._mark: Optional[int] = None
        self._power = 1
        self._steps = 0

    def seen(self, pos: int) -> bool:
        """Record one step to ``pos``; return whether the walk has cycled."""
        if pos == self._mark:
            return True
        self._steps += 1
        if self._steps == self._power:
            self._mark, self._power, self._steps = pos, self._power * 2, 0
        return False
