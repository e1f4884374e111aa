# SPDX-License-Identifier: GPL-2.0-or-later
"""
pgmap owners
------------

The ``daxtriage.owner`` module names the device that owns a
``struct dev_pagemap``: the device-dax instance (``dax0.1``) whose
``dev_dax->pgmap`` it is, or the pmem disk (``pmem0``) whose
``struct pmem_device`` embeds it (or, 6.0+, is its ``pgmap->owner``).

The devices are those :func:`daxtriage.daxdev.dax_devices` collects (the
same walk ``daxdev`` prints, with the ``bus_kset`` lookup of the dax bus
from v6.3), as ``dt_pgmap_owner_name()`` of ``crash-ext/core/daxdev.c``
does. Module types (``struct dev_dax``, ``struct pmem_device``) need the
modules' debuginfo (``-s MODULE.ko``); without it the owner may stay
unknown.
"""

from typing import Optional

from drgn import Program

from .daxdev import KIND_DEVDAX, KIND_PMEM, DaxDevices, dax_devices

__all__ = ("dax_owners", "pgmap_owner_name")


def dax_owners(prog: Program, layout) -> DaxDevices:
    """
    Return the DAX devices that can own a pgmap (:func:`daxtriage.daxdev.dax_devices`,
    memoised for vmcores).

    >>> [d.name for d in dax_owners(prog, dax_layout(prog)).dev_dax]
    ['dax0.1']

    :param layout: from :func:`daxtriage.layout.dax_layout()`
    """
    return dax_devices(prog, layout)


def pgmap_owner_name(owners: DaxDevices, pgmap: int, owner: int) -> Optional[str]:
    """
    Return the name of the device owning a pgmap (``"pmem0"``, ``"dax0.1"``),
    or ``None``.

    >>> pgmap_owner_name(dax_owners(prog, l), 0xffff8acd022890b0, 0xffff8acd02289028)
    'pmem0'

    :param owners: from :func:`dax_owners()`
    :param pgmap: ``struct dev_pagemap *``
    :param owner: ``pgmap->owner`` (the ``pmem_device`` from 6.0)
    """
    for dd in owners.dev_dax:
        if dd.read_ok and dd.pgmap == pgmap and dd.name:
            return dd.name
    for d in owners.devices:
        # container_of(pgmap, struct pmem_device, pgmap)
        if d.kind == KIND_PMEM and d.name and d.pmem_read and d.pmem_pgmap == pgmap:
            return d.name
    # pgmap->owner is the pmem_device (pmem sets it, 6.0+) and so is
    # dax_dev->private: the same object, even when the ops cannot be named
    # (no module symbols)
    for d in owners.devices:
        if owner and d.kind != KIND_DEVDAX and d.name and owner == d.private:
            return d.name
    return None
