#!/bin/bash
# apt-private.sh SUITE APT-ARGS...
# Run apt-get/apt-cache against one Debian suite through a private configuration kept in
# the cache directory: the machine's own sources are never read or edited.
#   apt-private.sh bookworm update
#   apt-private.sh bookworm cache depends linux-image-amd64
#   apt-private.sh bookworm download linux-image-6.1.0-56-amd64   (into the current dir)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
suite=$1; shift
d=$DT_CACHE/apt/$suite
mkdir -p "$d/lists/partial" "$d/archives/partial"
if [ ! -f "$d/sources.list" ]; then
	case $suite in
	bullseye) sec="deb $DT_MIRROR_SEC $suite-security main" ;;
	bookworm|trixie) sec="deb $DT_MIRROR_SEC $suite-security main" ;;
	*) sec="" ;;
	esac
	{
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DT_MIRROR $suite main"
		case $suite in sid|unstable) ;; *) echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DT_MIRROR $suite-updates main" ;; esac
		[ -n "$sec" ] && echo "${sec/deb /deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] }"
	} > "$d/sources.list"
fi
opts=(-o "Dir::Etc::SourceList=$d/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o "Dir::State::status=/dev/null"
      -o Acquire::Check-Valid-Until=false -o APT::Get::List-Cleanup=false -o Debug::NoLocking=1
      -o APT::Sandbox::User=root -o APT::Architecture=amd64 -o APT::Architectures::=amd64)
mkdir -p "$d/cache"
case $1 in
cache) shift; exec apt-cache "${opts[@]}" "$@" ;;
update)
	# Refresh at most once per DT_APT_MAX_AGE seconds (default 6 h); --force always.
	stamp=$d/updated
	if [ "${2:-}" != --force ] && [ -f "$stamp" ] &&
	   [ $(( $(date +%s) - $(stat -c %Y "$stamp") )) -lt "${DT_APT_MAX_AGE:-21600}" ]; then
		exit 0
	fi
	apt-get -qq "${opts[@]}" update && touch "$stamp" ;;
*) exec apt-get -qq "${opts[@]}" "$@" ;;
esac
