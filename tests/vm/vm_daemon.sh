#!/usr/bin/env bash
# sealctl and sealguardd as a shell user meets them, inside the VM:
# seal/seals, exit codes, /proc/PID/fd paths, the root check, and seals
# surviving a kill -9 and restart of the daemon.
set -uo pipefail

BUILD=$(cd "$(dirname "$0")/../.." && pwd)
SEALCTL=$BUILD/user/sealctl
DAEMON=$BUILD/user/sealguardd
SOCK=${SEALGUARD_SOCKET:?guest.sh exports SEALGUARD_SOCKET}
TMP=$(mktemp -d /dev/shm/sg-daemon.XXXXXX)
trap 'rm -rf "$TMP"; [[ -n ${HOLDER:-} ]] && kill "$HOLDER" 2>/dev/null' EXIT

check() { # name expected actual [detail]
	if [[ $2 == "$3" ]]; then echo "PASS daemon/$1"; else echo "FAIL daemon/$1: expected '$2', got '$3' ${4:-}"; fi
}

# A write that must fail: prints the shell's verdict, not the bytes.
try_append() { if printf 'x' >>"$1" 2>/dev/null; then echo ok; else echo refused; fi; }

f=$TMP/plain
printf 'hello' >"$f"
"$SEALCTL" seal "$f" shrink,grow >/dev/null; check seal-exit 0 $?
check seals-output "shrink,grow" "$("$SEALCTL" seals "$f")"
check append-refused refused "$(try_append "$f")"
check size-unchanged 5 "$(stat -c %s "$f")"
"$SEALCTL" seal "$f" seal >/dev/null; check add-seal 0 $?
"$SEALCTL" seal "$f" write 2>/dev/null; check add-after-seal-exit 1 $?
msg=$("$SEALCTL" seal "$f" write 2>&1 >/dev/null)
check add-after-seal-message "yes" "$([[ $msg == *"Operation not permitted"* ]] && echo yes || echo no)" "($msg)"

"$SEALCTL" seal "$f" shrink,wrte 2>/dev/null; check bad-name-exit 2 $?
msg=$("$SEALCTL" seal "$f" shrink,wrte 2>&1)
check bad-name-message yes "$([[ $msg == *wrte* ]] && echo yes || echo no)" "($msg)"
"$SEALCTL" seal 2>/dev/null; check missing-args-exit 2 $?
"$SEALCTL" seal "$TMP/missing" write 2>/dev/null; check missing-file-exit 1 $?
SEALGUARD_SOCKET=$TMP/nosocket "$SEALCTL" seals "$f" 2>/dev/null; check no-daemon-exit 3 $?

# Another process's memfd, reached through /proc/PID/fd/N as root.
python3 -c 'import os,sys,time; fd=os.memfd_create("holder",0); os.write(fd,b"abc"); print(fd,flush=True); time.sleep(60)' >"$TMP/holder.out" &
HOLDER=$!
for _ in $(seq 50); do [[ -s $TMP/holder.out ]] && break; sleep 0.1; done
hfd=$(cat "$TMP/holder.out")
"$SEALCTL" seal "/proc/$HOLDER/fd/$hfd" write >/dev/null; check proc-fd-seal 0 $?
check proc-fd-seals write "$("$SEALCTL" seals "/proc/$HOLDER/fd/$hfd")"
check proc-fd-write-refused refused "$(try_append "/proc/$HOLDER/fd/$hfd")"

# Not root: the daemon explains instead of failing obscurely.
msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$DAEMON" --check 2>&1); rc=$?
check not-root-exit 1 $rc
check not-root-message yes "$([[ $msg == *"must run as root"* ]] && echo yes || echo no)" "($msg)"

# --check names the kernel, the paths chosen for it, and what its own
# F_SEAL_EXEC does, which python tries here independently.
msg=$("$DAEMON" --check 2>&1); rc=$?
check check-exit 0 $rc "($msg)"
check check-names-kernel yes "$([[ $msg == *"($(uname -r)) can run sealguard"* ]] && echo yes || echo no)" "($msg)"
check check-names-paths yes "$([[ $msg == *"kernel paths: "*"overlay backing files"* ]] && echo yes || echo no)" "($msg)"
native=$(python3 -c '
import errno, fcntl, mmap, os
fd = os.memfd_create("exec-probe", os.MFD_ALLOW_SEALING)
os.ftruncate(fd, 4096); os.fchmod(fd, 0o755)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
try:
    fcntl.fcntl(fd, 1033, 0x20)  # F_ADD_SEALS, F_SEAL_EXEC
    print("added")
except OSError as e:
    print(errno.errorcode[e.errno])')
case $native in
added) want="added despite a writable map" ;;
EBUSY) want="refused while a writable map exists" ;;
*) want="none (before 6.3)" ;;
esac
check check-native-exec yes "$([[ $msg == *"native F_SEAL_EXEC: "*"$want"* ]] && echo yes || echo no)" "(python: $native; $msg)"

# kill -9 leaves the pinned programs enforcing; a new daemon adopts the
# pinned maps and still knows every seal.
g=$TMP/restart
printf 'keep' >"$g"
"$SEALCTL" seal "$g" write >/dev/null
dead=$(pgrep -x sealguardd | head -1)
pkill -KILL -x sealguardd
sleep 0.5
check enforced-while-dead refused "$(try_append "$g")"
check content-while-dead keep "$(cat "$g")"
# The dead daemon's pid, given to another process (clone3 set_tid, as a
# reused pid would be): the daemon's private seal ioctl is not its to use.
# The LSM leaves the ioctl to tmpfs, which knows no such command.
for _ in $(seq 50); do [[ -d /proc/$dead ]] || break; sleep 0.1; done
p=$TMP/pid-reuse
printf 'open' >"$p"
check pid-reuse-seal-ioctl ENOTTY "$("$BUILD/tests/vm/sg_attack" seal-ioctl-as "$dead" "$p" 2>&1)"
rm -f "$SOCK"
"$DAEMON" --socket "$SOCK" >>"$TMP/restart.log" 2>&1 &
echo $! >"${SG_DAEMON_PIDFILE:?guest.sh exports SG_DAEMON_PIDFILE}"
for _ in $(seq 600); do [[ -S $SOCK ]] && break; sleep 0.1; done
check restarted-socket yes "$([[ -S $SOCK ]] && echo yes || echo no)" "$(cat "$TMP/restart.log")"
check seals-after-restart write "$("$SEALCTL" seals "$g")"
check pid-reuse-no-seal none "$("$SEALCTL" seals "$p")"
check enforced-after-restart refused "$(try_append "$g")"
# Least privilege: once serving, only CAP_BPF, CAP_DAC_READ_SEARCH and
# CAP_SYS_PTRACE are left, in every set (bits 39, 2 and 19).
dpid=$(cat "$SG_DAEMON_PIDFILE")
for set in CapEff CapPrm CapBnd; do
	check "caps-$set" 0000008000080004 "$(awk -v s="$set:" '$1 == s {print $2}' /proc/"$dpid"/status)"
done
h=$TMP/after
printf 'new' >"$h"
"$SEALCTL" seal "$h" grow >/dev/null; check seal-after-restart 0 $?
check grow-after-restart refused "$(try_append "$h")"
exit 0
