#!/usr/bin/env bash
# Usage (INSIDE the VM, from guest.sh's session mode): session.sh BUILD_DIR
# The short session the README shows, run for real: each command as a
# user types it, then its output.  The daemon is guest.sh's.
set -uo pipefail
BUILD=${1:?usage: session.sh BUILD_DIR}
export PATH=$BUILD/user:$PATH
cd "$(mktemp -d /dev/shm/session.XXXXXX)" || exit 1
run() { # the command line as shown, then its output, as an interactive bash says it
	echo "\$ $*"
	bash -c "$*" 2>&1 | sed 's/^bash: line 1: /bash: /'
}
sealctl events --count 2 --timeout 20 >events.out 2>&1 &
events=$!
sleep 1
run "printf 'frame 1' >/dev/shm/buffer"
run "sealctl seal /dev/shm/buffer write,shrink,grow"
run "echo 'frame 2' >>/dev/shm/buffer"
run "truncate -s 0 /dev/shm/buffer"
run "cat /dev/shm/buffer; echo"
run "sealctl seals /dev/shm/buffer"
wait "$events"
echo "\$ sealctl events --count 2"
cat events.out
rm -f /dev/shm/buffer
