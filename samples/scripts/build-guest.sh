#!/bin/bash
# build-guest.sh KDIR
# Build everything the guest runs for the kernel in KDIR: the ground-truth module daxtruth.ko
# (against that kernel's headers), the scenario program daxhold (static), and the two
# initramfs images.  Cached in $DT_CACHE/guest/<kernel-dir>/<hash of the inputs>/; prints it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kdir=$1
release=$(sed -n 's/^release=//p' "$kdir/versions")
guest=$DT_SAMPLES/guest
key=$( { cat "$kdir/versions"
	find "$guest" "$DT_SCRIPTS/build-guest.sh" "$DT_SCRIPTS/build-initramfs.sh" -type f \
		! -name '*.o' ! -name '*.ko' ! -name '*.mod*' ! -name '.*' ! -name Module.symvers \
		! -name modules.order | LC_ALL=C sort | xargs cat
	dpkg-query -W busybox-static ndctl xfsprogs e2fsprogs kexec-tools makedumpfile gcc-12 libc6 2>/dev/null
	} | sha256sum | cut -c1-16)
out=$DT_CACHE/guest/$(basename "$kdir")/$key
if [ -f "$out/.complete" ]; then echo "$out"; exit 0; fi
rm -rf "$out" && mkdir -p "$out"
# The module is built in a scratch copy so the source tree stays clean.
hdr=$(ls -d "$kdir"/usr/src/linux-headers-*-amd64 | head -1)
cp -r "$guest/daxtruth" "$out/daxtruth-src"
make -s -C "$hdr" M="$out/daxtruth-src" modules > "$out/daxtruth-build.log" 2>&1 ||
	{ cat "$out/daxtruth-build.log" >&2; die "daxtruth.ko does not build for $release"; }
cp "$out/daxtruth-src/daxtruth.ko" "$out/daxtruth.ko"
gcc -Wall -Wextra -O2 -static -o "$out/daxhold" "$guest/scenarios/daxhold.c"
"$DT_SCRIPTS/build-initramfs.sh" "$kdir" "$out"
touch "$out/.complete"
echo "$out"
