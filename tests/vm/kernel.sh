#!/usr/bin/env bash
# Usage: kernel.sh SERIES   (5.10, 6.1, 6.12, 6.18, 7.3, ...)
# Make a Debian kernel available to vng: find the newest amd64 package of the
# series in the suites deps.sh lists, download it (and, since 7.x, the
# linux-binary-X, linux-modules-X and linux-base-X packages it depends on)
# once into the cache, install its modules under /lib/modules, and print
# three lines: its version, the path of its vmlinuz and of its config.
# One lookup for every series: Debian names them linux-image-5.10.0-N-amd64,
# linux-image-6.12.N+debNN-amd64, linux-image-7.3.N+debNN-amd64 and so on.
# Progress goes to stderr.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
# shellcheck source=tests/vm/deps.sh
source "$here/deps.sh"

series=${1:?usage: kernel.sh SERIES (e.g. 6.1, 6.12, 6.18, 7.3)}
[[ $series =~ ^[0-9]+\.[0-9]+$ ]] ||
	{ echo "kernel.sh: '$series' is not a kernel series such as 6.1 or 7.3" >&2; exit 2; }
# The version part of a package name: the series, then either ".0-N" (up to
# 6.1) or ".N" and a "+debNN" tag; the generic amd64 flavour only.
verpat="^${series//./\\.}(\\.0-[0-9]+|\\.[0-9]+(\\+deb[0-9]+)?)-amd64\$"

kdir=$SG_CACHE/kernels
mkdir -p "$kdir"
# One kernel.sh at a time: they share the apt lists and /lib/modules.
exec 9>"$kdir/.lock"
flock 9

# Where a package puts its files: /boot and /lib up to 6.x, /usr/lib/modules/X
# (vmlinuz included) since merged /usr.
kfile() { # kfile VERSION NAME: the path of boot file NAME (vmlinuz, config) of VERSION
	local r=$kdir/$1/root f
	for f in "$r/boot/$2-$1" "$r/usr/lib/modules/$1/$2" "$r/lib/modules/$1/$2"; do
		[[ -f $f ]] && { echo "$f"; return 0; }
	done
	return 1
}
moddir() {
	local r=$kdir/$1/root d
	for d in "$r/lib/modules/$1" "$r/usr/lib/modules/$1"; do
		[[ -f $d/modules.order ]] && { echo "$d"; return 0; }
	done
	return 1
}
have() { [[ -n $1 ]] && kfile "$1" vmlinuz >/dev/null && moddir "$1" >/dev/null; }
# Version dirs are plain names like 6.1.0-56-amd64.
newest_cached() { find "$kdir" -mindepth 1 -maxdepth 1 -type d -printf "%f\n" | grep -E "$verpat" | sort -V | tail -1 || true; }

# The version chosen for this series is recorded in <series>.current, so a
# complete cache never touches the network.
ver=$(cat "$kdir/$series.current" 2>/dev/null || true)
have "$ver" || ver=$(newest_cached)
if ! have "$ver"; then
	echo "kernel.sh: looking up the newest $series kernel" >&2
	ver=
	if sg_apt_update; then
		ver=$(apt-cache "${SG_APTO[@]}" pkgnames linux-image- | sed 's/^linux-image-//' |
			grep -E "$verpat" | sort -V | tail -1 || true)
	fi
	[[ -n $ver ]] || { echo "kernel.sh: no $series kernel cached and none found via apt" >&2; exit 1; }
	pkg=linux-image-$ver
	# Since 7.x the image package is a shell around linux-binary-X (vmlinuz),
	# linux-modules-X and linux-base-X (config, modules.order): take those
	# it depends on.
	pkgs=("$pkg")
	deps=$(apt-cache "${SG_APTO[@]}" depends "$pkg" 2>/dev/null |
		sed -n 's/^ *Depends: //p' | grep -xE "linux-(base|binary|modules)-${ver//+/\\+}" || true)
	[[ -z $deps ]] || mapfile -t -O 1 pkgs <<<"$deps"
	echo "kernel.sh: downloading ${pkgs[*]}" >&2
	tmp=$(mktemp -d "$kdir/.dl.XXXXXX")
	(cd "$tmp" && sg_apt -q download "${pkgs[@]}" >&2)
	for p in "${pkgs[@]}"; do
		dpkg-deb -x "$tmp"/"$p"_*.deb "$tmp/root"
	done
	# Rename into place only when complete: an interrupted run leaves no
	# half-unpacked kernel that would look cached.
	rm -rf "${kdir:?}/$ver"
	mkdir -p "$kdir/$ver"
	mv "$tmp/root" "$kdir/$ver/root"
	rm -rf "$tmp"
	have "$ver" || { echo "kernel.sh: $pkg holds no vmlinuz or no modules" >&2; exit 1; }
fi
echo "$ver" >"$kdir/$series.current"
# Merged-/usr packages (6.18, 7.x) have no /lib: give the unpacked root the
# /lib -> usr/lib link a merged-/usr system has, where vng looks for the
# modules of the kernel it boots (virtme's get_rootfs_from_kernel_path).
[[ -e $kdir/$ver/root/lib ]] || ln -s usr/lib "$kdir/$ver/root/lib"

# vng takes the modules from the host's /lib/modules/<version>.
if [[ ! -f /lib/modules/$ver/modules.dep ]]; then
	echo "kernel.sh: installing modules for $ver into /lib/modules" >&2
	mkdir -p "/lib/modules/$ver"
	cp -a "$(moddir "$ver")/." "/lib/modules/$ver/"
	depmod "$ver"
fi

echo "$ver"
kfile "$ver" vmlinuz
kfile "$ver" config || echo "kernel.sh: $ver has no config file" >&2
