#!/bin/sh
# setup-pmem.sh SCENARIO: carve the emulated NVDIMM (one labelled region) into the namespaces
# every sample has: an fsdax namespace (1 GiB, --map=mem so its struct pages are in RAM and
# kdump captures them) and a devdax namespace (512 MiB, align 2 MiB, --map=mem).
log() { echo "daxtriage-guest: $*" > /dev/console; }
set -e
ndctl disable-region all >/dev/null
ndctl init-labels -f all >/dev/null
ndctl enable-region all >/dev/null
ndctl create-namespace -r region0 -m fsdax --map=mem -s 1G -a 2M >/dev/null
if ! ndctl create-namespace -r region0 -m devdax --map=mem -s 512M -a 2M >/dev/null 2>&1; then
	log "devdax with align 2M failed; falling back to 4K"
	ndctl create-namespace -r region0 -m devdax --map=mem -s 512M -a 4K >/dev/null
fi
i=0; while [ ! -b /dev/pmem0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
[ -b /dev/pmem0 ]
