# SPDX-License-Identifier: GPL-2.0-or-later
"""daxtriage for drgn: the commands of the crash extension dax.so, on a vmcore or live.

    drgn -c VMCORE -s VMLINUX [-s MODULE.ko ...] drgn/daxtriage.py COMMAND [options]
    drgn drgn/daxtriage.py COMMAND [options]          (live kernel, as root; read-only)

    daxent [--era E|all] [-j] VALUE                      decode a DAX entry word
    daxmap [-a] [-p] [-j] [--era E] [inode|address_space|file|dentry]
    pgmap  [-p] [-j] [address|pfn]                       dev_pagemaps, percpu_ref, census
    daxpage [-j] PFN|PAGE                                one page as dump_page() prints it
    daxdev [-j]                                          DAX devices, the filesystems on them
    daxcheck [-v] [-j]                                   the triage checks (share/checks.json)

`COMMAND -h` prints its options; docs/drgn.md has the details.  Pass the module .ko debug
files (nd_pmem.ko, device_dax.ko, ...) with -s so that symbols in modules (pgmap ops) resolve.
On a live kernel values are read at different instants and may race.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from daxtriage.cli import main  # noqa: E402

if __name__ == "__main__":
    if "prog" not in globals():
        sys.exit("daxtriage.py runs under drgn: drgn [-c VMCORE -s VMLINUX] daxtriage.py COMMAND ...")
    sys.exit(main(prog))  # noqa: F821 - drgn defines prog
