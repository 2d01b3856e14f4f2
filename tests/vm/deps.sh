#!/usr/bin/env bash
# Install what the build and the VM tests need on a Debian bookworm host.
# Idempotent: when everything is present it only asks dpkg, never the network.
# Sourced by kernel.sh for sg_apt/sg_apt_update (the temporary apt config).
set -euo pipefail

SG_CACHE=${SG_CACHE:-/var/cache/sealguard}

PKGS=(cmake clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
      libyaml-dev libjson-c-dev libcmocka-dev libsystemd-dev liburing-dev qemu-system-x86
      udev busybox-static jq file kmod xz-utils python3-argcomplete libclang-rt-14-dev
      libcap-ng-dev libsqlite3-dev sqlite3 e2fsprogs scdoc systemd groff-base man-db
      python3-pkg-resources python3-requests btrfs-progs xfsprogs clang-format
      dpkg-dev weston libwayland-dev wayland-protocols libwayland-bin strace)

# virtme-ng and the test kernels come from other Debian suites. A private apt
# config (own sources.list and lists dir) reaches them without touching the
# system's apt sources.
SG_APT_DIR=$SG_CACHE/apt
SG_APTO=(-o "Dir::Etc::sourcelist=$SG_APT_DIR/sources.list" -o Dir::Etc::sourceparts=-
         -o "Dir::State::Lists=$SG_APT_DIR/lists" -o APT::Get::List-Cleanup=0)

sg_apt() { apt-get "${SG_APTO[@]}" "$@"; }

sg_apt_update() {
	mkdir -p "$SG_APT_DIR/lists/partial"
	cat >"$SG_APT_DIR/sources.list" <<-SRC
	deb http://deb.debian.org/debian trixie main
	deb http://deb.debian.org/debian trixie-backports main
	deb http://deb.debian.org/debian bookworm main
	deb http://deb.debian.org/debian-security bookworm-security main
	deb http://deb.debian.org/debian bookworm-backports main
	deb http://deb.debian.org/debian bullseye main
	SRC
	sg_apt -q update >&2
}

deps_main() {
	local installed missing=() p
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PKGS[@]}" 2>/dev/null \
		| awk '$2 == "ii" { print $1 }') || true
	for p in "${PKGS[@]}"; do
		grep -qxF "$p" <<<"$installed" || missing+=("$p")
	done
	if ((${#missing[@]})); then
		echo "deps: installing ${missing[*]}" >&2
		apt-get -q update >&2
		DEBIAN_FRONTEND=noninteractive apt-get -q install -y "${missing[@]}" >&2
	fi

	if ! command -v vng >/dev/null; then
		echo "deps: installing virtme-ng from trixie" >&2
		sg_apt_update
		local dl
		dl=$(mktemp -d)
		# apt may warn it downloads unsandboxed (root-owned dir): harmless.
		(cd "$dl" && sg_apt -q download virtme-ng >&2)
		# Its dependencies are in PKGS; let apt fix up anything else.
		dpkg -i "$dl"/virtme-ng_*.deb >&2 ||
			DEBIAN_FRONTEND=noninteractive apt-get -q install -f -y >&2
		rm -rf "$dl"
		vng --version >&2
	fi
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	deps_main "$@"
fi
