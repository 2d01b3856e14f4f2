#!/usr/bin/env bash
# Usage: kernel.sh 6.1|6.12|5.10
# Make a Debian kernel available to vng: download and unpack it once into the
# cache, install its modules under /lib/modules (vng loads them from the host
# tree), and print the path of its vmlinuz. Progress goes to stderr.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
# shellcheck source=tests/vm/deps.sh
source "$here/deps.sh"

series=${1:?usage: kernel.sh 6.1|6.12|5.10}
case $series in
	6.1)  pat='^linux-image-6\.1\.0-[0-9]+-amd64 ' ;;         # bookworm
	6.12) pat='^linux-image-6\.12\.[0-9]+\+deb12-amd64 ' ;;   # bookworm-backports
	5.10) pat='^linux-image-5\.10\.0-[0-9]+-amd64 ' ;;        # bullseye
	*) echo "kernel.sh: unknown kernel '$series' (6.1, 6.12 or 5.10)" >&2; exit 2 ;;
esac
verpat=^${pat#^linux-image-}; verpat=${verpat% }$

kdir=$SG_CACHE/kernels
mkdir -p "$kdir"
# One kernel.sh at a time: they share the apt lists and /lib/modules.
exec 9>"$kdir/.lock"
flock 9

have() { [[ -n $1 && -f $kdir/$1/root/boot/vmlinuz-$1 ]]; }
# Version dirs are plain names like 6.1.0-56-amd64.
newest_cached() { find "$kdir" -mindepth 1 -maxdepth 1 -type d -printf "%f\n" | grep -E "$verpat" | sort -V | tail -1 || true; }

# The version chosen for this series is recorded in <series>.current, so a
# complete cache never touches the network.
ver=$(cat "$kdir/$series.current" 2>/dev/null || true)
have "$ver" || ver=$(newest_cached)
if ! have "$ver"; then
	echo "kernel.sh: looking up the newest $series kernel" >&2
	pkg=
	if sg_apt_update; then
		pkg=$(apt-cache "${SG_APTO[@]}" search linux-image | grep -E "$pat" |
			cut -d' ' -f1 | sort -V | tail -1 || true)
	fi
	[[ -n $pkg ]] || { echo "kernel.sh: no $series kernel cached and none found via apt" >&2; exit 1; }
	ver=${pkg#linux-image-}
	echo "kernel.sh: downloading $pkg" >&2
	tmp=$(mktemp -d "$kdir/.dl.XXXXXX")
	(cd "$tmp" && sg_apt -q download "$pkg" >&2)
	dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/root"
	# Rename into place only when complete: an interrupted run leaves no
	# half-unpacked kernel that would look cached.
	rm -rf "${kdir:?}/$ver"
	mkdir -p "$kdir/$ver"
	mv "$tmp/root" "$kdir/$ver/root"
	rm -rf "$tmp"
fi
echo "$ver" >"$kdir/$series.current"

# vng takes the modules from the host's /lib/modules/<version>.
if [[ ! -f /lib/modules/$ver/modules.dep ]]; then
	echo "kernel.sh: installing modules for $ver into /lib/modules" >&2
	mkdir -p "/lib/modules/$ver"
	cp -a "$kdir/$ver/root/lib/modules/$ver/." "/lib/modules/$ver/"
	depmod "$ver"
fi

echo "$kdir/$ver/root/boot/vmlinuz-$ver"
