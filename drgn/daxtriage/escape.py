# SPDX-License-Identifier: GPL-2.0-or-later
"""
Display form of dump bytes
--------------------------

The ``daxtriage.escape`` module holds the one display form of bytes read
from the dump (file and device names, task comms, superblock ids, symbol
names), the twin of ``crash-ext/core/escape.c``, so that data from the dump
can neither drive the terminal nor break a JSON document, and the bytes can
still be recovered exactly (``docs/json-schema.md``, "Strings from the
dump"): printable ASCII is kept but ``\\`` becomes ``\\\\``; valid UTF-8 is
kept unless it encodes a C1 control (U+0080-U+009F); every other byte (C0
controls, DEL, C1 controls, bytes that are not UTF-8) becomes ``\\xNN``.
"""

import re
from typing import List, Optional, Union

__all__ = ("escape_bytes", "escape_str", "unescape")


def _utf8_len(b: bytes, i: int) -> int:
    # the length of the valid, non-C1 UTF-8 sequence at b[i], or 0 (dt_escape_utf8_len)
    c = b[i]
    if c < 0x80:
        return 0
    if c & 0xE0 == 0xC0:
        n, cp = 2, c & 0x1F
    elif c & 0xF0 == 0xE0:
        n, cp = 3, c & 0x0F
    elif c & 0xF8 == 0xF0:
        n, cp = 4, c & 0x07
    else:
        return 0
    if i + n > len(b):
        return 0
    for k in range(1, n):
        if b[i + k] & 0xC0 != 0x80:
            return 0
        cp = cp << 6 | (b[i + k] & 0x3F)
    if ((n == 2 and cp < 0x80) or (n == 3 and cp < 0x800) or (n == 4 and cp < 0x10000)
            or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF):
        return 0  # overlong, surrogate or out of range: not UTF-8
    if cp <= 0x9F:
        return 0  # a C1 control: a terminal command
    return n


def escape_bytes(b: bytes, cap: Optional[int] = None) -> str:
    """
    Return bytes from the dump in their display form; with ``cap``, at most
    ``cap`` bytes of UTF-8 output, whole escapes only (``dt_escape()`` with a
    buffer of ``cap + 1``).

    >>> escape_bytes(b"a\\x1b[2J\\n\\xff caf\\xc3\\xa9 \\\\")
    'a\\\\x1b[2J\\\\x0a\\\\xff café \\\\\\\\'

    :param b: the bytes, without the NUL
    :param cap: output size limit in UTF-8 bytes, or ``None``
    """
    out: List[str] = []
    used = 0
    i = 0
    while i < len(b):
        c = b[i]
        if c == 0x5C:
            unit, n = "\\\\", 1
        elif 0x20 <= c < 0x7F:
            unit, n = chr(c), 1
        else:
            n = _utf8_len(b, i)
            if n:
                unit = b[i:i + n].decode("utf-8")
            else:
                unit, n = "\\x%02x" % c, 1
        size = len(unit.encode("utf-8"))
        if cap is not None and used + size > cap:
            break
        out.append(unit)
        used += size
        i += n
    return "".join(out)


def escape_str(s: Union[str, bytes], cap: Optional[int] = None) -> str:
    """
    :func:`escape_bytes` of a str holding dump bytes (invalid UTF-8 as lone
    surrogates, ``errors="surrogateescape"``), or of bytes.

    >>> escape_str("new\\nline")
    'new\\\\x0aline'
    """
    if isinstance(s, str):
        s = s.encode("utf-8", errors="surrogateescape")
    return escape_bytes(s, cap)


_UNESCAPE = re.compile(rb"\\(\\|x[0-9a-f]{2})")


def unescape(s: str) -> bytes:
    """
    Return the bytes a display form stands for (what a reader of ``-j``
    output does to get a name's exact bytes).

    >>> unescape("a\\\\x1bb\\\\\\\\")
    b'a\\x1bb\\\\'
    """
    return _UNESCAPE.sub(lambda m: b"\\" if m.group(1) == b"\\" else bytes([int(m.group(1)[1:], 16)]),
                         s.encode("utf-8"))
