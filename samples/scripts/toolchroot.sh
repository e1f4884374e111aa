#!/bin/bash
# toolchroot.sh: newer crash and drgn in debootstrap chroots of their own suite (they need
# that suite's libc), cached outside the work tree.  Must run as root.
#
#   toolchroot.sh ensure SUITE
#       Make $DT_CACHE/chroots/SUITE/ a complete chroot (crash, python3-drgn,
#       python3-libkdumpfile, libkdumpfile-dev, gcc, make, libc6-dev, zlib1g-dev, binutils)
#       and print its path on stdout.  Silent apart from that when already complete.
#       Restores from $DT_CACHE/chroots/SUITE.tar.zst when the directory is missing or
#       damaged; otherwise runs debootstrap.  Rebuilds when older than
#       DAXTRIAGE_CHROOT_MAX_AGE days (default 30); if that rebuild fails the old chroot
#       stays in use.
#   toolchroot.sh run SUITE [--bind PATH]... -- CMD [ARGS...]
#       Run CMD as root inside the chroot (ensure first if needed) in a private mount
#       namespace with /proc, /dev, a tmpfs on /tmp and every PATH bind-mounted at the same
#       path.  The working directory is kept if it lies under a bound PATH, else /.
#       Environment: PATH, HOME=/root, LANG=C.UTF-8, TERM=dumb and all DAXTRIAGE_* variables.
#       stdin is passed through; CMD's exit status is returned.  Nothing stays mounted.
#   toolchroot.sh versions SUITE
#       Print crash=<version> and drgn=<version> (Debian package versions) of the chroot.
#   toolchroot.sh install SUITE PKG...
#       Make sure the chroot (ensure first if needed) also has PKG... (from its own suite),
#       e.g. makedumpfile for a capture initramfs; the tarball is rewritten after an
#       installation.  Silent when they are already there.
#
# SUITE: trixie or sid (bookworm and bullseye work too).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
export DEBIAN_FRONTEND=noninteractive
self=$DT_SCRIPTS/$(basename "$0")
marker_name=.daxtriage-ready
pkgs=(crash python3-drgn python3-libkdumpfile libkdumpfile-dev gcc make libc6-dev zlib1g-dev binutils)
inner_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

usage() {
	sed -n '2,/^set /{/^#/{s/^# \{0,1\}//;p}}' "$self" >&2
	exit 2
}

# Internal: the part that runs inside the private mount namespace (see cmd_run).
#   __inner ROOT WD NBIND BIND... CMD ARGS...
if [ "${1:-}" = __inner ]; then
	root=$2 wd=$3 n=$4; shift 4
	rroot=$(realpath -e "$root")
	binds=("${@:1:n}"); shift "$n"
	mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/tmp"
	for b in "${binds[@]}"; do
		t=$root$b
		# The mount point must resolve inside the chroot (no absolute symlink escapes).
		case $(realpath -m "$t") in "$rroot"/*) ;; *) die "--bind $b: $t leads outside the chroot" ;; esac
		if [ -d "$b" ]; then mkdir -p "$t"
		else mkdir -p "$(dirname "$t")"; [ -e "$t" ] || : > "$t"; fi
		mount --rbind "$b" "$t"
	done
	envs=(PATH="$inner_path" HOME=/root LANG=C.UTF-8 TERM=dumb)
	while IFS= read -r v; do envs+=("$v=${!v}"); done < <(compgen -e | grep '^DAXTRIAGE_' || true)
	exec chroot "$root" /usr/bin/env -i -C "$wd" "${envs[@]}" "$@"
fi

[ $# -ge 2 ] || usage
cmd=$1 suite=$2; shift 2
case $suite in trixie|sid|bookworm|bullseye) ;; *) die "unsupported suite '$suite' (trixie, sid, bookworm, bullseye)" ;; esac
[ "$(id -u)" = 0 ] || die "toolchroot.sh must run as root (debootstrap, chroot, mounts)"
base=$DT_CACHE/chroots
dir=$base/$suite
tarball=$base/$suite.tar.zst
marker=$dir/$marker_name
log=$base/$suite.log
max_age=$(( ${DAXTRIAGE_CHROOT_MAX_AGE:-30} * 86400 ))

# A directory holds a complete chroot: marker present and the tools where they belong.
complete() {
	[ -s "$1/$marker_name" ] && [ -x "$1/usr/bin/crash" ] && [ -x "$1/usr/bin/python3" ] &&
		[ -x "$1/usr/bin/gcc" ] && [ -f "$1/usr/include/crash/defs.h" ] &&
		[ -e "$1/usr/lib/python3/dist-packages/drgn" ]
}
fresh() { [ $(( $(date +%s) - $(stat -c %Y "$1") )) -lt "$max_age" ]; }
ready() { complete "$dir" && fresh "$marker"; }

# Remove a tree we created; never cross into anything mounted below it.
remove() {
	[ -e "$1" ] || return 0
	if findmnt -rn -o TARGET | awk -v p="$1" '$0 == p || index($0, p "/") == 1 {f = 1} END {exit !f}'; then die "something is mounted under $1: not removing it"; fi
	rm -rf --one-file-system "$1"
}

host_tools() {
	local need=()
	command -v debootstrap >/dev/null || need+=(debootstrap)
	command -v zstd >/dev/null || need+=(zstd)
	[ ${#need[@]} -eq 0 ] && return 0
	say "installing on the host: ${need[*]}"
	apt-get install -qq -y --no-install-recommends "${need[@]}" >/dev/null </dev/null ||
		{ apt-get -qq update </dev/null >/dev/null && apt-get install -qq -y --no-install-recommends "${need[@]}" >/dev/null </dev/null; } ||
		die "could not install ${need[*]} on the host"
}

# apt-get install PKG... into the chroot at $1 (its own sources), in a private mount namespace.
apt_install() {
	local t=$1 aptopt=""; shift
	case $suite in sid) aptopt="-o Acquire::Check-Valid-Until=false" ;; esac
	# shellcheck disable=SC2086
	if ! unshare --mount --propagation private sh -ec '
		t=$1; shift
		mount -t proc proc "$t/proc"
		mount --rbind /dev "$t/dev"
		chroot "$t" /usr/bin/env -i PATH='"$inner_path"' HOME=/root LANG=C.UTF-8 \
			DEBIAN_FRONTEND=noninteractive sh -ec "
			apt-get -q $0 update
			apt-get -q -y $0 --no-install-recommends install $*
			apt-get clean
			rm -rf /var/lib/apt/lists/*"' "$aptopt" "$t" "$@" >>"$log" 2>&1 </dev/null; then
		tail -n 15 "$log" >&2; die "package installation in the $suite chroot failed (log: $log)"
	fi
}

# The packages of $@ not installed in the chroot.
missing_pkgs() {
	local p
	for p in "$@"; do
		[ "$(chroot "$dir" dpkg-query -W -f '${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || echo "$p"
	done
}

cmd_install() {
	local need
	[ $# -ge 1 ] || usage
	ready || ensure
	need=$(missing_pkgs "$@")
	[ -n "$need" ] || return 0
	exec 8>"$base/.$suite.lock"
	if ! flock -n 8; then say "chroot $suite: waiting for another toolchroot.sh"; flock 8; fi
	need=$(missing_pkgs "$@")
	if [ -n "$need" ]; then
		say "chroot $suite: installing" $need
		printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d"; chmod 755 "$dir/usr/sbin/policy-rc.d"
		# shellcheck disable=SC2086
		apt_install "$dir" $need
		rm -f "$dir/usr/sbin/policy-rc.d"
		[ -z "$(missing_pkgs "$@")" ] || die "chroot $suite: $* still not installed (log: $log)"
		pack
	fi
	exec 8>&-
}

# debootstrap + package installation into $1, all inside a private mount namespace so
# that whatever debootstrap or apt mount disappears with it, even when interrupted.
build() {
	local t=$1 t0
	host_tools
	remove "$t"
	mkdir -p "$t"
	t0=$(date +%s)
	say "chroot $suite: debootstrap (about 45 s; log in $log)"
	if ! unshare --mount --propagation private \
		debootstrap --variant=minbase "$suite" "$t" "$DT_MIRROR" >"$log" 2>&1 </dev/null; then
		tail -n 15 "$log" >&2; die "debootstrap $suite failed (log: $log)"
	fi
	# The chroot's own sources (the host's are never touched).
	{
		echo "deb $DT_MIRROR $suite main"
		case $suite in
		sid) ;;
		*) echo "deb $DT_MIRROR $suite-updates main"
		   echo "deb $DT_MIRROR_SEC $suite-security main" ;;
		esac
	} > "$t/etc/apt/sources.list"
	printf '#!/bin/sh\nexit 101\n' > "$t/usr/sbin/policy-rc.d"; chmod 755 "$t/usr/sbin/policy-rc.d"
	say "chroot $suite: installing ${pkgs[*]} (about 50 s)"
	apt_install "$t" "${pkgs[@]}"
	rm -f "$t/usr/sbin/policy-rc.d"
	chroot "$t" dpkg-query -W -f '${Package}=${Version}\n' crash python3-drgn |
		sed 's/^python3-drgn=/drgn=/' > "$t/$marker_name.tmp"
	echo "suite=$suite" >> "$t/$marker_name.tmp"
	echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$t/$marker_name.tmp"
	mv "$t/$marker_name.tmp" "$t/$marker_name"
	complete "$t" || die "the $suite chroot in $t is incomplete after installation (log: $log)"
	say "chroot $suite: built in $(( $(date +%s) - t0 )) s ($(du -sh --one-file-system "$t" | cut -f1))"
}

unpack() {
	local t=$1 t0
	remove "$t"; mkdir -p "$t"
	t0=$(date +%s)
	say "chroot $suite: unpacking $tarball"
	if zstd -dcq "$tarball" | tar -C "$t" --numeric-owner -xpf - && complete "$t"; then
		say "chroot $suite: unpacked in $(( $(date +%s) - t0 )) s"
		return 0
	fi
	say "chroot $suite: $tarball is unusable; removing it"
	rm -f "$tarball"; remove "$t"
	return 1
}

pack() {
	local t0
	t0=$(date +%s)
	say "chroot $suite: writing $tarball"
	rm -f "$tarball.tmp"
	tar -C "$dir" --numeric-owner --one-file-system -cf - . | zstd -3 -T0 -q -o "$tarball.tmp"
	touch -r "$marker" "$tarball.tmp"
	mv "$tarball.tmp" "$tarball"
	say "chroot $suite: tarball written in $(( $(date +%s) - t0 )) s ($(du -h "$tarball" | cut -f1))"
}

# Put DIR.tmp in place of DIR (renames only, so DIR is either old-complete, absent or new).
install_tmp() {
	remove "$dir.old"
	[ -e "$dir" ] && mv "$dir" "$dir.old"
	mv "$dir.tmp" "$dir"
	remove "$dir.old"
}

ensure() {
	if ready && [ -f "$tarball" ]; then return 0; fi
	mkdir -p "$base"
	exec 8>"$base/.$suite.lock"
	if ! flock -n 8; then say "chroot $suite: waiting for another toolchroot.sh"; flock 8; fi
	remove "$dir.tmp"; remove "$dir.old"
	if ! ready; then
		if complete "$dir"; then
			say "chroot $suite: older than $(( max_age / 86400 )) days, rebuilding"
		elif [ -e "$dir" ]; then
			say "chroot $suite: $dir is incomplete or damaged, replacing it"
		fi
		# The tarball is only worth unpacking if it is itself recent enough.
		if [ -f "$tarball" ] && fresh "$tarball" && unpack "$dir.tmp" && fresh "$dir.tmp/$marker_name"; then
			install_tmp
		else
			local rc
			set +e; (set -e; build "$dir.tmp"); rc=$?; set -e
			if [ "$rc" = 0 ]; then
				install_tmp; rm -f "$tarball"
			else
				# Offline or the archive is broken: fall back to what we have, if anything,
				# and try the refresh again in a day rather than on every call.
				remove "$dir.tmp"
				if complete "$dir"; then
					say "chroot $suite: rebuild failed; keeping the existing (older) chroot"
				elif [ -f "$tarball" ] && unpack "$dir.tmp"; then
					install_tmp
					say "chroot $suite: rebuild failed; using the older chroot from $tarball"
				else
					die "chroot $suite could not be built"
				fi
				touch -d "@$(( $(date +%s) - max_age + 86400 ))" "$marker"
			fi
		fi
	fi
	[ -f "$tarball" ] || pack
	exec 8>&-
}

cmd_run() {
	local binds=() b wd=/ rc
	while [ $# -gt 0 ]; do
		case $1 in
		--bind) [ $# -ge 2 ] || die "--bind needs a path"; b=$2; shift 2 ;;
		--bind=*) b=${1#--bind=}; shift ;;
		--) shift; break ;;
		-*) die "run: unknown option $1" ;;
		*) break ;;
		esac
		[ -e "$b" ] || die "--bind $b: no such file or directory"
		b=$(realpath -e "$b")
		[ "$b" != / ] || die "--bind /: refusing to bind the whole host"
		binds+=("$b")
	done
	[ $# -ge 1 ] || die "run: no command (toolchroot.sh run SUITE [--bind PATH]... -- CMD [ARGS...])"
	# Keep the working directory if a bound path contains it.
	local here
	here=$(pwd -P)
	for b in "${binds[@]}"; do
		case $here/ in "$b"/*) wd=$here; break ;; esac
	done
	# Hold a shared lock while CMD runs so that a rebuild does not swap the tree under it.
	mkdir -p "$base"
	exec 9>"$base/.$suite.lock"
	if ! flock -n -s 9; then say "chroot $suite: waiting for another toolchroot.sh"; flock -s 9; fi
	if ! ready; then
		flock -u 9
		ensure
		flock -s 9
		complete "$dir" || die "chroot $suite is not available"
	fi
	set +e
	unshare --mount --propagation private -- "$self" __inner "$dir" "$wd" "${#binds[@]}" "${binds[@]}" "$@" 9>&-
	rc=$?
	set -e
	exit "$rc"
}

case $cmd in
ensure)
	[ $# -eq 0 ] || usage
	ensure
	echo "$dir" ;;
run)
	cmd_run "$@" ;;
install)
	cmd_install "$@" ;;
versions)
	[ $# -eq 0 ] || usage
	complete "$dir" || ensure
	grep -E '^(crash|drgn)=' "$marker" ;;
*) usage ;;
esac
