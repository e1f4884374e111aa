#!/bin/sh
# live.sh: run the drgn front end on this running kernel (/proc/kcore) while the scenario holds
# its state -- the live smoke test of docs/drgn.md.  python3, drgn and the repository are the
# host's own, from its root filesystem shared read-only over virtio-9p (run-scenario.py
# --live-drgn); the debuginfo is the sample kernel's.  Outputs: /out/guest/live-*.json (+ .err).
log() { echo "daxtriage-guest: $*" > /dev/console; }
param() { for w in $(cat /proc/cmdline); do case $w in daxtriage.$1=*) echo "${w#*=}"; return ;; esac; done; }
repo=$(param live); kdir=$(param kdir)
[ -n "$repo" ] && [ -n "$kdir" ] || { log "live: no daxtriage.live/kdir parameters"; exit 1; }
modprobe 9pnet_virtio && modprobe 9p || { log "live: no 9p modules"; exit 1; }
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /host || { log "live: cannot mount the host share"; exit 1; }
# The host's python runs from the share through the host's own dynamic loader and libraries
# (no chroot: the share's /proc is the host's, and mounts onto a 9p tree do not cover it).
H=/host
py() {
	PYTHONHOME=$H/usr PYTHONDONTWRITEBYTECODE=1 $H/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
		--library-path $H/usr/lib/x86_64-linux-gnu $H/usr/bin/python3 "$@"
}
mods=""
for ko in "$H$kdir"/debuginfo/*.ko; do [ -e "$ko" ] && mods="$mods -s $ko"; done
rc=0
for c in "daxmap -a -j" "pgmap -p -j" "daxcheck -j"; do
	name=${c%% *}
	start=$(cut -d' ' -f1 /proc/uptime)
	py -m drgn -q -s "$H$kdir/debuginfo/vmlinux" $mods "$H$repo/drgn/daxtriage.py" $c \
		> /out/guest/live-$name.json 2> /out/guest/live-$name.err
	st=$?
	log "live: drgn daxtriage.py $c: exit $st in $(echo "$start $(cut -d' ' -f1 /proc/uptime)" | awk '{print $2-$1}') s"
	# daxcheck exits 1 when it has findings; anything else is a failure of the run.
	case $name:$st in *:0|daxcheck:1) ;; *) rc=1; tail -5 /out/guest/live-$name.err > /dev/console ;; esac
done
py -c 'import drgn; print(drgn.__version__)' > /out/guest/live-drgn-version.txt 2>&1
umount /host
exit $rc
