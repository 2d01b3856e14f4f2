#!/usr/bin/env bash
# Usage: run-vm.sh [--kernel SERIES (6.1, 6.12, 6.18, 7.3, 5.10)] --build BUILD_DIR [--out DIR] [--script ARGS...]
# Boot a virtme-ng VM on a Debian kernel and run guest.sh BUILD_DIR RESULTS_DIR ARGS...
# in it (ARGS: e.g. "demo"). The guest's output is shown as it runs and kept in
# console.log. Results are copied to --out DIR (replacing its contents), or
# stay in a fresh temp dir whose path is printed.
# Exit status: the guest's; non-zero and loud if the VM did not finish.
set -euo pipefail
here=$(dirname "$(realpath "$0")")

kernel=${SG_KERNEL:-6.1} build='' out='' guest_args=()
while (($#)); do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--script) shift; guest_args=("$@"); break ;;
	*) echo "run-vm.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[[ -n $build ]] || { echo "usage: run-vm.sh [--kernel K] --build BUILD_DIR [--out DIR] [--script ARGS...]" >&2; exit 2; }
# The guest sees the host tree at the same paths, so absolute paths work there.
build=$(realpath -e "$build")

{ read -r kver; read -r vmlinuz; read -r config; } < <("$here/kernel.sh" "$kernel")
[[ -f ${vmlinuz:-} && -f ${config:-} ]] || { echo "run-vm.sh: kernel $kernel unavailable" >&2; exit 1; }

# Debian's 5.10 builds the BPF LSM in but leaves it out of the default LSM
# list; enable it on the command line as a real deployment would.
kopts=()
lsms=$(sed -n 's/^CONFIG_LSM="\(.*\)"$/\1/p' "$config")
[[ ,$lsms, == *,bpf,* ]] || kopts=(--append "lsm=${lsms:+$lsms,}bpf")

# virtme-ng mounts fresh tmpfs over these in the guest (virtme-init), hiding
# a checkout or build tree under them.
top=$(realpath -e "$here/../..")
shared=()
for d in "$top" "$build"; do
	for masked in /var/tmp /var/log /var/cache /var/spool /var/lib /run; do
		if [[ $d == "$masked" || $d == "$masked"/* ]]; then
			shared+=(--rodir "$d=$d")
			break
		fi
	done
done

# A fresh shared dir per boot, so stale results can never be mistaken for new.
rw=$(mktemp -d)
# Modules the tests load: the guest sees neither the kernel cache nor (vng
# masks it) /lib/modules/KVER, so they travel in the shared dir as a module
# tree of their own, each with what modules.dep says it needs, decompressed
# for any kmod; the guest loads them with `modprobe -d "$SG_VM_MODROOT"`.
modroot=$rw/modroot
mkdir -p "$modroot/lib/modules/$kver"
# crypto-crc32c: btrfs asks for its checksum by name at mount (6.18+: the
# crc32c-cryptoapi module, no dependency modules.dep names).
for m in loop ext4 overlay btrfs xfs fuse crypto-crc32c; do
	modprobe -S "$kver" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r ko; do
	rel=${ko#/lib/modules/$kver/}
	dst=$modroot/lib/modules/$kver/${rel%.[xg]z}
	dst=${dst%.zst}
	mkdir -p "$(dirname "$dst")"
	case $ko in
	*.xz) xz -dc "$ko" >"$dst" ;;
	*.gz) gzip -dc "$ko" >"$dst" ;;
	*.zst) zstd -q -dc "$ko" >"$dst" ;;
	*) cp "$ko" "$dst" ;;
	esac
done
cp "/lib/modules/$kver/modules.builtin" "/lib/modules/$kver/modules.order" "$modroot/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$modroot" "$kver"
# The guest does not inherit our environment: pass what guest.sh reads.
guest_cmd=$(printf '%q ' env "SG_TEST_TIMEOUT=${SG_TEST_TIMEOUT:-420}" "SG_SOAK_SECONDS=${SG_SOAK_SECONDS:-0}" "SG_VM_ONLY=${SG_VM_ONLY:-}" "SG_VM_SKIP=${SG_VM_SKIP:-}" \
	"SG_VM_MODROOT=$modroot" "$here/guest.sh" "$build" "$rw" "${guest_args[@]}")

echo "run-vm: booting $kver (TCG, no KVM) results in $rw" >&2
# --rwdir GUEST=HOST: the plain form fails for dirs under an overlay such as
# /tmp unless cwd is /. KVM fails on this host, so TCG. The timeout kills the
# whole process group (vng and qemu) so a hung guest fails instead of hanging.
# --verbose keeps the kernel's console (an oops, a panic) in console.log;
# its timestamped lines are left out of what is shown as the guest runs.
# One TCG thread for both vCPUs (SG_VM_TCG_THREAD=multi to change): with a
# thread per vCPU, a vCPU can run a stale copy of kernel text that another
# one just patched, so attaching or detaching BPF trampolines while other
# tasks run the hooked functions hits a leftover int3 and panics the guest
# ("Oops: int3" in bpf_lsm_file_permission, seen on 6.12 in vm_restart.sh:
# twice in two runs with threads, never with one).  The vCPUs still
# interleave, so the race tests still race.
status=0
# 50 minutes: the whole suite on 7.3 under TCG, soaks included, takes
# about 35 beside another VM (build/vm-results/KERNEL/timings.txt has each
# program's seconds).  A program has 7 minutes (SG_TEST_TIMEOUT): with two
# VMs on two cores a daemon restart costs 30 to 40 s on 7.3, and
# vm_evict.sh restarts it eight times.
timeout -k 30 "${SG_VM_TIMEOUT:-3000}" \
	vng -r "$vmlinuz" --disable-kvm --verbose --memory "${SG_VM_MEMORY:-2G}" --cpus "${SG_VM_CPUS:-2}" \
	--qemu-opts="-accel tcg,thread=${SG_VM_TCG_THREAD:-single}" "${kopts[@]}" "${shared[@]}" --rwdir "$rw=$rw" -e "$guest_cmd" </dev/null 2>&1 | tee "$rw/console.log" |
	grep --line-buffered -Ev '^\[ *[0-9]+\.[0-9]+\] ' || status=${PIPESTATUS[0]}

if [[ -n $out ]]; then
	mkdir -p "$out"
	find "$out" -mindepth 1 -delete
	cp -a "$rw/." "$out/"
	rm -rf "$rw"
else
	out=$rw
fi

if [[ ! -f $out/done ]]; then
	echo "run-vm: FAIL: the $kernel VM did not complete (vng status $status); log: $out/console.log" >&2
	exit 1
fi
echo "run-vm: $kernel guest finished with status $(cat "$out/done"); results in $out" >&2
exit "$(cat "$out/done")"
