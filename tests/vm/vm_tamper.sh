#!/usr/bin/env bash
# The tamper guard (issue #5, point 5): another root process with CAP_BPF
# tries to undo seals through sealguard's own objects -- its pinned maps,
# its pinned links, the daemon process -- with the tools an attacker would
# use (bpftool, rm, mv, umount, ptrace, pidfd_getfd).  Every attempt must
# fail and the sealed file must stay sealed, unchanged and listed.  Then
# the legitimate way out: 'sealctl unload', root only, through the daemon.
set -uo pipefail
SUITE=tamper
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
ATTACK=$BUILD/tests/vm/sg_attack
PIN=/sys/fs/bpf/sealguard
TMP=$(mktemp -d /dev/shm/sg-tamper.XXXXXX)
DAEMON_LOG=$TMP/daemon.log
trap 'rm -rf "$TMP"; rm -f "$PIN/links/evil"' EXIT

try_append() { if printf 'x' >>"$1" 2>/dev/null; then echo ok; else echo refused; fi; }
tamper_count() { "$SEALCTL" --json status | jq .denials.tamper; }
# A shell command that must fail because of the guard, not for any other
# reason: its stderr has to say so.
refused_eperm() { # command...
	local err
	if err=$("$@" 2>&1 >/dev/null); then echo succeeded; return; fi
	[[ $err == *"not permitted"* ]] && echo EPERM || echo "failed otherwise: $err"
}

f=$TMP/sealed
printf 'precious' >"$f"
"$SEALCTL" seal "$f" write,shrink,grow,seal >/dev/null
check setup-sealed refused "$(try_append "$f")"
pid=$("$SEALCTL" --json status | jq -r .pid)
before=$(tamper_count)
nlinks=$(ls "$PIN/links" | wc -l)

# Each refusal is an event of its own kind for subscribers.
"$SEALCTL" --json events --count 1 --timeout 20 >"$TMP/event.json" 2>"$TMP/event.err" &
EVENTS=$!
for _ in $(seq 100); do grep -q following "$TMP/event.err" && break; sleep 0.1; done

# --- the maps: no fd, by pin or by id -------------------------------------
for m in sg_inodes sg_sealed sg_config sg_guard_maps sg_guard_inodes sg_kpolicy; do
	check "map-open-$m" EPERM "$("$ATTACK" map-open "$PIN/maps/$m")"
done
# By id: the daemon's map ids, from its fdinfo (readable; only attaching
# to the daemon is refused).
ids=$(sed -n 's/^map_id:[[:space:]]*//p' /proc/"$pid"/fdinfo/* 2>/dev/null | sort -un)
check map-ids-found yes "$(yes_if '(( $(wc -w <<<"$ids") >= 6 ))')" "($ids)"
byid=
for id in $ids; do
	byid+="$("$ATTACK" map-by-id "$id") $("$ATTACK" map-by-id-ro "$id") "
done
check map-by-id-all-refused "" "$(tr ' ' '\n' <<<"$byid" | grep -v -e '^EPERM$' -e '^$' | sort -u)"
wait "$EVENTS"
check tamper-event "tamper EPERM sg_attack" "$(jq -r '"\(.op) \(.error) \(.comm)"' "$TMP/event.json" 2>&1)" \
	"($(cat "$TMP/event.err"))"
# Read-only too: a program loaded with a read-only map fd can write the map.
check map-open-readonly EPERM "$("$ATTACK" map-open-ro "$PIN/maps/sg_sealed")"
check map-open-readonly-inodes EPERM "$("$ATTACK" map-open-ro "$PIN/maps/sg_inodes")"
zeros16=$(printf '0 %.0s' $(seq 16))
zeros48=$(printf '0 %.0s' $(seq 48))
# shellcheck disable=SC2086
check bpftool-map-update EPERM \
	"$(refused_eperm bpftool map update pinned "$PIN/maps/sg_config" key 0 0 0 0 value $zeros48)"
# shellcheck disable=SC2086
check bpftool-map-delete EPERM "$(refused_eperm bpftool map delete pinned "$PIN/maps/sg_sealed" key $zeros16)"

# --- the pins: neither removed, renamed, replaced nor unmounted -----------
check rm-link-pin EPERM "$(refused_eperm rm "$PIN/links/sg_file_permission")"
check rm-map-pin EPERM "$(refused_eperm rm "$PIN/maps/sg_inodes")"
check mv-link-pin EPERM "$(refused_eperm mv "$PIN/links/sg_file_permission" "$PIN/links/moved")"
ln -s /nowhere "$PIN/links/evil"
check replace-link-pin EPERM "$(refused_eperm mv -T "$PIN/links/evil" "$PIN/links/sg_file_permission")"
rm -f "$PIN/links/evil"
check rm-rf-pin-dir EPERM "$(refused_eperm rm -rf "$PIN")"
check umount-bpffs EPERM "$("$ATTACK" umount /sys/fs/bpf)"
check umount-lazy EPERM "$("$ATTACK" umount-lazy /sys/fs/bpf)"
check still-mounted yes "$(yes_if 'mountpoint -q /sys/fs/bpf')"
check links-still-pinned "$nlinks" "$(ls "$PIN/links" | wc -l)"
# A link fd from a pin is harmless: LSM and tracing links cannot be detached.
check link-detach "ok EOPNOTSUPP" "$("$ATTACK" link-detach "$PIN/links/sg_file_permission")"

# --- the daemon: no ptrace, no stolen fds, no writes to its memory --------
mapfd=
for l in /proc/"$pid"/fd/*; do
	[[ $(readlink "$l") == anon_inode:bpf-map ]] && { mapfd=${l##*/}; break; }
done
check daemon-has-map-fd yes "$(yes_if '[[ -n $mapfd ]]')"
check ptrace-attach EPERM "$("$ATTACK" ptrace "$pid")"
check pidfd-getfd EPERM "$("$ATTACK" getfd "$pid" "${mapfd:-0}")"
check proc-mem-write EACCES "$("$ATTACK" open-rw "/proc/$pid/mem")"
check proc-fd-reopen no "$(yes_if '[[ $("$ATTACK" open-rw "/proc/$pid/fd/${mapfd:-0}") == ok ]]')"

# --- after all that, the seal holds --------------------------------------
check still-refused refused "$(try_append "$f")"
check content-intact precious "$(cat "$f")"
check size-intact 8 "$(stat -c %s "$f")"
check still-listed yes "$(yes_if '"$SEALCTL" list | grep -qF "$f"')"
check seals-intact "seal,shrink,grow,write" "$("$SEALCTL" seals "$f")"
after=$(tamper_count)
check attempts-counted yes "$(yes_if '((after - before >= 20))')" "($before -> $after)"

# --- another executable is not the daemon, even one built from it --------
mkdir -p "$TMP/other"
cp "$DAEMON" "$TMP/other/sealguardd"
msg=$(timeout -k 5 60 "$TMP/other/sealguardd" --socket "$TMP/other.sock" 2>&1); rc=$?
check other-exe-refused 1 "$rc"
check other-exe-message yes "$(yes_if '[[ $msg == *"tamper guard"* ]]')" "($msg)"
check other-exe-left-pins "$nlinks" "$(ls "$PIN/links" | wc -l)"

# --- the daemon's own executable, run again while it runs, is nobody ------
# Same path, same directory, code of the attacker's choosing (LD_PRELOAD):
# before registration ended with the daemon, the executable alone was
# trusted and this got every map.
PROBE=$BUILD/tests/vm/sg_preload_probe.so
check preload-map-open EPERM "$(timeout -k 5 20 env SG_PROBE_PIN=$PIN/maps/sg_sealed LD_PRELOAD=$PROBE "$DAEMON" 2>&1)"
check preload-config-open EPERM "$(timeout -k 5 20 env SG_PROBE_PIN=$PIN/maps/sg_config LD_PRELOAD=$PROBE "$DAEMON" 2>&1)"
# A second instance to take over: refused, saying who holds the pins; the
# first one still seals.
msg=$(timeout -k 5 40 "$DAEMON" --socket "$TMP/second.sock" 2>&1); rc=$?
check second-exit 1 "$rc"
check second-message yes "$(yes_if '[[ $msg == *"(pid $pid) is running and holds the pins"* ]]')" "($msg)"
check second-left-pins "$nlinks" "$(ls "$PIN/links" | wc -l)"
h=$TMP/after-second
printf 'h' >"$h"
"$SEALCTL" seal "$h" write >/dev/null; check second-first-still-seals 0 $?
check second-first-still-enforces refused "$(try_append "$h")"
check second-daemon-same "$pid" "$("$SEALCTL" --json status | jq -r .pid)"
# A process running the daemon's executable, not registered (the next
# daemon on its way to registering): no ptrace.
SG_PROBE_PIN=/nonexistent SG_PROBE_HOLD=30 LD_PRELOAD=$PROBE "$DAEMON" >/dev/null 2>&1 &
held=$!
for _ in $(seq 50); do [[ $(readlink /proc/$held/exe 2>/dev/null) == "$(readlink -f "$DAEMON")" ]] && break; sleep 0.1; done
check ptrace-daemon-exe EPERM "$("$ATTACK" ptrace "$held")"
kill -KILL "$held" 2>/dev/null; wait "$held" 2>/dev/null
# Control: the same attack on another executable is not the guard's.
sleep 30 & other=$!
for _ in $(seq 50); do [[ $(readlink /proc/$other/exe 2>/dev/null) == "$(readlink -f "$(command -v sleep)")" ]] && break; sleep 0.1; done
check ptrace-other-exe ok "$("$ATTACK" ptrace "$other")"
# SIGKILL: ends it even if the attack left it stopped.
kill -KILL "$other"; wait "$other" 2>/dev/null

# --- unload: root only, through the daemon --------------------------------
msg=$(as_nobody "$SEALCTL" unload 2>&1); rc=$?
check unload-nobody-exit 1 "$rc"
check unload-nobody-message yes "$(yes_if '[[ $msg == *"root only"* ]]')" "($msg)"
msg=$(timeout -k 5 40 "$DAEMON" --unload 2>&1); rc=$?
check unload-around-daemon-exit 1 "$rc"
check unload-around-daemon-message yes "$(yes_if '[[ $msg == *"(pid $pid) holds the pins"* ]]')" "($msg)"
check still-pinned yes "$(yes_if '[[ -e $PIN/links/sg_file_permission ]]')"
"$SEALCTL" unload >/dev/null; check unload-exit 0 $?
for _ in $(seq 100); do [[ -d /proc/$pid && $(awk '{print $3}' /proc/"$pid"/stat 2>/dev/null) != Z ]] || break; sleep 0.1; done
check daemon-exited yes "$(yes_if '! [[ -d /proc/$pid && $(awk "{print \$3}" /proc/$pid/stat) != Z ]]')"
check pins-removed no "$(yes_if '[[ -e $PIN ]]')"
# The last link reference is dropped from a work queue on newer kernels:
# the programs go within moments, not at once.
for _ in $(seq 50); do [[ $(try_append "$f") == ok ]] && break; sleep 0.1; done
check writable-after-unload ok "$(try_append "$f")"

# The programs after this one need a daemon.
start_daemon; check daemon-restarted 0 $? "$(cat "$DAEMON_LOG")"
g=$TMP/again
printf 'again' >"$g"
"$SEALCTL" seal "$g" write >/dev/null
check enforcing-again refused "$(try_append "$g")"
check guard-armed-again EPERM "$("$ATTACK" map-open "$PIN/maps/sg_inodes")"
exit 0
