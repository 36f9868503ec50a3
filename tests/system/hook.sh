#!/bin/sh
# hook.sh - migcompat-hook invoked exactly as libvirt invokes a qemu.d hook
# (argv "50-migcompat DOMAIN OP SUBOP -", the domain XML on stdin, stdout
# must stay empty) against a real migcompatd with fixture hosts uploaded:
# compatible -> 0, incompatible -> 1 with the reason on one stderr line,
# daemon down or hung -> on_error (allow 0, deny 1), verdict unknown ->
# on_unknown (allow 0 with the reasons on stderr, deny 1), other
# operations -> 0.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/common.sh"

[ -x "$HOOK" ] || skip_all "migcompat-hook is not built"
T=$TMPDIR_TEST
mkdir -p "$T/qemu.d"
cp "$HOOK" "$T/qemu.d/50-migcompat"
H=$T/qemu.d/50-migcompat

# hook ON_ERROR SOCKET DOMAIN OP SUBOP < XML: run the hook as libvirt does,
# with a config naming the socket, on_error and on_unknown ($ON_UNKNOWN,
# default allow).  Leaves stdout, stderr and the exit status in $T/out,
# $T/err, $T/rc.
hook() {
	printf 'socket = %s\non_error = %s\non_unknown = %s\n' "$2" "$1" "${ON_UNKNOWN:-allow}" >"$T/hook.conf"
	shift 2
	MIGCOMPAT_CONFIG=$T/hook.conf "$H" "$1" "$2" "$3" - >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
}
rc() { cat "$T/rc"; }
# run_hint: run the command the last stderr line gives after "all reasons: ",
# exactly as printed, with migcompat on PATH; its output, errors and exit
# status in $T/hint.out and $T/hint.rc.
run_hint() {
	cmd=$(sed -n 's/.*; all reasons: //p' "$T/err" | sed 's/; on_unknown = .*//')
	[ -n "$cmd" ] || { echo "no command in:"; cat "$T/err"; return 1; }
	echo "$cmd" >"$T/hint.cmd"
	PATH="$top_builddir:$PATH" sh -c "$cmd" >"$T/hint.out" 2>&1
	echo $? >"$T/hint.rc"
}
# expect RC: the last run exited RC and printed nothing on stdout.
expect() {
	[ "$(rc)" = "$1" ] || { echo "exit $(rc), want $1"; cat "$T/err"; return 1; }
	[ ! -s "$T/out" ] || { echo "stdout is not empty:"; cat "$T/out"; return 1; }
}
one_line() { [ "$(wc -l <"$T/err")" -eq 1 ]; }

U1=6a1f0b2c-3d4e-4f50-8a61-7b2c3d4e5f60
U2=9e8d7c6b-5a49-4837-a261-504f3e2d1c0b
domain_xml() {
	cat <<EOF
<domain type='kvm'>
  <name>$1</name>
  <uuid>$2</uuid>
  <memory unit='KiB'>1048576</memory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
  </os>
  <features><acpi/><apic/></features>
  <cpu mode='host-passthrough' check='none' migratable='on'/>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
  </devices>
</domain>
EOF
}
domain_xml vm-same $U1 >"$T/same.xml"
domain_xml vm-newer $U2 >"$T/newer.xml"

# --- Calls the hook does not check: exit 0 at once, whatever on_error says. ---
for op in "prepare begin" "start begin" "started begin" "stopped end" "release end" \
    "reconnect begin" "attach begin" "migrate end"; do
	set -- $op
	hook deny "$T/nothing.sock" vm-same "$1" "$2" <"$T/same.xml"
	check "$op: exit 0, nothing printed, daemon not asked" sh -c "[ \$(cat '$T/rc') = 0 ] && [ ! -s '$T/out' ] && [ ! -s '$T/err' ]"
done
check "usage error on a wrong argv" sh -c "'$H' only-two args >/dev/null 2>'$T/err'; [ \$? = 2 ] && grep -q usage '$T/err'"

# --- Daemon down: on_error decides, loudly. ---
hook allow "$T/nothing.sock" vm-same migrate begin <"$T/same.xml"
check "daemon down, on_error = allow: exit 0" expect 0
check "daemon down, on_error = allow: says so on stderr" grep -q "on_error = allow" "$T/err"
hook deny "$T/nothing.sock" vm-same migrate begin <"$T/same.xml"
check "daemon down, on_error = deny: exit 1" expect 1
check "daemon down, on_error = deny: one line naming the socket" sh -c "grep -q 'nothing.sock' '$T/err' && grep -q 'on_error = deny' '$T/err' && [ \$(wc -l <'$T/err') -eq 1 ]"
nl='vm
evil'
hook deny "$T/nothing.sock" "$nl" migrate begin <"$T/same.xml"
check "a domain name with a newline: still one line, the newline escaped" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'cannot check vm\\\\nevil: ' '$T/err'"
hook deny "$T/nothing.sock" vm-same restore begin <"$T/same.xml"
check "restore begin is checked too" expect 1
# No config file: the built-in socket (no daemon there in a test) and the
# default on_error, which allows and says so.
check "no config file: default on_error = allow, said on stderr" sh -c "MIGCOMPAT_CONFIG='$T/no-such.conf' '$H' vm migrate begin - <'$T/same.xml' >'$T/out' 2>'$T/err' && [ ! -s '$T/out' ] && grep -q 'on_error = allow' '$T/err'"

# --- A real daemon with fixture hosts. ---
if [ ! -x "$MIGCOMPATD" ] || ! command -v curl >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1; then
	skip "checks against a real daemon" "migcompatd, curl or jq is missing"
	done_testing
	exit $?
fi
. "$top_srcdir/tests/system/daemon-lib.sh"

OLD=$MIGCOMPAT_FIXTURES/instlatx64/GenuineIntel00206C2_Gulftown_01_CPUID.json
NEW=$MIGCOMPAT_FIXTURES/instlatx64/GenuineIntel0050654_SkylakeX_CPUID.json
[ -f "$OLD" ] && [ -f "$NEW" ] || skip_all "fixture dumps missing"

check "daemon starts (this host is 'dst')" start_daemon D --no-collect --host-id dst
[ -n "$D_PORT" ] || { done_testing; exit 1; }
put() {
	[ "$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$D_SOCK" -X PUT \
	    -H 'Content-Type: application/json' --data-binary @"$2" "http://localhost/v1/hosts/$1")" = 201 ]
}
# A profile of FILE that reports the domain UUID running, with the libvirt layer.
with_domain() {
	"$MIGCOMPAT" show --json "$1" 2>/dev/null >"$T/p.json" ||
	    { put tmp "$1" && curl -s --unix-socket "$D_SOCK" http://localhost/v1/hosts/tmp >"$T/p.json"; }
	jq --arg u "$2" '.layers.libvirt = {"status": "measured", "reason": "test", "virttype": "kvm",
	    "domains": [$u]}' "$T/p.json"
}
# This host (Gulftown) with the libvirt layer the probe records: the
# machine types and CPU models the domains name are checked against it
# (without it, a domain naming a machine type answers unknown).
"$MIGCOMPAT" show --json "$OLD" | jq '.layers.libvirt = {"status": "measured", "reason": "test",
    "virttype": "kvm", "qemu_version": "8.2.2", "libvirt_version": "10.0.0", "domain_capabilities": true,
    "machines": ["pc", "pc-i440fx-8.2", "pc-q35-7.2", "pc-q35-8.2", "q35"],
    "cpu_models": ["Nehalem", "Westmere", "qemu64"], "hyperv_features": ["relaxed", "vapic"]}' >"$T/dst.json"
check "upload this host (Gulftown)" put dst "$T/dst.json"
with_domain "$OLD" $U1 >"$T/src-same.json"
with_domain "$NEW" $U2 >"$T/src-newer.json"
check "upload a twin running vm-same" put twin "$T/src-same.json"
check "upload a Skylake-X host running vm-newer" put skylake "$T/src-newer.json"
check "the daemon sees the domain on the twin" sh -c "curl -s --unix-socket '$D_SOCK' http://localhost/v1/hosts/twin | jq -e '.layers.libvirt.domains == [\"$U1\"]' >/dev/null || curl -s --unix-socket '$D_SOCK' http://localhost/v1/hosts/twin/profile | jq -e '.layers.libvirt.domains == [\"$U1\"]' >/dev/null"

cp "$T/same.xml" "$(dirname "$D_SOCK")/hook-vm-same.xml"
hook deny "$D_SOCK" vm-same migrate begin <"$T/same.xml"
check "compatible (twin -> this host): exit 0" expect 0
check "compatible: no XML kept for it" test ! -e "$(dirname "$D_SOCK")/hook-vm-same.xml"
check "compatible: nothing on stderr" test ! -s "$T/err"
hook deny "$D_SOCK" vm-newer migrate begin <"$T/newer.xml"
check "incompatible (Skylake-X -> Gulftown, nested): exit 1" expect 1
check "incompatible: exactly one line on stderr" one_line
check "incompatible: the line names the domain and a reason" sh -c "grep -q 'vm-newer cannot run on this host: ' '$T/err' && grep -Eqi 'vmx|msr|0x4' '$T/err'"
HINT_XML=$(dirname "$D_SOCK")/hook-vm-newer.xml
check "incompatible: the line ends with the command, socket, saved XML and both hosts" \
	grep -q "; all reasons: migcompat check --socket $D_SOCK --domain $HINT_XML skylake dst\$" "$T/err"
sed 's/^/# /' "$T/err"
check "incompatible: the XML the hook read is saved for that command, mode 0600" sh -c "
	cmp '$HINT_XML' '$T/newer.xml' && [ \"\$(stat -c %a '$HINT_XML')\" = 600 ]"
run_hint
check "incompatible: the command runs as printed: exit 1, not a usage error" sh -c "
	[ \$(cat '$T/hint.rc') = 1 ] || { cat '$T/hint.cmd' '$T/hint.out'; exit 1; }"
check "incompatible: the command prints the verdict and every reason, as check does" sh -c "
	'$MIGCOMPAT' check --socket '$D_SOCK' --domain '$T/newer.xml' skylake dst >'$T/direct.out' 2>&1
	grep -q 'posted interrupts' '$T/hint.out' && cmp '$T/direct.out' '$T/hint.out'"
hook allow "$D_SOCK" vm-newer migrate begin <"$T/newer.xml"
check "incompatible is refused even with on_error = allow" expect 1

# A domain whose UUID no host reports: only what its XML pins is checked
# against this host.  custom_xml NAME UUID MODEL MACHINE [FEATURE-XML];
# passthrough_xml NAME UUID MACHINE [FEATURE-XML].
custom_xml() {
	cat <<EOF
<domain type='kvm'>
  <name>$1</name>
  <uuid>$2</uuid>
  <os><type arch='x86_64' machine='$4'>hvm</type></os>
  <cpu mode='custom' match='exact' check='partial'><model fallback='forbid'>$3</model>$5</cpu>
</domain>
EOF
}
passthrough_xml() {
	cat <<EOF
<domain type='kvm'>
  <name>$1</name>
  <uuid>$2</uuid>
  <os><type arch='x86_64' machine='$3'>hvm</type></os>
  <cpu mode='host-passthrough' check='none' migratable='on'>$4</cpu>
</domain>
EOF
}
U3=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0
# The issue's example: Cascadelake-Server on pc-q35-99.0, neither of which
# this host's libvirt layer lists.  It answered "compatible" with the
# machine type only listed as not checked, and the hook let it through.
custom_xml vm-cascade $U3 Cascadelake-Server pc-q35-99.0 >"$T/cascade.xml"
check "issue example: POST without from names the machine type and the model" sh -c "curl -s --unix-socket '$D_SOCK' -H 'Content-Type: application/xml' --data-binary @'$T/cascade.xml' http://localhost/v1/compat >'$T/cascade.json' && jq -e '.verdict == \"incompatible\" and ([.reasons[] | select(.rule == \"machine-type\" and .name == \"pc-q35-99.0\")] | length == 1) and ([.reasons[] | select(.rule == \"cpu-model-usable\" and .name == \"Cascadelake-Server\")] | length == 1)' '$T/cascade.json' >/dev/null"
hook allow "$D_SOCK" vm-cascade migrate begin <"$T/cascade.xml"
check "issue example: the hook refuses it (exit 1), even with on_error = allow" expect 1
check "issue example: one line naming the machine type and the model" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'vm-cascade cannot run on this host: libvirt: machine type pc-q35-99.0 is not offered' '$T/err' && grep -q 'CPU model Cascadelake-Server is not usable' '$T/err'"
run_hint
check "a domain no host reports: the command (no source, '') runs as printed, exit 1, every reason" sh -c "
	[ \$(cat '$T/hint.rc') = 1 ] && grep -q 'machine type pc-q35-99.0 is not offered' '$T/hint.out' &&
	    [ \$(grep -c 'is required by the VM' '$T/hint.out') -gt 3 ] || { cat '$T/hint.cmd' '$T/hint.out'; exit 1; }"
# A name a shell would split: the XML's file name is made safe, the command still runs.
hook allow "$D_SOCK" "it's a vm" migrate begin <"$T/cascade.xml"
run_hint
check "a domain name with a quote and spaces: the command runs as printed" sh -c "
	grep -q \"hook-it_s_a_vm.xml '' dst\$\" '$T/err' && [ \$(cat '$T/hint.rc') = 1 ] ||
	    { cat '$T/err' '$T/hint.cmd' '$T/hint.out'; exit 1; }"
sed 's/^/# /' "$T/err"

# Blocking and unknown reasons together: a vmx-* feature migcompat cannot
# map (unknown) comes first in the answer, avx512f, which this host lacks,
# blocks, and without a KVM layer here the nested guest's capabilities are
# unknown; the hook's line leads with the blocking reason.
passthrough_xml vm-mixed $U3 pc-q35-7.2 "<feature policy='require' name='vmx-frobnicate'/><feature policy='require' name='avx512f'/>" >"$T/mixed.xml"
check "the answer lists an unknown reason before the blocking one" sh -c "curl -s --unix-socket '$D_SOCK' -H 'Content-Type: application/xml' --data-binary @'$T/mixed.xml' http://localhost/v1/compat | jq -e '.verdict == \"incompatible\" and .reasons[0].effect == \"unknown\" and .reasons[1].effect == \"blocks\"' >/dev/null"
hook allow "$D_SOCK" vm-mixed migrate begin <"$T/mixed.xml"
check "blocking and unknown reasons: refused (exit 1)" expect 1
check "the hook's line: the blocking reason first, then the unknown ones" grep -q 'vm-mixed cannot run on this host: CPUID: avx512f .* is required by the VM, not on destination; VMX: the VM requires "vmx-frobnicate".*; KVM: the destination profile has no KVM layer' "$T/err"
sed 's/^/# /' "$T/err"

# Unknown: a nested guest on one of this host's machine types; only the
# KVM capabilities cannot be checked (this host's profile has no KVM layer).
passthrough_xml vm-unknown $U3 pc-q35-7.2 >"$T/unknown.xml"
check "unknown example: the daemon answers unknown" sh -c "curl -s --unix-socket '$D_SOCK' -H 'Content-Type: application/xml' --data-binary @'$T/unknown.xml' http://localhost/v1/compat | jq -e '.verdict == \"unknown\"' >/dev/null"
ON_UNKNOWN=allow hook deny "$D_SOCK" vm-unknown migrate begin <"$T/unknown.xml"
check "unknown, on_unknown = allow: exit 0" expect 0
run_hint
check "unknown: the line's command runs as printed: exit 3 (unknown), the reason" sh -c "
	[ \$(cat '$T/hint.rc') = 3 ] && grep -q 'the destination profile has no KVM layer' '$T/hint.out' ||
	    { cat '$T/hint.cmd' '$T/hint.out'; exit 1; }"
check "unknown, on_unknown = allow: the reasons on one stderr line" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'vm-unknown: verdict unknown on this host: KVM: the destination profile has no KVM layer' '$T/err' && grep -q 'on_unknown = allow: letting it through' '$T/err'"
sed 's/^/# /' "$T/err"
ON_UNKNOWN=deny hook allow "$D_SOCK" vm-unknown migrate begin <"$T/unknown.xml"
check "unknown, on_unknown = deny: exit 1" expect 1
check "unknown, on_unknown = deny: the reasons and the refusal on one line" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'verdict unknown on this host: KVM: ' '$T/err' && grep -q 'on_unknown = deny: refusing it' '$T/err'"
ON_UNKNOWN=deny hook allow "$D_SOCK" vm-same migrate begin <"$T/same.xml"
check "compatible with on_unknown = deny: exit 0, silent" sh -c "[ \$(cat '$T/rc') = 0 ] && [ ! -s '$T/err' ] && [ ! -s '$T/out' ]"
ON_UNKNOWN=allow hook allow "$D_SOCK" vm-newer migrate begin <"$T/newer.xml"
check "incompatible with on_unknown = allow: exit 1" expect 1

# What the line tells the operator to run: the same answer from the CLI.
check "migcompat check --domain (offline): incompatible, exit 1" sh -c "'$MIGCOMPAT' check --domain '$T/newer.xml' '$T/src-newer.json' '$OLD' >'$T/cli.out' 2>&1; [ \$? = 1 ]"
check "migcompat check --domain (offline) lists the reason of the hook's line" sh -c "grep -q 'posted interrupts' '$T/cli.out' && grep -q 'posted interrupts' '$T/err'"
check "migcompat check --domain (offline): compatible twin, exit 0" "$MIGCOMPAT" check --domain "$T/same.xml" "$T/src-same.json" "$T/dst.json"
check "migcompat check --socket --domain: incompatible, exit 1" sh -c "'$MIGCOMPAT' check --socket '$D_SOCK' --domain '$T/newer.xml' skylake dst >/dev/null 2>&1; [ \$? = 1 ]"
check "migcompat check --domain refuses broken XML" sh -c "printf '<domain>' >'$T/bad.xml'; ! '$MIGCOMPAT' check --domain '$T/bad.xml' '$OLD' '$OLD' 2>'$T/e' && grep -q 'not well-formed' '$T/e'"

# A request, timed: well under the 2 s limit (target 50 ms).
t0=$(date +%s%N)
hook deny "$D_SOCK" vm-same migrate begin <"$T/same.xml"
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# hook run with the daemon up: ${ms} ms"
# The target is 50 ms on an idle host; a loaded CI machine only proves the
# answer came well before the 2 s limit.
check "a run with the daemon up answers well within the 2 s limit (${ms} ms)" test "$ms" -lt 1500

check "broken XML: the daemon's 400 goes to on_error = deny" sh -c "printf '<domain><name>x' | MIGCOMPAT_CONFIG='$T/hook.conf' '$H' x migrate begin - >'$T/out' 2>'$T/err'; [ \$? = 1 ] && grep -q 'not well-formed' '$T/err'"

# A daemon that accepts and never answers: the hook gives up within 2 s.
kill -STOP "$D_PID"
t0=$(date +%s%N)
hook allow "$D_SOCK" vm-same migrate begin <"$T/same.xml"
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "hung daemon, on_error = allow: exit 0, bounded by the limit (${ms} ms)" sh -c "[ \$(cat '$T/rc') = 0 ] && [ $ms -lt 3000 ] && [ $ms -ge 1400 ]"
check "hung daemon: the warning says it did not answer" grep -Eq "did not answer|no answer within" "$T/err"
hook deny "$D_SOCK" vm-same migrate begin <"$T/same.xml"
check "hung daemon, on_error = deny: exit 1" expect 1
kill -CONT "$D_PID"
check "daemon stops cleanly" stop_daemon D
hook allow "$D_SOCK" vm-same migrate begin <"$T/same.xml"
check "stopped daemon, on_error = allow: exit 0" expect 0
hook deny "$D_SOCK" vm-same migrate begin <"$T/same.xml"
check "stopped daemon, on_error = deny: exit 1" expect 1

done_testing
