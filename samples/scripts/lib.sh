# Common settings for the sample pipeline; sourced by the scripts in this directory.
# Everything downloaded or built goes under DT_CACHE (outside the work tree) and is keyed by
# package version, so a second run reuses it.
DT_CACHE=${DAXTRIAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/daxtriage}
DT_MIRROR=${DAXTRIAGE_MIRROR:-http://deb.debian.org/debian}
DT_MIRROR_SEC=${DAXTRIAGE_MIRROR_SEC:-http://deb.debian.org/debian-security}
DT_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DT_SAMPLES=$(dirname "$DT_SCRIPTS")
DT_TOP=$(dirname "$DT_SAMPLES")
export DT_CACHE DT_MIRROR DT_MIRROR_SEC
say() { printf '%s\n' "samples: $*" >&2; }
die() { printf '%s\n' "samples: error: $*" >&2; exit 1; }
