#!/bin/sh
# libvirt.sh - a real libvirtd, started by the test in a private mount
# namespace (its config, hooks, run, state, cache and log directories are
# temporary bind mounts: the system's libvirt is never touched):
#  - migcompat-probe collects the domain capabilities for real;
#  - the test:///default driver and an absent daemon give an unavailable
#    layer with libvirt's reason;
#  - migcompat-hook, installed in qemu.d of that libvirtd, fires on real
#    domain operations of a small TCG domain (prepare/start: exit 0), and on
#    "restore begin" it lets a restore through or cancels it, with the
#    reason in libvirt's error, against a real migcompatd.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/common.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (libvirtd's qemu driver, a private mount namespace)"
for c in libvirtd virsh unshare mount jq; do
	command -v $c >/dev/null 2>&1 || skip_all "$c is not installed (Debian: libvirt-daemon-system libvirt-clients jq)"
done
QEMU=${QEMU_SYSTEM:-$(command -v qemu-system-x86_64)}
[ -n "$QEMU" ] && [ -x "$QEMU" ] || skip_all "qemu-system-x86_64 is not installed (Debian: qemu-system-x86)"
[ -x "$HOOK" ] && [ -x "$PROBE" ] || skip_all "migcompat-hook or migcompat-probe is not built"

T=$TMPDIR_TEST
chmod 755 "$T"
LVPID=
DPID=
cleanup() {
	if [ -n "$LVPID" ]; then
		virsh -c "$URI" destroy migcompat-idle >/dev/null 2>&1
		kill -TERM "$LVPID" 2>/dev/null
		i=0
		while kill -0 "$LVPID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$LVPID" 2>/dev/null
	fi
	[ -f "$T/hook.err" ] && sed 's/^/# hook stderr: /' "$T/hook.err"
	# A QEMU libvirtd could not stop (by the pid file it wrote).
	for f in "$T"/run/libvirt/qemu/*.pid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# The qemu driver wants its user and group even when told to run QEMU as root.
getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null || useradd -r -g libvirt-qemu -d /var/lib/libvirt \
    -s /usr/sbin/nologin libvirt-qemu

# --- A private libvirtd. ---
mkdir -p "$T/etc" "$T/run/libvirt" "$T/lib" "$T/cache" "$T/log"
[ -d /etc/libvirt ] && cp -a /etc/libvirt/. "$T/etc/"
rm -rf "$T/etc/hooks" "$T/etc/qemu/"*.xml "$T/etc/qemu/autostart" 2>/dev/null
mkdir -p "$T/etc/hooks/qemu.d"
cat >"$T/etc/qemu.conf" <<'EOF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
stdio_handler = "file"
cgroup_controllers = [ ]
namespaces = [ ]
EOF
cat >"$T/etc/libvirtd.conf" <<'EOF'
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
EOF
# A hook that logs every call libvirt makes, and migcompat-hook behind a
# wrapper that records its exit status (libvirt passes hooks a clean
# environment, so the wrapper also names the config).
cat >"$T/etc/hooks/qemu.d/10-log" <<EOF
#!/bin/sh
echo "\$*" >>"$T/calls.log"
cat >/dev/null
EOF
cp "$HOOK" "$T/migcompat-hook"
cat >"$T/etc/hooks/qemu.d/50-migcompat" <<EOF
#!/bin/sh
MIGCOMPAT_CONFIG=$T/hook.conf "$T/migcompat-hook" "\$@" 2>"$T/last.err"
rc=\$?
cat "$T/last.err" >&2
cat "$T/last.err" >>"$T/hook.err"
echo "\$* rc=\$rc" >>"$T/hook.log"
exit \$rc
EOF
chmod 755 "$T/etc/hooks/qemu.d/10-log" "$T/etc/hooks/qemu.d/50-migcompat"
printf 'socket = %s\non_error = allow\n' "$T/nothing.sock" >"$T/hook.conf"

cat >"$T/ns.sh" <<EOF
#!/bin/sh
set -e
mount --make-rprivate /
mount --bind "$T/etc" /etc/libvirt
mount --bind "$T/run" /run
mount --bind "$T/lib" /var/lib/libvirt
mount --bind "$T/cache" /var/cache/libvirt
mount --bind "$T/log" /var/log/libvirt
exec libvirtd --config "$T/etc/libvirtd.conf"
EOF
for d in /etc/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
	[ -d "$d" ] || skip_all "$d is missing: libvirt-daemon-system is not installed"
done
unshare -m sh "$T/ns.sh" >"$T/libvirtd.log" 2>&1 &
LVPID=$!
SOCK=$T/run/libvirt/libvirt-sock
URI="qemu:///system?socket=$SOCK"
i=0
while [ $i -lt 150 ] && ! virsh -c "$URI" version >/dev/null 2>&1; do
	kill -0 "$LVPID" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if ! virsh -c "$URI" version >/dev/null 2>&1; then
	sed 's/^/# /' "$T/libvirtd.log" | tail -20
	LVPID=
	skip_all "libvirtd cannot start here"
fi
check "libvirtd runs with the qemu driver" sh -c "virsh -c '$URI' uri | grep -q '^qemu:///system'"

# --- Domain capabilities, collected for real. ---
check "probe collects the libvirt layer" sh -c "'$PROBE' --libvirt-only --libvirt-uri '$URI' >'$T/p.json'"
j() { jq -r "$1" "$T/p.json"; }
check "libvirt layer is measured" test "$(j .layers.libvirt.status)" = measured
lvver=$(virsh -c "$URI" version | sed -n 's/^Using library: libvirt \([0-9.]*\).*/\1/p')
qver=$(virsh -c "$URI" version | sed -n 's/^Running hypervisor: QEMU \([0-9.]*\).*/\1/p')
check "libvirt version recorded ($lvver)" test "$(j .layers.libvirt.libvirt_version)" = "$lvver"
check "QEMU version recorded ($qver)" test "$(j .layers.libvirt.qemu_version)" = "$qver"
vt=$(j .layers.libvirt.virttype)
if [ -c /dev/kvm ]; then
	check "virttype kvm with /dev/kvm" test "$vt" = kvm
else
	check "virttype qemu without /dev/kvm, and the reason says so" sh -c "[ '$vt' = qemu ] && jq -r .layers.libvirt.reason '$T/p.json' | grep -q 'KVM not usable by libvirt'"
fi
virsh -c "$URI" domcapabilities --arch x86_64 --virttype "$vt" >"$T/domcaps.xml" 2>/dev/null
check "default machine as virsh domcapabilities says" sh -c "grep -q \"<machine>\$(jq -r .layers.libvirt.machine '$T/p.json')</machine>\" '$T/domcaps.xml'"
check "machine types include pc and q35" sh -c "jq -e '.layers.libvirt.machines | index(\"pc\") and index(\"q35\")' '$T/p.json' >/dev/null"
check "host-model CPU recorded" sh -c "m=\$(jq -r .layers.libvirt.host_model.model '$T/p.json'); [ -n \"\$m\" ] && grep -q \">\$m</model>\" '$T/domcaps.xml'"
check "host-model features recorded" test "$(j '.layers.libvirt.host_model.features | length')" -gt 0
check "usable CPU models as domcapabilities lists them" sh -c "[ \$(jq '.layers.libvirt.cpu_models | length' '$T/p.json') -eq \$(grep -c \"usable='yes'\" '$T/domcaps.xml') ]"
check "Hyper-V features as domcapabilities lists them" sh -c "for f in \$(jq -r '.layers.libvirt.hyperv_features[]' '$T/p.json'); do grep -q \"<value>\$f</value>\" '$T/domcaps.xml' || exit 1; done"
check "no domain runs yet" test "$(j '.layers.libvirt.domains | length')" = 0

check "test:///default: the layer is unavailable, with the reason" sh -c "'$PROBE' --libvirt-only --libvirt-uri test:///default >'$T/t.json' && jq -e '.layers.libvirt.status == \"unavailable\" and (.layers.libvirt.reason | test(\"test:///default: domain capabilities: .*support\"))' '$T/t.json' >/dev/null"
jq -r '.layers.libvirt.reason' "$T/t.json" | sed 's/^/# test driver: /'
check "no libvirtd behind the URI: unavailable with libvirt's message" sh -c "'$PROBE' --libvirt-only --libvirt-uri 'qemu:///system?socket=$T/none' >'$T/n.json' 2>'$T/n.err' && jq -e '.layers.libvirt.reason | test(\"Failed to connect socket\")' '$T/n.json' >/dev/null && [ ! -s '$T/n.err' ]"
# An unprivileged caller may not read domain capabilities (libvirt >= 5.4):
# the read-only part still gives machine types and running domains.
if command -v setpriv >/dev/null 2>&1 && getent passwd nobody >/dev/null; then
	cp "$PROBE" "$T/probe" && chmod 755 "$T/probe"
	check "unprivileged: measured without domain capabilities, and says why" sh -c "setpriv --reuid=nobody --regid=\$(id -g nobody) --clear-groups '$T/probe' --libvirt-only --host-id x --libvirt-uri 'qemu:///system?socket=$T/run/libvirt/libvirt-sock-ro' >'$T/u.json' && jq -e '.layers.libvirt.status == \"measured\" and .layers.libvirt.domain_capabilities == false and (.layers.libvirt.machines | length > 0) and .layers.libvirt.cpu_models == [] and (.layers.libvirt.reason | test(\"no domain capabilities\"))' '$T/u.json' >/dev/null"
	jq -r '.layers.libvirt.reason' "$T/u.json" | sed 's/^/# unprivileged: /'
	check "privileged: domain capabilities true" test "$(j .layers.libvirt.domain_capabilities)" = true
else
	skip "unprivileged collection" "setpriv or user nobody missing"
fi
check "--no-libvirt leaves the layer out" sh -c "'$PROBE' --libvirt-only --no-libvirt | jq -e '.layers.libvirt == null' >/dev/null"

# --- The hook on real domain operations. ---
cat >"$T/dom.xml" <<EOF
<domain type='qemu'>
  <name>migcompat-idle</name>
  <uuid>6d1c5e1a-7f3b-4c2d-9e8f-0a1b2c3d4e5f</uuid>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
  <cpu mode='maximum' check='none' migratable='on'/>
  <devices>
    <emulator>$QEMU</emulator>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
check "a TCG domain starts with the hook installed" virsh -c "$URI" create "$T/dom.xml"
check "libvirt ran the qemu.d hooks (prepare, start)" sh -c "grep -qx 'migcompat-idle prepare begin -' '$T/calls.log' && grep -qx 'migcompat-idle start begin -' '$T/calls.log'"
check "migcompat-hook ran on prepare begin and exited 0" grep -qx "migcompat-idle prepare begin - rc=0" "$T/hook.log"
check "migcompat-hook ran on start begin and exited 0" grep -qx "migcompat-idle start begin - rc=0" "$T/hook.log"
check "migcompat-hook said nothing on those" test ! -s "$T/hook.err"
check "the probe lists the running domain's UUID" sh -c "'$PROBE' --libvirt-only --libvirt-uri '$URI' | jq -e '.layers.libvirt.domains == [\"6d1c5e1a-7f3b-4c2d-9e8f-0a1b2c3d4e5f\"]' >/dev/null"

# restore begin: the hook asks the daemon; with none, on_error decides.
if virsh -c "$URI" save migcompat-idle "$T/idle.save" >"$T/save.out" 2>&1; then
	printf 'socket = %s\non_error = deny\n' "$T/nothing.sock" >"$T/hook.conf"
	check "restore with the daemon down and on_error = deny is cancelled" sh -c "! virsh -c '$URI' restore '$T/idle.save' >'$T/r.out' 2>&1"
	check "libvirt's error carries the hook's line" sh -c "grep -q 'migcompat-hook: cannot check migcompat-idle' '$T/r.out' && grep -q 'on_error = deny' '$T/r.out'"
	sed 's/^/# /' "$T/r.out" | head -3
	check "migcompat-hook ran on restore begin and exited 1" grep -qx "migcompat-idle restore begin - rc=1" "$T/hook.log"
	printf 'socket = %s\non_error = allow\n' "$T/nothing.sock" >"$T/hook.conf"
	check "restore with on_error = allow goes through" virsh -c "$URI" restore "$T/idle.save"

	if [ -x "$MIGCOMPATD" ]; then
		DSOCK=$T/d.sock
		# start_d DB: a migcompatd answering on $DSOCK, this host being "dst".
		start_d() {
			[ -z "$DPID" ] || { kill -TERM "$DPID"; wait "$DPID" 2>/dev/null; }
			rm -f "$DSOCK"
			"$MIGCOMPATD" -f /dev/null --listen none --socket "$DSOCK" --db "$1" --no-collect \
			    --host-id dst >>"$T/d.log" 2>&1 &
			DPID=$!
			i=0
			while [ $i -lt 50 ] && ! curl -s --unix-socket "$DSOCK" http://localhost/healthz >/dev/null 2>&1; do
				sleep 0.1
				i=$((i + 1))
			done
		}
		start_d "$T/d1.db"
		put() {
			[ "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$DSOCK" -X PUT \
			    -H 'Content-Type: application/json' --data-binary @"$2" "http://localhost/v1/hosts/$1")" -lt 300 ]
		}
		OLD=$MIGCOMPAT_FIXTURES/instlatx64/GenuineIntel00206C2_Gulftown_01_CPUID.json
		NEW=$MIGCOMPAT_FIXTURES/instlatx64/GenuineIntel0050654_SkylakeX_CPUID.json
		runs() {
			"$MIGCOMPAT" show --json "$1" | jq --arg u "$2" \
			    '.layers.libvirt = {"status": "measured", "reason": "test", "domains": [$u]}'
		}
		runs "$NEW" 6d1c5e1a-7f3b-4c2d-9e8f-0a1b2c3d4e5f >"$T/skylake.json"
		put dst "$OLD" && put skylake "$T/skylake.json"
		check "daemon up: this host (Gulftown), a Skylake-X host running the domain" test $? = 0
		printf 'socket = %s\non_error = allow\n' "$DSOCK" >"$T/hook.conf"
		# CPU mode maximum: nested, so the VMX rules apply.
		virsh -c "$URI" save migcompat-idle "$T/idle.save" >/dev/null 2>&1
		check "restore of a domain whose source is incompatible is cancelled" sh -c "! virsh -c '$URI' restore '$T/idle.save' >'$T/r2.out' 2>&1"
		check "libvirt's error names the domain and the reason" sh -c "grep -q 'migcompat-idle cannot run on this host: ' '$T/r2.out'"
		sed 's/^/# /' "$T/r2.out" | head -3
		# A fleet where the domain runs on a twin of this host instead.
		start_d "$T/d2.db"
		runs "$OLD" 6d1c5e1a-7f3b-4c2d-9e8f-0a1b2c3d4e5f >"$T/twin.json"
		jq 'del(.layers.libvirt)' "$T/twin.json" >"$T/dst.json"
		put dst "$T/dst.json" && put twin "$T/twin.json"
		# deny: only a compatible verdict lets it through now.
		printf 'socket = %s\non_error = deny\n' "$DSOCK" >"$T/hook.conf"
		check "the same restore from a compatible source goes through" virsh -c "$URI" restore "$T/idle.save"
		check "the hook's calls on restore: rc=1, then rc=0" sh -c "grep 'restore begin' '$T/hook.log' | tail -2 | tr '\\n' ' ' | grep -q 'rc=1 .*rc=0'"
	else
		skip "restore checks against a real daemon" "migcompatd is not built"
	fi
else
	sed 's/^/# /' "$T/save.out"
	skip "restore begin through libvirt" "virsh save of a TCG domain failed here"
fi

check "the domain stops" virsh -c "$URI" destroy migcompat-idle
check "libvirt ran release end and the hook let it be" grep -qx "migcompat-idle release end - rc=0" "$T/hook.log"
done_testing
