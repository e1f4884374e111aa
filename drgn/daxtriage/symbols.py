# SPDX-License-Identifier: GPL-2.0-or-later
"""
Symbols
-------

The ``daxtriage.symbols`` module resolves symbol names and addresses the
way crash does, including symbols of loaded modules read from the dump's
own module kallsyms (``struct module.kallsyms``: ``symtab``, ``strtab``,
:linux:`kernel/module/kallsyms.c`).

drgn resolves module symbols from the modules' debuginfo. drgn 0.0.22 finds
a module's load address through ``struct module.core_layout``, which Linux
kernel commit ac3b43283923 ("module: replace module_layout with
module_memory") (in v6.4) removed: on 6.4+ kernels it returns module
symbols unrelocated (section offsets such as ``0x40``) or none. Such
answers are recognised (not a kernel address) and the dump's module
kallsyms are used instead, so a pgmap's ``ops`` is named as crash names it,
with or without module debuginfo.
"""

import struct
from bisect import bisect_right
from typing import Dict, List, Optional, Tuple

from drgn import FaultError, Program
from .escape import escape_str
from .memory import read_u64 as _u64

__all__ = ("symbol_address", "symbol_name", "module_kallsyms")

_KERNEL_HALF = 0xFFFF000000000000
_MAX_MODULES = 4096
_MAX_SYMS = 1 << 20
# One module's string table: st_name is a 32-bit offset read from the dump, and a
# corrupt one must not make us read (allocate) up to 4 GiB; real ones are < 1 MiB.
_MAX_STRTAB = 16 << 20
# Elf64_Sym: st_name u32, st_info u8, st_other u8, st_shndx u16, st_value u64, st_size u64
_ELF64_SYM = struct.Struct("<IBBHQQ")
_STT_OBJECT, _STT_FUNC = 1, 2


def _off(prog: Program, t: str, m: str) -> int:
    from drgn import offsetof

    try:
        return offsetof(prog.type(t), m)
    except (LookupError, ValueError):
        return -1


class _ModSyms:
    def __init__(self) -> None:
        self.by_name: Dict[str, int] = {}
        self.addrs: List[int] = []  # sorted
        self.entries: List[Tuple[int, int, str]] = []  # (addr, size, name), same order


def module_kallsyms(prog: Program) -> _ModSyms:
    """
    Return the symbols (functions and objects) of every loaded module as the
    dump records them in ``struct module.kallsyms`` (bounded: 4096 modules,
    1M symbols). Memoised in ``prog.cache["daxtriage.modsyms"]``.

    >>> module_kallsyms(prog).by_name["fsdax_pagemap_ops"]
    18446744072645705888

    :param prog: the program
    """
    key = "daxtriage.modsyms"
    ms = prog.cache.get(key)
    if ms is not None:
        return ms
    ms = _ModSyms()
    prog.cache[key] = ms
    try:
        head = prog.symbol("modules").address
    except LookupError:
        return ms
    o_list, o_ks = _off(prog, "struct module", "list"), _off(prog, "struct module", "kallsyms")
    o_sym = _off(prog, "struct mod_kallsyms", "symtab")
    o_num = _off(prog, "struct mod_kallsyms", "num_symtab")
    o_str = _off(prog, "struct mod_kallsyms", "strtab")
    if min(o_list, o_ks, o_sym, o_num, o_str) < 0:
        return ms  # "modules: add rcu-safe kallsyms" (v4.5) introduced mod->kallsyms
    entries: List[Tuple[int, int, str]] = []
    pos = _u64(prog, head)
    n = 0
    while pos is not None and pos != head and n < _MAX_MODULES and len(entries) < _MAX_SYMS:
        n += 1
        if pos < _KERNEL_HALF:
            break
        ks = _u64(prog, pos - o_list + o_ks)
        if ks is not None and ks >= _KERNEL_HALF:
            symtab, strtab = _u64(prog, ks + o_sym), _u64(prog, ks + o_str)
            try:
                num = struct.unpack("<I", prog.read(ks + o_num, 4))[0]
            except (FaultError, ValueError, OverflowError):
                num = 0
            num = min(num, _MAX_SYMS - len(entries))
            if symtab and strtab and num:
                try:
                    syms = list(_ELF64_SYM.iter_unpack(prog.read(symtab, num * _ELF64_SYM.size)))
                    end = min(max(s[0] for s in syms) + 256, _MAX_STRTAB)
                    strs = _read_upto(prog, strtab, end)
                except (FaultError, ValueError, OverflowError):
                    syms, strs = [], b""
                for st_name, st_info, _, _, value, size in syms:
                    if st_info & 0xF not in (_STT_OBJECT, _STT_FUNC) or not value:
                        continue
                    if st_name >= len(strs):
                        continue
                    name = strs[st_name:strs.find(b"\0", st_name)].decode(errors="surrogateescape")
                    if name:
                        entries.append((value, size, name))
        pos = _u64(prog, pos)
    entries.sort()
    ms.entries = entries
    ms.addrs = [e[0] for e in entries]
    for a, _, name in entries:
        ms.by_name.setdefault(name, a)
    return ms


def _read_upto(prog: Program, a: int, n: int) -> bytes:
    # n bytes, or as many as are readable (the strtab may end a page early)
    try:
        return prog.read(a, n)
    except (FaultError, ValueError, OverflowError):
        pass
    out = bytearray()
    step = 4096 - (a & 4095)
    while len(out) < n:
        k = min(step, n - len(out))
        try:
            out += prog.read(a + len(out), k)
        except (FaultError, ValueError, OverflowError):
            break
        step = 4096
    return bytes(out)


def symbol_address(prog: Program, name: str) -> int:
    """
    Return the address of a symbol (ELF symbol table, a DWARF object, or
    the dump's module kallsyms), or 0 if there is none by that name.

    >>> hex(symbol_address(prog, "pgmap_array"))
    '0xffffffff89047880'

    :param name: symbol name
    """
    try:
        a = prog.symbol(name).address
        if a >= _KERNEL_HALF:
            return a
    except LookupError:
        pass
    try:
        obj = prog.object(name)
        if obj.address_ is not None and obj.address_ >= _KERNEL_HALF:
            return obj.address_
    except (LookupError, ValueError):
        pass
    return module_kallsyms(prog).by_name.get(name, 0)


def symbol_name(prog: Program, addr: int) -> Optional[str]:
    """
    Return ``"name"`` or ``"name+0xoff"`` for an address, as crash prints
    it, or ``None``.

    >>> symbol_name(prog, 0xffffffffc08ec0a0)
    'fsdax_pagemap_ops'

    :param addr: a kernel address (0 gives ``None``)
    """
    if not addr:
        return None
    # Memoised per program: an address lookup costs drgn 0.0.22 milliseconds
    # (a scan of the symbol table), and the stack scan of daxcheck asks the
    # same return addresses over and over. Not on a live kernel, where
    # modules come and go.
    from drgn import ProgramFlags

    live = bool(prog.flags & ProgramFlags.IS_LIVE)
    memo = None if live else prog.cache.setdefault("daxtriage.symname", {})
    if memo is not None and addr in memo:
        return memo[addr]
    name = _symbol_name(prog, addr)
    if name is not None:  # module symbol names come from the dump's kallsyms
        name = escape_str(name)
    if memo is not None:
        memo[addr] = name
    return name


def _symbol_name(prog: Program, addr: int) -> Optional[str]:
    try:
        sym = prog.symbol(addr)
        if sym.address >= _KERNEL_HALF:
            off = addr - sym.address
            return f"{sym.name}+{off:#x}" if off else sym.name
    except LookupError:
        pass
    ms = module_kallsyms(prog)
    i = bisect_right(ms.addrs, addr) - 1
    if i < 0:
        return None
    a, size, name = ms.entries[i]
    off = addr - a
    if off and off >= max(size, 1):
        return None
    return f"{name}+{off:#x}" if off else name
