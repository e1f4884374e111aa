#!/bin/sh
# run.sh SCENARIO: build the scenario's DAX state, start the program that holds it, and wait
# until that program has written its ground truth (/out/guest/scenario.json).
log() { echo "daxtriage-guest: $*" > /dev/console; }
scen=$1
mkfs_ext4() { mkfs.ext4 -q -F -b 4096 -E stride=512,stripe_width=512 /dev/pmem0 && mount -o dax /dev/pmem0 /mnt; }
# A non-DAX ext4 (brd ramdisk: no DAX support) for the NULL dax_device replica.
nondax_ext4() { modprobe brd rd_nr=1 rd_size=32768 && mkfs.ext4 -q -F /dev/ram0 && mkdir -p "$1" && mount /dev/ram0 "$1"; }
hmm() { modprobe test_hmm && [ -c /dev/hmm_dmirror0 ] || { log "no test_hmm devices"; exit 1; }; }
fault() { insmod /lib/daxfault.ko || { log "cannot load daxfault.ko"; exit 1; }; }
# The replica's own panic: an oops with panic_on_oops, taken by kdump.
trigger() { printf 'echo 1 > /proc/sys/kernel/panic_on_oops\n%s\n' "$1" > /tmp/scenario.trigger; }
mkfs_xfs() { mkfs.xfs -q -f -d su=2m,sw=1 -m reflink=0 /dev/pmem0 && mount -o dax=always /dev/pmem0 /mnt; }
case $scen in
fsdax-ext4)      mkfs_ext4 || exit 1; set -- fs /mnt ;;
panic)           mkfs_ext4 || exit 1; set -- fs /mnt --panic-on-usr1 ;;
fsdax-xfs)       mkfs_xfs  || exit 1; set -- fs /mnt ;;
# fsdax-ext4's state on a --map=dev namespace (setup-pmem.sh): struct pages not in the dump.
fsdax-mapdev)    mkfs_ext4 || exit 1; set -- fs /mnt ;;
devdax)          mkfs_ext4 || exit 1; set -- devdax /dev/dax0.1 ;;
truncate-pinned) mkfs_ext4 || exit 1; set -- truncate /mnt ;;
hostile-names)   mkfs_ext4 || exit 1; set -- hostile /mnt ;;
# The large sample of `make bench` (docs/performance.md): writing and faulting 4 GiB under TCG.
bigpmem)         mkfs_ext4 || exit 1; limit=18000; set -- big /mnt /dev/dax0.1 ;;
# Bug replicas (docs/replicas.md): faults injected by the test-only daxfault module.  A
# trigger (/tmp/scenario.trigger) is what /init runs at panic time instead of sysrq-c, so that
# the kdump catches the replica's own oops.
pgmap-leak)      mkfs_ext4 || exit 1; fault; set -- leak dax0.1 ;;
ref-exited)      mkfs_ext4 || exit 1; fault; set -- refexit dax0.1
                 trigger "echo dax0.1 > /sys/bus/dax/drivers/device_dax/unbind" ;;
null-daxdev)     mkfs_ext4 || exit 1; fault; nondax_ext4 /mnt2 || exit 1; set -- nulldax /mnt2
                 trigger "echo null_dax /mnt2 > /proc/daxfault" ;;
refcount-floor)  mkfs_ext4 || exit 1; fault; set -- floor /mnt ;;
entry-lock)      mkfs_ext4 || exit 1; fault; set -- entrylock /mnt ;;
# The own kernel (samples/manifest set "own", docs/samples.md "The own kernel"): every pgmap
# type.  The P2PDMA pgmap is the NVMe controller memory buffer (run-scenario.py
# --nvme-cmb-mb), the device-private ones test_hmm's; hmm-private has no NVMe, p2pdma no hmm.
allpgmaps|hmm-private) mkfs_ext4 || exit 1; hmm || exit 1; set -- allpgmaps /dev/dax0.1 hmm ;;
p2pdma)          mkfs_ext4 || exit 1; set -- allpgmaps /dev/dax0.1 nohmm ;;
# The live smoke test of the drgn front end (live.sh): fsdax-ext4's state, then drgn on it.
live)            mkfs_ext4 || exit 1; set -- fs /mnt ;;
*) log "unknown scenario $scen"; exit 1 ;;
esac
rm -f /out/guest/scenario.json /tmp/daxhold.ready
# Before the scenario: ndctl would block forever behind a device unbind that hangs (pgmap-leak).
ndctl list -NRDui > /out/guest/ndctl.json 2>/dev/null
/bin/daxhold "$@" --out /out/guest/scenario.json --ready /tmp/daxhold.ready > /dev/console 2>&1 &
pid=$!
case " $* " in *" --panic-on-usr1 "*) echo $pid > /tmp/scenario.panic ;; esac
i=0
while [ ! -e /tmp/daxhold.ready ]; do
	kill -0 $pid 2>/dev/null || { log "daxhold exited early"; exit 1; }
	i=$((i+1)); [ $i -lt ${limit:-600} ] || { log "daxhold timed out"; exit 1; }
	sleep 0.1
done
grep -q '"complete": *true' /out/guest/scenario.json || exit 1
[ "$scen" != live ] || /scenarios/live.sh
