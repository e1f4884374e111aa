# SPDX-License-Identifier: GPL-2.0-or-later
"""
JSON documents
--------------

The ``daxtriage.jsonout`` module writes the ``daxtriage/1`` JSON documents
(``docs/json-schema.md``) byte for byte as the crash extension's streaming
writer (``crash-ext/core/json.c``) does: two-space indentation, one member
per line, ``"key": value``, empty containers as ``{}``/``[]``, a final
newline. Strings read from the dump are kept as their bytes: valid UTF-8 is
written as is, other bytes as ``\\u00XX`` (decode them with
``errors="surrogateescape"``; :func:`dump_str` does).
"""

from typing import Any, List

__all__ = ("SCHEMA", "hexs", "dump_str", "dumps")

SCHEMA = "daxtriage/1"

_ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def hexs(v: int) -> str:
    """
    Return a kernel word as the schema writes it: ``"0x…"``, lowercase.

    >>> hexs(0)
    '0x0'

    :param v: an unsigned 64-bit value
    """
    return "0x%x" % (v & ((1 << 64) - 1))


def dump_str(b: bytes) -> str:
    """
    Return bytes read from the dump (a name) as a str that keeps every
    byte: invalid UTF-8 becomes lone surrogates, written back as
    ``\\u00XX``.

    >>> dump_str(b"pmem0")
    'pmem0'

    :param b: the bytes, without the NUL
    """
    return b.decode("utf-8", errors="surrogateescape")


def _escape(s: str) -> str:
    out: List[str] = ['"']
    for ch in s:
        o = ord(ch)
        if ch in _ESC:
            out.append(_ESC[ch])
        elif o < 0x20 or o == 0x7F:
            out.append("\\u%04x" % o)
        elif 0xDC80 <= o <= 0xDCFF:  # a byte that was not UTF-8
            out.append("\\u%04x" % (o - 0xDC00))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _write(v: Any, depth: int, out: List[str]) -> None:
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, str):
        out.append(_escape(v))
    elif isinstance(v, dict):
        out.append("{")
        for i, (k, x) in enumerate(v.items()):
            out.append(",\n" if i else "\n")
            out.append("  " * (depth + 1) + _escape(k) + ": ")
            _write(x, depth + 1, out)
        if v:
            out.append("\n" + "  " * depth)
        out.append("}")
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for i, x in enumerate(v):
            out.append(",\n" if i else "\n")
            out.append("  " * (depth + 1))
            _write(x, depth + 1, out)
        if v:
            out.append("\n" + "  " * depth)
        out.append("]")
    else:
        raise TypeError(f"cannot write {type(v).__name__} as JSON")


def dumps(doc: dict) -> str:
    """
    Return one JSON document as text, as the crash extension writes it.

    >>> print(dumps({"schema": SCHEMA, "command": "daxent", "decodings": []}), end="")
    {
      "schema": "daxtriage/1",
      "command": "daxent",
      "decodings": []
    }

    :param doc: the document (dicts keep their key order)
    """
    out: List[str] = []
    _write(doc, 0, out)
    out.append("\n")
    return "".join(out)
