#!/usr/bin/env bash
# The Debian packages (script/package: BUILD/deb/sealguard_*.deb and
# libsealguard-dev_*.deb) installed as an administrator would, with
# `apt-get install ./...deb`, into a throwaway root: an overlay whose lower
# layer is the host's root filesystem (its dpkg database: the packages'
# dependencies are installed there, as apt would fetch them on a fresh
# machine) and whose upper layer is a tmpfs.  Then, from that root: the
# packaged sealguardd --check on this kernel, sealctl, the manual pages,
# the shipped policies checked by the packaged sealctl, the packaged fcntl
# shim against the running daemon, a client built with the packaged
# pkg-config file, the unit installed but not enabled, nothing in /etc;
# and purging leaves nothing behind.  Runs in a mount namespace of its own,
# so every mount goes away with it.
set -uo pipefail
SUITE=package
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"

if [[ -z ${SG_PACKAGE_NS:-} ]]; then
	SG_PACKAGE_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi

shopt -s nullglob
debs=("$BUILD"/deb/sealguard_*.deb)
devs=("$BUILD"/deb/libsealguard-dev_*.deb)
if ((${#debs[@]} != 1 || ${#devs[@]} != 1)); then
	echo "FAIL $SUITE/built: expected one sealguard_*.deb and one libsealguard-dev_*.deb in $BUILD/deb," \
		"found ${#debs[@]} and ${#devs[@]} (script/package $BUILD/deb builds them; script/test does)"
	exit 1
fi

T=$(mktemp -d /tmp/sg-package.XXXXXX)
mount -t tmpfs tmpfs "$T"
mkdir "$T/host" "$T/upper" "$T/work" "$T/root"
# The root filesystem alone, without the tmpfs virtme-ng mounts over
# /var/lib, /var/cache, /run...: the host's dpkg database.
mount --bind / "$T/host" && mount -o remount,bind,ro "$T/host"
check host-root-bound 0 $?
grep -qw overlay /proc/filesystems || modprobe -d "$SG_VM_MODROOT" overlay
mount -t overlay overlay -o "lowerdir=$T/host,upperdir=$T/upper,workdir=$T/work" "$T/root" 2>"$T/ovl.err"
check root-mounted 0 $? "($(cat "$T/ovl.err"))"
R=$T/root
[[ -x $R/usr/bin/apt-get ]] || { echo "FAIL $SUITE/root: no apt-get in the throwaway root"; exit 1; }
mount --rbind /dev "$R/dev" && mount -t proc proc "$R/proc" && mount --rbind /sys "$R/sys" &&
	mount -t tmpfs tmpfs "$R/run" && mkdir -p "$R/run/sealguard" &&
	mount --bind "$(dirname "$SOCK")" "$R/run/sealguard"
check root-mounts 0 $?
# How long each step took under TCG, for whoever budgets CI's time.
t=$SECONDS
took() { echo "vm_package: $1: $((SECONDS - t)) s" >&2; t=$SECONDS; }
# in ROOT: a command in the throwaway root with a clean environment.
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C HOME=/root "$@"; }

[[ -e $R/usr/sbin/sealguardd || -e $R/usr/bin/sealctl ]] && echo "FAIL $SUITE/fresh: the root has sealguard already"
cp "${debs[0]}" "${devs[0]}" "$R/tmp/"
deb=/tmp/${debs[0]##*/} dev=/tmp/${devs[0]##*/}
# man-db's trigger would index every page under TCG (minutes); it reads this flag.
rm -f "$R/var/lib/man-db/auto-update"
# Only the dpkg database and the two files: no package lists, no network.
APT=(apt-get -q -y -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/nonexistent
	-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
in_root env DEBIAN_FRONTEND=noninteractive "${APT[@]}" install "$deb" "$dev" >"$T/apt.log" 2>&1
check apt-install 0 $? "($(tail -n 20 "$T/apt.log"))"
took "apt-get install"
status() { in_root dpkg-query -W -f='${Status}' "$1" 2>/dev/null; }
check installed "install ok installed/install ok installed" "$(status sealguard)/$(status libsealguard-dev)"

# The files, from dpkg's own list.
files=$(in_root dpkg -L sealguard libsealguard-dev)
multiarch=$(in_root dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
unitdir=$(in_root pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
for f in /usr/sbin/sealguardd /usr/bin/sealctl /usr/lib/$multiarch/libsealguard.so.0 \
	/usr/lib/$multiarch/libsealguard-fcntl.so "$unitdir/sealguardd.service" \
	/usr/share/man/man8/sealguardd.8.gz /usr/share/man/man8/sealctl.8.gz /usr/share/man/man5/sealguard.yaml.5.gz \
	/usr/share/man/man3/sg_add_seals.3.gz /usr/share/doc/sealguard/copyright /usr/include/sealguard.h /usr/lib/$multiarch/pkgconfig/libsealguard.pc \
	/usr/share/sealguard/policies/default.yaml /usr/share/sealguard/policies/wayland-compositor.yaml; do
	check "file$f" yes "$(grep -qxF "$f" <<<"$files" && [[ -e $R$f ]] && echo yes || echo no)"
done
check no-files-in-etc "" "$(grep '^/etc/' <<<"$files")"
# The policies are examples only: nothing active.
check no-active-policy no "$([[ -e $R/etc/sealguard ]] && echo yes || echo no)"
check unit-execstart "ExecStart=/usr/sbin/sealguardd" "$(grep '^ExecStart=' "$R$unitdir/sealguardd.service")"
check unit-not-enabled disabled "$(systemctl --root="$R" is-enabled sealguardd.service 2>&1)"

took "file checks"
# The packaged daemon on this kernel.
msg=$(in_root sealguardd --check 2>&1)
check daemon-check 0 $? "($msg)"
check daemon-check-says yes "$([[ $msg == *"this kernel ($(uname -r)) can run sealguard"* ]] && echo yes || echo no)" "($msg)"
msg=$(in_root sealctl --help 2>&1)
check sealctl-help 0 $? "($msg)"
check sealctl-help-says yes "$([[ $msg == "Usage: sealctl "*"policy "*"check policy files"* ]] && echo yes || echo no)" "($msg)"
msg=$(in_root sh -c 'sealctl policy check /usr/share/sealguard/policies/*.yaml' 2>&1)
check shipped-policies-check 0 $? "($msg)"
# The pages by name, as `man 8 sealguardd` finds them.
for page in 8/sealguardd 8/sealctl 5/sealguard.yaml 3/sg_add_seals 3/sg_get_seals; do
	name=${page#*/}
	[[ $name == sg_get_seals ]] && name=sg_add_seals # documented there
	out=$(in_root env MANWIDTH=80 man "${page%/*}" "${page#*/}" 2>&1)
	check "man-${page#*/}.${page%/*}" yes \
		"$(grep -q "^NAME" <<<"$out" && grep -Eq "^ *${name}[ ,]" <<<"$out" && echo yes || echo no)" "($(head -n 8 <<<"$out"))"
done

took "sealguardd --check, sealctl, man"
# The packaged shim by name, as LD_PRELOAD=libsealguard-fcntl.so in the
# docs: a memfd made without MFD_ALLOW_SEALING gets SHRINK through the
# running daemon, and the packaged sealctl sees it.
shim_case() {
	in_root "$@" python3 -c '
import errno, fcntl, os, subprocess
def e(f, *a):
    try:
        r = f(*a)
        return "ok" if r is None else str(r)
    except OSError as x:
        return errno.errorcode[x.errno]
fd = os.memfd_create("pool", 0)
os.ftruncate(fd, 4096)
r = [e(fcntl.fcntl, fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK), e(fcntl.fcntl, fd, fcntl.F_GET_SEALS),
     e(os.ftruncate, fd, 0)]
s = subprocess.run(["sealctl", "seals", "/proc/%d/fd/%d" % (os.getpid(), fd)], capture_output=True, text=True)
print(*r, s.stdout.strip() or "-")' 2>&1
}
check shim-by-name "0 2 EPERM shrink" "$(shim_case env LD_PRELOAD=libsealguard-fcntl.so)"
check without-shim "EPERM 1 ok none" "$(shim_case)"

took "shim"
# A client of the packaged library, built with the packaged pkg-config file.
cat >"$R/tmp/client.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sealguard.h>
int main(void)
{
	int fd = memfd_create("client", 0);

	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return 2;
	printf("%d ", sg_add_seals(fd, F_SEAL_GROW));
	printf("%d\n", sg_get_seals(fd));
	return 0;
}
C
msg=$(in_root sh -c 'cc -Wall -Werror -o /tmp/client /tmp/client.c $(pkg-config --cflags --libs libsealguard)' 2>&1)
check dev-client-builds 0 $? "($msg)"
check dev-client-runs "0 4" "$(in_root /tmp/client 2>&1)"
# /lib is /usr/lib on a merged /usr: the same file either way.
lib=$(in_root ldd /tmp/client | awk '$1 == "libsealguard.so.0" { print $3 }')
check dev-client-links "$(in_root readlink -f "/usr/lib/$multiarch/libsealguard.so.0")" "$(in_root readlink -f "${lib:-none}")"

took "client"
# Purge: nothing of either package left (directories such as /lib may
# be shared, or symlinks to /usr's).
shipped=$(while read -r f; do [[ -d $R$f ]] || echo "$f"; done <<<"$files")
# dpkg, not apt-get: the same maintainer scripts, without apt building its
# cache again (10 s under TCG).
in_root dpkg --purge libsealguard-dev sealguard >"$T/purge.log" 2>&1
check purge 0 $? "($(tail -n 20 "$T/purge.log"))"
check purged "not-installed/not-installed" \
	"$(in_root dpkg-query -W -f='${db:Status-Status}' sealguard 2>/dev/null || echo not-installed)/$(in_root dpkg-query -W -f='${db:Status-Status}' libsealguard-dev 2>/dev/null || echo not-installed)"
took "dpkg --purge"
check purge-had-files yes "$( (($(wc -l <<<"$shipped") >= 15)) && echo yes || echo no)" "($shipped)"
left=$(while read -r f; do [[ -e $R$f || -L $R$f ]] && echo "$f"; done <<<"$shipped")
check purge-leaves-nothing "" "$left"
exit 0
