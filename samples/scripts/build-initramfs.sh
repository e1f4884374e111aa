#!/bin/bash
# build-initramfs.sh KDIR BUILD
# Build the guest initramfs for the kernel extracted in KDIR (fetch-kernel.sh) from the guest
# programs built in BUILD (build-guest.sh): BUILD/initramfs.cpio.gz for the first kernel,
# which carries the kernel and BUILD/capture.cpio.gz for the kdump capture kernel.
# Userspace (busybox-static, ndctl, mkfs.*, kexec, makedumpfile) comes from this machine's
# Debian packages with the shared libraries they need; with CAPTURE_SUITE=SUITE in the
# environment, the capture initramfs gets makedumpfile and its libraries (libc included) from
# a toolchroot.sh chroot of SUITE instead (a newer makedumpfile for newer kernels).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kdir=$1 build=$2
release=$(sed -n 's/^release=//p' "$kdir/versions")
guest=$DT_SAMPLES/guest

# Copy binaries and their shared-library closure (as ldd resolves it here) into ROOT.
add_bin() {
	local root=$1; shift
	local b l
	for b in "$@"; do
		b=$(command -v "$b") || die "missing program $b (make deps installs it)"
		install -D -m 755 "$b" "$root/usr/bin/$(basename "$b")"
		for l in $(ldd "$b" 2>/dev/null | grep -o '/[^ ]*'); do
			[ -e "$root$l" ] || install -D -m 755 "$(readlink -f "$l")" "$root$l"
		done
	done
}

# Copy makedumpfile and its shared-library closure, as the chroot of SUITE resolves it, into
# ROOT (the capture initramfs has no other dynamically linked program, so its libc may differ
# from the first kernel's).
add_chroot_bin() {
	local root=$1 suite=$2 bin=$3 cdir path real
	"$DT_SCRIPTS/toolchroot.sh" install "$suite" "$bin" </dev/null >&2
	cdir=$("$DT_SCRIPTS/toolchroot.sh" ensure "$suite" </dev/null)
	"$DT_SCRIPTS/toolchroot.sh" run "$suite" -- sh -ec '
		b=$(command -v "$1"); echo "$b $(readlink -f "$b")"
		for l in $(ldd "$b" | grep -o "/[^ ]*"); do echo "$l $(readlink -f "$l")"; done' sh "$bin" </dev/null |
	while read -r path real; do
		case $path in */bin/*|*/sbin/*) install -D -m 755 "$cdir$real" "$root/usr/bin/$(basename "$path")" ;;
		*) [ -e "$root$path" ] || install -D -m 755 "$cdir$real" "$root$path" ;;
		esac
	done
	[ -x "$root/usr/bin/$bin" ] || die "no $bin from the $suite chroot"
}

# Copy the modules MODS need (dependency closure, decompressed) and index them.
add_modules() {
	local root=$1; shift
	local m f rel
	for m in "$@"; do
		# NAME? is optional: a kernel that does not have it is fine (pvpanic_pci on 5.10).
		if ! modprobe -C /dev/null -d "$kdir" -S "$release" --show-depends "${m%\?}" 2>/dev/null |
			awk '$1 == "insmod" {print $2; n++} $1 == "builtin" {n++} END {exit !n}'; then
			case $m in *\?) ;; *) die "module ${m%\?} is not in $release" ;; esac
		fi
	done | sort -u | while read -r f; do
		rel=${f#"$kdir"}
		case $f in
		*.ko.xz)  mkdir -p "$root$(dirname "$rel")"; xz -dc "$f" > "$root${rel%.xz}" ;;
		*.ko.zst) mkdir -p "$root$(dirname "$rel")"; zstd -qdc "$f" > "$root${rel%.zst}" ;;
		*.ko.gz)  mkdir -p "$root$(dirname "$rel")"; gzip -dc "$f" > "$root${rel%.gz}" ;;
		*)        install -D -m 644 "$f" "$root$rel" ;;
		esac
	done
	# (a kernel with all of them built in, like the own kernel's capture set, copies no .ko)
	mkdir -p "$root/lib/modules/$release"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ -f "$kdir/lib/modules/$release/$f" ] && cp "$kdir/lib/modules/$release/$f" "$root/lib/modules/$release/"
	done
	depmod -b "$root" "$release"
}

base_root() {
	local root=$1
	rm -rf "$root" && mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,mnt,out}
	cp /bin/busybox "$root/bin/busybox"
	for a in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	install -m 755 "$guest/init" "$root/init"
}

pack() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -6) > "$2"; }

# Capture initramfs: just enough to mount the output disk and run makedumpfile.
croot=$build/capture-root
base_root "$croot"
if [ -n "${CAPTURE_SUITE:-}" ]; then
	add_chroot_bin "$croot" "$CAPTURE_SUITE" makedumpfile
else
	add_bin "$croot" makedumpfile
fi
add_modules "$croot" virtio_pci virtio_blk crc32c_generic? ext4
pack "$croot" "$build/capture.cpio.gz"

# First-kernel initramfs.
root=$build/initramfs-root
base_root "$root"
add_bin "$root" ndctl daxctl mkfs.ext4 mke2fs mkfs.xfs kexec
[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$root/etc/"
# crc32c_generic: ext4's checksums; 7.x has crc32c as a built-in library instead.
# test_hmm: the own kernel's device-private memory (Debian's kernels do not build it).
# pvpanic: 5.10 has one pvpanic module; 5.12+ split it into pvpanic_pci/pvpanic_mmio (which
# depend on pvpanic).
add_modules "$root" virtio_pci virtio_blk crc32c_generic? ext4 xfs qemu_fw_cfg \
	pvpanic pvpanic_pci? pvpanic_mmio? nfit nd_pmem dax_pmem device_dax brd 9p? 9pnet_virtio? test_hmm?
install -D -m 644 "$build/daxtruth.ko" "$root/lib/daxtruth.ko"
install -D -m 644 "$build/daxfault.ko" "$root/lib/daxfault.ko"
install -D -m 755 "$build/daxhold" "$root/bin/daxhold"
mkdir -p "$root/scenarios"
install -m 755 "$guest"/scenarios/*.sh "$root/scenarios/"
install -D -m 644 "$kdir/vmlinuz" "$root/boot/vmlinuz"
cp "$build/capture.cpio.gz" "$root/boot/capture.cpio.gz"
pack "$root" "$build/initramfs.cpio.gz"
rm -rf "$root" "$croot"
say "initramfs: $(du -h "$build/initramfs.cpio.gz" | cut -f1) (capture $(du -h "$build/capture.cpio.gz" | cut -f1))"
