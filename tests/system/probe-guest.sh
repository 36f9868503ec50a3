#!/bin/sh
# probe-guest.sh - migcompat-probe's time budget and its guest, hardware-MSR
# and eVMCS layers on this machine.  Without a usable /dev/kvm the probe
# must give up at once with status 2; with one it must finish within the
# guest deadline plus one second, the guest layer measured or "timed out
# after N s", the emulated eVMCS layer present, and a fake /dev/cpu tree
# read through --msr-dir.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/common.sh"

now() { date +%s%N; }
# within MS COMMAND...: the command ends (any status) within MS milliseconds.
within() {
	limit=$1
	shift
	t0=$(now)
	"$@" >"$TMPDIR_TEST/out" 2>"$TMPDIR_TEST/err"
	echo $? >"$TMPDIR_TEST/rc"
	t1=$(now)
	ms=$(( (t1 - t0) / 1000000 ))
	echo "took $ms ms"
	[ "$ms" -le "$limit" ]
}

check "--help exits 0 and names the guest options" sh -c "'$PROBE' --help | grep -q -- '--guest-timeout SECONDS'"
check "--guest-timeout rejects a non-number with status 2" test "$(status_of "$PROBE" --guest-timeout abc)" = 2
check "--guest-timeout rejects 0" test "$(status_of "$PROBE" --guest-timeout 0)" = 2
check "--guest-timeout rejects more than 600" test "$(status_of "$PROBE" --guest-timeout 601)" = 2

if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ] || ! sh -c 'exec 3<>/dev/kvm' 2>/dev/null; then
	check "no usable /dev/kvm: the probe gives up within 3 s" within 3000 "$PROBE" --compact --no-libvirt
	check "no usable /dev/kvm: status 2" test "$(cat "$TMPDIR_TEST/rc")" = 2
	check "no usable /dev/kvm: the message names the device" grep -q /dev/kvm "$TMPDIR_TEST/err"
	check "no usable /dev/kvm: nothing on standard output" test ! -s "$TMPDIR_TEST/out"
	skip "probe guest, hw_msrs and eVMCS layers" "/dev/kvm is absent or not usable on this machine"
	done_testing
	exit $?
fi
command -v jq >/dev/null 2>&1 || skip_all "jq is not installed"

check "the probe finishes within 3 s (guest deadline 2 s)" within 3000 "$PROBE" --compact --no-libvirt --guest-timeout 2
check "status 0" test "$(cat "$TMPDIR_TEST/rc")" = 0
cp "$TMPDIR_TEST/out" "$TMPDIR_TEST/p.json"
j() { jq -r "$1" "$TMPDIR_TEST/p.json"; }
g=$(j .layers.guest.status)
if [ "$g" = measured ]; then
	check "guest layer measured: says what the guest read" sh -c "jq -r .layers.guest.reason '$TMPDIR_TEST/p.json' | grep -q 'probe guest ran:'"
else
	check "guest layer unavailable with the reason" sh -c "jq -r .layers.guest.reason '$TMPDIR_TEST/p.json' | grep -Eq 'timed out after 2 s|KVM_|probe guest'"
fi
check "evmcs_measured layer present" test "$(j '.layers.evmcs_measured.status')" != null
check "evmcs_emulated layer present" test "$(j '.layers.evmcs_emulated.status')" != null
if [ "$(j .layers.vmx.status)" = measured ]; then
	check "evmcs_emulated: emulated (kernel X.Y rules) or a kernel reason" sh -c "jq -r .layers.evmcs_emulated.reason '$TMPDIR_TEST/p.json' | grep -Eq 'emulated \\(kernel [0-9.]+ rules\\)|kernel'"
fi
check "hw_msrs layer present" test "$(j '.layers.hw_msrs.status')" != null

check "--no-guest: guest layer unavailable with that reason" sh -c "'$PROBE' --compact --no-libvirt --no-guest | jq -r .layers.guest.reason | grep -q -- --no-guest"

# A fake /dev/cpu: two identical CPUs and a third with another 0x48b.
mkdir -p "$TMPDIR_TEST/cpu/0" "$TMPDIR_TEST/cpu/1" "$TMPDIR_TEST/cpu/2"
for c in 0 1 2; do
	v=1
	[ "$c" = 2 ] && v=2
	# MSR 0x48b at byte offset 8 * 0x48b; the rest of 0x480-0x490 zero.
	printf '\001' | dd of="$TMPDIR_TEST/cpu/$c/msr" bs=1 seek=$((8 * 0x480)) conv=notrunc 2>/dev/null
	printf "\\00$v" | dd of="$TMPDIR_TEST/cpu/$c/msr" bs=1 seek=$((8 * 0x48b)) conv=notrunc 2>/dev/null
	dd if=/dev/zero of="$TMPDIR_TEST/cpu/$c/msr" bs=1 count=7 seek=$((8 * 0x48b + 1)) conv=notrunc 2>/dev/null
done
check "--msr-dir: the fake tree is read" sh -c "'$PROBE' --compact --no-libvirt --no-guest --msr-dir '$TMPDIR_TEST/cpu' >'$TMPDIR_TEST/m.json'"
check "--msr-dir: three CPUs, CPU 2 differs in 0x48b" sh -c "jq -e '.layers.hw_msrs.cpus == 3 and .layers.hw_msrs.per_cpu_differences[0].cpu == 2 and (.layers.hw_msrs.per_cpu_differences[0].msrs | has(\"0x48b\"))' '$TMPDIR_TEST/m.json'"

done_testing
