#!/bin/bash
# deps.sh: install what daxtriage needs from Debian packages.  Idempotent; prints nothing
# when everything is already installed.  Needs root (apt-get).
set -euo pipefail
pkgs=(
	# samples: kernels, guest userspace, QEMU and the dump tools
	qemu-system-x86 qemu-utils kmod cpio zstd xz-utils busybox-static ndctl daxctl
	e2fsprogs xfsprogs kexec-tools makedumpfile debootstrap util-linux ca-certificates
	# building the guest programs, the ground-truth module and the crash extension
	gcc make libc6-dev binutils libelf-dev
	# the front ends and the tests
	crash python3-drgn python3-libkdumpfile
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
