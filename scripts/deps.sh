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
	# building the own kernel (samples/scripts/build-kernel.sh; it installs linux-source-6.1 itself)
	bison flex bc libssl-dev dwarves ccache
	# the front ends and the tests
	crash python3-drgn python3-libkdumpfile
	# the live read-only test traces drgn's system calls (tests/test_faults_drgn.py)
	strace
	# the C core under ASan/UBSan and its libFuzzer harnesses (crash-ext: test-san, fuzz)
	clang-14 libclang-rt-14-dev
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
