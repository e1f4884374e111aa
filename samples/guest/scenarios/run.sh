#!/bin/sh
# run.sh SCENARIO: build the scenario's DAX state, start the program that holds it, and wait
# until that program has written its ground truth (/out/guest/scenario.json).
log() { echo "daxtriage-guest: $*" > /dev/console; }
scen=$1
mkfs_ext4() { mkfs.ext4 -q -F -b 4096 -E stride=512,stripe_width=512 /dev/pmem0 && mount -o dax /dev/pmem0 /mnt; }
mkfs_xfs() { mkfs.xfs -q -f -d su=2m,sw=1 -m reflink=0 /dev/pmem0 && mount -o dax=always /dev/pmem0 /mnt; }
case $scen in
fsdax-ext4)      mkfs_ext4 || exit 1; set -- fs /mnt ;;
panic)           mkfs_ext4 || exit 1; set -- fs /mnt --panic-on-usr1 ;;
fsdax-xfs)       mkfs_xfs  || exit 1; set -- fs /mnt ;;
devdax)          mkfs_ext4 || exit 1; set -- devdax /dev/dax0.1 ;;
truncate-pinned) mkfs_ext4 || exit 1; set -- truncate /mnt ;;
*) log "unknown scenario $scen"; exit 1 ;;
esac
rm -f /out/guest/scenario.json /tmp/daxhold.ready
/bin/daxhold "$@" --out /out/guest/scenario.json --ready /tmp/daxhold.ready > /dev/console 2>&1 &
pid=$!
case " $* " in *" --panic-on-usr1 "*) echo $pid > /tmp/scenario.panic ;; esac
i=0
while [ ! -e /tmp/daxhold.ready ]; do
	kill -0 $pid 2>/dev/null || { log "daxhold exited early"; exit 1; }
	i=$((i+1)); [ $i -lt 600 ] || { log "daxhold timed out"; exit 1; }
	sleep 0.1
done
grep -q '"complete": *true' /out/guest/scenario.json
