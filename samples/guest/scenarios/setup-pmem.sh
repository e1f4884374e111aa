#!/bin/sh
# setup-pmem.sh SCENARIO: carve the emulated NVDIMM (one labelled region) into the namespaces
# every sample has: an fsdax namespace (1 GiB, --map=mem so its struct pages are in RAM and
# kdump captures them) and a devdax namespace (512 MiB, align 2 MiB, --map=mem).
# fsdax-mapdev: the fsdax namespace with --map=dev instead (struct pages in the device's own
# altmap, in pmem, which kdump's System RAM-only dump never holds).
log() { echo "daxtriage-guest: $*" > /dev/console; }
set -e
ndctl disable-region all >/dev/null
ndctl init-labels -f all >/dev/null
ndctl enable-region all >/dev/null
fsdax_map=mem; [ "$1" != fsdax-mapdev ] || fsdax_map=dev
# bigpmem (make bench): 16 GiB fsdax (4 M struct pages) and 4 GiB devdax on a 22 GiB NVDIMM.
fs_size=1G dev_size=512M; [ "$1" != bigpmem ] || { fs_size=16G; dev_size=4G; }
ndctl create-namespace -r region0 -m fsdax --map=$fsdax_map -s $fs_size -a 2M >/dev/null
if ! ndctl create-namespace -r region0 -m devdax --map=mem -s $dev_size -a 2M >/dev/null 2>&1; then
	log "devdax with align 2M failed; falling back to 4K"
	ndctl create-namespace -r region0 -m devdax --map=mem -s $dev_size -a 4K >/dev/null
fi
i=0; while [ ! -b /dev/pmem0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -b /dev/pmem0 ]
