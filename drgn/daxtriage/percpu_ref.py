# SPDX-License-Identifier: GPL-2.0-or-later
"""
percpu_ref
----------

The ``daxtriage.percpu_ref`` module reads a ``struct percpu_ref``
(:linux:`include/linux/percpu-refcount.h`) from a dump and computes its mode
and true count the way :linux:`lib/percpu-refcount.c` defines them: the
atomic count, still biased by ``PERCPU_COUNT_BIAS`` in percpu mode and while
switching, plus the per-CPU counters of every *possible* CPU.

:func:`percpu_ref_evaluate` is pure (tested on recorded words without a
kernel); :func:`percpu_ref_read` gathers the words from a program.

.. note::
    Linux kernel commit 2b0d3d3e4fcf ("percpu_ref: reduce memory footprint of
    percpu_ref in fast path") (in v5.9) moved ``count``, ``release`` and
    ``confirm_switch`` into ``struct percpu_ref_data``; an exited ref then
    has ``data == NULL`` and keeps its count in ``percpu_count_ptr >> 2``.
"""

import struct
from typing import List, NamedTuple, Optional, Tuple

__all__ = (
    "PERCPU_REF_ATOMIC",
    "PERCPU_REF_DEAD",
    "PERCPU_REF_ATOMIC_DEAD",
    "PERCPU_REF_FLAG_BITS",
    "PERCPU_COUNT_BIAS",
    "PercpuRefRaw",
    "PercpuRefState",
    "percpu_ref_evaluate",
    "possible_cpu_offsets",
    "percpu_ref_read",
)

# include/linux/percpu-refcount.h (6.1)
PERCPU_REF_ATOMIC = 1  # __PERCPU_REF_ATOMIC
PERCPU_REF_DEAD = 2  # __PERCPU_REF_DEAD
PERCPU_REF_ATOMIC_DEAD = 3  # __PERCPU_REF_ATOMIC_DEAD
PERCPU_REF_FLAG_BITS = 2  # __PERCPU_REF_FLAG_BITS
# lib/percpu-refcount.c: PERCPU_COUNT_BIAS = 1LU << (BITS_PER_LONG - 1)
PERCPU_COUNT_BIAS = 1 << 63

_U64 = (1 << 64) - 1


def _s64(v: int) -> int:
    v &= _U64
    return v - (1 << 64) if v >> 63 else v


class PercpuRefRaw(NamedTuple):
    """The words of a ``struct percpu_ref`` as read from a dump."""

    addr: int
    split: bool  # v5.9+: count etc. live in percpu_ref_data
    percpu_count_ptr: int
    data: int  # percpu_ref_data *, split layout only
    data_ok: bool  # count/release/confirm_switch were readable
    count: int  # atomic count (raw, unsigned)
    release: int
    confirm_switch: int
    data_ref: int
    nr_cpus: int  # possible CPUs, -1 if unknown
    percpu_ok: bool  # every possible CPU's counter was read
    percpu: Tuple[Tuple[int, int], ...]  # (cpu, raw value), first 64 CPUs
    percpu_sum: int  # sum over all possible CPUs, modulo 2^64


class PercpuRefState(NamedTuple):
    """Mode and true count (see :func:`percpu_ref_evaluate`)."""

    mode: str  # percpu, switching, atomic, dead, exited, never-initialised
    count_known: bool
    true_count: int
    biased: bool  # the atomic count still held PERCPU_COUNT_BIAS
    rule: str  # how true_count was computed


def percpu_ref_evaluate(r: PercpuRefRaw) -> PercpuRefState:
    """
    Decide the mode and true count of a percpu_ref from its raw words.

    The count still carries ``PERCPU_COUNT_BIAS`` in percpu mode and while
    switching, until ``percpu_ref_switch_to_atomic_rcu()`` folds the per-CPU
    sum in; a negative count is biased whatever the flags say.

    >>> s = percpu_ref_evaluate(raw)   # fsdax-ext4's pgmap->ref
    >>> s.mode, s.true_count, s.rule
    ('percpu', 262145, 'biased+percpu')

    :param r: from :func:`percpu_ref_read()` (or built by hand)
    """
    P = r.percpu_count_ptr & _U64
    flags = P & PERCPU_REF_ATOMIC_DEAD
    if r.split and not r.data:
        if P == 0:
            # zeroed memory or percpu_ref_init() never ran (the seed 001 state)
            return PercpuRefState(
                "never-initialised", False, 0, False, "zeroed: never initialised"
            )
        # percpu_ref_exit() frees data and keeps ATOMIC_DEAD | count << 2
        return PercpuRefState(
            "exited",
            True,
            _s64(P >> PERCPU_REF_FLAG_BITS),
            False,
            "exited: percpu_count_ptr >> 2",
        )
    if not r.split and P == 0 and r.count == 0 and r.release == 0:
        return PercpuRefState(
            "never-initialised", False, 0, False, "zeroed: never initialised"
        )
    if flags & PERCPU_REF_DEAD:
        mode = "dead"
    elif not flags & PERCPU_REF_ATOMIC:
        mode = "percpu"
    elif r.confirm_switch:
        mode = "switching"
    else:
        mode = "atomic"
    if not r.data_ok:
        return PercpuRefState(mode, False, 0, False, "count not readable")
    biased = not flags & PERCPU_REF_ATOMIC or _s64(r.count) < 0
    if biased:
        if not r.percpu_ok:
            return PercpuRefState(
                mode, False, 0, True, "biased, per-CPU counters not readable"
            )
        return PercpuRefState(
            mode,
            True,
            _s64(r.count - PERCPU_COUNT_BIAS + r.percpu_sum),
            True,
            "biased+percpu",
        )
    return PercpuRefState(mode, True, _s64(r.count), False, "atomic")


def _possible_cpus(prog, pco) -> List[int]:
    # The set bits of __cpu_possible_mask below min(nr_cpu_ids, NR_CPUS), NR_CPUS being the
    # length of __per_cpu_offset[] in the debuginfo.  drgn's for_each_possible_cpu() trusts
    # nr_cpu_ids as read from the dump (drgn 0.0.31 walks nr_cpu_ids bits): a corrupt one
    # walks billions of bits.  Kernels without __cpu_possible_mask (before v4.5, where it
    # was cpu_possible_bits) keep drgn's helper.
    from drgn import FaultError
    from drgn.helpers.linux.cpumask import for_each_possible_cpu

    nr_cpus = pco.type_.length or 0
    try:
        mask = prog["__cpu_possible_mask"]
    except KeyError:
        return list(for_each_possible_cpu(prog))
    try:
        nr_ids = prog["nr_cpu_ids"].value_()
    except (KeyError, FaultError):
        nr_ids = nr_cpus
    limit = min(nr_ids, nr_cpus, 8 * mask.type_.size)
    raw = prog.read(mask.address_, (limit + 7) // 8)
    return [cpu for cpu in range(limit) if raw[cpu // 8] >> (cpu % 8) & 1]


def possible_cpu_offsets(prog) -> Optional[List[Tuple[int, int]]]:
    """
    Return ``(cpu, __per_cpu_offset[cpu])`` for every possible CPU (not only
    the online ones: a counter may sit on an offline CPU), or ``None``.
    Memoised in ``prog.cache["daxtriage.percpu_offsets"]``.

    >>> possible_cpu_offsets(prog)
    [(0, 18446630213530714112), (1, 18446630213530976256)]

    :param prog: the program
    """
    key = "daxtriage.percpu_offsets"
    if key in prog.cache:
        return prog.cache[key]
    from drgn import FaultError

    try:
        pco = prog["__per_cpu_offset"]
        out = [(cpu, pco[cpu].value_()) for cpu in _possible_cpus(prog, pco)]
    except (KeyError, LookupError, FaultError):
        out = None
    prog.cache[key] = out
    return out


def percpu_ref_read(prog, addr: int, layout) -> PercpuRefRaw:
    """
    Read the ``struct percpu_ref`` at an address, with the per-CPU counters
    of every possible CPU.

    >>> percpu_ref_read(prog, pgmap.ref.address_of_().value_(), dax_layout(prog))
    PercpuRefRaw(addr=..., split=True, percpu_count_ptr=114680301194488, ...)

    :param addr: ``struct percpu_ref *``
    :param layout: from :func:`daxtriage.layout.dax_layout()`
    :raises ValueError: the ref itself is not readable (one line, in words)
    """
    from drgn import FaultError

    l = layout
    try:
        if l.pr_pcp < 0:
            raise ValueError
        (pcp,) = struct.unpack("<Q", prog.read(addr + l.pr_pcp, 8))
    except (FaultError, ValueError, OverflowError):
        raise ValueError(f"percpu_ref {_c(addr)} not readable")
    split = l.pref_split
    data = 0
    base = addr
    oc, orl, ocs = l.pr_count, l.pr_release, l.pr_confirm
    if split:
        try:
            (data,) = struct.unpack("<Q", prog.read(addr + l.pr_data, 8))
        except (FaultError, ValueError, OverflowError):
            raise ValueError(f"percpu_ref.data at {_c(addr)} not readable")
        base = data
        oc, orl, ocs = l.prd_count, l.prd_release, l.prd_confirm
    data_ok = False
    count = release = confirm = data_ref = 0
    if base and _kptr_ok(base, 8):
        try:
            (count,) = struct.unpack("<Q", prog.read(base + oc, 8))
            (release,) = struct.unpack("<Q", prog.read(base + orl, 8))
            (confirm,) = struct.unpack("<Q", prog.read(base + ocs, 8))
            data_ok = True
            if split and l.prd_ref >= 0:
                try:
                    (data_ref,) = struct.unpack("<Q", prog.read(base + l.prd_ref, 8))
                except FaultError:
                    pass
        except FaultError:
            count = release = confirm = 0
    offs = possible_cpu_offsets(prog)
    nr = len(offs) if offs is not None else -1
    percpu: List[Tuple[int, int]] = []
    total = 0
    ok = False
    ptr = pcp & ~PERCPU_REF_ATOMIC_DEAD & _U64
    if offs and ptr:
        ok = True
        for i, (cpu, off) in enumerate(offs):
            try:
                (v,) = struct.unpack("<Q", prog.read((ptr + off) & _U64, 8))
            except FaultError:
                ok = False
                break
            if i < 64:
                percpu.append((cpu, v))
            total = (total + v) & _U64
    # Like the C core, report min(possible, 64) slots; those not read stay (0, 0).
    while nr > 0 and len(percpu) < min(nr, 64):
        percpu.append((0, 0))
    return PercpuRefRaw(
        addr,
        split,
        pcp,
        data,
        data_ok,
        count,
        release,
        confirm,
        data_ref,
        nr,
        ok,
        tuple(percpu),
        total,
    )


def _c(v: int) -> str:
    # C's %#llx: "0" for zero
    return "0" if v == 0 else hex(v)


def _kptr_ok(p: int, align: int) -> bool:
    # A plausible kernel pointer (x86_64 / arm64 kernel half, aligned).
    return p >= 0xFFFF000000000000 and (align == 0 or p & (align - 1) == 0)
