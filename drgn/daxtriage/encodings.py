# SPDX-License-Identifier: GPL-2.0-or-later
"""
DAX entry encodings
-------------------

The ``daxtriage.encodings`` module decodes the raw word of a page-cache slot
of a DAX inode (``i_pages`` XArray from Linux 4.20, ``page_tree``/``i_pages``
radix tree before) under every entry era the kernel has had, plus the
unmerged proposals a triager meets on the lists.

The bit layouts are ``#define`` s in :linux:`fs/dax.c` (and
:linux:`include/linux/dax.h` in 4.10-4.13), so they are not in DWARF. They
are data: ``share/dax-encodings.json``, the one table both front ends read
(the crash extension has it generated into C). Nothing here hard-codes a bit.

This module does not import drgn: the decoders are pure and are tested
without a kernel (``tests/test_drgn.py``).
"""

import json
import os
from typing import Dict, List, NamedTuple, Optional, Tuple

__all__ = (
    "DaxEra",
    "DaxEntry",
    "DAX_F_LOCKED",
    "DAX_F_PMD",
    "DAX_F_PUD",
    "DAX_F_ZERO",
    "DAX_F_EMPTY",
    "DAX_F_ZAP",
    "DAX_F_PTE",
    "DAX_F_DEV",
    "DAX_F_MAP",
    "dax_encodings_path",
    "dax_eras",
    "dax_era",
    "dax_entry_decode",
    "dax_flag_letters",
    "dax_flag_names",
    "dax_entry_is_real",
)

# Roles of entry bits, as the tools print them.  The values equal enum
# dt_flag_role of crash-ext/core/entry.h so that both front ends speak alike.
DAX_F_LOCKED = 1 << 0  # L: owned by a task (4.7+)
DAX_F_PMD = 1 << 1  # P: PMD-sized entry
DAX_F_PUD = 1 << 2  # U: PUD-sized entry (seed 002/004 proposals only)
DAX_F_ZERO = 1 << 3  # Z: maps the (huge) zero page: a read hole
DAX_F_EMPTY = 1 << 4  # E: placeholder used only for locking
DAX_F_ZAP = 1 << 5  # X: zapped (seed 004 proposal)
DAX_F_PTE = 1 << 6  # explicit 4k type bit (4.5-4.9)
DAX_F_DEV = 1 << 7  # PFN_DEV (seed 002)
DAX_F_MAP = 1 << 8  # PFN_MAP (seed 002)

_ROLES = {
    "locked": DAX_F_LOCKED,
    "pte": DAX_F_PTE,
    "pmd": DAX_F_PMD,
    "pud": DAX_F_PUD,
    "zero": DAX_F_ZERO,
    "empty": DAX_F_EMPTY,
    "zap": DAX_F_ZAP,
    "dev": DAX_F_DEV,
    "map": DAX_F_MAP,
}

# Letters in their fixed order (crash-ext/core/entry.c dt_flag_letters()).
_LETTERS = (
    (DAX_F_LOCKED, "L"),
    (DAX_F_PMD, "P"),
    (DAX_F_PUD, "U"),
    (DAX_F_ZERO, "Z"),
    (DAX_F_EMPTY, "E"),
    (DAX_F_ZAP, "X"),
)

_U64 = (1 << 64) - 1


class DaxEraFlag(NamedTuple):
    name: str  # the kernel #define
    role: int  # DAX_F_*
    mask: int
    value: int  # set iff (raw & mask) == value
    order: int  # 2^order pages when set, 0 if the flag says nothing


class DaxEra(NamedTuple):
    """One entry era of ``share/dax-encodings.json``."""

    id: str
    kernels: str
    cite: str
    container: str  # "radix" or "xarray"
    payload: str  # "sector" or "pfn"
    entry_mask: int
    entry_value: int
    payload_mask: int  # 0: all bits
    payload_shift: int
    known_mask: int
    flags: Tuple[DaxEraFlag, ...]


class DaxEntry(NamedTuple):
    """A decoded DAX entry word (see :func:`dax_entry_decode`)."""

    era: DaxEra
    raw: int
    is_entry: bool  # the word is a DAX entry of the era's container
    flags: int  # DAX_F_* bits
    order: int
    payload: int  # pfn or sector, per era.payload
    unknown_bits: int  # low bits set that the era does not define


def dax_encodings_path() -> str:
    """
    Return the path of ``share/dax-encodings.json``, the table of entry eras.

    ``$DAXTRIAGE_ENCODINGS`` overrides it (for an installed copy).

    >>> dax_encodings_path().endswith("share/dax-encodings.json")
    True
    """
    env = os.environ.get("DAXTRIAGE_ENCODINGS")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "share", "dax-encodings.json")


_eras_cache: Dict[str, Tuple[DaxEra, ...]] = {}


def dax_eras(path: Optional[str] = None) -> Tuple[DaxEra, ...]:
    """
    Return every entry era of the encodings table, in table order
    (mainline eras first, then the unmerged proposals).

    >>> [e.id for e in dax_eras()]
    ['4.5', '4.7', '4.10', '4.14', '4.17', '4.20', 'seed004-zap', 'seed004-pud', 'seed002-pfn-t']

    :param path: the JSON table; default :func:`dax_encodings_path()`
    """
    path = os.path.realpath(path or dax_encodings_path())
    eras = _eras_cache.get(path)
    if eras is None:
        with open(path) as f:
            doc = json.load(f)
        if doc.get("schema") != "daxtriage-dax-encodings/1":
            raise ValueError(f"{path}: unknown schema {doc.get('schema')!r}")
        out: List[DaxEra] = []
        for e in doc["eras"]:
            out.append(
                DaxEra(
                    id=e["id"],
                    kernels=e["kernels"],
                    cite=e["cite"],
                    container=e["container"],
                    payload=e["payload"],
                    entry_mask=e["entry_mask"],
                    entry_value=e["entry_value"],
                    payload_mask=e["payload_mask"],
                    payload_shift=e["payload_shift"],
                    known_mask=e["known_mask"],
                    flags=tuple(
                        DaxEraFlag(
                            f["name"],
                            _ROLES[f["role"]],
                            f["mask"],
                            f["value"],
                            f.get("order", 0),
                        )
                        for f in e["flags"]
                    ),
                )
            )
        eras = _eras_cache[path] = tuple(out)
    return eras


def dax_era(era_id: str) -> Optional[DaxEra]:
    """
    Return the era with the given id, or ``None``.

    >>> dax_era("4.20").kernels
    '4.20-current (verified 6.1.192 and post-6.15)'

    :param era_id: an id of the table, as ``--era`` takes it
    """
    for e in dax_eras():
        if e.id == era_id:
            return e
    return None


def dax_entry_decode(era: DaxEra, raw: int) -> DaxEntry:
    """
    Decode a raw slot word under one era.

    ``is_entry`` is false when the word is not a DAX entry of the era's
    container (an XArray value entry, ``raw & 1``; a radix exceptional entry,
    ``(raw & 3) == 2``); the other fields are then zero.

    >>> e = dax_entry_decode(dax_era("4.20"), 0x3800007)
    >>> hex(e.payload), dax_flag_letters(e.flags), e.order
    ('0x1c0000', 'LP', 9)

    :param era: from :func:`dax_era()`
    :param raw: the slot word (``void *`` as an integer)
    """
    raw &= _U64
    pm = era.payload_mask or _U64
    # Where no flag or tag bit lies in the payload, everything but the payload is a function
    # of the other bits: decoded once per (era, those bits), for the millions of entries of a
    # big mapping.
    payload_bits = _payload_bits(era, pm)
    if not raw or payload_bits is None:
        return _decode(era, raw, pm)
    key = (era.id, raw & ~payload_bits & _U64)
    hit = _DECODED.get(key)
    if hit is not None:
        return DaxEntry(era, raw, hit[0], hit[1], hit[2],
                        (raw & pm) >> era.payload_shift if hit[0] else 0, hit[3])
    e = _decode(era, raw, pm)
    if len(_DECODED) < 4096:
        _DECODED[key] = (e.is_entry, e.flags, e.order, e.unknown_bits)
    return e


_DECODED: Dict[Tuple[str, int], Tuple[bool, int, int, int]] = {}
_PAYLOAD_BITS: Dict[str, Optional[int]] = {}


def _payload_bits(era: DaxEra, pm: int) -> Optional[int]:
    # The raw bits the payload is taken from, or None if a flag or the tag uses one of them.
    if era.id not in _PAYLOAD_BITS:
        bits = pm & ~((1 << era.payload_shift) - 1) & _U64
        used = era.entry_mask | era.known_mask
        for f in era.flags:
            used |= f.mask
        _PAYLOAD_BITS[era.id] = None if used & bits else bits
    return _PAYLOAD_BITS[era.id]


def _decode(era: DaxEra, raw: int, pm: int) -> DaxEntry:
    if raw == 0 or (raw & era.entry_mask) != era.entry_value:
        return DaxEntry(era, raw, False, 0, 0, 0, 0)
    payload = (raw & pm) >> era.payload_shift
    flags = order = flag_bits = 0
    for f in era.flags:
        flag_bits |= f.mask
        if (raw & f.mask) == f.value:
            flags |= f.role
            order = max(order, f.order)
    # Bits below the payload that neither the container tag nor a flag explains.
    below = (1 << era.payload_shift) - 1
    unknown = raw & below & ~era.known_mask & ~era.entry_mask & ~flag_bits & _U64
    return DaxEntry(era, raw, True, flags, order, payload, unknown)


def dax_flag_letters(flags: int) -> str:
    """
    Return the flag letters ``L P U Z E X`` (fixed order), or ``-`` for none.

    >>> dax_flag_letters(DAX_F_LOCKED | DAX_F_PMD | DAX_F_EMPTY)
    'LPE'

    :param flags: ``DAX_F_*`` bits of a :class:`DaxEntry`
    """
    s = _LETTER_CACHE.get(flags)
    if s is None:
        s = _LETTER_CACHE[flags] = "".join(c for bit, c in _LETTERS if flags & bit) or "-"
    return s


_LETTER_CACHE: Dict[int, str] = {}


def dax_flag_names(entry: DaxEntry) -> str:
    """
    Return the era's ``#define`` names of the flags set, ``|``-separated;
    ``none`` for an entry without flags, ``not an entry`` for a word that is
    not one.

    >>> dax_flag_names(dax_entry_decode(dax_era("4.14"), 0x1a))
    'RADIX_DAX_PMD|RADIX_DAX_ZERO_PAGE'

    :param entry: from :func:`dax_entry_decode()`
    """
    if not entry.is_entry:
        return "not an entry"
    names = [f.name for f in entry.era.flags if (entry.raw & f.mask) == f.value]
    return "|".join(names) or "none"


def dax_entry_is_real(entry: DaxEntry) -> bool:
    """
    Return whether an entry maps device pages (a DAX entry neither zero nor
    empty).

    >>> dax_entry_is_real(dax_entry_decode(dax_era("4.20"), 0xc400d))
    False

    :param entry: from :func:`dax_entry_decode()`
    """
    return entry.is_entry and not entry.flags & (DAX_F_ZERO | DAX_F_EMPTY)
