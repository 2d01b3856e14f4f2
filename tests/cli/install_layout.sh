#!/usr/bin/env bash
# `cmake --install` as a packager runs it: every file where it belongs, a
# program built against the installed header and pkg-config file links
# and runs, the manual pages render without warnings, and the systemd unit
# passes `systemd-analyze verify`.
# Usage: install_layout.sh BUILD_DIR
set -uo pipefail
BUILD=${1:?usage: install_layout.sh BUILD_DIR}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failed=0
check() { # name expected actual [detail]
	if [[ $2 == "$3" ]]; then echo "PASS $1"; else echo "FAIL $1: expected '$2', got '$3' ${4:-}"; failed=1; fi
}

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
DESTDIR=$T/stage cmake --install "$BUILD" >"$T/install.log" 2>&1
check install-exit 0 $?
S=$T/stage$prefix
for f in sbin/sealguardd bin/sealctl include/sealguard.h lib/libsealguard.so.0 lib/libsealguard.so \
	lib/libsealguard.a lib/libsealguard-fcntl.so lib/pkgconfig/libsealguard.pc lib/systemd/system/sealguardd.service \
	share/man/man8/sealguardd.8 share/man/man8/sealctl.8 share/man/man5/sealguard.yaml.5 \
	share/man/man3/sg_add_seals.3 share/man/man3/sg_get_seals.3 \
	share/sealguard/policies/default.yaml share/sealguard/policies/cursorwindow.yaml; do
	check "installed-$f" yes "$([[ -e $S/$f ]] && echo yes || echo no)"
done

# A client of the installed library: no daemon, so the errno fcntl never
# gives for F_GET_SEALS (ENOENT: no socket).
cat >"$T/client.c" <<'C'
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sealguard.h>
int main(void)
{
	int fd = memfd_create("install-test", 0);
	int r = sg_get_seals(fd);

	printf("%d %s\n", r, r < 0 ? strerrorname_np(errno) : "-");
	return 0;
}
C
export PKG_CONFIG_SYSROOT_DIR=$T/stage PKG_CONFIG_PATH=$S/lib/pkgconfig
# shellcheck disable=SC2046
cc -Wall -Werror -o "$T/client" "$T/client.c" $(pkg-config --cflags --libs libsealguard) 2>"$T/cc.err"
check client-builds 0 $? "$(cat "$T/cc.err")"
check client-runs "-1 ENOENT" "$(SEALGUARD_SOCKET=$T/none LD_LIBRARY_PATH=$S/lib "$T/client" 2>&1)"

for page in man8/sealguardd.8 man8/sealctl.8 man5/sealguard.yaml.5 man3/sg_add_seals.3; do
	check "man-renders-${page##*/}" "" "$(cd "$S/share/man" && groff -man -ww -z -t "$page" 2>&1)"
done
check man-link "$(cd "$S/share/man" && man -l man3/sg_add_seals.3 2>/dev/null | head -3)" \
	"$(cd "$S/share/man" && man -l man3/sg_get_seals.3 2>/dev/null | head -3)"

# The unit as installed, its ExecStart pointing into the staging tree.
sed "s|^ExecStart=$prefix/sbin/sealguardd|ExecStart=$S/sbin/sealguardd|; s|^ExecReload=$prefix/bin/sealctl |ExecReload=$S/bin/sealctl |" \
	"$S/lib/systemd/system/sealguardd.service" >"$T/sealguardd.service"
check unit-execstart yes "$(grep -q "^ExecStart=$S/sbin/sealguardd$" "$T/sealguardd.service" && echo yes || echo no)"
# notify-reload where the installed systemd has it (253+), else notify.
v=$(systemctl --version 2>/dev/null | sed -n '1s/^systemd \([0-9]*\).*/\1/p')
want=notify
[[ -n $v ]] && ((v >= 253)) && want=notify-reload
check unit-type-$want yes "$(grep -qx "Type=$want" "$T/sealguardd.service" && echo yes || echo no)"
check unit-execreload yes "$(grep -qx "ExecReload=$S/bin/sealctl reload" "$T/sealguardd.service" && echo yes || echo no)"
check unit-watchdog yes "$(grep -qx 'WatchdogSec=30s' "$T/sealguardd.service" && echo yes || echo no)"
check unit-verifies "" "$(systemd-analyze verify --man=no "$T/sealguardd.service" 2>&1)"
exit $failed
