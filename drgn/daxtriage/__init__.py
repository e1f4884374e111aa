# SPDX-License-Identifier: GPL-2.0-or-later
"""
daxtriage: fsdax / device-dax / ZONE_DEVICE helpers for drgn
============================================================

Helpers that decode what drgn's own helpers do not: DAX page-cache entries
of every era (:linux:`fs/dax.c`), the page-cache tree of a DAX inode with a
bounded walker, every ``struct dev_pagemap`` (:linux:`include/linux/memremap.h`)
with the true count of its ``percpu_ref`` against the era's expected count,
a bulk census of the struct pages of each pgmap range, one struct page as
``dump_page()`` prints it, the DAX devices and the filesystems on them, the
tasks, stacks, pipes and wait tables read from memory, and the triage checks
of ``share/checks.json``. They are the drgn front end of daxtriage;
``drgn/daxtriage.py`` wraps them in the commands of the crash extension
(``daxent``, ``daxmap``, ``pgmap``, ``daxpage``, ``daxdev``, ``daxcheck``).

From the drgn REPL (``drgn -c vmcore -s vmlinux``, or on a live kernel)::

    >>> import sys; sys.path.insert(0, "drgn")      # the daxtriage checkout's drgn/
    >>> from daxtriage import *
    >>> l = dax_layout(prog)
    >>> l.era.id, l.refmodel
    ('4.20', '6.1-6.14')
    >>> for pm in for_each_pgmap(prog):
    ...     print(hex(pm.addr), pm.type, pm.ref_state.true_count, pm.expect.expected)
    0xffff8acd022890b0 MEMORY_DEVICE_FS_DAX 262145 262145
    0xffff8acd048e2c00 MEMORY_DEVICE_GENERIC 257 257
    >>> inode = prog["init_task"]  # any struct inode * with S_DAX
    >>> for index, e in dax_mapping_entries(prog, inode.i_mapping):
    ...     print(index, dax_flag_letters(e.flags), hex(e.payload))
    >>> r = dax_check_all(prog, l)
    >>> [(f.check.id, f.severity, f.headline) for f in r.findings if f.severity != "info"]
    [('CHK-G2', 'error', 'pinned DAX page blocks truncate — the DAX-gup class of 004_b059be23803e822e.txt')]

The DAX bit layouts come from ``share/dax-encodings.json`` (the table the
crash extension is generated from). Everything is read-only; on a live
kernel values are read at different instants and may race.

Modules: :mod:`daxtriage.encodings` (entry decoding, pure),
:mod:`daxtriage.refmodel` (expected counts, pure),
:mod:`daxtriage.percpu_ref`, :mod:`daxtriage.tree`, :mod:`daxtriage.layout`,
:mod:`daxtriage.memmap`, :mod:`daxtriage.pgmap`, :mod:`daxtriage.owner`,
:mod:`daxtriage.symbols`, :mod:`daxtriage.mapping`, :mod:`daxtriage.page`,
:mod:`daxtriage.daxdev`, :mod:`daxtriage.tasks`, :mod:`daxtriage.check`,
:mod:`daxtriage.jsonout`, :mod:`daxtriage.cli`.
"""

from .encodings import (
    DAX_F_EMPTY,
    DAX_F_LOCKED,
    DAX_F_PMD,
    DAX_F_PUD,
    DAX_F_ZAP,
    DAX_F_ZERO,
    DaxEntry,
    DaxEra,
    dax_entry_decode,
    dax_entry_is_real,
    dax_era,
    dax_eras,
    dax_flag_letters,
    dax_flag_names,
)
from .percpu_ref import PercpuRefRaw, PercpuRefState, percpu_ref_evaluate
from .refmodel import count_verdict, expected_pgmap_count, idle_refcount

__all__ = (
    "DAX_F_EMPTY",
    "DAX_F_LOCKED",
    "DAX_F_PMD",
    "DAX_F_PUD",
    "DAX_F_ZAP",
    "DAX_F_ZERO",
    "DaxEntry",
    "DaxEra",
    "dax_entry_decode",
    "dax_entry_is_real",
    "dax_era",
    "dax_eras",
    "dax_flag_letters",
    "dax_flag_names",
    "PercpuRefRaw",
    "PercpuRefState",
    "percpu_ref_evaluate",
    "count_verdict",
    "expected_pgmap_count",
    "idle_refcount",
)

try:  # the helpers that read a program need drgn; the decoders above do not
    import drgn as _drgn  # noqa: F401
except ImportError:  # pragma: no cover - pure use (unit tests without drgn)
    pass
else:
    from .check import check_catalogue, dax_check_all, finding_covers_pfn
    from .daxdev import dax_device_find, dax_devices
    from .layout import dax_layout, memory_type_name
    from .mapping import (
        dax_entry_analyse,
        dax_era_choose,
        dax_mapping_entries,
        dax_mapping_load,
        for_each_dax_inode,
        resolve_mapping,
    )
    from .memmap import memmap_census, page_read, pfn_to_page_address
    from .owner import dax_owners, pgmap_owner_name
    from .page import page_describe, page_to_pfn, zone_shift
    from .percpu_ref import percpu_ref_read
    from .pgmap import for_each_pgmap, pgmap_of_pfn, pgmap_read, pgmaps_collect
    from .symbols import symbol_address, symbol_name
    from .tasks import (
        dax_entry_waiters,
        for_each_task_in_memory,
        frames_match,
        pipe_scan,
        task_frames,
        var_waiters,
    )
    from .tree import dax_tree_load, dax_tree_walk

    __all__ += (
        "dax_layout",
        "memory_type_name",
        "dax_entry_analyse",
        "dax_era_choose",
        "dax_mapping_entries",
        "dax_mapping_load",
        "for_each_dax_inode",
        "resolve_mapping",
        "memmap_census",
        "page_read",
        "pfn_to_page_address",
        "percpu_ref_read",
        "for_each_pgmap",
        "pgmap_of_pfn",
        "pgmap_read",
        "pgmaps_collect",
        "dax_owners",
        "pgmap_owner_name",
        "symbol_address",
        "symbol_name",
        "dax_tree_load",
        "dax_tree_walk",
        "check_catalogue",
        "dax_check_all",
        "finding_covers_pfn",
        "dax_devices",
        "dax_device_find",
        "page_describe",
        "page_to_pfn",
        "zone_shift",
        "for_each_task_in_memory",
        "task_frames",
        "frames_match",
        "pipe_scan",
        "var_waiters",
        "dax_entry_waiters",
    )
